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
    crate::common::read(&format!("workers/js/{rel}"))
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
    let untrusted = code("outbound/caller.js")
        .global_outbound(Outbound::GatewayWorker {
            worker: "gateway".into(),
            entrypoint: None,
            props: None,
        })
        .env_var("OWN", "the untrusted worker's own");
    let target = format!("http://127.0.0.1:{}/data", up.addr.port());
    let r = run(&rt, untrusted.clone(), &target).await;
    assert_eq!(r["ok"], true, "{r}");
    // The upstream saw the credential; the untrusted worker's env, as the
    // worker itself saw it while running, never had it: its own variable
    // only (which shows the probe reads the env the host handed it).
    assert_eq!(r["body"]["authorization"], "Bearer s3cret-token");
    assert_eq!(r["envKeys"], json!(["OWN"]), "{r}");
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
            props: None,
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
            props: None,
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
                props: None,
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
    assert_eq!(c.tails, [isolet::TailConsumer::from("t")]);
}

// ---- The forward policy's documented limits, end to end ----

/// What a scripted upstream answers.
enum Reply {
    /// A status, headers and a whole body (sent with its `content-length`).
    Whole(u16, Vec<(&'static str, String)>, Vec<u8>),
    /// A 200 whose body is these chunks, chunked (no `content-length`).
    Chunked(Vec<Vec<u8>>),
}

fn redirect_to(location: String) -> Reply {
    Reply::Whole(302, vec![("location", location)], Vec::new())
}

fn text_reply(body: &str) -> Reply {
    Reply::Whole(
        200,
        vec![("content-type", "text/plain".into())],
        body.as_bytes().to_vec(),
    )
}

/// `N` from a `?len=N` query (0 without one).
fn len_param(path: &str) -> usize {
    path.split_once("len=")
        .and_then(|(_, n)| n.parse().ok())
        .unwrap_or(0)
}

/// Each request a scripted upstream received: its path and query, its headers.
type Seen = Arc<Mutex<Vec<(String, http::HeaderMap)>>>;

fn paths(seen: &Seen) -> Vec<String> {
    seen.lock()
        .unwrap()
        .iter()
        .map(|(p, _)| p.clone())
        .collect()
}

/// An upstream on 127.0.0.1 answering `answer(path and query, its own
/// port)` and recording every request.
async fn scripted(
    answer: impl Fn(&str, u16) -> Reply + Send + Sync + 'static,
) -> (SocketAddr, Seen) {
    use http_body_util::{BodyExt, StreamBody};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let seen: Seen = Arc::default();
    let record = seen.clone();
    let answer = Arc::new(answer);
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let (answer, record) = (answer.clone(), record.clone());
            tokio::spawn(async move {
                let svc =
                    hyper::service::service_fn(move |req: http::Request<hyper::body::Incoming>| {
                        let path = req
                            .uri()
                            .path_and_query()
                            .map(|p| p.as_str().to_string())
                            .unwrap_or_default();
                        record
                            .lock()
                            .unwrap()
                            .push((path.clone(), req.headers().clone()));
                        let reply = answer(&path, addr.port());
                        async move {
                            let resp = match reply {
                                Reply::Whole(status, headers, body) => {
                                    let mut builder = http::Response::builder().status(status);
                                    for (k, v) in headers {
                                        builder = builder.header(k, v);
                                    }
                                    builder.body(Full::new(Bytes::from(body)).boxed())
                                }
                                Reply::Chunked(chunks) => {
                                    let frames = chunks.into_iter().map(|c| {
                                        Ok::<_, std::convert::Infallible>(hyper::body::Frame::data(
                                            Bytes::from(c),
                                        ))
                                    });
                                    http::Response::builder()
                                        .header("content-type", "text/plain")
                                        .body(StreamBody::new(tokio_stream::iter(frames)).boxed())
                                }
                            };
                            Ok::<_, std::convert::Infallible>(resp.unwrap())
                        }
                    });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), svc)
                    .await;
            });
        }
    });
    (addr, seen)
}

fn forward(cfg: ForwardConfig) -> Outbound {
    Outbound::Forward(cfg)
}

