// isolet's WHATWG URL and URLSearchParams (https://url.spec.whatwg.org/):
// parsing and serialization are the `url` crate's (with UTS #46 IDNA) in
// the engine; this file holds the objects and their setters.
//
// Evaluated at build time before the prelude: this script evaluates to a
// function that takes the engine's internal `lib` object and the natives,
// defines the globals and hands the prelude the classes on `lib`.
(function (lib, native) {
  "use strict";

  const define = (name, value) =>
    Object.defineProperty(globalThis, name, { value, writable: true, configurable: true, enumerable: false });

  // WebIDL USVString: a string with lone surrogates replaced by U+FFFD.
  const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
  const usv = String.prototype.toWellFormed
    ? (v) => String(v).toWellFormed()
    : (v) => String(v).replace(LONE_SURROGATE, "\uFFFD");
  class URLSearchParams {
    #list = [];
    #url = null;
    constructor(init = "") {
      if (init instanceof URLSearchParams) this.#list = init.#list.map(([k, v]) => [k, v]);
      else if ((typeof init === "object" && init !== null) || typeof init === "function") {
        // WebIDL (sequence<sequence<USVString>> or record<USVString, USVString>):
        // an object with @@iterator is a sequence of pairs, other objects are
        // records of their own enumerable string keys.
        const iter = init[Symbol.iterator];
        if (iter !== undefined && iter !== null) {
          if (typeof iter !== "function") throw new TypeError("The query pairs' @@iterator is not callable");
          for (const pair of init) {
            if ((typeof pair !== "object" || pair === null) && typeof pair !== "function") {
              throw new TypeError("Each query pair must be an iterable [name, value] tuple");
            }
            const p = [...pair];
            if (p.length !== 2) throw new TypeError("Each query pair must be an iterable [name, value] tuple");
            this.#list.push([usv(p[0]), usv(p[1])]);
          }
        } else {
          for (const k of Reflect.ownKeys(init)) {
            if (typeof k !== "string") continue;
            const d = Reflect.getOwnPropertyDescriptor(init, k);
            if (d !== undefined && d.enumerable) this.#list.push([usv(k), usv(init[k])]);
          }
        }
      } else this.#parse(usv(init));
    }
    // The WHATWG form-urlencoded parser and serializer are native (the
    // per-character work cost ~40k wasm instructions per name or value in
    // JS).
    #parse(s) {
      if (s.startsWith("?")) s = s.slice(1);
      const flat = s.length === 0 ? [] : native.formParse(s);
      const list = (this.#list = new Array(flat.length >> 1));
      for (let i = 0; i < list.length; i++) list[i] = [flat[2 * i], flat[2 * i + 1]];
    }
    static _attach(params, url, search) { params.#url = url; params.#parse(search); return params; }
    static _reparse(params, search) { params.#parse(search); }
    #update() { if (this.#url) URL._setSearchFromParams(this.#url, this.toString()); }
    get size() { return this.#list.length; }
    append(k, v) {
      if (arguments.length < 2) throw new TypeError("append needs a name and a value");
      this.#list.push([usv(k), usv(v)]); this.#update();
    }
    delete(k, v) {
      if (arguments.length < 1) throw new TypeError("delete needs a name");
      k = usv(k);
      if (v !== undefined) v = usv(v);
      this.#list = this.#list.filter(([a, b]) => a !== k || (v !== undefined && b !== v));
      this.#update();
    }
    get(k) {
      if (arguments.length < 1) throw new TypeError("get needs a name");
      k = usv(k);
      const list = this.#list;
      for (let i = 0; i < list.length; i++) if (list[i][0] === k) return list[i][1];
      return null;
    }
    getAll(k) {
      if (arguments.length < 1) throw new TypeError("getAll needs a name");
      k = usv(k); return this.#list.filter(([a]) => a === k).map(([, b]) => b);
    }
    has(k, v) {
      if (arguments.length < 1) throw new TypeError("has needs a name");
      k = usv(k);
      if (v !== undefined) v = usv(v);
      return this.#list.some(([a, b]) => a === k && (v === undefined || b === v));
    }
    set(k, v) {
      if (arguments.length < 2) throw new TypeError("set needs a name and a value");
      k = usv(k); v = usv(v);
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
    toString() {
      const list = this.#list;
      const flat = new Array(list.length * 2);
      for (let i = 0; i < list.length; i++) { flat[2 * i] = list[i][0]; flat[2 * i + 1] = list[i][1]; }
      return native.formSerialize(flat);
    }
    get [Symbol.toStringTag]() { return "URLSearchParams"; }
  }
  define("URLSearchParams", URLSearchParams);

  // A URL's state: native.urlParse's [href, offsets...] (see native.rs
  // url_parts), then its origin and URLSearchParams once asked for.
  const U_AFTER_SCHEME = 1, U_USER = 2, U_USER_END = 3, U_PASS = 4, U_PASS_END = 5, U_HOST = 6, U_HOST_END = 7,
    U_PORT = 8, U_PORT_END = 9, U_PATH = 10, U_PATH_END = 11, U_QUERY_END = 12, U_ORIGIN = 13, U_PARAMS = 14;
  // "?" alone or "#" alone reads as "".
  const trimmed = (s) => (s.length === 1 ? "" : s);
  class URL {
    #p;
    constructor(url, base) {
      const p = base === undefined ? native.urlParse(String(url)) : native.urlParse(String(url), String(base));
      if (p === null) throw new TypeError(`Invalid URL string.`);
      this.#p = p;
    }
    static canParse(url, base) {
      return (base === undefined ? native.urlHref(String(url)) : native.urlHref(String(url), String(base))) !== null;
    }
    static parse(url, base) { try { return new URL(url, base); } catch { return null; } }
    static _setSearchFromParams(u, s) { u.#replace(native.urlSet(u.#p[0], "search", s)); }
    #replace(p) {
      const params = this.#p[U_PARAMS];
      if (params !== undefined) p[U_PARAMS] = params;
      this.#p = p;
    }
    #set(part, value) {
      this.#replace(native.urlSet(this.#p[0], part, String(value)));
      const params = this.#p[U_PARAMS];
      if (params !== undefined && (part === "search" || part === "href")) URLSearchParams._reparse(params, this.search);
    }
    get href() { return this.#p[0]; }
    set href(v) { this.#set("href", v); }
    get origin() {
      const p = this.#p;
      return p[U_ORIGIN] === undefined ? (p[U_ORIGIN] = native.urlOrigin(p[0])) : p[U_ORIGIN];
    }
    get protocol() { const p = this.#p; return p[0].slice(0, p[U_AFTER_SCHEME] + 1); }
    set protocol(v) { this.#set("protocol", v); }
    get username() { const p = this.#p; return p[0].slice(p[U_USER], p[U_USER_END]); }
    set username(v) { this.#set("username", v); }
    get password() { const p = this.#p; return p[0].slice(p[U_PASS], p[U_PASS_END]); }
    set password(v) { this.#set("password", v); }
    get host() { const p = this.#p; return p[0].slice(p[U_HOST], p[U_PORT_END]); }
    set host(v) { this.#set("host", v); }
    get hostname() { const p = this.#p; return p[0].slice(p[U_HOST], p[U_HOST_END]); }
    set hostname(v) { this.#set("hostname", v); }
    get port() { const p = this.#p; return p[0].slice(p[U_PORT], p[U_PORT_END]); }
    set port(v) { this.#set("port", v); }
    get pathname() { const p = this.#p; return p[0].slice(p[U_PATH], p[U_PATH_END]); }
    set pathname(v) { this.#set("pathname", v); }
    get search() { const p = this.#p; return trimmed(p[0].slice(p[U_PATH_END], p[U_QUERY_END])); }
    set search(v) { this.#set("search", v); }
    get hash() { const p = this.#p; return trimmed(p[0].slice(p[U_QUERY_END])); }
    set hash(v) { this.#set("hash", v); }
    get searchParams() {
      const p = this.#p;
      if (p[U_PARAMS] === undefined) p[U_PARAMS] = URLSearchParams._attach(new URLSearchParams(), this, this.search);
      return p[U_PARAMS];
    }
    toString() { return this.#p[0]; }
    toJSON() { return this.#p[0]; }
    get [Symbol.toStringTag]() { return "URL"; }
  }
  define("URL", URL);

  lib.URL = URL;
  lib.URLSearchParams = URLSearchParams;
});
