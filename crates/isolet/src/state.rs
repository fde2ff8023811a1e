//! Per-instance host state (the `Store`'s data) and the host side of the
//! worker's imports: tail log, outbound fetch, bindings.
//!
//! What those imports reach outside the instance (other workers, the
//! embedder's capabilities and outbound policies, the forwarder) comes
//! through the [`Surroundings`] trait, which the runtime implements: like
//! `wasmtime-wasi-http`'s `WasiHttpView`, the store sees a trait, not the
//! runtime that owns it.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use wasmtime::component::ResourceTable;
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};

use crate::bindings::{Binding, BindingSpec, MAX_CALL_DEPTH};
use crate::child::Child;
use crate::http::{BodyStream, Request, Response, StreamingResponse};
use crate::invocation::{Caller, Invocation, deadline_after};
use crate::limits::{Effective, MemoryLimiter};
use crate::outbound::{
    BoxFuture, ForwardConfig, Outbound, OutboundContext, OutboundPolicy, Redirect,
};
use crate::tail::{LogLevel, OutboundRecord};
use crate::websocket::WebSocketMessage;
use crate::wire::Value;
use crate::wit::isolet::worker::{
    bindings, cache, incoming_body, outbound, tail, types, websocket,
};
use isolet_code::WorkerCode;

/// What a worker's imports can reach beyond its own instance. The runtime
/// implements it (holding itself weakly: a running worker never keeps its
/// runtime alive); every call names the worker chain it is part of.
pub(crate) trait Surroundings: Send + Sync {
    /// Sends a request out through a forwarding policy.
    fn forward<'a>(
        &'a self,
        config: &'a ForwardConfig,
        request: Request,
        redirect: Redirect,
    ) -> BoxFuture<'a, Result<StreamingResponse, String>>;
    /// The embedder's outbound policy registered under `name`.
    fn policy(&self, name: &str) -> Option<Arc<dyn OutboundPolicy>>;
    /// The embedder's capability registered under `name`.
    fn capability(&self, name: &str) -> Option<Arc<dyn Binding>>;
    /// The Cache API's storage (`None` once the runtime is gone).
    fn cache(&self) -> Option<Arc<crate::cache::CacheStore>>;
    /// The child of a loader kept under `key` (a `LOADER.get`), made from
    /// `code` when there is none; with no key, a child made from `code` for
    /// one invocation (`LOADER.load`). `granted`: the capabilities its code
    /// names that its parent was granted alone.
    fn child<'a>(
        &'a self,
        key: Option<String>,
        code: WorkerCode,
        granted: HashMap<String, Arc<dyn Binding>>,
    ) -> BoxFuture<'a, Result<Arc<dyn Child>, String>>;
    /// The child kept under `key`, if there is one (makes nothing).
    fn kept_child(&self, key: &str) -> Option<Arc<dyn Child>>;
    /// `fetch` on another worker, as part of `chain`; the body may still
    /// be in the making.
    fn worker_fetch<'a>(
        &'a self,
        id: &'a str,
        entrypoint: Option<&'a str>,
        props: Option<Arc<str>>,
        request: Request,
        chain: Vec<String>,
    ) -> BoxFuture<'a, Result<StreamingResponse, String>>;
    /// An RPC method of another worker, as part of `chain`.
    fn worker_rpc<'a>(
        &'a self,
        id: &'a str,
        entrypoint: Option<&'a str>,
        props: Option<Arc<str>>,
        method: &'a str,
        args: Vec<Value>,
        chain: Vec<String>,
    ) -> BoxFuture<'a, Result<Value, String>>;
}

/// A tail consumer as deliveries use it: its props' wire text made once.
pub(crate) struct TailTarget {
    pub consumer: isolet_code::TailConsumer,
    pub props: Option<Arc<str>>,
}

impl TailTarget {
    pub fn of(consumer: &isolet_code::TailConsumer) -> TailTarget {
        TailTarget {
            consumer: consumer.clone(),
            props: consumer
                .props
                .as_ref()
                .and_then(|p| serde_json::to_string(p).ok())
                .map(Arc::from),
        }
    }
}

/// What a worker was granted: fixed for the life of its instance.
pub(crate) struct WorkerEnv {
    pub surroundings: Arc<dyn Surroundings>,
    pub id: Option<String>,
    /// Whose entries of the Cache API this worker sees: its id, or for a
    /// worker without one a key of its own.
    pub cache_key: String,
    pub outbound: Outbound,
    pub bindings: BTreeMap<String, BindingSpec>,
    pub tails: Vec<Arc<TailTarget>>,
    pub limits: Effective,
    /// Line maps of its TypeScript modules, for stack traces.
    pub source_maps: crate::typescript::SourceMaps,
    /// Capabilities granted to this worker alone (`Runtime::load_granting`),
    /// found before the runtime's.
    pub granted: HashMap<String, Arc<dyn Binding>>,
    /// Its `ctx.storage` database, if it has one.
    pub storage: Option<crate::storage::StorageTarget>,
}

