//! The `Runtime`: one Wasmtime engine (pooling allocator, copy-on-write
//! memory images, epoch ticker), the precompiled engine components and their
//! `InstancePre`s, default limits, tail sinks and the warm-worker cache.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, Weak};

use wasmtime::{Config, Engine, InstanceAllocationStrategy, PoolingAllocationConfig};

use std::collections::HashMap;

use crate::bindings::Binding;
use crate::bindings::WorkerSource;
use crate::bytecode::BytecodeCache;
use crate::component_cache;
use crate::error::{Error, Result};
use crate::invocation::Caller;
use crate::limits::EPOCH_TICK;
use crate::limits::{DEFAULT_MEMORY_BYTES, Limits};
use crate::outbound::{BoxFuture, ForwardConfig, Forwarder, OutboundPolicy, Redirect};
use crate::shared::Shared;
use crate::state::Surroundings;
use crate::tail::TailSink;
use crate::warm::WarmCache;
use crate::wit;
use isolet_code::WorkerCode;

/// Default for [`RuntimeBuilder::keep_resident_bytes`]: 4 MiB.
pub const DEFAULT_KEEP_RESIDENT: usize = 4 << 20;

/// The native wasm stack of a worker invocation.
const MAX_WASM_STACK: usize = 8 << 20;

/// Memory mappings (VMAs) one pool slot takes at most on Linux: its fiber
/// stack and guard page, its memory image, the rest of its memory and its
/// tables (measured: ~5.3 per live JS instance, `benches/density.rs`).
pub const MAPS_PER_INSTANCE: u64 = 6;

/// Mappings the process needs besides the pool (libraries, heap, threads).
const MAPS_BASELINE: u64 = 4_096;

/// `vm.max_map_count`, where the kernel has it.
fn read_max_map_count() -> Option<u64> {
    std::fs::read_to_string("/proc/sys/vm/max_map_count")
        .ok()
        .and_then(|s| s.trim().parse().ok())
}

/// A pool of `n` instances must fit the kernel's mapping limit; otherwise
/// instantiation fails later with a bare "Cannot allocate memory".
fn check_map_count(n: u32, limit: Option<u64>) -> Result<()> {
    let needed = u64::from(n) * MAPS_PER_INSTANCE + MAPS_BASELINE;
    match limit {
        Some(limit) if needed > limit => Err(Error::Config(format!(
            "max_instances {n} needs about {needed} memory mappings, but vm.max_map_count is {limit}: \
             raise it (sysctl -w vm.max_map_count={}) or lower max_instances to {}",
            needed.next_power_of_two(),
            (limit.saturating_sub(MAPS_BASELINE) / MAPS_PER_INSTANCE).max(1)
        ))),
        _ => Ok(()),
    }
}

/// Address space a pool may reserve before slots shrink to the memory limit.
const SMALL_POOL_BUDGET: u64 = 32 << 40;

/// Runs dynamic workers. Cheap to clone (a handle to shared state).
/// Dropping the last handle lets go of the warm workers; the runtime (its
/// instance pool, engine and epoch thread) is freed once no [`Worker`](crate::Worker)
/// handle is left either. A worker still held keeps working, its service
/// bindings on one-shot workers.
///
/// ```
/// # #[tokio::main] async fn main() -> isolet::Result<()> {
/// use isolet::{Request, Runtime, WorkerCode};
/// let runtime = Runtime::builder().build().await?;
/// let worker = runtime
///     .load(WorkerCode::js("export default { fetch(req) { return new Response('hi from ' + req.url) } }"))
///     .await?;
/// let resp = worker.fetch(Request::get("https://example.com/")).await?;
/// assert_eq!(resp.text(), "hi from https://example.com/");
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Runtime {
    pub(crate) inner: Arc<RuntimeInner>,
    /// Shared by the embedder's handles (`None` in the runtime's own, such
    /// as the one a service binding's lookup makes): when the last goes,
    /// the runtime lets go of its warm workers, which hold it in turn, so
    /// that it is freed once no worker handle is left either.
    owner: Option<Arc<Owner>>,
}

/// See [`Runtime::owner`](Runtime).
struct Owner(std::sync::Weak<RuntimeInner>);

impl Drop for Owner {
    fn drop(&mut self) {
        if let Some(inner) = self.0.upgrade() {
            // From now on the workers still held make their nested calls
            // on one-shot workers (`nested_worker`): one put in the cache
            // would hold the runtime again.
            inner
                .orphaned
                .store(true, std::sync::atomic::Ordering::Release);
            // Out of the lock before the workers drop (a worker's drop
            // may take it again).
            let warm = std::mem::replace(
                &mut *inner.warm.lock().unwrap_or_else(|p| p.into_inner()),
                WarmCache::new(1, 1),
            );
            drop(warm);
        }
    }
}

