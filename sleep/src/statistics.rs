//! Counters of what the sleep protocol did, for tuning and for tests.

use filch_sync::atomic::{AtomicUsize, Ordering};

/// A snapshot of a [`Sleep`](crate::Sleep)'s counters, from [`Sleep::statistics`](crate::Sleep::statistics).
///
/// The counters are relaxed and read one by one: exact once the workers are quiet, approximate
/// while they run. Notifications that took the fast path (nobody sleepy) are not counted: counting
/// them would put a shared read-modify-write on the path that is meant to cost one load.
///
/// ```
/// use filch_sleep::Sleep;
///
/// let sleep = Sleep::new(2);
/// sleep.notify_one(); // nobody sleepy: the fast path, not counted
/// assert_eq!(sleep.statistics().wakeups, 0);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Statistics {
    /// Workers that parked (committed to sleep and were not already notified).
    pub sleeps: usize,
    /// Sleepy workers that a notifier claimed and woke.
    pub wakeups: usize,
    /// Returns from `park` with no notification and no timeout (spurious, or a stale token).
    pub spurious_wakeups: usize,
    /// Notifications that saw sleepy workers but found none left to claim.
    pub missed_notifications: usize,
}

/// The live counters behind [`Statistics`].
#[derive(Debug, Default)]
pub(crate) struct Counters {
    pub(crate) sleeps: AtomicUsize,
    pub(crate) wakeups: AtomicUsize,
    pub(crate) spurious_wakeups: AtomicUsize,
    pub(crate) missed_notifications: AtomicUsize,
}

impl Counters {
    /// Adds one; Relaxed: a statistic orders nothing.
    pub(crate) fn bump(counter: &AtomicUsize) {
        counter.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn snapshot(&self) -> Statistics {
        // Relaxed: a snapshot of statistics, exact only once the workers are quiet.
        Statistics {
            sleeps: self.sleeps.load(Ordering::Relaxed),
            wakeups: self.wakeups.load(Ordering::Relaxed),
            spurious_wakeups: self.spurious_wakeups.load(Ordering::Relaxed),
            missed_notifications: self.missed_notifications.load(Ordering::Relaxed),
        }
    }
}
