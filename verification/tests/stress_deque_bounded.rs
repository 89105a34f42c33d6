//! Stress runs of `filch_deque::bounded` on real threads (and under ThreadSanitizer in the tsan
//! tier): an owner racing three thieves takes each item exactly once, and items left behind when
//! the owner walks away are dropped exactly once by the last handle.
#![cfg(not(any(loom, feature = "shuttle")))]

use filch_deque::bounded::{Stealer, Worker};
use filch_sync::atomic::{AtomicBool, Ordering};
use filch_sync::{thread, Arc};
use filch_verification::budget;
use filch_verification::ledger::{Ledger, Tracked};

fn worker<T>(lifo: bool, capacity: usize) -> Worker<T> {
    if lifo {
        Worker::new_lifo(capacity)
    } else {
        Worker::new_fifo(capacity)
    }
}

/// Steals in a style picked by `id` until `done` is set and the deque looks empty.
fn thief(stealer: Stealer<usize>, ledger: Arc<Ledger>, done: Arc<AtomicBool>, id: usize) {
    let mine = worker(id % 2 == 0, 32);
    let mut round = 0_usize;
    // Acquire: pairs with the owner's Release store of `done` after its last push.
    while !done.load(Ordering::Acquire) || !stealer.is_empty() {
        round += 1;
        // What the call handed back; a batch leaves the rest in `mine`.
        let handed_back = match (id + round) % 4 {
            0 => stealer.steal().success(),
            1 => stealer.steal_batch_and_pop(&mine).success(),
            2 => stealer.steal_batch_with_limit_and_pop(&mine, 1 + round % 7).success(),
            _ => {
                let _moved_into_mine = stealer.steal_batch(&mine);
                None
            }
        };
        if let Some(item) = handed_back {
            ledger.record(item);
        }
        while let Some(item) = mine.pop() {
            ledger.record(item);
        }
    }
}

fn owner_vs_three_thieves(lifo: bool) {
    let items = budget::pick(200, 1_000_000, 10_000_000);
    let ledger = Arc::new(Ledger::new(items));
    let done = Arc::new(AtomicBool::new(false));
    let owner = worker(lifo, 64);
    let thieves: Vec<_> = (0..3)
        .map(|id| {
            let (stealer, ledger, done) = (owner.stealer(), Arc::clone(&ledger), Arc::clone(&done));
            thread::spawn(move || thief(stealer, ledger, done, id))
        })
        .collect();
    for item in 0..items {
        let mut item = item;
        while let Err(refused) = owner.push(item) {
            item = refused;
            match owner.pop() {
                Some(popped) => ledger.record(popped),
                None => thread::yield_now(),
            }
        }
        if item % 5 == 0 {
            if let Some(popped) = owner.pop() {
                ledger.record(popped);
            }
        }
    }
    // Release: pairs with the thieves' Acquire load; they stop once they also see it empty.
    done.store(true, Ordering::Release);
    while let Some(item) = owner.pop() {
        ledger.record(item);
    }
    for handle in thieves {
        handle.join().unwrap();
    }
    ledger.assert_each_recorded_once();
}

#[test]
fn lifo_owner_vs_three_thieves_takes_each_item_once() {
    owner_vs_three_thieves(true);
}

#[test]
fn fifo_owner_vs_three_thieves_takes_each_item_once() {
    owner_vs_three_thieves(false);
}

/// The owner pushes, then drops its `Worker` while two thieves are mid-run; whatever the thieves
/// did not take is dropped by the last `Stealer`. Every item is dropped exactly once.
fn owner_leaves_while_thieves_steal(lifo: bool) {
    let rounds = budget::pick(3, 2_000, 20_000);
    for _ in 0..rounds {
        let drops = Arc::new(Ledger::new(48));
        let owner = worker(lifo, 64);
        for id in 0..48 {
            assert!(owner.push(Tracked::new(id, &drops)).is_ok());
        }
        let thieves: Vec<_> = (0..2)
            .map(|_| {
                let stealer = owner.stealer();
                thread::spawn(move || {
                    let mine = Worker::new_lifo(8);
                    for _ in 0..4 {
                        drop(stealer.steal_batch_and_pop(&mine));
                        while let Some(item) = mine.pop() {
                            drop(item);
                        }
                    }
                })
            })
            .collect();
        drop(owner.pop());
        drop(owner);
        for handle in thieves {
            handle.join().unwrap();
        }
        drops.assert_each_recorded_once();
    }
}

#[test]
fn lifo_items_left_behind_are_dropped_once() {
    owner_leaves_while_thieves_steal(true);
}

#[test]
fn fifo_items_left_behind_are_dropped_once() {
    owner_leaves_while_thieves_steal(false);
}
