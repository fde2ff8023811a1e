//! Durable storage for workers (`ctx.storage`), as a Durable Object's: one
//! SQLite database per (worker id, object name) under the runtime's storage
//! directory, holding the worker's own SQL tables, the key-value API's
//! entries and the `isolet:fs` file system.
//!
//! - **Transactions and the output gate.** Each invocation's storage work is
//!   one transaction: begun (`BEGIN IMMEDIATE`, which also takes the
//!   database's write lock against other instances and processes) at its
//!   first storage call, committed — fsynced, in WAL mode — before anything
//!   leaves the worker: its response (or each step of a streamed one), an
//!   outbound `fetch`, a call to a binding. An invocation stopped by a limit
//!   commits nothing since its last output. `transaction()` and
//!   `transactionSync()` are savepoints inside it.
//! - **Confinement.** The worker's SQL reaches its own database only:
//!   SQLite's authorizer refuses `ATTACH`, pragmas other than read-only
//!   introspection, extension loading, transaction statements, TEMP tables,
//!   views and triggers, and isolet's own `_isolet_*` tables; isolet's own
//!   statements pass it, but not the body of a trigger or view they fire
//!   (that is the worker's SQL). The database has a size limit (default
//!   1 GiB) and values one too (default 2 MiB, and never more than a whole
//!   result), rows at most 100 columns; sorts and materialized subqueries
//!   spill to files past a 2 MB page cache; all SQLite memory in a process
//!   is capped at 2 GiB (`SQLITE_NOMEM` past it).
//! - **Bounded host work.** A result is counted as its values are read and
//!   refused at the first value past 32 MiB. Every statement (and the other
//!   calls whose work the worker's data decides: listings, `deleteAll`,
//!   recursive removal, glob) runs on a blocking thread, interrupted at the
//!   invocation's deadline or CPU limit (it is the guest's CPU time).
//!   `fs.glob` matches without backtracking (pattern × path per path),
//!   refuses patterns over 1 KiB or braces expanding to over 256 patterns,
//!   and stops at the same limits.
//! - **Files.** Databases are created 0600 in directories 0700.
//! - **One live instance per object.** A named object
//!   (`Runtime::get_object`) is served by one instance at a time; storage
//!   calls of any other holder of the same database wait for its commit.

#[cfg(feature = "storage")]
mod db;
#[cfg(feature = "storage")]
pub(crate) mod fs;
#[cfg(all(feature = "storage", feature = "fuzz"))]
pub(crate) mod fuzz;
#[cfg(not(feature = "storage"))]
mod off;
#[cfg(feature = "storage")]
mod sqlite;

use std::path::PathBuf;

#[cfg(not(feature = "storage"))]
pub(crate) use off::{Storage, StorageSession};
#[cfg(feature = "storage")]
pub(crate) use sqlite::{Storage, StorageSession};

/// The binding name the guests' `ctx.storage` calls through (never a valid
/// `env` name).
pub(crate) const BINDING: &str = "isolet:storage";

/// Limits of each object's storage.
///
/// ```
/// let limits = isolet::StorageLimits::default().database_bytes(64 << 20);
/// assert_eq!(limits.value_bytes, 2 << 20);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct StorageLimits {
    /// Most bytes of one object's database (default 1 GiB).
    pub database_bytes: u64,
    /// Largest value: a key-value entry (serialized), a string or blob in
    /// SQL, a file (default 2 MiB).
    pub value_bytes: usize,
    /// Most bytes of files in one object's file system (default 100 MiB).
    pub fs_bytes: u64,
    /// Most files and directories in one object's file system (default 10,000).
    pub fs_entries: u64,
}

impl Default for StorageLimits {
    fn default() -> Self {
        StorageLimits {
            database_bytes: 1 << 30,
            value_bytes: 2 << 20,
            fs_bytes: 100 << 20,
            fs_entries: 10_000,
        }
    }
}

impl StorageLimits {
    /// Sets the database size limit.
    pub fn database_bytes(mut self, n: u64) -> Self {
        self.database_bytes = n;
        self
    }
    /// Sets the largest value.
    pub fn value_bytes(mut self, n: usize) -> Self {
        self.value_bytes = n;
        self
    }
    /// Sets the file system's quotas: bytes of files, and entries.
    pub fn fs_quota(mut self, bytes: u64, entries: u64) -> Self {
        self.fs_bytes = bytes;
        self.fs_entries = entries;
        self
    }
}

/// One stored object of a worker (see [`Runtime::objects`](crate::Runtime::objects)).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct ObjectInfo {
    /// The object's name (`""`: the worker's own storage, used by `get(id)`).
    pub name: String,
    /// Bytes on disk (the database and its write-ahead log).
    pub bytes: u64,
}

/// Longest object name, in bytes.
pub const MAX_OBJECT_NAME_BYTES: usize = 120;

/// Where one object's database is, and its limits.
#[derive(Debug, Clone)]
#[cfg_attr(not(feature = "storage"), allow(dead_code))]
pub(crate) struct StorageTarget {
    pub path: PathBuf,
    pub object: String,
    pub limits: StorageLimits,
    /// Without the `storage` feature no target can exist.
    #[cfg(not(feature = "storage"))]
    pub never: off::Never,
}