/// An instance's host state (the `Store`'s data): what lives as long as
/// the instance, and the current [`Invocation`].
pub(crate) struct HostState {
    wasi: WasiCtx,
    table: ResourceTable,
    pub limiter: MemoryLimiter,
    /// `None` only while the engine is pre-initialized at build time.
    pub env: Option<Arc<WorkerEnv>>,
    /// The instance's `ctx.storage` connection and the invocation's
    /// transaction (made on first use).
    pub storage: Option<crate::storage::StorageSession>,
    /// The number of the last response body handed to the guest (see
    /// `open_body`): never reused within the instance, so a number kept
    /// from an earlier invocation is an error, not another body.
    last_body: u32,
    /// The number of the last child `LOADER.load()` made (see
    /// `host_loader.rs`): never reused within the instance, as `last_body`.
    pub(crate) last_child: u32,
    /// The number of the last call to a child that waited for its guest
    /// (`Invocation::pending`; never reused within an instance).
    pub(crate) last_call: u32,
    /// The current invocation's state, fresh for each.
    pub invocation: Invocation,
}

/// The storage calls that return rows or entries, and the most host
/// memory such a result may take (storage's own result limit, 32 MiB):
/// charged to the budget while one runs, since the result is built
/// before the host sees its size.
const STORAGE_RESULT_METHODS: &[&str] = &["exec", "list", "get"];
const STORAGE_RESULT_BYTES: usize = 32 << 20;

/// How much a worker may send on its WebSocket in one step (one event's
/// handling) before the client is handed any of it.
pub(crate) const MAX_SOCKET_STEP_BYTES: usize = 16 << 20;

/// Adds everything a worker may import to `linker`: WASI (with an empty
/// context: no files, no env, no sockets; clocks and random only) and
/// isolet's own interfaces (implemented below).
pub(crate) fn linker(
    engine: &wasmtime::Engine,
) -> crate::error::Result<wasmtime::component::Linker<HostState>> {
    use crate::error::Error;
    let mut linker = wasmtime::component::Linker::new(engine);
    wasmtime_wasi::p2::add_to_linker_async(&mut linker).map_err(Error::engine)?;
    crate::wit::Worker::add_to_linker::<HostState, wasmtime::component::HasSelf<HostState>>(
        &mut linker,
        |s| s,
    )
    .map_err(Error::engine)?;
    Ok(linker)
}

impl HostState {
    pub fn new(memory_limit: u64, env: Option<Arc<WorkerEnv>>) -> Self {
        HostState {
            // Nothing inherited: no args, no environment, no preopened
            // directories, no stdin; sockets are denied (no address is
            // allowed and name lookup is off by default).
            wasi: WasiCtx::builder().allow_ip_name_lookup(false).build(),
            table: ResourceTable::new(),
            limiter: MemoryLimiter::new(memory_limit),
            env,
            storage: None,
            last_body: 0,
            last_child: 0,
            last_call: 0,
            invocation: Invocation::idle(),
        }
    }

    /// Starts an invocation as part of `chain`, with `props`, under
    /// `limits`: a fresh [`Invocation`] (its clock starts with the first
    /// guest step).
    pub fn begin_invocation(&mut self, caller: Caller, limits: &Effective) {
        self.invocation = Invocation::new(caller, limits);
        self.limiter.hit = false;
    }

    /// Ends the current invocation: its state, taken whole (what the
    /// caller does not keep, such as bodies the worker left unread, is
    /// dropped with it).
    pub fn end_invocation(&mut self) -> Invocation {
        std::mem::replace(&mut self.invocation, Invocation::idle())
    }

    /// Hands the guest a response body to read by number.
    fn open_body(&mut self, body: BodyStream) -> u32 {
        self.last_body = self.last_body.wrapping_add(1).max(1);
        self.invocation.bodies.insert(self.last_body, body);
        self.last_body
    }

    pub(crate) fn env(&self) -> Result<Arc<WorkerEnv>, String> {
        self.env
            .clone()
            .ok_or_else(|| "no outbound access during engine setup".to_string())
    }

    /// The output gate (see `storage`): commits the invocation's storage
    /// writes before anything leaves the worker; with `commit` false (the
    /// invocation was stopped) rolls them back.
    pub async fn storage_gate(&mut self, commit: bool) -> Result<(), String> {
        match &mut self.storage {
            Some(s) if !commit || s.can_commit() => s.finish(commit).await,
            _ => Ok(()),
        }
    }

    /// The output gate before a call that leaves the worker, the wait for
    /// the commit not counted as the guest's CPU time.
    pub async fn output_gate(&mut self) -> Result<(), String> {
        self.invocation.cpu.pause();
        let gate = self.storage_gate(true).await;
        self.invocation.cpu.resume();
        gate
    }

