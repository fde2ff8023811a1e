//! Outbound policies, bindings and tails, end to end: real workers, a real
//! upstream HTTP server on 127.0.0.1.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use hyper_util::rt::TokioIo;
use isolet::{
    Binding, BindingSpec, BoxFuture, ForwardConfig, Limits, ModuleSource, Outbound,
    OutboundContext, OutboundPolicy, Outcome, Request, Response, Runtime, TraceEvent, Value,
    WorkerCode,
};
use serde_json::{Value as Json, json};

fn source(rel: &str) -> String {
    std::fs::read_to_string(format!(
        "{}/../tests/workers/js/{rel}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

fn code(rel: &str) -> WorkerCode {
    let name = rel.rsplit('/').next().unwrap().to_string();
    WorkerCode::new(name.clone())
        .module(name, ModuleSource::Esm(source(rel)))
        .compatibility_date("2025-06-01")
}

/// An upstream server that echoes what it received and records it.
struct Upstream {
    addr: SocketAddr,
    seen: Arc<Mutex<Vec<HashMap<String, String>>>>,
}

async fn upstream() -> Upstream {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let seen: Arc<Mutex<Vec<HashMap<String, String>>>> = Arc::default();
    let record = seen.clone();
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            let record = record.clone();
            tokio::spawn(async move {
                let svc = hyper::service::service_fn(
                    move |req: http::Request<hyper::body::Incoming>| {
                        let record = record.clone();
                        async move {
                            let mut h: HashMap<String, String> = req
                                .headers()
                                .iter()
                                .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or("").to_string()))
                                .collect();
                            h.insert(":path".into(), req.uri().path().to_string());
                            record.lock().unwrap().push(h.clone());
                            let resp = if req.uri().path() == "/redirect" {
                                http::Response::builder()
                                    .status(302)
                                    .header("location", "/final")
                                    .body(Full::new(Bytes::new()))
                            } else {
                                let body = json!({"path": req.uri().path(), "authorization": h.get("authorization"), "from": h.get("x-from")});
                                http::Response::builder()
                                    .header("content-type", "application/json")
                                    .header("set-cookie", "a=1")
                                    .header("set-cookie", "b=2")
                                    .body(Full::new(Bytes::from(body.to_string())))
                            };
                            Ok::<_, std::convert::Infallible>(resp.unwrap())
                        }
                    },
                );
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), svc)
                    .await;
            });
        }
    });
    Upstream { addr, seen }
}

