//! The server's exposure and routing (review findings 7, 9, 11, 12, 16
//! and the catch-unwind class): what anyone can reach, and what anyone's
//! requests leave behind. Each test is the attack that worked on e141ef5.
//! (A panic while handling a request answering 500 instead of dropping the
//! connection is covered by `routes::tests::a_panic_in_a_handler_is_a_500_answer`.)

use serde_json::{Value as Json, json};

use super::http::{client, hostile, put_worker, request, send};
use crate::common::server::TestServer;

/// The WorkerCode JSON of one of this area's workers, with `extra` keys.
fn code(file: &str, extra: Json) -> Json {
    super::http::code(file, &hostile("exposure", file), extra)
}

async fn deploy(s: &TestServer, id: &str, file: &str, extra: Json) {
    let r = put_worker(s, id, &code(file, extra)).await;
    assert!(
        r.status == 201 || r.status == 200,
        "deploying {id}: {}",
        r.text()
    );
}

/// Finding 7: with `invoke_token` and `domain` set, `Host: {id}.{domain}`
/// invoked the worker without the token. It is refused as `/w/{id}/` is;
/// with the token it answers, and the worker never sees the token.
#[tokio::test]
async fn host_routed_invocation_needs_the_invoke_token() {
    let dir = tempfile::tempdir().unwrap();
    let s = TestServer::start(dir.path(), |c| {
        c.domain = Some("workers.test".into());
        c.invoke_token = Some("inv-secret".into());
    })
    .await;
    deploy(&s, "shop", "shop.js", json!({})).await;
    let c = client();
    let host = Some("shop.workers.test");
    let r = request(&c, "GET", &s.url("/"), host, None, &[], "").await;
    assert_eq!(r.status, 401, "{}", r.text());
    assert_eq!(r.header("www-authenticate"), Some("Bearer"));
    let r = request(&c, "GET", &s.url("/"), host, Some("wrong"), &[], "").await;
    assert_eq!(r.status, 401, "{}", r.text());
    let r = request(&c, "GET", &s.url("/w/shop/"), None, None, &[], "").await;
    assert_eq!(r.status, 401, "{}", r.text());

    for (h, path) in [(host, "/"), (None, "/w/shop/")] {
        let r = request(&c, "GET", &s.url(path), h, Some("inv-secret"), &[], "").await;
        assert_eq!(r.status, 200, "{path}: {}", r.text());
        let seen: Json = serde_json::from_str(r.header("x-seen").unwrap()).unwrap();
        assert_eq!(
            seen["authorization"],
            Json::Null,
            "the token stays with the server"
        );
    }
    // The admin token is as good (and stays with the server too).
    let r = request(&c, "GET", &s.url("/"), host, Some(&s.token), &[], "").await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(!r.text().contains(&s.token));
    s.shutdown().await;
}

