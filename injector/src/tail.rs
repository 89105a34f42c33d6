//! The tail: one word that packs the tail block's address with the next free offset in it, so
//! that a single fetch-and-add claims a slot *and* names the block that holds it.
//!
//! On 64-bit targets the offset lives in the top `64 - ADDRESS_BITS` bits (block addresses are
//! checked to fit below them); elsewhere blocks are aligned to `BLOCK_ALIGN` and the offset lives
//! in the low bits of the address. `DESIGN.md` ("Claims") has the protocol and its arguments.

use core::marker::PhantomData;
use core::ptr::{self, NonNull};

use filch_sync::atomic::{AtomicUsize, Ordering};
use filch_sync::Backoff;

use crate::block::{Block, BLOCK_CAP, LAP};
use crate::cache::BlockCache;

/// Where the offset starts in the tail word.
#[cfg(target_pointer_width = "64")]
const OFFSET_SHIFT: u32 = 48;
/// Where the offset starts in the tail word.
#[cfg(not(target_pointer_width = "64"))]
const OFFSET_SHIFT: u32 = 0;

/// The offset field's values, before shifting: 16 bits above a 48-bit address, or the low bits
/// that `BLOCK_ALIGN` leaves free.
#[cfg(target_pointer_width = "64")]
const OFFSET_FIELD: usize = usize::MAX >> OFFSET_SHIFT;
/// The offset field's values, before shifting: 16 bits above a 48-bit address, or the low bits
/// that `BLOCK_ALIGN` leaves free.
#[cfg(not(target_pointer_width = "64"))]
const OFFSET_FIELD: usize = crate::block::BLOCK_ALIGN - 1;

/// The offset field in place.
const OFFSET_MASK: usize = OFFSET_FIELD << OFFSET_SHIFT;

/// One claimed slot, as an addend to the tail word.
const ONE_SLOT: usize = 1 << OFFSET_SHIFT;

/// A successful claim, on the tail or on the head: slots `start..end` of `block`.
pub(crate) struct Claim<T> {
    pub(crate) block: NonNull<Block<T>>,
    pub(crate) start: usize,
    pub(crate) end: usize,
}

/// The producers' end of the queue.
pub(crate) struct Tail<T> {
    /// `address of the tail block | offset << OFFSET_SHIFT`. Offsets `0..BLOCK_CAP` are free slots; an offset of
    /// `BLOCK_CAP` or more means the block is full (a fetch-and-add that lands there claims
    /// nothing) and the producer that took its last slot is installing the next block.
    word: AtomicUsize,
    /// How many blocks the tail has left: the tail block's lap. Stored by the installer before it
    /// stores the new word, so together with the word it gives the tail's position (`position`).
    lap: AtomicUsize,
    /// The word names blocks of `T`.
    _blocks: PhantomData<*mut Block<T>>,
}

/// Splits a tail word into its block and offset.
fn unpack<T>(word: usize) -> (*mut Block<T>, usize) {
    (ptr::with_exposed_provenance_mut(word & !OFFSET_MASK), (word & OFFSET_MASK) >> OFFSET_SHIFT)
}

/// The tail word of `block` with `offset` slots taken.
///
/// Panics if the block's address overlaps the offset field (on 64-bit targets: an address at or
/// above 2^48, which no mainstream OS hands to a process unless asked to); the check runs once
/// per block.
fn pack<T>(block: NonNull<Block<T>>, offset: usize) -> usize {
    let address = block.as_ptr().expose_provenance();
    if address & OFFSET_MASK != 0 {
        address_overlaps_offset(address);
    }
    address | offset << OFFSET_SHIFT
}

/// `pack`'s panic, out of line so that the claim path stays small enough to inline.
#[cold]
#[inline(never)]
fn address_overlaps_offset(address: usize) -> ! {
    panic!("filch-injector: push: a block's address {address:#x} overlaps the tail's offset field")
}

impl<T> Tail<T> {
    /// A tail at the start of `first`, lap 0.
    pub(crate) fn new(first: NonNull<Block<T>>) -> Self {
        Tail { word: AtomicUsize::new(pack(first, 0)), lap: AtomicUsize::new(0), _blocks: PhantomData }
    }

