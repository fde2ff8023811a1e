// node:querystring — parse/stringify of URL query strings (`+` as space,
// repeated keys as arrays), escape/unescape.
(function (lib, native, require) {
  "use strict";

  function qsEscape(str) {
    if (typeof str !== "string") str = typeof str === "object" ? String(str) : `${str}`;
    return encodeURIComponent(str).replace(/[!'()*]/g, (c) => "%" + c.charCodeAt(0).toString(16).toUpperCase());
  }
  function qsUnescape(s) {
    try { return decodeURIComponent(s); } catch {
      // Invalid sequences stay as they are, byte by byte.
      return s.replace(/%([0-9A-Fa-f]{2})/g, (m, h) => { try { return decodeURIComponent(m); } catch { return String.fromCharCode(parseInt(h, 16)); } });
    }
  }
  function stringifyPrimitive(v) {
    if (typeof v === "string") return v;
    if ((typeof v === "number" && Number.isFinite(v)) || typeof v === "bigint") return `${v}`;
    if (typeof v === "boolean") return v ? "true" : "false";
    return "";
  }
  function stringify(obj, sep = "&", eq = "=", options) {
    const encode = options && typeof options.encodeURIComponent === "function" ? options.encodeURIComponent : qsEscape;
    if (obj === null || typeof obj !== "object") return "";
    const out = [];
    for (const k of Object.keys(obj)) {
      const v = obj[k];
      const ks = encode(stringifyPrimitive(k)) + eq;
      if (Array.isArray(v)) for (const item of v) out.push(ks + encode(stringifyPrimitive(item)));
      else out.push(ks + encode(stringifyPrimitive(v)));
    }
    return out.join(sep);
  }
  function parse(qs, sep = "&", eq = "=", options) {
    const obj = Object.create(null);
    if (typeof qs !== "string" || qs.length === 0) return obj;
    const maxKeys = options && typeof options.maxKeys === "number" ? options.maxKeys : 1000;
    const decode = options && typeof options.decodeURIComponent === "function" ? options.decodeURIComponent : qsUnescape;
    let parts = qs.split(sep || "&");
    if (maxKeys > 0) parts = parts.slice(0, maxKeys);
    for (const part of parts) {
      if (part === "") continue;
      const idx = part.indexOf(eq || "=");
      const rawKey = idx >= 0 ? part.slice(0, idx) : part;
      const rawValue = idx >= 0 ? part.slice(idx + (eq || "=").length) : "";
      const key = decode(rawKey.replace(/\+/g, " "));
      const value = decode(rawValue.replace(/\+/g, " "));
      if (!(key in obj)) obj[key] = value;
      else if (Array.isArray(obj[key])) obj[key].push(value);
      else obj[key] = [obj[key], value];
    }
    return obj;
  }
  return {
    parse, stringify, decode: parse, encode: stringify, escape: qsEscape, unescape: qsUnescape,
    unescapeBuffer: (s) => require("buffer").Buffer.from(qsUnescape(s), "latin1"),
  };
})
