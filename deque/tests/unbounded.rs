//! Behaviour of the unbounded deque that users rely on: order per flavour, batch sizes, growth and
//! shrinking, exactly-once drops, and a model check of random operation sequences.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use filch_deque::{Flavor, Steal, Stealer, Worker};
use proptest::prelude::*;

const FLAVORS: [Flavor; 3] = [Flavor::Lifo, Flavor::Fifo, Flavor::LifoFenceFree];

/// Counts its drops in a shared counter, per id, so a double drop or a leak shows.
struct Counted {
    id: usize,
    drops: Arc<Vec<AtomicUsize>>,
}

impl Drop for Counted {
    fn drop(&mut self) {
        self.drops[self.id].fetch_add(1, Ordering::Relaxed);
    }
}

fn counters(n: usize) -> Arc<Vec<AtomicUsize>> {
    Arc::new((0..n).map(|_| AtomicUsize::new(0)).collect())
}

fn assert_each_dropped_once(drops: &[AtomicUsize]) {
    let wrong: Vec<(usize, usize)> = drops
        .iter()
        .map(|d| d.load(Ordering::Relaxed))
        .enumerate()
        .filter(|&(_, count)| count != 1)
        .collect();
    assert!(wrong.is_empty(), "items (id, drops) not dropped exactly once: {wrong:?}");
}

#[test]
fn each_flavour_pops_from_its_end_and_thieves_take_the_oldest() {
    for flavor in FLAVORS {
        let worker = Worker::with_capacity(flavor, 2);
        let stealer = worker.stealer();
        for i in 0..5 {
            worker.push(i);
        }
        assert_eq!(stealer.steal(), Steal::Success(0), "{flavor:?}");
        let expected = if flavor == Flavor::Fifo { 1 } else { 4 };
        assert_eq!(worker.pop(), Some(expected), "{flavor:?}");
        assert_eq!(worker.len(), 3);
        assert_eq!(stealer.len(), 3);
    }
}

#[test]
fn push_reports_whether_the_deque_was_empty() {
    for flavor in FLAVORS {
        let worker = Worker::with_capacity(flavor, 1);
        assert!(worker.push(1));
        assert!(!worker.push(2));
        worker.pop();
        worker.pop();
        assert!(worker.is_empty());
        assert!(worker.push(3), "{flavor:?}: empty again after popping everything");
        assert_eq!(worker.stealer().steal(), Steal::Success(3));
        assert!(worker.push(4), "{flavor:?}: empty again after a steal");
    }
}

#[test]
fn push_batch_keeps_order_and_overflows_into_growth() {
    for flavor in FLAVORS {
        let worker = Worker::with_capacity(flavor, 2);
        assert!(worker.push_batch(0..3), "{flavor:?}: reserved for the exact length");
        // A length the iterator does not tell: the batch fills the buffer, then grows through `push`.
        assert!(!worker.push_batch((3..10).filter(|_| true)));
        assert!(!worker.push_batch(std::iter::empty()));
        assert_eq!(worker.len(), 10);
        assert_eq!(worker.stealer().steal(), Steal::Success(0), "{flavor:?}");
        let rest: Vec<u32> = std::iter::from_fn(|| worker.pop()).collect();
        let expected: Vec<u32> =
            if flavor == Flavor::Fifo { (1..10).collect() } else { (1..10).rev().collect() };
        assert_eq!(rest, expected, "{flavor:?}");
    }
}

#[test]
fn a_panicking_batch_keeps_what_it_pushed_and_drops_each_once() {
    let drops = counters(3);
    let worker = Worker::with_capacity(Flavor::Fifo, 8);
    let items = {
        let drops = Arc::clone(&drops);
        // Three items, then the source fails before making a fourth.
        (0..4).map(move |id| {
            assert!(id < 3, "the batch's source failed");
            Counted { id, drops: Arc::clone(&drops) }
        })
    };
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| worker.push_batch(items)));
    assert!(result.is_err());
    assert_eq!(worker.len(), 3, "the items written before the panic are in the deque");
    assert_eq!(worker.stealer().steal().success().map(|item| item.id), Some(0));
    drop(worker);
    assert_each_dropped_once(&drops);
}

