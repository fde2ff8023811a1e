//! What one invocation holds: its limits as they run (CPU clock, deadline),
//! the host memory it charged, what it recorded for its trace (logs,
//! exceptions, outbound records) and the bodies and socket messages in
//! flight. A fresh [`Invocation`] is made for every call into a worker
//! (`HostState::begin_invocation`) and taken whole when it ends
//! (`HostState::end_invocation`): nothing of one call can reach the next,
//! and a field added here needs no reset anywhere else.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use crate::budget::HostBudget;
use crate::child::Child;
use crate::error::ScriptError;
use crate::http::BodyStream;
use crate::limits::{CpuClock, Effective};
use crate::stubs::{PendingCall, StubLink};
use crate::tail::{LogBuffer, OutboundLog};
use crate::websocket::WebSocketMessage;

/// Who calls an invocation and what it hands over besides the arguments.
#[derive(Clone, Default)]
pub(crate) struct Caller {
    /// The ids of the workers whose calls led to it (outermost first);
    /// empty for a call from the embedder.
    pub chain: Vec<String>,
    /// Its `ctx.props` (wire JSON), if the caller gave any.
    pub props: Option<Arc<str>>,
    /// The objects the caller (a parent) passed by reference, if any.
    pub stubs: Option<Arc<StubLink>>,
}

impl Caller {
    /// A call from another worker: the chain and the callee's props.
    pub fn nested(chain: Vec<String>, props: Option<Arc<str>>) -> Caller {
        Caller {
            chain,
            props,
            stubs: None,
        }
    }
}

pub(crate) struct Invocation {
    pub logs: LogBuffer,
    /// Uncaught errors the guest reported (see `tail.exception`), at most
    /// `MAX_EXCEPTIONS`.
    pub exceptions: Vec<ScriptError>,
    /// The ids of the workers whose calls led to this invocation
    /// (outermost first); empty for a call from the embedder.
    pub chain: Vec<String>,
    pub sub_requests: u32,
    pub outbound_bytes: u64,
    /// Its outbound records (capped, charged to `budget`).
    pub outbound_log: OutboundLog,
    /// What the host holds for it (see `budget`).
    pub budget: HostBudget,
    /// Its CPU time (see `cpu_used`): running while guest code runs.
    pub cpu: CpuClock,
    /// How long its guest code spent yielded to other tasks at epoch ticks
    /// (nanoseconds; written by the yield's future): time `cpu`'s running
    /// segment counts but the guest did not run.
    pub yielded: Arc<AtomicU64>,
    pub cpu_limit: Duration,
    /// When its wall-clock deadline passes.
    pub deadline: Instant,
    /// The streamed body of the request it handles.
    pub incoming: Option<BodyStream>,
    /// Bodies of its outbound and service-binding responses still
    /// arriving, by the number the guest reads them with (numbered by
    /// `HostState::open_body`, never reused within an instance).
    pub bodies: HashMap<u32, BodyStream>,
    /// What the worker sent on the WebSocket its answer accepted and the
    /// client has not been handed yet (the session passes it on after each
    /// step), with its size in bytes.
    pub socket_out: Vec<WebSocketMessage>,
    pub socket_out_bytes: usize,
    /// Whether the worker closed its WebSocket (one close per socket;
    /// nothing is sent after it).
    pub socket_closed: bool,
    /// Its `ctx.props` (wire JSON), as its caller gave them.
    pub props: Option<Arc<str>>,
    /// The workers it loaded with `LOADER.load()`, by the number the guest
    /// calls them with (numbered by `HostState`, never reused within an
    /// instance): they live as long as the invocation.
    pub children: HashMap<u32, Arc<dyn Child>>,
    /// The objects its caller passed by reference (see `stubs.rs`), and
    /// how many calls it made on them.
    pub stubs: Option<Arc<StubLink>>,
    pub stub_calls: u32,
    /// Its calls to children that passed objects by reference, between
    /// steps, by the number the guest resumes them with.
    pub pending: HashMap<u32, PendingCall>,
}

impl Invocation {
    /// A call from `caller` under `limits`, its clock not yet running
    /// (each guest step runs it: `worker::guarded_step`).
    pub fn new(caller: Caller, limits: &Effective) -> Self {
        Invocation::with(
            caller,
            limits.cpu_time,
            deadline_after(limits.timeout),
            HostBudget::new(limits.host_memory_bytes),
        )
    }

    /// What an instance holds between invocations (and while the engine is
    /// pre-initialized): nothing, under the default host-memory limit.
    pub fn idle() -> Self {
        Invocation::with(
            Caller::default(),
            Duration::MAX,
            deadline_after(Duration::from_secs(3600)),
            HostBudget::new(crate::limits::DEFAULT_HOST_MEMORY_BYTES),
        )
    }

    fn with(caller: Caller, cpu_limit: Duration, deadline: Instant, budget: HostBudget) -> Self {
        Invocation {
            logs: LogBuffer::default(),
            exceptions: Vec::new(),
            chain: caller.chain,
            sub_requests: 0,
            outbound_bytes: 0,
            outbound_log: OutboundLog::default(),
            budget,
            cpu: CpuClock::default(),
            yielded: Arc::default(),
            cpu_limit,
            deadline,
            incoming: None,
            bodies: HashMap::new(),
            socket_out: Vec::new(),
            socket_out_bytes: 0,
            socket_closed: false,
            props: caller.props,
            children: HashMap::new(),
            stubs: caller.stubs,
            stub_calls: 0,
            pending: HashMap::new(),
        }
    }

    /// What the worker sent on its WebSocket since the last call, handed
    /// over (its bytes leave the host memory budget).
    pub fn take_socket_out(&mut self) -> Vec<WebSocketMessage> {
        self.budget.release(self.socket_out_bytes);
        self.socket_out_bytes = 0;
        std::mem::take(&mut self.socket_out)
    }

    /// Its CPU time: the running segments less the time spent yielded to
    /// other tasks.
    pub fn cpu_used(&self) -> Duration {
        let yielded = self.yielded.load(Ordering::Relaxed);
        self.cpu
            .used()
            .saturating_sub(Duration::from_nanos(yielded))
    }
}

/// `timeout` from now; a timeout too far to represent is as good as never
/// (a guest-chosen `timeoutMs` must not overflow the clock).
pub(crate) fn deadline_after(timeout: Duration) -> Instant {
    let now = Instant::now();
    now.checked_add(timeout)
        .or_else(|| now.checked_add(Duration::from_secs(100 * 365 * 86_400)))
        .unwrap_or(now)
}
