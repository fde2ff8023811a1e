//! End-to-end tests: real JS workers from tests/workers/js/ loaded into a real
//! runtime, asserting on their responses, errors and logs.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use isolet::{Error, Limits, LogLevel, Outcome, Request, Runtime, WorkerCode};
use serde_json::json;
use tokio::sync::OnceCell;

fn source(name: &str) -> String {
    crate::common::read(&format!("workers/js/{name}"))
}

fn worker_code(name: &str) -> WorkerCode {
    WorkerCode::new(name)
        .module(name, isolet::ModuleSource::Esm(source(name)))
        .compatibility_date("2025-06-01")
}

use crate::common::Traces;

struct Fixture {
    runtime: Runtime,
    traces: Arc<Traces>,
}

/// One runtime shared by the tests of this file (the engine is compiled or
/// loaded from the cache once).
async fn fixture() -> &'static Fixture {
    static FIXTURE: OnceCell<Fixture> = OnceCell::const_new();
    FIXTURE
        .get_or_init(|| async {
            let traces = Arc::new(Traces::default());
            let runtime = Runtime::builder()
                .tail_sink(traces.clone())
                .build()
                .await
                .expect("runtime builds");
            Fixture { runtime, traces }
        })
        .await
}

async fn assert_still_serving(rt: &Runtime) {
    let w = rt
        .load(worker_code("hello.js"))
        .await
        .expect("a good worker loads");
    let r = w
        .fetch(Request::get("https://example.com/after?q=ok"))
        .await
        .expect("a good worker answers");
    assert_eq!(r.status, 200);
    assert!(r.text().contains("q=ok"), "{}", r.text());
}

#[tokio::test]
async fn hello_echoes_path_query_and_headers() {
    let f = fixture().await;
    let w = f.runtime.load(worker_code("hello.js")).await.unwrap();
    let r = w
        .fetch(
            Request::get("https://example.com/some/path?q=search%20term").header("X-Custom", "abc"),
        )
        .await
        .unwrap();
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-type"), Some("text/plain"));
    assert_eq!(r.header("x-echo-path"), Some("/some/path"));
    assert_eq!(
        r.text(),
        "method=GET\npath=/some/path\nq=search term\nx-custom=abc"
    );
}

/// JSON.stringify keeps the language's answers where the engine's fast
/// paths skip work (the expected body is Node's for the same module).
#[tokio::test]
async fn json_stringify_edges_answer_as_v8_does() {
    let f = fixture().await;
    let w = f.runtime.load(worker_code("json_edges.js")).await.unwrap();
    let r = w.fetch(Request::get("https://json.test/")).await.unwrap();
    assert_eq!(r.status, 200, "{}", r.text());
    let expected: serde_json::Value = serde_json::from_str(
        r#"["TypeError",242,"TypeError","TypeError","[{\"x\":1},{\"x\":1},{\"s\":{\"x\":1}}]","\"\"@ \"0\"@0+1 \"1\"@0+1 \"k\"@k","[\"0\",\"1\",{\"m\":\"m\"}]","string:0,string:1,string:m","[\"big0\",{\"b\":\"bigb\"}]","{\n  \"a\": [\n    1,\n    \"two\",\n    null,\n    null,\n    null\n  ]\n}","\"plain\"",true,"[\"1970-01-01T00:00:00.000Z\"]"]"#,
    )
    .unwrap();
    assert_eq!(r.json().unwrap(), expected);
}

