//! Quick startup numbers without criterion: warm fetch, warm RPC and cold
//! load → first fetch of the hello worker, as means over many iterations on
//! one thread. Useful while profiling (`perf record` around it, with
//! `ISOLET_PERFMAP=1` to name guest functions); `benches/compare.sh` is the
//! reference table.
//!
//! ```text
//! cargo run --release -p isolet --features full --example probe -- 20000        # all three
//! cargo run --release -p isolet --features full --example probe -- 100000 warm  # warm fetch only
//! cargo run --release -p isolet --features full --example probe -- 100000 cold  # cold load+fetch only
//! cargo run --release -p isolet --features full --example probe -- 20000 cold --json  # and a JSON line
//! cargo run --release -p isolet --features full --example probe -- 1000 fuel    # wasm instructions per request
//! cargo run --release -p isolet --features full --example probe -- 20000 loader # a parent's calls to a child (benches/loader.rs)
//! PROBE_PY=1 cargo run --release -p isolet --features full --example probe -- 2000 cold  # the Python hello worker
//! PROBE_EXACT_FUEL=1 cargo run --release -p isolet --features full --example probe -- 100000 warm  # with exact fuel
//! ```
//!
//! `fuel` runs the engine with exact fuel metering and prints the fuel (about
//! one unit per wasm instruction) a warm fetch and the first fetch of a fresh
//! instance use: the same on every run, unlike times on a shared VM, so it
//! shows a guest-side change of a few percent.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use isolet::{Request, Runtime, WorkerCode};

const HELLO: &str =
    r#"export default { async fetch(request) { return new Response("hello " + request.url) } }"#;

const PY_HELLO: &str = "from workers import Response, WorkerEntrypoint\n\nclass Default(WorkerEntrypoint):\n    async def fetch(self, request):\n        return Response('hello ' + request.url)\n";

