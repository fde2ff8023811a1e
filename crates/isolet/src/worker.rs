//! A loaded worker: its instance, its entrypoints, and one invocation under
//! limits (fuel, memory, wall-clock deadline) with its trace.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use wasmtime::Store;

use crate::bindings::Binding;
use crate::error::{Error, Result, ScriptError};
use crate::http::{BodyStream, Request, Response, StreamingResponse};
use crate::instance::{Checkout, Instance, Pool};
use crate::invocation::Caller;
use crate::limits::EPOCH_TICK;
use crate::limits::{Effective, Limits, MAX_RESPONSE_HEADER_BYTES, Stop};
use crate::outbound::BoxFuture;
use crate::shared::Shared;
use crate::state::{HostState, WorkerEnv};
use crate::tail::{EventInfo, Outcome, TraceEvent, now_ms};
use crate::websocket::{WebSocket, WebSocketMessage};
use crate::wire::Value;
use crate::wit::isolet::worker::types as wt;
use isolet_code::WorkerCode;
use tokio::sync::OwnedSemaphorePermit;

/// A handle to a loaded worker. Cheap to clone.
///
/// A one-shot worker (`Runtime::load`) is one instance: its calls run one at
/// a time, like an isolate. A warm worker (`Runtime::get`) may run up to
/// [`RuntimeBuilder::instances_per_worker`](crate::RuntimeBuilder::instances_per_worker)
/// instances of its code when calls overlap; calls that do not overlap reuse
/// the most recently used instance, so its module state carries over. As on
/// Cloudflare, code must not rely on two requests sharing (or not sharing)
/// module state. Code with
/// [`fresh_instance_per_request`](crate::WorkerCode::fresh_instance_per_request)
/// set runs every call in a new instance, dropped after the call.
///
/// ```
/// # #[tokio::main] async fn main() -> isolet::Result<()> {
/// # let runtime = isolet::Runtime::builder().build().await?;
/// let worker = runtime.load(isolet::WorkerCode::js(r#"
///     export default { fetch() { return new Response("main") } };
///     export const admin = { fetch() { return new Response("admin") } };
/// "#)).await?;
/// let r = worker.entrypoint(Some("admin")).fetch(isolet::Request::get("https://x/")).await?;
/// assert_eq!(r.text(), "admin");
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Worker {
    inner: Arc<WorkerInner>,
}

/// What a worker needs of the runtime that made it: what all its workers
/// share, and the two things only the runtime can do, because they involve
/// its other workers. `runtime.rs` implements it; a worker sees nothing
/// else of the runtime.
pub(crate) trait Home: Send + Sync + 'static {
    /// The engine, caches, sinks and counters.
    fn shared(&self) -> &Shared;
    /// Worker `id` for a call nested in `chain` (a tail delivery): the warm
    /// one, or a one-shot instance when `id` is busy up the chain.
    fn nested_worker(
        self: Arc<Self>,
        id: String,
        chain: Vec<String>,
    ) -> BoxFuture<'static, std::result::Result<Worker, String>>;
    /// Drops `worker` from the warm cache (it is `id`'s, or with a
    /// non-empty `object` that object's), unless another worker has taken
    /// its place there.
    fn forget(&self, id: &str, object: &str, worker: &Worker);
}

struct WorkerInner {
    /// Whether its modules' bytecode goes into the runtime's cache (not
    /// for a worker another worker loaded: its code is a tenant's to
    /// vary, and the cache is everyone's).
    shares_bytecode: bool,
    rt: Arc<dyn Home>,
    id: Option<String>,
    limits: Effective,
    env: Arc<WorkerEnv>,
    /// The code every instance of this worker runs (more instances are
    /// created from it when calls overlap).
    code: WorkerCode,
    pool: Pool,
    /// This worker's traces on their way to its tail workers (see
    /// `deliver_to_tail_workers`).
    tail_deliveries: Arc<tokio::sync::Semaphore>,
}

/// Most deliveries of a worker's traces to its tail workers in flight at
/// once; past it (or past [`MAX_TAIL_DELIVERIES_PER_RUNTIME`] for the
/// whole runtime) a trace is not delivered, and a log line counts those
/// dropped.
pub(crate) const MAX_TAIL_DELIVERIES_PER_WORKER: usize = 32;
pub(crate) const MAX_TAIL_DELIVERIES_PER_RUNTIME: usize = 256;

impl Drop for WorkerInner {
    /// A worker without an id (`Runtime::load`, each `POST /run`) has a
    /// Cache API of its own that nothing can reach after it: its entries go
    /// with it.
    fn drop(&mut self) {
        if self.id.is_none()
            && let Some(cache) = self.env.surroundings.cache()
        {
            cache.forget(&self.env.cache_key);
        }
    }
}

/// One of a worker's entrypoints: the default export (`None`) or a named one.
pub struct Entrypoint<'a> {
    worker: &'a Worker,
    name: Option<String>,
    /// Who calls it (for nested, worker-to-worker calls) and its
    /// `ctx.props`.
    caller: Caller,
}

enum Call {
    Init(wt::WorkerSpec),
    /// With the request's streamed body, if it streams.
    Fetch(Option<String>, wt::Request, Option<BodyStream>),
    /// Entrypoint, method and the arguments' wire text.
    Rpc(Option<String>, String, Arc<str>),
}

enum Output {
    Init(Vec<wt::CompiledModule>),
    /// The guest's answer. A streaming or WebSocket one never leaves
    /// `invoke`: it turns it into `Streamed`.
    Fetch(wt::FetchAnswer),
    Rpc(String),
    /// A response whose body a task is still reading from the worker; the
    /// invocation's trace comes when it ends.
    Streamed(
        StreamingResponse,
        tokio::sync::oneshot::Receiver<TraceEvent>,
    ),
}

/// What goes on after a fetch answer that did not carry its whole body.
enum Session {
    Body(ToReader),
    Socket(SocketEnds),
}

/// The session's ends of an accepted WebSocket (see `run_socket`), and
/// where its trace goes.
struct SocketEnds {
    from_client: tokio::sync::mpsc::Receiver<WebSocketMessage>,
    to_client: tokio::sync::mpsc::Sender<WebSocketMessage>,
    trace: tokio::sync::oneshot::Sender<TraceEvent>,
}

/// Chunks a streamed body may run ahead of its reader.
const BODY_CHUNKS_AHEAD: usize = 4;

/// Where the task reading a streamed body sends it: the chunks, then how
/// the body ended, then the invocation's trace.
struct ToReader {
    chunks: tokio::sync::mpsc::Sender<Result<Vec<u8>>>,
    end: tokio::sync::oneshot::Sender<Result<()>>,
    trace: tokio::sync::oneshot::Sender<TraceEvent>,
}

