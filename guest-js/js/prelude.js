// isolet's JavaScript prelude: the Workers globals.
//
// Evaluated once at build time (pre-initialization); the resulting heap is
// snapshotted into the engine component. This script evaluates to a function
// that takes the native hooks and returns the engine's internal entry points.
(function (native) {
  "use strict";

  const workersSymbol = Symbol.for("isolet.workers");
  const textEncoder = new TextEncoder();
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
  let virtualNow = 0;
  const timers = new Map();
  function addTimer(fn, ms, args, repeat) {
    if (typeof fn !== "function") throw new TypeError("The callback must be a function");
    const id = ++timerSeq;
    const delay = Math.max(0, Number(ms) || 0);
    timers.set(id, { fn, args, at: virtualNow + delay, delay, repeat, seq: id });
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
    try {
      next.fn(...next.args);
    } catch (e) {
      reportError(e);
    }
    return true;
  }
  function reportError(e) {
    native.log(LEVEL.error, "Uncaught " + inspect(e, 0, []));
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
  function defaultContentType(body) {
    if (typeof body === "string") return "text/plain;charset=UTF-8";
    if (body instanceof URLSearchParams) return "application/x-www-form-urlencoded;charset=UTF-8";
    return null;
  }
  function decodeUtf8(bytes, fatal = false, ignoreBOM = false) {
    return native.utf8Decode(bytes, fatal, ignoreBOM);
  }

  // ---------------------------------------------------------------- TextDecoder (WHATWG utf-8)
  class TextDecoder {
    #fatal; #ignoreBOM;
    constructor(label = "utf-8", options = {}) {
      const l = String(label).trim().toLowerCase();
      if (l !== "utf-8" && l !== "utf8" && l !== "unicode-1-1-utf-8") {
        throw new RangeError(`The "${label}" encoding is not supported`);
      }
      this.#fatal = !!options.fatal;
      this.#ignoreBOM = !!options.ignoreBOM;
    }
    get encoding() { return "utf-8"; }
    get fatal() { return this.#fatal; }
    get ignoreBOM() { return this.#ignoreBOM; }
    decode(input = new Uint8Array(0)) {
      if (!(input instanceof ArrayBuffer) && !ArrayBuffer.isView(input)) {
        throw new TypeError("The \"input\" argument must be an ArrayBuffer or ArrayBufferView");
      }
      const bytes = input instanceof ArrayBuffer ? new Uint8Array(input) : new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
      return decodeUtf8(bytes, this.#fatal, this.#ignoreBOM);
    }
  }
  define("TextDecoder", TextDecoder);

  // ---------------------------------------------------------------- Headers
  const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
  function normalizeValue(v) {
    return String(v).replace(/^[\t\n\r ]+|[\t\n\r ]+$/g, "");
  }
  class Headers {
    #list = []; // [lowercased name, value]
    #guard = "none";
    constructor(init) {
      if (init === undefined || init === null) return;
      if (init instanceof Headers) {
        for (const [k, v] of init.#list) this.#list.push([k, v]);
      } else if (typeof init === "object" && typeof init[Symbol.iterator] === "function") {
        for (const pair of init) {
          const p = [...pair];
          if (p.length !== 2) throw new TypeError("Headers constructor: expected name/value pair to be length 2, found " + p.length + ".");
          this.append(p[0], p[1]);
        }
      } else if (typeof init === "object") {
        for (const k of Object.keys(init)) this.append(k, init[k]);
      } else {
        throw new TypeError("Failed to construct 'Headers': The provided value is not of type '(record<ByteString, ByteString> or sequence<sequence<ByteString>>)'.");
      }
    }
    static _freeze(h) { h.#guard = "immutable"; return h; }
    #check(name) {
      if (this.#guard === "immutable") throw new TypeError("Can't modify immutable headers.");
      const n = String(name);
      if (!TOKEN.test(n)) throw new TypeError(`Invalid header name '${n}'`);
      return n.toLowerCase();
    }
    #checkValue(value) {
      const v = normalizeValue(value);
      if (/[\0\r\n]/.test(v)) throw new TypeError(`Invalid header value for '${v}'`);
      return v;
    }
    append(name, value) { const n = this.#check(name); this.#list.push([n, this.#checkValue(value)]); }
    set(name, value) {
      const n = this.#check(name);
      const v = this.#checkValue(value);
      const i = this.#list.findIndex(([k]) => k === n);
      this.#list = this.#list.filter(([k], j) => k !== n || j === i);
      if (i === -1) this.#list.push([n, v]); else this.#list[this.#list.findIndex(([k]) => k === n)][1] = v;
    }
    delete(name) { const n = this.#check(name); this.#list = this.#list.filter(([k]) => k !== n); }
    get(name) {
      const n = String(name).toLowerCase();
      const vs = this.#list.filter(([k]) => k === n).map(([, v]) => v);
      return vs.length ? vs.join(", ") : null;
    }
    getAll(name) {
      const n = String(name).toLowerCase();
      if (n !== "set-cookie") throw new TypeError("getAll() can only be used with the header name \"Set-Cookie\".");
      return this.getSetCookie();
    }
    getSetCookie() { return this.#list.filter(([k]) => k === "set-cookie").map(([, v]) => v); }
    has(name) { const n = String(name).toLowerCase(); return this.#list.some(([k]) => k === n); }
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

  // ---------------------------------------------------------------- URL, URLSearchParams
  function formEncode(s) {
    return encodeURIComponent(String(s).toWellFormed ? String(s).toWellFormed() : String(s))
      .replace(/[!'()~]/g, (c) => "%" + c.charCodeAt(0).toString(16).toUpperCase())
      .replace(/%20/g, "+");
  }
  function formDecode(s) {
    const bytes = [];
    const str = s.replace(/\+/g, " ");
    for (let i = 0; i < str.length; i++) {
      const c = str[i];
      if (c === "%" && /^[0-9A-Fa-f]{2}$/.test(str.slice(i + 1, i + 3))) {
        bytes.push(parseInt(str.slice(i + 1, i + 3), 16));
        i += 2;
      } else {
        for (const b of textEncoder.encode(c === "%" ? "%" : str.slice(i, i + (str.codePointAt(i) > 0xffff ? 2 : 1)))) bytes.push(b);
        if (str.codePointAt(i) > 0xffff) i++;
      }
    }
    return decodeUtf8(new Uint8Array(bytes));
  }
  class URLSearchParams {
    #list = [];
    #url = null;
    constructor(init = "") {
      if (init instanceof URLSearchParams) this.#list = init.#list.map(([k, v]) => [k, v]);
      else if (typeof init === "object" && init !== null && typeof init[Symbol.iterator] === "function") {
        for (const pair of init) {
          const p = [...pair];
          if (p.length !== 2) throw new TypeError("Each query pair must be an iterable [name, value] tuple");
          this.#list.push([String(p[0]), String(p[1])]);
        }
      } else if (typeof init === "object" && init !== null) {
        for (const k of Object.keys(init)) this.#list.push([k, String(init[k])]);
      } else this.#parse(String(init));
    }
    #parse(s) {
      if (s.startsWith("?")) s = s.slice(1);
      this.#list = [];
      for (const part of s.split("&")) {
        if (!part) continue;
        const i = part.indexOf("=");
        const k = i === -1 ? part : part.slice(0, i);
        const v = i === -1 ? "" : part.slice(i + 1);
        this.#list.push([formDecode(k), formDecode(v)]);
      }
    }
    static _attach(params, url, search) { params.#url = url; params.#parse(search); return params; }
    static _reparse(params, search) { params.#parse(search); }
    #update() { if (this.#url) URL._setSearchFromParams(this.#url, this.toString()); }
    get size() { return this.#list.length; }
    append(k, v) { this.#list.push([String(k), String(v)]); this.#update(); }
    delete(k, v) {
      k = String(k);
      this.#list = this.#list.filter(([a, b]) => a !== k || (v !== undefined && b !== String(v)));
      this.#update();
    }
    get(k) { k = String(k); const e = this.#list.find(([a]) => a === k); return e ? e[1] : null; }
    getAll(k) { k = String(k); return this.#list.filter(([a]) => a === k).map(([, b]) => b); }
    has(k, v) { k = String(k); return this.#list.some(([a, b]) => a === k && (v === undefined || b === String(v))); }
    set(k, v) {
      k = String(k); v = String(v);
      const i = this.#list.findIndex(([a]) => a === k);
      if (i === -1) this.#list.push([k, v]);
      else { this.#list[i][1] = v; this.#list = this.#list.filter(([a], j) => a !== k || j <= i); }
      this.#update();
    }
    sort() { this.#list.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)); this.#update(); }
    forEach(cb, thisArg) { for (const [k, v] of this.#list) cb.call(thisArg, v, k, this); }
    *entries() { for (const [k, v] of this.#list) yield [k, v]; }
    *keys() { for (const [k] of this.#list) yield k; }
    *values() { for (const [, v] of this.#list) yield v; }
    [Symbol.iterator]() { return this.entries(); }
    toString() { return this.#list.map(([k, v]) => formEncode(k) + "=" + formEncode(v)).join("&"); }
    get [Symbol.toStringTag]() { return "URLSearchParams"; }
  }
  define("URLSearchParams", URLSearchParams);

  class URL {
    #p;
    #params = null;
    constructor(url, base) {
      const p = base === undefined ? native.urlParse(String(url)) : native.urlParse(String(url), String(base));
      if (p === null) throw new TypeError(`Invalid URL string.`);
      this.#p = p;
    }
    static canParse(url, base) {
      return (base === undefined ? native.urlParse(String(url)) : native.urlParse(String(url), String(base))) !== null;
    }
    static parse(url, base) { try { return new URL(url, base); } catch { return null; } }
    static _setSearchFromParams(u, s) { u.#p = native.urlSet(u.#p[0], "search", s); }
    #set(part, value) {
      this.#p = native.urlSet(this.#p[0], part, String(value));
      if (this.#params && (part === "search" || part === "href")) URLSearchParams._reparse(this.#params, this.#p[9]);
    }
    get href() { return this.#p[0]; }
    set href(v) { this.#set("href", v); }
    get origin() { return this.#p[1]; }
    get protocol() { return this.#p[2]; }
    set protocol(v) { this.#set("protocol", v); }
    get username() { return this.#p[3]; }
    set username(v) { this.#set("username", v); }
    get password() { return this.#p[4]; }
    set password(v) { this.#set("password", v); }
    get host() { return this.#p[5]; }
    set host(v) { this.#set("host", v); }
    get hostname() { return this.#p[6]; }
    set hostname(v) { this.#set("hostname", v); }
    get port() { return this.#p[7]; }
    set port(v) { this.#set("port", v); }
    get pathname() { return this.#p[8]; }
    set pathname(v) { this.#set("pathname", v); }
    get search() { return this.#p[9]; }
    set search(v) { this.#set("search", v); }
    get hash() { return this.#p[10]; }
    set hash(v) { this.#set("hash", v); }
    get searchParams() {
      if (!this.#params) this.#params = URLSearchParams._attach(new URLSearchParams(), this, this.#p[9]);
      return this.#params;
    }
    toString() { return this.#p[0]; }
    toJSON() { return this.#p[0]; }
    get [Symbol.toStringTag]() { return "URL"; }
  }
  define("URL", URL);

  // ---------------------------------------------------------------- Body, Request, Response
  class Body {
    #bytes; #used = false;
    _initBody(body, headers) {
      if (body !== null && body !== undefined && (typeof body === "object") && body instanceof ReadableStreamLike) {
        this.#bytes = body._bytes;
      } else {
        this.#bytes = toBytes(body);
      }
      const ct = defaultContentType(body);
      if (ct && !headers.has("content-type")) headers.set("content-type", ct);
    }
    _bodyBytes() { return this.#bytes; }
    get body() { return this.#bytes === null ? null : new ReadableStreamLike(this.#bytes); }
    get bodyUsed() { return this.#used; }
    async #consume() {
      if (this.#used) throw new TypeError("Body has already been used. It can only be used once. Use tee() first if you need to read it twice.");
      this.#used = true;
      return this.#bytes === null ? new Uint8Array(0) : this.#bytes;
    }
    async arrayBuffer() { const b = await this.#consume(); return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength); }
    async bytes() { return new Uint8Array(await this.arrayBuffer()); }
    async text() { return decodeUtf8(await this.#consume()); }
    async json() { return JSON.parse(await this.text()); }
    async formData() { throw new TypeError("formData() is not supported yet"); }
    async blob() { throw new TypeError("blob() is not supported yet"); }
  }

  // A minimal ReadableStream-shaped body view (a single chunk).
  class ReadableStreamLike {
    constructor(bytes) { this._bytes = bytes; this._done = false; }
    getReader() {
      const s = this;
      return {
        async read() { if (s._done) return { done: true, value: undefined }; s._done = true; return { done: false, value: s._bytes }; },
        releaseLock() {},
        async cancel() { s._done = true; },
      };
    }
    get locked() { return false; }
  }

  const METHODS = ["DELETE", "GET", "HEAD", "OPTIONS", "POST", "PUT", "PATCH"];
  class Request extends Body {
    #url; #method; #headers; #redirect; #signal;
    constructor(input, init = {}) {
      super();
      let src = null;
      if (input instanceof Request) src = input;
      const url = src ? src.url : String(input instanceof URL ? input.href : input);
      let parsed;
      try { parsed = new URL(url); } catch { throw new TypeError(`Invalid URL: ${url}`); }
      this.#url = parsed.href;
      let method = init.method !== undefined ? String(init.method) : src ? src.method : "GET";
      if (!TOKEN.test(method)) throw new TypeError(`Invalid HTTP method: ${method}`);
      if (METHODS.includes(method.toUpperCase())) method = method.toUpperCase();
      this.#method = method;
      this.#headers = new Headers(init.headers !== undefined ? init.headers : src ? src.headers : undefined);
      this.#redirect = init.redirect || (src ? src.redirect : "follow");
      this.#signal = init.signal || (src ? src.signal : null);
      let body = init.body !== undefined ? init.body : src ? src._bodyBytes() : null;
      if (body !== null && body !== undefined && (method === "GET" || method === "HEAD") && !init._internal) {
        throw new TypeError("Request with a GET or HEAD method cannot have a body.");
      }
      this._initBody(body, this.#headers);
    }
    get url() { return this.#url; }
    get method() { return this.#method; }
    get headers() { return this.#headers; }
    get redirect() { return this.#redirect; }
    get signal() { return this.#signal; }
    get cf() { return undefined; }
    clone() {
      if (this.bodyUsed) throw new TypeError("Cannot clone a Request whose body has been used.");
      return new Request(this, { _internal: true });
    }
    get [Symbol.toStringTag]() { return "Request"; }
  }
  define("Request", Request);

  const NULL_BODY_STATUS = [101, 204, 205, 304];
  class Response extends Body {
    #status; #statusText; #headers; #url = ""; #redirected = false; #type = "default";
    constructor(body = null, init = {}) {
      super();
      const status = init.status === undefined ? 200 : Number(init.status);
      if (!Number.isInteger(status) || status < 200 || status > 599) {
        if (!(status === 101 && init._internal)) throw new RangeError(`Responses may only be constructed with status codes in the range 200 to 599, inclusive. Received: ${init.status}`);
      }
      if (body !== null && body !== undefined && NULL_BODY_STATUS.includes(status)) {
        throw new TypeError(`Response with null body status (${status}) cannot have a body.`);
      }
      this.#status = status;
      this.#statusText = init.statusText === undefined ? "" : String(init.statusText);
      this.#headers = new Headers(init.headers);
      this._initBody(body, this.#headers);
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
      return new Response(null, { status, headers: { location } });
    }
    static error() { const r = new Response(null, { status: 200 }); r.#type = "error"; r.#status = 0; return r; }
    get status() { return this.#status; }
    get statusText() { return this.#statusText; }
    get ok() { return this.#status >= 200 && this.#status <= 299; }
    get headers() { return this.#headers; }
    get url() { return this.#url; }
    get redirected() { return this.#redirected; }
    get type() { return this.#type; }
    get webSocket() { return null; }
    clone() {
      if (this.bodyUsed) throw new TypeError("Cannot clone a Response whose body has been used.");
      const r = new Response(this._bodyBytes(), { status: this.#status, statusText: this.#statusText, headers: this.#headers });
      r.#url = this.#url; r.#redirected = this.#redirected; r.#type = this.#type;
      return r;
    }
    static _fromWire(status, headers, body, url) {
      const r = new Response(NULL_BODY_STATUS.includes(status) ? null : body, { status: status < 200 ? 200 : status, headers });
      r.#status = status; r.#url = url;
      return r;
    }
    get [Symbol.toStringTag]() { return "Response"; }
  }
  define("Response", Response);

  // ---------------------------------------------------------------- fetch (through the host's outbound policy)
  async function fetch(input, init = {}) {
    const request = input instanceof Request && Object.keys(init).length === 0 ? input : new Request(input, init);
    const body = request._bodyBytes();
    const [status, headers, bytes] = native.fetch(request.method, request.url, request.headers._pairs(), body || new Uint8Array(0));
    return Response._fromWire(status, headers, bytes, request.url);
  }
  define("fetch", fetch);

  // ---------------------------------------------------------------- misc globals
  define("self", globalThis);
  define("navigator", Object.freeze({ userAgent: "isolet", hardwareConcurrency: 1 }));
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
  class DOMExceptionLike extends Error {
    constructor(message = "", name = "Error") { super(message); this.name = name; }
  }
  define("DOMException", DOMExceptionLike);

  // ---------------------------------------------------------------- entrypoints
  class WorkerEntrypoint {
    constructor(ctx, env) { this.ctx = ctx; this.env = env; }
  }
  class RpcTarget {}

  class ExecutionContext {
    #pending;
    constructor(pending) { this.#pending = pending; }
    waitUntil(promise) { this.#pending.push(Promise.resolve(promise)); }
    passThroughOnException() {}
    get props() { return {}; }
  }

  let env = {};
  let compatibilityDate = "";
  let main = null;
  const cjsCache = new Map();

  function commonjs(name) {
    if (cjsCache.has(name)) return cjsCache.get(name).exports;
    const src = native.commonjsSource(name);
    if (src === null || src === undefined) throw new TypeError(`Module not found: "${name}"`);
    const module = { exports: {} };
    cjsCache.set(name, module);
    const dir = name.includes("/") ? name.slice(0, name.lastIndexOf("/")) : "";
    const require = (spec) => {
      const resolved = spec.startsWith("./") || spec.startsWith("../") ? normalizePath(dir + "/" + spec) : normalizePath(spec);
      if (native.commonjsSource(resolved) === undefined || native.commonjsSource(resolved) === null) {
        throw new TypeError(`Module not found: "${spec}" required from "${name}"`);
      }
      return commonjs(resolved);
    };
    const fn = (0, eval)(`(function (exports, require, module, __filename, __dirname) {${src}\n})\n//# sourceURL=${name}`);
    fn.call(module.exports, module.exports, require, module, name, dir);
    return module.exports;
  }
  function normalizePath(p) {
    const out = [];
    for (const s of p.split("/")) { if (s === "" || s === ".") continue; if (s === "..") out.pop(); else out.push(s); }
    return out.join("/");
  }

  globalThis[workersSymbol] = Object.freeze({
    WorkerEntrypoint, RpcTarget,
    get env() { return env; },
    dataModule: (name) => native.dataModule(name),
    commonjs,
  });

  function isClass(v) {
    return typeof v === "function" && /^class[\s{]/.test(Function.prototype.toString.call(v));
  }

  function target(entrypoint, ctx) {
    if (main === null) throw new Error("The worker's main module was not loaded");
    const name = entrypoint === undefined || entrypoint === null ? "default" : entrypoint;
    const exported = main[name];
    if (exported === undefined) {
      throw new TypeError(name === "default" ? "The worker's main module has no default export" : `The worker has no entrypoint named "${name}"`);
    }
    if (isClass(exported)) return { instance: new exported(ctx, env), classBased: true };
    if (typeof exported === "object" && exported !== null) return { instance: exported, classBased: false };
    throw new TypeError(`Entrypoint "${name}" is neither an object with handlers nor a class`);
  }

  async function finish(pending) {
    // waitUntil promises settle within the invocation (and its limits).
    const results = await Promise.allSettled(pending);
    for (const r of results) if (r.status === "rejected") reportError(r.reason);
  }

  async function dispatchFetch(entrypoint, method, url, headers, body) {
    const pending = [];
    const ctx = new ExecutionContext(pending);
    const request = new Request(url, { method, headers, body: body.byteLength ? body : null, _internal: true });
    const { instance, classBased } = target(entrypoint, ctx);
    if (typeof instance.fetch !== "function") throw new TypeError("Handler does not export a fetch() function.");
    const response = await (classBased ? instance.fetch(request) : instance.fetch(request, env, ctx));
    if (!(response instanceof Response)) {
      throw new TypeError("Incorrect type for Promise: the Promise did not resolve to 'Response'.");
    }
    const bytes = await response.bytes();
    await finish(pending);
    return [response.status, response.headers._pairs(), bytes];
  }

  async function dispatchCall(entrypoint, method, argsJson) {
    const pending = [];
    const ctx = new ExecutionContext(pending);
    const { instance } = target(entrypoint, ctx);
    if (typeof method !== "string" || method.startsWith("_") || method === "constructor") {
      throw new TypeError(`The RPC receiver does not implement the method "${method}".`);
    }
    const fn = instance[method];
    const own = Object.prototype.hasOwnProperty.call(Object.prototype, method) || Object.prototype.hasOwnProperty.call(WorkerEntrypoint.prototype, method);
    if (typeof fn !== "function" || own) {
      throw new TypeError(`The RPC receiver does not implement the method "${method}".`);
    }
    const args = JSON.parse(argsJson);
    const result = await fn.apply(instance, Array.isArray(args) ? args : [args]);
    await finish(pending);
    const text = JSON.stringify(result === undefined ? null : result);
    return text === undefined ? "null" : text;
  }

  return Object.freeze({
    setEnv(envJson, date) {
      env = envJson ? JSON.parse(envJson) : {};
      compatibilityDate = date;
    },
    setMain(ns) { main = ns; },
    fetch: dispatchFetch,
    call: dispatchCall,
    runNextTimer,
  });
})
