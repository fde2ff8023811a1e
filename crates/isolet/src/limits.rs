//! Per-worker limits: memory, CPU time (and, when the runtime meters it,
//! fuel) and wall-clock deadline; the `ResourceLimiter` that enforces memory
//! across all of an instance's memories and tables; and the per-invocation
//! CPU clock.

use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

/// Default memory limit per worker (Cloudflare's: 128 MiB).
pub const DEFAULT_MEMORY_BYTES: u64 = 128 << 20;
/// Default CPU budget per invocation, in fuel units (≈ Wasm instructions;
/// roughly a second of QuickJS work on a current x86 core).
pub const DEFAULT_FUEL: u64 = 2_000_000_000;
/// Default CPU time per invocation (guest code running; time spent waiting
/// for outbound requests or bindings does not count, as on Cloudflare).
pub const DEFAULT_CPU_TIME: Duration = Duration::from_secs(1);
/// Default wall-clock deadline per invocation.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// Default outbound requests per invocation (Cloudflare's free-plan figure).
pub const DEFAULT_SUB_REQUESTS: u32 = 50;
/// Default outbound response bytes per invocation.
pub const DEFAULT_OUTBOUND_BYTES: u64 = 32 << 20;
/// Default most bytes of the response body a worker sends per invocation
/// (whole or streamed).
pub const DEFAULT_RESPONSE_BYTES: u64 = 1 << 30;
/// Default most bytes the host holds for one invocation (see
/// [`Limits::host_memory_bytes`](Limits#structfield.host_memory_bytes)).
///
/// ```
/// assert_eq!(isolet::DEFAULT_HOST_MEMORY_BYTES, 64 << 20);
/// assert_eq!(
///     isolet::Limits::cloudflare_defaults().host_memory_bytes,
///     Some(isolet::DEFAULT_HOST_MEMORY_BYTES)
/// );
/// ```
pub const DEFAULT_HOST_MEMORY_BYTES: u64 = 64 << 20;

/// Most bytes a worker's response headers may take, names and values
/// together and 64 bytes per header besides (so many empty headers are
/// not free; Cloudflare's response header limit is 128 KB).
pub const MAX_RESPONSE_HEADER_BYTES: u64 = 128 * 1024;

/// Limits for a worker. Unset fields fall back to the runtime's defaults
/// (see [`RuntimeBuilder::default_limits`](crate::RuntimeBuilder::default_limits)).
///
/// ```
/// use std::time::Duration;
/// let limits = isolet::Limits::new()
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
    /// [`RuntimeBuilder::exact_fuel`](crate::RuntimeBuilder::exact_fuel)
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
    /// [`Error::HostMemoryExceeded`](crate::Error::HostMemoryExceeded).
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
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the memory limit in bytes.
    pub fn memory_bytes(mut self, bytes: u64) -> Self {
        self.memory_bytes = Some(bytes);
        self
    }

    /// Sets the CPU time per invocation.
    pub fn cpu_time(mut self, cpu: Duration) -> Self {
        self.cpu_time = Some(cpu);
        self
    }

    /// Sets the exact CPU budget per invocation in fuel units (enforced by
    /// runtimes that meter fuel; see [`Limits::fuel`](Limits#structfield.fuel)).
    pub fn fuel(mut self, fuel: u64) -> Self {
        self.fuel = Some(fuel);
        self
    }

    /// Sets the most outbound requests per invocation.
    pub fn sub_requests(mut self, n: u32) -> Self {
        self.sub_requests = Some(n);
        self
    }

    /// Sets the most outbound response bytes per invocation.
    pub fn outbound_bytes(mut self, bytes: u64) -> Self {
        self.outbound_bytes = Some(bytes);
        self
    }

    /// Sets the most response body bytes per invocation.
    ///
    /// ```
    /// let l = isolet::Limits::new().response_bytes(1 << 20);
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
    /// let l = isolet::Limits::new().host_memory_bytes(8 << 20);
    /// assert_eq!(l.host_memory_bytes, Some(8 << 20));
    /// ```
    pub fn host_memory_bytes(mut self, bytes: u64) -> Self {
        self.host_memory_bytes = Some(bytes);
        self
    }

    /// Sets the wall-clock deadline per invocation.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// The limits Cloudflare-like defaults give: 128 MiB, [`DEFAULT_CPU_TIME`]
    /// of CPU ([`DEFAULT_FUEL`] where fuel is metered), 30 s.
    ///
    /// ```
    /// let l = isolet::Limits::cloudflare_defaults();
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
    /// use isolet::Limits;
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
    /// use isolet::Limits;
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

    pub(crate) fn resolve(self, defaults: Limits) -> Effective {
        let l = self.or(defaults).or(Limits::cloudflare_defaults());
        Effective {
            memory_bytes: l.memory_bytes.unwrap_or(DEFAULT_MEMORY_BYTES),
            cpu_time: l.cpu_time.unwrap_or(DEFAULT_CPU_TIME),
            fuel: l.fuel.unwrap_or(DEFAULT_FUEL),
            timeout: l.timeout.unwrap_or(DEFAULT_TIMEOUT),
            sub_requests: l.sub_requests.unwrap_or(DEFAULT_SUB_REQUESTS),
            outbound_bytes: l.outbound_bytes.unwrap_or(DEFAULT_OUTBOUND_BYTES),
            response_bytes: l.response_bytes.unwrap_or(DEFAULT_RESPONSE_BYTES),
            host_memory_bytes: l.host_memory_bytes.unwrap_or(DEFAULT_HOST_MEMORY_BYTES),
        }
    }
}

