// isolet's WHATWG Streams (https://streams.spec.whatwg.org/): ReadableStream
// with its default controller and reader, WritableStream, TransformStream,
// its byte controller and BYOB reader, the queuing strategies, TextEncoderStream and TextDecoderStream; and the
// Workers runtime's IdentityTransformStream and FixedLengthStream.
//
// The algorithms follow the spec's, named after it (ReadableStreamClose,
// WritableStreamStartErroring, ...), byte streams (`type: "bytes"`) and
// BYOB readers included.
//
// Evaluated at build time after the prelude (js/prelude/); this script
// evaluates to a function that takes the engine's internal `lib` object,
// defines the globals and hands the prelude what it needs (lib.useStreams
// for prelude/http.js's bodies; lib.ReadableStream, lib.collectStream and
// lib.bodyReader). It uses events.js's `lib.AbortController` and
// `lib.AbortSignal`, and prelude/encoding.js's `lib.TextDecoder` and
// `lib.bufferBytes`.
(function (lib) {
  "use strict";

  const define = (name, value) =>
    Object.defineProperty(globalThis, name, { value, writable: true, configurable: true, enumerable: false });
  const resolved = (v) => Promise.resolve(v);
  const rejected = (e) => Promise.reject(e);
  const handled = (p) => { p.then(undefined, () => {}); return p; };
  // Calls an underlying source/sink method; its result or throw as a promise.
  function promiseCall(fn, self, ...args) {
    if (fn === undefined) return resolved(undefined);
    try { return resolved(fn.apply(self, args)); } catch (e) { return rejected(e); }
  }
  function method(obj, name) {
    const fn = obj[name];
    if (fn !== undefined && typeof fn !== "function") throw new TypeError(`${name} must be a function`);
    return fn;
  }
  function deferred() {
    const d = { state: "pending" };
    d.promise = new Promise((res, rej) => {
      d.resolve = (v) => { if (d.state === "pending") { d.state = "fulfilled"; res(v); } };
      d.reject = (e) => { if (d.state === "pending") { d.state = "rejected"; rej(e); } };
    });
    return d;
  }
  const illegal = Symbol("internal");

  // ---------------------------------------------------------------- queuing strategies
  function extractHighWaterMark(strategy, dflt) {
    const hwm = strategy === undefined ? undefined : strategy.highWaterMark;
    if (hwm === undefined) return dflt;
    const n = Number(hwm);
    if (Number.isNaN(n) || n < 0) throw new RangeError("highWaterMark must be a non-negative number");
    return n;
  }
  function extractSizeAlgorithm(strategy) {
    const size = strategy === undefined ? undefined : strategy.size;
    if (size === undefined) return () => 1;
    if (typeof size !== "function") throw new TypeError("size must be a function");
    return (chunk) => size(chunk);
  }
  function strategyInit(init, name) {
    if (init === null || typeof init !== "object") throw new TypeError(`${name} needs an object with highWaterMark`);
    if (init.highWaterMark === undefined) throw new TypeError(`${name}: highWaterMark is required`);
    return Number(init.highWaterMark);
  }
  const countSize = function size() { return 1; };
  const byteLengthSize = function size(chunk) { return chunk.byteLength; };
  class CountQueuingStrategy {
    #hwm;
    constructor(init) { this.#hwm = strategyInit(init, "CountQueuingStrategy"); }
    get highWaterMark() { return this.#hwm; }
    get size() { return countSize; }
  }
  class ByteLengthQueuingStrategy {
    #hwm;
    constructor(init) { this.#hwm = strategyInit(init, "ByteLengthQueuingStrategy"); }
    get highWaterMark() { return this.#hwm; }
    get size() { return byteLengthSize; }
  }
  define("CountQueuingStrategy", CountQueuingStrategy);
  define("ByteLengthQueuingStrategy", ByteLengthQueuingStrategy);

  // A queue with sizes (the spec's "queue-with-sizes").
  function enqueueValueWithSize(c, value, size) {
    const n = Number(size);
    if (!(n >= 0) || n === Infinity) throw new RangeError("The chunk size must be a finite, non-negative number");
    c.queue.push({ value, size: n });
    c.queueTotalSize += n;
  }
  function dequeueValue(c) {
    const pair = c.queue.shift();
    c.queueTotalSize = Math.max(0, c.queueTotalSize - pair.size);
    return pair.value;
  }
  function resetQueue(c) { c.queue = []; c.queueTotalSize = 0; }

  // ---------------------------------------------------------------- ReadableStream
  // Internal state of a ReadableStream (the spec's internal slots).
  function newReadableState() {
    return { state: "readable", storedError: undefined, reader: undefined, disturbed: false, controller: undefined };
  }
  let readableOf; // (ReadableStream) => its internal state

  class ReadableStreamDefaultController {
    #c;
    constructor(key, c) {
      if (key !== illegal) throw new TypeError("Illegal constructor");
      this.#c = c;
    }
    get desiredSize() { return readableDesiredSize(this.#c); }
    close() {
      if (!canCloseOrEnqueue(this.#c)) throw new TypeError("The stream is not in a state that permits close");
      readableControllerClose(this.#c);
    }
    enqueue(chunk) {
      if (!canCloseOrEnqueue(this.#c)) throw new TypeError("The stream is not in a state that permits enqueue");
      readableControllerEnqueue(this.#c, chunk);
    }
    error(e) { readableControllerError(this.#c, e); }
  }

  function setUpReadableController(stream, r, start, pull, cancel, hwm, size) {
    const c = {
      stream, r, queue: [], queueTotalSize: 0, started: false, closeRequested: false,
      pullAgain: false, pulling: false, hwm, size, pull, cancel, api: undefined,
    };
    c.api = new ReadableStreamDefaultController(illegal, c);
    return startController(r, c, start);
  }
  // The common end of both controllers' set-up: runs `start`, then pulls.
  function startController(r, c, start) {
    r.controller = c;
    const startResult = start(c);
    resolved(startResult).then(
      () => { c.started = true; callPullIfNeeded(c); },
      (e) => readableControllerError(c, e),
    );
    return c;
  }
  function readableDesiredSize(c) {
    const s = c.r.state;
    if (s === "errored") return null;
    if (s === "closed") return 0;
    return c.hwm - c.queueTotalSize;
  }
  function canCloseOrEnqueue(c) { return !c.closeRequested && c.r.state === "readable"; }
  function clearReadableAlgorithms(c) { c.pull = undefined; c.cancel = undefined; c.size = undefined; }
  function shouldCallPull(c) {
    if (!canCloseOrEnqueue(c) || !c.started) return false;
    const reader = c.r.reader;
    if (reader !== undefined && reader.requests.length > 0) return true;
    return readableDesiredSize(c) > 0;
  }
  function callPullIfNeeded(c) {
    if (!shouldCallPull(c)) return;
    if (c.pulling) { c.pullAgain = true; return; }
    c.pulling = true;
    c.pull(c).then(
      () => {
        c.pulling = false;
        if (c.pullAgain) { c.pullAgain = false; callPullIfNeeded(c); }
      },
      (e) => readableControllerError(c, e),
    );
  }
  function readableControllerClose(c) {
    if (!canCloseOrEnqueue(c)) return;
    c.closeRequested = true;
    if (c.queue.length === 0) { clearReadableAlgorithms(c); readableStreamClose(c.r); }
  }
  function readableControllerEnqueue(c, chunk) {
    if (!canCloseOrEnqueue(c)) return;
    const reader = c.r.reader;
    if (reader !== undefined && reader.requests.length > 0) {
      reader.requests.shift().chunk(chunk);
    } else {
      let size;
      try { size = c.size(chunk); } catch (e) { readableControllerError(c, e); throw e; }
      try { enqueueValueWithSize(c, chunk, size); } catch (e) { readableControllerError(c, e); throw e; }
    }
    callPullIfNeeded(c);
  }
  function readableControllerError(c, e) {
    if (c.r.state !== "readable") return;
    if (c.byte) clearPendingPullIntos(c);
    resetQueue(c);
    clearReadableAlgorithms(c);
    readableStreamError(c.r, e);
  }
  // [[PullSteps]]
  function readableControllerPull(c, request) {
    if (c.byte) { bytePullSteps(c, request); return; }
    if (c.queue.length > 0) {
      const chunk = dequeueValue(c);
      if (c.closeRequested && c.queue.length === 0) { clearReadableAlgorithms(c); readableStreamClose(c.r); }
      else callPullIfNeeded(c);
      request.chunk(chunk);
    } else {
      c.r.reader.requests.push(request);
      callPullIfNeeded(c);
    }
  }
  function readableStreamCancel(r, reason) {
    r.disturbed = true;
    if (r.state === "closed") return resolved(undefined);
    if (r.state === "errored") return rejected(r.storedError);
    readableStreamClose(r);
    const reader = r.reader;
    if (reader !== undefined && reader.byob) {
      const requests = reader.requests;
      reader.requests = [];
      for (const req of requests) req.close(undefined);
    }
    const c = r.controller;
    if (c.byte) clearPendingPullIntos(c);
    resetQueue(c);
    const cancel = c.cancel;
    clearReadableAlgorithms(c);
    return (cancel ? cancel(reason) : resolved(undefined)).then(() => undefined);
  }
  function readableStreamClose(r) {
    r.state = "closed";
    const reader = r.reader;
    if (reader === undefined) return;
    reader.closed.resolve(undefined);
    if (reader.byob) return; // its read-into requests are the byte controller's to answer
    const requests = reader.requests;
    reader.requests = [];
    for (const req of requests) req.close();
  }
  function readableStreamError(r, e) {
    r.state = "errored";
    r.storedError = e;
    const reader = r.reader;
    if (reader === undefined) return;
    reader.closed.reject(e);
    handled(reader.closed.promise);
    const requests = reader.requests;
    reader.requests = [];
    for (const req of requests) req.error(e);
  }

  // Reader internals: { stream (state), requests, closed (deferred), api }.
  function acquireReader(r) {
    if (r.reader !== undefined) throw new TypeError("ReadableStream is locked to a reader");
    const reader = { r, requests: [], closed: deferred(), api: undefined };
    r.reader = reader;
    if (r.state === "closed") reader.closed.resolve(undefined);
    else if (r.state === "errored") { reader.closed.reject(r.storedError); handled(reader.closed.promise); }
    return reader;
  }
  function readerRead(reader, request) {
    const r = reader.r;
    r.disturbed = true;
    if (r.state === "closed") request.close();
    else if (r.state === "errored") request.error(r.storedError);
    else readableControllerPull(r.controller, request);
  }
  function readerReadPromise(reader) {
    return new Promise((resolve, reject) => readerRead(reader, {
      chunk: (value) => resolve({ value, done: false }),
      close: () => resolve({ value: undefined, done: true }),
      error: reject,
    }));
  }
  function readerRelease(reader) {
    const r = reader.r;
    const e = new TypeError("This reader was released");
    if (r.state === "readable") reader.closed.reject(e);
    else { reader.closed = deferred(); reader.closed.reject(e); }
    handled(reader.closed.promise);
    const requests = reader.requests;
    reader.requests = [];
    for (const req of requests) req.error(e);
    if (r.controller.byte) byteReleaseSteps(r.controller);
    r.reader = undefined;
    reader.r = undefined;
  }

  let readerOf; // (ReadableStreamDefaultReader) => its internals
  class ReadableStreamDefaultReader {
    #i;
    constructor(stream) {
      if (!(stream instanceof ReadableStream)) throw new TypeError("ReadableStreamDefaultReader needs a ReadableStream");
      this.#i = acquireReader(readableOf(stream));
      this.#i.api = this;
    }
    static { readerOf = (x) => x.#i; }
    get closed() { return this.#i.closed.promise; }
    read() {
      const i = this.#i;
      if (i.r === undefined) return rejected(new TypeError("This reader was released"));
      return readerReadPromise(i);
    }
    cancel(reason) {
      const i = this.#i;
      if (i.r === undefined) return rejected(new TypeError("This reader was released"));
      return readableStreamCancel(i.r, reason);
    }
    releaseLock() { if (this.#i.r !== undefined) readerRelease(this.#i); }
  }

  class ReadableStream {
    #r;
    constructor(source, strategy) {
      this.#r = newReadableState();
      // isolet's own streams (createReadableStream): set up from algorithms.
      if (source === illegal) { strategy(this, this.#r); return; }
      if (source === null) throw new TypeError("The underlying source must be an object");
      source = source === undefined ? {} : source;
      strategy = strategy === undefined ? {} : strategy;
      const type = source.type;
      if (type !== undefined && String(type) !== "bytes") throw new TypeError(`Invalid stream type ${type}`);
      const start = method(source, "start"), pull = method(source, "pull"), cancel = method(source, "cancel");
      if (type !== undefined) {
        if (strategy.size !== undefined) throw new RangeError("A byte stream's strategy cannot have a size");
        const hwm = extractHighWaterMark(strategy, 0);
        let autoAllocate = source.autoAllocateChunkSize;
        if (autoAllocate !== undefined) {
          autoAllocate = enforceRange(autoAllocate, "autoAllocateChunkSize");
          if (autoAllocate === 0) throw new TypeError("autoAllocateChunkSize must be greater than 0");
        }
        setUpByteController(this, this.#r,
          (c) => (start === undefined ? undefined : start.call(source, c.api)),
          (c) => promiseCall(pull, source, c.api),
          (reason) => promiseCall(cancel, source, reason),
          hwm, autoAllocate);
        return;
      }
      const size = extractSizeAlgorithm(strategy);
      const hwm = extractHighWaterMark(strategy, 1);
      setUpReadableController(this, this.#r,
        (c) => (start === undefined ? undefined : start.call(source, c.api)),
        (c) => promiseCall(pull, source, c.api),
        (reason) => promiseCall(cancel, source, reason),
        hwm, size);
    }
    static { readableOf = (s) => s.#r; }
    static from(asyncIterable) {
      if (asyncIterable instanceof ReadableStream) return asyncIterable;
      let method_ = asyncIterable == null ? undefined : asyncIterable[Symbol.asyncIterator];
      let iterator;
      if (method_ == null) {
        const sync = asyncIterable == null ? undefined : asyncIterable[Symbol.iterator];
        if (typeof sync !== "function") throw new TypeError("ReadableStream.from needs an iterable or async iterable");
        const it = sync.call(asyncIterable);
        iterator = {
          next: () => { const res = it.next(); return resolved(res.value).then((value) => ({ value, done: res.done })); },
          return: (v) => (typeof it.return === "function" ? resolved(it.return(v)) : resolved({ done: true, value: v })),
        };
      } else {
        iterator = method_.call(asyncIterable);
        if (iterator === null || typeof iterator !== "object") throw new TypeError("The async iterator is not an object");
      }
      return createReadableStream(
        () => undefined,
        (c) => resolved(iterator.next()).then((res) => {
          if (res === null || typeof res !== "object") throw new TypeError("The iterator result is not an object");
          if (res.done) readableControllerClose(c);
          else readableControllerEnqueue(c, res.value);
        }),
        (reason) => {
          let ret;
          try { ret = iterator.return; } catch (e) { return rejected(e); }
          if (ret === undefined || ret === null) return resolved(undefined);
          return promiseCall(ret, iterator, reason).then((res) => {
            if (res === null || typeof res !== "object") throw new TypeError("The iterator's return() result is not an object");
          });
        },
        0);
    }
    get locked() { return this.#r.reader !== undefined; }
    cancel(reason) {
      if (this.#r.reader !== undefined) return rejected(new TypeError("Cannot cancel a locked ReadableStream"));
      return readableStreamCancel(this.#r, reason);
    }
    getReader(options) {
      const mode = options === undefined || options === null ? undefined : options.mode;
      if (mode !== undefined) {
        if (String(mode) === "byob") return new ReadableStreamBYOBReader(this);
        throw new TypeError(`Invalid reader mode ${mode}`);
      }
      return new ReadableStreamDefaultReader(this);
    }
    pipeThrough(transform, options) {
      if (transform === null || typeof transform !== "object") throw new TypeError("pipeThrough needs a { writable, readable } pair");
      const { writable, readable } = transform;
      if (!(writable instanceof WritableStream)) throw new TypeError("pipeThrough: writable must be a WritableStream");
      if (!(readable instanceof ReadableStream)) throw new TypeError("pipeThrough: readable must be a ReadableStream");
      if (this.locked) throw new TypeError("Cannot pipe a locked ReadableStream");
      if (writable.locked) throw new TypeError("Cannot pipe to a locked WritableStream");
      handled(pipeTo(this.#r, writableOf(writable), pipeOptions(options)));
      return readable;
    }
    pipeTo(destination, options) {
      if (!(destination instanceof WritableStream)) return rejected(new TypeError("pipeTo needs a WritableStream"));
      let opts;
      try { opts = pipeOptions(options); } catch (e) { return rejected(e); }
      if (this.locked) return rejected(new TypeError("Cannot pipe a locked ReadableStream"));
      if (destination.locked) return rejected(new TypeError("Cannot pipe to a locked WritableStream"));
      return pipeTo(this.#r, writableOf(destination), opts);
    }
    tee() { return readableTee(this.#r); }
    values(options) {
      const preventCancel = !!(options !== undefined && options !== null && options.preventCancel);
      const reader = acquireReader(this.#r);
      let ongoing;
      let finished = false;
      const next = () => {
        if (finished) return resolved({ value: undefined, done: true });
        return readerReadPromise(reader).then(
          (res) => { if (res.done) { finished = true; readerRelease(reader); } return res; },
          (e) => { finished = true; readerRelease(reader); throw e; },
        );
      };
      const ret = (value) => {
        if (finished) return resolved({ value, done: true });
        finished = true;
        if (reader.r === undefined) return resolved({ value, done: true });
        if (!preventCancel) {
          const r = reader.r;
          const result = readableStreamCancel(r, value);
          readerRelease(reader);
          return result.then(() => ({ value, done: true }));
        }
        readerRelease(reader);
        return resolved({ value, done: true });
      };
      // Like the spec's async iterator: steps queue behind an unsettled one,
      // and run at once otherwise (so `break` in for-await releases the
      // stream before the loop's next statement).
      const chain = (step) => {
        const p = ongoing ? ongoing.then(step, step) : step();
        const settled = () => { if (ongoing === p) ongoing = undefined; };
        p.then(settled, settled);
        ongoing = p;
        return p;
      };
      return Object.setPrototypeOf({
        next() { return chain(next); },
        return(value) { return chain(() => ret(value)); },
      }, AsyncIteratorPrototype);
    }
    [Symbol.asyncIterator](options) { return this.values(options); }
  }
  const AsyncIteratorPrototype = Object.getPrototypeOf(Object.getPrototypeOf(async function* () {}).prototype);
  define("ReadableStream", ReadableStream);
  define("ReadableStreamDefaultReader", ReadableStreamDefaultReader);
  define("ReadableStreamDefaultController", ReadableStreamDefaultController);

  // A ReadableStream from algorithms that get the internal controller record
  // (the spec's CreateReadableStream).
  function createReadableStream(start, pull, cancel, hwm = 1, size = () => 1) {
    return new ReadableStream(illegal, (stream, r) => setUpReadableController(stream, r, start, pull, cancel, hwm, size));
  }

  // Closing and enqueueing into a branch or an isolet stream of either kind.
  function controllerClose(c) {
    if (!c.byte) { readableControllerClose(c); return; }
    byteControllerClose(c);
    if (c.pendingPullIntos.length > 0) byteRespond(c, 0);
  }
  function controllerEnqueue(c, chunk) {
    if (c.byte) byteControllerEnqueue(c, chunk, false);
    else readableControllerEnqueue(c, chunk);
  }

  // ReadableStreamTee: a byte stream's branches are byte streams, and the
  // second gets a copy of each chunk.
  function readableTee(r) {
    const bytes = r.controller.byte === true;
    const reader = acquireReader(r);
    let reading = false, readAgain = false, canceled1 = false, canceled2 = false;
    let reason1, reason2, c1, c2;
    const cancelPromise = deferred();
    const pull = () => {
      if (reading) { readAgain = true; return resolved(undefined); }
      reading = true;
      readerRead(reader, {
        chunk: (chunk) => resolved(undefined).then(() => {
          readAgain = false;
          const chunk2 = bytes && !canceled1 ? new Uint8Array(chunk) : chunk;
          if (!canceled1) controllerEnqueue(c1, chunk);
          if (!canceled2) controllerEnqueue(c2, chunk2);
          reading = false;
          if (readAgain) pull();
        }),
        close: () => {
          reading = false;
          if (!canceled1) controllerClose(c1);
          if (!canceled2) controllerClose(c2);
          if (!canceled1 || !canceled2) cancelPromise.resolve(undefined);
        },
        error: () => { reading = false; },
      });
      return resolved(undefined);
    };
    const cancelBoth = () => {
      const result = readableStreamCancel(r, [reason1, reason2]);
      cancelPromise.resolve(result);
    };
    const create = bytes ? createReadableByteStream : createReadableStream;
    const b1 = create((c) => { c1 = c; }, pull, (reason) => {
      canceled1 = true; reason1 = reason;
      if (canceled2) cancelBoth();
      return cancelPromise.promise;
    });
    const b2 = create((c) => { c2 = c; }, pull, (reason) => {
      canceled2 = true; reason2 = reason;
      if (canceled1) cancelBoth();
      return cancelPromise.promise;
    });
    reader.closed.promise.then(undefined, (e) => {
      readableControllerError(c1, e);
      readableControllerError(c2, e);
      if (!canceled1 || !canceled2) cancelPromise.resolve(undefined);
    });
    return [b1, b2];
  }

  // ---------------------------------------------------------------- byte streams
  // ReadableByteStreamController, ReadableStreamBYOBRequest and
  // ReadableStreamBYOBReader. The controller record is the default one's
  // with `byte: true`, `pendingPullIntos` and `byobRequest`; its queue holds
  // { buffer, byteOffset, byteLength } entries. A BYOB reader is a reader
  // record with `byob: true` whose requests are the spec's read-into requests.

  // WebIDL's [EnforceRange] unsigned long long.
  function enforceRange(v, what) {
    const n = Number(v);
    if (!Number.isFinite(n)) throw new TypeError(`${what} must be a finite number`);
    const i = Math.trunc(n);
    if (i < 0 || i > Number.MAX_SAFE_INTEGER) throw new TypeError(`${what} is out of range`);
    return i;
  }
  function isView(v) { return ArrayBuffer.isView(v); }
  function transferBuffer(buffer) {
    if (buffer.detached) throw new TypeError("The ArrayBuffer is detached");
    return buffer.transfer();
  }
  function elementSizeOf(view) { return view instanceof DataView ? 1 : view.BYTES_PER_ELEMENT; }

  class ReadableByteStreamController {
    #c;
    constructor(key, c) {
      if (key !== illegal) throw new TypeError("Illegal constructor");
      this.#c = c;
    }
    get byobRequest() { return byteGetBYOBRequest(this.#c); }
    get desiredSize() { return readableDesiredSize(this.#c); }
    close() {
      const c = this.#c;
      if (c.closeRequested) throw new TypeError("The stream is already closing");
      if (c.r.state !== "readable") throw new TypeError("The stream is not in a state that permits close");
      byteControllerClose(c);
    }
    enqueue(chunk) {
      const c = this.#c;
      if (!isView(chunk)) throw new TypeError("enqueue() needs an ArrayBufferView");
      if (chunk.byteLength === 0) throw new TypeError("The chunk is empty");
      if (chunk.buffer.byteLength === 0) throw new TypeError("The chunk's buffer is empty or detached");
      if (c.closeRequested) throw new TypeError("The stream is closing");
      if (c.r.state !== "readable") throw new TypeError("The stream is not in a state that permits enqueue");
      byteControllerEnqueue(c, chunk, true);
    }
    error(e) { readableControllerError(this.#c, e); }
  }

  class ReadableStreamBYOBRequest {
    #q;
    constructor(key, q) {
      if (key !== illegal) throw new TypeError("Illegal constructor");
      this.#q = q;
    }
    get view() { return this.#q.view; }
    respond(bytesWritten) {
      const q = this.#q;
      const n = enforceRange(bytesWritten, "bytesWritten");
      if (q.c === undefined) throw new TypeError("This BYOB request was already answered");
      if (q.view.buffer.detached) throw new TypeError("The view's buffer is detached");
      byteRespond(q.c, n);
    }
    respondWithNewView(view) {
      const q = this.#q;
      if (!isView(view)) throw new TypeError("respondWithNewView() needs an ArrayBufferView");
      if (q.c === undefined) throw new TypeError("This BYOB request was already answered");
      if (view.buffer.detached) throw new TypeError("The view's buffer is detached");
      byteRespondWithNewView(q.c, view);
    }
  }

  function setUpByteController(stream, r, start, pull, cancel, hwm, autoAllocateChunkSize) {
    const c = {
      stream, r, byte: true, queue: [], queueTotalSize: 0, started: false, closeRequested: false,
      pullAgain: false, pulling: false, hwm, pull, cancel, autoAllocateChunkSize,
      pendingPullIntos: [], byobRequest: null, api: undefined,
    };
    c.api = new ReadableByteStreamController(illegal, c);
    return startController(r, c, start);
  }
  // A byte ReadableStream from algorithms (the spec's CreateReadableByteStream).
  function createReadableByteStream(start, pull, cancel) {
    return new ReadableStream(illegal, (stream, r) => setUpByteController(stream, r, start, pull, cancel, 0, undefined));
  }

  function invalidateBYOBRequest(c) {
    if (c.byobRequest === null) return;
    c.byobRequest.q.c = undefined;
    c.byobRequest.q.view = null;
    c.byobRequest = null;
  }
  function clearPendingPullIntos(c) { invalidateBYOBRequest(c); c.pendingPullIntos = []; }
  function shiftPendingPullInto(c) { return c.pendingPullIntos.shift(); }
  function byteGetBYOBRequest(c) {
    if (c.byobRequest === null && c.pendingPullIntos.length > 0) {
      const p = c.pendingPullIntos[0];
      const q = { c, view: new Uint8Array(p.buffer, p.byteOffset + p.bytesFilled, p.byteLength - p.bytesFilled) };
      c.byobRequest = { q, api: new ReadableStreamBYOBRequest(illegal, q) };
    }
    return c.byobRequest === null ? null : c.byobRequest.api;
  }
  function byteControllerClose(c) {
    if (c.closeRequested || c.r.state !== "readable") return;
    if (c.queueTotalSize > 0) { c.closeRequested = true; return; }
    if (c.pendingPullIntos.length > 0) {
      const p = c.pendingPullIntos[0];
      if (p.bytesFilled % p.elementSize !== 0) {
        const e = new TypeError("Insufficient bytes to fill elements in the given buffer");
        readableControllerError(c, e);
        throw e;
      }
    }
    clearReadableAlgorithms(c);
    readableStreamClose(c.r);
  }
  // `transfer` false: the chunk's buffer is isolet's own and is not detached.
  function byteControllerEnqueue(c, chunk, transfer) {
    const r = c.r;
    if (c.closeRequested || r.state !== "readable") return;
    const { buffer, byteOffset, byteLength } = chunk;
    const transferred = transfer ? transferBuffer(buffer) : buffer;
    if (c.pendingPullIntos.length > 0) {
      const first = c.pendingPullIntos[0];
      if (first.buffer.detached) throw new TypeError("The BYOB request's buffer is detached");
      invalidateBYOBRequest(c);
      first.buffer = first.buffer.transfer();
      if (first.readerType === "none") enqueueDetachedPullIntoToQueue(c, first);
    }
    const reader = r.reader;
    if (reader !== undefined && !reader.byob) {
      processReadRequestsUsingQueue(c);
      if (reader.requests.length === 0) {
        enqueueChunkToQueue(c, transferred, byteOffset, byteLength);
      } else {
        if (c.pendingPullIntos.length > 0) shiftPendingPullInto(c);
        reader.requests.shift().chunk(new Uint8Array(transferred, byteOffset, byteLength));
      }
    } else if (reader !== undefined) {
      enqueueChunkToQueue(c, transferred, byteOffset, byteLength);
      for (const p of processPullIntoDescriptorsUsingQueue(c)) commitPullIntoDescriptor(r, p);
    } else {
      enqueueChunkToQueue(c, transferred, byteOffset, byteLength);
    }
    callPullIfNeeded(c);
  }
  function enqueueChunkToQueue(c, buffer, byteOffset, byteLength) {
    c.queue.push({ buffer, byteOffset, byteLength });
    c.queueTotalSize += byteLength;
  }
  function enqueueClonedChunkToQueue(c, buffer, byteOffset, byteLength) {
    let clone;
    try { clone = buffer.slice(byteOffset, byteOffset + byteLength); } catch (e) { readableControllerError(c, e); throw e; }
    enqueueChunkToQueue(c, clone, 0, byteLength);
  }
  function enqueueDetachedPullIntoToQueue(c, p) {
    if (p.bytesFilled > 0) enqueueClonedChunkToQueue(c, p.buffer, p.byteOffset, p.bytesFilled);
    shiftPendingPullInto(c);
  }
  function fillPullIntoDescriptorFromQueue(c, p) {
    const maxBytesToCopy = Math.min(c.queueTotalSize, p.byteLength - p.bytesFilled);
    const maxBytesFilled = p.bytesFilled + maxBytesToCopy;
    let remaining = maxBytesToCopy;
    let ready = false;
    const maxAlignedBytes = maxBytesFilled - (maxBytesFilled % p.elementSize);
    if (maxAlignedBytes >= p.minimumFill) { remaining = maxAlignedBytes - p.bytesFilled; ready = true; }
    const queue = c.queue;
    while (remaining > 0) {
      const head = queue[0];
      const n = Math.min(remaining, head.byteLength);
      const destStart = p.byteOffset + p.bytesFilled;
      new Uint8Array(p.buffer, destStart, n).set(new Uint8Array(head.buffer, head.byteOffset, n));
      if (head.byteLength === n) queue.shift();
      else { head.byteOffset += n; head.byteLength -= n; }
      c.queueTotalSize -= n;
      p.bytesFilled += n;
      remaining -= n;
    }
    return ready;
  }
  function fillReadRequestFromQueue(c, request) {
    const entry = c.queue.shift();
    c.queueTotalSize -= entry.byteLength;
    byteHandleQueueDrain(c);
    request.chunk(new Uint8Array(entry.buffer, entry.byteOffset, entry.byteLength));
  }
  function byteHandleQueueDrain(c) {
    if (c.queueTotalSize === 0 && c.closeRequested) { clearReadableAlgorithms(c); readableStreamClose(c.r); }
    else callPullIfNeeded(c);
  }
  function processPullIntoDescriptorsUsingQueue(c) {
    const filled = [];
    while (c.pendingPullIntos.length > 0 && c.queueTotalSize > 0) {
      const p = c.pendingPullIntos[0];
      if (fillPullIntoDescriptorFromQueue(c, p)) { shiftPendingPullInto(c); filled.push(p); }
    }
    return filled;
  }
  function processReadRequestsUsingQueue(c) {
    const requests = c.r.reader.requests;
    while (requests.length > 0 && c.queueTotalSize > 0) fillReadRequestFromQueue(c, requests.shift());
  }
  function convertPullIntoDescriptor(p) {
    const buffer = p.buffer.transfer();
    return new p.viewConstructor(buffer, p.byteOffset, p.bytesFilled / p.elementSize);
  }
  function commitPullIntoDescriptor(r, p) {
    const done = r.state === "closed";
    const view = convertPullIntoDescriptor(p);
    const request = r.reader.requests.shift();
    if (p.readerType === "default") { if (done) request.close(); else request.chunk(view); }
    else if (done) request.close(view);
    else request.chunk(view);
  }
  // ReadableByteStreamControllerPullInto: a BYOB read of `view`.
  function bytePullInto(c, view, min, request) {
    const r = c.r;
    let ctor = DataView, elementSize = 1;
    if (!(view instanceof DataView)) { ctor = view.constructor; elementSize = view.BYTES_PER_ELEMENT; }
    const { byteOffset, byteLength } = view;
    let buffer;
    try { buffer = transferBuffer(view.buffer); } catch (e) { request.error(e); return; }
    const p = {
      buffer, bufferByteLength: buffer.byteLength, byteOffset, byteLength, bytesFilled: 0,
      minimumFill: min * elementSize, elementSize, viewConstructor: ctor, readerType: "byob",
    };
    if (c.pendingPullIntos.length > 0) { c.pendingPullIntos.push(p); r.reader.requests.push(request); return; }
    if (r.state === "closed") { request.close(new ctor(p.buffer, p.byteOffset, 0)); return; }
    if (c.queueTotalSize > 0) {
      if (fillPullIntoDescriptorFromQueue(c, p)) {
        const filled = convertPullIntoDescriptor(p);
        byteHandleQueueDrain(c);
        request.chunk(filled);
        return;
      }
      if (c.closeRequested) {
        const e = new TypeError("Insufficient bytes to fill elements in the given buffer");
        readableControllerError(c, e);
        request.error(e);
        return;
      }
    }
    c.pendingPullIntos.push(p);
    r.reader.requests.push(request);
    callPullIfNeeded(c);
  }
  function byteRespond(c, bytesWritten) {
    const first = c.pendingPullIntos[0];
    if (c.r.state === "closed") {
      if (bytesWritten !== 0) throw new TypeError("bytesWritten must be 0 when the stream is closed");
    } else {
      if (bytesWritten === 0) throw new TypeError("bytesWritten must be greater than 0 when the stream is readable");
      if (first.bytesFilled + bytesWritten > first.byteLength) throw new RangeError("bytesWritten is larger than the view");
    }
    first.buffer = first.buffer.transfer();
    byteRespondInternal(c, bytesWritten);
  }
  function byteRespondWithNewView(c, view) {
    const first = c.pendingPullIntos[0];
    if (c.r.state === "closed") {
      if (view.byteLength !== 0) throw new TypeError("The view must be empty when the stream is closed");
    } else if (view.byteLength === 0) {
      throw new TypeError("The view must not be empty when the stream is readable");
    }
    if (first.byteOffset + first.bytesFilled !== view.byteOffset) throw new RangeError("The view's offset does not match the request's");
    if (first.bufferByteLength !== view.buffer.byteLength) throw new RangeError("The view's buffer has a different length from the request's");
    if (first.bytesFilled + view.byteLength > first.byteLength) throw new RangeError("The view is larger than the request");
    const n = view.byteLength;
    first.buffer = transferBuffer(view.buffer);
    byteRespondInternal(c, n);
  }
  function byteRespondInternal(c, bytesWritten) {
    const first = c.pendingPullIntos[0];
    invalidateBYOBRequest(c);
    if (c.r.state === "closed") {
      if (first.readerType === "none") shiftPendingPullInto(c);
      const reader = c.r.reader;
      if (reader !== undefined && reader.byob) {
        while (reader.requests.length > 0) commitPullIntoDescriptor(c.r, shiftPendingPullInto(c));
      }
    } else {
      const p = first;
      p.bytesFilled += bytesWritten;
      if (p.readerType === "none") {
        enqueueDetachedPullIntoToQueue(c, p);
        for (const f of processPullIntoDescriptorsUsingQueue(c)) commitPullIntoDescriptor(c.r, f);
      } else if (p.bytesFilled >= p.minimumFill) {
        shiftPendingPullInto(c);
        const remainder = p.bytesFilled % p.elementSize;
        if (remainder > 0) {
          enqueueClonedChunkToQueue(c, p.buffer, p.byteOffset + p.bytesFilled - remainder, remainder);
        }
        p.bytesFilled -= remainder;
        const filled = processPullIntoDescriptorsUsingQueue(c);
        commitPullIntoDescriptor(c.r, p);
        for (const f of filled) commitPullIntoDescriptor(c.r, f);
      }
    }
    callPullIfNeeded(c);
  }
  // [[PullSteps]] of a byte controller (a default reader's read).
  function bytePullSteps(c, request) {
    if (c.queueTotalSize > 0) { fillReadRequestFromQueue(c, request); return; }
    const size = c.autoAllocateChunkSize;
    if (size !== undefined) {
      let buffer;
      try { buffer = new ArrayBuffer(size); } catch (e) { request.error(e); return; }
      c.pendingPullIntos.push({
        buffer, bufferByteLength: size, byteOffset: 0, byteLength: size, bytesFilled: 0,
        minimumFill: 1, elementSize: 1, viewConstructor: Uint8Array, readerType: "default",
      });
    }
    c.r.reader.requests.push(request);
    callPullIfNeeded(c);
  }
  // [[ReleaseSteps]] of a byte controller.
  function byteReleaseSteps(c) {
    if (c.pendingPullIntos.length > 0) {
      const first = c.pendingPullIntos[0];
      first.readerType = "none";
      c.pendingPullIntos = [first];
    }
  }

  class ReadableStreamBYOBReader {
    #i;
    constructor(stream) {
      if (!(stream instanceof ReadableStream)) throw new TypeError("ReadableStreamBYOBReader needs a ReadableStream");
      const r = readableOf(stream);
      if (r.reader !== undefined) throw new TypeError("ReadableStream is locked to a reader");
      if (!r.controller.byte) throw new TypeError("A BYOB reader needs a byte stream (type: \"bytes\")");
      this.#i = acquireReader(r);
      this.#i.byob = true;
      this.#i.api = this;
    }
    get closed() { return this.#i.closed.promise; }
    read(view, options) {
      const i = this.#i;
      if (!isView(view)) return rejected(new TypeError("read() needs an ArrayBufferView"));
      if (view.byteLength === 0) return rejected(new TypeError("read() needs a non-empty view"));
      if (view.buffer.byteLength === 0) return rejected(new TypeError("read() needs a view over a non-empty buffer"));
      if (view.buffer.detached) return rejected(new TypeError("The view's buffer is detached"));
      let min = 1;
      if (options !== undefined && options !== null && options.min !== undefined) {
        try { min = enforceRange(options.min, "min"); } catch (e) { return rejected(e); }
        if (min === 0) return rejected(new TypeError("min must be greater than 0"));
      }
      const length = view instanceof DataView ? view.byteLength : view.length;
      if (min > length) return rejected(new RangeError("min is larger than the view"));
      if (i.r === undefined) return rejected(new TypeError("This reader was released"));
      return new Promise((resolve, reject) => {
        const request = {
          chunk: (value) => resolve({ value, done: false }),
          close: (value) => resolve({ value, done: true }),
          error: reject,
        };
        const r = i.r;
        r.disturbed = true;
        if (r.state === "errored") request.error(r.storedError);
        else bytePullInto(r.controller, view, min, request);
      });
    }
    cancel(reason) {
      const i = this.#i;
      if (i.r === undefined) return rejected(new TypeError("This reader was released"));
      return readableStreamCancel(i.r, reason);
    }
    releaseLock() { if (this.#i.r !== undefined) readerRelease(this.#i); }
  }
  define("ReadableByteStreamController", ReadableByteStreamController);
  define("ReadableStreamBYOBRequest", ReadableStreamBYOBRequest);
  define("ReadableStreamBYOBReader", ReadableStreamBYOBReader);

  // ---------------------------------------------------------------- WritableStream
  function newWritableState() {
    return {
      state: "writable", storedError: undefined, writer: undefined, controller: undefined,
      inFlightWriteRequest: undefined, closeRequest: undefined, inFlightCloseRequest: undefined,
      pendingAbortRequest: undefined, writeRequests: [], backpressure: false,
    };
  }
  const closeSentinel = Symbol("close");
  let writableOf; // (WritableStream) => its internal state

  class WritableStreamDefaultController {
    #c;
    constructor(key, c) {
      if (key !== illegal) throw new TypeError("Illegal constructor");
      this.#c = c;
    }
    get signal() { return this.#c.abort.signal; }
    error(e) {
      if (this.#c.w.state !== "writable") return;
      writableControllerError(this.#c, e);
    }
  }

  function setUpWritableController(w, start, write, close, abort, hwm, size) {
    const c = {
      w, queue: [], queueTotalSize: 0, started: false, hwm, size, write, close, abortAlgorithm: abort,
      abort: new lib.AbortController(), api: undefined,
    };
    c.api = new WritableStreamDefaultController(illegal, c);
    w.controller = c;
    updateBackpressure(w, writableGetBackpressure(c));
    const startResult = start(c.api);
    resolved(startResult).then(
      () => { c.started = true; advanceQueueIfNeeded(c); },
      (e) => { c.started = true; writableDealWithRejection(w, e); },
    );
    return c;
  }
  function writableDesiredSize(c) { return c.hwm - c.queueTotalSize; }
  function writableGetBackpressure(c) { return writableDesiredSize(c) <= 0; }
  function clearWritableAlgorithms(c) { c.write = undefined; c.close = undefined; c.abortAlgorithm = undefined; c.size = undefined; }
  function writableControllerError(c, e) { clearWritableAlgorithms(c); writableStartErroring(c.w, e); }
  function writableControllerErrorIfNeeded(c, e) { if (c.w.state === "writable") writableControllerError(c, e); }
  function closeQueuedOrInFlight(w) { return w.closeRequest !== undefined || w.inFlightCloseRequest !== undefined; }
  function hasOperationInFlight(w) { return w.inFlightWriteRequest !== undefined || w.inFlightCloseRequest !== undefined; }

  function writableAbort(w, reason) {
    if (w.state === "closed" || w.state === "errored") return resolved(undefined);
    w.controller.abort.abort(reason);
    if (w.state === "closed" || w.state === "errored") return resolved(undefined);
    if (w.pendingAbortRequest !== undefined) return w.pendingAbortRequest.d.promise;
    const wasAlreadyErroring = w.state === "erroring";
    if (wasAlreadyErroring) reason = undefined;
    const d = deferred();
    w.pendingAbortRequest = { d, reason, wasAlreadyErroring };
    if (!wasAlreadyErroring) writableStartErroring(w, reason);
    return d.promise;
  }
  function writableClose(w) {
    if (w.state === "closed" || w.state === "errored") {
      return rejected(new TypeError("The stream is closed or errored and cannot be closed"));
    }
    const d = deferred();
    w.closeRequest = d;
    if (w.writer !== undefined && w.backpressure && w.state === "writable") w.writer.ready.resolve(undefined);
    enqueueValueWithSize(w.controller, closeSentinel, 0);
    advanceQueueIfNeeded(w.controller);
    return d.promise;
  }
  function writableDealWithRejection(w, e) {
    if (w.state === "writable") { writableStartErroring(w, e); return; }
    writableFinishErroring(w);
  }
  function writableStartErroring(w, reason) {
    w.storedError = reason;
    w.state = "erroring";
    if (w.writer !== undefined) writerEnsureReadyRejected(w.writer, reason);
    if (!hasOperationInFlight(w) && w.controller.started) writableFinishErroring(w);
  }
  function writableFinishErroring(w) {
    w.state = "errored";
    const c = w.controller;
    resetQueue(c);
    const e = w.storedError;
    for (const req of w.writeRequests) req.reject(e);
    w.writeRequests = [];
    const abortRequest = w.pendingAbortRequest;
    if (abortRequest === undefined) { rejectCloseAndClosedIfNeeded(w); return; }
    w.pendingAbortRequest = undefined;
    if (abortRequest.wasAlreadyErroring) {
      abortRequest.d.reject(e);
      rejectCloseAndClosedIfNeeded(w);
      return;
    }
    const abort = c.abortAlgorithm;
    clearWritableAlgorithms(c);
    (abort ? abort(abortRequest.reason) : resolved(undefined)).then(
      () => { abortRequest.d.resolve(undefined); rejectCloseAndClosedIfNeeded(w); },
      (r) => { abortRequest.d.reject(r); rejectCloseAndClosedIfNeeded(w); },
    );
  }
  function rejectCloseAndClosedIfNeeded(w) {
    if (w.closeRequest !== undefined) { w.closeRequest.reject(w.storedError); w.closeRequest = undefined; }
    if (w.writer !== undefined) { w.writer.closed.reject(w.storedError); handled(w.writer.closed.promise); }
  }
  function updateBackpressure(w, bp) {
    const writer = w.writer;
    if (writer !== undefined && bp !== w.backpressure) {
      if (bp) writer.ready = deferred();
      else writer.ready.resolve(undefined);
    }
    w.backpressure = bp;
  }
  function advanceQueueIfNeeded(c) {
    const w = c.w;
    if (!c.started || w.inFlightWriteRequest !== undefined) return;
    if (w.state === "erroring") { writableFinishErroring(w); return; }
    if (w.state !== "writable" || c.queue.length === 0) return;
    const value = c.queue[0].value;
    if (value === closeSentinel) {
      w.inFlightCloseRequest = w.closeRequest;
      w.closeRequest = undefined;
      dequeueValue(c);
      const close = c.close;
      clearWritableAlgorithms(c);
      (close ? close() : resolved(undefined)).then(
        () => {
          w.inFlightCloseRequest.resolve(undefined);
          w.inFlightCloseRequest = undefined;
          if (w.state === "erroring") {
            w.storedError = undefined;
            if (w.pendingAbortRequest !== undefined) { w.pendingAbortRequest.d.resolve(undefined); w.pendingAbortRequest = undefined; }
          }
          w.state = "closed";
          if (w.writer !== undefined) w.writer.closed.resolve(undefined);
        },
        (e) => {
          w.inFlightCloseRequest.reject(e);
          w.inFlightCloseRequest = undefined;
          if (w.pendingAbortRequest !== undefined) { w.pendingAbortRequest.d.reject(e); w.pendingAbortRequest = undefined; }
          writableDealWithRejection(w, e);
        },
      );
      return;
    }
    w.inFlightWriteRequest = w.writeRequests.shift();
    c.write(value).then(
      () => {
        w.inFlightWriteRequest.resolve(undefined);
        w.inFlightWriteRequest = undefined;
        dequeueValue(c);
        if (!closeQueuedOrInFlight(w) && w.state === "writable") updateBackpressure(w, writableGetBackpressure(c));
        advanceQueueIfNeeded(c);
      },
      (e) => {
        if (w.state === "writable") clearWritableAlgorithms(c);
        w.inFlightWriteRequest.reject(e);
        w.inFlightWriteRequest = undefined;
        writableDealWithRejection(w, e);
      },
    );
  }

  // Writer internals: { w, ready (deferred), closed (deferred), api }.
  function acquireWriter(w) {
    if (w.writer !== undefined) throw new TypeError("WritableStream is locked to a writer");
    const writer = { w, ready: deferred(), closed: deferred(), api: undefined };
    w.writer = writer;
    const s = w.state;
    if (s === "writable") {
      if (closeQueuedOrInFlight(w) || !w.backpressure) writer.ready.resolve(undefined);
    } else if (s === "erroring") {
      writer.ready.reject(w.storedError); handled(writer.ready.promise);
    } else if (s === "closed") {
      writer.ready.resolve(undefined); writer.closed.resolve(undefined);
    } else {
      writer.ready.reject(w.storedError); handled(writer.ready.promise);
      writer.closed.reject(w.storedError); handled(writer.closed.promise);
    }
    return writer;
  }
  function writerEnsureReadyRejected(writer, e) {
    if (writer.ready.state !== "pending") writer.ready = deferred();
    writer.ready.reject(e);
    handled(writer.ready.promise);
  }
  function writerEnsureClosedRejected(writer, e) {
    if (writer.closed.state !== "pending") writer.closed = deferred();
    writer.closed.reject(e);
    handled(writer.closed.promise);
  }
  function writerRelease(writer) {
    const e = new TypeError("This writer was released");
    writerEnsureReadyRejected(writer, e);
    writerEnsureClosedRejected(writer, e);
    writer.w.writer = undefined;
    writer.w = undefined;
  }
  function writerWrite(writer, chunk) {
    const w = writer.w;
    const c = w.controller;
    let size = 1;
    if (c.size !== undefined) {
      try { size = c.size(chunk); } catch (e) { writableControllerErrorIfNeeded(c, e); }
    }
    if (w !== writer.w) return rejected(new TypeError("This writer was released"));
    if (w.state === "errored") return rejected(w.storedError);
    if (closeQueuedOrInFlight(w) || w.state === "closed") return rejected(new TypeError("The stream is closing or closed"));
    if (w.state === "erroring") return rejected(w.storedError);
    const d = deferred();
    w.writeRequests.push(d);
    try { enqueueValueWithSize(c, chunk, size); } catch (e) { writableControllerErrorIfNeeded(c, e); return d.promise; }
    if (!closeQueuedOrInFlight(w) && w.state === "writable") updateBackpressure(w, writableGetBackpressure(c));
    advanceQueueIfNeeded(c);
    return d.promise;
  }
  function writerCloseWithErrorPropagation(writer) {
    const w = writer.w;
    if (closeQueuedOrInFlight(w) || w.state === "closed") return resolved(undefined);
    if (w.state === "errored") return rejected(w.storedError);
    return writableClose(w);
  }

  class WritableStreamDefaultWriter {
    #i;
    constructor(stream) {
      if (!(stream instanceof WritableStream)) throw new TypeError("WritableStreamDefaultWriter needs a WritableStream");
      this.#i = acquireWriter(writableOf(stream));
      this.#i.api = this;
    }
    get closed() { return this.#i.closed.promise; }
    get ready() { return this.#i.ready.promise; }
    get desiredSize() {
      const w = this.#i.w;
      if (w === undefined) throw new TypeError("This writer was released");
      if (w.state === "errored" || w.state === "erroring") return null;
      if (w.state === "closed") return 0;
      return writableDesiredSize(w.controller);
    }
    abort(reason) {
      const w = this.#i.w;
      if (w === undefined) return rejected(new TypeError("This writer was released"));
      return writableAbort(w, reason);
    }
    close() {
      const w = this.#i.w;
      if (w === undefined) return rejected(new TypeError("This writer was released"));
      if (closeQueuedOrInFlight(w)) return rejected(new TypeError("The stream is already closing"));
      return writableClose(w);
    }
    releaseLock() { if (this.#i.w !== undefined) writerRelease(this.#i); }
    write(chunk) {
      if (this.#i.w === undefined) return rejected(new TypeError("This writer was released"));
      return writerWrite(this.#i, chunk);
    }
  }

  class WritableStream {
    #w;
    constructor(sink, strategy) {
      if (sink === null) throw new TypeError("The underlying sink must be an object");
      sink = sink === undefined ? {} : sink;
      strategy = strategy === undefined ? {} : strategy;
      if (sink.type !== undefined) throw new RangeError("Invalid sink type");
      this.#w = newWritableState();
      const size = extractSizeAlgorithm(strategy);
      const hwm = extractHighWaterMark(strategy, 1);
      const start = method(sink, "start"), write = method(sink, "write");
      const close = method(sink, "close"), abort = method(sink, "abort");
      let c;
      c = setUpWritableController(this.#w,
        (api) => (start === undefined ? undefined : start.call(sink, api)),
        (chunk) => promiseCall(write, sink, chunk, c.api),
        () => promiseCall(close, sink),
        (reason) => promiseCall(abort, sink, reason),
        hwm, size);
    }
    static { writableOf = (s) => s.#w; }
    get locked() { return this.#w.writer !== undefined; }
    abort(reason) {
      if (this.#w.writer !== undefined) return rejected(new TypeError("Cannot abort a locked WritableStream"));
      return writableAbort(this.#w, reason);
    }
    close() {
      const w = this.#w;
      if (w.writer !== undefined) return rejected(new TypeError("Cannot close a locked WritableStream"));
      if (closeQueuedOrInFlight(w)) return rejected(new TypeError("The stream is already closing"));
      return writableClose(w);
    }
    getWriter() { return new WritableStreamDefaultWriter(this); }
  }
  define("WritableStream", WritableStream);
  define("WritableStreamDefaultWriter", WritableStreamDefaultWriter);
  define("WritableStreamDefaultController", WritableStreamDefaultController);

  // ---------------------------------------------------------------- pipeTo
  function pipeOptions(options) {
    if (options === undefined || options === null) return {};
    if (typeof options !== "object") throw new TypeError("pipe options must be an object");
    const signal = options.signal;
    if (signal !== undefined && !(signal instanceof lib.AbortSignal)) throw new TypeError("signal must be an AbortSignal");
    return {
      preventClose: !!options.preventClose,
      preventAbort: !!options.preventAbort,
      preventCancel: !!options.preventCancel,
      signal,
    };
  }
  function pipeTo(r, w, { preventClose = false, preventAbort = false, preventCancel = false, signal } = {}) {
    const reader = acquireReader(r);
    const writer = acquireWriter(w);
    r.disturbed = true;
    let shuttingDown = false;
    let currentWrite = resolved(undefined);
    const done = deferred();
    let abortAlgorithm;

    const waitForWritesToFinish = () => {
      const old = currentWrite;
      return old.then(() => (old !== currentWrite ? waitForWritesToFinish() : undefined));
    };
    const finalize = (isError, error) => {
      writerRelease(writer);
      readerRelease(reader);
      if (signal !== undefined) signal.removeEventListener("abort", abortAlgorithm);
      if (isError) done.reject(error); else done.resolve(undefined);
    };
    const shutdownWithAction = (action, isError, error) => {
      if (shuttingDown) return;
      shuttingDown = true;
      const rest = () => action().then(() => finalize(isError, error), (e) => finalize(true, e));
      if (w.state === "writable" && !closeQueuedOrInFlight(w)) waitForWritesToFinish().then(rest);
      else rest();
    };
    const shutdown = (isError, error) => {
      if (shuttingDown) return;
      shuttingDown = true;
      if (w.state === "writable" && !closeQueuedOrInFlight(w)) waitForWritesToFinish().then(() => finalize(isError, error));
      else finalize(isError, error);
    };

    if (signal !== undefined) {
      abortAlgorithm = () => {
        const error = signal.reason;
        const actions = [];
        if (!preventAbort) actions.push(() => (w.state === "writable" ? writableAbort(w, error) : resolved(undefined)));
        if (!preventCancel) actions.push(() => (r.state === "readable" ? readableStreamCancel(r, error) : resolved(undefined)));
        shutdownWithAction(() => Promise.all(actions.map((a) => a())), true, error);
      };
      if (signal.aborted) { abortAlgorithm(); return done.promise; }
      signal.addEventListener("abort", abortAlgorithm);
    }

    const pipeStep = () => {
      if (shuttingDown) return resolved(true);
      return writer.ready.promise.then(() => new Promise((resolve, reject) => {
        readerRead(reader, {
          chunk: (chunk) => {
            currentWrite = writerWrite(writer, chunk).then(undefined, () => {});
            resolve(false);
          },
          close: () => resolve(true),
          error: reject,
        });
      }));
    };
    const pipeLoop = () => {
      pipeStep().then((stop) => { if (!stop) pipeLoop(); }, () => {});
    };

    // Errors and closing must propagate forward and backward.
    const whenErrored = (state, closedDeferred, action) => {
      if (state.state === "errored") action(state.storedError);
      else closedDeferred.promise.then(undefined, action);
    };
    whenErrored(r, reader.closed, (e) => {
      if (!preventAbort) shutdownWithAction(() => writableAbort(w, e), true, e);
      else shutdown(true, e);
    });
    whenErrored(w, writer.closed, (e) => {
      if (!preventCancel) shutdownWithAction(() => readableStreamCancel(r, e), true, e);
      else shutdown(true, e);
    });
    if (r.state === "closed") {
      if (!preventClose) shutdownWithAction(() => writerCloseWithErrorPropagation(writer));
      else shutdown();
    } else {
      reader.closed.promise.then(() => {
        if (!preventClose) shutdownWithAction(() => writerCloseWithErrorPropagation(writer));
        else shutdown();
      }, () => {});
    }
    if (closeQueuedOrInFlight(w) || w.state === "closed") {
      const e = new TypeError("The destination stream closed before all data could be piped to it");
      if (!preventCancel) shutdownWithAction(() => readableStreamCancel(r, e), true, e);
      else shutdown(true, e);
    }
    handled(done.promise);
    pipeLoop();
    return done.promise;
  }

  // ---------------------------------------------------------------- TransformStream
  class TransformStreamDefaultController {
    #t;
    constructor(key, t) {
      if (key !== illegal) throw new TypeError("Illegal constructor");
      this.#t = t;
    }
    get desiredSize() { return readableDesiredSize(this.#t.readable.controller); }
    enqueue(chunk) { transformEnqueue(this.#t, chunk); }
    error(reason) { transformError(this.#t, reason); }
    terminate() {
      const t = this.#t;
      readableControllerClose(t.readable.controller);
      transformErrorWritableAndUnblockWrite(t, new TypeError("The TransformStream was terminated"));
    }
  }

  function transformSetBackpressure(t, bp) {
    if (t.backpressureChange !== undefined) t.backpressureChange.resolve(undefined);
    t.backpressureChange = deferred();
    t.backpressure = bp;
  }
  function transformEnqueue(t, chunk) {
    const rc = t.readable.controller;
    if (!canCloseOrEnqueue(rc)) throw new TypeError("The readable side cannot accept more chunks");
    try { readableControllerEnqueue(rc, chunk); } catch (e) {
      transformErrorWritableAndUnblockWrite(t, e);
      throw t.readable.storedError;
    }
    const bp = !shouldCallPull(rc);
    if (bp !== t.backpressure) transformSetBackpressure(t, true);
  }
  function transformError(t, e) {
    readableControllerError(t.readable.controller, e);
    transformErrorWritableAndUnblockWrite(t, e);
  }
  function transformClearAlgorithms(t) { t.transform = undefined; t.flush = undefined; t.cancel = undefined; }
  function transformErrorWritableAndUnblockWrite(t, e) {
    transformClearAlgorithms(t);
    writableControllerErrorIfNeeded(t.writable.controller, e);
    if (t.backpressure) transformSetBackpressure(t, false);
  }
  function transformPerform(t, chunk) {
    return t.transform(chunk).then(undefined, (e) => { transformError(t, e); throw e; });
  }

  // How a TransformStream ends (closed, aborted or cancelled), once: runs
  // the transformer's flush or cancel, then settles the other side — unless
  // `other` (the side not being ended) errored meanwhile.
  function transformFinish(t, run, other, onDone, onError) {
    if (t.finish !== undefined) return t.finish.promise;
    const finish = (t.finish = deferred());
    const promise = run();
    transformClearAlgorithms(t);
    promise.then(() => {
      if (other.state === "errored") finish.reject(other.storedError);
      else { onDone(); finish.resolve(undefined); }
    }, (e) => { onError(e); finish.reject(e); });
    return finish.promise;
  }

  class TransformStream {
    #readable; #writable;
    constructor(transformer, writableStrategy, readableStrategy) {
      if (transformer === null) transformer = undefined;
      transformer = transformer === undefined ? {} : transformer;
      writableStrategy = writableStrategy === undefined ? {} : writableStrategy;
      readableStrategy = readableStrategy === undefined ? {} : readableStrategy;
      if (transformer.readableType !== undefined) throw new RangeError("Invalid readableType");
      if (transformer.writableType !== undefined) throw new RangeError("Invalid writableType");
      const readableHwm = extractHighWaterMark(readableStrategy, 0);
      const readableSize = extractSizeAlgorithm(readableStrategy);
      const writableHwm = extractHighWaterMark(writableStrategy, 1);
      const writableSize = extractSizeAlgorithm(writableStrategy);
      const start = method(transformer, "start"), transform = method(transformer, "transform");
      const flush = method(transformer, "flush"), cancel = method(transformer, "cancel");

      const startPromise = deferred();
      const t = { readable: undefined, writable: undefined, backpressure: undefined, backpressureChange: undefined, finish: undefined };
      const controller = new TransformStreamDefaultController(illegal, t);
      t.transform = transform !== undefined
        ? (chunk) => promiseCall(transform, transformer, chunk, controller)
        : (chunk) => { try { transformEnqueue(t, chunk); return resolved(undefined); } catch (e) { return rejected(e); } };
      t.flush = () => promiseCall(flush, transformer, controller);
      t.cancel = (reason) => promiseCall(cancel, transformer, reason);

      const writable = new WritableStream({
        start: () => startPromise.promise,
        write: (chunk) => {
          if (t.backpressure) {
            return t.backpressureChange.promise.then(() => {
              if (t.writable.state === "erroring") throw t.writable.storedError;
              return transformPerform(t, chunk);
            });
          }
          return transformPerform(t, chunk);
        },
        close: () => transformFinish(t, () => (t.flush ? t.flush() : resolved(undefined)), t.readable,
          () => readableControllerClose(t.readable.controller),
          (e) => readableControllerError(t.readable.controller, e)),
        abort: (reason) => transformFinish(t, () => (t.cancel ? t.cancel(reason) : resolved(undefined)), t.readable,
          () => readableControllerError(t.readable.controller, reason),
          (e) => readableControllerError(t.readable.controller, e)),
      }, { highWaterMark: writableHwm, size: writableSize });
      const readable = new ReadableStream({
        start: () => startPromise.promise,
        pull: () => { transformSetBackpressure(t, false); return t.backpressureChange.promise; },
        cancel: (reason) => {
          const unblock = (e) => {
            writableControllerErrorIfNeeded(t.writable.controller, e);
            if (t.backpressure) transformSetBackpressure(t, false);
          };
          return transformFinish(t, () => (t.cancel ? t.cancel(reason) : resolved(undefined)), t.writable,
            () => unblock(reason), unblock);
        },
      }, { highWaterMark: readableHwm, size: readableSize });
      t.readable = readableOf(readable);
      t.writable = writableOf(writable);
      this.#readable = readable;
      this.#writable = writable;
      transformSetBackpressure(t, true);
      try {
        startPromise.resolve(start === undefined ? undefined : start.call(transformer, controller));
      } catch (e) {
        startPromise.reject(e);
        throw e;
      }
    }
    get readable() { return this.#readable; }
    get writable() { return this.#writable; }
  }
  define("TransformStream", TransformStream);
  define("TransformStreamDefaultController", TransformStreamDefaultController);

  // ---------------------------------------------------------------- encoding streams
  const encoder = new TextEncoder();
  class TextEncoderStream {
    #t;
    constructor() {
      let pendingHigh = "";
      this.#t = new TransformStream({
        transform(chunk, c) {
          let s = pendingHigh + String(chunk);
          pendingHigh = "";
          const last = s.charCodeAt(s.length - 1);
          if (last >= 0xd800 && last <= 0xdbff) { pendingHigh = s[s.length - 1]; s = s.slice(0, -1); }
          if (s.length) c.enqueue(encoder.encode(s));
        },
        flush(c) { if (pendingHigh) c.enqueue(new Uint8Array([0xef, 0xbf, 0xbd])); },
      });
    }
    get encoding() { return "utf-8"; }
    get readable() { return this.#t.readable; }
    get writable() { return this.#t.writable; }
  }
  class TextDecoderStream {
    #t; #decoder;
    constructor(label = "utf-8", options = {}) {
      const decoder = (this.#decoder = new lib.TextDecoder(label, options));
      this.#t = new TransformStream({
        transform(chunk, c) {
          const s = decoder.decode(lib.bufferBytes(chunk, "TextDecoderStream chunks"), { stream: true });
          if (s) c.enqueue(s);
        },
        flush(c) { const s = decoder.decode(); if (s) c.enqueue(s); },
      });
    }
    get encoding() { return this.#decoder.encoding; }
    get fatal() { return this.#decoder.fatal; }
    get ignoreBOM() { return this.#decoder.ignoreBOM; }
    get readable() { return this.#t.readable; }
    get writable() { return this.#t.writable; }
  }
  define("TextEncoderStream", TextEncoderStream);
  define("TextDecoderStream", TextDecoderStream);

  // ---------------------------------------------------------------- Workers' byte transforms
  // IdentityTransformStream: bytes written come out unchanged.
  // FixedLengthStream(n): the same, for exactly n bytes (more is an error at
  // the write that exceeds, fewer at close).
  function byteChunk(chunk) {
    if (chunk instanceof ArrayBuffer || ArrayBuffer.isView(chunk)) return lib.bufferBytes(chunk);
    throw new TypeError("This TransformStream is being used as a byte stream, but received an object of non-ArrayBuffer/ArrayBufferView type on its writable side.");
  }
  function byteStrategy(options) {
    const hwm = options === undefined || options === null ? undefined : options.highWaterMark;
    return hwm === undefined ? undefined : { highWaterMark: hwm, size: (chunk) => chunk.byteLength };
  }
  class IdentityTransformStream extends TransformStream {
    constructor(options) {
      super({ transform(chunk, c) { const b = byteChunk(chunk); if (b.byteLength) c.enqueue(b); } }, undefined, byteStrategy(options));
    }
  }
  class FixedLengthStream extends TransformStream {
    #expected;
    constructor(expectedLength, options) {
      const n = typeof expectedLength === "bigint" ? Number(expectedLength) : expectedLength;
      if (typeof n !== "number" || !Number.isInteger(n) || n < 0 || n > Number.MAX_SAFE_INTEGER) {
        throw new TypeError("FixedLengthStream requires a non-negative integer expected length.");
      }
      let seen = 0;
      super({
        transform(chunk, c) {
          const b = byteChunk(chunk);
          seen += b.byteLength;
          if (seen > n) throw new TypeError("Attempt to write too many bytes through a FixedLengthStream.");
          if (b.byteLength) c.enqueue(b);
        },
        flush() {
          if (seen < n) throw new TypeError("FixedLengthStream did not see all expected bytes before close().");
        },
      }, undefined, byteStrategy(options));
      this.#expected = n;
    }
    get expectedLength() { return this.#expected; }
  }
  define("IdentityTransformStream", IdentityTransformStream);
  define("FixedLengthStream", FixedLengthStream);

  // ---------------------------------------------------------------- for the prelude
  // Byte chunks joined into one array.
  function concatBytes(chunks) {
    let total = 0;
    for (const c of chunks) total += c.byteLength;
    const out = new Uint8Array(total);
    let off = 0;
    for (const c of chunks) { out.set(c, off); off += c.byteLength; }
    return out;
  }
  // A byte stream of the given bytes, already closed. The bytes are not
  // detached: reads see views of them (or copies, for BYOB reads).
  function bytesStream(bytes) {
    return createReadableByteStream((c) => {
      if (bytes.byteLength) byteControllerEnqueue(c, bytes, false);
      byteControllerClose(c);
    }, () => resolved(undefined), () => resolved(undefined));
  }
  // A body stream's chunk as bytes (no copy).
  function chunkBytes(value) {
    if (value instanceof Uint8Array) return value;
    if (value instanceof ArrayBuffer) return new Uint8Array(value);
    if (ArrayBuffer.isView(value)) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
    throw new TypeError("This ReadableStream did not return bytes.");
  }
  // All of a stream's bytes (a body being read whole).
  async function collectStream(stream) {
    const reader = acquireReader(readableOf(stream));
    const chunks = [];
    try {
      for (;;) {
        const { value, done } = await readerReadPromise(reader);
        if (done) break;
        chunks.push(chunkBytes(value));
      }
    } finally {
      if (reader.r !== undefined) readerRelease(reader);
    }
    return concatBytes(chunks);
  }
  // A body sent while it is produced: locks the stream and returns a
  // function whose promise gives the next non-empty bytes, or null at the end.
  function bodyReader(stream) {
    const reader = acquireReader(readableOf(stream));
    return async () => {
      for (;;) {
        const { value, done } = await readerReadPromise(reader);
        if (done) {
          readerRelease(reader);
          return null;
        }
        const bytes = chunkBytes(value);
        if (bytes.byteLength > 0) return bytes;
      }
    };
  }
  // For blob.js.
  lib.concatBytes = concatBytes;
  lib.bytesStream = bytesStream;
  // For the prelude, evaluated before this file: prelude/rpc.js and
  // prelude/dispatch.js look these up when they run; prelude/http.js's
  // bodies take theirs through lib.useStreams.
  lib.ReadableStream = ReadableStream;
  lib.collectStream = collectStream;
  lib.bodyReader = bodyReader;
  lib.useStreams({
    ReadableStream,
    collectStream,
    isDisturbed: (stream) => readableOf(stream).disturbed,
    bytesStream,
  });
});
