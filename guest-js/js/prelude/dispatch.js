// The engine's entry points into the worker, which this file returns (the
// hooks: src/engine.rs keeps them): setEnv and setMain at init; fetch,
// completeFetch and readBody for a fetch and its streamed body; call for
// RPC; socketEvent and socketDone for a WebSocket session; idle,
// unhandledRejection and the timers' steps for the engine's drive. And
// what an invocation runs: the worker's entrypoints (WorkerEntrypoint,
// DurableObject, RpcTarget and the `isolet.workers` object behind
// `cloudflare:workers`), its env and each invocation's ctx.
//
// The prelude's last file, evaluated at build time after scope.js; takes
// the engine's internal `lib` object and the natives, and returns the hooks.
(function (lib, native) {
  "use strict";

  const define = (name, value) =>
    Object.defineProperty(globalThis, name, { value, writable: true, configurable: true, enumerable: false });
  const { LEVEL, reportError } = lib; // console.js
  const { runNextTimer, nextTimerDelay, resetTimeOrigin } = lib; // timers.js
  // http.js: a Response's state slots, the incoming request's prototype and
  // streamed body.
  const { Response, RequestProto, STATE, BYTES, STREAM, USED, S_STATUS, S_HEADERS, BODY_USED, hostBody } = lib;
  const { makeBinding, wireEncode, wireDecode, byReference } = lib; // rpc.js
  const { commonjs } = lib; // commonjs.js
  const { unhandledRejection, fetchListeners, serviceWorker } = lib; // scope.js
  // Looked up on `lib` when they run, from files evaluated after the
  // prelude: lib.bodyReader (streams.js), lib.acceptSocket, lib.socketClock,
  // lib.socketEvent and lib.socketDone (websocket.js), lib.node (node.js),
  // and lib.storage, lib.objectId and lib.fs (storage.js, evaluated the
  // first time a worker the host gave storage reaches for it: most
  // workers never do, and its parse was most of a fresh instance's init).
  function storageApi() {
    if (lib.hasStorage && lib.storage === undefined) native.storageApi()(lib, native);
  }

  // Set once node:async_hooks is loaded: an invocation then starts outside
  // any AsyncLocalStorage store. node:async_hooks calls lib.useAsyncContext,
  // which timers.js defines (its timers keep their context from then on)
  // and this file extends.
  let asyncContexts = false;
  const useAsyncContextInTimers = lib.useAsyncContext; // timers.js
  lib.useAsyncContext = () => { useAsyncContextInTimers(); asyncContexts = true; };

  const workersSymbol = Symbol.for("isolet.workers");

  // ---------------------------------------------------------------- entrypoints
  class WorkerEntrypoint {
    constructor(ctx, env) { this.ctx = ctx; this.env = env; }
  }
  // A Durable Object class: one instance per object, kept across requests
  // (its fields are the object's in-memory state), constructed with the
  // object's state (`ctx.storage`, `ctx.id`) and env.
  class DurableObject {
    constructor(ctx, env) { this.ctx = ctx; this.env = env; }
  }
  class RpcTarget {}

  // `ctx.props`, read from the host on first use in an invocation.
  const PROPS = Symbol("props");

  // An invocation's ctx. Its STATE slot holds the waitUntil promises: null
  // until the first. Made for each invocation as an object literal (see
  // Body in http.js), so the class has no constructor of its own to call.
  class ExecutionContext {
    waitUntil(promise) {
      const pending = this[STATE];
      if (pending === undefined) throw new TypeError("Illegal invocation: not an ExecutionContext");
      const p = Promise.resolve(promise);
      if (pending === null) this[STATE] = [p];
      else pending.push(p);
    }
    passThroughOnException() {}
    // What the caller gave this entrypoint (`getEntrypoint(name, { props })`).
    get props() {
      let props = this[PROPS];
      if (props === undefined) {
        props = wireDecode(JSON.parse(native.props()));
        Object.defineProperty(this, PROPS, { value: props });
      }
      return props;
    }
    // The worker's durable storage (storage.js), when the host gave it one.
    get storage() { storageApi(); return lib.storage === undefined ? undefined : lib.storage(); }
    // This worker's own entrypoints, as workerd's loopback stubs.
    get exports() { return ownExports(); }
  }
  const ContextProto = ExecutionContext.prototype;

  // A Durable Object's long-lived ctx: its storage and id, and waitUntil
  // on the invocation running now.
  let currentCtx = null;
  class DurableObjectState {
    get storage() { storageApi(); return lib.storage === undefined ? undefined : lib.storage(); }
    get id() { storageApi(); return lib.objectId === undefined ? undefined : lib.objectId(); }
    waitUntil(promise) {
      if (currentCtx === null) throw new TypeError("waitUntil() needs a running request");
      currentCtx.waitUntil(promise);
    }
    async blockConcurrencyWhile(fn) { return await fn(); }
    passThroughOnException() {}
    get props() { return {}; }
  }

  let env = {};
  // process.env under nodejs_compat: the worker's string env values.
  lib.processEnv = () => {
    const out = {};
    for (const [k, v] of Object.entries(env)) if (typeof v === "string") out[k] = v;
    return out;
  };
  let compatibilityDate = "";
  let main = null;

  globalThis[workersSymbol] = Object.freeze({
    WorkerEntrypoint, RpcTarget, DurableObject,
    get env() { return env; },
    get fs() { storageApi(); return lib.fs; },
    // Ends this worker's instances (the host traps the guest): its next
    // call starts from scratch.
    abortIsolate(reason) { native.abortIsolate(reason === undefined ? "" : String(reason)); },
    dataModule: (name) => native.dataModule(name),
    commonjs,
    nodeModule: (name) => lib.node.load(name),
    nodeEsm: (name) => lib.node.esm(name),
  });

  function isClass(v) {
    // Constructable functions (classes, or old-style constructor functions).
    return typeof v === "function" && v.prototype !== undefined && typeof v.prototype === "object";
  }

  // The exported value of each entrypoint, and whether it is a class (a new
  // instance per invocation) or an object (the export itself). Module
  // namespaces are immutable, so this is looked up once per name.
  const exportsByName = new Map();
  let defaultExport = null; // exportsByName's "default", without a lookup

  // ---------------------------------------------------------------- dispatch
  function exported(entrypoint) {
    const isDefault = entrypoint === undefined || entrypoint === null;
    if (isDefault && defaultExport !== null) return defaultExport;
    if (main === null) throw new Error("The worker's main module was not loaded");
    const name = isDefault ? "default" : entrypoint;
    let found = exportsByName.get(name);
    if (found !== undefined) return found;
    const value = main[name];
    if (value === undefined && isDefault && fetchListeners.size > 0) return (defaultExport = serviceWorker);
    if (value === undefined) {
      throw new TypeError(name === "default" ? "The worker's main module has no default export" : `The worker has no entrypoint named "${name}"`);
    }
    if (isClass(value)) found = { value, classBased: true, durable: value.prototype instanceof DurableObject, instance: null };
    else if (typeof value === "object" && value !== null) found = { value, classBased: false };
    else throw new TypeError(`Entrypoint "${name}" is neither an object with handlers nor a class`);
    exportsByName.set(name, found);
    if (isDefault) defaultExport = found;
    return found;
  }
  // The object whose handlers an invocation calls: a new instance of a
  // class entrypoint, or the exported object itself.
  function receiver(found, ctx) {
    if (!found.classBased) return found.value;
    if (!found.durable) return new found.value(ctx, env);
    currentCtx = ctx;
    if (found.instance === null) found.instance = new found.value(new DurableObjectState(), env);
    return found.instance;
  }

  // Wakers of what waits for the invocation to have nothing left to run
  // (see the `idle` hook).
  const idleWaiters = new Set();
  const IDLE = Symbol("idle");
  async function finish(pending) {
    // waitUntil promises settle within the invocation (and its limits).
    // Ones that never can (nothing is left to run) are given up on, as
    // workerd cancels them after the response, instead of failing it.
    let wake;
    const idle = new Promise((resolve) => idleWaiters.add((wake = resolve)));
    const results = await Promise.race([Promise.allSettled(pending), idle]);
    idleWaiters.delete(wake);
    if (results === IDLE) {
      native.log(LEVEL.warn, "[isolet] waitUntil() promises that can never settle (nothing is left for them to run) were given up on");
      return;
    }
    for (const r of results) if (r.status === "rejected") reportError(r.reason);
  }
  lib.finishPending = finish;

  // The body of an incoming request the host streams: each read waits for
  // the host's next bytes (none are asked for before the worker reads).
  function incomingBody() { return hostBody(() => native.readRequestBody()); }

  // The ctx of the fetch whose handler promise the host is settling (see
  // completeFetch).
  let fetchCtx = null;
  // In fetchCtx's place: the promise the host settles already gives the
  // finished answer (a synchronous Response with waitUntil work; complete
  // sets it, harmlessly stale after an asynchronous answer).
  const FINISHED = {};

  // Calls the fetch handler. Returns [status, headers, body (string or
  // bytes, or true for a stream the host reads with readBody)] when it answered synchronously; otherwise the handler's promise,
  // which the host settles and hands to completeFetch. `headers` is null
  // (none), a string (only a content-type) or a flat [name, value, ...] array.
  function dispatchFetch(entrypoint, method, url, headers, body) {
    // Each invocation starts outside any AsyncLocalStorage store.
    if (asyncContexts) native.asyncContextSet(undefined);
    const ctx = { __proto__: ContextProto, [STATE]: null };
    // The request the host hands the worker: URL, method and headers were
    // already validated and normalized by the host; headers stay a flat
    // array until the handler asks for them.
    const request = body === true
      ? { __proto__: RequestProto, [STATE]: [null, incomingBody(), false, url, method, headers, null] }
      : { __proto__: RequestProto, [STATE]: [body, null, false, url, method, headers, null] };
    const found = entrypoint === undefined && defaultExport !== null ? defaultExport : exported(entrypoint);
    const classBased = found.classBased;
    const instance = receiver(found, ctx);
    if (typeof instance.fetch !== "function") throw new TypeError("Handler does not export a fetch() function.");
    const result = classBased ? instance.fetch(request) : instance.fetch(request, env, ctx);
    if (result instanceof Promise) {
      fetchCtx = ctx;
      return result;
    }
    if (result instanceof Response) return complete(result, ctx);
    if (result !== null && typeof result === "object" && typeof result.then === "function") {
      fetchCtx = ctx;
      return Promise.resolve(result);
    }
    return complete(result, ctx);
  }
  // The settled value of the handler's promise → what dispatchFetch would
  // have returned (or a promise of it, for a streamed body or waitUntil).
  function completeFetch(value) {
    const ctx = fetchCtx;
    fetchCtx = null;
    return ctx === FINISHED ? value : complete(value, ctx);
  }
  function complete(response, ctx) {
    const s = response instanceof Response ? response[STATE] : undefined;
    if (s === undefined) throw new TypeError("Incorrect type for Promise: the Promise did not resolve to 'Response'.");
    const pending = ctx === null ? null : ctx[STATE];
    if (pending === null && s[STREAM] === null && s[S_STATUS] !== 101) {
      // _takeSync, status and _flatHeaders in one go (no method calls on
      // this hot path; keep in step with those methods).
      s[USED] = true;
      const h = s[S_HEADERS];
      return [s[S_STATUS], h === null || typeof h === "string" ? h : h._flat(), s[BYTES] === null ? "" : s[BYTES]];
    }
    if (s[S_STATUS] === 101) {
      // A WebSocket: the host answers the upgrade and relays the client's
      // end from now on (socketEvent).
      const ws = response.webSocket;
      if (ws === null) throw new TypeError("A Response with status 101 must have a webSocket.");
      lib.acceptSocket(ws, pending);
      s[USED] = true;
      return [101, response._flatHeaders(), 0];
    }
    if (s[STREAM] !== null) {
      // A stream: the host sends the head now and reads the body with
      // readBody while the worker produces it.
      if (response.bodyUsed) throw new TypeError(BODY_USED);
      s[USED] = true;
      streaming = { next: lib.bodyReader(s[STREAM]), pending };
      return [s[S_STATUS], response._flatHeaders(), true];
    }
    // A promise of the finished parts: when it is a synchronous answer's,
    // the host hands them to completeFetch as they are.
    fetchCtx = FINISHED;
    return finishFetch(response, pending);
  }
  // The streamed body of the last fetch answer, and that invocation's
  // waitUntil promises (settled before the body's end is reported).
  let streaming = null;
  // The next step of the streamed body: a promise of its next bytes, or of
  // null once the body and the invocation's waitUntil work are done.
  async function readBody() {
    const st = streaming;
    if (st === null) throw new Error("no streamed body is open");
    let bytes;
    try {
      bytes = await st.next();
    } catch (e) {
      streaming = null;
      throw e;
    }
    if (bytes !== null) return bytes;
    streaming = null;
    if (st.pending !== null) await finish(st.pending);
    return null;
  }
  async function finishFetch(response, pending) {
    let out = response._takeSync();
    if (out === undefined) out = await response.bytes();
    if (pending !== null) await finish(pending);
    return [response.status, response._flatHeaders(), out];
  }

  // The function an RPC call of `method` runs on `instance`: its own
  // methods and its class's, never Object's or WorkerEntrypoint's.
  function rpcMethod(instance, method) {
    const fn = instance[method];
    const own = Object.prototype.hasOwnProperty.call(Object.prototype, method) || Object.prototype.hasOwnProperty.call(WorkerEntrypoint.prototype, method);
    if (typeof fn !== "function" || own) {
      throw new TypeError(`The RPC receiver does not implement the method "${method}".`);
    }
    return fn;
  }

  // ---------------------------------------------------------------- ctx.exports
  // This worker's own entrypoints, called in this instance as a new
  // invocation would call them (workerd's loopback stubs): a new ctx, with
  // the props given (`ctx.exports.Greeter({ props })`), and the arguments and
  // result through the wire encoding, as over RPC. Not Durable Object
  // classes yet.
  let exportsProxy = null;
  function ownExports() {
    if (exportsProxy === null) {
      const entries = new Map();
      exportsProxy = new Proxy({}, {
        get(_, name) {
          if (typeof name !== "string" || name === "then") return undefined;
          let entry = entries.get(name);
          if (entry === undefined) entries.set(name, (entry = loopbackEntry(name)));
          return entry;
        },
      });
    }
    return exportsProxy;
  }
  // `ctx.exports.NAME`: a stub with no props that is also callable, with
  // `{ props }`, for a stub with those props.
  function loopbackEntry(name) {
    const plain = loopback(name, {});
    const entry = new Proxy(function () {}, {
      apply(_, __, args) {
        const options = args[0];
        const props = options === undefined || options === null ? {} : options.props;
        if (props === undefined) return loopback(name, {});
        if (props === null || typeof props !== "object") throw new TypeError(`ctx.exports.${name}({ props }): props must be an object`);
        return loopback(name, wireDecode(wireEncode(props)));
      },
      get(_, prop) { return plain[prop]; },
    });
    byReference.set(entry, { exports: name, props: {} });
    return entry;
  }
  function loopback(name, props) {
    const entrypoint = name === "default" ? undefined : name;
    const start = () => {
      const found = exported(entrypoint);
      if (found.durable) throw new TypeError(`ctx.exports.${name} is a Durable Object class: isolet's ctx.exports reaches entrypoints only, for now`);
      const ctx = { __proto__: ContextProto, [STATE]: null };
      Object.defineProperty(ctx, PROPS, { value: props });
      return { found, ctx, instance: receiver(found, ctx) };
    };
    const methods = new Map();
    const stub = {
      async fetch(input, init) {
        const { found, ctx, instance } = start();
        if (typeof instance.fetch !== "function") throw new TypeError("Handler does not export a fetch() function.");
        const request = input instanceof Request && init === undefined ? input : new Request(input, init);
        const response = await (found.classBased ? instance.fetch(request) : instance.fetch(request, env, ctx));
        if (ctx[STATE] !== null) await finish(ctx[STATE]);
        return response;
      },
    };
    const loopbackStub = new Proxy(stub, {
      get(o, method) {
        if (typeof method !== "string" || method === "then") return undefined;
        if (method === "fetch") return o.fetch;
        let m = methods.get(method);
        if (m === undefined) {
          m = async (...given) => {
            const { found, ctx, instance } = start();
            const fn = rpcMethod(instance, method);
            const args = wireDecode(wireEncode(given));
            const value = await fn.apply(instance, args);
            if (ctx[STATE] !== null) await finish(ctx[STATE]);
            return wireDecode(wireEncode(value));
          };
          methods.set(method, m);
        }
        return m;
      },
    });
    byReference.set(loopbackStub, { exports: name, props });
    return loopbackStub;
  }

  function dispatchCall(entrypoint, method, argsJson) {
    if (asyncContexts) native.asyncContextSet(undefined);
    const ctx = { __proto__: ContextProto, [STATE]: null };
    const found = exported(entrypoint);
    const instance = receiver(found, ctx);
    const classBased = found.classBased;
    if (typeof method !== "string" || method.startsWith("_") || method === "constructor") {
      throw new TypeError(`The RPC receiver does not implement the method "${method}".`);
    }
    // rpcMethod's check, inline: a call costs the hot path ~700 wasm
    // instructions (exact fuel, warm RPC).
    const fn = instance[method];
    const own = Object.prototype.hasOwnProperty.call(Object.prototype, method) || Object.prototype.hasOwnProperty.call(WorkerEntrypoint.prototype, method);
    if (typeof fn !== "function" || own) {
      throw new TypeError(`The RPC receiver does not implement the method "${method}".`);
    }
    // Without a wire-typed value anywhere ("$t" never appears), JSON.parse's
    // result is the arguments as they are: skip the copying decode.
    const parsed = JSON.parse(argsJson);
    let args = argsJson.indexOf('"$t"') === -1 ? parsed : wireDecode(parsed);
    if (!Array.isArray(args)) args = [args];
    // A plain object's `tail` gets (events, env, ctx), like fetch. Its other
    // methods get the caller's arguments only: where env would land is the
    // caller's to choose by how many it sends, so a method that returns an
    // argument would hand the caller the worker's env (workerd passes
    // (arg, env, ctx) to a method of exactly three parameters called with
    // one argument; isolet passes any number, and ctx.props reaches
    // WorkerEntrypoint classes as this.ctx.props).
    if (method === "tail" && !classBased) args = [...args, env, ctx];
    const result = fn.apply(instance, args);
    if (!(result instanceof Promise) && ctx[STATE] === null) return JSON.stringify(wireEncode(result));
    return (async () => {
      const value = await result;
      if (ctx[STATE] !== null) await finish(ctx[STATE]);
      return JSON.stringify(wireEncode(value));
    })();
  }

  return Object.freeze({
    // An API file evaluated at init rather than in the snapshot (storage.js,
    // loader.js).
    loadApi(api, natives) { api(lib, natives === undefined ? native : natives); },
    setEnv(envJson, date, bindings, node) {
      resetTimeOrigin();
      env = envJson ? JSON.parse(envJson) : {};
      for (const [name, kind] of bindings || []) {
        // Internal bindings (never a valid env name) stay off env.
        if (name === "isolet:storage") lib.hasStorage = true;
        else {
          env[name] = kind === "loader" ? lib.makeLoader(name) : makeBinding(name, kind);
          // loader.js (loaded for a worker with a loader binding) passes
          // these to the workers it loads by reference.
          if (lib.bindingMade !== undefined) lib.bindingMade(name);
        }
      }
      compatibilityDate = date;
      lib.node.enable(node);
    },
    setMain(ns) {
      main = ns;
      // Service-worker syntax: env values and bindings are globals.
      if (ns.default === undefined && fetchListeners.size > 0) {
        for (const [name, value] of Object.entries(env)) if (!(name in globalThis)) define(name, value);
      }
    },
    fetch: dispatchFetch,
    completeFetch,
    unhandledRejection,
    readBody,
    // A WebSocket session's event from the host (see socket-event):
    // "text"/"binary" with the data, "close" with code, reason and
    // whether it was clean, or "run" (only the clock moves).
    socketEvent(kind, data, reason, clean) {
      lib.socketClock();
      if (kind !== "run") lib.socketEvent(kind, data, reason, clean);
    },
    socketDone: () => lib.socketDone(),
    // The engine found nothing left to run: wakes what waits for that
    // (true), or says the invocation can never finish (false).
    idle() {
      if (idleWaiters.size === 0) return false;
      for (const wake of idleWaiters) wake(IDLE);
      idleWaiters.clear();
      return true;
    },
    call: dispatchCall,
    runNextTimer,
    nextTimerDelay,
  });
});
