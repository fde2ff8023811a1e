//! One object's SQLite database: opening it with its limits and authorizer,
//! the worker's SQL (`ctx.storage.sql.exec`), the key-value API over the
//! same database, explicit transactions as savepoints, and `deleteAll`.
//!
//! Everything a worker asks for runs inside the invocation's transaction
//! (see `StorageSession`), so nothing here commits on its own.

use std::path::Path;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use fallible_iterator::FallibleIterator;
use rusqlite::hooks::{AuthAction, AuthContext, Authorization};
use rusqlite::types::{Value as Sql, ValueRef};
use rusqlite::{Connection, OpenFlags, limits::Limit};

use super::StorageLimits;
use crate::wire::Value;

/// SQLite's page size for new databases (its default).
const PAGE_SIZE: u64 = 4096;
/// Longest key of the key-value API, as on Cloudflare (2 KiB).
pub const MAX_KEY_BYTES: usize = 2048;
/// Most bound parameters of one statement, as on Cloudflare.
const MAX_BINDINGS: i32 = 100;
/// Longest SQL text of one `exec`, as on Cloudflare (100 KB).
const MAX_SQL_BYTES: i32 = 100_000;
/// Most bytes of rows one `exec` hands back to the worker (counted while
/// the rows are read: the statement stops as soon as it is passed).
const MAX_RESULT_BYTES: usize = 32 << 20;
/// What a row's record holds beside its largest value: the key (at most
/// [`MAX_KEY_BYTES`]) or a file's path and metadata, and the record's
/// header. SQLite's length limit is `value_bytes` plus this.
const ROW_ROOM: usize = 4096;
/// Most columns of a table, index or result set, as on Cloudflare (100):
/// with values of at most `value_bytes`, what one row of a statement can
/// make SQLite hold.
const MAX_COLUMNS: i32 = 100;
/// SQLite's page cache per database of a connection (KiB; SQLite's
/// default, made explicit: the worker cannot change it).
const CACHE_KIB: i64 = 2000;
/// Most heap SQLite may use in this process, over every object's
/// connection: a backstop behind the per-statement bounds (its allocations
/// past it fail with SQLITE_NOMEM instead of growing the process; near it,
/// page caches recycle their pages instead of growing). Room for a full
/// page cache (`CACHE_KIB`) per instance of a default server process.
const SQLITE_HEAP_LIMIT: i64 = 2 << 30;

/// Read-only pragmas a worker's SQL may use (schema introspection, checks).
const ALLOWED_PRAGMAS: &[&str] = &[
    "table_info",
    "table_xinfo",
    "table_list",
    "index_list",
    "index_info",
    "index_xinfo",
    "foreign_key_list",
    "foreign_key_check",
    "quick_check",
    "integrity_check",
    "data_version",
];

/// The tables isolet keeps in every object's database, out of the worker's
/// SQL's reach (as Cloudflare's `_cf_*`).
pub const INTERNAL_PREFIX: &str = "_isolet_";

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS _isolet_kv (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS _isolet_fs (
    path TEXT PRIMARY KEY,
    dir INTEGER NOT NULL,
    data BLOB,
    size INTEGER NOT NULL,
    mtime REAL NOT NULL
);
";

/// An open object database.
pub(crate) struct ObjectDb {
    pub conn: Connection,
    /// Non-zero while isolet runs its own statements (one count per live
    /// [`Internal`] guard, so nested guards are safe): the authorizer lets
    /// them reach the internal tables and manage transactions.
    internal: Arc<AtomicU32>,
    /// Why the authorizer last refused the worker's SQL (for the error).
    denied: Arc<Mutex<Option<String>>>,
    /// Milliseconds since `epoch` after which running SQL is interrupted.
    stop_at: Arc<AtomicU64>,
    epoch: Instant,
    pub limits: StorageLimits,
    /// Savepoints the worker's explicit transactions opened, innermost last.
    pub savepoints: u32,
}

/// The connection with the authorizer's internal mode on, until the last
/// such guard is dropped.
pub(crate) struct Internal<'a>(&'a ObjectDb);

