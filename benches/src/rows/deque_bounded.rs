//! Bounded deque rows: `filch_deque::bounded` against st3 0.4 (the same design family: a fixed
//! ring with packed heads) and crossbeam-deque 0.8 (growable, for scale), one workload at a time.

use std::hint::black_box;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Barrier;
use std::time::{Duration, Instant};

use filch_deque::bounded;

use crate::{measure, Comparison, Config, Stats};

/// Ring capacity for every bounded deque in these rows.
const CAPACITY: usize = 256;

/// Every bounded-deque row.
pub fn rows(config: &Config) -> Vec<Comparison> {
    let pairs: u64 = if config.quick { 1_000_000 } else { 10_000_000 };
    let items: usize = if config.quick { 100_000 } else { 1_000_000 };
    let mut rows = vec![
        push_pop(config, pairs, true),
        push_pop(config, pairs, false),
        batch_steal(config, if config.quick { 2_000 } else { 20_000 }),
    ];
    for thieves in config.thread_counts().into_iter().filter(|&n| n >= 2).map(|n| n - 1) {
        rows.push(owner_and_thieves(config, thieves, items));
    }
    rows
}

/// Times `pairs` push+pop pairs on a deque holding a few items (pops never hit the empty path).
fn pairs_on(samples: usize, pairs: u64, push: &dyn Fn(u64), pop: &dyn Fn() -> Option<u64>) -> Stats {
    for i in 0..8 {
        push(i);
    }
    measure(samples, pairs, || {
        let start = Instant::now();
        for i in 0..pairs {
            push(black_box(i));
            black_box(pop());
        }
        start.elapsed()
    })
}

fn push_pop(config: &Config, pairs: u64, lifo: bool) -> Comparison {
    let samples = config.samples();
    let filch = if lifo { bounded::Worker::new_lifo(CAPACITY) } else { bounded::Worker::new_fifo(CAPACITY) };
    let filch = pairs_on(samples, pairs, &|i| assert!(filch.push(i).is_ok()), &|| filch.pop());
    let (st3, crossbeam) = if lifo {
        let st3 = st3::lifo::Worker::new(CAPACITY);
        let crossbeam = crossbeam_deque::Worker::new_lifo();
        (
            pairs_on(samples, pairs, &|i| st3.push(i).unwrap(), &|| st3.pop()),
            pairs_on(samples, pairs, &|i| crossbeam.push(i), &|| crossbeam.pop()),
        )
    } else {
        let st3 = st3::fifo::Worker::new(CAPACITY);
        let crossbeam = crossbeam_deque::Worker::new_fifo();
        (
            pairs_on(samples, pairs, &|i| st3.push(i).unwrap(), &|| st3.pop()),
            pairs_on(samples, pairs, &|i| crossbeam.push(i), &|| crossbeam.pop()),
        )
    };
    Comparison {
        workload: format!("bounded deque push+pop pair ({})", if lifo { "LIFO" } else { "FIFO" }),
        threads: 1,
        filch,
        peers: vec![("st3", st3), ("crossbeam-deque", crossbeam)],
    }
}

/// Fill a LIFO source with 128 items, then steal half at a time into a LIFO destination until
/// the source is empty (7 batches + leftovers); time per item stolen.
fn batch_steal(config: &Config, rounds: u64) -> Comparison {
    const ITEMS: u64 = 128;
    let samples = config.samples();
    let per_item = |round: &mut dyn FnMut() -> Duration| {
        measure(samples, rounds * ITEMS, || (0..rounds).map(|_| round()).sum())
    };
    let filch = {
        let (source, dest) = (bounded::Worker::new_lifo(CAPACITY), bounded::Worker::new_lifo(CAPACITY));
        let stealer = source.stealer();
        per_item(&mut || {
            (0..ITEMS).for_each(|i| assert!(source.push(i).is_ok()));
            let start = Instant::now();
            while stealer.steal_batch(&dest).is_success() {}
            let took = start.elapsed();
            while dest.pop().is_some() {}
            took
        })
    };
    let st3 = {
        let (source, dest) = (st3::lifo::Worker::new(CAPACITY), st3::lifo::Worker::new(CAPACITY));
        let stealer = source.stealer();
        per_item(&mut || {
            (0..ITEMS).for_each(|i| source.push(i).unwrap());
            let start = Instant::now();
            while stealer.steal(&dest, |n| n - n / 2).is_ok() {}
            let took = start.elapsed();
            while dest.pop().is_some() {}
            took
        })
    };
    let crossbeam = {
        let (source, dest) = (crossbeam_deque::Worker::new_lifo(), crossbeam_deque::Worker::new_lifo());
        let stealer = source.stealer();
        per_item(&mut || {
            (0..ITEMS).for_each(|i| source.push(i));
            let start = Instant::now();
            while stealer.steal_batch(&dest).is_success() {}
            let took = start.elapsed();
            while dest.pop().is_some() {}
            took
        })
    };
    Comparison {
        workload: "bounded deque LIFO steal-half batches, per item stolen".into(),
        threads: 1,
        filch,
        peers: vec![("st3", st3), ("crossbeam-deque (32 per batch)", crossbeam)],
    }
}

