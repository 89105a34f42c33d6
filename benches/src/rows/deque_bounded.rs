//! Bounded deque rows: `filch_deque::bounded` against st3 0.4 (the same design family: a fixed
//! ring with packed heads) and crossbeam-deque 0.8 (growable, for scale), one workload at a time.

use std::hint::black_box;
use std::time::{Duration, Instant};

use filch_deque::bounded;

use super::contended::{attempt, contended, lifo_sample, Family};
use super::tally::{Attempt, RowTally};
use crate::{Comparison, Config};

/// Ring capacity for every bounded deque in these rows.
const CAPACITY: usize = 256;

/// Every bounded-deque row.
pub fn rows(config: &Config, emit: &mut dyn FnMut(Comparison)) {
    let pairs: u64 = if config.quick { 1_000_000 } else { 10_000_000 };
    let items: usize = if config.quick { 100_000 } else { 1_000_000 };
    emit(push_pop(config, pairs, true));
    emit(push_pop(config, pairs, false));
    emit(batch_steal(config, if config.quick { 2_000 } else { 20_000 }));
    for thieves in config.thread_counts().into_iter().filter(|&n| n >= 2).map(|n| n - 1) {
        emit(owner_and_thieves(config, thieves, items));
    }
}

/// Pushes a few items into `deque` (so pops never hit the empty path); then each call is one
/// sample: the time of `pairs` push+pop pairs. Generic, so that each deque's calls are inlined
/// into its own loop.
fn pairs_on<D>(
    pairs: u64,
    deque: D,
    push: impl Fn(&D, u64),
    pop: impl Fn(&D) -> Option<u64>,
) -> impl FnMut() -> Duration {
    for i in 0..8 {
        push(&deque, i);
    }
    move || {
        let start = Instant::now();
        for i in 0..pairs {
            push(&deque, black_box(i));
            black_box(pop(&deque));
        }
        start.elapsed()
    }
}

/// A sample of push+pop pairs, whatever the deque.
type PairsSample = Box<dyn FnMut() -> Duration>;

fn push_pop(config: &Config, pairs: u64, lifo: bool) -> Comparison {
    let filch = if lifo { bounded::Worker::new_lifo(CAPACITY) } else { bounded::Worker::new_fifo(CAPACITY) };
    let mut filch = pairs_on(pairs, filch, |w, i| assert!(w.push(i).is_ok()), |w| w.pop());
    let (mut st3, mut crossbeam): (PairsSample, PairsSample) = if lifo {
        (
            Box::new(pairs_on(
                pairs,
                st3::lifo::Worker::new(CAPACITY),
                |w, i| w.push(i).unwrap(),
                |w| w.pop(),
            )),
            Box::new(pairs_on(pairs, crossbeam_deque::Worker::new_lifo(), |w, i| w.push(i), |w| w.pop())),
        )
    } else {
        (
            Box::new(pairs_on(
                pairs,
                st3::fifo::Worker::new(CAPACITY),
                |w, i| w.push(i).unwrap(),
                |w| w.pop(),
            )),
            Box::new(pairs_on(pairs, crossbeam_deque::Worker::new_fifo(), |w, i| w.push(i), |w| w.pop())),
        )
    };
    Comparison::in_turns(
        format!("bounded deque push+pop pair ({})", if lifo { "LIFO" } else { "FIFO" }),
        1,
        config.samples(),
        pairs,
        &mut filch,
        vec![("st3", &mut st3), ("crossbeam-deque", &mut crossbeam)],
    )
}