/// Fully resolved limits of one worker.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Effective {
    pub memory_bytes: u64,
    pub cpu_time: Duration,
    pub fuel: u64,
    pub timeout: Duration,
    pub sub_requests: u32,
    pub outbound_bytes: u64,
    pub response_bytes: u64,
    pub host_memory_bytes: u64,
}

/// CPU time of the current invocation: the sum of the guest's running
/// segments (a segment ends when the guest awaits the host, e.g. an
/// outbound fetch). A segment is timed with the monotonic clock, which the
/// vDSO reads in ~25 ns; the thread CPU clock is a system call here
/// (~0.85 µs, twice per request, ~12% of a warm request). The two agree
/// while the guest's thread is not preempted; under CPU contention this
/// counts the preemption too (it errs towards stopping a worker early).
#[derive(Debug, Default)]
pub(crate) struct CpuClock {
    used: Duration,
    segment_start: Option<Instant>,
}

impl CpuClock {
    /// The guest stops running (it awaits the host, or the call ended).
    pub fn pause(&mut self) {
        if let Some(start) = self.segment_start.take() {
            self.used += start.elapsed();
        }
    }

    /// The guest runs again.
    pub fn resume(&mut self) {
        if self.segment_start.is_none() {
            self.segment_start = Some(Instant::now());
        }
    }

    /// CPU time used so far by this invocation.
    pub fn used(&self) -> Duration {
        match self.segment_start {
            Some(start) => self.used + start.elapsed(),
            None => self.used,
        }
    }
}

/// Why the epoch callback stopped the guest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Stop {
    /// The invocation used more CPU time than its limit.
    Cpu,
    /// The invocation's wall-clock deadline passed.
    Deadline,
}

impl std::fmt::Display for Stop {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Stop::Cpu => "the invocation exceeded its CPU time limit",
            Stop::Deadline => "the invocation's wall-clock deadline passed",
        })
    }
}

impl std::error::Error for Stop {}

/// Enforces the memory limit over every memory and table of an instance, and
/// remembers whether it had to refuse growth (so a resulting trap or
/// out-of-memory exception is reported as `MemoryLimitExceeded`).
pub(crate) struct MemoryLimiter {
    limit: usize,
    memory_used: usize,
    table_bytes: usize,
    pub hit: bool,
}

/// Bytes charged per table element (a funcref slot).
const TABLE_ELEMENT_BYTES: usize = 8;

