//! Tails: what each invocation did (console output, exceptions, outcome),
//! delivered to the embedder's [`TailSink`]s, like Cloudflare's Tail Workers.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use serde::Serialize;

use crate::budget::HostBudget;
use crate::error::{Error, ScriptError};

/// Most log entries kept per invocation; later ones are dropped and a
/// truncation marker is added.
pub const MAX_LOGS_PER_INVOCATION: usize = 256;
/// Most bytes of log messages kept per invocation.
pub const MAX_LOG_BYTES_PER_INVOCATION: usize = 128 * 1024;
/// Most outbound requests recorded per invocation (in
/// [`TraceEvent::outbound`]); later ones are not recorded and a record
/// with decision `truncated` is added. Refused requests are recorded too,
/// and a refusal takes no subrequest, so without this cap a loop of
/// refused `fetch()`es would grow the record list without end.
///
/// ```
/// assert_eq!(isolet::MAX_OUTBOUND_RECORDS_PER_INVOCATION, 128);
/// ```
pub const MAX_OUTBOUND_RECORDS_PER_INVOCATION: usize = 128;
pub use isolet_code::MAX_TAILS;
/// Longest URL an outbound record keeps (longer ones are cut, marked `...`).
pub(crate) const MAX_RECORD_URL_BYTES: usize = 2 * 1024;
/// Longest error text an outbound record keeps.
pub(crate) const MAX_RECORD_ERROR_BYTES: usize = 1024;
/// Longest method an outbound record keeps.
const MAX_RECORD_METHOD_BYTES: usize = 64;
/// What the host reckons a record or log entry costs besides its strings.
const ENTRY_OVERHEAD_BYTES: usize = 64;

/// A console level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum LogLevel {
    /// `console.debug`
    Debug,
    /// `console.log`
    Log,
    /// `console.info`
    Info,
    /// `console.warn`
    Warn,
    /// `console.error`
    Error,
}

/// One console message.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LogEntry {
    /// Its level.
    pub level: LogLevel,
    /// The formatted message (arguments joined as Node's console does).
    pub message: String,
    /// When it was logged, in milliseconds since the Unix epoch.
    pub timestamp_ms: u64,
}

/// How an invocation ended, named as Cloudflare's trace events name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Outcome {
    /// It returned normally.
    Ok,
    /// The script threw.
    Exception,
    /// It ran out of CPU (fuel).
    ExceededCpu,
    /// It ran out of memory.
    ExceededMemory,
    /// It ran past its wall-clock deadline.
    ExceededWallTime,
    /// Its response body passed the `response_bytes` limit (isolet's own
    /// outcome: Cloudflare has no such limit).
    ExceededResponseBytes,
    /// The instance crashed or could not run.
    Canceled,
}

impl Outcome {
    pub(crate) fn of<T>(result: &Result<T, Error>) -> Outcome {
        match result {
            Ok(_) => Outcome::Ok,
            Err(Error::Script(_)) => Outcome::Exception,
            Err(Error::CpuLimitExceeded { .. }) => Outcome::ExceededCpu,
            Err(Error::MemoryLimitExceeded { .. } | Error::HostMemoryExceeded { .. }) => {
                Outcome::ExceededMemory
            }
            Err(Error::Timeout(_)) => Outcome::ExceededWallTime,
            Err(Error::ResponseTooLarge { .. } | Error::ResponseHeadersTooLarge { .. }) => {
                Outcome::ExceededResponseBytes
            }
            Err(_) => Outcome::Canceled,
        }
    }
}

/// What triggered an invocation.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum EventInfo {
    /// Loading the worker's code (`init`).
    Init,
    /// A `fetch` call.
    Fetch {
        /// The request method.
        method: String,
        /// The request URL.
        url: String,
    },
    /// An RPC method call.
    Rpc {
        /// The method name.
        method: String,
    },
}

/// One outbound request an invocation made, and what its policy decided.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OutboundRecord {
    /// The request method.
    pub method: String,
    /// The request URL.
    pub url: String,
    /// `denied`, `forwarded` or `gateway`; `truncated` for the last record
    /// of an invocation that made more requests than are recorded (see
    /// [`MAX_OUTBOUND_RECORDS_PER_INVOCATION`]).
    pub decision: String,
    /// The response status, when there was a response.
    pub status: Option<u16>,
    /// The error the worker saw, when the request failed or was refused.
    pub error: Option<String>,
}