/// Loads `code` (`probe.js`), has it fetch and read `target`, and times
/// that invocation (not the load).
async fn probe(rt: &Runtime, code: WorkerCode, target: &str) -> (Json, Duration) {
    let w = rt.load(code).await.unwrap();
    let url = format!("https://caller.test/?target={}", urlencode(target));
    let started = std::time::Instant::now();
    let out = w.fetch(Request::get(url)).await.unwrap().json().unwrap();
    (out, started.elapsed())
}

/// Issue 37: a redirect to a host on `denyHosts` (or off `allowHosts`) is
/// refused with the list's error, and the hop is not made; a redirect to a
/// host the lists let through, from the same upstream, is followed. (The
/// private-address half of this property is the unit test
/// `redirects_to_private_addresses_are_refused_not_followed` in
/// crates/isolet/src/outbound/forward.rs: end to end, the test's own upstream on
/// 127.0.0.1 cannot be a first hop without `allowPrivate`.)
#[tokio::test]
async fn forward_redirects_to_denied_or_unlisted_hosts_are_refused_not_followed() {
    let (addr, seen) = scripted(|path, port| match path {
        "/to-denied" => redirect_to(format!("http://localhost:{port}/landed")),
        "/to-wildcard-denied" => redirect_to(format!("http://api.denied.test:{port}/landed")),
        "/to-allowed" => redirect_to(format!("http://127.0.0.1:{port}/landed")),
        _ => text_reply("landed"),
    })
    .await;
    let port = addr.port();
    let rt = Runtime::builder().build().await.unwrap();
    let denying = code("outbound/caller.js").global_outbound(forward(ForwardConfig {
        allow_private: true,
        deny_hosts: vec!["localhost".into(), "*.denied.test".into()],
        ..Default::default()
    }));

    let r = run(&rt, denying.clone(), &format!("http://{addr}/to-denied")).await;
    assert_eq!(r["ok"], false, "{r}");
    assert_eq!(
        r["error"],
        format!(
            "TypeError: fetch(http://localhost:{port}/landed) refused: host localhost is on the deny list"
        ),
        "{r}"
    );
    let r = run(
        &rt,
        denying.clone(),
        &format!("http://{addr}/to-wildcard-denied"),
    )
    .await;
    assert_eq!(
        r["error"],
        format!(
            "TypeError: fetch(http://api.denied.test:{port}/landed) refused: host api.denied.test is on the deny list"
        ),
        "{r}"
    );
    assert_eq!(
        paths(&seen),
        ["/to-denied", "/to-wildcard-denied"],
        "no hop was made"
    );

    // The allow list is checked on every hop too.
    let listed = code("outbound/caller.js").global_outbound(forward(ForwardConfig {
        allow_private: true,
        allow_hosts: vec!["127.0.0.1".into()],
        ..Default::default()
    }));
    let r = run(&rt, listed, &format!("http://{addr}/to-denied")).await;
    assert_eq!(
        r["error"],
        format!(
            "TypeError: fetch(http://localhost:{port}/landed) refused: host localhost is not on the allow list"
        ),
        "{r}"
    );
    assert!(!paths(&seen).contains(&"/landed".to_string()));

    // The same policy follows a redirect to a host it does not deny.
    let r = run(&rt, denying, &format!("http://{addr}/to-allowed")).await;
    assert_eq!(r["ok"], true, "{r}");
    assert_eq!(r["body"], "landed", "{r}");
    assert_eq!(
        paths(&seen),
        [
            "/to-denied",
            "/to-wildcard-denied",
            "/to-denied",
            "/to-allowed",
            "/landed"
        ]
    );
}

