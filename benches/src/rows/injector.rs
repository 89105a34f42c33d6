//! Injector rows: `filch_injector::Injector` against crossbeam-queue's `SegQueue`, crossbeam-deque's
//! `Injector`, concurrent-queue's unbounded queue and `Mutex<VecDeque>`, in the same process.

use std::collections::VecDeque;
use std::hint::black_box;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Barrier, Mutex};
use std::thread;
use std::time::{Duration, Instant};

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
/// the time from the first thread leaving the start barrier to the last one finishing.
fn run_mpmc<Q: Sync>(
    queue: &Q,
    side: usize,
    items: u64,
    push: impl Fn(&Q, u64) + Sync,
    pop: impl Fn(&Q) -> Option<u64> + Sync,
) -> Duration {
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
                })
            }));
            spans.push(scope.spawn(|| {
                timed(&start, || {
                    let mut mine = 0;
                    while taken.load(Ordering::Relaxed) < total {
                        if let Some(item) = pop(queue) {
                            black_box(item);
                            mine += 1;
                            if mine == 64 {
                                taken.fetch_add(mine, Ordering::Relaxed);
                                mine = 0;
                            }
                        } else if mine > 0 {
                            taken.fetch_add(mine, Ordering::Relaxed);
                            mine = 0;
                        }
                    }
                    taken.fetch_add(mine, Ordering::Relaxed);
                })
            }));
        }
        whole_span(spans.into_iter().map(|span| span.join().unwrap()))
    })
}

/// Waits at `start`, runs `body`, and returns when it began and ended. Each thread takes its own
/// clock readings: a coordinating thread's reading would start late when the workers run first.
fn timed<R>(start: &Barrier, body: impl FnOnce() -> R) -> (Instant, Instant, R) {
    start.wait();
    let began = Instant::now();
    let result = body();
    (began, Instant::now(), result)
}

/// From the earliest start to the latest end of `spans`.
fn whole_span<R>(spans: impl Iterator<Item = (Instant, Instant, R)>) -> Duration {
    let (mut first, mut last) = (None::<Instant>, None::<Instant>);
    for (began, ended, result) in spans {
        black_box(result);
        first = Some(first.map_or(began, |first| first.min(began)));
        last = Some(last.map_or(ended, |last| last.max(ended)));
    }
    last.expect("filch-benches: no threads ran").duration_since(first.expect("filch-benches: no threads ran"))
}

fn filch_pop(injector: &filch_injector::Injector<u64>) -> Option<u64> {
    loop {
        match injector.steal() {
            filch_injector::Steal::Success(item) => return Some(item),
            filch_injector::Steal::Retry => continue,
            filch_injector::Steal::Empty => return None,
        }
    }
}

fn crossbeam_pop(injector: &crossbeam_deque::Injector<u64>) -> Option<u64> {
    loop {
        match injector.steal() {
            crossbeam_deque::Steal::Success(item) => return Some(item),
            crossbeam_deque::Steal::Retry => continue,
            crossbeam_deque::Steal::Empty => return None,
        }
    }
}

fn mpmc(config: &Config, side: usize, items: u64) -> Comparison {
    Comparison::in_turns(
        format!("injector MPMC {side}p/{side}c, per item"),
        2 * side,
        config.samples(),
        items,
        &mut || run_mpmc(&filch_injector::Injector::new(), side, items, |q, i| q.push(i), filch_pop),
        vec![
            ("crossbeam-queue SegQueue", &mut || {
                run_mpmc(&crossbeam_queue::SegQueue::new(), side, items, |q, i| q.push(i), |q| q.pop())
            }),
            ("crossbeam-deque Injector", &mut || {
                run_mpmc(&crossbeam_deque::Injector::new(), side, items, |q, i| q.push(i), crossbeam_pop)
            }),
            ("concurrent-queue", &mut || {
                run_mpmc(
                    &concurrent_queue::ConcurrentQueue::unbounded(),
                    side,
                    items,
                    |q, i| q.push(i).expect("unbounded and open"),
                    |q| q.pop().ok(),
                )
            }),
            ("Mutex<VecDeque>", &mut || {
                run_mpmc(
                    &Mutex::new(VecDeque::new()),
                    side,
                    items,
                    |q, i| q.lock().unwrap().push_back(i),
                    |q| q.lock().unwrap().pop_front(),
                )
            }),
        ],
    )
}

