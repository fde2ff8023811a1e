//! Durable storage end to end: `ctx.storage` (SQL, key-value, transactions),
//! `isolet:fs`, named objects (`get_object`), the output gate, limits, the
//! authorizer, export/import/delete, Python, and the server's routes. The
//! workers are in tests/workers/storage/.

use std::time::Duration;

use isolet::{Error, Limits, ModuleSource, Request, Runtime, StorageLimits, WorkerCode};
use serde_json::{Value, json};

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/workers/storage");

fn js(file: &str) -> WorkerCode {
    let src = std::fs::read_to_string(format!("{DIR}/{file}")).unwrap();
    WorkerCode::new(file)
        .module(file, ModuleSource::Esm(src))
        .compatibility_date("2025-06-01")
}

async fn runtime(dir: &std::path::Path) -> Runtime {
    Runtime::builder().storage_dir(dir).build().await.unwrap()
}

async fn json_of(w: &isolet::Worker, url: &str) -> Value {
    let r = w.fetch(Request::get(url)).await.unwrap();
    assert_eq!(r.status, 200, "{}", r.text());
    r.json().unwrap()
}

#[tokio::test]
async fn objects_keep_their_state_apart_and_across_instances() {
    let dir = tempfile::tempdir().unwrap();
    let rt = runtime(dir.path()).await;
    let a = rt
        .get_object("counter", "a", || js("counter.js"))
        .await
        .unwrap();
    let b = rt
        .get_object("counter", "b", || js("counter.js"))
        .await
        .unwrap();
    let first = json_of(&a, "https://x/?by=ann").await;
    assert_eq!(
        first,
        json!({"n": 1, "previous": null, "object": "a", "served": 1})
    );
    let second = json_of(&a, "https://x/?by=bob").await;
    assert_eq!(
        second,
        json!({"n": 2, "previous": "ann", "object": "a", "served": 2})
    );
    // Another object of the same worker has its own database.
    assert_eq!(json_of(&b, "https://x/").await["n"], 1);
    // RPC on the same instance.
    assert_eq!(
        a.entrypoint(None).call("count", vec![]).await.unwrap(),
        isolet::Value::from(2u32)
    );

    // The instance goes (evicted, as on a redeploy); the storage stays.
    assert!(rt.evict("counter"));
    let a = rt
        .get_object("counter", "a", || js("counter.js"))
        .await
        .unwrap();
    let third = json_of(&a, "https://x/?by=cy").await;
    assert_eq!(third["n"], 3);
    assert_eq!(third["served"], 1, "a new instance: its memory starts over");
    // A new runtime (a restarted server) on the same directory too.
    drop((a, b));
    drop(rt);
    let rt = runtime(dir.path()).await;
    let a = rt
        .get_object("counter", "a", || js("counter.js"))
        .await
        .unwrap();
    assert_eq!(json_of(&a, "https://x/").await["n"], 4);

    let mut objects: Vec<(String, bool)> = rt
        .objects("counter")
        .unwrap()
        .into_iter()
        .map(|o| (o.name, o.bytes > 0))
        .collect();
    objects.sort();
    assert_eq!(objects, vec![("a".into(), true), ("b".into(), true)]);
}

#[tokio::test]
async fn calls_to_one_object_run_one_at_a_time_and_lose_no_increment() {
    let dir = tempfile::tempdir().unwrap();
    let rt = runtime(dir.path()).await;
    let calls = (0..40).map(|_| {
        let rt = rt.clone();
        async move {
            let w = rt
                .get_object("counter", "busy", || js("counter.js"))
                .await
                .unwrap();
            w.fetch(Request::get("https://x/")).await.unwrap().status
        }
    });
    let statuses = futures_util::future::join_all(calls).await;
    assert!(statuses.iter().all(|s| *s == 200), "{statuses:?}");
    let w = rt
        .get_object("counter", "busy", || js("counter.js"))
        .await
        .unwrap();
    assert_eq!(
        w.entrypoint(None).call("count", vec![]).await.unwrap(),
        isolet::Value::from(40u32)
    );
}

