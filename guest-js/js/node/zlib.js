// node:zlib — gzip, deflate (the zlib format) and raw deflate: sync,
// callback and stream forms, on the engine's Rust codecs (the ones
// CompressionStream uses); `unzip` detects gzip or deflate; crc32. The
// compression level and window options are accepted and not applied.
// Brotli is not there (its functions throw ERR_NOT_AVAILABLE).
(function (lib, native, require) {
  "use strict";
  const { Buffer } = require("buffer");
  const { Transform } = require("stream");

  const constants = {
    Z_NO_FLUSH: 0, Z_PARTIAL_FLUSH: 1, Z_SYNC_FLUSH: 2, Z_FULL_FLUSH: 3, Z_FINISH: 4, Z_BLOCK: 5,
    Z_OK: 0, Z_STREAM_END: 1, Z_NEED_DICT: 2, Z_ERRNO: -1, Z_STREAM_ERROR: -2, Z_DATA_ERROR: -3,
    Z_MEM_ERROR: -4, Z_BUF_ERROR: -5, Z_VERSION_ERROR: -6, Z_NO_COMPRESSION: 0, Z_BEST_SPEED: 1,
    Z_BEST_COMPRESSION: 9, Z_DEFAULT_COMPRESSION: -1, Z_FILTERED: 1, Z_HUFFMAN_ONLY: 2, Z_RLE: 3,
    Z_FIXED: 4, Z_DEFAULT_STRATEGY: 0, ZLIB_VERNUM: 4865, DEFLATE: 1, INFLATE: 2, GZIP: 3, GUNZIP: 4,
    DEFLATERAW: 5, INFLATERAW: 6, UNZIP: 7, Z_MIN_WINDOWBITS: 8, Z_MAX_WINDOWBITS: 15,
    Z_DEFAULT_WINDOWBITS: 15, Z_MIN_LEVEL: -1, Z_MAX_LEVEL: 9, Z_DEFAULT_LEVEL: -1,
  };
  function toBytes(data) {
    if (typeof data === "string") return Buffer.from(data);
    if (data instanceof ArrayBuffer || ArrayBuffer.isView(data)) return lib.bufferBytes(data, "buffer");
    const e = new TypeError('The "buffer" argument must be of type string or an instance of Buffer, TypedArray, DataView, or ArrayBuffer.');
    e.code = "ERR_INVALID_ARG_TYPE";
    throw e;
  }
  function zlibError(e) {
    const err = new Error(e && e.message ? e.message : String(e));
    err.code = "Z_DATA_ERROR";
    err.errno = -3;
    return err;
  }
  // The codec for `kind` and this input (unzip looks at the first bytes).
  function formatOf(kind, input) {
    switch (kind) {
      case "gzip": return ["gzip", false];
      case "gunzip": return ["gzip", true];
      case "deflate": return ["deflate", false];
      case "inflate": return ["deflate", true];
      case "deflateRaw": return ["deflate-raw", false];
      case "inflateRaw": return ["deflate-raw", true];
      case "unzip": return [input && input.length >= 2 && input[0] === 0x1f && input[1] === 0x8b ? "gzip" : "deflate", true];
    }
    throw new TypeError(`unknown zlib mode ${kind}`);
  }
  function runSync(kind, data) {
    const input = toBytes(data);
    const [format, decompress] = formatOf(kind, input);
    const handle = native.zOpen(format, decompress);
    try {
      const head = native.zPush(handle, input);
      const tail = native.zFinish(handle);
      return Buffer.concat([Buffer.from(head), Buffer.from(tail)]);
    } catch (e) {
      native.zClose(handle);
      throw zlibError(e);
    }
  }
  // A Transform stream running one codec (createGzip() and friends).
  function codecStream(kind) {
    let handle = 0;
    const open = (first) => {
      if (handle === 0) { const [format, decompress] = formatOf(kind, first); handle = native.zOpen(format, decompress); }
    };
    return new Transform({
      transform(chunk, encoding, cb) {
        try {
          const bytes = toBytes(chunk);
          open(bytes);
          const out = native.zPush(handle, bytes);
          cb(null, out.byteLength ? Buffer.from(out) : undefined);
        } catch (e) { handle = 0; cb(zlibError(e)); }
      },
      flush(cb) {
        try {
          open(undefined);
          const out = native.zFinish(handle);
          handle = 0;
          cb(null, out.byteLength ? Buffer.from(out) : undefined);
        } catch (e) { handle = 0; cb(zlibError(e)); }
      },
      destroy(err, cb) { if (handle) { native.zClose(handle); handle = 0; } cb(err); },
    });
  }
  let crcTable = null;
  function crc32(data, value = 0) {
    if (crcTable === null) {
      crcTable = new Int32Array(256);
      for (let n = 0; n < 256; n++) {
        let c = n;
        for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
        crcTable[n] = c;
      }
    }
    const bytes = toBytes(data);
    let crc = ~value;
    for (let i = 0; i < bytes.length; i++) crc = crcTable[(crc ^ bytes[i]) & 0xff] ^ (crc >>> 8);
    return ~crc >>> 0;
  }
  function notAvailable(name) {
    return () => {
      const e = new Error(`node:zlib's ${name} is not available in isolet: there is no Brotli codec`);
      e.code = "ERR_NOT_AVAILABLE";
      throw e;
    };
  }

  const zlib = { constants, crc32, codes: { Z_OK: 0, Z_STREAM_END: 1, Z_NEED_DICT: 2, Z_ERRNO: -1, Z_STREAM_ERROR: -2, Z_DATA_ERROR: -3, Z_MEM_ERROR: -4, Z_BUF_ERROR: -5, Z_VERSION_ERROR: -6 } };
  for (const [kind, Name] of [["gzip", "Gzip"], ["gunzip", "Gunzip"], ["deflate", "Deflate"], ["inflate", "Inflate"], ["deflateRaw", "DeflateRaw"], ["inflateRaw", "InflateRaw"], ["unzip", "Unzip"]]) {
    zlib[`${kind}Sync`] = (data) => runSync(kind, data);
    zlib[kind] = (data, options, callback) => {
      if (typeof options === "function") callback = options;
      let result, error = null;
      try { result = runSync(kind, data); } catch (e) { error = e; }
      queueMicrotask(() => callback(error, result));
    };
    zlib[`create${Name}`] = () => codecStream(kind);
    zlib[Name] = function (options) { return codecStream(kind); };
  }
  for (const name of ["brotliCompress", "brotliDecompress", "brotliCompressSync", "brotliDecompressSync", "createBrotliCompress", "createBrotliDecompress", "BrotliCompress", "BrotliDecompress"]) {
    zlib[name] = notAvailable(name);
  }
  // Node's constants are also on the module itself.
  for (const [k, v] of Object.entries(constants)) if (k.startsWith("Z_")) zlib[k] = v;
  return zlib;
})