impl Runtime {
    /// A handle of the runtime's own (see [`Runtime::owner`](Runtime)).
    pub(crate) fn internal(inner: Arc<RuntimeInner>) -> Runtime {
        Runtime { inner, owner: None }
    }
}

/// A handle on a [`Runtime`] that does not keep it alive: what something
/// the runtime itself holds (a Code Mode tool, a binding's callback) keeps
/// instead of a `Runtime`, so that dropping the last `Runtime` frees it.
///
/// ```
/// # #[tokio::main] async fn main() -> isolet::Result<()> {
/// let runtime = isolet::Runtime::builder().build().await?;
/// let weak = runtime.downgrade();
/// assert!(weak.upgrade().is_some());
/// drop(runtime);
/// assert!(weak.upgrade().is_none());
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct WeakRuntime {
    inner: std::sync::Weak<RuntimeInner>,
    owner: std::sync::Weak<Owner>,
}

impl WeakRuntime {
    /// The runtime, unless every [`Runtime`] handle on it is gone.
    pub fn upgrade(&self) -> Option<Runtime> {
        let owner = self.owner.upgrade()?;
        let inner = self.inner.upgrade()?;
        Some(Runtime {
            inner,
            owner: Some(owner),
        })
    }
}

pub(crate) struct RuntimeInner {
    /// What its workers share (they see it, not this, through `Home`).
    pub shared: Shared,
    pub warm: Mutex<WarmCache>,
    /// Set when the embedder's last handle is gone (see `Owner`).
    pub orphaned: std::sync::atomic::AtomicBool,
    /// The Cache API's stored responses.
    pub cache: Arc<crate::cache::CacheStore>,
    /// Most instances one warm worker runs at once.
    pub instances_per_worker: usize,
    pub forwarder: Forwarder,
    pub policies: HashMap<String, Arc<dyn OutboundPolicy>>,
    pub capabilities: HashMap<String, Arc<dyn Binding>>,
    pub source: Option<Arc<dyn WorkerSource>>,
    pub defined: Mutex<HashMap<String, WorkerCode>>,
    /// Where workers' `ctx.storage` databases live (`None`: no storage).
    pub storage: Option<Arc<crate::storage::Storage>>,
    _ticker: EpochTicker,
}

/// Configures a [`Runtime`].
///
/// ```no_run
/// # async fn demo() -> isolet::Result<()> {
/// use std::time::Duration;
/// let runtime = isolet::Runtime::builder()
///     .max_instances(2_000)
///     .max_warm_workers(500)
///     .default_limits(isolet::Limits::new().timeout(Duration::from_secs(5)))
///     .build()
///     .await?;
/// # drop(runtime); Ok(()) }
/// ```
#[derive(Clone)]
pub struct RuntimeBuilder {
    cache_dir: Option<PathBuf>,
    max_instances: u32,
    max_warm_workers: usize,
    max_warm_objects_per_worker: usize,
    instances_per_worker: usize,
    exact_fuel: bool,
    bytecode_cache_entries: usize,
    max_memory_bytes: u64,
    keep_resident_bytes: usize,
    default_limits: Limits,
    sinks: Vec<Arc<dyn TailSink>>,
    policies: HashMap<String, Arc<dyn OutboundPolicy>>,
    capabilities: HashMap<String, Arc<dyn Binding>>,
    source: Option<Arc<dyn WorkerSource>>,
    cache_bytes: usize,
    cache_bytes_per_worker: usize,
    storage_dir: Option<PathBuf>,
    storage_limits: crate::storage::StorageLimits,
}

/// The Cache API's default byte caps (see `RuntimeBuilder::cache_bytes`).
const DEFAULT_CACHE_BYTES: usize = 256 << 20;
const DEFAULT_CACHE_BYTES_PER_WORKER: usize = 16 << 20;

impl Default for RuntimeBuilder {
    fn default() -> Self {
        RuntimeBuilder {
            cache_dir: component_cache::default_cache_dir(),
            max_instances: 500,
            max_warm_workers: 256,
            max_warm_objects_per_worker: 0,
            instances_per_worker: std::thread::available_parallelism().map_or(1, |n| n.get()),
            exact_fuel: false,
            bytecode_cache_entries: 4_096,
            max_memory_bytes: DEFAULT_MEMORY_BYTES,
            keep_resident_bytes: DEFAULT_KEEP_RESIDENT,
            default_limits: Limits::cloudflare_defaults(),
            sinks: Vec::new(),
            policies: HashMap::new(),
            capabilities: HashMap::new(),
            source: None,
            cache_bytes: DEFAULT_CACHE_BYTES,
            cache_bytes_per_worker: DEFAULT_CACHE_BYTES_PER_WORKER,
            storage_dir: None,
            storage_limits: crate::storage::StorageLimits::default(),
        }
    }
}

