//! The module bytecode cache: each ES module of a distinct worker code is
//! parsed by QuickJS once; its bytecode, produced by the engine itself during
//! `init` (serialized by the engine's Rust side, out of the worker's reach),
//! is kept by content hash so later loads of the same code skip parsing.
//! Only bytecode the engine returned is ever sent back to it, and only to
//! instances of the very code and configuration whose instance produced it
//! (see [`identity`]): never to another tenant with the same file. Python
//! modules are not cached (see `prepare`).

use std::collections::HashMap;
use std::num::NonZeroUsize;
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use lru::LruCache;

use crate::wit::isolet::worker::types as wt;
use isolet_code::{ModuleSource, WorkerCode};

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
        let python_engine = code.is_python();
        // Every module's bytes as the engine gets them (ES modules as
        // source for now: which of them are cached is known only once the
        // whole code is hashed, see `key`).
        let mut modules: Vec<wt::Module> = code
            .modules
            .iter()
            .map(|(name, src)| {
                let (kind, source) = match src {
                    // TypeScript is transpiled to ES modules before a worker
                    // gets here (typescript/); sent as is, it would fail
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
        let env_json = serde_json::Value::Object(code.env.clone()).to_string();
        let bindings: Vec<wt::Binding> = code
            .bindings
            .iter()
            .map(|(name, spec)| wt::Binding {
                name: name.clone(),
                kind: match spec {
                    crate::bindings::BindingSpec::Capability(_) => wt::BindingKind::Capability,
                    crate::bindings::BindingSpec::Service { .. } => wt::BindingKind::Service,
                    crate::bindings::BindingSpec::Loader { .. } => wt::BindingKind::Loader,
                },
            })
            .collect();
        let mut pending = HashMap::new();
        // Only ES modules of a worker the JS engine runs. Never Python: its
        // engine builds init's result in the same interpreter as the
        // worker's own code, which could replace what it returns, so it
        // cannot vouch for that bytecode (and another load of the same code
        // would run it). Caching Python code needs a compile step in an
        // instance that runs no user code.
        if !python_engine
            && code
                .modules
                .values()
                .any(|m| matches!(m, ModuleSource::Esm(_)))
        {
            let identity = identity(code, &modules, &env_json, &bindings);
            let mut lru = self.lru.lock().unwrap_or_else(|p| p.into_inner());
            for (module, src) in modules.iter_mut().zip(code.modules.values()) {
                if !matches!(src, ModuleSource::Esm(_)) {
                    continue;
                }
                let key = key(&identity, &module.name);
                if let Some(bc) = lru.get(&key) {
                    self.hits.fetch_add(1, Ordering::Relaxed);
                    module.kind = wt::ModuleKind::Bytecode;
                    module.source = bc.as_ref().clone();
                } else {
                    self.misses.fetch_add(1, Ordering::Relaxed);
                    pending.insert(module.name.clone(), key);
                }
            }
        }
        let spec = wt::WorkerSpec {
            main_module: code.main_module.clone(),
            modules,
            env_json,
            compatibility_date: code.compatibility_date.clone(),
            compatibility_flags: code.compatibility_flags.clone(),
            want_bytecode: !pending.is_empty(),
            bindings,
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

/// What a worker's instance sees before `init` returns its bytecode: every
/// module (name, kind, bytes), the main module, `env`, its limits, the
/// compatibility date and flags, the bindings' names and kinds. BLAKE3, a cryptographic
/// hash (a collision would hand one worker another's bytecode), several
/// times faster than SHA-256 on this path.
///
/// Bytecode is recorded by the engine during `init`, in the instance that
/// then runs the worker's own top-level code (and may compile more modules
/// after it, through `import()`). Code that broke the engine's memory safety
/// there could hand back anything as a module's bytecode, and the host loads
/// bytecode without checking it. Keyed by this identity, bytecode is only
/// ever reused by an instance of exactly the same code and configuration:
/// one whose own code would have done the same thing. Two tenants who ship
/// the same file (a popular npm package) each compile their own.
fn identity(
    code: &WorkerCode,
    modules: &[wt::Module],
    env_json: &str,
    bindings: &[wt::Binding],
) -> Key {
    let mut h = blake3::Hasher::new();
    // Each field with its length first: no two codes give the same stream.
    let mut field = |bytes: &[u8]| {
        h.update(&(bytes.len() as u64).to_le_bytes());
        h.update(bytes);
    };
    field(code.main_module.as_bytes());
    field(&(modules.len() as u64).to_le_bytes());
    for m in modules {
        field(m.name.as_bytes());
        field(format!("{:?}", m.kind).as_bytes());
        field(&m.source);
    }
    field(env_json.as_bytes());
    // The limits it ran under (an allocation that failed takes other paths).
    field(
        serde_json::to_string(&code.limits)
            .unwrap_or_default()
            .as_bytes(),
    );
    field(code.compatibility_date.as_bytes());
    field(&(code.compatibility_flags.len() as u64).to_le_bytes());
    for f in &code.compatibility_flags {
        field(f.as_bytes());
    }
    field(&(bindings.len() as u64).to_le_bytes());
    for b in bindings {
        field(b.name.as_bytes());
        field(format!("{:?}", b.kind).as_bytes());
    }
    h.finalize().into()
}

/// The cache key of an ES module: the code's [`identity`] and the module's
/// name.
fn key(identity: &Key, name: &str) -> Key {
    let mut h = blake3::Hasher::new();
    h.update(identity);
    h.update(name.as_bytes());
    h.finalize().into()
}
