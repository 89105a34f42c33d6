//! `Scope`: spawn tasks that borrow from the caller's frame; the scope ends when all have finished.

use core::marker::PhantomData;
use std::panic::{self, AssertUnwindSafe};

use filch_sleep::CountLatch;
use filch_sync::lock::Mutex;
use filch_sync::Arc;

use crate::global::global_pool;
use crate::shared::Shared;
use crate::spawn::{push_heap_job, Target};
use crate::stack_job::Panic;
use crate::worker_thread::WorkerThread;

/// A scope in which tasks may borrow anything that outlives `'scope`; made by [`scope`] or
/// [`ThreadPool::scope`](crate::ThreadPool::scope), which return only after every task spawned
/// in it (transitively) has finished.
///
/// ```
/// let mut counts = [0u32; 4];
/// filch_scheduler_core::scope(|s| {
///     for (i, count) in counts.iter_mut().enumerate() {
///         s.spawn(move |_| *count = i as u32 * 10);
///     }
/// });
/// assert_eq!(counts, [0, 10, 20, 30]);
/// ```
pub struct Scope<'scope> {
    shared: Arc<Shared>,
    /// The owner's share plus one per spawned task not yet finished.
    latch: CountLatch,
    /// The first panic of a spawned task, resumed by the owner.
    panic: Mutex<Option<Panic>>,
    /// Invariant in `'scope`, as `std::thread::Scope` is.
    marker: PhantomData<fn(&'scope ()) -> &'scope ()>,
}

/// A pointer to a scope that a spawned task carries to another thread.
struct ScopePointer<'scope>(*const Scope<'scope>);

// SAFETY: `Scope` is `Sync`, and the owner keeps it alive until every task holding this pointer
// has decremented the latch.
unsafe impl Send for ScopePointer<'_> {}

impl<'scope> ScopePointer<'scope> {
    /// A method, so closures capture the whole (`Send`) wrapper rather than its raw field.
    fn get(&self) -> *const Scope<'scope> {
        self.0
    }
}

impl<'scope> Scope<'scope> {
    fn new(shared: Arc<Shared>, owner: usize) -> Self {
        Self { shared, latch: CountLatch::new(owner), panic: Mutex::new(None), marker: PhantomData }
    }

    /// Spawns `body` into the scope: it runs on some worker of the pool, and may spawn more.
    /// A panic in it is resumed by the scope's owner once everything in the scope has finished.
    pub fn spawn<BODY>(&self, body: BODY)
    where
        BODY: FnOnce(&Scope<'scope>) + Send + 'scope,
    {
        // We hold a share (the owner's, or that of the running task that calls us).
        self.latch.increment();
        let scope = ScopePointer(self);
        let job = move |thread: &WorkerThread<'_>| {
            // SAFETY: the owner waits for the latch, which this task holds a share of until the
            // decrement below, so the scope is alive.
            let scope = unsafe { &*scope.get() };
            if let Err(panic) = panic::catch_unwind(AssertUnwindSafe(|| body(scope))) {
                scope.record_panic(panic);
            }
            // SAFETY: alive now (as above); `decrement` touches it only up to the decrement after
            // which the owner may free it. The job runs on a worker of this scope's pool.
            unsafe { CountLatch::decrement(&scope.latch, thread.worker().registry().sleep()) };
        };
        // SAFETY: `body` borrows only what outlives `'scope`, and the scope's owner does not return
        // (nor unwind) before this job has run.
        unsafe { push_heap_job(&self.shared, Target::Anywhere, job) };
    }

    fn record_panic(&self, panic: Panic) {
        let mut first = self.panic.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        first.get_or_insert(panic);
    }

    fn take_panic(&self) -> Option<Panic> {
        self.panic.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).take()
    }
}

impl core::fmt::Debug for Scope<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Scope").field("done", &self.latch.probe()).finish_non_exhaustive()
    }
}

/// Runs `op` with a [`Scope`] in which it may spawn tasks that borrow from the caller's frame;
/// returns once `op` and every task spawned in the scope have finished.
///
/// On a worker thread the scope belongs to that worker's pool, which helps with other tasks
/// while it waits; elsewhere it runs in the global pool. A panic in `op` or in any spawned task
/// is resumed here after everything has finished (`op`'s first, else the first task's).
pub fn scope<'scope, OP, R>(op: OP) -> R
where
    OP: FnOnce(&Scope<'scope>) -> R + Send,
    R: Send,
{
    WorkerThread::with_current(|thread| match thread {
        Some(thread) => scope_on(thread, op),
        None => global_pool().install(|| scope(op)),
    })
}

/// `scope` on a known worker thread.
pub(crate) fn scope_on<'scope, OP, R>(thread: &WorkerThread<'_>, op: OP) -> R
where
    OP: FnOnce(&Scope<'scope>) -> R,
{
    let scope = Scope::new(Arc::clone(thread.shared()), thread.index());
    let result = panic::catch_unwind(AssertUnwindSafe(|| op(&scope)));
    // SAFETY: `scope` lives in this frame until after we have waited for the latch below.
    unsafe { CountLatch::decrement(&scope.latch, thread.worker().registry().sleep()) };
    thread.worker().help_until(|| scope.latch.probe());
    match result {
        Err(panic) => panic::resume_unwind(panic),
        Ok(value) => match scope.take_panic() {
            Some(panic) => panic::resume_unwind(panic),
            None => value,
        },
    }
}
