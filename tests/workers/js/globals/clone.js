import { eq, ok, throws, suite } from "./harness.js";

export default suite(() => {
  const date = new Date(0);
  const src = { n: 1, s: "x", d: date, m: new Map([[1, { a: 1 }]]), set: new Set([1, 2]), bytes: new Uint8Array([1, 2]), re: /a+/gi, big: 10n, u: undefined, nested: [1, [2]] };
  const c = structuredClone(src);
  ok("new object", c !== src);
  ok("date cloned", c.d instanceof Date && c.d !== date && c.d.getTime() === 0);
  ok("map cloned deep", c.m instanceof Map && c.m.get(1).a === 1 && c.m.get(1) !== src.m.get(1));
  ok("set cloned", c.set instanceof Set && c.set.has(2));
  ok("typed array cloned", c.bytes instanceof Uint8Array && c.bytes[1] === 2 && c.bytes.buffer !== src.bytes.buffer);
  eq("regexp", String(c.re), "/a+/gi");
  eq("bigint", c.big, 10n);
  ok("undefined kept", "u" in c && c.u === undefined);
  eq("nested array", c.nested, [1, [2]]);

  const cyclic = { name: "root" };
  cyclic.self = cyclic;
  cyclic.list = [cyclic];
  const cc = structuredClone(cyclic);
  ok("cycle preserved", cc.self === cc && cc.list[0] === cc && cc !== cyclic);
  const shared = { v: 1 };
  const twice = structuredClone({ a: shared, b: shared });
  ok("shared references stay shared", twice.a === twice.b);
  const err = structuredClone(new RangeError("boom"));
  ok("error cloned", err instanceof RangeError && err.message === "boom");
  throws("function fails", () => structuredClone({ f() {} }), "DataCloneError");
  throws("symbol fails", () => structuredClone(Symbol("s")), "DataCloneError");
  throws("no argument", () => structuredClone(), "TypeError");

  // The transfer option: the clone takes the buffer, the original is detached.
  const buf = new Uint8Array([1, 2, 3, 4]).buffer;
  const view = new Uint8Array(buf, 1, 2);
  const moved = structuredClone({ buf, view }, { transfer: [buf] });
  eq("transferred bytes", [...new Uint8Array(moved.buf)], [1, 2, 3, 4]);
  ok("views follow the transferred buffer", moved.view.buffer === moved.buf && moved.view.byteOffset === 1);
  eq("view bytes", [...moved.view], [2, 3]);
  eq("the original is detached", [buf.byteLength, buf.detached, view.byteLength], [0, true, 0]);
  throws("a detached buffer cannot be transferred again", () => structuredClone(buf, { transfer: [buf] }), "DataCloneError");
  const twiceBuf = new ArrayBuffer(1);
  throws("a buffer listed twice", () => structuredClone(1, { transfer: [twiceBuf, twiceBuf] }), "DataCloneError");
  throws("only ArrayBuffers transfer", () => structuredClone(1, { transfer: [{}] }), "DataCloneError");
  throws("transfer must be a sequence", () => structuredClone(1, { transfer: 5 }), "TypeError");
  const kept = new ArrayBuffer(2);
  structuredClone(kept, {});
  eq("without transfer nothing is detached", kept.byteLength, 2);
});
