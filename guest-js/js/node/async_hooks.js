// node:async_hooks — AsyncLocalStorage and AsyncResource. The engine keeps
// an async context that promise reactions and timers run in (the one
// current when they were registered; see PATCHED.md "Sixth"): a Map of
// each AsyncLocalStorage to its store.
(function (lib, native, require) {
  "use strict";
  lib.useAsyncContext();
  const get = () => native.asyncContextGet();
  const set = (c) => native.asyncContextSet(c);
  function withStore(als, store, remove) {
    const prev = get();
    const next = new Map(prev instanceof Map ? prev : undefined);
    if (remove) next.delete(als); else next.set(als, store);
    return next;
  }
  function runIn(context, fn, thisArg, args) {
    const prev = get();
    set(context);
    try { return fn.apply(thisArg, args); } finally { set(prev); }
  }

  class AsyncLocalStorage {
    #enabled = false;
    getStore() {
      const c = get();
      return c instanceof Map ? c.get(this) : undefined;
    }
    run(store, fn, ...args) {
      this.#enabled = true;
      return runIn(withStore(this, store, false), fn, undefined, args);
    }
    exit(fn, ...args) { return runIn(withStore(this, undefined, true), fn, undefined, args); }
    enterWith(store) { this.#enabled = true; set(withStore(this, store, false)); }
    disable() { if (this.#enabled) { this.#enabled = false; set(withStore(this, undefined, true)); } }
    static bind(fn) { return AsyncResource.bind(fn); }
    static snapshot() {
      const context = get();
      return (fn, ...args) => runIn(context, fn, undefined, args);
    }
  }
  class AsyncResource {
    #context;
    constructor(type) { this.type = type; this.#context = get(); }
    runInAsyncScope(fn, thisArg, ...args) { return runIn(this.#context, fn, thisArg, args); }
    bind(fn, thisArg) {
      const bound = (...args) => this.runInAsyncScope(fn, thisArg, ...args);
      Object.defineProperty(bound, "length", { value: fn.length });
      return bound;
    }
    emitDestroy() { return this; }
    asyncId() { return 0; }
    triggerAsyncId() { return 0; }
    static bind(fn, type, thisArg) { return new AsyncResource(type || fn.name || "bound-anonymous-fn").bind(fn, thisArg); }
  }
  return {
    AsyncLocalStorage, AsyncResource,
    createHook: () => ({ enable() { return this; }, disable() { return this; } }),
    executionAsyncId: () => 0, triggerAsyncId: () => 0, executionAsyncResource: () => ({}),
    asyncWrapProviders: {},
  };
})
