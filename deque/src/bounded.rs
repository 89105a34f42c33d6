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

use core::fmt;
use core::marker::PhantomData;
use core::mem::MaybeUninit;

use alloc::boxed::Box;

use filch_sync::atomic::Ordering;
use filch_sync::cell::UnsafeCell;
use filch_sync::{Arc, CachePadded};

use crate::Steal;

use self::width::{AtomicIndex, AtomicPacked, Index, Packed};

/// Index and packed-word widths: two 32-bit indices in a 64-bit word where 64-bit atomics exist
/// (natively, through portable-atomic, or under loom), else two 16-bit indices in a 32-bit word.
#[cfg(any(loom, feature = "portable-atomic", target_has_atomic = "64"))]
mod width {
    /// A position in the ring; wraps around (see `deque/DESIGN.md`).
    pub type Index = u32;
    /// Two [`Index`]es side by side.
    pub type Packed = u64;
    /// Atomic [`Index`].
    pub type AtomicIndex = filch_sync::atomic::AtomicU32;
    /// Atomic [`Packed`].
    pub type AtomicPacked = filch_sync::atomic::AtomicU64;
}

/// Index and packed-word widths for targets whose widest atomic is 32 bits.
#[cfg(not(any(loom, feature = "portable-atomic", target_has_atomic = "64")))]
mod width {
    /// A position in the ring; wraps around (see `deque/DESIGN.md`).
    pub type Index = u16;
    /// Two [`Index`]es side by side.
    pub type Packed = u32;
    /// Atomic [`Index`].
    pub type AtomicIndex = filch_sync::atomic::AtomicU16;
    /// Atomic [`Packed`].
    pub type AtomicPacked = filch_sync::atomic::AtomicU32;
}

/// The largest capacity a bounded deque can have: half the index range, so that the distance
/// between any two live indices (at most the capacity) is never ambiguous after a wrap.
pub const MAX_CAPACITY: usize = 1 << (Index::BITS - 1);

/// Where every counter starts: just below the wrap point, so that every test, not only a special
/// one, crosses it within a few operations (the trick of Linux's `INITIAL_JIFFIES`).
const START: Index = Index::MAX - 2;

/// `high` in the upper half of the word, `low` (always the claimed front) in the lower half.
fn pack(high: Index, low: Index) -> Packed {
    (Packed::from(high) << Index::BITS) | Packed::from(low)
}

/// The inverse of [`pack`]: `(high, low)`.
fn unpack(word: Packed) -> (Index, Index) {
    // Truncation keeps exactly the half we shift into place.
    ((word >> Index::BITS) as Index, word as Index)
}

/// Which end the owner pops from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Flavor {
    /// The owner pops its newest item.
    Lifo,
    /// The owner pops its oldest item, as thieves do.
    Fifo,
}

/// One slot of the ring: initialised exactly for indices in `released..back`.
type Slot<T> = UnsafeCell<MaybeUninit<T>>;

/// The ring and its indices, shared by the [`Worker`] and its [`Stealer`]s.
///
/// Indices are counters modulo `2^Index::BITS`; slot `i` lives at `i & mask`. Three positions
/// matter: `released <= claimed <= back`. Items in `claimed..back` are in the deque; items in
/// `released..claimed` are being copied out by one thief; slots outside `released..back` are free.
///
/// - FIFO: `front = pack(released, claimed)`, `pushes` is `back`, `released` is unused.
/// - LIFO: `front = pack(pops, claimed)`, `back = pushes - pops`, and `released` lives in its own
///   word. A LIFO pop moves `back` down; counting it in `front` makes a thief's claim CAS fail if the
///   owner popped since the thief computed its range from `back`.
struct Ring<T> {
    /// The packed word every claim and every owner pop goes through.
    front: CachePadded<AtomicPacked>,
    /// LIFO: where the one thief copying out a claimed range has finished reading up to.
    released: CachePadded<AtomicIndex>,
    /// Pushes so far (from `START`): written only by the owner.
    pushes: CachePadded<AtomicIndex>,
    slots: Box<[Slot<T>]>,
    mask: Index,
    flavor: Flavor,
}