/// Finding 16: without a token, anyone could call every RPC method of
/// every entrypoint and reach every Durable Object. Now only the default
/// export's `fetch` is public; RPC entrypoints and objects answer only
/// where the code exposes them, or to the admin or invoke token.
#[tokio::test]
async fn rpc_and_objects_answer_only_where_exposed_or_with_a_token() {
    let dir = tempfile::tempdir().unwrap();
    let s = TestServer::start(dir.path(), |_| {}).await;
    let t = Some(s.token.as_str());
    deploy(&s, "shop", "shop.js", json!({})).await;
    deploy(&s, "room", "room.js", json!({})).await;

    // The fetch handler is public.
    assert_eq!(send("GET", &s.url("/w/shop/"), None, "").await.status, 200);
    // The attack: an admin method, and the default export's methods.
    for path in ["/w/shop/rpc/Admin/secret", "/w/shop/rpc/default/price"] {
        let r = send("POST", &s.url(path), None, "[\"tea\"]").await;
        assert_eq!(r.status, 403, "{path}: {}", r.text());
        assert!(r.text().contains("expose"), "{}", r.text());
    }
    let r = send("GET", &s.url("/w/room/o/lobby/"), None, "").await;
    assert_eq!(r.status, 403, "{}", r.text());
    // Refused before the object existed: it has no storage.
    let r = send("GET", &s.url("/workers/room/objects"), t, "").await;
    assert_eq!(r.json()["objects"], json!([]), "{}", r.text());

    // With the admin token both answer ...
    let r = send("POST", &s.url("/w/shop/rpc/Admin/secret"), t, "").await;
    assert_eq!(r.json(), json!({"result": "the admin secret"}));
    let r = send("GET", &s.url("/w/room/o/lobby/"), t, "").await;
    assert_eq!(r.json()["served"], 1, "{}", r.text());
    // ... and the live object a trusted caller made still refuses others.
    let r = send("GET", &s.url("/w/room/o/lobby/"), None, "").await;
    assert_eq!(r.status, 403, "{}", r.text());

    // What the code exposes answers to anyone; nothing more.
    deploy(&s, "shop", "shop.js", json!({"expose": {"rpc": ["Admin"]}})).await;
    let r = send("POST", &s.url("/w/shop/rpc/Admin/secret"), None, "").await;
    assert_eq!(r.json(), json!({"result": "the admin secret"}));
    let r = send(
        "POST",
        &s.url("/w/shop/rpc/default/price"),
        None,
        "[\"tea\"]",
    )
    .await;
    assert_eq!(r.status, 403, "{}", r.text());
    deploy(&s, "shop", "shop.js", json!({"expose": {"rpc": ["*"]}})).await;
    let r = send(
        "POST",
        &s.url("/w/shop/rpc/default/price"),
        None,
        "[\"tea\"]",
    )
    .await;
    assert_eq!(r.json(), json!({"result": "tea: 10"}));
    deploy(&s, "room", "room.js", json!({"expose": {"objects": true}})).await;
    let r = send("GET", &s.url("/w/room/o/lobby/"), None, "").await;
    assert_eq!(r.json()["object"], "lobby", "{}", r.text());

    // A bad `expose` is a clear 400.
    let r = send(
        "PUT",
        &s.url("/workers/bad"),
        t,
        code("shop.js", json!({"expose": {"rpc": ["no/such"]}})).to_string(),
    )
    .await;
    assert_eq!(r.status, 400, "{}", r.text());
    assert!(r.text().contains("expose.rpc"), "{}", r.text());
    s.shutdown().await;
}

/// The same rules with an `invoke_token`: the token opens every route.
#[tokio::test]
async fn the_invoke_token_reaches_unexposed_entrypoints() {
    let dir = tempfile::tempdir().unwrap();
    let s = TestServer::start(dir.path(), |c| c.invoke_token = Some("inv".into())).await;
    deploy(&s, "shop", "shop.js", json!({})).await;
    let r = send("POST", &s.url("/w/shop/rpc/Admin/secret"), None, "").await;
    assert_eq!(r.status, 401, "{}", r.text());
    let r = send("POST", &s.url("/w/shop/rpc/Admin/secret"), Some("inv"), "").await;
    assert_eq!(r.json(), json!({"result": "the admin secret"}));
    s.shutdown().await;
}

