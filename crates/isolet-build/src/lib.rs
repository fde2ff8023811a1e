//! What isolet's build scripts share: content-hash cache keys, the cache
//! directory, and running a build tool with a clear failure. Used by
//! `isolet`'s build.rs (the engine components) and `isolet-server`'s (the
//! playground's assets).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::{env, fs};

use sha2::{Digest, Sha256};

/// The repository's root, from a crate under `crates/`.
pub fn repo_root() -> PathBuf {
    let manifest = PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR"));
    manifest
        .ancestors()
        .nth(2)
        .expect("crates/<name> has a grandparent")
        .to_path_buf()
}

/// `$OUT_DIR/name`.
pub fn out_path(name: &str) -> PathBuf {
    PathBuf::from(env::var("OUT_DIR").expect("OUT_DIR")).join(name)
}

/// Where built artifacts are cached by content hash: `$ISOLET_BUILD_CACHE`,
/// else `~/.cache/isolet/guest-build`, else `target/guest-build-cache`.
pub fn cache_dir(root: &Path) -> PathBuf {
    println!("cargo:rerun-if-env-changed=ISOLET_BUILD_CACHE");
    env::var_os("ISOLET_BUILD_CACHE")
        .map(PathBuf::from)
        .or_else(|| env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache/isolet/guest-build")))
        .unwrap_or_else(|| root.join("target/guest-build-cache"))
}

/// Best effort: a read-only cache only costs a rebuild next time.
pub fn store_in_cache(cache_dir: &Path, cached: &Path, built: &Path) {
    if fs::create_dir_all(cache_dir).is_ok() {
        let tmp = cache_dir.join(format!(".tmp-{}", std::process::id()));
        if fs::copy(built, &tmp).is_ok() {
            let _ = fs::rename(&tmp, cached);
        }
    }
}

/// The cache key of a build: the SHA-256 of `salt` (what else decides the
/// output, such as a tool's version) and of every file under `inputs`;
/// tells cargo to rerun when any of them changes.
pub fn inputs_key(root: &Path, inputs: &[PathBuf], salt: &[u8]) -> String {
    let mut hasher = Sha256::new();
    hasher.update(salt);
    for i in inputs {
        println!("cargo:rerun-if-changed={}", i.display());
        hash_path(root, i, &mut hasher);
    }
    hex::encode(hasher.finalize())
}

fn hash_path(root: &Path, path: &Path, hasher: &mut Sha256) {
    if path.is_dir() {
        let mut entries: Vec<_> = fs::read_dir(path)
            .expect("read guest input dir")
            .map(|e| e.expect("dir entry").path())
            .collect();
        entries.sort();
        for e in entries {
            hash_path(root, &e, hasher);
        }
    } else if path.is_file() {
        let rel = path.strip_prefix(root).unwrap_or(path);
        hasher.update(rel.to_string_lossy().as_bytes());
        hasher.update([0]);
        let bytes = fs::read(path).expect("read guest input");
        hasher.update((bytes.len() as u64).to_le_bytes());
        hasher.update(&bytes);
    }
}

/// Copies `files` from one directory into another (created if missing).
pub fn copy_files(from: &Path, to: &Path, files: &[&str]) -> std::io::Result<()> {
    fs::create_dir_all(to)?;
    for f in files {
        fs::copy(from.join(f), to.join(f))?;
    }
    Ok(())
}

/// Runs `cmd`; a failure stops the build naming `what`.
pub fn run(cmd: &mut Command, what: &str) {
    match cmd.status() {
        Ok(s) if s.success() => {}
        Ok(s) => panic!("{what} failed ({s}); see the output above"),
        Err(e) => panic!("{what} could not start: {e}"),
    }
}