impl Worker {
    /// Validates `code` and creates the worker with its first instance
    /// (instantiated and initialized). `instances` bounds how many instances
    /// may serve overlapping calls.
    pub(crate) async fn create(
        home: Arc<dyn Home>,
        id: Option<String>,
        code: WorkerCode,
        instances: usize,
        granted: HashMap<String, Arc<dyn Binding>>,
        storage: Option<crate::storage::StorageTarget>,
        shares_bytecode: bool,
    ) -> Result<Worker> {
        code.validate().map_err(Error::InvalidCode)?;
        let rt = home.shared();
        let (code, source_maps) = rt.transpiled.apply(code).await?;
        let limits = Effective::resolve(code.limits.unwrap_or_default(), rt.defaults);
        if limits.memory_bytes > rt.max_memory_bytes {
            return Err(Error::InvalidCode(vec![format!(
                "`limits.memoryBytes` {} exceeds this runtime's maximum of {}",
                limits.memory_bytes, rt.max_memory_bytes
            )]));
        }
        static UNNAMED: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let cache_key = match &id {
            Some(id) => id.clone(),
            // A worker without an id has a cache of its own: the NUL
            // keeps the key apart from every id, the counter from other
            // such workers.
            None => format!(
                "\u{0}load#{}",
                UNNAMED.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
            ),
        };
        let env = Arc::new(WorkerEnv {
            surroundings: rt.surroundings.clone(),
            id: id.clone(),
            cache_key,
            outbound: code.global_outbound.clone(),
            bindings: code.bindings.clone(),
            // Each tail worker once, however often it is listed.
            tails: {
                let mut tails: Vec<Arc<crate::state::TailTarget>> = Vec::new();
                for t in &code.tails {
                    if !tails.iter().any(|have| have.consumer == *t) {
                        tails.push(Arc::new(crate::state::TailTarget::of(t)));
                    }
                }
                tails
            },
            limits,
            source_maps,
            granted,
            storage,
        });
        let worker = Worker {
            inner: Arc::new(WorkerInner {
                shares_bytecode,
                rt: home,
                id,
                limits,
                env,
                code,
                pool: Pool::new(instances),
                tail_deliveries: Arc::new(tokio::sync::Semaphore::new(
                    MAX_TAIL_DELIVERIES_PER_WORKER,
                )),
            }),
        };
        let instance = worker.new_instance().await?;
        worker.inner.pool.checkin(instance);
        Ok(worker)
    }

    /// A new instance of this worker's engine with its code initialized.
    async fn new_instance(&self) -> Result<Instance> {
        let inner = &*self.inner;
        let rt = inner.rt.shared();
        let limits = inner.limits;
        let mut store = Store::new(
            &rt.engine,
            HostState::new(limits.memory_bytes, Some(inner.env.clone())),
        );
        store.limiter(|s| &mut s.limiter);
        if rt.exact_fuel {
            store.set_fuel(limits.fuel).map_err(Error::engine)?;
        }
        // Every epoch tick while guest code runs: stop it once it has used
        // its CPU time or passed its deadline; otherwise let the thread's
        // other tasks run before it goes on (a long-running worker gets
        // slices of a tick, so it cannot hold up its neighbours on the same
        // thread for its whole CPU limit). The time it waits to go on does
        // not count as its CPU time.
        store.epoch_deadline_callback(|cx| {
            let s = &cx.data().invocation;
            if std::time::Instant::now() >= s.deadline {
                return Err(Stop::Deadline.into());
            }
            if s.cpu_used() > s.cpu_limit {
                return Err(Stop::Cpu.into());
            }
            let yielded = s.yielded.clone();
            Ok(wasmtime::UpdateDeadline::YieldCustom(
                1,
                Box::pin(async move {
                    let since = std::time::Instant::now();
                    tokio::task::yield_now().await;
                    yielded.fetch_add(
                        since.elapsed().as_nanos() as u64,
                        std::sync::atomic::Ordering::Relaxed,
                    );
                }),
            ))
        });
        store.set_epoch_deadline(1);
        let pre = if inner.code.is_python() {
            rt.python().await?
        } else {
            &rt.js
        };
        let bindings = match pre.instantiate_async(&mut store).await {
            Ok(b) => b,
            Err(e)
                if e.downcast_ref::<wasmtime::PoolConcurrencyLimitError>()
                    .is_some() =>
            {
                return Err(Error::Capacity(format!("{e}")));
            }
            Err(_) if store.data().limiter.hit => {
                return Err(Error::MemoryLimitExceeded {
                    limit: limits.memory_bytes,
                });
            }
            Err(e) => return Err(Error::engine(e)),
        };
        let mut instance = Instance::new(store, bindings, &rt.live, &inner.pool);
        let (mut spec, keys) = rt.bytecode.prepare(&inner.code);
        spec.want_bytecode &= inner.shares_bytecode;
        if inner.env.storage.is_some() {
            spec.bindings.push(wt::Binding {
                name: crate::storage::BINDING.to_string(),
                kind: wt::BindingKind::Capability,
            });
        }
        let (result, _trace, _discard) = self
            .run(
                &mut instance,
                None,
                EventInfo::Init,
                Call::Init(spec),
                Caller::default(),
            )
            .await;
        if let Output::Init(compiled) = result?
            && inner.shares_bytecode
        {
            rt.bytecode.store(&keys, compiled);
        }
        Ok(instance)
    }

    /// Calls the default entrypoint's `fetch` handler.
    pub async fn fetch(&self, request: Request) -> Result<Response> {
        self.entrypoint(None).fetch(request).await
    }

