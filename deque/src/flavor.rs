//! Which end the owner pops from, and who pays the store-load fence.

/// The flavour of an unbounded deque, chosen at construction.
///
/// ```
/// use filch_deque::{Flavor, Worker};
///
/// let worker = Worker::with_capacity(Flavor::Fifo, 16);
/// worker.push(1);
/// worker.push(2);
/// assert_eq!(worker.pop(), Some(1));
/// assert_eq!(worker.flavor(), Flavor::Fifo);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Flavor {
    /// The owner pops the newest item (a stack); thieves take the oldest. Each `pop` runs one
    /// `SeqCst` fence.
    Lifo,
    /// The owner pops the oldest item (a queue), racing thieves at the same end with a CAS.
    Fifo,
    /// [`Flavor::Lifo`] whose `pop` runs only a compiler fence; every steal pays a process-wide
    /// barrier instead (`membarrier` on Linux, a `SeqCst` fence elsewhere, where the flavour
    /// behaves like `Lifo`). For owners that pop far more often than they are stolen from.
    LifoFenceFree,
}

impl Flavor {
    /// True when the owner pops the newest item.
    pub(crate) fn is_lifo(self) -> bool {
        !matches!(self, Flavor::Fifo)
    }
}