/// `consumers` threads take single items from a pre-filled queue until it is empty, with no
/// producer running: what contending consumers cost each other, on the head and the slots' lines.
fn single_steal_drain(config: &Config, consumers: usize, items: u64) -> Comparison {
    let mut filch = || {
        let injector = filch_injector::Injector::new();
        injector.push_batch(0..items);
        drain_on(consumers, || count_until_none(|| filch_pop(&injector)))
    };
    let mut seg_queue = || {
        let queue = crossbeam_queue::SegQueue::new();
        (0..items).for_each(|i| queue.push(i));
        drain_on(consumers, || count_until_none(|| queue.pop()))
    };
    let mut crossbeam = || {
        let injector = crossbeam_deque::Injector::new();
        (0..items).for_each(|i| injector.push(i));
        drain_on(consumers, || count_until_none(|| crossbeam_pop(&injector)))
    };
    let mut concurrent = || {
        let queue = concurrent_queue::ConcurrentQueue::unbounded();
        (0..items).for_each(|i| queue.push(i).expect("unbounded and open"));
        drain_on(consumers, || count_until_none(|| queue.pop().ok()))
    };
    Comparison::in_turns(
        format!("injector drain by {consumers} consumers, single steals, per item"),
        consumers,
        config.samples(),
        items,
        &mut filch,
        vec![
            ("crossbeam-queue SegQueue", &mut seg_queue),
            ("crossbeam-deque Injector", &mut crossbeam),
            ("concurrent-queue", &mut concurrent),
        ],
    )
}

/// Calls `pop` until it returns `None`; how many items it returned.
fn count_until_none(pop: impl Fn() -> Option<u64>) -> u64 {
    let mut taken = 0;
    while let Some(item) = pop() {
        black_box(item);
        taken += 1;
    }
    taken
}

/// `consumers` threads drain a pre-filled injector with `steal_batch_and_pop` into their own
/// FIFO deque, then pop that deque dry, until every item is taken; time per item.
fn batch_steal_and_pop(config: &Config, consumers: usize, items: u64) -> Comparison {
    let mut filch = || {
        let injector = filch_injector::Injector::new();
        injector.push_batch(0..items);
        drain_on(consumers, || {
            let local = filch_deque::Worker::new_fifo();
            let mut taken = 0;
            loop {
                let batch = injector.steal_batch_and_pop(&local);
                match batch {
                    filch_injector::Steal::Success(item) => {
                        black_box(item);
                        taken += 1;
                        while let Some(item) = local.pop() {
                            black_box(item);
                            taken += 1;
                        }
                    }
                    filch_injector::Steal::Retry => {}
                    filch_injector::Steal::Empty => return taken,
                }
            }
        })
    };
    let mut crossbeam = || {
        let injector = crossbeam_deque::Injector::new();
        (0..items).for_each(|i| injector.push(i));
        drain_on(consumers, || {
            let local = crossbeam_deque::Worker::new_fifo();
            let mut taken = 0;
            loop {
                match injector.steal_batch_and_pop(&local) {
                    crossbeam_deque::Steal::Success(item) => {
                        black_box(item);
                        taken += 1;
                        while let Some(item) = local.pop() {
                            black_box(item);
                            taken += 1;
                        }
                    }
                    crossbeam_deque::Steal::Retry => {}
                    crossbeam_deque::Steal::Empty => return taken,
                }
            }
        })
    };
    Comparison::in_turns(
        format!("injector steal_batch_and_pop into a FIFO deque, {consumers} consumer(s), per item"),
        consumers,
        config.samples(),
        items,
        &mut filch,
        vec![("crossbeam-deque Injector", &mut crossbeam)],
    )
}

/// Runs `drain` on `consumers` threads from one barrier; the time from the first start to the
/// last return.
fn drain_on(consumers: usize, drain: impl Fn() -> u64 + Sync) -> Duration {
    let start = Barrier::new(consumers);
    thread::scope(|scope| {
        let spans: Vec<_> = (0..consumers).map(|_| scope.spawn(|| timed(&start, &drain))).collect();
        whole_span(spans.into_iter().map(|span| span.join().unwrap()))
    })
}
