//! Deque rows: the unbounded `filch_deque::Worker` against crossbeam-deque 0.8 and st3 0.4 (and
//! `Vec` for the owner's fast path), one workload at a time in the same process.

use std::hint::black_box;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Barrier;
use std::time::{Duration, Instant};

use crate::{measure, Comparison, Config, Stats};

/// Every deque row.
pub fn rows(config: &Config) -> Vec<Comparison> {
    let pairs: u64 = if config.quick { 1_000_000 } else { 10_000_000 };
    let burst: usize = if config.quick { 100_000 } else { 1_000_000 };
    let mut rows = vec![
        push_pop_lifo(config, pairs),
        push_pop_fifo(config, pairs),
        push_pop_fence_free(config, pairs),
        lifo_batch_steal(config, if config.quick { 200 } else { 2_000 }),
        grow_shrink_burst(config, burst),
    ];
    for thieves in config.thread_counts().into_iter().filter(|&n| n >= 2).map(|n| n - 1) {
        rows.push(owner_and_thieves(config, thieves, burst));
    }
    rows
}

/// Times `pairs` calls of `pair(i)`, each one push and one pop on a deque already holding a few
/// items (so pops never take the empty path).
fn pairs_on(samples: usize, pairs: u64, mut pair: impl FnMut(u64)) -> Stats {
    measure(samples, pairs, || {
        let start = Instant::now();
        for i in 0..pairs {
            pair(black_box(i));
        }
        start.elapsed()
    })
}

/// A few items to start from.
const PREFILL: std::ops::Range<u64> = 0..8;

fn push_pop_lifo(config: &Config, pairs: u64) -> Comparison {
    let samples = config.samples();
    let filch = filch_deque::Worker::new_lifo();
    let crossbeam = crossbeam_deque::Worker::new_lifo();
    let st3 = st3::lifo::Worker::new(1024);
    let mut vec = Vec::with_capacity(64);
    for i in PREFILL {
        filch.push(i);
        crossbeam.push(i);
        st3.push(i).unwrap();
        vec.push(i);
    }
    Comparison {
        workload: "deque push+pop pair (LIFO)".into(),
        threads: 1,
        filch: pairs_on(samples, pairs, |i| {
            filch.push(i);
            black_box(filch.pop());
        }),
        peers: vec![
            (
                "crossbeam-deque",
                pairs_on(samples, pairs, |i| {
                    crossbeam.push(i);
                    black_box(crossbeam.pop());
                }),
            ),
            (
                "st3",
                pairs_on(samples, pairs, |i| {
                    st3.push(i).unwrap();
                    black_box(st3.pop());
                }),
            ),
            (
                "Vec",
                pairs_on(samples, pairs, |i| {
                    vec.push(i);
                    black_box(vec.pop());
                }),
            ),
        ],
    }
}

fn push_pop_fifo(config: &Config, pairs: u64) -> Comparison {
    let samples = config.samples();
    let filch = filch_deque::Worker::new_fifo();
    let crossbeam = crossbeam_deque::Worker::new_fifo();
    let st3 = st3::fifo::Worker::new(1024);
    for i in PREFILL {
        filch.push(i);
        crossbeam.push(i);
        st3.push(i).unwrap();
    }
    Comparison {
        workload: "deque push+pop pair (FIFO)".into(),
        threads: 1,
        filch: pairs_on(samples, pairs, |i| {
            filch.push(i);
            black_box(filch.pop());
        }),
        peers: vec![
            (
                "crossbeam-deque",
                pairs_on(samples, pairs, |i| {
                    crossbeam.push(i);
                    black_box(crossbeam.pop());
                }),
            ),
            (
                "st3",
                pairs_on(samples, pairs, |i| {
                    st3.push(i).unwrap();
                    black_box(st3.pop());
                }),
            ),
        ],
    }
}

fn push_pop_fence_free(config: &Config, pairs: u64) -> Comparison {
    let samples = config.samples();
    let filch = filch_deque::Worker::new_lifo_fence_free();
    let crossbeam = crossbeam_deque::Worker::new_lifo();
    let mut vec = Vec::with_capacity(64);
    for i in PREFILL {
        filch.push(i);
        crossbeam.push(i);
        vec.push(i);
    }
    Comparison {
        workload: "deque push+pop pair (fence-free LIFO)".into(),
        threads: 1,
        filch: pairs_on(samples, pairs, |i| {
            filch.push(i);
            black_box(filch.pop());
        }),
        peers: vec![
            (
                "Vec",
                pairs_on(samples, pairs, |i| {
                    vec.push(i);
                    black_box(vec.pop());
                }),
            ),
            (
                "crossbeam-deque",
                pairs_on(samples, pairs, |i| {
                    crossbeam.push(i);
                    black_box(crossbeam.pop());
                }),
            ),
        ],
    }
}

