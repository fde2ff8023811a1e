//! Operator ceilings, WebSockets, `POST /run` and slow clients (findings
//! 10, 15, 18 and the suspected slow-body and `/run` body items), each
//! through a real `isolet serve`.
//!
//! - 15: uploaded code asking for `allowPrivate` (and with it the server's
//!   own `/metrics`), or for more CPU, time, memory or response bytes than
//!   the operator allows, is refused at upload with a 400 naming the
//!   ceiling; an operator who allows more gets it.
//! - 10: idle WebSockets cannot hold every instance of a worker: a socket
//!   cap leaves instances to HTTP requests, a request that finds every
//!   instance busy gets a 503 after the worker's timeout, and an idle
//!   socket is closed.
//! - 18: two runs of the same code do not share the Cache API.
//! - Slow clients: a request body (or head) that stops arriving closes the
//!   connection after the configured timeout.

use std::time::Duration;

use serde_json::{Value as Json, json};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

use super::http::{Reply, code, hostile, put_worker, send, test_file};
use crate::common::server::TestServer;

fn problems(r: &Reply) -> String {
    r.json()["problems"].to_string()
}

/// Finding 15: by default uploaded code may not ask for `allowPrivate` nor
/// for limits over the operator's ceilings (at PUT and at `/run`); the
/// answer names the ceiling.
#[tokio::test]
async fn uploads_over_the_operators_ceilings_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let s = TestServer::start(dir.path(), |_| {}).await;
    let t = Some(s.token.as_str());

    // The attack: forward to private addresses, i.e. this server's /metrics.
    let private = code(
        "main.js",
        &hostile("ceilings", "private_fetch.js"),
        json!({"globalOutbound": {"forward": {"allowPrivate": true}}}),
    );
    let r = send("PUT", &s.url("/workers/peek"), t, private.to_string()).await;
    assert_eq!(r.status, 400, "{}", r.text());
    assert!(problems(&r).contains("allowPrivate"), "{}", r.text());
    assert!(
        problems(&r).contains("allow_private_outbound"),
        "{}",
        r.text()
    );
    assert_eq!(send("GET", &s.url("/w/peek/"), None, "").await.status, 404);

    // Limits over the ceilings: every one is named.
    let greedy = code(
        "main.js",
        "export default { fetch() { return new Response('x') } }",
        json!({"limits": {"cpuMs": 100000, "timeoutMs": 3600000, "memoryBytes": 4294967296u64, "responseBytes": 1099511627776u64}}),
    );
    let r = send("PUT", &s.url("/workers/greedy"), t, greedy.to_string()).await;
    assert_eq!(r.status, 400, "{}", r.text());
    let p = problems(&r);
    for expected in [
        "`limits.cpuMs` 100000 is over this server's ceiling of 30000",
        "`limits.timeoutMs` 3600000 is over this server's ceiling of 120000",
        "`limits.memoryBytes` 4294967296 is over this server's ceiling of 134217728",
        "`limits.responseBytes` 1099511627776 is over this server's ceiling of 1073741824",
    ] {
        assert!(p.contains(expected), "{expected} not in {p}");
    }
    // /run takes code too, and is held to the same ceilings.
    let run = json!({"code": greedy});
    let r = send("POST", &s.url("/run"), t, run.to_string()).await;
    assert_eq!(r.status, 400, "{}", r.text());
    assert!(problems(&r).contains("cpuMs` 100000"), "{}", r.text());
    let run = json!({"code": private});
    let r = send("POST", &s.url("/run"), t, run.to_string()).await;
    assert_eq!(r.status, 400, "{}", r.text());
    assert!(problems(&r).contains("allowPrivate"), "{}", r.text());

    // Too many tails (each a delivery per invocation).
    let tails: Vec<String> = (0..20).map(|i| format!("t{i}")).collect();
    let r = send(
        "PUT",
        &s.url("/workers/fan"),
        t,
        code("main.js", "export default {}", json!({"tails": tails})).to_string(),
    )
    .await;
    assert_eq!(r.status, 400, "{}", r.text());
    assert!(problems(&r).contains("tails"), "{}", r.text());

    // Within the ceilings: accepted.
    let modest = code(
        "main.js",
        "export default { fetch() { return new Response('modest') } }",
        json!({"limits": {"cpuMs": 30000, "timeoutMs": 120000}, "globalOutbound": {"forward": {"allowHosts": ["api.example.com"]}}}),
    );
    let r = send("PUT", &s.url("/workers/modest"), t, modest.to_string()).await;
    assert_eq!(r.status, 201, "{}", r.text());
    assert_eq!(
        send("GET", &s.url("/w/modest/"), None, "").await.text(),
        "modest"
    );
    s.shutdown().await;
}