/// Fill a LIFO source with 128 items, then steal half at a time into a LIFO destination until
/// the source is empty (7 batches + leftovers); time per item stolen.
fn batch_steal(config: &Config, rounds: u64) -> Comparison {
    const ITEMS: u64 = 128;
    let rounds_of = |mut round: Box<dyn FnMut() -> Duration>| move || (0..rounds).map(|_| round()).sum();
    let mut filch = {
        let (source, dest) = (bounded::Worker::new_lifo(CAPACITY), bounded::Worker::new_lifo(CAPACITY));
        let stealer = source.stealer();
        rounds_of(Box::new(move || {
            (0..ITEMS).for_each(|i| assert!(source.push(i).is_ok()));
            let start = Instant::now();
            while stealer.steal_batch(&dest).is_success() {}
            let took = start.elapsed();
            while dest.pop().is_some() {}
            took
        }))
    };
    let mut st3 = {
        let (source, dest) = (st3::lifo::Worker::new(CAPACITY), st3::lifo::Worker::new(CAPACITY));
        let stealer = source.stealer();
        rounds_of(Box::new(move || {
            (0..ITEMS).for_each(|i| source.push(i).unwrap());
            let start = Instant::now();
            while stealer.steal(&dest, |n| n - n / 2).is_ok() {}
            let took = start.elapsed();
            while dest.pop().is_some() {}
            took
        }))
    };
    let mut crossbeam = {
        let (source, dest) = (crossbeam_deque::Worker::new_lifo(), crossbeam_deque::Worker::new_lifo());
        let stealer = source.stealer();
        rounds_of(Box::new(move || {
            (0..ITEMS).for_each(|i| source.push(i));
            let start = Instant::now();
            while stealer.steal_batch(&dest).is_success() {}
            let took = start.elapsed();
            while dest.pop().is_some() {}
            took
        }))
    };
    Comparison::in_turns(
        "bounded deque LIFO steal-half batches, per item stolen",
        1,
        config.samples(),
        rounds * ITEMS,
        &mut filch,
        vec![("st3", &mut st3), ("crossbeam-deque (32 per batch)", &mut crossbeam)],
    )
}

/// The owner pushes `items` (popping one per 16, and whenever the ring is full); `thieves`
/// threads steal half-batches into their own deques until everything is taken. Time per item.
fn owner_and_thieves(config: &Config, thieves: usize, items: usize) -> Comparison {
    let tally = RowTally::new(&["filch", "st3", "crossbeam-deque"]);
    // One sample on the ring `$worker`, each thief stealing with `$attempt` from its clone
    // `$stealer` of the ring's stealer into a ring `$mine` of its own, made by `$new`.
    macro_rules! ring_sample {
        ($worker:expr, $new:expr, |$stealer:ident, $mine:ident| $attempt:expr) => {{
            let worker = $worker;
            let stealer = worker.stealer();
            contended(
                thieves,
                items,
                Family {
                    push: |i| worker.push(i).is_ok(),
                    pop: || worker.pop(),
                    thief: || {
                        let ($stealer, $mine) = (stealer.clone(), $new);
                        move || $attempt
                    },
                },
            )
        }};
    }
    let mut filch = || {
        let new = || bounded::Worker::new_lifo(CAPACITY);
        let sample = ring_sample!(new(), new(), |stealer, mine| {
            attempt!(filch_deque, stealer.steal_batch_and_pop(&mine), |first| {
                black_box(first);
                1 + std::iter::from_fn(|| mine.pop().map(black_box)).count()
            })
        });
        tally.time_of("filch", sample)
    };
    let mut st3 = || {
        let new = || st3::lifo::Worker::new(CAPACITY);
        let sample =
            ring_sample!(new(), new(), |stealer, mine| match stealer.steal_and_pop(&mine, |n| n - n / 2) {
                Ok(first) => {
                    black_box(first);
                    Attempt::Took(1 + std::iter::from_fn(|| mine.pop().map(black_box)).count())
                }
                Err(st3::StealError::Busy) => Attempt::Retry,
                Err(st3::StealError::Empty) => Attempt::Empty,
            });
        tally.time_of("st3", sample)
    };
    let mut crossbeam =
        || tally.time_of("crossbeam-deque", lifo_sample!(crossbeam_deque, thieves, items, batches));
    tally.beside(
        Comparison::in_turns(
            format!("bounded deque owner + {thieves} thieves (LIFO, batch steals), per item"),
            thieves + 1,
            config.samples(),
            items as u64,
            &mut filch,
            vec![("st3", &mut st3), ("crossbeam-deque", &mut crossbeam)],
        ),
        (items * config.samples()) as u64,
    )
}