    /// A `ctx.storage` operation of the guest. Its arguments are charged
    /// to the budget before they are parsed (for what they expand to), a
    /// call that returns rows or entries has the most such a result may
    /// take charged while it runs, and the result is charged before it
    /// is made into wire text.
    async fn storage_call(
        &mut self,
        env: &WorkerEnv,
        method: &str,
        args: &str,
    ) -> Result<String, String> {
        let Some(target) = &env.storage else {
            return Err("this worker has no storage: ctx.storage needs a worker loaded by id (get) or an object (get_object), on a runtime with a storage directory".into());
        };
        let (args, args_cost) = self.parse_guest_args(args, &format!("ctx.storage.{method}"))?;
        let reserve = if STORAGE_RESULT_METHODS.contains(&method) {
            STORAGE_RESULT_BYTES
        } else {
            0
        };
        if let Err(e) = self.invocation.budget.charge(
            reserve,
            &format!(
                "the result of ctx.storage.{method}() (its limit, {STORAGE_RESULT_BYTES} bytes, is held for it while it runs)"
            ),
        ) {
            self.invocation.budget.release(args_cost);
            return Err(e.to_string());
        }
        let value = self.run_storage_call(target, method, args).await;
        self.invocation
            .budget
            .release(reserve.saturating_add(args_cost));
        self.result_for_guest(value?, &format!("ctx.storage.{method}()"))
    }

    async fn run_storage_call(
        &mut self,
        target: &crate::storage::StorageTarget,
        method: &str,
        args: Vec<Value>,
    ) -> Result<Value, String> {
        let deadline = self.invocation.deadline;
        let cpu_left = self
            .invocation
            .cpu_limit
            .saturating_sub(self.invocation.cpu_used());
        let stop_sql_at = deadline.min(deadline_after(cpu_left));
        let session = self
            .storage
            .get_or_insert_with(|| crate::storage::StorageSession::new(target.clone()));
        if crate::storage::StorageSession::needs_database(method) {
            // Opening the database and waiting for its lock are not the
            // guest's CPU time; running its SQL is.
            self.invocation.cpu.pause();
            let begun = session.begin(deadline, stop_sql_at).await;
            self.invocation.cpu.resume();
            begun?;
        }
        session.call(method, args).await
    }

    /// A guest's wire arguments (`what` names the call, e.g.
    /// `env.SVC.method`) as a list, with the budget charged first for
    /// what parsing them may take ([`crate::wire::parse_cost`]: text of
    /// 2 bytes a value expands about 75-fold). Also returns the charge,
    /// to release once the arguments are gone.
    pub(crate) fn parse_guest_args(
        &mut self,
        args: &str,
        what: &str,
    ) -> Result<(Vec<Value>, usize), String> {
        self.parse_args(args, what, false)
    }

    /// As `parse_guest_args`, for a call to a child: the arguments may pass
    /// objects by reference ([`Value::Stub`]).
    pub(crate) fn parse_call_args_passing(
        &mut self,
        args: &str,
        what: &str,
    ) -> Result<(Vec<Value>, usize), String> {
        self.parse_args(args, what, true)
    }

    fn parse_args(
        &mut self,
        args: &str,
        what: &str,
        stubs: bool,
    ) -> Result<(Vec<Value>, usize), String> {
        let cost = crate::wire::parse_cost(args);
        self.invocation
            .budget
            .charge(cost, &format!("the arguments of {what}()"))
            .map_err(|e| e.to_string())?;
        let parsed = serde_json::from_str(args)
            .map_err(|e| e.to_string())
            .and_then(|w| {
                if stubs {
                    Value::from_wire_with_stubs(w)
                } else {
                    Value::from_wire(w)
                }
            });
        match parsed {
            Ok(Value::Array(args)) => Ok((args, cost)),
            Ok(_) => {
                self.invocation.budget.release(cost);
                Err(format!("{what}: arguments must be an array"))
            }
            Err(e) => {
                self.invocation.budget.release(cost);
                Err(format!("{what}: bad arguments: {e}"))
            }
        }
    }

    /// A result for the guest (`what` names the call) as wire text, within
    /// the budget: the value as it is held and the JSON made from it are
    /// charged before that JSON is built, then the text.
    pub(crate) fn result_for_guest(&mut self, value: Value, what: &str) -> Result<String, String> {
        let what = format!("the result of {what}");
        let held = value.host_bytes();
        // The value, then the JSON taking its place (its strings move;
        // bytes become base64, a third larger).
        let tree = held.saturating_add(held / 2);
        self.invocation
            .budget
            .charge(tree, &what)
            .map_err(|e| e.to_string())?;
        let json = value.into_wire();
        let wire = json.to_string();
        drop(json);
        self.invocation.budget.release(tree);
        // Held whole before the guest gets it.
        self.invocation
            .budget
            .charge(wire.len(), &what)
            .map_err(|e| e.to_string())?;
        self.invocation.budget.release(wire.len());
        Ok(wire)
    }