/// Finding 9: a worker's page at `/w/evil/` was same-origin with the
/// playground (its token in localStorage) and every other worker. Its
/// answers now carry a sandboxing CSP (an opaque origin), set no cookies
/// and get none; on its own origin (`{id}.{domain}`) none of that applies.
#[tokio::test]
async fn shared_origin_answers_are_sandboxed_own_origin_ones_are_not() {
    let dir = tempfile::tempdir().unwrap();
    let s = TestServer::start(dir.path(), |c| c.domain = Some("workers.test".into())).await;
    deploy(&s, "evil", "shop.js", json!({})).await;
    let c = client();
    let cookie = [("cookie", "session=playground-user")];

    let r = request(&c, "GET", &s.url("/w/evil/"), None, None, &cookie, "").await;
    assert_eq!(r.status, 200, "{}", r.text());
    let csp = r.header("content-security-policy").unwrap_or("");
    assert!(csp.starts_with("sandbox allow-scripts"), "{csp}");
    assert!(!csp.contains("allow-same-origin"), "{csp}");
    assert_eq!(
        r.header("set-cookie"),
        None,
        "no cookie for the whole origin"
    );
    let seen: Json = serde_json::from_str(r.header("x-seen").unwrap()).unwrap();
    assert_eq!(
        seen["cookie"],
        Json::Null,
        "the origin's cookies are not its"
    );
    // Objects on the shared origin too.
    deploy(&s, "room", "room.js", json!({"expose": {"objects": true}})).await;
    let r = request(&c, "GET", &s.url("/w/room/o/a/"), None, None, &[], "").await;
    assert!(
        r.header("content-security-policy")
            .unwrap_or("")
            .starts_with("sandbox")
    );

    let host = Some("evil.workers.test");
    let r = request(&c, "GET", &s.url("/"), host, None, &cookie, "").await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.header("content-security-policy"), None);
    assert_eq!(r.header("set-cookie"), Some("sid=evil; Path=/"));
    let seen: Json = serde_json::from_str(r.header("x-seen").unwrap()).unwrap();
    assert_eq!(seen["cookie"], "session=playground-user");
    s.shutdown().await;
}

/// Finding 9's default: without `playground_host`, the playground (which
/// keeps the admin token in its origin's storage) is not served on a
/// public host name, where it would share the origin with every worker
/// by path; on loopback names it is.
#[tokio::test]
async fn without_a_playground_host_the_playground_answers_on_loopback_only() {
    let dir = tempfile::tempdir().unwrap();
    let s = TestServer::start(dir.path(), |_| {}).await;
    let c = client();
    for host in ["shop.example.com", "203.0.113.7:8787"] {
        for path in ["/", "/playground/"] {
            let r = request(&c, "GET", &s.url(path), Some(host), None, &[], "").await;
            assert_eq!(r.status, 404, "{host}{path}: {}", r.text());
            assert!(r.text().contains("playground_host"), "{}", r.text());
        }
    }
    for host in [
        "localhost:8787",
        "127.0.0.1",
        "[::1]:8787",
        "playground.localhost",
    ] {
        let r = request(&c, "GET", &s.url("/playground/"), Some(host), None, &[], "").await;
        assert_eq!(r.status, 200, "{host}: {}", r.text());
    }
    s.shutdown().await;
}

/// The per-worker concurrency limiters, as `/metrics` reports them.
async fn concurrency_entries(s: &TestServer) -> u64 {
    let text = send("GET", &s.url("/metrics"), None, "").await.text();
    text.lines()
        .find_map(|l| l.strip_prefix("isolet_worker_concurrency_entries "))
        .unwrap_or_else(|| panic!("no concurrency gauge in {text}"))
        .trim()
        .parse()
        .unwrap()
}

/// Finding 11: 1,500 `GET /w/<48 KB id>/` left +70 MiB behind (each id
/// keyed the concurrency map before it was checked, never removed). Now
/// ids are checked first, and unknown valid ones leave no entry once
/// idle: the map stays at most its pruning bound (256).
#[tokio::test]
async fn long_and_unknown_ids_leave_nothing_behind() {
    let dir = tempfile::tempdir().unwrap();
    let s = TestServer::start(dir.path(), |_| {}).await;
    let c = client();
    let long = "a".repeat(48 * 1024);
    for i in 0..1_500 {
        let r = request(
            &c,
            "GET",
            &s.url(&format!("/w/{long}{i}/")),
            None,
            None,
            &[],
            "",
        )
        .await;
        assert_eq!(r.status, 404, "{}", r.text());
        assert!(r.body.len() < 1_000, "the answer does not echo the id");
    }
    assert_eq!(concurrency_entries(&s).await, 0, "no long id was kept");
    for i in 0..1_500 {
        let r = request(
            &c,
            "GET",
            &s.url(&format!("/w/nobody-{i}/")),
            None,
            None,
            &[],
            "",
        )
        .await;
        assert_eq!(r.status, 404, "{}", r.text());
    }
    let n = concurrency_entries(&s).await;
    assert!(n <= 256, "{n} concurrency entries for ids nobody uses");
    s.shutdown().await;
}

