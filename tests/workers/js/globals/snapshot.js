// Objects of the engine's snapshot (the prelude's prototypes, functions,
// strings and shapes) are immortal: no reference counting, never freed,
// never reused. What a worker does to them, and to objects that share
// their shapes, must still behave exactly as in any JS engine.
import { eq, ok, suite } from "./harness.js";

// Objects made before the snapshot, and what each is (see kindOf): which
// of the changes below can be made to it, so the suite's number of checks
// is fixed (tests/js_api.rs asserts it).
const snapshotObjects = () => [
  ["navigator", navigator, "frozen"],
  ["console", console, "open"],
  ["crypto.subtle", crypto.subtle, "empty"],
  ["Response.prototype", Response.prototype, "open"],
  ["Headers.prototype", Headers.prototype, "open"],
  ["URL.prototype", URL.prototype, "open"],
  ["ReadableStream.prototype", ReadableStream.prototype, "open"],
  ["globalThis", globalThis, "open"],
];

// "frozen": nothing can be added, deleted or changed; "empty": extensible,
// without own properties (its methods are its prototype's); "open":
// extensible, with configurable and with writable own properties.
function kindOf(o) {
  const keys = Reflect.ownKeys(o);
  const some = (attribute) => keys.some((k) => Object.getOwnPropertyDescriptor(o, k)[attribute]);
  if (Object.isFrozen(o)) return "frozen";
  if (!Object.isExtensible(o)) return "not extensible, not frozen";
  if (keys.length === 0) return "empty";
  if (!some("configurable") || !some("writable")) return "extensible, without configurable or writable properties";
  return "open";
}

const describe = (o) =>
  JSON.stringify(
    Reflect.ownKeys(o).map((k) => {
      const d = Object.getOwnPropertyDescriptor(o, k);
      return [String(k), d.writable, d.enumerable, d.configurable, typeof d.value, typeof d.get];
    }),
  );

// A new object with the same prototype and the same properties, added in
// the same order with the same attributes: QuickJS gives it the snapshot
// object's (shared, hashed) shape.
function twin(o) {
  const t = Object.create(Object.getPrototypeOf(o));
  for (const k of Reflect.ownKeys(o)) Object.defineProperty(t, k, Object.getOwnPropertyDescriptor(o, k));
  return t;
}

function shapes() {
  for (const [name, o, kind] of snapshotObjects()) {
    eq(`${name} is ${kind}`, kindOf(o), kind);
    const before = describe(o);
    const t = twin(o);
    eq(`${name}: twin has the same properties`, describe(t), before);

    // Change the snapshot object: its twin must not change with it.
    if (Object.isExtensible(o)) {
      const added = Symbol("added");
      o[added] = 1;
      eq(`${name}: twin unchanged after a property is added to the original`, describe(t), before);
      ok(`${name}: original has the new property`, o[added] === 1);
      delete o[added];
      eq(`${name}: original restored`, describe(o), before);
    }

    // Change the twin: the snapshot object must not change with it.
    const first = Reflect.ownKeys(t).find((k) => Object.getOwnPropertyDescriptor(t, k).configurable);
    if (first !== undefined) {
      delete t[first];
      eq(`${name}: original unchanged after the twin lost ${String(first)}`, describe(o), before);
      ok(`${name}: twin lost ${String(first)}`, !Object.hasOwn(t, first));
    }
    t.extra = 2;
    eq(`${name}: original unchanged after the twin grew`, describe(o), before);

    // Attribute changes (a shape update in place when the shape is not shared).
    const t2 = twin(o);
    const w = Reflect.ownKeys(t2).find((k) => Object.getOwnPropertyDescriptor(t2, k).writable);
    if (w !== undefined) {
      Object.defineProperty(t2, w, { writable: false });
      eq(`${name}: original unchanged after the twin froze ${String(w)}`, describe(o), before);
    }
  }
}

