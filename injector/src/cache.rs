//! A one-block cache, so that a steady stream of pushes and steals reuses the block the consumers
//! just finished instead of going to the allocator (crossbeam #398).

use core::marker::PhantomData;
use core::ptr::{self, NonNull};

use filch_sync::atomic::{AtomicPtr, Ordering};

use crate::block::Block;

/// Holds at most one spare block, empty and reset.
pub(crate) struct BlockCache<T> {
    spare: AtomicPtr<Block<T>>,
    _owns: PhantomData<Block<T>>,
}

impl<T> BlockCache<T> {
    /// An empty cache.
    pub(crate) fn new() -> Self {
        Self { spare: AtomicPtr::new(ptr::null_mut()), _owns: PhantomData }
    }

    /// The spare block if there is one, else a fresh allocation.
    pub(crate) fn take(&self) -> NonNull<Block<T>> {
        // Acquire: pairs with the AcqRel swap in `recycle`, so the spare's reset is visible.
        let spare = self.spare.swap(ptr::null_mut(), Ordering::Acquire);
        NonNull::new(spare).unwrap_or_else(Block::allocate)
    }

    /// Resets `block` and keeps it as the spare; the spare it replaces (if any) is freed.
    ///
    /// Out of line: it runs once per block, and keeps the steal path small.
    ///
    /// # Safety
    /// The caller owns `block` outright: no thread will touch it through any old pointer.
    #[cold]
    #[inline(never)]
    pub(crate) unsafe fn recycle(&self, block: NonNull<Block<T>>) {
        // SAFETY: the caller owns the block.
        unsafe { block.as_ref() }.reset();
        // AcqRel: Release publishes the reset to the next `take`; Acquire pairs with the Release of
        // the thread that put the old spare, so we free it after its reset stores.
        let old = self.spare.swap(block.as_ptr(), Ordering::AcqRel);
        if let Some(old) = NonNull::new(old) {
            // SAFETY: the swap removed `old` from the cache, so we are its only owner.
            unsafe { Block::deallocate(old) };
        }
    }
}

impl<T> Drop for BlockCache<T> {
    fn drop(&mut self) {
        if let Some(spare) = NonNull::new(self.spare.load(Ordering::Relaxed)) {
            // SAFETY: `&mut self`: no other thread can reach the spare, and it holds no values.
            unsafe { Block::deallocate(spare) };
        }
    }
}
