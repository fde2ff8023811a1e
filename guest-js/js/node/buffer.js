// node:buffer — Node's Buffer (a Uint8Array with encodings and binary
// reads/writes), Blob/File/atob/btoa re-exported, and the constants.
// A node module file evaluates to a function of (lib, native, require)
// returning the module's exports (see ../node.js).
(function (lib, native, require) {
  "use strict";

  const textEncoder = new TextEncoder();
  const HEX = "0123456789abcdef";
  const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  const B64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  const B64_VALUE = new Int8Array(256).fill(-1);
  for (let i = 0; i < 64; i++) { B64_VALUE[B64.charCodeAt(i)] = i; B64_VALUE[B64URL.charCodeAt(i)] = i; }
  const kMaxLength = 2 ** 32;
  const kStringMaxLength = 2 ** 29 - 24;

  function codeError(Ctor, code, message) {
    const e = new Ctor(message);
    e.code = code;
    return e;
  }
  const invalidArg = (message) => codeError(TypeError, "ERR_INVALID_ARG_TYPE", message);
  const outOfRange = (message) => codeError(RangeError, "ERR_OUT_OF_RANGE", message);
  const unknownEncoding = (enc) => codeError(TypeError, "ERR_UNKNOWN_ENCODING", `Unknown encoding: ${enc}`);

  function normalizeEncoding(enc) {
    if (enc === undefined || enc === null || enc === "") return "utf8";
    switch (String(enc).toLowerCase()) {
      case "utf8": case "utf-8": return "utf8";
      case "hex": return "hex";
      case "base64": return "base64";
      case "base64url": return "base64url";
      case "latin1": case "binary": return "latin1";
      case "ascii": return "ascii";
      case "ucs2": case "ucs-2": case "utf16le": case "utf-16le": return "utf16le";
      default: return undefined;
    }
  }
  function encodingOf(enc) {
    const e = normalizeEncoding(enc);
    if (e === undefined) throw unknownEncoding(enc);
    return e;
  }

  // ---------------------------------------------------------------- string <-> bytes
  function encodeString(string, enc) {
    switch (enc) {
      case "utf8": return textEncoder.encode(string);
      case "hex": {
        const n = string.length >>> 1;
        const out = new Uint8Array(n);
        let i = 0;
        for (; i < n; i++) {
          const hi = parseInt(string[2 * i], 16), lo = parseInt(string[2 * i + 1], 16);
          if (Number.isNaN(hi) || Number.isNaN(lo)) break;
          out[i] = (hi << 4) | lo;
        }
        return i === n ? out : out.subarray(0, i);
      }
      case "base64": case "base64url": {
        const out = new Uint8Array(Math.ceil(string.length * 3 / 4));
        let bits = 0, acc = 0, n = 0;
        for (let i = 0; i < string.length; i++) {
          const c = string.charCodeAt(i);
          if (c === 61) break; // '='
          const v = c < 256 ? B64_VALUE[c] : -1;
          if (v < 0) continue;
          acc = (acc << 6) | v;
          bits += 6;
          if (bits >= 8) { bits -= 8; out[n++] = (acc >> bits) & 0xff; }
        }
        return out.subarray(0, n);
      }
      case "latin1": case "ascii": {
        const out = new Uint8Array(string.length);
        for (let i = 0; i < string.length; i++) out[i] = string.charCodeAt(i) & 0xff;
        return out;
      }
      case "utf16le": {
        const out = new Uint8Array(string.length * 2);
        for (let i = 0; i < string.length; i++) {
          const c = string.charCodeAt(i);
          out[2 * i] = c & 0xff;
          out[2 * i + 1] = c >> 8;
        }
        return out;
      }
    }
    throw unknownEncoding(enc);
  }
  function fromCharCodes(codes) {
    let s = "";
    for (let i = 0; i < codes.length; i += 8192) s += String.fromCharCode.apply(null, codes.subarray(i, i + 8192));
    return s;
  }
  function decodeBytes(bytes, enc) {
    switch (enc) {
      case "utf8": return native.utf8Decode(bytes, false, true);
      case "hex": {
        let s = "";
        for (let i = 0; i < bytes.length; i++) s += HEX[bytes[i] >> 4] + HEX[bytes[i] & 15];
        return s;
      }
      case "base64": case "base64url": {
        const alphabet = enc === "base64" ? B64 : B64URL;
        let s = "";
        let i = 0;
        for (; i + 2 < bytes.length; i += 3) {
          const n = (bytes[i] << 16) | (bytes[i + 1] << 8) | bytes[i + 2];
          s += alphabet[n >> 18] + alphabet[(n >> 12) & 63] + alphabet[(n >> 6) & 63] + alphabet[n & 63];
        }
        const rest = bytes.length - i;
        if (rest === 1) {
          const n = bytes[i] << 16;
          s += alphabet[n >> 18] + alphabet[(n >> 12) & 63] + (enc === "base64" ? "==" : "");
        } else if (rest === 2) {
          const n = (bytes[i] << 16) | (bytes[i + 1] << 8);
          s += alphabet[n >> 18] + alphabet[(n >> 12) & 63] + alphabet[(n >> 6) & 63] + (enc === "base64" ? "=" : "");
        }
        return s;
      }
      case "latin1": return fromCharCodes(bytes);
      case "ascii": {
        const codes = new Uint8Array(bytes.length);
        for (let i = 0; i < bytes.length; i++) codes[i] = bytes[i] & 0x7f;
        return fromCharCodes(codes);
      }
      case "utf16le": {
        const n = bytes.length >>> 1;
        const codes = new Uint16Array(n);
        for (let i = 0; i < n; i++) codes[i] = bytes[2 * i] | (bytes[2 * i + 1] << 8);
        let s = "";
        for (let i = 0; i < n; i += 8192) s += String.fromCharCode.apply(null, codes.subarray(i, i + 8192));
        return s;
      }
    }
    throw unknownEncoding(enc);
  }

  // ---------------------------------------------------------------- the class
  // Buffer is a function (old code calls it without `new`); instances are
  // FastBuffers, whose prototype is Buffer.prototype, as in Node.
  class FastBuffer extends Uint8Array {
    constructor(bufferOrLength, byteOffset, length) { super(bufferOrLength, byteOffset, length); }
  }
  function Buffer(arg, encodingOrOffset, length) {
    if (typeof arg === "number") {
      if (typeof encodingOrOffset === "string") throw invalidArg('The "string" argument must be of type string. Received type number');
      return Buffer.alloc(arg);
    }
    return Buffer.from(arg, encodingOrOffset, length);
  }
  Buffer.prototype = FastBuffer.prototype;
  Object.defineProperty(FastBuffer.prototype, "constructor", { value: Buffer, writable: true, configurable: true });
  Object.setPrototypeOf(Buffer, Uint8Array);
  Object.defineProperty(Buffer, Symbol.species, { get() { return FastBuffer; }, configurable: true });
  Buffer.poolSize = 8192;

  const isBuffer = (b) => b instanceof Buffer;
  function toBuffer(view) { return new FastBuffer(view.buffer, view.byteOffset, view.byteLength); }
  function checkSize(size) {
    if (typeof size !== "number") throw invalidArg(`The "size" argument must be of type number. Received ${typeof size}`);
    if (!(size >= 0 && size <= kMaxLength)) throw outOfRange(`The value of "size" is out of range. It must be >= 0 && <= ${kMaxLength}. Received ${size}`);
  }

  Buffer.from = function from(value, encodingOrOffset, length) {
    if (typeof value === "string") return toBuffer(encodeString(value, encodingOf(encodingOrOffset)));
    if (value instanceof ArrayBuffer || (typeof SharedArrayBuffer !== "undefined" && value instanceof SharedArrayBuffer)) {
      const offset = encodingOrOffset === undefined ? 0 : Number(encodingOrOffset) || 0;
      if (offset > value.byteLength) throw outOfRange('"offset" is outside of buffer bounds');
      const len = length === undefined ? value.byteLength - offset : Number(length) || 0;
      if (offset + len > value.byteLength) throw outOfRange('"length" is outside of buffer bounds');
      return new FastBuffer(value, offset, len);
    }
    if (ArrayBuffer.isView(value)) {
      const src = new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
      if (value instanceof Uint8Array) return new FastBuffer(src); // a copy
      // Other typed arrays: element by element, as Node does (Uint8 truncation).
      const out = new FastBuffer(value.length);
      for (let i = 0; i < value.length; i++) out[i] = Number(value[i]) & 0xff;
      return out;
    }
    if (value === null || value === undefined) {
      throw invalidArg(`The first argument must be of type string or an instance of Buffer, ArrayBuffer, or Array or an Array-like Object. Received ${value}`);
    }
    if (typeof value === "object") {
      const prim = typeof value[Symbol.toPrimitive] === "function" ? value[Symbol.toPrimitive]("string") : value.valueOf();
      if (prim !== value && prim !== null && prim !== undefined && (typeof prim === "string" || typeof prim === "object")) {
        return Buffer.from(prim, encodingOrOffset, length);
      }
      if (value.type === "Buffer" && Array.isArray(value.data)) return fromArrayLike(value.data);
      if (typeof value.length === "number" || Array.isArray(value)) return fromArrayLike(value);
    }
    throw invalidArg(`The first argument must be of type string or an instance of Buffer, ArrayBuffer, or Array or an Array-like Object. Received type ${typeof value}`);
  };
  function fromArrayLike(a) {
    const n = a.length > 0 ? Math.floor(a.length) : 0;
    const out = new FastBuffer(n);
    for (let i = 0; i < n; i++) out[i] = Number(a[i]) & 0xff;
    return out;
  }
  Buffer.alloc = function alloc(size, fill, encoding) {
    checkSize(size);
    const b = new FastBuffer(size);
    if (fill !== undefined && fill !== 0 && size > 0) b.fill(fill, 0, b.length, encoding);
    return b;
  };
  Buffer.allocUnsafe = function allocUnsafe(size) { checkSize(size); return new FastBuffer(size); };
  Buffer.allocUnsafeSlow = Buffer.allocUnsafe;
  Buffer.isBuffer = isBuffer;
  Buffer.isEncoding = (enc) => typeof enc === "string" && enc !== "" && normalizeEncoding(enc) !== undefined;
  Buffer.byteLength = function byteLength(value, encoding) {
    if (typeof value !== "string") {
      if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) return value.byteLength;
      throw invalidArg('The "string" argument must be of type string or an instance of Buffer or ArrayBuffer.');
    }
    const enc = normalizeEncoding(encoding) || "utf8";
    if (enc === "utf8") return textEncoder.encode(value).length;
    if (enc === "latin1" || enc === "ascii") return value.length;
    if (enc === "utf16le") return value.length * 2;
    return encodeString(value, enc).length;
  };
  Buffer.concat = function concat(list, totalLength) {
    if (!Array.isArray(list)) throw invalidArg('The "list" argument must be an instance of Array.');
    let total = 0;
    for (const item of list) {
      if (!(item instanceof Uint8Array)) throw invalidArg('The "list" argument must contain only Buffer or Uint8Array instances.');
      total += item.length;
    }
    const n = totalLength === undefined ? total : totalLength;
    const out = Buffer.alloc(n);
    let off = 0;
    for (const item of list) {
      if (off >= n) break;
      const part = item.length > n - off ? item.subarray(0, n - off) : item;
      out.set(part, off);
      off += part.length;
    }
    return out;
  };
  Buffer.compare = function compare(a, b) {
    if (!(a instanceof Uint8Array) || !(b instanceof Uint8Array)) throw invalidArg("The arguments must be Buffers or Uint8Arrays.");
    return compareBytes(a, b);
  };
  Buffer.copyBytesFrom = function copyBytesFrom(view, offset = 0, length) {
    if (!ArrayBuffer.isView(view) || view instanceof DataView) throw invalidArg('The "view" argument must be a TypedArray.');
    const end = length === undefined ? view.length : Math.min(view.length, offset + length);
    const part = view.subarray(offset, end);
    return new FastBuffer(new Uint8Array(part.buffer, part.byteOffset, part.byteLength));
  };
  Buffer.of = (...items) => fromArrayLike(items);
  function compareBytes(a, b) {
    const n = Math.min(a.length, b.length);
    for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i] < b[i] ? -1 : 1;
    return a.length < b.length ? -1 : a.length > b.length ? 1 : 0;
  }

  // ---------------------------------------------------------------- prototype
  const P = Buffer.prototype;
  const method = (name, fn) => Object.defineProperty(P, name, { value: fn, writable: true, configurable: true });
  function clampRange(len, start, end) {
    start = start === undefined ? 0 : Math.trunc(Number(start)) || 0;
    end = end === undefined ? len : Math.trunc(Number(end)) || 0;
    if (start < 0) start = Math.max(0, len + start);
    if (end < 0) end = Math.max(0, len + end);
    return [Math.min(start, len), Math.min(end, len)];
  }
  method("toString", function toString(encoding, start, end) {
    if (arguments.length === 0) return decodeBytes(this, "utf8");
    const enc = encodingOf(encoding);
    let s = start === undefined ? 0 : Math.max(0, Math.trunc(Number(start)) || 0);
    let e = end === undefined ? this.length : Math.min(this.length, Math.trunc(Number(end)) || 0);
    if (e <= s) return "";
    return decodeBytes(this.subarray(s, e), enc);
  });
  method("toLocaleString", P.toString);
  for (const enc of ["utf8", "hex", "base64", "base64url", "latin1", "ascii", "ucs2"]) {
    method(`${enc}Slice`, function (start = 0, end = this.length) { return decodeBytes(this.subarray(start, end), encodingOf(enc)); });
    method(`${enc}Write`, function (string, offset = 0, length = this.length - offset) { return this.write(string, offset, length, enc); });
  }
  method("toJSON", function toJSON() { return { type: "Buffer", data: Array.from(this) }; });
  method("equals", function equals(other) {
    if (!(other instanceof Uint8Array)) throw invalidArg('The "otherBuffer" argument must be an instance of Buffer or Uint8Array.');
    return compareBytes(this, other) === 0;
  });
  method("compare", function compare(target, targetStart, targetEnd, sourceStart, sourceEnd) {
    if (!(target instanceof Uint8Array)) throw invalidArg('The "target" argument must be an instance of Buffer or Uint8Array.');
    const t = target.subarray(targetStart || 0, targetEnd === undefined ? target.length : targetEnd);
    const s = this.subarray(sourceStart || 0, sourceEnd === undefined ? this.length : sourceEnd);
    return compareBytes(s, t);
  });
  method("copy", function copy(target, targetStart = 0, sourceStart = 0, sourceEnd = this.length) {
    if (!(target instanceof Uint8Array)) throw invalidArg('The "target" argument must be an instance of Buffer or Uint8Array.');
    if (targetStart < 0 || sourceStart < 0) throw outOfRange("The offsets must be >= 0");
    sourceEnd = Math.min(sourceEnd, this.length);
    if (targetStart >= target.length || sourceStart >= sourceEnd) return 0;
    const n = Math.min(sourceEnd - sourceStart, target.length - targetStart);
    target.set(this.subarray(sourceStart, sourceStart + n), targetStart);
    return n;
  });
  method("slice", function slice(start, end) {
    const [s, e] = clampRange(this.length, start, end);
    return new FastBuffer(this.buffer, this.byteOffset + s, Math.max(0, e - s));
  });
  method("subarray", function subarray(start, end) {
    const [s, e] = clampRange(this.length, start, end);
    return new FastBuffer(this.buffer, this.byteOffset + s, Math.max(0, e - s));
  });
  method("write", function write(string, offset, length, encoding) {
    if (typeof string !== "string") throw invalidArg('The "string" argument must be of type string.');
    if (typeof offset === "string") { encoding = offset; offset = 0; length = this.length; }
    else if (typeof length === "string") { encoding = length; length = this.length - (offset || 0); }
    offset = offset === undefined ? 0 : offset >>> 0;
    if (offset > this.length) throw outOfRange('The value of "offset" is out of range.');
    const room = this.length - offset;
    length = length === undefined ? room : Math.min(room, length >>> 0);
    const enc = encodingOf(encoding);
    let bytes = encodeString(string, enc);
    if (bytes.length > length) {
      if (enc === "utf8") {
        // Whole characters only.
        let n = length;
        while (n > 0 && (bytes[n] & 0xc0) === 0x80) n--;
        bytes = bytes.subarray(0, n);
      } else if (enc === "utf16le") bytes = bytes.subarray(0, length - (length % 2));
      else bytes = bytes.subarray(0, length);
    }
    this.set(bytes, offset);
    return bytes.length;
  });
  method("fill", function fill(value, offset, end, encoding) {
    if (typeof offset === "string") { encoding = offset; offset = 0; end = this.length; }
    else if (typeof end === "string") { encoding = end; end = this.length; }
    offset = offset === undefined ? 0 : offset;
    end = end === undefined ? this.length : end;
    if (offset < 0 || end > this.length) throw outOfRange('The value of "offset" is out of range.');
    if (end <= offset) return this;
    let bytes;
    if (typeof value === "number") { Uint8Array.prototype.fill.call(this, value & 0xff, offset, end); return this; }
    if (typeof value === "boolean") { Uint8Array.prototype.fill.call(this, +value, offset, end); return this; }
    if (typeof value === "string") {
      if (value.length === 0) { Uint8Array.prototype.fill.call(this, 0, offset, end); return this; }
      bytes = encodeString(value, encodingOf(encoding));
      if (bytes.length === 0) throw codeError(TypeError, "ERR_INVALID_ARG_VALUE", `The argument 'value' is invalid. Received '${value}'`);
    } else if (value instanceof Uint8Array) bytes = value;
    else { Uint8Array.prototype.fill.call(this, Number(value) & 0xff, offset, end); return this; }
    for (let i = offset, j = 0; i < end; i++, j = (j + 1) % bytes.length) this[i] = bytes[j];
    return this;
  });
  function needle(value, encoding) {
    if (typeof value === "string") return encodeString(value, encodingOf(encoding));
    if (value instanceof Uint8Array) return value;
    if (typeof value === "number") return new Uint8Array([value & 0xff]);
    throw invalidArg('The "value" argument must be one of type number or string or an instance of Buffer or Uint8Array.');
  }
  function indexOf(buf, value, byteOffset, encoding, last) {
    if (typeof byteOffset === "string") { encoding = byteOffset; byteOffset = undefined; }
    const n = needle(value, encoding);
    const len = buf.length;
    let from = byteOffset === undefined || Number.isNaN(Number(byteOffset)) ? (last ? len : 0) : Math.trunc(Number(byteOffset));
    if (from < 0) from = len + from;
    if (n.length === 0) return last ? Math.min(Math.max(from, 0), len) : Math.min(Math.max(from, 0), len);
    if (last) {
      for (let i = Math.min(from, len - n.length); i >= 0; i--) if (matchAt(buf, n, i)) return i;
    } else {
      for (let i = Math.max(from, 0); i <= len - n.length; i++) if (matchAt(buf, n, i)) return i;
    }
    return -1;
  }
  function matchAt(buf, n, i) {
    for (let j = 0; j < n.length; j++) if (buf[i + j] !== n[j]) return false;
    return true;
  }
  method("indexOf", function (value, byteOffset, encoding) { return indexOf(this, value, byteOffset, encoding, false); });
  method("lastIndexOf", function (value, byteOffset, encoding) { return indexOf(this, value, byteOffset, encoding, true); });
  method("includes", function (value, byteOffset, encoding) { return indexOf(this, value, byteOffset, encoding, false) !== -1; });
  function swap(size) {
    return function () {
      if (this.length % size !== 0) throw codeError(RangeError, "ERR_INVALID_BUFFER_SIZE", `Buffer size must be a multiple of ${size * 8}-bits`);
      for (let i = 0; i < this.length; i += size) {
        for (let a = i, b = i + size - 1; a < b; a++, b--) { const t = this[a]; this[a] = this[b]; this[b] = t; }
      }
      return this;
    };
  }
  method("swap16", swap(2));
  method("swap32", swap(4));
  method("swap64", swap(8));
  method(Symbol.for("nodejs.util.inspect.custom"), function () {
    let hex = "";
    for (let i = 0; i < Math.min(this.length, 50); i++) hex += (i ? " " : "") + HEX[this[i] >> 4] + HEX[this[i] & 15];
    return `<Buffer${hex ? " " + hex : ""}${this.length > 50 ? ` ... ${this.length - 50} more bytes` : ""}>`;
  });

  // Binary reads and writes through a DataView of the same memory.
  const views = new WeakMap();
  function dv(buf) {
    let v = views.get(buf);
    if (v === undefined) { v = new DataView(buf.buffer, buf.byteOffset, buf.byteLength); views.set(buf, v); }
    return v;
  }
  function checkOffset(buf, offset, size) {
    if (offset === undefined) offset = 0;
    if (typeof offset !== "number") throw invalidArg(`The "offset" argument must be of type number. Received type ${typeof offset}`);
    if (!Number.isInteger(offset) || offset < 0 || offset + size > buf.length) {
      throw outOfRange(`The value of "offset" is out of range. It must be >= 0 and <= ${buf.length - size}. Received ${offset}`);
    }
    return offset;
  }
  const FIXED = [
    ["UInt8", 1, "getUint8", "setUint8", 0, 255], ["Int8", 1, "getInt8", "setInt8", -128, 127],
    ["UInt16", 2, "getUint16", "setUint16", 0, 65535], ["Int16", 2, "getInt16", "setInt16", -32768, 32767],
    ["UInt32", 4, "getUint32", "setUint32", 0, 4294967295], ["Int32", 4, "getInt32", "setInt32", -2147483648, 2147483647],
    ["Float", 4, "getFloat32", "setFloat32"], ["Double", 8, "getFloat64", "setFloat64"],
    ["BigUInt64", 8, "getBigUint64", "setBigUint64"], ["BigInt64", 8, "getBigInt64", "setBigInt64"],
  ];
  for (const [name, size, get, set, min, max] of FIXED) {
    for (const endian of size === 1 ? [""] : ["LE", "BE"]) {
      const little = endian === "LE";
      const read = function (offset) { return dv(this)[get](checkOffset(this, offset, size), little); };
      const write = function (value, offset) {
        offset = checkOffset(this, offset, size);
        if (min !== undefined && (typeof value !== "number" || value < min || value > max || Number.isNaN(value))) {
          throw outOfRange(`The value of "value" is out of range. It must be >= ${min} and <= ${max}. Received ${value}`);
        }
        if (name.startsWith("Big") && typeof value !== "bigint") throw invalidArg('The "value" argument must be of type bigint.');
        dv(this)[set](offset, value, little);
        return offset + size;
      };
      method(`read${name}${endian}`, read);
      method(`write${name}${endian}`, write);
      if (name.startsWith("UInt") || name === "BigUInt64") {
        const alias = name.replace("UInt", "Uint");
        method(`read${alias}${endian}`, read);
        method(`write${alias}${endian}`, write);
      }
    }
  }
  // Variable-width integers (1 to 6 bytes).
  function checkByteLength(n) {
    if (!Number.isInteger(n) || n < 1 || n > 6) throw outOfRange(`The value of "byteLength" is out of range. It must be >= 1 and <= 6. Received ${n}`);
  }
  function readUIntLE(buf, offset, n) { let v = 0, mul = 1; for (let i = 0; i < n; i++, mul *= 256) v += buf[offset + i] * mul; return v; }
  function readUIntBE(buf, offset, n) { let v = 0; for (let i = 0; i < n; i++) v = v * 256 + buf[offset + i]; return v; }
  for (const endian of ["LE", "BE"]) {
    const readU = endian === "LE" ? readUIntLE : readUIntBE;
    const readUnsigned = function (offset, byteLength) { checkByteLength(byteLength); return readU(this, checkOffset(this, offset, byteLength), byteLength); };
    const readSigned = function (offset, byteLength) {
      checkByteLength(byteLength);
      const v = readU(this, checkOffset(this, offset, byteLength), byteLength);
      const limit = 2 ** (8 * byteLength - 1);
      return v >= limit ? v - limit * 2 : v;
    };
    const writeAny = (signed) => function (value, offset, byteLength) {
      checkByteLength(byteLength);
      offset = checkOffset(this, offset, byteLength);
      const bits = 8 * byteLength;
      const [min, max] = signed ? [-(2 ** (bits - 1)), 2 ** (bits - 1) - 1] : [0, 2 ** bits - 1];
      if (typeof value !== "number" || value < min || value > max) throw outOfRange(`The value of "value" is out of range. It must be >= ${min} and <= ${max}. Received ${value}`);
      let v = value < 0 ? value + 2 ** bits : value;
      for (let i = 0; i < byteLength; i++) {
        const byte = v % 256;
        v = Math.floor(v / 256);
        this[offset + (endian === "LE" ? i : byteLength - 1 - i)] = byte;
      }
      return offset + byteLength;
    };
    method(`readUInt${endian}`, readUnsigned);
    method(`readUint${endian}`, readUnsigned);
    method(`readInt${endian}`, readSigned);
    method(`writeUInt${endian}`, writeAny(false));
    method(`writeUint${endian}`, writeAny(false));
    method(`writeInt${endian}`, writeAny(true));
  }

  // ---------------------------------------------------------------- module
  const constants = { MAX_LENGTH: kMaxLength, MAX_STRING_LENGTH: kStringMaxLength };
  function transcode(source, fromEnc, toEnc) {
    return Buffer.from(decodeBytes(source, encodingOf(fromEnc)), encodingOf(toEnc));
  }
  function isUtf8(input) {
    try { native.utf8Decode(lib.bufferBytes(input, "input"), true, true); return true; } catch { return false; }
  }
  function isAscii(input) {
    const b = lib.bufferBytes(input, "input");
    for (let i = 0; i < b.length; i++) if (b[i] > 0x7f) return false;
    return true;
  }
  // For the other node modules (string_decoder, crypto).
  lib.nodeBuffer = { decode: (bytes, enc) => decodeBytes(bytes, encodingOf(enc)), encode: (s, enc) => encodeString(s, encodingOf(enc)), normalizeEncoding, toBuffer };
  const SlowBuffer = function SlowBuffer(size) { return Buffer.allocUnsafeSlow(size); };
  return {
    Buffer, SlowBuffer, Blob: globalThis.Blob, File: globalThis.File, atob: globalThis.atob, btoa: globalThis.btoa,
    constants, kMaxLength, kStringMaxLength, INSPECT_MAX_BYTES: 50, transcode, isUtf8, isAscii,
  };
})
