//! Behaviour users rely on: FIFO order, batches, drops, misuse, large items, threads.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread;

use filch_injector::{Injector, Steal};

/// Items per test: enough to cross several blocks (63 slots each), fewer under Miri.
const ITEMS: usize = if cfg!(miri) { 150 } else { 2_000 };

fn drain<T>(injector: &Injector<T>) -> Vec<T> {
    let mut out = Vec::new();
    loop {
        match injector.steal() {
            Steal::Success(item) => out.push(item),
            Steal::Retry => {}
            Steal::Empty => return out,
        }
    }
}

#[test]
fn single_thread_is_fifo_across_blocks() {
    let injector = Injector::new();
    for i in 0..ITEMS {
        injector.push(i);
        assert_eq!(injector.len(), i + 1);
    }
    assert_eq!(drain(&injector), (0..ITEMS).collect::<Vec<_>>());
    assert!(injector.is_empty());
    assert_eq!(injector.steal(), Steal::Empty);
}

#[test]
fn interleaved_push_and_steal_keep_order() {
    let injector = Injector::new();
    let mut expected = 0;
    for i in 0..ITEMS {
        injector.push(i);
        if i % 3 == 2 {
            assert_eq!(injector.steal(), Steal::Success(expected));
            expected += 1;
        }
    }
    assert_eq!(drain(&injector), (expected..ITEMS).collect::<Vec<_>>());
}

#[test]
fn push_batch_keeps_order_and_len_across_blocks() {
    let injector = Injector::new();
    injector.push(0);
    injector.push_batch(1..ITEMS);
    injector.push_batch(std::iter::empty());
    assert_eq!(injector.len(), ITEMS);
    assert_eq!(drain(&injector), (0..ITEMS).collect::<Vec<_>>());
}

/// An iterator that promises more items than it yields.
struct LyingHint(std::ops::Range<usize>);

impl Iterator for LyingHint {
    type Item = usize;
    fn next(&mut self) -> Option<usize> {
        self.0.next()
    }
    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.0.len() + 10, None)
    }
}

#[test]
fn push_batch_with_a_lying_size_hint_loses_and_invents_nothing() {
    let injector = Injector::new();
    injector.push_batch(LyingHint(0..5));
    injector.push(5);
    injector.push_batch(LyingHint(6..100));
    // The skipped slots may surface as Retry, never as items.
    assert_eq!(drain(&injector), (0..100).collect::<Vec<_>>());
    assert_eq!(injector.len(), 0);
}

#[test]
fn a_recycled_block_forgets_its_skipped_slots() {
    let injector = Injector::new();
    // The first block: item 0, ten skipped slots, then items 1..=52 fill it.
    injector.push_batch(LyingHint(0..1));
    injector.push_batch(1..53);
    assert_eq!(drain(&injector), (0..53).collect::<Vec<_>>());
    // The drained block went to the cache; filling the second block links it in again, and its
    // slots must all be empty: the items that land on the old skipped slots must come out.
    injector.push_batch(100..300);
    assert_eq!(drain(&injector), (100..300).collect::<Vec<_>>());
}

#[test]
fn push_batch_whose_iterator_panics_keeps_what_it_yielded() {
    let injector = Injector::new();
    let result = catch_unwind(AssertUnwindSafe(|| {
        injector.push_batch((0..10).map(|i| if i == 4 { panic!("boom") } else { i }))
    }));
    assert!(result.is_err());
    injector.push(99);
    assert_eq!(drain(&injector), [0, 1, 2, 3, 99]);
}

#[test]
fn batch_steal_crosses_a_block_boundary() {
    let injector = Injector::new();
    injector.push_batch(0..200);
    // Leave the head 10 slots before the end of the first block.
    for i in 0..53 {
        assert_eq!(injector.steal(), Steal::Success(i));
    }
    let mut taken = Vec::new();
    assert_eq!(injector.steal_batch_with_limit_into(30, |item| taken.push(item)), Steal::Success(30));
    assert_eq!(taken, (53..83).collect::<Vec<_>>());
    let mut rest = Vec::new();
    assert_eq!(
        injector.steal_batch_with_limit_and_pop_into(usize::MAX, |item| rest.push(item)),
        Steal::Success(83)
    );
    // One claim per block: the pop stops at the end of the block it ended in, or goes on.
    assert!(!rest.is_empty());
    assert_eq!(rest, (84..84 + rest.len()).collect::<Vec<_>>());
    assert_eq!(drain(&injector), (84 + rest.len()..200).collect::<Vec<_>>());
}

#[test]
fn batch_steal_on_empty_is_empty() {
    let injector = Injector::<u8>::new();
    assert_eq!(injector.steal_batch_with_limit_into(4, |_| panic!("nothing to hand over")), Steal::Empty);
    assert_eq!(injector.steal_batch_with_limit_and_pop_into(4, |_| panic!("nothing")), Steal::Empty);
}

#[test]
#[should_panic(expected = "filch-injector: steal_batch_with_limit_into: limit must be at least 1")]
fn zero_limit_panics() {
    let _ = Injector::<u8>::new().steal_batch_with_limit_into(0, drop);
}

#[test]
#[should_panic(expected = "filch-injector: steal_batch_with_limit_and_pop_into: limit must be at least 1")]
fn zero_limit_pop_panics() {
    let _ = Injector::<u8>::new().steal_batch_with_limit_and_pop_into(0, drop);
}

