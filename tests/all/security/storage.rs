//! Storage (findings 4 and 5, and the suspected storage items): SQL whose
//! result or TEMP tables grew the host's memory, a glob that backtracked
//! exponentially inside a host call, a TEMP trigger on isolet's own tables
//! fired in its allow-all mode, database files readable by other users.
//! Each attack is a request to a real `isolet serve`; the worker is
//! tests/hostile/security/storage/attacks.js.

use std::path::Path;

use serde_json::{Value as Json, json};

use super::http::{Reply, code, hostile, put_worker, send};
use crate::common::server::TestServer;

async fn json_of(s: &TestServer, path: &str) -> Json {
    let Reply { status, body, .. } = send("GET", &s.url(path), None, "").await;
    assert_eq!(status, 200, "{path}: {}", String::from_utf8_lossy(&body));
    serde_json::from_slice(&body)
        .unwrap_or_else(|e| panic!("{path}: {e}: {}", String::from_utf8_lossy(&body)))
}

/// Deploys the attacks worker as `id` with `limits`.
async fn deploy(s: &TestServer, id: &str, limits: Json) {
    let src = hostile("storage", "attacks.js");
    let code = code("attacks.js", &src, json!({"limits": limits}));
    let Reply { status, body, .. } = put_worker(s, id, &code).await;
    assert!(
        status == 200 || status == 201,
        "{status}: {}",
        String::from_utf8_lossy(&body)
    );
}

fn error_of(v: &Json) -> &str {
    v["error"]
        .as_str()
        .unwrap_or_else(|| panic!("expected an error, got {v}"))
}

/// 4a: a row of 2 MB values is refused at the value that passes the result
/// limit (the host holds at most the limit plus one value), a row wider
/// than Cloudflare's 100 columns is refused before it is made, and values
/// cannot be made larger than the value limit.
#[tokio::test]
async fn sql_results_are_bounded_while_they_are_read() {
    let dir = tempfile::tempdir().unwrap();
    let s = TestServer::start(dir.path(), |_| {}).await;
    // Room for the queries to reach their size limits on a loaded machine
    // (the default 1 s of CPU is what the limits must beat, not the box).
    deploy(&s, "store", json!({"cpuMs": 20000, "timeoutMs": 60000})).await;
    let out = json_of(&s, "/w/store/zeroblob").await;
    let wide = error_of(&out["wide"]);
    assert!(wide.contains("too many columns"), "{wide}");
    let row = error_of(&out["row"]);
    assert!(
        row.contains("result is over 33554432 bytes (at row 1, column 17)"),
        "{row}"
    );
    let huge = error_of(&out["huge"]);
    assert!(huge.contains("SQLITE_TOOBIG"), "{huge}");
    // Many small values count too (what the host holds for each).
    let rows = error_of(&out["rows"]);
    assert!(rows.contains("result is over 33554432 bytes"), "{rows}");
    // The connection is fine afterwards.
    assert_eq!(out["after"], 1);
    s.shutdown().await;
}

/// 4b and the suspected TEMP trigger: TEMP tables, views and triggers are
/// refused (they lived in the host's memory, outside the database's size
/// limit, and a TEMP trigger on `_isolet_kv` ran in isolet's allow-all
/// mode: here it zeroed the file system's sizes, the quota's count, and
/// planted a key); sorts still work, spilling to a file.
#[tokio::test]
async fn temp_tables_and_triggers_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let s = TestServer::start(dir.path(), |_| {}).await;
    deploy(&s, "store", json!({})).await;
    let out = json_of(&s, "/w/store/temp").await;
    for what in ["table", "qualified", "view"] {
        let e = error_of(&out[what]);
        assert!(e.contains("TEMP tables"), "{what}: {e}");
    }
    assert_eq!(out["sorted"]["ok"], 20000, "{out}");
    // Nothing was stored by the attempts.
    let size = out["size"].as_u64().unwrap();
    assert!(size <= 64 * 1024, "{size}");

    let out = json_of(&s, "/w/store/trigger").await;
    let created = error_of(&out["created"]);
    assert!(created.contains("TEMP"), "{created}");
    assert!(out["put"].get("error").is_none(), "{out}");
    assert_eq!(out["planted"], Json::Null, "{out}");
    assert_eq!(out["size"], 1000, "{out}");
    s.shutdown().await;
}

/// 5: a glob that backtracked exponentially (no answer in 20 s with cpuMs
/// 200) answers at once; braces that multiply patterns and over-long
/// patterns are refused with clear errors; a runaway query stops at the
/// CPU limit.
#[tokio::test]
async fn glob_and_sql_stay_within_the_invocations_limits() {
    let dir = tempfile::tempdir().unwrap();
    let s = TestServer::start(dir.path(), |_| {}).await;
    deploy(&s, "slow", json!({"cpuMs": 200, "timeoutMs": 3000})).await;
    let out = json_of(&s, "/w/slow/glob").await;
    assert_eq!(out["matched"]["ok"], json!([]), "{out}");
    assert_eq!(out["braces"]["code"], "EINVAL", "{out}");
    assert!(
        error_of(&out["braces"]).contains("more than 256 patterns"),
        "{out}"
    );
    assert_eq!(out["long"]["code"], "EINVAL", "{out}");
    assert!(
        error_of(&out["long"]).contains("limited to 1024 bytes"),
        "{out}"
    );
    assert_eq!(
        out["ok"]["ok"],
        json!([format!("/{}c", "a".repeat(59))]),
        "{out}"
    );

    // SQL counting to 1e9 is interrupted at the CPU limit: the worker sees
    // SQLITE_INTERRUPT, or the invocation ends at its limit (503).
    let Reply { status, body, .. } = send("GET", &s.url("/w/slow/forever"), None, "").await;
    let text = String::from_utf8_lossy(&body);
    assert!(
        (status == 200 && text.contains("SQLITE_INTERRUPT")) || status == 503,
        "{status}: {text}"
    );
    // The server (and the object) still answer.
    assert_eq!(
        send("GET", &s.url("/w/slow/write"), None, "").await.status,
        200
    );
    s.shutdown().await;
}

/// Suspected: databases were created 0644 (readable by every local user,
/// with the tenants' data); now files 0600 and directories 0700, whatever
/// the umask.
#[cfg(unix)]
#[tokio::test]
async fn database_files_are_private() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let s = TestServer::start(dir.path(), |_| {}).await;
    deploy(&s, "store", json!({})).await;
    assert_eq!(
        send("GET", &s.url("/w/store/write"), None, "").await.status,
        200
    );
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    let objects = dir.path().join("objects");
    let worker = objects.join("store");
    assert_eq!(mode(&worker), 0o700, "{}", worker.display());
    let mut files = 0;
    for entry in std::fs::read_dir(&worker).unwrap() {
        let p = entry.unwrap().path();
        assert_eq!(mode(&p), 0o600, "{}", p.display());
        files += 1;
    }
    assert!(files >= 1, "no database in {}", worker.display());
    s.shutdown().await;
}