    /// Counts one subrequest against the limit.
    pub(crate) fn take_sub_request(&mut self, env: &WorkerEnv) -> Result<(), String> {
        self.invocation.sub_requests += 1;
        if self.invocation.sub_requests > env.limits.sub_requests {
            return Err(format!(
                "too many subrequests: this invocation may make at most {} (fetch and service-binding calls)",
                env.limits.sub_requests
            ));
        }
        Ok(())
    }

    fn count_bytes(&mut self, env: &WorkerEnv, n: usize) -> Result<(), String> {
        self.invocation.outbound_bytes = self.invocation.outbound_bytes.saturating_add(n as u64);
        if self.invocation.outbound_bytes > env.limits.outbound_bytes {
            return Err(format!(
                "outbound responses exceeded this invocation's limit of {} bytes",
                env.limits.outbound_bytes
            ));
        }
        Ok(())
    }

    /// The chain a nested call carries: ours plus this worker.
    pub(crate) fn nested_chain(&self, env: &WorkerEnv) -> Result<Vec<String>, String> {
        if self.invocation.chain.len() + 1 >= MAX_CALL_DEPTH {
            return Err(format!(
                "worker-to-worker calls nested too deeply (limit {MAX_CALL_DEPTH}): {} -> ...",
                self.invocation.chain.join(" -> ")
            ));
        }
        let mut chain = self.invocation.chain.clone();
        chain.push(env.id.clone().unwrap_or_default());
        Ok(chain)
    }
}

impl WasiView for HostState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

impl types::Host for HostState {}

impl cache::Host for HostState {
    async fn lookup(
        &mut self,
        name: String,
        url: String,
        headers: Vec<(String, String)>,
    ) -> Option<types::Response> {
        let env = self.env.clone()?;
        let store = env.surroundings.cache()?;
        store
            .lookup(&env.cache_key, &name, &url, &headers)
            .map(types::Response::from)
    }

    async fn put(
        &mut self,
        name: String,
        url: String,
        response: types::Response,
    ) -> Result<(), String> {
        let env = self.env()?;
        let store = env
            .surroundings
            .cache()
            .ok_or_else(|| "the runtime is shutting down".to_string())?;
        // Any list can come here (the import can be called directly):
        // its headers are checked before anything is charged or kept.
        if let Some(problem) = crate::cache::headers_problem(&response.headers) {
            return Err(format!("Cache.put(): {problem}"));
        }
        // The entry passes through the host on its way in: within the
        // budget (what stays is the cache's caps' business).
        let size = crate::cache::entry_bytes(&name, &url, &response.headers, response.body.len());
        self.invocation
            .budget
            .charge(size, "a Cache API entry")
            .map_err(|e| e.to_string())?;
        let stored = store
            .put(&env.cache_key, &name, &url, Response::from(response))
            .map(|_| ());
        self.invocation.budget.release(size);
        stored
    }

    async fn delete(&mut self, name: String, url: String) -> bool {
        let Some(env) = self.env.clone() else {
            return false;
        };
        env.surroundings
            .cache()
            .is_some_and(|store| store.delete(&env.cache_key, &name, &url))
    }
}

impl tail::Host for HostState {
    async fn log(&mut self, level: types::LogLevel, message: String) {
        let level = match level {
            types::LogLevel::Debug => LogLevel::Debug,
            types::LogLevel::Log => LogLevel::Log,
            types::LogLevel::Info => LogLevel::Info,
            types::LogLevel::Warn => LogLevel::Warn,
            types::LogLevel::Error => LogLevel::Error,
        };
        self.invocation
            .logs
            .push(level, message, &mut self.invocation.budget);
    }

    async fn exception(&mut self, error: types::ScriptError) {
        if self.invocation.exceptions.len() < MAX_EXCEPTIONS {
            let mut e = crate::error::ScriptError::from(error);
            // Cut before the stack is remapped (the import can be called
            // directly, with any text), and again after.
            for s in [&mut e.name, &mut e.message, &mut e.stack] {
                crate::tail::shorten(s, MAX_EXCEPTION_TEXT);
            }
            if let Some(env) = &self.env {
                env.source_maps.remap(&mut e);
            }
            for s in [&mut e.name, &mut e.message, &mut e.stack] {
                crate::tail::shorten(s, MAX_EXCEPTION_TEXT);
            }
            if self
                .invocation
                .budget
                .try_charge(e.name.len() + e.message.len() + e.stack.len())
            {
                self.invocation.exceptions.push(e);
            }
        }
    }
}

