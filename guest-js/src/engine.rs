//! The engine's lifecycle: pre-initialization, `init`, and the invocations.

use std::cell::RefCell;

use rquickjs::{
    Array, Ctx, Function, Object, Persistent, Promise, TypedArray, Value, promise::PromiseState,
};

use crate::convert::{describe, flat_headers_from_js};
use crate::isolet::worker::types::{
    AnswerBody, BodyChunk, CompiledModule, FetchAnswer, Message, Request, Response, ScriptError,
    SocketEvent, SocketStep, WorkerSpec,
};
use crate::modules;

/// One entry of `JS_FILES`: the file's name in stack traces
/// (`isolet:<path>`) and its source, js/<path>.js.
macro_rules! js_file {
    ($path:literal) => {
        (
            concat!("isolet:", $path),
            include_str!(concat!("../js/", $path, ".js")),
        )
    };
}

/// The Web APIs, one file each, evaluated at build time in this order: each
/// evaluates to a function of the engine's internal `lib` object and the
/// native hooks, defines its globals, takes what it needs from earlier files
/// off `lib` and puts there what later files need (what a file needs from a
/// later one it looks up on `lib` when it runs, or gets through a setter on
/// `lib` the later file calls, as streams.js's `lib.useStreams`).
///
/// First the DOM events, DOMException and URL, which the prelude builds on;
/// then the prelude (js/prelude/): the Workers globals (console, timers,
/// encodings, Headers, Request, Response, fetch, ...) and, in its last file,
/// dispatch.js, the engine's entry points, which that file returns (the
/// hooks: every other file returns nothing). The other APIs come after the
/// prelude, so the objects every request touches sit together at the bottom
/// of the heap, and a freed pool slot is reset by few, contiguous dirty
/// regions.
const JS_FILES: &[(&str, &str)] = &[
    js_file!("events"),
    js_file!("url"),
    js_file!("prelude/console"),
    js_file!("prelude/timers"),
    js_file!("prelude/encoding"),
    js_file!("prelude/headers"),
    js_file!("prelude/http"),
    js_file!("prelude/structuredclone"),
    js_file!("prelude/rpc"),
    js_file!("prelude/commonjs"),
    js_file!("prelude/scope"),
    js_file!("prelude/dispatch"),
    js_file!("streams"),
    js_file!("blob"),
    js_file!("compression"),
    js_file!("webcrypto"),
    js_file!("urlpattern"),
    js_file!("htmlrewriter"),
    js_file!("cache"),
    js_file!("websocket"),
    js_file!("node"),
];

/// `ctx.storage` and `isolet:fs`: kept out of the snapshot (every instance
/// would map and reset its pages) and evaluated only when a worker the host
/// gave storage first reaches for it (`storageApi`, dispatch.js).
const STORAGE_JS: &str = include_str!("../js/storage.js");

/// `storageApi()`: storage.js evaluated, the function that installs it
/// (dispatch.js calls it with `lib` and the natives).
pub(crate) fn storage_api<'js>(ctx: Ctx<'js>) -> rquickjs::Result<Function<'js>> {
    let mut options = rquickjs::context::EvalOptions::default();
    options.filename = Some("isolet:storage".into());
    options.strict = true;
    ctx.eval_with_options(STORAGE_JS, options)
}

/// `env.LOADER` (the Worker Loader's stubs): kept out of the snapshot, as
/// storage.js, and evaluated by `init` only for workers with a loader
/// binding.
const LOADER_JS: &str = include_str!("../js/loader.js");

/// Evaluates an API file kept out of the snapshot and hands it to the
/// hooks' `loadApi` with the natives it takes (`None`: the snapshot's).
fn load_api<'js>(
    ctx: &Ctx<'js>,
    load: &Function<'js>,
    name: &str,
    source: &str,
    natives: Option<Object<'js>>,
) -> Result<(), ScriptError> {
    let mut options = rquickjs::context::EvalOptions::default();
    options.filename = Some(name.into());
    options.strict = true;
    let api: Function = ctx
        .eval_with_options(source, options)
        .map_err(|e| describe(ctx, e))?;
    load.call::<_, ()>((api, natives))
        .map_err(|e| describe(ctx, e))
}

