// The global scope: `self` and `navigator`, and the scope as an event
// target (addEventListener, removeEventListener, dispatchEvent), which gets
// `unhandledrejection` and, in Cloudflare's service-worker syntax, `fetch`
// events (FetchEvent).
//
// Evaluated at build time in the prelude, after commonjs.js; takes the
// engine's internal `lib` object and the natives.
(function (lib, native) {
  "use strict";

  const define = (name, value) =>
    Object.defineProperty(globalThis, name, { value, writable: true, configurable: true, enumerable: false });
  const { Event, EventTarget, PromiseRejectionEvent } = lib; // events.js
  const DOMExceptionLike = lib.DOMException; // events.js
  const { reportError } = lib; // console.js
  const { Request } = lib; // http.js

  define("self", globalThis);
  define("navigator", Object.freeze({ userAgent: "isolet", hardwareConcurrency: 1, language: "en", languages: Object.freeze(["en"]) }));

  // ---------------------------------------------------------------- service-worker syntax
  // `addEventListener("fetch", (event) => event.respondWith(...))` at the
  // top level of the main module, Cloudflare's service-worker syntax: used
  // when the module has no default export. Its env values and bindings are
  // then globals too, as there (setMain in dispatch.js).
  const globalEvents = new EventTarget();
  const fetchListeners = new Set();
  define("addEventListener", function addEventListener(type, listener, options) {
    type = String(type);
    if (type === "fetch" && listener != null) fetchListeners.add(listener);
    globalEvents.addEventListener(type, listener, options);
  });
  define("removeEventListener", function removeEventListener(type, listener) {
    type = String(type);
    if (type === "fetch") fetchListeners.delete(listener);
    globalEvents.removeEventListener(type, listener);
  });
  define("dispatchEvent", function dispatchEvent(event) { return globalEvents.dispatchEvent(event); });
  const fetchEventKey = Symbol("FetchEvent");
  class FetchEvent extends Event {
    #request; #ctx; #response; #responded = false; #dispatching = true;
    constructor(type, init) {
      super(type, { cancelable: true });
      if (init === null || typeof init !== "object" || !(init.request instanceof Request)) {
        throw new TypeError("Failed to construct 'FetchEvent': init.request must be a Request");
      }
      this.#request = init.request;
      this.#ctx = init[fetchEventKey];
    }
    get request() { return this.#request; }
    respondWith(response) {
      if (!this.#dispatching) throw new DOMExceptionLike("respondWith() must be called synchronously by a fetch listener", "InvalidStateError");
      if (this.#responded) throw new DOMExceptionLike("respondWith() was already called for this event", "InvalidStateError");
      this.#responded = true;
      this.#response = response;
    }
    waitUntil(promise) {
      if (this.#ctx === undefined) throw new DOMExceptionLike("waitUntil() needs an event isolet dispatched", "InvalidStateError");
      this.#ctx.waitUntil(promise);
    }
    passThroughOnException() {}
    static _end(event) { event.#dispatching = false; return event.#responded ? [event.#response] : null; }
  }
  define("FetchEvent", FetchEvent);
  // The default entrypoint of a service-worker-syntax worker.
  const serviceWorker = {
    value: {
      fetch(request, _env, ctx) {
        const event = new FetchEvent("fetch", { request, [fetchEventKey]: ctx });
        // Called directly (not dispatchEvent): a listener's exception fails
        // the request, as on Cloudflare.
        for (const listener of [...fetchListeners]) {
          if (typeof listener === "function") listener.call(globalThis, event);
          else if (typeof listener.handleEvent === "function") listener.handleEvent(event);
          if (event._stopped) break;
        }
        const answer = FetchEvent._end(event);
        if (answer === null) throw new Error("No fetch listener called event.respondWith() (service-worker syntax)");
        return answer[0];
      },
    },
    classBased: false,
  };

  // A promise rejected with no handler by the end of a microtask
  // checkpoint: `unhandledrejection` on the global scope (cancelable), and
  // unless a listener canceled it, logged as uncaught (the engine's
  // rejection tracker calls this).
  function unhandledRejection(promise, reason) {
    const event = new PromiseRejectionEvent("unhandledrejection", { cancelable: true, promise, reason });
    try { globalEvents.dispatchEvent(event); } catch (e) { reportError(e); }
    if (!event.defaultPrevented) reportError(reason, "Uncaught (in promise) ");
  }

  // For dispatch.js.
  lib.unhandledRejection = unhandledRejection;
  lib.fetchListeners = fetchListeners;
  lib.serviceWorker = serviceWorker;
});
