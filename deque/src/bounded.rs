//! The bounded flavour: a fixed ring of slots, no allocation after construction, no epochs.
//!
//! A thief claims a whole range of the front with one compare-and-swap on a packed word, copies the
//! items out, and then publishes that it has finished reading; until then the owner never writes
//! those slots, so no read of a slot races with a write (the argument is in `deque/DESIGN.md`,
//! section "Bounded flavour").
//!
//! ```
//! use filch_deque::bounded::Worker;
//! use filch_deque::Steal;
//!
//! let worker = Worker::new_lifo(4);
//! for i in 0..4 {
//!     worker.push(i).unwrap();
//! }
//! // Full: the item comes back, nothing is lost.
//! assert_eq!(worker.push(4), Err(4));
//!
//! let stealer = worker.stealer();
//! let thief = Worker::new_fifo(4);
//! // Half of the four items, oldest first, with one claim; the oldest is handed back.
//! assert_eq!(stealer.steal_batch_and_pop(&thief), Steal::Success(0));
//! assert_eq!(thief.pop(), Some(1));
//! // The owner pops its newest item.
//! assert_eq!(worker.pop(), Some(3));
//! ```

use core::cell::Cell;
use core::fmt;

use filch_sync::atomic::Ordering;
use filch_sync::Arc;

use crate::Steal;

pub use self::ring::MAX_CAPACITY;
use self::ring::{Flavor, Index, Missed, Packed, Ring};

mod ring;

/// The owner's end of a bounded deque: pushes, and pops from its end (LIFO or FIFO).
///
/// `Send` but not `Sync`: exactly one thread owns it at a time. Hand out [`Stealer`]s for the others.
///
/// The capacity is fixed when the deque is made (rounded up to a power of two); a push onto a full
/// deque hands the item back. Dropping the `Worker` keeps the deque alive while stealers remain;
/// the last handle to go drops whatever items are left, each exactly once.
///
/// ```
/// use filch_deque::bounded::Worker;
///
/// let fifo = Worker::new_fifo(3);
/// assert_eq!(fifo.capacity(), 4);
/// // `push` says whether the deque was empty (to wake a sleeping thief, say).
/// assert_eq!(fifo.push('a'), Ok(true));
/// assert_eq!(fifo.push('b'), Ok(false));
/// assert_eq!(fifo.len(), 2);
/// assert_eq!(fifo.pop(), Some('a'));
///
/// let lifo = Worker::new_lifo(2);
/// lifo.push('a').unwrap();
/// lifo.push('b').unwrap();
/// assert_eq!(lifo.push('c'), Err('c'));
/// assert_eq!(lifo.pop(), Some('b'));
/// ```
///
/// Only one thread may own it:
/// ```compile_fail
/// fn shared<T: Sync>(_: &T) {}
/// shared(&filch_deque::bounded::Worker::<u8>::new_lifo(4));
/// ```
pub struct Worker<T> {
    ring: Arc<Ring<T>>,
    /// The ring's `front` word as the owner's last pop left or found it: the expected value of
    /// the next pop's CAS, and (LIFO) the owner's count of its pops for `push` (a `Cell`, so the
    /// type is not `Sync`: the owner's operations assume one thread).
    front_guess: Cell<Packed>,
}

impl<T> Worker<T> {
    /// A LIFO deque for at least `capacity` items: the owner pops its newest item.
    ///
    /// # Panics
    /// If `capacity` is 0 or above [`MAX_CAPACITY`].
    pub fn new_lifo(capacity: usize) -> Self {
        Self::new(Ring::new(capacity, Flavor::Lifo, "new_lifo"))
    }

    /// A FIFO deque for at least `capacity` items: the owner pops its oldest item.
    ///
    /// # Panics
    /// If `capacity` is 0 or above [`MAX_CAPACITY`].
    pub fn new_fifo(capacity: usize) -> Self {
        Self::new(Ring::new(capacity, Flavor::Fifo, "new_fifo"))
    }

    fn new(ring: Ring<T>) -> Self {
        let front_guess = Cell::new(ring.front_guess());
        Worker { ring: Arc::new(ring), front_guess }
    }

