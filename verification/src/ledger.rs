//! Exactly-once accounting: every item a test puts in must come out (or be dropped) once.

use filch_sync::atomic::{AtomicU32, Ordering};
use filch_sync::Arc;

/// Counts, per item id, how often the item was taken (or dropped).
///
/// ```
/// use filch_verification::ledger::Ledger;
///
/// let ledger = Ledger::new(3);
/// for id in 0..3 {
///     ledger.record(id);
/// }
/// ledger.assert_each_recorded_once();
/// ```
#[derive(Debug)]
pub struct Ledger {
    counts: Box<[AtomicU32]>,
}

impl Ledger {
    /// A ledger for items `0..items`, none recorded yet.
    pub fn new(items: usize) -> Self {
        Self { counts: (0..items).map(|_| AtomicU32::new(0)).collect() }
    }

    /// Records item `id`; panics at once if it was already recorded.
    pub fn record(&self, id: usize) {
        // Relaxed: the count is read only after the threads are joined, which orders everything.
        let before = self.counts[id].fetch_add(1, Ordering::Relaxed);
        assert_eq!(before, 0, "filch-verification: item {id} taken twice");
    }

    /// How many distinct items were recorded so far.
    pub fn recorded(&self) -> usize {
        self.counts.iter().filter(|count| count.load(Ordering::Relaxed) > 0).count()
    }

    /// Panics, naming the first few, if any item was never recorded (or recorded twice).
    pub fn assert_each_recorded_once(&self) {
        let wrong: Vec<(usize, u32)> = self
            .counts
            .iter()
            .map(|count| count.load(Ordering::Relaxed))
            .enumerate()
            .filter(|&(_, count)| count != 1)
            .take(10)
            .collect();
        assert!(
            wrong.is_empty(),
            "filch-verification: items (id, times taken) not taken exactly once: {wrong:?}"
        );
    }
}

/// An item that records itself in a [`Ledger`] when dropped, to check that a structure drops
/// each item it holds exactly once.
#[derive(Debug)]
pub struct Tracked {
    id: usize,
    drops: Arc<Ledger>,
}

impl Tracked {
    /// Item `id`, to be recorded in `drops` when dropped.
    pub fn new(id: usize, drops: &Arc<Ledger>) -> Self {
        Self { id, drops: Arc::clone(drops) }
    }

    /// The item's id.
    pub fn id(&self) -> usize {
        self.id
    }
}

impl Drop for Tracked {
    fn drop(&mut self) {
        self.drops.record(self.id);
    }
}

#[cfg(all(test, not(any(loom, feature = "shuttle"))))]
mod tests {
    use super::*;

    #[test]
    #[should_panic(expected = "item 1 taken twice")]
    fn a_second_record_panics() {
        let ledger = Ledger::new(2);
        ledger.record(1);
        ledger.record(1);
    }

    #[test]
    #[should_panic(expected = "not taken exactly once: [(0, 0)]")]
    fn a_missing_item_is_named() {
        let ledger = Ledger::new(2);
        ledger.record(1);
        ledger.assert_each_recorded_once();
    }

    #[test]
    fn tracked_items_record_their_drop() {
        let drops = Arc::new(Ledger::new(2));
        let items: Vec<Tracked> = (0..2).map(|id| Tracked::new(id, &drops)).collect();
        assert_eq!(drops.recorded(), 0);
        drop(items);
        drops.assert_each_recorded_once();
    }
}