#[test]
fn empty_deque_answers_empty() {
    for flavor in FLAVORS {
        let worker = Worker::<u8>::with_capacity(flavor, 4);
        let stealer = worker.stealer();
        let dest = Worker::new_lifo();
        assert_eq!(worker.pop(), None);
        assert_eq!(stealer.steal(), Steal::Empty);
        assert_eq!(stealer.steal_batch(&dest), Steal::Empty);
        assert_eq!(stealer.steal_batch_and_pop(&dest), Steal::Empty);
        assert!(stealer.is_empty() && dest.is_empty());
    }
}

#[test]
fn buffer_grows_when_full_and_shrinks_with_hysteresis() {
    for flavor in FLAVORS {
        let worker = Worker::with_capacity(flavor, 4);
        assert_eq!(worker.capacity(), 4);
        for i in 0..64 {
            worker.push(i);
        }
        assert_eq!(worker.capacity(), 64);
        // Popping to a third of the capacity does not shrink: only below a quarter does.
        while worker.len() > 22 {
            worker.pop();
        }
        assert_eq!(worker.capacity(), 64, "{flavor:?}");
        while worker.len() > 15 {
            worker.pop();
        }
        assert_eq!(worker.capacity(), 32, "{flavor:?}: below a quarter of 64, halved once");
        while worker.pop().is_some() {}
        assert_eq!(worker.capacity(), 4, "{flavor:?}: never below the capacity it was made with");
    }
}

#[test]
fn reserve_and_shrink_to_fit_resize_on_request() {
    for flavor in FLAVORS {
        let worker = Worker::with_capacity(flavor, 2);
        worker.push(0);
        worker.reserve(100);
        assert_eq!(worker.capacity(), 128);
        for i in 1..101 {
            worker.push(i);
        }
        assert_eq!(worker.capacity(), 128, "{flavor:?}: reserved room needs no growth");
        for _ in 0..70 {
            worker.stealer().steal().success().unwrap();
        }
        worker.shrink_to_fit();
        assert_eq!(worker.capacity(), 32);
        let mut left: Vec<i32> = std::iter::from_fn(|| worker.pop()).collect();
        left.sort_unstable();
        assert_eq!(left, (70..101).collect::<Vec<_>>());
    }
}

#[test]
fn batch_steals_take_half_at_most_the_limit() {
    for flavor in FLAVORS {
        let worker = Worker::with_capacity(flavor, 4);
        let stealer = worker.stealer();
        for i in 0..100 {
            worker.push(i);
        }
        let dest = Worker::new_fifo();
        assert_eq!(stealer.steal_batch(&dest), Steal::Success(()));
        assert_eq!(dest.len(), 32, "{flavor:?}: at most 32 by default");
        assert_eq!(std::iter::from_fn(|| dest.pop()).collect::<Vec<_>>(), (0..32).collect::<Vec<_>>());
        assert_eq!(stealer.steal_batch_with_limit(&dest, 5), Steal::Success(()));
        assert_eq!(dest.len(), 5);
        assert_eq!(stealer.steal_batch_with_limit_and_pop(&dest, 3), Steal::Success(37));
        assert_eq!(dest.len(), 7, "{flavor:?}: two more pushed, one returned");
        // 60 left: half is 30, the limit 32 does not bind.
        let dest = Worker::new_lifo();
        assert_eq!(stealer.steal_batch_and_pop(&dest), Steal::Success(40));
        assert_eq!(dest.len(), 29);
        assert_eq!(worker.len(), 30);
        // One item: a batch takes it.
        while worker.len() > 1 {
            worker.pop();
        }
        assert!(stealer.steal_batch_with_limit_and_pop(&dest, 1).is_success());
        assert!(worker.is_empty());
    }
}

