// Byte streams and BYOB readers, checked against the WHATWG Streams spec's
// algorithms (ReadableByteStreamController*, ReadableStreamBYOBReader*): the
// cases below are the spec's edge cases (element sizes, `min`, close with a
// pending read, release with a pending read, respond/respondWithNewView
// validation, detached buffers, tee).
import { eq, ok, throws, rejects, suite } from "./harness.js";

const bytes = (...b) => new Uint8Array(b);
const arr = (view) => Array.from(new Uint8Array(view.buffer, view.byteOffset, view.byteLength));
const tick = () => new Promise((r) => setTimeout(r, 0));

// A byte source whose controller the test drives.
function driven(extra = {}, strategy) {
  let controller;
  const calls = { pull: 0, cancel: [] };
  const stream = new ReadableStream({
    type: "bytes",
    start(c) { controller = c; },
    pull() { calls.pull++; },
    cancel(reason) { calls.cancel.push(reason); },
    ...extra,
  }, strategy);
  return { stream, controller: () => controller, calls };
}

export default suite(async (request) => {
  // ------------------------------------------------------------ construction
  const d0 = driven();
  ok("the controller is a ReadableByteStreamController", d0.controller() instanceof ReadableByteStreamController);
  eq("highWaterMark defaults to 0", d0.controller().desiredSize, 0);
  eq("highWaterMark from the strategy", driven({}, { highWaterMark: 16 }).controller().desiredSize, 16);
  throws("a size function is a RangeError", () => new ReadableStream({ type: "bytes" }, { size() { return 1; } }), "RangeError");
  throws("autoAllocateChunkSize 0", () => new ReadableStream({ type: "bytes", autoAllocateChunkSize: 0 }), "TypeError");
  throws("autoAllocateChunkSize negative", () => new ReadableStream({ type: "bytes", autoAllocateChunkSize: -1 }), "TypeError");
  throws("the controller cannot be constructed", () => new ReadableByteStreamController(), "TypeError");
  throws("nor a BYOB request", () => new ReadableStreamBYOBRequest(), "TypeError");
  throws("a BYOB reader needs a byte stream", () => new ReadableStreamBYOBReader(new ReadableStream()), "TypeError");
  ok("getReader({mode: 'byob'}) on a byte stream", driven().stream.getReader({ mode: "byob" }) instanceof ReadableStreamBYOBReader);
  const lockedBytes = driven().stream;
  lockedBytes.getReader();
  throws("a BYOB reader on a locked stream", () => new ReadableStreamBYOBReader(lockedBytes), "TypeError");

  // ------------------------------------------------------------ enqueue
  {
    const { stream, controller } = driven();
    const c = controller();
    throws("enqueue of a non-view", () => c.enqueue([1, 2]), "TypeError");
    throws("enqueue of an empty view", () => c.enqueue(new Uint8Array(0)), "TypeError");
    const chunk = bytes(1, 2, 3);
    c.enqueue(chunk);
    eq("an enqueued chunk's buffer is transferred", chunk.buffer.byteLength, 0);
    throws("enqueue of a detached view", () => c.enqueue(chunk), "TypeError");
    eq("desiredSize counts queued bytes", c.desiredSize, -3);
    const reader = stream.getReader();
    const r1 = await reader.read();
    ok("a default read gives a Uint8Array", r1.value instanceof Uint8Array);
    eq("with the enqueued bytes", arr(r1.value), [1, 2, 3]);
    c.enqueue(new Uint16Array([0x0201]));
    eq("any view type is read as bytes", arr((await reader.read()).value), [1, 2]);
    c.close();
    throws("close twice", () => c.close(), "TypeError");
    throws("enqueue after close", () => c.enqueue(bytes(1)), "TypeError");
    eq("done after close", (await reader.read()).done, true);
  }

  // ------------------------------------------------------------ BYOB reads answered by the source
  {
    let seen;
    const stream = new ReadableStream({
      type: "bytes",
      pull(c) {
        const req = c.byobRequest;
        seen = { length: req.view.byteLength, offset: req.view.byteOffset, type: req.view.constructor.name };
        req.view[0] = 7; req.view[1] = 8;
        req.respond(2);
        eq("the request is spent after respond", c.byobRequest, null);
      },
    });
    const reader = stream.getReader({ mode: "byob" });
    const mine = new Uint8Array(8);
    const { value, done } = await reader.read(mine);
    eq("the source saw a view of the reader's buffer", seen, { length: 8, offset: 0, type: "Uint8Array" });
    eq("not done", done, false);
    eq("the read gives the bytes written", arr(value), [7, 8]);
    eq("over the same (transferred) memory", value.buffer.byteLength, 8);
    eq("the reader's buffer is detached", mine.byteLength, 0);
    const dv = await reader.read(new DataView(new ArrayBuffer(4)));
    ok("a DataView read gives a DataView", dv.value instanceof DataView);
    eq("of the bytes written", [dv.value.getUint8(0), dv.value.getUint8(1), dv.value.byteLength], [7, 8, 2]);
  }

  // ------------------------------------------------------------ BYOB reads from the queue
  {
    const { stream, controller } = driven();
    const c = controller();
    c.enqueue(bytes(1, 2, 3));
    const reader = stream.getReader({ mode: "byob" });
    const a = await reader.read(new Uint8Array(2));
    eq("a smaller view takes part of a queued chunk", arr(a.value), [1, 2]);
    const b = await reader.read(new Uint8Array(4));
    eq("and the rest is left for the next", arr(b.value), [3]);
    c.enqueue(bytes(1, 2, 3));
    const u16 = await reader.read(new Uint16Array(2));
    ok("a Uint16Array read gives a Uint16Array", u16.value instanceof Uint16Array);
    eq("only whole elements are given", u16.value.length, 1);
    eq("the odd byte stays queued", arr((await reader.read(new Uint8Array(4))).value), [3]);
  }

  // ------------------------------------------------------------ enqueue into a pending BYOB read
  {
    const { stream, controller } = driven();
    const reader = stream.getReader({ mode: "byob" });
    const pending = reader.read(new Uint8Array(4));
    await tick();
    const c = controller();
    ok("a pending BYOB read shows as byobRequest", c.byobRequest instanceof ReadableStreamBYOBRequest);
    eq("its view is the reader's", c.byobRequest.view.byteLength, 4);
    c.enqueue(bytes(9, 8));
    eq("an enqueue fills the pending read", arr((await pending).value), [9, 8]);
    eq("and spends the request", c.byobRequest, null);
  }

  // ------------------------------------------------------------ min
  {
    const { stream, controller } = driven();
    const reader = stream.getReader({ mode: "byob" });
    let settled = false;
    const pending = reader.read(new Uint8Array(4), { min: 4 }).then((r) => { settled = true; return r; });
    const c = controller();
    c.enqueue(bytes(1, 2));
    await tick();
    eq("a read with min waits for min bytes", settled, false);
    c.enqueue(bytes(3, 4, 5));
    eq("and then gives them", arr((await pending).value), [1, 2, 3, 4]);
    eq("the surplus stays queued", arr((await reader.read(new Uint8Array(4))).value), [5]);
    await rejects("min 0", reader.read(new Uint8Array(4), { min: 0 }), "TypeError");
    await rejects("min beyond the view's elements", reader.read(new Uint16Array(2), { min: 3 }), "RangeError");
    await rejects("min that is not a number", reader.read(new Uint8Array(2), { min: "x" }), "TypeError");
    await rejects("an empty view", reader.read(new Uint8Array(0)), "TypeError");
    await rejects("not a view", reader.read(new ArrayBuffer(4)), "TypeError");
    const detached = new Uint8Array(4);
    detached.buffer.transfer();
    await rejects("a detached view", reader.read(detached), "TypeError");
  }

  // ------------------------------------------------------------ close
  {
    const { stream, controller } = driven();
    const c = controller();
    c.enqueue(bytes(1));
    c.close();
    const reader = stream.getReader({ mode: "byob" });
    eq("queued bytes are read after close", arr((await reader.read(new Uint8Array(2))).value), [1]);
    const end = await reader.read(new Uint8Array(2));
    eq("then done", end.done, true);
    ok("with an empty view of the given type", end.value instanceof Uint8Array && end.value.byteLength === 0);
    eq("over the transferred buffer", end.value.buffer.byteLength, 2);
  }
  {
    const { stream, controller } = driven();
    const reader = stream.getReader({ mode: "byob" });
    const pending = reader.read(new Uint8Array(4));
    await tick();
    const c = controller();
    const req = c.byobRequest;
    c.close();
    throws("respond with bytes after close", () => req.respond(1), "TypeError");
    req.respond(0);
    const r = await pending;
    eq("close then respond(0) ends a pending read", [r.done, r.value.byteLength], [true, 0]);
    await reader.closed;
    ok("and closes the reader", true);
  }
  {
    const { stream, controller } = driven();
    const reader = stream.getReader({ mode: "byob" });
    const pending = reader.read(new Uint16Array(2));
    await tick();
    const c = controller();
    c.byobRequest.view[0] = 1;
    c.byobRequest.respond(1);
    throws("close with half an element filled", () => c.close(), "TypeError");
    await rejects("errors the stream", pending, "TypeError");
  }
  {
    const { stream, controller } = driven();
    const c = controller();
    c.enqueue(bytes(1));
    c.close();
    const reader = stream.getReader({ mode: "byob" });
    await rejects("a Uint16 read of one byte left at close", reader.read(new Uint16Array(1)), "TypeError");
  }

  // ------------------------------------------------------------ respond / respondWithNewView validation
  {
    const { stream, controller } = driven();
    const reader = stream.getReader({ mode: "byob" });
    const pending = reader.read(new Uint8Array(4));
    await tick();
    const c = controller();
    const req = c.byobRequest;
    ok("byobRequest is the same object while pending", c.byobRequest === req);
    throws("respond(0) while readable", () => req.respond(0), "TypeError");
    throws("respond beyond the view", () => req.respond(5), "RangeError");
    throws("respond(-1)", () => req.respond(-1), "TypeError");
    throws("respondWithNewView of a non-view", () => req.respondWithNewView(new ArrayBuffer(1)), "TypeError");
    throws("respondWithNewView at another offset", () => req.respondWithNewView(new Uint8Array(req.view.buffer, 1, 2)), "RangeError");
    throws("respondWithNewView over a buffer of another length", () => req.respondWithNewView(new Uint8Array(8)), "RangeError");
    const view = new Uint8Array(req.view.buffer, 0, 3);
    view.set([4, 5, 6]);
    req.respondWithNewView(view);
    eq("respondWithNewView gives its bytes", arr((await pending).value), [4, 5, 6]);
    throws("a spent request cannot respond", () => req.respond(1), "TypeError");
    eq("and has no view", req.view, null);
  }

  // ------------------------------------------------------------ autoAllocateChunkSize
  {
    let sizes = [];
    const stream = new ReadableStream({
      type: "bytes",
      autoAllocateChunkSize: 16,
      pull(c) {
        const req = c.byobRequest;
        sizes.push(req.view.byteLength);
        req.view.set([1, 2, 3]);
        req.respond(3);
      },
    });
    const r = await stream.getReader().read();
    eq("a default read of an auto-allocating stream gives what was written", arr(r.value), [1, 2, 3]);
    eq("into a buffer of autoAllocateChunkSize", [sizes, r.value.buffer.byteLength], [[16], 16]);
  }

  // ------------------------------------------------------------ release, cancel, error with a pending read
  {
    const { stream, controller } = driven();
    const reader = stream.getReader({ mode: "byob" });
    const pending = reader.read(new Uint8Array(4));
    await tick();
    const c = controller();
    const req = c.byobRequest;
    req.view.set([1, 2]);
    reader.releaseLock();
    await rejects("releaseLock rejects a pending BYOB read", pending, "TypeError");
    await rejects("and the closed promise", reader.closed, "TypeError");
    req.respond(2);
    eq("bytes written after the release are queued for the next reader", arr((await stream.getReader().read()).value), [1, 2]);
  }
  {
    const { stream, calls } = driven();
    const reader = stream.getReader({ mode: "byob" });
    const pending = reader.read(new Uint8Array(4));
    await tick();
    await reader.cancel("why");
    const r = await pending;
    eq("cancel ends a pending BYOB read", [r.done, r.value], [true, undefined]);
    eq("and reaches the source", calls.cancel, ["why"]);
  }
  {
    const { stream, controller } = driven();
    const reader = stream.getReader({ mode: "byob" });
    const pending = reader.read(new Uint8Array(4));
    await tick();
    const boom = new Error("boom");
    controller().error(boom);
    try { await pending; ok("error rejects a pending BYOB read", false); } catch (e) { ok("error rejects a pending BYOB read", e === boom); }
    eq("byobRequest is gone after an error", controller().byobRequest, null);
    eq("desiredSize is null", controller().desiredSize, null);
  }
  {
    let pulls = 0;
    const stream = new ReadableStream({ type: "bytes", pull() { pulls++; } });
    const reader = stream.getReader({ mode: "byob" });
    reader.read(new Uint8Array(1));
    await tick();
    eq("pull is called for a pending BYOB read", pulls, 1);
  }

  // ------------------------------------------------------------ tee, pipes and iteration
  {
    const { stream, controller } = driven();
    const [a, b] = stream.tee();
    const c = controller();
    c.enqueue(bytes(1, 2, 3));
    c.close();
    const ra = a.getReader({ mode: "byob" });
    const x = await ra.read(new Uint8Array(2));
    const y = await b.getReader().read();
    eq("a byte stream's tee branches take BYOB readers", arr(x.value), [1, 2]);
    eq("and both see the bytes", arr(y.value), [1, 2, 3]);
    ok("in different buffers", x.value.buffer !== y.value.buffer);
    eq("the first branch keeps the rest", arr((await ra.read(new Uint8Array(2))).value), [3]);
    eq("then ends", (await ra.read(new Uint8Array(2))).done, true);
  }
  {
    const { stream, controller } = driven();
    const c = controller();
    c.enqueue(bytes(104, 105));
    c.close();
    eq("a byte stream pipes through TextDecoderStream",
      (await stream.pipeThrough(new TextDecoderStream()).getReader().read()).value, "hi");
    const { stream: s2, controller: c2 } = driven();
    c2().enqueue(bytes(1));
    c2().enqueue(bytes(2, 3));
    c2().close();
    const got = [];
    for await (const chunk of s2) got.push(...chunk);
    eq("a byte stream is async iterable", got, [1, 2, 3]);
  }

  // ------------------------------------------------------------ bodies are byte streams, as in workerd
  {
    const body = new Response("hello world").body;
    const reader = body.getReader({ mode: "byob" });
    const parts = [];
    for (;;) {
      const { value, done } = await reader.read(new Uint8Array(4));
      if (done) break;
      parts.push(new TextDecoder().decode(value));
    }
    eq("a Response body is read with a BYOB reader", parts, ["hell", "o wo", "rld"]);
    const blob = new Blob(["abc"]);
    const viaBlob = await new Response(blob).body.getReader({ mode: "byob" }).read(new Uint8Array(8));
    eq("a Blob body too", new TextDecoder().decode(viaBlob.value), "abc");
    eq("and the Blob is intact afterwards", await blob.text(), "abc");
    const [t1, t2] = new Response("tee").body.tee();
    eq("a body's tee branches are byte streams",
      new TextDecoder().decode((await t1.getReader({ mode: "byob" }).read(new Uint8Array(8))).value), "tee");
    eq("both", await new Response(t2).text(), "tee");
  }
  if (request.method === "POST") {
    const reader = request.body.getReader({ mode: "byob" });
    // (One check for all the reads: how many there are depends on how the
    // host hands the body over, and each suite's number of checks is fixed.)
    const sizes = [];
    for (;;) {
      const { value, done } = await reader.read(new Uint8Array(1000));
      if (done) break;
      sizes.push(value.byteLength);
    }
    ok("each BYOB read of the request body fits the view", sizes.every((n) => n > 0 && n <= 1000));
    eq("the request body read with a BYOB reader", sizes.reduce((a, n) => a + n, 0), 5000);
    ok("in several reads", sizes.length >= 5);
  }
});
