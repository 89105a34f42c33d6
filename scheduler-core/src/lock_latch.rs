//! `LockLatch`: a one-shot latch for a thread outside the pool, on a mutex and a condvar.

use filch_sync::lock::{Condvar, Mutex, MutexGuard};

/// Set once by a worker, waited on by a thread that is not a worker of the pool (the caller of
/// `install` from outside), which blocks on a condition variable.
///
/// The job holds it in an `Arc` and the setter keeps a clone of its own while it sets: the
/// waiter may return and drop the job as soon as it sees the flag, while the setter's unlock of
/// the mutex is still running (std's unlock touches the mutex after releasing it, and the setter
/// holds a reference to it for the whole call). Miri's Stacked Borrows caught the stack-held
/// version of this latch doing exactly that.
#[derive(Debug, Default)]
pub(crate) struct LockLatch {
    set: Mutex<bool>,
    changed: Condvar,
}

impl LockLatch {
    fn lock(&self) -> MutexGuard<'_, bool> {
        // One bool cannot be left half-written by a panic.
        self.set.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Sets the latch and wakes the waiter. The caller keeps the latch alive for the whole call
    /// (see the type's documentation).
    pub(crate) fn set(&self) {
        let mut set = self.lock();
        *set = true;
        self.changed.notify_all();
        drop(set);
    }

    /// Blocks until the latch is set; everything done before `set` is then visible (the mutex).
    pub(crate) fn wait(&self) {
        let mut set = self.lock();
        while !*set {
            set = self.changed.wait(set).unwrap_or_else(|poisoned| poisoned.into_inner());
        }
    }
}
