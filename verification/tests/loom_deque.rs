//! loom models of the unbounded `filch_deque::Worker`: for every interleaving (up to the preemption
//! bound), each item is taken exactly once and no slot read races a slot write (slots are loom
//! cells). Small capacities make pushes grow and pops shrink inside the models.
#![cfg(loom)]

use filch_deque::{Flavor, Steal, Stealer, Worker};
use filch_sync::thread;

/// One steal attempt by a thief; whatever it took is returned (batches drain their destination).
type Attempt = fn(&Stealer<u32>) -> Vec<u32>;

fn steal_one(stealer: &Stealer<u32>) -> Vec<u32> {
    stealer.steal().success().into_iter().collect()
}

fn steal_batch(stealer: &Stealer<u32>) -> Vec<u32> {
    let mine = Worker::with_capacity(Flavor::Fifo, 2);
    let _ = stealer.steal_batch(&mine);
    std::iter::from_fn(|| mine.pop()).collect()
}

fn steal_batch_and_pop(stealer: &Stealer<u32>) -> Vec<u32> {
    let mine = Worker::with_capacity(Flavor::Fifo, 2);
    let mut got: Vec<u32> = stealer.steal_batch_and_pop(&mine).success().into_iter().collect();
    got.extend(std::iter::from_fn(|| mine.pop()));
    got
}

fn spawn_thief(stealer: Stealer<u32>, attempt: Attempt) -> thread::JoinHandle<Vec<u32>> {
    thread::spawn(move || attempt(&stealer))
}

fn assert_each_once(mut taken: Vec<u32>, items: u32) {
    taken.sort_unstable();
    assert_eq!(taken, (0..items).collect::<Vec<_>>(), "an item was lost or taken twice");
}

/// The owner holds `items` (pushed before the thieves start), the thieves try once each while the
/// owner pops, then the owner pops what is left.
fn pops_vs_thieves(flavor: Flavor, capacity: usize, items: u32, thieves: &'static [Attempt]) {
    loom::model(move || {
        let owner = Worker::with_capacity(flavor, capacity);
        for item in 0..items {
            owner.push(item);
        }
        let handles: Vec<_> = thieves.iter().map(|&attempt| spawn_thief(owner.stealer(), attempt)).collect();
        let mut taken: Vec<u32> = std::iter::from_fn(|| owner.pop()).collect();
        for handle in handles {
            taken.extend(handle.join().unwrap());
        }
        assert_each_once(taken, items);
    });
}

#[test]
fn lifo_pop_last_vs_steal() {
    pops_vs_thieves(Flavor::Lifo, 2, 1, &[steal_one]);
}

#[test]
fn fifo_pop_last_vs_steal() {
    pops_vs_thieves(Flavor::Fifo, 2, 1, &[steal_one]);
}

#[test]
fn fence_free_pop_last_vs_steal() {
    pops_vs_thieves(Flavor::LifoFenceFree, 2, 1, &[steal_one]);
}

#[test]
fn lifo_pops_vs_two_thieves() {
    pops_vs_thieves(Flavor::Lifo, 2, 2, &[steal_one, steal_one]);
}

#[test]
fn fence_free_pops_vs_two_thieves() {
    pops_vs_thieves(Flavor::LifoFenceFree, 2, 2, &[steal_one, steal_one]);
}

#[test]
fn lifo_pops_vs_batch_steal_of_several() {
    pops_vs_thieves(Flavor::Lifo, 4, 4, &[steal_batch]);
}

#[test]
fn lifo_pops_vs_batch_steal_and_pop() {
    pops_vs_thieves(Flavor::Lifo, 4, 3, &[steal_batch_and_pop]);
}

#[test]
fn fence_free_pops_vs_batch_steal() {
    pops_vs_thieves(Flavor::LifoFenceFree, 4, 3, &[steal_batch]);
}

/// A batch thief and a single thief: a tentative claim the owner cuts to nothing must not bring
/// back the idle word the single thief may have read before it (the owner withdraws it instead).
#[test]
fn lifo_pops_vs_batch_and_single_thief() {
    pops_vs_thieves(Flavor::Lifo, 4, 3, &[steal_batch, steal_one]);
}

