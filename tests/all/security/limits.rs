//! Issue 37: documented limits and security properties that no test
//! exercised. Server properties go through a real `isolet serve`
//! (tests/all/common/server.rs, or the binary itself where an environment
//! variable or the CLI decides); storage limits through a runtime with a
//! storage directory. The workers are in tests/hostile/security/limits/.
//!
//! - `max_header_bytes`: a request head past it gets 431.
//! - `worker_concurrency`: requests past it wait for a slot, at most 5 s,
//!   then get 503 with `Retry-After`; other workers are not held up.
//! - `StorageLimits::value_bytes` for key-value entries, and the
//!   `isolet:fs` quotas (file size, total bytes, entries): each refused
//!   with its own error, earlier data intact.
//! - The playground's CSP on every answer, and `ISOLET_PLAYGROUND=0`.
//! - `isolet mcp --http` beyond loopback only with a token.
//! - Memory bombs of every shape under the default limits.
//! - A reused pool slot, scanned by the host for a secret its previous
//!   instance planted.

use std::path::Path;
use std::time::{Duration, Instant};

use isolet::{ModuleSource, Request, Runtime, StorageLimits, WorkerCode};
use serde_json::{Value as Json, json};

use super::http::{Reply, client, code, hostile, put_worker, request, send, test_file};
use crate::common::server::TestServer;

// ---- max_header_bytes ----

/// One HTTP/1.1 exchange on a connection of its own: `head` written as is,
/// then everything the server sends until it closes the connection. A
/// server that answers before it has read all of an oversized head resets
/// the connection; what it sent before is still read (a failed write is
/// not the test's concern, the answer is).
async fn raw_exchange(addr: std::net::SocketAddr, head: &[u8]) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let exchange = async {
        let _ = stream.write_all(head).await;
        let mut got = Vec::new();
        let mut buf = [0u8; 8192];
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => got.extend_from_slice(&buf[..n]),
            }
        }
        got
    };
    let got = tokio::time::timeout(Duration::from_secs(30), exchange)
        .await
        .expect("the server answered and closed within 30 s");
    String::from_utf8_lossy(&got).into_owned()
}

/// `GET /healthz` with `headers` besides `host` and `connection: close`.
fn head_with(headers: &[(String, String)]) -> Vec<u8> {
    let mut head =
        String::from("GET /healthz HTTP/1.1\r\nhost: 127.0.0.1\r\nconnection: close\r\n");
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    head.into_bytes()
}

/// One header `x-pad` of `n` bytes.
fn padded(n: usize) -> Vec<u8> {
    head_with(&[("x-pad".to_string(), "a".repeat(n))])
}

/// The status of a raw answer (0 if there is none).
fn status_of(answer: &str) -> u16 {
    answer
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0)
}

/// `max_header_bytes` (ServerConfig, default 64 KiB): a request head past
/// it gets 431, whether one header or many make it so; heads within it are
/// served, and so is the next connection.
#[tokio::test]
async fn request_heads_past_max_header_bytes_get_431() {
    let dir = tempfile::tempdir().unwrap();
    let s = TestServer::start(dir.path(), |c| c.max_header_bytes = 16 << 10).await;
    let within = raw_exchange(s.addr, &padded(12 << 10)).await;
    assert_eq!(status_of(&within), 200, "{within}");
    let one = raw_exchange(s.addr, &padded(20 << 10)).await;
    assert_eq!(status_of(&one), 431, "one 20 KiB header: {one}");
    // 80 headers of 256 bytes: each small, together past 16 KiB (and fewer
    // than the 100 headers the parser allows).
    let many: Vec<(String, String)> = (0..80)
        .map(|i| (format!("x-h{i}"), "b".repeat(256)))
        .collect();
    let many = raw_exchange(s.addr, &head_with(&many)).await;
    assert_eq!(status_of(&many), 431, "80 headers of 256 bytes: {many}");
    assert_eq!(send("GET", &s.url("/healthz"), None, "").await.status, 200);
    s.shutdown().await;

    // The default, 64 KiB. (120 KiB: past what the read buffer can grow
    // to, see `a_head_just_past_the_default_max_header_bytes_gets_431`.)
    let s = TestServer::start(dir.path(), |_| {}).await;
    let within = raw_exchange(s.addr, &padded(48 << 10)).await;
    assert_eq!(status_of(&within), 200, "{within}");
    let past = raw_exchange(s.addr, &padded(120 << 10)).await;
    assert_eq!(status_of(&past), 431, "one 120 KiB header: {past}");
    assert_eq!(send("GET", &s.url("/healthz"), None, "").await.status, 200);
    s.shutdown().await;
}

/// A head just past the default `max_header_bytes` (64 KiB) that arrives
/// at once gets 431. (It was served while the limit was hyper's
/// `max_buf_size`: the read buffer grows by doubling, 8 -> 24 -> 56 ->
/// 112 KiB, so a head of up to 112 KiB passed; `max_header_size` is exact.)
#[tokio::test]
async fn a_head_just_past_the_default_max_header_bytes_gets_431() {
    let dir = tempfile::tempdir().unwrap();
    let s = TestServer::start(dir.path(), |_| {}).await;
    for n in [66 << 10, 80 << 10, 100 << 10] {
        let answer = raw_exchange(s.addr, &padded(n)).await;
        assert_eq!(status_of(&answer), 431, "one header of {n} bytes: {answer}");
    }
    s.shutdown().await;
}

// ---- worker_concurrency ----

