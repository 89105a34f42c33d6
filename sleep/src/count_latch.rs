//! `CountLatch`: counts outstanding tasks of a scope; its owner helps or sleeps until zero.

use filch_sync::atomic::{AtomicUsize, Ordering};

use crate::{Park, Sleep, Slot};

/// A counter of outstanding work owned by one worker: it starts at one (the owner's own
/// share), each spawned task [`increment`](CountLatch::increment)s it, each finished task and
/// finally the owner [`decrement`](CountLatch::decrement) it, and the decrement that reaches
/// zero wakes the owner. The owner waits with
/// [`Sleeper::idle_until`](crate::Sleeper::idle_until) (helping) or
/// [`Sleeper::wait_until`](crate::Sleeper::wait_until) (blocking), probing with
/// [`probe`](CountLatch::probe).
///
/// ```
/// use std::sync::Arc;
/// use filch_sleep::{CountLatch, Sleep};
///
/// let sleep = Arc::new(Sleep::new(1));
/// let scope = Arc::new(CountLatch::new(0));
/// let tasks: Vec<_> = (0..3)
///     .map(|_| {
///         scope.increment();
///         let (sleep, scope) = (Arc::clone(&sleep), Arc::clone(&scope));
///         // SAFETY: the Arc keeps the latch alive for the whole call.
///         std::thread::spawn(move || unsafe { CountLatch::decrement(Arc::as_ptr(&scope), &sleep) })
///     })
///     .collect();
/// // SAFETY: the owner's own share; `scope` outlives the call.
/// unsafe { CountLatch::decrement(&*scope, &sleep) };
/// sleep.worker(0).wait_until(|| scope.probe());
/// for task in tasks {
///     task.join().unwrap();
/// }
/// ```
#[derive(Debug)]
pub struct CountLatch {
    count: AtomicUsize,
    owner: usize,
}

impl CountLatch {
    /// A latch at one (the owner's share) whose waiter is worker `owner`.
    pub fn new(owner: usize) -> Self {
        Self { count: AtomicUsize::new(1), owner }
    }

    /// The worker that waits on this latch.
    pub fn owner(&self) -> usize {
        self.owner
    }

    /// Adds one outstanding task. Call it while holding a share (the owner's, or a running
    /// task's), so the count cannot be at zero.
    ///
    /// Panics if the count already reached zero.
    pub fn increment(&self) {
        // Relaxed: the caller holds a share, so the count is not zero and no waiter can be
        // released before this increment; the share's own decrement orders what follows.
        let before = self.count.fetch_add(1, Ordering::Relaxed);
        assert!(before != 0, "filch-sleep: CountLatch::increment: the latch already reached zero");
    }

    /// Whether the count reached zero; everything done before each decrement is then visible.
    pub fn probe(&self) -> bool {
        // Acquire: pairs with the AcqRel decrements, the last of which heads a release sequence
        // of all of them.
        self.count.load(Ordering::Acquire) == 0
    }

    /// Drops one share; the decrement that reaches zero wakes the owner.
    ///
    /// Panics if the count was already zero.
    ///
    /// # Safety
    /// `this` points to a live `CountLatch` when the call starts. The owner may free it as soon
    /// as it sees zero, so this function touches it only up to the decrement.
    pub unsafe fn decrement<P: Park, S: AsRef<[Slot<P>]>>(this: *const Self, sleep: &Sleep<P, S>) {
        // SAFETY: the caller guarantees `this` is live now; the owner is read before the
        // decrement after which the latch may go away.
        let owner = unsafe { (*this).owner };
        // SAFETY: still live: the owner cannot see zero before this decrement.
        let count = unsafe { &(*this).count };
        // AcqRel: Release publishes this share's work to the owner's Acquire in `probe`; Acquire
        // lets the last decrement carry the earlier shares' work along (release sequence).
        let before = count.fetch_sub(1, Ordering::AcqRel);
        assert!(before != 0, "filch-sleep: CountLatch::decrement: more decrements than shares");
        if before == 1 {
            sleep.notify(owner);
        }
    }
}