    /// An entrypoint: `None` for the default export, `Some(name)` for a named export.
    pub fn entrypoint(&self, name: Option<&str>) -> Entrypoint<'_> {
        Entrypoint {
            worker: self,
            name: name.map(str::to_string),
            caller: Caller::default(),
        }
    }

    /// An entrypoint for a call made by another worker (service binding,
    /// gateway, a parent), carrying the call chain, the callee's
    /// `ctx.props` (wire JSON) and what the caller passed by reference.
    pub(crate) fn nested(&self, name: Option<&str>, caller: Caller) -> Entrypoint<'_> {
        Entrypoint {
            worker: self,
            name: name.map(str::to_string),
            caller,
        }
    }

    /// The id this worker was created under by `Runtime::get`.
    pub fn id(&self) -> Option<&str> {
        self.inner.id.as_deref()
    }

    /// The limits this worker runs under.
    ///
    /// ```
    /// # #[tokio::main] async fn main() -> isolet::Result<()> {
    /// # let runtime = isolet::Runtime::builder().build().await?;
    /// # let worker = runtime.load(isolet::WorkerCode::js("export default {}")).await?;
    /// // A worker whose code sets no memory limit has the default, 128 MiB.
    /// assert_eq!(worker.limits().memory_bytes, Some(128 << 20));
    /// # Ok(()) }
    /// ```
    pub fn limits(&self) -> Limits {
        let l = self.inner.limits;
        Limits {
            memory_bytes: Some(l.memory_bytes),
            cpu_time: Some(l.cpu_time),
            fuel: Some(l.fuel),
            timeout: Some(l.timeout),
            sub_requests: Some(l.sub_requests),
            outbound_bytes: Some(l.outbound_bytes),
            response_bytes: Some(l.response_bytes),
            host_memory_bytes: Some(l.host_memory_bytes),
        }
    }

    fn untraced(&self, entrypoint: Option<&str>, event: EventInfo) -> TraceEvent {
        TraceEvent {
            worker_id: self.inner.id.clone(),
            entrypoint: entrypoint.map(str::to_string),
            event,
            outcome: Outcome::Canceled,
            logs: Vec::new(),
            exceptions: Vec::new(),
            outbound: Vec::new(),
            fuel_used: 0,
            cpu_time: Duration::ZERO,
            wall_time: Duration::ZERO,
            event_timestamp_ms: now_ms(),
        }
    }

    /// Sends `trace` to each tail worker's `tail(events)` handler, off the
    /// response path. A tail worker's own `tail` invocations are not tailed
    /// again, and a delivery is a call in the traced invocation's chain
    /// (`chain`, its callers): a tail worker that calls back the worker it
    /// tails makes a chain that grows each round until `MAX_CALL_DEPTH`
    /// stops it, like any loop of calls between workers.
    fn deliver_to_tail_workers(
        &self,
        tails: &[Arc<crate::state::TailTarget>],
        trace: &TraceEvent,
        chain: &[String],
    ) {
        let is_tail_call = matches!(&trace.event, EventInfo::Rpc { method } if method == "tail");
        if tails.is_empty() || is_tail_call || matches!(trace.event, EventInfo::Init) {
            return;
        }
        if chain.len() + 1 >= crate::bindings::MAX_CALL_DEPTH {
            tracing::warn!(
                "trace not delivered to tail workers: calls nested too deeply ({} -> ...)",
                chain.join(" -> ")
            );
            return;
        }
        let mut chain = chain.to_vec();
        chain.push(self.inner.id.clone().unwrap_or_default());
        let Ok(handle) = tokio::runtime::Handle::try_current() else {
            tracing::warn!("tail workers need a tokio runtime; trace not delivered");
            return;
        };
        // One wire text of the trace (the `tail` method's one argument, a
        // list of one event, in Cloudflare's TraceItem shape) shared by all
        // deliveries; each copies it
        // only into its tail worker's memory while its call runs.
        let events: Arc<str> = match serde_json::to_string(&[[crate::tail::TailItem::of(trace)]]) {
            Ok(text) => Arc::from(text),
            Err(e) => {
                tracing::warn!("trace not delivered to tail workers: {e}");
                return;
            }
        };
        let home = &self.inner.rt;
        let rt = home.shared();
        for tail in tails {
            // Bounded in flight, per traced worker and per runtime: a slow
            // tail worker cannot make deliveries (each holding the trace
            // while it waits for an instance) pile up; past either bound
            // the delivery is dropped and counted.
            let permits = rt
                .tail_deliveries
                .clone()
                .try_acquire_owned()
                .ok()
                .zip(self.inner.tail_deliveries.clone().try_acquire_owned().ok());
            let Some(permits) = permits else {
                let dropped = rt
                    .tail_dropped
                    .fetch_add(1, std::sync::atomic::Ordering::Relaxed)
                    + 1;
                if dropped.is_power_of_two() {
                    tracing::warn!(
                        "trace of {:?} not delivered to tail worker {:?}: too many deliveries in flight (at most {MAX_TAIL_DELIVERIES_PER_WORKER} per traced worker, {MAX_TAIL_DELIVERIES_PER_RUNTIME} per runtime); {dropped} dropped so far",
                        self.inner.id.as_deref().unwrap_or(""),
                        tail.consumer.worker
                    );
                }
                continue;
            };
            let home = home.clone();
            let tail = tail.clone();
            let events = events.clone();
            let chain = chain.clone();
            handle.spawn(async move {
                let _permits = permits;
                let result = match home
                    .nested_worker(tail.consumer.worker.clone(), chain.clone())
                    .await
                {
                    Ok(worker) => {
                        let event = EventInfo::Rpc {
                            method: "tail".into(),
                        };
                        worker
                            .nested(
                                tail.consumer.entrypoint.as_deref(),
                                Caller::nested(chain, tail.props.clone()),
                            )
                            .call_wire("tail", event, events)
                            .await
                            .0
                            .map(drop)
                            .map_err(|e| e.to_string())
                    }
                    Err(e) => Err(e),
                };
                if let Err(e) = result {
                    tracing::warn!("tail worker {:?}: {e}", tail.consumer.worker);
                }
            });
        }
    }

    pub(crate) fn same_as(&self, other: &Worker) -> bool {
        Arc::ptr_eq(&self.inner, &other.inner)
    }

    /// The code this worker runs.
    ///
    /// ```
    /// # #[tokio::main] async fn main() -> isolet::Result<()> {
    /// let runtime = isolet::Runtime::builder().build().await?;
    /// let worker = runtime.load(isolet::WorkerCode::js("export default {}")).await?;
    /// assert_eq!(worker.code().main_module, "main.js");
    /// # Ok(()) }
    /// ```
    pub fn code(&self) -> &WorkerCode {
        &self.inner.code
    }

    /// How many handles to this worker exist (the warm cache's own, callers
    /// mid-call, streamed bodies and sockets still running on it).
    pub(crate) fn handles(&self) -> usize {
        Arc::strong_count(&self.inner)
    }

    /// An instance to run on: an idle one, or a new one when all are busy
    /// and the pool may grow (or, with no room left for a new instance, the
    /// next of this worker's own to come back).
    async fn acquire(&self) -> Result<(Instance, OwnedSemaphorePermit)> {
        let pool = &self.inner.pool;
        // A call waits for a busy worker's instance at most as long as it
        // may run (WebSockets and slow calls hold instances).
        match pool.checkout_within(self.inner.limits.timeout).await? {
            Checkout::Idle(instance, permit) => Ok((instance, permit)),
            Checkout::Grow(permit) => match self.new_instance().await {
                Ok(instance) => Ok((instance, permit)),
                // Used instances of a fresh-per-request worker never come back.
                Err(Error::Capacity(_)) if !self.inner.code.fresh_instance_per_request => {
                    let wait = self.inner.limits.timeout;
                    match tokio::time::timeout(wait, pool.wait_for_idle(permit)).await {
                        Ok(leased) => leased,
                        Err(_) => Err(Error::Capacity(format!(
                            "the instance pool is full and none of this worker's instances came free in {} ms (its timeoutMs)",
                            wait.as_millis()
                        ))),
                    }
                }
                Err(e) => Err(e),
            },
        }
    }

    /// Runs `call` on one of the worker's instances (see `acquire`).
    async fn invoke(
        &self,
        entrypoint: Option<&str>,
        event: EventInfo,
        call: Call,
        caller: Caller,
    ) -> (Result<Output>, TraceEvent) {
        let started = Instant::now();
        let (mut instance, permit) = match self.acquire().await {
            Ok(leased) => leased,
            Err(e) => {
                let mut trace = self.untraced(entrypoint, event);
                trace.wall_time = started.elapsed();
                return (Err(e), trace);
            }
        };
        let (result, trace, discard) = self
            .run(&mut instance, entrypoint, event, call, caller)
            .await;
        let result = match result {
            Ok(Output::Fetch(answer)) if answer.body != wt::AnswerBody::Whole => {
                // The instance stays with the invocation until the body
                // ends or the socket closes; its trace comes then.
                let (trace_tx, trace_rx) = tokio::sync::oneshot::channel();
                let worker = self.clone();
                let pending_trace = trace.clone();
                let (body, web_socket, session) = if answer.body == wt::AnswerBody::Websocket {
                    let (socket, from_client, to_client) = WebSocket::channel();
                    let ends = SocketEnds {
                        from_client,
                        to_client,
                        trace: trace_tx,
                    };
                    (
                        BodyStream::whole(Vec::new()),
                        Some(socket),
                        Session::Socket(ends),
                    )
                } else {
                    let (chunks_tx, chunks) = tokio::sync::mpsc::channel(BODY_CHUNKS_AHEAD);
                    let (end_tx, end) = tokio::sync::oneshot::channel();
                    let to_reader = ToReader {
                        chunks: chunks_tx,
                        end: end_tx,
                        trace: trace_tx,
                    };
                    (
                        BodyStream::streamed(chunks, end),
                        None,
                        Session::Body(to_reader),
                    )
                };
                tokio::spawn(async move {
                    match session {
                        Session::Socket(ends) => {
                            worker
                                .run_socket(instance, permit, started, trace, ends)
                                .await
                        }
                        Session::Body(to_reader) => {
                            worker
                                .stream_body(instance, permit, started, trace, to_reader)
                                .await
                        }
                    }
                });
                let response = StreamingResponse {
                    status: answer.response.status,
                    headers: answer.response.headers,
                    body,
                    web_socket,
                };
                return (Ok(Output::Streamed(response, trace_rx)), pending_trace);
            }
            other => other,
        };
        self.release(instance, discard);
        drop(permit);
        (result, trace)
    }

    /// Hands an instance back after an invocation: to the pool, or dropped
    /// (a fresh-per-request worker's, or one in an unknown state, which
    /// retires the worker).
    fn release(&self, instance: Instance, discard: bool) {
        let pool = &self.inner.pool;
        if self.inner.code.fresh_instance_per_request {
            // Nothing of this instance reaches another call, whatever its
            // outcome; the worker's other instances are untouched (each is
            // new). Dropped here, not later, so its pool slot is free for
            // the next call.
            drop(instance);
        } else if discard {
            // Anything but a script exception leaves the instance in an
            // unknown state: retire this worker, never reuse its instances.
            drop(instance);
            pool.discard();
            if let Some(id) = &self.inner.id {
                let object = self.inner.env.storage.as_ref().map_or("", |t| &t.object);
                self.inner.rt.forget(id, object, self);
            }
        } else {
            pool.checkin(instance);
        }
    }

    /// Reads a streamed body from the worker into `chunks` until its end, an
    /// error, a limit, or a reader that went away (the instance is then
    /// dropped: its stream was left half read). The deadline counts from the
    /// invocation's start; CPU time only while the worker runs. Ends with
    /// the invocation's trace.
    async fn stream_body(
        self,
        mut instance: Instance,
        permit: OwnedSemaphorePermit,
        started: Instant,
        base: TraceEvent,
        to_reader: ToReader,
    ) {
        let ToReader {
            chunks,
            end,
            trace: trace_tx,
        } = to_reader;
        let limits = self.inner.limits;
        // The deadline the guest's epoch callback enforces (set when the
        // invocation began).
        let deadline = instance.store.data().invocation.deadline;
        let timeout = || Error::Timeout(limits.timeout);
        let mut abandoned = false;
        let mut sent: u64 = 0;
        let outcome: Result<()> = loop {
            let chunk = match guarded_step(&mut instance, &limits, ReadBody).await {
                Ok(chunk) => chunk,
                Err(e) => break Err(e),
            };
            match chunk {
                wt::BodyChunk::End => break Ok(()),
                wt::BodyChunk::Data(bytes) => {
                    sent += bytes.len() as u64;
                    if sent > limits.response_bytes {
                        // The bytes within the limit go; the rest never does.
                        let within = bytes.len() as u64 - (sent - limits.response_bytes);
                        let mut bytes = bytes;
                        bytes.truncate(within as usize);
                        if !bytes.is_empty() {
                            let _ =
                                tokio::time::timeout_at(deadline.into(), chunks.send(Ok(bytes)))
                                    .await;
                        }
                        break Err(Error::ResponseTooLarge {
                            limit: limits.response_bytes,
                        });
                    }
                    match tokio::time::timeout_at(deadline.into(), chunks.send(Ok(bytes))).await {
                        Ok(Ok(())) => {}
                        Ok(Err(_)) => {
                            abandoned = true;
                            break Ok(());
                        }
                        Err(_) => break Err(timeout()),
                    }
                }
                wt::BodyChunk::Wait(ms) => {
                    let until = later(Duration::from_millis(u64::from(ms)));
                    if until > deadline {
                        tokio::time::sleep_until(deadline.into()).await;
                        break Err(timeout());
                    }
                    // A reader that goes away while the worker waits ends it too.
                    tokio::select! {
                        _ = tokio::time::sleep_until(until.into()) => {}
                        _ = chunks.closed() => {
                            abandoned = true;
                            break Ok(());
                        }
                    }
                }
            }
        };
        let result = match outcome {
            Ok(()) if abandoned => Err(Error::Engine(
                "the response body's reader went away before its end".into(),
            )),
            other => other,
        };
        let (mut trace, mut discard) = self.conclude(&mut instance, base, started, &result);
        if abandoned {
            // Not the worker's failure: only this instance goes.
            trace.outcome = Outcome::Canceled;
            discard = false;
        }
        let cut_off = matches!(result, Err(Error::ResponseTooLarge { .. }));
        // The reader sees why the body stopped short, after the chunks it
        // has not read yet.
        let _ = end.send(result);
        drop(chunks);
        if (abandoned || cut_off) && !discard {
            // A half-read stream stays in the instance: never reuse it (the
            // worker's other instances are fine).
            drop(instance);
        } else {
            self.release(instance, discard);
        }
        drop(permit);
        let _ = trace_tx.send(trace);
    }

    /// Runs the session of a WebSocket the worker accepted: the client's
    /// messages go to the worker one event at a time, what the worker
    /// sends goes to the client after each event, until both sides have
    /// closed (or a limit or error ends it: the client then gets a close
    /// with code 1011). Each event runs under the worker's CPU limit and
    /// wall-clock timeout of its own, as each message is a request of its
    /// own on Cloudflare; waiting for the client costs nothing. Once the
    /// client has closed, the worker has one timeout to finish. Ends with
    /// the invocation's trace (its logs and CPU time are the session's).
    async fn run_socket(
        self,
        mut instance: Instance,
        permit: OwnedSemaphorePermit,
        started: Instant,
        base: TraceEvent,
        ends: SocketEnds,
    ) {
        let SocketEnds {
            mut from_client,
            to_client,
            trace: trace_tx,
        } = ends;
        let limits = self.inner.limits;
        let exact_fuel = self.inner.rt.shared().exact_fuel;
        let mut fuel_spent: u64 = 0;
        let mut event = wt::SocketEvent::Run;
        let mut client_open = true;
        // Once the client has closed: when the worker must be done.
        let mut wind_up: Option<Instant> = None;
        let mut done = false;
        let outcome: Result<()> = loop {
            let deadline = later(limits.timeout);
            // Each event under limits of its own, within the session's
            // one invocation (its logs and CPU time add up).
            let deadline = wind_up.map_or(deadline, |w| w.min(deadline));
            {
                let s = instance.store.data_mut();
                s.invocation.deadline = deadline;
                s.invocation.cpu_limit = s.invocation.cpu_used().saturating_add(limits.cpu_time);
                s.limiter.hit = false;
            }
            if exact_fuel {
                fuel_spent += limits
                    .fuel
                    .saturating_sub(instance.store.get_fuel().unwrap_or(0));
                let _ = instance.store.set_fuel(limits.fuel);
            }
            let this_event = std::mem::replace(&mut event, wt::SocketEvent::Run);
            let step = match guarded_step(&mut instance, &limits, this_event).await {
                Ok(step) => step,
                Err(e) => break Err(e),
            };
            // What the worker sent in this step goes to the client (a
            // client that stopped reading holds the worker up to a timeout).
            let sent = instance.store.data_mut().invocation.take_socket_out();
            let mut stalled = false;
            for message in sent {
                // A receiver dropped on its own (split) discards messages.
                if tokio::time::timeout_at(deadline.into(), to_client.send(message))
                    .await
                    .is_err()
                {
                    stalled = true;
                    break;
                }
            }
            if stalled {
                break Err(Error::Timeout(limits.timeout));
            }
            let wait = match step {
                wt::SocketStep::Done => {
                    done = true;
                    break Ok(());
                }
                // Nothing more can happen: the client is gone and the
                // worker waits for nothing (it never took the close).
                wt::SocketStep::Idle if !client_open => break Ok(()),
                wt::SocketStep::Idle => None,
                wt::SocketStep::Wait(ms) => Some(later(Duration::from_millis(u64::from(ms)))),
            };
            let far = later(Duration::from_secs(86_400 * 365));
            event = tokio::select! {
                message = from_client.recv(), if client_open => match message {
                    Some(WebSocketMessage::Text(text)) => wt::SocketEvent::Message(wt::Message::Text(text)),
                    Some(WebSocketMessage::Binary(bytes)) => wt::SocketEvent::Message(wt::Message::Binary(bytes)),
                    Some(WebSocketMessage::Close { code, reason }) => {
                        client_open = false;
                        wt::SocketEvent::Close(wt::SocketClose { code, reason, clean: true })
                    }
                    None => {
                        client_open = false;
                        wt::SocketEvent::Close(wt::SocketClose { code: 1006, reason: String::new(), clean: false })
                    }
                },
                () = tokio::time::sleep_until(wait.unwrap_or(far).into()), if wait.is_some() => wt::SocketEvent::Run,
                () = tokio::time::sleep_until(wind_up.unwrap_or(far).into()), if wind_up.is_some() => {
                    break Err(Error::Timeout(limits.timeout));
                }
            };
            if !client_open && wind_up.is_none() {
                wind_up = Some(later(limits.timeout));
            }
        };
        if let Err(e) = &outcome {
            // The client hears why (RFC 6455's 1011: an unexpected condition).
            let mut reason = e.to_string();
            if reason.len() > 123 {
                crate::tail::shorten(&mut reason, 120);
            }
            let _ = to_client.try_send(WebSocketMessage::Close { code: 1011, reason });
        }
        drop(to_client);
        let (mut trace, discard) = self.conclude(&mut instance, base, started, &outcome);
        trace.fuel_used += fuel_spent;
        if !done && !discard {
            // The worker's end of the socket was left open: never reuse
            // this instance (the worker's others are fine).
            drop(instance);
        } else {
            self.release(instance, discard);
        }
        drop(permit);
        let _ = trace_tx.send(trace);
    }

    /// One invocation on `instance` under the worker's limits, its trace
    /// delivered to the sinks and tail workers. Also says whether the
    /// instance must be discarded.
    async fn run(
        &self,
        instance: &mut Instance,
        entrypoint: Option<&str>,
        event: EventInfo,
        call: Call,
        caller: Caller,
    ) -> (Result<Output>, TraceEvent, bool) {
        let started = Instant::now();
        let started_ms = now_ms();
        let limits = self.inner.limits;
        let exact_fuel = self.inner.rt.shared().exact_fuel;
        instance.store.data_mut().begin_invocation(caller, &limits);
        if exact_fuel {
            // Cannot fail: fuel is enabled on this engine.
            let _ = instance.store.set_fuel(limits.fuel);
        }
        let result = match guarded_step(instance, &limits, call).await {
            Ok(Output::Fetch(a))
                if a.body == wt::AnswerBody::Whole
                    && a.response.body.len() as u64 > limits.response_bytes =>
            {
                Err(Error::ResponseTooLarge {
                    limit: limits.response_bytes,
                })
            }
            // Every response, whatever its number of headers (one 4 MiB
            // header is as large as many small ones).
            Ok(Output::Fetch(a))
                if header_bytes(&a.response.headers) > MAX_RESPONSE_HEADER_BYTES =>
            {
                Err(Error::ResponseHeadersTooLarge {
                    limit: MAX_RESPONSE_HEADER_BYTES,
                })
            }
            other => other,
        };
        let base = TraceEvent {
            event_timestamp_ms: started_ms,
            ..self.untraced(entrypoint, event)
        };
        if matches!(&result, Ok(Output::Fetch(a)) if a.body != wt::AnswerBody::Whole) {
            // The invocation goes on while the body streams or the socket
            // is open (stream_body or run_socket concludes it).
            return (result, base, false);
        }
        let (trace, discard) = self.conclude(instance, base, started, &result);
        (result, trace, discard)
    }

    /// Ends an invocation: its trace (from `base`: worker, entrypoint, event,
    /// start) with what the instance recorded, delivered to the sinks and
    /// tail workers; and whether the instance must be discarded.
    fn conclude<T>(
        &self,
        instance: &mut Instance,
        base: TraceEvent,
        started: Instant,
        result: &Result<T>,
    ) -> (TraceEvent, bool) {
        let limits = self.inner.limits;
        let fuel_used = if self.inner.rt.shared().exact_fuel {
            limits
                .fuel
                .saturating_sub(instance.store.get_fuel().unwrap_or(0))
        } else {
            0
        };
        // The invocation's state, taken whole: what the trace does not keep
        // (a request body the worker did not read to its end, response
        // bodies it fetched and did not finish, WebSocket messages no
        // client will get) is dropped with it.
        let mut invocation = instance.store.data_mut().end_invocation();
        let cpu_time = invocation.cpu_used();
        let logs = invocation.logs.take();
        let outbound = invocation.outbound_log.take();
        // A script exception or a response over its size limits leaves the
        // instance usable (a cut-off stream's instance is dropped by
        // stream_body).
        let discard = matches!(result, Err(e) if !matches!(e, Error::Script(_) | Error::ResponseTooLarge { .. } | Error::ResponseHeadersTooLarge { .. } | Error::HostMemoryExceeded { .. }));

        // The uncaught errors the worker reported as it ran, then the one
        // that ended the invocation.
        let mut exceptions = std::mem::take(&mut invocation.exceptions);
        if let Err(Error::Script(e)) = result {
            exceptions.push(e.clone());
        }
        let trace = TraceEvent {
            outcome: Outcome::of(result),
            logs,
            exceptions,
            outbound,
            fuel_used,
            cpu_time,
            wall_time: started.elapsed(),
            ..base
        };
        self.deliver_to_tail_workers(&self.inner.env.tails, &trace, &invocation.chain);
        let is_init = matches!(trace.event, EventInfo::Init);
        if !(is_init && result.is_ok() && trace.logs.is_empty()) {
            for sink in self.inner.rt.shared().sinks.iter() {
                sink.on_event(&trace);
            }
        }
        (trace, discard)
    }
}