impl std::ops::Deref for Internal<'_> {
    type Target = Connection;
    fn deref(&self) -> &Connection {
        &self.0.conn
    }
}

impl Drop for Internal<'_> {
    fn drop(&mut self) {
        self.0.internal.fetch_sub(1, Ordering::Relaxed);
    }
}

impl ObjectDb {
    /// Opens (creating) the database at `path`.
    pub fn open(path: &Path, limits: StorageLimits) -> Result<ObjectDb, String> {
        static HEAP_LIMIT: std::sync::Once = std::sync::Once::new();
        HEAP_LIMIT.call_once(|| {
            // SAFETY: a plain setter of SQLite's, callable at any time.
            unsafe { rusqlite::ffi::sqlite3_hard_heap_limit64(SQLITE_HEAP_LIMIT) };
        });
        if let Some(dir) = path.parent() {
            create_private_dir(dir).map_err(|e| format!("storage: {e}"))?;
        }
        create_private_file(path).map_err(|e| format!("storage: {e}"))?;
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(path, flags).map_err(sql_error)?;
        let setup = || -> rusqlite::Result<()> {
            conn.set_db_config(rusqlite::config::DbConfig::SQLITE_DBCONFIG_DEFENSIVE, true)?;
            conn.set_db_config(
                rusqlite::config::DbConfig::SQLITE_DBCONFIG_TRUSTED_SCHEMA,
                false,
            )?;
            conn.pragma_update(None, "journal_mode", "WAL")?;
            // A commit is on disk (the WAL fsynced) before it returns: the
            // response that waits for it promises durable writes.
            conn.pragma_update(None, "synchronous", "FULL")?;
            conn.pragma_update(None, "foreign_keys", true)?;
            // Sorts and materialized subqueries spill to (deleted) files
            // past the page cache instead of growing the host's memory;
            // TEMP tables are refused (see `refusal`).
            conn.pragma_update(None, "temp_store", "FILE")?;
            conn.pragma_update(None, "cache_size", -CACHE_KIB)?;
            conn.pragma_update(
                None,
                "max_page_count",
                (limits.database_bytes / PAGE_SIZE).max(16) as i64,
            )?;
            conn.set_limit(Limit::SQLITE_LIMIT_ATTACHED, 0)?;
            // No value can be much larger than the largest value (nor than
            // a whole result): zeroblob(), randomblob(), replace(), || stop
            // with SQLITE_TOOBIG instead of making one. SQLite applies the
            // limit to a whole row's record too, so it leaves room for the
            // key or path beside a value of exactly `value_bytes` (the
            // key-value and file APIs check `value_bytes` itself).
            conn.set_limit(
                Limit::SQLITE_LIMIT_LENGTH,
                i32::try_from(limits.value_bytes.min(MAX_RESULT_BYTES) + ROW_ROOM)
                    .unwrap_or(i32::MAX),
            )?;
            conn.set_limit(Limit::SQLITE_LIMIT_COLUMN, MAX_COLUMNS)?;
            conn.set_limit(Limit::SQLITE_LIMIT_SQL_LENGTH, MAX_SQL_BYTES)?;
            conn.set_limit(Limit::SQLITE_LIMIT_VARIABLE_NUMBER, MAX_BINDINGS)?;
            conn.execute_batch(SCHEMA)
        };
        setup().map_err(sql_error)?;
        let mut db = ObjectDb {
            conn,
            internal: Arc::new(AtomicU32::new(0)),
            denied: Arc::new(Mutex::new(None)),
            stop_at: Arc::new(AtomicU64::new(u64::MAX)),
            epoch: Instant::now(),
            limits,
            savepoints: 0,
        };
        db.install_hooks().map_err(sql_error)?;
        Ok(db)
    }

