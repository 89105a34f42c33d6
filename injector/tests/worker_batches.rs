//! Batch steals into a `filch_deque::Worker` (feature `deque`).
#![cfg(feature = "deque")]

use filch_deque::Worker;
use filch_injector::{Injector, Steal, MAX_BATCH};

#[test]
fn steal_batch_moves_at_most_max_batch_in_fifo_order() {
    let injector = Injector::new();
    injector.push_batch(0..200);
    let worker = Worker::new_fifo();
    assert_eq!(injector.steal_batch(&worker), Steal::Success(()));
    assert!((1..=MAX_BATCH).contains(&worker.len()));
    let moved: Vec<i32> = std::iter::from_fn(|| worker.pop()).collect();
    assert_eq!(moved, (0..moved.len() as i32).collect::<Vec<_>>());
    assert_eq!(injector.len(), 200 - moved.len());
}

#[test]
fn steal_batch_and_pop_returns_the_oldest_and_crosses_blocks() {
    let injector = Injector::new();
    injector.push_batch(0..200);
    for i in 0..60 {
        assert_eq!(injector.steal(), Steal::Success(i));
    }
    let worker = Worker::new_fifo();
    // The head is 3 slots before the end of the first block; a batch of 10 goes on into the next.
    assert_eq!(injector.steal_batch_with_limit_and_pop(&worker, 10), Steal::Success(60));
    let moved: Vec<i32> = std::iter::from_fn(|| worker.pop()).collect();
    assert_eq!(moved, (61..70).collect::<Vec<_>>());
    assert_eq!(injector.steal(), Steal::Success(70));
}

#[test]
fn empty_injector_moves_nothing() {
    let injector = Injector::<u8>::new();
    let worker = Worker::new_lifo();
    assert_eq!(injector.steal_batch(&worker), Steal::Empty);
    assert_eq!(injector.steal_batch_and_pop(&worker), Steal::Empty);
    assert!(worker.is_empty());
}

#[test]
#[should_panic(expected = "filch-injector: steal_batch_with_limit: limit must be at least 1")]
fn zero_limit_panics() {
    let _ = Injector::<u8>::new().steal_batch_with_limit(&Worker::new_fifo(), 0);
}

#[test]
#[should_panic(expected = "filch-injector: steal_batch_with_limit_and_pop: limit must be at least 1")]
fn zero_limit_and_pop_panics() {
    let _ = Injector::<u8>::new().steal_batch_with_limit_and_pop(&Worker::new_fifo(), 0);
}
