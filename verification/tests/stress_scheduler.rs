//! Stress of filch-scheduler-core on real threads (run under ThreadSanitizer by the tsan tier): a
//! soak of many joins with random short sleeps that fails on a hang (a watchdog, not a test
//! timeout), and outside threads submitting spawns, scopes and joins at once (directly, or as
//! guests of `install_in_place`), with every task accounted for exactly once.
#![cfg(not(any(loom, feature = "shuttle")))]

use std::sync::{mpsc, Barrier};
use std::time::Duration;

use filch_scheduler_core::{ThreadPool, ThreadPoolBuilder};
use filch_sync::atomic::{AtomicU64, Ordering};
use filch_sync::{thread, Arc};
use filch_verification::budget;
use filch_verification::ledger::Ledger;

/// Runs `work` on its own thread and fails if it has not finished within `limit`.
fn within<T: Send + 'static>(limit: Duration, what: &str, work: impl FnOnce() -> T + Send + 'static) -> T {
    let (send, receive) = mpsc::channel();
    let _detached = thread::spawn(move || {
        let _ = send.send(work());
    });
    receive.recv_timeout(limit).unwrap_or_else(|_| panic!("{what}: no progress within {limit:?} (a hang)"))
}

/// A join tree over `start..end`; a few leaves sleep briefly so that workers park and wake while
/// joins are in flight. Returns the number of leaves.
fn soak(start: u64, end: u64, slept: &AtomicU64) -> u64 {
    if end - start == 1 {
        // A cheap hash picks about one leaf in 50,000 to sleep for 20 to 200 microseconds.
        let hash = start.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 40;
        if hash % 50_000 == 0 {
            // Relaxed: a statistic, read after the join.
            slept.fetch_add(1, Ordering::Relaxed);
            std::thread::sleep(Duration::from_micros(20 + hash % 180));
        }
        return 1;
    }
    let middle = start + (end - start) / 2;
    let (a, b) = filch_scheduler_core::join(|| soak(start, middle, slept), || soak(middle, end, slept));
    a + b
}

#[test]
fn soak_of_many_joins_with_random_sleeps_never_hangs() {
    let leaves = budget::pick(1_000, 10_000_000, 100_000_000) as u64;
    for threads in [2, 3] {
        let counted = within(Duration::from_secs(120), "join soak", move || {
            let pool = ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
            let slept = AtomicU64::new(0);
            let counted = pool.install(|| soak(0, leaves, &slept));
            drop(pool);
            counted
        });
        // A join tree over `leaves` leaves makes `leaves - 1` joins.
        assert_eq!(counted, leaves, "{threads} threads");
    }
}

#[test]
fn outside_threads_mixing_spawn_scope_and_join_lose_nothing() {
    mixed_submitters(false);
}

/// As above with every round inside `install_in_place`: three outside threads on the pool's two
/// guest slots, so most rounds run on a guest (their spawns land on its deque and are handed on
/// when it leaves) and the others are installed.
#[test]
fn guests_mixing_spawn_scope_and_join_lose_nothing() {
    mixed_submitters(true);
}

/// Three outside threads each run rounds of detached spawns (each spawning a child), a scope with
/// spawns and a join, directly or (`in_place`) each round inside `install_in_place`; every
/// spawned task is recorded exactly once, and the scope and the join return complete.
fn mixed_submitters(in_place: bool) {
    let rounds = budget::pick(5, 300, 3_000);
    let submitters = 3;
    let per_round = 4;
    let items = submitters * rounds * per_round * 2;
    let ledger = Arc::new(Ledger::new(items));
    within(Duration::from_secs(120), "mixed submitters", {
        let ledger = Arc::clone(&ledger);
        move || {
            let pool = Arc::new(ThreadPoolBuilder::new().num_threads(3).spin_budget(2, 1).build().unwrap());
            let handles: Vec<_> = (0..submitters)
                .map(|submitter| {
                    let (pool, ledger) = (Arc::clone(&pool), Arc::clone(&ledger));
                    thread::spawn(move || {
                        for round in 0..rounds {
                            let base = ((submitter * rounds + round) * per_round) * 2;
                            let round = || mixed_round(&pool, &ledger, base, per_round);
                            if in_place {
                                pool.install_in_place(round);
                            } else {
                                round();
                            }
                        }
                    })
                })
                .collect();
            for handle in handles {
                handle.join().unwrap();
            }
            pool.wait_idle();
        }
    });
    ledger.assert_each_recorded_once();
}

/// One round of `mixed_submitters`: `per_round` detached spawns recording `base..` (and their
/// children `base + per_round..`), then a scope and a join.
fn mixed_round(pool: &ThreadPool, ledger: &Arc<Ledger>, base: usize, per_round: usize) {
    for i in 0..per_round {
        let ledger = Arc::clone(ledger);
        pool.spawn(move || {
            ledger.record(base + i);
            let inner = Arc::clone(&ledger);
            filch_scheduler_core::spawn(move || inner.record(base + per_round + i));
        });
    }
    // A scope and a join from the same thread meanwhile.
    let total = AtomicU64::new(0);
    let joined = pool.scope(|s| {
        for value in 0..4u64 {
            let total = &total;
            s.spawn(move |_| {
                // Relaxed: read after the scope, whose latch orders it.
                total.fetch_add(value, Ordering::Relaxed);
            });
        }
        // The scope's own body joins too.
        filch_scheduler_core::join(|| 1u64, || 2u64)
    });
    assert_eq!(joined, (1, 2));
    assert_eq!(total.load(Ordering::Relaxed), 6, "the scope returned early");
}

/// Rounds of `threads` tasks submitted from outside that meet at a barrier, so each round needs
/// every worker running one of them at once: a worker left asleep beside a queued task (a lost
/// wake-up when a batch or a final check takes part of the round's tasks) hangs the round, and the
/// watchdog fails the test. The loom and shuttle models of the same scenario are in
/// `loom_scheduler_wakeups.rs` and `shuttle_scheduler_wakeups.rs`.
#[test]
fn tasks_that_meet_at_a_barrier_always_find_a_worker_each() {
    let rounds = budget::pick(5, 2_000, 20_000);
    for threads in [2, 3, 4] {
        within(Duration::from_secs(60), "tasks meeting at a barrier", move || {
            // No spinning: idle workers go straight to sleep, where wake-ups matter most.
            let pool = ThreadPoolBuilder::new().num_threads(threads).spin_budget(0, 0).build().unwrap();
            let (done, finished) = mpsc::channel();
            for _ in 0..rounds {
                let barrier = Arc::new(Barrier::new(threads));
                for _ in 0..threads {
                    let (barrier, done) = (Arc::clone(&barrier), done.clone());
                    pool.spawn(move || {
                        barrier.wait();
                        done.send(()).unwrap();
                    });
                }
                for _ in 0..threads {
                    finished.recv().unwrap();
                }
            }
        });
    }
}