// SAFETY: the ring moves `T`s between threads (so `T: Send`), and never hands out `&T`; every
// slot access is ordered by the protocol documented on `Ring` and in `deque/DESIGN.md`.
unsafe impl<T: Send> Send for Ring<T> {}
// SAFETY: as above; shared access is what the protocol is for.
unsafe impl<T: Send> Sync for Ring<T> {}

/// A consistent reading of the indices, taken by whichever side needs them.
#[derive(Debug, Clone, Copy)]
struct View {
    /// The packed word as loaded (for the CAS that validates the reading).
    front: Packed,
    /// The upper half: `released` (FIFO) or `pops` (LIFO).
    high: Index,
    claimed: Index,
    back: Index,
}

impl<T> Ring<T> {
    fn new(capacity: usize, flavor: Flavor, call: &str) -> Self {
        assert!(capacity >= 1, "filch-deque: bounded::Worker::{call}: capacity must be at least 1");
        assert!(
            capacity <= MAX_CAPACITY,
            "filch-deque: bounded::Worker::{call}: capacity must be at most {MAX_CAPACITY}"
        );
        let capacity = capacity.next_power_of_two();
        let slots = (0..capacity).map(|_| UnsafeCell::new(MaybeUninit::uninit())).collect();
        // LIFO: `back = pushes - pops`; both counters start near the wrap point too.
        let (high, pushes) = match flavor {
            Flavor::Fifo => (START, START),
            Flavor::Lifo => (START, START.wrapping_add(START)),
        };
        Ring {
            front: CachePadded::new(AtomicPacked::new(pack(high, START))),
            released: CachePadded::new(AtomicIndex::new(START)),
            pushes: CachePadded::new(AtomicIndex::new(pushes)),
            slots,
            // `capacity <= MAX_CAPACITY`, so `capacity - 1` fits an `Index`.
            mask: (capacity - 1) as Index,
            flavor,
        }
    }

    fn capacity(&self) -> usize {
        self.slots.len()
    }

    /// The position after the newest item, from `pushes` and (LIFO) the pops in `front`.
    fn back(&self, pushes: Index, high: Index) -> Index {
        match self.flavor {
            Flavor::Fifo => pushes,
            Flavor::Lifo => pushes.wrapping_sub(high),
        }
    }

    /// Reads the indices as a thief (or a `len` caller on any thread) sees them.
    fn view(&self) -> View {
        // Acquire: pairs with the Release of the owner's pop CAS and of every claim CAS, so the
        // `pushes` we load next is at least what the writer of this word had seen: `back >= claimed`.
        let front = self.front.load(Ordering::Acquire);
        // Acquire: pairs with the Release store in `push`/`publish`: every slot below the `back`
        // we compute is initialised and its write happens before our reads of it.
        let pushes = self.pushes.load(Ordering::Acquire);
        let (high, claimed) = unpack(front);
        View { front, high, claimed, back: self.back(pushes, high) }
    }

    /// The owner's view: `pushes` is its own counter, so only `front` needs a load.
    fn owner_view(&self, order: Ordering) -> View {
        let front = self.front.load(order);
        // Relaxed: only the owner (this thread) writes `pushes`.
        let pushes = self.pushes.load(Ordering::Relaxed);
        let (high, claimed) = unpack(front);
        View { front, high, claimed, back: self.back(pushes, high) }
    }

    /// Where the owner may write up to (exclusive): `released + capacity`.
    fn owner_released(&self, view: &View) -> Index {
        match self.flavor {
            Flavor::Fifo => view.high,
            // Acquire: pairs with the Release store in `finish_claim`: the thief's reads of the
            // slots below this value happen before we overwrite them.
            Flavor::Lifo => self.released.load(Ordering::Acquire),
        }
    }

    /// Free slots as the owner sees them (thieves may free more at any time).
    fn owner_room(&self) -> usize {
        // Acquire (FIFO): `released` is the high half; pairs with the Release of `finish_claim`.
        let view = self.owner_view(Ordering::Acquire);
        let in_use = view.back.wrapping_sub(self.owner_released(&view));
        self.capacity() - in_use as usize
    }

