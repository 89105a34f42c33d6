//! The default and portable-atomic backends: selected as the features say, and they behave.
#![cfg(not(any(loom, shuttle, feature = "shuttle")))]

use filch_sync::atomic::{fence, AtomicU64, AtomicUsize, Ordering};
use filch_sync::cell::UnsafeCell;
use filch_sync::{thread, Arc, Backoff, CachePadded};

/// A cell the test shares between threads; whether the accesses race is what the test checks.
struct SharedCell<T>(UnsafeCell<T>);

// SAFETY: only for these tests, which order the accesses themselves (or check that a tool
// catches that they do not).
unsafe impl<T: Send> Sync for SharedCell<T> {}

#[test]
fn backend_follows_the_features() {
    let expected = if cfg!(feature = "portable-atomic") { "portable-atomic" } else { "native" };
    assert_eq!(filch_sync::BACKEND, expected);
    const { assert!(!filch_sync::MODEL_THREADS) };
}

#[test]
fn counter_on_real_threads_counts_every_increment() {
    const PER_THREAD: usize = if cfg!(miri) { 50 } else { 100_000 };
    let counter = Arc::new(CachePadded::new(AtomicUsize::new(0)));
    let threads: Vec<_> = (0..4)
        .map(|_| {
            let counter = Arc::clone(&counter);
            thread::spawn(move || {
                for _ in 0..PER_THREAD {
                    counter.fetch_add(1, Ordering::Relaxed);
                }
            })
        })
        .collect();
    for thread in threads {
        thread.join().unwrap();
    }
    assert_eq!(counter.load(Ordering::Relaxed), 4 * PER_THREAD);
}

#[test]
fn cell_handed_over_by_release_acquire_is_seen_whole() {
    let cell = Arc::new(SharedCell(UnsafeCell::new([0_u64; 4])));
    let ready = Arc::new(AtomicU64::new(0));
    let writer = {
        let (cell, ready) = (Arc::clone(&cell), Arc::clone(&ready));
        thread::spawn(move || {
            // SAFETY: the reader waits for `ready` before it touches the cell.
            cell.0.with_mut(|value| unsafe { *value = [1, 2, 3, 4] });
            ready.store(1, Ordering::Release);
        })
    };
    let backoff = Backoff::new();
    while ready.load(Ordering::Acquire) == 0 {
        backoff.snooze();
    }
    fence(Ordering::SeqCst);
    // SAFETY: the Acquire load saw the Release store that follows the write; no more writes come.
    assert_eq!(cell.0.with(|value| unsafe { *value }), [1, 2, 3, 4]);
    writer.join().unwrap();
    assert_eq!(Arc::try_unwrap(cell).ok().unwrap().0.into_inner(), [1, 2, 3, 4]);
}

#[test]
fn backoff_completes_after_snoozing_and_resets() {
    let backoff = Backoff::new();
    let mut snoozes = 0;
    while !backoff.is_completed() {
        backoff.snooze();
        snoozes += 1;
        assert!(snoozes < 100, "backoff never completed");
    }
    assert!(snoozes > 1, "backoff completed at once");
    backoff.reset();
    assert!(!backoff.is_completed());
    // Spinning alone never asks the caller to block.
    for _ in 0..100 {
        backoff.spin();
    }
    assert!(!backoff.is_completed());
}
