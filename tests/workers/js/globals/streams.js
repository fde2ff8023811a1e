// WHATWG Streams: ReadableStream (queuing, backpressure, readers, tee,
// cancel, from, async iteration), WritableStream (writers, backpressure,
// close/abort/error), TransformStream, pipeTo/pipeThrough (options and error
// propagation), queuing strategies and the encoding streams. Expected values
// follow the spec's algorithms (https://streams.spec.whatwg.org/).
import { eq, ok, throws, rejects, suite } from "./harness.js";

const tick = () => new Promise((r) => setTimeout(r, 0));
async function readAll(stream) {
  const out = [];
  for await (const chunk of stream) out.push(chunk);
  return out;
}

export default suite(async () => {
  // ------------------------------------------------------------ globals and shapes
  for (const name of ["ReadableStream", "ReadableStreamDefaultReader", "ReadableStreamDefaultController", "WritableStream",
    "WritableStreamDefaultWriter", "WritableStreamDefaultController", "TransformStream", "TransformStreamDefaultController",
    "CountQueuingStrategy", "ByteLengthQueuingStrategy", "TextEncoderStream", "TextDecoderStream"]) {
    eq(`${name} is a global function`, typeof globalThis[name], "function");
    ok(`${name} is not enumerable`, !Object.keys(globalThis).includes(name));
  }
  throws("controllers cannot be constructed", () => new ReadableStreamDefaultController(), "TypeError");
  throws("writable controllers cannot be constructed", () => new WritableStreamDefaultController(), "TypeError");
  throws("transform controllers cannot be constructed", () => new TransformStreamDefaultController(), "TypeError");

  // ------------------------------------------------------------ strategies
  const count = new CountQueuingStrategy({ highWaterMark: 3 });
  eq("count hwm", count.highWaterMark, 3);
  eq("count size", count.size("anything"), 1);
  const bytes = new ByteLengthQueuingStrategy({ highWaterMark: 16 });
  eq("byte size", bytes.size(new Uint8Array(5)), 5);
  throws("strategy needs highWaterMark", () => new CountQueuingStrategy({}), "TypeError");
  throws("negative highWaterMark", () => new ReadableStream({}, { highWaterMark: -1 }), "RangeError");
  throws("NaN highWaterMark", () => new WritableStream({}, { highWaterMark: NaN }), "RangeError");
  throws("size must be a function", () => new ReadableStream({}, { size: 1 }), "TypeError");
  ok("a byte stream is made", new ReadableStream({ type: "bytes" }) instanceof ReadableStream);
  throws("unknown type", () => new ReadableStream({ type: "nope" }), "TypeError");
  throws("null source", () => new ReadableStream(null), "TypeError");

  // ------------------------------------------------------------ ReadableStream: start, desiredSize, pull
  let ctrl;
  const starts = [];
  const rs = new ReadableStream({ start(c) { ctrl = c; starts.push(c.desiredSize); } }, { highWaterMark: 2 });
  eq("start runs synchronously with desiredSize = hwm", starts, [2]);
  ctrl.enqueue("a");
  eq("desiredSize shrinks by chunk size", ctrl.desiredSize, 1);
  ctrl.enqueue("b");
  ctrl.enqueue("c");
  eq("desiredSize goes negative past the hwm", ctrl.desiredSize, -1);
  ctrl.close();
  throws("enqueue after close", () => ctrl.enqueue("d"), "TypeError");
  throws("close twice", () => ctrl.close(), "TypeError");
  eq("queued chunks still read after close", await readAll(rs), ["a", "b", "c"]);
  eq("desiredSize 0 when closed", ctrl.desiredSize, 0);

  const pulls = [];
  let n = 0;
  const pulled = new ReadableStream({
    pull(c) { pulls.push(c.desiredSize); n++; c.enqueue(n); if (n === 3) c.close(); },
  }, { highWaterMark: 2 });
  await tick();
  eq("pull fills the queue up to the hwm after start", pulls, [2, 1]);
  eq("pulled stream reads", await readAll(pulled), [1, 2, 3]);

  const sized = new ReadableStream({ start(c) { c.enqueue("xyz"); ctrl = c; } }, { highWaterMark: 10, size: (s) => s.length });
  eq("custom size", ctrl.desiredSize, 7);
  void sized;
  const badSize = new ReadableStream({ start(c) { ctrl = c; } }, { size: () => -1 });
  throws("negative chunk size errors the stream", () => ctrl.enqueue("x"), "RangeError");
  await rejects("errored by its size", badSize.getReader().read(), "RangeError");

  // pull is not called again while a pull is pending
  let concurrent = 0, maxConcurrent = 0;
  let release;
  const slow = new ReadableStream({
    async pull(c) {
      concurrent++; maxConcurrent = Math.max(maxConcurrent, concurrent);
      await new Promise((r) => { release = r; });
      concurrent--; c.enqueue("x");
    },
  }, { highWaterMark: 0 });
  const slowReader = slow.getReader();
  const r1 = slowReader.read(), r2 = slowReader.read();
  await tick();
  release(); await tick(); release(); await tick();
  eq("reads resolve in order", [(await r1).value, (await r2).value], ["x", "x"]);
  eq("one pull at a time", maxConcurrent, 1);

  // start errors
  throws("a throwing start throws from the constructor", () => new ReadableStream({ start() { throw new SyntaxError("s"); } }), "SyntaxError");
  await rejects("a rejecting start errors the stream", new ReadableStream({ start() { return Promise.reject(new URIError("u")); } }).getReader().read(), "URIError");
  await rejects("a rejecting pull errors the stream", new ReadableStream({ pull() { throw new EvalError("p"); } }).getReader().read(), "EvalError");

  // ------------------------------------------------------------ readers
  const locked = new ReadableStream();
  const reader = locked.getReader();
  ok("locked", locked.locked);
  ok("reader class", reader instanceof ReadableStreamDefaultReader);
  throws("second reader", () => locked.getReader(), "TypeError");
  throws("second reader by constructor", () => new ReadableStreamDefaultReader(locked), "TypeError");
  await rejects("cancel a locked stream", locked.cancel(), "TypeError");
  const pending = reader.read();
  reader.releaseLock();
  await rejects("pending read rejects on release", pending, "TypeError");
  await rejects("closed rejects on release", reader.closed, "TypeError");
  await rejects("read after release", reader.read(), "TypeError");
  ok("unlocked after release", !locked.locked);
  throws("byob reader on a default stream", () => new ReadableStream().getReader({ mode: "byob" }), "TypeError");
  throws("invalid reader mode", () => new ReadableStream().getReader({ mode: "nope" }), "TypeError");

  const closing = new ReadableStream({ start(c) { c.close(); } });
  const closingReader = closing.getReader();
  eq("read of a closed stream", await closingReader.read(), { value: undefined, done: true });
  eq("closed resolves", await closingReader.closed, undefined);

  const failing = new ReadableStream({ start(c) { ctrl = c; } });
  const failingReader = failing.getReader();
  const failedRead = failingReader.read();
  ctrl.error(new TypeError("bad"));
  await rejects("pending read rejects on error", failedRead, "TypeError");
  await rejects("closed rejects on error", failingReader.closed, "TypeError");
  eq("desiredSize null when errored", ctrl.desiredSize, null);
  ctrl.error(new Error("ignored")); // no-op once errored
  await rejects("stays errored with the first error", failingReader.read(), "TypeError");

  // ------------------------------------------------------------ cancel
  const cancelled = [];
  const cancellable = new ReadableStream({
    start(c) { c.enqueue(1); },
    cancel(reason) { cancelled.push(reason); return "ignored"; },
  });
  eq("cancel resolves to undefined", await cancellable.cancel("why"), undefined);
  eq("source cancel got the reason", cancelled, ["why"]);
  eq("cancelled stream reads as done", await cancellable.getReader().read(), { value: undefined, done: true });
  await rejects("source cancel errors propagate", new ReadableStream({ cancel() { throw new RangeError("c"); } }).cancel(), "RangeError");

  // ------------------------------------------------------------ async iteration, from
  eq("from(array)", await readAll(ReadableStream.from([1, 2, 3])), [1, 2, 3]);
  async function* gen() { yield "a"; yield "b"; }
  eq("from(async generator)", await readAll(ReadableStream.from(gen())), ["a", "b"]);
  throws("from(non-iterable)", () => ReadableStream.from(5), "TypeError");
  let returned = false;
  const iterable = { [Symbol.asyncIterator]() { let i = 0; return { next: async () => ({ value: i++, done: false }), return: async () => { returned = true; return { done: true }; } }; } };
  for await (const v of ReadableStream.from(iterable)) { if (v === 2) break; }
  ok("breaking out of for-await cancels the source (return() called)", returned);
  const kept = new ReadableStream({ start(c) { c.enqueue(1); c.enqueue(2); c.enqueue(3); c.close(); } });
  for await (const v of kept.values({ preventCancel: true })) { if (v === 1) break; }
  ok("preventCancel leaves the stream unlocked", !kept.locked);
  eq("preventCancel leaves the rest readable", await readAll(kept), [2, 3]);

  // ------------------------------------------------------------ tee
  const [t1, t2] = ReadableStream.from(["x", "y"]).tee();
  eq("tee branch 1", await readAll(t1), ["x", "y"]);
  eq("tee branch 2", await readAll(t2), ["x", "y"]);
  const teeCancel = [];
  const [c1, c2] = new ReadableStream({ cancel(r) { teeCancel.push(r); } }).tee();
  const cancel1 = c1.cancel("r1");
  await tick();
  eq("source not cancelled until both branches are", teeCancel, []);
  await c2.cancel("r2");
  await cancel1;
  eq("source cancelled with both reasons", teeCancel, [["r1", "r2"]]);
  const [e1, e2] = new ReadableStream({ start(c) { c.error(new SyntaxError("tee")); } }).tee();
  await rejects("tee branch 1 errors", e1.getReader().read(), "SyntaxError");
  await rejects("tee branch 2 errors", e2.getReader().read(), "SyntaxError");

  // ------------------------------------------------------------ WritableStream
  const written = [];
  let wctrl;
  const ws = new WritableStream({
    start(c) { wctrl = c; },
    write(chunk, c) { ok("write gets the controller", c === wctrl); written.push(chunk); },
    close() { written.push("<closed>"); },
  }, new CountQueuingStrategy({ highWaterMark: 2 }));
  const writer = ws.getWriter();
  ok("writer class", writer instanceof WritableStreamDefaultWriter);
  ok("writable locked", ws.locked);
  throws("second writer", () => ws.getWriter(), "TypeError");
  eq("writer desiredSize = hwm", writer.desiredSize, 2);
  const w1 = writer.write("a");
  eq("desiredSize counts queued writes", writer.desiredSize, 1);
  await w1;
  await writer.write("b");
  await writer.close();
  eq("sink got writes then close", written, ["a", "b", "<closed>"]);
  eq("desiredSize 0 when closed", writer.desiredSize, 0);
  await rejects("write after close", writer.write("c"), "TypeError");
  eq("closed resolves", await writer.closed, undefined);
  ok("controller has an abort signal", wctrl.signal instanceof AbortSignal && !wctrl.signal.aborted);

  // backpressure: ready waits until the sink catches up
  let finishWrite;
  const order = [];
  const slowSink = new WritableStream({ write(chunk) { order.push(`write ${chunk}`); return new Promise((r) => { finishWrite = r; }); } });
  const slowWriter = slowSink.getWriter();
  await slowWriter.ready;
  slowWriter.write(1);
  let readyResolved = false;
  slowWriter.ready.then(() => { readyResolved = true; });
  await tick();
  ok("ready pends under backpressure", !readyResolved);
  eq("desiredSize negative under backpressure", slowWriter.desiredSize, 0);
  finishWrite();
  await tick();
  ok("ready resolves when the sink catches up", readyResolved);

  // a failing write errors the stream; later writes reject with that error
  const broken = new WritableStream({ write() { throw new RangeError("sink broke"); } }).getWriter();
  await rejects("failing write rejects", broken.write("x"), "RangeError");
  await rejects("later writes reject with the stored error", broken.write("y"), "RangeError");
  await rejects("closed rejects", broken.closed, "RangeError");
  eq("desiredSize null when errored", broken.desiredSize, null);

  // abort
  const aborts = [];
  let abortSignal;
  const abortable = new WritableStream({ start(c) { abortSignal = c.signal; }, abort(reason) { aborts.push(reason); } });
  const abortWriter = abortable.getWriter();
  await abortWriter.abort("stop");
  eq("sink abort got the reason", aborts, ["stop"]);
  ok("controller signal aborted", abortSignal.aborted && abortSignal.reason === "stop");
  await rejects("write after abort", abortWriter.write("x"));
  await rejects("closed rejects after abort", abortWriter.closed);
  await rejects("abort a locked stream", abortable.abort(), "TypeError");

  // controller.error
  const errorable = new WritableStream({ start(c) { wctrl = c; } });
  wctrl.error(new SyntaxError("ctrl"));
  await rejects("controller.error errors the stream", errorable.getWriter().write("x"), "SyntaxError");

  // releaseLock
  const releasable = new WritableStream();
  const rw = releasable.getWriter();
  rw.releaseLock();
  ok("unlocked after releaseLock", !releasable.locked);
  await rejects("write after releaseLock", rw.write("x"), "TypeError");
  throws("desiredSize after releaseLock", () => rw.desiredSize, "TypeError");
  await rejects("close while closing", (() => { const w = new WritableStream().getWriter(); w.close(); return w.close(); })(), "TypeError");

  // ------------------------------------------------------------ TransformStream
  const upper = new TransformStream({ transform(chunk, c) { c.enqueue(String(chunk).toUpperCase()); } });
  const upperWriter = upper.writable.getWriter();
  upperWriter.write("ab");
  upperWriter.write("cd");
  upperWriter.close();
  eq("transform", await readAll(upper.readable), ["AB", "CD"]);

  const identity = new TransformStream();
  const idWriter = identity.writable.getWriter();
  idWriter.write(1); idWriter.close();
  eq("identity transform", await readAll(identity.readable), [1]);

  const flushed = new TransformStream({
    start(c) { c.enqueue("start"); },
    transform(chunk, c) { c.enqueue(chunk * 2); c.enqueue(chunk * 3); },
    flush(c) { c.enqueue("flush"); },
  });
  const fw = flushed.writable.getWriter();
  fw.write(1); fw.close();
  eq("start, fan-out and flush", await readAll(flushed.readable), ["start", 2, 3, "flush"]);

  // (A write reaches transform() once the readable side is read: its
  // default highWaterMark is 0.)
  const throwing = new TransformStream({ transform() { throw new URIError("t"); } });
  const throwingRead = throwing.readable.getReader().read();
  const tw = throwing.writable.getWriter();
  await rejects("a throwing transform rejects the write", tw.write("x"), "URIError");
  await rejects("and errors the readable side", throwingRead, "URIError");

  const terminated = new TransformStream({ transform(chunk, c) { c.enqueue(chunk); c.terminate(); } });
  const termWriter = terminated.writable.getWriter();
  const termRead = readAll(terminated.readable);
  await termWriter.write("last");
  eq("terminate closes the readable side", await termRead, ["last"]);
  await rejects("terminate errors the writable side", termWriter.write("more"), "TypeError");

  const cancelledT = [];
  const ct = new TransformStream({ cancel(reason) { cancelledT.push(reason); } });
  await ct.readable.cancel("no more");
  eq("readable cancel reaches the transformer", cancelledT, ["no more"]);
  await rejects("and errors the writable side", ct.writable.getWriter().write("x"));
  throws("readableType is rejected", () => new TransformStream({ readableType: "bytes" }), "RangeError");

  // backpressure: with readable hwm 0 a write waits for a read
  const bp = new TransformStream();
  const bpWriter = bp.writable.getWriter();
  let bpWritten = false;
  bpWriter.write("x").then(() => { bpWritten = true; });
  await tick();
  ok("write waits for the reader (readable hwm 0)", !bpWritten);
  const bpReader = bp.readable.getReader();
  eq("reader gets the chunk", (await bpReader.read()).value, "x");
  await tick();
  ok("then the write completes", bpWritten);

  // ------------------------------------------------------------ pipeTo / pipeThrough
  const sink = [];
  await ReadableStream.from([1, 2, 3]).pipeTo(new WritableStream({ write(c) { sink.push(c); }, close() { sink.push("closed"); } }));
  eq("pipeTo writes everything then closes", sink, [1, 2, 3, "closed"]);

  const piped = ReadableStream.from(["a", "b"]).pipeThrough(new TransformStream({ transform(c, ctl) { ctl.enqueue(c + c); } }));
  eq("pipeThrough", await readAll(piped), ["aa", "bb"]);
  const chained = ReadableStream.from(["x"]).pipeThrough(new TransformStream()).pipeThrough(new TransformStream({ transform(c, ctl) { ctl.enqueue(c + "!"); } }));
  eq("chained pipeThrough", await readAll(chained), ["x!"]);

  const keepOpen = [];
  const openSink = new WritableStream({ write(c) { keepOpen.push(c); }, close() { keepOpen.push("closed"); } });
  await ReadableStream.from([1]).pipeTo(openSink, { preventClose: true });
  eq("preventClose leaves the destination open", keepOpen, [1]);
  ok("and unlocked", !openSink.locked);
  await openSink.getWriter().write(2);
  eq("still writable", keepOpen, [1, 2]);

  const aborted = [];
  const sourceError = new SyntaxError("source failed");
  await rejects("pipeTo rejects with the source's error",
    new ReadableStream({ start(c) { c.error(sourceError); } }).pipeTo(new WritableStream({ abort(r) { aborted.push(r); } })), "SyntaxError");
  ok("and aborts the destination with it", aborted[0] === sourceError);

  const srcCancelled = [];
  await rejects("pipeTo rejects with the destination's error",
    new ReadableStream({ pull(c) { c.enqueue(1); }, cancel(r) { srcCancelled.push(r.name); } })
      .pipeTo(new WritableStream({ write() { throw new EvalError("dest failed"); } })), "EvalError");
  eq("and cancels the source with it", srcCancelled, ["EvalError"]);

  const ac = new AbortController();
  const abortedSink = [];
  const endless = new ReadableStream({ pull(c) { c.enqueue("tick"); } });
  // (The sink paces the pipe: an endless source into an instant sink would
  // never let the timer below run, in any engine.)
  const abortedPipe = endless.pipeTo(new WritableStream({ write: tick, abort(r) { abortedSink.push(r); } }), { signal: ac.signal });
  await tick();
  ac.abort("enough");
  await rejects("pipeTo rejects when its signal aborts", abortedPipe);
  eq("the destination is aborted with the reason", abortedSink, ["enough"]);
  ok("the source is released", !endless.locked);
  await rejects("already-aborted signal", ReadableStream.from([1]).pipeTo(new WritableStream(), { signal: AbortSignal.abort("x") }));
  await rejects("pipeTo to a non-stream", ReadableStream.from([1]).pipeTo({}), "TypeError");
  await rejects("pipeTo with a bad signal", ReadableStream.from([1]).pipeTo(new WritableStream(), { signal: {} }), "TypeError");
  const lockedSrc = ReadableStream.from([1]);
  lockedSrc.getReader();
  await rejects("pipeTo from a locked stream", lockedSrc.pipeTo(new WritableStream()), "TypeError");
  throws("pipeThrough a locked stream", () => lockedSrc.pipeThrough(new TransformStream()), "TypeError");
  throws("pipeThrough a non-pair", () => ReadableStream.from([1]).pipeThrough({}), "TypeError");

  // ------------------------------------------------------------ encoding streams
  const enc = new TextEncoderStream();
  eq("TextEncoderStream encoding", enc.encoding, "utf-8");
  const encoded = ReadableStream.from(["h\u00e9", "\ud83d", "\ude00"]).pipeThrough(enc);
  const encChunks = await readAll(encoded);
  eq("TextEncoderStream joins a surrogate pair split across chunks",
    Array.from(new Uint8Array(encChunks.flatMap((c) => Array.from(c)))), [0x68, 0xc3, 0xa9, 0xf0, 0x9f, 0x98, 0x80]);
  const lone = await readAll(ReadableStream.from(["a\ud83d"]).pipeThrough(new TextEncoderStream()));
  eq("a lone high surrogate at the end becomes U+FFFD", Array.from(lone[lone.length - 1]), [0xef, 0xbf, 0xbd]);

  const euro = new TextEncoder().encode("\u20ac\u00e9!");
  const split = [euro.slice(0, 1), euro.slice(1, 4), euro.slice(4)];
  const decoded = await readAll(ReadableStream.from(split).pipeThrough(new TextDecoderStream()));
  eq("TextDecoderStream joins a character split across chunks", decoded.join(""), "\u20ac\u00e9!");
  const sjis = await readAll(ReadableStream.from([new Uint8Array([0x93]), new Uint8Array([0xfa, 0x96]), new Uint8Array([0x7b])])
    .pipeThrough(new TextDecoderStream("sjis")));
  eq("TextDecoderStream in a legacy encoding", sjis.join(""), "日本");
  const dec = new TextDecoderStream("utf-8", { fatal: true });
  eq("TextDecoderStream attributes", [dec.encoding, dec.fatal, dec.ignoreBOM], ["utf-8", true, false]);
  await rejects("fatal TextDecoderStream rejects bad bytes",
    readAll(ReadableStream.from([new Uint8Array([0xff])]).pipeThrough(dec)), "TypeError");
  await rejects("TextDecoderStream rejects non-buffer chunks",
    readAll(ReadableStream.from(["text"]).pipeThrough(new TextDecoderStream())), "TypeError");
  eq("a truncated character at the end is U+FFFD",
    (await readAll(ReadableStream.from([new Uint8Array([0x61, 0xe2, 0x82])]).pipeThrough(new TextDecoderStream()))).join(""), "a\ufffd");
  eq("a BOM is stripped only at the start",
    (await readAll(ReadableStream.from([new Uint8Array([0xef, 0xbb, 0xbf, 0x61]), new Uint8Array([0xef, 0xbb, 0xbf])]).pipeThrough(new TextDecoderStream()))).join(""), "a\ufeff");

  // TextDecoder's own stream option
  const td = new TextDecoder();
  eq("decode with stream keeps a partial character", td.decode(new Uint8Array([0xe2, 0x82]), { stream: true }), "");
  eq("and finishes it with the next chunk", td.decode(new Uint8Array([0xac])), "\u20ac");

  // ------------------------------------------------------------ streams as bodies
  const sse = new TransformStream();
  const sseWriter = sse.writable.getWriter();
  const encoderForSse = new TextEncoder();
  (async () => {
    for (const n of [1, 2]) await sseWriter.write(encoderForSse.encode(`data: ${n}\n\n`));
    await sseWriter.close();
  })();
  const sseResponse = new Response(sse.readable, { headers: { "content-type": "text/event-stream" } });
  eq("a TransformStream's readable as a Response body", await sseResponse.text(), "data: 1\n\ndata: 2\n\n");
  const ndjson = ReadableStream.from([{ a: 1 }, { b: 2 }])
    .pipeThrough(new TransformStream({ transform(o, c) { c.enqueue(JSON.stringify(o) + "\n"); } }))
    .pipeThrough(new TextEncoderStream());
  eq("an NDJSON pipeline as a body", await new Response(ndjson).text(), "{\"a\":1}\n{\"b\":2}\n");
  const bodyText = await new Response("h\u00e9llo").body.pipeThrough(new TextDecoderStream()).getReader().read();
  eq("a body piped through TextDecoderStream", bodyText.value, "h\u00e9llo");
});
