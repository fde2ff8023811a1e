//! Python dynamic workers, end to end: tests/workers/py/ through the same
//! Runtime, limits, bindings and tails as JS.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use isolet::{
    Binding, BindingSpec, BoxFuture, Error, Limits, ModuleSource, Outcome, Request, Runtime,
    TraceEvent, Value, WorkerCode,
};
use serde_json::json;
use tokio::sync::OnceCell;

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/workers/py");

fn py(files: &[&str]) -> WorkerCode {
    let mut code = WorkerCode::new(files[0].rsplit('/').next().unwrap().to_string())
        .compatibility_date("2025-06-01");
    let base = files[0]
        .rsplit_once('/')
        .map(|(d, _)| format!("{d}/"))
        .unwrap_or_default();
    for f in files {
        let src = std::fs::read_to_string(format!("{DIR}/{f}")).unwrap();
        let name = f.strip_prefix(&base).unwrap_or(f).to_string();
        code.modules.insert(name, ModuleSource::Python(src));
    }
    code
}

struct Room(Mutex<Vec<Value>>);

impl Binding for Room {
    fn call<'a>(
        &'a self,
        method: &'a str,
        args: Vec<Value>,
    ) -> BoxFuture<'a, Result<Value, String>> {
        Box::pin(async move {
            match method {
                "post" => {
                    let mut m = self.0.lock().unwrap();
                    m.extend(args);
                    Ok(Value::from(m.len() as u32))
                }
                other => Err(format!("no method {other}")),
            }
        })
    }
}

use crate::common::Traces;

struct Fixture {
    rt: Runtime,
    traces: Arc<Traces>,
}

async fn fixture() -> &'static Fixture {
    static F: OnceCell<Fixture> = OnceCell::const_new();
    F.get_or_init(|| async {
        let traces = Arc::new(Traces::default());
        let rt = Runtime::builder()
            .capability("room", Arc::new(Room(Mutex::new(Vec::new()))))
            .tail_sink(traces.clone())
            .build()
            .await
            .unwrap();
        Fixture { rt, traces }
    })
    .await
}

fn traces_of(f: &Fixture, id: &str) -> Vec<TraceEvent> {
    f.traces.for_worker(id)
}

#[tokio::test]
async fn hello_fetch() {
    let f = fixture().await;
    let w = f.rt.load(py(&["hello.py"])).await.unwrap();
    let r = w
        .fetch(Request::post("https://py.test/x?y=1", ""))
        .await
        .unwrap();
    assert_eq!(r.status, 200);
    assert_eq!(r.text(), "hello from python: POST https://py.test/x?y=1");
    assert_eq!(r.header("content-type"), Some("text/plain;charset=UTF-8"));
}