    fn install_hooks(&mut self) -> rusqlite::Result<()> {
        let internal = self.internal.clone();
        let denied = self.denied.clone();
        self.conn.authorizer(Some(move |cx: AuthContext<'_>| {
            // isolet's own statements may do anything, but not what a
            // trigger or view (the worker's: isolet has none) makes them
            // do: that is the worker's SQL, judged as such.
            if internal.load(Ordering::Relaxed) > 0 && cx.accessor.is_none() {
                return Authorization::Allow;
            }
            match refusal(&cx) {
                None => Authorization::Allow,
                Some(why) => {
                    *denied.lock().unwrap_or_else(|p| p.into_inner()) = Some(why);
                    Authorization::Deny
                }
            }
        }))?;
        // A query that runs past the invocation's deadline or CPU budget
        // is interrupted (SQLite checks every 1,000 virtual machine steps).
        let stop_at = self.stop_at.clone();
        let epoch = self.epoch;
        self.conn.progress_handler(
            1000,
            Some(move || epoch.elapsed().as_millis() as u64 > stop_at.load(Ordering::Relaxed)),
        )
    }

    /// Whether the current call is past its deadline or CPU limit (for host
    /// work between SQL steps, e.g. `fs.glob`'s matching).
    pub fn past_deadline(&self) -> bool {
        self.epoch.elapsed().as_millis() as u64 > self.stop_at.load(Ordering::Relaxed)
    }

    /// Interrupts SQL that runs past `deadline` (until the next call).
    pub fn set_deadline(&self, deadline: Instant) {
        let ms = deadline.saturating_duration_since(self.epoch).as_millis() as u64;
        self.stop_at.store(ms, Ordering::Relaxed);
    }

    /// The connection for isolet's own statements.
    pub fn internal(&self) -> Internal<'_> {
        self.internal.fetch_add(1, Ordering::Relaxed);
        Internal(self)
    }

    /// Turns a SQLite error from the worker's statement into its message,
    /// naming what the authorizer refused.
    fn user_error(&self, e: rusqlite::Error) -> String {
        let why = self.denied.lock().unwrap_or_else(|p| p.into_inner()).take();
        match (&e, why) {
            (rusqlite::Error::SqliteFailure(f, _), Some(why))
                if f.code == rusqlite::ErrorCode::AuthorizationForStatementDenied =>
            {
                format!("not authorized: {why}: SQLITE_AUTH")
            }
            _ => self.describe(e),
        }
    }

    /// A SQLite error's message, naming the limit a full database hit.
    pub fn describe(&self, e: rusqlite::Error) -> String {
        match &e {
            rusqlite::Error::SqliteFailure(f, _) if f.code == rusqlite::ErrorCode::DiskFull => {
                format!(
                    "database or disk is full: this object's storage is limited to {} bytes: SQLITE_FULL",
                    self.limits.database_bytes
                )
            }
            rusqlite::Error::SqliteFailure(f, _)
                if f.code == rusqlite::ErrorCode::OperationInterrupted =>
            {
                "the query ran past the invocation's time or CPU limit and was interrupted: SQLITE_INTERRUPT".into()
            }
            rusqlite::Error::SqliteFailure(f, _) if f.code == rusqlite::ErrorCode::OutOfMemory => {
                format!(
                    "out of memory: SQLite's memory in this process is limited to {SQLITE_HEAP_LIMIT} bytes \
                     (a statement holding large values in many columns or rows at once): SQLITE_NOMEM"
                )
            }
            rusqlite::Error::SqliteFailure(f, _) if f.code == rusqlite::ErrorCode::TooBig => {
                format!(
                    "string or blob too big: values are limited to {} bytes: SQLITE_TOOBIG",
                    self.limits.value_bytes
                )
            }
            _ => sql_error(e),
        }
    }

    /// `sql.exec(query, ...bindings)`: runs every statement of `query` (the
    /// bindings go to the last one) and returns the last one's rows.
    pub fn exec(&self, query: &str, bindings: Vec<Value>) -> Result<Value, String> {
        let params = bindings
            .into_iter()
            .map(to_sql)
            .collect::<Result<Vec<_>, _>>()?;
        let before = self.conn.total_changes();
        let mut batch = rusqlite::Batch::new(&self.conn, query);
        let mut last: Option<ExecResult> = None;
        let mut pending_params = Some(params);
        loop {
            let stmt = match batch.next() {
                Ok(Some(s)) => s,
                Ok(None) => break,
                Err(e) => return Err(self.user_error(e)),
            };
            let mut stmt = stmt;
            let n = stmt.parameter_count();
            let params = match (n, pending_params.take()) {
                (0, p) => {
                    pending_params = p;
                    Vec::new()
                }
                (_, Some(p)) => p,
                (_, None) => {
                    return Err(
                        "only one statement of a query may have parameters (the bindings go to it)"
                            .into(),
                    );
                }
            };
            if params.len() != n {
                return Err(format!(
                    "wrong number of bindings: the statement has {n} parameters, {} were given",
                    params.len()
                ));
            }
            last = Some(self.run_statement(&mut stmt, params)?);
        }
        if pending_params.is_some_and(|p| !p.is_empty()) {
            return Err("bindings were given, but the query has no parameters (?)".into());
        }
        let mut result = last.unwrap_or_default();
        result.rows_written = self.conn.total_changes().saturating_sub(before);
        Ok(result.into_value())
    }

    fn run_statement(
        &self,
        stmt: &mut rusqlite::Statement<'_>,
        params: Vec<Sql>,
    ) -> Result<ExecResult, String> {
        let columns: Vec<String> = stmt.column_names().map(|s| s.to_string()).collect();
        let n = columns.len();
        let mut rows = Vec::new();
        let mut bytes = 0usize;
        let mut q = stmt
            .query(rusqlite::params_from_iter(params))
            .map_err(|e| self.user_error(e))?;
        loop {
            let row = match q.next() {
                Ok(Some(r)) => r,
                Ok(None) => break,
                Err(e) => return Err(self.user_error(e)),
            };
            let mut out = Vec::with_capacity(n);
            for i in 0..n {
                // Counted before the value is copied: the result stops at
                // the first value past the limit, so the host holds at
                // most the limit plus one value (itself at most
                // SQLITE_LIMIT_LENGTH, `value_bytes` + ROW_ROOM).
                let v = row.get_ref(i).map_err(|e| self.describe(e))?;
                bytes = bytes.saturating_add(value_size(&v));
                if bytes > MAX_RESULT_BYTES {
                    return Err(format!(
                        "the query's result is over {MAX_RESULT_BYTES} bytes (at row {}, column {}): \
                         select fewer rows (LIMIT) or smaller values at a time",
                        rows.len() + 1,
                        i + 1
                    ));
                }
                out.push(from_sql(v));
            }
            rows.push(Value::Array(out));
            bytes = bytes.saturating_add(std::mem::size_of::<Value>());
        }
        drop(q);
        let scanned = stmt.get_status(rusqlite::StatementStatus::FullscanStep) as u64;
        Ok(ExecResult {
            rows_read: rows.len() as u64 + scanned,
            columns,
            rows,
            rows_written: 0,
        })
    }

    /// `storage.get(keys)`: the stored values of the keys that have one.
    pub fn kv_get(&self, keys: &[String]) -> Result<Vec<(String, Value)>, String> {
        let conn = self.internal();
        let mut stmt = conn
            .prepare_cached("SELECT value FROM _isolet_kv WHERE key = ?1")
            .map_err(sql_error)?;
        let mut out = Vec::new();
        // Like a query's result, at most MAX_RESULT_BYTES (one key asked
        // for many times comes back as many times).
        let mut bytes = 0usize;
        for key in keys {
            check_key(key)?;
            let found: Option<String> = stmt
                .query_row([key], |r| r.get(0))
                .map(Some)
                .or_else(|e| match e {
                    rusqlite::Error::QueryReturnedNoRows => Ok(None),
                    e => Err(e),
                })
                .map_err(sql_error)?;
            if let Some(text) = found {
                // Counted as decoded (a value's tree outgrows its text).
                bytes = bytes.saturating_add(key.len() + crate::wire::parsed_bytes(&text));
                if bytes > MAX_RESULT_BYTES {
                    return Err(format!(
                        "get() would return over {MAX_RESULT_BYTES} bytes: ask for fewer keys at a time"
                    ));
                }
                out.push((key.clone(), decode_stored(&text)?));
            }
        }
        Ok(out)
    }

    /// `storage.put(entries)`.
    pub fn kv_put(&self, entries: Vec<(String, Value)>) -> Result<(), String> {
        let mut encoded = Vec::with_capacity(entries.len());
        for (key, value) in entries {
            check_key(&key)?;
            if matches!(value, Value::Undefined) {
                return Err(format!("put({key:?}): the value is undefined"));
            }
            let text = value.to_wire().to_string();
            if text.len() > self.limits.value_bytes {
                return Err(format!(
                    "put({key:?}): the value is {} bytes serialized; values are limited to {} bytes",
                    text.len(),
                    self.limits.value_bytes
                ));
            }
            encoded.push((key, text));
        }
        let conn = self.internal();
        let mut stmt = conn
            .prepare_cached("INSERT OR REPLACE INTO _isolet_kv (key, value) VALUES (?1, ?2)")
            .map_err(sql_error)?;
        for (key, text) in encoded {
            stmt.execute([key, text]).map_err(|e| self.describe(e))?;
        }
        Ok(())
    }

    /// `storage.delete(keys)`: how many keys had a value.
    pub fn kv_delete(&self, keys: &[String]) -> Result<u64, String> {
        let conn = self.internal();
        let mut stmt = conn
            .prepare_cached("DELETE FROM _isolet_kv WHERE key = ?1")
            .map_err(sql_error)?;
        let mut n = 0;
        for key in keys {
            check_key(key)?;
            n += stmt.execute([key]).map_err(|e| self.describe(e))? as u64;
        }
        Ok(n)
    }

    /// `storage.list(options)`: entries in key order.
    pub fn kv_list(&self, o: &ListOptions) -> Result<Vec<(String, Value)>, String> {
        let mut sql = String::from("SELECT key, value FROM _isolet_kv WHERE 1");
        let mut params: Vec<Sql> = Vec::new();
        if let Some(p) = &o.prefix {
            // Keys starting with the prefix: [prefix, prefix + U+10FFFF).
            sql.push_str(" AND key >= ? AND key < ?");
            params.push(Sql::Text(p.clone()));
            params.push(Sql::Text(format!("{p}\u{10FFFF}")));
        }
        if let Some(s) = &o.start {
            sql.push_str(" AND key >= ?");
            params.push(Sql::Text(s.clone()));
        }
        if let Some(s) = &o.start_after {
            sql.push_str(" AND key > ?");
            params.push(Sql::Text(s.clone()));
        }
        if let Some(e) = &o.end {
            sql.push_str(" AND key < ?");
            params.push(Sql::Text(e.clone()));
        }
        sql.push_str(if o.reverse {
            " ORDER BY key DESC"
        } else {
            " ORDER BY key"
        });
        if let Some(limit) = o.limit {
            sql.push_str(" LIMIT ?");
            params.push(Sql::Integer(limit as i64));
        }
        let conn = self.internal();
        let mut stmt = conn.prepare_cached(&sql).map_err(sql_error)?;
        let rows = stmt
            .query_map(rusqlite::params_from_iter(params), |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
            })
            .map_err(sql_error)?;
        let mut out = Vec::new();
        let mut bytes = 0;
        for row in rows {
            let (key, text) = row.map_err(sql_error)?;
            // Counted as decoded (a value's tree outgrows its text).
            bytes += key.len() + crate::wire::parsed_bytes(&text);
            if bytes > MAX_RESULT_BYTES {
                return Err(format!(
                    "list() would return over {MAX_RESULT_BYTES} bytes: pass a limit"
                ));
            }
            let value = decode_stored(&text)?;
            out.push((key, value));
        }
        Ok(out)
    }

    /// `storage.deleteAll()`: every table, view, index and trigger of the
    /// worker's, every key and every file.
    pub fn delete_all(&self) -> Result<(), String> {
        let conn = self.internal();
        conn.execute_batch("PRAGMA defer_foreign_keys = ON")
            .map_err(sql_error)?;
        let objects: Vec<(String, String)> = {
            let mut stmt = conn
                .prepare(
                    "SELECT type, name FROM sqlite_schema
                     WHERE name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND name NOT LIKE '\\_isolet\\_%' ESCAPE '\\'
                       AND type IN ('table', 'view', 'trigger')",
                )
                .map_err(sql_error)?;
            let rows = stmt
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
                .map_err(sql_error)?;
            rows.collect::<rusqlite::Result<_>>().map_err(sql_error)?
        };
        // Views and triggers first: dropping a table drops its indexes.
        for kind in ["trigger", "view", "table"] {
            for (t, name) in objects.iter().filter(|(t, _)| t == kind) {
                let ident = name.replace('"', "\"\"");
                conn.execute_batch(&format!("DROP {} IF EXISTS \"{ident}\"", t.to_uppercase()))
                    .map_err(|e| self.describe(e))?;
            }
        }
        conn.execute_batch("DELETE FROM _isolet_kv; DELETE FROM _isolet_fs;")
            .map_err(|e| self.describe(e))
    }

    /// Opens an explicit transaction (`transaction()`, `transactionSync()`).
    pub fn savepoint(&mut self) -> Result<(), String> {
        let name = self.savepoints + 1;
        self.internal()
            .execute_batch(&format!("SAVEPOINT isolet_{name}"))
            .map_err(sql_error)?;
        self.savepoints = name;
        Ok(())
    }

    /// Ends the innermost explicit transaction: kept, or rolled back.
    pub fn release(&mut self, commit: bool) -> Result<(), String> {
        let name = self.savepoints;
        if name == 0 {
            return Err("no transaction is open".into());
        }
        let sql = if commit {
            format!("RELEASE isolet_{name}")
        } else {
            format!("ROLLBACK TO isolet_{name}; RELEASE isolet_{name}")
        };
        self.savepoints -= 1;
        self.internal()
            .execute_batch(&sql)
            .map_err(|e| self.describe(e))
    }

    /// The database's size in bytes (pages in use).
    pub fn size(&self) -> Result<u64, String> {
        let conn = self.internal();
        let pages: i64 = conn
            .query_row("PRAGMA page_count", [], |r| r.get(0))
            .map_err(sql_error)?;
        let free: i64 = conn
            .query_row("PRAGMA freelist_count", [], |r| r.get(0))
            .map_err(sql_error)?;
        Ok(pages.saturating_sub(free).max(0) as u64 * PAGE_SIZE)
    }

    /// Waits at most `wait` for another connection's write lock (then
    /// `begin` reports the database busy).
    pub fn wait_for_lock(&self, wait: Duration) -> Result<(), String> {
        self.conn.busy_timeout(wait).map_err(sql_error)
    }
}

