//! Injector rows: `filch_injector::Injector` against crossbeam-queue's `SegQueue`, crossbeam-deque's
//! `Injector`, concurrent-queue's unbounded queue and `Mutex<VecDeque>`, in the same process.

use std::collections::VecDeque;
use std::hint::black_box;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Barrier, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use super::contended::attempt;
use super::tally::{Attempt, RowTally, Tally};
use crate::{Comparison, Config};

/// Every injector row: MPMC at each producer/consumer split the thread counts allow, consumers
/// alone draining a pre-filled queue, then batch steals into a local deque.
pub fn rows(config: &Config, emit: &mut dyn FnMut(Comparison)) {
    let items: u64 = if config.quick { 200_000 } else { 2_000_000 };
    let mut splits: Vec<usize> = config.thread_counts().into_iter().map(|n| (n / 2).max(1)).collect();
    splits.dedup();
    for side in splits {
        emit(mpmc(config, side, items));
    }
    if config.threads >= 2 {
        emit(single_steal_drain(config, config.threads, items));
    }
    for consumers in [1, config.threads.max(1)] {
        emit(batch_steal_and_pop(config, consumers, items));
        if config.threads <= 1 {
            break;
        }
    }
}

/// `producers` threads push `items` in total while `producers` threads pop until all are taken;
/// the time from the first thread leaving the start barrier to the last one finishing, and the
/// consumers' attempts.
fn run_mpmc<Q: Sync>(
    queue: &Q,
    side: usize,
    items: u64,
    push: impl Fn(&Q, u64) + Sync,
    pop: impl Fn(&Q) -> Attempt<u64> + Sync,
) -> (Duration, Tally) {
    let taken = AtomicU64::new(0);
    let start = Barrier::new(2 * side);
    let per_producer = items / side as u64;
    let total = per_producer * side as u64;
    thread::scope(|scope| {
        let mut spans = Vec::new();
        for _ in 0..side {
            spans.push(scope.spawn(|| {
                timed(&start, || {
                    for i in 0..per_producer {
                        push(queue, i);
                    }
                    Tally::default()
                })
            }));
            spans.push(scope.spawn(|| {
                timed(&start, || {
                    let (mut mine, mut tally) = (0, Tally::default());
                    while taken.load(Ordering::Relaxed) < total {
                        let attempt = pop(queue);
                        // Only an empty queue makes a consumer hand in its count early: a `Retry`
                        // is tried again at once, as the peers' own `pop` loops do inside.
                        let empty = matches!(attempt, Attempt::Empty);
                        if let Some(item) = tally.count(attempt) {
                            black_box(item);
                            mine += 1;
                            if mine == 64 {
                                taken.fetch_add(mine, Ordering::Relaxed);
                                mine = 0;
                            }
                        } else if empty && mine > 0 {
                            taken.fetch_add(mine, Ordering::Relaxed);
                            mine = 0;
                        }
                    }
                    taken.fetch_add(mine, Ordering::Relaxed);
                    tally
                })
            }));
        }
        summed(whole_span(spans.into_iter().map(|span| span.join().unwrap())))
    })
}

/// The time of a run and its threads' tallies added up.
fn summed((time, tallies): (Duration, Vec<Tally>)) -> (Duration, Tally) {
    let mut sum = Tally::default();
    tallies.into_iter().for_each(|tally| sum += tally);
    (time, sum)
}

/// Waits at `start`, runs `body`, and returns when it began and ended. Each thread takes its own
/// clock readings: a coordinating thread's reading would start late when the workers run first.
fn timed<R>(start: &Barrier, body: impl FnOnce() -> R) -> (Instant, Instant, R) {
    start.wait();
    let began = Instant::now();
    let result = body();
    (began, Instant::now(), result)
}