/// Most uncaught errors one invocation's trace keeps (more are in the logs,
/// within their caps), and the longest name, message or stack kept.
const MAX_EXCEPTIONS: usize = 16;
const MAX_EXCEPTION_TEXT: usize = 8 * 1024;

impl incoming_body::Host for HostState {
    async fn read(&mut self) -> Result<Option<Vec<u8>>, String> {
        let Some(body) = self.invocation.incoming.as_mut() else {
            return Ok(None);
        };
        // The guest waits for the client here: not its CPU time.
        self.invocation.cpu.pause();
        let next = body.next_chunk().await;
        self.invocation.cpu.resume();
        match next {
            Some(Ok(bytes)) => Ok(Some(bytes)),
            Some(Err(e)) => {
                self.invocation.incoming = None;
                Err(format!("reading the request body failed: {e}"))
            }
            None => {
                self.invocation.incoming = None;
                Ok(None)
            }
        }
    }
}

impl websocket::Host for HostState {
    async fn send(&mut self, message: types::Message) -> Result<(), String> {
        if self.invocation.socket_closed {
            return Err("Can't call WebSocket send() after close().".into());
        }
        let (message, size) = match message {
            types::Message::Text(t) => {
                let n = t.len();
                (WebSocketMessage::Text(t), n)
            }
            types::Message::Binary(b) => {
                let n = b.len();
                (WebSocketMessage::Binary(b), n)
            }
        };
        self.queue_socket_message(message, size, "send()")
    }

    /// Callable directly (Python can import the raw binding), so bounded
    /// here, not by the JS shim: one close per socket (later ones are
    /// ignored, as the shim does), its reason cut to the 123 bytes a close
    /// frame can carry, queued within the step's limit and the budget.
    async fn close(&mut self, code: u16, mut reason: String) {
        if self.invocation.socket_closed {
            return;
        }
        if reason.len() > MAX_CLOSE_REASON_BYTES {
            let end = reason.floor_char_boundary(MAX_CLOSE_REASON_BYTES);
            reason.truncate(end);
        }
        let size = reason.len();
        if self
            .queue_socket_message(WebSocketMessage::Close { code, reason }, size, "close()")
            .is_ok()
        {
            self.invocation.socket_closed = true;
        }
    }
}

/// Longest close reason sent (RFC 6455: a close frame's payload is at
/// most 125 bytes, two of them the code).
pub(crate) const MAX_CLOSE_REASON_BYTES: usize = 123;
/// What the host reckons a queued WebSocket message costs besides its
/// bytes (an empty message is not free).
pub(crate) const SOCKET_MESSAGE_OVERHEAD_BYTES: usize = 64;

impl HostState {
    /// Queues `message` (`size` bytes of payload) for the client: within
    /// the step's limit ([`MAX_SOCKET_STEP_BYTES`], each message counted
    /// with its overhead) and charged to the budget until handed over.
    fn queue_socket_message(
        &mut self,
        message: WebSocketMessage,
        size: usize,
        what: &str,
    ) -> Result<(), String> {
        let size = size.saturating_add(SOCKET_MESSAGE_OVERHEAD_BYTES);
        if self.invocation.socket_out_bytes.saturating_add(size) > MAX_SOCKET_STEP_BYTES {
            return Err(format!(
                "WebSocket {what}: over {MAX_SOCKET_STEP_BYTES} bytes sent in one event ({SOCKET_MESSAGE_OVERHEAD_BYTES} counted per message besides its bytes); the client has not been handed them yet"
            ));
        }
        self.invocation
            .budget
            .charge(size, "WebSocket messages not yet sent")
            .map_err(|e| e.to_string())?;
        self.invocation.socket_out_bytes += size;
        self.invocation.socket_out.push(message);
        Ok(())
    }
}

impl outbound::Host for HostState {
    async fn fetch(
        &mut self,
        req: types::Request,
        options: types::FetchOptions,
    ) -> Result<types::Fetched, String> {
        if self
            .env
            .as_ref()
            .is_some_and(|env| matches!(env.outbound, Outbound::Deny))
        {
            // Nothing leaves the worker and nothing is waited for: the
            // refusal is work done for the guest, on its CPU time (a loop
            // of refused fetches is not free).
            return self.outbound_fetch(req, options).await;
        }
        // The guest waits for the host here (its writes' commit, then the
        // fetch): not its CPU time.
        self.invocation.cpu.pause();
        let result = match self.storage_gate(true).await {
            Ok(()) => self.outbound_fetch(req, options).await,
            Err(e) => Err(e),
        };
        self.invocation.cpu.resume();
        result
    }

