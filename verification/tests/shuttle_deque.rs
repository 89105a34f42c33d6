//! shuttle runs of the unbounded `filch_deque::Worker`: an owner pushing and popping (through
//! growth and shrinking, from capacity 2) against 4 to 8 thieves that follow long random scripts of
//! steals and batch steals, under the random and PCT schedulers. Every pushed item is taken exactly
//! once; in the drop scenario, the items nobody took are dropped exactly once by the last handle.
#![cfg(feature = "shuttle")]

use filch_deque::{Flavor, Steal, Stealer, Worker};
use filch_sync::{thread, Arc};
use filch_verification::budget;
use filch_verification::ledger::{Ledger, Tracked};
use shuttle::rand::{thread_rng, Rng};

/// Something a thief can hand to the ledger: the item id.
trait Item: Send + 'static {
    fn id(&self) -> usize;
}

impl Item for usize {
    fn id(&self) -> usize {
        *self
    }
}

impl Item for Tracked {
    fn id(&self) -> usize {
        Tracked::id(self)
    }
}

/// Records a taken item (a `Tracked` one also records its drop, in the other ledger).
fn take<T: Item>(item: T, taken: &Ledger) {
    taken.record(item.id());
}

fn take_stolen<T: Item>(stolen: Steal<T>, taken: &Ledger) {
    if let Steal::Success(item) = stolen {
        take(item, taken);
    }
}

/// A thief: `steps` random operations on `stealer` and on its own deque, then it drains its own.
fn thief<T: Item>(stealer: Stealer<T>, taken: Arc<Ledger>, steps: usize) {
    let mut rng = thread_rng();
    let flavor = if rng.gen() { Flavor::Lifo } else { Flavor::Fifo };
    let mine = Worker::with_capacity(flavor, 2);
    for _ in 0..steps {
        match rng.gen_range(0..6) {
            0 | 1 => take_stolen(stealer.steal(), &taken),
            2 => {
                let _ = stealer.steal_batch(&mine);
            }
            3 => take_stolen(stealer.steal_batch_with_limit_and_pop(&mine, rng.gen_range(1..5)), &taken),
            4 => {
                let _ = stealer.steal_batch_with_limit(&mine, rng.gen_range(1..5));
            }
            _ => {
                if let Some(item) = mine.pop() {
                    take(item, &taken);
                }
            }
        }
    }
    while let Some(item) = mine.pop() {
        take(item, &taken);
    }
}

/// The owner pushes `items` with random pops in between, thieves run their scripts, then the owner
/// drains the rest; every item must be taken once.
fn conservation(flavor: Flavor, thieves: usize, items: usize, steps: usize) -> impl Fn() + Send + Sync {
    move || {
        let taken = Arc::new(Ledger::new(items));
        let owner = Worker::with_capacity(flavor, 2);
        let handles: Vec<_> = (0..thieves)
            .map(|_| {
                let (stealer, taken) = (owner.stealer(), Arc::clone(&taken));
                thread::spawn(move || thief(stealer, taken, steps))
            })
            .collect();
        let mut rng = thread_rng();
        for item in 0..items {
            owner.push(item);
            if rng.gen_range(0..3) == 0 {
                if let Some(popped) = owner.pop() {
                    taken.record(popped);
                }
            }
        }
        for handle in handles {
            handle.join().unwrap();
        }
        while let Some(item) = owner.pop() {
            taken.record(item);
        }
        taken.assert_each_recorded_once();
    }
}

/// The owner pushes tracked items and drops its `Worker` while thieves still steal; whatever is
/// left goes with the last `Stealer`. Each item is dropped exactly once.
fn drops_with_live_stealers(flavor: Flavor, thieves: usize, items: usize) -> impl Fn() + Send + Sync {
    move || {
        let drops = Arc::new(Ledger::new(items));
        // Taking is recorded in a ledger of its own; the drop ledger is the one checked.
        let taken = Arc::new(Ledger::new(items));
        let owner = Worker::with_capacity(flavor, 2);
        for id in 0..items {
            owner.push(Tracked::new(id, &drops));
        }
        let handles: Vec<_> = (0..thieves)
            .map(|_| {
                let (stealer, taken) = (owner.stealer(), Arc::clone(&taken));
                thread::spawn(move || thief(stealer, taken, 3))
            })
            .collect();
        drop(owner.pop());
        drop(owner);
        for handle in handles {
            handle.join().unwrap();
        }
        drops.assert_each_recorded_once();
    }
}

fn iterations() -> usize {
    budget::pick(1, 4_000, 40_000)
}

#[test]
fn lifo_four_thieves_random() {
    shuttle::check_random(conservation(Flavor::Lifo, 4, 40, 30), iterations());
}

#[test]
fn fifo_four_thieves_random() {
    shuttle::check_random(conservation(Flavor::Fifo, 4, 40, 30), iterations());
}

#[test]
fn fence_free_eight_thieves_random() {
    shuttle::check_random(conservation(Flavor::LifoFenceFree, 8, 48, 20), iterations());
}

#[test]
fn lifo_eight_thieves_pct() {
    shuttle::check_pct(conservation(Flavor::Lifo, 8, 48, 20), iterations(), 3);
}

#[test]
fn fifo_eight_thieves_pct() {
    shuttle::check_pct(conservation(Flavor::Fifo, 8, 48, 20), iterations(), 3);
}

#[test]
fn fence_free_four_thieves_pct() {
    shuttle::check_pct(conservation(Flavor::LifoFenceFree, 4, 40, 30), iterations(), 3);
}

#[test]
fn worker_dropped_while_stealers_live_drops_each_item_once() {
    assert_eq!(filch_sync::BACKEND, "shuttle", "the facade must run on shuttle here");
    shuttle::check_random(drops_with_live_stealers(Flavor::Lifo, 4, 24), iterations());
    shuttle::check_pct(drops_with_live_stealers(Flavor::Fifo, 4, 24), iterations(), 3);
}
