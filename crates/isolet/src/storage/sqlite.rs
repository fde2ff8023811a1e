//! Storage on SQLite (the `storage` feature): the runtime's storage
//! directory and each instance's session with its object's database.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

pub(crate) use super::db::ObjectDb;
use super::db::{self, ListOptions, sql_error};
use super::{MAX_OBJECT_NAME_BYTES, ObjectInfo, StorageLimits, StorageTarget};
use crate::error::{Error, Result};
use crate::wire::Value;

/// The runtime's storage directory and limits.
pub(crate) struct Storage {
    dir: PathBuf,
    limits: StorageLimits,
}

impl Storage {
    pub fn new(dir: PathBuf, limits: StorageLimits) -> Storage {
        Storage { dir, limits }
    }

    fn worker_dir(&self, worker: &str) -> PathBuf {
        self.dir.join(encode(worker))
    }

    pub fn target(&self, worker: &str, object: &str) -> Result<StorageTarget> {
        if object.len() > MAX_OBJECT_NAME_BYTES {
            return Err(Error::InvalidRequest(format!(
                "object names are limited to {MAX_OBJECT_NAME_BYTES} bytes"
            )));
        }
        // NUL separates the warm cache's keys (see `warm::object_key`): a
        // name with one could name what is not an object (a loaded worker
        // its parent keeps).
        if object.contains('\0') {
            return Err(Error::InvalidRequest(
                "object names cannot contain NUL characters".into(),
            ));
        }
        if worker.is_empty() || worker.len() > 255 {
            return Err(Error::InvalidRequest(
                "a worker with storage needs an id of 1-255 bytes".into(),
            ));
        }
        Ok(StorageTarget {
            path: self
                .worker_dir(worker)
                .join(format!("{}.sqlite", encode(object))),
            object: object.to_string(),
            limits: self.limits,
        })
    }

