//! The durable code store: one JSON file per worker id under
//! `<data_dir>/workers/`, written via temp file + fsync + rename so a crash
//! never leaves a torn file; or, for replicas that share their code, a
//! PostgreSQL table (`postgres` in the server's configuration, see pg.rs).

use std::path::{Path, PathBuf};

use isolet::WorkerCode;

/// Where deployed code lives.
pub(crate) enum CodeStore {
    Dir(DirStore),
    #[cfg(feature = "postgres")]
    Postgres(super::pg::PgStore),
}

impl CodeStore {
    pub async fn put(&self, id: &str, code: &WorkerCode) -> std::io::Result<()> {
        match self {
            CodeStore::Dir(d) => d.put(id, code).await,
            #[cfg(feature = "postgres")]
            CodeStore::Postgres(p) => p.put(id, code).await,
        }
    }

    pub async fn get(&self, id: &str) -> std::io::Result<Option<WorkerCode>> {
        match self {
            CodeStore::Dir(d) => d.get(id).await,
            #[cfg(feature = "postgres")]
            CodeStore::Postgres(p) => p.get(id).await,
        }
    }

    pub async fn delete(&self, id: &str) -> std::io::Result<bool> {
        match self {
            CodeStore::Dir(d) => d.delete(id).await,
            #[cfg(feature = "postgres")]
            CodeStore::Postgres(p) => p.delete(id).await,
        }
    }

    /// Ids in order, starting after `after`, at most `limit`; and whether more exist.
    pub async fn list(
        &self,
        after: Option<&str>,
        limit: usize,
    ) -> std::io::Result<(Vec<String>, bool)> {
        match self {
            CodeStore::Dir(d) => d.list(after, limit).await,
            #[cfg(feature = "postgres")]
            CodeStore::Postgres(p) => p.list(after, limit).await,
        }
    }
}

/// Code as files in a directory.
pub(crate) struct DirStore {
    dir: PathBuf,
}

pub(crate) use isolet::valid_id;

/// Creates `dir` (and its missing parents) readable by this user only
/// (0700 on Unix): the code store holds workers' `env` secrets. A directory
/// that exists already keeps its mode (it may be the operator's own).
pub(crate) fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)
}

/// Makes an existing file or directory of isolet's own readable by this
/// user only (0600 files, 0700 directories), for data written by a version
/// that created them 0644.
pub(crate) fn make_private(path: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let meta = std::fs::symlink_metadata(path)?;
        let want = if meta.is_dir() { 0o700 } else { 0o600 };
        if meta.file_type().is_symlink() || meta.permissions().mode() & 0o777 == want {
            return Ok(());
        }
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(want))?;
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

