//! `JobRef`: the pool's task type, a type-erased pointer to a job and the function that runs it.

use core::ptr::NonNull;

use crate::worker_thread::WorkerThread;
use crate::{Task, Worker};

/// A job of the pool, erased to two words: where it lives (on a joiner's stack, or in a box) and
/// how to run it. Pushing one is pushing two words; it owns nothing by itself, which is why the
/// pool runs every queued job before its workers exit (see `DESIGN.md`, "Shutdown").
#[derive(Debug)]
pub(crate) struct JobRef {
    pointer: NonNull<()>,
    execute: unsafe fn(NonNull<()>, &WorkerThread<'_>),
}

// SAFETY: a `JobRef` is only made from jobs whose contents are `Send` (`StackJob` and `HeapJob`
// require it), so running it on another thread is what their owners allowed.
unsafe impl Send for JobRef {}

impl JobRef {
    /// # Safety
    /// `execute(pointer, _)` must be sound to call once, on any worker thread of the pool, for as
    /// long as the job is queued; the job's owner keeps `pointer` valid until then.
    pub(crate) unsafe fn new(
        pointer: NonNull<()>,
        execute: unsafe fn(NonNull<()>, &WorkerThread<'_>),
    ) -> Self {
        Self { pointer, execute }
    }

    /// Whether this is the job at `pointer` (a joiner recognising its own job when it pops).
    pub(crate) fn is(&self, pointer: NonNull<()>) -> bool {
        self.pointer == pointer
    }

    /// Runs the job on `thread`.
    pub(crate) fn execute_on(self, thread: &WorkerThread<'_>) {
        // SAFETY: a queued `JobRef` is run exactly once (the deque and injector hand each item out
        // once), on a worker thread of its pool, while its owner keeps it valid (`new`'s contract).
        unsafe { (self.execute)(self.pointer, thread) }
    }
}

impl Task for JobRef {
    fn run(self, _worker: &Worker<'_, Self>) {
        // The pool's jobs need the pool around the worker (panic handler, quiescence), which the
        // thread-local current worker carries; this lookup is off the join fast path.
        WorkerThread::with_current(|thread| {
            let thread =
                thread.expect("filch-scheduler-core: a pool job ran outside its pool's worker thread");
            self.execute_on(thread);
        });
    }
}
