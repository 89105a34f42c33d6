//! The std [`Park`]: a token under a mutex and a condition variable, one per worker.

use core::time::Duration;

use filch_sync::lock::{Condvar, Mutex, MutexGuard};

use crate::Park;

/// A [`Park`] built on the facade's `Mutex` and `Condvar`, so loom and shuttle model it.
///
/// It needs no thread handle, so any thread may take a worker's place. On Linux both the mutex
/// and the condition variable are futexes; the mutex is taken only on the slow paths (a worker
/// going to sleep, a notifier that found it asleep).
///
/// ```
/// use std::sync::Arc;
/// use filch_sleep::{CondvarPark, Park};
///
/// let parker = Arc::new(CondvarPark::default());
/// let waker = Arc::clone(&parker);
/// let handle = std::thread::spawn(move || waker.unpark());
/// parker.park(None); // returns once the token arrives (or spuriously)
/// handle.join().unwrap();
/// ```
#[derive(Debug, Default)]
pub struct CondvarPark {
    /// The token: `true` between an `unpark` and the `park` that consumes it.
    token: Mutex<bool>,
    /// Signalled by `unpark` after it sets the token.
    wake: Condvar,
}

impl CondvarPark {
    fn lock(&self) -> MutexGuard<'_, bool> {
        // A panic while holding this lock cannot leave the token inconsistent (it is one bool).
        self.token.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl Park for CondvarPark {
    fn park(&self, timeout: Option<Duration>) {
        let mut token = self.lock();
        if !*token {
            token = match timeout {
                None => self.wake.wait(token).unwrap_or_else(|poisoned| poisoned.into_inner()),
                Some(timeout) => {
                    self.wake.wait_timeout(token, timeout).unwrap_or_else(|poisoned| poisoned.into_inner()).0
                }
            };
        }
        *token = false;
    }

    fn unpark(&self) {
        *self.lock() = true;
        // Notify after unlocking, so the woken thread does not block on the mutex we hold.
        self.wake.notify_one();
    }
}