async fn run(rt: &Runtime, code: WorkerCode, target: &str) -> Json {
    let w = rt.load(code).await.unwrap();
    let url = format!("https://caller.test/?target={}", urlencode(target));
    w.fetch(Request::get(url)).await.unwrap().json().unwrap()
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

fn allow_private() -> Outbound {
    Outbound::Forward(ForwardConfig {
        allow_private: true,
        ..Default::default()
    })
}

#[tokio::test]
async fn deny_forward_and_ssrf_protection() {
    let up = upstream().await;
    let rt = Runtime::builder().build().await.unwrap();
    let target = format!("http://127.0.0.1:{}/hello", up.addr.port());

    // Deny (the default, globalOutbound: null): an error inside the worker.
    let denied = run(&rt, code("outbound/caller.js"), &target).await;
    assert_eq!(denied["ok"], false);
    assert!(
        denied["error"]
            .as_str()
            .unwrap()
            .contains("no outbound network access"),
        "{denied}"
    );

    // Forward, private addresses blocked (the default for forward).
    let blocked = run(
        &rt,
        code("outbound/caller.js").global_outbound(Outbound::Forward(ForwardConfig::default())),
        &target,
    )
    .await;
    assert!(
        blocked["error"]
            .as_str()
            .unwrap()
            .contains("private or loopback"),
        "{blocked}"
    );
    // ... also through a DNS name that resolves to 127.0.0.1.
    let via_dns = format!("http://localhost:{}/hello", up.addr.port());
    let blocked = run(
        &rt,
        code("outbound/caller.js").global_outbound(Outbound::Forward(ForwardConfig::default())),
        &via_dns,
    )
    .await;
    assert!(
        blocked["error"]
            .as_str()
            .unwrap()
            .contains("resolves only to private"),
        "{blocked}"
    );
    // ... and through the IPv4-mapped IPv6 form.
    let mapped = format!("http://[::ffff:127.0.0.1]:{}/hello", up.addr.port());
    let blocked = run(
        &rt,
        code("outbound/caller.js").global_outbound(Outbound::Forward(ForwardConfig::default())),
        &mapped,
    )
    .await;
    assert_eq!(blocked["ok"], false, "{blocked}");
    assert!(
        up.seen.lock().unwrap().is_empty(),
        "nothing reached the upstream so far"
    );

    // Forward with loopback allowed: a real response.
    let ok = run(
        &rt,
        code("outbound/caller.js").global_outbound(allow_private()),
        &target,
    )
    .await;
    assert_eq!(ok["ok"], true, "{ok}");
    assert_eq!(
        ok["body"],
        json!({"path": "/hello", "authorization": null, "from": "untrusted"})
    );
    // The upstream's headers, as the worker's Response shows them.
    assert_eq!(ok["contentType"], "application/json", "{ok}");
    assert_eq!(ok["cookies"], json!(["a=1", "b=2"]), "{ok}");
    assert_eq!(ok["url"], target.as_str(), "{ok}");
    // Redirects are followed (and re-checked).
    let redirected = run(
        &rt,
        code("outbound/caller.js").global_outbound(allow_private()),
        &format!("http://127.0.0.1:{}/redirect", up.addr.port()),
    )
    .await;
    assert_eq!(redirected["body"]["path"], "/final", "{redirected}");

    // Allow list: only listed hosts.
    let listed = Outbound::Forward(ForwardConfig {
        allow_private: true,
        allow_hosts: vec!["api.example.com".into()],
        ..Default::default()
    });
    let r = run(
        &rt,
        code("outbound/caller.js").global_outbound(listed),
        &target,
    )
    .await;
    assert!(r["error"].as_str().unwrap().contains("allow list"), "{r}");
}

#[tokio::test]
async fn gateway_worker_adds_credentials_the_worker_never_sees() {
    let up = upstream().await;
    let rt = Runtime::builder().build().await.unwrap();
    rt.define(
        "gateway",
        code("outbound/gateway.js")
            .global_outbound(allow_private())
            .env_var("API_TOKEN", "s3cret-token"),
    );
    let untrusted = code("outbound/caller.js").global_outbound(Outbound::GatewayWorker {
        worker: "gateway".into(),
        entrypoint: None,
    });
    let target = format!("http://127.0.0.1:{}/data", up.addr.port());
    let r = run(&rt, untrusted.clone(), &target).await;
    assert_eq!(r["ok"], true, "{r}");
    // The upstream saw the credential; the untrusted worker's env never had it.
    assert_eq!(r["body"]["authorization"], "Bearer s3cret-token");
    assert!(!untrusted.env.contains_key("API_TOKEN"));
    let seen = up.seen.lock().unwrap().clone();
    assert_eq!(seen.last().unwrap()["authorization"], "Bearer s3cret-token");
    assert_eq!(seen.last().unwrap()["x-from"], "untrusted");
    // The gateway may refuse.
    let r = run(
        &rt,
        untrusted,
        &format!("http://127.0.0.1:{}/forbidden", up.addr.port()),
    )
    .await;
    assert_eq!(r["status"], 403, "{r}");
}

struct AllowListPolicy {
    seen: Mutex<Vec<String>>,
}

impl OutboundPolicy for AllowListPolicy {
    fn fetch<'a>(
        &'a self,
        req: Request,
        cx: &'a OutboundContext,
    ) -> BoxFuture<'a, Result<Response, String>> {
        Box::pin(async move {
            self.seen
                .lock()
                .unwrap()
                .push(format!("{:?} {}", cx.worker_id, req.url));
            if req.url.starts_with("https://api.allowed.test/") {
                Ok(Response {
                    status: 200,
                    headers: vec![("content-type".into(), "application/json".into())],
                    body: br#"{"from":"policy"}"#.to_vec(),
                })
            } else {
                Err(format!("{} is not on this embedder's list", req.url))
            }
        })
    }
}

