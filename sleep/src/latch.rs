//! `Latch`: a one-shot flag for `join`, whose owner spins and then sleeps on it.

use filch_sync::atomic::{AtomicBool, Ordering};

use crate::{Park, Sleep, Slot};

/// A one-shot latch owned by one worker: someone [`set`](Latch::set)s it once, the owner waits
/// for it with [`Sleeper::wait_until`](crate::Sleeper::wait_until) (or helps with
/// [`Sleeper::idle_until`](crate::Sleeper::idle_until)) and is woken by a targeted notify.
///
/// ```
/// use std::sync::Arc;
/// use filch_sleep::{Latch, Sleep};
///
/// let sleep = Arc::new(Sleep::new(1));
/// let latch = Arc::new(Latch::new(0));
/// let setter = {
///     let (sleep, latch) = (Arc::clone(&sleep), Arc::clone(&latch));
///     // SAFETY: the Arc keeps the latch alive for the whole call.
///     std::thread::spawn(move || unsafe { Latch::set(Arc::as_ptr(&latch), &sleep) })
/// };
/// sleep.worker(0).wait_until(|| latch.probe());
/// setter.join().unwrap();
/// ```
#[derive(Debug)]
pub struct Latch {
    set: AtomicBool,
    owner: usize,
}

impl Latch {
    /// An unset latch whose waiter is worker `owner`.
    pub fn new(owner: usize) -> Self {
        Self { set: AtomicBool::new(false), owner }
    }

    /// The worker that waits on this latch.
    pub fn owner(&self) -> usize {
        self.owner
    }

    /// Whether the latch is set; once true it stays true, and everything done before the `set`
    /// is visible.
    pub fn probe(&self) -> bool {
        // Acquire: pairs with the Release store in `set`.
        self.set.load(Ordering::Acquire)
    }

    /// Sets the latch and wakes its owner if it sleeps.
    ///
    /// # Safety
    /// `this` points to a live `Latch` when the call starts. The owner may free the latch as
    /// soon as it sees it set, so this function touches it only up to the store that sets it
    /// (which is why it takes a pointer, not a reference that would have to stay valid).
    pub unsafe fn set<P: Park, S: AsRef<[Slot<P>]>>(this: *const Self, sleep: &Sleep<P, S>) {
        // SAFETY: the caller guarantees `this` is live now; we read the owner before the store
        // after which the latch may go away.
        let owner = unsafe { (*this).owner };
        // SAFETY: still live: the owner cannot free it before it sees this store.
        let set = unsafe { &(*this).set };
        // Release: publishes the work done before `set` to the owner's Acquire in `probe`.
        set.store(true, Ordering::Release);
        sleep.notify(owner);
    }
}
