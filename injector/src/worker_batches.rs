//! Batch steals straight into a `filch_deque::Worker` (feature `deque`): each claimed run goes
//! into the deque with one `push_batch`, so the deque publishes it to its thieves with one store.

use filch_deque::{Steal, Worker};

use crate::injector::{Injector, MAX_BATCH};

impl<T> Injector<T> {
    /// Moves up to [`MAX_BATCH`] items from the front into `dest`, oldest first (a FIFO worker pops
    /// them in queue order, a LIFO worker newest first).
    ///
    /// ```
    /// use filch_deque::Worker;
    /// use filch_injector::{Injector, Steal};
    ///
    /// let injector = Injector::new();
    /// injector.push_batch(1..=3);
    /// let worker = Worker::new_fifo();
    /// assert_eq!(injector.steal_batch(&worker), Steal::Success(()));
    /// assert_eq!(worker.pop(), Some(1));
    /// assert_eq!(worker.len(), 2);
    /// ```
    pub fn steal_batch(&self, dest: &Worker<T>) -> Steal<()> {
        self.steal_batch_with_limit(dest, MAX_BATCH)
    }

    /// Moves up to `limit` items from the front into `dest`, oldest first.
    ///
    /// Panics if `limit` is 0.
    ///
    /// ```
    /// use filch_deque::Worker;
    /// use filch_injector::{Injector, Steal};
    ///
    /// let injector = Injector::new();
    /// injector.push_batch(1..=5);
    /// let worker = Worker::new_fifo();
    /// assert_eq!(injector.steal_batch_with_limit(&worker, 2), Steal::Success(()));
    /// assert_eq!((worker.len(), injector.len()), (2, 3));
    /// ```
    pub fn steal_batch_with_limit(&self, dest: &Worker<T>, limit: usize) -> Steal<()> {
        assert!(limit >= 1, "filch-injector: steal_batch_with_limit: limit must be at least 1");
        match self.steal_runs(limit, |run| {
            dest.push_batch(run);
        }) {
            Steal::Success(_) => Steal::Success(()),
            Steal::Empty => Steal::Empty,
            Steal::Retry => Steal::Retry,
        }
    }

    /// Takes up to [`MAX_BATCH`] items from the front: returns the oldest and moves the others into
    /// `dest`, oldest first.
    ///
    /// ```
    /// use filch_deque::Worker;
    /// use filch_injector::{Injector, Steal};
    ///
    /// let injector = Injector::new();
    /// injector.push_batch(1..=3);
    /// let worker = Worker::new_fifo();
    /// assert_eq!(injector.steal_batch_and_pop(&worker), Steal::Success(1));
    /// assert_eq!(worker.pop(), Some(2));
    /// ```
    pub fn steal_batch_and_pop(&self, dest: &Worker<T>) -> Steal<T> {
        self.steal_batch_with_limit_and_pop(dest, MAX_BATCH)
    }

    /// Takes up to `limit` items from the front: returns the oldest and moves the others into
    /// `dest`, oldest first.
    ///
    /// Panics if `limit` is 0.
    ///
    /// ```
    /// use filch_deque::Worker;
    /// use filch_injector::{Injector, Steal};
    ///
    /// let injector = Injector::new();
    /// injector.push_batch(1..=5);
    /// let worker = Worker::new_lifo();
    /// assert_eq!(injector.steal_batch_with_limit_and_pop(&worker, 3), Steal::Success(1));
    /// assert_eq!(worker.pop(), Some(3));
    /// ```
    pub fn steal_batch_with_limit_and_pop(&self, dest: &Worker<T>, limit: usize) -> Steal<T> {
        assert!(limit >= 1, "filch-injector: steal_batch_with_limit_and_pop: limit must be at least 1");
        self.steal_runs_and_pop(limit, |run| {
            dest.push_batch(run);
        })
    }
}
