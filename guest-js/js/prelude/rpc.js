// isolet's RPC: the wire encoding of values (tagged JSON), and env.NAME for
// capability and service bindings, whose calls go to the host
// (`bindings.call`). dispatch.js decodes and encodes calls to the worker's
// own entrypoints with the same encoding.
//
// Evaluated at build time in the prelude, after structuredclone.js; takes
// the engine's internal `lib` object and the natives.
(function (lib, native) {
  "use strict";

  const { cloneError } = lib; // structuredclone.js
  const { Request, fetchedResponse } = lib; // http.js

  // ---------------------------------------------------------------- RPC wire encoding
  // Tagged JSON (see crates/isolet/src/wire.rs): JSON values stand for themselves;
  // everything else is {"$t": type, "v": ...}. Plain objects that have a "$t"
  // key are wrapped as {"$t": "object", "v": {...}}.
  function b64encode(bytes) { let s = ""; for (const b of bytes) s += String.fromCharCode(b); return btoa(s); }
  function b64decode(str) { const s = atob(str); const out = new Uint8Array(s.length); for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i); return out; }
  // A data property, even for the key "__proto__" (an assignment would set
  // the object's prototype and lose the value).
  function setOwn(obj, k, v) {
    if (k === "__proto__") Object.defineProperty(obj, k, { value: v, enumerable: true, writable: true, configurable: true });
    else obj[k] = v;
  }
  // Objects passed by reference besides RpcTargets and functions: this
  // worker's bindings (null) and ctx.exports stubs (dispatch.js adds
  // those, with their entrypoint and props: loader.js hands a child's env
  // and globalOutbound those as services). `false` marks what is never
  // passed (a Worker Loader, its functions, a loaded worker).
  const byReference = new WeakMap();
  let RpcTargetClass; // dispatch.js's, looked up on first use
  // While wireEncodePassing encodes a call to a loaded worker: the list of
  // what it passes by reference (RpcTargets, functions, stubs), each on the
  // wire as its number there. A variable rather than a parameter: plain
  // encoding (every RPC result) stays as cheap as it was.
  let passed = undefined;
  function passedStub(value) {
    let n = passed.indexOf(value);
    if (n === -1) n = passed.push(value) - 1;
    return { $t: "stub", v: n };
  }
  function wireEncodePassing(value, list) {
    const outer = passed;
    passed = list;
    try {
      return wireEncode(value);
    } finally {
      passed = outer;
    }
  }
  // `seen` (the objects on the path, for cycles) is made when the first
  // object is reached: most RPC values are primitives.
  function wireEncode(value, seen = undefined) {
    switch (typeof value) {
      case "undefined": return { $t: "undefined" };
      case "boolean": case "string": return value;
      case "number":
        if (Number.isFinite(value) && !Object.is(value, -0)) return value;
        return { $t: "number", v: Number.isNaN(value) ? "NaN" : Object.is(value, -0) ? "-0" : value > 0 ? "Infinity" : "-Infinity" };
      case "bigint": return { $t: "bigint", v: value.toString() };
      case "function":
        if (passed !== undefined && byReference.get(value) !== false) return passedStub(value);
        throw cloneError(`Could not serialize function ${value.name || "(anonymous)"} for RPC`);
      case "symbol": throw cloneError("Could not serialize a symbol for RPC");
    }
    if (value === null) return null;
    // An RpcTarget or a stub is passed by reference or not at all (never
    // its fields by value).
    if (byReference.has(value) || value instanceof (RpcTargetClass ??= globalThis[Symbol.for("isolet.workers")].RpcTarget)) {
      if (passed !== undefined && byReference.get(value) !== false) return passedStub(value);
      throw cloneError(value instanceof RpcTargetClass
        ? "Could not serialize an RpcTarget: isolet passes RpcTargets by reference in the arguments of a call to a loaded worker only"
        : "Could not serialize a stub or binding: isolet passes those by reference in the arguments of a call to a loaded worker only");
    }
    if (seen === undefined) seen = new Set();
    else if (seen.has(value)) throw cloneError("Could not serialize a cyclic value for RPC");
    seen.add(value);
    try {
      if (Array.isArray(value)) {
        const out = new Array(value.length);
        for (let i = 0; i < value.length; i++) out[i] = wireEncode(value[i], seen);
        return out;
      }
      if (value instanceof Date) return { $t: "date", v: isNaN(value) ? null : value.getTime() };
      if (value instanceof Uint8Array) return { $t: "bytes", v: b64encode(value) };
      if (value instanceof ArrayBuffer) return { $t: "arraybuffer", v: b64encode(new Uint8Array(value)) };
      if (ArrayBuffer.isView(value)) return { $t: "bytes", v: b64encode(new Uint8Array(value.buffer, value.byteOffset, value.byteLength)) };
      if (value instanceof Map) return { $t: "map", v: [...value].map(([k, v]) => [wireEncode(k, seen), wireEncode(v, seen)]) };
      if (value instanceof Set) return { $t: "set", v: [...value].map((v) => wireEncode(v, seen)) };
      if (value instanceof Error) return { $t: "error", name: String(value.name), message: String(value.message) };
      if (value instanceof RegExp) return { $t: "regexp", source: value.source, flags: value.flags };
      const obj = {};
      for (const k of Object.keys(value)) if (passed !== undefined || typeof value[k] !== "function") setOwn(obj, k, wireEncode(value[k], seen));
      return Object.prototype.hasOwnProperty.call(value, "$t") ? { $t: "object", v: obj } : obj;
    } finally { seen.delete(value); }
  }
  function wireDecode(w) {
    if (w === null || typeof w !== "object") return w;
    if (Array.isArray(w)) {
      const out = new Array(w.length);
      for (let i = 0; i < w.length; i++) out[i] = wireDecode(w[i]);
      return out;
    }
    if (!Object.prototype.hasOwnProperty.call(w, "$t")) {
      const obj = {};
      for (const k of Object.keys(w)) setOwn(obj, k, wireDecode(w[k]));
      return obj;
    }
    switch (w.$t) {
      case "undefined": return undefined;
      case "number": return Number(w.v === "-0" ? -0 : w.v);
      case "bigint": return BigInt(w.v);
      case "date": return new Date(w.v === null ? NaN : w.v);
      case "bytes": return b64decode(w.v);
      case "arraybuffer": return b64decode(w.v).buffer;
      case "map": return new Map(w.v.map(([k, v]) => [wireDecode(k), wireDecode(v)]));
      case "set": return new Set(w.v.map(wireDecode));
      case "error": {
        const Ctor = { EvalError, RangeError, ReferenceError, SyntaxError, TypeError, URIError }[w.name] || Error;
        const e = new Ctor(w.message);
        if (Ctor === Error && w.name && w.name !== "Error") e.name = w.name;
        return e;
      }
      case "regexp": return new RegExp(w.source, w.flags);
      case "object": { const obj = {}; for (const k of Object.keys(w.v)) setOwn(obj, k, wireDecode(w.v[k])); return obj; }
      case "stub": return makeStub(w.v);
      default: throw new TypeError(`Unknown wire type "${w.$t}"`);
    }
  }

  // An object the caller (a parent) passed by reference: calling it, or a
  // method of it, runs in the parent (crates/isolet/src/stubs.rs), while
  // the call that passed it lasts.
  function makeStub(token) {
    const methods = new Map();
    const call = (method, args) => wireDecode(JSON.parse(native.stubCall(token, method, JSON.stringify(wireEncode(args)))));
    const dispose = () => {};
    return new Proxy(() => {}, {
      apply(_, __, args) { return (async () => call("", args))(); },
      get(_, prop) {
        if (prop === Symbol.dispose) return dispose;
        if (typeof prop !== "string" || prop === "then") return undefined;
        let m = methods.get(prop);
        if (m === undefined) methods.set(prop, (m = async (...args) => call(prop, args)));
        return m;
      },
    });
  }

  // ---------------------------------------------------------------- bindings
  // env.NAME for capability and service bindings: every method call goes to
  // the host (`bindings.call`), arguments and results in the wire encoding.
  function bindingCall(name, method, args) {
    const out = native.bindingCall(name, method, JSON.stringify(wireEncode(args)));
    return wireDecode(JSON.parse(out));
  }
  lib.bindingCall = bindingCall;
  function makeBinding(name, kind) {
    const methods = new Map();
    const method = (prop) => {
      if (!methods.has(prop)) {
        methods.set(prop, async (...args) => bindingCall(name, prop, args));
      }
      return methods.get(prop);
    };
    const target = {};
    if (kind === "service") {
      target.fetch = async (input, init) => {
        const { ReadableStream, collectStream } = lib; // streams.js, evaluated after the prelude
        const req = input instanceof Request && init === undefined ? input : new Request(input, init);
        const source = req._bodySource();
        const body = source instanceof ReadableStream ? await collectStream(source) : source;
        return fetchedResponse(native.serviceFetch(name, req.method, req.url, req.headers._flat(), body || new Uint8Array(0)), req.url);
      };
    }
    const binding = new Proxy(target, {
      get(t, prop) {
        if (typeof prop !== "string" || prop === "then") return undefined;
        if (prop in t) return t[prop];
        return method(prop);
      },
      has(t, prop) { return typeof prop === "string" && prop !== "then"; },
    });
    byReference.set(binding, null);
    return binding;
  }

  // For dispatch.js.
  lib.makeBinding = makeBinding;
  lib.wireEncode = wireEncode;
  lib.wireDecode = wireDecode;
  lib.byReference = byReference;
  lib.wireEncodePassing = wireEncodePassing;
});