/// Issue 37: `maxRedirects` is the number of redirects followed: a chain
/// of exactly that many arrives; one more fails with "too many redirects"
/// naming the URL whose redirect was refused, and that redirect is not
/// followed.
#[tokio::test]
async fn forward_max_redirects_follows_exactly_the_limit_and_refuses_one_more() {
    // `/hops/N` redirects to `/hops/N-1`; `/hops/0` arrives.
    let (addr, seen) = scripted(|path, _| {
        match path
            .strip_prefix("/hops/")
            .and_then(|n| n.parse::<u32>().ok())
        {
            Some(0) => text_reply("arrived"),
            Some(n) => redirect_to(format!("/hops/{}", n - 1)),
            None => Reply::Whole(404, Vec::new(), Vec::new()),
        }
    })
    .await;
    let rt = Runtime::builder().build().await.unwrap();
    let two = code("outbound/caller.js").global_outbound(forward(ForwardConfig {
        allow_private: true,
        max_redirects: 2,
        ..Default::default()
    }));

    let r = run(&rt, two.clone(), &format!("http://{addr}/hops/2")).await;
    assert_eq!(r["ok"], true, "{r}");
    assert_eq!(r["status"], 200, "{r}");
    assert_eq!(r["body"], "arrived", "{r}");
    assert_eq!(paths(&seen), ["/hops/2", "/hops/1", "/hops/0"]);

    seen.lock().unwrap().clear();
    let r = run(&rt, two, &format!("http://{addr}/hops/3")).await;
    assert_eq!(r["ok"], false, "{r}");
    assert_eq!(
        r["error"],
        format!("TypeError: fetch(http://{addr}/hops/1): too many redirects (more than 2)"),
        "{r}"
    );
    assert_eq!(
        paths(&seen),
        ["/hops/3", "/hops/2", "/hops/1"],
        "the third redirect was not followed"
    );

    // `maxRedirects: 0`: a response without a redirect, and no redirect.
    seen.lock().unwrap().clear();
    let none = code("outbound/caller.js").global_outbound(forward(ForwardConfig {
        allow_private: true,
        max_redirects: 0,
        ..Default::default()
    }));
    let r = run(&rt, none.clone(), &format!("http://{addr}/hops/0")).await;
    assert_eq!(r["body"], "arrived", "{r}");
    let r = run(&rt, none, &format!("http://{addr}/hops/1")).await;
    assert_eq!(
        r["error"],
        format!("TypeError: fetch(http://{addr}/hops/1): too many redirects (more than 0)"),
        "{r}"
    );
    assert_eq!(paths(&seen), ["/hops/0", "/hops/1"]);
}

/// Issue 37: `maxResponseBytes` bounds the body however it arrives: with a
/// `content-length` (read whole by the host up to 64 KiB, streamed above)
/// or chunked with no length. One byte over fails with "response body over
/// N bytes" as a `TypeError` the worker catches (from `fetch()` itself
/// when the host reads the body whole, from the body's read otherwise);
/// exactly the limit reads whole.
#[tokio::test]
async fn forward_max_response_bytes_refuses_whole_and_streamed_bodies_over_it() {
    let (addr, _seen) = scripted(|path, _| {
        let len = len_param(path);
        if path.starts_with("/sized") {
            Reply::Whole(
                200,
                vec![("content-type", "text/plain".into())],
                vec![b'x'; len],
            )
        } else {
            Reply::Chunked(vec![b'y'; len].chunks(256).map(<[u8]>::to_vec).collect())
        }
    })
    .await;
    let rt = Runtime::builder().build().await.unwrap();
    let limited = |max: u64| {
        code("outbound/probe.js").global_outbound(forward(ForwardConfig {
            allow_private: true,
            max_response_bytes: max,
            ..Default::default()
        }))
    };
    let over = |target: &str, max: u64| format!("fetch({target}): response body over {max} bytes");

    // Exactly the limit, with a length or chunked: read whole.
    for (path, len) in [("/sized?len=1000", 1000), ("/chunked?len=1000", 1000)] {
        let (out, _) = probe(&rt, limited(1000), &format!("http://{addr}{path}")).await;
        assert_eq!(
            out,
            json!({"stage": "done", "status": 200, "length": len}),
            "{path}"
        );
    }
    // One byte over with a (small) length: the host reads the body whole
    // before answering, so fetch() itself throws.
    let target = format!("http://{addr}/sized?len=1001");
    let (out, _) = probe(&rt, limited(1000), &target).await;
    assert_eq!(
        out,
        json!({"stage": "fetch", "error": "TypeError", "message": over(&target, 1000)})
    );
    // Chunked, no length: the response comes, its read throws.
    let target = format!("http://{addr}/chunked?len=1001");
    let (out, _) = probe(&rt, limited(1000), &target).await;
    assert_eq!(
        (&out["stage"], &out["status"], &out["error"]),
        (&json!("read"), &json!(200), &json!("TypeError")),
        "{out}"
    );
    assert!(
        out["message"]
            .as_str()
            .unwrap()
            .contains(&over(&target, 1000)),
        "{out}"
    );

    // A length above 64 KiB is streamed: the same limit, the same error.
    let (out, _) = probe(
        &rt,
        limited(70_000),
        &format!("http://{addr}/sized?len=70000"),
    )
    .await;
    assert_eq!(
        out,
        json!({"stage": "done", "status": 200, "length": 70_000})
    );
    for path in ["/sized?len=70001", "/chunked?len=70001"] {
        let target = format!("http://{addr}{path}");
        let (out, _) = probe(&rt, limited(70_000), &target).await;
        assert_eq!(out["error"], "TypeError", "{path}: {out}");
        assert!(
            out["message"]
                .as_str()
                .unwrap()
                .contains(&over(&target, 70_000)),
            "{path}: {out}"
        );
    }
}