impl RuntimeBuilder {
    /// Where compiled engine components are cached (default:
    /// `$ISOLET_CACHE_DIR`, `$XDG_CACHE_HOME/isolet` or `~/.cache/isolet`).
    /// `None` disables the disk cache (every runtime compiles the engine).
    pub fn cache_dir(mut self, dir: Option<PathBuf>) -> Self {
        self.cache_dir = dir;
        self
    }

    /// Most live instances at once (one-shot and warm together); sizes the
    /// pooling allocator. Default 500. Above ~4,000 the pool's memory slots
    /// shrink from 4 GiB reservations to `max_memory_bytes` (denser, with
    /// explicit bounds checks).
    ///
    /// On Linux each slot costs about [`MAPS_PER_INSTANCE`] memory mappings,
    /// which the kernel caps at `vm.max_map_count` (65,530 by default, enough
    /// for ~10,000 instances): `build` fails with a message naming the
    /// setting when `n` would not fit (`sysctl -w vm.max_map_count=...`).
    pub fn max_instances(mut self, n: u32) -> Self {
        self.max_instances = n.max(1);
        self
    }

    /// Most warm workers `get` keeps (least recently used are evicted). Default 256.
    pub fn max_warm_workers(mut self, n: usize) -> Self {
        self.max_warm_workers = n.max(1);
        self
    }

    /// Most places of the warm cache the live objects of one worker
    /// (`get_object`) take; past it, that worker's least recently used
    /// object is evicted, not another worker. All objects together take at
    /// most half of [`max_warm_workers`](Self::max_warm_workers). 0 (the
    /// default): an eighth of `max_warm_workers`, at least 1.
    pub fn max_warm_objects_per_worker(mut self, n: usize) -> Self {
        self.max_warm_objects_per_worker = n;
        self
    }

    /// Most instances one warm worker (`get`) runs at once when calls to it
    /// overlap; a new instance of the same code is created only when every
    /// existing one is busy. Default: the number of CPUs. `1` serializes all
    /// calls to a warm worker on one instance (one shared module state).
    ///
    /// ```no_run
    /// # async fn demo() -> isolet::Result<()> {
    /// let runtime = isolet::Runtime::builder().instances_per_worker(4).build().await?;
    /// # drop(runtime); Ok(()) }
    /// ```
    pub fn instances_per_worker(mut self, n: usize) -> Self {
        self.instances_per_worker = n.max(1);
        self
    }

    /// Meter exact fuel (≈ Wasm instructions) per invocation and enforce
    /// [`Limits::fuel`] as well as the CPU time limit. Off by default:
    /// fuel instrumentation slows guest code by ~30% (measured on the warm
    /// hello request), while the CPU time limit ([`Limits::cpu_time`],
    /// checked every 1 ms epoch tick) stops runaway code without it.
    /// With it on, traces report fuel used; deterministic budgets across
    /// machines need it.
    ///
    /// ```no_run
    /// # async fn demo() -> isolet::Result<()> {
    /// let runtime = isolet::Runtime::builder().exact_fuel(true).build().await?;
    /// # drop(runtime); Ok(()) }
    /// ```
    pub fn exact_fuel(mut self, on: bool) -> Self {
        self.exact_fuel = on;
        self
    }

    /// The Cache API's (`caches.default`, `caches.open()`) memory: at most
    /// `total` bytes of stored responses in the runtime, `per_worker` for
    /// one worker (by id; each `load()`ed worker is its own). Past them the
    /// least recently used entries, then workers, are dropped. Defaults 256
    /// MiB and 16 MiB.
    ///
    /// ```no_run
    /// # async fn demo() -> isolet::Result<()> {
    /// let runtime = isolet::Runtime::builder().cache_bytes(64 << 20, 1 << 20).build().await?;
    /// # drop(runtime); Ok(()) }
    /// ```
    pub fn cache_bytes(mut self, total: usize, per_worker: usize) -> Self {
        self.cache_bytes = total;
        self.cache_bytes_per_worker = per_worker;
        self
    }

