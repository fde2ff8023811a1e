//! Instances of an engine component, and the small pool of them one worker
//! keeps so that concurrent requests to a warm worker do not queue behind a
//! single instance.
//!
//! A worker's instances all run the same code, each with its own module
//! state; like Cloudflare (which makes no promise that two requests share an
//! isolate) isolet may serve one worker id from several instances. Requests
//! that do not overlap reuse the most recently used instance (the pool is a
//! stack), so a worker called one request at a time keeps its state.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use tokio::sync::{Notify, OwnedSemaphorePermit, Semaphore};
use wasmtime::Store;

use crate::error::{Error, Result};
use crate::state::HostState;
use crate::wit;

/// One instance of an engine component with its store.
pub(crate) struct Instance {
    pub store: Store<HostState>,
    pub bindings: wit::Worker,
    _live: [CountGuard; 2],
}

impl Instance {
    /// Wraps a freshly instantiated store, counting it in the runtime's and
    /// the pool's live counters while it exists.
    pub fn new(
        store: Store<HostState>,
        bindings: wit::Worker,
        runtime_live: &Arc<AtomicUsize>,
        pool: &Pool,
    ) -> Self {
        Instance {
            store,
            bindings,
            _live: [CountGuard::new(runtime_live), CountGuard::new(&pool.live)],
        }
    }
}

/// Counts something in a shared counter while it exists.
struct CountGuard(Arc<AtomicUsize>);

impl CountGuard {
    fn new(counter: &Arc<AtomicUsize>) -> Self {
        counter.fetch_add(1, Ordering::Relaxed);
        CountGuard(counter.clone())
    }
}

impl Drop for CountGuard {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

/// The instances of one worker: idle ones on a stack, at most `max` in use
/// at once, grown on demand when every instance is busy.
pub(crate) struct Pool {
    idle: Mutex<Vec<Instance>>,
    slots: Arc<Semaphore>,
    /// Instances alive (idle and busy), counted by each `Instance`.
    live: Arc<AtomicUsize>,
    /// Signalled when an instance goes back to `idle`.
    returned: Notify,
    discarded: AtomicBool,
}

/// What `Pool::checkout` hands out: an idle instance, or the right to create
/// one. Either way the permit bounds how many are in use.
pub(crate) enum Checkout {
    Idle(Instance, OwnedSemaphorePermit),
    Grow(OwnedSemaphorePermit),
}

impl Pool {
    pub fn new(max: usize) -> Self {
        Pool {
            idle: Mutex::new(Vec::new()),
            slots: Arc::new(Semaphore::new(max.max(1))),
            live: Arc::new(AtomicUsize::new(0)),
            returned: Notify::new(),
            discarded: AtomicBool::new(false),
        }
    }

    fn idle(&self) -> std::sync::MutexGuard<'_, Vec<Instance>> {
        // A poisoned lock only means a panic elsewhere; the stack stays usable.
        self.idle.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Waits for a free slot; then an idle instance if there is one,
    /// otherwise permission to create one.
    pub async fn checkout(&self) -> Result<Checkout> {
        let permit = self
            .slots
            .clone()
            .acquire_owned()
            .await
            .map_err(|_| Error::Discarded)?;
        self.hand_out(permit)
    }

    /// Like [`checkout`](Self::checkout), waiting at most `wait` for a free
    /// slot (e.g. while WebSockets or slow requests hold every instance):
    /// then a capacity error, so that no caller waits without bound.
    pub async fn checkout_within(&self, wait: std::time::Duration) -> Result<Checkout> {
        // Most checkouts find a free slot: no timer for them.
        if let Ok(permit) = self.slots.clone().try_acquire_owned() {
            return self.hand_out(permit);
        }
        match tokio::time::timeout(wait, self.checkout()).await {
            Ok(checkout) => checkout,
            Err(_) => Err(Error::Capacity(format!(
                "every instance of this worker stayed busy for {} ms (its timeoutMs)",
                wait.as_millis()
            ))),
        }
    }

    /// An idle instance under `permit`, or permission to create one.
    fn hand_out(&self, permit: OwnedSemaphorePermit) -> Result<Checkout> {
        if self.discarded.load(Ordering::Acquire) {
            return Err(Error::Discarded);
        }
        match self.idle().pop() {
            Some(instance) => Ok(Checkout::Idle(instance, permit)),
            None => Ok(Checkout::Grow(permit)),
        }
    }

    /// After creating an instance failed for lack of capacity: wait for one
    /// of this worker's own instances to come back, if it has any.
    pub async fn wait_for_idle(
        &self,
        permit: OwnedSemaphorePermit,
    ) -> Result<(Instance, OwnedSemaphorePermit)> {
        loop {
            let notified = self.returned.notified();
            if self.discarded.load(Ordering::Acquire) {
                return Err(Error::Discarded);
            }
            if let Some(instance) = self.idle().pop() {
                return Ok((instance, permit));
            }
            if self.live.load(Ordering::Relaxed) == 0 {
                return Err(Error::Capacity(
                    "the instance pool is full and this worker has no instance of its own".into(),
                ));
            }
            notified.await;
        }
    }

    /// Returns an instance after use (dropped instead if the pool was
    /// discarded meanwhile).
    pub fn checkin(&self, instance: Instance) {
        if self.discarded.load(Ordering::Acquire) {
            return;
        }
        self.idle().push(instance);
        self.returned.notify_one();
    }

    /// Retires the whole worker: idle instances are dropped, busy ones when
    /// they come back, and every later checkout fails with `Discarded`.
    pub fn discard(&self) {
        self.discarded.store(true, Ordering::Release);
        // Taken out first, so the instances are dropped after the lock is released.
        let dropped = std::mem::take(&mut *self.idle());
        drop(dropped);
        self.returned.notify_waiters();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn an_empty_pool_grows_and_a_discarded_one_refuses() {
        let pool = Pool::new(2);
        let a = pool.checkout().await.expect("slot");
        assert!(matches!(a, Checkout::Grow(_)));
        let b = pool.checkout().await.expect("second slot");
        assert!(matches!(b, Checkout::Grow(_)));
        // Both slots are taken: a third checkout waits until one is released.
        let third =
            tokio::time::timeout(std::time::Duration::from_millis(20), pool.checkout()).await;
        assert!(third.is_err(), "a third checkout must wait for a free slot");
        drop(a);
        assert!(matches!(
            pool.checkout().await.expect("slot freed"),
            Checkout::Grow(_)
        ));
        pool.discard();
        drop(b);
        assert!(matches!(pool.checkout().await, Err(Error::Discarded)));
    }

    #[tokio::test]
    async fn a_checkout_waits_for_a_busy_pool_only_so_long() {
        let pool = Pool::new(1);
        let held = pool.checkout().await.expect("slot");
        let waited = pool
            .checkout_within(std::time::Duration::from_millis(20))
            .await;
        assert!(
            matches!(&waited, Err(Error::Capacity(m)) if m.contains("busy for 20 ms")),
            "{:?}",
            waited.err()
        );
        drop(held);
        assert!(matches!(
            pool.checkout_within(std::time::Duration::from_millis(20))
                .await,
            Ok(Checkout::Grow(_))
        ));
    }

    #[tokio::test]
    async fn waiting_for_idle_without_instances_is_a_capacity_error() {
        let pool = Pool::new(1);
        let Checkout::Grow(permit) = pool.checkout().await.expect("slot") else {
            panic!("an empty pool grows");
        };
        assert!(matches!(
            pool.wait_for_idle(permit).await,
            Err(Error::Capacity(_))
        ));
    }
}
