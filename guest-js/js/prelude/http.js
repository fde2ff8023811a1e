// isolet's Fetch API (https://fetch.spec.whatwg.org/): Request and
// Response with their bodies (the Body mixin), and `fetch`, which goes
// through the host's outbound policy; and the bodies the host hands over as
// they arrive (hostBody).
//
// Evaluated at build time in the prelude, after headers.js; takes the
// engine's internal `lib` object and the natives.
(function (lib, native) {
  "use strict";

  const define = (name, value) =>
    Object.defineProperty(globalThis, name, { value, writable: true, configurable: true, enumerable: false });
  const { URL, URLSearchParams } = lib; // url.js
  const { Headers, TOKEN } = lib; // headers.js
  const { decodeUtf8 } = lib; // encoding.js
  // From streams.js, evaluated after the prelude (so the objects every
  // request touches sit together at the bottom of the heap): it calls
  // lib.useStreams with these. Bodies use them on every request, so they
  // are kept here rather than looked up on `lib` when used (as rpc.js and
  // dispatch.js do).
  let ReadableStream, collectStream, isDisturbed, bytesStream;
  lib.useStreams = (s) => ({ ReadableStream, collectStream, isDisturbed, bytesStream } = s);
  // From blob.js, likewise. (websocket.js's lib.isWebSocket is looked up
  // when a Response gets a webSocket.)
  let Blob, FormData, blobBytes, encodeMultipart, parseMultipart;
  lib.useBlob = (b) => ({ Blob, FormData, bytesOf: blobBytes, encodeMultipart, parseMultipart } = b);
  const textEncoder = new TextEncoder();

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

  // ---------------------------------------------------------------- Body, Request, Response
  // A Request or Response keeps all its state in one array under the STATE
  // symbol (as Node's fetch keeps its internals under symbols): objects made
  // on every request are cheapest in QuickJS as one property holding an
  // array literal. Measured in wasm instructions: a derived class with a
  // private field costs ~5.9k to construct, an object literal with a
  // prototype ~2.6k, so the host's incoming Request is a literal (see
  // dispatchFetch) and Request/Response are not subclasses: the Body
  // methods are mixed into both prototypes (as the Fetch spec's Body mixin).
  // Slots 0-2 are the body's, 3-6 the class's (dispatch.js reads a
  // Response's too).
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

  // For the files after this one: rpc.js (a service binding's fetch),
  // scope.js (FetchEvent) and dispatch.js (the incoming request, the
  // answer's state).
  lib.Request = Request;
  lib.RequestProto = RequestProto;
  lib.Response = Response;
  lib.STATE = STATE;
  lib.BYTES = BYTES;
  lib.STREAM = STREAM;
  lib.USED = USED;
  lib.S_STATUS = S_STATUS;
  lib.S_HEADERS = S_HEADERS;
  lib.BODY_USED = BODY_USED;
  lib.fetchedResponse = fetchedResponse;
  lib.hostBody = hostBody;
});