/// Per item: fill a LIFO deque with 64 items, take them with `steal_batch` (32 at a time) into a
/// second deque, and empty that one.
fn lifo_batch_steal(config: &Config, rounds: u64) -> Comparison {
    const ITEMS: u64 = 64;
    let samples = config.samples();
    let per_item = |mut round: Box<dyn FnMut() -> Duration>| {
        measure(samples, rounds * ITEMS, || (0..rounds).map(|_| round()).sum())
    };
    let filch = {
        let (source, dest) = (filch_deque::Worker::new_lifo(), filch_deque::Worker::new_lifo());
        let stealer = source.stealer();
        per_item(Box::new(move || {
            for i in 0..ITEMS {
                source.push(i);
            }
            let start = Instant::now();
            while stealer.steal_batch(&dest).is_success() {}
            let took = start.elapsed();
            while dest.pop().is_some() {}
            took
        }))
    };
    let crossbeam = {
        let (source, dest) = (crossbeam_deque::Worker::new_lifo(), crossbeam_deque::Worker::new_lifo());
        let stealer = source.stealer();
        per_item(Box::new(move || {
            for i in 0..ITEMS {
                source.push(i);
            }
            let start = Instant::now();
            while stealer.steal_batch(&dest).is_success() {}
            let took = start.elapsed();
            while dest.pop().is_some() {}
            took
        }))
    };
    Comparison {
        workload: "deque LIFO steal_batch, per item stolen".into(),
        threads: 1,
        filch,
        peers: vec![("crossbeam-deque", crossbeam)],
    }
}

/// Push `items` then pop them all: the buffer grows from its default to `items` and back.
fn grow_shrink_burst(config: &Config, items: usize) -> Comparison {
    let samples = config.samples();
    let run = |push: &mut dyn FnMut(usize), pop: &mut dyn FnMut() -> Option<usize>| {
        measure(samples, items as u64 * 2, || {
            let start = Instant::now();
            for i in 0..items {
                push(black_box(i));
            }
            while black_box(pop()).is_some() {}
            start.elapsed()
        })
    };
    let filch = {
        let worker = filch_deque::Worker::new_lifo();
        run(
            &mut |i| {
                worker.push(i);
            },
            &mut || worker.pop(),
        )
    };
    let crossbeam = {
        let worker = crossbeam_deque::Worker::new_lifo();
        run(&mut |i| worker.push(i), &mut || worker.pop())
    };
    Comparison {
        workload: format!("deque grow/shrink burst (push {items}, pop {items}), per op"),
        threads: 1,
        filch,
        peers: vec![("crossbeam-deque", crossbeam)],
    }
}

/// The owner pushes `items` in chunks of 16 and pops one per chunk; `thieves` threads steal (one
/// item at a time) until everything is taken. Time per item.
fn owner_and_thieves(config: &Config, thieves: usize, items: usize) -> Comparison {
    let samples = config.samples();
    let filch = measure(samples, items as u64, || {
        let worker = filch_deque::Worker::new_lifo();
        let stealer = worker.stealer();
        contended(
            thieves,
            items,
            |i| {
                worker.push(i);
            },
            || worker.pop(),
            move || stealer.steal().success(),
        )
    });
    let crossbeam = measure(samples, items as u64, || {
        let worker = crossbeam_deque::Worker::new_lifo();
        let stealer = worker.stealer();
        contended(thieves, items, |i| worker.push(i), || worker.pop(), move || stealer.steal().success())
    });
    Comparison {
        workload: format!("deque owner + {thieves} thieves (LIFO, single steals), per item"),
        threads: thieves + 1,
        filch,
        peers: vec![("crossbeam-deque", crossbeam)],
    }
}

fn contended(
    thieves: usize,
    items: usize,
    mut push: impl FnMut(usize),
    mut pop: impl FnMut() -> Option<usize>,
    steal: impl Fn() -> Option<usize> + Clone + Send,
) -> Duration {
    let taken = AtomicUsize::new(0);
    let done = AtomicBool::new(false);
    let barrier = Barrier::new(thieves + 1);
    std::thread::scope(|scope| {
        for _ in 0..thieves {
            let (steal, taken, done, barrier) = (steal.clone(), &taken, &done, &barrier);
            scope.spawn(move || {
                barrier.wait();
                while !done.load(Ordering::Acquire) {
                    if steal().is_some() {
                        taken.fetch_add(1, Ordering::Relaxed);
                    }
                }
            });
        }
        barrier.wait();
        let start = Instant::now();
        let mut mine = 0;
        for i in 0..items {
            push(i);
            if i % 16 == 15 && pop().is_some() {
                mine += 1;
            }
        }
        while pop().is_some() {
            mine += 1;
        }
        while mine + taken.load(Ordering::Relaxed) < items {
            std::hint::spin_loop();
        }
        let elapsed = start.elapsed();
        done.store(true, Ordering::Release);
        elapsed
    })
}
