//! `LockLatch`: a one-shot latch for a thread outside the pool, on a mutex and a condvar.

use filch_sync::lock::{Condvar, Mutex, MutexGuard};

/// Set once by a worker, waited on by a thread that is not a worker of the pool (the caller of
/// `install` from outside), which blocks on a condition variable.
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

    /// Sets the latch and wakes the waiter.
    ///
    /// # Safety
    /// `this` points to a live latch when the call starts. The waiter may free it as soon as it
    /// takes the lock after us, so we notify while still holding the lock and touch nothing after.
    pub(crate) unsafe fn set(this: *const Self) {
        // SAFETY: live (caller); the waiter cannot see `true` before we release the lock below.
        let latch = unsafe { &*this };
        let mut set = latch.lock();
        *set = true;
        latch.changed.notify_all();
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