/// An HTTP upstream on 127.0.0.1 that answers `GET /?ms=N` after N
/// milliseconds of real time: what a worker awaits to hold its slot.
async fn sleeper() -> std::net::SocketAddr {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut head = Vec::new();
                let mut buf = [0u8; 1024];
                while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                    match stream.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => head.extend_from_slice(&buf[..n]),
                    }
                }
                let head = String::from_utf8_lossy(&head);
                let ms: u64 = head
                    .split_once("ms=")
                    .and_then(|(_, rest)| rest.split(|c: char| !c.is_ascii_digit()).next())
                    .and_then(|n| n.parse().ok())
                    .unwrap_or(0);
                tokio::time::sleep(Duration::from_millis(ms)).await;
                let _ = stream
                    .write_all(
                        b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok",
                    )
                    .await;
            });
        }
    });
    addr
}

/// `worker_concurrency` (ServerConfig, default 64) bounds the requests one
/// worker runs at once. As routes.rs implements it (`acquire`), one past
/// the limit waits for a slot, at most 5 s: served if one comes free in
/// time, else 503 with `Retry-After: 1`. Another worker is not held up.
#[tokio::test]
async fn requests_past_worker_concurrency_wait_for_a_slot_then_get_503() {
    let dir = tempfile::tempdir().unwrap();
    let s = TestServer::start(dir.path(), |c| {
        c.worker_concurrency = 2;
        // Instances are not what runs out here.
        c.instances_per_worker = 8;
        // The slow worker waits on the test's sleeper on 127.0.0.1.
        c.allow_private_outbound = true;
    })
    .await;
    let upstream = sleeper().await;
    let slow = code(
        "slow.js",
        &hostile("limits", "slow.js"),
        json!({"globalOutbound": {"forward": {"allowPrivate": true}}}),
    );
    assert_eq!(put_worker(&s, "slow", &slow).await.status, 201);
    let other = code(
        "main.js",
        "export default { fetch() { return new Response('other') } }",
        json!({}),
    );
    assert_eq!(put_worker(&s, "other", &other).await.status, 201);
    // Warm: no cold start in the timings below.
    let slow_url = |ms: u64| s.url(&format!("/w/slow/?ms={ms}&upstream=http://{upstream}"));
    let r = send("GET", &slow_url(0), None, "").await;
    assert_eq!((r.status, r.text()), (200, "waited 0".to_string()));
    let hold = |ms: u64| {
        let url = slow_url(ms);
        tokio::spawn(async move { send("GET", &url, None, "").await })
    };

    // Both slots held for 9 s: a third request waits 5 s, then 503.
    let held = [hold(9_000), hold(9_000)];
    tokio::time::sleep(Duration::from_millis(1_000)).await;
    let started = Instant::now();
    let other_r = send("GET", &s.url("/w/other/"), None, "").await;
    assert_eq!((other_r.status, other_r.text()), (200, "other".to_string()));
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "another worker waited {:?} behind this one's limit",
        started.elapsed()
    );
    let started = Instant::now();
    let refused = send("GET", &slow_url(0), None, "").await;
    let waited = started.elapsed();
    assert_eq!(refused.status, 503, "{}", refused.text());
    assert_eq!(refused.header("retry-after"), Some("1"));
    assert_eq!(
        refused.json()["error"],
        "worker \"slow\" is at its concurrency limit"
    );
    assert!(
        waited >= Duration::from_millis(4_500) && waited < Duration::from_millis(8_500),
        "refused after {waited:?}: it waits 5 s for a slot"
    );
    for h in held {
        let r = h.await.unwrap();
        assert_eq!((r.status, r.text()), (200, "waited 9000".to_string()));
    }

    // Both slots held for 2.5 s: a third request waits for one, then runs.
    let held = [hold(2_500), hold(2_500)];
    tokio::time::sleep(Duration::from_millis(500)).await;
    let started = Instant::now();
    let queued = send("GET", &slow_url(0), None, "").await;
    let waited = started.elapsed();
    assert_eq!(
        (queued.status, queued.text()),
        (200, "waited 0".to_string())
    );
    assert!(
        waited >= Duration::from_millis(1_000) && waited < Duration::from_millis(4_500),
        "served after {waited:?}: it waits for a slot to come free"
    );
    for h in held {
        assert_eq!(h.await.unwrap().status, 200);
    }
    s.shutdown().await;
}

// ---- Storage: the value limit and the isolet:fs quotas ----

/// The limits worker's code (tests/hostile/security/limits/{file}).
fn limits_worker(file: &str) -> WorkerCode {
    WorkerCode::new(file)
        .module(file, ModuleSource::Esm(hostile("limits", file)))
        .compatibility_date("2025-06-01")
}

async fn storage_runtime(dir: &Path, limits: StorageLimits) -> Runtime {
    Runtime::builder()
        .storage_dir(dir)
        .storage_limits(limits)
        .build()
        .await
        .unwrap()
}

/// One request to `w`: its JSON answer (it must be a 200).
async fn json_at(w: &isolet::Worker, path: &str) -> Json {
    let r = w
        .fetch(Request::get(format!("https://storage.test{path}")))
        .await
        .unwrap();
    assert_eq!(r.status, 200, "{path}: {}", r.text());
    r.json().unwrap()
}

/// The error of a refused write (panics if it was not refused).
fn refusal(out: &Json) -> String {
    out["error"]
        .as_str()
        .unwrap_or_else(|| panic!("expected a refusal, got {out}"))
        .to_string()
}