/// Counts its drops in a shared tally, by id.
struct Counted {
    id: usize,
    drops: Arc<Vec<AtomicUsize>>,
}

impl Drop for Counted {
    fn drop(&mut self) {
        self.drops[self.id].fetch_add(1, Ordering::Relaxed);
    }
}

fn tally(n: usize) -> Arc<Vec<AtomicUsize>> {
    Arc::new((0..n).map(|_| AtomicUsize::new(0)).collect())
}

fn assert_each_dropped_once(drops: &[AtomicUsize]) {
    for (id, count) in drops.iter().enumerate() {
        assert_eq!(count.load(Ordering::Relaxed), 1, "item {id}");
    }
}

#[test]
fn dropping_the_injector_drops_each_remaining_item_once() {
    let drops = tally(ITEMS);
    let injector = Injector::new();
    injector.push_batch((0..ITEMS).map(|id| Counted { id, drops: Arc::clone(&drops) }));
    // Take some from the front, across a block boundary, so the head block is partly read.
    for _ in 0..70 {
        drop(injector.steal().success().unwrap());
    }
    drop(injector);
    assert_each_dropped_once(&drops);
}

#[test]
fn a_panicking_sink_drops_the_rest_of_its_run_and_nothing_else() {
    let drops = tally(40);
    let injector = Injector::new();
    injector.push_batch((0..40).map(|id| Counted { id, drops: Arc::clone(&drops) }));
    let mut handed = 0;
    let result = catch_unwind(AssertUnwindSafe(|| {
        let _ = injector.steal_batch_with_limit_into(10, |item| {
            handed += 1;
            drop(item);
            if handed == 3 {
                panic!("sink full");
            }
        });
    }));
    assert!(result.is_err());
    // The run of 10 is gone (3 handed over, 7 dropped by the unwinding run); 30 remain, in order.
    assert_eq!(injector.len(), 30);
    let rest: Vec<usize> = drain(&injector).iter().map(|item| item.id).collect();
    assert_eq!(rest, (10..40).collect::<Vec<_>>());
    assert_each_dropped_once(&drops);
}

#[test]
fn zero_sized_items_are_counted() {
    let injector = Injector::new();
    injector.push_batch(std::iter::repeat_n((), 100));
    assert_eq!(injector.len(), 100);
    assert_eq!(drain(&injector).len(), 100);
}

#[test]
fn a_32_kib_item_never_builds_a_block_on_the_stack() {
    const SIZE: usize = 32 * 1024;
    let items = if cfg!(miri) { 3 } else { 130 };
    // A 1 MiB stack holds a few copies of an item (debug builds move it through several frames)
    // but not a block of 63 of them (2 MiB): only heap-built blocks fit.
    let handle = thread::Builder::new()
        .stack_size(1024 * 1024)
        .spawn(move || {
            let injector = Injector::new();
            for i in 0..items {
                injector.push([i as u8; SIZE]);
            }
            for i in 0..items / 2 {
                let item = injector.steal().success().unwrap();
                assert!(item.iter().all(|&byte| byte == i as u8));
            }
            // The rest are dropped with the injector.
        })
        .unwrap();
    handle.join().unwrap();
}

#[test]
fn threads_keep_each_producers_order_and_lose_nothing() {
    const PRODUCERS: usize = 2;
    const CONSUMERS: usize = 2;
    let per_producer = if cfg!(miri) { 40 } else { 20_000 };
    let injector = Arc::new(Injector::new());
    let taken = Arc::new(AtomicUsize::new(0));
    let producers: Vec<_> = (0..PRODUCERS)
        .map(|p| {
            let injector = Arc::clone(&injector);
            thread::spawn(move || {
                for i in 0..per_producer {
                    if i % 7 == 0 {
                        injector.push_batch((i..(i + 7).min(per_producer)).map(|i| (p, i)));
                    }
                }
            })
        })
        .collect();
    let consumers: Vec<_> = (0..CONSUMERS)
        .map(|_| {
            let injector = Arc::clone(&injector);
            let taken = Arc::clone(&taken);
            thread::spawn(move || {
                let mut last = [None::<usize>; PRODUCERS];
                let mut seen = Vec::new();
                let mut round = 0_usize;
                while taken.load(Ordering::Relaxed) < PRODUCERS * per_producer {
                    let mut batch = Vec::new();
                    round += 1;
                    if round % 2 == 0 {
                        if let Steal::Success(item) = injector.steal() {
                            batch.push(item);
                        }
                    } else {
                        let _ = injector.steal_batch_with_limit_into(5, |item| batch.push(item));
                    }
                    for (p, i) in batch {
                        assert!(last[p].is_none_or(|prev| prev < i), "producer {p}: {i} after {last:?}");
                        last[p] = Some(i);
                        seen.push((p, i));
                        taken.fetch_add(1, Ordering::Relaxed);
                    }
                }
                seen
            })
        })
        .collect();
    for producer in producers {
        producer.join().unwrap();
    }
    let mut all: Vec<(usize, usize)> = consumers.into_iter().flat_map(|c| c.join().unwrap()).collect();
    all.sort_unstable();
    let expected: Vec<(usize, usize)> =
        (0..PRODUCERS).flat_map(|p| (0..per_producer).map(move |i| (p, i))).collect();
    assert_eq!(all, expected);
    assert!(injector.is_empty());
}
