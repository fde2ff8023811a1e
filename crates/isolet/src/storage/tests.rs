//! The object database on its own: names on disk, the authorizer, savepoints.

use super::db::ObjectDb;
use super::*;

#[test]
fn names_map_to_safe_file_names_and_back() {
    for name in [
        "room-1",
        "a.b_c",
        "",
        ".hidden",
        "../up",
        "with space",
        "ünï/cödé",
    ] {
        let file = encode(name);
        assert!(
            !file.contains('/') && file != "." && file != "..",
            "{name} -> {file}"
        );
        assert!(!file.starts_with('.') || file.len() > 2);
        assert_eq!(decode(&file).as_deref(), Some(name));
    }
    assert_eq!(encode("room-1"), "room-1");
    let s = Storage::new("/data".into(), StorageLimits::default());
    assert!(
        s.target("w", &"x".repeat(MAX_OBJECT_NAME_BYTES + 1))
            .is_err()
    );
    assert_eq!(
        s.target("w", "a/b").unwrap().path,
        std::path::PathBuf::from(format!("/data/w/~{}.sqlite", hex::encode("a/b")))
    );
}

#[test]
fn worker_sql_is_confined_and_internal_statements_are_not() {
    let dir = tempfile::tempdir().unwrap();
    let db = ObjectDb::open(&dir.path().join("o.sqlite"), StorageLimits::default()).unwrap();
    db.exec("CREATE TABLE t (x)", vec![]).unwrap();
    for (sql, why) in [
        ("ATTACH 'x.db' AS x", "ATTACH"),
        ("PRAGMA synchronous = OFF", "PRAGMA synchronous"),
        ("SAVEPOINT s", "transaction()"),
        ("INSERT INTO _isolet_kv VALUES ('k', '1')", "_isolet_"),
        (
            "CREATE VIRTUAL TABLE v USING rtree(id, a, b)",
            "virtual tables",
        ),
    ] {
        let e = db.exec(sql, vec![]).unwrap_err();
        assert!(e.contains(why), "{sql}: {e}");
    }
    // isolet's own statements reach its tables.
    db.kv_put(vec![("k".into(), crate::Value::from(1u32))])
        .unwrap();
    assert_eq!(db.kv_get(&["k".into()]).unwrap().len(), 1);
}

#[test]
fn nested_internal_guards_keep_internal_mode_until_the_last_ends() {
    let dir = tempfile::tempdir().unwrap();
    let db = ObjectDb::open(&dir.path().join("o.sqlite"), StorageLimits::default()).unwrap();
    let read = "SELECT count(*) FROM _isolet_kv";
    {
        let outer = db.internal();
        {
            let inner = db.internal();
            inner.query_row(read, [], |r| r.get::<_, i64>(0)).unwrap();
        }
        // The inner guard's end must not end the outer one's mode.
        outer.query_row(read, [], |r| r.get::<_, i64>(0)).unwrap();
    }
    // Both gone: the worker's view again.
    let e = db.exec(read, vec![]).unwrap_err();
    assert!(e.contains("_isolet_"), "{e}");
}

#[test]
fn savepoints_nest_and_roll_back_alone() {
    let dir = tempfile::tempdir().unwrap();
    let mut db = ObjectDb::open(&dir.path().join("o.sqlite"), StorageLimits::default()).unwrap();
    db.exec("CREATE TABLE t (x)", vec![]).unwrap();
    db.savepoint().unwrap();
    db.exec("INSERT INTO t VALUES (1)", vec![]).unwrap();
    db.savepoint().unwrap();
    db.exec("INSERT INTO t VALUES (2)", vec![]).unwrap();
    db.release(false).unwrap();
    db.release(true).unwrap();
    assert!(db.release(true).is_err());
    let rows = db.exec("SELECT x FROM t", vec![]).unwrap();
    assert_eq!(rows.to_wire()["rows"], serde_json::json!([[1]]));
}

