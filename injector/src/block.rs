//! A block of slots: the unit the injector allocates, links and frees.
//!
//! Every slot goes through `0 -> WRITE` (with `SKIP` beside `WRITE` when a batch push left it
//! empty); consumers count the block's slots down by whole runs, and the one that reaches zero
//! frees the block. The state machine and the argument why a block is freed exactly once, after
//! every access to it, are in the crate's `DESIGN.md`.

use alloc::alloc::{alloc, dealloc, handle_alloc_error, Layout};
use core::mem::MaybeUninit;
use core::ptr::{self, addr_of_mut, NonNull};

use filch_sync::atomic::{AtomicPtr, AtomicUsize, Ordering};
use filch_sync::cell::UnsafeCell;
use filch_sync::Backoff;

use crate::cache::BlockCache;

/// Slots per block. Under loom a block holds two, so that tiny models cross block boundaries.
#[cfg(not(loom))]
pub(crate) const BLOCK_CAP: usize = 63;
/// Slots per block. Under loom a block holds two, so that tiny models cross block boundaries.
#[cfg(loom)]
pub(crate) const BLOCK_CAP: usize = 2;

/// Every block is aligned to this. On 64-bit targets the tail keeps its offset in the top 16 bits
/// of its word, so blocks need no alignment of their own; on narrower targets it keeps it in the
/// low 12 bits of a 4 KiB-aligned block's address (`tail.rs`, and `DESIGN.md`, "The offset
/// field").
#[cfg(target_pointer_width = "64")]
pub(crate) const BLOCK_ALIGN: usize = 1;
/// Every block is aligned to this. On 64-bit targets the tail keeps its offset in the top 16 bits
/// of its word, so blocks need no alignment of their own; on narrower targets it keeps it in the
/// low 12 bits of a 4 KiB-aligned block's address (`tail.rs`, and `DESIGN.md`, "The offset
/// field").
#[cfg(not(target_pointer_width = "64"))]
pub(crate) const BLOCK_ALIGN: usize = 4096;

/// Positions per block: `BLOCK_CAP` slots plus one position (offset `BLOCK_CAP`) that means "this
/// block is full, the thread that filled it is linking the next one".
pub(crate) const LAP: usize = BLOCK_CAP + 1;

/// The producer has finished with the slot: it holds a value, or `SKIP` says it never will.
pub(crate) const WRITE: usize = 1;
/// Set together with `WRITE` when a batch push reserved the slot but had no value for it.
pub(crate) const SKIP: usize = 2;

/// One slot: a value and its state word.
pub(crate) struct Slot<T> {
    value: UnsafeCell<MaybeUninit<T>>,
    state: AtomicUsize,
}

impl<T> Slot<T> {
    /// Waits (out of line: a consumer rarely gets ahead of its producer) until the slot's producer
    /// is done; returns the state it left.
    #[cold]
    #[inline(never)]
    fn wait_written(&self) -> usize {
        let backoff = Backoff::new();
        loop {
            backoff.snooze();
            // Acquire: as in `Block::take`.
            let state = self.state.load(Ordering::Acquire);
            if state & WRITE != 0 {
                return state;
            }
        }
    }
}

/// `BLOCK_CAP` slots, the link to the next block, and how many slots no consumer has finished.
pub(crate) struct Block<T> {
    next: AtomicPtr<Block<T>>,
    /// Slots whose consumer has not released them yet; the release that brings it to 0 frees the
    /// block.
    unreleased: AtomicUsize,
    slots: [Slot<T>; BLOCK_CAP],
}

impl<T> Block<T> {
    /// The layout of a block: its own, aligned to at least `BLOCK_ALIGN`.
    fn layout() -> Layout {
        Layout::new::<Block<T>>().align_to(BLOCK_ALIGN).expect("filch-injector: a block's layout fits")
    }

    /// Allocates a block with every slot empty, straight on the heap: a block of large items
    /// (63 x 32 KiB) never passes through the stack.
    pub(crate) fn allocate() -> NonNull<Block<T>> {
        let layout = Block::<T>::layout();
        // SAFETY: `Block` holds atomics, so its size is never zero.
        let raw = unsafe { alloc(layout) }.cast::<Block<T>>();
        let Some(block) = NonNull::new(raw) else { handle_alloc_error(layout) };
        // SAFETY: `block` is a fresh allocation with the layout of `Block<T>`; we initialise every
        // field that has a validity invariant in place before anyone reads it. `value` may stay
        // uninitialised: `MaybeUninit` inside the transparent native cell accepts any bytes.
        unsafe {
            addr_of_mut!((*raw).next).write(AtomicPtr::new(ptr::null_mut()));
            addr_of_mut!((*raw).unreleased).write(AtomicUsize::new(BLOCK_CAP));
            for offset in 0..BLOCK_CAP {
                let slot = addr_of_mut!((*raw).slots[offset]);
                addr_of_mut!((*slot).state).write(AtomicUsize::new(0));
                // loom's cell carries tracking state that must be constructed.
                #[cfg(loom)]
                addr_of_mut!((*slot).value).write(UnsafeCell::new(MaybeUninit::uninit()));
            }
        }
        block
    }

    /// Frees a block without dropping any value in it.
    ///
    /// # Safety
    /// `block` came from [`Block::allocate`], is not freed yet, and no other thread will touch it
    /// again; the values still in it were moved out or dropped by the caller.
    pub(crate) unsafe fn deallocate(block: NonNull<Block<T>>) {
        // SAFETY: the caller owns the block, so running the (value-free) field drops and handing
        // the memory back with the layout it was allocated with is sound. Dropping in place runs
        // loom's bookkeeping for the atomics and cells; `MaybeUninit` never drops a value.
        unsafe {
            ptr::drop_in_place(block.as_ptr());
            dealloc(block.as_ptr().cast(), Block::<T>::layout());
        }
    }

