//! `HeapJob`: a boxed job nobody waits for in a frame (`spawn`, `Scope::spawn`).

use core::ptr::NonNull;

use crate::job_ref::JobRef;
use crate::worker_thread::WorkerThread;

/// A boxed closure that runs once on some worker of the pool and frees itself.
///
/// The closure handles its own panics and completion (the pool's panic handler and quiescence
/// count for `spawn`, the scope's latch for `Scope::spawn`).
pub(crate) struct HeapJob<F> {
    func: F,
}

impl<F: FnOnce(&WorkerThread<'_>) + Send> HeapJob<F> {
    /// Boxes `func` as a queue item.
    ///
    /// # Safety
    /// Everything `func` borrows outlives its run: the caller makes sure the job runs (or the pool
    /// drops nothing unrun) before those borrows end; for `'static` closures that is automatic.
    pub(crate) unsafe fn into_job_ref(func: F) -> JobRef {
        let pointer = NonNull::from(Box::leak(Box::new(HeapJob { func }))).cast();
        // SAFETY: `execute::<F>` matches the box behind the pointer, which stays allocated until
        // `execute` frees it; the borrows are the caller's to keep (our contract).
        unsafe { JobRef::new(pointer, Self::execute) }
    }

    /// # Safety
    /// `pointer` came from `into_job_ref::<F>` and runs once.
    unsafe fn execute(pointer: NonNull<()>, thread: &WorkerThread<'_>) {
        // SAFETY: made by `Box::leak` in `into_job_ref` with this `F`, and run once (caller).
        let job = unsafe { Box::from_raw(pointer.cast::<Self>().as_ptr()) };
        (job.func)(thread);
    }
}