impl Entrypoint<'_> {
    /// This entrypoint with `props` as its `ctx.props`, as Cloudflare's
    /// `getEntrypoint(name, { props })`: what the caller tells the worker
    /// about the call (a user, a tenant, a greeting), which its code reads
    /// and cannot forge. `Value::Object` only; the default is `{}`.
    ///
    /// ```
    /// # #[tokio::main] async fn main() -> isolet::Result<()> {
    /// # let runtime = isolet::Runtime::builder().build().await?;
    /// use isolet::{Value, WorkerCode};
    /// let worker = runtime.load(WorkerCode::js(r#"
    ///     import { WorkerEntrypoint } from "cloudflare:workers";
    ///     export default class extends WorkerEntrypoint {
    ///         greet(name) { return `${this.ctx.props.greeting}, ${name}` }
    ///     }
    /// "#)).await?;
    /// let props = Value::from(serde_json::json!({ "greeting": "Howdy" }));
    /// let greeting = worker.entrypoint(None).with_props(&props)?.call("greet", vec!["Carol".into()]).await?;
    /// assert_eq!(greeting, Value::from("Howdy, Carol"));
    /// # Ok(()) }
    /// ```
    pub fn with_props(mut self, props: &Value) -> Result<Self> {
        if !matches!(props, Value::Object(_)) {
            return Err(Error::InvalidRequest("props must be an object".into()));
        }
        self.caller.props = Some(Arc::from(props.to_wire().to_string()));
        Ok(self)
    }

    /// Calls this entrypoint's `fetch` handler with `request`.
    pub async fn fetch(&self, request: Request) -> Result<Response> {
        self.fetch_traced(request).await.0
    }

    /// Like [`fetch`](Self::fetch), also returning the invocation's trace
    /// (its console output, exceptions, outcome, fuel and time), as the tail
    /// sinks receive it. Useful for "run this snippet and show me what it
    /// logged" flows.
    ///
    /// ```no_run
    /// # async fn demo(worker: isolet::Worker) {
    /// let (result, trace) = worker.entrypoint(None).fetch_traced(isolet::Request::get("https://x/")).await;
    /// for log in &trace.logs { println!("{:?}: {}", log.level, log.message); }
    /// # drop(result); }
    /// ```
    pub async fn fetch_traced(&self, request: Request) -> (Result<Response>, TraceEvent) {
        let (result, trace) = self.invoke_fetch(request, None).await;
        match result {
            Ok(Output::Fetch(answer)) => (Ok(Response::from(answer.response)), trace),
            Ok(Output::Streamed(resp, final_trace)) => {
                let result = resp.into_response().await;
                let trace = final_trace.await.unwrap_or(trace);
                (result, trace)
            }
            Ok(_) => (
                Err(Error::Engine(
                    "fetch returned the wrong kind of result".into(),
                )),
                trace,
            ),
            Err(e) => (Err(e), trace),
        }
    }

    /// Like [`fetch`](Self::fetch), but returns as soon as the worker has
    /// answered: a body the worker produces as a `ReadableStream` arrives
    /// chunk by chunk while the worker runs (server-sent events, NDJSON, a
    /// piped body). The invocation, with its limits, lasts until the body's
    /// end; its trace goes to the tail sinks then. A body the worker gave
    /// whole comes as one chunk.
    ///
    /// ```no_run
    /// # async fn demo(worker: isolet::Worker) -> isolet::Result<()> {
    /// let mut resp = worker.entrypoint(None).fetch_streaming(isolet::Request::get("https://x/events")).await?;
    /// while let Some(chunk) = resp.body.next_chunk().await {
    ///     println!("{}", String::from_utf8_lossy(&chunk?));
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn fetch_streaming(&self, request: Request) -> Result<StreamingResponse> {
        self.fetch_streaming_inner(request, None).await
    }

    /// Like [`fetch_streaming`](Self::fetch_streaming), with a request body
    /// that arrives while the worker runs: the worker's `request.body` is a
    /// stream that reads `body` as the worker consumes it (`request.text()`
    /// and the like wait for all of it). `request.body` must be empty.
    ///
    /// ```no_run
    /// # async fn demo(worker: isolet::Worker) -> isolet::Result<()> {
    /// let (tx, rx) = tokio::sync::mpsc::channel::<isolet::Result<Vec<u8>>>(4);
    /// let upload = isolet::BodyStream::from_stream(tokio_stream::wrappers::ReceiverStream::new(rx));
    /// tokio::spawn(async move {
    ///     for part in ["a,", "b,", "c"] {
    ///         let _ = tx.send(Ok(part.as_bytes().to_vec())).await;
    ///     }
    /// });
    /// let resp = worker
    ///     .entrypoint(None)
    ///     .fetch_with_body_stream(isolet::Request::new("POST", "https://x/upload"), upload)
    ///     .await?;
    /// println!("{}", resp.into_response().await?.text());
    /// # Ok(()) }
    /// ```
    pub async fn fetch_with_body_stream(
        &self,
        request: Request,
        body: BodyStream,
    ) -> Result<StreamingResponse> {
        if !request.body.is_empty() {
            return Err(Error::InvalidRequest(
                "a request with a streamed body must have no body bytes of its own".into(),
            ));
        }
        self.fetch_streaming_inner(request, Some(body)).await
    }

    /// Runs the fetch handler on `request` (with its streamed body, if any).
    async fn invoke_fetch(
        &self,
        request: Request,
        body: Option<BodyStream>,
    ) -> (Result<Output>, TraceEvent) {
        let event = EventInfo::Fetch {
            method: request.method.clone(),
            url: request.url.clone(),
        };
        let req = match validate_request(request, body.is_some()) {
            Ok(r) => r,
            Err(e) => return (Err(e), self.worker.untraced(self.name.as_deref(), event)),
        };
        self.worker
            .invoke(
                self.name.as_deref(),
                event,
                Call::Fetch(self.name.clone(), req, body),
                self.caller.clone(),
            )
            .await
    }

    async fn fetch_streaming_inner(
        &self,
        request: Request,
        body: Option<BodyStream>,
    ) -> Result<StreamingResponse> {
        match self.invoke_fetch(request, body).await.0? {
            Output::Fetch(answer) => Ok(StreamingResponse {
                status: answer.response.status,
                headers: answer.response.headers,
                body: BodyStream::whole(answer.response.body),
                web_socket: None,
            }),
            Output::Streamed(resp, _) => Ok(resp),
            _ => Err(Error::Engine(
                "fetch returned the wrong kind of result".into(),
            )),
        }
    }

    /// Calls the RPC method `method` on this entrypoint with `args` and
    /// returns its result (see [`Value`] for what crosses the boundary).
    /// Missing methods, private (`_`-prefixed) ones and `constructor` are
    /// script errors (`TypeError`).
    ///
    /// ```
    /// # #[tokio::main] async fn main() -> isolet::Result<()> {
    /// # let runtime = isolet::Runtime::builder().build().await?;
    /// # let worker = runtime
    /// #     .load(isolet::WorkerCode::js("export default { add(a, b) { return a + b } }"))
    /// #     .await?;
    /// use isolet::Value;
    /// let sum = worker.entrypoint(None).call("add", vec![Value::from(1), Value::from(2)]).await?;
    /// assert_eq!(sum, Value::Number(3.0));
    /// # Ok(()) }
    /// ```
    pub async fn call(&self, method: &str, args: Vec<Value>) -> Result<Value> {
        self.call_traced(method, args).await.0
    }

    /// Like [`call`](Self::call), also returning the invocation's trace
    /// (console output, exceptions, outcome, CPU and wall time).
    ///
    /// ```no_run
    /// # async fn demo(worker: isolet::Worker) {
    /// let (result, trace) = worker.entrypoint(None).call_traced("run", vec![]).await;
    /// for log in &trace.logs { println!("{:?}: {}", log.level, log.message); }
    /// # drop(result); }
    /// ```
    pub async fn call_traced(&self, method: &str, args: Vec<Value>) -> (Result<Value>, TraceEvent) {
        let event = EventInfo::Rpc {
            method: method.to_string(),
        };
        let wire = Value::Array(args).into_wire().to_string();
        self.call_wire(method, event, Arc::from(wire)).await
    }

    /// [`call_traced`](Self::call_traced) with its arguments already in
    /// wire text (shared: one copy for all of a trace's tail deliveries).
    pub(crate) async fn call_wire(
        &self,
        method: &str,
        event: EventInfo,
        wire: Arc<str>,
    ) -> (Result<Value>, TraceEvent) {
        let call = Call::Rpc(self.name.clone(), method.to_string(), wire);
        let (result, trace) = self
            .worker
            .invoke(self.name.as_deref(), event, call, self.caller.clone())
            .await;
        let limits = self.worker.inner.limits;
        let result = match result {
            // The callee's text is checked before it is parsed: parsed, it
            // may take ~75 times its size (2 bytes of text a value), so
            // what the parse may take is within the callee's host memory
            // budget, and the text within its response size limit.
            Ok(Output::Rpc(text)) if text.len() as u64 > limits.response_bytes => {
                Err(Error::ResponseTooLarge {
                    limit: limits.response_bytes,
                })
            }
            Ok(Output::Rpc(text))
                if crate::wire::parse_cost(&text) as u64 > limits.host_memory_bytes =>
            {
                Err(Error::HostMemoryExceeded {
                    limit: limits.host_memory_bytes,
                    what: format!(
                        "the result of {}() ({} bytes of wire text, about {} once parsed)",
                        crate::tail::clip(method, 64),
                        text.len(),
                        crate::wire::parse_cost(&text)
                    ),
                })
            }
            Ok(Output::Rpc(text)) => serde_json::from_str(&text)
                .map_err(|e| e.to_string())
                .and_then(Value::from_wire)
                .map_err(|e| {
                    Error::Engine(format!(
                        "the worker's RPC result is not valid wire data: {e}"
                    ))
                }),
            Ok(_) => Err(Error::Engine(
                "call returned the wrong kind of result".into(),
            )),
            Err(e) => Err(e),
        };
        (result, trace)
    }
}