#[tokio::test]
async fn json_request_and_response() {
    let f = fixture().await;
    let w = f.runtime.load(worker_code("json_api.js")).await.unwrap();
    let r = w
        .fetch(
            Request::post("https://api.test/sum", r#"{"numbers":[1,2,3.5]}"#)
                .header("content-type", "application/json"),
        )
        .await
        .unwrap();
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-type"), Some("application/json"));
    assert_eq!(r.json().unwrap(), json!({"sum": 6.5, "count": 3}));

    let r = w
        .fetch(Request::post("https://api.test/sum", r#"{"numbers":"x"}"#))
        .await
        .unwrap();
    assert_eq!(r.status, 400);
    let r = w
        .fetch(Request::get("https://api.test/nope"))
        .await
        .unwrap();
    assert_eq!(r.status, 404);
    assert_eq!(r.json().unwrap()["path"], "/nope");

    // Malformed JSON in the request is the script's exception, with its name.
    let err = w
        .fetch(Request::post("https://api.test/sum", "{not json"))
        .await
        .unwrap_err();
    match err {
        Error::Script(e) => assert_eq!(e.name, "SyntaxError"),
        other => panic!("expected a script error, got {other:?}"),
    }
}

#[tokio::test]
async fn async_handler_with_timers_and_microtasks() {
    let f = fixture().await;
    let w = f
        .runtime
        .load(worker_code("async_handler.js"))
        .await
        .unwrap();
    let r = w.fetch(Request::get("https://x.test/")).await.unwrap();
    assert_eq!(
        r.json().unwrap(),
        json!({"order": ["b", "a", "micro"], "doubled": 42, "bytes": 8})
    );
}

#[tokio::test]
async fn console_output_is_captured_with_levels() {
    let f = fixture().await;
    let w = f
        .runtime
        .get("console-test", || worker_code("console.js"))
        .await
        .unwrap();
    assert_eq!(
        w.fetch(Request::get("https://x.test/"))
            .await
            .unwrap()
            .text(),
        "logged"
    );
    let events = f.traces.for_worker("console-test");
    let fetch = events
        .iter()
        .find(|e| matches!(e.event, isolet::EventInfo::Fetch { .. }))
        .expect("a fetch trace");
    assert_eq!(fetch.outcome, Outcome::Ok);
    let logs: Vec<(LogLevel, &str)> = fetch
        .logs
        .iter()
        .map(|l| (l.level, l.message.as_str()))
        .collect();
    assert_eq!(
        logs,
        vec![
            (LogLevel::Log, "hello 42 { a: 1, b: [ 1, 2 ] }"),
            (LogLevel::Info, "info line"),
            (LogLevel::Warn, "warn line"),
            (LogLevel::Error, "error line Map(1) { \"k\" => \"v\" }"),
            (LogLevel::Debug, "debug line"),
        ]
    );
    assert!(fetch.cpu_time > Duration::ZERO);
    assert!(fetch.cpu_time <= fetch.wall_time);
}

#[tokio::test]
async fn get_keeps_state_and_calls_the_callback_once_load_never_shares() {
    let f = fixture().await;
    let calls = Mutex::new(0);
    let code = || {
        *calls.lock().unwrap() += 1;
        worker_code("counter.js")
    };
    let mut seen = Vec::new();
    for _ in 0..3 {
        let w = f.runtime.get("counter-test", code).await.unwrap();
        seen.push(
            w.fetch(Request::get("https://x.test/"))
                .await
                .unwrap()
                .text(),
        );
    }
    assert_eq!(seen, ["1", "2", "3"]);
    assert_eq!(
        *calls.lock().unwrap(),
        1,
        "the callback runs only on a miss"
    );

    for _ in 0..2 {
        let w = f.runtime.load(worker_code("counter.js")).await.unwrap();
        assert_eq!(
            w.fetch(Request::get("https://x.test/"))
                .await
                .unwrap()
                .text(),
            "1"
        );
    }
    // A different id is a different worker.
    let other = f
        .runtime
        .get("counter-test-2", || worker_code("counter.js"))
        .await
        .unwrap();
    assert_eq!(
        other
            .fetch(Request::get("https://x.test/"))
            .await
            .unwrap()
            .text(),
        "1"
    );
}

#[tokio::test]
async fn warm_cache_is_bounded() {
    let traces = Arc::new(Traces::default());
    let rt = Runtime::builder()
        .max_warm_workers(2)
        .tail_sink(traces)
        .build()
        .await
        .unwrap();
    let calls = Mutex::new(0);
    let code = || {
        *calls.lock().unwrap() += 1;
        worker_code("counter.js")
    };
    for id in ["a", "b", "c", "a"] {
        rt.get(id, code).await.unwrap();
    }
    assert_eq!(rt.warm_workers(), 2);
    assert_eq!(
        *calls.lock().unwrap(),
        4,
        "\"a\" was evicted by \"c\" and created again"
    );
}

/// A runtime whose warm workers held it (each worker holds its runtime)
/// was never freed: its pool's address-space reservation (~4 TiB at the
/// default size) and epoch thread stayed until the process ended, and a
/// process that made ~30 runtimes could make no more (found when the
/// end-to-end tests became one binary). Now the last handle lets the warm
/// workers go, and a worker the caller still holds keeps working: its
/// service binding's calls get one-shot workers (one cached would hold the
/// runtime again). Each round leaked a runtime before, so the rounds past
/// ~30 failed to reserve their pools.
#[tokio::test]
async fn a_runtime_is_freed_with_its_last_handle_warm_workers_and_all() {
    let caller =
        WorkerCode::js("export default { async fetch(req, env) { return env.SVC.fetch(req) } }")
            .binding(
                "SVC",
                isolet::BindingSpec::Service {
                    worker: "svc".into(),
                    entrypoint: None,
                    props: None,
                },
            );
    for round in 0..40 {
        let rt = Runtime::builder().build().await.unwrap();
        rt.define("svc", worker_code("counter.js"));
        let held = rt.get("caller", || caller.clone()).await.unwrap();
        rt.get("other", || worker_code("counter.js")).await.unwrap();
        let weak = rt.downgrade();
        drop(rt);
        assert!(
            weak.upgrade().is_none(),
            "no handle of the embedder's is left"
        );
        let resp = held
            .fetch(Request::get("https://example.com/"))
            .await
            .unwrap();
        assert_eq!(
            resp.status, 200,
            "round {round}: a held worker and its binding outlive the runtime handle"
        );
    }
}

#[tokio::test]
async fn syntax_error_names_line_and_column() {
    let f = fixture().await;
    let err = f
        .runtime
        .load(worker_code("syntax_error.js"))
        .await
        .err()
        .expect("must fail");
    let Error::Script(e) = err else {
        panic!("expected a script error, got {err:?}")
    };
    assert_eq!(e.name, "SyntaxError");
    let (file, line, col) = e
        .location()
        .unwrap_or_else(|| panic!("no location in {e:?}"));
    assert_eq!(file, "syntax_error.js");
    assert_eq!(line, 4, "{e:?}");
    assert!(col > 0);
    assert_still_serving(&f.runtime).await;
}

#[tokio::test]
async fn thrown_exception_has_message_and_stack_and_instance_survives() {
    let f = fixture().await;
    let w = f
        .runtime
        .get("throws-test", || worker_code("throws.js"))
        .await
        .unwrap();
    let err = w
        .fetch(Request::get("https://x.test/oops"))
        .await
        .unwrap_err();
    let Error::Script(e) = err else {
        panic!("expected a script error, got {err:?}")
    };
    assert_eq!(e.name, "TypeError");
    assert_eq!(e.message, "bad input: /oops");
    assert!(e.stack.contains("validate"), "{}", e.stack);
    assert_eq!(
        e.location().map(|l| (l.0, l.1)),
        Some(("throws.js".to_string(), 3))
    );
    // A script exception does not poison the instance.
    let again = w
        .fetch(Request::get("https://x.test/again"))
        .await
        .unwrap_err();
    assert!(matches!(again, Error::Script(_)));
    let traces = f.traces.for_worker("throws-test");
    let last = traces.last().unwrap();
    assert_eq!(last.outcome, Outcome::Exception);
    assert_eq!(last.exceptions[0].message, "bad input: /again");
}

#[tokio::test]
async fn infinite_loop_is_stopped_by_the_cpu_time_limit() {
    let f = fixture().await;
    let code =
        worker_code("infinite_loop.js").limits(Limits::new().cpu_time(Duration::from_millis(50)));
    let w = f.runtime.get("loop-fuel", || code).await.unwrap();
    let started = std::time::Instant::now();
    let err = w.fetch(Request::get("https://x.test/")).await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::CpuLimitExceeded {
                cpu_ms: Some(50),
                fuel: None
            }
        ),
        "{err:?}"
    );
    assert!(err.to_string().contains("50 ms of CPU time"), "{err}");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "stopped promptly: {:?}",
        started.elapsed()
    );
    // The trapped instance is discarded, never reused.
    assert!(matches!(
        w.fetch(Request::get("https://x.test/")).await.unwrap_err(),
        Error::Discarded
    ));
    let traces = f.traces.for_worker("loop-fuel");
    let last = traces.last().unwrap();
    assert_eq!(last.outcome, Outcome::ExceededCpu);
    assert!(
        last.cpu_time >= Duration::from_millis(50),
        "{:?}",
        last.cpu_time
    );
    assert_eq!(last.fuel_used, 0, "fuel is not metered by default");
    // get() creates a fresh one.
    let fresh = f
        .runtime
        .get("loop-fuel", || worker_code("hello.js"))
        .await
        .unwrap();
    assert_eq!(
        fresh
            .fetch(Request::get("https://x.test/"))
            .await
            .unwrap()
            .status,
        200
    );
    assert_still_serving(&f.runtime).await;
}

