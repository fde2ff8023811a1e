//! The loader: `Runtime::load` (a fresh one-shot worker) and `Runtime::get`
//! (a warm worker kept by id in a bounded LRU, created by the caller's
//! callback only on a miss), as the Worker Loader's `load` and `get`.

use std::collections::HashMap;
use std::future::Future;
use std::sync::Arc;

use crate::bindings::Binding;
use crate::error::{Error, Result};
use crate::runtime::Runtime;
use crate::warm::{Lookup, Slot, WarmCache, object_key};
use crate::worker::Worker;
use isolet_code::WorkerCode;

/// NUL separates the warm cache's keys (see `warm::object_key`): an id
/// with one could name what is not that worker (an object, a child).
fn no_nul(id: &str) -> Result<()> {
    if id.contains('\0') {
        return Err(Error::InvalidRequest(
            "worker ids cannot contain NUL characters".into(),
        ));
    }
    Ok(())
}

fn no_storage() -> Error {
    if cfg!(feature = "storage") {
        Error::Storage("this runtime has no storage directory (RuntimeBuilder::storage_dir)".into())
    } else {
        Error::Config("storage needs isolet's `storage` feature, off in this build".into())
    }
}

/// One lookup's share in creating `key`: on drop (a failure, or the caller
/// gone mid-creation) the pending slot is abandoned.
struct Creation<'a> {
    runtime: &'a Runtime,
    key: &'a str,
    slot: Slot,
}

