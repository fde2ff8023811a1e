//! End-to-end tests of `isolet serve`: a real server on an ephemeral
//! 127.0.0.1 port, real HTTP requests.

use std::path::Path;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Frame;
use serde_json::{Value as Json, json};

use crate::common::group::ServeGroup;
use crate::common::server::TestServer as Running;

async fn start(data_dir: &Path, tweak: impl FnOnce(&mut isolet_server::ServerConfig)) -> Running {
    Running::start(data_dir, tweak).await
}

struct Reply {
    status: u16,
    headers: http::HeaderMap,
    body: Bytes,
}

impl Reply {
    fn json(&self) -> Json {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&self.body)))
    }
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

async fn send(method: &str, url: &str, token: Option<&str>, body: impl Into<Bytes>) -> Reply {
    send_to_host(None, method, url, token, body).await
}

/// `send` with a `Host` header of its own (host-based routing).
async fn send_to_host(
    host: Option<&str>,
    method: &str,
    url: &str,
    token: Option<&str>,
    body: impl Into<Bytes>,
) -> Reply {
    let client = hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
        .build_http();
    let mut req = http::Request::builder().method(method).uri(url);
    if let Some(h) = host {
        req = req.header("host", h);
    }
    if let Some(t) = token {
        req = req.header("authorization", format!("Bearer {t}"));
    }
    let resp = client
        .request(req.body(Full::new(body.into())).unwrap())
        .await
        .unwrap();
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let body = resp.into_body().collect().await.unwrap().to_bytes();
    Reply {
        status,
        headers,
        body,
    }
}

fn code(src: &str) -> String {
    json!({"mainModule": "main.js", "modules": {"main.js": src}, "compatibilityDate": "2025-06-01"})
        .to_string()
}

