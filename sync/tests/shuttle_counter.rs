//! The shuttle backend is live: a correct counter passes random and PCT schedules, and shuttle
//! finds the lost update of a racy one when it goes through the facade.
#![cfg(any(shuttle, feature = "shuttle"))]

use filch_sync::atomic::{AtomicUsize, Ordering};
use filch_sync::{thread, Arc};

const ITERATIONS: usize = 1_000;

#[test]
fn shuttle_backend_is_selected() {
    assert_eq!(filch_sync::BACKEND, "shuttle");
    const { assert!(filch_sync::MODEL_THREADS) };
}

/// Four threads add one each; `increment` is the only thing that differs between the tests.
fn four_thread_counter(increment: fn(&AtomicUsize)) -> impl Fn() + Send + Sync + 'static {
    move || {
        let counter = Arc::new(AtomicUsize::new(0));
        let others: Vec<_> = (0..3)
            .map(|_| {
                let counter = Arc::clone(&counter);
                thread::spawn(move || increment(&counter))
            })
            .collect();
        increment(&counter);
        for other in others {
            other.join().unwrap();
        }
        assert_eq!(counter.load(Ordering::Relaxed), 4, "lost update");
    }
}

fn fetch_add(counter: &AtomicUsize) {
    counter.fetch_add(1, Ordering::Relaxed);
}

fn load_then_store(counter: &AtomicUsize) {
    let seen = counter.load(Ordering::Relaxed);
    counter.store(seen + 1, Ordering::Relaxed);
}

#[test]
fn fetch_add_counter_never_loses_an_update_random() {
    shuttle::check_random(four_thread_counter(fetch_add), ITERATIONS);
}

#[test]
fn fetch_add_counter_never_loses_an_update_pct() {
    shuttle::check_pct(four_thread_counter(fetch_add), ITERATIONS, 3);
}

#[test]
#[should_panic(expected = "lost update")]
fn load_then_store_counter_loses_an_update_random() {
    shuttle::check_random(four_thread_counter(load_then_store), ITERATIONS);
}

#[test]
#[should_panic(expected = "lost update")]
fn load_then_store_counter_loses_an_update_pct() {
    shuttle::check_pct(four_thread_counter(load_then_store), ITERATIONS, 3);
}