/// Whether the worker's SQL may do `cx` (`None`), or why not.
fn refusal(cx: &AuthContext<'_>) -> Option<String> {
    // (SQLite's own tables, e.g. sqlite_schema, are written by CREATE and
    // DROP; defensive mode refuses direct writes to them.)
    if cx.database_name.is_some_and(|d| d != "main" && d != "temp") {
        return Some("only this object's own database can be used".into());
    }
    let internal_table = |t: &str| {
        t.starts_with(INTERNAL_PREFIX).then(|| {
            format!("tables named {INTERNAL_PREFIX}* are isolet's (the key-value API and the file system)")
        })
    };
    let temp_refused = || {
        Some(
            "TEMP tables, indexes, views and triggers are not allowed: \
             they would live outside this object's storage limit (create a regular one)"
                .to_string(),
        )
    };
    match cx.action {
        AuthAction::Attach { .. } | AuthAction::Detach { .. } => {
            Some("ATTACH and DETACH are not allowed".into())
        }
        // TEMP tables would live in the connection (host memory or temp
        // files), outside the object's size limit; TEMP triggers could be
        // set on isolet's tables. Neither persists on Cloudflare either.
        // (`CREATE TABLE temp.t` is a plain create in database "temp".)
        AuthAction::CreateTempTable { .. }
        | AuthAction::CreateTempIndex { .. }
        | AuthAction::CreateTempTrigger { .. }
        | AuthAction::CreateTempView { .. } => temp_refused(),
        // (`CREATE TRIGGER temp.z ON t` is authorized as a trigger of
        // `t`'s database, then written into the temp schema: any write in
        // "temp" is refused, which no worker SQL otherwise does.)
        AuthAction::CreateTable { .. }
        | AuthAction::CreateIndex { .. }
        | AuthAction::CreateTrigger { .. }
        | AuthAction::CreateView { .. }
        | AuthAction::CreateVtable { .. }
        | AuthAction::Insert { .. }
        | AuthAction::Update { .. }
        | AuthAction::Delete { .. }
            if cx.database_name == Some("temp") =>
        {
            temp_refused()
        }
        AuthAction::Pragma { pragma_name, .. } => {
            let name = pragma_name.to_ascii_lowercase();
            (!ALLOWED_PRAGMAS.contains(&name.as_str())).then(|| {
                format!(
                    "PRAGMA {pragma_name} is not allowed (allowed: {})",
                    ALLOWED_PRAGMAS.join(", ")
                )
            })
        }
        AuthAction::Transaction { .. } | AuthAction::Savepoint { .. } => Some(
            "BEGIN, COMMIT, ROLLBACK and SAVEPOINT are not allowed: use ctx.storage.transaction() \
             or transactionSync() (each request's writes are already one transaction)"
                .into(),
        ),
        AuthAction::Function { function_name } => {
            let f = function_name.to_ascii_lowercase();
            (f == "load_extension" || f == "readfile" || f == "writefile" || f == "edit")
                .then(|| format!("the function {function_name}() is not allowed"))
        }
        AuthAction::CreateVtable { module_name, .. }
        | AuthAction::DropVtable { module_name, .. } => (module_name != "fts5")
            .then(|| format!("virtual tables of module {module_name} are not allowed")),
        AuthAction::Read { table_name, .. } => internal_table(table_name),
        AuthAction::Insert { table_name }
        | AuthAction::Delete { table_name }
        | AuthAction::Update { table_name, .. }
        | AuthAction::CreateTable { table_name }
        | AuthAction::DropTable { table_name }
        | AuthAction::CreateIndex { table_name, .. }
        | AuthAction::DropIndex { table_name, .. }
        | AuthAction::CreateTrigger { table_name, .. }
        | AuthAction::DropTrigger { table_name, .. }
        | AuthAction::AlterTable { table_name, .. }
        | AuthAction::Analyze { table_name } => internal_table(table_name),
        AuthAction::CreateView { view_name } | AuthAction::DropView { view_name } => {
            internal_table(view_name)
        }
        _ => None,
    }
}

