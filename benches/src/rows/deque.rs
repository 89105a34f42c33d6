//! Deque rows: the unbounded `filch_deque::Worker` against crossbeam-deque 0.8 and st3 0.4 (and
//! `Vec` for the owner's fast path), one workload at a time in the same process.

use std::hint::black_box;
use std::time::{Duration, Instant};

use super::contended::lifo_sample;
use super::tally::RowTally;
use crate::{Comparison, Config};

/// Every deque row.
pub fn rows(config: &Config, emit: &mut dyn FnMut(Comparison)) {
    let pairs: u64 = if config.quick { 1_000_000 } else { 10_000_000 };
    let burst: usize = if config.quick { 100_000 } else { 1_000_000 };
    let steal_rounds: u64 = if config.quick { 200 } else { 2_000 };
    emit(push_pop_lifo(config, pairs));
    emit(push_pop_fifo(config, pairs));
    emit(push_pop_fence_free(config, pairs));
    emit(lifo_steals(config, steal_rounds, true));
    emit(lifo_steals(config, steal_rounds, false));
    emit(grow_shrink_burst(config, burst));
    for thieves in config.thread_counts().into_iter().filter(|&n| n >= 2).map(|n| n - 1) {
        emit(owner_and_thieves(config, thieves, burst, false));
        emit(owner_and_thieves(config, thieves, burst, true));
    }
}

/// One sample: the time of `pairs` calls of `pair(i)`, each one push and one pop on a deque
/// already holding a few items (so pops never take the empty path). Generic, so that each
/// deque's pair is inlined into its own loop.
fn pairs_on(pairs: u64, mut pair: impl FnMut(u64)) -> impl FnMut() -> Duration {
    move || {
        let start = Instant::now();
        for i in 0..pairs {
            pair(black_box(i));
        }
        start.elapsed()
    }
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
    let mut filch_pairs = pairs_on(pairs, |i| {
        filch.push(i);
        black_box(filch.pop());
    });
    let mut crossbeam_pairs = pairs_on(pairs, |i| {
        crossbeam.push(i);
        black_box(crossbeam.pop());
    });
    let mut st3_pairs = pairs_on(pairs, |i| {
        st3.push(i).unwrap();
        black_box(st3.pop());
    });
    let mut vec_pairs = pairs_on(pairs, |i| {
        vec.push(i);
        black_box(vec.pop());
    });
    Comparison::in_turns(
        "deque push+pop pair (LIFO)",
        1,
        samples,
        pairs,
        &mut filch_pairs,
        vec![("crossbeam-deque", &mut crossbeam_pairs), ("st3", &mut st3_pairs), ("Vec", &mut vec_pairs)],
    )
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
    let mut filch_pairs = pairs_on(pairs, |i| {
        filch.push(i);
        black_box(filch.pop());
    });
    let mut crossbeam_pairs = pairs_on(pairs, |i| {
        crossbeam.push(i);
        black_box(crossbeam.pop());
    });
    let mut st3_pairs = pairs_on(pairs, |i| {
        st3.push(i).unwrap();
        black_box(st3.pop());
    });
    Comparison::in_turns(
        "deque push+pop pair (FIFO)",
        1,
        samples,
        pairs,
        &mut filch_pairs,
        vec![("crossbeam-deque", &mut crossbeam_pairs), ("st3", &mut st3_pairs)],
    )
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
    let mut filch_pairs = pairs_on(pairs, |i| {
        filch.push(i);
        black_box(filch.pop());
    });
    let mut vec_pairs = pairs_on(pairs, |i| {
        vec.push(i);
        black_box(vec.pop());
    });
    let mut crossbeam_pairs = pairs_on(pairs, |i| {
        crossbeam.push(i);
        black_box(crossbeam.pop());
    });
    Comparison::in_turns(
        "deque push+pop pair (fence-free LIFO)",
        1,
        samples,
        pairs,
        &mut filch_pairs,
        vec![("Vec", &mut vec_pairs), ("crossbeam-deque", &mut crossbeam_pairs)],
    )
}

