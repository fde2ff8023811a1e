//! Density: hold N live idle JS workers (distinct code each) and report the
//! private memory (RssAnon) per worker and the time to create them.
//!
//! Run: `cargo bench --bench density -- 100 1000 10000` (prints one JSON
//! line per N). Under `cargo test --benches` it runs once with N = 20.

use std::time::Instant;

use isolet::{Request, Runtime, WorkerCode};

fn rss_anon_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("RssAnon:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let bench_mode = std::env::args().any(|a| a == "--bench");
    let counts: Vec<usize> = if args.is_empty() || !bench_mode {
        vec![20]
    } else {
        args.iter().filter_map(|a| a.parse().ok()).collect()
    };
    let tokio = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio");
    let py = std::env::args().any(|a| a == "--py");
    for n in counts {
        tokio.block_on(async {
            let runtime = Runtime::builder()
                .max_instances((n + 16) as u32)
                .max_warm_workers(n + 16)
                .build()
                .await
                .expect("runtime");
            // Warm up allocator and code paths before measuring.
            let w = runtime.load(WorkerCode::js("export default { fetch() { return new Response('x') } }")).await.expect("load");
            w.fetch(Request::get("https://d.test/")).await.expect("fetch");
            drop(w);
            let before = rss_anon_kib();
            let start = Instant::now();
            let mut held = Vec::with_capacity(n);
            for i in 0..n {
                let code = if py {
                    WorkerCode::new("main.py")
                        .module("main.py", isolet::ModuleSource::Python(format!(
                            "from workers import Response, WorkerEntrypoint\nHITS = [0]\nclass Default(WorkerEntrypoint):\n    async def fetch(self, request):\n        HITS[0] += 1\n        return Response('worker {i} ' + str(HITS[0]))\n"
                        )))
                        .compatibility_date("2025-06-01")
                } else {
                    WorkerCode::js(format!(
                        "let hits = 0; export default {{ fetch() {{ hits++; return new Response('worker {i} ' + hits) }} }}"
                    ))
                };
                let w = runtime.get(&format!("w{i}"), || code).await.expect("create");
                // Each worker has served one request: it is live, not just allocated.
                w.fetch(Request::get("https://d.test/")).await.expect("fetch");
                held.push(w);
            }
            let elapsed = start.elapsed();
            let after = rss_anon_kib();
            // Memory mappings (VMAs) per live worker: what vm.max_map_count bounds.
            let maps = std::fs::read_to_string("/proc/self/maps").map_or(0, |m| m.lines().count());
            let per_worker_kib = (after.saturating_sub(before)) as f64 / n as f64;
            println!(
                "{{\"kind\":\"{}\",\"n\":{n},\"rss_anon_per_worker_kib\":{per_worker_kib:.1},\"total_rss_anon_mib\":{:.0},\"maps\":{maps},\"create_us_per_worker\":{:.1},\"total_ms\":{:.1}}}",
                if py { "py" } else { "js" },
                after.saturating_sub(before) as f64 / 1024.0,
                elapsed.as_secs_f64() * 1e6 / n as f64,
                elapsed.as_secs_f64() * 1e3
            );
            assert_eq!(runtime.stats().live_instances, n);
            drop(held);
        });
    }
}