#[tokio::test]
async fn infinite_loop_is_stopped_by_the_deadline() {
    let f = fixture().await;
    let code = worker_code("infinite_loop.js").limits(
        Limits::new()
            .cpu_time(Duration::from_secs(3600))
            .timeout(Duration::from_millis(200)),
    );
    let w = f.runtime.load(code).await.unwrap();
    let started = std::time::Instant::now();
    let err = w.fetch(Request::get("https://x.test/")).await.unwrap_err();
    assert!(
        matches!(err, Error::Timeout(t) if t == Duration::from_millis(200)),
        "{err:?}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "stopped promptly: {:?}",
        started.elapsed()
    );
    assert_still_serving(&f.runtime).await;
}

#[tokio::test]
async fn top_level_loop_is_stopped_during_load() {
    let f = fixture().await;
    let code = WorkerCode::js("while (true) {} export default {}")
        .limits(Limits::new().cpu_time(Duration::from_millis(30)));
    let err = f.runtime.load(code).await.err().expect("must fail");
    assert!(matches!(err, Error::CpuLimitExceeded { .. }), "{err:?}");
    assert_still_serving(&f.runtime).await;
}

#[tokio::test]
async fn memory_bomb_is_stopped_by_the_memory_limit() {
    let f = fixture().await;
    let code = worker_code("memory_bomb.js").limits(Limits::new().memory_bytes(32 << 20));
    let w = f.runtime.get("bomb", || code).await.unwrap();
    let err = w.fetch(Request::get("https://x.test/")).await.unwrap_err();
    assert!(
        matches!(err, Error::MemoryLimitExceeded { limit } if limit == 32 << 20),
        "{err:?}"
    );
    assert!(matches!(
        w.fetch(Request::get("https://x.test/")).await.unwrap_err(),
        Error::Discarded
    ));
    assert_eq!(
        f.traces.for_worker("bomb").last().unwrap().outcome,
        Outcome::ExceededMemory
    );
    assert_still_serving(&f.runtime).await;
}