/// Reads the descriptor of every property of the intrinsics the JS files and
/// a request use, which makes QuickJS instantiate their lazily defined
/// methods (getters are not called). Measured with exact fuel: a cold
/// start's `init` 115,977 -> 105,650 wasm instructions and its first fetch
/// 63,947 -> 59,352. Walking everything reachable from the global object
/// instead saved no more, and made `init` of code compiled for the first
/// time ~7% dearer.
const MATERIALIZE: &str = r#"(function () {
  const TypedArray = Object.getPrototypeOf(Uint8Array);
  for (const o of [
    Function.prototype, Object, Object.prototype, Array, Array.prototype, Promise, Promise.prototype,
    JSON, Date, Date.prototype, Reflect, String, String.prototype, Symbol, Number, Number.prototype, Math,
    Map.prototype, Set.prototype, WeakMap.prototype, ArrayBuffer, ArrayBuffer.prototype,
    TypedArray, TypedArray.prototype, Uint8Array, RegExp.prototype, Error, Error.prototype,
    Object.getPrototypeOf([][Symbol.iterator]()), Object.getPrototypeOf(Object.getPrototypeOf([][Symbol.iterator]())),
  ]) {
    for (const k of Reflect.ownKeys(o)) Reflect.getOwnPropertyDescriptor(o, k);
  }
})"#;

/// QuickJS's own stack limit, on the 1 MiB shadow stack (guest-js/.cargo/
/// config.toml). The vendored rquickjs-sys keeps the limit on WASI (upstream
/// turns it off), so runaway recursion throws a catchable `RangeError`; the
/// host gives the native wasm stack enough room (`runtime.rs`,
/// `max_wasm_stack`) that this limit trips first. The 128 KiB left below it
/// is for the C code (parser, JSON, regexp) under the last checked frame.
const JS_MAX_STACK: usize = 896 * 1024;

struct State {
    runtime: javy::Runtime,
    /// The object returned by the prelude (js/prelude/dispatch.js): `setEnv`,
    /// `setMain`, `fetch`, `completeFetch`, `call`, `runNextTimer`, ...
    hooks: Persistent<Object<'static>>,
    /// The hot hooks, looked up once (a property lookup by name costs an
    /// atom lookup per call).
    fetch: Persistent<Function<'static>>,
    complete_fetch: Persistent<Function<'static>>,
    call: Persistent<Function<'static>>,
    initialized: bool,
}

/// What an invocation gets: the hooks object and the hot hooks, restored
/// into its context.
pub struct Hooks<'js> {
    pub all: Object<'js>,
    pub fetch: Function<'js>,
    pub complete_fetch: Function<'js>,
    pub call: Function<'js>,
}

thread_local! {
    static STATE: RefCell<Option<State>> = const { RefCell::new(None) };
}