#[derive(Default)]
struct ExecResult {
    columns: Vec<String>,
    rows: Vec<Value>,
    rows_read: u64,
    rows_written: u64,
}

impl ExecResult {
    fn into_value(self) -> Value {
        let mut o = std::collections::BTreeMap::new();
        o.insert(
            "columns".into(),
            Value::Array(self.columns.into_iter().map(Value::String).collect()),
        );
        o.insert("rows".into(), Value::Array(self.rows));
        o.insert("rowsRead".into(), Value::Number(self.rows_read as f64));
        o.insert(
            "rowsWritten".into(),
            Value::Number(self.rows_written as f64),
        );
        Value::Object(o)
    }
}

/// `storage.list()` options.
#[derive(Debug, Default, Clone)]
pub struct ListOptions {
    pub prefix: Option<String>,
    pub start: Option<String>,
    pub start_after: Option<String>,
    pub end: Option<String>,
    pub limit: Option<u64>,
    pub reverse: bool,
}

fn check_key(key: &str) -> Result<(), String> {
    if key.len() > MAX_KEY_BYTES {
        return Err(format!(
            "keys are limited to {MAX_KEY_BYTES} bytes; this one has {}",
            key.len()
        ));
    }
    Ok(())
}

fn decode_stored(text: &str) -> Result<Value, String> {
    serde_json::from_str(text)
        .map_err(|e| e.to_string())
        .and_then(Value::from_wire)
        .map_err(|e| format!("a stored value cannot be read: {e}"))
}

