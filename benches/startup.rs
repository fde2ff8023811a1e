//! Startup benchmarks of the embedded crate: cold `load` → first response,
//! and warm `get` → response, for the hello worker.
//!
//! Cold loads come in two kinds, named for what they compare with: distinct
//! code each iteration (nothing about the code can be cached: workerd's
//! harness, benches/v8/parent.js `/cold`, does the same) and the same code
//! each iteration (isolet reuses its bytecode cache; workerd's `/same`).
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

    // Distinct code each iteration: nothing about the code can be cached.
    let n = AtomicU64::new(0);
    c.bench_function("js_hello_cold_load_distinct_code", |b| {
        b.to_async(&tokio).iter(|| async {
            let i = n.fetch_add(1, Ordering::Relaxed);
            let w = runtime
                .load(WorkerCode::js(format!("{HELLO} // {i}")))
                .await
                .expect("load");
            let r = w
                .fetch(Request::get("https://bench.test/"))
                .await
                .expect("fetch");
            assert_eq!(r.status, 200);
        })
    });

    // The same code each iteration: a new instance, the code's bytecode cached.
    c.bench_function("js_hello_cold_load_same_code", |b| {
        b.to_async(&tokio).iter(|| async {
            let w = runtime.load(code.clone()).await.expect("load");
            let r = w
                .fetch(Request::get("https://bench.test/"))
                .await
                .expect("fetch");
            assert_eq!(r.status, 200);
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

/// Fresh instances with no pool slot memory kept resident (every freed page
/// returned to the kernel, so each start takes copy-on-write faults): what
/// the default `keep_resident_bytes` saves.
fn startup_no_keep_resident(c: &mut Criterion) {
    let tokio = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio");
    let runtime = tokio
        .block_on(Runtime::builder().keep_resident_bytes(0).build())
        .expect("runtime");
    let n = AtomicU64::new(0);
    c.bench_function("js_hello_cold_load_distinct_code_no_keep_resident", |b| {
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
}

/// A ~50 KB bundle shaped like real worker code: a route table of handlers
/// with validation, formatting and JSON responses.
fn bundle_50k(tag: u64) -> String {
    let mut src = String::from("// generated bundle\nconst routes = new Map();\n");
    let mut i = 0;
    while src.len() < 50_000 {
        src.push_str(&format!(
            "function validate{i}(input) {{\n  if (typeof input !== 'object' || input === null) throw new TypeError('route {i}: expected an object');\n  const out = {{ id: String(input.id ?? {i}), name: String(input.name ?? 'item-{i}').trim(), tags: Array.isArray(input.tags) ? input.tags.map(String) : [] }};\n  if (out.name.length > 64) throw new RangeError('name too long');\n  return out;\n}}\nfunction render{i}(item) {{\n  return `<li data-id=\"${{item.id}}\">${{item.name.replace(/[<>&]/g, (c) => ({{ '<': '&lt;', '>': '&gt;', '&': '&amp;' }})[c])}} (${{item.tags.join(', ')}})</li>`;\n}}\nroutes.set('/r{i}', async (request) => {{\n  const item = validate{i}(request.method === 'POST' ? await request.json() : {{ id: {i} }});\n  return new Response(render{i}(item), {{ headers: {{ 'content-type': 'text/html' }} }});\n}});\n"
        ));
        i += 1;
    }
    src.push_str(&format!(
        "export default {{ async fetch(request) {{ const h = routes.get(new URL(request.url).pathname); return h ? h(request) : new Response('bundle {tag}', {{ status: 200 }}); }} }};\n"
    ));
    src
}

/// The rest of the embedded-crate benchmarks: a 50 KB bundle, RPC, a denied
/// outbound fetch, instance creation alone, bytecode cache hit vs miss.
fn more(c: &mut Criterion) {
    let tokio = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio");
    let runtime = tokio.block_on(Runtime::builder().build()).expect("runtime");

    let bundle = WorkerCode::js(bundle_50k(0));
    c.bench_function("js_bundle50k_cold_load_first_fetch_cached_bytecode", |b| {
        b.to_async(&tokio).iter(|| async {
            let w = runtime.load(bundle.clone()).await.expect("load");
            w.fetch(Request::get("https://bench.test/r3"))
                .await
                .expect("fetch");
        })
    });
    let n = AtomicU64::new(1);
    c.bench_function("js_bundle50k_cold_load_first_fetch_distinct_code", |b| {
        b.to_async(&tokio).iter(|| async {
            let code = WorkerCode::js(bundle_50k(n.fetch_add(1, Ordering::Relaxed)));
            let w = runtime.load(code).await.expect("load");
            w.fetch(Request::get("https://bench.test/r3"))
                .await
                .expect("fetch");
        })
    });

    let trivial = WorkerCode::js("export default {}");
    c.bench_function("js_instance_create_and_init_only", |b| {
        b.to_async(&tokio).iter(|| async {
            runtime.load(trivial.clone()).await.expect("load");
        })
    });

    let rpc = tokio
        .block_on(runtime.get("bench-rpc", || {
            WorkerCode::js("export default { add(a, b) { return a + b } }")
        }))
        .expect("rpc worker");
    c.bench_function("js_rpc_round_trip_warm", |b| {
        b.to_async(&tokio).iter(|| async {
            rpc.entrypoint(None)
                .call("add", vec![1.into(), 2.into()])
                .await
                .expect("call");
        })
    });

    let denied = tokio
        .block_on(runtime.get("bench-denied", || {
            WorkerCode::js("export default { async fetch() { try { await fetch('https://example.com/') } catch (e) { return new Response(e.message) } return new Response('?') } }")
        }))
        .expect("denied worker");
    c.bench_function("js_outbound_denied_fetch_warm", |b| {
        b.to_async(&tokio).iter(|| async {
            denied
                .fetch(Request::get("https://bench.test/"))
                .await
                .expect("fetch");
        })
    });
}

/// Python hello: a fresh instance per iteration.
fn python(c: &mut Criterion) {
    let tokio = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio");
    let runtime = tokio.block_on(Runtime::builder().build()).expect("runtime");
    let code = WorkerCode::new("main.py")
        .module(
            "main.py",
            isolet::ModuleSource::Python(
                "from workers import Response, WorkerEntrypoint\n\nclass Default(WorkerEntrypoint):\n    async def fetch(self, request):\n        return Response('hello ' + request.url)\n".into(),
            ),
        )
        .compatibility_date("2025-06-01");
    c.bench_function("py_hello_cold_load_first_fetch", |b| {
        b.to_async(&tokio).iter(|| async {
            let w = runtime.load(code.clone()).await.expect("load");
            w.fetch(Request::get("https://bench.test/"))
                .await
                .expect("fetch");
        })
    });
    let warm = tokio
        .block_on(runtime.get("py-warm", || code.clone()))
        .expect("warm");
    c.bench_function("py_hello_warm_fetch", |b| {
        b.to_async(&tokio).iter(|| async {
            warm.fetch(Request::get("https://bench.test/"))
                .await
                .expect("fetch");
        })
    });
}

criterion_group!(benches, startup, startup_no_keep_resident, more, python);
criterion_main!(benches);