#[tokio::test]
async fn json_api() {
    let f = fixture().await;
    let w = f.rt.load(py(&["json_api.py"])).await.unwrap();
    let r = w
        .fetch(Request::post(
            "https://py.test/sum",
            r#"{"numbers":[1,2,3]}"#,
        ))
        .await
        .unwrap();
    assert_eq!(r.json().unwrap(), json!({"sum": 6, "count": 3}));
    assert_eq!(r.header("content-type"), Some("application/json"));
    assert_eq!(
        w.fetch(Request::post("https://py.test/sum", r#"{"numbers":1}"#))
            .await
            .unwrap()
            .status,
        400
    );
    assert_eq!(
        w.fetch(Request::get("https://py.test/nope"))
            .await
            .unwrap()
            .status,
        404
    );
}

#[tokio::test]
async fn rpc_env_and_capability_binding() {
    let f = fixture().await;
    let code = py(&["rpc.py"])
        .env_var("STORE", "north")
        .binding("CHAT_ROOM", BindingSpec::Capability("room".into()));
    let w = f.rt.load(code).await.unwrap();
    assert_eq!(
        w.fetch(Request::get("https://py.test/"))
            .await
            .unwrap()
            .text(),
        "store north"
    );
    let ep = w.entrypoint(None);
    assert_eq!(
        ep.call("add", vec![2.into(), 40.into()]).await.unwrap(),
        Value::Number(42.0)
    );
    let d = ep
        .call(
            "describe",
            vec![
                Value::from(json!([1, 2, 3])),
                Value::Set(vec!["b".into(), "a".into()]),
            ],
        )
        .await
        .unwrap();
    let Value::Object(o) = d else { panic!("{d:?}") };
    assert_eq!(o["count"], Value::Number(3.0));
    assert_eq!(o["tags"], Value::from(json!(["a", "b"])));
    assert_eq!(o["when"], Value::Date(Some(1_735_776_000_000.0)));
    let g = ep.call("greet", vec!["ada".into()]).await.unwrap();
    assert_eq!(
        g.as_json().unwrap(),
        json!({"greeting": "hi ada", "posted": 1.0})
    );
    for bad in ["_private", "nope", "fetch"] {
        let err = ep.call(bad, vec![]).await.unwrap_err();
        assert!(err.to_string().contains(bad), "{bad}: {err}");
    }
}

#[tokio::test]
async fn multi_module_and_state_get_keeps_load_does_not() {
    let f = fixture().await;
    let code = || {
        py(&["app/main.py", "app/helpers.py", "app/pkg/math_utils.py"]).env_var("NAME", "isolet")
    };
    for expected in ["ISOLET! 42 n=1", "ISOLET! 42 n=2"] {
        let w = f.rt.get("py-app", code).await.unwrap();
        assert_eq!(
            w.fetch(Request::get("https://py.test/"))
                .await
                .unwrap()
                .text(),
            expected
        );
    }
    for _ in 0..2 {
        let w = f.rt.load(code()).await.unwrap();
        assert_eq!(
            w.fetch(Request::get("https://py.test/"))
                .await
                .unwrap()
                .text(),
            "ISOLET! 42 n=1"
        );
    }
}

#[tokio::test]
async fn stdlib_print_and_logging_go_to_tails() {
    let f = fixture().await;
    let w = f.rt.get("py-stdlib", || py(&["stdlib.py"])).await.unwrap();
    let r = w
        .fetch(Request::post(
            "https://py.test/",
            "the cat and the hat and the bat",
        ))
        .await
        .unwrap();
    let body = r.json().unwrap();
    assert_eq!(
        body["summary"],
        json!({"words": 8, "top": "the", "mean_len": 3})
    );
    use sha2::Digest;
    let expected = hex::encode(sha2::Sha256::digest(b"the cat and the hat and the bat"));
    assert_eq!(body["sha256"], expected.as_str());
    assert_eq!(body["b64"], "aXNvbGV0");
    assert_eq!(body["uuid_version"], 4);
    assert_eq!(body["decimal"], "0.3");
    let logs: Vec<(isolet::LogLevel, String)> = traces_of(f, "py-stdlib")
        .iter()
        .flat_map(|e| e.logs.iter().map(|l| (l.level, l.message.clone())))
        .collect();
    assert!(
        logs.contains(&(isolet::LogLevel::Log, "counted 8 words".into())),
        "{logs:?}"
    );
    assert!(
        logs.contains(&(isolet::LogLevel::Warn, "top word is the".into())),
        "{logs:?}"
    );
}

#[tokio::test]
async fn exceptions_have_python_tracebacks_in_tails() {
    let f = fixture().await;
    let w = f.rt.get("py-bad", || py(&["bad.py"])).await.unwrap();
    let Error::Script(e) = w.fetch(Request::get("https://py.test/")).await.unwrap_err() else {
        panic!()
    };
    assert_eq!(e.name, "JSONDecodeError");
    assert!(
        e.stack.contains("Traceback") && e.stack.contains("bad.py") && e.stack.contains("in parse"),
        "{}",
        e.stack
    );
    // From the worker's frame on: the stdlib frames it called stay (json's
    // decoder raised), the engine's own frames above it do not.
    assert!(e.stack.contains("json/decoder.py"), "{}", e.stack);
    assert!(
        !e.stack.contains("app.py") && !e.stack.contains("workers.py"),
        "{}",
        e.stack
    );
    let Error::Script(m) = w
        .fetch(Request::get("https://py.test/missing"))
        .await
        .unwrap_err()
    else {
        panic!()
    };
    assert_eq!(m.name, "ModuleNotFoundError");
    assert!(m.message.contains("not_a_module"), "{}", m.message);
    let last = traces_of(f, "py-bad").last().cloned().unwrap();
    assert_eq!(last.outcome, Outcome::Exception);
    assert!(last.exceptions[0].stack.contains("Traceback"));
}

#[tokio::test]
async fn infinite_loop_and_memory_bomb_are_stopped_and_the_runtime_still_serves() {
    let f = fixture().await;
    let looping = py(&["bad.py"]).limits(Limits::new().cpu_time(Duration::from_millis(100)));
    let w = f.rt.load(looping).await.unwrap();
    let err = w
        .fetch(Request::get("https://py.test/loop"))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::CpuLimitExceeded { .. }), "{err:?}");
    assert!(matches!(
        w.fetch(Request::get("https://py.test/")).await.unwrap_err(),
        Error::Discarded
    ));

    let deadline = py(&["bad.py"]).limits(
        Limits::new()
            .cpu_time(Duration::from_secs(3600))
            .timeout(Duration::from_millis(300)),
    );
    let w = f.rt.load(deadline).await.unwrap();
    assert!(matches!(
        w.fetch(Request::get("https://py.test/loop"))
            .await
            .unwrap_err(),
        Error::Timeout(_)
    ));

    let w = f.rt.load(py(&["bad.py"])).await.unwrap();
    let err = w
        .fetch(Request::get("https://py.test/bomb"))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::MemoryLimitExceeded { .. }), "{err:?}");

    let ok = f.rt.load(py(&["hello.py"])).await.unwrap();
    assert_eq!(
        ok.fetch(Request::get("https://py.test/"))
            .await
            .unwrap()
            .status,
        200
    );
}