#[tokio::test]
async fn rust_outbound_policy_as_gateway() {
    let policy = Arc::new(AllowListPolicy {
        seen: Mutex::new(Vec::new()),
    });
    let rt = Runtime::builder()
        .outbound_policy("mine", policy.clone())
        .build()
        .await
        .unwrap();
    let c = code("outbound/caller.js").global_outbound(Outbound::GatewayPolicy("mine".into()));
    let ok = run(&rt, c.clone(), "https://api.allowed.test/x").await;
    assert_eq!(ok["body"], json!({"from": "policy"}), "{ok}");
    let refused = run(&rt, c, "https://elsewhere.test/").await;
    assert!(
        refused["error"]
            .as_str()
            .unwrap()
            .contains("not on this embedder's list"),
        "{refused}"
    );
    assert_eq!(policy.seen.lock().unwrap().len(), 2);
    let missing = run(
        &rt,
        code("outbound/caller.js").global_outbound(Outbound::GatewayPolicy("nope".into())),
        "https://x.test/",
    )
    .await;
    assert!(
        missing["error"]
            .as_str()
            .unwrap()
            .contains("no outbound policy named"),
        "{missing}"
    );
}

#[tokio::test]
async fn subrequest_limit_and_outbound_trace() {
    let up = upstream().await;
    let sink: Arc<Mutex<Vec<TraceEvent>>> = Arc::default();
    let s2 = sink.clone();
    let rt = Runtime::builder()
        .tail_sink(Arc::new(move |e: &TraceEvent| {
            s2.lock().unwrap().push(e.clone())
        }))
        .build()
        .await
        .unwrap();
    let src = format!(
        "export default {{ async fetch() {{ const out = []; for (let i = 0; i < 3; i++) {{ try {{ out.push((await fetch('http://127.0.0.1:{}/n' + i)).status) }} catch (e) {{ out.push(e.message) }} }} return Response.json(out) }} }}",
        up.addr.port()
    );
    let c = WorkerCode::js(src)
        .global_outbound(allow_private())
        .limits(Limits::new().sub_requests(2));
    let w = rt.get("limited", || c).await.unwrap();
    let out = w
        .fetch(Request::get("https://x.test/"))
        .await
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(out[0], 200);
    assert_eq!(out[1], 200);
    assert!(
        out[2].as_str().unwrap().contains("too many subrequests"),
        "{out}"
    );
    let traces = sink.lock().unwrap();
    let t = traces
        .iter()
        .find(|e| e.worker_id.as_deref() == Some("limited"))
        .unwrap();
    assert_eq!(t.outbound.len(), 3);
    assert_eq!(t.outbound[0].decision, "forwarded");
    assert_eq!(t.outbound[0].status, Some(200));
    assert!(
        t.outbound[2]
            .error
            .as_deref()
            .unwrap()
            .contains("too many subrequests")
    );
}

struct ChatRoom {
    messages: Mutex<Vec<Value>>,
}

impl Binding for ChatRoom {
    fn call<'a>(
        &'a self,
        method: &'a str,
        args: Vec<Value>,
    ) -> BoxFuture<'a, Result<Value, String>> {
        Box::pin(async move {
            match method {
                "post" => {
                    let mut m = self.messages.lock().unwrap();
                    m.push(Value::Array(args));
                    Ok(Value::from(m.len() as u32))
                }
                "history" => Ok(Value::Array(self.messages.lock().unwrap().clone())),
                other => Err(format!("CHAT_ROOM has no method {other}")),
            }
        })
    }
}

#[tokio::test]
async fn capability_binding_with_args_and_results() {
    let room = Arc::new(ChatRoom {
        messages: Mutex::new(Vec::new()),
    });
    let rt = Runtime::builder()
        .capability("chat", room.clone())
        .build()
        .await
        .unwrap();
    let c =
        code("outbound/chat_user.js").binding("CHAT_ROOM", BindingSpec::Capability("chat".into()));
    let w = rt.load(c).await.unwrap();
    let out = w
        .fetch(Request::get("https://x.test/"))
        .await
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(out["posted"], 1);
    assert_eq!(out["history"][0][0], "hello");
    assert_eq!(out["history"][0][1]["from"], "worker");
    assert_eq!(out["missing"], "CHAT_ROOM has no method explode");
    assert_eq!(out["hasOther"], "undefined", "only granted bindings exist");
    // The Rust side received structured values (a Set stays a Set).
    let first = room.messages.lock().unwrap()[0].clone();
    let Value::Array(first) = &first else {
        panic!()
    };
    assert!(matches!(&first[1], Value::Object(o) if matches!(o["tags"], Value::Set(_))));
    // A binding naming an unregistered capability is a clear error in JS.
    let c = code("outbound/chat_user.js")
        .binding("CHAT_ROOM", BindingSpec::Capability("unknown".into()));
    let err = rt
        .load(c)
        .await
        .unwrap()
        .fetch(Request::get("https://x.test/"))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("no capability named"), "{err}");
}