fn worker_file(name: &str) -> String {
    std::fs::read_to_string(format!(
        "{}/../../tests/workers/js/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

#[tokio::test]
async fn upload_invoke_update_delete_and_restart() {
    let dir = tempfile::tempdir().unwrap();
    let s = start(dir.path(), |_| {}).await;
    let t = Some(s.token.as_str());

    let put = send(
        "PUT",
        &s.url("/workers/hello"),
        t,
        code(&worker_file("hello.js")),
    )
    .await;
    assert_eq!(put.status, 201, "{}", put.text());
    let r = send("GET", &s.url("/w/hello/some/path?q=abc"), None, "").await;
    assert_eq!(r.status, 200);
    assert!(
        r.text().contains("path=/some/path") && r.text().contains("q=abc"),
        "{}",
        r.text()
    );
    assert_eq!(r.headers["x-echo-path"], "/some/path");

    // Stored code reads back; listing pages.
    assert_eq!(
        send("GET", &s.url("/workers/hello"), t, "").await.json()["mainModule"],
        "main.js"
    );
    send(
        "PUT",
        &s.url("/workers/other"),
        t,
        code("export default { fetch() { return new Response('other') } }"),
    )
    .await;
    let page = send("GET", &s.url("/workers?limit=1"), t, "").await.json();
    assert_eq!(page, json!({"workers": ["hello"], "cursor": "hello"}));
    let page2 = send("GET", &s.url("/workers?limit=1&cursor=hello"), t, "")
        .await
        .json();
    assert_eq!(page2, json!({"workers": ["other"], "cursor": null}));

    // Update: the new code takes effect at once (the old instance is retired).
    let put = send(
        "PUT",
        &s.url("/workers/hello"),
        t,
        code("export default { fetch() { return new Response('v2') } }"),
    )
    .await;
    assert_eq!(put.status, 200);
    assert_eq!(
        send("GET", &s.url("/w/hello/"), None, "").await.text(),
        "v2"
    );

    let first_token = s.token.clone();
    s.shutdown().await;
    // Durable: a new server on the same data dir serves the stored code
    // (and keeps its admin token).
    let s2 = start(dir.path(), |_| {}).await;
    assert_eq!(s2.token, first_token);
    assert_eq!(
        send("GET", &s2.url("/w/hello/"), None, "").await.text(),
        "v2"
    );
    let t2 = Some(s2.token.as_str());
    assert_eq!(
        send("DELETE", &s2.url("/workers/hello"), t2, "")
            .await
            .status,
        204
    );
    assert_eq!(
        send("GET", &s2.url("/w/hello/"), None, "").await.status,
        404
    );
    assert_eq!(
        send("DELETE", &s2.url("/workers/hello"), t2, "")
            .await
            .status,
        404
    );
    assert_eq!(
        send("GET", &s2.url("/w/never-existed/"), None, "")
            .await
            .status,
        404
    );
    s2.shutdown().await;
}

#[tokio::test]
async fn one_shot_run_returns_response_logs_and_outcome() {
    let dir = tempfile::tempdir().unwrap();
    let s = start(dir.path(), |_| {}).await;
    let t = Some(s.token.as_str());
    let body = json!({
        "code": {"mainModule": "main.js", "modules": {"main.js":
            "export default { async fetch(req) { console.log('got', req.method); return Response.json({ body: await req.text() }) } }"},
            "compatibilityDate": "2025-06-01"},
        "request": {"method": "POST", "url": "https://example.com/x", "body": "payload"}
    });
    let r = send("POST", &s.url("/run"), t, body.to_string()).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let v = r.json();
    assert_eq!(v["response"]["status"], 200);
    assert_eq!(v["response"]["body"], r#"{"body":"payload"}"#);
    assert_eq!(v["trace"]["outcome"], "ok");
    assert_eq!(v["trace"]["logs"][0]["message"], "got POST");

    let throws = json!({"code": {"mainModule": "m.js", "modules": {"m.js": "export default { fetch() { throw new Error('nope') } }"}, "compatibilityDate": "2025-06-01"}});
    let r = send("POST", &s.url("/run"), t, throws.to_string()).await;
    assert_eq!(r.status, 500);
    assert_eq!(r.json()["trace"]["outcome"], "exception");
    assert!(r.json()["error"].as_str().unwrap().contains("nope"));
    assert!(
        r.json().get("stack").is_none(),
        "stacks only with the debug flag"
    );
    s.shutdown().await;
}

#[tokio::test]
async fn rpc_route_calls_entrypoint_methods() {
    let dir = tempfile::tempdir().unwrap();
    let s = start(dir.path(), |_| {}).await;
    let t = Some(s.token.as_str());
    // RPC over HTTP is private unless the code exposes it (or a token).
    let body = json!({"mainModule": "rpc_service.js", "modules": {"rpc_service.js": worker_file("rpc_service.js")},
                      "compatibilityDate": "2025-06-01", "env": {"STORE": "south"},
                      "expose": {"rpc": ["default", "Admin"]}});
    assert_eq!(
        send("PUT", &s.url("/workers/inv"), t, body.to_string())
            .await
            .status,
        201
    );
    let r = send("POST", &s.url("/w/inv/rpc/default/add"), None, "[2, 40]").await;
    assert_eq!(r.json(), json!({"result": 42}));
    let r = send("POST", &s.url("/w/inv/rpc/Admin/whoami"), None, "").await;
    assert_eq!(r.json(), json!({"result": "admin of south"}));
    let r = send(
        "POST",
        &s.url("/w/inv/rpc/default/bigSum"),
        None,
        r#"[{"$t":"bigint","v":"1"},{"$t":"bigint","v":"2"}]"#,
    )
    .await;
    assert_eq!(r.json(), json!({"result": {"$t": "bigint", "v": "3"}}));
    // `_`-prefixed names are refused to clients without a token (403),
    // whatever `expose` lists; with one, the guest refuses them (500).
    assert_eq!(
        send("POST", &s.url("/w/inv/rpc/default/_internal"), None, "[]")
            .await
            .status,
        403
    );
    assert_eq!(
        send("POST", &s.url("/w/inv/rpc/default/_internal"), t, "[]")
            .await
            .status,
        500
    );
    assert_eq!(
        send("POST", &s.url("/w/inv/rpc/default/add"), None, "{not json")
            .await
            .status,
        400
    );
    // Props, as a parent's getEntrypoint(name, { props }) gives them: only
    // with a token (the worker trusts them).
    let with_props = r#"{"args": ["hi"], "props": {"user": "ada"}}"#;
    let r = send("POST", &s.url("/w/inv/rpc/default/whoCalls"), t, with_props).await;
    assert_eq!(r.json(), json!({"result": "hi, ada"}));
    let r = send(
        "POST",
        &s.url("/w/inv/rpc/default/whoCalls"),
        t,
        r#"{"args": ["hi"]}"#,
    )
    .await;
    assert_eq!(r.json(), json!({"result": "hi, nobody"}));
    let r = send(
        "POST",
        &s.url("/w/inv/rpc/default/whoCalls"),
        None,
        with_props,
    )
    .await;
    assert_eq!(r.status, 403, "{}", r.text());
    let r = send(
        "POST",
        &s.url("/w/inv/rpc/default/whoCalls"),
        t,
        r#"{"args": [], "props": [1]}"#,
    )
    .await;
    assert_eq!(r.status, 400, "{}", r.text());
    s.shutdown().await;
}

#[tokio::test]
async fn sse_tail_receives_trace_events() {
    let dir = tempfile::tempdir().unwrap();
    let s = start(dir.path(), |_| {}).await;
    let t = s.token.clone();
    send(
        "PUT",
        &s.url("/workers/talker"),
        Some(&t),
        code("export default { fetch() { console.log('tail me'); return new Response('ok') } }"),
    )
    .await;

    let client = hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
        .build_http();
    let req = http::Request::get(s.url("/workers/talker/tail"))
        .header("authorization", format!("Bearer {t}"))
        .body(Full::new(Bytes::new()))
        .unwrap();
    let resp = client.request(req).await.unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["content-type"], "text/event-stream");
    let mut body = resp.into_body();
    // The first frame says we are subscribed; then trigger an invocation.
    let first = body.frame().await.unwrap().unwrap();
    assert!(String::from_utf8_lossy(first.data_ref().unwrap()).contains("tailing talker"));
    assert_eq!(
        send("GET", &s.url("/w/talker/x"), None, "").await.status,
        200
    );
    let mut text = String::new();
    let found = tokio::time::timeout(Duration::from_secs(10), async {
        while let Some(frame) = body.frame().await {
            if let Some(d) = frame.unwrap().data_ref() {
                text.push_str(&String::from_utf8_lossy(d));
                if text.contains("tail me") {
                    return true;
                }
            }
        }
        false
    })
    .await
    .unwrap_or(false);
    assert!(found, "no trace event arrived: {text}");
    assert!(
        text.contains("event: trace") && text.contains("\"outcome\":\"ok\""),
        "{text}"
    );
    drop(body);
    s.shutdown().await;
}

#[tokio::test]
async fn metrics_reflect_calls() {
    let dir = tempfile::tempdir().unwrap();
    let s = start(dir.path(), |_| {}).await;
    send(
        "PUT",
        &s.url("/workers/m"),
        Some(&s.token),
        code("export default { fetch() { return new Response('m') } }"),
    )
    .await;
    for _ in 0..3 {
        assert_eq!(send("GET", &s.url("/w/m/"), None, "").await.status, 200);
    }
    let m = send("GET", &s.url("/metrics"), None, "").await.text();
    assert!(
        m.contains("isolet_http_requests_total{route=\"invoke\",status=\"200\"} 3"),
        "{m}"
    );
    assert!(
        m.contains("isolet_worker_starts_total{kind=\"cold\"} 1"),
        "{m}"
    );
    assert!(
        m.contains("isolet_worker_starts_total{kind=\"warm\"} 2"),
        "{m}"
    );
    assert!(
        m.contains("isolet_invocations_total{outcome=\"ok\"} 3"),
        "{m}"
    );
    assert!(
        m.contains("isolet_request_duration_seconds_count{route=\"invoke\"} 3"),
        "{m}"
    );
    assert!(m.contains("isolet_live_instances 1"), "{m}");
    assert_eq!(
        send("GET", &s.url("/healthz"), None, "").await.json(),
        json!({"status": "ok"})
    );
    s.shutdown().await;
}

#[tokio::test]
async fn admin_auth_body_limits_and_validation() {
    let dir = tempfile::tempdir().unwrap();
    let s = start(dir.path(), |_| {}).await;
    let t = Some(s.token.as_str());
    for (method, path) in [
        ("GET", "/workers"),
        ("PUT", "/workers/a"),
        ("GET", "/workers/a"),
        ("DELETE", "/workers/a"),
        ("POST", "/run"),
        ("GET", "/workers/a/tail"),
    ] {
        let r = send(method, &s.url(path), None, code("export default {}")).await;
        assert_eq!(r.status, 401, "{method} {path}");
        let r = send(
            method,
            &s.url(path),
            Some("wrong-token-of-some-length"),
            code("export default {}"),
        )
        .await;
        assert_eq!(r.status, 401, "{method} {path} with a wrong token");
    }
    let big = code(&format!(
        "export default {{}} // {}",
        "x".repeat(100 * 1024)
    ));
    assert_eq!(
        send("PUT", &s.url("/workers/big"), t, big).await.status,
        413
    );

    let bad = json!({"mainModule": "main.js", "modules": {"other.js": "x", "p.py": "y"}, "compatibilityDate": "2099-01-01"});
    let r = send("PUT", &s.url("/workers/bad"), t, bad.to_string()).await;
    assert_eq!(r.status, 400);
    let problems = r.json()["problems"].as_array().unwrap().len();
    assert_eq!(problems, 2, "{}", r.text()); // main module missing, date in the future
    let r = send("PUT", &s.url("/workers/bad"), t, "{\"not\": \"code\"}").await;
    assert_eq!(r.status, 400);
    assert!(
        r.json()["problems"][0]
            .as_str()
            .unwrap()
            .contains("WorkerCode")
    );
    assert_eq!(
        send(
            "PUT",
            &s.url("/workers/bad%2Fid"),
            t,
            code("export default {}")
        )
        .await
        .status,
        400
    );
    s.shutdown().await;
}

#[tokio::test]
async fn looping_worker_gets_503_while_another_keeps_answering() {
    let dir = tempfile::tempdir().unwrap();
    let s = start(dir.path(), |c| {
        c.limits = isolet::Limits::new().timeout(Duration::from_millis(300));
    })
    .await;
    let t = Some(s.token.as_str());
    send(
        "PUT",
        &s.url("/workers/loop"),
        t,
        code(&worker_file("infinite_loop.js")),
    )
    .await;
    send(
        "PUT",
        &s.url("/workers/fine"),
        t,
        code("export default { fetch() { return new Response('fine') } }"),
    )
    .await;
    let looping = {
        let url = s.url("/w/loop/");
        tokio::spawn(async move { send("GET", &url, None, "").await })
    };
    for _ in 0..5 {
        let r = send("GET", &s.url("/w/fine/"), None, "").await;
        assert_eq!((r.status, r.text()), (200, "fine".to_string()));
    }
    let r = looping.await.unwrap();
    assert_eq!(r.status, 503, "{}", r.text());
    let limit = r.json()["limit"].as_str().unwrap().to_string();
    assert!(limit == "wall_time" || limit == "cpu", "{}", r.text());
    // The next request gets a fresh instance (and is stopped again).
    assert_eq!(send("GET", &s.url("/w/loop/"), None, "").await.status, 503);
    assert_eq!(send("GET", &s.url("/w/fine/"), None, "").await.status, 200);
    s.shutdown().await;
}

#[tokio::test]
async fn graceful_shutdown_lets_in_flight_requests_finish() {
    let dir = tempfile::tempdir().unwrap();
    let s = start(dir.path(), |_| {}).await;
    send(
        "PUT",
        &s.url("/workers/slow"),
        Some(&s.token),
        code(&worker_file("slow.js")),
    )
    .await;
    let url = s.url("/w/slow/?ms=400");
    let in_flight = tokio::spawn(async move { send("GET", &url, None, "").await });
    tokio::time::sleep(Duration::from_millis(100)).await;
    let addr = s.addr;
    s.shutdown().await;
    let r = in_flight.await.unwrap();
    assert_eq!((r.status, r.text()), (200, "done after 400 ms".to_string()));
    // And the listener is closed.
    assert!(tokio::net::TcpStream::connect(addr).await.is_err());
}

#[tokio::test]
async fn host_based_routing_with_a_domain() {
    let dir = tempfile::tempdir().unwrap();
    let s = start(dir.path(), |c| c.domain = Some("workers.test".into())).await;
    send(
        "PUT",
        &s.url("/workers/site"),
        Some(&s.token),
        code(&worker_file("hello.js")),
    )
    .await;
    let text = send_to_host(
        Some("site.workers.test"),
        "GET",
        &s.url("/page?q=1"),
        None,
        "",
    )
    .await
    .text();
    assert!(
        text.contains("path=/page") && text.contains("q=1"),
        "{text}"
    );
    s.shutdown().await;
}

#[tokio::test]
async fn default_outbound_applies_when_code_does_not_set_one() {
    let dir = tempfile::tempdir().unwrap();
    let s = start(dir.path(), |c| {
        c.default_outbound = isolet::Outbound::GatewayPolicy("none-registered".into());
    })
    .await;
    let t = Some(s.token.as_str());
    let src = "export default { async fetch() { try { await fetch('https://x.test/') } catch (e) { return new Response(e.message) } } }";
    send("PUT", &s.url("/workers/d"), t, code(src)).await;
    let stored = send("GET", &s.url("/workers/d"), t, "").await.json();
    assert_eq!(
        stored["globalOutbound"],
        json!({"gateway": {"policy": "none-registered"}})
    );
    assert!(
        send("GET", &s.url("/w/d/"), None, "")
            .await
            .text()
            .contains("no outbound policy named")
    );
    // An explicit null keeps the worker denied.
    let explicit = json!({"mainModule": "main.js", "modules": {"main.js": src}, "compatibilityDate": "2025-06-01", "globalOutbound": null});
    send("PUT", &s.url("/workers/e"), t, explicit.to_string()).await;
    assert!(
        send("GET", &s.url("/w/e/"), None, "")
            .await
            .text()
            .contains("no outbound network access")
    );
    s.shutdown().await;
}

#[tokio::test]
async fn a_worker_deployed_fresh_per_request_gets_a_new_sandbox_each_time() {
    let dir = tempfile::tempdir().unwrap();
    let s = start(dir.path(), |_| {}).await;
    let t = Some(s.token.as_str());
    let body = json!({
        "mainModule": "main.js",
        "modules": {"main.js": worker_file("leak_probe.js")},
        "compatibilityDate": "2025-06-01",
        "freshInstancePerRequest": true,
    });
    let put = send("PUT", &s.url("/workers/sandbox"), t, body.to_string()).await;
    assert_eq!(put.status, 201, "{}", put.text());
    // The flag is stored with the code.
    let stored = send("GET", &s.url("/workers/sandbox"), t, "").await.json();
    assert_eq!(stored["freshInstancePerRequest"], true, "{stored}");
    for i in 0..4 {
        let r = send("GET", &s.url(&format!("/w/sandbox/?secret=s{i}")), None, "").await;
        assert_eq!(r.status, 200, "{}", r.text());
        assert_eq!(
            r.json(),
            json!({"global": null, "objectProto": null, "responseProto": null, "module": null, "heap": 0}),
            "request {i} saw an earlier request's state"
        );
    }
    // A wrongly typed flag is a clear 400.
    let bad = json!({
        "mainModule": "main.js",
        "modules": {"main.js": "export default {}"},
        "compatibilityDate": "2025-06-01",
        "freshInstancePerRequest": "yes",
    });
    let r = send("PUT", &s.url("/workers/bad"), t, bad.to_string()).await;
    assert_eq!(r.status, 400, "{}", r.text());
    s.shutdown().await;
}

/// Each `send` opens a new connection, and `SO_REUSEPORT` spreads new
/// connections over the processes by their source port: with 20 of them,
/// both processes answer some (all on one has odds of 2^-19).
#[cfg(target_os = "linux")]
#[tokio::test]
async fn serve_with_two_processes_shares_deploys_tails_metrics_and_restarts() {
    let dir = tempfile::tempdir().unwrap();
    let g = ServeGroup::start(dir.path());
    let t = g.token.clone();
    assert_eq!(g.processes().len(), 2, "two server processes");
    // The supervisor announces the port once the first process listens;
    // the second may still be starting (its control socket not bound yet,
    // so an early tail would report it unreachable). Wait for both.
    let mut up = false;
    for _ in 0..600 {
        let m = send("GET", &g.url("/metrics"), None, "").await.text();
        if m.contains("isolet_server_processes 2") {
            up = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(up, "the second server process never answered its peers");
    let deploy = |version: &'static str| {
        code(&format!(
            "export default {{ fetch(r) {{ console.log('hit ' + new URL(r.url).pathname); return new Response('{version}') }} }}"
        ))
    };
    assert_eq!(
        send("PUT", &g.url("/workers/v"), Some(&t), deploy("v1"))
            .await
            .status,
        201
    );
    for _ in 0..20 {
        assert_eq!(send("GET", &g.url("/w/v/"), None, "").await.text(), "v1");
    }

    // A tail on one process sees the events of both.
    let client = hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
        .build_http();
    let req = http::Request::get(g.url("/workers/v/tail"))
        .header("authorization", format!("Bearer {t}"))
        .body(Full::new(Bytes::new()))
        .unwrap();
    let mut tail = client.request(req).await.unwrap().into_body();
    let first = tail.frame().await.unwrap().unwrap();
    let first = String::from_utf8_lossy(first.data_ref().unwrap()).into_owned();
    assert!(
        first.contains("tailing v") && !first.contains("could not be reached"),
        "{first}"
    );

    // A new version reaches both processes before the PUT answers: no
    // process keeps serving its warm instance of the old code.
    assert_eq!(
        send("PUT", &g.url("/workers/v"), Some(&t), deploy("v2"))
            .await
            .status,
        200
    );
    for i in 0..20 {
        let r = send("GET", &g.url(&format!("/w/v/p{i}")), None, "").await;
        assert_eq!(r.text(), "v2", "request {i}");
    }
    let mut text = String::new();
    let all = tokio::time::timeout(Duration::from_secs(10), async {
        while let Some(frame) = tail.frame().await {
            if let Some(d) = frame.unwrap().data_ref() {
                text.push_str(&String::from_utf8_lossy(d));
                if (0..20).all(|i| text.contains(&format!("hit /p{i}\""))) {
                    return true;
                }
            }
        }
        false
    })
    .await
    .unwrap_or(false);
    assert!(all, "the tail missed events: {text}");
    drop(tail);

    // /metrics sums both processes.
    let m = send("GET", &g.url("/metrics"), None, "").await.text();
    assert!(m.contains("isolet_server_processes 2\n"), "{m}");
    assert!(
        m.contains("isolet_http_requests_total{route=\"invoke\",status=\"200\"} 40\n"),
        "{m}"
    );
    assert_eq!(
        m.matches("# TYPE isolet_http_requests_total ").count(),
        1,
        "{m}"
    );

    // A process that dies is replaced; the others keep serving meanwhile.
    let before = g.processes();
    // SAFETY: kill has no memory-safety preconditions.
    unsafe { libc::kill(before[0] as i32, libc::SIGKILL) };
    let replaced = tokio::time::timeout(Duration::from_secs(60), async {
        loop {
            let now = g.processes();
            if now.len() == 2 && !now.contains(&before[0]) {
                return now;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await
    .expect("the dead server process was not replaced");
    assert!(replaced.contains(&before[1]));
    // Wait until the new process listens (its control socket answers the
    // metrics of both), then every connection is served.
    tokio::time::timeout(Duration::from_secs(60), async {
        loop {
            let m = send("GET", &g.url("/metrics"), None, "").await.text();
            if m.contains("isolet_server_processes 2\n") {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await
    .expect("the new process never answered");
    for _ in 0..20 {
        assert_eq!(send("GET", &g.url("/w/v/"), None, "").await.text(), "v2");
    }

    // SIGTERM stops the whole group gracefully.
    let mut g = g;
    // SAFETY: as above.
    unsafe { libc::kill(g.child.id() as i32, libc::SIGTERM) };
    let status = tokio::time::timeout(Duration::from_secs(30), async {
        loop {
            if let Some(status) = g.child.try_wait().unwrap() {
                return status;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await
    .expect("the group did not stop on SIGTERM");
    assert!(status.success(), "{status}");
    for pid in replaced {
        assert!(
            !Path::new(&format!("/proc/{pid}")).exists()
                || std::fs::read_to_string(format!("/proc/{pid}/stat"))
                    .is_ok_and(|s| s.contains(") Z ")),
            "server process {pid} outlived the supervisor"
        );
    }
}

/// GETs `url` and expects a 200 whose body ends in an error (an aborted
/// chunked response), never a complete-looking one.
async fn assert_body_aborted(url: String) {
    let client = hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
        .build_http();
    let resp = client
        .request(
            http::Request::get(url)
                .body(Full::new(Bytes::new()))
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert!(resp.into_body().collect().await.is_err());
}

#[tokio::test]
async fn streamed_bodies_reach_the_client_as_they_are_produced() {
    let dir = tempfile::tempdir().unwrap();
    let s = start(dir.path(), |_| {}).await;
    let t = s.token.clone();
    let put = send(
        "PUT",
        &s.url("/workers/stream"),
        Some(&t),
        json!({"mainModule": "streaming.js", "modules": {"streaming.js": worker_file("streaming.js")}, "compatibilityDate": "2025-06-01"}).to_string(),
    )
    .await;
    assert_eq!(put.status, 201, "{}", put.text());

    let client = hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
        .build_http();
    let started = std::time::Instant::now();
    let resp = client
        .request(
            http::Request::get(s.url("/w/stream/sse?gap=150"))
                .body(Full::new(Bytes::new()))
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["content-type"], "text/event-stream");
    assert_eq!(resp.headers()["transfer-encoding"], "chunked");
    assert!(resp.headers().get("content-length").is_none());
    let mut body = resp.into_body();
    let mut frames = Vec::new();
    while let Some(frame) = body.frame().await {
        if let Some(d) = frame.unwrap().data_ref() {
            frames.push((String::from_utf8_lossy(d).into_owned(), started.elapsed()));
        }
    }
    let texts: Vec<&str> = frames.iter().map(|(f, _)| f.as_str()).collect();
    assert_eq!(texts, ["data: 0\n\n", "data: 1\n\n", "data: 2\n\n"]);
    // Each event is flushed when written, not when the handler's work ends.
    assert!(
        frames[0].1 + Duration::from_millis(100) < frames[2].1,
        "{frames:?}"
    );

    // A stream that fails after its first chunk aborts the response: the
    // client must not take the truncated body for a complete one.
    assert_body_aborted(s.url("/w/stream/error")).await;

    // A whole body still goes out with its length.
    let plain = send("GET", &s.url("/w/stream/plain"), None, "").await;
    assert_eq!(plain.text(), "plain /plain");
    assert_eq!(plain.headers["content-length"], "12");

    // limits.responseBytes: a whole body over it is a 502 naming the limit;
    // a stream passing it is aborted (never a complete-looking body).
    let put = send(
        "PUT",
        &s.url("/workers/capped"),
        Some(&t),
        json!({"mainModule": "streaming.js", "modules": {"streaming.js": worker_file("streaming.js")}, "compatibilityDate": "2025-06-01", "limits": {"responseBytes": 50}}).to_string(),
    )
    .await;
    assert_eq!(put.status, 201, "{}", put.text());
    let over = send("GET", &s.url("/w/capped/big?n=51"), None, "").await;
    assert_eq!(over.status, 502, "{}", over.text());
    assert_eq!(over.json()["limit"], "response_bytes", "{}", over.text());
    assert_eq!(over.json()["bytes"], 50, "{}", over.text());
    assert_eq!(
        send("GET", &s.url("/w/capped/big?n=50"), None, "")
            .await
            .text()
            .len(),
        50
    );
    assert_body_aborted(s.url("/w/capped/forever")).await;

    // A chunked upload streams into the worker: each part's answer comes
    // back before the next part is sent.
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<Frame<Bytes>, std::convert::Infallible>>(2);
    let upload = http_body_util::StreamBody::new(tokio_stream::wrappers::ReceiverStream::new(rx));
    let streaming_client =
        hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
            .build_http();
    tx.send(Ok(Frame::data(Bytes::from_static(b"abc"))))
        .await
        .unwrap();
    let resp = streaming_client
        .request(
            http::Request::post(s.url("/w/stream/upper"))
                .body(upload)
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let mut body = resp.into_body();
    let mut next_data = async || loop {
        let frame = body.frame().await.unwrap().unwrap();
        if let Ok(d) = frame.into_data() {
            return d;
        }
    };
    assert_eq!(next_data().await, "ABC");
    tx.send(Ok(Frame::data(Bytes::from_static(b"def"))))
        .await
        .unwrap();
    assert_eq!(next_data().await, "DEF");
    drop(tx);
    assert!(body.frame().await.is_none());

    // Over the server's body limit: refused up front when the length is
    // declared; a chunked upload's read fails in the worker once past it.
    let big = vec![b'x'; 70 * 1024];
    let over = send("POST", &s.url("/w/stream/length"), None, big).await;
    assert_eq!(over.status, 413, "{}", over.text());
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<Frame<Bytes>, std::convert::Infallible>>(2);
    let upload = http_body_util::StreamBody::new(tokio_stream::wrappers::ReceiverStream::new(rx));
    tokio::spawn(async move {
        for _ in 0..70 {
            if tx
                .send(Ok(Frame::data(Bytes::from(vec![b'x'; 1024]))))
                .await
                .is_err()
            {
                break;
            }
        }
    });
    let resp = streaming_client
        .request(
            http::Request::post(s.url("/w/stream/length"))
                .body(upload)
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(resp.status(), 500);
    let text = resp.into_body().collect().await.unwrap().to_bytes();
    let text = String::from_utf8_lossy(&text);
    assert!(
        text.contains("TypeError") && text.contains("over 65536 bytes"),
        "{text}"
    );
    s.shutdown().await;
}

#[tokio::test]
async fn a_websocket_upgrade_reaches_the_worker_and_messages_flow_both_ways() {
    use futures_util::{SinkExt as _, StreamExt as _};
    use tokio_tungstenite::tungstenite::Message;
    let dir = tempfile::tempdir().unwrap();
    let s = start(dir.path(), |_| {}).await;
    let put = send(
        "PUT",
        &s.url("/workers/chat"),
        Some(&s.token),
        json!({"mainModule": "websocket.js", "modules": {"websocket.js": worker_file("websocket.js")}, "compatibilityDate": "2025-06-01"}).to_string(),
    )
    .await;
    assert_eq!(put.status, 201, "{}", put.text());

    let (mut ws, resp) = tokio_tungstenite::connect_async(format!("ws://{}/w/chat/room", s.addr))
        .await
        .unwrap();
    assert_eq!(resp.status(), 101);
    assert_eq!(resp.headers()["x-chat"], "1");
    let mut next = async || {
        tokio::time::timeout(Duration::from_secs(10), ws.next())
            .await
            .expect("the worker answers")
    };
    assert_eq!(next().await.unwrap().unwrap(), Message::text("hello"));
    ws.send(Message::text("abc")).await.unwrap();
    ws.send(Message::binary(vec![1u8, 2, 3])).await.unwrap();
    let mut replies = Vec::new();
    for _ in 0..2 {
        replies.push(
            tokio::time::timeout(Duration::from_secs(10), ws.next())
                .await
                .unwrap()
                .unwrap()
                .unwrap(),
        );
    }
    assert_eq!(
        replies,
        [Message::text("ABC"), Message::binary(vec![3u8, 2, 1])]
    );
    // The worker closes: its close frame arrives, the handshake completes
    // (the client library answers it) and the connection ends.
    ws.send(Message::text("bye")).await.unwrap();
    match tokio::time::timeout(Duration::from_secs(10), ws.next())
        .await
        .unwrap()
    {
        Some(Ok(Message::Close(Some(frame)))) => {
            assert_eq!(u16::from(frame.code), 1000);
            assert_eq!(frame.reason.as_str(), "bye after 3");
        }
        other => panic!("expected the worker's close, got {other:?}"),
    }
    assert!(
        tokio::time::timeout(Duration::from_secs(10), ws.next())
            .await
            .unwrap()
            .is_none()
    );

    // The same worker answers plain requests; one that does not ask for an
    // upgrade gets the worker's own answer.
    let plain = send("GET", &s.url("/w/chat/room"), None, "").await;
    assert_eq!(plain.status, 426);
    assert_eq!(plain.text(), "expected a WebSocket upgrade");

    // A client that goes away mid-session: the server keeps serving.
    let (ws, _) = tokio_tungstenite::connect_async(format!("ws://{}/w/chat/room", s.addr))
        .await
        .unwrap();
    drop(ws);
    let again = send("GET", &s.url("/w/chat/local"), None, "").await;
    assert_eq!(again.status, 200, "{}", again.text());
    s.shutdown().await;
}

#[tokio::test]
async fn hostile_workers_through_the_server_get_their_status_and_the_neighbour_answers() {
    let dir = tempfile::tempdir().unwrap();
    // Default limits: the memory bomb meets 128 MiB before 1 s of CPU.
    let s = start(dir.path(), |_| {}).await;
    let t = Some(s.token.as_str());
    let hostile = |name: &str| {
        std::fs::read_to_string(format!(
            "{}/../../tests/hostile/js/{name}",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap()
    };
    send(
        "PUT",
        &s.url("/workers/fine"),
        t,
        code("export default { fetch() { return new Response('fine') } }"),
    )
    .await;
    for (file, status, limit) in [
        ("loop_sync.js", 503, Some("cpu")),
        ("regex_backtrack.js", 503, Some("cpu")),
        ("bomb_array.js", 503, Some("memory")),
        ("huge_headers.js", 502, Some("response_header_bytes")),
        ("recursion.js", 500, None),
        ("never_resolves.js", 500, None),
    ] {
        let id = file.trim_end_matches(".js").replace('_', "-");
        let put = send(
            "PUT",
            &s.url(&format!("/workers/{id}")),
            t,
            code(&hostile(file)),
        )
        .await;
        assert_eq!(put.status, 201, "{file}: {}", put.text());
        let r = send("GET", &s.url(&format!("/w/{id}/")), None, "").await;
        assert_eq!(r.status, status, "{file}: {}", r.text());
        assert_eq!(r.json()["limit"].as_str(), limit, "{file}: {}", r.text());
        let fine = send("GET", &s.url("/w/fine/"), None, "").await;
        assert_eq!(
            (fine.status, fine.text()),
            (200, "fine".to_string()),
            "after {file}"
        );
    }
    // RPC arguments nested 10,000 deep are refused before the worker is
    // called (with the token: without it, this unexposed entrypoint is a
    // 403 before the body is read).
    send(
        "PUT",
        &s.url("/workers/rpc"),
        t,
        code(&hostile("rpc_target.js")),
    )
    .await;
    let deep = format!("[{}{}]", "[".repeat(10_000), "]".repeat(10_000));
    let r = send("POST", &s.url("/w/rpc/rpc/default/echo"), t, deep).await;
    assert_eq!(r.status, 400, "{}", r.text());
    assert!(r.text().contains("recursion limit"), "{}", r.text());
    let r = send("POST", &s.url("/w/rpc/rpc/default/echo"), t, "[[1,[2]]]").await;
    assert_eq!(r.json()["result"], json!([1, [2]]));
    s.shutdown().await;
}

#[tokio::test]
async fn bundle_route_returns_worker_code_and_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    // A registry nobody listens on: packages cannot be fetched.
    let s = start(dir.path(), |c| c.npm_registry = "http://127.0.0.1:9".into()).await;
    let t = Some(s.token.as_str());
    let body = json!({
        "package": {"name": "w", "main": "src/index.ts"},
        "modules": {"src/index.ts": "const n: number = 2; export default { fetch: () => new Response(String(n)) }"}
    });
    let r = send("POST", &s.url("/bundle"), t, body.to_string()).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let code = r.json();
    assert_eq!(code["mainModule"], "src/index.ts");
    // What it answers runs as is.
    let run = json!({"code": code, "request": {"method": "GET", "url": "https://x.test/"}});
    let r = send("POST", &s.url("/run"), t, run.to_string()).await;
    assert_eq!(r.json()["response"]["body"], "2", "{}", r.text());

    let body = json!({"package": {"dependencies": {"hono": "^4"}}, "modules": {"index.js": "export default {}"}});
    let r = send("POST", &s.url("/bundle"), t, body.to_string()).await;
    assert_eq!(r.status, 400, "{}", r.text());
    assert!(r.text().contains("hono"), "{}", r.text());
    let r = send("POST", &s.url("/bundle"), None, body.to_string()).await;
    assert_eq!(r.status, 401);
    let r = send("POST", &s.url("/bundle"), t, "{\"modules\": 1}").await;
    assert_eq!(r.status, 400);
    s.shutdown().await;
}

#[tokio::test]
async fn objects_are_addressed_by_name_and_managed_through_the_admin_api() {
    let dir = tempfile::tempdir().unwrap();
    let s = start(dir.path(), |_| {}).await;
    let t = Some(s.token.as_str());
    let counter = std::fs::read_to_string(format!(
        "{}/../../tests/workers/storage/counter.js",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    let body = json!({"mainModule": "counter.js", "modules": {"counter.js": counter}, "compatibilityDate": "2025-06-01",
                      "expose": {"objects": true}});
    let r = send("PUT", &s.url("/workers/counter"), t, body.to_string()).await;
    assert_eq!(r.status, 201, "{}", r.text());

    // Each object name is its own Durable Object; the path after the name
    // is the worker's.
    for expected in 1..=3 {
        let r = send("GET", &s.url("/w/counter/o/room%201/hit?by=x"), None, "").await;
        assert_eq!(r.status, 200, "{}", r.text());
        assert_eq!(r.json()["n"], expected);
        assert_eq!(r.json()["object"], "room 1");
    }
    let r = send("GET", &s.url("/w/counter/o/lobby/"), None, "").await;
    assert_eq!(r.json()["n"], 1);

    let r = send("GET", &s.url("/workers/counter/objects"), t, "").await;
    assert_eq!(r.status, 200, "{}", r.text());
    let names: Vec<&str> = r.json()["objects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["name"].as_str().unwrap().to_string().leak() as &str)
        .collect();
    assert_eq!(names, vec!["lobby", "room 1"]);
    assert_eq!(
        send("GET", &s.url("/workers/counter/objects"), None, "")
            .await
            .status,
        401
    );

    // Export, import under another name, delete.
    let r = send("GET", &s.url("/workers/counter/objects/room%201"), t, "").await;
    assert_eq!(r.status, 200);
    assert_eq!(r.headers["content-type"], "application/vnd.sqlite3");
    assert!(r.body.starts_with(b"SQLite format 3\0"));
    let db = r.body.clone();
    let r = send("PUT", &s.url("/workers/counter/objects/copy"), t, db).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let r = send("GET", &s.url("/w/counter/o/copy/"), None, "").await;
    assert_eq!(r.json()["n"], 4);
    let r = send("PUT", &s.url("/workers/counter/objects/copy"), t, "junk").await;
    assert_eq!(r.status, 400, "{}", r.text());
    assert!(r.text().contains("not a SQLite database"));

    assert_eq!(
        send("DELETE", &s.url("/workers/counter/objects/lobby"), t, "")
            .await
            .status,
        204
    );
    assert_eq!(
        send("DELETE", &s.url("/workers/counter/objects/lobby"), t, "")
            .await
            .status,
        404
    );
    assert_eq!(
        send("GET", &s.url("/workers/counter/objects/lobby"), t, "")
            .await
            .status,
        404
    );
    let r = send("GET", &s.url("/w/counter/o/lobby/"), None, "").await;
    assert_eq!(r.json()["n"], 1, "a deleted object starts over");
    s.shutdown().await;
}

#[tokio::test]
async fn playground_is_served_with_a_csp_and_can_be_turned_off() {
    let dir = tempfile::tempdir().unwrap();
    let s = start(dir.path(), |_| {}).await;
    let r = send("GET", &s.url("/"), None, "").await;
    assert_eq!(r.status, 303);
    assert_eq!(r.headers["location"], "/playground/");
    let page = send("GET", &s.url("/playground/"), None, "").await;
    assert_eq!(page.status, 200, "the page needs no token");
    let csp = page.headers["content-security-policy"].to_str().unwrap();
    assert!(
        csp.contains("script-src 'self'") && csp.contains("frame-ancestors 'none'"),
        "{csp}"
    );
    // The page links its assets with the version, and names the nonce its CSP allows.
    let html = page.text();
    let nonce = csp
        .split("'nonce-")
        .nth(1)
        .unwrap()
        .split('\'')
        .next()
        .unwrap();
    assert!(html.contains(&format!("content=\"{nonce}\"")), "{html}");
    assert!(!html.contains("{{"), "every placeholder filled");
    assert!(
        !html.contains(&s.token),
        "the page never holds the admin token"
    );
    let js = send("GET", &s.url("/playground/app.js"), None, "").await;
    assert_eq!(js.status, 200);
    assert!(js.body.len() > 100_000, "CodeMirror is bundled in");
    assert_eq!(
        send("GET", &s.url("/playground/nope"), None, "")
            .await
            .status,
        404
    );
    // The API it calls still wants the token.
    assert_eq!(send("GET", &s.url("/workers"), None, "").await.status, 401);
    s.shutdown().await;

    let s = start(dir.path(), |c| c.playground = false).await;
    assert_eq!(
        send("GET", &s.url("/playground/"), None, "").await.status,
        404
    );
    assert_eq!(send("GET", &s.url("/"), None, "").await.status, 404);
    s.shutdown().await;
}

#[tokio::test]
async fn origin_wide_headers_are_dropped_on_the_shared_origin_only() {
    let dir = tempfile::tempdir().unwrap();
    let s = start(dir.path(), |c| c.domain = Some("workers.test".into())).await;
    let put = send(
        "PUT",
        &s.url("/workers/sw"),
        Some(&s.token),
        code(&worker_file("origin_wide_headers.js")),
    )
    .await;
    assert_eq!(put.status, 201, "{}", put.text());
    // By path, the worker shares the origin with every other worker and the
    // playground: it may not widen a service worker's scope or wipe storage.
    let r = send("GET", &s.url("/w/sw/sw.js"), None, "").await;
    assert_eq!(
        (r.status, r.headers["x-kept"].to_str().unwrap()),
        (200, "yes")
    );
    assert!(r.headers.get("service-worker-allowed").is_none());
    assert!(r.headers.get("clear-site-data").is_none());
    // On its own origin ({id}.{domain}) both are its business.
    let r = send_to_host(Some("sw.workers.test"), "GET", &s.url("/sw.js"), None, "").await;
    assert_eq!(r.headers["service-worker-allowed"], "/");
    assert_eq!(r.headers["clear-site-data"], "\"storage\"");
    s.shutdown().await;
}

#[tokio::test]
async fn playground_host_keeps_workers_off_the_playground_origin() {
    let dir = tempfile::tempdir().unwrap();
    let s = start(dir.path(), |c| {
        c.playground_host = Some("playground.localhost".into())
    })
    .await;
    let port = s.addr.port();
    let on = |host: &str, method: &str, path: &str, token: Option<&str>, body: &str| {
        let (host, url, body) = (
            format!("{host}:{port}"),
            s.url(path),
            Bytes::from(body.to_string()),
        );
        let method = method.to_string();
        let token = token.map(str::to_string);
        async move { send_to_host(Some(&host), &method, &url, token.as_deref(), body).await }
    };
    let t = Some(s.token.as_str());
    // Elsewhere, the page's addresses lead to its own host (same port).
    let r = on("127.0.0.1", "GET", "/", None, "").await;
    assert_eq!(r.status, 303);
    assert_eq!(
        r.headers["location"],
        format!("//playground.localhost:{port}/playground/").as_str()
    );
    assert_eq!(
        on("127.0.0.1", "GET", "/playground/", None, "")
            .await
            .status,
        303
    );
    // There, the page and the admin API it calls answer ...
    assert_eq!(
        on("Playground.LocalHost", "GET", "/playground/", None, "")
            .await
            .status,
        200
    );
    let r = on(
        "playground.localhost",
        "PUT",
        "/workers/hello",
        t,
        &code(&worker_file("hello.js")),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.text());
    // ... and workers do not: they answer on the other host names.
    let r = on("playground.localhost", "GET", "/w/hello/", None, "").await;
    assert_eq!(r.status, 404);
    assert!(r.text().contains("playground_host"), "{}", r.text());
    let r = on("127.0.0.1", "GET", "/w/hello/x", None, "").await;
    assert_eq!(r.status, 200, "{}", r.text());
    s.shutdown().await;
}

/// Logs written to a pipe (a file, journald, a container log) are plain
/// lines: no ANSI colour codes, which only a terminal can read.
#[test]
fn server_logs_to_a_pipe_carry_no_colour_codes() {
    use std::io::BufRead;
    let dir = tempfile::tempdir().unwrap();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_isolet"))
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--workers",
            "1",
            "--data-dir",
        ])
        .arg(dir.path())
        .env("RUST_LOG", "info")
        .env_remove("NO_COLOR")
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stderr).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut lines = Vec::new();
    let deadline = std::time::Instant::now() + Duration::from_secs(120);
    while !lines
        .iter()
        .any(|l: &String| l.contains("isolet server listening"))
    {
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        match rx.recv_timeout(left) {
            Ok(line) => lines.push(line),
            Err(_) => break,
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    assert!(
        lines.iter().any(|l| l.contains("isolet server listening")),
        "no tracing line at info: {lines:#?}"
    );
    for line in &lines {
        assert!(
            !line.contains('\u{1b}'),
            "a colour code in a piped log line: {line:?}"
        );
    }
}

/// The README's parent worker, deployed over HTTP with a loader binding:
/// one child per user, each with that user as its `ctx.props`.
/// Cloudflare's `@cloudflare/codemode` from npm, unmodified: a parent that
/// runs `new DynamicWorkerExecutor({ loader: env.LOADER }).execute(code,
/// providers)` with two tool namespaces, bundled with `isolet bundle` and
/// deployed on `isolet serve`, answers what workerd answers (each expected
/// body below is workerd 2026-11-17's, for the same bundle and requests).
#[tokio::test]
async fn cloudflare_codemode_runs_unmodified_in_a_deployed_parent() {
    let registry = crate::common::registry::serve(crate::common::registry::vendored(), "").await;
    let dir = tempfile::tempdir().unwrap();
    let project = format!(
        "{}/../../tests/workers/js/codemode_parent",
        env!("CARGO_MANIFEST_DIR")
    );
    let out = crate::common::registry::bundle_with_cli(
        &registry,
        project.as_ref(),
        &dir.path().join("cache"),
    )
    .await;
    let mut code: Json = serde_json::from_slice(&out).unwrap();
    code["bindings"] = json!({"LOADER": {"loader": {}}});
    code["compatibilityDate"] = json!("2025-06-01");
    code["compatibilityFlags"] = json!(["nodejs_compat"]);
    // The bundle (the package and acorn, as npm ships them) is ~0.5 MB:
    // the server's default body limit, not the tests' small one.
    let s = start(dir.path(), |c| c.max_body_bytes = 10 << 20).await;
    let put = send(
        "PUT",
        &s.url("/workers/codemode"),
        Some(s.token.as_str()),
        code.to_string(),
    )
    .await;
    assert_eq!(put.status, 201, "{}", put.text());
    let cases = [
        (
            r#"async () => {
  const ids = await codemode.listOrders();
  const found = [];
  for (const id of ids) found.push(await codemode.getOrder({ id }));
  console.log("orders", found.length);
  const note = await state.note("total " + found.reduce((s, o) => s + o.total, 0));
  return { ids, totals: found.map((o) => o.total), note, missing: await codemode.getOrder({ id: "Z-9" }) };
}"#,
            json!({"result":{"ids":["A-1","B-2"],"totals":[42.5,9.99],"note":"noted 1","missing":null},"logs":["orders 2"],"notes":["total 52.49"]}),
        ),
        (
            r#"async () => {
  try { await codemode.failing(); } catch (e) { console.warn("caught", e.message); }
  await codemode.nope();
}"#,
            json!({"error":"Tool \"nope\" not found","logs":["[warn] caught the order service is down"],"notes":[]}),
        ),
        (
            r#"async () => { throw new TypeError("model bug"); }"#,
            json!({"error":"model bug","logs":[],"notes":[]}),
        ),
    ];
    for (code, expected) in cases {
        let r = send("POST", &s.url("/w/codemode/"), None, code).await;
        assert_eq!(r.status, 200, "{}", r.text());
        assert_eq!(r.json(), expected, "{code}");
    }
    s.shutdown().await;
}

/// The bounds of objects passed by reference, through `isolet serve` as a
/// tenant reaches them: a child calls its parent's RpcTarget (not its
/// `_private` methods) while the call lasts and not after, stubs in props
/// reach it, at most 4 calls wait on the parent's objects at once, and
/// `abortIsolate` in a child ends the child only.
#[tokio::test]
async fn a_deployed_parent_passes_objects_within_bounds() {
    let dir = tempfile::tempdir().unwrap();
    let s = start(dir.path(), |_| {}).await;
    let t = Some(s.token.as_str());
    let body = json!({
        "mainModule": "parent.js",
        "modules": {"parent.js": std::fs::read_to_string(format!("{}/../../tests/workers/js/loader/served_parent.js", env!("CARGO_MANIFEST_DIR"))).unwrap()},
        "compatibilityDate": "2025-06-01",
        "bindings": {"LOADER": {"loader": {}}},
    });
    let put = send("PUT", &s.url("/workers/served"), t, body.to_string()).await;
    assert_eq!(put.status, 201, "{}", put.text());
    let rpc = |method: &'static str| {
        let url = s.url(&format!("/w/served/rpc/default/{method}"));
        async move { send("POST", &url, t, "[]").await }
    };
    let r = rpc("objects").await;
    assert_eq!(r.status, 200, "{}", r.text());
    let stale = "this stub is no longer valid";
    let result = &r.json()["result"];
    assert_eq!(result["used"][0], "tool:a", "{result}");
    assert!(
        result["used"][1]
            .as_str()
            .is_some_and(|m| m.contains("does not implement the method \"_secret\"")),
        "{result}"
    );
    assert!(
        result["late"].as_str().is_some_and(|m| m.contains(stale)),
        "{result}"
    );
    assert_eq!(rpc("props").await.json(), json!({"result": "Hello, Ada"}));
    let r = rpc("pending").await;
    let result = &r.json()["result"];
    let all = result.as_array().expect("an array");
    assert_eq!(
        all[..4],
        [json!("done"), json!("done"), json!("done"), json!("done")],
        "{result}"
    );
    assert!(
        result[4].as_str().is_some_and(|m| m.contains("at most 4")),
        "{result}"
    );
    assert_eq!(rpc("count").await.json(), json!({"result": 1}));
    assert_eq!(rpc("count").await.json(), json!({"result": 2}));
    let r = rpc("crash").await;
    assert!(
        r.json()["result"]
            .as_str()
            .is_some_and(|m| m.contains("abortIsolate(\"served\")")),
        "{}",
        r.text()
    );
    // The child starts again; the parent goes on.
    assert_eq!(rpc("count").await.json(), json!({"result": 1}));
    s.shutdown().await;
}

#[tokio::test]
async fn a_deployed_parent_loads_a_child_per_user() {
    let dir = tempfile::tempdir().unwrap();
    let s = start(dir.path(), |_| {}).await;
    let t = Some(s.token.as_str());
    let body = json!({
        "mainModule": "parent.js",
        "modules": {"parent.js": std::fs::read_to_string(format!("{}/../../examples/loader-parent.js", env!("CARGO_MANIFEST_DIR"))).unwrap()},
        "compatibilityDate": "2025-06-01",
        "bindings": {"LOADER": {"loader": {}}},
        "env": {"API_HOST": "api.example.com"},
    });
    let put = send("PUT", &s.url("/workers/parent"), t, body.to_string()).await;
    assert_eq!(put.status, 201, "{}", put.text());
    for user in ["ada", "grace", "ada"] {
        let r = send("GET", &s.url(&format!("/w/parent/?user={user}")), None, "").await;
        assert_eq!(r.status, 200, "{}", r.text());
        assert_eq!(r.text(), format!("hello {user}"));
    }
    // A child's fetch() goes through the parent's gateway entrypoint, which
    // knows whose it is (props) and allows only env.API_HOST.
    let r = send(
        "GET",
        &s.url("/w/parent/fetch?user=grace&url=https://elsewhere.test/x"),
        None,
        "",
    )
    .await;
    assert_eq!(r.status, 403, "{}", r.text());
    assert_eq!(
        r.text(),
        "https://elsewhere.test/x is blocked by the gateway (user grace)"
    );
    // The loader's id must be an id.
    let bad = json!({
        "mainModule": "parent.js",
        "modules": {"parent.js": "export default {}"},
        "compatibilityDate": "2025-06-01",
        "bindings": {"LOADER": {"loader": {"id": "not an id"}}},
    });
    let r = send("PUT", &s.url("/workers/bad"), t, bad.to_string()).await;
    assert_eq!(r.status, 400, "{}", r.text());
    assert!(r.text().contains("loader id"), "{}", r.text());
    s.shutdown().await;
}