    /// Writes `item` at position `index`.
    ///
    /// # Safety
    /// Only the owner calls this, and slot `index` is free: `index` is in `back..released +
    /// capacity` for a `released` the owner loaded with Acquire.
    unsafe fn write(&self, index: Index, item: T) {
        let slot = &self.slots[(index & self.mask) as usize];
        // SAFETY: the slot is free (caller), so no thief reads it and nobody else writes it.
        slot.with_mut(|slot| unsafe { (*slot).write(item) });
    }

    /// Moves the item at position `index` out.
    ///
    /// # Safety
    /// The caller has exclusive ownership of position `index` (its claim CAS or pop CAS covers it),
    /// and the write of the item happens before this read.
    unsafe fn read(&self, index: Index) -> T {
        let slot = &self.slots[(index & self.mask) as usize];
        // SAFETY: initialised and exclusively ours (caller); reading moves it out, and the
        // protocol never reads this position again before a new write.
        slot.with(|slot| unsafe { (*slot).assume_init_read() })
    }

    /// Publishes `count` items the owner has written from `back` up.
    fn publish(&self, count: Index) {
        // Relaxed: only the owner writes `pushes`.
        let pushes = self.pushes.load(Ordering::Relaxed);
        // Release: pairs with the Acquire load of `pushes` in `view`: the slot writes above are
        // visible to a thief that sees the new count.
        self.pushes.store(pushes.wrapping_add(count), Ordering::Release);
    }

    fn push(&self, item: T) -> Result<(), T> {
        // Acquire (FIFO): `released` is the high half, written by `finish_claim` with Release.
        let view = self.owner_view(Ordering::Acquire);
        let released = self.owner_released(&view);
        if view.back.wrapping_sub(released) as usize >= self.capacity() {
            return Err(item);
        }
        // SAFETY: we are the owner; `back < released + capacity`, so the slot is free.
        unsafe { self.write(view.back, item) };
        self.publish(1);
        Ok(())
    }

    fn pop(&self) -> Option<T> {
        loop {
            // Relaxed: the word is validated by the CAS below, and every slot we may read was
            // written by this thread.
            let view = self.owner_view(Ordering::Relaxed);
            if view.back == view.claimed {
                return None;
            }
            let (taken, next) = match self.flavor {
                Flavor::Lifo => {
                    let last = view.back.wrapping_sub(1);
                    (last, pack(view.high.wrapping_add(1), view.claimed))
                }
                Flavor::Fifo => {
                    // No steal in progress: release our slot at once; else the thief's
                    // `finish_claim` releases up to the claimed front, ours included.
                    let released =
                        if view.high == view.claimed { view.claimed.wrapping_add(1) } else { view.high };
                    (view.claimed, pack(released, view.claimed.wrapping_add(1)))
                }
            };
            // Release: pairs with the Acquire load of `front` in `view`: a thief that sees this word
            // also sees `pushes` at least as it was here, so it never computes `back < claimed`.
            // A CAS (not a store): claims race with us; losing means a thief moved `claimed`.
            if self.front.compare_exchange(view.front, next, Ordering::Release, Ordering::Relaxed).is_ok() {
                // SAFETY: our CAS took position `taken` (LIFO: `pops` moved `back` below it while
                // `claimed <= taken`; FIFO: `claimed` moved past it), so no thief claims it, and
                // this thread wrote it.
                return Some(unsafe { self.read(taken) });
            }
        }
    }

