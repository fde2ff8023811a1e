// isolet's timers, in virtual time: setTimeout, setInterval, their clear
// functions and queueMicrotask; `performance`, whose clock includes the
// virtual time skipped; and Cloudflare's `scheduler.wait`. The engine runs
// the next timer when nothing else is left to run (the runNextTimer and
// nextTimerDelay hooks, which dispatch.js returns).
//
// Evaluated at build time in the prelude, after console.js; takes the
// engine's internal `lib` object and the natives.
(function (lib, native) {
  "use strict";

  const define = (name, value) =>
    Object.defineProperty(globalThis, name, { value, writable: true, configurable: true, enumerable: false });
  const { reportError } = lib; // console.js
  const { AbortSignal } = lib; // events.js

  // ---------------------------------------------------------------- timers (virtual time)
  // Timers run when the invocation has nothing else to do; virtual time then
  // jumps to the next due timer, so `await new Promise(r => setTimeout(r, 1000))`
  // completes without waiting a real second.
  let timerSeq = 0;
  // Set once node:async_hooks is loaded: it calls lib.useAsyncContext
  // (which dispatch.js extends).
  let asyncContexts = false;
  lib.useAsyncContext = () => { asyncContexts = true; };
  // For HTMLRewriter's async handlers (the next timer, in virtual time) and
  // dispatch.js's hooks.
  lib.runNextTimer = runNextTimer;
  let virtualNow = 0;
  lib.virtualNow = () => virtualNow;
  // Virtual time moves to `ms` if that is later (a WebSocket session's
  // timers run in real time).
  lib.advanceVirtualNow = (ms) => { if (ms > virtualNow) virtualNow = ms; };
  const timers = new Map();
  function addTimer(fn, ms, args, repeat) {
    if (typeof fn !== "function") throw new TypeError("The callback must be a function");
    const id = ++timerSeq;
    const delay = Math.max(0, Number(ms) || 0);
    // With AsyncLocalStorage in use, a timer runs in the async context it
    // was set in (as promise reactions do).
    const context = asyncContexts ? native.asyncContextGet() : undefined;
    timers.set(id, { fn, args, at: virtualNow + delay, delay, repeat, seq: id, context });
    return id;
  }
  define("setTimeout", (fn, ms, ...args) => addTimer(fn, ms, args, false));
  define("setInterval", (fn, ms, ...args) => addTimer(fn, ms, args, true));
  define("clearTimeout", (id) => void timers.delete(id));
  define("clearInterval", (id) => void timers.delete(id));
  define("queueMicrotask", (fn) => {
    if (typeof fn !== "function") throw new TypeError("The callback must be a function");
    Promise.resolve().then(fn);
  });
  function runNextTimer() {
    let next = null;
    for (const t of timers.values()) {
      if (!next || t.at < next.at || (t.at === next.at && t.seq < next.seq)) next = t;
    }
    if (!next) return false;
    virtualNow = Math.max(virtualNow, next.at);
    if (next.repeat) {
      next.at = virtualNow + Math.max(1, next.delay);
      next.seq = ++timerSeq;
    } else {
      timers.delete(next.seq);
    }
    if (asyncContexts) native.asyncContextSet(next.context);
    try {
      next.fn(...next.args);
    } catch (e) {
      reportError(e);
    }
    if (asyncContexts) native.asyncContextSet(undefined);
    return true;
  }
  // Virtual milliseconds until the next timer is due (0 when one is due
  // now), or null when no timer is set. A streamed body waits for it in
  // real time (see readBody in dispatch.js).
  function nextTimerDelay() {
    let at = Infinity;
    for (const t of timers.values()) if (t.at < at) at = t.at;
    return at === Infinity ? null : Math.max(0, at - virtualNow);
  }
  lib.nextTimerDelay = nextTimerDelay; // for dispatch.js's hooks

  // ---------------------------------------------------------------- performance
  // Milliseconds since the worker was loaded; advances with real time and
  // with the virtual time timers skip over.
  let timeOrigin = Date.now();
  define("performance", Object.freeze({
    now: () => Date.now() - timeOrigin + virtualNow,
    get timeOrigin() { return timeOrigin; },
  }));
  // dispatch.js's setEnv starts the clock when the worker is loaded.
  lib.resetTimeOrigin = () => { timeOrigin = Date.now(); };

  // ---------------------------------------------------------------- scheduler
  // Cloudflare's scheduler.wait(ms): an awaitable setTimeout (virtual time,
  // like the timers), cancellable with { signal }.
  define("scheduler", Object.freeze({
    wait(ms, options = undefined) {
      const signal = options && options.signal;
      if (signal !== undefined && signal !== null && !(signal instanceof AbortSignal)) {
        return Promise.reject(new TypeError("scheduler.wait: signal must be an AbortSignal"));
      }
      if (signal && signal.aborted) return Promise.reject(signal.reason);
      return new Promise((resolve, reject) => {
        const onAbort = () => { clearTimeout(id); reject(signal.reason); };
        const id = setTimeout(() => { if (signal) signal.removeEventListener("abort", onAbort); resolve(); }, ms);
        if (signal) signal.addEventListener("abort", onAbort);
      });
    },
  }));
});
