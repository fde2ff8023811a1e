// node:string_decoder — StringDecoder: decodes byte chunks without
// splitting characters (UTF-8, UTF-16LE) or base64 quanta across writes.
(function (lib, native, require) {
  "use strict";
  const { Buffer } = require("buffer");
  const { decode, normalizeEncoding } = lib.nodeBuffer;

  class StringDecoder {
    constructor(encoding) {
      const enc = normalizeEncoding(encoding);
      if (enc === undefined) {
        const e = new TypeError(`Unknown encoding: ${encoding}`);
        e.code = "ERR_UNKNOWN_ENCODING";
        throw e;
      }
      this.encoding = enc;
      this._decoder = enc === "utf8" ? new TextDecoder("utf-8", { ignoreBOM: true }) : enc === "utf16le" ? new TextDecoder("utf-16le", { ignoreBOM: true }) : null;
      this._pending = new Uint8Array(0);
    }
    write(buf) {
      if (typeof buf === "string") return buf;
      const bytes = lib.bufferBytes(buf, 'The "buf" argument');
      if (this._decoder !== null) return this._decoder.decode(bytes, { stream: true });
      if (this.encoding === "base64" || this.encoding === "base64url") {
        const all = this._pending.length ? Buffer.concat([this._pending, bytes]) : bytes;
        const whole = all.length - (all.length % 3);
        this._pending = all.slice(whole);
        return decode(all.subarray(0, whole), this.encoding);
      }
      return decode(bytes, this.encoding);
    }
    end(buf) {
      let out = buf === undefined ? "" : this.write(buf);
      if (this._decoder !== null) out += this._decoder.decode();
      else if (this._pending.length) { out += decode(this._pending, this.encoding); this._pending = new Uint8Array(0); }
      return out;
    }
    text(buf, offset) { return this.write(buf.subarray(offset)); }
  }
  return { StringDecoder };
})