impl OutboundRecord {
    /// A record with its guest-controlled texts cut to their caps.
    pub(crate) fn clipped(
        method: &str,
        url: &str,
        decision: &str,
        status: Option<u16>,
        error: Option<&str>,
    ) -> OutboundRecord {
        OutboundRecord {
            method: clip(method, MAX_RECORD_METHOD_BYTES),
            url: clip(url, MAX_RECORD_URL_BYTES),
            decision: decision.to_string(),
            status,
            error: error.map(|e| clip_middle(e, MAX_RECORD_ERROR_BYTES)),
        }
    }

    fn size(&self) -> usize {
        self.method.len()
            + self.url.len()
            + self.decision.len()
            + self.error.as_ref().map_or(0, String::len)
            + ENTRY_OVERHEAD_BYTES
    }
}

/// The outbound records of one invocation, capped in number
/// ([`MAX_OUTBOUND_RECORDS_PER_INVOCATION`]) and charged to its host
/// memory budget; past either, one `truncated` record ends the list.
#[derive(Default)]
pub(crate) struct OutboundLog {
    records: Vec<OutboundRecord>,
    truncated: bool,
}

impl OutboundLog {
    pub fn push(&mut self, record: OutboundRecord, budget: &mut HostBudget) {
        if self.truncated {
            return;
        }
        if self.records.len() >= MAX_OUTBOUND_RECORDS_PER_INVOCATION
            || !budget.try_charge(record.size())
        {
            self.truncated = true;
            self.records.push(OutboundRecord {
                method: String::new(),
                url: String::new(),
                decision: "truncated".into(),
                status: None,
                error: Some(format!(
                    "[isolet] outbound log truncated: this invocation made more outbound requests than are recorded ({MAX_OUTBOUND_RECORDS_PER_INVOCATION}, or its host memory budget)"
                )),
            });
            return;
        }
        self.records.push(record);
    }

    /// How many records there are (the `truncated` one included).
    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.records.len()
    }

    pub fn take(&mut self) -> Vec<OutboundRecord> {
        self.truncated = false;
        std::mem::take(&mut self.records)
    }
}

/// The trace of one invocation.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TraceEvent {
    /// The worker's id (`get`) or `None` for one-shot (`load`) workers.
    pub worker_id: Option<String>,
    /// The entrypoint (`None`: the default export).
    pub entrypoint: Option<String>,
    /// What was invoked.
    pub event: EventInfo,
    /// How it ended.
    pub outcome: Outcome,
    /// Console output, in order (capped; see [`MAX_LOGS_PER_INVOCATION`]).
    pub logs: Vec<LogEntry>,
    /// Uncaught exceptions.
    pub exceptions: Vec<ScriptError>,
    /// Outbound requests made, with their policy decisions.
    pub outbound: Vec<OutboundRecord>,
    /// Fuel consumed (0 unless the runtime meters exact fuel).
    pub fuel_used: u64,
    /// CPU time the guest used (time waiting for the host not included).
    pub cpu_time: Duration,
    /// Wall time of the invocation.
    pub wall_time: Duration,
    /// When it started, in milliseconds since the Unix epoch.
    pub event_timestamp_ms: u64,
}

/// A trace as a tail worker's `tail(events)` handler gets it: Cloudflare's
/// `TraceItem` shape (`scriptName`, `entrypoint`, `event.request` or
/// `event.rpcMethod`, `eventTimestamp`, `logs` with `message` as an array,
/// `exceptions` with a `timestamp`, `outcome`, `truncated`), so a tail
/// worker written for Cloudflare reads it as it is; plus isolet's own
/// fields (`workerId`, `outbound`, `cpuTime`, `wallTime`, `fuelUsed`, and
/// `event.type`). A log's `message` holds one string, the console's
/// arguments formatted as isolet keeps them (Cloudflare keeps each
/// argument).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct TailItem<'a> {
    script_name: Option<&'a str>,
    worker_id: Option<&'a str>,
    entrypoint: Option<&'a str>,
    event: TailEventInfo<'a>,
    event_timestamp: u64,
    logs: Vec<TailLog<'a>>,
    exceptions: Vec<TailException<'a>>,
    outcome: Outcome,
    truncated: bool,
    outbound: &'a [OutboundRecord],
    fuel_used: u64,
    cpu_time: Duration,
    wall_time: Duration,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct TailEventInfo<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    request: Option<TailRequest<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    rpc_method: Option<&'a str>,
}

#[derive(Serialize)]
struct TailRequest<'a> {
    url: &'a str,
    method: &'a str,
    headers: serde_json::Map<String, serde_json::Value>,
}

#[derive(Serialize)]
struct TailLog<'a> {
    message: [&'a str; 1],
    level: LogLevel,
    timestamp: u64,
}