/// A raw upstream on 127.0.0.1 that reads a request head, then stalls with
/// the connection open: `/silent` never answers; `/length` sends a head
/// with `content-length: 100` and 9 of those bytes; `/chunked` sends a
/// chunked head and one chunk. Records each request line.
async fn stalling_upstream() -> (SocketAddr, Arc<Mutex<Vec<String>>>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let lines: Arc<Mutex<Vec<String>>> = Arc::default();
    let record = lines.clone();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let record = record.clone();
            tokio::spawn(async move {
                let mut head = Vec::new();
                let mut buf = [0u8; 1024];
                while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                    match stream.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => head.extend_from_slice(&buf[..n]),
                    }
                }
                let line = String::from_utf8_lossy(&head)
                    .lines()
                    .next()
                    .unwrap_or("")
                    .to_string();
                record.lock().unwrap().push(line.clone());
                let prefix: &[u8] = if line.starts_with("GET /length ") {
                    b"HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: 100\r\n\r\nonly part"
                } else if line.starts_with("GET /chunked ") {
                    b"HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ntransfer-encoding: chunked\r\n\r\n5\r\nfirst\r\n"
                } else {
                    b""
                };
                if stream.write_all(prefix).await.is_err() {
                    return;
                }
                // Then nothing more, until the client goes away.
                while let Ok(n) = stream.read(&mut buf).await {
                    if n == 0 {
                        return;
                    }
                }
            });
        }
    });
    (addr, lines)
}

/// Issue 37: `timeoutMs` against an upstream that accepts the connection
/// and the request and never answers: the worker's `fetch()` throws
/// "timed out after N ms" soon after N ms (the worker's own deadline is
/// far off), and the request did reach the upstream.
#[tokio::test]
async fn forward_timeout_ms_ends_a_fetch_whose_upstream_never_answers() {
    let (addr, lines) = stalling_upstream().await;
    let rt = Runtime::builder().build().await.unwrap();
    let c = code("outbound/probe.js")
        .global_outbound(forward(ForwardConfig {
            allow_private: true,
            timeout_ms: 300,
            ..Default::default()
        }))
        .limits(Limits::new().timeout(Duration::from_secs(20)));
    let target = format!("http://{addr}/silent");
    let (out, took) = probe(&rt, c, &target).await;
    assert_eq!(
        out,
        json!({"stage": "fetch", "error": "TypeError",
            "message": format!("fetch({target}) timed out after 300 ms")})
    );
    assert!(
        took >= Duration::from_millis(300) && took < Duration::from_secs(10),
        "{took:?}"
    );
    assert_eq!(
        lines.lock().unwrap().first().map(String::as_str),
        Some("GET /silent HTTP/1.1")
    );
}

/// An upstream that sends its response head and then stalls the body
/// (with a `content-length`, which the host reads whole, or chunked)
/// cannot hold an invocation past the worker's own deadline: it ends with
/// `Error::Timeout` within it, whatever the forward policy's `timeoutMs`.
#[tokio::test]
async fn a_stalled_upstream_body_still_ends_at_the_worker_deadline() {
    let (addr, lines) = stalling_upstream().await;
    let rt = Runtime::builder().build().await.unwrap();
    let c = code("outbound/probe.js")
        .global_outbound(allow_private())
        .limits(Limits::new().timeout(Duration::from_millis(1000)));
    for path in ["/length", "/chunked"] {
        // A fresh instance each time: one that hit its deadline is discarded.
        let w = rt.load(c.clone()).await.unwrap();
        let url = format!(
            "https://caller.test/?target={}",
            urlencode(&format!("http://{addr}{path}"))
        );
        let started = std::time::Instant::now();
        let err = w.fetch(Request::get(url)).await.unwrap_err();
        let took = started.elapsed();
        assert!(matches!(err, isolet::Error::Timeout(_)), "{path}: {err}");
        assert!(took < Duration::from_secs(10), "{path}: {took:?}");
    }
    assert_eq!(
        *lines.lock().unwrap(),
        ["GET /length HTTP/1.1", "GET /chunked HTTP/1.1"]
    );
}

