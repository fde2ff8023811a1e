//! The warm cache: warm workers by id and live objects by key, in a bounded
//! LRU, with the creations in progress and the workers pushed out while
//! still in use. The loader (`loader.rs`) looks workers up in it.

use std::collections::HashMap;
use std::num::NonZeroUsize;
use std::sync::Arc;

use lru::LruCache;
use tokio::sync::OnceCell;

use crate::worker::Worker;

/// One key's creation, shared by the lookups that wait for it.
pub(crate) type Slot = Arc<OnceCell<Worker>>;

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
pub(crate) enum Lookup {
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

    /// The live worker under `key`, if there is one (it becomes the most
    /// recently used); makes nothing.
    pub(crate) fn find(&mut self, key: &str) -> Option<Worker> {
        if let Some(w) = self.lru.get(key) {
            return Some(w.clone());
        }
        let w = self.busy.remove(key)?;
        self.insert(key.to_string(), w.clone());
        Some(w)
    }

    pub(crate) fn lookup(&mut self, key: &str) -> Lookup {
        if let Some(w) = self.find(key) {
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
    pub(crate) fn insert(&mut self, key: String, worker: Worker) {
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
    pub(crate) fn created(&mut self, key: &str, slot: &Slot, worker: &Worker) {
        if self.pending.get(key).is_some_and(|s| Arc::ptr_eq(s, slot)) {
            self.pending.remove(key);
            self.insert(key.to_string(), worker.clone());
        }
    }

    /// A creation of `key` ended without a worker (failed or cancelled):
    /// its slot goes when nobody else waits on it (`slot` and the map's are
    /// the only handles).
    pub(crate) fn abandoned(&mut self, key: &str, slot: &Slot) {
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