#[tokio::test]
async fn deep_recursion_is_a_catchable_range_error_and_the_instance_survives() {
    let f = fixture().await;
    let w = f
        .runtime
        .load(worker_code("deep_recursion.js"))
        .await
        .unwrap();
    let caught = w
        .fetch(Request::get("https://x.test/"))
        .await
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(caught["name"], "RangeError", "{caught}");
    assert_eq!(caught["message"], "Maximum call stack size exceeded");
    let depth = caught["depth"].as_u64().unwrap();
    assert!(depth > 500, "recursion stopped too early: {depth}");

    // Uncaught, it is the handler's exception, and the instance lives on.
    match w
        .fetch(Request::get("https://x.test/uncaught"))
        .await
        .unwrap_err()
    {
        Error::Script(e) => {
            assert_eq!(e.name, "RangeError");
            assert_eq!(e.message, "Maximum call stack size exceeded");
        }
        other => panic!("expected a RangeError, got {other:?}"),
    }
    assert_eq!(
        w.fetch(Request::get("https://x.test/ok"))
            .await
            .unwrap()
            .text(),
        "still here"
    );
    assert_still_serving(&f.runtime).await;
}

#[tokio::test]
async fn entrypoints_and_rpc() {
    let f = fixture().await;
    let code = worker_code("entrypoints.js").env_var("ROLE", "owner");
    let w = f.runtime.load(code).await.unwrap();
    assert_eq!(
        w.fetch(Request::get("https://x.test/"))
            .await
            .unwrap()
            .text(),
        "default"
    );
    let admin = w.entrypoint(Some("Admin"));
    assert_eq!(
        admin
            .fetch(Request::get("https://x.test/"))
            .await
            .unwrap()
            .text(),
        "admin sees owner"
    );
    assert_eq!(
        w.entrypoint(None)
            .call("add", vec![2.into(), 3.into()])
            .await
            .unwrap(),
        isolet::Value::Number(5.0)
    );
    assert_eq!(
        admin.call("greet", vec!["ada".into()]).await.unwrap(),
        isolet::Value::from(json!({"greeting": "hello ada", "role": "owner"}))
    );
    for bad in ["_secret", "missing", "constructor", "toString"] {
        let err = admin.call(bad, vec![]).await.unwrap_err();
        let Error::Script(e) = err else {
            panic!("{bad}: expected a script error, got {err:?}")
        };
        assert!(e.message.contains(bad), "{bad}: {}", e.message);
    }
    let err = w
        .entrypoint(Some("Nope"))
        .fetch(Request::get("https://x.test/"))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("Nope"), "{err}");
}

#[tokio::test]
async fn env_vars_and_module_imports() {
    let f = fixture().await;
    let code = WorkerCode::new("src/main.js")
        .module(
            "src/main.js",
            isolet::ModuleSource::Esm(
                "import { shout } from './lib/util.js'; import cfg from '../config.json'; import note from './note.txt';\n\
                 export default { fetch(req, env) { return new Response(shout(env.NAME) + ' ' + cfg.v + ' ' + note) } }"
                    .into(),
            ),
        )
        .module("src/lib/util.js", isolet::ModuleSource::Esm("export const shout = (s) => s.toUpperCase() + '!';".into()))
        .module("config.json", isolet::ModuleSource::Json(json!({"v": 7})))
        .module("src/note.txt", isolet::ModuleSource::Text("plain text".into()))
        .compatibility_date("2025-06-01")
        .env_var("NAME", "isolet");
    let w = f.runtime.load(code).await.unwrap();
    assert_eq!(
        w.fetch(Request::get("https://x.test/"))
            .await
            .unwrap()
            .text(),
        "ISOLET! 7 plain text"
    );

    let missing = WorkerCode::js("import x from './nope.js'; export default {}");
    let err = f.runtime.load(missing).await.err().expect("must fail");
    let msg = err.to_string();
    assert!(
        msg.contains("./nope.js") && msg.contains("main.js"),
        "{msg}"
    );
}

/// The main module's evaluation: top-level await (settled before `load`
/// returns), a module that imports main back, and a throw after an await
/// that fails the load with the worker's own error. Loaded twice: the second
/// load runs from cached bytecode.
#[tokio::test]
async fn main_module_awaits_cycles_and_throws_at_the_top_level() {
    let f = fixture().await;
    let code = WorkerCode::new("modules/main.js")
        .module(
            "modules/main.js",
            isolet::ModuleSource::Esm(source("modules/main.js")),
        )
        .module(
            "modules/cycle.js",
            isolet::ModuleSource::Esm(source("modules/cycle.js")),
        )
        .compatibility_date("2025-06-01");
    for _ in 0..2 {
        let w = f.runtime.load(code.clone()).await.unwrap();
        let text = w
            .fetch(Request::get("https://x.test/"))
            .await
            .unwrap()
            .text();
        assert_eq!(text, "awaited 1 awaited");
        let throws = worker_code("modules/throws_at_init.js");
        let err = f.runtime.load(throws).await.err().expect("must fail");
        let Error::Script(e) = &err else {
            panic!("{err:?}")
        };
        assert_eq!(
            (e.name.as_str(), e.message.as_str()),
            ("RangeError", "thrown at the top level"),
            "{err}"
        );
    }
}