    async fn read_body(&mut self, body: u32) -> Result<Option<Vec<u8>>, String> {
        let env = self.env()?;
        let Some(stream) = self.invocation.bodies.get_mut(&body) else {
            return Err(
                "this response body can no longer be read: it was canceled, failed, or belongs to an earlier request"
                    .to_string(),
            );
        };
        // The guest waits for the sender here: not its CPU time.
        self.invocation.cpu.pause();
        let next = stream.next_chunk().await;
        self.invocation.cpu.resume();
        let result = match next {
            Some(Ok(bytes)) => self.count_bytes(&env, bytes.len()).map(|()| Some(bytes)),
            Some(Err(crate::Error::Outbound(message))) => Err(message),
            Some(Err(e)) => Err(format!("reading the response body failed: {e}")),
            None => Ok(None),
        };
        if !matches!(result, Ok(Some(_))) {
            self.invocation.bodies.remove(&body);
        }
        result
    }

    async fn cancel_body(&mut self, body: u32) {
        self.invocation.bodies.remove(&body);
    }
}

impl HostState {
    /// A response for the guest: small or complete bodies whole (counted
    /// against the outbound byte limit now), others by number, counted as
    /// they are read.
    pub(crate) fn fetched(
        &mut self,
        env: &WorkerEnv,
        r: StreamingResponse,
    ) -> Result<types::Fetched, String> {
        if r.web_socket.is_some() {
            // Dropping it ends that worker's session (its client went away).
            return Err(
                "the response accepted a WebSocket, which isolet cannot hand to a worker (WebSockets from fetch() and service bindings are not supported)"
                    .to_string(),
            );
        }
        let (body, rest) = match r.body.into_whole() {
            Ok(bytes) => {
                self.count_bytes(env, bytes.len())?;
                (bytes, None)
            }
            Err(stream) => (Vec::new(), Some(self.open_body(stream))),
        };
        Ok(types::Fetched {
            response: types::Response {
                status: r.status,
                headers: r.headers,
                body,
            },
            body: rest,
        })
    }
}

impl HostState {
    /// An outbound `fetch()` through the worker's policy, recorded in the
    /// invocation's outbound log.
    async fn outbound_fetch(
        &mut self,
        req: types::Request,
        options: types::FetchOptions,
    ) -> Result<types::Fetched, String> {
        let env = self.env()?;
        let method = crate::tail::clip(&req.method, 64);
        // The URL as messages and records name it (it may be huge).
        let url = crate::tail::clip(&req.url, crate::tail::MAX_RECORD_URL_BYTES);
        let named = crate::tail::clip(&req.url, 256);
        let (decision, result) = match &env.outbound {
            Outbound::Deny => (
                "denied",
                Err(format!(
                    "fetch({named}) was refused: this worker has no outbound network access (globalOutbound: null)"
                )),
            ),
            other => {
                let result = match request_headers_problem(&req.headers)
                    .and_then(|()| self.take_sub_request(&env))
                {
                    Err(e) => Err(e),
                    Ok(()) => {
                        let outside = &env.surroundings;
                        let request = Request::from(req);
                        match other {
                            Outbound::Forward(cfg) => {
                                let redirect = match options.redirect {
                                    types::RedirectMode::Follow => Redirect::Follow,
                                    types::RedirectMode::Manual => Redirect::Manual,
                                    types::RedirectMode::Error => Redirect::Error,
                                };
                                outside.forward(cfg, request, redirect).await
                            }
                            Outbound::GatewayPolicy(name) => match outside.policy(name) {
                                Some(policy) => {
                                    let cx = OutboundContext {
                                        worker_id: env.id.clone(),
                                    };
                                    policy
                                        .fetch(request, &cx)
                                        .await
                                        .map(StreamingResponse::from)
                                }
                                None => Err(format!(
                                    "fetch({named}) refused: no outbound policy named {name:?} is registered"
                                )),
                            },
                            Outbound::GatewayWorker {
                                worker,
                                entrypoint,
                                props,
                            } => {
                                let chain = self.nested_chain(&env)?;
                                outside
                                    .worker_fetch(
                                        worker,
                                        entrypoint.as_deref(),
                                        crate::bindings::service_props(props),
                                        request,
                                        chain,
                                    )
                                    .await
                            }
                            Outbound::Deny => unreachable!("handled above"),
                        }
                    }
                };
                let decision = match other {
                    Outbound::Forward(_) => "forwarded",
                    _ => "gateway",
                };
                (decision, result)
            }
        };
        let result = result.and_then(|r| self.fetched(&env, r));
        let record = OutboundRecord::clipped(
            &method,
            &url,
            decision,
            result.as_ref().ok().map(|r| r.response.status),
            result.as_ref().err().map(String::as_str),
        );
        self.invocation
            .outbound_log
            .push(record, &mut self.invocation.budget);
        result
    }
}

