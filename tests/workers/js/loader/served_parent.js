// A parent deployed on `isolet serve` (tests/all/server.rs,
// `a_deployed_parent_passes_objects_within_bounds`): what a child may do
// with the objects its parent passes, through the server as a tenant
// reaches it. Bindings: LOADER {"loader": {}}. Each RPC method returns
// what it saw; the test compares.
import { WorkerEntrypoint, RpcTarget } from "cloudflare:workers";

class Tools extends RpcTarget {
  lookup(key) { return `tool:${key}`; }
  _secret() { return "leaked"; }
}

export class Greeter extends WorkerEntrypoint {
  greet(name) { return `${this.ctx.props.greeting}, ${name}`; }
}

const child = {
  compatibilityDate: "2025-06-01",
  mainModule: "c.js",
  modules: {
    "c.js": `
      import { WorkerEntrypoint, abortIsolate } from "cloudflare:workers";
      let kept = null;
      let count = 0;
      async function error(p) { try { await p; return "no error"; } catch (e) { return e.message; } }
      export default class extends WorkerEntrypoint {
        async use(tools) { kept = tools; return [await tools.lookup("a"), await error(tools._secret())]; }
        async late() { return await error(kept.lookup("b")); }
        async viaProps() { return await this.ctx.props.greeter.greet("Ada"); }
        async wait(f) { return await f(); }
        count() { return ++count; }
        crash() { abortIsolate("served"); }
      }
    `,
  },
};

export default class extends WorkerEntrypoint {
  child() { return this.env.LOADER.get("c", () => child).getEntrypoint(); }

  async objects() {
    const ep = this.child();
    return { used: await ep.use(new Tools()), late: await ep.late() };
  }

  async props() {
    const ep = this.env.LOADER.get("c", () => child).getEntrypoint(undefined, {
      props: { greeter: this.ctx.exports.Greeter({ props: { greeting: "Hello" } }) },
    });
    return await ep.viaProps();
  }

  // Five calls at once, each waiting on a function of this worker: four
  // wait, the fifth is refused.
  async pending() {
    let release;
    const gate = new Promise((r) => { release = r; });
    const wait = async () => { await gate; return "done"; };
    const calls = [];
    for (let i = 0; i < 5; i++) {
      calls.push(this.env.LOADER.load(child).getEntrypoint().wait(wait).then((v) => v, (e) => `error: ${e.message}`));
    }
    const fifth = await calls[4];
    release();
    return await Promise.all(calls.slice(0, 4)).then((four) => [...four, fifth]);
  }

  async count() { return await this.child().count(); }
  async crash() {
    try { await this.child().crash(); return "no error"; } catch (e) { return e.message; }
  }
}
