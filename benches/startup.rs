//! Startup benchmarks of the embedded crate: cold `load` → first response,
//! and warm `get` → response, for the hello worker.
//!
//! Run: `cargo bench --bench startup` (full) or `cargo test --benches` (each
//! once, as the test command does to keep them compiling).

use std::sync::atomic::{AtomicU64, Ordering};

use criterion::{Criterion, criterion_group, criterion_main};
use isolet::{Request, Runtime, WorkerCode};

const HELLO: &str =
    r#"export default { async fetch(request) { return new Response("hello " + request.url) } }"#;

fn startup(c: &mut Criterion) {
    let tokio = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio");
    let runtime = tokio.block_on(Runtime::builder().build()).expect("runtime");
    let code = WorkerCode::js(HELLO);

    c.bench_function("js_hello_cold_load_first_fetch", |b| {
        b.to_async(&tokio).iter(|| async {
            let w = runtime.load(code.clone()).await.expect("load");
            let r = w
                .fetch(Request::get("https://bench.test/"))
                .await
                .expect("fetch");
            assert_eq!(r.status, 200);
        })
    });

    // Distinct code each iteration: nothing about the code can be cached.
    let n = AtomicU64::new(0);
    c.bench_function("js_hello_cold_load_distinct_code", |b| {
        b.to_async(&tokio).iter(|| async {
            let i = n.fetch_add(1, Ordering::Relaxed);
            let w = runtime
                .load(WorkerCode::js(format!("{HELLO} // {i}")))
                .await
                .expect("load");
            w.fetch(Request::get("https://bench.test/"))
                .await
                .expect("fetch");
        })
    });

    let warm = tokio
        .block_on(runtime.get("bench-warm", || code.clone()))
        .expect("warm worker");
    c.bench_function("js_hello_warm_fetch", |b| {
        b.to_async(&tokio).iter(|| async {
            warm.fetch(Request::get("https://bench.test/"))
                .await
                .expect("fetch");
        })
    });

    c.bench_function("js_hello_warm_get_fetch", |b| {
        b.to_async(&tokio).iter(|| async {
            let w = runtime
                .get("bench-warm", || code.clone())
                .await
                .expect("get");
            w.fetch(Request::get("https://bench.test/"))
                .await
                .expect("fetch");
        })
    });
}

/// Fresh instances with pool slots kept resident (fewer page faults per start).
fn startup_keep_resident(c: &mut Criterion) {
    let tokio = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio");
    let runtime = tokio
        .block_on(Runtime::builder().keep_resident_bytes(4 << 20).build())
        .expect("runtime");
    let code = WorkerCode::js(HELLO);
    c.bench_function("js_hello_cold_load_first_fetch_keep_resident", |b| {
        b.to_async(&tokio).iter(|| async {
            let w = runtime.load(code.clone()).await.expect("load");
            w.fetch(Request::get("https://bench.test/"))
                .await
                .expect("fetch");
        })
    });
}

criterion_group!(benches, startup, startup_keep_resident);
criterion_main!(benches);