/// From the earliest start to the latest end of `spans`, and what each thread returned.
fn whole_span<R>(spans: impl Iterator<Item = (Instant, Instant, R)>) -> (Duration, Vec<R>) {
    let (mut first, mut last, mut results) = (None::<Instant>, None::<Instant>, Vec::new());
    for (began, ended, result) in spans {
        results.push(result);
        first = Some(first.map_or(began, |first| first.min(began)));
        last = Some(last.map_or(ended, |last| last.max(ended)));
    }
    let time = last
        .expect("filch-benches: no threads ran")
        .duration_since(first.expect("filch-benches: no threads ran"));
    (time, results)
}

fn filch_steal(injector: &filch_injector::Injector<u64>) -> Attempt<u64> {
    attempt!(filch_injector, injector.steal(), |item| item)
}

fn crossbeam_steal(injector: &crossbeam_deque::Injector<u64>) -> Attempt<u64> {
    attempt!(crossbeam_deque, injector.steal(), |item| item)
}

/// An answer with no retry in it: an item or nothing.
fn some_or_empty(item: Option<u64>) -> Attempt<u64> {
    item.map_or(Attempt::Empty, Attempt::Took)
}

fn mpmc(config: &Config, side: usize, items: u64) -> Comparison {
    let tally = RowTally::new(&PEERS_AND_FILCH);
    tally.beside(
        Comparison::in_turns(
            format!("injector MPMC {side}p/{side}c, per item"),
            2 * side,
            config.samples(),
            items,
            &mut || {
                tally.time_of(
                    "filch",
                    run_mpmc(&filch_injector::Injector::new(), side, items, |q, i| q.push(i), filch_steal),
                )
            },
            vec![
                (SEG_QUEUE, &mut || {
                    let queue = crossbeam_queue::SegQueue::new();
                    tally.time_of(
                        SEG_QUEUE,
                        run_mpmc(&queue, side, items, |q, i| q.push(i), |q| some_or_empty(q.pop())),
                    )
                }),
                (CROSSBEAM, &mut || {
                    let injector = crossbeam_deque::Injector::new();
                    tally.time_of(
                        CROSSBEAM,
                        run_mpmc(&injector, side, items, |q, i| q.push(i), crossbeam_steal),
                    )
                }),
                (CONCURRENT_QUEUE, &mut || {
                    let queue = concurrent_queue::ConcurrentQueue::unbounded();
                    let push = |q: &concurrent_queue::ConcurrentQueue<u64>, i| {
                        q.push(i).expect("unbounded and open")
                    };
                    tally.time_of(
                        CONCURRENT_QUEUE,
                        run_mpmc(&queue, side, items, push, |q| some_or_empty(q.pop().ok())),
                    )
                }),
                ("Mutex<VecDeque>", &mut || {
                    let queue = Mutex::new(VecDeque::new());
                    let push = |q: &Mutex<VecDeque<u64>>, i| q.lock().unwrap().push_back(i);
                    run_mpmc(&queue, side, items, push, |q| some_or_empty(q.lock().unwrap().pop_front())).0
                }),
            ],
        ),
        items * config.samples() as u64,
    )
}

/// The peers' names in the rows that tally attempts.
const SEG_QUEUE: &str = "crossbeam-queue SegQueue";
const CROSSBEAM: &str = "crossbeam-deque Injector";
const CONCURRENT_QUEUE: &str = "concurrent-queue";
/// Filch and the peers whose attempts the rows tally (a `Mutex<VecDeque>` neither retries nor
/// contends on anything but its lock).
const PEERS_AND_FILCH: [&str; 4] = ["filch", SEG_QUEUE, CROSSBEAM, CONCURRENT_QUEUE];

