//! What every worker of one runtime shares: the engine and its engine
//! components, the limits it fills in, the caches that make a load cheap,
//! the tail sinks and the counters. A worker holds it through its
//! [`Home`](crate::worker::Home); the runtime (`runtime.rs`) builds it.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize};

use wasmtime::Engine;

use crate::bytecode::BytecodeCache;
use crate::component_cache;
use crate::error::{Error, Result};
use crate::limits::Limits;
use crate::state::{HostState, Surroundings};
use crate::tail::Sinks;
use crate::wit;

pub(crate) struct Shared {
    pub engine: Engine,
    pub js: wit::WorkerPre<HostState>,
    /// The Python engine, compiled or loaded on the first Python worker.
    pub py: tokio::sync::OnceCell<wit::WorkerPre<HostState>>,
    pub cache_dir: Option<PathBuf>,
    /// Limits a worker's code leaves unset.
    pub defaults: Limits,
    /// The most memory any worker may be given.
    pub max_memory_bytes: u64,
    pub sinks: Sinks,
    pub bytecode: BytecodeCache,
    /// TypeScript modules' ES output, by content hash.
    pub transpiled: crate::typescript::TranspileCache,
    /// Whether the engine meters exact fuel (see `RuntimeBuilder::exact_fuel`).
    pub exact_fuel: bool,
    /// Live instances (one-shot and warm), for metrics.
    pub live: Arc<AtomicUsize>,
    /// The runtime as its workers' imports see it.
    pub surroundings: Arc<dyn Surroundings>,
    /// Tail deliveries in flight in this runtime, and how many were
    /// dropped for want of room (see `Worker::deliver_to_tail_workers`).
    pub tail_deliveries: Arc<tokio::sync::Semaphore>,
    pub tail_dropped: AtomicU64,
}

impl Shared {
    /// The Python engine, compiled (or read from the component cache) on
    /// first use.
    pub(crate) async fn python(&self) -> Result<&wit::WorkerPre<HostState>> {
        self.py
            .get_or_try_init(|| async {
                let component =
                    component_cache::py_component(&self.engine, self.cache_dir.as_deref()).await?;
                let linker = crate::state::linker(&self.engine)?;
                let pre = linker.instantiate_pre(&component).map_err(Error::engine)?;
                wit::WorkerPre::new(pre).map_err(Error::engine)
            })
            .await
    }
}
