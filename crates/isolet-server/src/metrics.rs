//! Prometheus metrics: request counts by route and outcome, cold vs warm
//! starts, latency histograms, live instances, fuel used, memory.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Mutex;
use std::time::Duration;

use isolet::Runtime;
use isolet::{Outcome, TailSink, TraceEvent};

const BUCKETS: &[f64] = &[
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
    10.0,
];

#[derive(Default)]
struct Histogram {
    counts: Vec<u64>,
    sum: f64,
    count: u64,
}

/// Keys are `'static` route names and numbers: recording a request
/// allocates nothing once its key has been seen.
#[derive(Default)]
struct Inner {
    requests: BTreeMap<(&'static str, u16), u64>,
    starts: BTreeMap<&'static str, u64>,
    latency: BTreeMap<&'static str, Histogram>,
    outcomes: BTreeMap<&'static str, u64>,
    fuel: u64,
    cpu: std::time::Duration,
}

/// The name an outcome has in trace events.
fn outcome_name(outcome: Outcome) -> &'static str {
    match outcome {
        Outcome::Ok => "ok",
        Outcome::Exception => "exception",
        Outcome::ExceededCpu => "exceededCpu",
        Outcome::ExceededMemory => "exceededMemory",
        Outcome::ExceededWallTime => "exceededWallTime",
        Outcome::ExceededResponseBytes => "exceededResponseBytes",
        Outcome::Canceled => "canceled",
    }
}

#[derive(Default)]
pub(crate) struct Metrics {
    inner: Mutex<Inner>,
    /// Entries of the per-worker concurrency map (routes.rs), as of its
    /// last change.
    concurrency_entries: std::sync::atomic::AtomicUsize,
}

impl Metrics {
    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn request(&self, route: &'static str, status: u16, elapsed: Duration) {
        let mut m = self.lock();
        *m.requests.entry((route, status)).or_default() += 1;
        let h = m.latency.entry(route).or_default();
        if h.counts.is_empty() {
            h.counts = vec![0; BUCKETS.len()];
        }
        let secs = elapsed.as_secs_f64();
        for (i, b) in BUCKETS.iter().enumerate() {
            if secs <= *b {
                h.counts[i] += 1;
            }
        }
        h.sum += secs;
        h.count += 1;
    }

    pub fn start(&self, cold: bool) {
        *self
            .lock()
            .starts
            .entry(if cold { "cold" } else { "warm" })
            .or_default() += 1;
    }

    /// Records the per-worker concurrency map's size after it changed.
    pub fn concurrency_entries(&self, n: usize) {
        self.concurrency_entries
            .store(n, std::sync::atomic::Ordering::Relaxed);
    }

