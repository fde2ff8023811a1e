//! Per-worker limits as the parent states them: memory, CPU time (and fuel),
//! subrequests, bytes and wall-clock deadline, each optional; the runtime
//! fills the unset ones with its defaults and enforces them.

use std::time::Duration;

use serde::{Deserialize, Serialize};

/// Default memory limit per worker (Cloudflare's: 128 MiB).
///
/// ```
/// use isolet_code::{limits::DEFAULT_MEMORY_BYTES, Limits};
/// assert_eq!(DEFAULT_MEMORY_BYTES, 128 * 1024 * 1024);
/// assert_eq!(Limits::cloudflare_defaults().memory_bytes, Some(DEFAULT_MEMORY_BYTES));
/// ```
pub const DEFAULT_MEMORY_BYTES: u64 = 128 << 20;
/// Default CPU budget per invocation, in fuel units (≈ Wasm instructions;
/// roughly a second of QuickJS work on a current x86 core).
///
/// ```
/// use isolet_code::{limits::DEFAULT_FUEL, Limits};
/// assert_eq!(DEFAULT_FUEL, 2_000_000_000);
/// assert_eq!(Limits::cloudflare_defaults().fuel, Some(DEFAULT_FUEL));
/// ```
pub const DEFAULT_FUEL: u64 = 2_000_000_000;
/// Default CPU time per invocation (guest code running; time spent waiting
/// for outbound requests or bindings does not count, as on Cloudflare).
///
/// ```
/// use isolet_code::limits::{DEFAULT_CPU_TIME, DEFAULT_TIMEOUT};
/// assert_eq!(DEFAULT_CPU_TIME, std::time::Duration::from_secs(1));
/// assert!(DEFAULT_CPU_TIME < DEFAULT_TIMEOUT); // waiting is not CPU time
/// assert_eq!(isolet_code::Limits::cloudflare_defaults().cpu_time, Some(DEFAULT_CPU_TIME));
/// ```
pub const DEFAULT_CPU_TIME: Duration = Duration::from_secs(1);
/// Default wall-clock deadline per invocation.
///
/// ```
/// use isolet_code::{limits::DEFAULT_TIMEOUT, Limits};
/// assert_eq!(DEFAULT_TIMEOUT, std::time::Duration::from_secs(30));
/// assert_eq!(Limits::new().or(Limits::cloudflare_defaults()).timeout, Some(DEFAULT_TIMEOUT));
/// ```
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// Default outbound requests per invocation (Cloudflare's free-plan figure).
///
/// ```
/// use isolet_code::{limits::DEFAULT_SUB_REQUESTS, Limits};
/// assert_eq!(DEFAULT_SUB_REQUESTS, 50);
/// assert_eq!(Limits::cloudflare_defaults().sub_requests, Some(DEFAULT_SUB_REQUESTS));
/// ```
pub const DEFAULT_SUB_REQUESTS: u32 = 50;
/// Default outbound response bytes per invocation.
///
/// ```
/// use isolet_code::{limits::DEFAULT_OUTBOUND_BYTES, Limits};
/// assert_eq!(DEFAULT_OUTBOUND_BYTES, 32 * 1024 * 1024);
/// assert_eq!(Limits::cloudflare_defaults().outbound_bytes, Some(DEFAULT_OUTBOUND_BYTES));
/// ```
pub const DEFAULT_OUTBOUND_BYTES: u64 = 32 << 20;
/// Default most bytes of the response body a worker sends per invocation
/// (whole or streamed).
///
/// ```
/// use isolet_code::{limits::DEFAULT_RESPONSE_BYTES, Limits};
/// assert_eq!(DEFAULT_RESPONSE_BYTES, 1024 * 1024 * 1024);
/// assert_eq!(Limits::cloudflare_defaults().response_bytes, Some(DEFAULT_RESPONSE_BYTES));
/// ```
pub const DEFAULT_RESPONSE_BYTES: u64 = 1 << 30;
/// Default most bytes the host holds for one invocation (see
/// [`Limits::host_memory_bytes`](Limits#structfield.host_memory_bytes)).
///
/// ```
/// assert_eq!(isolet_code::limits::DEFAULT_HOST_MEMORY_BYTES, 64 << 20);
/// assert_eq!(
///     isolet_code::Limits::cloudflare_defaults().host_memory_bytes,
///     Some(isolet_code::limits::DEFAULT_HOST_MEMORY_BYTES)
/// );
/// ```
pub const DEFAULT_HOST_MEMORY_BYTES: u64 = 64 << 20;