#[derive(Serialize)]
struct TailException<'a> {
    name: &'a str,
    message: &'a str,
    stack: &'a str,
    timestamp: u64,
}

impl<'a> TailItem<'a> {
    pub(crate) fn of(trace: &'a TraceEvent) -> TailItem<'a> {
        let event = match &trace.event {
            EventInfo::Init => TailEventInfo {
                kind: "init",
                request: None,
                rpc_method: None,
            },
            EventInfo::Fetch { method, url } => TailEventInfo {
                kind: "fetch",
                request: Some(TailRequest {
                    url,
                    method,
                    headers: serde_json::Map::new(),
                }),
                rpc_method: None,
            },
            EventInfo::Rpc { method } => TailEventInfo {
                kind: "rpc",
                request: None,
                rpc_method: Some(method),
            },
        };
        let end = trace
            .event_timestamp_ms
            .saturating_add(trace.wall_time.as_millis() as u64);
        TailItem {
            script_name: trace.worker_id.as_deref(),
            worker_id: trace.worker_id.as_deref(),
            entrypoint: trace.entrypoint.as_deref(),
            event,
            event_timestamp: trace.event_timestamp_ms,
            logs: trace
                .logs
                .iter()
                .map(|l| TailLog {
                    message: [&l.message],
                    level: l.level,
                    timestamp: l.timestamp_ms,
                })
                .collect(),
            exceptions: trace
                .exceptions
                .iter()
                .map(|e| TailException {
                    name: &e.name,
                    message: &e.message,
                    stack: &e.stack,
                    timestamp: end,
                })
                .collect(),
            outcome: trace.outcome,
            truncated: trace.logs.iter().any(|l| l.message == LOGS_TRUNCATED),
            outbound: &trace.outbound,
            fuel_used: trace.fuel_used,
            cpu_time: trace.cpu_time,
            wall_time: trace.wall_time,
        }
    }
}

/// Receives trace events. Called after each invocation, off the worker's
/// response path; implementations should be quick (queue, don't block).
///
/// ```
/// use std::sync::{Arc, Mutex};
/// struct Collect(Mutex<Vec<isolet::TraceEvent>>);
/// impl isolet::TailSink for Collect {
///     fn on_event(&self, event: &isolet::TraceEvent) {
///         self.0.lock().unwrap().push(event.clone());
///     }
/// }
/// let sink: Arc<dyn isolet::TailSink> = Arc::new(Collect(Mutex::new(Vec::new())));
/// # let _ = sink;
/// ```
pub trait TailSink: Send + Sync + 'static {
    /// Called once per invocation with its trace.
    fn on_event(&self, event: &TraceEvent);
}

impl<F: Fn(&TraceEvent) + Send + Sync + 'static> TailSink for F {
    fn on_event(&self, event: &TraceEvent) {
        self(event)
    }
}

pub(crate) type Sinks = Arc<Vec<Arc<dyn TailSink>>>;

/// Log collection for one invocation, with caps.
#[derive(Default)]
pub(crate) struct LogBuffer {
    pub entries: Vec<LogEntry>,
    bytes: usize,
    truncated: bool,
}

/// The log entry that ends an invocation's logs past their caps.
const LOGS_TRUNCATED: &str =
    "[isolet] log output truncated: this invocation exceeded the log limit";

impl LogBuffer {
    /// Keeps one message, charged to `budget`; past the caps or the budget,
    /// a truncation marker ends the invocation's logs.
    pub fn push(&mut self, level: LogLevel, message: String, budget: &mut HostBudget) {
        if self.truncated {
            return;
        }
        if self.entries.len() >= MAX_LOGS_PER_INVOCATION
            || self.bytes + message.len() > MAX_LOG_BYTES_PER_INVOCATION
            || !budget.try_charge(message.len() + ENTRY_OVERHEAD_BYTES)
        {
            self.truncated = true;
            self.entries.push(LogEntry {
                level: LogLevel::Warn,
                message: LOGS_TRUNCATED.into(),
                timestamp_ms: now_ms(),
            });
            return;
        }
        self.bytes += message.len();
        self.entries.push(LogEntry {
            level,
            message,
            timestamp_ms: now_ms(),
        });
    }

    pub fn take(&mut self) -> Vec<LogEntry> {
        self.bytes = 0;
        self.truncated = false;
        std::mem::take(&mut self.entries)
    }
}

pub(crate) fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

