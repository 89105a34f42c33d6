//! The ring behind `bounded::Worker` and `bounded::Stealer`: slots, the packed indices, and the
//! claim / copy / release protocol (argued in `deque/DESIGN.md`, section "Bounded flavour").

use core::cell::Cell;
use core::mem::MaybeUninit;

use alloc::boxed::Box;

use filch_sync::atomic::Ordering;
use filch_sync::cell::UnsafeCell;
use filch_sync::CachePadded;

use crate::Steal;

pub(super) use self::width::Index;
pub(super) use self::width::Packed;
use self::width::{AtomicIndex, AtomicPacked};

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
pub(super) enum Flavor {
    /// The owner pops its newest item.
    Lifo,
    /// The owner pops its oldest item, as thieves do.
    Fifo,
}

/// One slot of the ring: initialised exactly for indices in `released..back`.
type Slot<T> = UnsafeCell<MaybeUninit<T>>;

/// The ring and its indices, shared by the [`Worker`](super::Worker) and its [`Stealer`](super::Stealer)s.
///
/// Indices are counters modulo `2^Index::BITS`; slot `i` lives at `i & mask`. Three positions
/// matter: `released <= claimed <= back`. Items in `claimed..back` are in the deque; items in
/// `released..claimed` are being copied out by one thief; slots outside `released..back` are free.
///
/// - FIFO: `front = pack(released, claimed)`, `pushes` is `back`, `released` is unused.
/// - LIFO: `front = pack(pops, claimed)`, `back = pushes - pops`, and `released` lives in its own
///   word. A LIFO pop moves `back` down; counting it in `front` makes a thief's claim CAS fail if the
///   owner popped since the thief computed its range from `back`.
pub(super) struct Ring<T> {
    /// The packed word every claim and every owner pop goes through.
    front: CachePadded<AtomicPacked>,
    /// LIFO: where the one thief copying out a claimed range has finished reading up to.
    released: CachePadded<AtomicIndex>,
    /// Pushes so far (from `START`): written only by the owner.
    pushes: CachePadded<AtomicIndex>,
    slots: Box<[Slot<T>]>,
    mask: Index,
    pub(super) flavor: Flavor,
}

// SAFETY: the ring moves `T`s between threads (so `T: Send`), and never hands out `&T`; every
// slot access is ordered by the protocol documented on `Ring` and in `deque/DESIGN.md`.
unsafe impl<T: Send> Send for Ring<T> {}
// SAFETY: as above; shared access is what the protocol is for.
unsafe impl<T: Send> Sync for Ring<T> {}

/// A consistent reading of the indices, taken by whichever side needs them.
#[derive(Debug, Clone, Copy)]
pub(super) struct View {
    /// The packed word as loaded (for the CAS that validates the reading).
    front: Packed,
    /// The upper half: `released` (FIFO) or `pops` (LIFO).
    high: Index,
    claimed: Index,
    /// The owner's push counter as loaded.
    pushes: Index,
    pub(super) back: Index,
}