/// Limits for a worker. Unset fields fall back to the runtime's defaults
/// (see `isolet::RuntimeBuilder::default_limits`).
///
/// ```
/// use std::time::Duration;
/// let limits = isolet_code::Limits::new()
///     .memory_bytes(64 << 20)
///     .cpu_time(Duration::from_millis(50))
///     .timeout(Duration::from_millis(500));
/// assert_eq!(limits.memory_bytes, Some(64 << 20));
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Limits {
    /// Most memory (all linear memories and tables together), in bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory_bytes: Option<u64>,
    /// CPU time per invocation (`init`, each `fetch`, each RPC call), in
    /// milliseconds (Cloudflare's `limits.cpuMs`). Checked every epoch tick
    /// (1 ms) while guest code runs.
    #[serde(
        default,
        rename = "cpuMs",
        with = "opt_millis",
        skip_serializing_if = "Option::is_none"
    )]
    pub cpu_time: Option<Duration>,
    /// Exact CPU budget per invocation in fuel units (≈ Wasm instructions).
    /// Enforced only by a runtime built with
    /// `isolet::RuntimeBuilder::exact_fuel`
    /// (fuel metering costs ~30% of guest speed); otherwise ignored.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fuel: Option<u64>,
    /// Most outbound requests (`fetch()`, service-binding calls) per invocation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub_requests: Option<u32>,
    /// Most outbound response bytes per invocation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outbound_bytes: Option<u64>,
    /// Most bytes of the response body the worker sends per invocation,
    /// whole or streamed (a stream is cut off where it passes the limit;
    /// the wall-clock deadline bounds how long it may take).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response_bytes: Option<u64>,
    /// Most bytes the host may hold for one invocation outside the
    /// worker's own memory (`memory_bytes`): its console output,
    /// exceptions and outbound records, Cache API entries on their way in,
    /// response bodies and binding results collected for it (JSON name
    /// `hostMemoryBytes`, default [`DEFAULT_HOST_MEMORY_BYTES`]). Past it
    /// the host call that asked for more throws
    /// ("host memory budget of N bytes exhausted by ..."), and an
    /// invocation that fails then is reported as
    /// `isolet::Error::HostMemoryExceeded`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host_memory_bytes: Option<u64>,
    /// Wall-clock deadline per invocation, in milliseconds.
    #[serde(
        default,
        rename = "timeoutMs",
        with = "opt_millis",
        skip_serializing_if = "Option::is_none"
    )]
    pub timeout: Option<Duration>,
}

mod opt_millis {
    use serde::{Deserialize, Deserializer, Serializer};
    use std::time::Duration;