/// The key-value value limit (`StorageLimits::value_bytes`, "a key-value
/// entry (serialized)"): a value one byte past it is refused with the
/// error that says so, by `put`, `kv.put` and a `put` of several entries
/// (none of which is then written); the value stored before stays.
#[tokio::test]
async fn key_value_entries_past_the_value_limit_are_refused_and_earlier_ones_stay() {
    const LIMIT: usize = 4096;
    let dir = tempfile::tempdir().unwrap();
    let rt = storage_runtime(dir.path(), StorageLimits::default().value_bytes(LIMIT)).await;
    let w = rt.get("kv", || limits_worker("storage.js")).await.unwrap();
    // Within it (and within SQLite's bound on the whole row: see
    // `values_and_files_of_exactly_the_limit_are_stored`).
    let under = LIMIT - 2 - 64;
    let put = json_at(&w, &format!("/kv/put?key=k&len={under}")).await;
    assert_eq!(put, json!({"ok": null}));
    assert_eq!(json_at(&w, "/kv/get?key=k").await, json!(under));
    // One byte past it: `LIMIT - 1` characters are `LIMIT + 1` bytes serialized.
    let over = LIMIT - 1;
    let said = format!(
        "the value is {} bytes serialized; values are limited to {LIMIT} bytes",
        LIMIT + 1
    );
    let e = refusal(&json_at(&w, &format!("/kv/put?key=k&len={over}")).await);
    assert!(e.contains(&format!("put(\"k\"): {said}")), "{e}");
    let e = refusal(&json_at(&w, &format!("/kv/put-sync?key=k&len={over}")).await);
    assert!(e.contains(&format!("put(\"k\"): {said}")), "{e}");
    let e = refusal(&json_at(&w, &format!("/kv/put-two?key=big&len={over}")).await);
    assert!(e.contains(&format!("put(\"big\"): {said}")), "{e}");
    let e = refusal(&json_at(&w, "/kv/put?key=k&len=1048576").await);
    assert!(
        e.contains(&format!("values are limited to {LIMIT} bytes")),
        "{e}"
    );
    // Nothing of the refused puts was written; the earlier value stays.
    assert_eq!(json_at(&w, "/kv/get?key=small").await, Json::Null);
    assert_eq!(json_at(&w, "/kv/get?key=big").await, Json::Null);
    assert_eq!(json_at(&w, "/kv/get?key=k").await, json!(under));
    // And on a new instance (what was committed is what is stored).
    assert!(rt.evict("kv"));
    let w = rt.get("kv", || limits_worker("storage.js")).await.unwrap();
    assert_eq!(json_at(&w, "/kv/get?key=k").await, json!(under));
}

/// The documented defaults: values of 2 MiB (serialized) and files of
/// 2 MiB. Past them, refused with the errors that name them.
#[tokio::test]
async fn the_default_value_limit_is_2_mib_for_entries_and_files() {
    const LIMIT: usize = 2 << 20;
    let dir = tempfile::tempdir().unwrap();
    let rt = storage_runtime(dir.path(), StorageLimits::default()).await;
    let w = rt.get("kv", || limits_worker("storage.js")).await.unwrap();
    let under = LIMIT - 2 - 64;
    let put = json_at(&w, &format!("/kv/put?key=k&len={under}")).await;
    assert_eq!(put, json!({"ok": null}));
    let e = refusal(&json_at(&w, &format!("/kv/put?key=k&len={}", LIMIT - 1)).await);
    assert!(
        e.contains(
            "put(\"k\"): the value is 2097153 bytes serialized; values are limited to 2097152 bytes"
        ),
        "{e}"
    );
    assert_eq!(json_at(&w, "/kv/get?key=k").await, json!(under));
    let written = json_at(&w, &format!("/fs/write?path=/a&len={}", LIMIT - 64)).await;
    assert_eq!(written, json!({"ok": null}));
    let big = json_at(&w, &format!("/fs/write?path=/b&len={}", LIMIT + 1)).await;
    assert_eq!(big["code"], "EFBIG", "{big}");
    assert!(
        refusal(&big).contains("files are limited to 2097152 bytes"),
        "{big}"
    );
    assert_eq!(json_at(&w, "/fs/sizes").await, json!({"a": LIMIT - 64}));
}