    /// Gives workers durable storage (`ctx.storage`: SQL, key-value and the
    /// `isolet:fs` file system), one SQLite database per worker id and
    /// object under `dir` (see [`Runtime::get_object`]). Off by default:
    /// without it `ctx.storage` is undefined.
    ///
    /// ```no_run
    /// # async fn demo() -> isolet::Result<()> {
    /// let runtime = isolet::Runtime::builder()
    ///     .storage_dir("/var/lib/isolet/objects")
    ///     .storage_limits(isolet::StorageLimits::default().database_bytes(256 << 20))
    ///     .build()
    ///     .await?;
    /// # drop(runtime); Ok(()) }
    /// ```
    pub fn storage_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.storage_dir = Some(dir.into());
        self
    }

    /// Limits of each object's storage (default [`StorageLimits::default`](crate::StorageLimits)).
    pub fn storage_limits(mut self, limits: crate::storage::StorageLimits) -> Self {
        self.storage_limits = limits;
        self
    }

    /// How many compiled ES modules the bytecode cache keeps. Default 4,096.
    pub fn bytecode_cache_entries(mut self, n: usize) -> Self {
        self.bytecode_cache_entries = n.max(1);
        self
    }

    /// The largest memory limit any worker may have (the pool's slot size).
    /// Default 128 MiB.
    pub fn max_memory_bytes(mut self, bytes: u64) -> Self {
        self.max_memory_bytes = bytes;
        self
    }

    /// Most bytes of each pool slot's linear memory (and table) kept resident
    /// when an instance is freed: its dirty pages are copied back to the
    /// engine's snapshot in place (found with Linux's `PAGEMAP_SCAN`) instead
    /// of being returned to the kernel, so the next instance in that slot
    /// takes no copy-on-write page faults. A JS hello worker dirties ~0.4 MiB;
    /// the default, [`DEFAULT_KEEP_RESIDENT`] (4 MiB), covers it and cuts a
    /// cold `load()` + fetch from ~290 µs to ~90-110 µs on a 2-vCPU Xeon
    /// (BENCHMARKS.md).
    ///
    /// The price is memory: a slot that ran an instance keeps up to this much
    /// resident while unused, so the process keeps its peak instance memory
    /// instead of returning it. Set 0 to return every freed page at once
    /// (also advisable on kernels older than 6.7, which lack `PAGEMAP_SCAN`
    /// and reset the whole kept range byte by byte).
    ///
    /// ```
    /// let builder = isolet::Runtime::builder().keep_resident_bytes(0);
    /// # let _ = builder;
    /// ```
    pub fn keep_resident_bytes(mut self, bytes: usize) -> Self {
        self.keep_resident_bytes = bytes;
        self
    }

    /// Limits for workers whose code does not set them. Unset fields here
    /// fall back to [`Limits::cloudflare_defaults`].
    pub fn default_limits(mut self, limits: Limits) -> Self {
        self.default_limits = limits.or(Limits::cloudflare_defaults());
        self
    }

    /// Registers an outbound gateway policy under `name`; workers select it
    /// with `globalOutbound: {"gateway": {"policy": name}}`.
    pub fn outbound_policy(
        mut self,
        name: impl Into<String>,
        policy: Arc<dyn OutboundPolicy>,
    ) -> Self {
        self.policies.insert(name.into(), policy);
        self
    }

    /// Registers a capability under `name`; workers receive it with
    /// `bindings: {"ENV_NAME": {"capability": name}}`.
    pub fn capability(mut self, name: impl Into<String>, binding: Arc<dyn Binding>) -> Self {
        self.capabilities.insert(name.into(), binding);
        self
    }

    /// Where service bindings, gateway workers and tail workers find code by
    /// id. Default: the runtime's own registry ([`Runtime::define`]).
    pub fn worker_source(mut self, source: Arc<dyn WorkerSource>) -> Self {
        self.source = Some(source);
        self
    }

    /// Adds a tail sink that receives every invocation's trace.
    pub fn tail_sink(mut self, sink: Arc<dyn TailSink>) -> Self {
        self.sinks.push(sink);
        self
    }

    /// Builds the runtime: creates the engine and loads (or, on first use,
    /// pre-initializes, compiles and caches) the engine components.
    pub async fn build(self) -> Result<Runtime> {
        #[cfg(not(feature = "storage"))]
        if self.storage_dir.is_some() {
            return Err(Error::Config(
                "a storage directory needs isolet's `storage` feature, off in this build".into(),
            ));
        }
        let default_memory = self
            .default_limits
            .memory_bytes
            .unwrap_or(DEFAULT_MEMORY_BYTES);
        if default_memory > self.max_memory_bytes {
            return Err(Error::Config(format!(
                "default memory limit {default_memory} exceeds max_memory_bytes {}",
                self.max_memory_bytes
            )));
        }
        let engine = Engine::new(&self.engine_config()?).map_err(Error::engine)?;
        let component = component_cache::js_component(&engine, self.cache_dir.as_deref()).await?;
        let linker = crate::state::linker(&engine)?;
        let pre = linker.instantiate_pre(&component).map_err(Error::engine)?;
        let js = wit::WorkerPre::new(pre).map_err(Error::engine)?;
        let ticker = EpochTicker::start(engine.clone());
        let inner = Arc::new_cyclic(|me| RuntimeInner {
            shared: Shared {
                engine,
                js,
                py: tokio::sync::OnceCell::new(),
                cache_dir: self.cache_dir.clone(),
                defaults: self.default_limits,
                max_memory_bytes: self.max_memory_bytes,
                sinks: Arc::new(self.sinks),
                bytecode: BytecodeCache::new(self.bytecode_cache_entries),
                transpiled: crate::typescript::TranspileCache::new(self.bytecode_cache_entries),
                exact_fuel: self.exact_fuel,
                live: Arc::new(std::sync::atomic::AtomicUsize::new(0)),
                surroundings: Arc::new(Link(me.clone())),
                tail_deliveries: Arc::new(tokio::sync::Semaphore::new(
                    crate::worker::MAX_TAIL_DELIVERIES_PER_RUNTIME,
                )),
                tail_dropped: std::sync::atomic::AtomicU64::new(0),
            },
            warm: Mutex::new(WarmCache::new(
                self.max_warm_workers,
                self.max_warm_objects_per_worker,
            )),
            cache: Arc::new(crate::cache::CacheStore::new(
                self.cache_bytes,
                self.cache_bytes_per_worker,
            )),
            instances_per_worker: self.instances_per_worker,
            forwarder: Forwarder::new(),
            policies: self.policies,
            capabilities: self.capabilities,
            source: self.source,
            defined: Mutex::new(HashMap::new()),
            #[cfg(feature = "storage")]
            storage: self
                .storage_dir
                .clone()
                .map(|d| Arc::new(crate::storage::Storage::new(d, self.storage_limits))),
            #[cfg(not(feature = "storage"))]
            storage: None,
            _ticker: ticker,
            orphaned: std::sync::atomic::AtomicBool::new(false),
        });
        let owner = Some(Arc::new(Owner(Arc::downgrade(&inner))));
        Ok(Runtime { inner, owner })
    }

    fn engine_config(&self) -> Result<Config> {
        let n = self.max_instances;
        let pool = self.pool_config()?;
        let mut config = Config::new();
        config
            .consume_fuel(self.exact_fuel)
            .epoch_interruption(true)
            .memory_init_cow(true)
            // QuickJS limits recursion on its shadow stack (guest-js/src/
            // engine.rs) and throws a catchable RangeError; the native wasm
            // stack must be deep enough that this limit trips first (a
            // native overflow traps and discards the instance). Stack pages
            // are only touched by deep recursion.
            .max_wasm_stack(MAX_WASM_STACK)
            .async_stack_size(MAX_WASM_STACK + (1 << 20));
        // Wasmtime's default 4 GiB (+ guard) reservation per memory slot lets
        // compiled code skip bounds checks, but costs address space: past
        // SMALL_POOL_BUDGET of it, reserve only what a worker may use (plus a
        // small guard) so tens of thousands of slots fit, at the price of
        // explicit bounds checks (~20-30% slower guest code).
        let slots = u64::from(n) * 2;
        if slots.saturating_mul((4 << 30) + (32 << 20)) > SMALL_POOL_BUDGET {
            config
                .memory_reservation(self.max_memory_bytes)
                .memory_guard_size(2 << 20)
                .memory_reservation_for_growth(0);
        }
        config.allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
        if std::env::var_os("ISOLET_PERFMAP").is_some() {
            config.profiler(wasmtime::ProfilingStrategy::PerfMap);
        }
        Ok(config)
    }

    /// The pooling allocator's configuration: slots for `max_instances`.
    fn pool_config(&self) -> Result<PoolingAllocationConfig> {
        let n = self.max_instances;
        check_map_count(n, read_max_map_count())?;
        let mut pool = PoolingAllocationConfig::default();
        pool.total_component_instances(n)
            .total_core_instances(n.saturating_mul(32))
            // The Python engine (CPython, dynamically linked inside the
            // component) has many core instances and tables.
            .max_core_instances_per_component(64)
            .total_memories(n.saturating_mul(2))
            .max_memories_per_component(4)
            .total_tables(n.saturating_mul(16))
            .max_tables_per_component(64)
            .table_elements(100_000)
            .max_component_instance_size(1 << 20)
            .max_core_instance_size(1 << 20)
            .total_stacks(n)
            .max_memory_size(usize::try_from(self.max_memory_bytes).map_err(Error::engine)?)
            .linear_memory_keep_resident(self.keep_resident_bytes)
            .table_keep_resident(self.keep_resident_bytes)
            // Where the kernel has PAGEMAP_SCAN (Linux 6.7+), a slot's reset
            // restores only the pages the instance wrote, instead of copying
            // and zeroing all of `keep_resident_bytes` (Wasmtime's default is
            // off).
            .pagemap_scan(wasmtime::Enabled::Auto);
        if self.keep_resident_bytes > 0 && !PoolingAllocationConfig::is_pagemap_scan_available() {
            tracing::warn!(
                keep_resident_bytes = self.keep_resident_bytes,
                "this kernel has no PAGEMAP_SCAN (Linux < 6.7): every freed instance resets all of \
                 keep_resident_bytes byte by byte; consider keep_resident_bytes = 0"
            );
        }
        Ok(pool)
    }
}