/// Runs once at build time (the host snapshots memory afterwards): creates the
/// QuickJS runtime and evaluates the JS files (`JS_FILES`).
pub fn pre_initialize() {
    let mut config = javy::Config::default();
    config
        .date(true)
        .eval(true)
        .regexp_compiler(true)
        .regexp(true)
        .json(true)
        .proxy(true)
        .map_set(true)
        .promise(true)
        .bignum_extension(true)
        .text_encoding(true)
        .weak_ref(true)
        .performance(true)
        .max_stack_size(JS_MAX_STACK);
    let runtime = javy::Runtime::new(config).expect("the QuickJS runtime starts");
    runtime
        .context()
        .runtime()
        .set_loader(modules::Resolver, modules::Loader);
    runtime
        .context()
        .runtime()
        .set_host_promise_rejection_tracker(Some(Box::new(track_rejection)));
    let (hooks, fetch, complete_fetch, call) = runtime.context().with(|ctx| {
        let natives = crate::native::register(&ctx).expect("native hooks register");
        let eval = |name: &str, source: &str| -> Function {
            let mut options = rquickjs::context::EvalOptions::default();
            options.filename = Some(name.into());
            options.strict = true;
            ctx.eval_with_options(source, options)
                .unwrap_or_else(|e| panic!("{name}: {}", describe(&ctx, e).message))
        };
        let lib = Object::new(ctx.clone()).expect("an object");
        // In order; one file (the prelude's last) returns the hooks.
        let mut hooks: Option<Object> = None;
        for (name, source) in JS_FILES {
            let returned: Option<Object> = eval(name, source)
                .call((lib.clone(), natives.clone()))
                .unwrap_or_else(|e| panic!("{name}: {}", describe(&ctx, e).message));
            if let Some(returned) = returned {
                assert!(hooks.is_none(), "{name}: a second file returned hooks");
                hooks = Some(returned);
            }
        }
        let hooks: Object = hooks.expect("the prelude returns the hooks");
        // QuickJS creates the function objects of its built-in methods
        // lazily, on first access; whatever the JS files did not touch, every
        // instance would create again (allocating, copying shared shapes) the
        // first time it uses it: `instanceof` alone materializes
        // Function.prototype[Symbol.hasInstance]. Touch the common ones now
        // so they are part of the snapshot.
        let _: () = eval("isolet:materialize", MATERIALIZE)
            .call(())
            .unwrap_or_else(|e| panic!("materialize: {}", describe(&ctx, e).message));
        let hook = |name: &str| -> Persistent<Function<'static>> {
            let f: Function = hooks
                .get(name)
                .unwrap_or_else(|e| panic!("hook {name}: {}", describe(&ctx, e).message));
            Persistent::save(&ctx, f)
        };
        let (fetch, complete_fetch, call) = (hook("fetch"), hook("completeFetch"), hook("call"));
        let hooks = Persistent::save(&ctx, hooks);
        // Free the JS files' garbage before the snapshot: a smaller heap
        // image means fewer pages to map, fault in and reset per instance.
        ctx.run_gc();
        (hooks, fetch, complete_fetch, call)
    });
    let raw_ctx = runtime.context().with(|ctx| ctx.as_raw().as_ptr());
    // Room in the atom table for a worker's own names (a 50 KB bundle
    // makes ~1,000), so an instance never grows it: growing rehashes every
    // atom of the snapshot, a write to each page that holds one.
    // SAFETY: the context is alive (owned by `runtime`).
    if unsafe { JS_ReserveAtoms(JS_GetRuntime(raw_ctx.cast()), RESERVED_ATOMS) } != 0 {
        panic!("out of memory reserving atoms");
    }
    fill_free_chunks();
    // Everything the JS files made is now immortal: no instance writes a
    // reference count into the shared image (see JS_FreezeHeap in the
    // vendored quickjs.c).
    // The line is where the next allocation lands: above every chunk in use
    // (nothing below is free any more).
    // SAFETY: plain libc allocation, freed at once; the context is alive
    // (owned by `runtime`), and nothing allocates between here and the
    // freeze.
    unsafe {
        let next = malloc(1);
        free(next);
        JS_FreezeHeap(JS_GetRuntime(raw_ctx.cast()), next as usize);
    }
    STATE.with(|s| {
        *s.borrow_mut() = Some(State {
            runtime,
            hooks,
            fetch,
            complete_fetch,
            call,
            initialized: false,
        })
    });
}

unsafe extern "C" {
    fn malloc(size: usize) -> *mut u8;
    fn free(ptr: *mut u8);
    fn JS_GetRuntime(ctx: *mut core::ffi::c_void) -> *mut core::ffi::c_void;
    fn JS_FreezeHeap(rt: *mut core::ffi::c_void, end: usize);
    fn JS_ReserveAtoms(rt: *mut core::ffi::c_void, n: i32) -> i32;
}

