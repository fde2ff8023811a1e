// isolet's structuredClone (the HTML standard's structured clone), with a
// transfer list of ArrayBuffers; and lib.cloneError, the DataCloneError
// (rpc.js throws it too).
//
// Evaluated at build time in the prelude, after http.js; takes the
// engine's internal `lib` object and the natives.
(function (lib, native) {
  "use strict";

  const define = (name, value) =>
    Object.defineProperty(globalThis, name, { value, writable: true, configurable: true, enumerable: false });
  const DOMExceptionLike = lib.DOMException; // events.js

  // ---------------------------------------------------------------- structuredClone
  function cloneError(message) { return new DOMExceptionLike(message, "DataCloneError"); }
  function structuredCloneImpl(value, memo) {
    if (typeof value !== "object" || value === null) {
      if (typeof value === "function") throw cloneError(`${value.name || "function"} could not be cloned.`);
      if (typeof value === "symbol") throw cloneError(`${String(value)} could not be cloned.`);
      return value;
    }
    if (memo.has(value)) return memo.get(value);
    let out;
    if (Array.isArray(value)) {
      out = new Array(value.length); memo.set(value, out);
      for (let i = 0; i < value.length; i++) if (i in value) out[i] = structuredCloneImpl(value[i], memo);
      return out;
    }
    if (value instanceof Date) { out = new Date(value.getTime()); memo.set(value, out); return out; }
    if (value instanceof RegExp) { out = new RegExp(value.source, value.flags); memo.set(value, out); return out; }
    if (value instanceof ArrayBuffer) { out = value.slice(0); memo.set(value, out); return out; }
    if (ArrayBuffer.isView(value)) {
      const buf = structuredCloneImpl(value.buffer, memo);
      out = value instanceof DataView ? new DataView(buf, value.byteOffset, value.byteLength) : new value.constructor(buf, value.byteOffset, value.length);
      memo.set(value, out); return out;
    }
    if (value instanceof Map) {
      out = new Map(); memo.set(value, out);
      for (const [k, v] of value) out.set(structuredCloneImpl(k, memo), structuredCloneImpl(v, memo));
      return out;
    }
    if (value instanceof Set) {
      out = new Set(); memo.set(value, out);
      for (const v of value) out.add(structuredCloneImpl(v, memo));
      return out;
    }
    if (value instanceof Error) {
      const Ctor = { EvalError, RangeError, ReferenceError, SyntaxError, TypeError, URIError }[value.name] || Error;
      out = new Ctor(value.message); memo.set(value, out);
      if (value.name && Ctor === Error && value.name !== "Error") out.name = value.name;
      if (value.stack) out.stack = value.stack;
      return out;
    }
    if (value instanceof Boolean || value instanceof Number || value instanceof String) {
      out = Object(value.valueOf()); memo.set(value, out); return out;
    }
    if (value instanceof Promise || value instanceof WeakMap || value instanceof WeakSet) {
      throw cloneError(`${Object.prototype.toString.call(value)} could not be cloned.`);
    }
    out = {}; memo.set(value, out);
    for (const k of Object.keys(value)) out[k] = structuredCloneImpl(value[k], memo);
    return out;
  }
  define("structuredClone", function structuredClone(value, options = undefined) {
    if (arguments.length === 0) throw new TypeError("structuredClone requires 1 argument");
    const memo = new Map();
    // The transfer list: ArrayBuffers the clone takes over; the originals
    // are detached afterwards (the clone gets their bytes).
    const transfer = options === undefined || options === null ? undefined : options.transfer;
    const moved = [];
    if (transfer !== undefined) {
      if (transfer === null || typeof transfer !== "object" || typeof transfer[Symbol.iterator] !== "function") {
        throw new TypeError("structuredClone: options.transfer must be a sequence");
      }
      for (const t of transfer) {
        if (!(t instanceof ArrayBuffer)) throw cloneError("Only ArrayBuffers can be transferred.");
        if (moved.includes(t)) throw cloneError("An ArrayBuffer is listed twice in the transfer list.");
        if (t.detached) throw cloneError("A detached ArrayBuffer cannot be transferred.");
        moved.push(t);
      }
      for (const t of moved) memo.set(t, t.slice(0));
    }
    const out = structuredCloneImpl(value, memo);
    for (const t of moved) t.transfer();
    return out;
  });

  lib.cloneError = cloneError; // for rpc.js
});