/// Counters describing a runtime's caches.
///
/// ```no_run
/// # async fn demo(runtime: isolet::Runtime) {
/// let stats = runtime.stats();
/// println!("{} warm workers, {} bytecode hits", stats.warm_workers, stats.bytecode_hits);
/// # }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct RuntimeStats {
    /// Warm workers kept by `get`.
    pub warm_workers: usize,
    /// ES modules loaded from cached bytecode (no parsing).
    pub bytecode_hits: u64,
    /// ES modules parsed from source.
    pub bytecode_misses: u64,
    /// Instances alive now (one-shot workers still referenced, and warm ones).
    pub live_instances: usize,
}

impl Runtime {
    /// A handle that does not keep this runtime alive (see [`WeakRuntime`]).
    pub fn downgrade(&self) -> WeakRuntime {
        WeakRuntime {
            inner: Arc::downgrade(&self.inner),
            owner: self.owner.as_ref().map(Arc::downgrade).unwrap_or_default(),
        }
    }

    /// Calls RPC `method` of worker `id` (as the runtime's
    /// [`WorkerSource`](crate::WorkerSource) defines it) on `entrypoint`
    /// (`None`: the default export), as a service binding would; the error
    /// is the message a calling worker would see.
    ///
    /// ```
    /// # #[tokio::main] async fn main() -> isolet::Result<()> {
    /// use isolet::{Runtime, Value, WorkerCode};
    /// let runtime = Runtime::builder().build().await?;
    /// runtime.define("adder", WorkerCode::js(
    ///     "import { WorkerEntrypoint } from 'cloudflare:workers';
    ///      export default class extends WorkerEntrypoint { add(a, b) { return a + b } }",
    /// ));
    /// let sum = runtime.call_worker("adder", None, "add", vec![Value::from(2.0), Value::from(3.0)]).await;
    /// assert_eq!(sum.unwrap(), Value::from(5.0));
    /// assert!(runtime.call_worker("nobody", None, "add", vec![]).await.is_err());
    /// # Ok(()) }
    /// ```
    pub async fn call_worker(
        &self,
        id: &str,
        entrypoint: Option<&str>,
        method: &str,
        args: Vec<crate::Value>,
    ) -> std::result::Result<crate::Value, String> {
        self.inner
            .call_worker_rpc(id, entrypoint, None, method, args, Vec::new())
            .await
    }

