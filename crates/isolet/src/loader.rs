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
use crate::error::{Error, Result};
use crate::outbound::BoxFuture;
use crate::runtime::Runtime;
use crate::worker::Worker;
use isolet_code::WorkerCode;

/// Where the runtime finds a worker's code by id, for service bindings,
/// gateway workers and tail workers. The runtime's own registry
/// ([`Runtime::define`](crate::Runtime::define)) is used when none is set.
pub trait WorkerSource: Send + Sync + 'static {
    /// The code of worker `id`, if it exists.
    fn code<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Option<WorkerCode>>;
}

type Slot = Arc<OnceCell<Worker>>;

/// The warm cache's key of an object: apart from every id (ids have no NUL).
pub(crate) fn object_key(id: &str, name: &str) -> String {
    format!("{id}\u{0}o\u{0}{name}")
}

/// The part of an object's key that names its worker (`object_key(id, "")`);
/// `None` for a worker's own key.
fn object_owner(key: &str) -> Option<&str> {
    const MARK: &str = "\u{0}o\u{0}";
    key.find(MARK).map(|at| &key[..at + MARK.len()])
}

fn no_storage() -> Error {
    if cfg!(feature = "storage") {
        Error::Storage("this runtime has no storage directory (RuntimeBuilder::storage_dir)".into())
    } else {
        Error::Config("storage needs isolet's `storage` feature, off in this build".into())
    }
}

/// Warm workers by id, and live objects by [`object_key`].
///
/// Only a worker that was created enters the LRU: a lookup whose code
/// cannot be had (an unknown id, code that does not load) never evicts a
/// warm worker, so nobody can flush the cache with requests for ids that
/// do not exist. Creations in progress wait in `pending`, one `OnceCell`
/// per key, so concurrent first lookups share one creation. A worker the
/// LRU pushes out while still in use (a call running on it, a streamed
/// body or socket open) moves to `busy` until its last handle is dropped,
/// and lookups find it there: one key (one Durable Object) never has two
/// live workers because of the cache's size.
///
/// Objects are made by name, and the names are the caller's (with
/// `expose.objects`, anyone's): the objects of one worker hold at most
/// `objects_per_worker` places, and all objects together at most half the
/// cache. Past either, the least recently used object (of that worker, or
/// of any) makes room: a flood of new object names evicts objects, never
/// the other workers' own instances, and one worker's flood evicts only its
/// own objects while it stays within its share.
pub(crate) struct WarmCache {
    lru: LruCache<String, Worker>,
    pending: HashMap<String, Slot>,
    busy: HashMap<String, Worker>,
    objects_per_worker: usize,
    objects: usize,
}

/// What a lookup found: a live worker, or the creation to join.
enum Lookup {
    Ready(Worker),
    Create(Slot),
}

impl WarmCache {
    /// A cache of `capacity` workers, of which the objects of one worker
    /// take at most `objects_per_worker` (0: an eighth of `capacity`, at
    /// least 1) and all objects at most half (at least 1).
    pub fn new(capacity: usize, objects_per_worker: usize) -> Self {
        let capacity = capacity.max(1);
        let objects = (capacity / 2).max(1);
        let objects_per_worker = match objects_per_worker {
            0 => capacity / 8,
            n => n,
        }
        .clamp(1, objects);
        WarmCache {
            lru: LruCache::new(NonZeroUsize::new(capacity).unwrap_or(NonZeroUsize::MIN)),
            pending: HashMap::new(),
            busy: HashMap::new(),
            objects_per_worker,
            objects,
        }
    }