/// Atoms an instance can add before QuickJS grows its atom table. Measured:
/// 8,192 cost more private memory per idle worker than 2,048 (see
/// PATCHED.md), which is already enough for a 50 KB bundle.
const RESERVED_ATOMS: i32 = 2048;

/// Takes every free chunk of the snapshot's heap out of the allocator, for
/// good: the garbage the JS files left (freed by the GC above) is scattered
/// over the heap, and an instance that allocates into those holes writes to
/// (and so copies) a page of the shared image for each. With the holes
/// taken, what an instance allocates is laid out contiguously in fresh
/// memory above the image: fewer pages per instance to copy, keep and reset.
fn fill_free_chunks() {
    let end = core::arch::wasm32::memory_size(0) * 65536;
    let mut size = 1usize << 16;
    while size >= 8 {
        loop {
            // SAFETY: plain libc allocation; a chunk kept is never freed
            // (its memory stays part of the image, unused).
            let p = unsafe { malloc(size) };
            if p.is_null() {
                break;
            }
            if p as usize + size > end {
                // From beyond the image's memory: nothing left to fill of
                // this size.
                unsafe { free(p) };
                break;
            }
        }
        size /= 2;
    }
}

fn with_engine<T>(
    f: impl for<'js> FnOnce(&Ctx<'js>, Hooks<'js>, &mut bool) -> Result<T, ScriptError>,
) -> Result<T, ScriptError> {
    STATE.with(|s| {
        let mut s = s.borrow_mut();
        let Some(state) = s.as_mut() else {
            return Err(internal("the engine was not pre-initialized"));
        };
        let State {
            runtime,
            hooks,
            fetch,
            complete_fetch,
            call,
            initialized,
        } = state;
        runtime.context().with(|ctx| {
            let restore = |e| describe(&ctx, e);
            let hooks = Hooks {
                all: hooks.clone().restore(&ctx).map_err(restore)?,
                fetch: fetch.clone().restore(&ctx).map_err(restore)?,
                complete_fetch: complete_fetch.clone().restore(&ctx).map_err(restore)?,
                call: call.clone().restore(&ctx).map_err(restore)?,
            };
            let all = hooks.all.clone();
            let result = f(&ctx, hooks, initialized);
            // Rejections nothing handled by the end of the call are
            // reported in it (their listeners' work runs in the next drive).
            flush_rejections(&ctx, &all);
            result
        })
    })
}

pub fn init(mut spec: WorkerSpec) -> Result<Vec<CompiledModule>, ScriptError> {
    with_engine(|ctx, hooks, initialized| {
        if *initialized {
            return Err(internal("init was already called on this instance"));
        }
        *initialized = true;
        modules::install(&mut spec)?;
        let hooks = hooks.all;
        let call = |name: &str| -> Result<Function<'_>, ScriptError> {
            hooks.get(name).map_err(|e| describe(ctx, e))
        };
        let bindings = Array::new(ctx.clone()).map_err(|e| describe(ctx, e))?;
        for (i, b) in spec.bindings.iter().enumerate() {
            let kind = match b.kind {
                crate::isolet::worker::types::BindingKind::Capability => "capability",
                crate::isolet::worker::types::BindingKind::Service => "service",
                crate::isolet::worker::types::BindingKind::Loader => "loader",
            };
            let pair = Array::new(ctx.clone()).map_err(|e| describe(ctx, e))?;
            pair.set(0, b.name.as_str()).map_err(|e| describe(ctx, e))?;
            pair.set(1, kind).map_err(|e| describe(ctx, e))?;
            bindings.set(i, pair).map_err(|e| describe(ctx, e))?;
        }
        let node = if spec
            .compatibility_flags
            .iter()
            .any(|f| f == "nodejs_compat" || f == "nodejs_compat_v2")
        {
            "full"
        } else if spec.compatibility_flags.iter().any(|f| f == "nodejs_als") {
            "als"
        } else {
            ""
        };
        if spec
            .bindings
            .iter()
            .any(|b| matches!(b.kind, crate::isolet::worker::types::BindingKind::Loader))
        {
            let natives = crate::native::loader::natives(ctx).map_err(|e| describe(ctx, e))?;
            load_api(
                ctx,
                &call("loadApi")?,
                "isolet:loader",
                LOADER_JS,
                Some(natives),
            )?;
        }
        call("setEnv")?
            .call::<_, ()>((
                spec.env_json.as_str(),
                spec.compatibility_date.as_str(),
                bindings,
                node,
            ))
            .map_err(|e| describe(ctx, e))?;
        // Loaded, linked and evaluated directly: `Module::import`
        // (JS_LoadModule) does the same and then hands the namespace over
        // through a promise reaction, ~10% of a small worker's init.
        let main = modules::normalize(&spec.main_module);
        let (module, evaluated) =
            rquickjs::loader::Loader::load(&mut modules::Loader, ctx, &main, None)
                .and_then(|m| m.eval())
                .map_err(|e| describe(ctx, e))?;
        settle(ctx, &hooks, evaluated)?;
        let namespace = module.namespace().map_err(|e| describe(ctx, e))?;
        call("setMain")?
            .call::<_, ()>((namespace,))
            .map_err(|e| describe(ctx, e))?;
        Ok(modules::take_compiled())
    })
}