#[tokio::test]
async fn invalid_code_lists_every_problem() {
    let f = fixture().await;
    let code = WorkerCode::new("main.js").compatibility_date("not-a-date");
    let Err(Error::InvalidCode(problems)) = f.runtime.load(code).await else {
        panic!("must be invalid")
    };
    assert_eq!(problems.len(), 3, "{problems:?}");
}

#[tokio::test]
async fn handler_errors_are_clear() {
    let f = fixture().await;
    let cases = [
        (
            "export default { fetch() { return 'not a response' } }",
            "Response",
        ),
        ("export default {}", "fetch()"),
        (
            "export default { fetch() { return new Promise(() => {}) } }",
            "never generate a response",
        ),
        ("export const x = 1", "default export"),
    ];
    for (src, needle) in cases {
        let w = f.runtime.load(WorkerCode::js(src)).await.unwrap();
        let err = w.fetch(Request::get("https://x.test/")).await.unwrap_err();
        assert!(err.to_string().contains(needle), "{src}: {err}");
    }
}

#[tokio::test]
async fn the_worker_gets_no_filesystem_env_or_network() {
    let f = fixture().await;
    let w = f
        .runtime
        .load(WorkerCode::js(
            "export default { async fetch() {\n\
               const seen = { process: typeof process, require: typeof require, Deno: typeof Deno, std: typeof std, os: typeof os };\n\
               let fetchError = null;\n\
               try { await fetch('http://127.0.0.1:1/'); } catch (e) { fetchError = e.message; }\n\
               return Response.json({ seen, fetchError });\n\
             } }",
        ))
        .await
        .unwrap();
    let body = w
        .fetch(Request::get("https://x.test/"))
        .await
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(
        body["seen"],
        json!({"process": "undefined", "require": "undefined", "Deno": "undefined", "std": "undefined", "os": "undefined"})
    );
    assert!(
        body["fetchError"]
            .as_str()
            .unwrap()
            .contains("no outbound network access"),
        "{body}"
    );
}

/// A capability that holds each caller for a moment and records how many
/// callers were inside at once.
#[derive(Default)]
struct Gate {
    inside: std::sync::atomic::AtomicUsize,
    most: std::sync::atomic::AtomicUsize,
}

impl isolet::Binding for Gate {
    fn call<'a>(
        &'a self,
        _method: &'a str,
        _args: Vec<isolet::Value>,
    ) -> isolet::BoxFuture<'a, Result<isolet::Value, String>> {
        use std::sync::atomic::Ordering;
        Box::pin(async move {
            let now = self.inside.fetch_add(1, Ordering::SeqCst) + 1;
            self.most.fetch_max(now, Ordering::SeqCst);
            tokio::time::sleep(Duration::from_millis(60)).await;
            self.inside.fetch_sub(1, Ordering::SeqCst);
            Ok(isolet::Value::Null)
        })
    }
}

async fn pooled_runtime(instances: usize) -> (Runtime, Arc<Gate>) {
    let gate = Arc::new(Gate::default());
    let rt = Runtime::builder()
        .instances_per_worker(instances)
        .capability("gate", gate.clone())
        .build()
        .await
        .unwrap();
    (rt, gate)
}

fn pooled_code() -> WorkerCode {
    worker_code("pooled.js").binding("GATE", isolet::BindingSpec::Capability("gate".into()))
}

async fn pooled_fetch(w: &isolet::Worker) -> serde_json::Value {
    w.fetch(Request::get("https://pool.test/"))
        .await
        .unwrap()
        .json()
        .unwrap()
}