    pub fn serialize<S: Serializer>(d: &Option<Duration>, s: S) -> Result<S::Ok, S::Error> {
        match d {
            Some(d) => s.serialize_u64(d.as_millis() as u64),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Duration>, D::Error> {
        Ok(Option::<u64>::deserialize(d)?.map(Duration::from_millis))
    }
}

impl Limits {
    /// No limits set: everything falls back to the runtime's defaults.
    ///
    /// ```
    /// use isolet_code::Limits;
    /// let l = Limits::new();
    /// assert_eq!(l, Limits::default());
    /// assert_eq!(serde_json::to_string(&l).unwrap(), "{}"); // nothing set
    /// assert_eq!(l.or(Limits::cloudflare_defaults()), Limits::cloudflare_defaults());
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the memory limit in bytes.
    ///
    /// ```
    /// let l = isolet_code::Limits::new().memory_bytes(64 << 20);
    /// assert_eq!(l.memory_bytes, Some(64 << 20));
    /// assert_eq!(serde_json::to_string(&l).unwrap(), r#"{"memoryBytes":67108864}"#);
    /// ```
    pub fn memory_bytes(mut self, bytes: u64) -> Self {
        self.memory_bytes = Some(bytes);
        self
    }

    /// Sets the CPU time per invocation.
    ///
    /// ```
    /// use std::time::Duration;
    /// let l = isolet_code::Limits::new().cpu_time(Duration::from_millis(50));
    /// assert_eq!(l.cpu_time, Some(Duration::from_millis(50)));
    /// assert_eq!(serde_json::to_string(&l).unwrap(), r#"{"cpuMs":50}"#);
    /// ```
    pub fn cpu_time(mut self, cpu: Duration) -> Self {
        self.cpu_time = Some(cpu);
        self
    }

    /// Sets the exact CPU budget per invocation in fuel units (enforced by
    /// runtimes that meter fuel; see [`Limits::fuel`](Limits#structfield.fuel)).
    ///
    /// ```
    /// use isolet_code::Limits;
    /// assert_eq!(Limits::new().fuel(1_000_000).fuel, Some(1_000_000));
    /// assert_eq!(Limits::new().fuel(0).problems(), ["`limits.fuel` must be greater than 0"]);
    /// ```
    pub fn fuel(mut self, fuel: u64) -> Self {
        self.fuel = Some(fuel);
        self
    }

    /// Sets the most outbound requests per invocation.
    ///
    /// ```
    /// let l = isolet_code::Limits::new().sub_requests(5);
    /// assert_eq!(l.sub_requests, Some(5));
    /// assert_eq!(serde_json::to_string(&l).unwrap(), r#"{"subRequests":5}"#);
    /// ```
    pub fn sub_requests(mut self, n: u32) -> Self {
        self.sub_requests = Some(n);
        self
    }

    /// Sets the most outbound response bytes per invocation.
    ///
    /// ```
    /// use isolet_code::Limits;
    /// let l = Limits::new().outbound_bytes(1 << 20).or(Limits::cloudflare_defaults());
    /// assert_eq!(l.outbound_bytes, Some(1 << 20)); // set: kept
    /// assert_eq!(l.memory_bytes, Limits::cloudflare_defaults().memory_bytes); // unset: the default
    /// ```
    pub fn outbound_bytes(mut self, bytes: u64) -> Self {
        self.outbound_bytes = Some(bytes);
        self
    }

    /// Sets the most response body bytes per invocation.
    ///
    /// ```
    /// let l = isolet_code::Limits::new().response_bytes(1 << 20);
    /// assert_eq!(l.response_bytes, Some(1 << 20));
    /// ```
    pub fn response_bytes(mut self, bytes: u64) -> Self {
        self.response_bytes = Some(bytes);
        self
    }

    /// Sets the most bytes the host holds for one invocation (see
    /// [`Limits::host_memory_bytes`](Limits#structfield.host_memory_bytes)).
    ///
    /// ```
    /// let l = isolet_code::Limits::new().host_memory_bytes(8 << 20);
    /// assert_eq!(l.host_memory_bytes, Some(8 << 20));
    /// ```
    pub fn host_memory_bytes(mut self, bytes: u64) -> Self {
        self.host_memory_bytes = Some(bytes);
        self
    }

    /// Sets the wall-clock deadline per invocation.
    ///
    /// ```
    /// use std::time::Duration;
    /// let l = isolet_code::Limits::new().timeout(Duration::from_secs(2));
    /// assert_eq!(l.timeout, Some(Duration::from_secs(2)));
    /// assert_eq!(serde_json::to_string(&l).unwrap(), r#"{"timeoutMs":2000}"#);
    /// ```
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// The limits Cloudflare-like defaults give: 128 MiB, [`DEFAULT_CPU_TIME`]
    /// of CPU ([`DEFAULT_FUEL`] where fuel is metered), 30 s.
    ///
    /// ```
    /// let l = isolet_code::Limits::cloudflare_defaults();
    /// assert_eq!(l.memory_bytes, Some(128 << 20));
    /// ```
    pub fn cloudflare_defaults() -> Self {
        Limits {
            memory_bytes: Some(DEFAULT_MEMORY_BYTES),
            cpu_time: Some(DEFAULT_CPU_TIME),
            fuel: Some(DEFAULT_FUEL),
            timeout: Some(DEFAULT_TIMEOUT),
            sub_requests: Some(DEFAULT_SUB_REQUESTS),
            outbound_bytes: Some(DEFAULT_OUTBOUND_BYTES),
            response_bytes: Some(DEFAULT_RESPONSE_BYTES),
            host_memory_bytes: Some(DEFAULT_HOST_MEMORY_BYTES),
        }
    }

    /// `self`, with unset fields taken from `defaults`.
    ///
    /// ```
    /// use isolet_code::Limits;
    /// let l = Limits::default().memory_bytes(1 << 20).or(Limits::default().memory_bytes(2 << 20).fuel(9));
    /// assert_eq!((l.memory_bytes, l.fuel), (Some(1 << 20), Some(9)));
    /// ```
    pub fn or(self, defaults: Limits) -> Limits {
        Limits {
            memory_bytes: self.memory_bytes.or(defaults.memory_bytes),
            cpu_time: self.cpu_time.or(defaults.cpu_time),
            fuel: self.fuel.or(defaults.fuel),
            timeout: self.timeout.or(defaults.timeout),
            sub_requests: self.sub_requests.or(defaults.sub_requests),
            outbound_bytes: self.outbound_bytes.or(defaults.outbound_bytes),
            response_bytes: self.response_bytes.or(defaults.response_bytes),
            host_memory_bytes: self.host_memory_bytes.or(defaults.host_memory_bytes),
        }
    }

    /// What is wrong with these limits, one sentence each (empty: valid).
    ///
    /// ```
    /// use isolet_code::Limits;
    /// assert!(Limits::default().problems().is_empty());
    /// assert_eq!(Limits::default().memory_bytes(0).problems().len(), 1);
    /// ```
    pub fn problems(&self) -> Vec<String> {
        let mut p = Vec::new();
        if self.memory_bytes == Some(0) {
            p.push("`limits.memoryBytes` must be greater than 0".to_string());
        }
        if self.cpu_time == Some(Duration::ZERO) {
            p.push("`limits.cpuMs` must be greater than 0".to_string());
        }
        if self.fuel == Some(0) {
            p.push("`limits.fuel` must be greater than 0".to_string());
        }
        if self.timeout == Some(Duration::ZERO) {
            p.push("`limits.timeoutMs` must be greater than 0".to_string());
        }
        if self.host_memory_bytes == Some(0) {
            p.push("`limits.hostMemoryBytes` must be greater than 0".to_string());
        }
        p
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_ms_is_the_json_name() {
        let l: Limits = serde_json::from_str(r#"{"cpuMs": 50, "timeoutMs": 100}"#).unwrap();
        assert_eq!(l.cpu_time, Some(Duration::from_millis(50)));
        assert!(Limits::new().cpu_time(Duration::ZERO).problems()[0].contains("cpuMs"));
    }

    #[test]
    fn host_memory_bytes_is_a_limit() {
        let l: Limits = serde_json::from_str(r#"{"hostMemoryBytes": 4096}"#).unwrap();
        assert_eq!(l.host_memory_bytes, Some(4096));
        assert!(Limits::new().host_memory_bytes(0).problems()[0].contains("hostMemoryBytes"));
    }
}