impl bindings::Host for HostState {
    async fn call(
        &mut self,
        binding: String,
        method: String,
        args: String,
    ) -> Result<String, String> {
        let env = self.env()?;
        if binding == crate::storage::BINDING {
            return self.storage_call(&env, &method, &args).await;
        }
        let Some(spec) = env.bindings.get(&binding).cloned() else {
            return Err(format!(
                "env.{binding} is not a binding this worker was given"
            ));
        };
        let (args, args_cost) = self.parse_guest_args(&args, &format!("env.{binding}.{method}"))?;
        // The guest waits for the host here: not its CPU time.
        self.invocation.cpu.pause();
        let result = match self.storage_gate(true).await {
            Ok(()) => self.call_binding(&env, spec, &binding, &method, args).await,
            Err(e) => Err(e),
        };
        self.invocation.cpu.resume();
        // The arguments were held (and handed on) until the call ended.
        self.invocation.budget.release(args_cost);
        self.result_for_guest(result?, &format!("env.{binding}.{method}()"))
    }

    async fn fetch(
        &mut self,
        binding: String,
        req: types::Request,
    ) -> Result<types::Fetched, String> {
        let env = self.env()?;
        let Some(BindingSpec::Service {
            worker,
            entrypoint,
            props,
        }) = env.bindings.get(&binding).cloned()
        else {
            return Err(format!(
                "env.{binding} is not a service binding this worker was given"
            ));
        };
        request_headers_problem(&req.headers)?;
        // The guest waits for the other worker here: not its CPU time.
        self.invocation.cpu.pause();
        let result = match self.storage_gate(true).await {
            Ok(()) => {
                let props = crate::bindings::service_props(&props);
                self.service_fetch(
                    &env,
                    &worker,
                    entrypoint.as_deref(),
                    props,
                    Request::from(req),
                )
                .await
            }
            Err(e) => Err(e),
        };
        self.invocation.cpu.resume();
        self.fetched(&env, result?)
    }
}

impl HostState {
    async fn call_binding(
        &mut self,
        env: &WorkerEnv,
        spec: BindingSpec,
        binding: &str,
        method: &str,
        args: Vec<Value>,
    ) -> Result<Value, String> {
        match spec {
            BindingSpec::Capability(name) => match env
                .granted
                .get(&name)
                .cloned()
                .or_else(|| env.surroundings.capability(&name))
            {
                Some(b) => b.call(method, args).await,
                None => Err(format!(
                    "env.{binding}: no capability named {name:?} is registered"
                )),
            },
            BindingSpec::Service {
                worker,
                entrypoint,
                props,
            } if method == "fetch" => {
                // The Python engine's service fetch (JS uses bindings.fetch).
                let request =
                    request_from_wire(args).map_err(|e| format!("env.{binding}.fetch: {e}"))?;
                let props = crate::bindings::service_props(&props);
                let r = self
                    .service_fetch(env, &worker, entrypoint.as_deref(), props, request)
                    .await?;
                // Collected whole for the guest: counted against its
                // outbound bytes and held within its host memory budget.
                let mut stream = r.body;
                let mut body = Vec::new();
                let collected = loop {
                    let chunk = match stream.next_chunk().await {
                        None => break Ok(()),
                        Some(Err(e)) => break Err(e.to_string()),
                        Some(Ok(chunk)) => chunk,
                    };
                    if let Err(e) = self.count_bytes(env, chunk.len()) {
                        break Err(format!("env.{binding}.fetch: {e}"));
                    }
                    if let Err(e) = self
                        .invocation
                        .budget
                        .charge(chunk.len(), &format!("the body of env.{binding}.fetch()"))
                    {
                        break Err(e.to_string());
                    }
                    body.extend_from_slice(&chunk);
                };
                self.invocation.budget.release(body.len());
                collected?;
                Ok(response_to_wire(Response {
                    status: r.status,
                    headers: r.headers,
                    body,
                }))
            }
            BindingSpec::Loader { .. } => Err(format!(
                "env.{binding}: a Worker Loader is reached from JavaScript workers (env.{binding}.get(name, getCode), env.{binding}.load(code)); Python workers cannot load workers yet"
            )),
            BindingSpec::Service {
                worker,
                entrypoint,
                props,
            } => {
                self.take_sub_request(env)?;
                let chain = self.nested_chain(env)?;
                let props = crate::bindings::service_props(&props);
                env.surroundings
                    .worker_rpc(&worker, entrypoint.as_deref(), props, method, args, chain)
                    .await
            }
        }
    }

    /// `fetch` on the service `worker` as a subrequest of this invocation.
    async fn service_fetch(
        &mut self,
        env: &WorkerEnv,
        worker: &str,
        entrypoint: Option<&str>,
        props: Option<Arc<str>>,
        request: Request,
    ) -> Result<StreamingResponse, String> {
        self.take_sub_request(env)?;
        let chain = self.nested_chain(env)?;
        env.surroundings
            .worker_fetch(worker, entrypoint, props, request, chain)
            .await
    }
}