    /// The objects of `worker` that have a database, by name.
    pub fn objects(&self, worker: &str) -> Result<Vec<ObjectInfo>> {
        let dir = self.worker_dir(worker);
        let entries = match std::fs::read_dir(&dir) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(Error::Storage(format!("{}: {e}", dir.display()))),
        };
        let mut out = Vec::new();
        for entry in entries.flatten() {
            let file = entry.file_name().to_string_lossy().into_owned();
            let Some(stem) = file.strip_suffix(".sqlite") else {
                continue;
            };
            let Some(name) = decode(stem) else { continue };
            let size = |p: &Path| std::fs::metadata(p).map_or(0, |m| m.len());
            let path = entry.path();
            let bytes = size(&path) + size(&with_suffix(&path, "-wal"));
            out.push(ObjectInfo { name, bytes });
        }
        out.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(out)
    }

    /// A consistent copy of the object's database (a SQLite file), `None`
    /// when it has none.
    pub fn export(&self, worker: &str, object: &str) -> Result<Option<Vec<u8>>> {
        let target = self.target(worker, object)?;
        if !target.path.exists() {
            return Ok(None);
        }
        // A plain connection: VACUUM INTO attaches its output file, which
        // the workers' connections may not.
        let conn =
            rusqlite::Connection::open(&target.path).map_err(|e| Error::Storage(sql_error(e)))?;
        conn.busy_timeout(Duration::from_secs(10))
            .map_err(|e| Error::Storage(sql_error(e)))?;
        let tmp = temp_path(&target.path);
        // VACUUM INTO writes into an empty file: made first, private.
        let result = db::create_private_file(&tmp)
            .map_err(|e| Error::Storage(e.to_string()))
            .and_then(|_| {
                conn.execute("VACUUM INTO ?1", [tmp.to_string_lossy()])
                    .map_err(|e| Error::Storage(sql_error(e)))
            })
            .and_then(|_| std::fs::read(&tmp).map_err(|e| Error::Storage(e.to_string())));
        let _ = std::fs::remove_file(&tmp);
        result.map(Some)
    }

    /// Replaces the object's database with `bytes` (a SQLite file, e.g. from
    /// `export`). Checked first: a SQLite database, intact, within the size
    /// limit. Copied in with SQLite's backup API, under the database's lock.
    pub fn import(&self, worker: &str, object: &str, bytes: &[u8]) -> Result<()> {
        let target = self.target(worker, object)?;
        if !bytes.starts_with(b"SQLite format 3\0") {
            return Err(Error::InvalidRequest(
                "not a SQLite database (it must start with \"SQLite format 3\")".into(),
            ));
        }
        if bytes.len() as u64 > target.limits.database_bytes {
            return Err(Error::InvalidRequest(format!(
                "the database is {} bytes; this runtime's objects are limited to {}",
                bytes.len(),
                target.limits.database_bytes
            )));
        }
        if let Some(dir) = target.path.parent() {
            db::create_private_dir(dir).map_err(|e| Error::Storage(e.to_string()))?;
        }
        let tmp = temp_path(&target.path);
        let result = (|| -> Result<()> {
            db::create_private_file(&tmp)
                .and_then(|_| std::fs::write(&tmp, bytes))
                .map_err(|e| Error::Storage(e.to_string()))?;
            let bad = |e: rusqlite::Error| {
                Error::InvalidRequest(format!("the database cannot be read: {}", sql_error(e)))
            };
            let src = rusqlite::Connection::open(&tmp).map_err(bad)?;
            src.pragma_update(None, "trusted_schema", false)
                .map_err(bad)?;
            let check: String = src
                .query_row("PRAGMA quick_check", [], |r| r.get(0))
                .map_err(bad)?;
            if check != "ok" {
                return Err(Error::InvalidRequest(format!(
                    "the database is damaged: {check}"
                )));
            }
            // The live database is in WAL mode with 4 KiB pages; a backup
            // cannot change a WAL database's page size.
            src.execute_batch("PRAGMA journal_mode = DELETE; PRAGMA page_size = 4096; VACUUM;")
                .map_err(bad)?;
            let mut dst = ObjectDb::open(&target.path, target.limits).map_err(Error::Storage)?;
            dst.wait_for_lock(Duration::from_secs(10))
                .map_err(Error::Storage)?;
            let backup = rusqlite::backup::Backup::new(&src, &mut dst.conn)
                .map_err(|e| Error::Storage(sql_error(e)))?;
            backup
                .run_to_completion(1024, Duration::from_millis(5), None)
                .map_err(|e| Error::Storage(sql_error(e)))?;
            drop(backup);
            drop(dst);
            // Reopening creates isolet's tables if the file lacked them.
            ObjectDb::open(&target.path, target.limits).map_err(Error::Storage)?;
            Ok(())
        })();
        let _ = std::fs::remove_file(&tmp);
        result
    }

    /// Deletes the object's database; whether it had one.
    pub fn delete(&self, worker: &str, object: &str) -> Result<bool> {
        let target = self.target(worker, object)?;
        let existed = target.path.exists();
        for suffix in ["", "-wal", "-shm"] {
            let p = with_suffix(&target.path, suffix);
            match std::fs::remove_file(&p) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(Error::Storage(format!("{}: {e}", p.display()))),
            }
        }
        Ok(existed)
    }
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut s = path.as_os_str().to_os_string();
    s.push(suffix);
    PathBuf::from(s)
}

fn temp_path(path: &Path) -> PathBuf {
    let mut n = [0u8; 6];
    let _ = getrandom::fill(&mut n);
    with_suffix(path, &format!(".{}.tmp", hex::encode(n)))
}

/// An instance's storage: its connection (opened on first use, kept with
/// the instance) and the current invocation's transaction.
pub(crate) struct StorageSession {
    target: StorageTarget,
    db: Option<ObjectDb>,
    in_transaction: bool,
    changes_at_begin: u64,
}

impl StorageSession {
    pub fn new(target: StorageTarget) -> Self {
        StorageSession {
            target,
            db: None,
            in_transaction: false,
            changes_at_begin: 0,
        }
    }

