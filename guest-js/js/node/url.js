// node:url — the WHATWG URL classes, file URL helpers, and the legacy
// url.parse/format/resolve API.
(function (lib, native, require) {
  "use strict";
  const querystring = require("querystring");

  function invalid(message, code = "ERR_INVALID_ARG_TYPE") {
    const e = new TypeError(message);
    e.code = code;
    return e;
  }
  function fileURLToPath(url) {
    const u = typeof url === "string" ? new URL(url) : url;
    if (!(u instanceof URL)) throw invalid('The "path" argument must be of type string or an instance of URL.');
    if (u.protocol !== "file:") throw invalid("The URL must be of scheme file", "ERR_INVALID_URL_SCHEME");
    if (u.hostname !== "") throw invalid(`File URL host must be "localhost" or empty on linux`, "ERR_INVALID_FILE_URL_HOST");
    if (/%2f/i.test(u.pathname)) throw invalid("File URL path must not include encoded / characters", "ERR_INVALID_FILE_URL_PATH");
    return decodeURIComponent(u.pathname);
  }
  function pathToFileURL(path) {
    const resolved = require("path").resolve(String(path));
    const trailing = String(path).endsWith("/") && !resolved.endsWith("/") ? "/" : "";
    const u = new URL("file://");
    u.pathname = encodeURI(resolved + trailing).replace(/[?#]/g, encodeURIComponent);
    return u;
  }

  // ---------------------------------------------------------------- legacy API
  function Url() {
    this.protocol = null; this.slashes = null; this.auth = null; this.host = null; this.port = null;
    this.hostname = null; this.hash = null; this.search = null; this.query = null; this.pathname = null;
    this.path = null; this.href = null;
  }
  const SLASHED = new Set(["http:", "https:", "ftp:", "gopher:", "file:", "ws:", "wss:"]);
  function parse(url, parseQueryString, slashesDenoteHost) {
    if (url instanceof Url) return url;
    if (typeof url !== "string") throw invalid(`The "url" argument must be of type string. Received ${typeof url}`);
    const u = new Url();
    let rest = url.trim().replace(/\\/g, "/");
    const hashAt = rest.indexOf("#");
    if (hashAt !== -1) { u.hash = rest.slice(hashAt); rest = rest.slice(0, hashAt); }
    const queryAt = rest.indexOf("?");
    if (queryAt !== -1) { u.search = rest.slice(queryAt); u.query = rest.slice(queryAt + 1); rest = rest.slice(0, queryAt); }
    else if (parseQueryString) { u.search = ""; u.query = {}; }
    if (parseQueryString && typeof u.query === "string") u.query = querystring.parse(u.query);
    const proto = /^[a-z0-9.+-]+:/i.exec(rest);
    if (proto) { u.protocol = proto[0].toLowerCase(); rest = rest.slice(proto[0].length); }
    if ((slashesDenoteHost || proto || /^\/\/[^@/]+@[^@/]+/.test(rest)) && rest.startsWith("//") && u.protocol !== "javascript:") {
      u.slashes = true;
      rest = rest.slice(2);
      let hostEnd = rest.search(/[/]/);
      if (hostEnd === -1) hostEnd = rest.length;
      let host = rest.slice(0, hostEnd);
      rest = rest.slice(hostEnd);
      const at = host.lastIndexOf("@");
      if (at !== -1) { u.auth = decodeURIComponent(host.slice(0, at)); host = host.slice(at + 1); }
      const port = /:([0-9]*)$/.exec(host);
      if (port) { if (port[1]) u.port = port[1]; host = host.slice(0, port.index); }
      u.hostname = host.startsWith("[") && host.endsWith("]") ? host.slice(1, -1).toLowerCase() : host.toLowerCase();
      u.host = (host.startsWith("[") ? `[${u.hostname}]` : u.hostname) + (u.port ? `:${u.port}` : "");
    }
    if (rest) u.pathname = rest;
    else if (u.slashes && (u.protocol === null || SLASHED.has(u.protocol))) u.pathname = "/";
    if (u.pathname !== null || u.search !== null) u.path = (u.pathname || "") + (u.search || "");
    u.href = format(u);
    return u;
  }
  function format(obj, options) {
    if (typeof obj === "string") obj = parse(obj);
    if (obj instanceof URL) {
      const o = options || {};
      let href = obj.href;
      if (o.fragment === false) href = href.replace(/#.*$/, "");
      if (o.search === false) href = href.replace(/\?[^#]*/, "");
      if (o.auth === false) href = href.replace(/\/\/[^@/]*@/, "//");
      return href;
    }
    if (obj === null || typeof obj !== "object") throw invalid('The "urlObject" argument must be one of type object or string.');
    let protocol = obj.protocol || "";
    if (protocol && !protocol.endsWith(":")) protocol += ":";
    let auth = obj.auth ? encodeURIComponent(obj.auth).replace(/%3A/i, ":") + "@" : "";
    let host = "";
    if (obj.host) host = auth + obj.host;
    else if (obj.hostname) {
      host = auth + (obj.hostname.includes(":") && !obj.hostname.startsWith("[") ? `[${obj.hostname}]` : obj.hostname);
      if (obj.port) host += `:${obj.port}`;
    }
    let pathname = obj.pathname || "";
    let hash = obj.hash || "";
    let search = obj.search || "";
    if (!search && obj.query && typeof obj.query === "object") {
      const qs = querystring.stringify(obj.query);
      if (qs) search = `?${qs}`;
    }
    if (obj.slashes || SLASHED.has(protocol) || (!protocol && host)) {
      if (obj.slashes || host) {
        if (pathname && pathname[0] !== "/") pathname = `/${pathname}`;
        host = `//${host}`;
      }
    }
    if (hash && hash[0] !== "#") hash = `#${hash}`;
    if (search && search[0] !== "?") search = `?${search}`;
    pathname = pathname.replace(/[?#]/g, encodeURIComponent);
    search = search.replace(/#/g, "%23");
    return protocol + host + pathname + search + hash;
  }
  function resolve(from, to) {
    const base = new URL(from, "resolve://");
    const r = new URL(to, base);
    if (r.protocol === "resolve:") {
      const { pathname, search, hash } = r;
      return String(from).startsWith("/") || pathname !== "/" ? pathname + search + hash : (pathname + search + hash).slice(1);
    }
    return r.href;
  }
  Url.prototype.format = function () { return format(this); };
  Url.prototype.resolve = function (to) { return resolve(format(this), to); };
  function domainToASCII(domain) { try { return new URL(`http://${domain}`).hostname; } catch { return ""; } }
  function domainToUnicode(domain) { return domainToASCII(domain) === "" ? "" : String(domain).toLowerCase(); }
  function urlToHttpOptions(url) {
    return {
      protocol: url.protocol, hostname: url.hostname.startsWith("[") ? url.hostname.slice(1, -1) : url.hostname,
      hash: url.hash, search: url.search, pathname: url.pathname, path: `${url.pathname || ""}${url.search || ""}`,
      href: url.href, ...(url.port !== "" ? { port: Number(url.port) } : {}),
      ...(url.username || url.password ? { auth: `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}` } : {}),
    };
  }
  return {
    URL: globalThis.URL, URLSearchParams: globalThis.URLSearchParams,
    fileURLToPath, pathToFileURL, parse, format, resolve, Url, domainToASCII, domainToUnicode, urlToHttpOptions,
  };
})
