// isolet's encodings (https://encoding.spec.whatwg.org/): TextDecoder
// (UTF-8 here, the legacy encodings in the engine: src/encoding.rs),
// TextEncoder's encodeInto (javy's TextEncoder has the rest), atob and btoa;
// and the helpers other files use: lib.bufferBytes (a BufferSource's
// bytes), lib.decodeUtf8 and lib.TextDecoder.
//
// Evaluated at build time in the prelude, after timers.js; takes the
// engine's internal `lib` object and the natives.
(function (lib, native) {
  "use strict";

  const define = (name, value) =>
    Object.defineProperty(globalThis, name, { value, writable: true, configurable: true, enumerable: false });
  const DOMExceptionLike = lib.DOMException; // events.js

  // A BufferSource (ArrayBuffer or view) as a Uint8Array over the same
  // memory (no copy); a TypeError saying `what` must be one otherwise.
  function bufferBytes(data, what) {
    if (data instanceof ArrayBuffer) return new Uint8Array(data);
    if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    throw new TypeError(`${what} must be an ArrayBuffer or ArrayBufferView`);
  }
  lib.bufferBytes = bufferBytes;

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
  // UTF-8 bytes as a string (the engine decodes them).
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

  // ---------------------------------------------------------------- atob, btoa
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

  lib.decodeUtf8 = decodeUtf8; // for http.js
});
