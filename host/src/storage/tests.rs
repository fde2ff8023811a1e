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
