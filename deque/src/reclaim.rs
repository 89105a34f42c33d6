//! Where the unbounded deque's retired buffers go: the one place that decides reclamation.
//!
//! - Production with `std`: crossbeam-epoch's global collector. Thieves pin before loading the
//!   buffer pointer; the owner defers freeing a replaced buffer until every thread pinned at the
//!   time has unpinned.
//! - loom, shuttle, and builds without `std`: the deque keeps its retired buffers in a list and
//!   frees them when the last handle is dropped. Model threads all run on one OS thread, so
//!   crossbeam-epoch's thread-local handles would be shared between them and its collector is
//!   invisible to the model; the list is exact and the model sees every access. Without `std`
//!   there is no global collector, so the deque does not shrink on its own (see
//!   [`SHRINKS_AUTOMATICALLY`]) and retired memory stays below twice the peak capacity plus what
//!   explicit [`shrink_to_fit`](crate::Worker::shrink_to_fit) calls retire.
//! - Miri: the list too. crossbeam-epoch 0.9's own intrusive list fails Stacked Borrows
//!   (`internal.rs`, `element_of`), which would stop Miri before it reaches our code; the list
//!   lets Miri check every access the deque makes.

use alloc::vec::Vec;

use filch_sync::cell::UnsafeCell;

use crate::buffer::Buffer;

/// True when this build frees retired buffers through crossbeam-epoch.
#[cfg(feature = "std")]
const EPOCH: bool =
    cfg!(all(feature = "std", not(loom), not(shuttle), not(miri))) && !filch_sync::MODEL_THREADS;

/// Whether `pop` shrinks a mostly empty buffer by itself: everywhere a retired buffer is freed
/// before the deque is dropped, and under the models (whose list is freed with the deque), so that
/// they check shrinking.
pub(crate) const SHRINKS_AUTOMATICALLY: bool = cfg!(feature = "std");

/// A retired buffer of at least this many bytes is pushed to the global collector at once.
#[cfg(feature = "std")]
const FLUSH_BYTES: usize = 1 << 10;

/// Keeps a thief's buffer alive from its load of the buffer pointer until it drops the guard.
pub(crate) struct Guard {
    #[cfg(feature = "std")]
    _epoch: Option<crossbeam_epoch::Guard>,
}

/// The deque's reclamation state.
pub(crate) struct Reclaimer<T> {
    /// Buffers retired but not freed (list mode). Only the owner touches it, and `Drop`.
    retired: UnsafeCell<Vec<*mut Buffer<T>>>,
}

/// A replaced buffer on its way to crossbeam-epoch's collector.
#[cfg(feature = "std")]
struct Retired<T>(*mut Buffer<T>);

// SAFETY: the collector frees the buffer's memory on some thread; a buffer holds no live items (the
// deque moved them to the new buffer), so freeing it touches no `T`.
#[cfg(feature = "std")]
unsafe impl<T> Send for Retired<T> {}

impl<T> Reclaimer<T> {
    pub(crate) fn new() -> Self {
        Reclaimer { retired: UnsafeCell::new(Vec::new()) }
    }

    /// Pins the calling thread; buffers loaded while the guard lives stay allocated.
    #[inline]
    pub(crate) fn pin(&self) -> Guard {
        Guard {
            #[cfg(feature = "std")]
            _epoch: if EPOCH { Some(crossbeam_epoch::pin()) } else { None },
        }
    }

    /// Frees `buffer` once no thief can still be reading it.
    ///
    /// # Safety
    /// Called by the owner only (never concurrently with itself), after `buffer` was replaced in
    /// the deque's buffer pointer, so no thief pinned later can load it; `buffer` is retired once.
    pub(crate) unsafe fn retire(&self, buffer: *mut Buffer<T>) {
        #[cfg(feature = "std")]
        if EPOCH {
            // SAFETY: the owner retires a buffer it just replaced, so it is still allocated.
            let bytes = unsafe { (*buffer).slots().capacity() } as usize * core::mem::size_of::<T>();
            let retired = Retired(buffer);
            let guard = crossbeam_epoch::pin();
            // SAFETY: threads pinned now may hold `buffer`; the closure runs after all of them
            // unpinned, and later pins cannot load it (it was replaced before this call).
            unsafe {
                guard.defer_unchecked(move || {
                    let retired = retired;
                    // SAFETY: retired once, and every reader has unpinned.
                    Buffer::free(retired.0)
                })
            };
            if bytes >= FLUSH_BYTES {
                // Hand the thread-local garbage to the global queue and try to collect now: a large
                // buffer left in the local bag keeps its memory until 64 more defers fill the bag,
                // and a burst that grows then shrinks would fault in fresh pages for every buffer.
                guard.flush();
            }
            return;
        }
        // SAFETY: only the owner calls `retire` and `Drop` has `&mut self`, so the list has one
        // user at a time.
        self.retired.with_mut(|retired| unsafe { (*retired).push(buffer) });
    }
}

impl<T> Drop for Reclaimer<T> {
    fn drop(&mut self) {
        // SAFETY: `&mut self`: the last handle is gone, nobody else can touch the list or the
        // buffers in it, and each was retired (so pushed) once.
        self.retired.with_mut(|retired| unsafe {
            for buffer in (*retired).drain(..) {
                Buffer::free(buffer);
            }
        });
    }
}
