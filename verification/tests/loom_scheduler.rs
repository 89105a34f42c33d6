//! loom models of filch-scheduler-core: the whole pool (two workers, the main thread outside,
//! or one worker and the main thread as a guest) on loom's threads, atomics, mutexes and condition variables. A lost wake-up or a latch that is
//! never set shows up as a loom deadlock (every thread blocked); a job run twice or never shows up
//! as a wrong result or a failed count.
//!
//! The models with two workers are capped at one preemption on CI's budget (two with
//! `FILCH_BUDGET=full`, one for the largest); see [`model`]. The guest's scope model, two threads
//! in all, takes the tier's bound.
#![cfg(loom)]

use filch_scheduler_core::{Scope, ThreadPool, ThreadPoolBuilder};
use filch_sync::atomic::{AtomicUsize, Ordering};

/// Runs `body` under loom with at most `LOOM_MAX_PREEMPTIONS` preemptions, and at most one on
/// CI's budget: the whole pool is the largest model in the suite, and with two preemptions the
/// join model alone ran for more than ten minutes on the 2-core CI machine (one preemption: 11 s;
/// the scope model 40 s). `FILCH_BUDGET=full` explores up to two (one-spawn scope model: 7.5
/// million executions, 15 minutes on that machine).
fn model(body: impl Fn() + Sync + Send + 'static) {
    filch_verification::budget::loom_model_capped(1, 2, body);
}

/// [`model`] at one preemption on every budget: for the scope model with a grandchild on two
/// workers, 644,514 executions at one preemption (80 s beside a fuzzer on the 2-core machine);
/// at two it ran for over an hour there without finishing. The full budget explores scopes at
/// two preemptions and more in the one-spawn and guest models instead.
fn model_at_one_preemption(body: impl Fn() + Sync + Send + 'static) {
    filch_verification::budget::loom_model_capped(1, 1, body);
}

/// No spinning or yielding: idle workers go straight to the sleep protocol, keeping the state
/// space small. `guest_slots` guest slots (each an empty deque every thief sweeps): none where
/// the model has no guest.
fn pool(threads: usize, guest_slots: usize) -> ThreadPool {
    ThreadPoolBuilder::new().num_threads(threads).spin_budget(0, 0).guest_slots(guest_slots).build().unwrap()
}

/// Spawns into `scope` a task that adds one to `finished` and, with `grandchild`, spawns one
/// more such task from inside itself.
fn spawn_counted<'scope>(scope: &Scope<'scope>, finished: &'scope AtomicUsize, grandchild: bool) {
    scope.spawn(move |s| {
        // Relaxed: read after the scope, whose latch orders it.
        finished.fetch_add(1, Ordering::Relaxed);
        if grandchild {
            spawn_counted(s, finished, false);
        }
    });
}

/// One side of a join, as `check_join` hands it out.
type Side<'a> = &'a (dyn Fn() -> usize + Sync);

/// Calls `join` with two sides that count their runs and return 1 and 2, and checks the results
/// and that each side ran exactly once.
fn check_join(join: impl FnOnce(Side<'_>, Side<'_>) -> (usize, usize)) {
    let runs = &AtomicUsize::new(0);
    let side = |result| {
        move || {
            // Relaxed: a count read after the join, which orders it.
            runs.fetch_add(1, Ordering::Relaxed);
            result
        }
    };
    assert_eq!(join(&side(1), &side(2)), (1, 2));
    assert_eq!(runs.load(Ordering::Relaxed), 2, "each side ran exactly once");
}

#[test]
fn join_with_two_workers_whether_or_not_b_is_stolen() {
    model(|| {
        let pool = pool(2, 0);
        check_join(|a, b| pool.join(a, b));
        drop(pool);
    });
}

#[test]
fn scope_returns_exactly_when_all_spawns_have_finished() {
    model_at_one_preemption(|| {
        let pool = pool(2, 0);
        let finished = AtomicUsize::new(0);
        // The grandchild is spawned by a child that may be running on the other worker.
        pool.scope(|s| spawn_counted(s, &finished, true));
        assert_eq!(finished.load(Ordering::Relaxed), 2, "the scope returned before a child finished");
        drop(pool);
    });
}

#[test]
fn a_scope_with_one_spawn_returns_after_it_on_two_workers() {
    model(|| {
        // The grandchild model's smaller twin, small enough for two preemptions on the full budget.
        let pool = pool(2, 0);
        let finished = AtomicUsize::new(0);
        pool.scope(|s| spawn_counted(s, &finished, false));
        assert_eq!(finished.load(Ordering::Relaxed), 1, "the scope returned before its task finished");
        drop(pool);
    });
}

#[test]
fn a_push_from_outside_wakes_a_sleeping_worker() {
    model(|| {
        // One worker, which goes to sleep at once with nothing to do; `install` pushes into the
        // injector from outside and blocks until the job ran. A lost wake-up deadlocks.
        let pool = pool(1, 0);
        assert_eq!(pool.install(|| 7), 7);
        drop(pool);
    });
}

#[test]
fn a_guest_join_whether_or_not_the_worker_steals_b() {
    model(|| {
        // The main thread is the guest (`install_in_place`); under loom every `b` is published,
        // so the one worker may steal it from the guest's deque, and the guest then waits for
        // it in its own sleep slot, woken by the worker's latch. A lost wake-up deadlocks.
        let pool = pool(1, 1);
        check_join(|a, b| pool.install_in_place(|| filch_scheduler_core::join(a, b)));
        drop(pool);
    });
}

#[test]
fn a_task_a_guest_leaves_queued_runs_after_it_leaves() {
    model(|| {
        // The guest spawns a task onto its own deque and leaves at once, handing the task on to
        // the injector; the sleeping worker must be woken for it. Dropping the pool waits until
        // every spawned task has finished, so a stranded task deadlocks.
        let pool = pool(1, 1);
        let ran = std::sync::Arc::new(AtomicUsize::new(0));
        let counted = std::sync::Arc::clone(&ran);
        pool.install_in_place(move || {
            filch_scheduler_core::spawn(move || {
                // Relaxed: read after the pool is dropped, which joins its threads.
                counted.fetch_add(1, Ordering::Relaxed);
            });
        });
        drop(pool);
        assert_eq!(ran.load(Ordering::Relaxed), 1, "the task ran exactly once");
    });
}

#[test]
fn a_guests_scope_returns_exactly_when_all_spawns_have_finished() {
    // The guest and one worker: two threads, so the tier's own bound (2 on CI: 105,563 executions,
    // 10 s on the 2-core machine; 3 on the full budget: 1.9 million, 3 minutes).
    loom::model(|| {
        // The scope's tasks go on the spawning thread's deque (the guest's or the worker's); the
        // other thread may steal them, and the guest helps until the scope's latch is done.
        let pool = pool(1, 1);
        let finished = AtomicUsize::new(0);
        pool.install_in_place(|| filch_scheduler_core::scope(|s| spawn_counted(s, &finished, true)));
        assert_eq!(finished.load(Ordering::Relaxed), 2, "the scope returned before a task finished");
        drop(pool);
    });
}
