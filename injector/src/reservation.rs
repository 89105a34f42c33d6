//! A producer's claim on a run of slots in one block, filled one value at a time.

use core::marker::PhantomData;
use core::ptr::NonNull;

use crate::block::Block;

/// Slots `next..end` of `block`, reserved by one successful claim on the tail.
///
/// Dropping it marks every slot still unfilled as skipped, so a batch whose iterator ran short or
/// panicked never leaves a consumer waiting for a value that will not come.
pub(crate) struct Reservation<'a, T> {
    block: NonNull<Block<T>>,
    next: usize,
    end: usize,
    /// The block cannot outlive the injector that the claim was made on.
    _injector: PhantomData<&'a Block<T>>,
}

impl<T> Reservation<'_, T> {
    /// Wraps a claim on slots `start..end` of `block`.
    ///
    /// # Safety
    /// The caller's claim on the tail reserved exactly these slots, none of them written yet.
    pub(crate) unsafe fn new(block: NonNull<Block<T>>, start: usize, end: usize) -> Self {
        Self { block, next: start, end, _injector: PhantomData }
    }

    /// How many reserved slots are still unfilled.
    pub(crate) fn remaining(&self) -> usize {
        self.end - self.next
    }

    /// Moves `value` into the next reserved slot.
    ///
    /// Panics (an internal bug, not a misuse) if every slot is already filled.
    pub(crate) fn fill(&mut self, value: T) {
        assert!(self.next < self.end, "filch-injector: internal: reservation overfilled");
        // SAFETY: slot `next` is reserved by us and unwritten; an unwritten reserved slot keeps its
        // block alive (its reader has not released it).
        unsafe { self.block.as_ref().write(self.next, value) };
        self.next += 1;
    }
}

impl<T> Drop for Reservation<'_, T> {
    fn drop(&mut self) {
        for offset in self.next..self.end {
            // SAFETY: as in `fill`: the slot is reserved by us and unwritten.
            unsafe { self.block.as_ref().skip(offset) };
        }
    }
}