impl<T> Ring<T> {
    pub(super) fn new(capacity: usize, flavor: Flavor, call: &str) -> Self {
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

    pub(super) fn capacity(&self) -> usize {
        self.slots.len()
    }

    /// The position after the newest item, from `pushes` and (LIFO) the pops in `front`.
    #[inline(always)]
    fn back(flavor: Flavor, pushes: Index, high: Index) -> Index {
        match flavor {
            Flavor::Fifo => pushes,
            Flavor::Lifo => pushes.wrapping_sub(high),
        }
    }

    /// Slot `index & mask`.
    #[inline(always)]
    fn slot(&self, index: Index) -> &Slot<T> {
        // SAFETY: `mask == slots.len() - 1` with a power-of-two length, so `index & mask` is in
        // bounds (the owner's paths skip the bounds check this way).
        unsafe { self.slots.get_unchecked((index & self.mask) as usize) }
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
        View { front, high, claimed, pushes, back: Self::back(self.flavor, pushes, high) }
    }

    /// The owner's view: `pushes` is its own counter, so only `front` needs a load.
    pub(super) fn owner_view(&self, order: Ordering) -> View {
        self.owner_view_as(self.flavor, order)
    }

    /// [`owner_view`](Self::owner_view) for a flavour known at the call (the owner's hot paths
    /// pass a constant, so the flavour is tested once per call, not once per helper).
    #[inline(always)]
    fn owner_view_as(&self, flavor: Flavor, order: Ordering) -> View {
        let front = self.front.load(order);
        // Relaxed: only the owner (this thread) writes `pushes`.
        let pushes = self.pushes.load(Ordering::Relaxed);
        let (high, claimed) = unpack(front);
        View { front, high, claimed, pushes, back: Self::back(flavor, pushes, high) }
    }

    /// Where the owner may write up to (exclusive): `released + capacity`.
    #[inline(always)]
    fn owner_released(&self, flavor: Flavor, view: &View) -> Index {
        match flavor {
            Flavor::Fifo => view.high,
            // Acquire: pairs with the Release store in `finish_claim` of the thief that wrote this
            // value; each thief acquired its predecessor's store in `claim`, so the reads of every
            // thief below this value happen before we overwrite those slots.
            Flavor::Lifo => self.released.load(Ordering::Acquire),
        }
    }

    /// Free slots as the owner sees them (thieves may free more at any time).
    pub(super) fn owner_room(&self) -> usize {
        // Acquire (FIFO): `released` is the high half; pairs with the Release CAS of
        // `finish_claim`, whose release sequence every later RMW of `front` continues.
        let view = self.owner_view(Ordering::Acquire);
        let in_use = view.back.wrapping_sub(self.owner_released(self.flavor, &view));
        self.capacity() - in_use as usize
    }

    /// Writes `item` at position `index`.
    ///
    /// # Safety
    /// Only the owner calls this, and slot `index` is free: `index` is in `back..released +
    /// capacity` for a `released` the owner loaded with Acquire.
    pub(super) unsafe fn write(&self, index: Index, item: T) {
        let slot = self.slot(index);
        // SAFETY: the slot is free (caller), so no thief reads it and nobody else writes it.
        slot.with_mut(|slot| unsafe { (*slot).write(item) });
    }

    /// Moves the item at position `index` out.
    ///
    /// # Safety
    /// The caller has exclusive ownership of position `index` (its claim CAS or pop CAS covers it),
    /// and the write of the item happens before this read.
    pub(super) unsafe fn read(&self, index: Index) -> T {
        let slot = self.slot(index);
        // SAFETY: initialised and exclusively ours (caller); reading moves it out, and the
        // protocol never reads this position again before a new write.
        slot.with(|slot| unsafe { (*slot).assume_init_read() })
    }

    /// Publishes `count` items the owner has written from `back` up.
    pub(super) fn publish(&self, count: Index) {
        // Relaxed: only the owner writes `pushes`.
        let pushes = self.pushes.load(Ordering::Relaxed);
        // Release: pairs with the Acquire load of `pushes` in `view`: the slot writes above are
        // visible to a thief that sees the new count.
        self.pushes.store(pushes.wrapping_add(count), Ordering::Release);
    }

    /// Pushes `item`; `Ok(true)` if the deque looked empty just before (`claimed == back`).
    /// `guess` is the owner's, as [`pop`](Self::pop) keeps it.
    #[inline]
    pub(super) fn push(&self, item: T, guess: &Cell<Packed>) -> Result<bool, T> {
        match self.flavor {
            Flavor::Lifo => self.push_as(Flavor::Lifo, item, guess),
            Flavor::Fifo => self.push_as(Flavor::Fifo, item, guess),
        }
    }

    /// `push` for a flavour known at the call.
    #[inline(always)]
    fn push_as(&self, flavor: Flavor, item: T, guess: &Cell<Packed>) -> Result<bool, T> {
        // Acquire (FIFO): `released` is the high half; pairs with the Release CAS of
        // `finish_claim`, whose release sequence every later RMW of `front` continues.
        let view = self.owner_view_as(flavor, Ordering::Acquire);
        let back = match flavor {
            Flavor::Fifo => view.back,
            Flavor::Lifo => {
                // Only this thread's pops move `pops` (the high half), and the guess holds it as
                // the last pop left it. Taken from there, `back` (the slot's address) does not
                // wait for the load of `front`, which waits for the last pop's CAS
                // (`deque/DESIGN.md`, "The owner's path").
                let (pops, _) = unpack(guess.get());
                debug_assert_eq!(pops, view.high, "only the owner's pops move `pops`");
                Self::back(flavor, view.pushes, pops)
            }
        };
        let released = self.owner_released(flavor, &view);
        if back.wrapping_sub(released) as usize >= self.capacity() {
            return Err(item);
        }
        // SAFETY: we are the owner; `back < released + capacity`, so the slot is free.
        unsafe { self.write(back, item) };
        self.publish(1);
        Ok(back == view.claimed)
    }

    /// The owner's first guess of `front` for [`pop`](Self::pop): the word as it is now.
    pub(super) fn front_guess(&self) -> Packed {
        // Relaxed: a guess, checked by the pop's CAS.
        self.front.load(Ordering::Relaxed)
    }

    /// Pops the newest (LIFO) or oldest (FIFO) item. `guess` is the owner's: the `front` word as
    /// its last pop left or found it.
    #[inline]
    pub(super) fn pop(&self, guess: &Cell<Packed>) -> Option<T> {
        match self.flavor {
            Flavor::Lifo => self.pop_as(Flavor::Lifo, guess),
            Flavor::Fifo => self.pop_as(Flavor::Fifo, guess),
        }
    }

    /// `pop` for a flavour known at the call.
    ///
    /// The CAS is offered `guess` rather than a freshly loaded word, so it waits for no load
    /// (`deque/DESIGN.md`, "The FIFO pop's guess"): while no thief moved `front` (only the
    /// owner's pops and thieves do), the guess is exact; otherwise the CAS fails once and returns
    /// the current word.
    #[inline(always)]
    fn pop_as(&self, flavor: Flavor, guess: &Cell<Packed>) -> Option<T> {
        // Relaxed: only the owner (this thread) writes `pushes`.
        let pushes = self.pushes.load(Ordering::Relaxed);
        let mut front = guess.get();
        loop {
            let (high, claimed) = unpack(front);
            let back = Self::back(flavor, pushes, high);
            if back == claimed {
                // An empty guess is confirmed on the current word: thieves may have moved
                // `claimed` since, by a multiple of `2^Index::BITS` for all the guess can tell.
                // Relaxed: as the word the CAS validates; every slot we may read was written by
                // this thread.
                let now = self.front.load(Ordering::Relaxed);
                if now == front {
                    guess.set(now);
                    return None;
                }
                front = now;
                continue;
            }
            let (taken, next) = match flavor {
                Flavor::Lifo => (back.wrapping_sub(1), pack(high.wrapping_add(1), claimed)),
                Flavor::Fifo => {
                    // No steal in progress: release our slot at once; else the thief's
                    // `finish_claim` releases up to the claimed front, ours included.
                    let released = if high == claimed { claimed.wrapping_add(1) } else { high };
                    (claimed, pack(released, claimed.wrapping_add(1)))
                }
            };
            // Release: pairs with the Acquire load of `front` in `view`: a thief that sees this word
            // also sees `pushes` at least as it was here, so it never computes `back < claimed`.
            // A CAS (not a store): claims race with us; losing means a thief moved `claimed`.
            // Relaxed on failure: the returned word is only the next guess, checked in turn.
            match self.front.compare_exchange(front, next, Ordering::Release, Ordering::Relaxed) {
                Ok(_) => {
                    guess.set(next);
                    // SAFETY: our CAS took position `taken` (LIFO: `pops` moved `back` below it
                    // while `claimed <= taken`; FIFO: `claimed` moved past it), so no thief claims
                    // it, and this thread wrote it.
                    return Some(unsafe { self.read(taken) });
                }
                Err(now) => front = now,
            }
        }
    }

    /// Claims up to half of the items (at least one), and at most `limit`, with one CAS.
    ///
    /// Returns the first claimed position and the count; the caller must read every claimed
    /// position and then call [`finish_claim`](Self::finish_claim).
    pub(super) fn claim(&self, limit: usize) -> Result<(Index, Index), Missed> {
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
    pub(super) fn finish_claim(&self, end: Index) {
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
    pub(super) fn len(&self) -> usize {
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

/// Why a claim took nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Missed {
    /// No item to claim.
    Empty,
    /// Another thief is mid-steal, the CAS lost a race, or the destination is full.
    Retry,
}

impl Missed {
    pub(super) fn into_steal<U>(self) -> Steal<U> {
        match self {
            Missed::Empty => Steal::Empty,
            Missed::Retry => Steal::Retry,
        }
    }
}
