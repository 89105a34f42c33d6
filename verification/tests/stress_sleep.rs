//! Stress and soak runs of filch-sleep on real threads (the TSan tier runs this file).
//!
//! - a soak of post/sleep cycles with random timing: every cycle that waits for its item to be
//!   consumed is a lost-wake-up check, bounded by a deadline that fails the test instead of
//!   hanging it;
//! - a join-style latch handed back and forth, and a scope with many decrementers;
//! - idle: once every worker sleeps, nothing wakes them.
#![cfg(not(any(loom, feature = "shuttle")))]

use std::time::{Duration, Instant};

use filch_sleep::{CountLatch, IdlePolicy, Latch, Sleep, StdSleep};
use filch_sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use filch_sync::{thread, Arc};
use filch_verification::budget;

/// How long one wait for progress may take before the test calls it a lost wake-up.
const STUCK: Duration = Duration::from_secs(20);

/// A small xorshift generator: random timing without a dependency.
struct Rng(u64);

impl Rng {
    fn below(&mut self, bound: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % bound
    }
}

/// Spins until `done()` or panics after `STUCK`, naming `what` and the sleep state.
fn wait_for(sleep: &StdSleep, what: &str, mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(
            start.elapsed() < STUCK,
            "filch-sleep stress: stuck waiting for {what}; (sleepy, searching) = {:?}, {:?}",
            sleep.sleepy_and_searching(),
            sleep.statistics()
        );
        thread::yield_now();
    }
}

fn soak(workers: usize, policy: IdlePolicy, cycles: usize, seed: u64) {
    let sleep = Arc::new(Sleep::with_policy(workers, policy));
    let items = Arc::new(AtomicUsize::new(0));
    let consumed = Arc::new(AtomicUsize::new(0));
    let shutdown = Arc::new(AtomicBool::new(false));
    let handles: Vec<_> = (0..workers)
        .map(|index| {
            let (sleep, items, consumed, shutdown) =
                (Arc::clone(&sleep), Arc::clone(&items), Arc::clone(&consumed), Arc::clone(&shutdown));
            thread::spawn(move || {
                let mut me = sleep.worker(index);
                while me.idle(|| {
                    // AcqRel: take an item the poster published.
                    if items.fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| n.checked_sub(1)).is_ok() {
                        Some(true)
                    } else {
                        // Acquire: pairs with the Release store of `shutdown`.
                        shutdown.load(Ordering::Acquire).then_some(false)
                    }
                }) {
                    // Release: the poster's Acquire reads it when waiting for consumption.
                    consumed.fetch_add(1, Ordering::Release);
                }
            })
        })
        .collect();
    let mut rng = Rng(seed);
    for posted in 1..=cycles {
        match rng.below(8) {
            // Wait until some worker is sleepy, so the post races its announce/check/commit.
            0 => wait_for(&sleep, "a sleepy worker", || sleep.sleepy_and_searching().0 > 0),
            1 => {
                for _ in 0..rng.below(256) {
                    std::hint::spin_loop();
                }
            }
            2 => thread::yield_now(),
            _ => {}
        }
        // Release: publishes the item; `notify_one` fences after it.
        items.fetch_add(1, Ordering::Release);
        sleep.notify_one();
        // Every other cycle waits for its item: a lost wake-up strands it and fails here.
        if rng.below(2) == 0 {
            wait_for(&sleep, "the posted item to be consumed", || consumed.load(Ordering::Acquire) == posted);
        }
    }
    wait_for(&sleep, "every item to be consumed", || consumed.load(Ordering::Acquire) == cycles);
    // Release: publishes shutdown to the workers' `find`.
    shutdown.store(true, Ordering::Release);
    sleep.notify_all();
    for handle in handles {
        handle.join().unwrap();
    }
    assert_eq!(sleep.sleepy_and_searching(), (0, 0));
    let stats = sleep.statistics();
    assert!(cycles < 1_000 || (stats.sleeps > 0 && stats.wakeups > 0), "the soak never slept: {stats:?}");
}

#[test]
fn soak_post_sleep_cycles_straight_to_sleep() {
    let cycles = budget::pick(200, 100_000, 1_000_000);
    soak(2, IdlePolicy { spin_rounds: 0, yield_rounds: 0, max_searching: None }, cycles, 0x9e37_79b9);
}

#[test]
fn soak_post_sleep_cycles_with_searchers() {
    let cycles = budget::pick(200, 100_000, 1_000_000);
    soak(4, IdlePolicy::default(), cycles, 0x2545_f491);
}

#[test]
fn join_latches_handed_back_and_forth() {
    let rounds = budget::pick(50, 5_000, 100_000);
    let sleep =
        Arc::new(Sleep::with_policy(2, IdlePolicy { spin_rounds: 2, yield_rounds: 0, max_searching: None }));
    let other = {
        let sleep = Arc::clone(&sleep);
        thread::spawn(move || {
            let mut me = sleep.worker(1);
            for _ in 0..rounds {
                // Worker 1 sets a latch owned by worker 0, then waits on one of its own.
                let latch = Latch::new(1);
                let mine = &latch as *const Latch as usize;
                let theirs = Arc::new(AtomicUsize::new(mine));
                let setter = {
                    let (sleep, theirs) = (Arc::clone(&sleep), Arc::clone(&theirs));
                    thread::spawn(move || {
                        // SAFETY: worker 1 waits on the latch below, so it is live here.
                        unsafe { Latch::set(theirs.load(Ordering::Relaxed) as *const Latch, &sleep) }
                    })
                };
                me.wait_until(|| latch.probe());
                setter.join().unwrap();
            }
        })
    };
    let mut me = sleep.worker(0);
    for _ in 0..rounds / 10 {
        let scope = CountLatch::new(0);
        let address = &scope as *const CountLatch as usize;
        let tasks: Vec<_> = (0..4)
            .map(|_| {
                scope.increment();
                let sleep = Arc::clone(&sleep);
                thread::spawn(move || {
                    // SAFETY: worker 0 waits for zero below, which is not before this decrement.
                    unsafe { CountLatch::decrement(address as *const CountLatch, &sleep) }
                })
            })
            .collect();
        // SAFETY: the owner's share; `scope` lives on this frame.
        unsafe { CountLatch::decrement(&scope, &sleep) };
        me.wait_until(|| scope.probe());
        for task in tasks {
            task.join().unwrap();
        }
    }
    other.join().unwrap();
}

#[test]
#[cfg_attr(miri, ignore)] // timing-based
fn sleeping_workers_stay_asleep() {
    let workers = 4;
    let sleep = Arc::new(Sleep::new(workers));
    let shutdown = Arc::new(AtomicBool::new(false));
    let handles: Vec<_> = (0..workers)
        .map(|index| {
            let (sleep, shutdown) = (Arc::clone(&sleep), Arc::clone(&shutdown));
            // Acquire: pairs with the Release store of `shutdown`.
            thread::spawn(move || sleep.worker(index).idle(|| shutdown.load(Ordering::Acquire).then_some(())))
        })
        .collect();
    wait_for(&sleep, "every worker asleep", || sleep.statistics().sleeps == workers);
    let before = sleep.statistics();
    thread::sleep(Duration::from_millis(200));
    assert_eq!(sleep.statistics(), before, "an idle pool woke up with nothing to do");
    // Release: publishes shutdown.
    shutdown.store(true, Ordering::Release);
    // Not all of them need be woken by this call: the first to wake finds the shutdown while
    // searching and, as the last searcher, wakes the next itself.
    assert!(sleep.notify_all() >= 1);
    for handle in handles {
        handle.join().unwrap();
    }
}