#[test]
fn results_stop_at_the_value_that_passes_the_limit() {
    let dir = tempfile::tempdir().unwrap();
    let db = ObjectDb::open(&dir.path().join("o.sqlite"), StorageLimits::default()).unwrap();
    let cols = |n: usize| {
        (0..n)
            .map(|i| format!("zeroblob(2000000) AS c{i}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let e = db
        .exec(&format!("SELECT {}", cols(100)), vec![])
        .unwrap_err();
    assert!(e.contains("(at row 1, column 17)"), "{e}");
    // Wider than Cloudflare's 100 columns: refused before a row is made.
    let e = db
        .exec(&format!("SELECT {}", cols(101)), vec![])
        .unwrap_err();
    assert!(e.contains("too many columns"), "{e}");
    // No value larger than the value limit can be made.
    let e = db
        .exec("SELECT length(randomblob(3000000))", vec![])
        .unwrap_err();
    assert!(e.contains("SQLITE_TOOBIG"), "{e}");
}

#[test]
fn temp_objects_are_refused_and_triggers_never_run_as_isolet() {
    let dir = tempfile::tempdir().unwrap();
    let db = ObjectDb::open(&dir.path().join("o.sqlite"), StorageLimits::default()).unwrap();
    db.exec("CREATE TABLE t (a)", vec![]).unwrap();
    for sql in [
        "CREATE TEMP TABLE t (a)",
        "CREATE TABLE temp.t (a)",
        "CREATE TEMP VIEW v AS SELECT 1",
        "CREATE VIEW temp.v AS SELECT 1",
        "CREATE VIRTUAL TABLE temp.f USING fts5(a)",
        "CREATE TRIGGER temp.z AFTER INSERT ON t BEGIN DELETE FROM t; END",
        "CREATE TEMP TRIGGER z AFTER INSERT ON _isolet_kv BEGIN DELETE FROM _isolet_fs; END",
    ] {
        let e = db
            .exec(sql, vec![])
            .map(|_| String::new())
            .unwrap_or_else(|e| e);
        assert!(e.contains("TEMP tables"), "{sql}: {e:?}");
    }
    // Were a trigger on isolet's table there anyway (made here behind the
    // authorizer's back), isolet's own statements that fire it do not lend
    // it their allow-all mode: its body is the worker's SQL.
    db.internal()
        .execute_batch(
            "CREATE TEMP TRIGGER z AFTER INSERT ON _isolet_kv \
             BEGIN INSERT INTO _isolet_fs VALUES ('/x', 0, NULL, 0, 0); END",
        )
        .unwrap();
    let e = db
        .kv_put(vec![("k".into(), crate::Value::from(1u32))])
        .unwrap_err();
    assert!(e.contains("not authorized"), "{e}");
    let files: i64 = db
        .internal()
        .query_row("SELECT count(*) FROM _isolet_fs", [], |r| r.get(0))
        .unwrap();
    assert_eq!(files, 0);
}

#[cfg(unix)]
#[test]
fn databases_and_their_directories_are_private() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a/b/o.sqlite");
    let db = ObjectDb::open(&path, StorageLimits::default()).unwrap();
    db.exec("CREATE TABLE t (x); INSERT INTO t VALUES (1)", vec![])
        .unwrap();
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&path), 0o600);
    assert_eq!(mode(&with_suffix(&path, "-wal")), 0o600);
    assert_eq!(mode(&dir.path().join("a/b")), 0o700);
    assert_eq!(mode(&dir.path().join("a")), 0o700);
    // One made readable by others before is made private when opened.
    drop(db);
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    ObjectDb::open(&path, StorageLimits::default()).unwrap();
    assert_eq!(mode(&path), 0o600);
}

#[tokio::test]
async fn sql_stops_at_the_deadline_off_the_async_thread() {
    let dir = tempfile::tempdir().unwrap();
    let s = Storage::new(dir.path().into(), StorageLimits::default());
    let mut session = StorageSession::new(s.target("w", "o").unwrap());
    let now = Instant::now();
    session
        .begin(
            now + Duration::from_secs(5),
            now + Duration::from_millis(200),
        )
        .await
        .unwrap();
    // Another task on this (single) async thread runs while the query
    // does: the query is not on this thread.
    let other_ran = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let flag = other_ran.clone();
    tokio::spawn(async move { flag.store(true, std::sync::atomic::Ordering::SeqCst) });
    let forever =
        "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c";
    let e = session
        .call("exec", vec![crate::Value::String(forever.into())])
        .await
        .unwrap_err();
    assert!(e.contains("SQLITE_INTERRUPT"), "{e}");
    assert!(now.elapsed() < Duration::from_secs(5));
    assert!(other_ran.load(std::sync::atomic::Ordering::SeqCst));
    // The transaction and the connection are still there.
    let v = session
        .call("exec", vec![crate::Value::String("SELECT 1 AS one".into())])
        .await
        .unwrap();
    assert_eq!(v.to_wire()["rows"], serde_json::json!([[1]]));
    session.finish(true).await.unwrap();
}
