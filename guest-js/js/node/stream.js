// node:stream — Readable, Writable, Duplex, Transform, PassThrough,
// pipeline, finished, Readable.from and the web-stream bridges. A compact
// implementation of Node's semantics (flowing/paused modes, backpressure
// through highWaterMark, 'data'/'end'/'finish'/'close'/'error' events).
(function (lib, native, require) {
  "use strict";
  const EventEmitter = require("events");
  const { Buffer } = require("buffer");

  const nextTick = (fn, ...args) => queueMicrotask(() => fn(...args));
  function codeError(Ctor, code, message) { const e = new Ctor(message); e.code = code; return e; }
  const DEFAULT_HWM = 16 * 1024;
  function hwmOf(opts, objectMode, key) {
    const v = opts && (opts[key] !== undefined ? opts[key] : opts.highWaterMark);
    return v === undefined ? (objectMode ? 16 : DEFAULT_HWM) : v;
  }
  function sizeOf(chunk, objectMode) { return objectMode ? 1 : chunk.length; }

  // ---------------------------------------------------------------- Stream (legacy base)
  function Stream(opts) { EventEmitter.call(this, opts); }
  Object.setPrototypeOf(Stream.prototype, EventEmitter.prototype);
  Object.setPrototypeOf(Stream, EventEmitter);

  // ---------------------------------------------------------------- Readable
  function Readable(opts = {}) {
    if (!(this instanceof Readable)) return new Readable(opts);
    Stream.call(this, opts);
    const objectMode = !!(opts.objectMode || opts.readableObjectMode);
    this._readableState = {
      objectMode, highWaterMark: hwmOf(opts, objectMode, "readableHighWaterMark"), buffer: [], length: 0,
      flowing: null, ended: false, endEmitted: false, reading: false, sync: false, destroyed: false,
      errored: null, closed: false, encoding: null, decoder: null, pipes: [], flowScheduled: false,
      emitClose: opts.emitClose !== false, autoDestroy: opts.autoDestroy !== false, readableListening: false,
    };
    if (opts.encoding) this.setEncoding(opts.encoding);
    if (typeof opts.read === "function") this._read = opts.read;
    if (typeof opts.destroy === "function") this._destroy = opts.destroy;
    if (typeof opts.construct === "function") this._construct = opts.construct;
    if (opts.signal) opts.signal.addEventListener("abort", () => this.destroy(abortError(opts.signal)), { once: true });
  }
  Object.setPrototypeOf(Readable.prototype, Stream.prototype);
  Object.setPrototypeOf(Readable, Stream);
  const R = Readable.prototype;
  R._read = function () { throw codeError(Error, "ERR_METHOD_NOT_IMPLEMENTED", "The _read() method is not implemented"); };
  R.push = function push(chunk, encoding) {
    const s = this._readableState;
    if (chunk === null) {
      if (!s.ended) { s.ended = true; if (s.decoder) { const rest = s.decoder.end(); if (rest) addChunk(this, s, rest); } }
      s.reading = false;
      scheduleFlow(this);
      return false;
    }
    if (s.ended) { this.destroy(codeError(Error, "ERR_STREAM_PUSH_AFTER_EOF", "stream.push() after EOF")); return false; }
    if (!s.objectMode) {
      if (typeof chunk === "string") chunk = Buffer.from(chunk, encoding);
      else if (chunk instanceof Uint8Array && !(chunk instanceof Buffer)) chunk = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
      else if (!(chunk instanceof Uint8Array)) {
        this.destroy(codeError(TypeError, "ERR_INVALID_ARG_TYPE", 'The "chunk" argument must be of type string or an instance of Buffer or Uint8Array.'));
        return false;
      }
      if (s.decoder) chunk = s.decoder.write(chunk);
    }
    s.reading = false;
    if (s.objectMode || chunk.length > 0) addChunk(this, s, chunk);
    scheduleFlow(this);
    return s.length < s.highWaterMark;
  };
  function addChunk(stream, s, chunk) {
    s.buffer.push(chunk);
    s.length += sizeOf(chunk, s.objectMode);
  }
  R.unshift = function unshift(chunk) {
    const s = this._readableState;
    if (!s.objectMode && typeof chunk === "string") chunk = Buffer.from(chunk);
    s.buffer.unshift(chunk);
    s.length += sizeOf(chunk, s.objectMode);
  };
  function scheduleFlow(stream) {
    const s = stream._readableState;
    if (s.flowScheduled) return;
    s.flowScheduled = true;
    nextTick(() => { s.flowScheduled = false; flow(stream); });
  }
  function takeChunk(s, n) {
    if (s.buffer.length === 0) return null;
    if (s.objectMode || n === undefined || n >= s.length) {
      let out;
      if (s.objectMode || s.buffer.length === 1) out = s.buffer.shift();
      else out = s.decoder ? s.buffer.splice(0).join("") : Buffer.concat(s.buffer.splice(0));
      s.length -= sizeOf(out, s.objectMode);
      return out;
    }
    const all = s.decoder ? s.buffer.join("") : Buffer.concat(s.buffer);
    const out = all.slice(0, n);
    const rest = all.slice(n);
    s.buffer = rest.length ? [rest] : [];
    s.length -= n;
    return out;
  }
  function maybeRead(stream) {
    const s = stream._readableState;
    if (s.ended || s.reading || s.destroyed || s.length >= s.highWaterMark) return;
    s.reading = true;
    try { stream._read(s.objectMode ? s.highWaterMark : s.highWaterMark); } catch (e) { stream.destroy(e); }
  }
  function flow(stream) {
    const s = stream._readableState;
    if (s.destroyed) return;
    if (s.flowing) {
      while (s.flowing && s.buffer.length > 0 && !s.destroyed) stream.emit("data", takeChunk(s));
    } else if (s.readableListening && s.buffer.length > 0) {
      stream.emit("readable");
    }
    if (s.ended && s.buffer.length === 0) { endReadable(stream); return; }
    if (s.flowing || s.readableListening || s.length < s.highWaterMark) maybeRead(stream);
  }
  function endReadable(stream) {
    const s = stream._readableState;
    if (s.endEmitted) return;
    if (s.readableListening && !s.flowing && !s.readableEndNotified) { s.readableEndNotified = true; stream.emit("readable"); }
    s.endEmitted = true;
    nextTick(() => {
      stream.emit("end");
      const w = stream._writableState;
      if (s.autoDestroy && (!w || w.finished || w.destroyed)) stream.destroy();
    });
  }
  R.read = function read(n) {
    const s = this._readableState;
    if (n === 0) { maybeRead(this); return null; }
    const out = n !== undefined && !s.objectMode && n > s.length ? (s.ended && s.length ? takeChunk(s) : null) : takeChunk(s, n);
    if (s.ended && s.buffer.length === 0) endReadable(this);
    else maybeRead(this);
    return out;
  };
  R.on = function on(ev, fn) {
    const res = Stream.prototype.on.call(this, ev, fn);
    const s = this._readableState;
    if (ev === "data") { if (s.flowing !== false) this.resume(); }
    else if (ev === "readable") { s.readableListening = true; s.flowing = false; scheduleFlow(this); }
    return res;
  };
  R.addListener = R.on;
  R.resume = function resume() {
    const s = this._readableState;
    if (!s.flowing) { s.flowing = true; scheduleFlow(this); this.emit("resume"); }
    return this;
  };
  R.pause = function pause() {
    const s = this._readableState;
    if (s.flowing !== false) { s.flowing = false; this.emit("pause"); }
    return this;
  };
  R.isPaused = function isPaused() { return this._readableState.flowing === false; };
  R.setEncoding = function setEncoding(enc) {
    const { StringDecoder } = require("string_decoder");
    const s = this._readableState;
    s.decoder = new StringDecoder(enc);
    s.encoding = s.decoder.encoding;
    s.buffer = s.buffer.map((b) => s.decoder.write(b));
    return this;
  };
  R.pipe = function pipe(dest, opts = {}) {
    const src = this;
    const s = this._readableState;
    s.pipes.push(dest);
    const ondata = (chunk) => { if (dest.write(chunk) === false) src.pause(); };
    const ondrain = () => src.resume();
    src.on("data", ondata);
    dest.on("drain", ondrain);
    if (opts.end !== false) src.once("end", () => dest.end());
    dest.emit("pipe", src);
    src.resume();
    return dest;
  };
  R.unpipe = function unpipe(dest) {
    const s = this._readableState;
    s.pipes = dest === undefined ? [] : s.pipes.filter((d) => d !== dest);
    this.removeAllListeners("data");
    this.pause();
    return this;
  };
  R.destroy = function destroy(err, cb) { return destroyStream(this, err, cb); };
  R[Symbol.asyncIterator] = function () {
    const stream = this;
    const chunks = [];
    const waiting = [];
    let error = null, done = false;
    const settle = () => {
      while (waiting.length) {
        if (chunks.length) waiting.shift().resolve({ value: chunks.shift(), done: false });
        else if (error) waiting.shift().reject(error);
        else if (done) waiting.shift().resolve({ value: undefined, done: true });
        else break;
      }
    };
    stream.on("data", (c) => { chunks.push(c); stream.pause(); settle(); });
    stream.on("end", () => { done = true; settle(); });
    stream.on("error", (e) => { error = e; settle(); });
    stream.on("close", () => { done = true; settle(); });
    return {
      next() {
        if (chunks.length) return Promise.resolve({ value: chunks.shift(), done: false });
        if (error) return Promise.reject(error);
        if (done) return Promise.resolve({ value: undefined, done: true });
        stream.resume();
        return new Promise((resolve, reject) => waiting.push({ resolve, reject }));
      },
      return() { done = true; stream.destroy(); return Promise.resolve({ value: undefined, done: true }); },
      [Symbol.asyncIterator]() { return this; },
    };
  };
  Object.defineProperties(R, {
    readable: { get() { const s = this._readableState; return !s.destroyed && !s.endEmitted; }, configurable: true },
    readableEnded: { get() { return this._readableState.endEmitted; }, configurable: true },
    readableFlowing: { get() { return this._readableState.flowing; }, configurable: true },
    readableLength: { get() { return this._readableState.length; }, configurable: true },
    readableHighWaterMark: { get() { return this._readableState.highWaterMark; }, configurable: true },
    readableObjectMode: { get() { return this._readableState.objectMode; }, configurable: true },
    readableEncoding: { get() { return this._readableState.encoding; }, configurable: true },
    destroyed: {
      get() { const s = this._readableState || this._writableState; return s.destroyed; },
      set(v) { const s = this._readableState || this._writableState; s.destroyed = v; }, configurable: true,
    },
  });
  Readable.from = function from(iterable, opts) {
    if (typeof iterable === "string" || iterable instanceof Uint8Array) {
      return new Readable({ objectMode: true, ...opts, read() { this.push(iterable); this.push(null); } });
    }
    const it = iterable[Symbol.asyncIterator] ? iterable[Symbol.asyncIterator]() : iterable[Symbol.iterator]();
    let reading = false;
    return new Readable({
      objectMode: true,
      ...opts,
      read() {
        if (reading) return;
        reading = true;
        (async () => {
          try {
            for (;;) {
              const { value, done } = await it.next();
              if (done) { this.push(null); break; }
              if (!this.push(await value)) break;
            }
          } catch (e) { this.destroy(e); }
          reading = false;
        })();
      },
      destroy(err, cb) {
        if (typeof it.return === "function") Promise.resolve(it.return()).then(() => cb(err), cb);
        else cb(err);
      },
    });
  };
  Readable.fromWeb = (readableStream, opts) => Readable.from(readableStream, opts);
  Readable.toWeb = (readable) => new ReadableStream({
    start(c) {
      readable.on("data", (chunk) => c.enqueue(typeof chunk === "string" ? new TextEncoder().encode(chunk) : chunk));
      readable.on("end", () => c.close());
      readable.on("error", (e) => c.error(e));
      readable.pause();
    },
    pull() { readable.resume(); },
    cancel(reason) { readable.destroy(reason); },
  });

  // ---------------------------------------------------------------- Writable
  function Writable(opts = {}) {
    if (!(this instanceof Writable) && !(this instanceof Duplex)) return new Writable(opts);
    if (!this._readableState) Stream.call(this, opts);
    initWritable(this, opts);
  }
  function initWritable(stream, opts) {
    const objectMode = !!(opts.objectMode || opts.writableObjectMode);
    stream._writableState = {
      objectMode, highWaterMark: hwmOf(opts, objectMode, "writableHighWaterMark"), queue: [], length: 0,
      writing: false, ending: false, ended: false, finished: false, destroyed: false, errored: null,
      needDrain: false, corked: 0, finalCalled: false, defaultEncoding: opts.defaultEncoding || "utf8",
      decodeStrings: opts.decodeStrings !== false, emitClose: opts.emitClose !== false, autoDestroy: opts.autoDestroy !== false,
    };
    if (typeof opts.write === "function") stream._write = opts.write;
    if (typeof opts.writev === "function") stream._writev = opts.writev;
    if (typeof opts.final === "function") stream._final = opts.final;
    if (typeof opts.destroy === "function") stream._destroy = opts.destroy;
  }
  Object.setPrototypeOf(Writable.prototype, Stream.prototype);
  Object.setPrototypeOf(Writable, Stream);
  Object.defineProperty(Writable, Symbol.hasInstance, {
    value(obj) { return Function.prototype[Symbol.hasInstance].call(this, obj) || (this === Writable && obj && obj._writableState !== undefined); },
  });
  const W = Writable.prototype;
  W._write = function (chunk, encoding, cb) {
    if (typeof this._writev === "function") this._writev([{ chunk, encoding }], cb);
    else throw codeError(Error, "ERR_METHOD_NOT_IMPLEMENTED", "The _write() method is not implemented");
  };
  W.write = function write(chunk, encoding, cb) {
    const w = this._writableState;
    if (typeof encoding === "function") { cb = encoding; encoding = undefined; }
    encoding = encoding || w.defaultEncoding;
    let err = null;
    if (chunk === null) err = codeError(TypeError, "ERR_STREAM_NULL_VALUES", "May not write null values to stream");
    else if (w.ending) err = codeError(Error, "ERR_STREAM_WRITE_AFTER_END", "write after end");
    else if (w.destroyed) err = codeError(Error, "ERR_STREAM_DESTROYED", "Cannot call write after a stream was destroyed");
    else if (!w.objectMode) {
      if (typeof chunk === "string") { if (w.decodeStrings) { chunk = Buffer.from(chunk, encoding); encoding = "buffer"; } }
      else if (chunk instanceof Uint8Array) { if (!(chunk instanceof Buffer)) chunk = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength); encoding = "buffer"; }
      else err = codeError(TypeError, "ERR_INVALID_ARG_TYPE", 'The "chunk" argument must be of type string or an instance of Buffer or Uint8Array.');
    }
    if (err) {
      if (typeof cb === "function") nextTick(cb, err);
      nextTick(() => this.emit("error", err));
      return false;
    }
    w.length += sizeOf(chunk, w.objectMode);
    const ret = w.length < w.highWaterMark;
    if (!ret) w.needDrain = true;
    w.queue.push({ chunk, encoding, cb: typeof cb === "function" ? cb : () => {} });
    if (!w.writing && !w.corked) writeNext(this);
    return ret;
  };
  function writeNext(stream) {
    const w = stream._writableState;
    if (w.writing || w.destroyed) return;
    if (w.queue.length === 0) {
      if (w.needDrain && !w.ending) { w.needDrain = false; nextTick(() => stream.emit("drain")); }
      if (w.ending) finishMaybe(stream);
      return;
    }
    const entry = w.queue.shift();
    w.writing = true;
    let sync = true;
    const onwrite = (err) => {
      w.writing = false;
      w.length -= sizeOf(entry.chunk, w.objectMode);
      if (err) { entry.cb(err); stream.destroy(err); return; }
      const after = () => { entry.cb(null); writeNext(stream); };
      if (sync) nextTick(after); else after();
    };
    try { stream._write(entry.chunk, entry.encoding, onwrite); } catch (e) { onwrite(e); }
    sync = false;
  }
  function finishMaybe(stream) {
    const w = stream._writableState;
    if (w.finished || w.writing || w.queue.length || w.destroyed) return;
    const done = (err) => {
      if (err) { stream.destroy(err); return; }
      w.finished = true;
      nextTick(() => {
        stream.emit("finish");
        const r = stream._readableState;
        if (w.autoDestroy && (!r || r.endEmitted || r.destroyed)) stream.destroy();
      });
    };
    if (typeof stream._final === "function" && !w.finalCalled) {
      w.finalCalled = true;
      try { stream._final(done); } catch (e) { done(e); }
    } else if (!w.finalCalled) { w.finalCalled = true; done(); }
  }
  W.end = function end(chunk, encoding, cb) {
    const w = this._writableState;
    if (typeof chunk === "function") { cb = chunk; chunk = undefined; }
    else if (typeof encoding === "function") { cb = encoding; encoding = undefined; }
    if (chunk !== undefined && chunk !== null) this.write(chunk, encoding);
    if (typeof cb === "function") {
      if (w.finished) nextTick(cb);
      else this.once("finish", () => cb());
    }
    if (!w.ending) {
      w.ending = true;
      w.ended = true;
      w.corked = 0;
      writeNext(this);
    }
    return this;
  };
  W.cork = function cork() { this._writableState.corked++; };
  W.uncork = function uncork() { const w = this._writableState; if (w.corked) { w.corked--; if (!w.corked) writeNext(this); } };
  W.setDefaultEncoding = function (enc) { this._writableState.defaultEncoding = enc; return this; };
  W.destroy = function destroy(err, cb) { return destroyStream(this, err, cb); };
  Object.defineProperties(W, {
    writable: { get() { const w = this._writableState; return !w.destroyed && !w.ending; }, configurable: true },
    writableEnded: { get() { return this._writableState.ending; }, configurable: true },
    writableFinished: { get() { return this._writableState.finished; }, configurable: true },
    writableLength: { get() { return this._writableState.length; }, configurable: true },
    writableHighWaterMark: { get() { return this._writableState.highWaterMark; }, configurable: true },
    writableObjectMode: { get() { return this._writableState.objectMode; }, configurable: true },
    writableCorked: { get() { return this._writableState.corked; }, configurable: true },
    writableNeedDrain: { get() { return this._writableState.needDrain; }, configurable: true },
  });
  W.destroyed = undefined;
  Object.defineProperty(W, "destroyed", Object.getOwnPropertyDescriptor(R, "destroyed"));

  function destroyStream(stream, err, cb) {
    const r = stream._readableState, w = stream._writableState;
    const s = r || w;
    if (s.destroyed) { if (typeof cb === "function") nextTick(cb, err || null); return stream; }
    if (r) r.destroyed = true;
    if (w) w.destroyed = true;
    if (err) { if (r) r.errored = err; if (w) w.errored = err; }
    const finish = (e) => {
      if (typeof cb === "function") cb(e || null);
      nextTick(() => {
        if (e) stream.emit("error", e);
        if ((r ? r.emitClose : w.emitClose)) stream.emit("close");
        if (r) r.closed = true;
      });
    };
    if (typeof stream._destroy === "function") {
      try { stream._destroy(err || null, (e) => finish(e === undefined ? err : e)); } catch (e) { finish(e); }
    } else finish(err);
    return stream;
  }
  Stream.prototype._destroy = function (err, cb) { cb(err); };

  // ---------------------------------------------------------------- Duplex, Transform, PassThrough
  function Duplex(opts = {}) {
    if (!(this instanceof Duplex)) return new Duplex(opts);
    Readable.call(this, opts);
    initWritable(this, opts);
    this.allowHalfOpen = opts.allowHalfOpen !== false;
    if (opts.readable === false) this._readableState.ended = this._readableState.endEmitted = true;
    if (opts.writable === false) this._writableState.ending = this._writableState.finished = true;
    if (!this.allowHalfOpen) this.once("end", () => { if (!this._writableState.ending) this.end(); });
  }
  Object.setPrototypeOf(Duplex.prototype, Readable.prototype);
  Object.setPrototypeOf(Duplex, Readable);
  for (const key of Reflect.ownKeys(W)) {
    if (key === "constructor" || key === "destroy" || key === "destroyed") continue;
    if (!Object.prototype.hasOwnProperty.call(Duplex.prototype, key)) Object.defineProperty(Duplex.prototype, key, Object.getOwnPropertyDescriptor(W, key));
  }

  function Transform(opts = {}) {
    if (!(this instanceof Transform)) return new Transform(opts);
    Duplex.call(this, opts);
    if (typeof opts.transform === "function") this._transform = opts.transform;
    if (typeof opts.flush === "function") this._flush = opts.flush;
    this._readableState.sync = false;
  }
  Object.setPrototypeOf(Transform.prototype, Duplex.prototype);
  Object.setPrototypeOf(Transform, Duplex);
  Transform.prototype._transform = function () { throw codeError(Error, "ERR_METHOD_NOT_IMPLEMENTED", "The _transform() method is not implemented"); };
  Transform.prototype._write = function (chunk, encoding, cb) {
    let called = false;
    this._transform(chunk, encoding, (err, data) => {
      if (called) return;
      called = true;
      if (err) { cb(err); return; }
      if (data !== undefined && data !== null) this.push(data);
      const r = this._readableState;
      // Backpressure: wait for the reader when the readable side is full.
      if (r.length < r.highWaterMark || r.flowing) cb();
      else this._transformCallback = cb;
    });
  };
  Transform.prototype._read = function () {
    const cb = this._transformCallback;
    if (cb) { this._transformCallback = null; cb(); }
  };
  Transform.prototype._final = function (cb) {
    const done = (err, data) => {
      if (err) { cb(err); return; }
      if (data !== undefined && data !== null) this.push(data);
      this.push(null);
      cb();
    };
    if (typeof this._flush === "function") this._flush(done);
    else done();
  };
  function PassThrough(opts) {
    if (!(this instanceof PassThrough)) return new PassThrough(opts);
    Transform.call(this, opts);
  }
  Object.setPrototypeOf(PassThrough.prototype, Transform.prototype);
  Object.setPrototypeOf(PassThrough, Transform);
  PassThrough.prototype._transform = function (chunk, encoding, cb) { cb(null, chunk); };

  // ---------------------------------------------------------------- pipeline, finished
  const abortError = lib.nodeAbortError;
  function finished(stream, opts, callback) {
    if (typeof opts === "function") { callback = opts; opts = {}; }
    let called = false;
    const done = (err) => { if (!called) { called = true; cleanup(); callback.call(stream, err); } };
    const r = stream._readableState, w = stream._writableState;
    const wantRead = opts.readable !== false && r;
    const wantWrite = opts.writable !== false && w;
    let readDone = !wantRead || r.endEmitted, writeDone = !wantWrite || w.finished;
    const onend = () => { readDone = true; if (writeDone) done(); };
    const onfinish = () => { writeDone = true; if (readDone) done(); };
    const onerror = (err) => done(err);
    const onclose = () => {
      if ((wantRead && !readDone) || (wantWrite && !writeDone)) done(codeError(Error, "ERR_STREAM_PREMATURE_CLOSE", "Premature close"));
      else done();
    };
    stream.on("end", onend);
    stream.on("finish", onfinish);
    if (opts.error !== false) stream.on("error", onerror);
    stream.on("close", onclose);
    function cleanup() {
      stream.removeListener("end", onend);
      stream.removeListener("finish", onfinish);
      stream.removeListener("error", onerror);
      stream.removeListener("close", onclose);
    }
    if (readDone && writeDone) nextTick(done);
    return cleanup;
  }
  function pipeline(...streams) {
    const callback = typeof streams[streams.length - 1] === "function" ? streams.pop() : null;
    if (Array.isArray(streams[0])) streams = streams[0];
    if (streams.length < 2) throw codeError(TypeError, "ERR_MISSING_ARGS", 'The "streams" argument must be specified');
    streams = streams.map((s, i) => {
      if (i === 0 && !(s instanceof Stream) && s && (s[Symbol.asyncIterator] || s[Symbol.iterator]) && typeof s !== "string") return Readable.from(s);
      if (i === 0 && typeof s === "function") return Readable.from(s());
      return s;
    });
    let error = null;
    let pending = streams.length;
    const last = streams[streams.length - 1];
    const destroyAll = (err) => { for (const s of streams) if (typeof s.destroy === "function") s.destroy(err); };
    let callbackOnce = callback;
    const once = (err) => { if (callbackOnce) { const cb = callbackOnce; callbackOnce = null; cb(err || null); } };
    for (let i = 0; i < streams.length; i++) {
      const s = streams[i];
      const reading = i < streams.length - 1, writing = i > 0;
      finished(s, { readable: reading, writable: writing }, (err) => {
        if (err && !error) { error = err; destroyAll(err); once(err); return; }
        if (--pending === 0) once(error);
      });
      if (i > 0) streams[i - 1].pipe(s);
    }
    return last;
  }
  const promises = {
    pipeline: (...streams) => new Promise((resolve, reject) => pipeline(...streams, (err) => (err ? reject(err) : resolve()))),
    finished: (stream, opts) => new Promise((resolve, reject) => finished(stream, opts || {}, (err) => (err ? reject(err) : resolve()))),
  };
  function addAbortSignal(signal, stream) {
    signal.addEventListener("abort", () => stream.destroy(abortError(signal)), { once: true });
    return stream;
  }

  Stream.Stream = Stream;
  Stream.Readable = Readable;
  Stream.Writable = Writable;
  Stream.Duplex = Duplex;
  Stream.Transform = Transform;
  Stream.PassThrough = PassThrough;
  Stream.pipeline = pipeline;
  Stream.finished = finished;
  Stream.promises = promises;
  Stream.addAbortSignal = addAbortSignal;
  Stream.isReadable = (s) => !!(s && s._readableState && !s._readableState.destroyed && !s._readableState.endEmitted);
  Stream.isErrored = (s) => !!(s && ((s._readableState && s._readableState.errored) || (s._writableState && s._writableState.errored)));
  Stream.getDefaultHighWaterMark = (objectMode) => (objectMode ? 16 : DEFAULT_HWM);
  return Stream;
})