pub fn fetch(entrypoint: Option<String>, req: Request) -> Result<FetchAnswer, ScriptError> {
    with_engine(|ctx, hooks, initialized| {
        if !*initialized {
            return Err(internal("fetch called before init"));
        }
        let headers = flat_headers_to_js(ctx, &req.headers)?;
        let body = if req.body_streams {
            // The prelude makes a stream that pulls from the host.
            Value::new_bool(ctx.clone(), true)
        } else if req.body.is_empty() {
            Value::new_null(ctx.clone())
        } else {
            TypedArray::<u8>::new(ctx.clone(), req.body)
                .map_err(|e| describe(ctx, e))?
                .into_value()
        };
        let out: Value = hooks
            .fetch
            .call((entrypoint, req.method, req.url, headers, body))
            .map_err(|e| describe(ctx, e))?;
        // A promise here is the handler's own: settle it, then let the
        // prelude turn the Response into [status, headers, body].
        let out = match out.as_promise() {
            Some(p) => {
                let value = settle(ctx, &hooks.all, p.clone())?;
                let out: Value = hooks
                    .complete_fetch
                    .call((value,))
                    .map_err(|e| describe(ctx, e))?;
                resolved(ctx, &hooks.all, out)?
            }
            None => out,
        };
        response_from_js(ctx, out)
    })
}

pub fn call(
    entrypoint: Option<String>,
    method: String,
    args: String,
) -> Result<String, ScriptError> {
    with_engine(|ctx, hooks, initialized| {
        if !*initialized {
            return Err(internal("call before init"));
        }
        let out: Value = hooks
            .call
            .call((entrypoint, method, args))
            .map_err(|e| describe(ctx, e))?;
        let out = resolved(ctx, &hooks.all, out)?;
        out.as_string()
            .and_then(|s| s.to_string().ok())
            .ok_or_else(|| internal("RPC result was not encoded"))
    })
}

thread_local! {
    /// The read of a streamed body that the last `read-body` left waiting
    /// for a timer (it fires first thing on the next call).
    static BODY_READ: RefCell<Option<Persistent<Promise<'static>>>> = const { RefCell::new(None) };
}

