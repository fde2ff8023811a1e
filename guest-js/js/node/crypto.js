// node:crypto — createHash/createHmac (MD5, SHA-1, SHA-256/384/512),
// random bytes/UUIDs/ints, timingSafeEqual, pbkdf2/hkdf, and webcrypto.
// Rust implementations in the engine (the same as Web Crypto's).
(function (lib, native, require) {
  "use strict";
  const { Buffer } = require("buffer");
  const { encode } = lib.nodeBuffer;

  const HASHES = { md5: "MD5", sha1: "SHA-1", "sha-1": "SHA-1", sha256: "SHA-256", "sha-256": "SHA-256", sha384: "SHA-384", "sha-384": "SHA-384", sha512: "SHA-512", "sha-512": "SHA-512" };
  function hashName(algorithm) {
    const name = HASHES[String(algorithm).toLowerCase()];
    if (name === undefined) {
      const e = new Error(`Digest method not supported: ${algorithm}`);
      e.code = "ERR_CRYPTO_INVALID_DIGEST";
      throw e;
    }
    return name;
  }
  function toBytes(data, encoding, what = "data") {
    if (typeof data === "string") return encode(data, encoding || "utf8");
    if (data instanceof ArrayBuffer || ArrayBuffer.isView(data)) return lib.bufferBytes(data, what);
    const e = new TypeError(`The "${what}" argument must be of type string or an instance of Buffer, TypedArray, or DataView.`);
    e.code = "ERR_INVALID_ARG_TYPE";
    throw e;
  }
  function output(bytes, encoding) {
    const b = Buffer.from(bytes);
    return encoding === undefined || encoding === "buffer" ? b : b.toString(encoding);
  }
  function finished() {
    const e = new Error("Digest already called");
    e.code = "ERR_CRYPTO_HASH_FINALIZED";
    return e;
  }

  class Hash {
    #handle; #name; #done = false;
    constructor(algorithm) {
      this.#name = hashName(algorithm);
      this.#handle = native.hashOpen(this.#name);
    }
    update(data, encoding) {
      if (this.#done) throw finished();
      native.hashUpdate(this.#handle, toBytes(data, encoding));
      return this;
    }
    digest(encoding) {
      if (this.#done) throw finished();
      this.#done = true;
      return output(native.hashFinish(this.#handle), encoding);
    }
  }
  class Hmac {
    #hash; #key; #chunks = []; #done = false;
    constructor(algorithm, key) {
      this.#hash = hashName(algorithm);
      this.#key = typeof key === "object" && key !== null && key.type === "secret" && typeof key.export === "function" ? key.export() : toBytes(key, undefined, "key");
    }
    update(data, encoding) {
      if (this.#done) throw finished();
      this.#chunks.push(Uint8Array.from(toBytes(data, encoding)));
      return this;
    }
    digest(encoding) {
      if (this.#done) throw finished();
      this.#done = true;
      return output(native.hmac(this.#hash, this.#key, Buffer.concat(this.#chunks)), encoding);
    }
  }

  function randomBytes(size, callback) {
    if (typeof size !== "number" || size < 0 || size > 2 ** 31 - 1 || !Number.isInteger(size)) {
      const e = new RangeError(`The value of "size" is out of range. It must be >= 0 && <= 2147483647. Received ${size}`);
      e.code = "ERR_OUT_OF_RANGE";
      throw e;
    }
    const out = Buffer.alloc(size);
    for (let off = 0; off < size; off += 65536) out.set(native.randomBytes(Math.min(65536, size - off)), off);
    if (typeof callback === "function") { queueMicrotask(() => callback(null, out)); return undefined; }
    return out;
  }
  function randomFillSync(buf, offset = 0, size) {
    const bytes = lib.bufferBytes(buf, "buf");
    const end = size === undefined ? bytes.length : offset + size;
    bytes.set(randomBytes(end - offset), offset);
    return buf;
  }
  function randomFill(buf, offset, size, callback) {
    if (typeof offset === "function") { callback = offset; offset = 0; size = undefined; }
    else if (typeof size === "function") { callback = size; size = undefined; }
    randomFillSync(buf, offset, size);
    queueMicrotask(() => callback(null, buf));
  }
  function randomInt(min, max, callback) {
    if (max === undefined || typeof max === "function") { callback = max; max = min; min = 0; }
    if (!Number.isSafeInteger(min) || !Number.isSafeInteger(max) || max <= min || max - min > 2 ** 48) {
      const e = new RangeError(`The value of "max" is out of range. It must be greater than the value of "min" (${min}). Received ${max}`);
      e.code = "ERR_OUT_OF_RANGE";
      throw e;
    }
    const range = max - min;
    const limit = 2 ** 48 - (2 ** 48 % range);
    let n;
    do {
      const b = native.randomBytes(6);
      n = b[0] * 2 ** 40 + b[1] * 2 ** 32 + b[2] * 2 ** 24 + b[3] * 2 ** 16 + b[4] * 2 ** 8 + b[5];
    } while (n >= limit);
    const value = min + (n % range);
    if (typeof callback === "function") { queueMicrotask(() => callback(null, value)); return undefined; }
    return value;
  }
  function timingSafeEqual(a, b) {
    const x = lib.bufferBytes(a, 'The "buf1" argument'), y = lib.bufferBytes(b, 'The "buf2" argument');
    if (x.byteLength !== y.byteLength) {
      const e = new RangeError("Input buffers must have the same byte length");
      e.code = "ERR_CRYPTO_TIMING_SAFE_EQUAL_LENGTH";
      throw e;
    }
    let diff = 0;
    for (let i = 0; i < x.length; i++) diff |= x[i] ^ y[i];
    return diff === 0;
  }
  function pbkdf2Sync(password, salt, iterations, keylen, digest) {
    return Buffer.from(native.pbkdf2(hashName(digest), toBytes(password, undefined, "password"), toBytes(salt, undefined, "salt"), iterations, keylen * 8));
  }
  function pbkdf2(password, salt, iterations, keylen, digest, callback) {
    let result, error = null;
    try { result = pbkdf2Sync(password, salt, iterations, keylen, digest); } catch (e) { error = e; }
    queueMicrotask(() => callback(error, result));
  }
  function hkdfSync(digest, ikm, salt, info, keylen) {
    return native.hkdf(hashName(digest), toBytes(ikm, undefined, "ikm"), toBytes(salt, undefined, "salt"), toBytes(info, undefined, "info"), keylen * 8);
  }
  function hkdf(digest, ikm, salt, info, keylen, callback) {
    let result, error = null;
    try { result = hkdfSync(digest, ikm, salt, info, keylen); } catch (e) { error = e; }
    queueMicrotask(() => callback(error, result));
  }
  function unavailable(name) {
    return () => {
      const e = new Error(`crypto.${name} is not available in isolet; use crypto.subtle (Web Crypto) instead`);
      e.code = "ERR_NOT_AVAILABLE";
      throw e;
    };
  }

  return {
    createHash: (algorithm) => new Hash(algorithm),
    createHmac: (algorithm, key) => new Hmac(algorithm, key),
    Hash, Hmac,
    hash: (algorithm, data, encoding = "hex") => new Hash(algorithm).update(data).digest(encoding),
    getHashes: () => ["md5", "sha1", "sha256", "sha384", "sha512"],
    randomBytes, pseudoRandomBytes: randomBytes, randomFillSync, randomFill, randomInt,
    randomUUID: () => globalThis.crypto.randomUUID(),
    getRandomValues: (array) => globalThis.crypto.getRandomValues(array),
    timingSafeEqual, pbkdf2, pbkdf2Sync, hkdf, hkdfSync,
    webcrypto: globalThis.crypto, subtle: globalThis.crypto.subtle,
    createCipheriv: unavailable("createCipheriv"), createDecipheriv: unavailable("createDecipheriv"),
    createSign: unavailable("createSign"), createVerify: unavailable("createVerify"),
    generateKeyPairSync: unavailable("generateKeyPairSync"), generateKeyPair: unavailable("generateKeyPair"),
    createPrivateKey: unavailable("createPrivateKey"), createPublicKey: unavailable("createPublicKey"),
    createSecretKey: unavailable("createSecretKey"), scryptSync: unavailable("scryptSync"), scrypt: unavailable("scrypt"),
    constants: {},
  };
})