    /// The database, in this invocation's transaction (begun here, waiting
    /// until `deadline` for another holder's commit).
    pub async fn begin(&mut self, deadline: Instant, stop_sql_at: Instant) -> Result<(), String> {
        if self.db.is_none() {
            // A new connection has no transaction (one lost with a
            // stopped call's connection was rolled back with it).
            self.in_transaction = false;
        }
        let mut db = match self.db.take() {
            Some(db) => db,
            None => ObjectDb::open(&self.target.path, self.target.limits)?,
        };
        if !self.in_transaction {
            let begun = match db.wait_for_lock(Duration::ZERO) {
                Ok(()) => db.internal().execute_batch("BEGIN IMMEDIATE"),
                Err(e) => {
                    self.db = Some(db);
                    return Err(e);
                }
            };
            let begun = match begun {
                Err(rusqlite::Error::SqliteFailure(f, _))
                    if f.code == rusqlite::ErrorCode::DatabaseBusy =>
                {
                    // Another instance or process is mid-invocation on this
                    // object: wait for its commit off the async threads.
                    let wait = deadline.saturating_duration_since(Instant::now());
                    let (back, r) = tokio::task::spawn_blocking(move || {
                        let r = db.wait_for_lock(wait).and_then(|_| {
                            db.internal()
                                .execute_batch("BEGIN IMMEDIATE")
                                .map_err(sql_error)
                        });
                        (db, r)
                    })
                    .await
                    .map_err(|e| format!("storage: {e}"))?;
                    db = back;
                    r.map_err(|e| {
                        format!("storage is busy: another instance held this object past the deadline ({e})")
                    })
                }
                other => other.map_err(sql_error),
            };
            if let Err(e) = begun {
                self.db = Some(db);
                return Err(e);
            }
            self.in_transaction = true;
            self.changes_at_begin = db.conn.total_changes();
        }
        db.set_deadline(stop_sql_at);
        self.db = Some(db);
        Ok(())
    }

    /// The output gate: commits (or, with `commit` false, rolls back) the
    /// invocation's transaction, if it has one. A commit that wrote is
    /// fsynced off the async threads.
    pub async fn finish(&mut self, commit: bool) -> Result<(), String> {
        if !self.in_transaction {
            return Ok(());
        }
        self.in_transaction = false;
        let Some(mut db) = self.db.take() else {
            return Ok(());
        };
        db.savepoints = 0;
        db.set_deadline(Instant::now() + Duration::from_secs(3600));
        let wrote = db.conn.total_changes() != self.changes_at_begin;
        let sql = if commit { "COMMIT" } else { "ROLLBACK" };
        let (db, result) = if wrote && commit {
            tokio::task::spawn_blocking(move || {
                let r = db.internal().execute_batch(sql);
                (db, r)
            })
            .await
            .map_err(|e| format!("storage: {e}"))?
        } else {
            let r = db.internal().execute_batch(sql);
            (db, r)
        };
        let result = result.map_err(|e| db.describe(e));
        if result.is_err() {
            let _ = db.internal().execute_batch("ROLLBACK");
        }
        self.db = Some(db);
        result
    }

    /// Whether output may pass the gate now: no explicit transaction is
    /// open (one is committed only as a whole).
    pub fn can_commit(&self) -> bool {
        self.db.as_ref().is_none_or(|db| db.savepoints == 0)
    }

    /// Whether `method` needs the database (and so the transaction).
    pub fn needs_database(method: &str) -> bool {
        method != "info"
    }

    /// Whether `method` does a bounded amount of work (point reads and
    /// writes whose cost the guest's own arguments bound): it runs on the
    /// calling thread. The others (SQL, listings, recursive removal, glob,
    /// `deleteAll`) run on a blocking thread, so a long one (stopped at the
    /// invocation's CPU limit or deadline) never holds up the async thread
    /// other requests share.
    fn runs_inline(method: &str) -> bool {
        matches!(
            method,
            "get"
                | "put"
                | "delete"
                | "begin"
                | "commit"
                | "size"
                | "fs.readFile"
                | "fs.writeFile"
                | "fs.stat"
                | "fs.mkdir"
        )
    }

