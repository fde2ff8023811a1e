// Blob, File and FormData (https://w3c.github.io/FileAPI/,
// https://xhr.spec.whatwg.org/#interface-formdata), and the multipart/form-data
// encoding and parsing that Request and Response bodies use.
//
// Evaluated at build time after the prelude and streams.js (whose
// lib.concatBytes and lib.bytesStream it uses); this script evaluates to a
// function of the engine's internal `lib` object and hands the prelude what
// its bodies need (lib.useBlob).
(function (lib) {
  "use strict";

  const define = (name, value) =>
    Object.defineProperty(globalThis, name, { value, writable: true, configurable: true, enumerable: false });
  const encoder = new TextEncoder();

  // A part of a Blob as bytes (strings are UTF-8; views and buffers copied).
  function partBytes(part) {
    if (part instanceof Blob) return bytesOf(part);
    if (part instanceof ArrayBuffer) return new Uint8Array(part.slice(0));
    if (ArrayBuffer.isView(part)) return new Uint8Array(part.buffer.slice(part.byteOffset, part.byteOffset + part.byteLength));
    return encoder.encode(String(part));
  }
  const concat = lib.concatBytes; // from streams.js
  // A Blob's type: lowercased, or "" when it has characters outside U+0020-U+007E.
  function normalizeType(type) {
    const t = String(type);
    for (let i = 0; i < t.length; i++) {
      const c = t.charCodeAt(i);
      if (c < 0x20 || c > 0x7e) return "";
    }
    return t.toLowerCase();
  }

  let bytesOf; // (Blob) => its bytes (not copied)
  class Blob {
    #bytes; #type;
    constructor(parts = undefined, options = undefined) {
      if (parts === undefined) parts = [];
      else if (parts === null || typeof parts !== "object" || typeof parts[Symbol.iterator] !== "function") {
        throw new TypeError("Blob parts must be an iterable (an array of strings, buffers, views or Blobs)");
      }
      if (options !== undefined && options !== null && typeof options !== "object") {
        throw new TypeError("Blob options must be an object");
      }
      const endings = options && options.endings !== undefined ? String(options.endings) : "transparent";
      if (endings !== "transparent" && endings !== "native") throw new TypeError(`Invalid endings ${endings}`);
      const chunks = [];
      for (const part of parts) {
        // "native" line endings are "\n" here (the engine runs on no OS).
        if (endings === "native" && typeof part === "string") chunks.push(encoder.encode(part.replace(/\r\n?/g, "\n")));
        else chunks.push(partBytes(part));
      }
      this.#bytes = chunks.length === 1 ? chunks[0] : concat(chunks);
      this.#type = options && options.type !== undefined ? normalizeType(options.type) : "";
    }
    static { bytesOf = (b) => b.#bytes; }
    get size() { return this.#bytes.byteLength; }
    get type() { return this.#type; }
    slice(start = 0, end = undefined, contentType = undefined) {
      const size = this.#bytes.byteLength;
      const clamp = (v, dflt) => {
        if (v === undefined) return dflt;
        const n = Math.trunc(Number(v)) || 0;
        return n < 0 ? Math.max(size + n, 0) : Math.min(n, size);
      };
      const from = clamp(start, 0), to = clamp(end, size);
      const out = new Blob([], { type: contentType === undefined ? "" : contentType });
      out.#bytes = this.#bytes.slice(from, Math.max(from, to));
      return out;
    }
    async arrayBuffer() { return this.#bytes.slice().buffer; }
    async bytes() { return this.#bytes.slice(); }
    async text() { return new TextDecoder().decode(this.#bytes); }
    stream() { return lib.bytesStream(this.#bytes.slice()); }
    get [Symbol.toStringTag]() { return "Blob"; }
  }

  class File extends Blob {
    #name; #lastModified;
    constructor(bits, name, options = undefined) {
      if (arguments.length < 2) throw new TypeError("File needs bits and a name");
      super(bits, options);
      this.#name = String(name);
      const lm = options && options.lastModified !== undefined ? Number(options.lastModified) : Date.now();
      this.#lastModified = Number.isFinite(lm) ? Math.trunc(lm) : 0;
    }
    get name() { return this.#name; }
    get lastModified() { return this.#lastModified; }
    get webkitRelativePath() { return ""; }
    get [Symbol.toStringTag]() { return "File"; }
  }
  define("Blob", Blob);
  define("File", File);

  // ---------------------------------------------------------------- FormData
  // An entry's value: a string, or a File (a Blob becomes a File named
  // "blob", or the filename given).
  function entryValue(value, filename) {
    if (value instanceof Blob) {
      if (filename !== undefined) return new File([value], String(filename), { type: value.type, lastModified: value instanceof File ? value.lastModified : undefined });
      if (value instanceof File) return value;
      return new File([value], "blob", { type: value.type });
    }
    return String(value);
  }
  function checkArgs(n, min, what) {
    if (n < min) throw new TypeError(`FormData.${what} needs ${min} argument${min > 1 ? "s" : ""}`);
  }

  class FormData {
    #entries = [];
    constructor(form = undefined) {
      if (form !== undefined) throw new TypeError("FormData from an HTML form is not supported (there is no DOM)");
    }
    append(name, value, filename = undefined) {
      checkArgs(arguments.length, 2, "append");
      if (arguments.length > 2 && !(value instanceof Blob)) throw new TypeError("A filename needs a Blob value");
      this.#entries.push([String(name), entryValue(value, filename)]);
    }
    set(name, value, filename = undefined) {
      checkArgs(arguments.length, 2, "set");
      if (arguments.length > 2 && !(value instanceof Blob)) throw new TypeError("A filename needs a Blob value");
      name = String(name);
      const entry = [name, entryValue(value, filename)];
      const i = this.#entries.findIndex((e) => e[0] === name);
      if (i < 0) { this.#entries.push(entry); return; }
      this.#entries[i] = entry;
      this.#entries = this.#entries.filter((e, j) => j <= i || e[0] !== name);
    }
    get(name) {
      checkArgs(arguments.length, 1, "get");
      name = String(name);
      const e = this.#entries.find((x) => x[0] === name);
      return e === undefined ? null : e[1];
    }
    getAll(name) {
      checkArgs(arguments.length, 1, "getAll");
      name = String(name);
      return this.#entries.filter((e) => e[0] === name).map((e) => e[1]);
    }
    has(name) { checkArgs(arguments.length, 1, "has"); name = String(name); return this.#entries.some((e) => e[0] === name); }
    delete(name) { checkArgs(arguments.length, 1, "delete"); name = String(name); this.#entries = this.#entries.filter((e) => e[0] !== name); }
    *entries() { for (let i = 0; i < this.#entries.length; i++) yield [this.#entries[i][0], this.#entries[i][1]]; }
    *keys() { for (const [k] of this.entries()) yield k; }
    *values() { for (const [, v] of this.entries()) yield v; }
    forEach(callback, thisArg = undefined) {
      if (typeof callback !== "function") throw new TypeError("forEach needs a function");
      for (const [k, v] of this.entries()) callback.call(thisArg, v, k, this);
    }
    [Symbol.iterator]() { return this.entries(); }
    get [Symbol.toStringTag]() { return "FormData"; }
  }
  define("FormData", FormData);

  // ---------------------------------------------------------------- multipart/form-data
  // Names and filenames in a part's headers: the HTML spec's escaping.
  const escapeName = (s) => s.replace(/\r\n|\r|\n/g, "\r\n").replace(/\n/g, "%0A").replace(/\r/g, "%0D").replace(/"/g, "%22");
  function randomBoundary() {
    const bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    let hex = "";
    for (const b of bytes) hex += b.toString(16).padStart(2, "0");
    return "----isoletFormBoundary" + hex;
  }
  // The body bytes and content type of a FormData.
  function encodeMultipart(form) {
    const boundary = randomBoundary();
    const chunks = [];
    for (const [name, value] of form) {
      let head = `--${boundary}\r\nContent-Disposition: form-data; name="${escapeName(name)}"`;
      if (typeof value === "string") {
        chunks.push(encoder.encode(`${head}\r\n\r\n${value.replace(/\r\n|\r|\n/g, "\r\n")}\r\n`));
      } else {
        head += `; filename="${escapeName(value.name)}"\r\nContent-Type: ${value.type || "application/octet-stream"}\r\n\r\n`;
        chunks.push(encoder.encode(head), bytesOf(value), encoder.encode("\r\n"));
      }
    }
    chunks.push(encoder.encode(`--${boundary}--\r\n`));
    return { bytes: concat(chunks), contentType: `multipart/form-data; boundary=${boundary}` };
  }

  // A content-type parameter's value (quoted or not), or null.
  function contentTypeParam(contentType, param) {
    const re = new RegExp(`;\\s*${param}\\s*=\\s*(?:"((?:[^"\\\\]|\\\\.)*)"|([^;\\s]*))`, "i");
    const m = re.exec(contentType);
    if (!m) return null;
    return m[1] !== undefined ? m[1].replace(/\\(.)/g, "$1") : m[2];
  }
  function indexOf(haystack, needle, from) {
    const first = needle[0];
    const last = haystack.length - needle.length;
    outer: for (let i = from; i <= last; i++) {
      if (haystack[i] !== first) continue;
      for (let j = 1; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
      return i;
    }
    return -1;
  }
  const latin1 = (bytes) => { let s = ""; for (let i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i]); return s; };
  const utf8 = new TextDecoder();
  function dispositionParam(disposition, param) {
    const m = new RegExp(`;\\s*${param}\\s*=\\s*(?:"((?:[^"\\\\]|\\\\.)*)"|([^;]*))`, "i").exec(disposition);
    if (!m) return null;
    const raw = m[1] !== undefined ? m[1] : m[2].trim();
    // Header bytes were read as latin1: names are UTF-8 on the wire.
    return utf8.decode(Uint8Array.from(raw, (c) => c.charCodeAt(0))).replace(/%22/g, "\"").replace(/%0D/g, "\r").replace(/%0A/g, "\n");
  }
  // A multipart/form-data body as a FormData (RFC 7578).
  function parseMultipart(bytes, contentType) {
    const boundary = contentTypeParam(contentType, "boundary");
    if (!boundary) throw new TypeError("multipart/form-data body without a boundary parameter");
    const delimiter = encoder.encode(`--${boundary}`);
    const form = new FormData();
    let pos = indexOf(bytes, delimiter, 0);
    if (pos < 0) throw new TypeError("multipart/form-data body without its boundary");
    for (;;) {
      pos += delimiter.length;
      // "--" after a delimiter ends the body.
      if (bytes[pos] === 0x2d && bytes[pos + 1] === 0x2d) return form;
      // Skip transport padding and the CRLF after the delimiter.
      while (bytes[pos] === 0x20 || bytes[pos] === 0x09) pos++;
      if (bytes[pos] !== 0x0d || bytes[pos + 1] !== 0x0a) throw new TypeError("malformed multipart/form-data body (no CRLF after a boundary)");
      pos += 2;
      const headerEnd = indexOf(bytes, [0x0d, 0x0a, 0x0d, 0x0a], pos);
      if (headerEnd < 0) throw new TypeError("malformed multipart/form-data body (a part without the end of its headers)");
      const headers = new Map();
      for (const line of latin1(bytes.subarray(pos, headerEnd)).split("\r\n")) {
        if (!line) continue;
        const colon = line.indexOf(":");
        if (colon < 0) throw new TypeError("malformed multipart/form-data part header");
        headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
      }
      const bodyStart = headerEnd + 4;
      const next = indexOf(bytes, encoder.encode(`\r\n--${boundary}`), bodyStart);
      if (next < 0) throw new TypeError("malformed multipart/form-data body (a part without a closing boundary)");
      const disposition = headers.get("content-disposition") || "";
      if (!/^form-data\b/i.test(disposition)) throw new TypeError("multipart/form-data part without Content-Disposition: form-data");
      const name = dispositionParam(disposition, "name");
      if (name === null) throw new TypeError("multipart/form-data part without a name");
      const filename = dispositionParam(disposition, "filename");
      const content = bytes.slice(bodyStart, next);
      if (filename !== null) {
        form.append(name, new File([content], filename, { type: headers.get("content-type") || "application/octet-stream" }));
      } else {
        form.append(name, utf8.decode(content));
      }
      pos = next + 2;
    }
  }

  lib.useBlob({ Blob, FormData, bytesOf, encodeMultipart, parseMultipart });
});
