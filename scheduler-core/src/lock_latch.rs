//! `LockLatch`: a one-shot latch for a thread outside the pool: a flag it watches for a while
//! (yielding), then a mutex and a condvar it blocks on.

use std::time::{Duration, Instant};

use filch_sync::atomic::{fence, AtomicBool, Ordering};
use filch_sync::lock::{Condvar, Mutex, MutexGuard};
use filch_sync::{thread, MODEL_THREADS};

/// How long a waiter snoozes (yields its time slice, looking at the flag between yields) before
/// it blocks: about what blocking costs, the futex sleep and wake-up on both sides (tens of
/// microseconds on the shared 2-core machine). A job that ends within it never pays them; a longer
/// one pays at most twice the best choice made in hindsight (wait as long as blocking would cost,
/// then block).
const SNOOZE_FOR: Duration = Duration::from_micros(50);

/// Set once by a worker, waited on by a thread that is not a worker of the pool (the caller of
/// `install` from outside).
///
/// The waiter first snoozes on `done` for [`SNOOZE_FOR`] and only then blocks on the condition
/// variable: a short `install` (a small fork-join tree) finishes within the snooze, and its caller
/// skips the futex sleep and the wake-up that would otherwise cost more than the work. A long one
/// costs the caller the snooze, once. The snooze yields from the start, without spinning first:
/// where the caller shares a core with the worker running its job, every spin delays that job,
/// and where it has a core of its own a yield returns at once, so it looks at the flag about as
/// often as a spin would. For the same reason the setter yields once after setting the flag of a
/// snoozing waiter: a worker out of work spins before it yields, and on the shared 2-core VM the
/// woken worker often lands on the waiter's core (an idle vCPU looks busy to the guest's
/// scheduler), so without that yield the waiter would watch for the flag only after the
/// worker's spin. The setter takes the mutex and notifies only if the waiter announced
/// that it blocks (`blocking`, a Dekker pair of `SeqCst` fences with `done`), so a waiter that
/// never blocked costs the setter no system call.
///
/// The job holds it in an `Arc` and the setter keeps a clone of its own while it sets: the
/// waiter may return and drop the job as soon as it sees the flag, while the setter's unlock of
/// the mutex is still running (std's unlock touches the mutex after releasing it, and the setter
/// holds a reference to it for the whole call). Miri's Stacked Borrows caught the stack-held
/// version of this latch doing exactly that.
#[derive(Debug, Default)]
pub(crate) struct LockLatch {
    /// Set first by `set`: a waiter that sees it returns without the mutex.
    done: AtomicBool,
    /// Set by the waiter before it blocks: only then does `set` take the mutex and notify (a
    /// condvar notify is a system call even when nobody waits).
    blocking: AtomicBool,
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
        // Release: pairs with the Acquire loads of `done`, publishing the job's result.
        self.done.store(true, Ordering::Release);
        // SeqCst fence: pairs with the waiter's fence between its store of `blocking` and its
        // load of `done` (Dekker): either we see `blocking` here, or the waiter sees `done`.
        fence(Ordering::SeqCst);
        // Relaxed: ordered by the fence above.
        if self.blocking.load(Ordering::Relaxed) {
            let mut set = self.lock();
            *set = true;
            self.changed.notify_all();
            drop(set);
        } else if !MODEL_THREADS {
            // The waiter is snoozing, and may be waiting for this very core: give it the core now
            // rather than after our idle spin (see the type's documentation).
            thread::yield_now();
        }
    }

    /// Blocks until the latch is set; everything done before `set` is then visible (the flag's
    /// Release/Acquire pair, or the mutex, which `set` takes after storing the flag).
    pub(crate) fn wait(&self) {
        if self.is_done() {
            return;
        }
        // No snooze under a model checker: each of its yields would be a scheduling point of the
        // whole-pool models, whose state space is already the largest of the suite. The check
        // above keeps the flag's path in the models.
        if !MODEL_THREADS {
            let started = Instant::now();
            while started.elapsed() < SNOOZE_FOR {
                thread::yield_now();
                if self.is_done() {
                    return;
                }
            }
        }
        // Relaxed: ordered by the fence below.
        self.blocking.store(true, Ordering::Relaxed);
        // SeqCst fence: pairs with the one in `set` (Dekker): a `set` whose store of `done` we
        // miss below sees our `blocking` and notifies under the mutex.
        fence(Ordering::SeqCst);
        if self.is_done() {
            return;
        }
        let mut set = self.lock();
        while !*set {
            set = self.changed.wait(set).unwrap_or_else(|poisoned| poisoned.into_inner());
        }
    }

    fn is_done(&self) -> bool {
        // Acquire: pairs with the Release store in `set`.
        self.done.load(Ordering::Acquire)
    }
}
