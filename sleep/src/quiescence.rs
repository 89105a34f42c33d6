//! `Quiescence`: has every task that was created also finished? Sharded counters, no lock.

use alloc::boxed::Box;

use filch_sync::atomic::{AtomicUsize, Ordering};
use filch_sync::CachePadded;

/// One shard's two monotonic counters.
#[derive(Debug, Default)]
struct Shard {
    created: AtomicUsize,
    finished: AtomicUsize,
}

/// Pool quiescence: no task queued or running anywhere.
///
/// A task is counted from [`task_created`](Quiescence::task_created) (before it is published
/// to any queue) to [`task_finished`](Quiescence::task_finished) (after it ran, and after every
/// task it created was counted). Wherever the task is meanwhile (a deque, the injector, a
/// thief's hands) it stays counted, so a thief needs no "active" mark: there is no window in
/// which work is in flight but uncounted. The counters are sharded (one per worker, plus any for
/// outside submitters) so the hot path is one uncontended read-modify-write on a line of its own.
///
/// [`is_quiescent`](Quiescence::is_quiescent) reads every `finished`, then every `created`; if
/// the sums agree, every task whose creation happens before the call has finished, and its
/// finish happens before the call returns (DESIGN.md, "Quiescence").
///
/// ```
/// use filch_sleep::Quiescence;
///
/// let pool = Quiescence::new(2);
/// pool.task_created(0);
/// assert!(!pool.is_quiescent());
/// pool.task_finished(1); // finished on another worker after a steal
/// assert!(pool.is_quiescent());
/// ```
#[derive(Debug)]
pub struct Quiescence {
    shards: Box<[CachePadded<Shard>]>,
}

impl Quiescence {
    /// Counters with `shards` shards (at least 1); use one per worker, plus one for outside
    /// submitters.
    pub fn new(shards: usize) -> Self {
        assert!(shards >= 1, "filch-sleep: Quiescence::new: needs at least 1 shard");
        Self { shards: (0..shards).map(|_| CachePadded::new(Shard::default())).collect() }
    }

    fn shard(&self, shard: usize, call: &str) -> &Shard {
        self.shards.get(shard).unwrap_or_else(|| panic!("filch-sleep: {call}: shard {shard} out of range"))
    }

    /// Counts a new task; call it before the task is published anywhere.
    pub fn task_created(&self, shard: usize) {
        // Release: a checker that reads a later `finished` (Acquire) which this creation happens
        // before then reads this `created` too (coherence), so it never sees a finish without
        // its creation.
        self.shard(shard, "task_created").created.fetch_add(1, Ordering::Release);
    }

    /// Counts a finished task; call it after the task ran and counted every task it created.
    pub fn task_finished(&self, shard: usize) {
        // Release: pairs with the Acquire loads in `is_quiescent`, carrying the task's effects
        // and the creations of its children.
        self.shard(shard, "task_finished").finished.fetch_add(1, Ordering::Release);
    }

    /// True if every task created so far (every creation that happens before this call) has
    /// finished; a task created concurrently may or may not be included.
    pub fn is_quiescent(&self) -> bool {
        // Acquire: pairs with the Release increments, so every creation that happens before a
        // finish we count is visible to the `created` loads below.
        let finished = self
            .shards
            .iter()
            .fold(0usize, |sum, shard| sum.wrapping_add(shard.finished.load(Ordering::Acquire)));
        // Acquire: as above; read after every `finished`, so `created` covers them.
        let created = self
            .shards
            .iter()
            .fold(0usize, |sum, shard| sum.wrapping_add(shard.created.load(Ordering::Acquire)));
        finished == created
    }
}
