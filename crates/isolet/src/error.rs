//! The errors isolet returns.

use std::fmt;
use std::time::Duration;

/// An error raised by the worker's code: an uncaught exception, a rejected
/// promise, or a syntax error in one of its modules.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ScriptError {
    /// The error's class name, e.g. `TypeError` or `SyntaxError`.
    pub name: String,
    /// The error's message.
    pub message: String,
    /// The stack trace as the engine printed it; frames name the worker's
    /// modules (`at handler (main.js:3:11)`). Empty when unknown.
    pub stack: String,
}

impl ScriptError {
    /// The first source position named in the stack: `(module, line, column)`.
    ///
    /// ```
    /// let e = isolet::ScriptError {
    ///     name: "SyntaxError".into(),
    ///     message: "unexpected token".into(),
    ///     stack: "    at main.js:3:14\n".into(),
    /// };
    /// assert_eq!(e.location(), Some(("main.js".to_string(), 3, 14)));
    /// ```
    pub fn location(&self) -> Option<(String, u32, u32)> {
        self.frames().next()
    }

    /// The first position in module `module` named in the stack (the
    /// innermost frame of the worker's own code when the error was thrown
    /// inside a built-in).
    ///
    /// ```
    /// let e = isolet::ScriptError {
    ///     name: "TypeError".into(),
    ///     message: "Invalid URL".into(),
    ///     stack: "    at URL (isolet:prelude:10:3)\n    at run (code.ts:5:10)\n".into(),
    /// };
    /// assert_eq!(e.location_in("code.ts"), Some((5, 10)));
    /// ```
    pub fn location_in(&self, module: &str) -> Option<(u32, u32)> {
        self.frames()
            .find(|(file, _, _)| file == module)
            .map(|(_, line, col)| (line, col))
    }

    /// The stack's frames with a position: `(module, line, column)`.
    fn frames(&self) -> impl Iterator<Item = (String, u32, u32)> + '_ {
        self.stack.lines().filter_map(|line| {
            let frame = line.trim().strip_prefix("at ")?;
            let inner = match (frame.rfind('('), frame.ends_with(')')) {
                (Some(i), true) => &frame[i + 1..frame.len() - 1],
                _ => frame,
            };
            let mut parts = inner.rsplitn(3, ':');
            let col = parts.next()?.parse().ok()?;
            let line = parts.next()?.parse().ok()?;
            let file = parts.next()?.to_string();
            Some((file, line, col))
        })
    }
}

impl fmt::Display for ScriptError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.message.is_empty() {
            write!(f, "{}", self.name)
        } else {
            write!(f, "{}: {}", self.name, self.message)
        }
    }
}