    /// Current cache counters.
    pub fn stats(&self) -> RuntimeStats {
        let (bytecode_hits, bytecode_misses) = self.inner.shared.bytecode.counts();
        RuntimeStats {
            warm_workers: self.warm_workers(),
            bytecode_hits,
            bytecode_misses,
            live_instances: self.inner.shared.live.load(Ordering::Relaxed),
        }
    }

    /// A builder with defaults: 500 instances, 256 warm workers, 128 MiB /
    /// 2e9 fuel / 30 s limits, the default cache directory.
    pub fn builder() -> RuntimeBuilder {
        RuntimeBuilder::default()
    }
}

/// Advances the engine's epoch every [`EPOCH_TICK`] until dropped.
struct EpochTicker {
    stop: Arc<AtomicBool>,
}

impl EpochTicker {
    fn start(engine: Engine) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        std::thread::Builder::new()
            .name("isolet-epoch".into())
            .spawn(move || {
                while !flag.load(Ordering::Relaxed) {
                    std::thread::sleep(EPOCH_TICK);
                    engine.increment_epoch();
                }
            })
            .expect("spawn the epoch ticker thread");
        EpochTicker { stop }
    }
}

impl Drop for EpochTicker {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

impl Runtime {
    /// Registers code under an id, for service bindings, gateway workers and
    /// tail workers to find (when no [`WorkerSource`] is configured).
    /// Replacing a definition retires the warm worker of that id.
    ///
    /// ```no_run
    /// # async fn demo(runtime: isolet::Runtime) {
    /// runtime.define("auth", isolet::WorkerCode::js("export default { check(t) { return t === 'ok' } }"));
    /// # }
    /// ```
    pub fn define(&self, id: impl Into<String>, code: WorkerCode) {
        let id = id.into();
        self.inner
            .defined
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(id.clone(), code);
        self.evict(&id);
    }