#[test]
#[should_panic(expected = "filch-deque: steal_batch_with_limit: limit must be at least 1")]
fn a_zero_batch_limit_panics() {
    let worker = Worker::<u8>::new_lifo();
    let _ = worker.stealer().steal_batch_with_limit(&Worker::new_lifo(), 0);
}

#[test]
#[should_panic(expected = "filch-deque: steal_batch_with_limit_and_pop: limit must be at least 1")]
fn a_zero_batch_and_pop_limit_panics() {
    let worker = Worker::<u8>::new_lifo();
    let _ = worker.stealer().steal_batch_with_limit_and_pop(&Worker::new_lifo(), 0);
}

#[test]
#[should_panic(expected = "filch-deque: reserve: capacity overflow")]
fn reserving_past_the_maximum_panics() {
    Worker::<u8>::new_fifo().reserve(usize::MAX);
}

#[test]
fn every_item_is_dropped_once_across_resizes_and_handles() {
    for flavor in FLAVORS {
        let n = if cfg!(miri) { 40 } else { 500 };
        let drops = counters(n);
        let worker = Worker::with_capacity(flavor, 2);
        let stealer = worker.stealer();
        for id in 0..n {
            worker.push(Counted { id, drops: Arc::clone(&drops) });
        }
        // Shrink by popping, grow again, steal some in batches, then leave the rest inside.
        for _ in 0..n / 2 {
            drop(worker.pop());
        }
        let dest = Worker::new_lifo();
        let _ = stealer.steal_batch(&dest);
        drop(dest);
        drop(stealer.steal());
        worker.shrink_to_fit();
        let thief: Stealer<Counted> = worker.stealer();
        drop(worker);
        // The worker is gone; its items can still be stolen, and the rest go with the last handle.
        drop(thief.steal());
        drop(stealer);
        assert!(drops.iter().any(|d| d.load(Ordering::Relaxed) == 0), "{flavor:?}: some still held");
        drop(thief);
        assert_each_dropped_once(&drops);
    }
}

#[test]
fn owner_and_thieves_take_each_item_once() {
    let n: usize = if cfg!(miri) { 60 } else { 20_000 };
    for flavor in FLAVORS {
        let worker = Worker::with_capacity(flavor, 2);
        let taken = counters(n);
        std::thread::scope(|scope| {
            for thief in 0..2 {
                let stealer = worker.stealer();
                let taken = &taken;
                scope.spawn(move || {
                    let dest = Worker::<usize>::new_lifo();
                    let mut idle = 0;
                    while idle < 1000 {
                        let got =
                            if thief == 0 { stealer.steal() } else { stealer.steal_batch_and_pop(&dest) };
                        match got {
                            Steal::Success(id) => {
                                idle = 0;
                                taken[id].fetch_add(1, Ordering::Relaxed);
                            }
                            Steal::Empty => idle += 1,
                            Steal::Retry => {}
                        }
                        while let Some(id) = dest.pop() {
                            taken[id].fetch_add(1, Ordering::Relaxed);
                        }
                        std::thread::yield_now();
                    }
                });
            }
            for id in 0..n {
                worker.push(id);
                if id % 3 == 0 {
                    if let Some(got) = worker.pop() {
                        taken[got].fetch_add(1, Ordering::Relaxed);
                    }
                }
            }
            while let Some(got) = worker.pop() {
                taken[got].fetch_add(1, Ordering::Relaxed);
            }
        });
        assert_each_dropped_once(&taken);
    }
}