#[tokio::test]
async fn outbound_fetch_goes_through_the_policy() {
    let f = fixture().await;
    let w = f.rt.get("py-fetch", || py(&["fetcher.py"])).await.unwrap();
    let r = w.fetch(Request::get("https://py.test/")).await.unwrap();
    assert_eq!(r.status, 502);
    assert!(
        r.text().contains("no outbound network access"),
        "{}",
        r.text()
    );
    let t = traces_of(f, "py-fetch");
    assert_eq!(t.last().unwrap().outbound[0].decision, "denied");
}

/// Python modules are compiled on every load and never cached from `init`:
/// the Python engine builds init's result in the same interpreter as the
/// worker's own code, which could replace it, so nothing it returns is
/// trusted as bytecode (ES modules are cached; see js_api). Each load runs
/// the source with fresh module state; a module first imported by a request
/// loads then; a syntax error is reported on every load.
#[tokio::test]
async fn python_modules_are_compiled_per_load_and_never_cached_from_init() {
    let rt = Runtime::builder().build().await.unwrap();
    let code = || py(&["lazy/main.py", "lazy/greeting.py", "lazy/late.py"]);
    for round in 0..3u64 {
        let w = rt.load(code()).await.unwrap();
        let r = w.fetch(Request::get("https://py.test/")).await.unwrap();
        assert_eq!(r.text(), "hello 42 loads=1 name=main", "round {round}");
        let stats = rt.stats();
        assert_eq!(
            (stats.bytecode_hits, stats.bytecode_misses),
            (0, 0),
            "round {round}"
        );
    }
    let bad = || {
        WorkerCode::new("main.py")
            .module("main.py", ModuleSource::Python("def broken(:\n".into()))
            .compatibility_date("2025-06-01")
    };
    for _ in 0..2 {
        match rt.load(bad()).await {
            Err(Error::Script(e)) => assert_eq!(e.name, "SyntaxError", "{e:?}"),
            other => panic!("expected a SyntaxError, got {:?}", other.map(|_| ())),
        }
    }
}

/// Minor page faults of this thread so far (`/proc/thread-self/stat` field
/// 10): other tests run on other threads.
fn minor_faults() -> u64 {
    std::fs::read_to_string("/proc/thread-self/stat")
        .ok()
        .and_then(|s| {
            let after = s.rsplit_once(')')?.1.to_string();
            after.split_whitespace().nth(7)?.parse().ok()
        })
        .unwrap_or(0)
}

