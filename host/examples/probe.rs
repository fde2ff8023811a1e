//! Quick startup numbers without criterion: warm fetch, warm RPC and cold
//! load → first fetch of the hello worker, as means over many iterations on
//! one thread. Useful while profiling (`perf record` around it, with
//! `ISOLET_PERFMAP=1` to name guest functions); `benches/compare.sh` is the
//! reference table.
//!
//! ```text
//! cargo run --release --example probe -- 20000        # all three
//! cargo run --release --example probe -- 100000 warm  # warm fetch only
//! ```

use std::time::Instant;

use isolet::{Request, Runtime, WorkerCode};

const HELLO: &str =
    r#"export default { async fetch(request) { return new Response("hello " + request.url) } }"#;

#[tokio::main(flavor = "current_thread")]
async fn main() -> isolet::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let n: usize = args
        .get(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(20_000)
        .max(10);
    let mode = args.get(2).cloned().unwrap_or_default();
    let rt = Runtime::builder().build().await?;
    let code = WorkerCode::js(HELLO);
    let per_op = |t: Instant, n: usize| t.elapsed().as_secs_f64() * 1e6 / n as f64;

    let w = rt.get("probe-warm", || code.clone()).await?;
    for _ in 0..1_000 {
        w.fetch(Request::get("https://bench.test/")).await?;
    }
    let t = Instant::now();
    for _ in 0..n {
        w.fetch(Request::get("https://bench.test/")).await?;
    }
    println!("warm fetch: {:.2} us", per_op(t, n));
    if mode == "warm" {
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

    let m = n / 10;
    let cold = || async {
        let w = rt.load(code.clone()).await?;
        w.fetch(Request::get("https://bench.test/")).await
    };
    for _ in 0..200 {
        cold().await?;
    }
    let t = Instant::now();
    for _ in 0..m {
        cold().await?;
    }
    println!("cold load+fetch: {:.2} us", per_op(t, m));
    Ok(())
}