#[tokio::test]
async fn overlapping_requests_to_a_warm_worker_get_their_own_instances() {
    let (rt, gate) = pooled_runtime(2).await;
    let w = rt.get("pooled", pooled_code).await.unwrap();
    let (a, b, c) = tokio::join!(pooled_fetch(&w), pooled_fetch(&w), pooled_fetch(&w));
    assert_eq!(
        gate.most.load(std::sync::atomic::Ordering::SeqCst),
        2,
        "two instances ran at once, never three"
    );
    let ids: std::collections::BTreeSet<String> = [&a, &b, &c]
        .iter()
        .map(|v| v["instance"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(ids.len(), 2, "{a} {b} {c}");
    assert_eq!(rt.stats().live_instances, 2);

    // Requests that do not overlap stay on the most recently used instance
    // (its module state carries over).
    let first = pooled_fetch(&w).await;
    let second = pooled_fetch(&w).await;
    assert_eq!(first["instance"], second["instance"]);
    assert_eq!(
        second["served"].as_u64().unwrap(),
        first["served"].as_u64().unwrap() + 1
    );
}

#[tokio::test]
async fn one_instance_per_worker_serializes_its_requests() {
    let (rt, gate) = pooled_runtime(1).await;
    let w = rt.get("serial", pooled_code).await.unwrap();
    let (a, b) = tokio::join!(pooled_fetch(&w), pooled_fetch(&w));
    assert_eq!(gate.most.load(std::sync::atomic::Ordering::SeqCst), 1);
    assert_eq!(a["instance"], b["instance"]);
    let mut served = [a["served"].as_u64().unwrap(), b["served"].as_u64().unwrap()];
    served.sort();
    assert_eq!(served, [1, 2]);
    // A one-shot worker is always a single instance.
    let (rt2, gate2) = pooled_runtime(4).await;
    let once = rt2.load(pooled_code()).await.unwrap();
    let (a, b) = tokio::join!(pooled_fetch(&once), pooled_fetch(&once));
    assert_eq!(a["instance"], b["instance"]);
    assert_eq!(gate2.most.load(std::sync::atomic::Ordering::SeqCst), 1);
}

#[tokio::test]
async fn fetch_dispatch_edge_cases() {
    let f = fixture().await;
    let w = f
        .runtime
        .get("dispatch-edges", || worker_code("dispatch_edges.js"))
        .await
        .unwrap();
    let get = |path: &str| Request::get(format!("https://edges.test{path}"));
    assert_eq!(
        w.fetch(get("/thenable")).await.unwrap().text(),
        "from a thenable"
    );
    assert_eq!(
        w.fetch(get("/null-init")).await.unwrap().text(),
        "null init"
    );
    let late = w.fetch(get("/late-header")).await.unwrap();
    assert_eq!(late.status, 201);
    assert_eq!(
        late.headers,
        [
            (
                "content-type".to_string(),
                "text/plain;charset=UTF-8".to_string()
            ),
            ("x-late".to_string(), "1".to_string())
        ]
    );
    let plain = w.fetch(get("/no-headers-read")).await.unwrap();
    assert_eq!(plain.status, 202);
    assert_eq!(
        plain.header("content-type"),
        Some("text/plain;charset=UTF-8")
    );
    assert_eq!(plain.headers.len(), 1);
    for path in ["/not-a-response", "/async-not-a-response"] {
        match w.fetch(get(path)).await.unwrap_err() {
            Error::Script(e) => {
                assert_eq!(e.name, "TypeError", "{path}");
                assert!(
                    e.message.contains("did not resolve to 'Response'"),
                    "{path}: {}",
                    e.message
                );
            }
            other => panic!("{path}: {other:?}"),
        }
    }
    let mut req = get("/headers");
    req.headers.push(("X-Mixed-Case".into(), "yes".into()));
    req.headers.push(("Accept".into(), "*/*".into()));
    let body = w.fetch(req).await.unwrap().json().unwrap();
    assert_eq!(
        body,
        json!({"mixed": "yes", "names": ["accept", "x-mixed-case"], "same": true})
    );

    let (result, trace) = w.entrypoint(None).fetch_traced(get("/wait-until")).await;
    assert_eq!(result.unwrap().text(), "answered");
    assert!(
        trace.logs.iter().any(|l| l.message == "waitUntil ran"),
        "{:?}",
        trace.logs
    );
}

#[tokio::test]
async fn exact_fuel_metering_stops_loops_and_reports_fuel() {
    let rt = Runtime::builder().exact_fuel(true).build().await.unwrap();
    let code = worker_code("infinite_loop.js").limits(Limits::new().fuel(20_000_000));
    let w = rt.load(code).await.unwrap();
    let err = w.fetch(Request::get("https://x.test/")).await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::CpuLimitExceeded {
                cpu_ms: None,
                fuel: Some(20_000_000)
            }
        ),
        "{err:?}"
    );
    let hello = rt.load(worker_code("hello.js")).await.unwrap();
    let (result, trace) = hello
        .entrypoint(None)
        .fetch_traced(Request::get("https://x.test/"))
        .await;
    assert_eq!(result.unwrap().status, 200);
    assert!(trace.fuel_used > 0);
}

/// The CPU limit counts the guest's own running time: waiting for the host
/// (an outbound fetch, a binding) is not CPU time.
#[tokio::test]
async fn waiting_for_the_host_is_not_cpu_time() {
    let gate = Arc::new(Gate::default());
    let rt = Runtime::builder()
        .capability("gate", gate.clone())
        .build()
        .await
        .unwrap();
    // The gate holds each call 60 ms; three calls far exceed the 30 ms CPU limit
    // in wall time but not in CPU time.
    let code = WorkerCode::js(
        "export default { async fetch(req, env) { for (let i = 0; i < 3; i++) await env.GATE.pass(); return new Response('done') } }",
    )
    .binding("GATE", isolet::BindingSpec::Capability("gate".into()))
    .limits(Limits::new().cpu_time(Duration::from_millis(30)));
    let w = rt.load(code).await.unwrap();
    let (result, trace) = w
        .entrypoint(None)
        .fetch_traced(Request::get("https://x.test/"))
        .await;
    assert_eq!(result.unwrap().text(), "done");
    assert!(
        trace.wall_time >= Duration::from_millis(180),
        "{:?}",
        trace.wall_time
    );
    assert!(
        trace.cpu_time < Duration::from_millis(30),
        "{:?}",
        trace.cpu_time
    );
}

