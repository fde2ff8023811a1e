// node:timers and node:timers/promises — Node-style Timeout objects (ref,
// unref, refresh, hasRef) over the worker's timers; setImmediate.
(function (lib, native, require) {
  "use strict";

  class Timeout {
    #id; #fn; #ms; #args; #repeat;
    constructor(fn, ms, args, repeat) {
      this.#fn = fn; this.#ms = ms; this.#args = args; this.#repeat = repeat;
      this.#id = (repeat ? setInterval : setTimeout)(fn, ms, ...args);
    }
    ref() { return this; }
    unref() { return this; }
    hasRef() { return true; }
    refresh() {
      clearTimeout(this.#id);
      this.#id = (this.#repeat ? setInterval : setTimeout)(this.#fn, this.#ms, ...this.#args);
      return this;
    }
    close() { clearTimeout(this.#id); return this; }
    [Symbol.toPrimitive]() { return this.#id; }
  }
  class Immediate {
    #id;
    constructor(fn, args) { this.#id = setTimeout(fn, 0, ...args); }
    ref() { return this; }
    unref() { return this; }
    hasRef() { return true; }
    [Symbol.toPrimitive]() { return this.#id; }
  }
  const clear = (t) => { if (t !== null && t !== undefined) clearTimeout(typeof t === "object" ? t[Symbol.toPrimitive]() : t); };
  const abortError = lib.nodeAbortError;
  function delayed(ms, value, options = {}) {
    const signal = options.signal;
    if (signal && signal.aborted) return Promise.reject(abortError(signal));
    return new Promise((resolve, reject) => {
      const id = setTimeout(() => resolve(value), ms);
      if (signal) signal.addEventListener("abort", () => { clearTimeout(id); reject(abortError(signal)); }, { once: true });
    });
  }
  async function* interval(ms, value, options = {}) {
    const signal = options.signal;
    for (;;) {
      await delayed(ms, undefined, { signal });
      yield value;
    }
  }
  const promises = {
    setTimeout: delayed,
    setImmediate: (value, options) => delayed(0, value, options),
    setInterval: interval,
    scheduler: { wait: (ms, options) => delayed(ms, undefined, options), yield: () => delayed(0) },
  };
  return {
    setTimeout: (fn, ms, ...args) => new Timeout(fn, ms, args, false),
    setInterval: (fn, ms, ...args) => new Timeout(fn, ms, args, true),
    setImmediate: (fn, ...args) => new Immediate(fn, args),
    clearTimeout: clear, clearInterval: clear, clearImmediate: clear,
    promises,
  };
})