/// The operations the contended row needs from one deque family.
struct Family<Push, Pop, Thief> {
    push: Push,
    pop: Pop,
    /// Makes a thief: each call returns a closure that steals a batch, runs the popped item and
    /// drains its own deque, and returns how many items it took.
    thief: Thief,
}

/// The owner pushes `items` (popping one per 16, and whenever the ring is full); `thieves`
/// threads steal half-batches into their own deques until everything is taken. Time per item.
fn owner_and_thieves(config: &Config, thieves: usize, items: usize) -> Comparison {
    let samples = config.samples();
    let filch = measure(samples, items as u64, || {
        let worker = bounded::Worker::new_lifo(CAPACITY);
        let stealer = worker.stealer();
        contended(
            thieves,
            items,
            Family {
                push: |i| worker.push(i).is_ok(),
                pop: || worker.pop(),
                thief: || {
                    let (stealer, mine) = (stealer.clone(), bounded::Worker::new_lifo(CAPACITY));
                    move || {
                        let first = stealer.steal_batch_and_pop(&mine).success().map(black_box);
                        first.map_or(0, |_| 1 + std::iter::from_fn(|| mine.pop().map(black_box)).count())
                    }
                },
            },
        )
    });
    let st3 = measure(samples, items as u64, || {
        let worker = st3::lifo::Worker::new(CAPACITY);
        let stealer = worker.stealer();
        contended(
            thieves,
            items,
            Family {
                push: |i| worker.push(i).is_ok(),
                pop: || worker.pop(),
                thief: || {
                    let (stealer, mine) = (stealer.clone(), st3::lifo::Worker::new(CAPACITY));
                    move || {
                        let first = stealer.steal_and_pop(&mine, |n| n - n / 2).ok().map(black_box);
                        first.map_or(0, |_| 1 + std::iter::from_fn(|| mine.pop().map(black_box)).count())
                    }
                },
            },
        )
    });
    let crossbeam = measure(samples, items as u64, || {
        let worker = crossbeam_deque::Worker::new_lifo();
        let stealer = worker.stealer();
        contended(
            thieves,
            items,
            Family {
                push: |i| {
                    worker.push(i);
                    true
                },
                pop: || worker.pop(),
                thief: || {
                    let (stealer, mine) = (stealer.clone(), crossbeam_deque::Worker::new_lifo());
                    move || {
                        let first = stealer.steal_batch_and_pop(&mine).success().map(black_box);
                        first.map_or(0, |_| 1 + std::iter::from_fn(|| mine.pop().map(black_box)).count())
                    }
                },
            },
        )
    });
    Comparison {
        workload: format!("bounded deque owner + {thieves} thieves (LIFO, batch steals), per item"),
        threads: thieves + 1,
        filch,
        peers: vec![("st3", st3), ("crossbeam-deque", crossbeam)],
    }
}

fn contended<Steal: FnMut() -> usize + Send>(
    thieves: usize,
    items: usize,
    family: Family<impl Fn(usize) -> bool, impl Fn() -> Option<usize>, impl Fn() -> Steal>,
) -> Duration {
    let taken = AtomicUsize::new(0);
    let done = AtomicBool::new(false);
    let barrier = Barrier::new(thieves + 1);
    std::thread::scope(|scope| {
        for _ in 0..thieves {
            let mut steal = (family.thief)();
            let (taken, done, barrier) = (&taken, &done, &barrier);
            scope.spawn(move || {
                barrier.wait();
                // Acquire: pairs with the owner's Release store once every item is accounted for.
                while !done.load(Ordering::Acquire) {
                    let got = steal();
                    if got > 0 {
                        // Relaxed: a counter the owner sums; no data rides on it.
                        taken.fetch_add(got, Ordering::Relaxed);
                    }
                }
            });
        }
        barrier.wait();
        let start = Instant::now();
        let mut mine = 0;
        for i in 0..items {
            while !(family.push)(i) {
                mine += usize::from((family.pop)().is_some());
            }
            if i % 16 == 15 && (family.pop)().is_some() {
                mine += 1;
            }
        }
        while (family.pop)().is_some() {
            mine += 1;
        }
        // Relaxed: see above.
        while mine + taken.load(Ordering::Relaxed) < items {
            std::hint::spin_loop();
        }
        let elapsed = start.elapsed();
        // Release: pairs with the thieves' Acquire load.
        done.store(true, Ordering::Release);
        elapsed
    })
}