/// A bound parameter from the worker's value.
fn to_sql(v: Value) -> Result<Sql, String> {
    Ok(match v {
        Value::Null | Value::Undefined => Sql::Null,
        Value::Bool(b) => Sql::Integer(i64::from(b)),
        Value::Number(n) if n.fract() == 0.0 && n.abs() < 9.007_199_254_740_992e15 => {
            Sql::Integer(n as i64)
        }
        Value::Number(n) => Sql::Real(n),
        Value::BigInt(s) => Sql::Integer(
            s.parse()
                .map_err(|_| format!("the BigInt {s} does not fit SQLite's 64-bit integers"))?,
        ),
        Value::String(s) => Sql::Text(s),
        Value::Bytes(b) | Value::ArrayBuffer(b) => Sql::Blob(b),
        other => {
            return Err(format!(
                "a binding must be a string, number, bigint, boolean, null or ArrayBuffer/Uint8Array, not {}",
                kind_of(&other)
            ));
        }
    })
}

fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
        Value::Date(_) => "a Date",
        Value::Map(_) => "a Map",
        Value::Set(_) => "a Set",
        _ => "this type",
    }
}

/// The worker's value of a column: integers beyond 2^53 as BigInt.
fn from_sql(v: ValueRef<'_>) -> Value {
    match v {
        ValueRef::Null => Value::Null,
        ValueRef::Integer(i) if i.unsigned_abs() <= 1 << 53 => Value::Number(i as f64),
        ValueRef::Integer(i) => Value::BigInt(i.to_string()),
        ValueRef::Real(f) => Value::Number(f),
        ValueRef::Text(t) => Value::String(String::from_utf8_lossy(t).into_owned()),
        ValueRef::Blob(b) => Value::ArrayBuffer(b.to_vec()),
    }
}

