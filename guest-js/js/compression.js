// isolet's Compression Streams (https://compression.spec.whatwg.org/):
// CompressionStream and DecompressionStream for "gzip", "deflate" (the zlib
// format) and "deflate-raw"; the codecs are Rust in the engine
// (guest-js/src/compression.rs), each stream holding one by handle.
//
// Evaluated at build time after streams.js; this script evaluates to a
// function of the engine's internal `lib` object and the native hooks.
(function (lib, native) {
  "use strict";

  const define = (name, value) =>
    Object.defineProperty(globalThis, name, { value, writable: true, configurable: true, enumerable: false });

  const chunkBytes = (chunk, what) => lib.bufferBytes(chunk, `${what} chunks`);

  // A TransformStream running one codec: each chunk in, whatever output is
  // ready out; at the end the rest (and, decompressing, a check that the
  // input was complete). A failure errors the stream with a TypeError.
  function codecStream(format, decompress, what) {
    format = String(format);
    const handle = native.zOpen(format, decompress);
    const emit = (c, buffer) => { if (buffer.byteLength) c.enqueue(new Uint8Array(buffer)); };
    return new TransformStream({
      transform(chunk, c) { emit(c, native.zPush(handle, chunkBytes(chunk, what))); },
      flush(c) { emit(c, native.zFinish(handle)); },
      cancel() { native.zClose(handle); },
    });
  }

  class CompressionStream {
    #t;
    constructor(format) {
      if (arguments.length < 1) throw new TypeError("CompressionStream needs a format");
      this.#t = codecStream(format, false, "CompressionStream");
    }
    get readable() { return this.#t.readable; }
    get writable() { return this.#t.writable; }
  }
  class DecompressionStream {
    #t;
    constructor(format) {
      if (arguments.length < 1) throw new TypeError("DecompressionStream needs a format");
      this.#t = codecStream(format, true, "DecompressionStream");
    }
    get readable() { return this.#t.readable; }
    get writable() { return this.#t.writable; }
  }
  define("CompressionStream", CompressionStream);
  define("DecompressionStream", DecompressionStream);
});