#[tokio::test]
async fn a_script_error_keeps_the_writes_before_it_and_a_limit_discards_them() {
    let dir = tempfile::tempdir().unwrap();
    let rt = runtime(dir.path()).await;
    let code = || js("counter.js").limits(Limits::new().cpu_time(Duration::from_millis(50)));
    let w = rt.get_object("counter", "gate", code).await.unwrap();
    assert_eq!(json_of(&w, "https://x/").await["n"], 1);
    // Threw after counting: as on Cloudflare, what it wrote stays.
    let e = w.fetch(Request::get("https://x/fail")).await.unwrap_err();
    assert!(
        matches!(&e, Error::Script(s) if s.message == "failed after counting 2"),
        "{e}"
    );
    assert_eq!(
        w.entrypoint(None).call("count", vec![]).await.unwrap(),
        isolet::Value::from(2u32)
    );
    // Stopped by its CPU limit after counting: the instance is discarded
    // and its uncommitted transaction with it.
    let e = w.fetch(Request::get("https://x/spin")).await.unwrap_err();
    assert!(matches!(e, Error::CpuLimitExceeded { .. }), "{e}");
    let w = rt.get_object("counter", "gate", code).await.unwrap();
    assert_eq!(
        w.entrypoint(None).call("count", vec![]).await.unwrap(),
        isolet::Value::from(2u32)
    );
}

#[tokio::test]
async fn the_storage_api_answers_as_on_cloudflare() {
    let dir = tempfile::tempdir().unwrap();
    let rt = runtime(dir.path()).await;
    let w = rt.get("api", || js("api.js")).await.unwrap();
    let out = json_of(&w, "https://x/").await;
    let err = |k: &str| {
        out[k]["error"]
            .as_str()
            .unwrap_or_else(|| panic!("{k}: {}", out[k]))
            .to_string()
    };

    assert_eq!(out["rowsWritten"], 2);
    assert_eq!(out["columnNames"], json!(["id", "name", "price"]));
    assert_eq!(
        out["first"],
        json!({"id": 1, "name": "apple", "price": 1.5})
    );
    assert_eq!(out["rest"], json!([{"id": 2, "name": "pear", "price": 2}]));
    assert_eq!(out["raw"], json!([["apple", 1.5], ["pear", 2]]));
    assert_eq!(out["blob"], json!([1, 2, 3]));
    assert_eq!(out["big"], "9007199254740993");
    assert_eq!(out["iterated"], json!(["pear", "apple"]));
    assert!(
        out["rowsRead"].as_u64().unwrap() >= 2,
        "{}",
        out["rowsRead"]
    );
    assert!(err("oneOfNone").contains("got no results"));
    assert!(err("syntax").contains("syntax error"), "{}", err("syntax"));
    assert!(err("noTable").contains("no such table: missing"));
    assert!(err("badBinding").contains("a binding must be"));
    assert!(err("bindingCount").contains("wrong number of bindings"));

    assert!(
        err("attach").contains("not authorized: ATTACH"),
        "{}",
        err("attach")
    );
    assert!(
        err("pragma").contains("PRAGMA journal_mode is not allowed"),
        "{}",
        err("pragma")
    );
    assert_eq!(
        out["pragmaInfo"]["ok"],
        json!(["id", "name", "price", "data", "big"])
    );
    assert!(
        err("begin").contains("use ctx.storage.transaction()"),
        "{}",
        err("begin")
    );
    assert!(err("internal").contains("_isolet_"), "{}", err("internal"));
    assert!(
        err("extension").contains("load_extension"),
        "{}",
        err("extension")
    );
    assert!(
        err("schemaWrite").contains("may not be modified"),
        "{}",
        err("schemaWrite")
    );

    assert_eq!(
        out["get"],
        json!({"nested": [1, "two"], "when": "1970-01-01T00:00:00.000Z"})
    );
    assert_eq!(out["getMissing"], true);
    assert_eq!(out["getMany"], json!([["a", 1], ["c", "three"]]));
    assert_eq!(out["list"], json!(["a", "b", "c", "c/1", "d"]));
    assert_eq!(out["listPrefix"], json!(["c", "c/1"]));
    assert_eq!(out["listRange"], json!(["c/1", "c"]));
    assert_eq!(out["deleted"], json!([true, false, 2]));
    assert_eq!(out["kvSync"], 42);
    assert_eq!(out["mapBack"], true);
    assert!(err("tooBigKey").contains("keys are limited to 2048 bytes"));
    assert!(err("undefinedValue").contains("undefined"));

    assert_eq!(out["txSync"]["error"], "undo");
    assert_eq!(out["afterTx"], json!([2, 4]));
    assert_eq!(out["tablesAfterDeleteAll"], json!([]));
    assert_eq!(out["kvAfterDeleteAll"], 0);
    assert_eq!(out["size"], true);
}

