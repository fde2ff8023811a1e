// Compression Streams (https://compression.spec.whatwg.org/) and the Workers
// byte transforms IdentityTransformStream / FixedLengthStream. Decompression
// is checked against data made by Python's zlib/gzip modules (not by isolet),
// compression by round trips and the formats' headers.
import { eq, ok, throws, rejects, suite } from "./harness.js";

const text = "isolet compresses ".repeat(20);
const hex = (s) => new Uint8Array(s.match(/../g).map((b) => parseInt(b, 16)));
const VECTORS = {
  deflate: "789ccb2ccecf492d5148cecf2d284a2d2e4e2d56c81c15a1810800f7818d91",
  "deflate-raw": "cb2ccecf492d5148cecf2d284a2d2e4e2d56c81c15a1810800",
  // With the FNAME flag ("notes.txt") and an mtime of 0.
  gzip: "1f8b08080000000002ff6e6f7465732e74787400cb2ccecf492d5148cecf2d284a2d2e4e2d56c81c15a181080063d75d1f68010000",
};

async function bytesThrough(transform, chunks) {
  const source = new ReadableStream({ start(c) { for (const x of chunks) c.enqueue(x); c.close(); } });
  return new Uint8Array(await new Response(source.pipeThrough(transform)).arrayBuffer());
}
const decode = (b) => new TextDecoder().decode(b);

export default suite(async () => {
  for (const name of ["CompressionStream", "DecompressionStream", "IdentityTransformStream", "FixedLengthStream"]) {
    eq(`${name} is a global function`, typeof globalThis[name], "function");
  }
  throws("unknown format", () => new CompressionStream("brotli"), "TypeError");
  throws("unknown format to decompress", () => new DecompressionStream("zip"), "TypeError");
  throws("format is required", () => new CompressionStream(), "TypeError");
  const cs = new CompressionStream("gzip");
  ok("readable is a ReadableStream", cs.readable instanceof ReadableStream);
  ok("writable is a WritableStream", cs.writable instanceof WritableStream);

  // Data compressed elsewhere, in one chunk and one byte at a time (the gzip
  // header arrives in pieces).
  for (const [format, h] of Object.entries(VECTORS)) {
    const data = hex(h);
    eq(`${format}: external data`, decode(await bytesThrough(new DecompressionStream(format), [data])), text);
    const bytes = [...data].map((b) => new Uint8Array([b]));
    eq(`${format}: byte by byte`, decode(await bytesThrough(new DecompressionStream(format), bytes)), text);
  }

  // Round trips, and each format's framing.
  const big = new TextEncoder().encode("0123456789abcdef".repeat(65536)); // 1 MiB
  for (const format of ["gzip", "deflate", "deflate-raw"]) {
    const small = await bytesThrough(new CompressionStream(format), [new TextEncoder().encode(text)]);
    eq(`${format}: round trip`, decode(await bytesThrough(new DecompressionStream(format), [small])), text);
    const packed = await bytesThrough(new CompressionStream(format), [big.subarray(0, 300000), big.subarray(300000).buffer.slice(300000)]);
    ok(`${format}: 1 MiB of repetition compresses well (${packed.byteLength} bytes)`, packed.byteLength < 20000);
    const back = await bytesThrough(new DecompressionStream(format), [packed.subarray(0, 7), packed.subarray(7)]);
    eq(`${format}: 1 MiB back`, back.byteLength, big.byteLength);
    ok(`${format}: 1 MiB back intact`, back.every((b, i) => b === big[i]));
    const empty = await bytesThrough(new CompressionStream(format), []);
    eq(`${format}: nothing in, nothing out after decompressing`, (await bytesThrough(new DecompressionStream(format), [empty])).byteLength, 0);
  }
  const gz = await bytesThrough(new CompressionStream("gzip"), [new TextEncoder().encode(text)]);
  eq("gzip magic and method", [gz[0], gz[1], gz[2]], [0x1f, 0x8b, 8]);
  const z = await bytesThrough(new CompressionStream("deflate"), [new TextEncoder().encode(text)]);
  eq("zlib header", (z[0] & 0x0f) === 8 && ((z[0] << 8) | z[1]) % 31 === 0, true);

  // Bad input errors the stream with a TypeError.
  await rejects("gzip data is not zlib", bytesThrough(new DecompressionStream("deflate"), [gz]), "TypeError");
  await rejects("zlib data is not gzip", bytesThrough(new DecompressionStream("gzip"), [z]), "TypeError");
  await rejects("truncated deflate", bytesThrough(new DecompressionStream("deflate"), [hex(VECTORS.deflate).subarray(0, 10)]), "TypeError");
  await rejects("gzip without its trailer", bytesThrough(new DecompressionStream("gzip"), [gz.subarray(0, gz.byteLength - 4)]), "TypeError");
  const badCrc = gz.slice(); badCrc[badCrc.byteLength - 8] ^= 0xff;
  await rejects("gzip with a wrong checksum", bytesThrough(new DecompressionStream("gzip"), [badCrc]), "TypeError");
  const junk = new Uint8Array([...hex(VECTORS["deflate-raw"]), 1, 2, 3]);
  await rejects("data after the end", bytesThrough(new DecompressionStream("deflate-raw"), [junk]), "TypeError");
  await rejects("garbage", bytesThrough(new DecompressionStream("deflate-raw"), [new Uint8Array([0xff, 0xff, 0xff, 0xff])]), "TypeError");
  await rejects("strings are not chunks", bytesThrough(new CompressionStream("gzip"), ["text"]), "TypeError");
  // (A TransformStream writes once its readable side is read.)
  const numbers = new CompressionStream("deflate");
  const read = numbers.readable.getReader().read();
  await rejects("a number chunk rejects the write", numbers.writable.getWriter().write(42), "TypeError");
  await rejects("and errors the readable side", read, "TypeError");

  // A body compressed and decompressed through Responses.
  const r = new Response(new Response(text).body.pipeThrough(new CompressionStream("gzip")));
  eq("through Response bodies", await new Response(r.body.pipeThrough(new DecompressionStream("gzip"))).text(), text);
  // Canceling the readable side frees the codec and cancels the source.
  const d = new DecompressionStream("gzip");
  await d.readable.cancel("done");
  await rejects("a canceled stream takes no more writes", d.writable.getWriter().write(new Uint8Array([1])));

  // IdentityTransformStream / FixedLengthStream.
  const id = new IdentityTransformStream();
  ok("IdentityTransformStream is a TransformStream", id instanceof TransformStream);
  eq("identity passes bytes", decode(await bytesThrough(new IdentityTransformStream(), [new TextEncoder().encode("ab"), new Uint8Array(0), new TextEncoder().encode("c").buffer])), "abc");
  await rejects("identity refuses strings", bytesThrough(new IdentityTransformStream(), ["x"]), "TypeError");
  eq("fixed length exact", decode(await bytesThrough(new FixedLengthStream(3), [new TextEncoder().encode("abc")])), "abc");
  eq("fixed length from a bigint", new FixedLengthStream(5n).expectedLength, 5);
  await rejects("fixed length too many bytes", bytesThrough(new FixedLengthStream(2), [new TextEncoder().encode("abc")]), "TypeError");
  await rejects("fixed length too few bytes", bytesThrough(new FixedLengthStream(4), [new TextEncoder().encode("abc")]), "TypeError");
  throws("fixed length must be an integer", () => new FixedLengthStream(-1), "TypeError");
  throws("fixed length must be a number", () => new FixedLengthStream("x"), "TypeError");
});