/// Pool slots are reused with their memory kept resident and reset in place
/// (`keep_resident_bytes`, default on): a fresh `load()` in a reused slot must
/// see nothing of the instances that ran there before, whether they were
/// one-shot or warm, and a warm worker's state stays its own.
#[tokio::test]
async fn reused_pool_slots_carry_nothing_between_workers() {
    // Two slots: the warm worker holds one, so every load reuses the other.
    let rt = Runtime::builder()
        .max_instances(2)
        .instances_per_worker(1)
        .build()
        .await
        .unwrap();
    let clean = json!({"global": null, "objectProto": null, "responseProto": null, "module": null, "heap": 0});
    let probe = |secret: String| Request::get(format!("https://x.test/?secret={secret}"));

    let warm = rt
        .get("leaky", || worker_code("leak_probe.js"))
        .await
        .unwrap();
    let first = warm
        .fetch(probe("warm-0".into()))
        .await
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(first, clean);
    for i in 0..6 {
        let w = rt.load(worker_code("leak_probe.js")).await.unwrap();
        let seen: serde_json::Value = w
            .fetch(probe(format!("load-{i}")))
            .await
            .unwrap()
            .json()
            .unwrap();
        assert_eq!(seen, clean, "load {i} saw an earlier sandbox's state");
        // The same instance does keep its own state between requests.
        let again: serde_json::Value = w.fetch(probe(String::new())).await.unwrap().json().unwrap();
        assert_eq!(again["module"], format!("load-{i}"));
        assert_eq!(again["heap"], 20000);
    }
    let warm_again: serde_json::Value = warm
        .fetch(probe(String::new()))
        .await
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(
        warm_again["global"], "warm-0",
        "the warm worker keeps its own state"
    );
}

#[tokio::test]
async fn fresh_instance_per_request_workers_never_see_an_earlier_request() {
    // One slot for the fresh worker, one spare: every request must reuse a
    // slot the previous request's instance was dropped from.
    let rt = Runtime::builder()
        .max_instances(2)
        .instances_per_worker(2)
        .build()
        .await
        .unwrap();
    let clean = json!({"global": null, "objectProto": null, "responseProto": null, "module": null, "heap": 0});
    let w = rt
        .get("fresh", || {
            worker_code("leak_probe.js").fresh_per_request(true)
        })
        .await
        .unwrap();
    for i in 0..8 {
        let seen: serde_json::Value = w
            .fetch(Request::get(format!("https://x.test/?secret=s{i}")))
            .await
            .unwrap()
            .json()
            .unwrap();
        assert_eq!(seen, clean, "request {i} saw an earlier request's state");
    }
    // Overlapping requests each get their own fresh instance.
    let mut calls = tokio::task::JoinSet::new();
    for i in 0..6 {
        let w = w.clone();
        calls.spawn(async move {
            w.fetch(Request::get(format!("https://x.test/?secret=c{i}")))
                .await
                .unwrap()
                .json()
                .unwrap()
        });
    }
    while let Some(seen) = calls.join_next().await {
        assert_eq!(seen.unwrap(), clean);
    }
    // The same id is still one warm worker: `get` does not ask for the code again.
    let again = rt
        .get("fresh", || -> WorkerCode { panic!("code asked again") })
        .await
        .unwrap();
    let seen: serde_json::Value = again
        .fetch(Request::get("https://x.test/"))
        .await
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(seen, clean);
    // Without the flag, module state carries over (the contrast that makes
    // the assertions above meaningful).
    let warm = rt
        .get("warm", || worker_code("leak_probe.js"))
        .await
        .unwrap();
    warm.fetch(Request::get("https://x.test/?secret=w"))
        .await
        .unwrap();
    let seen: serde_json::Value = warm
        .fetch(Request::get("https://x.test/"))
        .await
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(seen["module"], "w");
}

