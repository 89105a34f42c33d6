//! A consumer's claim on a run of slots in one block, taken one value at a time.

use core::ptr::NonNull;

use crate::block::{Block, BLOCK_CAP};
use crate::cache::BlockCache;

/// Slots `start..end` of `block`, claimed by one successful claim on the head; `next` is the first
/// not yet taken.
///
/// Yields the values in FIFO order, skipping slots a short batch push left empty. Dropping it
/// takes and drops the values not yet yielded, then releases the whole run with one RMW on the
/// block's count (so a consumer that panics mid-batch loses nothing silently, and the block is
/// freed as usual).
pub(crate) struct StolenRun<'a, T> {
    block: NonNull<Block<T>>,
    start: usize,
    next: usize,
    end: usize,
    /// Values yielded so far (slots skipped by a short batch push yield none).
    handed_out: usize,
    cache: &'a BlockCache<T>,
}

impl<'a, T> StolenRun<'a, T> {
    /// Wraps a claim on slots `start..end` of `block`.
    ///
    /// # Safety
    /// The caller's claim on the head gave it exactly these slots, none of them taken yet, and
    /// `cache` belongs to the same injector.
    pub(crate) unsafe fn new(
        block: NonNull<Block<T>>,
        start: usize,
        end: usize,
        cache: &'a BlockCache<T>,
    ) -> Self {
        Self { block, start, next: start, end, handed_out: 0, cache }
    }

    /// True if the run goes up to the end of its block, so the next one starts in a new block.
    pub(crate) fn reaches_block_end(&self) -> bool {
        self.end == BLOCK_CAP
    }

    /// How many values the run has yielded.
    pub(crate) fn handed_out(&self) -> usize {
        self.handed_out
    }
}

impl<T> Iterator for StolenRun<'_, T> {
    type Item = T;

    fn next(&mut self) -> Option<T> {
        while self.next < self.end {
            let offset = self.next;
            self.next += 1;
            // SAFETY: `offset` is in our claimed run and not taken yet (`next` moved past it just
            // now), and the run is released only in `drop`.
            if let Some(value) = unsafe { Block::take(self.block, offset) } {
                self.handed_out += 1;
                return Some(value);
            }
        }
        None
    }

    /// At most the slots left (some may have been skipped by a short batch push).
    fn size_hint(&self) -> (usize, Option<usize>) {
        (0, Some(self.end - self.next))
    }
}

impl<T> Drop for StolenRun<'_, T> {
    fn drop(&mut self) {
        for value in self.by_ref() {
            drop(value);
        }
        // SAFETY: the loop above took every slot of the run; `self` is not used again.
        unsafe { Block::release_run(self.block, self.end - self.start, self.cache) };
    }
}
