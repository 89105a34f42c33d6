//! shuttle runs of filch-sleep: 8 workers idle (search, then sleep) on a shared queue while two
//! posters publish items in random bursts with `notify_one`; the main thread waits until every
//! item is consumed, then shuts down with `notify_all`. A lost wake-up leaves an item stranded
//! with every worker asleep and main blocked, which shuttle reports as a deadlock; shutdown must
//! always terminate; the ledger checks each item is consumed exactly once.
#![cfg(feature = "shuttle")]

use filch_sleep::{IdlePolicy, Sleep};
use filch_sync::atomic::{AtomicBool, Ordering};
use filch_sync::lock::{Condvar, Mutex};
use filch_sync::{thread, Arc};
use filch_verification::budget;
use filch_verification::ledger::Ledger;
use shuttle::rand::{thread_rng, Rng};

const WORKERS: usize = 8;
const POSTERS: usize = 2;

fn iterations() -> usize {
    budget::pick(1, 3_000, 30_000)
}

/// How many items have been consumed, and a condition to wait for all of them.
struct Consumed {
    count: Mutex<usize>,
    all: Condvar,
}

/// The scenario: `WORKERS` workers with `policy`, `POSTERS` posters of `per_poster` items each.
fn random_arrivals(policy: IdlePolicy, per_poster: usize) -> impl Fn() + Send + Sync + 'static {
    move || {
        let total = POSTERS * per_poster;
        let sleep = Arc::new(Sleep::with_policy(WORKERS, policy));
        let queue = Arc::new(Mutex::new(Vec::new()));
        let shutdown = Arc::new(AtomicBool::new(false));
        let ledger = Arc::new(Ledger::new(total));
        let consumed = Arc::new(Consumed { count: Mutex::new(0), all: Condvar::new() });
        let workers: Vec<_> = (0..WORKERS)
            .map(|index| {
                let (sleep, queue, shutdown, ledger, consumed) = (
                    Arc::clone(&sleep),
                    Arc::clone(&queue),
                    Arc::clone(&shutdown),
                    Arc::clone(&ledger),
                    Arc::clone(&consumed),
                );
                thread::spawn(move || {
                    let mut me = sleep.worker(index);
                    // `find`: an item, or `None` inside `Some` once shut down with the queue empty.
                    while let Some(item) = me.idle(|| match queue.lock().unwrap().pop() {
                        Some(item) => Some(Some(item)),
                        // Acquire: pairs with the Release store of `shutdown`.
                        None => shutdown.load(Ordering::Acquire).then_some(None),
                    }) {
                        ledger.record(item);
                        let mut count = consumed.count.lock().unwrap();
                        *count += 1;
                        if *count == total {
                            consumed.all.notify_all();
                        }
                    }
                })
            })
            .collect();
        let posters: Vec<_> = (0..POSTERS)
            .map(|poster| {
                let (sleep, queue) = (Arc::clone(&sleep), Arc::clone(&queue));
                thread::spawn(move || {
                    let mut rng = thread_rng();
                    let mut next = poster * per_poster;
                    let end = next + per_poster;
                    while next < end {
                        // A random burst, then a random pause.
                        let burst = rng.gen_range(1..=3).min(end - next);
                        for _ in 0..burst {
                            queue.lock().unwrap().push(next);
                            next += 1;
                            sleep.notify_one();
                        }
                        for _ in 0..rng.gen_range(0..4) {
                            thread::yield_now();
                        }
                    }
                })
            })
            .collect();
        for poster in posters {
            poster.join().unwrap();
        }
        let mut count = consumed.count.lock().unwrap();
        while *count < total {
            count = consumed.all.wait(count).unwrap();
        }
        drop(count);
        // Release: publishes shutdown to the workers' `find`.
        shutdown.store(true, Ordering::Release);
        sleep.notify_all();
        for worker in workers {
            worker.join().unwrap();
        }
        ledger.assert_each_recorded_once();
        assert_eq!(sleep.sleepy_and_searching(), (0, 0), "counts left behind after shutdown");
    }
}

const NO_SPIN: IdlePolicy = IdlePolicy { spin_rounds: 0, yield_rounds: 0, max_searching: None };

#[test]
fn random_arrivals_straight_to_sleep_consume_every_item() {
    shuttle::check_random(random_arrivals(NO_SPIN, 6), iterations());
}

#[test]
fn random_arrivals_with_searchers_consume_every_item() {
    let policy = IdlePolicy { spin_rounds: 2, yield_rounds: 1, max_searching: None };
    shuttle::check_random(random_arrivals(policy, 6), iterations());
}

#[test]
fn random_arrivals_with_one_searcher_under_pct_consume_every_item() {
    let policy = IdlePolicy { spin_rounds: 1, yield_rounds: 1, max_searching: Some(1) };
    shuttle::check_pct(random_arrivals(policy, 4), iterations(), 3);
}

#[test]
fn shutdown_with_every_worker_asleep_terminates() {
    shuttle::check_random(random_arrivals(NO_SPIN, 0), iterations());
}