    /// Makes room for one more object of `owner` (see [`WarmCache`]): its
    /// own least recently used object goes when it holds its whole share,
    /// else the least recently used of all objects when they hold theirs.
    fn make_room_for_object(&mut self, owner: &str) {
        let (mut mine, mut all) = (0usize, 0usize);
        let (mut oldest_mine, mut oldest) = (None, None);
        // Most recently used first: the last match is the least recent.
        for (k, _) in self.lru.iter() {
            if let Some(o) = object_owner(k) {
                all += 1;
                oldest = Some(k);
                if o == owner {
                    mine += 1;
                    oldest_mine = Some(k);
                }
            }
        }
        let evict = if mine >= self.objects_per_worker {
            oldest_mine
        } else if all >= self.objects {
            oldest
        } else {
            None
        };
        if let Some(k) = evict.cloned()
            && let Some(old) = self.lru.pop(&k)
            && old.handles() > 1
        {
            self.busy.insert(k, old);
        }
    }

    fn lookup(&mut self, key: &str) -> Lookup {
        if let Some(w) = self.lru.get(key) {
            return Lookup::Ready(w.clone());
        }
        if let Some(w) = self.busy.remove(key) {
            self.insert(key.to_string(), w.clone());
            return Lookup::Ready(w);
        }
        let slot = self
            .pending
            .entry(key.to_string())
            .or_insert_with(|| Arc::new(OnceCell::new()))
            .clone();
        Lookup::Create(slot)
    }

    /// Puts a live worker in the LRU; the one it pushes out stays findable
    /// (in `busy`) while anyone still holds it.
    fn insert(&mut self, key: String, worker: Worker) {
        // Busy workers whose last caller has gone: only `busy` holds them.
        self.busy.retain(|_, w| w.handles() > 1);
        if !self.lru.contains(&key)
            && let Some(owner) = object_owner(&key)
        {
            self.make_room_for_object(owner);
        }
        if let Some((old_key, old)) = self.lru.push(key.clone(), worker) {
            // `push` also hands back a replaced value of the same key.
            if old_key != key && old.handles() > 1 {
                self.busy.insert(old_key, old);
            }
        }
    }

    /// The creation of `key` in `slot` made `worker`: it enters the LRU,
    /// unless `key` was evicted meanwhile (its code changed).
    fn created(&mut self, key: &str, slot: &Slot, worker: &Worker) {
        if self.pending.get(key).is_some_and(|s| Arc::ptr_eq(s, slot)) {
            self.pending.remove(key);
            self.insert(key.to_string(), worker.clone());
        }
    }

    /// A creation of `key` ended without a worker (failed or cancelled):
    /// its slot goes when nobody else waits on it (`slot` and the map's are
    /// the only handles).
    fn abandoned(&mut self, key: &str, slot: &Slot) {
        let ours = self.pending.get(key).is_some_and(|s| Arc::ptr_eq(s, slot));
        if ours && Arc::strong_count(slot) <= 2 {
            self.pending.remove(key);
        }
    }

    /// Forgets `key` if it still names `worker` (a newer one stays).
    pub fn forget(&mut self, key: &str, worker: &Worker) {
        if self.lru.peek(key).is_some_and(|w| w.same_as(worker)) {
            self.lru.pop(key);
        }
        if self.busy.get(key).is_some_and(|w| w.same_as(worker)) {
            self.busy.remove(key);
        }
    }

    /// Forgets `key`: its live worker and any creation under way (which
    /// then does not enter the cache).
    pub fn remove(&mut self, key: &str) -> bool {
        let live = self.lru.pop(key).is_some();
        let busy = self.busy.remove(key).is_some();
        let pending = self.pending.remove(key).is_some();
        live || busy || pending
    }

    /// Forgets the live objects of worker `id`; whether there were any.
    pub fn remove_objects_of(&mut self, id: &str) -> bool {
        let prefix = object_key(id, "");
        let keys: Vec<String> = self
            .lru
            .iter()
            .map(|(k, _)| k)
            .chain(self.busy.keys())
            .chain(self.pending.keys())
            .filter(|k| k.starts_with(&prefix))
            .cloned()
            .collect();
        for k in &keys {
            self.remove(k);
        }
        !keys.is_empty()
    }

    pub fn len(&self) -> usize {
        self.lru.len()
    }

    pub fn clear(&mut self) {
        self.lru.clear();
        self.busy.clear();
        self.pending.clear();
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
        Worker::create(self.inner.clone(), None, code, instances, granted, None).await
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