/// Finding 15, the operator's side: ceilings are the operator's to raise,
/// and an outbound host list confines the tenants' forward policies.
#[tokio::test]
async fn an_operator_may_allow_more_and_confine_outbound_hosts() {
    let dir = tempfile::tempdir().unwrap();
    let s = TestServer::start(dir.path(), |c| {
        c.allow_private_outbound = true;
        c.max_limits.cpu_time = Some(Duration::from_secs(200));
        c.outbound_hosts = vec!["127.0.0.1".into(), "*.example.com".into()];
    })
    .await;
    let t = Some(s.token.as_str());
    let private = code(
        "main.js",
        &hostile("ceilings", "private_fetch.js"),
        json!({"limits": {"cpuMs": 100000}, "globalOutbound": {"forward": {"allowPrivate": true, "allowHosts": ["127.0.0.1"]}}}),
    );
    let r = send("PUT", &s.url("/workers/peek"), t, private.to_string()).await;
    assert_eq!(r.status, 201, "{}", r.text());
    let port = s.addr.port();
    let r = send("GET", &s.url(&format!("/w/peek/?port={port}")), None, "").await;
    assert_eq!(r.text(), "metrics 200");

    // "inherit" forwards anywhere: not within the operator's list.
    for (outbound, refused) in [
        (json!("inherit"), Some("forwards to any host")),
        (
            json!({"forward": {"allowHosts": ["evil.test"]}}),
            Some("\\\"evil.test\\\" is outside"),
        ),
        (
            json!({"forward": {"allowHosts": ["*"]}}),
            Some("\\\"*\\\" is outside"),
        ),
        (
            json!({"forward": {"allowHosts": ["api.example.com", "*.cdn.example.com"]}}),
            None,
        ),
    ] {
        let c = code(
            "main.js",
            "export default {}",
            json!({"globalOutbound": outbound}),
        );
        let r = send("PUT", &s.url("/workers/out"), t, c.to_string()).await;
        match refused {
            Some(why) => {
                assert_eq!(r.status, 400, "{outbound}: {}", r.text());
                assert!(problems(&r).contains(why), "{outbound}: {}", r.text());
                assert!(problems(&r).contains("outbound_hosts"), "{}", r.text());
            }
            None => assert!(
                r.status == 201 || r.status == 200,
                "{outbound}: {}",
                r.text()
            ),
        }
    }
    s.shutdown().await;
}

/// Finding 18: `POST /run` of the same code twice: the second run does not
/// see what the first stored in the Cache API.
#[tokio::test]
async fn each_run_has_a_cache_of_its_own() {
    let dir = tempfile::tempdir().unwrap();
    let s = TestServer::start(dir.path(), |_| {}).await;
    let t = Some(s.token.as_str());
    let run = json!({"code": code("main.js", &hostile("ceilings", "run_cache.js"), json!({}))})
        .to_string();
    for round in 1..=3 {
        let r = send("POST", &s.url("/run"), t, run.clone()).await;
        assert_eq!(r.status, 200, "{}", r.text());
        assert_eq!(
            r.json()["response"]["body"],
            "stored",
            "run {round} saw another run's cache: {}",
            r.text()
        );
    }
    s.shutdown().await;
}