    /// How many traces were not delivered to a tail worker because too
    /// many deliveries were in flight (at most 32 per traced worker and
    /// 256 per runtime; a slow tail worker cannot make them pile up).
    pub fn tail_deliveries_dropped(&self) -> u64 {
        self.inner
            .shared
            .tail_dropped
            .load(std::sync::atomic::Ordering::Relaxed)
    }
}

/// The runtime as its workers' imports see it: held weakly, so a running
/// worker never keeps its runtime alive.
struct Link(Weak<RuntimeInner>);

impl Link {
    fn runtime(&self) -> std::result::Result<Arc<RuntimeInner>, String> {
        self.0
            .upgrade()
            .ok_or_else(|| "the runtime is shutting down".to_string())
    }
}

impl Surroundings for Link {
    fn forward<'a>(
        &'a self,
        config: &'a ForwardConfig,
        request: crate::Request,
        redirect: Redirect,
    ) -> BoxFuture<'a, std::result::Result<crate::StreamingResponse, String>> {
        Box::pin(async move {
            let rt = self.runtime()?;
            rt.forwarder.fetch(config, request, redirect).await
        })
    }

    fn policy(&self, name: &str) -> Option<Arc<dyn OutboundPolicy>> {
        self.0.upgrade()?.policies.get(name).cloned()
    }

    fn capability(&self, name: &str) -> Option<Arc<dyn Binding>> {
        self.0.upgrade()?.capabilities.get(name).cloned()
    }

    fn cache(&self) -> Option<Arc<crate::cache::CacheStore>> {
        Some(self.0.upgrade()?.cache.clone())
    }

    fn child<'a>(
        &'a self,
        key: Option<String>,
        code: WorkerCode,
        granted: HashMap<String, Arc<dyn Binding>>,
    ) -> BoxFuture<'a, std::result::Result<Arc<dyn crate::child::Child>, String>> {
        Box::pin(async move {
            let rt = self.runtime()?;
            // Once the embedder has let the runtime go, nothing new enters
            // its warm cache (see `Owner`): a child is made for the call.
            let key = key.filter(|_| !rt.orphaned.load(Ordering::Acquire));
            let made = match key {
                Some(key) => {
                    Runtime::internal(rt.clone())
                        .keep_child(&key, code, granted)
                        .await
                }
                None => {
                    crate::Worker::create(rt.clone(), None, code, 1, granted, None, false).await
                }
            };
            made.map(|w| Arc::new(w) as Arc<dyn crate::child::Child>)
                .map_err(|e| e.to_string())
        })
    }

    fn kept_child(&self, key: &str) -> Option<Arc<dyn crate::child::Child>> {
        let rt = self.0.upgrade()?;
        let found = rt
            .warm
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .find(key)?;
        Some(Arc::new(found))
    }

    fn worker_fetch<'a>(
        &'a self,
        id: &'a str,
        entrypoint: Option<&'a str>,
        props: Option<Arc<str>>,
        request: crate::Request,
        chain: Vec<String>,
    ) -> BoxFuture<'a, std::result::Result<crate::StreamingResponse, String>> {
        Box::pin(async move {
            let rt = self.runtime()?;
            rt.call_worker_fetch(id, entrypoint, props, request, chain)
                .await
        })
    }

    fn worker_rpc<'a>(
        &'a self,
        id: &'a str,
        entrypoint: Option<&'a str>,
        props: Option<Arc<str>>,
        method: &'a str,
        args: Vec<crate::Value>,
        chain: Vec<String>,
    ) -> BoxFuture<'a, std::result::Result<crate::Value, String>> {
        Box::pin(async move {
            let rt = self.runtime()?;
            rt.call_worker_rpc(id, entrypoint, props, method, args, chain)
                .await
        })
    }
}