    /// Makes a block that every reader has left look freshly allocated, for reuse.
    ///
    /// Needs no ordering of its own: the block travels to its next user through the cache's
    /// `AcqRel` swap, which publishes these stores.
    pub(crate) fn reset(&self) {
        self.next.store(ptr::null_mut(), Ordering::Relaxed);
        self.unreleased.store(BLOCK_CAP, Ordering::Relaxed);
        for slot in &self.slots {
            slot.state.store(0, Ordering::Relaxed);
        }
    }

    /// Links `next` after this block.
    pub(crate) fn set_next(&self, next: NonNull<Block<T>>) {
        // Release: publishes `next`'s initialisation to the consumer that Acquire-loads it in
        // `wait_next` and moves the head there.
        self.next.store(next.as_ptr(), Ordering::Release);
    }

    /// The next block, waiting for the producer that filled this block to link it.
    pub(crate) fn wait_next(&self) -> NonNull<Block<T>> {
        let backoff = Backoff::new();
        loop {
            // Acquire: pairs with the Release store in `set_next`.
            if let Some(next) = NonNull::new(self.next.load(Ordering::Acquire)) {
                return next;
            }
            backoff.snooze();
        }
    }

    /// True if a block is linked after this one.
    pub(crate) fn has_next(&self) -> bool {
        // Acquire: pairs with the Release store in `set_next`, which follows the tail's move past
        // this block, so a true answer means every slot of this block is claimed by a producer.
        !self.next.load(Ordering::Acquire).is_null()
    }

    /// The next block, read by the sole owner of the injector (in `Drop`).
    pub(crate) fn next_owned(&self) -> Option<NonNull<Block<T>>> {
        NonNull::new(self.next.load(Ordering::Relaxed))
    }

    /// Moves `value` into the slot at `offset` and marks it written.
    ///
    /// # Safety
    /// The caller reserved the slot at `offset` (its producer claim) and has not written it yet.
    pub(crate) unsafe fn write(&self, offset: usize, value: T) {
        let slot = &self.slots[offset];
        // SAFETY: the reservation gives us the only producer access to this slot; no consumer
        // reads the value before it sees `WRITE`, which we set below.
        slot.value.with_mut(|cell| unsafe { cell.write(MaybeUninit::new(value)) });
        // Release: publishes the value to the consumer's Acquire load in `take`. A plain store: only
        // this slot's producer writes its state between the block's reset and the block's free.
        slot.state.store(WRITE, Ordering::Release);
    }

    /// Drops the value in the slot at `offset`, for the sole owner of the injector.
    ///
    /// # Safety
    /// The caller owns the injector (no other thread can touch the block), and the slot holds a
    /// value or was skipped, and was never taken.
    pub(crate) unsafe fn drop_value_owned(this: NonNull<Block<T>>, offset: usize) {
        // SAFETY: the caller owns the block.
        let slot = unsafe { &this.as_ref().slots[offset] };
        if slot.state.load(Ordering::Relaxed) & SKIP == 0 {
            // SAFETY: the slot holds a value nobody took; we drop it once, in place.
            slot.value.with_mut(|cell| unsafe { (*cell).assume_init_drop() });
        }
    }

    /// Marks the reserved slot at `offset` as never to be written (a batch ran short).
    ///
    /// # Safety
    /// As for [`Block::write`].
    pub(crate) unsafe fn skip(&self, offset: usize) {
        // Release: the consumer's Acquire in `take` sees the slot finished, as after a write.
        self.slots[offset].state.store(WRITE | SKIP, Ordering::Release);
    }

    /// Waits until the producer of the slot at `offset` is done, then takes its value (`None` for
    /// a skipped slot).
    ///
    /// # Safety
    /// The caller claimed the slot at `offset` (its consumer claim), has not taken it yet, and has
    /// not released its run.
    pub(crate) unsafe fn take(this: NonNull<Block<T>>, offset: usize) -> Option<T> {
        // SAFETY: the block cannot be freed before the caller releases its run, so it is live.
        let slot = unsafe { &this.as_ref().slots[offset] };
        // Acquire: pairs with the Release store in `write`/`skip`, making the value visible.
        let mut state = slot.state.load(Ordering::Acquire);
        if state & WRITE == 0 {
            state = slot.wait_written();
        }
        if state & SKIP == 0 {
            // SAFETY: `WRITE` without `SKIP` means the producer moved a value in, and our claim
            // makes us its only reader; it is moved out exactly once, here.
            Some(slot.value.with(|cell| unsafe { cell.read().assume_init() }))
        } else {
            None
        }
    }

    /// Releases a consumer's run of `count` slots, all taken; the release that leaves no slot
    /// unreleased frees the block (to the cache).
    ///
    /// # Safety
    /// The caller claimed `count` slots of the block, took every one of them, and does not touch
    /// the block after this call.
    pub(crate) unsafe fn release_run(this: NonNull<Block<T>>, count: usize, cache: &BlockCache<T>) {
        // SAFETY: our run is not released yet, so the block is live.
        let unreleased = unsafe { &this.as_ref().unreleased };
        // AcqRel: Release orders our reads of the run's values before the free by whoever brings
        // the count to 0; Acquire (for that last releaser) pairs with every earlier release, all
        // in this counter's release sequence, so every read of the block happens before the free.
        if unreleased.fetch_sub(count, Ordering::AcqRel) == count {
            // SAFETY: every slot is released: every consumer is done with the block, every
            // producer finished before its slot's consumer took it, and the ends have moved on
            // (DESIGN.md, "Freeing blocks").
            unsafe { cache.recycle(this) };
        }
    }
}
