//! The ring of slots behind the unbounded deque: a power-of-two array of uninitialised cells.

use alloc::boxed::Box;
use alloc::vec::Vec;
use core::mem::MaybeUninit;

use filch_sync::cell::UnsafeCell;

/// A power-of-two ring of slots. Index `i` (a wrapping `u32`) lives in slot `i & mask`.
///
/// A buffer never drops items: the deque knows which indices hold live items and moves them out
/// (or drops them) itself. Under loom the slots are loom cells, so every read and write of an
/// item is checked for races.
pub(crate) struct Buffer<T> {
    slots: Box<[UnsafeCell<MaybeUninit<T>>]>,
    mask: u32,
}

impl<T> Buffer<T> {
    /// A heap-allocated buffer of `capacity` slots (a power of two), as a raw pointer: buffers are
    /// shared by pointer and freed by the owner or the reclaimer.
    pub(crate) fn alloc(capacity: u32) -> *mut Buffer<T> {
        debug_assert!(capacity.is_power_of_two());
        let slots: Vec<UnsafeCell<MaybeUninit<T>>> =
            (0..capacity).map(|_| UnsafeCell::new(MaybeUninit::uninit())).collect();
        Box::into_raw(Box::new(Buffer { slots: slots.into_boxed_slice(), mask: capacity - 1 }))
    }

    /// Frees a buffer made by [`Buffer::alloc`] without touching its slots.
    ///
    /// # Safety
    /// `buffer` came from [`Buffer::alloc`], is freed once, and nobody uses it afterwards.
    pub(crate) unsafe fn free(buffer: *mut Buffer<T>) {
        // SAFETY: the caller hands us the unique pointer from `Box::into_raw` in `alloc`.
        drop(unsafe { Box::from_raw(buffer) });
    }

    /// Writes every slot without changing it: the model checkers then report any read of this
    /// buffer that does not happen before this call (how the models check that a buffer is freed
    /// only after its last reader is done).
    pub(crate) fn touch_every_slot(&self) {
        for slot in self.slots.iter() {
            slot.with_mut(|_| ());
        }
    }

    #[inline]
    fn slot(&self, index: u32) -> &UnsafeCell<MaybeUninit<T>> {
        // SAFETY: `index & mask` is below `slots.len() == mask + 1`.
        unsafe { self.slots.get_unchecked((index & self.mask) as usize) }
    }

    /// A copyable view of the slots, for the owner's hot paths.
    #[inline]
    pub(crate) fn slots(&self) -> Slots<T> {
        Slots { base: self.slots.as_ptr(), mask: self.mask }
    }

    /// Moves the item out of the slot of `index`; see [`Slots::read`].
    ///
    /// # Safety
    /// As for [`Slots::read`].
    #[inline]
    pub(crate) unsafe fn read(&self, index: u32) -> T {
        // SAFETY: the caller meets `Slots::read`'s contract, and `self` is alive for the call.
        unsafe { self.slots().read(index) }
    }

    /// Copies the bits of indices `start..end` (wrapping) from `source` into this buffer.
    ///
    /// Copies are bitwise and may duplicate items: the deque treats only one buffer as holding
    /// them from now on.
    ///
    /// # Safety
    /// `end - start` is at most both capacities, nobody writes those slots of `source`, and nobody
    /// else accesses this buffer during the call.
    pub(crate) unsafe fn copy_from(&self, source: &Buffer<T>, start: u32, end: u32) {
        let mut index = start;
        while index != end {
            source.slot(index).with(|from| {
                self.slot(index).with_mut(|to| {
                    // SAFETY: both pointers are valid slots of distinct buffers; copying a
                    // `MaybeUninit` is sound whatever its bits.
                    unsafe { core::ptr::copy_nonoverlapping(from, to, 1) }
                })
            });
            index = index.wrapping_add(1);
        }
    }
}

/// The slots of one [`Buffer`], by pointer: what the owner caches so that its `push` and `pop`
/// reach a slot with one load less than through the buffer.
///
/// Valid while its buffer is allocated; every method's contract includes that.
pub(crate) struct Slots<T> {
    base: *const UnsafeCell<MaybeUninit<T>>,
    mask: u32,
}

impl<T> Clone for Slots<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for Slots<T> {}

impl<T> Slots<T> {
    /// How many slots the ring has.
    #[inline]
    pub(crate) fn capacity(self) -> u32 {
        self.mask.wrapping_add(1)
    }

    /// # Safety
    /// The buffer these slots belong to is allocated.
    #[inline]
    unsafe fn slot<'a>(self, index: u32) -> &'a UnsafeCell<MaybeUninit<T>> {
        // SAFETY: `index & mask` is below the slot count, and the buffer is allocated (the
        // caller's contract); the pointer comes from the slice, so it covers every slot.
        unsafe { &*self.base.add((index & self.mask) as usize) }
    }

    /// Moves `item` into the slot of `index`, forgetting whatever bits were there.
    ///
    /// # Safety
    /// The buffer is allocated, and no other thread reads or writes the slot of `index` during
    /// the call.
    #[inline]
    pub(crate) unsafe fn write(self, index: u32, item: T) {
        // SAFETY: the buffer is allocated and the slot ours alone (the caller's contract).
        unsafe { self.slot(index) }.with_mut(|slot| unsafe { slot.write(MaybeUninit::new(item)) });
    }

    /// Moves the item out of the slot of `index`.
    ///
    /// # Safety
    /// The buffer is allocated; the slot holds an initialised item written before this call
    /// (happens-before); no thread writes the slot during the call; and the caller becomes the
    /// item's only owner (nobody else will read this item out of any buffer).
    #[inline]
    pub(crate) unsafe fn read(self, index: u32) -> T {
        // SAFETY: the buffer is allocated and the slot initialised and ours to move out of.
        unsafe { self.slot(index) }.with(|slot| unsafe { slot.read().assume_init() })
    }
}