    /// Pushes `item`: `Ok(true)` when the deque was empty just before (as seen by the owner: a
    /// concurrent steal may have emptied it a moment earlier, then this says `false`), as the
    /// unbounded [`Worker::push`](crate::Worker::push) reports it; or hands the item back in `Err`
    /// if the deque is full.
    ///
    /// Slots a thief is still copying out count as full until it finishes.
    #[inline]
    pub fn push(&self, item: T) -> Result<bool, T> {
        self.ring.push(item, &self.front_guess)
    }

    /// Pops the newest (LIFO) or oldest (FIFO) item, or `None` if the deque is empty.
    #[inline]
    pub fn pop(&self) -> Option<T> {
        self.ring.pop(&self.front_guess)
    }

    /// How many items the deque can hold: the requested capacity rounded up to a power of two.
    pub fn capacity(&self) -> usize {
        self.ring.capacity()
    }

    /// How many items the deque holds (thieves may take some at any time).
    pub fn len(&self) -> usize {
        self.ring.len()
    }

    /// True if the deque holds no item (thieves may take items at any time; only the owner adds).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// A handle for other threads to steal from this deque.
    pub fn stealer(&self) -> Stealer<T> {
        Stealer { ring: Arc::clone(&self.ring) }
    }
}

impl<T> fmt::Debug for Worker<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("bounded::Worker")
            .field("flavor", &self.ring.flavor)
            .field("len", &self.len())
            .field("capacity", &self.capacity())
            .finish()
    }
}

/// A thief's handle on a bounded deque: takes the oldest items, one or a batch per claim.
///
/// `Clone + Send + Sync` (for `T: Send`). Batch steals take up to half the items (and at most the
/// caller's limit) with one claim, and move them into a bounded [`Worker`] of the caller's; what
/// does not fit stays in the source.
///
/// ```
/// use filch_deque::bounded::Worker;
/// use filch_deque::Steal;
/// use std::thread;
///
/// let worker = Worker::new_lifo(64);
/// for i in 0..64 {
///     worker.push(i).unwrap();
/// }
/// let stealer = worker.stealer();
/// let thief = thread::spawn(move || {
///     let mine = Worker::new_fifo(16);
///     let mut taken = Vec::new();
///     loop {
///         match stealer.steal_batch_with_limit_and_pop(&mine, 8) {
///             Steal::Success(first) => {
///                 taken.push(first);
///                 taken.extend(std::iter::from_fn(|| mine.pop()));
///             }
///             Steal::Retry => continue,
///             Steal::Empty => return taken,
///         }
///     }
/// });
/// let mut popped: Vec<i32> = std::iter::from_fn(|| worker.pop()).collect();
/// popped.extend(thief.join().unwrap());
/// popped.sort();
/// assert_eq!(popped, (0..64).collect::<Vec<_>>());
/// ```
pub struct Stealer<T> {
    ring: Arc<Ring<T>>,
}

impl<T> Stealer<T> {
    /// Steals the oldest item.
    pub fn steal(&self) -> Steal<T> {
        match self.ring.claim(1) {
            Ok((start, count)) => {
                debug_assert_eq!(count, 1);
                // SAFETY: our claim CAS gave us position `start`; the push that wrote it was
                // acquired through `pushes` in `claim`.
                let item = unsafe { self.ring.read(start) };
                self.ring.finish_claim(start.wrapping_add(1));
                Steal::Success(item)
            }
            Err(missed) => missed.into_steal(),
        }
    }

    /// Steals up to half of the items into `dest` (as much as fits).
    ///
    /// `Retry` when another thief is mid-steal, when the claim lost a race, or when `dest` is full
    /// while the source is not.
    pub fn steal_batch(&self, dest: &Worker<T>) -> Steal<()> {
        match self.batch(dest, usize::MAX, false) {
            Ok(_) => Steal::Success(()),
            Err(missed) => missed.into_steal(),
        }
    }

