//! Stress of the unbounded `filch_deque::Worker` on real threads (run under ThreadSanitizer by the
//! tsan tier): an owner pushing, popping and resizing against thieves using every steal call, with
//! every item taken once; and tracked items dropped once when the worker goes first.
#![cfg(not(any(loom, feature = "shuttle")))]

use filch_deque::{Flavor, Steal, Stealer, Worker};
use filch_sync::atomic::{AtomicBool, Ordering};
use filch_sync::{thread, Arc};
use filch_verification::budget;
use filch_verification::ledger::{Ledger, Tracked};

const FLAVORS: [Flavor; 3] = [Flavor::Lifo, Flavor::Fifo, Flavor::LifoFenceFree];

fn thief(stealer: Stealer<usize>, taken: Arc<Ledger>, done: Arc<AtomicBool>, style: usize) {
    let mine = Worker::with_capacity(if style % 2 == 0 { Flavor::Lifo } else { Flavor::Fifo }, 2);
    let mut round = 0usize;
    loop {
        // Acquire: pairs with the owner's Release store after its last push, so an Empty seen
        // afterwards means the deque really is drained.
        let finished = done.load(Ordering::Acquire);
        let got = match (style + round) % 4 {
            0 => stealer.steal(),
            1 => stealer.steal_batch_and_pop(&mine),
            2 => stealer.steal_batch_with_limit_and_pop(&mine, 3),
            _ => stealer.steal_batch(&mine).map_or_retry(),
        };
        round += 1;
        match got {
            Steal::Success(item) => taken.record(item),
            Steal::Empty if finished => break,
            Steal::Empty | Steal::Retry => thread::yield_now(),
        }
        while let Some(item) = mine.pop() {
            taken.record(item);
        }
    }
    while let Some(item) = mine.pop() {
        taken.record(item);
    }
}

/// `Steal<()>` as a `Steal<usize>` with nothing handed over: `Success` becomes `Retry` so that the
/// loop goes round again (the items are in the thief's own deque).
trait MapOrRetry {
    fn map_or_retry(self) -> Steal<usize>;
}

impl MapOrRetry for Steal<()> {
    fn map_or_retry(self) -> Steal<usize> {
        match self {
            Steal::Empty => Steal::Empty,
            Steal::Success(()) | Steal::Retry => Steal::Retry,
        }
    }
}

#[test]
fn owner_and_thieves_take_every_item_once() {
    let items = budget::pick(200, 100_000, 2_000_000);
    for flavor in FLAVORS {
        let taken = Arc::new(Ledger::new(items));
        let done = Arc::new(AtomicBool::new(false));
        let owner = Worker::with_capacity(flavor, 2);
        let handles: Vec<_> = (0..3)
            .map(|style| {
                let (stealer, taken, done) = (owner.stealer(), Arc::clone(&taken), Arc::clone(&done));
                thread::spawn(move || thief(stealer, taken, done, style))
            })
            .collect();
        for item in 0..items {
            owner.push(item);
            // Bursts of pushes then pops, so the buffer keeps growing and shrinking.
            if (item / 64) % 3 == 2 {
                if let Some(popped) = owner.pop() {
                    taken.record(popped);
                }
            }
            if item % 4096 == 0 {
                owner.shrink_to_fit();
            }
        }
        // Release: pairs with the thieves' Acquire load of `done`.
        done.store(true, Ordering::Release);
        while let Some(item) = owner.pop() {
            taken.record(item);
        }
        for handle in handles {
            handle.join().unwrap();
        }
        taken.assert_each_recorded_once();
    }
}

#[test]
fn items_left_behind_are_dropped_once_after_the_worker_goes() {
    let items = budget::pick(100, 20_000, 200_000);
    for flavor in FLAVORS {
        let drops = Arc::new(Ledger::new(items));
        let owner = Worker::with_capacity(flavor, 2);
        for id in 0..items {
            owner.push(Tracked::new(id, &drops));
        }
        let thieves: Vec<_> = (0..2)
            .map(|_| {
                let stealer = owner.stealer();
                thread::spawn(move || {
                    let mine = Worker::with_capacity(Flavor::Fifo, 2);
                    for _ in 0..items / 8 {
                        drop(stealer.steal_batch_and_pop(&mine));
                    }
                })
            })
            .collect();
        for _ in 0..items / 4 {
            drop(owner.pop());
        }
        drop(owner);
        for handle in thieves {
            handle.join().unwrap();
        }
        drops.assert_each_recorded_once();
    }
}
