// isolet's JavaScript prelude: the Workers globals.
//
// Evaluated once at build time (pre-initialization); the resulting heap is
// snapshotted into the engine component. This script evaluates to a function
// that takes the native hooks and returns the engine's internal entry points.
(function (native, lib) {
  "use strict";

  // From streams.js, evaluated after this file (so the objects every
  // request touches sit together at the bottom of the heap): it calls
  // lib.useStreams with these.
  let ReadableStream, collectStream, isDisturbed, bytesStream, bodyReader;
  lib.useStreams = (s) => ({ ReadableStream, collectStream, isDisturbed, bytesStream, bodyReader } = s);
  // From blob.js, likewise.
  let Blob, FormData, blobBytes, encodeMultipart, parseMultipart;
  lib.useBlob = (b) => ({ Blob, FormData, bytesOf: blobBytes, encodeMultipart, parseMultipart } = b);
  // A BufferSource (ArrayBuffer or view) as a Uint8Array over the same
  // memory (no copy); a TypeError saying `what` must be one otherwise.
  function bufferBytes(data, what) {
    if (data instanceof ArrayBuffer) return new Uint8Array(data);
    if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    throw new TypeError(`${what} must be an ArrayBuffer or ArrayBufferView`);
  }
  lib.bufferBytes = bufferBytes;
  // From events.js and url.js, evaluated before this file.
  const { Event, EventTarget, AbortSignal, AbortController, PromiseRejectionEvent } = lib;
  const DOMExceptionLike = lib.DOMException;
  const { URL, URLSearchParams } = lib;

  const workersSymbol = Symbol.for("isolet.workers");
  const textEncoder = new TextEncoder();
  // TextEncoder.prototype.encodeInto (javy's TextEncoder has one that only
  // throws "not supported"): encodes as much of `source` as fits, whole
  // characters only.
  {
    Object.defineProperty(TextEncoder.prototype, "encodeInto", {
      value: function encodeInto(source, destination) {
        if (!(destination instanceof Uint8Array)) throw new TypeError("encodeInto: the destination must be a Uint8Array");
        const s = String(source);
        const cap = destination.length;
        let read = 0, written = 0;
        while (read < s.length) {
          let cp = s.charCodeAt(read);
          let units = 1;
          if (cp >= 0xd800 && cp <= 0xdbff && read + 1 < s.length) {
            const lo = s.charCodeAt(read + 1);
            if (lo >= 0xdc00 && lo <= 0xdfff) { cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00); units = 2; }
          }
          if (cp >= 0xd800 && cp <= 0xdfff) cp = 0xfffd; // a lone surrogate
          const n = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
          if (written + n > cap) break;
          if (n === 1) destination[written] = cp;
          else if (n === 2) { destination[written] = 0xc0 | (cp >> 6); destination[written + 1] = 0x80 | (cp & 63); }
          else if (n === 3) { destination[written] = 0xe0 | (cp >> 12); destination[written + 1] = 0x80 | ((cp >> 6) & 63); destination[written + 2] = 0x80 | (cp & 63); }
          else { destination[written] = 0xf0 | (cp >> 18); destination[written + 1] = 0x80 | ((cp >> 12) & 63); destination[written + 2] = 0x80 | ((cp >> 6) & 63); destination[written + 3] = 0x80 | (cp & 63); }
          written += n;
          read += units;
        }
        return { read, written };
      },
      writable: true, configurable: true, enumerable: false,
    });
  }
  const define = (name, value) =>
    Object.defineProperty(globalThis, name, { value, writable: true, configurable: true, enumerable: false });

  // ---------------------------------------------------------------- console
  const LEVEL = { debug: 0, log: 1, info: 2, warn: 3, error: 4 };

  function inspect(value, depth, seen) {
    switch (typeof value) {
      case "string": return depth === 0 ? value : JSON.stringify(value);
      case "number": return Object.is(value, -0) ? "-0" : String(value);
      case "bigint": return value + "n";
      case "undefined": return "undefined";
      case "boolean": return String(value);
      case "symbol": return value.toString();
      case "function": return value.name ? `[Function: ${value.name}]` : "[Function (anonymous)]";
    }
    if (value === null) return "null";
    if (seen.includes(value)) return "[Circular *]";
    if (value instanceof Error) return value.stack ? `${value.name}: ${value.message}\n${value.stack}`.trimEnd() : `${value.name}: ${value.message}`;
    if (value instanceof Date) return isNaN(value) ? "Invalid Date" : value.toISOString();
    if (value instanceof RegExp) return String(value);
    if (depth > 2) return Array.isArray(value) ? "[Array]" : "[Object]";
    const next = seen.concat([value]);
    const item = (v) => inspect(v, depth + 1, next);
    if (Array.isArray(value)) return value.length ? `[ ${value.map(item).join(", ")} ]` : "[]";
    if (value instanceof Map) return `Map(${value.size}) { ${[...value].map(([k, v]) => `${item(k)} => ${item(v)}`).join(", ")} }`;
    if (value instanceof Set) return `Set(${value.size}) { ${[...value].map(item).join(", ")} }`;
    if (ArrayBuffer.isView(value)) return `${value.constructor.name}(${value.length}) [ ${Array.from(value).join(", ")} ]`;
    if (value instanceof Promise) return "Promise { <pending> }";
    const keys = Object.keys(value);
    const ctor = value.constructor && value.constructor !== Object ? value.constructor.name + " " : "";
    if (!keys.length) return ctor + "{}";
    const key = (k) => (/^[A-Za-z_$][\w$]*$/.test(k) ? k : JSON.stringify(k));
    return `${ctor}{ ${keys.map((k) => `${key(k)}: ${item(value[k])}`).join(", ")} }`;
  }

  function format(args) {
    return args.map((a) => inspect(a, 0, [])).join(" ");
  }

  const console = {};
  for (const [name, level] of Object.entries(LEVEL)) {
    console[name] = (...args) => native.log(level, format(args));
  }
  console.trace = (...args) => native.log(LEVEL.log, format(["Trace:", ...args]) + "\n" + new Error().stack);
  console.assert = (cond, ...args) => { if (!cond) native.log(LEVEL.error, format(["Assertion failed:", ...args])); };
  console.table = console.log;
  console.dir = (v) => console.log(v);
  define("console", console);

  // ---------------------------------------------------------------- timers (virtual time)
  // Timers run when the invocation has nothing else to do; virtual time then
  // jumps to the next due timer, so `await new Promise(r => setTimeout(r, 1000))`
  // completes without waiting a real second.
  let timerSeq = 0;
  // Set once node:async_hooks is loaded (see lib.useAsyncContext).
  let asyncContexts = false;
  lib.useAsyncContext = () => { asyncContexts = true; };
  // For HTMLRewriter's async handlers: the next timer, in virtual time.
  lib.runNextTimer = () => runNextTimer();
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
  // real time (see readBody).
  function nextTimerDelay() {
    let at = Infinity;
    for (const t of timers.values()) if (t.at < at) at = t.at;
    return at === Infinity ? null : Math.max(0, at - virtualNow);
  }
  lib.reportError = (e) => reportError(e);
  function reportError(e, prefix = "Uncaught ") {
    native.log(LEVEL.error, prefix + inspect(e, 0, []));
    reportException(e);
  }
  // An uncaught error for the trace's exceptions (name, message, stack).
  function reportException(e) {
    let name = "Error", message, stack = "";
    try {
      if (e instanceof Error) {
        name = String(e.name);
        message = String(e.message);
        stack = typeof e.stack === "string" ? e.stack : "";
      } else {
        message = inspect(e, 0, []);
      }
    } catch {
      message = "(an error that could not be read)";
    }
    native.reportException(name, message, stack);
  }

  // ---------------------------------------------------------------- helpers
  function toBytes(body) {
    if (body === null || body === undefined) return null;
    if (typeof body === "string") return textEncoder.encode(body);
    if (body instanceof ArrayBuffer) return new Uint8Array(body.slice(0));
    if (ArrayBuffer.isView(body)) return new Uint8Array(body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength));
    if (body instanceof URLSearchParams) return textEncoder.encode(body.toString());
    return textEncoder.encode(String(body));
  }
  // The content-type a non-string body implies (strings: see _initBody).
  function defaultContentType(body) {
    if (body instanceof URLSearchParams) return "application/x-www-form-urlencoded;charset=UTF-8";
    return null;
  }
  function decodeUtf8(bytes, fatal = false, ignoreBOM = false) {
    return native.utf8Decode(bytes, fatal, ignoreBOM);
  }

  // ---------------------------------------------------------------- TextDecoder (WHATWG utf-8)
  // How many bytes at the end of `bytes` begin a UTF-8 sequence that the
  // next chunk completes (0 when it ends on a whole character).
  function incompleteUtf8Tail(bytes) {
    const n = bytes.length;
    for (let i = 1; i <= 3 && i <= n; i++) {
      const b = bytes[n - i];
      if ((b & 0xc0) === 0x80) continue;
      if (b < 0xc0) return 0;
      const need = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : 2;
      return need > i ? i : 0;
    }
    return 0;
  }
  class TextDecoder {
    #encoding; #fatal; #ignoreBOM;
    // Streaming decode: bytes of a character split across chunks, and
    // whether the stream is past its start (a BOM is only stripped there).
    // Legacy encodings stream in the engine, by handle.
    #pending = null; #started = false; #handle = 0;
    constructor(label = "utf-8", options = {}) {
      const l = String(label);
      // Every label the Encoding Standard knows (encoding_rs in the engine);
      // UTF-8 is decoded here.
      const name = l === "utf-8" || l === "utf8" ? "utf-8" : native.encodingFor(l);
      if (name == null) throw new RangeError(`The "${label}" encoding is not supported`);
      this.#encoding = name;
      this.#fatal = !!(options && options.fatal);
      this.#ignoreBOM = !!(options && options.ignoreBOM);
    }
    get encoding() { return this.#encoding; }
    get fatal() { return this.#fatal; }
    get ignoreBOM() { return this.#ignoreBOM; }
    decode(input = new Uint8Array(0), options = undefined) {
      let bytes = bufferBytes(input, "The \"input\" argument");
      const stream = !!(options && options.stream);
      if (this.#encoding !== "utf-8") {
        const handle = this.#handle;
        this.#handle = 0;
        const [text, next] = native.legacyDecode(this.#encoding, handle, bytes, this.#fatal, this.#ignoreBOM, !stream);
        this.#handle = next;
        return text;
      }
      if (!stream && this.#pending === null && !this.#started) return decodeUtf8(bytes, this.#fatal, this.#ignoreBOM);
      if (this.#pending !== null) {
        const joined = new Uint8Array(this.#pending.length + bytes.length);
        joined.set(this.#pending);
        joined.set(bytes, this.#pending.length);
        bytes = joined;
        this.#pending = null;
      }
      if (stream) {
        const tail = incompleteUtf8Tail(bytes);
        if (tail) {
          this.#pending = bytes.slice(bytes.length - tail);
          bytes = bytes.subarray(0, bytes.length - tail);
        }
      }
      const out = decodeUtf8(bytes, this.#fatal, this.#ignoreBOM || this.#started);
      // The end of a stream (a call without `stream`) starts the next one.
      this.#started = stream && (this.#started || bytes.length > 0);
      return out;
    }
  }
  define("TextDecoder", TextDecoder);
  lib.TextDecoder = TextDecoder;

  // ---------------------------------------------------------------- Headers
  // RFC 9110 token characters, as a lookup table (faster than a regex here).
  const TOKEN_CHARS = new Uint8Array(128);
  for (const c of "!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz") TOKEN_CHARS[c.charCodeAt(0)] = 1;
  const TOKEN = {
    test(s) {
      if (s.length === 0) return false;
      for (let i = 0; i < s.length; i++) {
        const c = s.charCodeAt(i);
        if (c >= 128 || TOKEN_CHARS[c] === 0) return false;
      }
      return true;
    },
  };
  const isWs = (c) => c === 32 || c === 9 || c === 10 || c === 13;
  function normalizeValue(v) {
    v = String(v);
    if (v.length === 0 || (!isWs(v.charCodeAt(0)) && !isWs(v.charCodeAt(v.length - 1)))) return v;
    return v.replace(/^[\t\n\r ]+|[\t\n\r ]+$/g, "");
  }
  // Names and values already validated, with what they normalize to: the
  // checks cost ~10k wasm instructions per header in QuickJS, and a worker
  // sets the same few headers on every request. Bounded; emptied when full.
  const checkedNames = new Map();
  const checkedValues = new Map();
  function remember(map, key, value) {
    if (key.length > 256) return value;
    if (map.size >= 512) map.clear();
    map.set(key, value);
    return value;
  }
  function headerName(name) {
    const n = typeof name === "string" ? name : String(name);
    const known = checkedNames.get(n);
    if (known !== undefined) return known;
    if (!TOKEN.test(n)) throw new TypeError(`Invalid header name '${n}'`);
    return remember(checkedNames, n, n.toLowerCase());
  }
  function headerValue(value) {
    const raw = typeof value === "string" ? value : String(value);
    const known = checkedValues.get(raw);
    if (known !== undefined) return known;
    const v = normalizeValue(raw);
    if (v.indexOf("\r") !== -1 || v.indexOf("\n") !== -1 || v.indexOf("\0") !== -1) throw new TypeError(`Invalid header value for '${v}'`);
    return remember(checkedValues, raw, v);
  }
  // Common names and values checked ahead, so that a fresh instance's first
  // request finds them too (the maps are part of the snapshot).
  for (const name of ["accept", "accept-encoding", "accept-language", "access-control-allow-credentials",
    "access-control-allow-headers", "access-control-allow-methods", "access-control-allow-origin",
    "access-control-expose-headers", "access-control-max-age", "age", "authorization", "cache-control",
    "content-disposition", "content-encoding", "content-language", "content-length", "content-security-policy",
    "content-type", "cookie", "date", "etag", "expires", "host", "if-modified-since", "if-none-match",
    "last-modified", "link", "location", "origin", "pragma", "referer", "retry-after", "server", "set-cookie",
    "strict-transport-security", "user-agent", "vary", "www-authenticate", "x-content-type-options",
    "x-frame-options", "x-request-id"]) {
    headerName(name);
    headerName(name.replace(/(^|-)([a-z])/g, (m) => m.toUpperCase())); // Content-Type
  }
  for (const value of ["*", "text/plain", "text/plain;charset=UTF-8", "text/plain; charset=utf-8", "text/html",
    "text/html;charset=UTF-8", "text/html; charset=utf-8", "application/json", "application/json; charset=utf-8",
    "no-cache", "no-store", "nosniff", "DENY", "Origin", "GET, POST, OPTIONS", "Content-Type", "true"]) headerValue(value);
  class Headers {
    #list = []; // [lowercased name, value]
    #guard = "none";
    constructor(init) {
      if (init === undefined || init === null) return;
      if (init instanceof Headers) {
        for (const [k, v] of init.#list) this.#list.push([k, v]);
      } else if (typeof init === "object" && typeof init[Symbol.iterator] === "function") {
        for (const pair of init) {
          const p = Array.isArray(pair) ? pair : [...pair];
          if (p.length !== 2) throw new TypeError("Headers constructor: expected name/value pair to be length 2, found " + p.length + ".");
          this.append(p[0], p[1]);
        }
      } else if (typeof init === "object") {
        // An indexed loop: for-of makes an iterator result object per step.
        const keys = Object.keys(init);
        const list = this.#list;
        for (let i = 0; i < keys.length; i++) list.push([headerName(keys[i]), headerValue(init[keys[i]])]);
      } else {
        throw new TypeError("Failed to construct 'Headers': The provided value is not of type '(record<ByteString, ByteString> or sequence<sequence<ByteString>>)'.");
      }
    }
    static _freeze(h) { h.#guard = "immutable"; return h; }
    // Headers the host already validated and lowercased, as a flat
    // [name, value, name, value, ...] array (incoming requests).
    static _fromFlat(flat) {
      const h = new Headers();
      const list = h.#list;
      for (let i = 0; i + 1 < flat.length; i += 2) list.push([flat[i], flat[i + 1]]);
      return h;
    }
    // Sets a header the engine itself chose (a valid lowercase name and
    // value) unless one is present: no validation needed.
    _setDefault(name, value) {
      const list = this.#list;
      for (let i = 0; i < list.length; i++) if (list[i][0] === name) return;
      list.push([name, value]);
    }
    // As a flat [name, value, ...] array for the host.
    _flat() {
      const list = this.#list;
      const out = new Array(list.length * 2);
      for (let i = 0; i < list.length; i++) { out[2 * i] = list[i][0]; out[2 * i + 1] = list[i][1]; }
      return out;
    }
    #check(name) {
      if (this.#guard === "immutable") throw new TypeError("Can't modify immutable headers.");
      return headerName(name);
    }
    append(name, value) {
      const n = this.#check(name);
      this.#list.push([n, headerValue(value)]);
    }
    set(name, value) {
      const n = this.#check(name);
      const v = headerValue(value);
      const list = this.#list;
      let found = false;
      for (let i = 0; i < list.length; i++) {
        if (list[i][0] !== n) continue;
        if (found) { list.splice(i, 1); i--; } else { list[i][1] = v; found = true; }
      }
      if (!found) list.push([n, v]);
    }
    delete(name) { const n = this.#check(name); this.#list = this.#list.filter(([k]) => k !== n); }
    get(name) {
      const n = checkedNames.get(name) ?? String(name).toLowerCase();
      const list = this.#list;
      let out = null;
      for (let i = 0; i < list.length; i++) {
        if (list[i][0] === n) out = out === null ? list[i][1] : out + ", " + list[i][1];
      }
      return out;
    }
    getAll(name) {
      const n = String(name).toLowerCase();
      if (n !== "set-cookie") throw new TypeError("getAll() can only be used with the header name \"Set-Cookie\".");
      return this.getSetCookie();
    }
    getSetCookie() { return this.#list.filter(([k]) => k === "set-cookie").map(([, v]) => v); }
    has(name) {
      const n = String(name).toLowerCase();
      const list = this.#list;
      for (let i = 0; i < list.length; i++) if (list[i][0] === n) return true;
      return false;
    }
    *entries() {
      const names = [...new Set(this.#list.map(([k]) => k))].sort();
      for (const n of names) {
        if (n === "set-cookie") { for (const v of this.getSetCookie()) yield [n, v]; }
        else yield [n, this.get(n)];
      }
    }
    *keys() { for (const [k] of this.entries()) yield k; }
    *values() { for (const [, v] of this.entries()) yield v; }
    forEach(cb, thisArg) { for (const [k, v] of this.entries()) cb.call(thisArg, v, k, this); }
    [Symbol.iterator]() { return this.entries(); }
    get [Symbol.toStringTag]() { return "Headers"; }
    _pairs() { return this.#list.map(([k, v]) => [k, v]); }
  }
  define("Headers", Headers);

  // URL and URLSearchParams: url.js.
  // Event, EventTarget, AbortController, AbortSignal and DOMException: events.js.
  // A promise rejected with no handler by the end of a microtask
  // checkpoint: `unhandledrejection` on the global scope (cancelable), and
  // unless a listener canceled it, logged as uncaught (the engine's
  // rejection tracker calls this).
  function unhandledRejection(promise, reason) {
    const event = new PromiseRejectionEvent("unhandledrejection", { cancelable: true, promise, reason });
    try { globalEvents.dispatchEvent(event); } catch (e) { reportError(e); }
    if (!event.defaultPrevented) reportError(reason, "Uncaught (in promise) ");
  }

  // ---------------------------------------------------------------- Body, Request, Response
  // A Request or Response keeps all its state in one array under the STATE
  // symbol (as Node's fetch keeps its internals under symbols): objects made
  // on every request are cheapest in QuickJS as one property holding an
  // array literal. Measured in wasm instructions: a derived class with a
  // private field costs ~5.9k to construct, an object literal with a
  // prototype ~2.6k, so the host's incoming Request is a literal (see
  // dispatchFetch) and Request/Response are not subclasses: the Body
  // methods are mixed into both prototypes (as the Fetch spec's Body mixin).
  // Slots 0-2 are the body's, 3-6 the class's.
  const STATE = Symbol("state");
  const BYTES = 0, STREAM = 1, USED = 2;
  // The content-type a string body implies.
  const TEXT_PLAIN = "text/plain;charset=UTF-8";
  const BODY_USED = "Body has already been used. It can only be used once. Use tee() first if you need to read it twice.";
  // The state array of a Request or Response; a TypeError for anything else.
  function stateOf(o) {
    const s = o !== null && typeof o === "object" ? o[STATE] : undefined;
    if (s === undefined) throw new TypeError("Illegal invocation: not a Request or Response");
    return s;
  }
  function consumeBody(o) {
    const s = stateOf(o);
    if (o.bodyUsed) throw new TypeError(BODY_USED);
    s[USED] = true;
    if (s[STREAM] !== null) return collectStream(s[STREAM]);
    return s[BYTES] === null ? new Uint8Array(0) : o._bodyBytes();
  }
  class Body {
    // Takes the body; returns the content-type it implies (or null), which
    // the caller sets on its headers unless they name one.
    _initBody(body) {
      if (body === null || body === undefined) return null;
      const s = stateOf(this);
      if (typeof body === "string") {
        s[BYTES] = body; // encoded lazily
        return TEXT_PLAIN;
      }
      if (body instanceof ReadableStream) s[STREAM] = body;
      else if (body instanceof Blob) {
        s[BYTES] = blobBytes(body); // a Blob never changes: no copy
        return body.type || null;
      } else if (body instanceof FormData) {
        const { bytes, contentType } = encodeMultipart(body);
        s[BYTES] = bytes;
        return contentType;
      } else s[BYTES] = toBytes(body);
      return defaultContentType(body);
    }
    _bodyBytes() {
      const s = stateOf(this);
      return typeof s[BYTES] === "string" ? (s[BYTES] = textEncoder.encode(s[BYTES])) : s[BYTES];
    }
    _bodySource() { return stateOf(this)[STREAM] || this._bodyBytes(); }
    // For the response path: the body as a string or bytes without copying,
    // or undefined when it must be read asynchronously (a stream).
    _takeSync() {
      const s = stateOf(this);
      if (s[STREAM] !== null) return undefined;
      s[USED] = true;
      return s[BYTES] === null ? "" : s[BYTES];
    }
    get body() {
      const s = stateOf(this);
      if (s[STREAM] === null && s[BYTES] !== null) {
        const bytes = this._bodyBytes();
        s[STREAM] = bytesStream(bytes);
        s[BYTES] = null;
      }
      return s[STREAM];
    }
    get bodyUsed() { const s = stateOf(this); return s[USED] || (s[STREAM] !== null && isDisturbed(s[STREAM])); }
    async arrayBuffer() { const b = await consumeBody(this); return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength); }
    async bytes() { return new Uint8Array(await this.arrayBuffer()); }
    async text() {
      const s = stateOf(this);
      if (typeof s[BYTES] === "string" && s[STREAM] === null) {
        if (this.bodyUsed) throw new TypeError(BODY_USED);
        s[USED] = true;
        return s[BYTES];
      }
      return decodeUtf8(await consumeBody(this));
    }
    async json() { return JSON.parse(await this.text()); }
    async formData() {
      const type = this.headers.get("content-type") || "";
      const essence = type.split(";")[0].trim().toLowerCase();
      if (essence === "multipart/form-data") return parseMultipart(await consumeBody(this), type);
      if (essence === "application/x-www-form-urlencoded") {
        const form = new FormData();
        for (const [k, v] of new URLSearchParams(decodeUtf8(await consumeBody(this)))) form.append(k, v);
        return form;
      }
      throw new TypeError(`formData() needs a multipart/form-data or application/x-www-form-urlencoded body, not ${JSON.stringify(type || "(no content-type)")}`);
    }
    async blob() {
      const bytes = await consumeBody(this);
      return new Blob([bytes], { type: this.headers.get("content-type") || "" });
    }
    _teeBody() {
      const s = stateOf(this);
      if (s[STREAM] === null) return s[BYTES] === null ? null : this._bodyBytes();
      const [a, b] = s[STREAM].tee();
      s[STREAM] = a;
      return b;
    }
  }
  // Body's methods and getters onto a class's prototype (non-enumerable, as
  // class members are).
  function mixBody(cls) {
    const own = Object.getOwnPropertyDescriptors(Body.prototype);
    delete own.constructor;
    Object.defineProperties(cls.prototype, own);
  }

  const METHODS = ["DELETE", "GET", "HEAD", "OPTIONS", "POST", "PUT", "PATCH"];
  // A Request's slots after the body's. R_HEADERS is a Headers, or for an
  // incoming request until the handler asks, the host's flat [name, value,
  // ...] array. R_EXTRA holds redirect and signal when not the defaults.
  const R_URL = 3, R_METHOD = 4, R_HEADERS = 5, R_EXTRA = 6;
  const NO_INIT = Object.freeze({});
  class Request {
    constructor(input, init) {
      if (init === undefined || init === null) init = NO_INIT;
      let src = null;
      if (input instanceof Request) src = input;
      const url = src ? src.url : String(input instanceof URL ? input.href : input);
      const href = native.urlHref(url);
      if (href === null) throw new TypeError(`Invalid URL: ${url}`);
      let method = src ? src.method : "GET";
      if (init.method !== undefined) {
        method = String(init.method);
        if (!TOKEN.test(method)) throw new TypeError(`Invalid HTTP method: ${method}`);
        if (METHODS.includes(method.toUpperCase())) method = method.toUpperCase();
      }
      // No headers given: a flat list, made a Headers on first use (as for
      // incoming requests).
      let headers = init.headers !== undefined ? new Headers(init.headers) : src ? new Headers(src.headers) : [];
      const redirect = init.redirect || (src ? src.redirect : "follow");
      const signal = init.signal || (src ? src.signal : null);
      const extra = redirect === "follow" && signal === null ? null : { redirect, signal };
      let body = init.body !== undefined ? init.body : src ? src._teeBody() : null;
      if (body !== null && body !== undefined && (method === "GET" || method === "HEAD") && !init._internal) {
        throw new TypeError("Request with a GET or HEAD method cannot have a body.");
      }
      const s = (this[STATE] = [null, null, false, href, method, headers, extra]);
      const ct = this._initBody(body);
      if (ct) {
        if (!(headers instanceof Headers)) headers = s[R_HEADERS] = new Headers();
        headers._setDefault("content-type", ct);
      }
    }
    // The hot getters read the state inline (a call to stateOf costs as
    // much as the rest of the getter).
    get url() { const s = this[STATE]; return s !== undefined ? s[R_URL] : stateOf(this); }
    get method() { const s = this[STATE]; return s !== undefined ? s[R_METHOD] : stateOf(this); }
    get headers() {
      const s = this[STATE] || stateOf(this);
      const h = s[R_HEADERS];
      return h instanceof Headers ? h : (s[R_HEADERS] = Headers._fromFlat(h));
    }
    get redirect() { const x = stateOf(this)[R_EXTRA]; return x === null ? "follow" : x.redirect; }
    get signal() { const x = stateOf(this)[R_EXTRA]; return x === null ? null : x.signal; }
    get cf() { return undefined; }
    clone() {
      if (this.bodyUsed) throw new TypeError("Cannot clone a Request whose body has been used.");
      return new Request(this, { _internal: true });
    }
    get [Symbol.toStringTag]() { return "Request"; }
  }
  mixBody(Request);
  Object.defineProperty(Request, "length", { value: 1 });
  define("Request", Request);
  const RequestProto = Request.prototype;

  const NULL_BODY_STATUS = [101, 204, 205, 304];
  // A Response's slots after the body's. S_HEADERS is a Headers, or until
  // someone asks for them, the implied content-type (a string) or null: most
  // responses never read their own headers, so the engine sends them
  // without building a Headers. S_EXTRA holds the rarely set
  // url/redirected/type.
  const S_STATUS = 3, S_STATUS_TEXT = 4, S_HEADERS = 5, S_EXTRA = 6;
  class Response {
    constructor(body, init) {
      if (init === undefined || init === null) {
        // The common cases first, without a call: no init, a string or no body.
        if (typeof body === "string") {
          this[STATE] = [body, null, false, 200, "", TEXT_PLAIN, null];
          return;
        }
        const s = (this[STATE] = [null, null, false, 200, "", null, null]);
        if (body !== null && body !== undefined) s[S_HEADERS] = this._initBody(body);
        return;
      }
      const status = init.status === undefined ? 200 : Number(init.status);
      const webSocket = init.webSocket === undefined ? null : init.webSocket;
      if (webSocket !== null) {
        // Workers' WebSocket answer: the client's end of a WebSocketPair.
        if (!lib.isWebSocket(webSocket)) throw new TypeError("The webSocket of a Response must be a WebSocket.");
        if (status !== 101) throw new RangeError("A Response with a webSocket must have status 101.");
      } else if (!Number.isInteger(status) || status < 200 || status > 599) {
        if (!(status === 101 && init._internal)) throw new RangeError(`Responses may only be constructed with status codes in the range 200 to 599, inclusive. Received: ${init.status}`);
      }
      if (body !== null && body !== undefined && NULL_BODY_STATUS.includes(status)) {
        throw new TypeError(`Response with null body status (${status}) cannot have a body.`);
      }
      const statusText = init.statusText === undefined ? "" : String(init.statusText);
      this[STATE] = [null, null, false, status, statusText, null, webSocket === null ? null : { url: "", redirected: false, type: "default", webSocket }];
      const ct = this._initBody(body);
      if (init.headers === undefined) {
        stateOf(this)[S_HEADERS] = ct;
      } else {
        const headers = new Headers(init.headers);
        if (ct) headers._setDefault("content-type", ct);
        stateOf(this)[S_HEADERS] = headers;
      }
    }
    static json(data, init = {}) {
      const text = JSON.stringify(data);
      if (text === undefined) throw new TypeError("The data is not JSON serializable");
      const headers = new Headers(init.headers);
      if (!headers.has("content-type")) headers.set("content-type", "application/json");
      return new Response(text, { ...init, headers });
    }
    static redirect(url, status = 302) {
      if (![301, 302, 303, 307, 308].includes(status)) throw new RangeError(`Invalid status code: ${status}`);
      const location = new URL(String(url)).href;
      const r = new Response(null, { status, headers: { location } });
      Headers._freeze(stateOf(r)[S_HEADERS]); // the spec's "immutable" guard
      return r;
    }
    static error() {
      const r = new Response(null, { status: 200 });
      const s = stateOf(r);
      s[S_EXTRA] = { url: "", redirected: false, type: "error" };
      s[S_STATUS] = 0;
      s[S_HEADERS] = Headers._freeze(new Headers()); // the spec's "immutable" guard
      return r;
    }
    get status() { const s = this[STATE]; return s !== undefined ? s[S_STATUS] : stateOf(this); }
    get statusText() { return stateOf(this)[S_STATUS_TEXT]; }
    get ok() { const status = stateOf(this)[S_STATUS]; return status >= 200 && status <= 299; }
    get headers() {
      const s = this[STATE] || stateOf(this);
      const h = s[S_HEADERS];
      if (h !== null && typeof h === "object") return h;
      const headers = new Headers();
      if (h) headers._setDefault("content-type", h);
      return (s[S_HEADERS] = headers);
    }
    // The headers as a flat [name, value, ...] array for the host.
    _flatHeaders() {
      const h = stateOf(this)[S_HEADERS];
      if (h === null) return [];
      return typeof h === "string" ? ["content-type", h] : h._flat();
    }
    get url() { const x = stateOf(this)[S_EXTRA]; return x === null ? "" : x.url; }
    get redirected() { const x = stateOf(this)[S_EXTRA]; return x === null ? false : x.redirected; }
    get type() { const x = stateOf(this)[S_EXTRA]; return x === null ? "default" : x.type; }
    get webSocket() { const x = stateOf(this)[S_EXTRA]; return x === null || x.webSocket === undefined ? null : x.webSocket; }
    clone() {
      if (this.bodyUsed) throw new TypeError("Cannot clone a Response whose body has been used.");
      const s = stateOf(this);
      const r = new Response(this._teeBody(), { status: s[S_STATUS], statusText: s[S_STATUS_TEXT], headers: new Headers(this.headers) });
      if (s[S_EXTRA] !== null) stateOf(r)[S_EXTRA] = { ...s[S_EXTRA] };
      return r;
    }
    // `headers`: a Headers the engine built from the host's (already valid)
    // headers, taken as it is; or anything the constructor takes.
    static _fromWire(status, headers, body, url) {
      const trusted = headers instanceof Headers;
      const r = new Response(NULL_BODY_STATUS.includes(status) ? null : body, { status: status < 200 ? 200 : status, headers: trusted ? undefined : headers });
      const s = stateOf(r);
      s[S_STATUS] = status; s[S_EXTRA] = { url, redirected: false, type: "default" };
      if (trusted) s[S_HEADERS] = headers;
      return r;
    }
    get [Symbol.toStringTag]() { return "Response"; }
  }
  mixBody(Response);
  // Both arguments are optional (WebIDL length 0); the constructor takes
  // no defaults so the common case runs less bytecode.
  Object.defineProperty(Response, "length", { value: 0 });
  define("Response", Response);

  // ---------------------------------------------------------------- fetch (through the host's outbound policy)
  // Reads the Request's state directly (its getters would make a Headers
  // and a body copy the host does not need), and the host's answer's
  // headers come back as a flat, already valid [name, value, ...] list.
  async function fetch(input, init = undefined) {
    const request = input instanceof Request && (init === undefined || init === null || Object.keys(init).length === 0) ? input : new Request(input, init);
    const s = stateOf(request);
    const extra = s[R_EXTRA];
    if (extra !== null && extra.signal && extra.signal.aborted) throw extra.signal.reason;
    const source = s[STREAM] !== null ? s[STREAM] : s[BYTES] === null ? null : request._bodyBytes();
    const body = source instanceof ReadableStream ? await collectStream(source) : source;
    const h = s[R_HEADERS];
    const flat = h instanceof Headers ? h._flat() : h;
    const url = s[R_URL];
    return fetchedResponse(native.fetch(s[R_METHOD], url, flat, body || new Uint8Array(0), extra === null ? "follow" : extra.redirect), url);
  }
  define("fetch", fetch);
  // The host's answer to an outbound or service-binding fetch: [status,
  // flat headers, body], the body bytes or the number of a body still
  // arriving, read as the worker reads it.
  function fetchedResponse(answer, url) {
    const body = answer[2];
    const handle = typeof body === "number" ? body : 0;
    // A fetched response's headers are immutable (the spec's guard, and
    // workerd's): `new Response(res.body, res)` makes a mutable copy.
    return Response._fromWire(answer[0], Headers._freeze(Headers._fromFlat(answer[1])),
      handle === 0 ? body : hostBody(() => native.readResponseBody(handle), () => native.cancelResponseBody(handle)), url);
  }
  // A body the host hands over as it arrives: each read waits for the
  // host's next bytes (none are asked for before the worker reads). A byte
  // stream, as in workerd, so BYOB readers work on it.
  function hostBody(read, cancel = undefined) {
    return new ReadableStream({
      type: "bytes",
      pull(c) {
        for (;;) {
          const bytes = read();
          if (bytes === null) {
            c.close();
            // A BYOB read waiting when the body ends gets done: true.
            if (c.byobRequest !== null) c.byobRequest.respond(0);
            return;
          }
          if (bytes.byteLength > 0) { c.enqueue(bytes); return; }
        }
      },
      cancel,
    });
  }

  // ---------------------------------------------------------------- performance
  // Milliseconds since the worker was loaded; advances with real time and
  // with the virtual time timers skip over.
  let timeOrigin = Date.now();
  define("performance", Object.freeze({
    now: () => Date.now() - timeOrigin + virtualNow,
    get timeOrigin() { return timeOrigin; },
  }));

  // ---------------------------------------------------------------- misc globals
  define("self", globalThis);
  define("navigator", Object.freeze({ userAgent: "isolet", hardwareConcurrency: 1, language: "en", languages: Object.freeze(["en"]) }));
  // Reports an error as an uncaught one (to the tails), without throwing.
  define("reportError", function reportError_(e) {
    if (arguments.length < 1) throw new TypeError("reportError needs an error");
    reportError(e);
  });
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
  define("atob", (s) => {
    const str = String(s).replace(/[\t\n\f\r ]/g, "");
    if (str.length % 4 === 1 || /[^A-Za-z0-9+/=]/.test(str) || /=[^=]/.test(str)) {
      throw new DOMExceptionLike("The string to be decoded is not correctly encoded.", "InvalidCharacterError");
    }
    const A = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let out = "", buf = 0, bits = 0;
    for (const c of str.replace(/=+$/, "")) {
      buf = (buf << 6) | A.indexOf(c); bits += 6;
      if (bits >= 8) { bits -= 8; out += String.fromCharCode((buf >> bits) & 0xff); }
    }
    return out;
  });
  define("btoa", (s) => {
    const str = String(s);
    const A = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let out = "";
    for (let i = 0; i < str.length; i += 3) {
      const c = [0, 1, 2].map((j) => str.charCodeAt(i + j));
      for (const x of c) if (x > 255) throw new DOMExceptionLike("The string to be encoded contains characters outside of the Latin1 range.", "InvalidCharacterError");
      const n = (c[0] << 16) | ((c[1] || 0) << 8) | (c[2] || 0);
      out += A[(n >> 18) & 63] + A[(n >> 12) & 63] + (i + 1 < str.length ? A[(n >> 6) & 63] : "=") + (i + 2 < str.length ? A[n & 63] : "=");
    }
    return out;
  });

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
      case "function": throw cloneError(`Could not serialize function ${value.name || "(anonymous)"} for RPC`);
      case "symbol": throw cloneError("Could not serialize a symbol for RPC");
    }
    if (value === null) return null;
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
      for (const k of Object.keys(value)) if (typeof value[k] !== "function") setOwn(obj, k, wireEncode(value[k], seen));
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
      default: throw new TypeError(`Unknown wire type "${w.$t}"`);
    }
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
        const req = input instanceof Request && init === undefined ? input : new Request(input, init);
        const source = req._bodySource();
        const body = source instanceof ReadableStream ? await collectStream(source) : source;
        return fetchedResponse(native.serviceFetch(name, req.method, req.url, req.headers._flat(), body || new Uint8Array(0)), req.url);
      };
    }
    return new Proxy(target, {
      get(t, prop) {
        if (typeof prop !== "string" || prop === "then") return undefined;
        if (prop in t) return t[prop];
        return method(prop);
      },
      has(t, prop) { return typeof prop === "string" && prop !== "then"; },
    });
  }

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

  // An invocation's ctx. Its STATE slot holds the waitUntil promises: null
  // until the first. Made for each invocation as an object literal (see
  // Body), so the class has no constructor of its own to call.
  class ExecutionContext {
    waitUntil(promise) {
      const pending = this[STATE];
      if (pending === undefined) throw new TypeError("Illegal invocation: not an ExecutionContext");
      const p = Promise.resolve(promise);
      if (pending === null) this[STATE] = [p];
      else pending.push(p);
    }
    passThroughOnException() {}
    get props() { return {}; }
    // The worker's durable storage (storage.js), when the host gave it one.
    get storage() { return lib.storage === undefined ? undefined : lib.storage(); }
  }
  const ContextProto = ExecutionContext.prototype;

  // A Durable Object's long-lived ctx: its storage and id, and waitUntil
  // on the invocation running now.
  let currentCtx = null;
  class DurableObjectState {
    get storage() { return lib.storage === undefined ? undefined : lib.storage(); }
    get id() { return lib.objectId === undefined ? undefined : lib.objectId(); }
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
  const cjsCache = new Map();

  function requireFrom(importer) {
    const dir = importer.includes("/") ? importer.slice(0, importer.lastIndexOf("/")) : "";
    return (spec) => {
      spec = String(spec);
      const builtin = lib.node.require(spec);
      if (builtin !== undefined) return builtin;
      const resolved = spec.startsWith("./") || spec.startsWith("../") ? normalizePath(dir + "/" + spec) : normalizePath(spec);
      const found = native.moduleSource(resolved);
      if (found === undefined) throw new TypeError(`Module not found: "${spec}" required from "${importer}"`);
      const [kind, text] = found;
      if (kind === "commonjs") return commonjs(resolved);
      if (kind === "json") return JSON.parse(text);
      if (kind === "text") return text;
      if (kind === "data") return native.dataModule(resolved);
      throw new TypeError(`require("${spec}") from "${importer}": "${resolved}" is an ES module; use import instead`);
    };
  }
  function commonjs(name) {
    if (cjsCache.has(name)) return cjsCache.get(name).exports;
    const found = native.moduleSource(name);
    if (found === undefined || found[0] !== "commonjs") throw new TypeError(`Module not found: "${name}"`);
    const module = { exports: {}, id: name, filename: name, loaded: false };
    cjsCache.set(name, module);
    const dir = name.includes("/") ? name.slice(0, name.lastIndexOf("/")) : "";
    const fn = (0, eval)(`(function (exports, require, module, __filename, __dirname) {${found[1]}\n})`);
    fn.call(module.exports, module.exports, requireFrom(name), module, name, dir);
    module.loaded = true;
    return module.exports;
  }
  function normalizePath(p) {
    const out = [];
    for (const s of p.split("/")) { if (s === "" || s === ".") continue; if (s === "..") out.pop(); else out.push(s); }
    return out.join("/");
  }

  globalThis[workersSymbol] = Object.freeze({
    WorkerEntrypoint, RpcTarget, DurableObject,
    get env() { return env; },
    get fs() { return lib.fs; },
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
  // ---------------------------------------------------------------- service-worker syntax
  // `addEventListener("fetch", (event) => event.respondWith(...))` at the
  // top level of the main module, Cloudflare's service-worker syntax: used
  // when the module has no default export. Its env values and bindings are
  // then globals too, as there.
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
      streaming = { next: bodyReader(s[STREAM]), pending };
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

  function dispatchCall(entrypoint, method, argsJson) {
    if (asyncContexts) native.asyncContextSet(undefined);
    const ctx = { __proto__: ContextProto, [STATE]: null };
    const found = exported(entrypoint);
    const instance = receiver(found, ctx);
    const classBased = found.classBased;
    if (typeof method !== "string" || method.startsWith("_") || method === "constructor") {
      throw new TypeError(`The RPC receiver does not implement the method "${method}".`);
    }
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
    // Handlers on plain objects get (…, env, ctx), like fetch: `tail(events, env, ctx)`.
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
    // An API file evaluated at init rather than in the snapshot (storage.js).
    loadApi(api) { api(lib, native); },
    setEnv(envJson, date, bindings, node) {
      timeOrigin = Date.now();
      env = envJson ? JSON.parse(envJson) : {};
      for (const [name, kind] of bindings || []) {
        // Internal bindings (never a valid env name) stay off env.
        if (name === "isolet:storage") lib.hasStorage = true;
        else env[name] = makeBinding(name, kind);
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
})
