//! loom models of `filch_deque::bounded`: every interleaving (up to the preemption bound) of the
//! owner against one or two thieves takes each item exactly once, and no slot access races (slots
//! are loom cells). The ring's counters start just below the wrap point, so every model here
//! crosses it; `wrap_at_capacity_4_*` also reuses every slot while a thief copies.
#![cfg(loom)]

use filch_deque::bounded::{Stealer, Worker};
use filch_sync::thread;

#[derive(Clone, Copy, Debug)]
enum Flavor {
    Lifo,
    Fifo,
}

fn worker(flavor: Flavor, capacity: usize) -> Worker<u32> {
    match flavor {
        Flavor::Lifo => Worker::new_lifo(capacity),
        Flavor::Fifo => Worker::new_fifo(capacity),
    }
}

/// One steal attempt: the item handed back, if any (a batch also leaves items in `mine`).
type StealOnce = fn(&Stealer<u32>, &Worker<u32>) -> Option<u32>;

fn assert_each_once(mut taken: Vec<u32>, items: u32) {
    taken.sort_unstable();
    assert_eq!(taken, (0..items).collect::<Vec<_>>(), "an item was lost or taken twice");
}

/// A thief that steals once and returns everything it got.
fn spawn_thief(stealer: Stealer<u32>, steal: StealOnce) -> thread::JoinHandle<Vec<u32>> {
    thread::spawn(move || {
        let mine = Worker::new_fifo(4);
        let mut got: Vec<u32> = steal(&stealer, &mine).into_iter().collect();
        got.extend(std::iter::from_fn(|| mine.pop()));
        got
    })
}

fn single(stealer: &Stealer<u32>, _: &Worker<u32>) -> Option<u32> {
    stealer.steal().success()
}

fn batch_and_pop(stealer: &Stealer<u32>, mine: &Worker<u32>) -> Option<u32> {
    stealer.steal_batch_and_pop(mine).success()
}

fn batch(stealer: &Stealer<u32>, mine: &Worker<u32>) -> Option<u32> {
    // Whatever the result, the items (if any) are in `mine`.
    let _ = stealer.steal_batch(mine);
    None
}

/// The owner pushes `items`, the thief steals once, then the owner pops everything left.
fn owner_vs_thief(flavor: Flavor, items: u32, steal: StealOnce) {
    loom::model(move || {
        let owner = worker(flavor, 4);
        for item in 0..items {
            owner.push(item).unwrap();
        }
        let thief = spawn_thief(owner.stealer(), steal);
        let mut taken: Vec<u32> = std::iter::from_fn(|| owner.pop()).collect();
        taken.extend(thief.join().unwrap());
        assert_each_once(taken, items);
    });
}

#[test]
fn lifo_pop_last_vs_steal() {
    owner_vs_thief(Flavor::Lifo, 1, single);
}

#[test]
fn fifo_pop_last_vs_steal() {
    owner_vs_thief(Flavor::Fifo, 1, single);
}

#[test]
fn lifo_pops_vs_batch_steal_of_several() {
    owner_vs_thief(Flavor::Lifo, 3, batch_and_pop);
}

#[test]
fn fifo_pops_vs_batch_steal_of_several() {
    owner_vs_thief(Flavor::Fifo, 3, batch_and_pop);
}

#[test]
fn lifo_pops_vs_batch_into_worker() {
    owner_vs_thief(Flavor::Lifo, 2, batch);
}

/// The owner pushes while a thief steals, then pops; the thief's steal may meet 0, 1 or 2 items.
fn push_pop_vs_thieves(flavor: Flavor, thieves: usize) {
    loom::model(move || {
        let owner = worker(flavor, 4);
        let handles: Vec<_> = (0..thieves).map(|_| spawn_thief(owner.stealer(), single)).collect();
        owner.push(0).unwrap();
        owner.push(1).unwrap();
        let mut taken: Vec<u32> = owner.pop().into_iter().collect();
        for handle in handles {
            taken.extend(handle.join().unwrap());
        }
        taken.extend(std::iter::from_fn(|| owner.pop()));
        assert_each_once(taken, 2);
    });
}

#[test]
fn lifo_push_pop_vs_one_thief() {
    push_pop_vs_thieves(Flavor::Lifo, 1);
}

#[test]
fn fifo_push_pop_vs_one_thief() {
    push_pop_vs_thieves(Flavor::Fifo, 1);
}

#[test]
fn lifo_push_pop_vs_two_thieves() {
    push_pop_vs_thieves(Flavor::Lifo, 2);
}

#[test]
fn fifo_push_pop_vs_two_thieves() {
    push_pop_vs_thieves(Flavor::Fifo, 2);
}