/// `consumers` threads take single items from a pre-filled queue until it is empty, with no
/// producer running: what contending consumers cost each other, on the head and the slots' lines.
fn single_steal_drain(config: &Config, consumers: usize, items: u64) -> Comparison {
    let tally = RowTally::new(&PEERS_AND_FILCH);
    let mut filch = || {
        let injector = filch_injector::Injector::new();
        injector.push_batch(0..items);
        tally.time_of("filch", drain_on(consumers, || until_empty(|| filch_steal(&injector))))
    };
    let mut seg_queue = || {
        let queue = crossbeam_queue::SegQueue::new();
        (0..items).for_each(|i| queue.push(i));
        tally.time_of(SEG_QUEUE, drain_on(consumers, || until_empty(|| some_or_empty(queue.pop()))))
    };
    let mut crossbeam = || {
        let injector = crossbeam_deque::Injector::new();
        (0..items).for_each(|i| injector.push(i));
        tally.time_of(CROSSBEAM, drain_on(consumers, || until_empty(|| crossbeam_steal(&injector))))
    };
    let mut concurrent = || {
        let queue = concurrent_queue::ConcurrentQueue::unbounded();
        (0..items).for_each(|i| queue.push(i).expect("unbounded and open"));
        tally.time_of(
            CONCURRENT_QUEUE,
            drain_on(consumers, || until_empty(|| some_or_empty(queue.pop().ok()))),
        )
    };
    tally.beside(
        Comparison::in_turns(
            format!("injector drain by {consumers} consumers, single steals, per item"),
            consumers,
            config.samples(),
            items,
            &mut filch,
            vec![
                (SEG_QUEUE, &mut seg_queue),
                (CROSSBEAM, &mut crossbeam),
                (CONCURRENT_QUEUE, &mut concurrent),
            ],
        ),
        items * config.samples() as u64,
    )
}

/// Makes attempts until one finds the queue empty; what they came to.
fn until_empty(take: impl Fn() -> Attempt<u64>) -> Tally {
    let mut tally = Tally::default();
    loop {
        let attempt = take();
        let empty = matches!(attempt, Attempt::Empty);
        black_box(tally.count(attempt));
        if empty {
            return tally;
        }
    }
}

/// `consumers` threads drain a pre-filled injector with `steal_batch_and_pop` into their own
/// FIFO deque, then pop that deque dry, until every item is taken; time per item.
fn batch_steal_and_pop(config: &Config, consumers: usize, items: u64) -> Comparison {
    let tally = RowTally::new(&["filch", CROSSBEAM]);
    // Drains `$injector` by `$krate`'s batch steals into a FIFO deque per consumer (`$deque`'s).
    macro_rules! batch_drain {
        ($krate:ident, $deque:ident, $injector:expr) => {
            drain_on(consumers, || {
                let local = $deque::Worker::new_fifo();
                let pop_local = || local.pop();
                until_empty(|| {
                    attempt!($krate, $injector.steal_batch_and_pop(&local), |first| drained(first, pop_local))
                })
            })
        };
    }
    let mut filch = || {
        let injector = filch_injector::Injector::new();
        injector.push_batch(0..items);
        tally.time_of("filch", batch_drain!(filch_injector, filch_deque, injector))
    };
    let mut crossbeam = || {
        let injector = crossbeam_deque::Injector::new();
        (0..items).for_each(|i| injector.push(i));
        tally.time_of(CROSSBEAM, batch_drain!(crossbeam_deque, crossbeam_deque, injector))
    };
    tally.beside(
        Comparison::in_turns(
            format!("injector steal_batch_and_pop into a FIFO deque, {consumers} consumer(s), per item"),
            consumers,
            config.samples(),
            items,
            &mut filch,
            vec![(CROSSBEAM, &mut crossbeam)],
        ),
        items * config.samples() as u64,
    )
}

/// How many items a batch steal took: the one it returned, then what it put into the caller's
/// deque, popped here with `pop`.
fn drained(first: u64, pop: impl FnMut() -> Option<u64>) -> u64 {
    black_box(first);
    1 + std::iter::from_fn(pop).map(black_box).count() as u64
}

/// Runs `drain` on `consumers` threads from one barrier; the time from the first start to the
/// last return, and their tallies added up.
fn drain_on(consumers: usize, drain: impl Fn() -> Tally + Sync) -> (Duration, Tally) {
    let start = Barrier::new(consumers);
    thread::scope(|scope| {
        let spans: Vec<_> = (0..consumers).map(|_| scope.spawn(|| timed(&start, &drain))).collect();
        summed(whole_span(spans.into_iter().map(|span| span.join().unwrap())))
    })
}