/// Issue 37: `timeoutMs` against an upstream that answers its head and
/// then stalls the body. Wanted: the worker's `fetch()` (or its read of
/// the body) throws a timeout error soon after `timeoutMs`, as for an
/// upstream that never answers.
#[tokio::test]
async fn forward_timeout_ms_also_ends_a_fetch_whose_body_stalls() {
    let (addr, _lines) = stalling_upstream().await;
    let rt = Runtime::builder().build().await.unwrap();
    let c = code("outbound/probe.js")
        .global_outbound(forward(ForwardConfig {
            allow_private: true,
            timeout_ms: 300,
            ..Default::default()
        }))
        .limits(Limits::new().timeout(Duration::from_secs(20)));
    for path in ["/length", "/chunked"] {
        let target = format!("http://{addr}{path}");
        let (out, took) =
            tokio::time::timeout(Duration::from_secs(10), probe(&rt, c.clone(), &target))
                .await
                .unwrap_or_else(|_| {
                    panic!("{path}: timeoutMs (300 ms) did not end the fetch in 10 s")
                });
        assert_eq!(out["error"], "TypeError", "{path}: {out}");
        let message = out["message"].as_str().unwrap();
        assert!(
            message.starts_with(&format!("fetch({target})")) && message.contains("timed out"),
            "{path}: {out}"
        );
        assert!(took < Duration::from_secs(5), "{path}: {took:?}");
    }
}

/// Issue 37: `denyHosts` end to end. A worker's fetch to a denied host
/// (by name, by wildcard, or also on `allowHosts`: the deny list is
/// checked first) throws the deny-list error and nothing is sent; a host
/// not on the list is fetched.
#[tokio::test]
async fn forward_deny_hosts_refuse_a_workers_fetch_and_let_others_through() {
    let (addr, seen) = scripted(|path, _| text_reply(&format!("hello from {path}"))).await;
    let port = addr.port();
    let rt = Runtime::builder().build().await.unwrap();
    let c = code("outbound/caller.js").global_outbound(forward(ForwardConfig {
        allow_private: true,
        deny_hosts: vec!["localhost".into(), "*.denied.test".into()],
        ..Default::default()
    }));

    let r = run(&rt, c.clone(), &format!("http://{addr}/allowed")).await;
    assert_eq!(r["ok"], true, "{r}");
    assert_eq!(r["body"], "hello from /allowed", "{r}");

    let r = run(&rt, c.clone(), &format!("http://localhost:{port}/denied")).await;
    assert_eq!(
        r["error"],
        format!(
            "TypeError: fetch(http://localhost:{port}/denied) refused: host localhost is on the deny list"
        ),
        "{r}"
    );
    // Host names are compared without case (URLs lower-case them anyway).
    let r = run(&rt, c, &format!("http://API.Denied.Test:{port}/denied")).await;
    assert_eq!(
        r["error"],
        format!(
            "TypeError: fetch(http://api.denied.test:{port}/denied) refused: host api.denied.test is on the deny list"
        ),
        "{r}"
    );

    let both = code("outbound/caller.js").global_outbound(forward(ForwardConfig {
        allow_private: true,
        allow_hosts: vec!["127.0.0.1".into()],
        deny_hosts: vec!["127.0.0.1".into()],
        ..Default::default()
    }));
    let r = run(&rt, both, &format!("http://{addr}/denied")).await;
    assert_eq!(
        r["error"],
        format!(
            "TypeError: fetch(http://{addr}/denied) refused: host 127.0.0.1 is on the deny list"
        ),
        "{r}"
    );
    assert_eq!(
        paths(&seen),
        ["/allowed"],
        "only the allowed fetch was sent"
    );
}