/// `validate_request`'s verdict as (method, URL), for the fuzz targets.
#[cfg(feature = "fuzz")]
pub(crate) fn validate_request_for_fuzz(request: Request) -> Result<(String, String)> {
    validate_request(request, false).map(|r| (r.method, r.url))
}

/// Checks what the worker will trust: an absolute URL (normalized) and a
/// token method.
fn validate_request(request: Request, body_streams: bool) -> Result<wt::Request> {
    let url = url::Url::parse(&request.url).map_err(|e| {
        Error::InvalidRequest(format!("URL {:?} is not an absolute URL: {e}", request.url))
    })?;
    let token = |b: u8| b.is_ascii_graphic() && !b"()<>@,;:\\\"/[]?={}".contains(&b);
    if request.method.is_empty() || !request.method.bytes().all(token) {
        return Err(Error::InvalidRequest(format!(
            "method {:?} is not a valid HTTP method",
            request.method
        )));
    }
    Ok(wt::Request {
        method: request.method,
        url: url.into(),
        headers: request.headers,
        body: request.body,
        body_streams,
    })
}

/// The output gate after one call into the guest (see `storage`): what the
/// invocation wrote is committed before its output goes anywhere; a
/// commit that fails turns the output into an error.
async fn gated<T>(
    store: &mut Store<HostState>,
    r: wasmtime::Result<Result<T, wt::ScriptError>>,
) -> wasmtime::Result<Result<T, wt::ScriptError>> {
    if store.data().storage.is_none() {
        return r;
    }
    let commit = r.is_ok();
    // The commit's fsync is not the guest's CPU time.
    store.data_mut().invocation.cpu.pause();
    let gate = store.data_mut().storage_gate(commit).await;
    store.data_mut().invocation.cpu.resume();
    match gate {
        Err(e) if commit => Ok(Err(wt::ScriptError {
            name: "Error".into(),
            message: format!("the invocation's storage writes could not be committed: {e}"),
            stack: String::new(),
        })),
        _ => r,
    }
}