/// The `isolet:fs` quotas (storage/fs.rs): a file is at most
/// `value_bytes` (EFBIG), all files together at most `fs_bytes` and files
/// and directories at most `fs_entries` (ENOSPC, each naming its quota).
/// A refused write changes nothing; rewriting within the quota, and
/// writing again once something is removed, work.
#[tokio::test]
async fn isolet_fs_quotas_refuse_each_excess_and_keep_what_was_there() {
    const FILE: usize = 4096;
    const TOTAL: usize = 8192;
    let dir = tempfile::tempdir().unwrap();
    let limits = StorageLimits::default()
        .value_bytes(FILE)
        .fs_quota(TOTAL as u64, 4);
    let rt = storage_runtime(dir.path(), limits).await;
    let w = rt
        .get("files", || limits_worker("storage.js"))
        .await
        .unwrap();
    let ok = json!({"ok": null});
    let refused = |out: &Json, code: &str, says: &str| {
        assert_eq!(out["code"], code, "{out}");
        let e = refusal(out);
        assert!(e.contains(says), "{e}");
    };
    let under = FILE - 64;

    // The size of one file.
    assert_eq!(
        json_at(&w, &format!("/fs/write?path=/a&len={under}")).await,
        ok
    );
    let out = json_at(&w, &format!("/fs/write?path=/big&len={}", FILE + 1)).await;
    refused(
        &out,
        "EFBIG",
        &format!("files are limited to {FILE} bytes, write '/big'"),
    );
    // Appending past it too, and the file keeps its bytes.
    let out = json_at(&w, "/fs/append?path=/a&len=100").await;
    refused(&out, "EFBIG", &format!("files are limited to {FILE} bytes"));
    assert_eq!(json_at(&w, "/fs/sizes").await, json!({"a": under}));

    // The bytes of all files.
    assert_eq!(
        json_at(&w, &format!("/fs/write?path=/b&len={under}")).await,
        ok
    );
    let out = json_at(&w, "/fs/write?path=/c&len=200").await;
    refused(
        &out,
        "ENOSPC",
        &format!("the file system's quota of {TOTAL} bytes is used up, write '/c'"),
    );
    assert_eq!(
        json_at(&w, "/fs/sizes").await,
        json!({"a": under, "b": under})
    );
    // Rewriting a file smaller makes room.
    assert_eq!(json_at(&w, "/fs/write?path=/b&len=4000").await, ok);
    assert_eq!(json_at(&w, "/fs/write?path=/c&len=100").await, ok);

    // Files and directories: a, b, c and d are the 4 there may be.
    assert_eq!(json_at(&w, "/fs/mkdir?path=/d").await, json!({"ok": "/d"}));
    let entries = "the file system's quota of 4 files and directories is used up";
    refused(
        &json_at(&w, "/fs/write?path=/e&len=1").await,
        "ENOSPC",
        entries,
    );
    refused(&json_at(&w, "/fs/mkdir?path=/g/h").await, "ENOSPC", entries);
    let out = json_at(&w, "/fs/copy?path=/c&to=/copy").await;
    assert_eq!(out["code"], "ENOSPC", "{out}");
    let all = json!({"a": under, "b": 4000, "c": 100, "d": "dir"});
    assert_eq!(json_at(&w, "/fs/sizes").await, all);

    // Removing one makes room for another.
    assert_eq!(json_at(&w, "/fs/rm?path=/c").await, ok);
    assert_eq!(json_at(&w, "/fs/write?path=/d/e&len=1").await, ok);
    let now = json!({"a": under, "b": 4000, "d": "dir", "d/e": 1});
    assert_eq!(json_at(&w, "/fs/sizes").await, now);
    // What a new instance reads is the same.
    assert!(rt.evict("files"));
    let w = rt
        .get("files", || limits_worker("storage.js"))
        .await
        .unwrap();
    assert_eq!(json_at(&w, "/fs/sizes").await, now);
}

/// A key-value value and a file of exactly the value limit are stored.
/// (They were refused with SQLITE_TOOBIG while SQLite's length limit, which
/// bounds a whole row, was the value limit itself; it now leaves room for
/// the key or path and the record header.)
#[tokio::test]
async fn values_and_files_of_exactly_the_limit_are_stored() {
    const LIMIT: usize = 4096;
    let dir = tempfile::tempdir().unwrap();
    let rt = storage_runtime(dir.path(), StorageLimits::default().value_bytes(LIMIT)).await;
    let w = rt
        .get("exact", || limits_worker("storage.js"))
        .await
        .unwrap();
    // `LIMIT - 2` characters: `LIMIT` bytes serialized.
    let put = json_at(&w, &format!("/kv/put?key=k&len={}", LIMIT - 2)).await;
    assert_eq!(put, json!({"ok": null}), "a value of exactly the limit");
    let file = json_at(&w, &format!("/fs/write?path=/f&len={LIMIT}")).await;
    assert_eq!(file, json!({"ok": null}), "a file of exactly the limit");
}

// ---- The playground: CSP on every answer, and ISOLET_PLAYGROUND=0 ----

/// The playground's Content-Security-Policy (playground.rs `csp`) is on
/// `r`: scripts from this origin only, nothing inline, no framing.
fn assert_playground_csp(r: &Reply, what: &str) {
    let csp = r
        .header("content-security-policy")
        .unwrap_or_else(|| panic!("{what} (status {}) has no CSP", r.status));
    for part in [
        "default-src 'none'",
        "script-src 'self'",
        "connect-src 'self'",
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors 'none'",
    ] {
        assert!(csp.contains(part), "{what}: no {part:?} in {csp}");
    }
    assert!(
        !csp.contains("unsafe-inline") && !csp.contains("unsafe-eval"),
        "{what}: {csp}"
    );
}

/// The playground's page and each of its assets (plain and gzipped, GET
/// and HEAD) carry its CSP through `isolet serve`. (The page's nonce and
/// the page itself: tests/all/server.rs
/// `playground_is_served_with_a_csp_and_can_be_turned_off`.)
#[tokio::test]
async fn every_playground_page_and_asset_carries_its_csp() {
    let dir = tempfile::tempdir().unwrap();
    let s = TestServer::start(dir.path(), |_| {}).await;
    let c = client();
    let plain: [(&str, &str); 0] = [];
    let gzip = [("accept-encoding", "gzip")];
    for (method, path, headers) in [
        ("GET", "/playground/", &plain[..]),
        ("HEAD", "/playground/", &plain[..]),
        ("GET", "/playground/index.html", &plain[..]),
        ("GET", "/playground/app.js", &plain[..]),
        ("GET", "/playground/app.js", &gzip[..]),
        ("HEAD", "/playground/app.js", &plain[..]),
        ("GET", "/playground/style.css", &plain[..]),
        ("GET", "/playground/style.css", &gzip[..]),
    ] {
        let what = format!("{method} {path} {headers:?}");
        let r = request(&c, method, &s.url(path), None, None, headers, "").await;
        assert_eq!(r.status, 200, "{what}");
        assert_playground_csp(&r, &what);
        assert_eq!(
            r.header("x-content-type-options"),
            Some("nosniff"),
            "{what}"
        );
        assert_eq!(r.header("x-frame-options"), Some("DENY"), "{what}");
    }
    let page = request(&c, "GET", &s.url("/playground/"), None, None, &[], "").await;
    let csp = page.header("content-security-policy").unwrap_or("");
    assert!(csp.contains("style-src 'self' 'nonce-"), "{csp}");
    s.shutdown().await;
}

