//! Per-worker counters and their snapshot, `WorkerStatistics`.

use core::iter::Sum;
use core::ops::{Add, Sub};

use filch_sync::atomic::{AtomicU64, Ordering};

/// What one worker did, from [`Registry::statistics`](crate::Registry::statistics) or
/// [`ThreadPool::statistics`](crate::ThreadPool::statistics).
///
/// The counters are written by their worker alone and read without synchronisation: exact once
/// the pool is idle, approximate while it runs. Subtract two snapshots to measure a phase; sum
/// the workers' snapshots for the pool's totals.
///
/// ```
/// use filch_scheduler_core::ThreadPoolBuilder;
///
/// let pool = ThreadPoolBuilder::new().num_threads(2).build().unwrap();
/// pool.install(|| filch_scheduler_core::join(|| 1, || 2));
/// pool.wait_idle();
/// let stats = pool.statistics();
/// assert_eq!(stats.len(), 2);
/// let total: filch_scheduler_core::WorkerStatistics = stats.iter().copied().sum();
/// assert!(total.executed >= 1); // the `install` job, at least
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WorkerStatistics {
    /// Tasks this worker took from a queue (its own deque, the injector, or a victim) and ran.
    /// A `join` whose second half is popped back and run inline is not counted: it never left.
    pub executed: u64,
    /// Successful steals from other workers (each moves up to half of the victim's deque).
    pub stolen: u64,
    /// Steal operations tried on other workers' deques.
    pub steal_attempts: u64,
    /// Steal operations that found the victim empty or lost a race.
    pub failed_steals: u64,
    /// Times this worker parked its thread.
    pub parks: u64,
    /// Times another thread unparked this worker.
    pub wakeups: u64,
}

impl WorkerStatistics {
    /// Failed steals over steal attempts (0 when nothing was tried).
    pub fn steal_failure_rate(&self) -> f64 {
        if self.steal_attempts == 0 {
            0.0
        } else {
            self.failed_steals as f64 / self.steal_attempts as f64
        }
    }
}

impl WorkerStatistics {
    /// Applies `op` to each pair of counters.
    fn combine(self, other: WorkerStatistics, op: fn(u64, u64) -> u64) -> WorkerStatistics {
        WorkerStatistics {
            executed: op(self.executed, other.executed),
            stolen: op(self.stolen, other.stolen),
            steal_attempts: op(self.steal_attempts, other.steal_attempts),
            failed_steals: op(self.failed_steals, other.failed_steals),
            parks: op(self.parks, other.parks),
            wakeups: op(self.wakeups, other.wakeups),
        }
    }
}

impl Sub for WorkerStatistics {
    type Output = WorkerStatistics;

    /// The counts between two snapshots of the same worker (`later - earlier`).
    fn sub(self, earlier: WorkerStatistics) -> WorkerStatistics {
        self.combine(earlier, u64::wrapping_sub)
    }
}

impl Add for WorkerStatistics {
    type Output = WorkerStatistics;

    /// The counts of two workers (or two phases) together.
    fn add(self, other: WorkerStatistics) -> WorkerStatistics {
        self.combine(other, u64::wrapping_add)
    }
}

impl Sum for WorkerStatistics {
    /// The counts of every worker together: the pool's totals.
    fn sum<I: Iterator<Item = WorkerStatistics>>(workers: I) -> WorkerStatistics {
        workers.fold(WorkerStatistics::default(), Add::add)
    }
}

/// The live counters of one worker.
#[derive(Debug, Default)]
pub(crate) struct WorkerCounters {
    pub(crate) executed: AtomicU64,
    pub(crate) stolen: AtomicU64,
    pub(crate) steal_attempts: AtomicU64,
    pub(crate) failed_steals: AtomicU64,
    pub(crate) parks: AtomicU64,
    pub(crate) wakeups: AtomicU64,
}

impl WorkerCounters {
    /// Adds one to a counter that only the owning worker writes: a load and a store, no
    /// read-modify-write. Relaxed: a statistic orders nothing.
    pub(crate) fn bump_owned(counter: &AtomicU64) {
        counter.store(counter.load(Ordering::Relaxed).wrapping_add(1), Ordering::Relaxed);
    }

    /// Adds one to a counter that other threads write too (wake-ups). Relaxed: as above.
    pub(crate) fn bump_shared(counter: &AtomicU64) {
        counter.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn snapshot(&self) -> WorkerStatistics {
        // Relaxed: a snapshot of statistics, exact only once the workers are quiet.
        WorkerStatistics {
            executed: self.executed.load(Ordering::Relaxed),
            stolen: self.stolen.load(Ordering::Relaxed),
            steal_attempts: self.steal_attempts.load(Ordering::Relaxed),
            failed_steals: self.failed_steals.load(Ordering::Relaxed),
            parks: self.parks.load(Ordering::Relaxed),
            wakeups: self.wakeups.load(Ordering::Relaxed),
        }
    }
}