/// Runs the worker until the streamed body's next bytes, its end, or a
/// timer that is not due yet (the host waits for it in real time).
pub fn read_body() -> Result<BodyChunk, ScriptError> {
    with_engine(|ctx, hooks, _| {
        let waiting = BODY_READ.with(|r| r.borrow_mut().take());
        // After a wait the host made for the next timer, that timer fires first.
        let waited = waiting.is_some();
        let promise = match waiting {
            Some(p) => p.restore(ctx).map_err(|e| describe(ctx, e))?,
            None => {
                let read: Function = hooks.all.get("readBody").map_err(|e| describe(ctx, e))?;
                let v: Value = read.call(()).map_err(|e| describe(ctx, e))?;
                v.into_promise()
                    .ok_or_else(|| internal("readBody did not return a promise"))?
            }
        };
        match drive(ctx, &hooks.all, &promise, true, waited)? {
            Err(ms) => {
                let saved = Persistent::save(ctx, promise);
                BODY_READ.with(|r| *r.borrow_mut() = Some(saved));
                Ok(BodyChunk::Wait(ms))
            }
            Ok(value) if value.is_null() => Ok(BodyChunk::End),
            Ok(value) => {
                let bytes = TypedArray::<u8>::from_value(value).map_err(|e| describe(ctx, e))?;
                Ok(BodyChunk::Data(
                    bytes.as_bytes().map(<[u8]>::to_vec).unwrap_or_default(),
                ))
            }
        }
    })
}

/// Delivers the client's side of an accepted WebSocket to the worker, then
/// runs jobs and the timers that are due until the worker waits: for the
/// client only, for a timer (its delay), or for nothing (the session is
/// done).
pub fn socket_event(event: SocketEvent) -> Result<SocketStep, ScriptError> {
    with_engine(|ctx, hooks, _| {
        let hooks = hooks.all;
        let deliver: Function = hooks.get("socketEvent").map_err(|e| describe(ctx, e))?;
        let delivered = match event {
            SocketEvent::Message(Message::Text(text)) => deliver.call::<_, ()>(("text", text)),
            SocketEvent::Message(Message::Binary(bytes)) => {
                let bytes =
                    TypedArray::<u8>::new(ctx.clone(), bytes).map_err(|e| describe(ctx, e))?;
                deliver.call::<_, ()>(("binary", bytes))
            }
            SocketEvent::Close(close) => {
                deliver.call::<_, ()>(("close", close.code, close.reason, close.clean))
            }
            SocketEvent::Run => deliver.call::<_, ()>(("run",)),
        };
        delivered.map_err(|e| describe(ctx, e))?;
        let delay: Function = hooks.get("nextTimerDelay").map_err(|e| describe(ctx, e))?;
        let next: Function = hooks.get("runNextTimer").map_err(|e| describe(ctx, e))?;
        let done: Function = hooks.get("socketDone").map_err(|e| describe(ctx, e))?;
        loop {
            if ctx.execute_pending_job() || flush_rejections(ctx, &hooks) {
                continue;
            }
            if done.call::<_, bool>(()).map_err(|e| describe(ctx, e))? {
                // Timers still set die with the session, as in workerd.
                return Ok(SocketStep::Done);
            }
            match delay
                .call::<_, Option<f64>>(())
                .map_err(|e| describe(ctx, e))?
            {
                None => return Ok(SocketStep::Idle),
                Some(ms) if ms >= 1.0 => {
                    return Ok(SocketStep::Wait(ms.min(f64::from(u32::MAX)) as u32));
                }
                Some(_) => {
                    next.call::<_, bool>(()).map_err(|e| describe(ctx, e))?;
                }
            }
        }
    })
}

/// Nothing is left to run: lets what waits for that go on (`waitUntil`
/// work that can never settle is given up on). False when nothing did.
#[cold]
fn woke_idle<'js>(ctx: &Ctx<'js>, hooks: &Object<'js>) -> Result<bool, ScriptError> {
    let idle: Function = hooks.get("idle").map_err(|e| describe(ctx, e))?;
    idle.call(()).map_err(|e| describe(ctx, e))
}

fn never_settles() -> ScriptError {
    ScriptError {
        name: "Error".into(),
        message: "The script will never generate a response: a promise it awaits never settles \
                  (nothing left to run: no pending jobs, timers or I/O)."
            .into(),
        stack: String::new(),
    }
}

