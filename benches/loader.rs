//! The Worker Loader from a parent worker (issue 32): what a call costs
//! when it goes parent -> child, and parent -> child -> a function of the
//! parent passed by reference and back; and a child loaded and called once
//! per request. Compare with `startup`'s `js_rpc_round_trip_warm` (a plain
//! RPC call from Rust) and `js_hello_cold_load_distinct_code` (a load from
//! Rust: a child's bytecode is never shared, so each `load` compiles).
//!
//! Run: `cargo bench --bench loader` (full) or `cargo test --benches` (each
//! once, as the test command does to keep them compiling).

use std::sync::atomic::{AtomicU64, Ordering};

use criterion::{Criterion, criterion_group, criterion_main};
use isolet::{BindingSpec, Runtime, Value, WorkerCode};

/// The parent (benches/loader_parent.js, shared with the probe).
const PARENT: &str = include_str!("loader_parent.js");

fn loader(c: &mut Criterion) {
    let tokio = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio");
    let runtime = tokio.block_on(Runtime::builder().build()).expect("runtime");
    let parent = tokio
        .block_on(runtime.get("bench-parent", || {
            WorkerCode::js(PARENT).binding("LOADER", BindingSpec::Loader { id: None })
        }))
        .expect("parent");
    let call = |method: &'static str, args: Vec<Value>| {
        let parent = &parent;
        async move {
            parent
                .entrypoint(None)
                .call(method, args)
                .await
                .expect(method)
        }
    };
    assert_eq!(tokio.block_on(call("viaChild", vec![])), Value::from(3));
    assert_eq!(tokio.block_on(call("stubBack", vec![])), Value::from(3));

    c.bench_function("loader_parent_child_rpc_warm", |b| {
        b.to_async(&tokio).iter(|| call("viaChild", vec![]))
    });
    c.bench_function("loader_parent_child_stub_back_warm", |b| {
        b.to_async(&tokio).iter(|| call("stubBack", vec![]))
    });
    let n = AtomicU64::new(0);
    c.bench_function("loader_load_distinct_child_and_call", |b| {
        b.to_async(&tokio).iter(|| {
            let i = n.fetch_add(1, Ordering::Relaxed);
            call("loadOnce", vec![Value::from(i as f64)])
        })
    });
}

criterion_group!(benches, loader);
criterion_main!(benches);