    pub fn render(&self, runtime: &Runtime) -> String {
        let m = self.lock();
        let mut out = String::new();
        let _ = writeln!(
            out,
            "# HELP isolet_http_requests_total HTTP requests by route and status."
        );
        let _ = writeln!(out, "# TYPE isolet_http_requests_total counter");
        for ((route, status), n) in &m.requests {
            let _ = writeln!(
                out,
                "isolet_http_requests_total{{route=\"{route}\",status=\"{status}\"}} {n}"
            );
        }
        let _ = writeln!(
            out,
            "# HELP isolet_invocations_total Worker invocations by outcome."
        );
        let _ = writeln!(out, "# TYPE isolet_invocations_total counter");
        for (outcome, n) in &m.outcomes {
            let _ = writeln!(out, "isolet_invocations_total{{outcome=\"{outcome}\"}} {n}");
        }
        let _ = writeln!(
            out,
            "# HELP isolet_worker_starts_total Worker lookups that created an instance (cold) or reused one (warm)."
        );
        let _ = writeln!(out, "# TYPE isolet_worker_starts_total counter");
        for kind in ["cold", "warm"] {
            let _ = writeln!(
                out,
                "isolet_worker_starts_total{{kind=\"{kind}\"}} {}",
                m.starts.get(kind).unwrap_or(&0)
            );
        }
        let _ = writeln!(
            out,
            "# HELP isolet_request_duration_seconds Request latency by route."
        );
        let _ = writeln!(out, "# TYPE isolet_request_duration_seconds histogram");
        for (route, h) in &m.latency {
            for (i, b) in BUCKETS.iter().enumerate() {
                let _ = writeln!(
                    out,
                    "isolet_request_duration_seconds_bucket{{route=\"{route}\",le=\"{b}\"}} {}",
                    h.counts[i]
                );
            }
            let _ = writeln!(
                out,
                "isolet_request_duration_seconds_bucket{{route=\"{route}\",le=\"+Inf\"}} {}",
                h.count
            );
            let _ = writeln!(
                out,
                "isolet_request_duration_seconds_sum{{route=\"{route}\"}} {}",
                h.sum
            );
            let _ = writeln!(
                out,
                "isolet_request_duration_seconds_count{{route=\"{route}\"}} {}",
                h.count
            );
        }
        let stats = runtime.stats();
        let _ = writeln!(
            out,
            "# HELP isolet_fuel_consumed_total Fuel consumed by all invocations."
        );
        let _ = writeln!(out, "# TYPE isolet_fuel_consumed_total counter");
        let _ = writeln!(out, "isolet_fuel_consumed_total {}", m.fuel);
        let _ = writeln!(
            out,
            "# HELP isolet_cpu_seconds_total CPU time used by guest code in all invocations."
        );
        let _ = writeln!(out, "# TYPE isolet_cpu_seconds_total counter");
        let _ = writeln!(out, "isolet_cpu_seconds_total {}", m.cpu.as_secs_f64());
        let _ = writeln!(out, "# HELP isolet_live_instances Instances alive now.");
        let _ = writeln!(out, "# TYPE isolet_live_instances gauge");
        let _ = writeln!(out, "isolet_live_instances {}", stats.live_instances);
        let _ = writeln!(out, "# HELP isolet_warm_workers Warm workers kept by id.");
        let _ = writeln!(out, "# TYPE isolet_warm_workers gauge");
        let _ = writeln!(out, "isolet_warm_workers {}", stats.warm_workers);
        let _ = writeln!(
            out,
            "# HELP isolet_worker_concurrency_entries Worker ids with a concurrency limiter (idle ones are pruned past 256)."
        );
        let _ = writeln!(out, "# TYPE isolet_worker_concurrency_entries gauge");
        let _ = writeln!(
            out,
            "isolet_worker_concurrency_entries {}",
            self.concurrency_entries
                .load(std::sync::atomic::Ordering::Relaxed)
        );
        let _ = writeln!(
            out,
            "# HELP isolet_bytecode_cache_total ES module loads by bytecode cache result."
        );
        let _ = writeln!(out, "# TYPE isolet_bytecode_cache_total counter");
        let _ = writeln!(
            out,
            "isolet_bytecode_cache_total{{result=\"hit\"}} {}",
            stats.bytecode_hits
        );
        let _ = writeln!(
            out,
            "isolet_bytecode_cache_total{{result=\"miss\"}} {}",
            stats.bytecode_misses
        );
        if let Some(rss) = resident_bytes() {
            let _ = writeln!(
                out,
                "# HELP isolet_process_resident_memory_bytes Resident memory of the server process."
            );
            let _ = writeln!(out, "# TYPE isolet_process_resident_memory_bytes gauge");
            let _ = writeln!(out, "isolet_process_resident_memory_bytes {rss}");
        }
        out
    }
}

impl TailSink for Metrics {
    fn on_event(&self, event: &TraceEvent) {
        let outcome = outcome_name(event.outcome);
        let mut m = self.lock();
        *m.outcomes.entry(outcome).or_default() += 1;
        m.fuel += event.fuel_used;
        m.cpu += event.cpu_time;
    }
}

fn resident_bytes() -> Option<u64> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: u64 = statm.split_whitespace().nth(1)?.parse().ok()?;
    Some(pages * 4096)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outcome_names_are_the_trace_event_names() {
        for o in [
            Outcome::Ok,
            Outcome::Exception,
            Outcome::ExceededCpu,
            Outcome::ExceededMemory,
            Outcome::ExceededWallTime,
            Outcome::ExceededResponseBytes,
            Outcome::Canceled,
        ] {
            assert_eq!(serde_json::to_value(o).unwrap(), outcome_name(o));
        }
    }

    #[test]
    fn requests_are_counted_by_route_and_status() {
        let m = Metrics::default();
        m.request("invoke", 200, Duration::from_micros(300));
        m.request("invoke", 200, Duration::from_millis(3));
        m.request("invoke", 503, Duration::from_millis(3));
        let inner = m.lock();
        assert_eq!(inner.requests[&("invoke", 200)], 2);
        assert_eq!(inner.requests[&("invoke", 503)], 1);
        let h = &inner.latency["invoke"];
        assert_eq!(h.count, 3);
        // le=0.0005 holds the 300 µs request only; le=0.005 all three.
        assert_eq!(
            h.counts[BUCKETS.iter().position(|b| *b == 0.0005).unwrap()],
            1
        );
        assert_eq!(
            h.counts[BUCKETS.iter().position(|b| *b == 0.005).unwrap()],
            3
        );
    }
}