impl MemoryLimiter {
    pub fn new(limit: u64) -> Self {
        MemoryLimiter {
            limit: usize::try_from(limit).unwrap_or(usize::MAX),
            memory_used: 0,
            table_bytes: 0,
            hit: false,
        }
    }

    /// Linear memory plus tables currently in use, in bytes.
    pub fn used(&self) -> usize {
        self.memory_used + self.table_bytes
    }
}

impl wasmtime::ResourceLimiter for MemoryLimiter {
    fn memory_growing(
        &mut self,
        current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        let after = self.used() - current.min(self.memory_used) + desired;
        if after > self.limit {
            self.hit = true;
            return Ok(false);
        }
        self.memory_used = self.memory_used - current.min(self.memory_used) + desired;
        Ok(true)
    }

    fn table_growing(
        &mut self,
        current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        let cur = current.saturating_mul(TABLE_ELEMENT_BYTES);
        let want = desired.saturating_mul(TABLE_ELEMENT_BYTES);
        let after = self.used() - cur.min(self.table_bytes) + want;
        if after > self.limit {
            self.hit = true;
            return Ok(false);
        }
        self.table_bytes = self.table_bytes - cur.min(self.table_bytes) + want;
        Ok(true)
    }

    fn instances(&self) -> usize {
        64
    }

    fn tables(&self) -> usize {
        64
    }

    fn memories(&self) -> usize {
        16
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasmtime::ResourceLimiter;

    #[test]
    fn limiter_counts_all_memories_and_tables_together() {
        let mut l = MemoryLimiter::new(100);
        assert!(l.memory_growing(0, 60, None).unwrap());
        assert!(l.table_growing(0, 4, None).unwrap()); // 32 bytes
        assert_eq!(l.used(), 92);
        assert!(!l.memory_growing(60, 70, None).unwrap());
        assert!(l.hit);
        assert!(l.memory_growing(60, 68, None).unwrap());
        assert_eq!(l.used(), 100);
    }

    #[test]
    fn the_cpu_clock_counts_running_segments_only() {
        let mut c = CpuClock::default();
        c.resume();
        let spin = |d: Duration| {
            let t = std::time::Instant::now();
            while t.elapsed() < d {
                std::hint::black_box(0u64);
            }
        };
        spin(Duration::from_millis(20));
        c.pause();
        let after_run = c.used();
        assert!(after_run >= Duration::from_millis(10), "{after_run:?}");
        spin(Duration::from_millis(30)); // the guest is paused: not counted
        assert_eq!(c.used(), after_run);
        c.resume();
        spin(Duration::from_millis(5));
        assert!(c.used() > after_run);
    }

    #[test]
    fn cpu_ms_is_the_json_name() {
        let l: Limits = serde_json::from_str(r#"{"cpuMs": 50, "timeoutMs": 100}"#).unwrap();
        assert_eq!(l.cpu_time, Some(Duration::from_millis(50)));
        assert!(Limits::new().cpu_time(Duration::ZERO).problems()[0].contains("cpuMs"));
    }

    #[test]
    fn host_memory_bytes_is_a_limit_with_a_default() {
        let l: Limits = serde_json::from_str(r#"{"hostMemoryBytes": 4096}"#).unwrap();
        assert_eq!(l.host_memory_bytes, Some(4096));
        assert_eq!(l.resolve(Limits::new()).host_memory_bytes, 4096);
        assert_eq!(
            Limits::new().resolve(Limits::new()).host_memory_bytes,
            DEFAULT_HOST_MEMORY_BYTES
        );
        assert!(Limits::new().host_memory_bytes(0).problems()[0].contains("hostMemoryBytes"));
    }

    #[test]
    fn unset_limits_take_defaults() {
        let e = Limits::new()
            .fuel(5)
            .resolve(Limits::new().timeout(Duration::from_secs(2)));
        assert_eq!(e.fuel, 5);
        assert_eq!(e.timeout, Duration::from_secs(2));
        assert_eq!(e.memory_bytes, DEFAULT_MEMORY_BYTES);
        assert_eq!(e.cpu_time, DEFAULT_CPU_TIME);
    }
}