/// Every playground answer carries its CSP, its errors too: the 404 of a
/// file it does not have and the 405 of a method it does not answer.
#[tokio::test]
async fn playground_errors_carry_its_csp_too() {
    let dir = tempfile::tempdir().unwrap();
    let s = TestServer::start(dir.path(), |_| {}).await;
    let c = client();
    for (method, path, status) in [
        ("GET", "/playground/nope", 404),
        ("GET", "/playground/nope/deeper.js", 404),
        ("POST", "/playground/", 405),
        ("DELETE", "/playground/app.js", 405),
    ] {
        let what = format!("{method} {path}");
        let r = request(&c, method, &s.url(path), None, None, &[], "").await;
        assert_eq!(r.status, status, "{what}: {}", r.text());
        assert_playground_csp(&r, &what);
    }
    s.shutdown().await;
}

/// A child process of the real binary, with its stderr lines (echoed to
/// the test's own stderr); killed when dropped.
struct Spawned {
    child: std::process::Child,
    lines: std::sync::mpsc::Receiver<String>,
    seen: Vec<String>,
}

impl Spawned {
    fn new(mut cmd: std::process::Command) -> Spawned {
        use std::io::BufRead;
        let mut child = cmd
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let stderr = child.stderr.take().unwrap();
        let (tx, lines) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in std::io::BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                eprintln!("[isolet] {line}");
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Spawned {
            child,
            lines,
            seen: Vec::new(),
        }
    }

    /// Waits until a line contains `marker` (that line), or the process
    /// ends (its status): at most 10 minutes, as the first start may
    /// compile the engine.
    fn wait_for(&mut self, marker: &str) -> Result<String, std::process::ExitStatus> {
        use std::sync::mpsc::RecvTimeoutError;
        let deadline = Instant::now() + Duration::from_secs(600);
        loop {
            match self.lines.recv_timeout(Duration::from_millis(100)) {
                Ok(line) => {
                    self.seen.push(line.clone());
                    if line.contains(marker) {
                        return Ok(line);
                    }
                    continue;
                }
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => {
                    return Err(self.child.wait().unwrap());
                }
            }
            if let Some(status) = self.child.try_wait().unwrap() {
                // Its last lines.
                while let Ok(line) = self.lines.recv_timeout(Duration::from_millis(500)) {
                    self.seen.push(line);
                }
                return Err(status);
            }
            assert!(
                Instant::now() < deadline,
                "no line with {marker:?} in 10 minutes: {:#?}",
                self.seen
            );
        }
    }

    /// Everything it wrote to stderr so far.
    fn output(&mut self) -> String {
        while let Ok(line) = self.lines.try_recv() {
            self.seen.push(line);
        }
        self.seen.join("\n")
    }
}

impl Drop for Spawned {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `isolet serve` (one process) on an ephemeral 127.0.0.1 port keeping
/// its data in `dir`, with `env` set; its `http://{addr}` once it listens.
fn isolet_serve(dir: &Path, env: &[(&str, &str)]) -> (Spawned, String) {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_isolet"));
    cmd.args([
        "serve",
        "--listen",
        "127.0.0.1:0",
        "--workers",
        "1",
        "--data-dir",
    ])
    .arg(dir)
    .env("RUST_LOG", "warn");
    for var in [
        "ISOLET_PLAYGROUND",
        "ISOLET_PLAYGROUND_HOST",
        "ISOLET_DOMAIN",
        "ISOLET_POSTGRES_URL",
    ] {
        cmd.env_remove(var);
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut served = Spawned::new(cmd);
    let line = served
        .wait_for("isolet serving on http://")
        .unwrap_or_else(|status| panic!("isolet serve ended ({status}): {}", served.output()));
    let addr = line
        .split("isolet serving on http://")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or_default()
        .to_string();
    (served, format!("http://{addr}"))
}

/// `ISOLET_PLAYGROUND=0` turns the playground off in `isolet serve` (404
/// on its page, its assets and `/`); without it the same binary serves the
/// page with its CSP; a value that is neither is refused at start.
#[tokio::test]
async fn isolet_playground_0_turns_the_playground_off_in_isolet_serve() {
    let dir = tempfile::tempdir().unwrap();
    let (mut off, base) = isolet_serve(&dir.path().join("off"), &[("ISOLET_PLAYGROUND", "0")]);
    for path in [
        "/playground/",
        "/playground/app.js",
        "/playground/style.css",
        "/",
    ] {
        let r = send("GET", &format!("{base}{path}"), None, "").await;
        assert_eq!(r.status, 404, "{path}: {}", r.text());
    }
    assert_eq!(
        send("GET", &format!("{base}/healthz"), None, "")
            .await
            .status,
        200
    );
    assert!(
        !off.output().contains("playground: http"),
        "it announced a playground: {}",
        off.output()
    );
    drop(off);

    let (on, base) = isolet_serve(&dir.path().join("on"), &[]);
    let r = send("GET", &format!("{base}/playground/"), None, "").await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_playground_csp(&r, "the page, ISOLET_PLAYGROUND unset");
    drop(on);

    let out = std::process::Command::new(env!("CARGO_BIN_EXE_isolet"))
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--workers",
            "1",
            "--data-dir",
        ])
        .arg(dir.path().join("bad"))
        .env("ISOLET_PLAYGROUND", "maybe")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("ISOLET_PLAYGROUND=\"maybe\" is not valid"),
        "{stderr}"
    );
}