    /// One call of the guest's `ctx.storage` (see guest-js/js/storage.js),
    /// after `begin` for the ones that need the database. (Boxed: the
    /// invocation's future is deep enough without this one inside it.)
    pub fn call<'a>(
        &'a mut self,
        method: &'a str,
        args: Vec<Value>,
    ) -> crate::outbound::BoxFuture<'a, Result<Value, String>> {
        Box::pin(self.call_unboxed(method, args))
    }

    async fn call_unboxed(&mut self, method: &str, args: Vec<Value>) -> Result<Value, String> {
        if method == "info" {
            let mut o = std::collections::BTreeMap::new();
            o.insert("name".into(), Value::String(self.target.object.clone()));
            return Ok(Value::Object(o));
        }
        if !self.in_transaction {
            return Err("storage: no transaction is open".into());
        }
        let Some(mut db) = self.db.take() else {
            return Err("storage: no transaction is open".into());
        };
        let (mut db, result) = if Self::runs_inline(method) {
            let r = Self::run(&mut db, method, args);
            (db, r)
        } else {
            let method = method.to_string();
            // If this future is dropped meanwhile (the invocation was
            // stopped), the statement still ends at the invocation's
            // deadline (the progress handler) and its connection, dropped
            // with the task, rolls the transaction back; `begin` then
            // opens a new one.
            let joined = tokio::task::spawn_blocking(move || {
                let r = Self::run(&mut db, &method, args);
                (db, r)
            })
            .await;
            match joined {
                Ok(done) => done,
                Err(e) => {
                    // The connection went with the task (a panic in it):
                    // its transaction is gone with it.
                    self.in_transaction = false;
                    return Err(format!("storage: the operation failed: {e}"));
                }
            }
        };
        let result = Self::settle(&mut db, &mut self.in_transaction, result);
        self.db = Some(db);
        result
    }

    /// The call's result, after checking the transaction survived it.
    fn settle(
        db: &mut ObjectDb,
        in_transaction: &mut bool,
        result: Result<Value, String>,
    ) -> Result<Value, String> {
        if db.conn.is_autocommit() {
            // SQLite rolled the whole transaction back (it does on a full
            // database, and on some I/O errors): nothing is left to commit.
            *in_transaction = false;
            db.savepoints = 0;
            return Err(match result {
                Err(e) => format!("{e} (this request's earlier storage writes were rolled back)"),
                Ok(_) => "storage: the transaction ended unexpectedly; this request's writes were rolled back".into(),
            });
        }
        result
    }

    fn run(db: &mut ObjectDb, method: &str, args: Vec<Value>) -> Result<Value, String> {
        let mut args = args.into_iter();
        let mut next = || args.next().unwrap_or(Value::Undefined);
        let text = |v: Value, what: &str| match v {
            Value::String(s) => Ok(s),
            _ => Err(format!("{what} must be a string")),
        };
        let flag = |v: Value| matches!(v, Value::Bool(true));
        match method {
            "exec" => {
                let query = text(next(), "the query")?;
                let bindings = match next() {
                    Value::Array(a) => a,
                    _ => Vec::new(),
                };
                db.exec(&query, bindings)
            }
            "get" => {
                let keys = strings(next(), "keys")?;
                Ok(entries(db.kv_get(&keys)?))
            }
            "put" => {
                let Value::Array(pairs) = next() else {
                    return Err("put() needs entries".into());
                };
                let mut list = Vec::with_capacity(pairs.len());
                for pair in pairs {
                    let Value::Array(kv) = pair else {
                        return Err("put() needs [key, value] entries".into());
                    };
                    let mut kv = kv.into_iter();
                    let key = text(kv.next().unwrap_or(Value::Undefined), "a key")?;
                    list.push((key, kv.next().unwrap_or(Value::Undefined)));
                }
                db.kv_put(list).map(|_| Value::Undefined)
            }
            "delete" => {
                let keys = strings(next(), "keys")?;
                Ok(Value::Number(db.kv_delete(&keys)? as f64))
            }
            "list" => {
                let options = list_options(next())?;
                Ok(entries(db.kv_list(&options)?))
            }
            "deleteAll" => db.delete_all().map(|_| Value::Undefined),
            "begin" => db.savepoint().map(|_| Value::Undefined),
            "commit" => db.release(true).map(|_| Value::Undefined),
            "rollback" => db.release(false).map(|_| Value::Undefined),
            "size" => Ok(Value::Number(db.size()? as f64)),
            "fs.readFile" => Ok(Value::Bytes(db.fs_read(&text(next(), "the path")?)?)),
            "fs.writeFile" => {
                let path = text(next(), "the path")?;
                let data = match next() {
                    Value::Bytes(b) | Value::ArrayBuffer(b) => b,
                    Value::String(s) => s.into_bytes(),
                    _ => return Err("the data must be a string or bytes".into()),
                };
                db.fs_write(&path, &data, flag(next()))
                    .map(|_| Value::Undefined)
            }
            "fs.stat" => {
                let st = db.fs_stat(&text(next(), "the path")?)?;
                let mut o = std::collections::BTreeMap::new();
                o.insert("dir".into(), Value::Bool(st.dir));
                o.insert("size".into(), Value::Number(st.size as f64));
                o.insert("mtimeMs".into(), Value::Number(st.mtime_ms));
                Ok(Value::Object(o))
            }
            "fs.readdir" => {
                let path = text(next(), "the path")?;
                let list = db.fs_readdir(&path, flag(next()))?;
                Ok(Value::Array(
                    list.into_iter()
                        .map(|(n, d)| Value::Array(vec![Value::String(n), Value::Bool(d)]))
                        .collect(),
                ))
            }
            "fs.mkdir" => {
                let path = text(next(), "the path")?;
                Ok(db
                    .fs_mkdir(&path, flag(next()))?
                    .map_or(Value::Undefined, Value::String))
            }
            "fs.rm" => {
                let path = text(next(), "the path")?;
                let (recursive, force, only_dir) = (flag(next()), flag(next()), flag(next()));
                db.fs_rm(&path, recursive, force, only_dir)
                    .map(|_| Value::Undefined)
            }
            "fs.rename" => {
                let from = text(next(), "the old path")?;
                let to = text(next(), "the new path")?;
                db.fs_rename(&from, &to).map(|_| Value::Undefined)
            }
            "fs.glob" => Ok(Value::Array(
                db.fs_glob(&text(next(), "the pattern")?)?
                    .into_iter()
                    .map(Value::String)
                    .collect(),
            )),
            other => Err(format!("ctx.storage has no operation {other:?}")),
        }
    }
}

