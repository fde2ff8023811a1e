// The parent worker benches/loader.rs and `probe N loader`
// (crates/isolet/examples/probe.rs) measure: Rust -> parent -> child.
import { WorkerEntrypoint } from "cloudflare:workers";
const child = "export default { add(a, b) { return a + b }, async twice(f) { return await f(2) } }";
const code = { compatibilityDate: "2025-06-01", mainModule: "c.js", modules: { "c.js": child } };
export default class extends WorkerEntrypoint {
  // Rust -> parent -> child (kept by name) -> back.
  viaChild() { return this.env.LOADER.get("c", () => code).getEntrypoint().add(1, 2); }
  // ... and the child calls a function of the parent, passed by reference.
  stubBack() { return this.env.LOADER.get("c", () => code).getEntrypoint().twice((x) => x + 1); }
  // A child made for this request (distinct code) and called once.
  loadOnce(n) {
    const modules = { "c.js": child + "\n// " + n };
    return this.env.LOADER.load({ ...code, modules }).getEntrypoint().add(1, 2);
  }
}
