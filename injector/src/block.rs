//! A block of slots: the unit the injector allocates, links and frees.
//!
//! Every slot goes through `0 -> WRITE -> WRITE|READ` (with `SKIP` beside `WRITE` when a batch push
//! left it empty, and `DESTROY` set at any point by a destroyer waiting for the slot's reader).
//! The state machine and the argument why a block is freed exactly once, after every access to it,
//! are in the crate's `DESIGN.md`.

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

/// Positions per block: `BLOCK_CAP` slots plus one position (offset `BLOCK_CAP`) that means "this
/// block is full, the thread that filled it is linking the next one".
pub(crate) const LAP: usize = BLOCK_CAP + 1;

/// The producer has finished with the slot: it holds a value, or `SKIP` says it never will.
pub(crate) const WRITE: usize = 1;
/// The consumer has finished with the slot.
pub(crate) const READ: usize = 2;
/// A destroyer found the slot not yet `READ`: its reader must go on destroying the block.
pub(crate) const DESTROY: usize = 4;
/// Set together with `WRITE` when a batch push reserved the slot but had no value for it.
pub(crate) const SKIP: usize = 8;

/// One slot: a value and its state word.
pub(crate) struct Slot<T> {
    value: UnsafeCell<MaybeUninit<T>>,
    state: AtomicUsize,
}

/// `BLOCK_CAP` slots and the link to the next block.
pub(crate) struct Block<T> {
    next: AtomicPtr<Block<T>>,
    slots: [Slot<T>; BLOCK_CAP],
}

impl<T> Block<T> {
    /// Allocates a block with every slot empty, straight on the heap: a block of large items
    /// (63 x 32 KiB) never passes through the stack.
    pub(crate) fn allocate() -> NonNull<Block<T>> {
        let layout = Layout::new::<Block<T>>();
        // SAFETY: `Block` holds atomics, so its size is never zero.
        let raw = unsafe { alloc(layout) }.cast::<Block<T>>();
        let Some(block) = NonNull::new(raw) else { handle_alloc_error(layout) };
        // SAFETY: `block` is a fresh allocation with the layout of `Block<T>`; we initialise every
        // field that has a validity invariant in place before anyone reads it. `value` may stay
        // uninitialised: `MaybeUninit` inside the transparent native cell accepts any bytes.
        unsafe {
            addr_of_mut!((*raw).next).write(AtomicPtr::new(ptr::null_mut()));
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
            dealloc(block.as_ptr().cast(), Layout::new::<Block<T>>());
        }
    }

    /// Makes a block that every reader has left look freshly allocated, for reuse.
    ///
    /// Needs no ordering of its own: the block travels to its next user through the cache's
    /// `AcqRel` swap, which publishes these stores.
    pub(crate) fn reset(&self) {
        self.next.store(ptr::null_mut(), Ordering::Relaxed);
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
        // Release: publishes the value to the consumer's Acquire load in `wait_written`. An RMW,
        // not a store: a destroyer may already have set `DESTROY`.
        slot.state.fetch_or(WRITE, Ordering::Release);
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
        // Release: the consumer's Acquire in `wait_written` sees the slot finished, as after a write.
        self.slots[offset].state.fetch_or(WRITE | SKIP, Ordering::Release);
    }

    /// Waits until the producer of the slot at `offset` is done, then takes its value (`None` for
    /// a skipped slot) and releases the slot, freeing the block if this was its last reader.
    ///
    /// # Safety
    /// The caller claimed the slot at `offset` (its consumer claim) and has not taken it yet;
    /// after the call the caller must not touch the block again.
    pub(crate) unsafe fn take(this: NonNull<Block<T>>, offset: usize, cache: &BlockCache<T>) -> Option<T> {
        // SAFETY: the block cannot be freed before this slot is released (below), so it is live.
        let block = unsafe { this.as_ref() };
        let slot = &block.slots[offset];
        let backoff = Backoff::new();
        let state = loop {
            // Acquire: pairs with the Release RMW in `write`/`skip`, making the value visible.
            let state = slot.state.load(Ordering::Acquire);
            if state & WRITE != 0 {
                break state;
            }
            backoff.snooze();
        };
        let value = if state & SKIP == 0 {
            // SAFETY: `WRITE` without `SKIP` means the producer moved a value in, and our claim
            // makes us its only reader; it is moved out exactly once, here.
            Some(slot.value.with(|cell| unsafe { cell.read().assume_init() }))
        } else {
            None
        };
        // SAFETY: we are the claimed reader of `offset` and have finished with the slot.
        unsafe { Block::release(this, offset, cache) };
        value
    }

    /// Marks the slot at `offset` read. The reader of the last slot starts destroying the block;
    /// a reader that finds `DESTROY` set takes over from the slot after its own.
    ///
    /// # Safety
    /// The caller is the claimed reader of `offset` and is done with the slot's value.
    unsafe fn release(this: NonNull<Block<T>>, offset: usize, cache: &BlockCache<T>) {
        if offset + 1 == BLOCK_CAP {
            // SAFETY: the last slot's reader is the designated first destroyer.
            unsafe { Block::destroy(this, 0, cache) };
            return;
        }
        // SAFETY: our slot is not yet marked read, so the block is live.
        let slot = unsafe { &this.as_ref().slots[offset] };
        // AcqRel: Release orders our read of the value before a destroyer's Acquire that frees the
        // block; Acquire pairs with the destroyer's Release `DESTROY`, so if we take over we see
        // every slot it already found read.
        if slot.state.fetch_or(READ, Ordering::AcqRel) & DESTROY != 0 {
            // SAFETY: the destroyer stopped at our slot and handed the destruction to us.
            unsafe { Block::destroy(this, offset + 1, cache) };
        }
    }

    /// Frees the block once every slot in `start..BLOCK_CAP - 1` is read; stops at the first slot
    /// still in use and leaves a `DESTROY` mark for its reader, who resumes from there.
    ///
    /// # Safety
    /// Every slot before `start`, and the last slot, has been read, and the caller holds the
    /// destruction baton (it is the last slot's reader, or it found `DESTROY` on its own slot).
    unsafe fn destroy(this: NonNull<Block<T>>, start: usize, cache: &BlockCache<T>) {
        for offset in start..BLOCK_CAP - 1 {
            // SAFETY: slot `offset` is not marked read yet as far as we know, so the block is live.
            let slot = unsafe { &this.as_ref().slots[offset] };
            // Acquire (both): pairs with the reader's AcqRel `READ`, so its read of the value
            // happens before we free. Release on the RMW hands our view to the reader who resumes.
            if slot.state.load(Ordering::Acquire) & READ == 0
                && slot.state.fetch_or(DESTROY, Ordering::AcqRel) & READ == 0
            {
                return;
            }
        }
        // SAFETY: every slot is read, and only the baton holder reaches this line, once.
        unsafe { cache.recycle(this) };
    }
}