/// The suspected `/run` body: the answer's body is bounded (32 MiB), not
/// the worker's 1 GiB default, so the server does not collect and copy a
/// gigabyte for one run.
#[tokio::test]
async fn a_run_collects_a_bounded_body() {
    let dir = tempfile::tempdir().unwrap();
    let s = TestServer::start(dir.path(), |_| {}).await;
    let t = Some(s.token.as_str());
    let big = "export default { fetch() { return new Response(new Uint8Array(33 << 20)) } }";
    let run = json!({"code": code("main.js", big, json!({}))}).to_string();
    let r = send("POST", &s.url("/run"), t, run).await;
    assert_eq!(
        r.status,
        502,
        "{}",
        r.text().chars().take(300).collect::<String>()
    );
    assert_eq!(r.json()["limit"], "response_bytes");
    assert_eq!(r.json()["bytes"], 32 << 20);
    s.shutdown().await;
}

async fn deploy_chat(s: &TestServer, limits: Json) {
    let c = code(
        "websocket.js",
        &test_file("workers/js/websocket.js"),
        json!({"limits": limits}),
    );
    let r = put_worker(s, "chat", &c).await;
    assert_eq!(r.status, 201, "{}", r.text());
}

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn open_socket(s: &TestServer) -> Result<Socket, u16> {
    open_socket_at(s, "/w/chat/room").await
}

/// A WebSocket to `path` whose worker greets it with "hello", or the
/// status of the refused upgrade.
async fn open_socket_at(s: &TestServer, path: &str) -> Result<Socket, u16> {
    use futures_util::StreamExt as _;
    let url = format!("ws://{}{path}", s.addr);
    match tokio_tungstenite::connect_async(url).await {
        Ok((mut ws, _)) => {
            // The worker greets every socket.
            let hello = tokio::time::timeout(Duration::from_secs(10), ws.next())
                .await
                .expect("the worker greets");
            assert!(matches!(hello, Some(Ok(m)) if m.to_text().unwrap_or("") == "hello"));
            Ok(ws)
        }
        Err(tokio_tungstenite::tungstenite::Error::Http(resp)) => Err(resp.status().as_u16()),
        Err(e) => panic!("WebSocket connect: {e}"),
    }
}

/// Finding 10: with two instances per worker, idle unauthenticated
/// WebSockets may hold only one of them: the second upgrade gets 503 and
/// HTTP requests keep being answered.
#[tokio::test]
async fn idle_websockets_leave_instances_to_requests() {
    let dir = tempfile::tempdir().unwrap();
    let s = TestServer::start(dir.path(), |c| c.instances_per_worker = 2).await;
    deploy_chat(&s, json!({})).await;
    let first = open_socket(&s).await.expect("one socket is allowed");
    assert_eq!(open_socket(&s).await.err(), Some(503));
    for _ in 0..3 {
        let r = send("GET", &s.url("/w/chat/local"), None, "").await;
        assert_eq!(r.status, 200, "{}", r.text());
    }
    drop(first);
    s.shutdown().await;
}

/// Finding 10, when an operator lets sockets take every instance: the
/// request that finds none free gets a 503 after the worker's timeoutMs
/// instead of hanging.
#[tokio::test]
async fn a_request_finding_every_instance_held_gets_503() {
    let dir = tempfile::tempdir().unwrap();
    let s = TestServer::start(dir.path(), |c| {
        c.instances_per_worker = 2;
        c.max_websockets_per_worker = 2;
    })
    .await;
    deploy_chat(&s, json!({"timeoutMs": 500})).await;
    let a = open_socket(&s).await.expect("first socket");
    let b = open_socket(&s).await.expect("second socket");
    let r = send("GET", &s.url("/w/chat/local"), None, "").await;
    assert_eq!(r.status, 503, "{}", r.text());
    assert!(r.text().contains("busy"), "{}", r.text());
    drop((a, b));
    s.shutdown().await;
}