#[tokio::main(flavor = "current_thread")]
async fn main() -> isolet::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let n: usize = args
        .get(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(20_000)
        .max(10);
    let mode = args
        .get(2)
        .filter(|a| !a.starts_with("--"))
        .cloned()
        .unwrap_or_default();
    // PROBE_KEEP_RESIDENT=<bytes> tries a pool-slot residency setting.
    let mut builder = Runtime::builder();
    if let Some(k) = std::env::var("PROBE_KEEP_RESIDENT")
        .ok()
        .and_then(|v| v.parse().ok())
    {
        builder = builder.keep_resident_bytes(k);
    }
    // PROBE_EXACT_FUEL=1 times the paths with exact fuel metering on (what
    // the default, epoch interruption plus CPU time, saves).
    if std::env::var_os("PROBE_EXACT_FUEL").is_some() {
        builder = builder.exact_fuel(true);
    }
    // Fuel mode: exact fuel, and the fuel of each `init` (delivered to tail
    // sinks when it logs; the init worker below logs once).
    let init_fuel = Arc::new(AtomicU64::new(0));
    let rpc_fuel = Arc::new(AtomicU64::new(0));
    if mode == "fuel" {
        let (seen, rpc_seen) = (init_fuel.clone(), rpc_fuel.clone());
        builder =
            builder
                .exact_fuel(true)
                .tail_sink(Arc::new(move |e: &isolet::TraceEvent| match e.event {
                    isolet::EventInfo::Init => seen.store(e.fuel_used, Ordering::Relaxed),
                    isolet::EventInfo::Rpc { .. } => rpc_seen.store(e.fuel_used, Ordering::Relaxed),
                    _ => {}
                }));
    }
    let rt = builder.build().await?;
    // PROBE_CODE=<module source> measures another worker; PROBE_PY=1 the
    // Python hello worker.
    let code = if std::env::var_os("PROBE_PY").is_some() {
        WorkerCode::new("main.py")
            .module("main.py", isolet::ModuleSource::Python(PY_HELLO.into()))
            .compatibility_date("2025-06-01")
    } else {
        WorkerCode::js(std::env::var("PROBE_CODE").unwrap_or_else(|_| HELLO.into()))
    };

    if mode == "fuel" {
        return fuel(&rt, &code, &init_fuel, &rpc_fuel).await;
    }
    if mode == "loader" {
        return loader(&rt, n).await;
    }
    if mode != "cold" {
        warm(&rt, &code, n, mode == "warm").await?;
        if mode == "warm" {
            return Ok(());
        }
    }
    let m = if mode == "cold" { n } else { n / 10 };
    let tl = std::cell::Cell::new(0f64);
    let tf = std::cell::Cell::new(0f64);
    let td = std::cell::Cell::new(0f64);
    let cold = || async {
        let t0 = Instant::now();
        let w = rt.load(code.clone()).await?;
        let t1 = Instant::now();
        let r = w.fetch(Request::get("https://bench.test/")).await;
        let t2 = Instant::now();
        drop(w);
        let t3 = Instant::now();
        tl.set(tl.get() + (t1 - t0).as_secs_f64());
        tf.set(tf.get() + (t2 - t1).as_secs_f64());
        td.set(td.get() + (t3 - t2).as_secs_f64());
        r
    };
    for _ in 0..m.min(200) {
        cold().await?;
    }
    for t in [&tl, &tf, &td] {
        t.set(0.0);
    }
    let faults = minor_faults();
    let c0 = cpu(libc::RUSAGE_THREAD);
    let p0 = cpu(libc::RUSAGE_SELF);
    let t = Instant::now();
    for _ in 0..m {
        cold().await?;
    }
    let us = per_op(t, m);
    let thread_cpu = (cpu(libc::RUSAGE_THREAD) - c0) * 1e6 / m as f64;
    let process_cpu = (cpu(libc::RUSAGE_SELF) - p0) * 1e6 / m as f64;
    let faults = (minor_faults() - faults) as f64 / m as f64;
    println!("cold load+fetch: {us:.2} us, {faults:.1} page faults per start");
    // CPU time is steadier than wall time on a VM with steal time.
    println!(
        "  CPU per start: {thread_cpu:.1} us on this thread, {process_cpu:.1} us in all threads"
    );
    let k = 1e6 / m as f64;
    println!(
        "  wall per phase: load {:.1} us, fetch {:.1} us, drop {:.1} us",
        tl.get() * k,
        tf.get() * k,
        td.get() * k
    );
    if std::env::args().any(|a| a == "--json") {
        println!("{{\"cold_us\":{us:.3},\"faults_per_start\":{faults:.2}}}");
    }
    Ok(())
}

/// Minor page faults of this process so far (`/proc/self/stat` field 10).
fn minor_faults() -> u64 {
    std::fs::read_to_string("/proc/self/stat")
        .ok()
        .and_then(|s| {
            let after = s.rsplit_once(')')?.1.to_string();
            after.split_whitespace().nth(7)?.parse().ok()
        })
        .unwrap_or(0)
}

fn per_op(t: Instant, n: usize) -> f64 {
    t.elapsed().as_secs_f64() * 1e6 / n as f64
}

async fn warm(rt: &Runtime, code: &WorkerCode, n: usize, only_fetch: bool) -> isolet::Result<()> {
    let w = rt.get("probe-warm", || code.clone()).await?;
    for _ in 0..1_000 {
        w.fetch(Request::get("https://bench.test/")).await?;
    }
    let t = Instant::now();
    for _ in 0..n {
        w.fetch(Request::get("https://bench.test/")).await?;
    }
    println!("warm fetch: {:.2} us", per_op(t, n));
    if only_fetch {
        return Ok(());
    }

    let rpc = rt
        .get("probe-rpc", || {
            WorkerCode::js("export default { add(a, b) { return a + b } }")
        })
        .await?;
    let add = rpc.entrypoint(None);
    for _ in 0..1_000 {
        add.call("add", vec![1.into(), 2.into()]).await?;
    }
    let t = Instant::now();
    for _ in 0..n {
        add.call("add", vec![1.into(), 2.into()]).await?;
    }
    println!("warm rpc: {:.2} us", per_op(t, n));

    Ok(())
}