#[tokio::test]
async fn isolet_fs_keeps_files_like_node_fs_promises() {
    let dir = tempfile::tempdir().unwrap();
    let rt = runtime(dir.path()).await;
    let w = rt
        .get_object("files", "ws", || js("files.js"))
        .await
        .unwrap();
    let out = json_of(&w, "https://x/").await;
    assert_eq!(out["mkdir"], "/notes");
    assert_eq!(out["read"], "# A\nmore\n");
    assert_eq!(out["bytes"], json!([104, 105]));
    assert_eq!(out["readdir"], json!(["2026", "b.txt"]));
    assert_eq!(
        out["recursive"],
        json!(["2026", "2026/nov", "2026/nov/a.md", "b.txt"])
    );
    assert_eq!(
        out["dirents"],
        json!([["2026", true, "/notes"], ["b.txt", false, "/notes"]])
    );
    assert_eq!(out["stat"], json!([true, false, 9, true]));
    assert_eq!(out["exists"], json!([true, false]));
    assert_eq!(
        out["afterRename"],
        json!([
            "archive",
            "archive/nov",
            "archive/nov/a.md",
            "notes",
            "notes/b.txt"
        ])
    );
    assert_eq!(out["glob"], json!(["archive/nov/a.md"]));
    assert_eq!(out["globBraces"], json!(["/notes/b.txt"]));
    assert_eq!(out["missing"]["code"], "ENOENT");
    assert!(
        out["missing"]["message"]
            .as_str()
            .unwrap()
            .contains("'/nope.txt'")
    );
    assert_eq!(out["notEmpty"]["code"], "ENOTEMPTY");
    assert_eq!(out["exists2"]["code"], "EEXIST");
    assert_eq!(out["noParent"]["code"], "ENOENT");
    assert_eq!(out["isDir"]["code"], "EISDIR");
    assert_eq!(out["intoItself"]["code"], "EINVAL");
    assert_eq!(out["final"], json!(["copy.txt", "notes", "notes/b.txt"]));

    // The next request (another instance, even) reads what this one wrote.
    rt.evict("files");
    let w = rt
        .get_object("files", "ws", || js("files.js"))
        .await
        .unwrap();
    let r = w
        .fetch(Request::get("https://x/read?path=/copy.txt"))
        .await
        .unwrap();
    assert_eq!(r.text(), "hi");
}

#[tokio::test]
async fn runaway_queries_stop_at_the_limit_and_a_full_database_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let rt = Runtime::builder()
        .storage_dir(dir.path())
        .storage_limits(StorageLimits::default().database_bytes(1 << 20))
        .build()
        .await
        .unwrap();
    let code = || js("big.js").limits(Limits::new().cpu_time(Duration::from_millis(200)));
    let w = rt.get_object("big", "x", code).await.unwrap();
    // SQL runs on the worker's CPU time: the query is interrupted when it
    // is used up (an exception the code sees, if the epoch tick has not
    // already ended the invocation at its CPU limit).
    let started = std::time::Instant::now();
    let e = w
        .fetch(Request::get("https://x/forever"))
        .await
        .unwrap_err();
    assert!(
        matches!(&e, Error::CpuLimitExceeded { .. })
            || matches!(&e, Error::Script(s) if s.message.contains("SQLITE_INTERRUPT")),
        "{e}"
    );
    assert!(started.elapsed() < Duration::from_secs(10));
    let w = rt.get_object("big", "x", code).await.unwrap();

    assert_eq!(
        w.fetch(Request::get("https://x/setup"))
            .await
            .unwrap()
            .text(),
        "ok"
    );
    let r = w.fetch(Request::get("https://x/fill")).await.unwrap();
    assert_eq!(r.status, 507, "{}", r.text());
    assert!(
        r.text().contains("limited to 1048576 bytes"),
        "{}",
        r.text()
    );
    assert!(r.text().contains("rolled back"), "{}", r.text());
    // SQLite rolled the request's writes back; the earlier request's row
    // stays, and the database stays usable.
    let n = w
        .fetch(Request::get("https://x/count"))
        .await
        .unwrap()
        .text();
    assert_eq!(n, "1");
}

#[tokio::test]
async fn one_shot_workers_and_runtimes_without_a_directory_have_no_storage() {
    let dir = tempfile::tempdir().unwrap();
    let rt = runtime(dir.path()).await;
    let w = rt.load(js("no_storage.js")).await.unwrap();
    let out = json_of(&w, "https://x/").await;
    assert_eq!(out["storage"], true);
    assert!(
        out["fsError"].as_str().unwrap().contains("has no storage"),
        "{out}"
    );

    let plain = Runtime::builder().build().await.unwrap();
    let e = plain
        .get_object("a", "b", || js("counter.js"))
        .await
        .err()
        .unwrap();
    assert!(
        matches!(&e, Error::Storage(m) if m.contains("storage_dir")),
        "{e}"
    );
    assert!(plain.objects("a").is_err());
}