impl Drop for Creation<'_> {
    fn drop(&mut self) {
        self.runtime.warm().abandoned(self.key, &self.slot);
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
    /// ```
    /// # #[tokio::main] async fn main() -> isolet::Result<()> {
    /// # let runtime = isolet::Runtime::builder().build().await?;
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
        Worker::create(
            self.inner.clone(),
            None,
            code,
            instances,
            HashMap::new(),
            None,
            true,
        )
        .await
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
        Worker::create(
            self.inner.clone(),
            None,
            code,
            instances,
            granted,
            None,
            true,
        )
        .await
    }

    /// The warm worker with this `id`, creating it from `code()` on a miss.
    /// The callback runs only when no live worker has the id (first use,
    /// eviction, or after the previous one was discarded). Only a worker
    /// that was created takes a place in the warm cache: a lookup that
    /// fails (its callback's error, code that does not load) evicts
    /// nothing, and a worker the cache pushes out while a call still runs
    /// on it is found again by the next lookup instead of being created
    /// twice. Module state
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
        no_nul(id)?;
        self.warm_or_create(id, async || {
            let code = code().await?;
            let storage = self.inner.storage_for(id, "")?;
            Worker::create(
                self.inner.clone(),
                Some(id.to_string()),
                code,
                self.inner.instances_per_worker,
                HashMap::new(),
                storage,
                true,
            )
            .await
        })
        .await
    }

    /// The child a worker's loader keeps under `key` (see
    /// `host_loader::kept_key`), made from `code` on a miss. Its id is the
    /// key, so a retired child leaves the cache as any worker does.
    pub(crate) async fn keep_child(
        &self,
        key: &str,
        code: WorkerCode,
        granted: HashMap<String, Arc<dyn Binding>>,
    ) -> Result<Worker> {
        self.warm_or_create(key, async || {
            Worker::create(
                self.inner.clone(),
                Some(key.to_string()),
                code,
                self.inner.instances_per_worker,
                granted,
                None,
                false,
            )
            .await
        })
        .await
    }

    /// The live worker under `key`, or the one `create` makes (shared by
    /// concurrent lookups); only a created worker enters the cache.
    async fn warm_or_create<F, Fut>(&self, key: &str, create: F) -> Result<Worker>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<Worker>>,
    {
        let slot = match self.warm().lookup(key) {
            Lookup::Ready(worker) => return Ok(worker),
            Lookup::Create(slot) => slot,
        };
        let creation = Creation {
            runtime: self,
            key,
            slot,
        };
        let worker = creation.slot.get_or_try_init(create).await?.clone();
        self.warm().created(key, &creation.slot, &worker);
        drop(creation);
        Ok(worker)
    }

    /// The live instance of object `name` of worker `id`: like a Durable
    /// Object, one instance of `id`'s code per name, whose `ctx.storage`
    /// is that object's own database (which outlives the instance). Calls
    /// to one object run one at a time; `code()` runs only when the object
    /// has no live instance (one still in use is never replaced because
    /// the warm cache is full; `evict` and code changes do retire it).
    /// Needs [`RuntimeBuilder::storage_dir`](crate::RuntimeBuilder::storage_dir).
    ///
    /// ```no_run
    /// # async fn demo(runtime: isolet::Runtime) -> isolet::Result<()> {
    /// let code = || isolet::WorkerCode::js(r#"
    ///     import { DurableObject } from "cloudflare:workers";
    ///     export default class Counter extends DurableObject {
    ///         fetch() {
    ///             const n = (this.ctx.storage.kv.get("n") ?? 0) + 1;
    ///             this.ctx.storage.kv.put("n", n);
    ///             return new Response(String(n));
    ///         }
    ///     }"#);
    /// let room = runtime.get_object("counter", "room-1", code).await?;
    /// room.fetch(isolet::Request::get("https://x/")).await?;
    /// # Ok(()) }
    /// ```
    pub async fn get_object(
        &self,
        id: &str,
        name: &str,
        code: impl FnOnce() -> WorkerCode,
    ) -> Result<Worker> {
        self.get_object_with(id, name, async || Ok(code())).await
    }

    /// Like [`get_object`](Self::get_object), with an async, fallible callback.
    ///
    /// ```no_run
    /// # async fn demo(runtime: isolet::Runtime) -> isolet::Result<()> {
    /// let w = runtime.get_object_with("a", "o", async || Ok(isolet::WorkerCode::js("export default {}"))).await?;
    /// # drop(w); Ok(()) }
    /// ```
    pub async fn get_object_with<F, Fut>(&self, id: &str, name: &str, code: F) -> Result<Worker>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<WorkerCode>>,
    {
        no_nul(id)?;
        let Some(storage) = self.inner.storage_for(id, name)? else {
            return Err(no_storage());
        };
        self.warm_or_create(&object_key(id, name), async || {
            let code = code().await?;
            Worker::create(
                self.inner.clone(),
                Some(id.to_string()),
                code,
                1,
                HashMap::new(),
                Some(storage),
                true,
            )
            .await
        })
        .await
    }

    /// The objects of worker `id` that have storage (its own, from `get`,
    /// is named `""`), by name.
    ///
    /// ```no_run
    /// # async fn demo(runtime: isolet::Runtime) -> isolet::Result<()> {
    /// for o in runtime.objects("counter")? { println!("{} {} bytes", o.name, o.bytes); }
    /// # Ok(()) }
    /// ```
    pub fn objects(&self, id: &str) -> Result<Vec<crate::storage::ObjectInfo>> {
        self.storage()?.objects(id)
    }

    /// A copy of object `name`'s database (a SQLite file; `None`: it has
    /// none), taken consistently while it runs.
    ///
    /// ```no_run
    /// # async fn demo(runtime: isolet::Runtime) -> Result<(), Box<dyn std::error::Error>> {
    /// if let Some(db) = runtime.export_object("counter", "room-1").await? { std::fs::write("room-1.sqlite", db)?; }
    /// # Ok(()) }
    /// ```
    pub async fn export_object(&self, id: &str, name: &str) -> Result<Option<Vec<u8>>> {
        let storage = self.inner.storage.clone().ok_or_else(no_storage)?;
        let (id, name) = (id.to_string(), name.to_string());
        tokio::task::spawn_blocking(move || storage.export(&id, &name))
            .await
            .map_err(|e| Error::Storage(e.to_string()))?
    }

    /// Replaces object `name`'s database with `db` (a SQLite file, e.g. from
    /// [`export_object`](Self::export_object)), after checking it; the
    /// object's live instance is retired so the next call starts afresh.
    ///
    /// ```no_run
    /// # async fn demo(runtime: isolet::Runtime) -> Result<(), Box<dyn std::error::Error>> {
    /// runtime.import_object("counter", "room-1", std::fs::read("room-1.sqlite")?).await?;
    /// # Ok(()) }
    /// ```
    pub async fn import_object(&self, id: &str, name: &str, db: Vec<u8>) -> Result<()> {
        let storage = self.inner.storage.clone().ok_or_else(no_storage)?;
        let (i, n) = (id.to_string(), name.to_string());
        tokio::task::spawn_blocking(move || storage.import(&i, &n, &db))
            .await
            .map_err(|e| Error::Storage(e.to_string()))??;
        self.retire_object(id, name);
        Ok(())
    }

    /// Deletes object `name`'s storage (and retires its live instance);
    /// whether it had any.
    ///
    /// ```no_run
    /// # async fn demo(runtime: isolet::Runtime) -> isolet::Result<()> {
    /// runtime.delete_object("counter", "room-1")?;
    /// # Ok(()) }
    /// ```
    pub fn delete_object(&self, id: &str, name: &str) -> Result<bool> {
        self.retire_object(id, name);
        self.storage()?.delete(id, name)
    }

    fn retire_object(&self, id: &str, name: &str) {
        if name.is_empty() {
            self.warm().remove(id);
        } else {
            self.warm().remove(&object_key(id, name));
        }
    }

    fn storage(&self) -> Result<&crate::storage::Storage> {
        self.inner.storage.as_deref().ok_or_else(no_storage)
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
        let mut warm = self.warm();
        let objects = warm.remove_objects_of(id);
        warm.remove(id) || objects
    }

    /// Forgets every warm worker and live object instance (e.g. after code
    /// may have changed unseen); how many there were.
    ///
    /// ```no_run
    /// # async fn demo(runtime: isolet::Runtime) {
    /// runtime.evict_all();
    /// # }
    /// ```
    pub fn evict_all(&self) -> usize {
        let mut warm = self.warm();
        let n = warm.len();
        warm.clear();
        n
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