/// Finding 12: 1,100 requests to unknown ids evicted every warm worker (a
/// deployed counter went 1, 2, 3 → 1). Only deployed code enters the warm
/// cache now: the counter counts on.
#[tokio::test]
async fn unknown_ids_do_not_evict_deployed_workers() {
    let dir = tempfile::tempdir().unwrap();
    let s = TestServer::start(dir.path(), |_| {}).await;
    deploy(&s, "counter", "counter.js", json!({})).await;
    let c = client();
    let count = async || {
        let r = request(&c, "GET", &s.url("/w/counter/"), None, None, &[], "").await;
        assert_eq!(r.status, 200, "{}", r.text());
        r.text()
    };
    for expected in ["1", "2", "3"] {
        assert_eq!(count().await, expected);
    }
    for i in 0..1_100 {
        let r = request(
            &c,
            "GET",
            &s.url(&format!("/w/flood-{i}/")),
            None,
            None,
            &[],
            "",
        )
        .await;
        assert_eq!(r.status, 404, "{}", r.text());
    }
    assert_eq!(count().await, "4", "the warm worker was evicted");
    s.shutdown().await;
}

/// Finding 12 through exposed objects: with `expose.objects`, anyone names
/// objects, and each new name made an instance that took a place in the
/// warm cache: 1,100 `GET /w/chat/o/<new name>/` evicted every other
/// worker. One worker's objects now hold at most an eighth of the cache
/// (their own least recently used goes first), and an object that never
/// uses its storage leaves no database file behind.
#[tokio::test]
async fn new_object_names_do_not_evict_other_workers() {
    let dir = tempfile::tempdir().unwrap();
    // A warm cache within the test server's 100 instances (as 1,000 is
    // within the default 2,000): its objects' share is 10.
    let s = TestServer::start(dir.path(), |c| c.max_warm_workers = 80).await;
    deploy(&s, "counter", "counter.js", json!({})).await;
    deploy(&s, "chat", "room.js", json!({"expose": {"objects": true}})).await;
    let c = client();
    let count = async || {
        let r = request(&c, "GET", &s.url("/w/counter/"), None, None, &[], "").await;
        assert_eq!(r.status, 200, "{}", r.text());
        r.text()
    };
    for expected in ["1", "2", "3"] {
        assert_eq!(count().await, expected);
    }
    for i in 0..1_100 {
        let r = request(
            &c,
            "GET",
            &s.url(&format!("/w/chat/o/flood-{i}/")),
            None,
            None,
            &[],
            "",
        )
        .await;
        assert_eq!(r.status, 200, "{}", r.text());
        assert_eq!(r.json()["served"], 1, "a new object");
    }
    assert_eq!(count().await, "4", "the warm worker was evicted");
    // The most recent objects are still warm; the flood's first is not.
    let r = request(
        &c,
        "GET",
        &s.url("/w/chat/o/flood-1099/"),
        None,
        None,
        &[],
        "",
    )
    .await;
    assert_eq!(r.json()["served"], 2, "{}", r.text());
    let r = request(&c, "GET", &s.url("/w/chat/o/flood-0/"), None, None, &[], "").await;
    assert_eq!(r.json()["served"], 1, "{}", r.text());
    // No object used its storage: no database file per name.
    let r = send("GET", &s.url("/workers/chat/objects"), Some(&s.token), "").await;
    assert_eq!(r.json()["objects"], json!([]), "{}", r.text());
    s.shutdown().await;
}