/// Finding 10: a socket with no message either way is closed (1001) after
/// the idle timeout, and its place is free again.
#[tokio::test]
async fn an_idle_websocket_is_closed() {
    use futures_util::StreamExt as _;
    let dir = tempfile::tempdir().unwrap();
    let s = TestServer::start(dir.path(), |c| {
        c.instances_per_worker = 2;
        c.websocket_idle_timeout_ms = 300;
    })
    .await;
    deploy_chat(&s, json!({})).await;
    let mut ws = open_socket(&s).await.expect("socket");
    let closed = tokio::time::timeout(Duration::from_secs(10), ws.next())
        .await
        .expect("the idle socket is closed");
    match closed {
        Some(Ok(tokio_tungstenite::tungstenite::Message::Close(Some(frame)))) => {
            assert_eq!(u16::from(frame.code), 1001);
            assert!(frame.reason.contains("idle"), "{}", frame.reason);
        }
        other => panic!("expected a close frame, got {other:?}"),
    }
    drop(ws);
    // Its place comes free once the worker's session has ended.
    let mut again = None;
    for _ in 0..100 {
        match open_socket(&s).await {
            Ok(ws) => {
                again = Some(ws);
                break;
            }
            Err(503) => tokio::time::sleep(Duration::from_millis(50)).await,
            Err(other) => panic!("upgrade answered {other}"),
        }
    }
    assert!(again.is_some(), "the idle socket's place never came free");
    s.shutdown().await;
}

/// Reads what the server sends until it closes the connection (at most
/// 10 s: a connection still open then fails the test).
async fn read_until_closed(stream: &mut (impl tokio::io::AsyncRead + Unpin)) -> String {
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match tokio::time::timeout(Duration::from_secs(10), stream.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => break,
            Ok(Ok(n)) => got.extend_from_slice(&buf[..n]),
            Err(_) => panic!(
                "the server kept a stalled connection open: {}",
                String::from_utf8_lossy(&got)
            ),
        }
    }
    String::from_utf8_lossy(&got).into_owned()
}

/// Reads what the server sends until the end of a response head (at most
/// 10 s).
async fn read_head(stream: &mut (impl tokio::io::AsyncRead + Unpin)) -> String {
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    while !got.windows(4).any(|w| w == b"\r\n\r\n") {
        match tokio::time::timeout(Duration::from_secs(10), stream.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => break,
            Ok(Ok(n)) => got.extend_from_slice(&buf[..n]),
            Err(_) => panic!("no answer: {}", String::from_utf8_lossy(&got)),
        }
    }
    String::from_utf8_lossy(&got).into_owned()
}

/// Deploys `echo`, a worker answering with the request's body.
async fn deploy_echo(s: &TestServer) {
    let echo = code(
        "main.js",
        "export default { async fetch(r) { return new Response(await r.text()) } }",
        json!({}),
    );
    let r = put_worker(s, "echo", &echo).await;
    assert_eq!(r.status, 201, "{}", r.text());
}

/// Slow clients: a body that stops arriving gets 408 and the connection
/// closes; so does a request head that never ends.
#[tokio::test]
async fn stalled_request_bodies_and_heads_are_cut_off() {
    let dir = tempfile::tempdir().unwrap();
    let s = TestServer::start(dir.path(), |c| {
        c.body_read_timeout_ms = 300;
        c.header_read_timeout_ms = 300;
    })
    .await;
    deploy_echo(&s).await;

    // An admin upload and a worker request whose bodies stop after 5 of
    // 100 declared bytes.
    for (path, auth) in [
        (
            "/workers/other",
            format!("authorization: Bearer {}\r\n", s.token),
        ),
        ("/w/echo/", String::new()),
    ] {
        let mut c = tokio::net::TcpStream::connect(s.addr).await.unwrap();
        let head =
            format!("PUT {path} HTTP/1.1\r\nhost: x\r\n{auth}content-length: 100\r\n\r\n{{\"a\":");
        c.write_all(head.as_bytes()).await.unwrap();
        let answer = read_until_closed(&mut c).await;
        assert!(answer.starts_with("HTTP/1.1 408"), "{path}: {answer}");
        assert!(answer.contains("body_read_timeout_ms"), "{path}: {answer}");
    }

    // A streamed (chunked) body the worker reads: its read fails.
    let mut c = tokio::net::TcpStream::connect(s.addr).await.unwrap();
    c.write_all(
        b"POST /w/echo/ HTTP/1.1\r\nhost: x\r\ntransfer-encoding: chunked\r\n\r\n5\r\nhello\r\n",
    )
    .await
    .unwrap();
    let answer = read_head(&mut c).await;
    assert!(answer.starts_with("HTTP/1.1 500"), "{answer}");

    // A request head that never ends.
    let mut c = tokio::net::TcpStream::connect(s.addr).await.unwrap();
    c.write_all(b"GET /healthz HTTP/1.1\r\nhost: x\r\n")
        .await
        .unwrap();
    let answer = read_until_closed(&mut c).await;
    assert!(!answer.contains("200 OK"), "{answer}");

    // The server still answers.
    assert_eq!(send("GET", &s.url("/healthz"), None, "").await.status, 200);
    s.shutdown().await;
}

