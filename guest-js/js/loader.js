// env.LOADER: Cloudflare's Worker Loader (a `{"loader": {}}` binding).
// `get(name, getCode)` and `load(code)` return a WorkerStub at once, and
// `stub.getEntrypoint(name, { props })` an entrypoint stub whose `fetch` and
// RPC methods call the child. The child is made when it is first called:
// for `get`, the host finds the child its loader keeps under `name`, and
// `getCode` (which may be async, and whose exception that call throws) runs
// only on a miss; `load`'s child (and `get(null, ...)`'s) is made once and
// lives as long as the request that made it. A child's code is
// Cloudflare's WorkerCode: `modules` as strings or {js}, {cjs}, {text},
// {data} (bytes), {json}, {py}; `env` with JSON values and this worker's
// own bindings by reference; `globalOutbound` null (no network), left out
// (this worker's own) or a service binding of this worker; `tails` (service
// bindings or ctx.exports entrypoints of this worker, whose `tail(events)`
// gets the child's traces); `limits` (never above this worker's). The host
// side is crates/isolet/src/host_loader.rs.
//
// Evaluated by init, not in the snapshot, and only for a worker with a
// loader binding (src/engine.rs, LOADER_JS): before setEnv makes its env.
(function (lib, native) {
  "use strict";
  const { Request, wireEncode, wireDecode, fetchedResponse, cloneError } = lib;
  const workers = globalThis[Symbol.for("isolet.workers")]; // dispatch.js

  // Which of this worker's bindings `v` is: the env entry it is.
  function bindingName(v) {
    if (v === null || (typeof v !== "object" && typeof v !== "function")) return undefined;
    const env = workers.env;
    for (const name of bindings) if (env[name] === v) return name;
    return undefined;
  }
  // What of this worker `v` is, passed by reference: one of its bindings
  // (its name) or its own entrypoint (ctx.exports.NAME({ props }): the
  // name and the props, as JSON).
  function reference(v) {
    const binding = bindingName(v);
    if (binding !== undefined) return binding;
    if (v === null || (typeof v !== "object" && typeof v !== "function")) return undefined;
    const own = lib.byReference.get(v);
    if (own === undefined || own === null) return undefined;
    return { exports: own.exports, props: JSON.parse(JSON.stringify(own.props)) };
  }
  // The names of this worker's bindings (setEnv adds each as it makes it).
  const bindings = [];
  lib.bindingMade = (name) => { bindings.push(name); };

  function base64(bytes) {
    let s = "";
    for (let i = 0; i < bytes.length; i += 0x2000) s += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x2000));
    return btoa(s);
  }
  function bytesOf(v) {
    if (v instanceof ArrayBuffer) return new Uint8Array(v);
    if (ArrayBuffer.isView(v)) return new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
    if (typeof v === "string") return new TextEncoder().encode(v);
    throw new TypeError("A data module's `data` must be an ArrayBuffer, a typed array or a string");
  }

  // An env value that is data (a binding of this worker is passed by
  // reference instead, in "$refs").
  function data(v, what) {
    if (typeof v === "function" || (v !== null && typeof v === "object" && !Array.isArray(v) && Object.getPrototypeOf(v) !== Object.prototype && Object.getPrototypeOf(v) !== null)) {
      throw cloneError(`${what} cannot be passed to a loaded worker's env: isolet passes JSON values and this worker's own bindings (env.NAME) there; pass functions, RpcTargets and ctx.exports stubs as arguments of a call instead`);
    }
    return v;
  }

  // The code as the host reads it: JSON, data modules in base64, and this
  // worker's bindings by reference in "$refs" ({env: {KEY: BINDING},
  // globalOutbound: BINDING, tails: [BINDING]}, a BINDING being a binding's
  // name or {exports, props}): only that field grants, so no value in env
  // can pass for a binding.
  function codeJson(code) {
    if (code === null || typeof code !== "object") throw new TypeError("A worker's code must be an object ({ compatibilityDate, mainModule, modules, ... })");
    const out = {};
    const refs = {};
    for (const key of Object.keys(code)) {
      const v = code[key];
      if (key === "modules" && v !== null && typeof v === "object") {
        const modules = {};
        for (const name of Object.keys(v)) {
          const m = v[name];
          modules[name] = m !== null && typeof m === "object" && "data" in m ? { data: base64(bytesOf(m.data)) } : m;
        }
        out.modules = modules;
      } else if (key === "env" && v !== null && typeof v === "object") {
        const env = {};
        for (const name of Object.keys(v)) {
          const ref = reference(v[name]);
          if (ref === undefined) env[name] = data(v[name], `env.${name}`);
          else (refs.env ??= {})[name] = ref;
        }
        out.env = env;
      } else if (key === "globalOutbound") {
        if (v === null) out.globalOutbound = null;
        else if (v !== undefined) {
          const ref = reference(v);
          if (ref === undefined) throw new TypeError("globalOutbound must be null (no network), left out (this worker's own), a service binding of this worker (env.NAME) or one of its entrypoints (ctx.exports.NAME({ props }))");
          refs.globalOutbound = ref;
        }
      } else if (key === "tails") {
        if (v === undefined) continue;
        if (!Array.isArray(v)) throw new TypeError("tails must be an array of this worker's service bindings (env.NAME) or its own entrypoints (ctx.exports.NAME({ props }))");
        refs.tails = v.map((t, i) => {
          const ref = reference(t);
          if (ref === undefined) throw new TypeError(`tails[${i}] must be a service binding of this worker (env.NAME) or one of its entrypoints (ctx.exports.NAME({ props }))`);
          return ref;
        });
      } else if (key === "$refs") {
        throw new TypeError("A worker's code has no field \"$refs\"");
      } else out[key] = v;
    }
    if (Object.keys(refs).length > 0) out.$refs = refs;
    return JSON.stringify(out);
  }

  // A child: by name (`get`) or, once made, by its number (`load`).
  // `making` is the creation in progress, shared by the calls that wait.
  function target(t, entrypoint, props) {
    return [t.binding, t.named ? t.name : null, t.number, entrypoint, props];
  }
  async function make(t) {
    if (t.making === null) {
      t.making = (async () => {
        const json = t.json !== null ? t.json : codeJson(await t.getCode());
        const number = native.loaderCreate(t.binding, t.named ? t.name : null, json);
        if (!t.named) t.number = number;
      })();
    }
    try {
      await t.making;
    } finally {
      t.making = null;
    }
  }
  // Runs `attempt` (a host call that answers undefined when the loader
  // keeps no child by the name) with the child made first where it must be.
  async function withChild(t, attempt) {
    if (!t.named && t.number === 0) await make(t);
    // The hooks answer undefined for "no child by that name".
    let out = attempt();
    if (out === undefined) {
      await make(t);
      out = attempt();
      if (out === undefined) throw new Error(`The worker "${t.name}" was evicted while it was being loaded; try again`);
    }
    return out;
  }

  // `propsPassed`: what the props pass by reference (numbered first in
  // each call's list).
  function entrypointStub(t, entrypoint, props, propsPassed) {
    const methods = new Map();
    const stub = {
      async fetch(input, init) {
        if (propsPassed.length > 0) throw new TypeError("fetch() on an entrypoint whose props pass objects by reference (RpcTargets, functions, stubs) is not supported yet: call an RPC method of it, or pass the objects as that method's arguments");
        const { ReadableStream, collectStream } = lib; // streams.js, evaluated after the prelude
        const req = input instanceof Request && init === undefined ? input : new Request(input, init);
        const source = req._bodySource();
        const body = (source instanceof ReadableStream ? await collectStream(source) : source) || new Uint8Array(0);
        const answer = await withChild(t, () => native.loaderFetch(target(t, entrypoint, props), req.method, req.url, req.headers._flat(), body));
        return fetchedResponse(answer, req.url);
      },
    };
    // RpcTargets, functions and stubs in the arguments go by reference
    // (into `passed`); while the child calls them, each step of the call
    // is one such call to answer (`answer`) before the call goes on.
    const call = (method) => async (...args) => {
      const passed = propsPassed.slice();
      const json = JSON.stringify(lib.wireEncodePassing(args, passed));
      let step = await withChild(t, () => native.loaderCall(target(t, entrypoint, props), method, json));
      while (typeof step !== "string") step = await answer(passed, step);
      return wireDecode(JSON.parse(step));
    };
    return new Proxy(stub, {
      get(o, prop) {
        if (typeof prop !== "string" || prop === "then") return undefined;
        if (prop === "fetch") return o.fetch;
        let m = methods.get(prop);
        if (m === undefined) methods.set(prop, (m = call(prop)));
        return m;
      },
      has(o, prop) { return typeof prop === "string" && prop !== "then"; },
      // As workerd: a loaded worker's entrypoint is this worker's to call,
      // not to hand on (wireEncode lists an object's keys).
      ownKeys() { throw cloneError("Entrypoints to dynamically-loaded workers cannot be transferred to other Workers, because the system does not know how to reload this Worker from scratch. Instead, have the parent Worker expose an entrypoint which constructs the dynamic worker and forwards to it."); },
    });
  }

  // Runs what the child asked of an object the call passed by reference
  // (`[call, object, method, argsJson]`; method "" calls a function), and
  // hands the host its result or what it threw: the call's next step.
  async function answer(passed, [call, object, method, argsJson]) {
    let ok = true;
    let text;
    try {
      const receiver = passed[object];
      const args = wireDecode(JSON.parse(argsJson));
      let fn;
      if (method === "") fn = typeof receiver === "function" && !lib.byReference.has(receiver) ? receiver : undefined;
      else fn = passedMethod(receiver, method);
      if (typeof fn !== "function") throw new TypeError(method === "" ? "The RPC receiver is not a function." : `The RPC receiver does not implement the method "${method}".`);
      const value = await fn.apply(method === "" ? undefined : receiver, args);
      text = JSON.stringify([wireEncode(value)]);
    } catch (e) {
      ok = false;
      text = e instanceof Error ? `${e.message}` : String(e);
    }
    return native.loaderResume(call, ok, text);
  }

  // The method `method` of an object passed by reference: a stub's (its
  // methods are calls), or one of an RpcTarget's class, never an own
  // property, a getter or Object's.
  function passedMethod(receiver, method) {
    if (method === "constructor" || method.startsWith("_") || Object.prototype.hasOwnProperty.call(Object.prototype, method)) return undefined;
    if (lib.byReference.has(receiver)) return receiver[method];
    if (typeof receiver === "function") return undefined;
    const stop = workers.RpcTarget.prototype;
    for (let proto = Object.getPrototypeOf(receiver); proto !== null && proto !== Object.prototype && proto !== stop; proto = Object.getPrototypeOf(proto)) {
      const d = Object.getOwnPropertyDescriptor(proto, method);
      if (d !== undefined) return typeof d.value === "function" ? d.value : undefined;
    }
    return undefined;
  }

  // Most entrypoint stubs a WorkerStub keeps for reuse, and most named
  // children's WorkerStubs a loader binding keeps (stubs are the same for
  // the same arguments; making them anew is most of a warm call's cost).
  const KEPT_STUBS = 64;
  function keep(map, key, value) {
    if (map.size >= KEPT_STUBS) map.clear();
    map.set(key, value);
    return value;
  }

  class WorkerStub {
    #t;
    #entrypoints = new Map();
    constructor(t) { this.#t = t; lib.byReference.set(this, false); }
    getEntrypoint(name, options) {
      const props = options === undefined || options === null ? undefined : options.props;
      if (props !== undefined && (props === null || typeof props !== "object")) throw new TypeError("getEntrypoint(name, { props }): props must be an object");
      const entrypoint = name === undefined || name === null || name === "default" ? null : String(name);
      // Objects in the props go by reference, as in a call's arguments
      // (such a stub is not kept: its props are not the same as another's).
      const propsPassed = [];
      const propsJson = props === undefined ? "{}" : JSON.stringify(lib.wireEncodePassing(props, propsPassed));
      if (propsPassed.length > 0) return entrypointStub(this.#t, entrypoint, propsJson, propsPassed);
      const key = entrypoint === null ? propsJson : `${entrypoint}\0${propsJson}`;
      return this.#entrypoints.get(key) ?? keep(this.#entrypoints, key, entrypointStub(this.#t, entrypoint, propsJson, propsPassed));
    }
    getDurableObjectClass(name) {
      throw new Error(`getDurableObjectClass("${name}"): isolet's loaded workers have no Durable Object classes yet`);
    }
  }

  lib.makeLoader = (binding) => {
    const child = (t) => new WorkerStub(t);
    const named = new Map(); // name -> [WorkerStub, its target]
    const loader = Object.freeze({
      get(name, getCode) {
        if (typeof getCode !== "function") throw new TypeError("LOADER.get(name, getCode): getCode must be a function that returns the worker's code");
        if (name === null || name === undefined) return child({ binding, named: false, name: null, number: 0, json: null, getCode, making: null });
        name = String(name);
        const kept = named.get(name);
        if (kept !== undefined) {
          // The latest getCode runs on a miss, as it would for a new stub.
          kept[1].getCode = getCode;
          return kept[0];
        }
        const t = { binding, named: true, name, number: 0, json: null, getCode, making: null };
        return keep(named, name, [child(t), t])[0];
      },
      load(code) {
        return child({ binding, named: false, name: null, number: 0, json: codeJson(code), getCode: null, making: null });
      },
    });
    // Never passed to a child, not even through the parent: children load
    // no workers.
    lib.byReference.set(loader, false);
    lib.byReference.set(loader.get, false);
    lib.byReference.set(loader.load, false);
    return loader;
  };
});