/// A freed pool slot is reset by the pages its instance wrote, however
/// scattered, and keeps the engine's clean pages: the next cold start in it
/// does not fault them back in. (Upstream Wasmtime restores at most 32 dirty
/// regions and decommits the rest, clean pages included: CPython writes to
/// far more, and each Python cold start took ~285 faults; see
/// vendor/wasmtime/PATCHED.md.) Counts, not times; one slot, one thread.
/// Skipped only where the kernel has no `PAGEMAP_SCAN` (see
/// [`pagemap_scan_or_skip`]).
#[cfg(target_os = "linux")]
#[test]
fn a_reused_slot_keeps_the_engine_pages_a_python_cold_start_reads() {
    if !pagemap_scan_or_skip() {
        return;
    }
    let tokio = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    tokio.block_on(async {
        let rt = Runtime::builder().max_instances(1).build().await.unwrap();
        let cold = || async {
            let w = rt.load(py(&["hello.py"])).await.unwrap();
            let r = w.fetch(Request::get("https://py.test/")).await.unwrap();
            assert_eq!(r.status, 200);
        };
        // The first starts map the slot and warm the caches.
        for _ in 0..3 {
            cold().await;
        }
        let before = minor_faults();
        for _ in 0..5 {
            cold().await;
        }
        let per_start = (minor_faults() - before) / 5;
        assert!(
            per_start < 40,
            "{per_start} page faults per Python cold start in a reused slot"
        );
    });
}

/// Whether the slot-reset test runs: `true` where the `PAGEMAP_SCAN` ioctl
/// works (Wasmtime's own probe, which the runtime's `pagemap_scan(Auto)`
/// goes by). Where it fails, the test is skipped only if the kernel is
/// older than Linux 6.7, which has no `PAGEMAP_SCAN`; on 6.7 or later the
/// failing ioctl is itself a failure (a kernel built without
/// `CONFIG_PROC_PAGE_MONITOR`, or a filter refusing the ioctl, makes every
/// slot reset copy all of `keep_resident_bytes`), and with
/// `ISOLET_REQUIRE_PAGEMAP=1` so is any kernel without it.
#[cfg(target_os = "linux")]
fn pagemap_scan_or_skip() -> bool {
    let release = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
    let release = release.trim();
    if wasmtime::PoolingAllocationConfig::is_pagemap_scan_available() {
        return true;
    }
    let required = std::env::var("ISOLET_REQUIRE_PAGEMAP").is_ok_and(|v| v == "1");
    assert!(
        !required,
        "ISOLET_REQUIRE_PAGEMAP=1, but the PAGEMAP_SCAN ioctl fails on this kernel (Linux {release})"
    );
    assert!(
        !linux_at_least(release, (6, 7)),
        "Linux {release} has PAGEMAP_SCAN (6.7 and later), but the ioctl fails here: a kernel \
         without CONFIG_PROC_PAGE_MONITOR or a seccomp filter; every slot reset then copies all \
         of keep_resident_bytes"
    );
    eprintln!(
        "skipped: Linux {release} has no PAGEMAP_SCAN (6.7 and later have it); \
         ISOLET_REQUIRE_PAGEMAP=1 makes this a failure"
    );
    false
}

/// Whether a kernel release (`6.18.44-fc-v1300`) is `want` (major, minor)
/// or later.
#[cfg(target_os = "linux")]
fn linux_at_least(release: &str, want: (u32, u32)) -> bool {
    let mut parts = release
        .split(['.', '-'])
        .map(|p| p.parse::<u32>().unwrap_or(0));
    let (major, minor) = (parts.next().unwrap_or(0), parts.next().unwrap_or(0));
    (major, minor) >= want
}

/// The incoming request as an embedder may send it (mixed-case header names,
/// padded values, a lowercase method) reaches Python normalized, as
/// `Headers` would have it.
#[tokio::test]
async fn incoming_requests_are_normalized_for_python() {
    let f = fixture().await;
    let w = f.rt.load(py(&["echo_headers.py"])).await.unwrap();
    let r = w
        .fetch(
            Request::new("post", "https://py.test/")
                .header("X-Mixed-Case", "  v  ")
                .body("payload"),
        )
        .await
        .unwrap();
    assert_eq!(
        r.json().unwrap(),
        json!({"method": "POST", "mixed": "v", "lower": "v", "names": ["x-mixed-case"], "body": "payload"})
    );
}