/// Writes `bytes` to `path` as a file only this user can read (0600 from
/// its first byte: the temporary file is created with that mode), via a
/// temporary file, fsync and rename so readers never see a torn file. The
/// directory is created 0700 if missing.
pub(crate) fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    static SEQ: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let dir = path.parent().unwrap_or(Path::new("."));
    create_private_dir(dir)?;
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("artifact");
    let tmp = dir.join(format!(
        ".{name}.{}.{}.tmp",
        std::process::id(),
        SEQ.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    ));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let written = (|| {
        let mut f = options.open(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        drop(f);
        std::fs::rename(&tmp, path)
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    written
}

/// The error of a store operation on an id that is not a worker id (the
/// routes check ids first; this keeps any other caller from turning `../x`
/// or `/x` into a path).
fn bad_id(id: &str) -> std::io::Error {
    std::io::Error::new(
        std::io::ErrorKind::InvalidInput,
        format!("{id:?} {}", isolet::ID_RULE),
    )
}

impl DirStore {
    pub fn open(dir: PathBuf) -> std::io::Result<Self> {
        create_private_dir(&dir)?;
        make_private(&dir)?;
        // Leftover temp files from a crash mid-write are never valid code.
        // Recent ones may be another server process's write in progress.
        for entry in std::fs::read_dir(&dir)?.flatten() {
            let stale = entry
                .metadata()
                .and_then(|m| m.modified())
                .ok()
                .and_then(|t| t.elapsed().ok())
                .is_none_or(|age| age > std::time::Duration::from_secs(60));
            if entry.file_name().to_string_lossy().ends_with(".tmp") && stale {
                let _ = std::fs::remove_file(entry.path());
            } else if entry.file_name().to_string_lossy().ends_with(".json") {
                // Code written 0644 by an earlier version.
                let _ = make_private(&entry.path());
            }
        }
        Ok(DirStore { dir })
    }

    fn path(&self, id: &str) -> PathBuf {
        self.dir.join(format!("{id}.json"))
    }

    pub async fn put(&self, id: &str, code: &WorkerCode) -> std::io::Result<()> {
        if !valid_id(id) {
            return Err(bad_id(id));
        }
        let path = self.path(id);
        let bytes = serde_json::to_vec_pretty(code).map_err(std::io::Error::other)?;
        tokio::task::spawn_blocking(move || write_private(&path, &bytes))
            .await
            .map_err(std::io::Error::other)?
    }

    pub async fn get(&self, id: &str) -> std::io::Result<Option<WorkerCode>> {
        if !valid_id(id) {
            // No such worker can exist.
            return Ok(None);
        }
        match tokio::fs::read(self.path(id)).await {
            Ok(bytes) => serde_json::from_slice(&bytes).map(Some).map_err(|e| {
                std::io::Error::other(format!("stored code for {id} is unreadable: {e}"))
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }

    pub async fn delete(&self, id: &str) -> std::io::Result<bool> {
        if !valid_id(id) {
            return Ok(false);
        }
        match tokio::fs::remove_file(self.path(id)).await {
            Ok(()) => Ok(true),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// Ids in order, starting after `after`, at most `limit`; and whether more exist.
    pub async fn list(
        &self,
        after: Option<&str>,
        limit: usize,
    ) -> std::io::Result<(Vec<String>, bool)> {
        let mut ids = Vec::new();
        let mut dir = tokio::fs::read_dir(&self.dir).await?;
        while let Some(entry) = dir.next_entry().await? {
            let name = entry.file_name().to_string_lossy().into_owned();
            if let Some(id) = name.strip_suffix(".json")
                && valid_id(id)
                && after.is_none_or(|a| id > a)
            {
                ids.push(id.to_string());
            }
        }
        ids.sort();
        let more = ids.len() > limit;
        ids.truncate(limit);
        Ok((ids, more))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids() {
        assert!(valid_id("my-worker_1"));
        assert!(!valid_id(""));
        assert!(!valid_id("-x"));
        assert!(!valid_id("a/b"));
        assert!(!valid_id("../etc"));
        assert!(!valid_id(&"a".repeat(64)));
    }

    #[tokio::test]
    async fn put_get_list_delete() {
        let dir = tempfile::tempdir().unwrap();
        let junk = std::fs::File::create(dir.path().join("junk.json.123.tmp")).unwrap();
        junk.set_modified(std::time::SystemTime::now() - std::time::Duration::from_secs(120))
            .unwrap();
        std::fs::write(dir.path().join("fresh.json.124.tmp"), b"{").unwrap();
        let store = DirStore::open(dir.path().to_path_buf()).unwrap();
        assert!(!dir.path().join("junk.json.123.tmp").exists());
        // A write in progress in another server process is left alone.
        assert!(dir.path().join("fresh.json.124.tmp").exists());
        let code = WorkerCode::js("export default {}");
        for id in ["b", "a", "c"] {
            store.put(id, &code).await.unwrap();
        }
        assert_eq!(store.get("a").await.unwrap(), Some(code));
        assert_eq!(
            store.list(None, 2).await.unwrap(),
            (vec!["a".into(), "b".into()], true)
        );
        assert_eq!(
            store.list(Some("b"), 2).await.unwrap(),
            (vec!["c".into()], false)
        );
        assert!(store.delete("a").await.unwrap());
        assert!(!store.delete("a").await.unwrap());
        assert_eq!(store.get("a").await.unwrap(), None);
    }
}