/// Finding 12's objects: an object the warm cache pushed out while a call
/// still held it got a second live instance beside the first. A lookup
/// now finds the one in use. (A held handle is what an in-flight request,
/// a streamed body or an open socket holds.)
#[tokio::test]
async fn an_object_in_use_is_never_instantiated_twice() {
    let dir = tempfile::tempdir().unwrap();
    let runtime = isolet::Runtime::builder()
        .max_instances(16)
        .max_warm_workers(1)
        .storage_dir(dir.path())
        .build()
        .await
        .unwrap();
    let room = || isolet::WorkerCode::js(hostile("exposure", "room.js"));
    let served = async |w: &isolet::Worker| {
        let r = w.fetch(isolet::Request::get("https://x/")).await.unwrap();
        r.json().unwrap()["served"].as_u64().unwrap()
    };
    let a = runtime.get_object("room", "a", room).await.unwrap();
    assert_eq!(served(&a).await, 1);
    // Other objects push "a" out of the one-entry cache while it is held.
    for other in ["b", "c", "d"] {
        let w = runtime.get_object("room", other, room).await.unwrap();
        assert_eq!(served(&w).await, 1);
    }
    let again = runtime
        .get_object("room", "a", || -> isolet::WorkerCode {
            panic!("a second instance of a live object")
        })
        .await
        .unwrap();
    assert_eq!(served(&again).await, 2, "one instance");
    assert_eq!(served(&a).await, 3);

    // Lookups whose code cannot be had leave the cache as it was: "a",
    // now held by nobody, stays warm.
    drop((a, again));
    let warm = runtime.warm_workers();
    for i in 0..10 {
        let e = runtime
            .get_with(&format!("missing-{i}"), async || {
                Err(isolet::Error::InvalidRequest("no worker".into()))
            })
            .await;
        assert!(e.is_err());
    }
    assert_eq!(runtime.warm_workers(), warm);
    let a = runtime
        .get_object("room", "a", || -> isolet::WorkerCode {
            panic!("evicted by failed lookups")
        })
        .await
        .unwrap();
    assert_eq!(served(&a).await, 4);
}

/// Reads what the server sends until the end of a response head, at most
/// `within` (a server still reading the body then fails the test).
async fn head_within(stream: &mut tokio::net::TcpStream, within: std::time::Duration) -> String {
    use tokio::io::AsyncReadExt as _;
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    let read = async {
        while !got.windows(4).any(|w| w == b"\r\n\r\n") {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => got.extend_from_slice(&buf[..n]),
            }
        }
    };
    let answered = tokio::time::timeout(within, read).await.is_ok();
    let text = String::from_utf8_lossy(&got).into_owned();
    assert!(answered, "no answer within {within:?}: {text}");
    text
}

/// Review 2, item 1: `POST /w/{id}/rpc/...` read and parsed the whole body
/// (two value trees, ~50 bytes per 2-byte element) before it checked that
/// the worker exists and exposes the entrypoint: anyone could make the
/// server hold half a gigabyte per request. Now an unknown worker or an
/// unexposed entrypoint answers before any of the body is read: a body
/// that never ends gets its 404 or 403 at once.
#[tokio::test]
async fn rpc_refuses_before_reading_the_body() {
    use tokio::io::AsyncWriteExt as _;
    let dir = tempfile::tempdir().unwrap();
    let s = TestServer::start(dir.path(), |_| {}).await;
    deploy(&s, "shop", "shop.js", json!({})).await;
    for (path, status) in [
        ("/w/shop/rpc/Admin/secret", "403"),
        ("/w/nobody/rpc/Admin/secret", "404"),
    ] {
        let started = std::time::Instant::now();
        let mut c = tokio::net::TcpStream::connect(s.addr).await.unwrap();
        let head = format!(
            "POST {path} HTTP/1.1\r\nhost: x\r\ntransfer-encoding: chunked\r\n\r\n4\r\n[0,0\r\n"
        );
        c.write_all(head.as_bytes()).await.unwrap();
        // ... and the rest of the body never comes.
        let answer = head_within(&mut c, std::time::Duration::from_secs(5)).await;
        assert!(
            answer.starts_with(&format!("HTTP/1.1 {status}")),
            "{path}: {answer}"
        );
        assert!(
            started.elapsed() < std::time::Duration::from_secs(5),
            "{:?}",
            started.elapsed()
        );
    }
    // An exposed entrypoint still takes its arguments.
    deploy(&s, "shop", "shop.js", json!({"expose": {"rpc": ["*"]}})).await;
    let r = send(
        "POST",
        &s.url("/w/shop/rpc/default/price"),
        None,
        "[\"tea\"]",
    )
    .await;
    assert_eq!(r.json(), json!({"result": "tea: 10"}));
    s.shutdown().await;
}

