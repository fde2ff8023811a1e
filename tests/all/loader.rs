//! The Worker Loader inside workers (`env.LOADER`): a parent worker in
//! JavaScript loads children and calls them, as on Cloudflare. The parent
//! (tests/workers/js/loader/parent.js) carries workerd's own Worker Loader
//! tests, ported, and isolet's (what a child may not have, how long a
//! child lives); each is one RPC method, run here against a runtime with
//! the workers they reach.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use isolet::{Binding, BindingSpec, BoxFuture, Limits, Outbound, Runtime, Value, WorkerCode};

use crate::common::read;

/// The parent's code: its loader bindings (one of its own, two sharing an
/// id, one with an id of its own), a service binding to a greeter and one
/// to a gateway, and all its `fetch()` going to the worker
/// "default-outbound".
fn parent() -> WorkerCode {
    let loader = |id: Option<&str>| BindingSpec::Loader {
        id: id.map(str::to_string),
    };
    let service = |worker: &str| BindingSpec::Service {
        worker: worker.into(),
        entrypoint: None,
        props: None,
    };
    WorkerCode::js(read("workers/js/loader/parent.js"))
        .compatibility_date("2025-06-01")
        .binding("LOADER", loader(None))
        .binding("SHARED1", loader(Some("shared")))
        .binding("SHARED2", loader(Some("shared")))
        .binding("UNIQUE", loader(Some("unique")))
        .binding("GREETER", service("greeter"))
        .binding("GATEWAY", service("gateway"))
        .binding("TAILER", service("tailer"))
        .binding("RENDEZVOUS", BindingSpec::Capability("rendezvous".into()))
        .global_outbound(Outbound::GatewayWorker {
            worker: "default-outbound".into(),
            entrypoint: None,
            props: None,
        })
        .limits(Limits::new().cpu_time(Duration::from_millis(200)))
}

/// Where a tail consumer leaves what it got for the parent's test (workerd's
/// test bounces it through a Durable Object): `put(v)`, then `wait()` gives
/// the oldest value not yet taken, waiting for one (a few seconds at most:
/// tail deliveries run after the traced call).
#[derive(Default)]
struct Rendezvous {
    values: Mutex<VecDeque<Value>>,
    arrived: tokio::sync::Notify,
}

impl Binding for Rendezvous {
    fn call<'a>(
        &'a self,
        method: &'a str,
        args: Vec<Value>,
    ) -> BoxFuture<'a, Result<Value, String>> {
        Box::pin(async move {
            match method {
                "put" => {
                    self.values.lock().unwrap().extend(args.into_iter().take(1));
                    self.arrived.notify_one();
                    Ok(Value::Undefined)
                }
                "wait" => {
                    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
                    loop {
                        if let Some(v) = self.values.lock().unwrap().pop_front() {
                            return Ok(v);
                        }
                        if tokio::time::timeout_at(deadline, self.arrived.notified())
                            .await
                            .is_err()
                        {
                            return Err("nothing arrived".to_string());
                        }
                    }
                }
                _ => Err(format!("no method {method}")),
            }
        })
    }
}

/// A runtime that knows the workers the parent reaches.
async fn runtime() -> Runtime {
    let rt = Runtime::builder()
        .capability("rendezvous", Arc::new(Rendezvous::default()))
        .build()
        .await
        .unwrap();
    // Defined, so its children can call back its entrypoints (ctx.exports
    // passed to them) as a service.
    rt.define("parent", parent());
    rt.define(
        "greeter",
        WorkerCode::js(
            r#"import { WorkerEntrypoint } from "cloudflare:workers";
            export default class extends WorkerEntrypoint { greet(name) { return `Hello, ${name}!` } }"#,
        ),
    );
    rt.define(
        "gateway",
        WorkerCode::js(
            "export default { fetch(req) { return new Response('hello from gateway: ' + req.url) } }",
        ),
    );
    rt.define(
        "tailer",
        WorkerCode::js("export default { async tail(events, env) { await env.RENDEZVOUS.put({ event: events }) } }")
            .binding("RENDEZVOUS", BindingSpec::Capability("rendezvous".into())),
    );
    rt.define(
        "default-outbound",
        WorkerCode::js(
            "export default { fetch() { return new Response('hello from defaultOutbound') } }",
        ),
    );
    rt
}

/// Runs the parent's test `name` on the warm parent "parent".
async fn run(rt: &Runtime, name: &str) -> Value {
    let parent = rt.get("parent", parent).await.unwrap();
    match parent.entrypoint(None).call(name, vec![]).await {
        Ok(v) => v,
        Err(e) => panic!("{name}: {e}"),
    }
}