function strings() {
  // Strings held by snapshot objects: appending to a copy must not append
  // to the original in place (an unshared string may be extended in place).
  const held = [
    ["navigator.userAgent", () => navigator.userAgent],
    ["Response.name", () => Response.name],
    ["new Response().type", () => new Response().type],
    ["new Request('http://a/').method", () => new Request("http://a/").method],
    ["new Request('http://a/').redirect", () => new Request("http://a/").redirect],
    ["Headers.prototype[Symbol.toStringTag]", () => Headers.prototype[Symbol.toStringTag]],
  ];
  for (const [name, read] of held) {
    eq(`${name} is a string`, typeof read(), "string");
    const original = JSON.stringify(read());
    for (let i = 0; i < 3; i++) {
      let s = read();
      s += "-appended";
      s += "!";
      eq(`${name}: the copy grew`, s, JSON.parse(original) + "-appended!");
    }
    eq(`${name}: unchanged after appending to copies`, JSON.stringify(read()), original);
  }
}

function growAndShrink() {
  // Many properties added to and removed from snapshot objects: their
  // property arrays and shapes move out of the snapshot's memory.
  for (const [name, o] of [["globalThis", globalThis], ["Response.prototype", Response.prototype]]) {
    const before = describe(o);
    for (let i = 0; i < 300; i++) o[`__grow${i}`] = { i, s: `v${i}` };
    let sum = 0;
    for (let i = 0; i < 300; i++) sum += o[`__grow${i}`].i;
    eq(`${name}: 300 added properties read back`, sum, (299 * 300) / 2);
    for (let i = 0; i < 300; i += 2) delete o[`__grow${i}`];
    eq(`${name}: odd properties survive deletion of the even ones`, o.__grow299.s, "v299");
    for (let i = 1; i < 300; i += 2) delete o[`__grow${i}`];
    eq(`${name}: back to its own properties`, describe(o), before);
  }
  Array.prototype.push(1, 2, 3);
  eq("Array.prototype grew", Array.prototype.length, 3);
  Array.prototype.length = 0;
  eq("Array.prototype shrank", [].concat([1]).length, 1);
}

function cycles() {
  // Enough garbage (with cycles, some through snapshot objects) to run the
  // cycle collector several times, while values hung on snapshot objects
  // must survive it.
  globalThis.__kept = { name: "kept", self: null };
  globalThis.__kept.self = globalThis.__kept;
  Response.prototype.__kept = [globalThis.__kept, "second"];
  for (let round = 0; round < 20; round++) {
    let chain = null;
    for (let i = 0; i < 2000; i++) {
      const a = { proto: Response.prototype, i, text: `x${i}` };
      const b = { a, headers: Headers.prototype };
      a.b = b;
      chain = { a, next: i % 50 ? chain : null };
    }
  }
  eq("value hung on globalThis survives collections", globalThis.__kept.self.name, "kept");
  eq("value hung on a prototype survives collections", Response.prototype.__kept[1], "second");
  ok("snapshot objects still work after collections", new Response("ok").status === 200);
  delete Response.prototype.__kept;
  delete globalThis.__kept;
}

function atoms() {
  // More new property names than the room the snapshot reserves in the
  // atom table (2,048): the table and its hash grow out of the snapshot,
  // and every name, the prelude's and the new ones, must still resolve.
  const o = {};
  const n = 20000;
  for (let i = 0; i < n; i++) o[`atom_${i}_name`] = i;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += o[`atom_${i}_name`];
  eq("new names resolve after the atom table grew", sum, (n * (n - 1)) / 2);
  eq("their keys, in order", Object.keys(o).slice(-2), [`atom_${n - 2}_name`, `atom_${n - 1}_name`]);
  ok("prelude names resolve after the atom table grew", typeof Response.prototype.arrayBuffer === "function" && "searchParams" in new URL("https://a.example/"));
  // Names freed and made again (their slots are reused).
  for (let i = 0; i < n; i += 2) delete o[`atom_${i}_name`];
  const again = {};
  for (let i = 0; i < 2000; i++) again[`fresh_${i}`] = i;
  eq("names made after others were freed", again.fresh_1999 + o.atom_19999_name, 1999 + 19999);
}

export default suite(async () => {
  shapes();
  strings();
  growAndShrink();
  cycles();
  atoms();
  // Everything still works afterwards.
  const r = new Response("body", { headers: { "x-a": "1" } });
  eq("a response after all of it", [r.status, r.headers.get("x-a"), await r.text()], [200, "1", "body"]);
  eq("URL after all of it", new URL("https://example.com/a?b=1").searchParams.get("b"), "1");
});
