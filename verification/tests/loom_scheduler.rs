//! loom models of filch-scheduler-core: the whole pool (two workers, the main thread outside)
//! on loom's threads, atomics, mutexes and condition variables. A lost wake-up or a latch that is
//! never set shows up as a loom deadlock (every thread blocked); a job run twice or never shows up
//! as a wrong result or a failed count.
//!
//! These models are capped at one preemption on CI's budget (two with `FILCH_BUDGET=full`); see
//! [`model`].
#![cfg(loom)]

use filch_scheduler_core::{ThreadPool, ThreadPoolBuilder};
use filch_sync::atomic::{AtomicUsize, Ordering};

/// Runs `body` under loom with at most `LOOM_MAX_PREEMPTIONS` preemptions, and at most one on
/// CI's budget: the whole pool is the largest model in the suite, and with two preemptions the
/// join model alone ran for more than ten minutes on the 2-core CI machine (one preemption: 11 s;
/// the scope model 40 s). `FILCH_BUDGET=full` explores up to two.
fn model(body: impl Fn() + Sync + Send + 'static) {
    filch_verification::budget::loom_model_capped(1, 2, body);
}

/// No spinning or yielding: idle workers go straight to the sleep protocol, keeping the state
/// space small.
fn pool(threads: usize) -> ThreadPool {
    ThreadPoolBuilder::new().num_threads(threads).spin_budget(0, 0).build().unwrap()
}

#[test]
fn join_with_two_workers_whether_or_not_b_is_stolen() {
    model(|| {
        let pool = pool(2);
        let runs = AtomicUsize::new(0);
        let (a, b) = pool.join(
            || {
                // Relaxed: a count read after the join, which orders it.
                runs.fetch_add(1, Ordering::Relaxed);
                1
            },
            || {
                runs.fetch_add(1, Ordering::Relaxed);
                2
            },
        );
        assert_eq!((a, b), (1, 2));
        assert_eq!(runs.load(Ordering::Relaxed), 2, "each side ran exactly once");
        drop(pool);
    });
}

#[test]
fn scope_returns_exactly_when_all_spawns_have_finished() {
    model(|| {
        let pool = pool(2);
        let finished = AtomicUsize::new(0);
        pool.scope(|s| {
            s.spawn(|s| {
                // Relaxed: read after the scope, whose latch orders it.
                finished.fetch_add(1, Ordering::Relaxed);
                // A grandchild, spawned by a child that may be running on the other worker.
                s.spawn(|_| {
                    finished.fetch_add(1, Ordering::Relaxed);
                });
            });
        });
        assert_eq!(finished.load(Ordering::Relaxed), 2, "the scope returned before a child finished");
        drop(pool);
    });
}

#[test]
fn a_push_from_outside_wakes_a_sleeping_worker() {
    model(|| {
        // One worker, which goes to sleep at once with nothing to do; `install` pushes into the
        // injector from outside and blocks until the job ran. A lost wake-up deadlocks.
        let pool = pool(1);
        assert_eq!(pool.install(|| 7), 7);
        drop(pool);
    });
}