/// What one value of a result costs the host: its bytes and the value
/// that holds them (so many small values count too, not only big ones).
fn value_size(v: &ValueRef<'_>) -> usize {
    let base = std::mem::size_of::<Value>();
    match v {
        ValueRef::Text(t) | ValueRef::Blob(t) => t.len().saturating_add(base),
        _ => base,
    }
}

/// Creates `dir` (and its missing parents) readable by this user only.
pub(crate) fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    let mut b = std::fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut b, 0o700);
    b.create(dir)
}

/// Creates the database file `path`, if missing, readable by this user only
/// (SQLite gives its -wal and -shm files the same mode); an existing one
/// readable by others is made private.
pub(crate) fn create_private_file(path: &Path) -> std::io::Result<()> {
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut o, 0o600);
    match o.open(path) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                let mode = std::fs::metadata(path)?.permissions().mode();
                if mode & 0o077 != 0 {
                    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode & 0o700))?;
                }
            }
            Ok(())
        }
        Err(e) => Err(e),
    }
}

/// A SQLite error as the worker sees it: `message: SQLITE_CODE`.
pub(crate) fn sql_error(e: rusqlite::Error) -> String {
    match &e {
        rusqlite::Error::SqliteFailure(f, msg) => {
            let code = format!("{:?}", f.code);
            let name = sqlite_code_name(f.extended_code & 0xff).unwrap_or(&code);
            match msg {
                Some(m) => format!("{m}: {name}"),
                None => format!("{e}: {name}"),
            }
        }
        _ => e.to_string(),
    }
}

fn sqlite_code_name(primary: i32) -> Option<&'static str> {
    use rusqlite::ffi;
    Some(match primary {
        ffi::SQLITE_ERROR => "SQLITE_ERROR",
        ffi::SQLITE_CONSTRAINT => "SQLITE_CONSTRAINT",
        ffi::SQLITE_BUSY => "SQLITE_BUSY",
        ffi::SQLITE_FULL => "SQLITE_FULL",
        ffi::SQLITE_TOOBIG => "SQLITE_TOOBIG",
        ffi::SQLITE_MISMATCH => "SQLITE_MISMATCH",
        ffi::SQLITE_RANGE => "SQLITE_RANGE",
        ffi::SQLITE_AUTH => "SQLITE_AUTH",
        ffi::SQLITE_INTERRUPT => "SQLITE_INTERRUPT",
        ffi::SQLITE_READONLY => "SQLITE_READONLY",
        ffi::SQLITE_CORRUPT => "SQLITE_CORRUPT",
        ffi::SQLITE_IOERR => "SQLITE_IOERR",
        ffi::SQLITE_NOMEM => "SQLITE_NOMEM",
        _ => return None,
    })
}