/// Cuts `s` to at most `max` bytes (at a character boundary) and marks the
/// cut with `...`; a shorter `s` is left alone.
///
/// ```
/// let mut s = String::from("ab€cd"); // '€' is bytes 2..5
/// isolet::shorten(&mut s, 4);
/// assert_eq!(s, "ab..."); // cut before the '€', then marked
/// let mut short = String::from("abc");
/// isolet::shorten(&mut short, 3);
/// assert_eq!(short, "abc");
/// ```
pub fn shorten(s: &mut String, max: usize) {
    if s.len() > max {
        let end = s.floor_char_boundary(max);
        s.truncate(end);
        s.push_str("...");
    }
}

/// A copy of at most about `max` bytes of `s`: its start and its end with
/// `...` between (an error names the URL first and the reason last).
pub(crate) fn clip_middle(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_string();
    }
    let head = s.floor_char_boundary(max / 2);
    let tail = s.ceil_char_boundary(s.len() - max / 2);
    format!("{}...{}", &s[..head], &s[tail..])
}

/// A copy of at most `max` bytes of `s` (see [`shorten`]), without copying
/// the rest first.
pub(crate) fn clip(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_string();
    }
    let mut out = s[..s.floor_char_boundary(max)].to_string();
    out.push_str("...");
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn shorten_cuts_at_a_character_boundary_and_marks_the_cut() {
        let mut s = "ab€cd".to_string(); // '€' is bytes 2..5
        super::shorten(&mut s, 4);
        assert_eq!(s, "ab...");
        let mut short = "abc".to_string();
        super::shorten(&mut short, 3);
        assert_eq!(short, "abc");
    }

    use super::*;

    fn budget() -> HostBudget {
        HostBudget::new(u64::MAX)
    }

    #[test]
    fn outbound_records_are_capped_clipped_and_charged() {
        let mut log = OutboundLog::default();
        let mut b = budget();
        let url = format!("https://x.test/{}", "u".repeat(1 << 20));
        for _ in 0..MAX_OUTBOUND_RECORDS_PER_INVOCATION + 300 {
            let err = format!("fetch({url}) was refused");
            log.push(
                OutboundRecord::clipped("GET", &url, "denied", None, Some(&err)),
                &mut b,
            );
        }
        assert_eq!(log.len(), MAX_OUTBOUND_RECORDS_PER_INVOCATION + 1);
        assert!(b.used() < 4 * 1024 * MAX_OUTBOUND_RECORDS_PER_INVOCATION as u64);
        let records = log.take();
        assert!(records[0].url.len() <= MAX_RECORD_URL_BYTES + 3);
        let error = records[0].error.as_ref().unwrap();
        assert!(error.len() <= MAX_RECORD_ERROR_BYTES + 3);
        assert!(error.ends_with("was refused"), "{error}");
        assert_eq!(records.last().unwrap().decision, "truncated");
        // A small budget truncates earlier.
        let mut small = HostBudget::new(10_000);
        for _ in 0..100 {
            log.push(
                OutboundRecord::clipped("GET", &url, "denied", None, None),
                &mut small,
            );
        }
        let records = log.take();
        assert!(records.len() < 10, "{}", records.len());
        assert_eq!(records.last().unwrap().decision, "truncated");
        assert!(
            !small.exhausted(),
            "a dropped record is not the guest's error"
        );
    }

    #[test]
    fn clip_cuts_at_a_character_boundary() {
        assert_eq!(clip("ab€cd", 4), "ab...");
        assert_eq!(clip("abc", 3), "abc");
        assert_eq!(clip_middle("ab€cd€ef", 6), "ab...ef");
        assert_eq!(clip_middle("abc", 3), "abc");
    }

    #[test]
    fn log_buffer_caps_count_with_a_marker() {
        let mut b = LogBuffer::default();
        for i in 0..MAX_LOGS_PER_INVOCATION + 10 {
            b.push(LogLevel::Log, format!("line {i}"), &mut budget());
        }
        let logs = b.take();
        assert_eq!(logs.len(), MAX_LOGS_PER_INVOCATION + 1);
        assert!(logs.last().unwrap().message.contains("truncated"));
        b.push(LogLevel::Log, "after take".into(), &mut budget());
        assert_eq!(b.take().len(), 1);
    }

    #[test]
    fn log_buffer_caps_bytes() {
        let mut b = LogBuffer::default();
        b.push(
            LogLevel::Log,
            "x".repeat(MAX_LOG_BYTES_PER_INVOCATION - 1),
            &mut budget(),
        );
        b.push(LogLevel::Log, "yy".into(), &mut budget());
        let logs = b.take();
        assert_eq!(logs.len(), 2);
        assert!(logs[1].message.contains("truncated"));
    }
}