    /// Claims up to half of the items (at least one), and at most `limit`, with one CAS.
    ///
    /// Returns the first claimed position and the count; the caller must read every claimed
    /// position and then call [`finish_claim`](Self::finish_claim).
    fn claim(&self, limit: usize) -> Result<(Index, Index), Missed> {
        let view = self.view();
        let released = match self.flavor {
            Flavor::Fifo => view.high,
            // Acquire: pairs with the previous thief's Release store in `finish_claim`, so its slot
            // reads happen before our own release store; the owner, acquiring only the latest
            // `released`, then inherits every earlier thief's reads (plain stores form no release
            // sequence, so without this the owner could overwrite a slot the earlier thief still
            // reads: TSan found exactly that with Relaxed here).
            Flavor::Lifo => self.released.load(Ordering::Acquire),
        };
        if released != view.claimed {
            // Another thief is still copying its range out.
            return Err(Missed::Retry);
        }
        let available = view.back.wrapping_sub(view.claimed);
        if available == 0 {
            return Err(Missed::Empty);
        }
        // A stale view (the owner popped and pushed since) can make `available` anything, but
        // then `front` changed and the CAS below fails before any slot is read.
        let half = available - available / 2;
        // `count <= half`, so it fits an `Index`.
        let count = (half as usize).min(limit) as Index;
        if count == 0 {
            // Only a full `dest` limits a claim to nothing.
            return Err(Missed::Retry);
        }
        let next = pack(view.high, view.claimed.wrapping_add(count));
        // Release: pairs with the Acquire load of `front` in `view`, so the next thief that sees
        // our claim also sees `pushes` at least as we did. Success needs no Acquire: the slot
        // writes were acquired through `pushes` in `view`.
        match self.front.compare_exchange(view.front, next, Ordering::Release, Ordering::Relaxed) {
            Ok(_) => Ok((view.claimed, count)),
            Err(_) => Err(Missed::Retry),
        }
    }

    /// Publishes that the thief which claimed `start..end` has read every slot of it.
    fn finish_claim(&self, end: Index) {
        match self.flavor {
            // Release: pairs with the Acquire load of `released` in `owner_released` (push): our
            // slot reads happen before the owner overwrites them.
            Flavor::Lifo => self.released.store(end, Ordering::Release),
            Flavor::Fifo => {
                // Relaxed: the CAS validates the value; the owner may have popped past `end`
                // meanwhile, and those positions were read by the owner itself.
                let mut front = self.front.load(Ordering::Relaxed);
                loop {
                    let (_, claimed) = unpack(front);
                    // Release: pairs with the Acquire load of `front` in `push`: our slot reads
                    // happen before the owner overwrites them.
                    match self.front.compare_exchange(
                        front,
                        pack(claimed, claimed),
                        Ordering::Release,
                        Ordering::Relaxed,
                    ) {
                        Ok(_) => return,
                        Err(current) => front = current,
                    }
                }
            }
        }
    }

    /// Items in the deque as seen from any thread: at most `capacity`.
    fn len(&self) -> usize {
        let view = self.view();
        // A view may mix an old `front` with a newer `pushes`; clamp what it cannot mean.
        (view.back.wrapping_sub(view.claimed) as usize).min(self.capacity())
    }
}

impl<T> Drop for Ring<T> {
    fn drop(&mut self) {
        // `&mut self`: every thread is done; no claim is open (a claim is finished before the
        // stealing call returns), so the items are exactly `claimed..back`.
        let view = self.owner_view(Ordering::Relaxed);
        let mut index = view.claimed;
        while index != view.back {
            // SAFETY: exclusive access; `index` is in `claimed..back`, initialised and not taken.
            drop(unsafe { self.read(index) });
            index = index.wrapping_add(1);
        }
    }
}

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
/// // The caller learns the deque was empty before a push by asking first.
/// assert!(fifo.is_empty());
/// fifo.push('a').unwrap();
/// fifo.push('b').unwrap();
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
    /// Not `Sync`: the owner's operations assume one thread.
    _not_sync: PhantomData<core::cell::Cell<()>>,
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
        Worker { ring: Arc::new(ring), _not_sync: PhantomData }
    }

    /// Pushes `item`, or hands it back in `Err` if the deque is full.
    ///
    /// Slots a thief is still copying out count as full until it finishes. To learn whether the
    /// deque was empty before the push (to wake a sleeping thief, say), call
    /// [`is_empty`](Self::is_empty) first.
    pub fn push(&self, item: T) -> Result<(), T> {
        self.ring.push(item)
    }

    /// Pops the newest (LIFO) or oldest (FIFO) item, or `None` if the deque is empty.
    pub fn pop(&self) -> Option<T> {
        self.ring.pop()
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

/// Why a claim took nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Missed {
    /// No item to claim.
    Empty,
    /// Another thief is mid-steal, the CAS lost a race, or the destination is full.
    Retry,
}

impl Missed {
    fn into_steal<U>(self) -> Steal<U> {
        match self {
            Missed::Empty => Steal::Empty,
            Missed::Retry => Steal::Retry,
        }
    }
}