async fn guest_call(
    store: &mut Store<HostState>,
    bindings: &mut crate::wit::Worker,
    call: Call,
) -> wasmtime::Result<Result<Output, wt::ScriptError>> {
    Ok(match call {
        Call::Init(spec) => bindings
            .call_init(&mut *store, &spec)
            .await?
            .map(Output::Init),
        Call::Fetch(ep, req, body) => {
            store.data_mut().invocation.incoming = body;
            bindings
                .call_fetch(&mut *store, ep.as_deref(), &req)
                .await?
                .map(Output::Fetch)
        }
        Call::Rpc(ep, method, args) => bindings
            .call_call(&mut *store, ep.as_deref(), &method, &args[..])
            .await?
            .map(Output::Rpc),
    })
}

/// How long past an invocation's deadline the host waits for a guest step
/// before giving up on it: the epoch callback stops running guest code
/// within a tick or two, so this only ends a step stuck awaiting the host.
const GRACE: Duration = EPOCH_TICK
    .saturating_mul(2)
    .saturating_add(Duration::from_millis(50));

/// One kind of call into the guest: an invocation's first call (`init`,
/// `fetch`, RPC), a read of its streamed body, an event of its WebSocket.
trait GuestStep {
    type Out;
    fn call<'a>(
        self,
        store: &'a mut Store<HostState>,
        bindings: &'a mut crate::wit::Worker,
    ) -> impl Future<Output = wasmtime::Result<Result<Self::Out, wt::ScriptError>>> + Send + 'a;
}

