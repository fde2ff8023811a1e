//! Limits as the runtime enforces them: each worker's [`Limits`] resolved
//! against the runtime's defaults ([`Effective`]), the `ResourceLimiter`
//! that enforces memory across all of an instance's memories and tables,
//! and the per-invocation CPU clock.

use std::time::{Duration, Instant};

pub use isolet_code::limits::{
    DEFAULT_CPU_TIME, DEFAULT_FUEL, DEFAULT_HOST_MEMORY_BYTES, DEFAULT_MEMORY_BYTES,
    DEFAULT_OUTBOUND_BYTES, DEFAULT_RESPONSE_BYTES, DEFAULT_SUB_REQUESTS, DEFAULT_TIMEOUT, Limits,
};

/// Most bytes a worker's response headers may take, names and values
/// together and 64 bytes per header besides (so many empty headers are
/// not free; Cloudflare's response header limit is 128 KB).
pub const MAX_RESPONSE_HEADER_BYTES: u64 = 128 * 1024;

/// How often the epoch advances: wall-clock deadlines and CPU limits are
/// checked at these ticks, and a worker still running at one yields its
/// thread to the other tasks waiting for it. 1 ms keeps a neighbour's wait
/// behind a busy worker short (benches/noisy.rs: the well-behaved p99 with
/// 10% hostile requests went 14.5x -> 2.7x at 200 req/s, 7.5x -> 1.3x at 100
/// going from 10 ms to 1 ms); the ticker thread's wakeups cost ~0.5% of a
/// core.
pub(crate) const EPOCH_TICK: Duration = Duration::from_millis(1);

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

impl Effective {
    /// `limits`, its unset fields filled from the runtime's `defaults`,
    /// then from Cloudflare's, then from isolet's.
    pub(crate) fn resolve(limits: Limits, defaults: Limits) -> Effective {
        let l = limits.or(defaults).or(Limits::cloudflare_defaults());
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
    fn host_memory_bytes_has_a_default() {
        let l = Limits::new().host_memory_bytes(4096);
        assert_eq!(Effective::resolve(l, Limits::new()).host_memory_bytes, 4096);
        assert_eq!(
            Effective::resolve(Limits::new(), Limits::new()).host_memory_bytes,
            DEFAULT_HOST_MEMORY_BYTES
        );
    }

    #[test]
    fn unset_limits_take_defaults() {
        let e = Effective::resolve(
            Limits::new().fuel(5),
            Limits::new().timeout(Duration::from_secs(2)),
        );
        assert_eq!(e.fuel, 5);
        assert_eq!(e.timeout, Duration::from_secs(2));
        assert_eq!(e.memory_bytes, DEFAULT_MEMORY_BYTES);
        assert_eq!(e.cpu_time, DEFAULT_CPU_TIME);
    }
}
