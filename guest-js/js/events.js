// isolet's DOM events and DOMException: Event, CustomEvent, EventTarget,
// AbortController and AbortSignal (https://dom.spec.whatwg.org/#events),
// PromiseRejectionEvent, MessageEvent, CloseEvent and ErrorEvent, and
// DOMException with the WebIDL names and legacy codes.
//
// Evaluated at build time before the prelude (which builds on these): this
// script evaluates to a function that takes the engine's internal `lib`
// object and the natives, defines the globals and hands the prelude what it
// needs on `lib`.
(function (lib, native) {
  "use strict";

  const define = (name, value) =>
    Object.defineProperty(globalThis, name, { value, writable: true, configurable: true, enumerable: false });

  // WebIDL's DOMException: name, message and the legacy code are accessors
  // of the prototype; names the standard lists have their code, others 0.
  const DOM_CODES = {
    IndexSizeError: 1, HierarchyRequestError: 3, WrongDocumentError: 4, InvalidCharacterError: 5,
    NoModificationAllowedError: 7, NotFoundError: 8, NotSupportedError: 9, InUseAttributeError: 10,
    InvalidStateError: 11, SyntaxError: 12, InvalidModificationError: 13, NamespaceError: 14,
    InvalidAccessError: 15, TypeMismatchError: 17, SecurityError: 18, NetworkError: 19, AbortError: 20,
    URLMismatchError: 21, QuotaExceededError: 22, TimeoutError: 23, InvalidNodeTypeError: 24, DataCloneError: 25,
  };
  class DOMExceptionLike extends Error {
    #name; #message;
    constructor(message = "", name = "Error") {
      super();
      this.#message = String(message);
      this.#name = String(name);
    }
    get name() { return this.#name; }
    get message() { return this.#message; }
    get code() { return Object.hasOwn(DOM_CODES, this.#name) ? DOM_CODES[this.#name] : 0; }
  }
  Object.defineProperty(DOMExceptionLike, "name", { value: "DOMException" });
  Object.defineProperty(DOMExceptionLike.prototype, Symbol.toStringTag, { value: "DOMException", configurable: true });
  for (const [constant, code] of [["INDEX_SIZE_ERR", 1], ["DOMSTRING_SIZE_ERR", 2], ["HIERARCHY_REQUEST_ERR", 3],
    ["WRONG_DOCUMENT_ERR", 4], ["INVALID_CHARACTER_ERR", 5], ["NO_DATA_ALLOWED_ERR", 6], ["NO_MODIFICATION_ALLOWED_ERR", 7],
    ["NOT_FOUND_ERR", 8], ["NOT_SUPPORTED_ERR", 9], ["INUSE_ATTRIBUTE_ERR", 10], ["INVALID_STATE_ERR", 11],
    ["SYNTAX_ERR", 12], ["INVALID_MODIFICATION_ERR", 13], ["NAMESPACE_ERR", 14], ["INVALID_ACCESS_ERR", 15],
    ["VALIDATION_ERR", 16], ["TYPE_MISMATCH_ERR", 17], ["SECURITY_ERR", 18], ["NETWORK_ERR", 19], ["ABORT_ERR", 20],
    ["URL_MISMATCH_ERR", 21], ["QUOTA_EXCEEDED_ERR", 22], ["TIMEOUT_ERR", 23], ["INVALID_NODE_TYPE_ERR", 24],
    ["DATA_CLONE_ERR", 25]]) {
    Object.defineProperty(DOMExceptionLike, constant, { value: code, enumerable: true });
    Object.defineProperty(DOMExceptionLike.prototype, constant, { value: code, enumerable: true });
  }
  define("DOMException", DOMExceptionLike);

  // ---------------------------------------------------------------- Event, EventTarget, AbortController
  // DOM Standard events (https://dom.spec.whatwg.org/#events), for targets
  // that are not nodes: the event path is the target alone, so capture
  // listeners run first, then the others, both in the AT_TARGET phase.
  // Event state lives in one private array (cheap to create, see Body).
  const T_TYPE = 0, T_FLAGS = 1, T_TARGET = 2, T_CURRENT = 3, T_PHASE = 4, T_STAMP = 5;
  const F_BUBBLES = 1, F_CANCELABLE = 2, F_COMPOSED = 4, F_CANCELED = 8, F_STOP = 16, F_STOP_NOW = 32,
    F_DISPATCH = 64, F_PASSIVE = 128, F_INIT = 256;
  let eventState;
  class Event {
    #s;
    constructor(type, eventInitDict = undefined) {
      if (arguments.length === 0) throw new TypeError("Failed to construct 'Event': 1 argument required, but only 0 present.");
      const init = eventInitDict === undefined || eventInitDict === null ? {} : eventInitDict;
      if (typeof init !== "object" && typeof init !== "function") throw new TypeError("Failed to construct 'Event': the init dictionary must be an object");
      const flags = F_INIT | (init.bubbles ? F_BUBBLES : 0) | (init.cancelable ? F_CANCELABLE : 0) | (init.composed ? F_COMPOSED : 0);
      this.#s = [String(type), flags, null, null, 0, Date.now()];
      Object.defineProperty(this, "isTrusted", { get: eventIsTrusted, enumerable: true });
    }
    static { eventState = (e) => e.#s; }
    get type() { return this.#s[T_TYPE]; }
    get target() { return this.#s[T_TARGET]; }
    get srcElement() { return this.#s[T_TARGET]; }
    get currentTarget() { return this.#s[T_CURRENT]; }
    get eventPhase() { return this.#s[T_PHASE]; }
    get bubbles() { return (this.#s[T_FLAGS] & F_BUBBLES) !== 0; }
    get cancelable() { return (this.#s[T_FLAGS] & F_CANCELABLE) !== 0; }
    get composed() { return (this.#s[T_FLAGS] & F_COMPOSED) !== 0; }
    get defaultPrevented() { return (this.#s[T_FLAGS] & F_CANCELED) !== 0; }
    get timeStamp() { return this.#s[T_STAMP]; }
    get returnValue() { return (this.#s[T_FLAGS] & F_CANCELED) === 0; }
    set returnValue(v) { if (!v) this.preventDefault(); }
    get cancelBubble() { return (this.#s[T_FLAGS] & F_STOP) !== 0; }
    set cancelBubble(v) { if (v) this.#s[T_FLAGS] |= F_STOP; }
    composedPath() { return this.#s[T_CURRENT] === null ? [] : [this.#s[T_CURRENT]]; }
    preventDefault() {
      const s = this.#s;
      if ((s[T_FLAGS] & F_CANCELABLE) !== 0 && (s[T_FLAGS] & F_PASSIVE) === 0) s[T_FLAGS] |= F_CANCELED;
    }
    stopPropagation() { this.#s[T_FLAGS] |= F_STOP; }
    stopImmediatePropagation() { this.#s[T_FLAGS] |= F_STOP | F_STOP_NOW; }
    initEvent(type, bubbles = false, cancelable = false) {
      if (arguments.length === 0) throw new TypeError("initEvent needs a type");
      const s = this.#s;
      if ((s[T_FLAGS] & F_DISPATCH) !== 0) return;
      s[T_TYPE] = String(type);
      s[T_FLAGS] = F_INIT | (bubbles ? F_BUBBLES : 0) | (cancelable ? F_CANCELABLE : 0);
      s[T_TARGET] = null;
    }
    get _stopped() { return (this.#s[T_FLAGS] & F_STOP_NOW) !== 0; }
  }
  function eventIsTrusted() { return false; }
  for (const [name, value] of [["NONE", 0], ["CAPTURING_PHASE", 1], ["AT_TARGET", 2], ["BUBBLING_PHASE", 3]]) {
    Object.defineProperty(Event, name, { value, enumerable: true });
    Object.defineProperty(Event.prototype, name, { value, enumerable: true });
  }

  function listenerOptions(options) {
    if (typeof options === "boolean") return { capture: options, once: false, passive: false, signal: undefined };
    if (options === undefined || options === null) return { capture: false, once: false, passive: false, signal: undefined };
    const signal = options.signal;
    if (signal !== undefined && !(signal instanceof AbortSignal)) throw new TypeError("addEventListener: options.signal must be an AbortSignal");
    return { capture: !!options.capture, once: !!options.once, passive: !!options.passive, signal };
  }
  function checkCallback(callback, what) {
    if (callback !== null && typeof callback !== "function" && typeof callback !== "object") {
      throw new TypeError(`${what}: the listener must be a function or an object with handleEvent`);
    }
  }
  class EventTarget {
    #listeners = new Map();
    addEventListener(type, callback, options = undefined) {
      if (arguments.length < 2) throw new TypeError("addEventListener needs a type and a listener");
      checkCallback(callback, "addEventListener");
      const { capture, once, passive, signal } = listenerOptions(options);
      if (callback === null) return;
      if (signal !== undefined && signal.aborted) return;
      type = String(type);
      let list = this.#listeners.get(type);
      if (list === undefined) this.#listeners.set(type, (list = []));
      if (list.some((l) => l.callback === callback && l.capture === capture)) return;
      const entry = { callback, capture, once, passive, removed: false };
      list.push(entry);
      if (signal !== undefined) signal.addEventListener("abort", () => this.#remove(type, entry));
    }
    removeEventListener(type, callback, options = undefined) {
      if (arguments.length < 2) throw new TypeError("removeEventListener needs a type and a listener");
      checkCallback(callback, "removeEventListener");
      const capture = typeof options === "boolean" ? options : !!(options && options.capture);
      const list = this.#listeners.get(String(type));
      const entry = list && list.find((l) => l.callback === callback && l.capture === capture);
      if (entry) this.#remove(String(type), entry);
    }
    #remove(type, entry) {
      entry.removed = true;
      const list = this.#listeners.get(type);
      if (list) {
        const i = list.indexOf(entry);
        if (i !== -1) list.splice(i, 1);
      }
    }
    dispatchEvent(event) {
      if (!(event instanceof Event)) throw new TypeError("Failed to execute 'dispatchEvent' on 'EventTarget': parameter 1 is not of type 'Event'.");
      const s = eventState(event);
      if ((s[T_FLAGS] & F_DISPATCH) !== 0 || (s[T_FLAGS] & F_INIT) === 0) {
        throw new DOMExceptionLike("The event is already being dispatched or was not initialized.", "InvalidStateError");
      }
      s[T_FLAGS] |= F_DISPATCH;
      s[T_TARGET] = this;
      s[T_CURRENT] = this;
      s[T_PHASE] = 2;
      const type = s[T_TYPE];
      const handler = this["on" + type];
      const list = this.#listeners.get(type);
      const snapshot = list === undefined ? [] : list.slice();
      if (typeof handler === "function") snapshot.unshift({ callback: handler, capture: false, once: false, passive: false, removed: false });
      // Capture listeners first, then the others (the target is the path).
      for (const capturing of [true, false]) {
        if ((s[T_FLAGS] & F_STOP) !== 0) break;
        for (const l of snapshot) {
          if (l.capture !== capturing || l.removed) continue;
          if (l.once) this.#remove(type, l);
          if (l.passive) s[T_FLAGS] |= F_PASSIVE;
          try {
            if (typeof l.callback === "function") l.callback.call(this, event);
            else {
              const handleEvent = l.callback.handleEvent;
              if (typeof handleEvent !== "function") throw new TypeError("The listener has no handleEvent method");
              handleEvent.call(l.callback, event);
            }
          } catch (e) { lib.reportError(e); }
          s[T_FLAGS] &= ~F_PASSIVE;
          if ((s[T_FLAGS] & F_STOP_NOW) !== 0) break;
        }
      }
      s[T_FLAGS] &= ~(F_DISPATCH | F_STOP | F_STOP_NOW);
      s[T_PHASE] = 0;
      s[T_CURRENT] = null;
      return (s[T_FLAGS] & F_CANCELED) === 0;
    }
  }
  class CustomEvent extends Event {
    #detail;
    constructor(type, eventInitDict = undefined) {
      super(...arguments);
      this.#detail = eventInitDict && eventInitDict.detail !== undefined ? eventInitDict.detail : null;
    }
    get detail() { return this.#detail; }
    initCustomEvent(type, bubbles = false, cancelable = false, detail = null) {
      if (arguments.length === 0) throw new TypeError("initCustomEvent needs a type");
      if ((eventState(this)[T_FLAGS] & F_DISPATCH) !== 0) return;
      this.initEvent(type, bubbles, cancelable);
      this.#detail = detail;
    }
  }
  define("CustomEvent", CustomEvent);
  // Event types with a few read-only fields from their init dictionary.
  function eventClass(name, fields, required = []) {
    const C = {
      [name]: class extends Event {
        constructor(type, init = undefined) {
          super(...arguments);
          const dict = init === undefined || init === null ? {} : init;
          for (const r of required) {
            if (!(r in dict)) throw new TypeError(`Failed to construct '${name}': required member ${r} is undefined.`);
          }
          const values = {};
          for (const [field, dflt] of fields) values[field] = dict[field] !== undefined ? dict[field] : dflt;
          Object.defineProperty(this, FIELDS, { value: values });
        }
      },
    }[name];
    for (const [field] of fields) {
      Object.defineProperty(C.prototype, field, { get() { return this[FIELDS][field]; }, configurable: true, enumerable: true });
    }
    define(name, C);
    return C;
  }
  const FIELDS = Symbol("fields");
  const PromiseRejectionEvent = eventClass("PromiseRejectionEvent", [["promise", undefined], ["reason", undefined]], ["promise"]);
  eventClass("MessageEvent", [["data", null], ["origin", ""], ["lastEventId", ""], ["source", null], ["ports", []]]);
  eventClass("CloseEvent", [["code", 0], ["reason", ""], ["wasClean", false]]);
  eventClass("ErrorEvent", [["message", ""], ["filename", ""], ["lineno", 0], ["colno", 0], ["error", undefined]]);
  define("Event", Event);
  define("EventTarget", EventTarget);

  class AbortSignal extends EventTarget {
    #aborted = false; #reason = undefined;
    constructor(key) {
      super();
      if (key !== abortKey) throw new TypeError("Illegal constructor");
      this.onabort = null;
    }
    get aborted() { return this.#aborted; }
    get reason() { return this.#reason; }
    throwIfAborted() { if (this.#aborted) throw this.#reason; }
    _abort(reason) {
      if (this.#aborted) return;
      this.#aborted = true;
      this.#reason = reason === undefined ? new DOMExceptionLike("The operation was aborted.", "AbortError") : reason;
      this.dispatchEvent(new Event("abort"));
    }
    static abort(reason) { const s = new AbortSignal(abortKey); s._abort(reason); return s; }
    static timeout(ms) {
      const s = new AbortSignal(abortKey);
      setTimeout(() => s._abort(new DOMExceptionLike("The operation timed out.", "TimeoutError")), ms);
      return s;
    }
    static any(signals) {
      const s = new AbortSignal(abortKey);
      for (const sig of signals) {
        if (sig.aborted) { s._abort(sig.reason); return s; }
        sig.addEventListener("abort", () => s._abort(sig.reason));
      }
      return s;
    }
  }
  const abortKey = Symbol("AbortSignal");
  class AbortController {
    #signal = new AbortSignal(abortKey);
    get signal() { return this.#signal; }
    abort(reason) { this.#signal._abort(reason); }
  }
  define("AbortSignal", AbortSignal);
  define("AbortController", AbortController);
  lib.AbortSignal = AbortSignal;
  lib.AbortController = AbortController;

  lib.Event = Event;
  lib.EventTarget = EventTarget;
  lib.PromiseRejectionEvent = PromiseRejectionEvent;
  lib.DOMException = DOMExceptionLike;
});