fn strings(v: Value, what: &str) -> Result<Vec<String>, String> {
    match v {
        Value::Array(a) => a
            .into_iter()
            .map(|k| match k {
                Value::String(s) => Ok(s),
                _ => Err(format!("{what} must be strings")),
            })
            .collect(),
        Value::String(s) => Ok(vec![s]),
        _ => Err(format!("{what} must be strings")),
    }
}

fn entries(list: Vec<(String, Value)>) -> Value {
    Value::Array(
        list.into_iter()
            .map(|(k, v)| Value::Array(vec![Value::String(k), v]))
            .collect(),
    )
}

fn list_options(v: Value) -> Result<ListOptions, String> {
    let mut o = ListOptions::default();
    let Value::Object(map) = v else {
        return Ok(o);
    };
    let text = |k: &str| match map.get(k) {
        Some(Value::String(s)) => Ok(Some(s.clone())),
        None | Some(Value::Undefined) | Some(Value::Null) => Ok(None),
        Some(_) => Err(format!("list(): {k} must be a string")),
    };
    o.prefix = text("prefix")?;
    o.start = text("start")?;
    o.start_after = text("startAfter")?;
    o.end = text("end")?;
    o.reverse = matches!(map.get("reverse"), Some(Value::Bool(true)));
    o.limit = match map.get("limit") {
        Some(Value::Number(n)) if *n >= 1.0 && n.fract() == 0.0 => Some(*n as u64),
        None | Some(Value::Undefined) | Some(Value::Null) => None,
        Some(_) => return Err("list(): limit must be a positive integer".into()),
    };
    Ok(o)
}

/// A file-name-safe form of an id or object name: itself when it is plain
/// (`[A-Za-z0-9_.-]`, not starting with `.`), else `~` and its bytes in hex.
fn encode(name: &str) -> String {
    let plain = !name.is_empty()
        && !name.starts_with('.')
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.');
    if plain {
        name.to_string()
    } else {
        format!("~{}", hex::encode(name))
    }
}

fn decode(file: &str) -> Option<String> {
    match file.strip_prefix('~') {
        Some(h) => String::from_utf8(hex::decode(h).ok()?).ok(),
        None => Some(file.to_string()),
    }
}

#[cfg(test)]
#[path = "tests.rs"]
mod tests;