    /// Claims one slot (every `push`): what `claim(1, ..)` does, with the common case (a free slot
    /// that does not fill the block) small enough to inline without a stack frame; a claim that
    /// fills the block, or finds it full, goes out of line.
    #[inline]
    pub(crate) fn claim_one(&self, cache: &BlockCache<T>) -> Claim<T> {
        // Acquire: as in `claim`.
        let seen = self.word.load(Ordering::Acquire);
        if unpack::<T>(seen).1 >= BLOCK_CAP - 1 {
            // This claim would fill the block (or it is full): `claim` takes the next block first.
            return self.claim_one_slow(None, cache);
        }
        // SeqCst and Acquire: as the fetch-and-add in `claim`.
        let claimed = self.word.fetch_add(ONE_SLOT, Ordering::SeqCst);
        let (block, start) = unpack::<T>(claimed);
        if start >= BLOCK_CAP - 1 {
            // The word moved since we looked: we took the last slot, or overshot a full block.
            return self.claim_one_slow(Some(claimed), cache);
        }
        // SAFETY: as in `claim`: the claimed word names a live, initialised block.
        Claim { block: unsafe { NonNull::new_unchecked(block) }, start, end: start + 1 }
    }

    /// `claim_one`'s rare cases: `claimed` is the word its fetch-and-add returned, if it made one.
    #[cold]
    #[inline(never)]
    fn claim_one_slow(&self, claimed: Option<usize>, cache: &BlockCache<T>) -> Claim<T> {
        if let Some(claimed) = claimed {
            let (block, start) = unpack::<T>(claimed);
            if start == BLOCK_CAP - 1 {
                // We took the last slot without having taken a block beforehand: take one now.
                // SAFETY: as in `claim`.
                let block = unsafe { NonNull::new_unchecked(block) };
                self.install(block, cache.take());
                return Claim { block, start, end: BLOCK_CAP };
            }
            // We overshot a full block: claimed nothing. `claim` waits for the installer before
            // it adds again, so we overshoot this block at most once (DESIGN.md, "The offset
            // field").
        }
        self.claim(1, cache)
    }

    /// Claims between 1 and `wanted` slots, all in one block. `wanted == 1` (a `push` whose
    /// `claim_one` fast path did not apply) is one fetch-and-add; a run is one CAS, so that an
    /// overshooting claim never adds more than 1 to a full block's offset (the bound on the offset
    /// field, `DESIGN.md`).
    ///
    /// A claim that takes the block's last slot links the next block (from `cache`) and moves the
    /// tail before returning. The next block is taken from the cache *before* a claim that looks
    /// like it will fill the block, so the window in which the tail is full is three stores long.
    #[inline]
    pub(crate) fn claim(&self, wanted: usize, cache: &BlockCache<T>) -> Claim<T> {
        let backoff = Backoff::new();
        let mut next: Option<NonNull<Block<T>>> = None;
        let claim = loop {
            // Acquire: pairs with the Release swap of the word in `install` (and the claims in its
            // release sequence), so a block seen here is initialised.
            let seen = self.word.load(Ordering::Acquire);
            let (_, offset) = unpack::<T>(seen);
            if offset >= BLOCK_CAP {
                // Full: the producer that took its last slot is installing the next block.
                backoff.snooze();
                continue;
            }
            if wanted >= BLOCK_CAP - offset && next.is_none() {
                next = Some(cache.take());
            }
            let claimed = if wanted == 1 {
                // SeqCst: in the single total order with the consumers' SeqCst load of the word
                // (the store-load pattern of a sleep protocol; DESIGN.md, "Orderings"); its
                // Acquire half pairs with the Release swap in `install` like the load above.
                self.word.fetch_add(ONE_SLOT, Ordering::SeqCst)
            } else {
                let count = wanted.min(BLOCK_CAP - offset);
                // SeqCst: as for the fetch-and-add. Relaxed on failure: we reload everything.
                match self.word.compare_exchange_weak(
                    seen,
                    seen + count * ONE_SLOT,
                    Ordering::SeqCst,
                    Ordering::Relaxed,
                ) {
                    Ok(claimed) => claimed,
                    Err(_) => {
                        backoff.spin();
                        continue;
                    }
                }
            };
            let (block, start) = unpack::<T>(claimed);
            if start >= BLOCK_CAP {
                // Our fetch-and-add landed on a full block (the word moved since we looked): it
                // claimed nothing, and the installer will overwrite the word. Wait for it.
                backoff.snooze();
                continue;
            }
            // SAFETY: the claimed word names the block its offset counts in; the installer stored
            // it non-null, and our unwritten slots keep the block alive (their consumer cannot
            // release them before we write them).
            let block = unsafe { NonNull::new_unchecked(block) };
            let end = start + wanted.min(BLOCK_CAP - start);
            if end == BLOCK_CAP {
                let next = next.take().unwrap_or_else(|| cache.take());
                self.install(block, next);
            }
            break Claim { block, start, end };
        };
        if let Some(unused) = next {
            // SAFETY: the block never left this call.
            unsafe { cache.recycle(unused) };
        }
        claim
    }