impl crate::worker::Home for RuntimeInner {
    fn shared(&self) -> &Shared {
        &self.shared
    }

    fn nested_worker(
        self: Arc<Self>,
        id: String,
        chain: Vec<String>,
    ) -> BoxFuture<'static, std::result::Result<crate::Worker, String>> {
        Box::pin(async move { RuntimeInner::nested_worker(&self, &id, &chain).await })
    }

    fn forget(&self, id: &str, object: &str, worker: &crate::Worker) {
        let key = if object.is_empty() {
            id.to_string()
        } else {
            crate::warm::object_key(id, object)
        };
        self.warm
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .forget(&key, worker);
    }
}

impl RuntimeInner {
    /// Where `id`'s object `object` keeps its storage (`None`: this
    /// runtime has no storage directory).
    pub(crate) fn storage_for(
        &self,
        id: &str,
        object: &str,
    ) -> Result<Option<crate::storage::StorageTarget>> {
        self.storage
            .as_ref()
            .map(|s| s.target(id, object))
            .transpose()
    }

    pub(crate) async fn code_for(&self, id: &str) -> Option<WorkerCode> {
        match &self.source {
            Some(source) => source.code(id).await,
            None => self
                .defined
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .get(id)
                .cloned(),
        }
    }

    /// The worker `id` for a nested call: the warm one, or a fresh one-shot
    /// instance when `id` is already busy further up the call chain (its
    /// instance is mid-invocation and cannot be re-entered).
    pub(crate) async fn nested_worker(
        self: &Arc<Self>,
        id: &str,
        chain: &[String],
    ) -> Result<crate::Worker, String> {
        let code = self
            .code_for(id)
            .await
            .ok_or_else(|| format!("no worker {id:?} is defined"))?;
        let runtime = Runtime::internal(self.clone());
        // A worker already in the chain gets an instance of its own (its
        // warm one is busy up the chain); so does every worker once the
        // embedder has let the runtime go (see `Owner`).
        let one_shot = chain.iter().any(|c| c == id)
            || self.orphaned.load(std::sync::atomic::Ordering::Acquire);
        let result = if one_shot {
            let storage = self.storage_for(id, "").ok().flatten();
            crate::Worker::create(
                self.clone(),
                Some(id.to_string()),
                code,
                1,
                HashMap::new(),
                storage,
                true,
            )
            .await
        } else {
            runtime.get(id, || code).await
        };
        result.map_err(|e| format!("worker {id:?}: {e}"))
    }

    pub(crate) async fn call_worker_fetch(
        self: &Arc<Self>,
        id: &str,
        entrypoint: Option<&str>,
        props: Option<Arc<str>>,
        request: crate::Request,
        chain: Vec<String>,
    ) -> Result<crate::StreamingResponse, String> {
        let worker = self.nested_worker(id, &chain).await?;
        worker
            .nested(entrypoint, Caller::nested(chain, props))
            .fetch_streaming(request)
            .await
            .map_err(|e| format!("worker {id:?}: {e}"))
    }

    pub(crate) async fn call_worker_rpc(
        self: &Arc<Self>,
        id: &str,
        entrypoint: Option<&str>,
        props: Option<Arc<str>>,
        method: &str,
        args: Vec<crate::Value>,
        chain: Vec<String>,
    ) -> Result<crate::Value, String> {
        let worker = self.nested_worker(id, &chain).await?;
        worker
            .nested(entrypoint, Caller::nested(chain, props))
            .call(method, args)
            .await
            .map_err(|e| format!("worker {id:?}: {e}"))
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_pool_larger_than_the_kernel_mapping_limit_is_a_clear_error() {
        let e = super::check_map_count(50_000, Some(65_530))
            .unwrap_err()
            .to_string();
        assert!(e.contains("vm.max_map_count is 65530"), "{e}");
        assert!(e.contains("lower max_instances to 10239"), "{e}");
        assert!(super::check_map_count(10_000, Some(65_530)).is_ok());
        assert!(super::check_map_count(50_000, Some(1 << 20)).is_ok());
        assert!(super::check_map_count(50_000, None).is_ok());
    }

    #[test]
    fn freed_slots_are_reset_by_their_dirty_pages_where_the_kernel_can() {
        // Wasmtime's default is off: every reset then copies and zeroes all
        // of keep_resident_bytes (42% of a cold start, measured).
        let pool = crate::Runtime::builder()
            .max_instances(8)
            .pool_config()
            .unwrap();
        assert_eq!(pool.get_pagemap_scan(), wasmtime::Enabled::Auto);
    }
}