/// Writes `head`, then `piece` every 100 ms (`times` times) while the
/// server answers; write errors (the server closed) end the trickle.
fn trickle(
    stream: tokio::net::TcpStream,
    head: String,
    piece: &'static [u8],
    times: usize,
) -> tokio::net::tcp::OwnedReadHalf {
    let (read, mut write) = stream.into_split();
    tokio::spawn(async move {
        if write.write_all(head.as_bytes()).await.is_err() {
            return;
        }
        for _ in 0..times {
            tokio::time::sleep(Duration::from_millis(100)).await;
            if write.write_all(piece).await.is_err() {
                return;
            }
        }
        // Not half-closed: the server would take that as the client gone.
        tokio::time::sleep(Duration::from_secs(20)).await;
        drop(write);
    });
    read
}

/// Slow clients: a body that trickles in (a byte every 100 ms, never idle
/// for `body_read_timeout_ms`) held the worker's slot for as long as it
/// liked. Past `body_rate_grace_ms` of waiting it must keep up
/// `min_body_bytes_per_sec` on average: a body read before the worker
/// starts gets 408, a streamed one fails the worker's read. A body that
/// keeps up passes.
#[tokio::test]
async fn trickling_request_bodies_are_cut_off() {
    let dir = tempfile::tempdir().unwrap();
    let s = TestServer::start(dir.path(), |c| {
        c.min_body_bytes_per_sec = 1_000;
        c.body_rate_grace_ms = 300;
    })
    .await;
    deploy_echo(&s).await;

    // 100 declared bytes, one every 100 ms: 10 s, where 0.4 s is allowed.
    let started = std::time::Instant::now();
    let c = tokio::net::TcpStream::connect(s.addr).await.unwrap();
    let head = "PUT /w/echo/ HTTP/1.1\r\nhost: x\r\ncontent-length: 100\r\n\r\n".to_string();
    let mut read = trickle(c, head, b"a", 100);
    let answer = read_until_closed(&mut read).await;
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("min_body_bytes_per_sec"), "{answer}");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );

    // A streamed (chunked) body the worker reads: its read fails.
    let started = std::time::Instant::now();
    let c = tokio::net::TcpStream::connect(s.addr).await.unwrap();
    let head =
        "POST /w/echo/ HTTP/1.1\r\nhost: x\r\ntransfer-encoding: chunked\r\n\r\n".to_string();
    let mut read = trickle(c, head, b"1\r\na\r\n", 100);
    let answer = read_head(&mut read).await;
    assert!(answer.starts_with("HTTP/1.1 500"), "{answer}");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );

    // A body that keeps up (in two pieces) is read as usual.
    let c = tokio::net::TcpStream::connect(s.addr).await.unwrap();
    let head =
        "PUT /w/echo/ HTTP/1.1\r\nhost: x\r\ncontent-length: 10\r\nconnection: close\r\n\r\nhello"
            .to_string();
    let mut read = trickle(c, head, b"world", 1);
    let answer = read_until_closed(&mut read).await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.ends_with("helloworld"), "{answer}");
    s.shutdown().await;
}

/// Opens a socket to `path` once its place comes free: retries a 503 for
/// up to 10 s; `None` if it never did.
async fn socket_once_free(s: &TestServer, path: &str) -> Option<Socket> {
    for _ in 0..100 {
        match open_socket_at(s, path).await {
            Ok(ws) => return Some(ws),
            Err(503) => tokio::time::sleep(Duration::from_millis(100)).await,
            Err(other) => panic!("upgrade answered {other}"),
        }
    }
    None
}

