// isolet's Headers (https://fetch.spec.whatwg.org/#headers-class), with
// the engine's shortcuts for headers the host already validated
// (_fromFlat, _flat, _setDefault, _freeze).
//
// Evaluated at build time in the prelude, after encoding.js; takes the
// engine's internal `lib` object and the natives.
(function (lib, native) {
  "use strict";

  const define = (name, value) =>
    Object.defineProperty(globalThis, name, { value, writable: true, configurable: true, enumerable: false });

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

  // For http.js.
  lib.Headers = Headers;
  lib.TOKEN = TOKEN;
});