impl GuestStep for Call {
    type Out = Output;
    fn call<'a>(
        self,
        store: &'a mut Store<HostState>,
        bindings: &'a mut crate::wit::Worker,
    ) -> impl Future<Output = wasmtime::Result<Result<Output, wt::ScriptError>>> + Send + 'a {
        guest_call(store, bindings, self)
    }
}

/// A `read-body` step of a streamed response.
struct ReadBody;

impl GuestStep for ReadBody {
    type Out = wt::BodyChunk;
    fn call<'a>(
        self,
        store: &'a mut Store<HostState>,
        bindings: &'a mut crate::wit::Worker,
    ) -> impl Future<Output = wasmtime::Result<Result<wt::BodyChunk, wt::ScriptError>>> + Send + 'a
    {
        bindings.call_read_body(store)
    }
}

/// A `socket-event` step of an accepted WebSocket.
impl GuestStep for wt::SocketEvent {
    type Out = wt::SocketStep;
    async fn call<'a>(
        self,
        store: &'a mut Store<HostState>,
        bindings: &'a mut crate::wit::Worker,
    ) -> wasmtime::Result<Result<wt::SocketStep, wt::ScriptError>> {
        bindings.call_socket_event(store, &self).await
    }
}

/// Runs one guest step under the current invocation's limits, the one
/// place they are armed: the CPU clock runs while it does, the epoch
/// callback stops it at the CPU limit or the deadline, the host waits for
/// it at most `GRACE` past the deadline (time spent awaiting the host),
/// the output gate commits its storage writes, and what it came to is
/// classified (`step_result`).
async fn guarded_step<S: GuestStep>(
    instance: &mut Instance,
    limits: &Effective,
    step: S,
) -> Result<S::Out> {
    let deadline = {
        let invocation = &mut instance.store.data_mut().invocation;
        invocation.cpu.resume();
        invocation.deadline
    };
    instance.store.set_epoch_deadline(1);
    let Instance {
        store, bindings, ..
    } = &mut *instance;
    let raw = tokio::time::timeout_at((deadline + GRACE).into(), async {
        let r = step.call(store, bindings).await;
        gated(store, r).await
    })
    .await;
    let invocation = &mut instance.store.data_mut().invocation;
    invocation.cpu.pause();
    // A call to a child that waits for this worker to answer an object's
    // method holds the child's instance: it does not outlive the step
    // (a WebSocket event, a streamed body's step) that made it.
    for (_, call) in invocation.pending.drain() {
        invocation.budget.release(call.held);
    }
    step_result(raw.ok(), instance, limits)
}

