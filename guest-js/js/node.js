// isolet's Node.js compatibility: the `node:*` built-in modules a worker
// with the `nodejs_compat` flag can import or require (also by bare name:
// `buffer`), and its `Buffer`, `process` and `setImmediate` globals. Each
// module's source (js/node/*.js, listed in src/modules.rs) is evaluated on
// first use, so none of it is in the engine's snapshot.
//
// Evaluated at build time after the prelude; takes the engine's internal
// `lib` object and the natives.
(function (lib, native) {
  "use strict";

  const cache = new Map();
  // Node's AbortError for an aborted `signal` (events, stream, timers).
  lib.nodeAbortError = (signal) => {
    const e = new Error("The operation was aborted");
    e.name = "AbortError";
    e.code = "ABORT_ERR";
    e.cause = signal && signal.reason;
    return e;
  };
  // The exports of module `name` (without `node:`); the `require` the
  // module files get.
  function load(name) {
    const hit = cache.get(name);
    if (hit !== undefined) return hit;
    const source = native.nodeSource(name);
    if (source === undefined) throw new Error(`No such module "node:${name}"`);
    const exports = (0, eval)(source)(lib, native, load);
    cache.set(name, exports);
    return exports;
  }
  const IDENT = /^[A-Za-z_$][\w$]*$/;
  // An ES module of `name`'s exports: its default export is the whole
  // module (as `require` gives it), each own enumerable property a named
  // export.
  function esm(name) {
    const m = load(name);
    const names = Object.keys(m).filter((k) => k !== "default" && IDENT.test(k));
    const lines = [`const m = globalThis[Symbol.for("isolet.workers")].nodeModule(${JSON.stringify(name)});`, "export default m;"];
    names.forEach((k, i) => lines.push(`const _${i} = m[${JSON.stringify(k)}];`));
    if (names.length) lines.push(`export { ${names.map((k, i) => `_${i} as ${k}`).join(", ")} };`);
    return lines.join("\n");
  }
  // `require(specifier)` of a Node.js module, or undefined when the
  // specifier names none (throws when the worker may not use it).
  function requireBuiltin(specifier) {
    const name = native.nodeResolve(specifier);
    return name === null || name === undefined ? undefined : load(name);
  }

  // The globals nodejs_compat adds, made when first read.
  function lazyGlobal(name, make) {
    Object.defineProperty(globalThis, name, {
      get() {
        const value = make();
        Object.defineProperty(globalThis, name, { value, writable: true, configurable: true, enumerable: false });
        return value;
      },
      set(value) { Object.defineProperty(globalThis, name, { value, writable: true, configurable: true, enumerable: false }); },
      configurable: true,
      enumerable: false,
    });
  }
  lib.node = {
    load,
    esm,
    require: requireBuiltin,
    // Called by the prelude's init with the worker's level: "full"
    // (nodejs_compat), "als" (nodejs_als) or "".
    enable(level) {
      if (level !== "full") return;
      lazyGlobal("Buffer", () => load("buffer").Buffer);
      lazyGlobal("process", () => load("process"));
      lazyGlobal("setImmediate", () => (fn, ...args) => setTimeout(fn, 0, ...args));
      lazyGlobal("clearImmediate", () => (id) => clearTimeout(id));
    },
  };
});