#[tokio::test]
async fn service_binding_fetch_and_rpc() {
    let rt = Runtime::builder().build().await.unwrap();
    rt.define("auth", code("outbound/auth_service.js"));
    let front = code("outbound/front.js").binding(
        "AUTH",
        BindingSpec::Service {
            worker: "auth".into(),
            entrypoint: None,
        },
    );
    let w = rt.load(front).await.unwrap();
    let out = w
        .fetch(Request::get("https://front.test/"))
        .await
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(
        out,
        json!({
            "fetchStatus": 200,
            "fetchBody": {"path": "/verify", "authorized": true},
            "deniedStatus": 401,
            "rpc": {"valid": true, "checkedAt": "1970-01-01T00:00:00.000Z"}
        })
    );
    // An unknown service is a clear error.
    let lost = code("outbound/front.js").binding(
        "AUTH",
        BindingSpec::Service {
            worker: "nobody".into(),
            entrypoint: None,
        },
    );
    let err = rt
        .load(lost)
        .await
        .unwrap()
        .fetch(Request::get("https://front.test/"))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("no worker \"nobody\""), "{err}");
}

#[tokio::test]
async fn recursion_between_workers_is_stopped() {
    let rt = Runtime::builder().build().await.unwrap();
    let peer = |other: &str| {
        code("outbound/ping_pong.js").binding(
            "PEER",
            BindingSpec::Service {
                worker: other.into(),
                entrypoint: None,
            },
        )
    };
    rt.define("a", peer("b"));
    rt.define("b", peer("a"));
    let a = rt.get("a", || peer("b")).await.unwrap();
    let r = tokio::time::timeout(
        Duration::from_secs(20),
        a.fetch(Request::get("https://a.test/")),
    )
    .await
    .expect("no deadlock")
    .unwrap();
    assert_eq!(r.status, 508);
    assert!(r.text().contains("nested too deeply"), "{}", r.text());
    // The workers still answer afterwards.
    assert_eq!(
        rt.get("a", || peer("b"))
            .await
            .unwrap()
            .fetch(Request::get("https://a.test/"))
            .await
            .unwrap()
            .status,
        508
    );
}

struct Recorder(Mutex<Vec<Value>>);

impl Binding for Recorder {
    fn call<'a>(
        &'a self,
        _method: &'a str,
        args: Vec<Value>,
    ) -> BoxFuture<'a, Result<Value, String>> {
        Box::pin(async move {
            self.0.lock().unwrap().extend(args);
            Ok(Value::Undefined)
        })
    }
}