/// Everything that can go wrong loading or calling a worker.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The `WorkerCode` is not valid; each entry names one problem.
    #[error("invalid worker code: {}", .0.join("; "))]
    InvalidCode(Vec<String>),
    /// The request handed to the worker is not valid (e.g. a relative URL).
    #[error("invalid request: {0}")]
    InvalidRequest(String),
    /// The worker's code threw (or failed to parse).
    #[error("script error: {0}")]
    Script(ScriptError),
    /// The invocation used up its CPU budget: its CPU time limit, or, on a
    /// runtime that meters fuel, its fuel. The instance was discarded.
    #[error("worker exceeded its CPU limit ({})", cpu_limit_text(*cpu_ms, *fuel))]
    CpuLimitExceeded {
        /// The CPU time limit that was exceeded, in milliseconds (`None`
        /// when the fuel budget ran out first).
        cpu_ms: Option<u64>,
        /// The fuel budget that ran out (`None` when the CPU time limit
        /// was exceeded).
        fuel: Option<u64>,
    },
    /// The worker tried to use more memory than its limit. The instance was discarded.
    #[error("worker exceeded its memory limit ({limit} bytes)")]
    MemoryLimitExceeded {
        /// The limit that was exceeded, in bytes.
        limit: u64,
    },
    /// The worker's response body passed its `response_bytes` limit. A
    /// streamed body is cut off there (its reader gets this error after the
    /// bytes within the limit); the worker stays usable.
    #[error("worker's response body exceeded its limit ({limit} bytes)")]
    ResponseTooLarge {
        /// The limit that was exceeded, in bytes.
        limit: u64,
    },
    /// The worker's response headers (names and values together) passed
    /// [`MAX_RESPONSE_HEADER_BYTES`](crate::MAX_RESPONSE_HEADER_BYTES), as
    /// on Cloudflare (128 KB). The worker stays usable.
    #[error("worker's response headers exceeded their limit ({limit} bytes)")]
    ResponseHeadersTooLarge {
        /// The limit that was exceeded, in bytes.
        limit: u64,
    },
    /// The invocation made the host hold more memory for it (console
    /// output, outbound records, Cache API entries, bodies and results
    /// collected for it) than its
    /// [`host_memory_bytes`](crate::Limits#structfield.host_memory_bytes)
    /// budget. The host call that asked for more failed with this message
    /// in the guest; the worker stays usable.
    #[error("host memory budget of {limit} bytes exhausted by {what}")]
    HostMemoryExceeded {
        /// The budget, in bytes.
        limit: u64,
        /// What asked for more (e.g. "outbound records").
        what: String,
    },
    /// The invocation ran past its wall-clock deadline. The instance was discarded.
    #[error("worker exceeded its wall-clock deadline ({0:?})")]
    Timeout(Duration),
    /// The instance crashed (a Wasm trap other than a limit). It was discarded.
    #[error("worker crashed: {0}")]
    Crashed(String),
    /// The worker handle refers to an instance that was discarded after a
    /// limit or crash; get a new one with `Runtime::get` or `Runtime::load`.
    #[error("this worker was discarded after an earlier failure; load it again")]
    Discarded,
    /// No instance slot is free (the pooling allocator's limit was reached).
    #[error("no free worker slot: {0}")]
    Capacity(String),
    /// Setting up the engine or an instance failed (a host-side problem).
    #[error("engine error: {0}")]
    Engine(String),
    /// A configuration cannot work: a runtime builder's settings, a
    /// server's configuration, a feature this build lacks.
    #[error("invalid configuration: {0}")]
    Config(String),
    /// The host's own input or output failed: listening on an address,
    /// the code store, a control socket, stdio.
    #[error("{0}")]
    Io(String),
    /// Reading or writing a worker's storage failed outside an invocation
    /// (export, import, delete), or the runtime has no storage directory.
    #[error("storage: {0}")]
    Storage(String),
    /// Receiving the body of a worker's outbound `fetch()` failed; the
    /// message (which names the URL) is what the worker's read throws.
    #[error("{0}")]
    Outbound(String),
    /// A message for a worker's WebSocket came after its session ended.
    #[error("the WebSocket is closed: its session with the worker is over")]
    WebSocketClosed,
}

impl Error {
    /// True for the errors that mean the worker hit one of its limits.
    ///
    /// ```
    /// use std::time::Duration;
    /// assert!(isolet::Error::Timeout(Duration::from_secs(1)).is_limit());
    /// assert!(!isolet::Error::Discarded.is_limit());
    /// ```
    pub fn is_limit(&self) -> bool {
        matches!(
            self,
            Error::CpuLimitExceeded { .. }
                | Error::MemoryLimitExceeded { .. }
                | Error::ResponseTooLarge { .. }
                | Error::ResponseHeadersTooLarge { .. }
                | Error::HostMemoryExceeded { .. }
                | Error::Timeout(_)
        )
    }

    pub(crate) fn engine(e: impl fmt::Display) -> Self {
        Error::Engine(format!("{e:#}"))
    }
}

/// `Result` with isolet's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

fn cpu_limit_text(cpu_ms: Option<u64>, fuel: Option<u64>) -> String {
    match (cpu_ms, fuel) {
        (Some(ms), _) => format!("{ms} ms of CPU time"),
        (None, Some(f)) => format!("{f} fuel units"),
        (None, None) => "budget unknown".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn location_from_plain_and_named_frames() {
        let e = ScriptError {
            name: "Error".into(),
            message: "boom".into(),
            stack: "    at handler (lib/util.js:12:5)\n    at <anonymous> (main.js:2:1)\n".into(),
        };
        assert_eq!(e.location(), Some(("lib/util.js".into(), 12, 5)));
        let none = ScriptError {
            name: "Error".into(),
            message: String::new(),
            stack: "    at <native>\n".into(),
        };
        assert_eq!(none.location(), None);
        assert_eq!(none.to_string(), "Error");
    }
}