/// What one call into the guest came to: its value, or the error it
/// ended in (`None`: the host's timer ran out first). The one
/// classification for an invocation's first call and for the later steps
/// of a streamed body or a WebSocket session.
fn step_result<T>(
    raw: Option<wasmtime::Result<Result<T, wt::ScriptError>>>,
    instance: &Instance,
    limits: &Effective,
) -> Result<T> {
    let memory_hit = instance.store.data().limiter.hit;
    let budget = instance.store.data().invocation.budget;
    match raw {
        None => Err(Error::Timeout(limits.timeout)),
        Some(Err(trap)) => Err(classify_trap(&trap, memory_hit, limits)),
        Some(Ok(Err(_))) if memory_hit => Err(Error::MemoryLimitExceeded {
            limit: limits.memory_bytes,
        }),
        // The guest's error came from a host call refused for want of
        // host memory (its message says what asked for more).
        Some(Ok(Err(e))) if budget.exhausted() => Err(Error::HostMemoryExceeded {
            limit: budget.limit(),
            what: budget_what(&e.message),
        }),
        Some(Ok(Err(e))) => {
            let mut e = ScriptError::from(e);
            if let Some(env) = &instance.store.data().env {
                env.source_maps.remap(&mut e);
            }
            Err(Error::Script(e))
        }
        Some(Ok(Ok(value))) => Ok(value),
    }
}

/// The bytes of a header list, names and values, each header with its
/// overhead (so that many empty headers are not free).
fn header_bytes(headers: &[(String, String)]) -> u64 {
    crate::budget::header_list_bytes(headers) as u64
}

/// `d` from now; a time too far to represent is as good as never (`d` may
/// come from the tenant's `timeoutMs`).
fn later(d: Duration) -> Instant {
    let now = Instant::now();
    now.checked_add(d)
        .or_else(|| now.checked_add(Duration::from_secs(100 * 365 * 86_400)))
        .unwrap_or(now)
}

/// What exhausted the host memory budget, from the message of the
/// guest's error (`HostBudget::charge`'s text) when it has one.
fn budget_what(message: &str) -> String {
    let what = message
        .split_once(" bytes exhausted by ")
        .map_or("a host call", |(_, what)| what);
    crate::tail::clip(what, 256)
}

fn classify_trap(err: &wasmtime::Error, memory_hit: bool, limits: &Effective) -> Error {
    match err.downcast_ref::<Stop>() {
        Some(Stop::Cpu) => {
            return Error::CpuLimitExceeded {
                cpu_ms: Some(limits.cpu_time.as_millis() as u64),
                fuel: None,
            };
        }
        Some(Stop::Deadline) => return Error::Timeout(limits.timeout),
        None => {}
    }
    if let Some(aborted) = err.downcast_ref::<crate::host_loader::IsolateAborted>() {
        return Error::Crashed(aborted.to_string());
    }
    // The guest's Wasm backtrace, for whoever debugs a crash.
    tracing::debug!("instance trapped: {err:?}");
    match err.downcast_ref::<wasmtime::Trap>() {
        Some(wasmtime::Trap::OutOfFuel) => Error::CpuLimitExceeded {
            cpu_ms: None,
            fuel: Some(limits.fuel),
        },
        Some(wasmtime::Trap::Interrupt) => Error::Timeout(limits.timeout),
        _ if memory_hit => Error::MemoryLimitExceeded {
            limit: limits.memory_bytes,
        },
        Some(wasmtime::Trap::StackOverflow) => Error::Crashed(
            "stack overflow: the worker recursed too deeply (the instance was discarded)".into(),
        ),
        Some(t) => Error::Crashed(t.to_string()),
        None => Error::Crashed(format!("{err:#}")),
    }
}

impl crate::child::Child for Worker {
    fn fetch(
        &self,
        entrypoint: Option<String>,
        request: Request,
        caller: Caller,
    ) -> BoxFuture<'_, std::result::Result<StreamingResponse, String>> {
        Box::pin(async move {
            self.nested(entrypoint.as_deref(), caller)
                .fetch_streaming(request)
                .await
                .map_err(|e| e.to_string())
        })
    }

    fn call(
        &self,
        entrypoint: Option<String>,
        method: String,
        args: Vec<Value>,
        caller: Caller,
    ) -> BoxFuture<'_, std::result::Result<Value, String>> {
        Box::pin(async move {
            self.nested(entrypoint.as_deref(), caller)
                .call(&method, args)
                .await
                .map_err(|e| e.to_string())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_past_the_clock_are_far_not_a_panic() {
        let now = Instant::now();
        assert!(later(Duration::MAX) > now + Duration::from_secs(86_400 * 365));
        assert!(later(Duration::from_millis(5)) >= now + Duration::from_millis(5));
    }

    #[test]
    fn the_budget_error_names_what_asked() {
        let e = crate::budget::HostBudget::new(10)
            .charge(11, "the body of env.SVC.fetch()")
            .unwrap_err();
        assert_eq!(budget_what(&e.to_string()), "the body of env.SVC.fetch()");
        assert_eq!(budget_what("something else"), "a host call");
    }
}