#[tokio::test]
async fn objects_export_import_and_delete() {
    let dir = tempfile::tempdir().unwrap();
    let rt = runtime(dir.path()).await;
    let w = rt
        .get_object("counter", "src", || js("counter.js"))
        .await
        .unwrap();
    for _ in 0..3 {
        json_of(&w, "https://x/").await;
    }
    let db = rt.export_object("counter", "src").await.unwrap().unwrap();
    assert!(db.starts_with(b"SQLite format 3\0"));
    assert!(rt.export_object("counter", "none").await.unwrap().is_none());

    rt.import_object("counter", "copy", db.clone())
        .await
        .unwrap();
    let copy = rt
        .get_object("counter", "copy", || js("counter.js"))
        .await
        .unwrap();
    assert_eq!(json_of(&copy, "https://x/").await["n"], 4);
    // The copy's own writes do not reach the source.
    assert_eq!(
        w.entrypoint(None).call("count", vec![]).await.unwrap(),
        isolet::Value::from(3u32)
    );

    let e = rt
        .import_object("counter", "copy", b"not a database".to_vec())
        .await
        .unwrap_err();
    assert!(e.to_string().contains("not a SQLite database"), "{e}");
    let mut damaged = db.clone();
    damaged.truncate(db.len() / 2 + 100);
    damaged[100..].iter_mut().for_each(|b| *b = 0xAB);
    assert!(rt.import_object("counter", "copy", damaged).await.is_err());

    assert!(rt.delete_object("counter", "copy").unwrap());
    assert!(!rt.delete_object("counter", "copy").unwrap());
    let copy = rt
        .get_object("counter", "copy", || js("counter.js"))
        .await
        .unwrap();
    assert_eq!(json_of(&copy, "https://x/").await["n"], 1, "starts over");
}

#[tokio::test]
async fn python_durable_objects_use_the_same_storage() {
    let dir = tempfile::tempdir().unwrap();
    let rt = runtime(dir.path()).await;
    let src = std::fs::read_to_string(format!("{DIR}/counter.py")).unwrap();
    let code = || {
        WorkerCode::new("counter.py")
            .module("counter.py", ModuleSource::Python(src.clone()))
            .compatibility_date("2025-06-01")
    };
    let w = rt.get_object("pycount", "room", code).await.unwrap();
    let first = json_of(&w, "https://x/").await;
    assert_eq!(first["n"], 1);
    assert_eq!(first["previous"], Value::Null);
    let second = json_of(&w, "https://x/").await;
    assert_eq!(second["n"], 2);
    assert_eq!(second["previous"], json!({"n": 1, "tags": ["a", "b"]}));
    assert_eq!(second["listed"], json!(["last"]));
    assert_eq!(second["rows"], json!([{"name": "hits", "n": 2}]));
    assert_eq!(second["served"], 2);
    assert!(
        second["refused"].as_str().unwrap().contains("ATTACH"),
        "{second}"
    );
}

/// Two instances of one plain worker id write its storage at once: the
/// second waits for the first's write lock (off the async threads) and then
/// sees its committed row; neither write is lost.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_instance_waits_for_the_write_lock_and_sees_the_first_commit() {
    let dir = tempfile::tempdir().unwrap();
    let rt = Runtime::builder()
        .storage_dir(dir.path())
        .instances_per_worker(2)
        .build()
        .await
        .unwrap();
    let code = || {
        let mut code = js("slow_writer.js");
        code.limits = Some(Limits::new().cpu_time(Duration::from_secs(10)));
        code
    };
    let w = rt.get("writers", code).await.unwrap();
    // Warm an instance so the first request starts at once.
    json_of(&w, "https://x/?who=warm").await;
    let first = {
        let w = w.clone();
        tokio::spawn(async move { json_of(&w, "https://x/?who=first&hold=1500").await })
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    let started = std::time::Instant::now();
    let second = json_of(&w, "https://x/?who=second").await;
    let waited = started.elapsed();
    let first = first.await.unwrap();
    assert_eq!(first["seen"], json!(["warm", "first"]));
    assert_eq!(
        (first["served"].as_u64(), second["served"].as_u64()),
        (Some(2), Some(1)),
        "the second request ran on a second instance"
    );
    assert_eq!(
        second["seen"],
        json!(["warm", "first", "second"]),
        "the second instance wrote after the first committed"
    );
    assert!(
        waited >= Duration::from_millis(500),
        "the second request waited for the lock ({waited:?})"
    );
}