// ---- isolet mcp --http: beyond loopback only with a token ----

/// A Code Mode config of one HTTP tool (never called), in `dir`.
fn mcp_config(dir: &Path) -> std::path::PathBuf {
    let path = dir.join("tools.toml");
    std::fs::write(
        &path,
        "[[tool]]\nname = \"getItem\"\nurl = \"http://127.0.0.1:9/items/{id}\"\nmethod = \"GET\"\nallowPrivate = true\n",
    )
    .unwrap();
    path
}

/// `isolet mcp --config <config> --http <http>`, with `ISOLET_MCP_TOKEN`
/// set to `token` (or unset).
fn isolet_mcp(config: &Path, http: &str, token: Option<&str>) -> Spawned {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_isolet"));
    cmd.arg("mcp")
        .arg("--config")
        .arg(config)
        .args(["--http", http])
        .env("RUST_LOG", "info")
        .env_remove("ISOLET_MCP_TOKEN");
    if let Some(t) = token {
        cmd.env("ISOLET_MCP_TOKEN", t);
    }
    Spawned::new(cmd)
}

/// The address an `isolet mcp --http` logged it listens on.
const MCP_LISTENING: &str = "MCP (streamable HTTP) at http://";

fn mcp_port(line: &str) -> u16 {
    line.split(MCP_LISTENING)
        .nth(1)
        .and_then(|rest| rest.split("/mcp").next())
        .and_then(|addr| addr.rsplit(':').next())
        .and_then(|port| port.parse().ok())
        .unwrap_or_else(|| panic!("no port in {line:?}"))
}

/// `isolet mcp --http` (the real binary) refuses to listen beyond
/// loopback (`0.0.0.0`, `[::]`) without a token, and says why; on
/// loopback it listens without one; beyond loopback with
/// `ISOLET_MCP_TOKEN` it listens and refuses requests without the token.
#[tokio::test]
async fn isolet_mcp_http_beyond_loopback_needs_a_token() {
    let dir = tempfile::tempdir().unwrap();
    let config = mcp_config(dir.path());
    for addr in ["0.0.0.0:0", "[::]:0"] {
        let mut mcp = isolet_mcp(&config, addr, None);
        match mcp.wait_for(MCP_LISTENING) {
            Ok(line) => panic!("--http {addr} without a token listens: {line}"),
            Err(status) => assert!(!status.success(), "--http {addr}: {status}"),
        }
        assert!(
            mcp.output()
                .contains("--http beyond loopback needs --token (or ISOLET_MCP_TOKEN)"),
            "--http {addr}: {}",
            mcp.output()
        );
    }

    // Loopback: no token needed.
    let mut mcp = isolet_mcp(&config, "127.0.0.1:0", None);
    let line = mcp
        .wait_for(MCP_LISTENING)
        .unwrap_or_else(|status| panic!("--http 127.0.0.1:0 ended ({status}): {}", mcp.output()));
    let r = send(
        "GET",
        &format!("http://127.0.0.1:{}/elsewhere", mcp_port(&line)),
        None,
        "",
    )
    .await;
    assert_eq!(r.status, 404, "served without a token: {}", r.text());
    assert!(
        r.text().contains("the MCP endpoint is /mcp"),
        "{}",
        r.text()
    );
    drop(mcp);

    // Beyond loopback with a token: it listens, and wants the token.
    let mut mcp = isolet_mcp(&config, "0.0.0.0:0", Some("s3cret-token"));
    let line = mcp.wait_for(MCP_LISTENING).unwrap_or_else(|status| {
        panic!(
            "--http 0.0.0.0:0 with a token ended ({status}): {}",
            mcp.output()
        )
    });
    let url = format!("http://127.0.0.1:{}/elsewhere", mcp_port(&line));
    let r = send("GET", &url, None, "").await;
    assert_eq!(r.status, 401, "{}", r.text());
    let r = send("GET", &url, Some("wrong-token"), "").await;
    assert_eq!(r.status, 401, "{}", r.text());
    let r = send("GET", &url, Some("s3cret-token"), "").await;
    assert_eq!(r.status, 404, "{}", r.text());
}

// ---- Memory bombs under the default limits ----