#[tokio::test]
async fn tail_worker_and_rust_sink_receive_ok_exception_and_cpu_limit_events() {
    let recorder = Arc::new(Recorder(Mutex::new(Vec::new())));
    let sink: Arc<Mutex<Vec<TraceEvent>>> = Arc::default();
    let s2 = sink.clone();
    let rt = Runtime::builder()
        .capability("recorder", recorder.clone())
        .tail_sink(Arc::new(move |e: &TraceEvent| {
            s2.lock().unwrap().push(e.clone())
        }))
        .build()
        .await
        .unwrap();
    rt.define(
        "tailer",
        code("outbound/tail_recorder.js")
            .binding("RECORDER", BindingSpec::Capability("recorder".into())),
    );
    let src = "export default { fetch(req) { const p = new URL(req.url).pathname; console.log('handling ' + p); if (p === '/throw') throw new Error('boom'); if (p === '/loop') { while (true) {} } return new Response('ok') } }";
    let c = || {
        WorkerCode::js(src)
            .tail("tailer")
            .limits(Limits::new().cpu_time(std::time::Duration::from_millis(30)))
    };
    for path in ["/ok", "/throw", "/loop"] {
        let w = rt.get("producer", c).await.unwrap();
        let _ = w.fetch(Request::get(format!("https://p.test{path}"))).await;
    }
    // Tail workers run after the response; wait for them.
    let mut received = Vec::new();
    for _ in 0..100 {
        received = recorder.0.lock().unwrap().clone();
        if received.len() >= 3 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let outcomes: Vec<Json> = received
        .iter()
        .map(|v| {
            let Value::Array(events) = v else {
                panic!("{v:?}")
            };
            events[0].as_json().unwrap()
        })
        .collect();
    // Deliveries are tasks of their own: they may arrive in any order.
    assert_eq!(outcomes.len(), 3, "{outcomes:?}");
    let of = |outcome: &str| {
        outcomes
            .iter()
            .find(|o| o["outcome"] == outcome)
            .unwrap_or_else(|| panic!("no {outcome} trace in {outcomes:?}"))
    };
    assert_eq!(
        *of("ok"),
        json!({"outcome": "ok", "logs": ["handling /ok"], "workerId": "producer"})
    );
    assert_eq!(of("exception")["logs"], json!(["handling /throw"]));
    assert_eq!(of("exceededCpu")["logs"], json!(["handling /loop"]));
    let rust: Vec<Outcome> = sink
        .lock()
        .unwrap()
        .iter()
        .filter(|e| e.worker_id.as_deref() == Some("producer"))
        .map(|e| e.outcome)
        .collect();
    assert_eq!(
        rust,
        [Outcome::Ok, Outcome::Exception, Outcome::ExceededCpu]
    );
}

#[tokio::test]
async fn log_output_is_capped_per_invocation() {
    let sink: Arc<Mutex<Vec<TraceEvent>>> = Arc::default();
    let s2 = sink.clone();
    let rt = Runtime::builder()
        .tail_sink(Arc::new(move |e: &TraceEvent| {
            s2.lock().unwrap().push(e.clone())
        }))
        .build()
        .await
        .unwrap();
    let w = rt
        .get("chatty", || WorkerCode::js("export default { fetch() { for (let i = 0; i < 1000; i++) console.log('line ' + i); return new Response('ok') } }"))
        .await
        .unwrap();
    w.fetch(Request::get("https://x.test/")).await.unwrap();
    let traces = sink.lock().unwrap();
    let logs = &traces
        .iter()
        .find(|e| e.worker_id.as_deref() == Some("chatty"))
        .unwrap()
        .logs;
    assert_eq!(logs.len(), isolet::MAX_LOGS_PER_INVOCATION + 1);
    assert!(logs.last().unwrap().message.contains("truncated"));
    assert_eq!(logs[0].message, "line 0");
}

#[tokio::test]
async fn global_outbound_json_forms() {
    for (json, ok) in [
        (r#"null"#, true),
        (r#""inherit""#, true),
        (
            r#"{"forward": {"allowHosts": ["a.test"], "allowPrivate": true}}"#,
            true,
        ),
        (r#"{"gateway": {"worker": "gw"}}"#, true),
        (r#"{"gateway": {"policy": "p"}}"#, true),
        (r#"{"gateway": {"worker": "gw", "policy": "p"}}"#, false),
        (r#""everything""#, false),
        (r#"{"forward": {"bogus": 1}}"#, false),
    ] {
        let parsed = serde_json::from_str::<Outbound>(json);
        assert_eq!(parsed.is_ok(), ok, "{json}: {parsed:?}");
        if let Ok(o) = parsed {
            let back: Outbound = serde_json::from_value(serde_json::to_value(&o).unwrap()).unwrap();
            assert_eq!(back, o);
        }
    }
    let c: WorkerCode = serde_json::from_str(
        r#"{"mainModule":"a.js","modules":{"a.js":"export default {}"},"compatibilityDate":"2025-01-01",
            "globalOutbound":{"gateway":{"worker":"gw"}},"bindings":{"AUTH":{"service":{"worker":"auth"}}},"tails":["t"]}"#,
    )
    .unwrap();
    assert!(c.validate().is_ok());
    assert_eq!(c.tails, ["t"]);
}
