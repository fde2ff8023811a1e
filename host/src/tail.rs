//! Tails: what each invocation did (console output, exceptions, outcome),
//! delivered to the embedder's [`TailSink`]s, like Cloudflare's Tail Workers.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use serde::Serialize;

use crate::error::{Error, ScriptError};

/// Most log entries kept per invocation; later ones are dropped and a
/// truncation marker is added.
pub const MAX_LOGS_PER_INVOCATION: usize = 256;
/// Most bytes of log messages kept per invocation.
pub const MAX_LOG_BYTES_PER_INVOCATION: usize = 128 * 1024;

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
            Err(Error::MemoryLimitExceeded { .. }) => Outcome::ExceededMemory,
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
    /// `denied`, `forwarded` or `gateway`.
    pub decision: String,
    /// The response status, when there was a response.
    pub status: Option<u16>,
    /// The error the worker saw, when the request failed or was refused.
    pub error: Option<String>,
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

impl LogBuffer {
    pub fn push(&mut self, level: LogLevel, message: String) {
        if self.truncated {
            return;
        }
        if self.entries.len() >= MAX_LOGS_PER_INVOCATION
            || self.bytes + message.len() > MAX_LOG_BYTES_PER_INVOCATION
        {
            self.truncated = true;
            self.entries.push(LogEntry {
                level: LogLevel::Warn,
                message: "[isolet] log output truncated: this invocation exceeded the log limit"
                    .into(),
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
pub(crate) fn shorten(s: &mut String, max: usize) {
    if s.len() > max {
        let end = s.floor_char_boundary(max);
        s.truncate(end);
        s.push_str("...");
    }
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

    #[test]
    fn log_buffer_caps_count_with_a_marker() {
        let mut b = LogBuffer::default();
        for i in 0..MAX_LOGS_PER_INVOCATION + 10 {
            b.push(LogLevel::Log, format!("line {i}"));
        }
        let logs = b.take();
        assert_eq!(logs.len(), MAX_LOGS_PER_INVOCATION + 1);
        assert!(logs.last().unwrap().message.contains("truncated"));
        b.push(LogLevel::Log, "after take".into());
        assert_eq!(b.take().len(), 1);
    }

    #[test]
    fn log_buffer_caps_bytes() {
        let mut b = LogBuffer::default();
        b.push(LogLevel::Log, "x".repeat(MAX_LOG_BYTES_PER_INVOCATION - 1));
        b.push(LogLevel::Log, "yy".into());
        let logs = b.take();
        assert_eq!(logs.len(), 2);
        assert!(logs[1].message.contains("truncated"));
    }
}