/// Loads `code` and has it fetch `target` (`?target=`): its answer's text.
async fn fetch_text(rt: &Runtime, code: WorkerCode, target: &str) -> String {
    let w = rt.load(code).await.unwrap();
    let url = format!("https://caller.test/?target={}", urlencode(target));
    w.fetch(Request::get(url)).await.unwrap().text()
}

/// Issue 37: `Authorization`, `Cookie` and `Proxy-Authorization` are
/// dropped when a redirect leaves the origin (the Fetch standard), stay
/// dropped if a later redirect comes back, and are kept on a redirect
/// within the origin; other headers go on either way. (The drop of
/// `Authorization` and `Cookie` and the keep of `Authorization` are also
/// in tests/all/security/supply.rs,
/// `worker_fetch_credentials_do_not_follow_a_redirect_to_another_origin`.)
#[tokio::test]
async fn credentials_follow_same_origin_redirects_only() {
    // The other origin redirects `/back` to the API's `/final`: the API's
    // address is known once it is up.
    let api_base: Arc<std::sync::OnceLock<String>> = Arc::default();
    let back = api_base.clone();
    let (elsewhere, seen_elsewhere) = scripted(move |path, _| {
        if path == "/back" {
            redirect_to(format!("{}/final", back.get().unwrap()))
        } else {
            text_reply("elsewhere")
        }
    })
    .await;
    let (api, seen_api) = scripted(move |path, _| match path {
        "/away" => redirect_to(format!("http://{elsewhere}/collect")),
        "/away-and-back" => redirect_to(format!("http://{elsewhere}/back")),
        "/here" => redirect_to("/final".into()),
        _ => text_reply("api"),
    })
    .await;
    api_base.set(format!("http://{api}")).unwrap();
    let rt = Runtime::builder().build().await.unwrap();
    let c = code("outbound/credentials.js").global_outbound(allow_private());
    let is = |h: &http::HeaderMap, name: &str, value: &str| h.get(name).is_some_and(|v| v == value);
    let has_all = |h: &http::HeaderMap| {
        is(h, "authorization", "Bearer api-token")
            && is(h, "cookie", "session=1")
            && is(h, "proxy-authorization", "Basic cHJveHk6c2VjcmV0")
            && is(h, "x-keep", "yes")
    };
    let has_none = |h: &http::HeaderMap| {
        ["authorization", "cookie", "proxy-authorization"]
            .iter()
            .all(|name| h.get(*name).is_none())
            && is(h, "x-keep", "yes")
    };

    // Within the origin: all of them reach the redirect's target.
    assert_eq!(
        fetch_text(&rt, c.clone(), &format!("http://{api}/here")).await,
        "200 api"
    );
    let api_saw = seen_api.lock().unwrap().clone();
    assert_eq!(api_saw.len(), 2);
    assert_eq!(api_saw[0].0, "/here");
    assert_eq!(api_saw[1].0, "/final");
    assert!(has_all(&api_saw[0].1), "{:?}", api_saw[0].1);
    assert!(
        has_all(&api_saw[1].1),
        "kept on a same-origin redirect: {:?}",
        api_saw[1].1
    );

    // To another origin: none of them.
    assert_eq!(
        fetch_text(&rt, c.clone(), &format!("http://{api}/away")).await,
        "200 elsewhere"
    );
    let other = seen_elsewhere.lock().unwrap().clone();
    assert_eq!(other.len(), 1, "the redirect is still followed");
    assert_eq!(other[0].0, "/collect");
    assert!(
        has_none(&other[0].1),
        "crossed to another origin: {:?}",
        other[0].1
    );

    // Away and back: once dropped, they stay dropped.
    assert_eq!(
        fetch_text(&rt, c, &format!("http://{api}/away-and-back")).await,
        "200 api"
    );
    let other = seen_elsewhere.lock().unwrap().clone();
    assert_eq!(other.last().unwrap().0, "/back");
    assert!(
        has_none(&other.last().unwrap().1),
        "{:?}",
        other.last().unwrap().1
    );
    let api_saw = seen_api.lock().unwrap().clone();
    let last = api_saw.last().unwrap();
    assert_eq!(last.0, "/final");
    assert!(
        has_none(&last.1),
        "came back with the credentials: {:?}",
        last.1
    );
}