/// Two thieves batch-steal (one claim open at a time) while the owner pops: each item once.
fn pops_vs_two_batch_thieves(flavor: Flavor) {
    loom::model(move || {
        let owner = worker(flavor, 4);
        for item in 0..4 {
            owner.push(item).unwrap();
        }
        let thieves: Vec<_> = (0..2).map(|_| spawn_thief(owner.stealer(), batch_and_pop)).collect();
        let mut taken: Vec<u32> = owner.pop().into_iter().collect();
        for thief in thieves {
            taken.extend(thief.join().unwrap());
        }
        taken.extend(std::iter::from_fn(|| owner.pop()));
        assert_each_once(taken, 4);
    });
}

#[test]
fn lifo_pop_vs_two_batch_thieves() {
    pops_vs_two_batch_thieves(Flavor::Lifo);
}

#[test]
fn fifo_pop_vs_two_batch_thieves() {
    pops_vs_two_batch_thieves(Flavor::Fifo);
}

/// Capacity 4, full: a thief batch-steals the oldest half while the owner waits to push two more
/// items, which land in exactly the slots the thief is copying out (positions `+4`, `+5` share
/// slots with `+0`, `+1`, across the index wrap): an overwrite before the thief's release is a
/// loom-detected race. The owner spins with `yield_now`, so loom runs the thief in between.
fn wrap_at_capacity_4(flavor: Flavor) {
    loom::model(move || {
        let owner = worker(flavor, 4);
        for item in 0..4 {
            owner.push(item).unwrap();
        }
        let thief = spawn_thief(owner.stealer(), batch_and_pop);
        for item in 4..6 {
            let mut item = item;
            while let Err(refused) = owner.push(item) {
                item = refused;
                thread::yield_now();
            }
        }
        let mut taken = thief.join().unwrap();
        taken.extend(std::iter::from_fn(|| owner.pop()));
        assert_each_once(taken, 6);
    });
}

#[test]
fn wrap_at_capacity_4_lifo() {
    wrap_at_capacity_4(Flavor::Lifo);
}

#[test]
fn wrap_at_capacity_4_fifo() {
    wrap_at_capacity_4(Flavor::Fifo);
}

/// Capacity 2, full: two thieves steal one item each, one after the other (one claim open at a
/// time), while the owner waits to push into both freed slots. The owner acquires only the second
/// thief's release; the first thief's read must still happen before the owner's overwrite.
fn two_thieves_then_refill(flavor: Flavor) {
    use filch_sync::atomic::{AtomicUsize, Ordering};
    use filch_sync::Arc;

    loom::model(move || {
        let owner = worker(flavor, 2);
        owner.push(0).unwrap();
        owner.push(1).unwrap();
        let finished = Arc::new(AtomicUsize::new(0));
        let thieves: Vec<_> = (0..2)
            .map(|_| {
                let (stealer, finished) = (owner.stealer(), Arc::clone(&finished));
                thread::spawn(move || {
                    let stolen = stealer.steal().success();
                    // Relaxed: only ends the owner's wait; the join orders everything after it.
                    finished.fetch_add(1, Ordering::Relaxed);
                    stolen
                })
            })
            .collect();
        let mut next = 2;
        while next < 4 {
            match owner.push(next) {
                Ok(_) => next += 1,
                // Full: wait while a thief may still free a slot.
                Err(_) if finished.load(Ordering::Relaxed) < 2 => thread::yield_now(),
                Err(_) => break,
            }
        }
        let mut taken: Vec<u32> = thieves.into_iter().filter_map(|thief| thief.join().unwrap()).collect();
        taken.extend(std::iter::from_fn(|| owner.pop()));
        assert_each_once(taken, next);
    });
}

#[test]
fn lifo_two_thieves_then_refill() {
    two_thieves_then_refill(Flavor::Lifo);
}

#[test]
fn fifo_two_thieves_then_refill() {
    two_thieves_then_refill(Flavor::Fifo);
}

/// The worker goes away while a thief still steals: the last handle drops what is left, once.
#[test]
fn worker_dropped_while_a_thief_steals() {
    use filch_sync::atomic::{AtomicUsize, Ordering};
    use filch_sync::Arc;

    struct Counted(Arc<AtomicUsize>);
    impl Drop for Counted {
        fn drop(&mut self) {
            self.0.fetch_add(1, Ordering::Relaxed);
        }
    }

    loom::model(|| {
        let drops = Arc::new(AtomicUsize::new(0));
        let owner = Worker::new_lifo(2);
        for _ in 0..2 {
            assert!(owner.push(Counted(Arc::clone(&drops))).is_ok());
        }
        let stealer = owner.stealer();
        let thief = thread::spawn(move || drop(stealer.steal()));
        drop(owner.pop());
        drop(owner);
        thief.join().unwrap();
        assert_eq!(drops.load(Ordering::Relaxed), 2);
    });
}