/// The Cache API: entries outlive the invocation and the instance, are a
/// worker's own (by id; each `load()` has its own), follow Cache-Control,
/// and answer conditional and range requests.
#[tokio::test]
async fn cache_api_per_worker_with_cache_control_validators_and_ranges() {
    let rt = Runtime::builder().build().await.unwrap();
    let get = |w: &isolet::Worker, path: &str| {
        let w = w.clone();
        let url = format!("https://cache.test{path}");
        async move { w.fetch(Request::get(url)).await.unwrap() }
    };
    let json = |r: isolet::Response| r.json().unwrap();
    // Every request in a new instance: what one put, the next one matches.
    let a = rt
        .get("cache-a", || {
            let mut code = worker_code("cache.js");
            code.fresh_instance_per_request = true;
            code
        })
        .await
        .unwrap();
    assert_eq!(json(get(&a, "/match").await), json!({"hit": false}));
    assert_eq!(get(&a, "/put?cc=max-age%3D600").await.text(), "put");
    let hit = json(get(&a, "/match").await);
    assert_eq!(
        hit,
        json!({"hit": true, "status": 200, "body": "stored body", "cfCacheStatus": "HIT", "contentRange": null, "etag": "\"v1\""})
    );
    // Other workers do not.
    let b = rt.get("cache-b", || worker_code("cache.js")).await.unwrap();
    assert_eq!(json(get(&b, "/match").await), json!({"hit": false}));
    let loaded = rt.load(worker_code("cache.js")).await.unwrap();
    assert_eq!(json(get(&loaded, "/match").await), json!({"hit": false}));
    // Named caches are apart from the default one.
    assert_eq!(
        json(get(&a, "/match?cache=other").await),
        json!({"hit": false})
    );

    // Validators and ranges.
    let not_modified = json(get(&a, "/match?if-none-match=%22v1%22").await);
    assert_eq!(
        (not_modified["status"].clone(), not_modified["body"].clone()),
        (json!(304), json!(""))
    );
    let part = json(get(&a, "/match?range=bytes%3D0-5").await);
    assert_eq!(
        (
            part["status"].clone(),
            part["body"].clone(),
            part["contentRange"].clone()
        ),
        (json!(206), json!("stored"), json!("bytes 0-5/11"))
    );

    // Cache-Control keeps responses out; delete; errors as in Workers.
    get(&a, "/put?key=private&cc=private%2C%20max-age%3D60").await;
    assert_eq!(
        json(get(&a, "/match?key=private").await),
        json!({"hit": false})
    );
    get(&a, "/put?key=nostore&cc=no-store").await;
    assert_eq!(
        json(get(&a, "/match?key=nostore").await),
        json!({"hit": false})
    );
    assert_eq!(json(get(&a, "/delete").await), json!({"deleted": true}));
    assert_eq!(json(get(&a, "/delete").await), json!({"deleted": false}));
    assert_eq!(json(get(&a, "/match").await), json!({"hit": false}));
    get(&a, "/put").await;
    assert_eq!(
        json(get(&a, "/errors").await),
        json!({
            "post": "TypeError: Cannot cache response to non-GET request.",
            "partial": "TypeError: Cannot cache response to a range request (206 Partial Content).",
            "varyStar": "TypeError: Cannot cache response with 'Vary: *' header.",
            "notAResponse": "TypeError: Cache.put() needs a Response",
            "matchPost": true,
            "matchPostIgnoringMethod": true,
            "sameObject": true,
            "defaultIsACache": true,
        })
    );

    // An entry expires with its max-age.
    get(&a, "/put?key=short&cc=max-age%3D1").await;
    assert_eq!(json(get(&a, "/match?key=short").await)["hit"], true);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_eq!(
        json(get(&a, "/match?key=short").await),
        json!({"hit": false})
    );
}

/// Promises rejected with no handler fire `unhandledrejection` and, unless
/// a listener cancels it, are logged as uncaught, in the invocation that
/// rejected them; rejections handled before the microtasks run out are not.
#[tokio::test]
async fn unhandled_rejections_are_events_and_logged() {
    let f = fixture().await;
    let w = f
        .runtime
        .get("unhandled", || worker_code("unhandled.js"))
        .await
        .unwrap();
    let out = w
        .fetch(Request::get("https://u.test/"))
        .await
        .unwrap()
        .json()
        .unwrap();
    let reasons: Vec<&str> = out
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["reason"].as_str().unwrap())
        .collect();
    assert_eq!(
        reasons,
        [
            "Error: nobody catches",
            "Error: quiet please",
            "TypeError: async nobody"
        ]
    );
    assert!(
        out.as_array()
            .unwrap()
            .iter()
            .all(|e| e["isPromise"] == true && e["cancelable"] == true)
    );
    let logs = |n: usize| -> Vec<(LogLevel, String)> {
        let t = f.traces.for_worker("unhandled");
        t[n].logs
            .iter()
            .map(|l| (l.level, l.message.clone()))
            .collect()
    };
    let first = logs(0);
    assert_eq!(first.len(), 2, "{first:?}");
    assert!(first.iter().all(|(level, _)| *level == LogLevel::Error));
    assert!(
        first[0]
            .1
            .starts_with("Uncaught (in promise) Error: nobody catches"),
        "{first:?}"
    );
    assert!(
        first[1]
            .1
            .starts_with("Uncaught (in promise) TypeError: async nobody"),
        "{first:?}"
    );
    // They are the trace's exceptions too, with their stacks.
    let t = f.traces.for_worker("unhandled");
    let exceptions: Vec<(&str, &str)> = t[0]
        .exceptions
        .iter()
        .map(|e| (e.name.as_str(), e.message.as_str()))
        .collect();
    assert_eq!(
        exceptions,
        [("Error", "nobody catches"), ("TypeError", "async nobody")]
    );
    assert!(
        t[0].exceptions[0].stack.contains("unhandled.js"),
        "{:?}",
        t[0].exceptions[0]
    );
    // A handler that answers at once: the rejection is reported in its own
    // invocation's trace.
    let r = w.fetch(Request::get("https://u.test/sync")).await.unwrap();
    assert_eq!(r.text(), "answered at once");
    let second = logs(1);
    assert_eq!(second.len(), 1, "{second:?}");
    assert!(
        second[0]
            .1
            .starts_with("Uncaught (in promise) RangeError: sync nobody"),
        "{second:?}"
    );
    let t = f.traces.for_worker("unhandled");
    assert_eq!(t[1].exceptions.len(), 1);
    assert_eq!(t[1].exceptions[0].name, "RangeError");
    assert_eq!(t[1].outcome, Outcome::Ok);
}
