//! The module bytecode cache: each distinct ES module (name + source) is
//! parsed by QuickJS once; its bytecode, produced by the engine itself during
//! `init` (serialized by the engine's Rust side, out of the worker's reach),
//! is kept by content hash so later loads of the same code skip parsing.
//! Only bytecode the engine returned is ever sent back to it. Python modules
//! are not cached (see `prepare`).

use std::collections::HashMap;
use std::num::NonZeroUsize;
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use lru::LruCache;

use crate::code::{ModuleSource, WorkerCode};
use crate::engine::wit::isolet::worker::types as wt;

type Key = [u8; 32];

pub(crate) struct BytecodeCache {
    lru: Mutex<LruCache<Key, Arc<Vec<u8>>>>,
    hits: AtomicU64,
    misses: AtomicU64,
}

/// Which modules of a spec were sent as source (and so come back compiled).
pub(crate) struct PendingKeys(HashMap<String, Key>);

impl BytecodeCache {
    pub fn new(capacity: usize) -> Self {
        BytecodeCache {
            lru: Mutex::new(LruCache::new(
                NonZeroUsize::new(capacity).unwrap_or(NonZeroUsize::MIN),
            )),
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
        }
    }

    /// The `init` spec for `code`: cached ES modules as bytecode, the rest as
    /// source (with `want-bytecode` set when any ES module missed).
    pub fn prepare(&self, code: &WorkerCode) -> (wt::WorkerSpec, PendingKeys) {
        let mut pending = HashMap::new();
        let mut lru = self.lru.lock().unwrap_or_else(|p| p.into_inner());
        let python_engine = code.is_python();
        let modules = code
            .modules
            .iter()
            .map(|(name, src)| {
                let (kind, source) = match src {
                    // Only ES modules of a worker the JS engine runs. Never
                    // Python: its engine builds init's result in the same
                    // interpreter as the worker's own code, which could
                    // replace what it returns, so it cannot vouch for that
                    // bytecode (and another load of the same code would run
                    // it). Caching Python code needs a compile step in an
                    // instance that runs no user code.
                    ModuleSource::Esm(s) if !python_engine => {
                        let key = key(name, s);
                        if let Some(bc) = lru.get(&key) {
                            self.hits.fetch_add(1, Ordering::Relaxed);
                            (wt::ModuleKind::Bytecode, bc.as_ref().clone())
                        } else {
                            self.misses.fetch_add(1, Ordering::Relaxed);
                            pending.insert(name.clone(), key);
                            (wt::ModuleKind::Esm, s.as_bytes().to_vec())
                        }
                    }
                    // TypeScript is transpiled to ES modules before a worker
                    // gets here (typescript.rs); sent as is, it would fail
                    // to parse as JavaScript with a SyntaxError.
                    ModuleSource::Esm(s) | ModuleSource::TypeScript(s) => {
                        (wt::ModuleKind::Esm, s.as_bytes().to_vec())
                    }
                    ModuleSource::Python(s) => (wt::ModuleKind::Python, s.as_bytes().to_vec()),
                    ModuleSource::CommonJs(s) => (wt::ModuleKind::Commonjs, s.as_bytes().to_vec()),
                    ModuleSource::Text(s) => (wt::ModuleKind::Text, s.as_bytes().to_vec()),
                    ModuleSource::Data(b) => (wt::ModuleKind::Data, b.clone()),
                    ModuleSource::Json(v) => (wt::ModuleKind::Json, v.to_string().into_bytes()),
                };
                wt::Module {
                    name: name.clone(),
                    kind,
                    source,
                }
            })
            .collect();
        let spec = wt::WorkerSpec {
            main_module: code.main_module.clone(),
            modules,
            env_json: serde_json::Value::Object(code.env.clone()).to_string(),
            compatibility_date: code.compatibility_date.clone(),
            compatibility_flags: code.compatibility_flags.clone(),
            want_bytecode: !pending.is_empty(),
            bindings: code
                .bindings
                .iter()
                .map(|(name, spec)| wt::Binding {
                    name: name.clone(),
                    kind: match spec {
                        crate::bindings::BindingSpec::Capability(_) => wt::BindingKind::Capability,
                        crate::bindings::BindingSpec::Service { .. } => wt::BindingKind::Service,
                    },
                })
                .collect(),
        };
        (spec, PendingKeys(pending))
    }

    /// Keeps the bytecode the engine returned for modules sent as source.
    pub fn store(&self, pending: &PendingKeys, compiled: Vec<wt::CompiledModule>) {
        let mut lru = self.lru.lock().unwrap_or_else(|p| p.into_inner());
        for m in compiled {
            // Only names we sent as source: the engine cannot plant others.
            if let Some(key) = pending.0.get(&m.name) {
                lru.put(*key, Arc::new(m.bytecode));
            }
        }
    }

    /// (hits, misses) so far.
    pub fn counts(&self) -> (u64, u64) {
        (
            self.hits.load(Ordering::Relaxed),
            self.misses.load(Ordering::Relaxed),
        )
    }
}

/// The cache key of an ES module: its name and source. BLAKE3, a
/// cryptographic hash (a collision would hand one worker another's
/// bytecode) several times faster than SHA-256 on this path: every load of
/// a module hashes its whole source (a 50 KB bundle: ~48 µs with SHA-256).
fn key(name: &str, source: &str) -> Key {
    let mut h = blake3::Hasher::new();
    h.update(name.as_bytes());
    h.update(&[0]);
    h.update(source.as_bytes());
    h.finalize().into()
}