/// One step of a random script.
#[derive(Debug, Clone)]
enum Op {
    Push,
    /// `push_batch` of this many items; `true`: through an iterator that hides its length, so
    /// nothing is reserved up front and a long batch overflows into `push`.
    PushBatch(u32, bool),
    Pop,
    Steal,
    StealBatch(usize),
    StealBatchAndPop(usize),
    Reserve(usize),
    ShrinkToFit,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        6 => Just(Op::Push),
        2 => (0..40u32, any::<bool>()).prop_map(|(count, hidden)| Op::PushBatch(count, hidden)),
        3 => Just(Op::Pop),
        2 => Just(Op::Steal),
        1 => (1..40usize).prop_map(Op::StealBatch),
        1 => (1..40usize).prop_map(Op::StealBatchAndPop),
        1 => (0..200usize).prop_map(Op::Reserve),
        1 => Just(Op::ShrinkToFit),
    ]
}

fn flavor() -> impl Strategy<Value = Flavor> {
    prop_oneof![Just(Flavor::Lifo), Just(Flavor::Fifo), Just(Flavor::LifoFenceFree)]
}

/// Runs `ops` on a deque and on a `VecDeque` model (front = oldest) and compares every result.
fn run_against_model(flavor: Flavor, capacity: usize, ops: &[Op]) {
    let worker = Worker::with_capacity(flavor, capacity);
    let stealer = worker.stealer();
    let mut model = VecDeque::new();
    let mut next = 0u32;
    for op in ops {
        match *op {
            Op::Push => {
                assert_eq!(worker.push(next), model.is_empty());
                model.push_back(next);
                next += 1;
            }
            Op::PushBatch(count, hidden) => {
                let items = next..next + count;
                let was_empty = if hidden {
                    worker.push_batch(items.clone().filter(|_| true))
                } else {
                    worker.push_batch(items.clone())
                };
                assert_eq!(was_empty, model.is_empty());
                model.extend(items);
                next += count;
            }
            Op::Pop => {
                let expected = if flavor == Flavor::Fifo { model.pop_front() } else { model.pop_back() };
                assert_eq!(worker.pop(), expected);
            }
            Op::Steal => assert_eq!(stealer.steal().success(), model.pop_front()),
            Op::StealBatch(limit) | Op::StealBatchAndPop(limit) => {
                let dest = Worker::new_fifo();
                let want = limit.min(model.len().div_ceil(2));
                let expected: Vec<u32> = model.drain(..want).collect();
                let mut got = Vec::new();
                let outcome = if matches!(op, Op::StealBatch(_)) {
                    stealer.steal_batch_with_limit(&dest, limit).success().is_some()
                } else {
                    stealer
                        .steal_batch_with_limit_and_pop(&dest, limit)
                        .success()
                        .map(|item| got.push(item))
                        .is_some()
                };
                assert_eq!(outcome, want > 0);
                got.extend(std::iter::from_fn(|| dest.pop()));
                assert_eq!(got, expected);
            }
            Op::Reserve(additional) => {
                worker.reserve(additional);
                assert!(worker.capacity() >= model.len() + additional);
            }
            Op::ShrinkToFit => {
                worker.shrink_to_fit();
                assert!(worker.capacity() >= model.len());
                assert!(worker.capacity() < (model.len() * 2).max(capacity.next_power_of_two() * 2));
            }
        }
        assert_eq!(worker.len(), model.len());
        assert_eq!(stealer.len(), model.len());
    }
    let mut rest: Vec<u32> = std::iter::from_fn(|| worker.pop()).collect();
    if flavor != Flavor::Fifo {
        rest.reverse();
    }
    assert_eq!(rest, model.into_iter().collect::<Vec<_>>());
}

proptest! {
    // Under Miri: few cases, and no failure file (Miri isolates the file system).
    #![proptest_config(ProptestConfig {
        cases: if cfg!(miri) { 4 } else { 256 },
        failure_persistence: if cfg!(miri) { None } else { ProptestConfig::default().failure_persistence },
        ..ProptestConfig::default()
    })]

    #[test]
    fn random_scripts_match_a_vecdeque(
        flavor in flavor(),
        capacity in 1..9usize,
        ops in proptest::collection::vec(op(), 0..if cfg!(miri) { 40 } else { 400 }),
    ) {
        run_against_model(flavor, capacity, &ops);
    }
}