/// Timed rounds of uncontended steals on one thread: 64 items pushed (untimed), then stolen from
/// the front until the deque is empty, one at a time or in `steal_batch`es into a second deque
/// (drained, untimed). The same code for both crates (they share the API).
macro_rules! lifo_steal_rounds {
    ($krate:ident, $rounds:expr, $batches:expr) => {{
        let (source, dest) = ($krate::Worker::new_lifo(), $krate::Worker::new_lifo());
        let stealer = source.stealer();
        move || -> Duration {
            (0..$rounds)
                .map(|_| {
                    for i in 0..STEAL_ROUND_ITEMS {
                        source.push(i);
                    }
                    let start = Instant::now();
                    if $batches {
                        while stealer.steal_batch(&dest).is_success() {}
                    } else {
                        while let Some(item) = stealer.steal().success() {
                            black_box(item);
                        }
                    }
                    let took = start.elapsed();
                    while dest.pop().is_some() {}
                    took
                })
                .sum()
        }
    }};
}

/// Items pushed before each round of [`lifo_steal_rounds`].
const STEAL_ROUND_ITEMS: u64 = 64;

/// Per item stolen: [`lifo_steal_rounds`] on filch and crossbeam-deque, `steal_batch` (32 at a
/// time) or single steals.
fn lifo_steals(config: &Config, rounds: u64, batches: bool) -> Comparison {
    let mut filch = lifo_steal_rounds!(filch_deque, rounds, batches);
    let mut crossbeam = lifo_steal_rounds!(crossbeam_deque, rounds, batches);
    let how = if batches { "steal_batch" } else { "single steals" };
    Comparison::in_turns(
        format!("deque LIFO {how}, per item stolen"),
        1,
        config.samples(),
        rounds * STEAL_ROUND_ITEMS,
        &mut filch,
        vec![("crossbeam-deque", &mut crossbeam)],
    )
}

/// Push `items` then pop them all: the buffer grows from its default to `items` and back.
fn grow_shrink_burst(config: &Config, items: usize) -> Comparison {
    fn burst(items: usize, mut push: impl FnMut(usize), mut pop: impl FnMut() -> Option<usize>) -> Duration {
        let start = Instant::now();
        for i in 0..items {
            push(black_box(i));
        }
        while black_box(pop()).is_some() {}
        start.elapsed()
    }
    let filch = filch_deque::Worker::new_lifo();
    let crossbeam = crossbeam_deque::Worker::new_lifo();
    Comparison::in_turns(
        format!("deque grow/shrink burst (push {items}, pop {items}), per op"),
        1,
        config.samples(),
        items as u64 * 2,
        &mut || {
            burst(
                items,
                |i| {
                    filch.push(i);
                },
                || filch.pop(),
            )
        },
        vec![("crossbeam-deque", &mut || burst(items, |i| crossbeam.push(i), || crossbeam.pop()))],
    )
}

/// The owner pushes `items` (popping one per 16); `thieves` threads steal until everything is
/// taken, one item at a time, or with `batches` half-batches by `steal_batch_and_pop` into a
/// deque of their own, which they drain (as a work-stealing scheduler's workers do). Time per
/// item.
fn owner_and_thieves(config: &Config, thieves: usize, items: usize, batches: bool) -> Comparison {
    let tally = RowTally::new(&["filch", "crossbeam-deque"]);
    // One sample on `$krate`'s deque, with single or batch steals as the row says.
    macro_rules! sample {
        ($krate:ident) => {
            if batches {
                lifo_sample!($krate, thieves, items, batches)
            } else {
                lifo_sample!($krate, thieves, items, single)
            }
        };
    }
    let mut filch = || tally.time_of("filch", sample!(filch_deque));
    let mut crossbeam = || tally.time_of("crossbeam-deque", sample!(crossbeam_deque));
    let steals = if batches { "batch steals" } else { "single steals" };
    tally.beside(
        Comparison::in_turns(
            format!("deque owner + {thieves} thieves (LIFO, {steals}), per item"),
            thieves + 1,
            config.samples(),
            items as u64,
            &mut filch,
            vec![("crossbeam-deque", &mut crossbeam)],
        ),
        (items * config.samples()) as u64,
    )
}