/// Review 2, item 7: a WebSocket client that stops reading pinned its
/// socket's place (and worker instance) forever: the relay waited on the
/// write with no timeout, and the idle timer runs only between writes.
/// Now a client that takes nothing for the idle timeout is dropped and
/// its place comes free, while the worker floods it.
#[tokio::test]
async fn a_websocket_client_that_stops_reading_is_dropped() {
    use futures_util::SinkExt as _;
    let dir = tempfile::tempdir().unwrap();
    let s = TestServer::start(dir.path(), |c| {
        c.instances_per_worker = 2;
        c.websocket_idle_timeout_ms = 500;
    })
    .await;
    let flood = code("main.js", &hostile("ceilings", "ws_flood.js"), json!({}));
    let r = put_worker(&s, "chat", &flood).await;
    assert_eq!(r.status, 201, "{}", r.text());
    let mut ws = open_socket(&s).await.expect("one socket is allowed");
    ws.send(tokio_tungstenite::tungstenite::Message::text("flood"))
        .await
        .unwrap();
    // The client reads nothing from here on, and stays connected.
    let again = socket_once_free(&s, "/w/chat/room").await;
    assert!(
        again.is_some(),
        "the stalled client's place never came free"
    );
    drop((ws, again));
    s.shutdown().await;
}

/// Review 2, item 8: a socket's place was taken before the worker existed
/// or the upgrade request's body arrived (a slow upgrade request held one
/// for as long as its body took), and the sockets of a worker's objects
/// did not count toward its cap (one worker with `expose.objects` let
/// anyone hold half the process's instances). Now a place is taken only
/// once the worker answers to the caller and the body is in, and object
/// sockets count toward their worker's cap.
#[tokio::test]
async fn socket_places_go_to_reachable_workers_objects_included() {
    use tokio::io::AsyncWriteExt as _;
    let dir = tempfile::tempdir().unwrap();
    let s = TestServer::start(dir.path(), |c| c.instances_per_worker = 2).await;
    deploy_chat(&s, json!({})).await;

    // An upgrade whose 10-byte body never comes holds no place.
    let mut slow = tokio::net::TcpStream::connect(s.addr).await.unwrap();
    slow.write_all(
        b"GET /w/chat/room HTTP/1.1\r\nhost: x\r\nupgrade: websocket\r\nconnection: upgrade\r\n\
          sec-websocket-version: 13\r\nsec-websocket-key: dGhlIHNhbXBsZSBub25jZQ==\r\n\
          content-length: 10\r\n\r\n",
    )
    .await
    .unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let ws = open_socket(&s)
        .await
        .expect("the slow upgrade holds no place");
    drop((ws, slow));

    // One socket per worker here, its objects' included.
    let room = code(
        "main.js",
        &hostile("ceilings", "ws_room.js"),
        json!({"expose": {"objects": true}}),
    );
    let r = put_worker(&s, "rooms", &room).await;
    assert_eq!(r.status, 201, "{}", r.text());
    let a = open_socket_at(&s, "/w/rooms/o/a/")
        .await
        .expect("a first object socket");
    assert_eq!(open_socket_at(&s, "/w/rooms/o/a/").await.err(), Some(503));
    assert_eq!(
        open_socket_at(&s, "/w/rooms/o/b/").await.err(),
        Some(503),
        "another object's socket is over the worker's cap"
    );
    drop(a);
    let b = socket_once_free(&s, "/w/rooms/o/b/").await;
    assert!(b.is_some(), "the object socket's place never came free");
    s.shutdown().await;
}