/// `value` itself, or what it settles to when it is a promise.
fn resolved<'js>(
    ctx: &Ctx<'js>,
    hooks: &Object<'js>,
    value: Value<'js>,
) -> Result<Value<'js>, ScriptError> {
    match value.as_promise() {
        Some(p) => settle(ctx, hooks, p.clone()),
        None => Ok(value),
    }
}

thread_local! {
    /// Promises rejected with no handler since the last flush, with their
    /// reasons (the HTML spec's "about-to-be-notified rejected promises").
    static REJECTED: RefCell<Vec<(Persistent<Value<'static>>, Persistent<Value<'static>>)>> = const { RefCell::new(Vec::new()) };
}

/// QuickJS's host rejection tracker: records a promise rejected without a
/// handler, and forgets it if a handler comes before the next flush.
fn track_rejection<'js>(ctx: Ctx<'js>, promise: Value<'js>, reason: Value<'js>, handled: bool) {
    REJECTED.with(|r| {
        let mut r = r.borrow_mut();
        if handled {
            let raw = promise.as_raw();
            // Persistent values compare by the value they hold.
            r.retain(|(p, _)| {
                p.clone()
                    .restore(&ctx)
                    .map(|v| !values_identical(&ctx, &v.as_raw(), &raw))
                    .unwrap_or(false)
            });
        } else {
            r.push((
                Persistent::save(&ctx, promise),
                Persistent::save(&ctx, reason),
            ));
        }
    });
}

fn values_identical(ctx: &Ctx<'_>, a: &rquickjs::qjs::JSValue, b: &rquickjs::qjs::JSValue) -> bool {
    // SAFETY: both are live values of this context's runtime;
    // JS_IsSameValue only reads them.
    unsafe { rquickjs::qjs::JS_IsSameValue(ctx.as_raw().as_ptr(), *a, *b) }
}

/// Dispatches `unhandledrejection` for each promise still unhandled (the
/// prelude logs those no listener canceled). Nothing to do is one check.
fn flush_rejections<'js>(ctx: &Ctx<'js>, hooks: &Object<'js>) -> bool {
    let pending = REJECTED.with(|r| {
        let mut r = r.borrow_mut();
        if r.is_empty() {
            Vec::new()
        } else {
            std::mem::take(&mut *r)
        }
    });
    if pending.is_empty() {
        return false;
    }
    let Ok(report) = hooks.get::<_, Function>("unhandledRejection") else {
        return false;
    };
    for (promise, reason) in pending {
        if let (Ok(p), Ok(r)) = (promise.restore(ctx), reason.restore(ctx)) {
            // A listener that throws is reported by the prelude itself.
            let _ = report.call::<_, ()>((p, r));
        }
    }
    true
}

/// Drives the job queue (and virtual-time timers) until `promise` settles.
fn settle<'js>(
    ctx: &Ctx<'js>,
    hooks: &Object<'js>,
    promise: Promise<'js>,
) -> Result<Value<'js>, ScriptError> {
    drive(ctx, hooks, &promise, false, false)?
        .map_err(|_| internal("a virtual-time drive stopped for a timer"))
}