/// Fuel of a warm fetch and of a fresh instance's first fetch (deterministic).
async fn fuel(
    rt: &Runtime,
    code: &WorkerCode,
    init_fuel: &AtomicU64,
    rpc_fuel: &AtomicU64,
) -> isolet::Result<()> {
    let w = rt.get("probe-fuel", || code.clone()).await?;
    let fetch = |w: isolet::Worker| async move {
        let (r, trace) = w
            .entrypoint(None)
            .fetch_traced(Request::get("https://bench.test/"))
            .await;
        r.map(|_| trace.fuel_used)
    };
    for _ in 0..100 {
        fetch(w.clone()).await?;
    }
    let warm = fetch(w.clone()).await?;
    let cold_worker = rt.load(code.clone()).await?;
    let first = fetch(cold_worker).await?;
    // `init` of the worker (PROBE_CODE or hello) plus one console.log at its
    // top level.
    let source = std::env::var("PROBE_CODE").unwrap_or_else(|_| HELLO.into());
    let logging = WorkerCode::js(format!("console.log('init');\n{source}"));
    rt.load(logging.clone()).await?;
    let init = init_fuel.load(Ordering::Relaxed);
    // Again: now its bytecode is cached, as for any code loaded before.
    rt.load(logging).await?;
    let cached = init_fuel.load(Ordering::Relaxed);
    // A warm RPC call (`add(1, 2)`, which logs once so its trace reaches
    // the sink).
    let rpc = rt
        .get("probe-rpc", || {
            WorkerCode::js(std::env::var("PROBE_RPC").unwrap_or_else(|_| {
                "export default { add(a, b) { console.log(''); return a + b } }".into()
            }))
        })
        .await?;
    for _ in 0..100 {
        rpc.entrypoint(None)
            .call("add", vec![1.into(), 2.into()])
            .await?;
    }
    let rpc = rpc_fuel.load(Ordering::Relaxed);
    println!(
        "fuel: warm fetch {warm}, first fetch of a fresh instance {first}, init (+ one log) {init}, \
         with cached bytecode {cached}, warm RPC (+ one log) {rpc}"
    );
    println!(
        "{{\"warm_fetch_fuel\":{warm},\"first_fetch_fuel\":{first},\"init_fuel\":{init},\"init_cached_fuel\":{cached},\"rpc_fuel\":{rpc}}}"
    );
    Ok(())
}

/// A parent worker's calls to a child through `env.LOADER` (the paths
/// benches/loader.rs measures): a warm call to a kept child, one that calls
/// back a function passed by reference, and a child of distinct code
/// loaded and called once.
async fn loader(rt: &Runtime, n: usize) -> isolet::Result<()> {
    const PARENT: &str = include_str!("../../../benches/loader_parent.js");
    let parent = rt
        .get("probe-parent", || {
            WorkerCode::js(PARENT).binding("LOADER", isolet::BindingSpec::Loader { id: None })
        })
        .await?;
    let only = std::env::var("PROBE_LOADER").unwrap_or_default();
    let mut i = 0u64;
    for method in ["viaChild", "stubBack", "loadOnce"] {
        if !only.is_empty() && only != method {
            continue;
        }
        let ep = parent.entrypoint(None);
        let m = if method == "loadOnce" { n / 10 } else { n };
        for _ in 0..m.min(500) {
            i += 1;
            ep.call(method, vec![(i as f64).into()]).await?;
        }
        let c0 = cpu(libc::RUSAGE_THREAD);
        let t = Instant::now();
        for _ in 0..m {
            i += 1;
            ep.call(method, vec![(i as f64).into()]).await?;
        }
        let us = per_op(t, m);
        let thread_cpu = (cpu(libc::RUSAGE_THREAD) - c0) * 1e6 / m as f64;
        println!("{method}: {us:.2} us ({thread_cpu:.1} us CPU on this thread)");
    }
    Ok(())
}

/// User + system CPU seconds of this thread or process (`getrusage`).
fn cpu(who: i32) -> f64 {
    // SAFETY: getrusage fills the zeroed struct it is given.
    let mut u: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(who, &mut u) };
    let t = |v: libc::timeval| v.tv_sec as f64 + v.tv_usec as f64 * 1e-6;
    t(u.ru_utime) + t(u.ru_stime)
}
