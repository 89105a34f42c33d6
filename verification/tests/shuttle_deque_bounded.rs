//! shuttle runs of `filch_deque::bounded`: an owner pushing and popping against 4 to 8 thieves
//! that follow long random scripts of steals and batch steals (into their own bounded deques),
//! under the random and PCT schedulers. Every pushed item is taken exactly once.
#![cfg(feature = "shuttle")]

use filch_deque::bounded::{Stealer, Worker};
use filch_deque::Steal;
use filch_sync::{thread, Arc};
use filch_verification::budget;
use filch_verification::ledger::Ledger;
use shuttle::rand::{thread_rng, Rng};

const CAPACITY: usize = 8;

fn worker(lifo: bool, capacity: usize) -> Worker<usize> {
    if lifo {
        Worker::new_lifo(capacity)
    } else {
        Worker::new_fifo(capacity)
    }
}

/// Records what one steal call handed back.
fn record(stolen: Steal<usize>, ledger: &Ledger) {
    if let Steal::Success(item) = stolen {
        ledger.record(item);
    }
}

/// A thief: `steps` random operations on `stealer` and its own deque, then it drains its own.
fn thief(stealer: Stealer<usize>, ledger: Arc<Ledger>, steps: usize) {
    let mut rng = thread_rng();
    let mine = worker(rng.gen(), 4);
    for _ in 0..steps {
        match rng.gen_range(0..6) {
            0 => record(stealer.steal(), &ledger),
            1 => {
                let _ = stealer.steal_batch(&mine);
            }
            2 => record(stealer.steal_batch_and_pop(&mine), &ledger),
            3 => {
                let _ = stealer.steal_batch_with_limit(&mine, rng.gen_range(1..4));
            }
            4 => record(stealer.steal_batch_with_limit_and_pop(&mine, rng.gen_range(1..4)), &ledger),
            _ => {
                if let Some(item) = mine.pop() {
                    ledger.record(item);
                }
            }
        }
    }
    while let Some(item) = mine.pop() {
        ledger.record(item);
    }
}

/// The owner pushes `items` with random pops in between (and pops when full), thieves run their
/// scripts, then the owner drains what is left; the ledger must hold every item once.
fn scenario(lifo: bool, thieves: usize, items: usize, steps: usize) -> impl Fn() + Send + Sync + 'static {
    move || {
        let ledger = Arc::new(Ledger::new(items));
        let owner = worker(lifo, CAPACITY);
        let handles: Vec<_> = (0..thieves)
            .map(|_| {
                let (stealer, ledger) = (owner.stealer(), Arc::clone(&ledger));
                thread::spawn(move || thief(stealer, ledger, steps))
            })
            .collect();
        let mut rng = thread_rng();
        for item in 0..items {
            let mut item = item;
            while let Err(refused) = owner.push(item) {
                item = refused;
                match owner.pop() {
                    Some(popped) => ledger.record(popped),
                    // Full, yet nothing to pop: a thief is still copying its claim out.
                    None => thread::yield_now(),
                }
            }
            if rng.gen_range(0..4) == 0 {
                if let Some(popped) = owner.pop() {
                    ledger.record(popped);
                }
            }
        }
        for handle in handles {
            handle.join().unwrap();
        }
        while let Some(item) = owner.pop() {
            ledger.record(item);
        }
        ledger.assert_each_recorded_once();
    }
}

fn iterations() -> usize {
    budget::pick(1, 10_000, 100_000)
}

#[test]
fn lifo_four_thieves_random() {
    shuttle::check_random(scenario(true, 4, 48, 40), iterations());
}

#[test]
fn fifo_four_thieves_random() {
    shuttle::check_random(scenario(false, 4, 48, 40), iterations());
}

#[test]
fn lifo_eight_thieves_random() {
    shuttle::check_random(scenario(true, 8, 64, 24), iterations());
}

#[test]
fn fifo_eight_thieves_random() {
    shuttle::check_random(scenario(false, 8, 64, 24), iterations());
}

#[test]
fn lifo_four_thieves_pct() {
    shuttle::check_pct(scenario(true, 4, 48, 40), iterations(), 3);
}

#[test]
fn fifo_four_thieves_pct() {
    shuttle::check_pct(scenario(false, 4, 48, 40), iterations(), 3);
}

#[test]
fn lifo_eight_thieves_pct() {
    shuttle::check_pct(scenario(true, 8, 64, 24), iterations(), 3);
}

#[test]
fn fifo_eight_thieves_pct() {
    shuttle::check_pct(scenario(false, 8, 64, 24), iterations(), 3);
}