fn request_from_wire(args: Vec<Value>) -> Result<Request, String> {
    let Some(Value::Object(mut o)) = args.into_iter().next() else {
        return Err("expected a request".into());
    };
    let text = |v: Option<Value>| match v {
        Some(Value::String(s)) => Ok(s),
        _ => Err("request method and url must be strings".to_string()),
    };
    let method = text(o.remove("method"))?;
    let url = text(o.remove("url"))?;
    let headers: Vec<(String, String)> = match o.remove("headers") {
        Some(Value::Array(pairs)) => pairs
            .into_iter()
            .map(|p| match p {
                Value::Array(kv) if kv.len() == 2 => match (&kv[0], &kv[1]) {
                    (Value::String(k), Value::String(v)) => Ok((k.clone(), v.clone())),
                    _ => Err("header pairs must be strings".to_string()),
                },
                _ => Err("headers must be [name, value] pairs".to_string()),
            })
            .collect::<Result<_, _>>()?,
        _ => Vec::new(),
    };
    request_headers_problem(&headers)?;
    let body = match o.remove("body") {
        Some(Value::Bytes(b)) | Some(Value::ArrayBuffer(b)) => b,
        Some(Value::String(s)) => s.into_bytes(),
        _ => Vec::new(),
    };
    Ok(Request {
        method,
        url,
        headers,
        body,
    })
}

/// Why the host will not hold and send a request with `headers` for a
/// worker, if so: over the response header limit
/// ([`MAX_RESPONSE_HEADER_BYTES`](crate::MAX_RESPONSE_HEADER_BYTES)),
/// each header counted with its overhead.
pub(crate) fn request_headers_problem(headers: &[(String, String)]) -> Result<(), String> {
    let bytes = crate::budget::header_list_bytes(headers);
    let most = crate::limits::MAX_RESPONSE_HEADER_BYTES;
    if bytes as u64 > most {
        return Err(format!(
            "the request's {} headers take {bytes} bytes ({} counted per header besides its name and value); the most is {most}",
            headers.len(),
            crate::budget::HEADER_OVERHEAD_BYTES
        ));
    }
    Ok(())
}

fn response_to_wire(r: Response) -> Value {
    let headers = r
        .headers
        .into_iter()
        .map(|(k, v)| Value::Array(vec![Value::String(k), Value::String(v)]))
        .collect();
    Value::Object(
        [
            ("status".to_string(), Value::from(r.status)),
            ("headers".to_string(), Value::Array(headers)),
            ("body".to_string(), Value::Bytes(r.body)),
        ]
        .into_iter()
        .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wit::isolet::worker::websocket::Host as _;

    /// The raw `websocket` imports bound what they queue by themselves
    /// (Python can call them directly, without the JS shim's checks).
    #[tokio::test]
    async fn raw_websocket_calls_are_bounded_and_charged() {
        let mut s = HostState::new(1 << 20, None);
        for _ in 0..100 {
            s.close(1000, "é".repeat(1 << 20)).await;
        }
        assert_eq!(s.invocation.socket_out.len(), 1, "one close per socket");
        let WebSocketMessage::Close { code, reason } = &s.invocation.socket_out[0] else {
            panic!("not a close")
        };
        assert_eq!(
            (*code, reason.len()),
            (1000, 122),
            "cut at a character boundary"
        );
        assert_eq!(
            s.invocation.budget.used() as usize,
            reason.len() + SOCKET_MESSAGE_OVERHEAD_BYTES
        );
        let e = s
            .send(types::Message::Text("after".into()))
            .await
            .unwrap_err();
        assert!(e.contains("after close()"), "{e}");
        s.invocation.take_socket_out();
        assert_eq!(s.invocation.budget.used(), 0);

        // Empty messages are not free: a loop of them ends at the step's
        // limit.
        let mut s = HostState::new(1 << 20, None);
        let mut sent = 0;
        let e = loop {
            match s.send(types::Message::Text(String::new())).await {
                Ok(()) => sent += 1,
                Err(e) => break e,
            }
            assert!(sent <= MAX_SOCKET_STEP_BYTES);
        };
        assert_eq!(sent, MAX_SOCKET_STEP_BYTES / SOCKET_MESSAGE_OVERHEAD_BYTES);
        assert!(e.contains("bytes sent in one event"), "{e}");
        // The next invocation's socket may close again.
        s.invocation.take_socket_out();
        s.close(1000, String::new()).await;
        s.close(1000, String::new()).await;
        assert_eq!(s.invocation.take_socket_out().len(), 1);
        s.begin_invocation(
            Caller::default(),
            &crate::limits::Effective::resolve(crate::Limits::new(), crate::Limits::new()),
        );
        s.close(1001, String::new()).await;
        assert_eq!(s.invocation.take_socket_out().len(), 1);
    }
}