    /// Moves the tail from the full `block` to `next`, and links `next` after `block`; called by
    /// the claimer of `block`'s last slot, before it writes that slot.
    fn install(&self, block: NonNull<Block<T>>, next: NonNull<Block<T>>) {
        // Only this thread stores `lap` now: the previous installer stored the current lap before
        // the word our claim read (Acquire), and the next one needs this block full and moved.
        let lap = self.lap.load(Ordering::Relaxed) + 1;
        // Release: a consumer that Acquire-loads this lap and then the word sees our claim's
        // full word or later (`position`).
        self.lap.store(lap, Ordering::Release);
        // Release: publishes `next`'s initialisation and the lap store above to producers' and
        // consumers' Acquire loads of the word. A swap, not a store: it is ordered after every
        // overshooting fetch-and-add on the full word (an RMW reads the latest value), which the
        // overshooting producers wait on; loom only orders a plain store after RMWs it has seen,
        // and a waiter could re-read its own overshoot forever in the model.
        self.word.swap(pack(next, 0), Ordering::Release);
        // After the tail moved: a consumer that reaches `next` through this link then sees a tail
        // in `next`'s lap or later (DESIGN.md, "The head never passes the tail").
        // SAFETY: our reserved last slot of `block` is unwritten, so the block is live.
        unsafe { block.as_ref() }.set_next(next);
    }

    /// The tail block's address and the offset in it (`BLOCK_CAP` or more: full), as consumers
    /// compare them with the head's block; never dereference the pointer.
    pub(crate) fn block_and_offset(&self) -> (*mut Block<T>, usize) {
        // SeqCst: the consumers' half of the store-load pattern with the producers' SeqCst claims
        // (DESIGN.md, "Orderings"). Its Acquire half pairs with the Release swap in `install`: a
        // consumer that sees a recycled block here then sees the head moves that preceded its
        // recycling (DESIGN.md, "The consumer's view of the tail").
        unpack(self.word.load(Ordering::SeqCst))
    }

    /// The tail's position (`lap * LAP + offset`, a full block counting as offset `BLOCK_CAP`),
    /// read consistently; waits out an installer between its claim and its two stores.
    pub(crate) fn position(&self) -> usize {
        let backoff = Backoff::new();
        loop {
            // Acquire: pairs with the Release store of `lap` in `install`, which follows the
            // claim that filled lap `before - 1`: the word we load next is that full word or later.
            let before = self.lap.load(Ordering::Acquire);
            // SeqCst: the consumers' half of the store-load pattern with the producers' SeqCst
            // claims (DESIGN.md, "Orderings"); Acquire: a word of lap `before + 1` would make the
            // installer's earlier `lap` store visible to the load below.
            let word = self.word.load(Ordering::SeqCst);
            // Acquire: as above.
            let after = self.lap.load(Ordering::Acquire);
            let (_, offset) = unpack::<T>(word);
            // `before == after` rules out a word of a later lap; an offset below `BLOCK_CAP`
            // rules out the full word of lap `before - 1`. So the word is lap `before`'s.
            if before == after && offset < BLOCK_CAP {
                return before * LAP + offset;
            }
            backoff.snooze();
        }
    }

    /// The tail block and position, for the sole owner of the injector (in `Drop`).
    pub(crate) fn owned_end(&mut self) -> (NonNull<Block<T>>, usize) {
        let (block, offset) = unpack::<T>(self.word.load(Ordering::Relaxed));
        let block = NonNull::new(block).expect("filch-injector: internal: a tail block");
        (block, self.lap.load(Ordering::Relaxed) * LAP + offset)
    }
}