/// Review 2, item 1: the arguments of an RPC call are bounded before
/// anything is built from them: at most `max_rpc_body_bytes` (default
/// 1 MiB, whatever `max_body_bytes` allows) and `max_rpc_values` JSON
/// values (default 100,000), each refusal a 413 naming its limit. With the
/// token too.
#[tokio::test]
async fn rpc_arguments_are_bounded() {
    let dir = tempfile::tempdir().unwrap();
    let s = TestServer::start(dir.path(), |c| c.max_body_bytes = 4 << 20).await;
    deploy(
        &s,
        "calc",
        "handlers.js",
        json!({"expose": {"rpc": ["default"]}}),
    )
    .await;
    let url = s.url("/w/calc/rpc/default/count");
    let list = |n: usize| format!("[[{}0]]", "0,".repeat(n - 1));

    // Within both limits: the call is made.
    let r = send("POST", &url, None, list(50_000)).await;
    assert_eq!(r.json(), json!({"result": 50_000}), "{}", r.text());

    // 200,000 elements in 400 KB: too many values.
    for token in [None, Some(s.token.as_str())] {
        let r = send("POST", &url, token, list(200_000)).await;
        assert_eq!(r.status, 413, "{}", r.text());
        assert!(r.text().contains("max_rpc_values"), "{}", r.text());
    }
    // 1.5 MiB of arguments: over the byte limit.
    let big = format!("[\"{}\"]", "x".repeat(3 << 19));
    let r = send("POST", &url, None, big).await;
    assert_eq!(r.status, 413, "{}", r.text());
    assert!(r.text().contains("max_rpc_body_bytes"), "{}", r.text());
    // Commas and brackets inside strings are not values.
    let text = format!("[\"{}\"]", ",[{".repeat(100_000));
    let r = send("POST", &s.url("/w/calc/rpc/default/hello"), None, text).await;
    assert_eq!(r.status, 200, "{}", &r.text()[..200.min(r.text().len())]);
    s.shutdown().await;
}

/// Review 2, item 10: `expose.rpc: ["default"]` on a plain-object default
/// export let anyone call its handlers over RPC: `tail` with forged events
/// (env and ctx appended), `scheduled`, `alarm`, `fetch`. The names the
/// Workers runtime reserves are refused to clients without a token
/// whatever `expose` lists; the methods beside them answer, and a token
/// reaches everything as before.
#[tokio::test]
async fn exposing_an_entrypoint_does_not_expose_its_handlers() {
    let dir = tempfile::tempdir().unwrap();
    let s = TestServer::start(dir.path(), |_| {}).await;
    for rpc in [json!(["default"]), json!(["*"])] {
        deploy(&s, "jobs", "handlers.js", json!({"expose": {"rpc": rpc}})).await;
        for method in [
            "tail",
            "scheduled",
            "alarm",
            "fetch",
            "queue",
            "webSocketMessage",
            "constructor",
            "_secret",
        ] {
            let r = send(
                "POST",
                &s.url(&format!("/w/jobs/rpc/default/{method}")),
                None,
                "[[{\"forged\": true}]]",
            )
            .await;
            assert_eq!(r.status, 403, "{method}: {}", r.text());
            assert!(r.text().contains("reserves"), "{method}: {}", r.text());
        }
        let r = send(
            "POST",
            &s.url("/w/jobs/rpc/default/hello"),
            None,
            "[\"you\"]",
        )
        .await;
        assert_eq!(r.json(), json!({"result": "hello you"}), "{}", r.text());
    }
    let t = Some(s.token.as_str());
    let r = send("POST", &s.url("/w/jobs/rpc/default/scheduled"), t, "").await;
    assert_eq!(r.json(), json!({"result": "scheduled ran"}), "{}", r.text());
    s.shutdown().await;
}