/// Review 2, item 9: ceilings were checked at upload only, so code stored
/// before an operator lowered them (or before there were any) kept what it
/// asked for: `allowPrivate` reading this server's `/metrics`. Code stored
/// under a lenient config is refused when a strict one loads it, by path
/// (503 naming the ceilings and saying to upload again) and through a
/// service binding.
#[tokio::test]
async fn stored_code_over_todays_ceilings_is_not_loaded() {
    let dir = tempfile::tempdir().unwrap();
    let lenient = TestServer::start(dir.path(), |c| {
        c.allow_private_outbound = true;
        c.max_limits.cpu_time = Some(Duration::from_secs(200));
    })
    .await;
    let private = code(
        "main.js",
        &hostile("ceilings", "private_fetch.js"),
        json!({"limits": {"cpuMs": 100000}, "globalOutbound": {"forward": {"allowPrivate": true}}}),
    );
    let r = put_worker(&lenient, "peek", &private).await;
    assert_eq!(r.status, 201, "{}", r.text());
    let relay = code(
        "main.js",
        &hostile("ceilings", "relay.js"),
        json!({"bindings": {"PEEK": {"service": {"worker": "peek"}}}}),
    );
    let r = put_worker(&lenient, "relay", &relay).await;
    assert_eq!(r.status, 201, "{}", r.text());
    let port = lenient.addr.port();
    let r = send(
        "GET",
        &lenient.url(&format!("/w/peek/?port={port}")),
        None,
        "",
    )
    .await;
    assert_eq!(
        r.text(),
        "metrics 200",
        "allowed where the operator allows it"
    );
    lenient.shutdown().await;

    // The same data directory under the default (strict) ceilings.
    let s = TestServer::start(dir.path(), |_| {}).await;
    let port = s.addr.port();
    let r = send("GET", &s.url(&format!("/w/peek/?port={port}")), None, "").await;
    assert_eq!(r.status, 503, "{}", r.text());
    for expected in ["allowPrivate", "cpuMs` 100000", "upload it again"] {
        assert!(r.text().contains(expected), "{expected}: {}", r.text());
    }
    let r = send("GET", &s.url(&format!("/w/relay/?port={port}")), None, "").await;
    assert!(!r.text().contains("metrics 200"), "{}", r.text());
    assert!(r.text().starts_with("refused"), "{}", r.text());
    // Uploaded again within the ceilings, it loads.
    let modest = code(
        "main.js",
        &hostile("ceilings", "private_fetch.js"),
        json!({}),
    );
    let r = put_worker(&s, "peek", &modest).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let r = send("GET", &s.url(&format!("/w/peek/?port={port}")), None, "").await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(r.text().starts_with("refused"), "{}", r.text());
    s.shutdown().await;
}

/// Review 2, item 11: a forward policy's `timeoutMs` and `maxRedirects`
/// had no ceiling (u32::MAX redirects passed). Over `max_forward_timeout_ms`
/// (default 30,000) or `max_forward_redirects` (default 20) an upload is
/// refused, naming them; an operator may allow more.
#[tokio::test]
async fn forward_timeouts_and_redirects_have_ceilings() {
    let dir = tempfile::tempdir().unwrap();
    let s = TestServer::start(dir.path(), |_| {}).await;
    let greedy = code(
        "main.js",
        "export default {}",
        json!({"globalOutbound": {"forward": {"timeoutMs": 3600000, "maxRedirects": 4294967295u64}}}),
    );
    let r = put_worker(&s, "greedy", &greedy).await;
    assert_eq!(r.status, 400, "{}", r.text());
    let p = problems(&r);
    for expected in [
        "`globalOutbound.forward.timeoutMs` 3600000 is over this server's ceiling of 30000 (max_forward_timeout_ms)",
        "`globalOutbound.forward.maxRedirects` 4294967295 is over this server's ceiling of 20 (max_forward_redirects)",
    ] {
        assert!(p.contains(expected), "{expected} not in {p}");
    }
    let r = send(
        "POST",
        &s.url("/run"),
        Some(&s.token),
        json!({"code": greedy}).to_string(),
    )
    .await;
    assert_eq!(r.status, 400, "{}", r.text());
    assert!(
        problems(&r).contains("max_forward_redirects"),
        "{}",
        r.text()
    );
    let within = code(
        "main.js",
        "export default {}",
        json!({"globalOutbound": {"forward": {"timeoutMs": 30000, "maxRedirects": 20}}}),
    );
    assert_eq!(put_worker(&s, "within", &within).await.status, 201);
    s.shutdown().await;

    let dir = tempfile::tempdir().unwrap();
    let s = TestServer::start(dir.path(), |c| {
        c.max_forward_timeout_ms = 3_600_000;
        c.max_forward_redirects = u32::MAX;
    })
    .await;
    let r = put_worker(&s, "greedy", &greedy).await;
    assert_eq!(r.status, 201, "{}", r.text());
    s.shutdown().await;
}
