// isolet's console (console.log and its levels, to the host's tail log),
// and the reporting of uncaught errors: logged as uncaught and reported to
// the trace as an exception (the `reportError` global and lib.reportError).
//
// The prelude (js/prelude/) holds the Workers globals and the engine's
// entry points, one file per API; src/engine.rs evaluates its files, in
// order, at build time, after events.js and url.js and before the other API
// files. This is its first file; like every API file it evaluates to a
// function that takes the engine's internal `lib` object and the natives,
// defines its globals, takes what it needs from earlier files off `lib` and
// puts there what later files need.
(function (lib, native) {
  "use strict";

  const define = (name, value) =>
    Object.defineProperty(globalThis, name, { value, writable: true, configurable: true, enumerable: false });

  // ---------------------------------------------------------------- console
  const LEVEL = { debug: 0, log: 1, info: 2, warn: 3, error: 4 };

  function inspect(value, depth, seen) {
    switch (typeof value) {
      case "string": return depth === 0 ? value : JSON.stringify(value);
      case "number": return Object.is(value, -0) ? "-0" : String(value);
      case "bigint": return value + "n";
      case "undefined": return "undefined";
      case "boolean": return String(value);
      case "symbol": return value.toString();
      case "function": return value.name ? `[Function: ${value.name}]` : "[Function (anonymous)]";
    }
    if (value === null) return "null";
    if (seen.includes(value)) return "[Circular *]";
    if (value instanceof Error) return value.stack ? `${value.name}: ${value.message}\n${value.stack}`.trimEnd() : `${value.name}: ${value.message}`;
    if (value instanceof Date) return isNaN(value) ? "Invalid Date" : value.toISOString();
    if (value instanceof RegExp) return String(value);
    if (depth > 2) return Array.isArray(value) ? "[Array]" : "[Object]";
    const next = seen.concat([value]);
    const item = (v) => inspect(v, depth + 1, next);
    if (Array.isArray(value)) return value.length ? `[ ${value.map(item).join(", ")} ]` : "[]";
    if (value instanceof Map) return `Map(${value.size}) { ${[...value].map(([k, v]) => `${item(k)} => ${item(v)}`).join(", ")} }`;
    if (value instanceof Set) return `Set(${value.size}) { ${[...value].map(item).join(", ")} }`;
    if (ArrayBuffer.isView(value)) return `${value.constructor.name}(${value.length}) [ ${Array.from(value).join(", ")} ]`;
    if (value instanceof Promise) return "Promise { <pending> }";
    const keys = Object.keys(value);
    const ctor = value.constructor && value.constructor !== Object ? value.constructor.name + " " : "";
    if (!keys.length) return ctor + "{}";
    const key = (k) => (/^[A-Za-z_$][\w$]*$/.test(k) ? k : JSON.stringify(k));
    return `${ctor}{ ${keys.map((k) => `${key(k)}: ${item(value[k])}`).join(", ")} }`;
  }

  function format(args) {
    return args.map((a) => inspect(a, 0, [])).join(" ");
  }

  const console = {};
  for (const [name, level] of Object.entries(LEVEL)) {
    console[name] = (...args) => native.log(level, format(args));
  }
  console.trace = (...args) => native.log(LEVEL.log, format(["Trace:", ...args]) + "\n" + new Error().stack);
  console.assert = (cond, ...args) => { if (!cond) native.log(LEVEL.error, format(["Assertion failed:", ...args])); };
  console.table = console.log;
  console.dir = (v) => console.log(v);
  define("console", console);

  // ---------------------------------------------------------------- uncaught errors
  // For events.js (a listener that throws) and the prelude's files:
  // reportError(e, prefix = "Uncaught ").
  lib.reportError = reportError;
  function reportError(e, prefix = "Uncaught ") {
    native.log(LEVEL.error, prefix + inspect(e, 0, []));
    reportException(e);
  }
  // An uncaught error for the trace's exceptions (name, message, stack).
  function reportException(e) {
    let name = "Error", message, stack = "";
    try {
      if (e instanceof Error) {
        name = String(e.name);
        message = String(e.message);
        stack = typeof e.stack === "string" ? e.stack : "";
      } else {
        message = inspect(e, 0, []);
      }
    } catch {
      message = "(an error that could not be read)";
    }
    native.reportException(name, message, stack);
  }
  // Reports an error as an uncaught one (to the tails), without throwing.
  define("reportError", function reportError_(e) {
    if (arguments.length < 1) throw new TypeError("reportError needs an error");
    reportError(e);
  });

  // For dispatch.js.
  lib.LEVEL = LEVEL;
});
