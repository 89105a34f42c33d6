//! The loom backend is live: a correct counter passes every interleaving, and loom catches both
//! a lost update and a data race on a cell when they go through the facade.
#![cfg(loom)]

use filch_sync::atomic::{AtomicUsize, Ordering};
use filch_sync::cell::UnsafeCell;
use filch_sync::{thread, Arc};

/// A cell the test shares between threads; whether the accesses race is what the test checks.
struct SharedCell<T>(UnsafeCell<T>);

// SAFETY: only for these tests, which order the accesses themselves (or check that a tool
// catches that they do not).
unsafe impl<T: Send> Sync for SharedCell<T> {}

#[test]
fn loom_backend_is_selected() {
    assert_eq!(filch_sync::BACKEND, "loom");
    const { assert!(filch_sync::MODEL_THREADS) };
}

/// Two threads add one each; `increment` is the only thing that differs between the tests.
fn two_thread_counter(increment: fn(&AtomicUsize)) {
    loom::model(move || {
        let counter = Arc::new(AtomicUsize::new(0));
        let other = {
            let counter = Arc::clone(&counter);
            thread::spawn(move || increment(&counter))
        };
        increment(&counter);
        other.join().unwrap();
        assert_eq!(counter.load(Ordering::Relaxed), 2, "lost update");
    });
}

#[test]
fn fetch_add_counter_never_loses_an_update() {
    two_thread_counter(|counter| {
        counter.fetch_add(1, Ordering::Relaxed);
    });
}

#[test]
#[should_panic(expected = "lost update")]
fn load_then_store_counter_loses_an_update() {
    two_thread_counter(|counter| {
        let seen = counter.load(Ordering::Relaxed);
        counter.store(seen + 1, Ordering::Relaxed);
    });
}

#[test]
#[should_panic(expected = "Causality violation")]
fn unsynchronised_cell_writes_are_a_data_race() {
    loom::model(|| {
        let cell = Arc::new(SharedCell(UnsafeCell::new(0_u32)));
        let other = {
            let cell = Arc::clone(&cell);
            // SAFETY: deliberately not: the two writes race, and loom must say so.
            thread::spawn(move || cell.0.with_mut(|value| unsafe { *value += 1 }))
        };
        // SAFETY: as above, deliberately racy.
        cell.0.with_mut(|value| unsafe { *value += 1 });
        other.join().unwrap();
    });
}

#[test]
fn cell_writes_ordered_by_release_acquire_are_not_a_race() {
    loom::model(|| {
        let cell = Arc::new(SharedCell(UnsafeCell::new(0_u32)));
        let ready = Arc::new(AtomicUsize::new(0));
        let writer = {
            let (cell, ready) = (Arc::clone(&cell), Arc::clone(&ready));
            thread::spawn(move || {
                // SAFETY: the reader touches the cell only after it sees `ready`, which we set
                // after this write.
                cell.0.with_mut(|value| unsafe { *value = 7 });
                ready.store(1, Ordering::Release);
            })
        };
        if ready.load(Ordering::Acquire) == 1 {
            // SAFETY: the Acquire load saw the writer's Release store, so its write is complete
            // and it never touches the cell again.
            assert_eq!(cell.0.with(|value| unsafe { *value }), 7);
        }
        writer.join().unwrap();
    });
}
