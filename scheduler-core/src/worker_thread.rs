//! `WorkerThread`: a pool worker as its thread sees it — the core's `Worker` plus the pool.

use core::ptr;

use filch_sync::Arc;

use crate::current;
use crate::job_ref::JobRef;
use crate::pending_join::PendingJoins;
use crate::shared::Shared;
use crate::Worker;

/// The context of one pool thread, published in a thread-local while the thread runs, so that
/// `join`, `scope` and `spawn` called from inside a task find their worker.
pub(crate) struct WorkerThread<'a> {
    worker: Worker<'a, JobRef>,
    shared: &'a Arc<Shared>,
    /// This thread's joins whose `A` is running (`join`'s lazy publication).
    pending_joins: PendingJoins,
}

impl<'a> WorkerThread<'a> {
    pub(crate) fn new(worker: Worker<'a, JobRef>, shared: &'a Arc<Shared>) -> Self {
        Self { worker, shared, pending_joins: PendingJoins::new() }
    }

    pub(crate) fn pending_joins(&self) -> &PendingJoins {
        &self.pending_joins
    }

    pub(crate) fn worker(&self) -> &Worker<'a, JobRef> {
        &self.worker
    }

    pub(crate) fn shared(&self) -> &'a Arc<Shared> {
        self.shared
    }

    pub(crate) fn index(&self) -> usize {
        self.worker.index()
    }

    /// Publishes `self` as the current thread's worker while `body` runs, and returns what it
    /// returns.
    pub(crate) fn run_as_current<R>(&self, body: impl FnOnce() -> R) -> R {
        /// Clears the pointer however `body` ends.
        struct Clear;
        impl Drop for Clear {
            fn drop(&mut self) {
                current::set(ptr::null());
            }
        }
        assert!(current::get().is_null(), "filch-scheduler-core: a thread cannot be a worker of two pools");
        current::set(ptr::from_ref(self).cast());
        let _clear = Clear;
        body()
    }

    /// Calls `body` with the current thread's worker, or `None` on a thread outside every pool.
    #[inline]
    pub(crate) fn with_current<R>(body: impl FnOnce(Option<&WorkerThread<'_>>) -> R) -> R {
        let current = current::get();
        // SAFETY: a non-null pointer was published by `run_as_current` on this thread, whose frame
        // holds the `WorkerThread` until it clears the pointer; `body` runs inside that frame
        // (we are called from a task that `run_as_current`'s body runs). Only shared references
        // are ever made to it.
        let thread = unsafe { current.cast::<WorkerThread<'_>>().as_ref() };
        body(thread)
    }

    /// Whether this worker belongs to the pool whose shared state is `shared`.
    pub(crate) fn belongs_to(&self, shared: &Arc<Shared>) -> bool {
        Arc::ptr_eq(self.shared, shared)
    }
}
