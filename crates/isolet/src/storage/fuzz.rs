//! The fuzz target of the worker's SQL (driven through `crate::fuzz::sql`):
//! arbitrary text through `sql.exec` and the authorizer, on one database per
//! thread, each input in a transaction rolled back after it.

use std::cell::RefCell;
use std::time::{Duration, Instant};

use super::StorageLimits;
use super::db::ObjectDb;

/// The thread's database, removed with its directory when the thread ends.
struct FuzzDb {
    db: ObjectDb,
    dir: std::path::PathBuf,
}

impl Drop for FuzzDb {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

thread_local! {
    static DB: RefCell<Option<FuzzDb>> = const { RefCell::new(None) };
}

/// What isolet's own tables and the temp schema hold, as one string.
fn snapshot(db: &ObjectDb) -> String {
    db.internal()
        .query_row(
            "SELECT (SELECT group_concat(key || '=' || value, ';') FROM _isolet_kv)
                 || '|' || (SELECT group_concat(path || ':' || size, ';') FROM _isolet_fs)
                 || '|' || (SELECT count(*) FROM sqlite_temp_schema)",
            [],
            |r| r.get::<_, Option<String>>(0),
        )
        .unwrap_or_else(|e| panic!("the snapshot query failed: {e}"))
        .unwrap_or_default()
}

/// Runs `data` (as UTF-8, lossily) as a worker's query. It must never
/// panic, must stop within its deadline, and must leave isolet's tables
/// (`_isolet_kv`, `_isolet_fs`) as they were and the temp schema empty.
pub(crate) fn sql(data: &[u8]) {
    let query = String::from_utf8_lossy(data);
    DB.with(|cell| {
        let mut cell = cell.borrow_mut();
        let fuzz = cell.get_or_insert_with(|| {
            let dir = std::env::temp_dir().join(format!(
                "isolet-fuzz-sql-{}-{:?}",
                std::process::id(),
                std::thread::current().id()
            ));
            let _ = std::fs::remove_dir_all(&dir);
            let limits = StorageLimits::default()
                .database_bytes(8 << 20)
                .value_bytes(64 << 10);
            let db = ObjectDb::open(&dir.join("fuzz.sqlite"), limits)
                .unwrap_or_else(|e| panic!("open: {e}"));
            db.kv_put(vec![("canary".into(), crate::Value::from(1u32))])
                .unwrap_or_else(|e| panic!("put: {e}"));
            db.fs_write("/canary", b"x", false)
                .unwrap_or_else(|e| panic!("write: {e}"));
            FuzzDb { db, dir }
        });
        let db = &mut fuzz.db;
        let before = snapshot(db);
        db.internal()
            .execute_batch("BEGIN IMMEDIATE")
            .unwrap_or_else(|e| panic!("begin: {e}"));
        let started = Instant::now();
        db.set_deadline(started + Duration::from_millis(200));
        let _ = db.exec(&query, Vec::new());
        let elapsed = started.elapsed();
        db.set_deadline(Instant::now() + Duration::from_secs(3600));
        let after = snapshot(db);
        db.savepoints = 0;
        if !db.conn.is_autocommit() {
            db.internal()
                .execute_batch("ROLLBACK")
                .unwrap_or_else(|e| panic!("rollback: {e}"));
        }
        assert_eq!(after, before, "the query changed isolet's tables: {query}");
        assert!(
            elapsed < Duration::from_secs(10),
            "the query ran {elapsed:?} past its 200 ms deadline: {query}"
        );
    });
}
