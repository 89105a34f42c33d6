//! When the unbounded deque frees a buffer it replaced: the one place that decides it.
//!
//! Thieves touch a buffer only inside a claim: they load the buffer pointer after their claim's
//! CAS and stop reading before their finish. At most one claim is open at a time (a thief claims
//! only from an idle `head`), and the owner learns whether one is open from the word its `resize`
//! reads from `head` after installing the new buffer and a `SeqCst` fence. So a
//! replaced buffer is freed at once when that word is idle, and otherwise kept until the owner
//! sees that claim end (DESIGN.md, "Reclamation"). No epochs, no pinning on the steal path, and
//! the same code runs under loom, shuttle, Miri and without `std`.

use alloc::vec::Vec;

use filch_sync::cell::UnsafeCell;

use crate::buffer::Buffer;
use crate::head::Head;

/// A replaced buffer some thief may still read, and the first index of the claim that was open
/// when it was replaced.
struct Retired<T> {
    buffer: *mut Buffer<T>,
    claim_start: u32,
}

/// The deque's replaced buffers that are not freed yet.
pub(crate) struct Reclaimer<T> {
    /// Only the owner touches it (in `resize`), and `Drop`.
    retired: UnsafeCell<Vec<Retired<T>>>,
    /// Under the model checkers: buffers already released, kept allocated until the deque drops,
    /// so that a thief wrongly reading one is a race the model reports, not a use after free.
    released: UnsafeCell<Vec<*mut Buffer<T>>>,
}

impl<T> Reclaimer<T> {
    pub(crate) fn new() -> Self {
        Reclaimer { retired: UnsafeCell::new(Vec::new()), released: UnsafeCell::new(Vec::new()) }
    }

    /// Takes `replaced`, the buffer `resize` just replaced, given `now`: the word the owner read
    /// from `head` after installing the new buffer and a `SeqCst` fence. Frees it if no claim is
    /// open in `now`, and frees every earlier buffer whose claim `now` shows ended.
    ///
    /// # Safety
    /// Called by the owner only, with `now` read by an Acquire load of `head` after a `SeqCst`
    /// fence that follows its store of the buffer that replaced `replaced`; each buffer is
    /// retired once.
    pub(crate) unsafe fn retire(&self, replaced: *mut Buffer<T>, now: Head) {
        // SAFETY: only the owner calls `retire`, and `Drop` has `&mut self`: the list has one user
        // at a time. Each `release` meets its contract as the comment before it says.
        self.retired.with_mut(|retired| unsafe {
            let retired = &mut *retired;
            let mut index = 0;
            while index < retired.len() {
                if claim_ended(retired[index].claim_start, now) {
                    // The claim open when this buffer was replaced has ended: its Release finish
                    // happens before our Acquire read of `now` (directly, or down the chain of
                    // claims and finishes since, each claim's CAS acquiring the word before it),
                    // so its reads of the buffer happen before this; later claims load a newer one.
                    self.release(retired.swap_remove(index).buffer);
                } else {
                    index += 1;
                }
            }
            if now.is_idle() {
                // No claim is open in the word we read: every claim before it has finished (its
                // Release finish happens before our Acquire read, as above), and every claim the
                // read misses loads the new buffer (the SeqCst argument in `resize`).
                self.release(replaced);
            } else {
                retired.push(Retired { buffer: replaced, claim_start: now.oldest() });
            }
        });
    }

    /// Frees `buffer` (under the model checkers: marks every slot written, and frees it with the
    /// deque, so that a thief's read after this point is a race the model reports).
    ///
    /// # Safety
    /// No thread reads `buffer` after this call, and every earlier read happens before it.
    unsafe fn release(&self, buffer: *mut Buffer<T>) {
        if filch_sync::MODEL_THREADS {
            // SAFETY: `buffer` is allocated until the deque drops; the caller's contract is what
            // the model checks against these writes.
            unsafe { (*buffer).touch_every_slot() };
            // SAFETY: only the owner releases, and `Drop` has `&mut self`.
            self.released.with_mut(|released| unsafe { (*released).push(buffer) });
        } else {
            // SAFETY: the caller's contract: nobody reads it any more; retired once, so freed once.
            unsafe { Buffer::free(buffer) };
        }
    }
}

/// True when the claim that began at `claim_start` (and was open when a buffer was replaced) has
/// ended by the time `head` holds `now`. While that claim is open no other claim can start, and
/// the owner's moves keep `oldest` where the claim put it; so a word that is idle, or whose open
/// claim starts elsewhere, comes after its end. (A later claim from the same index after an empty
/// one reads as still open: the buffer waits one more resize, which is safe.)
fn claim_ended(claim_start: u32, now: Head) -> bool {
    now.is_idle() || now.oldest() != claim_start
}

impl<T> Drop for Reclaimer<T> {
    fn drop(&mut self) {
        // SAFETY: `&mut self`: the last handle is gone, no thread can read any buffer, and each
        // buffer is in one list once.
        self.retired.with_mut(|retired| unsafe {
            for retired in (*retired).drain(..) {
                Buffer::free(retired.buffer);
            }
        });
        // SAFETY: as above.
        self.released.with_mut(|released| unsafe {
            for buffer in (*released).drain(..) {
                Buffer::free(buffer);
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_claim_ends_when_the_word_goes_idle_or_starts_elsewhere() {
        assert!(!claim_ended(5, Head { steal: 5, real: 6 }), "still open");
        assert!(!claim_ended(5, Head { steal: 5, real: 9 }), "the FIFO owner took behind it");
        assert!(!claim_ended(5, Head::tentative(5, 8)), "tentative, same start");
        assert!(claim_ended(5, Head::idle_at(6)), "finished");
        assert!(claim_ended(5, Head::idle_at(5)), "committed empty");
        assert!(claim_ended(5, Head { steal: 6, real: 7 }), "a later claim");
    }
}