    /// Steals up to half of the items and at most `limit` into `dest` (as much as fits).
    ///
    /// # Panics
    /// If `limit` is 0.
    pub fn steal_batch_with_limit(&self, dest: &Worker<T>, limit: usize) -> Steal<()> {
        assert!(limit >= 1, "filch-deque: steal_batch_with_limit: limit must be at least 1");
        match self.batch(dest, limit, false) {
            Ok(_) => Steal::Success(()),
            Err(missed) => missed.into_steal(),
        }
    }

    /// Steals up to half of the items: returns the oldest and moves the rest into `dest` (as much
    /// as fits).
    pub fn steal_batch_and_pop(&self, dest: &Worker<T>) -> Steal<T> {
        self.batch_and_pop(dest, usize::MAX)
    }

    /// Steals up to half of the items and at most `limit`: returns the oldest and moves the rest
    /// into `dest` (as much as fits).
    ///
    /// # Panics
    /// If `limit` is 0.
    pub fn steal_batch_with_limit_and_pop(&self, dest: &Worker<T>, limit: usize) -> Steal<T> {
        assert!(limit >= 1, "filch-deque: steal_batch_with_limit_and_pop: limit must be at least 1");
        self.batch_and_pop(dest, limit)
    }

    fn batch_and_pop(&self, dest: &Worker<T>, limit: usize) -> Steal<T> {
        match self.batch(dest, limit, true) {
            Ok(Some(first)) => Steal::Success(first),
            Ok(None) => unreachable!("filch-deque: a popping batch claims at least one item"),
            Err(missed) => missed.into_steal(),
        }
    }

    /// One claim of up to `limit` items (and what fits in `dest`, plus one if `pop`); the first
    /// item is returned if `pop`, the others are pushed into `dest` and published at once.
    fn batch(&self, dest: &Worker<T>, limit: usize, pop: bool) -> Result<Option<T>, Missed> {
        let fits = dest.ring.owner_room() + usize::from(pop);
        let (start, count) = self.ring.claim(limit.min(fits))?;
        let mut position = start;
        let first = if pop {
            // SAFETY: our claim CAS gave us `start..start + count`; the pushes that wrote these
            // positions were acquired through `pushes` in `claim`.
            let item = unsafe { self.ring.read(position) };
            position = position.wrapping_add(1);
            Some(item)
        } else {
            None
        };
        let moved = count - Index::from(pop);
        // Relaxed: `dest` is ours (a `&Worker` on this thread), so we wrote its `pushes`.
        let dest_view = dest.ring.owner_view(Ordering::Relaxed);
        for offset in 0..moved {
            // SAFETY: as above, `position` is in our claimed range.
            let item = unsafe { self.ring.read(position) };
            // SAFETY: we own `dest` (see above); `owner_room` counted at least `moved` free slots
            // from its `back`, with `released` loaded with Acquire, and slots only free up since.
            unsafe { dest.ring.write(dest_view.back.wrapping_add(offset), item) };
            position = position.wrapping_add(1);
        }
        self.ring.finish_claim(start.wrapping_add(count));
        dest.ring.publish(moved);
        Ok(first)
    }

    /// How many items the deque holds (a snapshot; at most the capacity).
    pub fn len(&self) -> usize {
        self.ring.len()
    }

    /// True if the deque held no item when looked at.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The capacity of the deque.
    pub fn capacity(&self) -> usize {
        self.ring.capacity()
    }
}

impl<T> Clone for Stealer<T> {
    fn clone(&self) -> Self {
        Stealer { ring: Arc::clone(&self.ring) }
    }
}

impl<T> fmt::Debug for Stealer<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("bounded::Stealer")
            .field("flavor", &self.ring.flavor)
            .field("len", &self.len())
            .field("capacity", &self.capacity())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A pop whose guess of `front` reads empty while the current word does not (a guess so stale
    /// that the wrapped indices line up) must confirm on the current word and find the item.
    #[test]
    fn a_pop_with_a_guess_that_reads_empty_confirms_on_the_current_word() {
        let worker = Worker::new_fifo(4);
        worker.push(7).unwrap();
        // `(released, claimed)` one past the current front, both at `back`: an empty reading.
        let current = worker.front_guess.get();
        worker.front_guess.set(current + (1 << Index::BITS) + 1);
        assert_eq!(worker.pop(), Some(7));
        assert_eq!(worker.pop(), None);
    }
}
