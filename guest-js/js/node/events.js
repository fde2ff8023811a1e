// node:events — EventEmitter (on/once/off/emit, prepend, maxListeners,
// 'error', 'newListener'/'removeListener'), events.once/on, and Node's
// EventTarget re-exports.
(function (lib, native, require) {
  "use strict";

  const kCapture = Symbol("kCapture");
  const errorMonitor = Symbol("events.errorMonitor");
  let defaultMaxListeners = 10;

  function checkListener(listener) {
    if (typeof listener !== "function") {
      const e = new TypeError(`The "listener" argument must be of type function. Received ${listener === null ? "null" : typeof listener}`);
      e.code = "ERR_INVALID_ARG_TYPE";
      throw e;
    }
  }

  function EventEmitter(opts) { EventEmitter.init.call(this, opts); }
  EventEmitter.prototype._events = undefined;
  EventEmitter.prototype._eventsCount = 0;
  EventEmitter.prototype._maxListeners = undefined;
  EventEmitter.init = function (opts) {
    if (this._events === undefined || this._events === Object.getPrototypeOf(this)._events) {
      this._events = Object.create(null);
      this._eventsCount = 0;
    }
    this._maxListeners = this._maxListeners || undefined;
    if (opts && opts.captureRejections) this[kCapture] = true;
  };
  Object.defineProperty(EventEmitter, "defaultMaxListeners", {
    enumerable: true,
    get() { return defaultMaxListeners; },
    set(n) {
      if (typeof n !== "number" || n < 0 || Number.isNaN(n)) throw new RangeError(`The value of "defaultMaxListeners" is out of range. It must be a non-negative number. Received ${n}`);
      defaultMaxListeners = n;
    },
  });
  EventEmitter.errorMonitor = errorMonitor;
  EventEmitter.captureRejectionSymbol = Symbol.for("nodejs.rejection");

  const proto = EventEmitter.prototype;
  proto.setMaxListeners = function setMaxListeners(n) {
    if (typeof n !== "number" || n < 0 || Number.isNaN(n)) throw new RangeError(`The value of "n" is out of range. It must be a non-negative number. Received ${n}`);
    this._maxListeners = n;
    return this;
  };
  proto.getMaxListeners = function getMaxListeners() {
    return this._maxListeners === undefined ? defaultMaxListeners : this._maxListeners;
  };

  proto.emit = function emit(type, ...args) {
    const events = this._events;
    if (type === "error" && events !== undefined && events[errorMonitor] !== undefined) this.emit(errorMonitor, ...args);
    const handler = events === undefined ? undefined : events[type];
    if (handler === undefined) {
      if (type === "error") {
        const er = args[0];
        if (er instanceof Error) throw er;
        const err = new Error(`Unhandled error. (${er === undefined ? "undefined" : String(er)})`);
        err.code = "ERR_UNHANDLED_ERROR";
        err.context = er;
        throw err;
      }
      return false;
    }
    if (typeof handler === "function") {
      callListener(this, handler, args);
    } else {
      for (const listener of handler.slice()) callListener(this, listener, args);
    }
    return true;
  };
  function callListener(emitter, listener, args) {
    const result = listener.apply(emitter, args);
    if (emitter[kCapture] && result && typeof result.then === "function") {
      result.then(undefined, (err) => {
        const handler = emitter[Symbol.for("nodejs.rejection")];
        if (typeof handler === "function") handler.call(emitter, err);
        else emitter.emit("error", err);
      });
    }
  }

  function addListener(target, type, listener, prepend) {
    checkListener(listener);
    let events = target._events;
    if (events === undefined) {
      events = target._events = Object.create(null);
      target._eventsCount = 0;
    } else if (events.newListener !== undefined) {
      target.emit("newListener", type, listener.listener ? listener.listener : listener);
      events = target._events;
    }
    const existing = events[type];
    if (existing === undefined) {
      events[type] = listener;
      target._eventsCount++;
    } else {
      const list = typeof existing === "function" ? [existing] : existing;
      if (prepend) list.unshift(listener); else list.push(listener);
      events[type] = list;
      const max = target.getMaxListeners();
      if (max > 0 && list.length > max && !list.warned) {
        list.warned = true;
        console.warn(`MaxListenersExceededWarning: Possible EventEmitter memory leak detected. ${list.length} ${String(type)} listeners added. Use emitter.setMaxListeners() to increase limit`);
      }
    }
    return target;
  }
  proto.addListener = function (type, listener) { return addListener(this, type, listener, false); };
  proto.on = proto.addListener;
  proto.prependListener = function (type, listener) { return addListener(this, type, listener, true); };
  function onceWrapper(target, type, listener) {
    const state = { fired: false, target, type, listener };
    const wrapped = function (...args) {
      if (!state.fired) {
        state.target.removeListener(state.type, wrapped);
        state.fired = true;
        return state.listener.apply(state.target, args);
      }
    };
    wrapped.listener = listener;
    return wrapped;
  }
  proto.once = function once(type, listener) { checkListener(listener); return this.on(type, onceWrapper(this, type, listener)); };
  proto.prependOnceListener = function (type, listener) { checkListener(listener); return this.prependListener(type, onceWrapper(this, type, listener)); };
  proto.removeListener = function removeListener(type, listener) {
    checkListener(listener);
    const events = this._events;
    if (events === undefined) return this;
    const list = events[type];
    if (list === undefined) return this;
    if (list === listener || list.listener === listener) {
      if (--this._eventsCount === 0) this._events = Object.create(null);
      else delete events[type];
      if (events.removeListener !== undefined) this.emit("removeListener", type, list.listener || listener);
    } else if (typeof list !== "function") {
      let position = -1;
      for (let i = list.length - 1; i >= 0; i--) {
        if (list[i] === listener || list[i].listener === listener) { position = i; break; }
      }
      if (position < 0) return this;
      const [removed] = list.splice(position, 1);
      if (list.length === 1) events[type] = list[0];
      if (events.removeListener !== undefined) this.emit("removeListener", type, removed.listener || listener);
    }
    return this;
  };
  proto.off = proto.removeListener;
  proto.removeAllListeners = function removeAllListeners(type) {
    const events = this._events;
    if (events === undefined) return this;
    if (events.removeListener === undefined) {
      if (arguments.length === 0) { this._events = Object.create(null); this._eventsCount = 0; }
      else if (events[type] !== undefined) {
        if (--this._eventsCount === 0) this._events = Object.create(null);
        else delete events[type];
      }
      return this;
    }
    if (arguments.length === 0) {
      for (const key of Reflect.ownKeys(events)) if (key !== "removeListener") this.removeAllListeners(key);
      this.removeAllListeners("removeListener");
      this._events = Object.create(null);
      this._eventsCount = 0;
      return this;
    }
    const listeners = events[type];
    if (typeof listeners === "function") this.removeListener(type, listeners);
    else if (listeners !== undefined) for (let i = listeners.length - 1; i >= 0; i--) this.removeListener(type, listeners[i]);
    return this;
  };
  function listenersOf(target, type, unwrap) {
    const events = target._events;
    const list = events === undefined ? undefined : events[type];
    if (list === undefined) return [];
    const arr = typeof list === "function" ? [list] : list.slice();
    return unwrap ? arr.map((l) => l.listener || l) : arr;
  }
  proto.listeners = function listeners(type) { return listenersOf(this, type, true); };
  proto.rawListeners = function rawListeners(type) { return listenersOf(this, type, false); };
  proto.listenerCount = function listenerCount(type, listener) {
    const all = listenersOf(this, type, false);
    return listener === undefined ? all.length : all.filter((l) => l === listener || l.listener === listener).length;
  };
  proto.eventNames = function eventNames() { return this._eventsCount > 0 ? Reflect.ownKeys(this._events) : []; };

  EventEmitter.listenerCount = (emitter, type) => emitter.listenerCount(type);
  EventEmitter.EventEmitter = EventEmitter;
  EventEmitter.usingDomains = false;

  const abortError = lib.nodeAbortError;
  // events.once(emitter, name): a promise of the next event's arguments.
  EventEmitter.once = function once(emitter, name, options = {}) {
    const signal = options.signal;
    if (signal && signal.aborted) return Promise.reject(abortError(signal));
    return new Promise((resolve, reject) => {
      if (typeof emitter.addEventListener === "function" && !(emitter instanceof EventEmitter)) {
        emitter.addEventListener(name, (...args) => resolve(args), { once: true });
        return;
      }
      const onError = (err) => { emitter.removeListener(name, onEvent); reject(err); };
      const onEvent = (...args) => { if (name !== "error") emitter.removeListener("error", onError); resolve(args); };
      emitter.once(name, onEvent);
      if (name !== "error") emitter.once("error", onError);
      if (signal) signal.addEventListener("abort", () => {
        emitter.removeListener(name, onEvent);
        emitter.removeListener("error", onError);
        reject(abortError(signal));
      }, { once: true });
    });
  };
  // events.on(emitter, name): an async iterator of events.
  EventEmitter.on = function on(emitter, name, options = {}) {
    const queue = [];
    const waiting = [];
    let error = null;
    let done = false;
    const onEvent = (...args) => { if (waiting.length) waiting.shift().resolve({ value: args, done: false }); else queue.push(args); };
    const onError = (err) => { error = err; if (waiting.length) waiting.shift().reject(err); };
    emitter.on(name, onEvent);
    if (name !== "error") emitter.on("error", onError);
    const finish = () => {
      done = true;
      emitter.removeListener(name, onEvent);
      emitter.removeListener("error", onError);
      while (waiting.length) waiting.shift().resolve({ value: undefined, done: true });
    };
    if (options.signal) options.signal.addEventListener("abort", () => { error = abortError(options.signal); finish(); }, { once: true });
    return {
      next() {
        if (queue.length) return Promise.resolve({ value: queue.shift(), done: false });
        if (error) { const e = error; error = null; finish(); return Promise.reject(e); }
        if (done) return Promise.resolve({ value: undefined, done: true });
        return new Promise((resolve, reject) => waiting.push({ resolve, reject }));
      },
      return() { finish(); return Promise.resolve({ value: undefined, done: true }); },
      throw(err) { finish(); return Promise.reject(err); },
      [Symbol.asyncIterator]() { return this; },
    };
  };
  EventEmitter.getEventListeners = (emitter, name) => (typeof emitter.listeners === "function" ? emitter.listeners(name) : []);
  EventEmitter.setMaxListeners = (n = defaultMaxListeners, ...targets) => {
    if (targets.length === 0) defaultMaxListeners = n;
    for (const t of targets) if (typeof t.setMaxListeners === "function") t.setMaxListeners(n);
  };
  EventEmitter.EventTarget = globalThis.EventTarget;
  EventEmitter.Event = globalThis.Event;
  EventEmitter.default = EventEmitter;
  return EventEmitter;
})