/// Runs jobs, then timers, until `promise` settles: `Ok(value)`. In virtual
/// time every next timer fires at once; in `real_time` one not due yet stops
/// the drive with its delay in milliseconds (`Err(ms)`), unless
/// `fire_first` says the wait for it is over.
#[inline(always)]
fn drive<'js>(
    ctx: &Ctx<'js>,
    hooks: &Object<'js>,
    promise: &Promise<'js>,
    real_time: bool,
    mut fire_first: bool,
) -> Result<Result<Value<'js>, u32>, ScriptError> {
    loop {
        match promise.state() {
            PromiseState::Resolved | PromiseState::Rejected => {
                return match promise.result::<Value>() {
                    Some(Ok(v)) => Ok(Ok(v)),
                    Some(Err(e)) => Err(describe(ctx, e)),
                    None => Err(internal("promise state changed while reading it")),
                };
            }
            PromiseState::Pending => {
                if ctx.execute_pending_job() {
                    continue;
                }
                // The job queue is empty: the microtask checkpoint, where
                // unhandled rejections are reported.
                if flush_rejections(ctx, hooks) {
                    continue;
                }
                if real_time && !fire_first {
                    let delay: Function =
                        hooks.get("nextTimerDelay").map_err(|e| describe(ctx, e))?;
                    match delay
                        .call::<_, Option<f64>>(())
                        .map_err(|e| describe(ctx, e))?
                    {
                        None if woke_idle(ctx, hooks)? => continue,
                        None => return Err(never_settles()),
                        Some(ms) if ms >= 1.0 => {
                            return Ok(Err(ms.min(f64::from(u32::MAX)) as u32));
                        }
                        Some(_) => {}
                    }
                }
                fire_first = false;
                let next: Function = hooks.get("runNextTimer").map_err(|e| describe(ctx, e))?;
                let fired: bool = next.call(()).map_err(|e| describe(ctx, e))?;
                if !fired && !woke_idle(ctx, hooks)? {
                    return Err(never_settles());
                }
            }
        }
    }
}

/// Request headers as a flat `[name, value, ...]` array with lowercase
/// names (the host validated them; HTTP names are case-insensitive).
fn flat_headers_to_js<'js>(
    ctx: &Ctx<'js>,
    pairs: &[(String, String)],
) -> Result<Array<'js>, ScriptError> {
    let arr = Array::new(ctx.clone()).map_err(|e| describe(ctx, e))?;
    for (i, (k, v)) in pairs.iter().enumerate() {
        let name = if k.bytes().any(|b| b.is_ascii_uppercase()) {
            std::borrow::Cow::Owned(k.to_ascii_lowercase())
        } else {
            std::borrow::Cow::Borrowed(k.as_str())
        };
        arr.set(2 * i, name.as_ref())
            .map_err(|e| describe(ctx, e))?;
        arr.set(2 * i + 1, v.as_str())
            .map_err(|e| describe(ctx, e))?;
    }
    Ok(arr)
}

fn response_from_js<'js>(ctx: &Ctx<'js>, out: Value<'js>) -> Result<FetchAnswer, ScriptError> {
    let parts = Array::from_value(out).map_err(|e| describe(ctx, e))?;
    let status: u16 = parts.get(0).map_err(|e| describe(ctx, e))?;
    // null (no headers), a string (only a content-type), or [name, value, ...].
    let headers: Value = parts.get(1).map_err(|e| describe(ctx, e))?;
    let headers = if headers.is_null() {
        Vec::new()
    } else if let Some(s) = headers.as_string() {
        let value = s.to_string().map_err(|e| describe(ctx, e))?;
        vec![("content-type".to_string(), value)]
    } else {
        flat_headers_from_js(ctx, headers)?
    };
    let body: Value = parts.get(2).map_err(|e| describe(ctx, e))?;
    // `true` in the body's place: the body is a stream, read with
    // read-body; a number: the answer accepted a WebSocket.
    let special = if body.as_bool() == Some(true) {
        Some(AnswerBody::Streaming)
    } else if body.is_number() {
        Some(AnswerBody::Websocket)
    } else {
        None
    };
    if let Some(kind) = special {
        return Ok(FetchAnswer {
            response: Response {
                status,
                headers,
                body: Vec::new(),
            },
            body: kind,
        });
    }
    let body = match body.as_string() {
        Some(s) => s.to_string().map_err(|e| describe(ctx, e))?.into_bytes(),
        None => TypedArray::<u8>::from_value(body)
            .map_err(|e| describe(ctx, e))?
            .as_bytes()
            .map(<[u8]>::to_vec)
            .unwrap_or_default(),
    };
    Ok(FetchAnswer {
        response: Response {
            status,
            headers,
            body,
        },
        body: AnswerBody::Whole,
    })
}

fn internal(message: &str) -> ScriptError {
    ScriptError {
        name: "InternalError".into(),
        message: message.into(),
        stack: String::new(),
    }
}
