// Node.js compatibility (nodejs_compat): each module checked against
// Node's documented behaviour.
import { eq, ok, throws, rejects, suite } from "../globals/harness.js";
import { Buffer as ImportedBuffer } from "node:buffer";
import bufferDefault from "buffer";
import EventEmitter, { once } from "node:events";
import util, { format, inspect, promisify, types } from "node:util";
import assert from "node:assert";
import { strict as strictAssert } from "node:assert";
import path from "node:path";
import { join as posixJoin } from "node:path/posix";
import url, { fileURLToPath, pathToFileURL } from "node:url";
import querystring from "node:querystring";
import { StringDecoder } from "node:string_decoder";
import crypto, { createHash, createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { Readable, Writable, Transform, PassThrough, pipeline } from "node:stream";
import { pipeline as pipelinePromise } from "node:stream/promises";
import { AsyncLocalStorage } from "node:async_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import timers from "node:timers";
import fs from "node:fs";
import zlib from "node:zlib";
import { readFileSync } from "fs";
import os from "node:os";
import { isIP } from "node:net";
import { STATUS_CODES } from "node:http";
import { types as utilTypes } from "node:util";
import cjs from "./uses_require.cjs";

export default suite(async (request, env) => {
  // ------------------------------------------------------------ globals and resolution
  ok("Buffer is a global", typeof Buffer === "function" && Buffer === ImportedBuffer);
  ok("bare and node: names are the same module", bufferDefault.Buffer === ImportedBuffer);
  eq("process.env holds the string env values", process.env.GREETING, "hello");
  eq("but not the other ones", process.env.COUNT, undefined);
  eq("process.platform", process.platform, "linux");
  ok("process.nextTick runs", await new Promise((r) => process.nextTick(() => r(true))));
  ok("setImmediate is a global", typeof setImmediate === "function");
  eq("require() from CommonJS reaches node modules", cjs.joined, "a/b");
  eq("and by bare name", cjs.hex, "6869");

  // ------------------------------------------------------------ buffer
  const b = Buffer.from("héllo wörld");
  eq("utf8 round trip", b.toString(), "héllo wörld");
  eq("byteLength", Buffer.byteLength("héllo"), 6);
  eq("hex", Buffer.from("hi").toString("hex"), "6869");
  eq("from hex", Buffer.from("6869zz", "hex").toString(), "hi");
  eq("base64", Buffer.from("hello").toString("base64"), "aGVsbG8=");
  eq("base64url", Buffer.from([0xfb, 0xff]).toString("base64url"), "-_8");
  eq("from base64 (lenient)", Buffer.from("aGVs bG8", "base64").toString(), "hello");
  eq("latin1", Buffer.from("ÿ", "latin1")[0], 255);
  eq("utf16le", Buffer.from("hi", "utf16le").toString("hex"), "68006900");
  eq("ascii strips the high bit", Buffer.from([0xe9]).toString("ascii"), "i");
  ok("instanceof Uint8Array", b instanceof Uint8Array && Buffer.isBuffer(b) && !Buffer.isBuffer(new Uint8Array(1)));
  ok("subarray stays a Buffer", Buffer.isBuffer(b.subarray(1, 3)) && Buffer.isBuffer(b.slice(1)));
  const shared = Buffer.from("abc");
  shared.slice(0, 1)[0] = 0x7a;
  eq("slice shares memory, as in Node", shared.toString(), "zbc");
  eq("concat", Buffer.concat([Buffer.from("a"), Buffer.from("bc")]).toString(), "abc");
  eq("concat with a total length", Buffer.concat([Buffer.from("abc")], 2).toString(), "ab");
  eq("alloc fill", Buffer.alloc(4, "ab").toString(), "abab");
  eq("compare", Buffer.compare(Buffer.from("a"), Buffer.from("b")), -1);
  ok("equals", Buffer.from("x").equals(Buffer.from("x")));
  eq("indexOf", Buffer.from("hello").indexOf("l"), 2);
  eq("lastIndexOf", Buffer.from("hello").lastIndexOf("l"), 3);
  ok("includes", Buffer.from("hello").includes("ell"));
  const nums = Buffer.alloc(10);
  nums.writeUInt16BE(0x1234, 0);
  nums.writeInt32LE(-2, 2);
  nums.writeUInt32BE(0xdeadbeef, 6);
  eq("readUInt16BE", nums.readUInt16BE(0), 0x1234);
  eq("readInt32LE", nums.readInt32LE(2), -2);
  eq("readUint32BE alias", nums.readUint32BE(6), 0xdeadbeef);
  eq("readUIntBE of 3 bytes", nums.readUIntBE(6, 3), 0xdeadbe);
  eq("readIntLE of 2 bytes", Buffer.from([0xff, 0xff]).readIntLE(0, 2), -1);
  throws("out-of-range read", () => nums.readUInt32LE(8), "RangeError");
  throws("out-of-range write value", () => nums.writeUInt8(256, 0), "RangeError");
  const big = Buffer.alloc(8);
  big.writeBigInt64LE(-5n);
  eq("BigInt64", big.readBigInt64LE(0), -5n);
  eq("toJSON", JSON.stringify(Buffer.from([1, 2])), '{"type":"Buffer","data":[1,2]}');
  eq("from a toJSON object", Buffer.from({ type: "Buffer", data: [104, 105] }).toString(), "hi");
  eq("write returns bytes written", Buffer.alloc(3).write("héllo"), 3);
  eq("copy", (() => { const t = Buffer.alloc(3); Buffer.from("xyz").copy(t, 1, 0, 2); return t.toString("hex"); })(), "007879");
  eq("swap16", Buffer.from([1, 2, 3, 4]).swap16().toString("hex"), "02010403");
  throws("unknown encoding", () => Buffer.from("x", "nope"), "TypeError");
  ok("isEncoding", Buffer.isEncoding("UTF-8") && !Buffer.isEncoding("nope"));
  eq("inspect of a Buffer", inspect(Buffer.from("hi")), "<Buffer 68 69>");

  // ------------------------------------------------------------ events
  const em = new EventEmitter();
  const seen = [];
  em.on("x", (v) => seen.push(`on ${v}`));
  em.once("x", (v) => seen.push(`once ${v}`));
  em.prependListener("x", (v) => seen.push(`first ${v}`));
  ok("emit returns true with listeners", em.emit("x", 1));
  em.emit("x", 2);
  eq("listener order, once", seen, ["first 1", "on 1", "once 1", "first 2", "on 2"]);
  eq("listenerCount", em.listenerCount("x"), 2);
  eq("eventNames", em.eventNames(), ["x"]);
  throws("an unhandled 'error' throws", () => em.emit("error", new RangeError("boom")), "RangeError");
  const removed = [];
  em.on("removeListener", (name) => removed.push(name));
  em.removeAllListeners("x");
  eq("removeListener events", removed, ["x", "x"]);
  const later = new EventEmitter();
  setTimeout(() => later.emit("ready", 1, 2), 0);
  eq("events.once", await once(later, "ready"), [1, 2]);
  class Sub extends EventEmitter {}
  ok("subclassing", new Sub().on("a", () => {}) instanceof Sub);

  // ------------------------------------------------------------ util
  eq("format %s %d %j", format("%s=%d %j", "a", 42, { b: 1 }), 'a=42 {"b":1}');
  eq("format %% and extra args", format("100%% %s", "x", "y", 3), "100% x y 3");
  eq("format %o of a string", format("%i", "42.9"), "42");
  eq("inspect object", inspect({ a: 1, b: "x", c: [1, 2], d: { e: { f: { g: 1 } } } }), "{ a: 1, b: 'x', c: [ 1, 2 ], d: { e: { f: [Object] } } }");
  eq("inspect nested strings quote", inspect(["it's"]), `[ "it's" ]`);
  eq("inspect Map and Set", inspect([new Map([["k", 1]]), new Set([1])]), "[ Map(1) { 'k' => 1 }, Set(1) { 1 } ]");
  eq("inspect groups long arrays", inspect(Array.from({ length: 10 }, (_, i) => i)), "[\n  0, 1, 2, 3, 4,\n  5, 6, 7, 8, 9\n]");
  eq("inspect class instances", inspect(new (class Point { constructor() { this.x = 1; } })()), "Point { x: 1 }");
  const circular = { name: "c" };
  circular.self = circular;
  eq("inspect circular", inspect(circular), "<ref *1> { name: 'c', self: [Circular *1] }");
  eq("inspect functions", inspect([function named() {}, class A {}, () => {}]), "[ [Function: named], [class A], [Function (anonymous)] ]");
  eq("inspect breaks long objects", inspect({ alpha: "a".repeat(30), beta: "b".repeat(30), gamma: 1 }), `{\n  alpha: '${"a".repeat(30)}',\n  beta: '${"b".repeat(30)}',\n  gamma: 1\n}`);
  eq("inspect custom", inspect({ [inspect.custom]: () => "custom!" }), "custom!");
  const cbFn = (a, cb) => setTimeout(() => cb(null, a * 2), 0);
  eq("promisify", await promisify(cbFn)(21), 42);
  const failing = (cb) => cb(new Error("nope"));
  await rejects("promisify rejects", promisify(failing)(), "Error");
  ok("util.types", types.isDate(new Date()) && types.isPromise(Promise.resolve()) && types.isUint8Array(Buffer.alloc(1)) && !types.isMap({}));
  ok("util/types is util.types", utilTypes === util.types);
  ok("isDeepStrictEqual", util.isDeepStrictEqual({ a: [1, { b: 2 }] }, { a: [1, { b: 2 }] }) && !util.isDeepStrictEqual({ a: 1 }, { a: "1" }));
  function Base() {}
  function Derived() {}
  util.inherits(Derived, Base);
  ok("inherits", new Derived() instanceof Base && Derived.super_ === Base);

  // ------------------------------------------------------------ assert
  assert(true);
  assert.equal(1, "1");
  assert.deepEqual({ a: [1] }, { a: ["1"] });
  assert.deepStrictEqual(new Map([[1, { a: 1 }]]), new Map([[1, { a: 1 }]]));
  throws("strictEqual fails", () => assert.strictEqual(1, "1"), "AssertionError");
  throws("strict mode equal is strict", () => strictAssert.equal(1, "1"), "AssertionError");
  throws("deepStrictEqual fails on types", () => assert.deepStrictEqual({ a: 1 }, { a: "1" }), "AssertionError");
  try { assert.strictEqual(1, 2, "custom message"); } catch (e) {
    eq("AssertionError fields", [e.code, e.message, e.actual, e.expected, e.operator], ["ERR_ASSERTION", "custom message", 1, 2, "strictEqual"]);
  }
  assert.throws(() => { throw new TypeError("bad thing"); }, TypeError);
  assert.throws(() => { throw new TypeError("bad thing"); }, /bad/);
  assert.throws(() => { throw new TypeError("bad thing"); }, { name: "TypeError", message: "bad thing" });
  throws("throws without a throw", () => assert.throws(() => {}), "AssertionError");
  await assert.rejects(Promise.reject(new Error("x")), Error);
  assert.match("abc", /b/);
  throws("ok(false)", () => assert.ok(false), "AssertionError");
  ok("assert passed its checks", true);

  // ------------------------------------------------------------ path
  eq("join", path.join("/a/b", "../c", "./d"), "/a/c/d");
  eq("posix join", posixJoin("a", "b"), "a/b");
  eq("resolve from /", path.resolve("a", "b"), "/a/b");
  eq("normalize", path.normalize("/a//b/../c/."), "/a/c");
  eq("dirname", path.dirname("/a/b/c.txt"), "/a/b");
  eq("basename", path.basename("/a/b/c.txt", ".txt"), "c");
  eq("extname", [path.extname("x.tar.gz"), path.extname(".bashrc"), path.extname("a.")], [".gz", "", "."]);
  eq("relative", path.relative("/data/a/b", "/data/c"), "../../c");
  eq("parse", path.parse("/home/u/f.txt"), { root: "/", dir: "/home/u", base: "f.txt", ext: ".txt", name: "f" });
  eq("format", path.format({ dir: "/x", base: "y.js" }), "/x/y.js");
  ok("isAbsolute", path.isAbsolute("/a") && !path.isAbsolute("a"));

  // ------------------------------------------------------------ url, querystring
  eq("fileURLToPath", fileURLToPath("file:///tmp/a%20b.txt"), "/tmp/a b.txt");
  eq("pathToFileURL", pathToFileURL("/tmp/a b.txt").href, "file:///tmp/a%20b.txt");
  const legacy = url.parse("https://user:pw@Example.com:8080/p/a?x=1&y=2#h", true);
  eq("url.parse", [legacy.protocol, legacy.auth, legacy.hostname, legacy.port, legacy.pathname, legacy.query.y, legacy.hash],
    ["https:", "user:pw", "example.com", "8080", "/p/a", "2", "#h"]);
  eq("url.format", url.format({ protocol: "https", hostname: "x.test", pathname: "/a", query: { q: "1 2" } }), "https://x.test/a?q=1%202");
  eq("url.resolve", url.resolve("/one/two/three", "four"), "/one/two/four");
  eq("url.resolve absolute", url.resolve("http://a.test/b", "/c"), "http://a.test/c");
  const qs = querystring.parse("a=1&b=2&a=3&c=x+y&d");
  eq("querystring.parse", [qs.a, qs.b, qs.c, qs.d], [["1", "3"], "2", "x y", ""]);
  eq("querystring.stringify", querystring.stringify({ a: [1, 2], b: "x y", c: "!" }), "a=1&a=2&b=x%20y&c=%21");

  // ------------------------------------------------------------ string_decoder
  const dec = new StringDecoder("utf8");
  const euro = Buffer.from("€");
  eq("a split character waits", dec.write(euro.subarray(0, 1)) + "|" + dec.write(euro.subarray(1)), "|€");
  eq("end flushes a partial character", new StringDecoder("utf8").end(Buffer.from([0xe2])), "\ufffd");
  const b64 = new StringDecoder("base64");
  eq("base64 decoder keeps quanta whole", b64.write(Buffer.from("ab")) + b64.write(Buffer.from("c")) + b64.end(), "YWJj");

  // ------------------------------------------------------------ crypto
  eq("sha256 hex", createHash("sha256").update("abc").digest("hex"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  eq("md5 base64, in parts", createHash("md5").update("a").update("bc").digest("base64"), "kAFQmDzST7DWlj99KOF/cg==");
  ok("digest() is a Buffer", Buffer.isBuffer(createHash("sha1").update("").digest()));
  eq("hmac", createHmac("sha256", "key").update("The quick brown fox jumps over the lazy dog").digest("hex"), "f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8");
  throws("digest twice", () => { const h = createHash("sha256"); h.digest(); h.digest(); }, "Error");
  throws("unknown digest", () => createHash("sha3-999"), "Error");
  eq("randomBytes", randomBytes(16).length, 16);
  ok("randomUUID", /^[0-9a-f-]{36}$/.test(crypto.randomUUID()));
  ok("randomInt in range", Array.from({ length: 50 }, () => crypto.randomInt(3, 6)).every((n) => n >= 3 && n < 6));
  ok("timingSafeEqual", timingSafeEqual(Buffer.from("ab"), Buffer.from("ab")) && !timingSafeEqual(Buffer.from("ab"), Buffer.from("ac")));
  throws("timingSafeEqual lengths", () => timingSafeEqual(Buffer.from("a"), Buffer.from("ab")), "RangeError");
  eq("pbkdf2Sync", crypto.pbkdf2Sync("password", "salt", 1, 20, "sha1").toString("hex"), "0c60c80f961f0e71f3a9b524af6012062fe037a6");
  ok("webcrypto", crypto.webcrypto === globalThis.crypto);

  // ------------------------------------------------------------ stream
  const chunks = [];
  await new Promise((resolve, reject) => {
    Readable.from(["a", "b", "c"])
      .pipe(new Transform({ transform(chunk, enc, cb) { cb(null, String(chunk).toUpperCase()); } }))
      .pipe(new Writable({ write(chunk, enc, cb) { chunks.push(String(chunk)); cb(); } }))
      .on("finish", resolve)
      .on("error", reject);
  });
  eq("Readable.from -> Transform -> Writable", chunks.join(""), "ABC");
  const r = new Readable({ read() {} });
  r.push("x");
  r.push("y");
  r.push(null);
  let text = "";
  for await (const c of r) text += c;
  eq("async iteration of a Readable", text, "xy");
  const collected = [];
  await pipelinePromise(
    Readable.from([Buffer.from("1"), Buffer.from("2")]),
    new PassThrough(),
    new Writable({ write(c, e, cb) { collected.push(c.toString()); cb(); } }),
  );
  eq("stream/promises pipeline", collected, ["1", "2"]);
  const failed = await new Promise((resolve) => pipeline(
    new Readable({ read() { this.destroy(new Error("source broke")); } }),
    new PassThrough(),
    new Writable({ write(c, e, cb) { cb(); } }),
    (err) => resolve(err),
  ));
  eq("pipeline reports an error", failed && failed.message, "source broke");
  const backpressure = new Writable({ highWaterMark: 2, write(c, e, cb) { setTimeout(cb, 0); } });
  eq("write returns false past highWaterMark", [backpressure.write("a"), backpressure.write("bc")], [true, false]);
  await new Promise((r2) => backpressure.once("drain", r2));
  ok("drain comes", true);
  const web = Readable.toWeb(Readable.from([Buffer.from("w"), Buffer.from("eb")]));
  eq("Readable.toWeb", await new Response(web).text(), "web");

  // ------------------------------------------------------------ async_hooks
  const als = new AsyncLocalStorage();
  const observed = [];
  await Promise.all([1, 2].map((id) => als.run({ id }, async () => {
    await null;
    await sleep(5 * id);
    observed.push([id, als.getStore().id]);
    await new Promise((r3) => setTimeout(r3, 0));
    observed.push([id, als.getStore().id]);
  })));
  observed.sort();
  eq("AsyncLocalStorage survives await and timers", observed, [[1, 1], [1, 1], [2, 2], [2, 2]]);
  eq("and is empty outside run()", als.getStore(), undefined);
  eq("run returns its function's value", als.run(1, () => als.getStore() + 1), 2);
  eq("exit", als.run(1, () => als.exit(() => als.getStore())), undefined);
  const snapshot = als.run("snap", () => AsyncLocalStorage.snapshot());
  eq("snapshot", snapshot(() => als.getStore()), "snap");

  // ------------------------------------------------------------ zlib
  const original = Buffer.from("hello hello hello hello zlib");
  for (const [c, d] of [["gzipSync", "gunzipSync"], ["deflateSync", "inflateSync"], ["deflateRawSync", "inflateRawSync"]]) {
    eq(`zlib ${c}/${d} round trip`, zlib[d](zlib[c](original)).toString(), original.toString());
  }
  eq("gzip output starts with the gzip magic", [...zlib.gzipSync("x").subarray(0, 2)], [0x1f, 0x8b]);
  eq("unzip detects gzip", zlib.unzipSync(zlib.gzipSync("g")).toString(), "g");
  eq("unzip detects deflate", zlib.unzipSync(zlib.deflateSync("d")).toString(), "d");
  try { zlib.gunzipSync(Buffer.from("not gzip at all")); ok("bad input throws", false); } catch (e) {
    eq("bad input is a Z_DATA_ERROR", [e.code, e.errno], ["Z_DATA_ERROR", -3]);
  }
  eq("callback form", await new Promise((resolve, reject) => zlib.deflate("cb", (err, out) => (err ? reject(err) : resolve(zlib.inflateSync(out).toString())))), "cb");
  const gz = [];
  await pipelinePromise(
    Readable.from([Buffer.from("stream "), Buffer.from("of "), Buffer.from("chunks")]),
    zlib.createGzip(),
    zlib.createGunzip(),
    new Writable({ write(c, e, cb) { gz.push(c.toString()); cb(); } }),
  );
  eq("createGzip -> createGunzip stream", gz.join(""), "stream of chunks");
  eq("crc32", zlib.crc32("hello"), 907060870);
  eq("constants", [zlib.constants.Z_BEST_COMPRESSION, zlib.Z_SYNC_FLUSH], [9, 2]);
  throws("brotli is not there", () => zlib.brotliCompressSync("x"), "Error");

  // ------------------------------------------------------------ timers, os, unavailable modules
  const t = timers.setTimeout(() => {}, 10);
  ok("a Timeout object", typeof t.unref === "function" && t.unref() === t && typeof +t === "number");
  timers.clearTimeout(t);
  eq("timers/promises setTimeout value", await sleep(1, "v"), "v");
  eq("os", [os.EOL, os.platform(), os.cpus().length], ["\n", "linux", 0]);
  eq("net.isIP works", [isIP("1.2.3.4"), isIP("::1"), isIP("x")], [4, 6, 0]);
  eq("http.STATUS_CODES", STATUS_CODES[404], "Not Found");
  try { readFileSync("/etc/passwd"); ok("fs is unavailable", false); } catch (e) {
    eq("fs throws a clear error", [e.code, e.message], ["ERR_NOT_AVAILABLE", "node:fs's readFileSync is not available in isolet: workers have no filesystem"]);
  }
  ok("fs.promises too", typeof fs.promises.readFile === "function");
});
