//! The engine components: the JS engine (QuickJS) every JS worker is an
//! instance of, and the Python engine, embedded in the crate and compiled
//! once per machine.
//!
//! The guest component is embedded in this crate at build time (build.rs).
//! On first use it is pre-initialized (wizer: QuickJS and the Workers globals
//! set up, memory snapshotted), compiled by Cranelift, and the compiled
//! artifact is cached on disk by content hash, so later runtimes only mmap it.

use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use wasmtime::component::Component;
use wasmtime::{Config, Engine, Store};

use crate::error::{Error, Result};
use crate::state::{HostState, linker};

/// The raw JS engine component (before pre-initialization).
pub(crate) static GUEST_JS: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/guest-js.wasm"));

/// The Python engine component (componentize-py already pre-initialized it).
#[cfg(feature = "python")]
pub(crate) static GUEST_PY: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/guest-py.wasm"));

/// The JS engine component for `engine`: from the on-disk cache when a
/// compatible artifact exists, otherwise pre-initialized, compiled and cached.
pub(crate) async fn js_component(engine: &Engine, cache_dir: Option<&Path>) -> Result<Component> {
    cached_component(engine, cache_dir, "js", GUEST_JS, true).await
}

/// The Python engine component for `engine` (compiled once, ~10 s, then cached).
/// Without the `python` feature, a Python worker is refused.
pub(crate) async fn py_component(engine: &Engine, cache_dir: Option<&Path>) -> Result<Component> {
    #[cfg(feature = "python")]
    return cached_component(engine, cache_dir, "py", GUEST_PY, false).await;
    #[cfg(not(feature = "python"))]
    {
        let _ = (engine, cache_dir);
        Err(Error::Config(
            "this worker is Python, and this isolet was built without its `python` feature".into(),
        ))
    }
}

async fn cached_component(
    engine: &Engine,
    cache_dir: Option<&Path>,
    lang: &str,
    raw: &[u8],
    wizer: bool,
) -> Result<Component> {
    let path = cache_dir.map(|dir| artifact_path(dir, engine, lang, raw));
    if let Some(path) = &path
        && path.is_file()
    {
        // SAFETY: the file was written by `Component::serialize` of this
        // same wasmtime build (the name carries the engine's compatibility
        // hash) into isolet's own cache directory. `deserialize_file`
        // still checks the header and refuses incompatible artifacts.
        match unsafe { Component::deserialize_file(engine, path) } {
            Ok(c) => return Ok(c),
            Err(e) => {
                tracing::warn!("ignoring unusable cached engine {}: {e:#}", path.display())
            }
        }
    }
    let wasm = if wizer {
        pre_initialize(raw).await?
    } else {
        raw.to_vec()
    };
    let engine2 = engine.clone();
    let component = tokio::task::spawn_blocking(move || Component::new(&engine2, &wasm))
        .await
        .map_err(Error::engine)?
        .map_err(Error::engine)?;
    if let Some(path) = &path
        && let Err(e) = write_atomically(path, &component.serialize().map_err(Error::engine)?)
    {
        tracing::warn!(
            "could not cache the compiled engine at {}: {e}",
            path.display()
        );
    }
    Ok(component)
}

fn artifact_path(dir: &Path, engine: &Engine, lang: &str, wasm: &[u8]) -> PathBuf {
    let mut h = Sha256::new();
    h.update(b"isolet-engine-v1\0");
    h.update(wasm);
    let content = hex::encode(&h.finalize()[..12]);
    let mut compat = std::collections::hash_map::DefaultHasher::new();
    engine.precompile_compatibility_hash().hash(&mut compat);
    dir.join("engines")
        .join(format!("{lang}-{content}-{:016x}.cwasm", compat.finish()))
}

/// Runs the component's `wizer-initialize` export and snapshots the result.
async fn pre_initialize(wasm: &[u8]) -> Result<Vec<u8>> {
    let engine = Engine::new(&Config::new()).map_err(Error::engine)?;
    let linker = linker(&engine)?;
    let mut store = Store::new(&engine, HostState::new(u64::MAX, None));
    let (snapshot, _) = wasmtime_wizer::Wizer::new()
        .init_func("wizer-initialize")
        .keep_init_func(true)
        .run_component(&mut store, wasm, async |s, c| {
            linker.instantiate_async(s, c).await
        })
        .await
        .map_err(|e| Error::Engine(format!("pre-initializing the JS engine failed: {e:#}")))?;
    Ok(snapshot)
}

/// Writes `bytes` to `path` via a temporary file, fsync and rename, so
/// readers never see a torn file.
pub(crate) fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let tmp = dir.join(format!(
        ".{}.{}.tmp",
        path.file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("artifact"),
        std::process::id()
    ));
    let mut f = std::fs::File::create(&tmp)?;
    f.write_all(bytes)?;
    f.sync_all()?;
    drop(f);
    std::fs::rename(&tmp, path)
}

/// The default cache directory: `$ISOLET_CACHE_DIR`, else
/// `$XDG_CACHE_HOME/isolet`, else `~/.cache/isolet`.
pub(crate) fn default_cache_dir() -> Option<PathBuf> {
    if let Some(d) = std::env::var_os("ISOLET_CACHE_DIR") {
        return Some(PathBuf::from(d));
    }
    if let Some(d) = std::env::var_os("XDG_CACHE_HOME") {
        return Some(PathBuf::from(d).join("isolet"));
    }
    std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache/isolet"))
}
