//! The loader: `Runtime::load` (a fresh one-shot worker) and `Runtime::get`
//! (a warm worker kept by id in a bounded LRU, created by the caller's
//! callback only on a miss), as the Worker Loader's `load` and `get`.

use std::collections::HashMap;
use std::future::Future;
use std::num::NonZeroUsize;
use std::sync::Arc;

use lru::LruCache;
use tokio::sync::OnceCell;

use crate::bindings::Binding;
use crate::code::WorkerCode;
use crate::error::Result;
use crate::runtime::Runtime;
use crate::worker::Worker;

type Slot = Arc<OnceCell<Worker>>;

/// Warm workers by id. A slot is created on the first `get` of an id; the
/// `OnceCell` makes concurrent first `get`s share one creation.
pub(crate) struct WarmCache {
    lru: LruCache<String, Slot>,
}

impl WarmCache {
    pub fn new(capacity: usize) -> Self {
        WarmCache {
            lru: LruCache::new(NonZeroUsize::new(capacity.max(1)).unwrap_or(NonZeroUsize::MIN)),
        }
    }

    fn slot(&mut self, id: &str) -> Slot {
        if let Some(s) = self.lru.get(id) {
            return s.clone();
        }
        let s: Slot = Arc::new(OnceCell::new());
        self.lru.put(id.to_string(), s.clone());
        s
    }

    /// Forgets `id` if its slot still holds `worker` (a newer one stays).
    pub fn forget(&mut self, id: &str, worker: &Worker) {
        let same = self
            .lru
            .peek(id)
            .and_then(|s| s.get())
            .is_some_and(|w| w.same_as(worker));
        if same {
            self.lru.pop(id);
        }
    }

    pub fn remove(&mut self, id: &str) -> bool {
        self.lru.pop(id).is_some()
    }

    pub fn len(&self) -> usize {
        self.lru.len()
    }
}

impl Runtime {
    /// Loads `code` into a fresh instance: a one-shot worker that shares no
    /// state with any other. Dropping the last handle frees the instance.
    /// Its calls run one at a time on that instance, unless the code sets
    /// [`fresh_instance_per_request`](crate::WorkerCode::fresh_instance_per_request):
    /// then each call gets a new instance and up to
    /// [`instances_per_worker`](crate::RuntimeBuilder::instances_per_worker)
    /// calls run at once.
    ///
    /// ```no_run
    /// # async fn demo(runtime: isolet::Runtime) -> isolet::Result<()> {
    /// let worker = runtime.load(isolet::WorkerCode::js(
    ///     "export default { fetch() { return Response.json({ ok: true }) } }",
    /// )).await?;
    /// let resp = worker.fetch(isolet::Request::get("https://x/")).await?;
    /// assert_eq!(resp.json().unwrap()["ok"], true);
    /// # Ok(()) }
    /// ```
    pub async fn load(&self, code: WorkerCode) -> Result<Worker> {
        let instances = if code.fresh_instance_per_request {
            self.inner.instances_per_worker
        } else {
            1
        };
        Worker::create(self.inner.clone(), None, code, instances, HashMap::new()).await
    }

    /// Like [`load`](Self::load), granting the worker capabilities of its
    /// own: a binding `{"capability": name}` of its code finds `name` here
    /// before the runtime's registered capabilities. The objects live as
    /// long as the worker (e.g. a per-session tool box, a per-user store).
    ///
    /// ```no_run
    /// # async fn demo(runtime: isolet::Runtime, tools: std::sync::Arc<dyn isolet::Binding>) -> isolet::Result<()> {
    /// use isolet::{BindingSpec, WorkerCode};
    /// let code = WorkerCode::js("export default { fetch: async (r, env) => Response.json(await env.TOOLS.list()) }")
    ///     .binding("TOOLS", BindingSpec::Capability("tools".into()));
    /// let worker = runtime.load_granting(code, [("tools".to_string(), tools)]).await?;
    /// # drop(worker); Ok(()) }
    /// ```
    pub async fn load_granting(
        &self,
        code: WorkerCode,
        capabilities: impl IntoIterator<Item = (String, Arc<dyn Binding>)>,
    ) -> Result<Worker> {
        let instances = if code.fresh_instance_per_request {
            self.inner.instances_per_worker
        } else {
            1
        };
        let granted = capabilities.into_iter().collect();
        Worker::create(self.inner.clone(), None, code, instances, granted).await
    }

    /// The warm worker with this `id`, creating it from `code()` on a miss.
    /// The callback runs only when no live worker has the id (first use,
    /// eviction, or after the previous one was discarded). Module state
    /// (globals) persists across requests that do not overlap; overlapping
    /// requests may be served by more instances of the same code (see
    /// [`Worker`] and [`RuntimeBuilder::instances_per_worker`](crate::RuntimeBuilder::instances_per_worker)).
    ///
    /// ```no_run
    /// # async fn demo(runtime: isolet::Runtime) -> isolet::Result<()> {
    /// let code = || isolet::WorkerCode::js("let n = 0; export default { fetch() { return new Response(String(++n)) } }");
    /// let w = runtime.get("counter", code).await?;
    /// w.fetch(isolet::Request::get("https://x/")).await?;
    /// let again = runtime.get("counter", code).await?; // same instance: answers "2"
    /// # drop(again); Ok(()) }
    /// ```
    pub async fn get(&self, id: &str, code: impl FnOnce() -> WorkerCode) -> Result<Worker> {
        self.get_with(id, async || Ok(code())).await
    }

    /// Like [`get`](Self::get), with an async, fallible callback (e.g. code
    /// read from a store).
    ///
    /// ```no_run
    /// # async fn demo(runtime: isolet::Runtime) -> isolet::Result<()> {
    /// let w = runtime.get_with("a", async || Ok(isolet::WorkerCode::js("export default {}"))).await?;
    /// # drop(w); Ok(()) }
    /// ```
    pub async fn get_with<F, Fut>(&self, id: &str, code: F) -> Result<Worker>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<WorkerCode>>,
    {
        let slot = self.warm().slot(id);
        let worker = slot
            .get_or_try_init(|| async {
                let code = code().await?;
                Worker::create(
                    self.inner.clone(),
                    Some(id.to_string()),
                    code,
                    self.inner.instances_per_worker,
                    HashMap::new(),
                )
                .await
            })
            .await?;
        Ok(worker.clone())
    }

    /// Forgets the warm worker `id` (e.g. because its code changed): the
    /// next `get` creates a new one. Callers holding its handle keep using
    /// the old instance until they drop it.
    ///
    /// ```no_run
    /// # async fn demo(runtime: isolet::Runtime) {
    /// runtime.evict("counter");
    /// # }
    /// ```
    pub fn evict(&self, id: &str) -> bool {
        self.warm().remove(id)
    }

    /// How many warm workers `get` currently keeps.
    pub fn warm_workers(&self) -> usize {
        self.warm().len()
    }

    fn warm(&self) -> std::sync::MutexGuard<'_, WarmCache> {
        // A poisoned lock only means a panic elsewhere; the cache stays usable.
        self.inner.warm.lock().unwrap_or_else(|p| p.into_inner())
    }
}