/// The owner holds `items`, a batch thief starts, and the owner pops `pops` of them, pushes
/// `pushes` new ones and pops until `None`. The thief's first `back` reading can be stale by
/// both the pops and the pushes at its second look. Only the owner pushes, so its `None` is
/// final: nothing is drained after the thief is joined, and an item the owner leaves behind
/// while a claim is open counts as lost.
fn pops_and_pushes_vs_batch_steal(items: u32, pops: usize, pushes: u32) {
    loom::model(move || {
        let owner = Worker::with_capacity(Flavor::Lifo, 8);
        for item in 0..items {
            owner.push(item);
        }
        let thief = spawn_thief(owner.stealer(), steal_batch);
        let mut taken: Vec<u32> = (0..pops).filter_map(|_| owner.pop()).collect();
        for item in items..items + pushes {
            owner.push(item);
        }
        taken.extend(std::iter::from_fn(|| owner.pop()));
        taken.extend(thief.join().unwrap());
        assert_each_once(taken, items + pushes);
    });
}

/// A claim of 2 from a `back` of 4; the thief's second look reads 1, and the owner's refill
/// brings `back` up to the claim's end: a `pop` that took the claim's end for the deque's end
/// would leave the refilled item behind.
#[test]
fn lifo_refill_up_to_a_tentative_claim() {
    pops_and_pushes_vs_batch_steal(4, 3, 1);
}

/// A claim of 3 from a `back` of 6 that commits 1 item (second look after 5 pops): the refilled
/// items above the committed claim are the owner's, though `head` read before the commit said
/// the claim reached them.
#[test]
fn lifo_refill_above_a_short_committed_claim() {
    pops_and_pushes_vs_batch_steal(6, 5, 2);
}

#[test]
fn fifo_pops_vs_batch_steal_of_several() {
    pops_vs_thieves(Flavor::Fifo, 4, 4, &[steal_batch]);
}

/// A FIFO owner holds `items` with indices past `u32::MAX` (so its pops take the fetch-and-add,
/// not the CAS kept for the wrap); a thief tries once while the owner pops one, pushes `pushes`
/// more and pops until `None`, which is final (only the owner pushes).
fn fifo_pop_push_pop_vs_thief(items: u32, pushes: u32, attempt: Attempt) {
    loom::model(move || {
        let owner = Worker::with_capacity(Flavor::Fifo, 2);
        // The first index is just below the wrap: two pushed and popped items cross it.
        owner.push_batch([0, 0]);
        while owner.pop().is_some() {}
        owner.push_batch(0..items);
        let thief = spawn_thief(owner.stealer(), attempt);
        let mut taken: Vec<u32> = owner.pop().into_iter().collect();
        owner.push_batch(items..items + pushes);
        taken.extend(std::iter::from_fn(|| owner.pop()));
        taken.extend(thief.join().unwrap());
        assert_each_once(taken, items + pushes);
    });
}

/// The fetch-and-add that finds the last item stolen must be undone (or the next push is lost),
/// also when the thief's `finish_steal` lands on the added word.
#[test]
fn fifo_fetch_and_add_pop_last_vs_steal() {
    fifo_pop_push_pop_vs_thief(1, 1, steal_one);
}

/// A pop under an open claim moves `steal` with its fetch-and-add: unless the pop puts it back,
/// the push after it, instead of growing the buffer, rewrites the slot the thief is reading.
#[test]
fn fifo_pop_and_push_under_an_open_claim() {
    fifo_pop_push_pop_vs_thief(2, 1, steal_one);
}

#[test]
fn fifo_pop_and_push_under_an_open_batch_claim() {
    fifo_pop_push_pop_vs_thief(3, 1, steal_batch);
}

#[test]
fn steal_during_shrink() {
    // Capacity 1 grows to 4 for the pushes; the owner's pops shrink it back while a thief steals.
    pops_vs_thieves(Flavor::Lifo, 1, 3, &[steal_one]);
}

#[test]
fn fifo_steal_during_shrink() {
    pops_vs_thieves(Flavor::Fifo, 1, 3, &[steal_one]);
}