/// Memory bombs of every shape (arrays, strings, ArrayBuffers, grown in one
/// object or hoarded in many; JS and Python), with no limits set by the
/// server or the worker: each ends at the default memory limit (503,
/// `limit: "memory"`, 128 MiB), and another worker answers right after.
/// (The array hoard, tests/hostile/js/bomb_array.js, is in tests/all/server.rs
/// `hostile_workers_through_the_server_...`; the string hoard,
/// bomb_string.js, allocates too slowly to beat the default 1 s of CPU on a
/// busy machine, see tests/all/hostile.rs: the growing string here is its
/// fast twin.)
#[tokio::test]
async fn memory_bombs_of_every_shape_end_at_the_default_memory_limit() {
    let dir = tempfile::tempdir().unwrap();
    let s = TestServer::start(dir.path(), |_| {}).await;
    let fine = code(
        "main.js",
        "export default { fetch() { return new Response('fine') } }",
        json!({}),
    );
    assert_eq!(put_worker(&s, "fine", &fine).await.status, 201);
    for (id, file, src) in [
        (
            "grow-array",
            "grow_array.js",
            hostile("limits", "grow_array.js"),
        ),
        (
            "grow-string",
            "grow_string.js",
            hostile("limits", "grow_string.js"),
        ),
        (
            "grow-arraybuffer",
            "grow_arraybuffer.js",
            hostile("limits", "grow_arraybuffer.js"),
        ),
        (
            "hoard-arraybuffers",
            "bomb_arraybuffer.js",
            test_file("hostile/js/bomb_arraybuffer.js"),
        ),
        ("hoard-bytes-py", "bomb.py", test_file("hostile/py/bomb.py")),
    ] {
        let put = put_worker(&s, id, &code(file, &src, json!({}))).await;
        assert_eq!(put.status, 201, "{id}: {}", put.text());
        let r = send("GET", &s.url(&format!("/w/{id}/")), None, "").await;
        assert_eq!(r.status, 503, "{id}: {}", r.text());
        let body = r.json();
        assert_eq!(body["limit"], "memory", "{id}: {body}");
        assert_eq!(body["bytes"], json!(128u64 << 20), "{id}: {body}");
        let after = send("GET", &s.url("/w/fine/"), None, "").await;
        assert_eq!(
            (after.status, after.text()),
            (200, "fine".to_string()),
            "after {id}"
        );
    }
    s.shutdown().await;
}

// ---- A reused pool slot, scanned by the host ----

/// XOR mask of the needle as the scan holds it.
#[cfg(target_os = "linux")]
const MASK: u8 = 0xa5;

/// The bytes a scan looks for, held masked so that the test's own memory
/// never holds them in the clear (a copy there would be found too).
#[cfg(target_os = "linux")]
struct Needle {
    masked: Vec<u8>,
    /// For each byte value, where the needle has it.
    at: Vec<Vec<usize>>,
}

#[cfg(target_os = "linux")]
impl Needle {
    /// The secret secret.js makes of `seed`: each hex digit d as 15 - d.
    fn complement_of(seed: &str) -> Needle {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let mut masked = Vec::with_capacity(seed.len());
        let mut at: Vec<Vec<usize>> = vec![Vec::new(); 256];
        for (i, c) in seed.chars().enumerate() {
            let d = c.to_digit(16).expect("a hex seed") as usize;
            let plain = HEX[15 - d];
            masked.push(plain ^ MASK);
            at[usize::from(plain)].push(i);
        }
        Needle { masked, at }
    }

    fn len(&self) -> usize {
        self.masked.len()
    }

    fn is(&self, bytes: &[u8]) -> bool {
        bytes.len() == self.masked.len()
            && bytes.iter().zip(&self.masked).all(|(b, m)| b ^ MASK == *m)
    }

    /// The offsets in `hay` (the bytes at address `base`) where the needle
    /// starts, those before `starts_below` only. Only one byte in
    /// `len()` is looked at unless it is one of the needle's: every
    /// occurrence covers exactly one address `≡ len() - 1 (mod len())`.
    fn find_in(&self, hay: &[u8], base: u64, starts_below: usize) -> Vec<usize> {
        let n = self.len();
        let stride = n as u64;
        let mut k = ((stride - 1 + stride - base % stride) % stride) as usize;
        let mut found = Vec::new();
        while k < hay.len() {
            for &j in &self.at[usize::from(hay[k])] {
                if let Some(p) = k.checked_sub(j)
                    && p < starts_below
                    && p + n <= hay.len()
                    && self.is(&hay[p..p + n])
                {
                    found.push(p);
                }
            }
            k += n;
        }
        found
    }
}

/// One mapping of this process's address space (/proc/self/maps).
#[cfg(target_os = "linux")]
struct Mapping {
    start: u64,
    end: u64,
    readable: bool,
    path: String,
}

#[cfg(target_os = "linux")]
fn mappings() -> Vec<Mapping> {
    std::fs::read_to_string("/proc/self/maps")
        .unwrap()
        .lines()
        .filter_map(|line| {
            let mut fields = line.split_whitespace();
            let (start, end) = fields.next()?.split_once('-')?;
            let perms = fields.next()?;
            let path = fields.nth(3).unwrap_or("").to_string();
            Some(Mapping {
                start: u64::from_str_radix(start, 16).ok()?,
                end: u64::from_str_radix(end, 16).ok()?,
                readable: perms.starts_with('r'),
                path,
            })
        })
        .collect()
}

/// Reads this process's memory through /proc/self/mem, as a debugger
/// would (any mapping, whatever its protection), looking for a needle.
#[cfg(target_os = "linux")]
struct Scanner {
    mem: std::fs::File,
    buf: Vec<u8>,
}

#[cfg(target_os = "linux")]
impl Scanner {
    const CHUNK: u64 = 1 << 20;

    fn new(needle: &Needle) -> Scanner {
        Scanner {
            mem: std::fs::File::open("/proc/self/mem").unwrap(),
            buf: vec![0; Self::CHUNK as usize + needle.len()],
        }
    }

