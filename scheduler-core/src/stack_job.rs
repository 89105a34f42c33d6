//! `StackJob`: a job that lives in its waiter's stack frame (`join`'s second half, `install`).

use core::ptr::NonNull;
use std::any::Any;
use std::panic::{self, AssertUnwindSafe};

use filch_sleep::Latch;
use filch_sync::cell::UnsafeCell;
use filch_sync::Arc;

use crate::job_ref::JobRef;
use crate::lock_latch::LockLatch;
use crate::worker_thread::WorkerThread;

/// A panic payload, carried from where it was caught to where it is resumed.
pub(crate) type Panic = Box<dyn Any + Send + 'static>;

/// How a job's runner tells its waiter that the result is in.
pub(crate) trait SetLatch {
    /// Sets the latch.
    ///
    /// # Safety
    /// `this` is live when the call starts; the waiter may free it as soon as it sees the latch
    /// set, so implementations touch it only up to the store that sets it.
    unsafe fn set(this: *const Self, thread: &WorkerThread<'_>);
}

impl SetLatch for Latch {
    unsafe fn set(this: *const Self, thread: &WorkerThread<'_>) {
        // SAFETY: forwarded from our caller. The job is run by a worker of the pool it was pushed
        // to, whose `Sleep` the owner waits on.
        unsafe { Latch::set(this, thread.worker().registry().sleep()) }
    }
}

impl SetLatch for Arc<LockLatch> {
    unsafe fn set(this: *const Self, _thread: &WorkerThread<'_>) {
        // SAFETY: `this` is live when the call starts (our caller). Our own clone keeps the latch
        // alive after the waiter drops the job, which it may do while `set` is still unlocking.
        let latch = Arc::clone(unsafe { &*this });
        latch.set();
    }
}

/// A closure and the slot for its result, in the frame of the thread that waits for it.
///
/// The frame outlives the job: its owner either pops the `JobRef` back (and runs the closure
/// itself), or waits on `latch` until a thief has stored the result and set the latch.
pub(crate) struct StackJob<L, F, R> {
    latch: L,
    func: UnsafeCell<Option<F>>,
    result: UnsafeCell<Option<Result<R, Panic>>>,
}

impl<L: SetLatch, F: FnOnce(bool) -> R + Send, R: Send> StackJob<L, F, R> {
    /// `func` receives `true` when it runs on a thief (the job migrated).
    pub(crate) fn new(latch: L, func: F) -> Self {
        Self { latch, func: UnsafeCell::new(Some(func)), result: UnsafeCell::new(None) }
    }

    pub(crate) fn latch(&self) -> &L {
        &self.latch
    }

    fn pointer(&self) -> NonNull<()> {
        NonNull::from(self).cast()
    }

    /// The job as a queue item.
    ///
    /// # Safety
    /// The caller keeps `self` in place until the `JobRef` is popped back or `latch` is set.
    pub(crate) unsafe fn as_job_ref(&self) -> JobRef {
        // SAFETY: `execute::<L, F, R>` matches the type behind the pointer; the caller keeps it
        // alive while queued (our contract).
        unsafe { JobRef::new(self.pointer(), Self::execute) }
    }

    /// Whether `job` is this job.
    pub(crate) fn is(&self, job: &JobRef) -> bool {
        job.is(self.pointer())
    }

    /// Runs the closure here, on its owner (it was popped back), catching a panic.
    pub(crate) fn run_inline(&self) -> Result<R, Panic> {
        // SAFETY: the job was popped back, so no thief has it: we are the only accessor.
        let func = self.func.with_mut(|func| unsafe { (*func).take() });
        let func = func.expect("filch-scheduler-core: a job ran twice");
        panic::catch_unwind(AssertUnwindSafe(|| func(false)))
    }

    /// The result a thief stored, once `latch` is set.
    ///
    /// # Safety
    /// The latch is set (so the runner wrote the result and no longer touches the job).
    pub(crate) unsafe fn take_result(&self) -> Result<R, Panic> {
        // SAFETY: the latch was set after the runner's write (caller), and its Acquire probe made
        // that write visible; nobody else touches the job now.
        let result = self.result.with_mut(|result| unsafe { (*result).take() });
        result.expect("filch-scheduler-core: a stolen job's latch was set without a result")
    }

    /// Runs a stolen job on `thread`.
    ///
    /// # Safety
    /// `pointer` is a live `StackJob<L, F, R>` whose `JobRef` was just taken from a queue.
    unsafe fn execute(pointer: NonNull<()>, thread: &WorkerThread<'_>) {
        let job = pointer.cast::<Self>().as_ptr().cast_const();
        // SAFETY: live until we set the latch (the owner waits on it); we are its only runner, and
        // the owner does not touch `func` or `result` until the latch is set.
        let func = unsafe { (*job).func.with_mut(|func| (*func).take()) };
        let func = func.expect("filch-scheduler-core: a job ran twice");
        let result = panic::catch_unwind(AssertUnwindSafe(|| func(true)));
        // SAFETY: as above; the owner reads `result` only after the latch is set below.
        unsafe { (*job).result.with_mut(|slot| *slot = Some(result)) };
        // SAFETY: live now; `set` touches the latch only up to the store after which the owner may
        // free the frame, and we touch nothing after it.
        unsafe { L::set(&raw const (*job).latch, thread) };
    }
}