/// The owner pushes `before` items, then the rest while thieves run (so pushes race steals and grow
/// the buffer), then pops.
fn pushes_vs_thieves(flavor: Flavor, capacity: usize, before: u32, items: u32, thieves: &'static [Attempt]) {
    loom::model(move || {
        let owner = Worker::with_capacity(flavor, capacity);
        for item in 0..before {
            owner.push(item);
        }
        let handles: Vec<_> = thieves.iter().map(|&attempt| spawn_thief(owner.stealer(), attempt)).collect();
        for item in before..items {
            owner.push(item);
        }
        let mut taken: Vec<u32> = owner.pop().into_iter().collect();
        for handle in handles {
            taken.extend(handle.join().unwrap());
        }
        taken.extend(std::iter::from_fn(|| owner.pop()));
        assert_each_once(taken, items);
    });
}

#[test]
fn steal_during_grow() {
    pushes_vs_thieves(Flavor::Lifo, 1, 1, 3, &[steal_one]);
}

#[test]
fn batch_steal_during_grow() {
    pushes_vs_thieves(Flavor::Lifo, 1, 1, 3, &[steal_batch]);
}

#[test]
fn fifo_steal_during_grow() {
    pushes_vs_thieves(Flavor::Fifo, 1, 1, 3, &[steal_batch_and_pop]);
}

#[test]
fn push_pop_vs_two_thieves_with_growth() {
    pushes_vs_thieves(Flavor::Lifo, 1, 1, 3, &[steal_one, steal_one]);
}

/// Two single steals across two growths: the first thief's claim is open at the first growth (its
/// buffer is kept), the second claims after the first finishes, with a `back` from before that
/// growth, and must not load the kept buffer, which the second growth frees when it sees a claim
/// from another index.
#[test]
fn two_thieves_across_two_growths() {
    pushes_vs_thieves(Flavor::Lifo, 2, 2, 5, &[steal_one, steal_one]);
}

#[test]
fn fence_free_push_pop_vs_thief_with_growth() {
    pushes_vs_thieves(Flavor::LifoFenceFree, 1, 1, 3, &[steal_batch_and_pop]);
}

/// The owner pushes one item, then a batch of the rest with `push_batch` while a thief runs (the
/// batch is published with one store; at capacity 2 it also overflows into `push` and grows).
fn batch_push_vs_thief(flavor: Flavor, capacity: usize, items: u32, attempt: Attempt) {
    loom::model(move || {
        let owner = Worker::with_capacity(flavor, capacity);
        owner.push(0);
        let thief = spawn_thief(owner.stealer(), attempt);
        owner.push_batch(1..items);
        let mut taken: Vec<u32> = std::iter::from_fn(|| owner.pop()).collect();
        taken.extend(thief.join().unwrap());
        assert_each_once(taken, items);
    });
}

#[test]
fn batch_push_vs_steal() {
    batch_push_vs_thief(Flavor::Lifo, 4, 3, steal_one);
}

#[test]
fn fifo_batch_push_vs_batch_steal() {
    batch_push_vs_thief(Flavor::Fifo, 4, 3, steal_batch_and_pop);
}

#[test]
fn batch_push_overflowing_into_growth_vs_steal() {
    batch_push_vs_thief(Flavor::Lifo, 2, 4, steal_batch);
}

#[test]
fn worker_dropped_while_a_thief_steals() {
    loom::model(|| {
        let owner = Worker::with_capacity(Flavor::Lifo, 1);
        owner.push(0u32);
        owner.push(1);
        let thief = spawn_thief(owner.stealer(), steal_one);
        let popped = owner.pop();
        drop(owner);
        let stolen = thief.join().unwrap();
        // What neither took is dropped with the stealer; here we only count what was taken.
        assert!(popped == Some(1) && stolen.iter().all(|&item| item == 0), "{popped:?} {stolen:?}");
        assert!(stolen.len() <= 1);
    });
}

#[test]
fn retry_is_not_empty_while_items_remain() {
    loom::model(|| {
        let owner = Worker::with_capacity(Flavor::Fifo, 4);
        owner.push(0u32);
        owner.push(1);
        let first = owner.stealer();
        let second = owner.stealer();
        let thief = thread::spawn(move || first.steal());
        let other = second.steal();
        let one = thief.join().unwrap();
        // Two items, two attempts: neither may claim the deque was empty.
        assert!(!one.is_empty() && !other.is_empty(), "{one:?} {other:?}");
        assert!(one.is_success() || other.is_success());
        let _ = (Steal::<u32>::Empty, owner.len());
    });
}