    /// Reads `len` bytes at `addr` into the buffer: how many it could
    /// (0 for what cannot be read). The part of them that is the buffer
    /// itself is zeroed: it holds what was read before, not the memory.
    fn read(&mut self, addr: u64, len: usize) -> usize {
        use std::os::unix::fs::FileExt;
        let mut got = 0;
        while got < len {
            match self.mem.read_at(&mut self.buf[got..len], addr + got as u64) {
                Ok(0) | Err(_) => break,
                Ok(n) => got += n,
            }
        }
        let own = self.buf.as_ptr() as u64;
        let own_end = own + self.buf.len() as u64;
        let (lo, hi) = (addr.max(own), (addr + got as u64).min(own_end));
        if lo < hi {
            self.buf[(lo - addr) as usize..(hi - addr) as usize].fill(0);
        }
        got
    }

    /// The addresses in [start, end) where the needle starts.
    fn scan(&mut self, needle: &Needle, start: u64, end: u64) -> Vec<u64> {
        let mut found = Vec::new();
        let mut at = start;
        while at < end {
            let own = (end - at).min(Self::CHUNK);
            // A little more than its own chunk: a needle that starts in
            // it and ends in the next is found here (and only here).
            let want = (end - at).min(Self::CHUNK + needle.len() as u64 - 1) as usize;
            let got = self.read(at, want);
            found.extend(
                needle
                    .find_in(&self.buf[..got], at, own as usize)
                    .into_iter()
                    .map(|p| at + p as u64),
            );
            at += own;
        }
        found
    }

    /// The needle in every readable mapping of the process (not the
    /// kernel's vsyscall/vvar pages, nor devices): where it is, with the
    /// mappings that hold it.
    fn scan_process(&mut self, needle: &Needle) -> (Vec<u64>, Vec<(u64, u64, String)>) {
        let mut found = Vec::new();
        let mut holding = Vec::new();
        for m in mappings() {
            if !m.readable
                || m.path.starts_with("[vsyscall")
                || m.path.starts_with("[vvar")
                || m.path.starts_with("/dev/")
            {
                continue;
            }
            let here = self.scan(needle, m.start, m.end);
            if !here.is_empty() {
                holding.push((m.start, m.end, m.path.clone()));
                found.extend(here);
            }
        }
        (found, holding)
    }

    /// Forgets what the buffer holds.
    fn clear(&mut self) {
        self.buf.fill(0);
        std::hint::black_box(&self.buf);
    }
}

#[cfg(target_os = "linux")]
impl Drop for Scanner {
    fn drop(&mut self) {
        self.clear();
    }
}

/// Nothing of an instance survives it in its pool slot: worker A writes a
/// random 64-hex-digit secret into its memory, 80,000 times as a string
/// and as many as bytes (10 MiB, past the 4 MiB a freed slot keeps
/// resident by default) and is dropped; worker B is instantiated in the
/// one slot a pool of one instance has, and answers. The host then reads
/// its own memory (/proc/self/mem): with A alive the scan finds A's copies
/// (so it does see linear memory, and where A's lay); with B alive, none
/// is left there, whatever the pages' protection now, nor anywhere else in
/// the process. For the default `keep_resident_bytes` and for one that
/// keeps every page A wrote resident (reset in place, the vendored
/// PAGEMAP_SCAN path).
///
/// There is no hook to read one instance's linear memory from the host
/// (the engine is a component: its core memory is not exported, and
/// Wasmtime's `debug_all_instances` needs guest debugging); the README of
/// this change proposes one. The process-wide scan is a superset of "B's
/// linear memory".
#[cfg(target_os = "linux")]
#[tokio::test]
async fn a_reused_pool_slot_holds_nothing_of_the_secret_its_last_instance_wrote() {
    const COPIES: usize = 80_000;
    for keep in [isolet::DEFAULT_KEEP_RESIDENT, 128 << 20] {
        let rt = Runtime::builder()
            .max_instances(1)
            .keep_resident_bytes(keep)
            .build()
            .await
            .unwrap();
        let mut random = [0u8; 32];
        getrandom::fill(&mut random).unwrap();
        let seed = hex::encode(random);
        let needle = Needle::complement_of(&seed);
        let mut scanner = Scanner::new(&needle);

        let a = rt.load(limits_worker("secret.js")).await.unwrap();
        let r = a
            .fetch(Request::get(format!(
                "https://a.test/?seed={seed}&copies={COPIES}"
            )))
            .await
            .unwrap();
        assert_eq!(r.text(), (64 * COPIES).to_string());
        let (planted, holding) = scanner.scan_process(&needle);
        assert!(
            planted.len() >= COPIES,
            "keep {keep}: the scan found {} copies of A's secret while A was alive (in {holding:x?})",
            planted.len()
        );
        scanner.clear();
        drop(r);
        drop(a);

        let b = rt
            .load(WorkerCode::js(
                "export default { fetch() { return new Response('b') } }",
            ))
            .await
            .unwrap();
        let r = b.fetch(Request::get("https://b.test/")).await.unwrap();
        assert_eq!(r.text(), "b");
        // Where A's copies were (the slot, whatever its pages' protection now).
        let mut left: Vec<u64> = Vec::new();
        for (start, end, _) in &holding {
            left.extend(scanner.scan(&needle, *start, *end));
        }
        assert!(
            left.is_empty(),
            "keep {keep}: {} copies of A's secret are left where A's memory was ({holding:x?}), first at {:#x?}",
            left.len(),
            &left[..left.len().min(4)]
        );
        // Anywhere else.
        scanner.clear();
        let (anywhere, holding) = scanner.scan_process(&needle);
        assert!(
            anywhere.is_empty(),
            "keep {keep}: {} copies of A's secret in the process after it was dropped, in {holding:x?}",
            anywhere.len()
        );
        drop(b);
    }
}