/// The ported workerd tests that pass as they are (or with isolet's
/// wording of an error).
#[tokio::test]
async fn workerd_worker_loader_tests() {
    let rt = runtime().await;
    for name in [
        "basics",
        "justLoad",
        "passEnv",
        "inheritGlobalOutbound",
        "nullGlobalOutbound",
        "isolateUniqueness",
        "moduleTypes",
        "compatDateFlags",
        "asyncCodeLoader",
        "codeLoaderException",
        "noMixedJsPythonModules",
        "startupException",
        "ctxExports",
        "abortIsolateDynamic",
        "abortIsolateDynamicAnonymous",
    ] {
        assert_eq!(run(&rt, name).await, Value::from("ok"), "{name}");
    }
}

/// `abortIsolate(reason)` in a worker of its own: the call fails with the
/// reason, the worker's instances go, and its next call starts from
/// scratch; its neighbours go on.
#[tokio::test]
async fn abort_isolate_discards_the_workers_instances() {
    let rt = runtime().await;
    let code = || {
        WorkerCode::js(
            r#"import { WorkerEntrypoint, abortIsolate } from "cloudflare:workers";
            let counter = 0;
            export default class extends WorkerEntrypoint {
                ping() { return ++counter; }
                crash() { try { abortIsolate("bye"); } catch { return "caught"; } return "returned"; }
            }"#,
        )
    };
    let call = |name: &'static str| {
        let rt = rt.clone();
        async move {
            let worker = rt.get("aborter", code).await.unwrap();
            worker.entrypoint(None).call(name, vec![]).await
        }
    };
    assert_eq!(call("ping").await.unwrap(), Value::from(1));
    assert_eq!(call("ping").await.unwrap(), Value::from(2));
    match call("crash").await {
        Err(isolet::Error::Crashed(m)) => assert!(m.contains(r#"abortIsolate("bye")"#), "{m}"),
        other => panic!("{other:?}"),
    }
    assert_eq!(call("ping").await.unwrap(), Value::from(1));
    assert_eq!(run(&rt, "basics").await, Value::from("ok"));
}

/// workerd's pythonBasics: a JavaScript parent loads a Python child; it
/// calls the objects passed to it, as a JavaScript child does.
#[tokio::test]
async fn a_python_child() {
    let rt = runtime().await;
    assert_eq!(run(&rt, "pythonBasics").await, Value::from("ok"));
    assert_eq!(run(&rt, "passedObjectsToPython").await, Value::from("ok"));
    assert_eq!(run(&rt, "minimalPythonPackage").await, Value::from("ok"));
}

/// A Python parent: `env.LOADER` in a Python worker loads JavaScript and
/// Python children, calls and fetches them, with props, the parent's
/// bindings in their env and its service as their tail, and passes them
/// functions, RpcTargets and bindings by reference; bad code and refusals
/// raise.
#[tokio::test]
async fn a_python_parent() {
    let rt = runtime().await;
    let code = || {
        let mut code = WorkerCode::new("main.py").compatibility_date("2025-06-01");
        code.modules.insert(
            "main.py".into(),
            isolet::ModuleSource::Python(read("workers/py/loader_parent.py")),
        );
        code.binding("LOADER", BindingSpec::Loader { id: None })
            .binding(
                "GREETER",
                BindingSpec::Service {
                    worker: "greeter".into(),
                    entrypoint: None,
                    props: None,
                },
            )
            .binding(
                "TAILER",
                BindingSpec::Service {
                    worker: "tailer".into(),
                    entrypoint: None,
                    props: None,
                },
            )
            .binding("RENDEZVOUS", BindingSpec::Capability("rendezvous".into()))
    };
    let parent = rt.get("py-parent", code).await.unwrap();
    for name in ["basics", "loads", "failures", "tails", "passing"] {
        match parent.entrypoint(None).call(name, vec![]).await {
            Ok(v) => assert_eq!(v, Value::from("ok"), "{name}"),
            Err(e) => panic!("{name}: {e}"),
        }
    }
}

/// workerd's passEnvCaps and overrideGlobalOutbound pass `ctx.exports`
/// stubs; isolet's children take the parent's own bindings by reference.
#[tokio::test]
async fn children_take_the_parents_bindings_by_reference() {
    let rt = runtime().await;
    assert_eq!(run(&rt, "passEnvBindings").await, Value::from("ok"));
    assert_eq!(run(&rt, "overrideGlobalOutbound").await, Value::from("ok"));
}

/// workerd's passEnvCaps and overrideGlobalOutbound as written: the
/// parent's own entrypoints (`ctx.exports.X({ props })`) in a child's env
/// and as its globalOutbound.
#[tokio::test]
async fn children_take_the_parents_own_entrypoints() {
    let rt = runtime().await;
    assert_eq!(run(&rt, "passEnvCaps").await, Value::from("ok"));
    assert_eq!(
        run(&rt, "overrideGlobalOutboundExports").await,
        Value::from("ok")
    );
}

/// workerd's tails: a child's traces go to the parent's own entrypoint
/// (with props) or to a service binding of the parent, each a tail
/// consumer's `tail(events)`; nothing else of the parent is one.
#[tokio::test]
async fn a_childs_tails_are_the_parents_entrypoints_or_services() {
    let rt = runtime().await;
    assert_eq!(run(&rt, "tails").await, Value::from("ok"));
    assert_eq!(run(&rt, "tailsThroughBindings").await, Value::from("ok"));
}

/// RpcTargets, functions and stubs in a call to a child go by reference:
/// the child's calls on them run in the parent, while the call lasts, and
/// reach only what was passed (no private methods, no kept stubs).
#[tokio::test]
async fn objects_pass_to_a_child_by_reference() {
    let rt = runtime().await;
    assert_eq!(run(&rt, "passedObjects").await, Value::from("ok"));
    assert_eq!(run(&rt, "passedObjectLimits").await, Value::from("ok"));
    assert_eq!(run(&rt, "pendingCap").await, Value::from("ok"));
    let small = rt
        .get("parent-small-budget", || {
            parent().limits(
                Limits::new()
                    .cpu_time(Duration::from_secs(2))
                    .host_memory_bytes(4 << 20),
            )
        })
        .await
        .unwrap();
    assert_eq!(
        small
            .entrypoint(None)
            .call("propsCharged", vec![])
            .await
            .unwrap(),
        Value::from("ok")
    );
}

/// `ctx.exports`: a worker's own entrypoints, with props, in-process.
#[tokio::test]
async fn ctx_exports_reach_the_workers_own_entrypoints() {
    let rt = runtime().await;
    assert_eq!(run(&rt, "loopbackProps").await, Value::from("ok"));
}

#[tokio::test]
async fn a_child_gets_nothing_its_parent_does_not_have() {
    let rt = runtime().await;
    assert_eq!(run(&rt, "childLimits").await, Value::from("ok"));
    assert_eq!(run(&rt, "childCannotNameBindings").await, Value::from("ok"));
    // Writing 10 MiB of code as JSON takes the parent more than its usual
    // 200 ms of CPU: this parent gets 10 s.
    let roomy = rt
        .get("parent-roomy", || {
            parent().limits(Limits::new().cpu_time(Duration::from_secs(10)))
        })
        .await
        .unwrap();
    assert_eq!(
        roomy
            .entrypoint(None)
            .call("childBounds", vec![])
            .await
            .unwrap(),
        Value::from("ok")
    );
    // A capability the runtime has but the parent was not given stays out
    // of reach: the child's code cannot name it (above), and nothing in
    // the parent's env refers to it.
}

#[tokio::test]
async fn a_childs_failure_is_the_parents_exception_only() {
    let rt = runtime().await;
    assert_eq!(
        run(&rt, "childFailureLeavesParent").await,
        Value::from("parent still runs")
    );
    // The parent serves the next request as before.
    assert_eq!(run(&rt, "basics").await, Value::from("ok"));
}

#[tokio::test]
async fn a_loaded_child_lives_as_long_as_its_request() {
    let rt = runtime().await;
    assert_eq!(run(&rt, "staleLoad").await, Value::from("kept"));
    assert_eq!(run(&rt, "staleLoad").await, Value::from("refused"));
}

/// Two parents loading the same name get children of their own: a loader's
/// children are its worker's, never another tenant's.
#[tokio::test]
async fn parents_never_share_children() {
    let rt = runtime().await;
    let code = || {
        WorkerCode::js(
            r#"import { WorkerEntrypoint } from "cloudflare:workers";
            export default class extends WorkerEntrypoint {
                count() {
                    return this.env.LOADER.get("counter", () => ({
                        compatibilityDate: "2025-01-01",
                        mainModule: "c.js",
                        modules: { "c.js": "let i = 0; export default { next() { return i++ } }" },
                    })).getEntrypoint().next();
                }
            }"#,
        )
        .binding(
            "LOADER",
            BindingSpec::Loader {
                id: Some("same".into()),
            },
        )
    };
    let a = rt.get("tenant-a", code).await.unwrap();
    let b = rt.get("tenant-b", code).await.unwrap();
    let count = async |w: &isolet::Worker| w.entrypoint(None).call("count", vec![]).await.unwrap();
    assert_eq!(count(&a).await, Value::from(0));
    assert_eq!(count(&a).await, Value::from(1));
    assert_eq!(count(&b).await, Value::from(0));
    // A one-shot parent (no id) keeps no children by name: each run would
    // be a new owner, out of reach of the per-worker bound.
    let once = rt.load(code()).await.unwrap();
    let e = once
        .entrypoint(None)
        .call("count", vec![])
        .await
        .unwrap_err()
        .to_string();
    assert!(e.contains("for a worker with an id"), "{e}");
    // Redeploying a parent retires its children with it.
    rt.evict("tenant-a");
    let a = rt.get("tenant-a", code).await.unwrap();
    assert_eq!(count(&a).await, Value::from(0));
}

/// Props from Rust (`Entrypoint::with_props`) reach `this.ctx.props` of a
/// `WorkerEntrypoint`; a non-object is refused. A plain object's method gets
/// the caller's arguments only: called with fewer than it declares, it must
/// not find the worker's env in their place (it would hand it back).
#[tokio::test]
async fn props_from_the_embedder() {
    let rt = runtime().await;
    let w = rt
        .load(
            WorkerCode::js(
                r#"import { WorkerEntrypoint } from "cloudflare:workers";
            export default { echo(x, y, z) { return [x ?? "none", y ?? "none", z ?? "none"] } }
            export class Named extends WorkerEntrypoint { who() { return this.ctx.props.user ?? "nobody" } }"#,
            )
            .env_var("SECRET", "hunter2"),
        )
        .await
        .unwrap();
    let props = Value::from(serde_json::json!({ "user": "ada" }));
    let none = Value::from("none");
    assert_eq!(
        w.entrypoint(None).call("echo", vec![]).await.unwrap(),
        Value::Array(vec![none.clone(), none.clone(), none.clone()])
    );
    assert_eq!(
        w.entrypoint(Some("Named"))
            .call("who", vec![])
            .await
            .unwrap(),
        Value::from("nobody")
    );
    assert_eq!(
        w.entrypoint(Some("Named"))
            .with_props(&props)
            .unwrap()
            .call("who", vec![])
            .await
            .unwrap(),
        Value::from("ada")
    );
    assert!(w.entrypoint(None).with_props(&Value::from(1)).is_err());
}

/// A loader's children sit in the warm cache beside the parent's Durable
/// Objects: no object name reaches one.
#[tokio::test]
async fn an_object_name_cannot_name_a_child() {
    let dir = tempfile::tempdir().unwrap();
    let rt = Runtime::builder()
        .storage_dir(dir.path())
        .build()
        .await
        .unwrap();
    let made = rt
        .get_object("parent", "\0loader\0binding:LOADER\0x", || {
            WorkerCode::js("export default {}")
        })
        .await;
    let Err(e) = made else {
        panic!("an object name with NUL was taken")
    };
    assert!(e.to_string().contains("NUL"), "{e}");
}

/// A service binding's `props` are the callee's `ctx.props` (as Cloudflare's
/// service bindings with props), for RPC and fetch.
#[tokio::test]
async fn a_service_binding_gives_its_props() {
    let rt = runtime().await;
    rt.define(
        "greets",
        WorkerCode::js(
            r#"import { WorkerEntrypoint } from "cloudflare:workers";
            export default class extends WorkerEntrypoint {
                greet(name) { return `${this.ctx.props.greeting ?? "no props"}, ${name}` }
                fetch() { return new Response(this.ctx.props.greeting ?? "no props") }
            }"#,
        ),
    );
    let props = serde_json::json!({ "greeting": "Kia ora" });
    let caller = WorkerCode::js(
        r#"export default {
            async fetch(req, env) {
                const a = await env.WITH.greet("Ann");
                const b = await env.WITHOUT.greet("Bo");
                const c = await (await env.WITH.fetch("https://x/")).text();
                return new Response([a, b, c].join("|"));
            }
        }"#,
    )
    .binding(
        "WITH",
        BindingSpec::Service {
            worker: "greets".into(),
            entrypoint: None,
            props: props.as_object().cloned(),
        },
    )
    .binding(
        "WITHOUT",
        BindingSpec::Service {
            worker: "greets".into(),
            entrypoint: None,
            props: None,
        },
    );
    let w = rt.get("caller", || caller).await.unwrap();
    let r = w.fetch(isolet::Request::get("https://x/")).await.unwrap();
    assert_eq!(r.text(), "Kia ora, Ann|no props, Bo|Kia ora");
}
