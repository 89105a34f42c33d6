//! loom models of filch-scheduler-core's wake-ups when a worker takes part of the queued work
//! and then blocks (`Registry` and `Worker` on loom threads): the rest must not wait behind a
//! sleeping worker. The tasks meet at a rendezvous that needs them all running at once
//! ([`filch_verification::meeting`]), so a worker left asleep shows up as a loom deadlock. See
//! "Passing a wake-up on" in `sleep/DESIGN.md` and "Batches wake a worker" in
//! `scheduler-core/DESIGN.md`.
#![cfg(loom)]

use filch_scheduler_core::CoreConfig;
use filch_verification::budget::loom_model_capped;
use filch_verification::meeting::tasks_that_meet;

/// No spinning or yielding: idle workers go straight to the sleep protocol. No guest slots:
/// thieves would sweep their empty deques too, which only widens the state space
/// (`loom_scheduler.rs` models guests).
fn core_config() -> CoreConfig {
    let mut config = CoreConfig::default();
    config.idle.spin_rounds = 0;
    config.idle.yield_rounds = 0;
    config.guest_slots = 0;
    config
}

/// Two tasks pushed from outside, two workers. A worker may take both tasks from the injector in
/// one batch, run the first and block in it: the second, now in its deque, needs the other
/// worker, which may have looked (and found nothing) just before the batch landed. Unless taking
/// the batch wakes it, it sleeps forever beside a runnable task.
#[test]
fn a_batch_taken_from_the_injector_wakes_a_worker_for_what_it_left_in_the_deque() {
    // One preemption finds the lost wake-up. Two took 73 s on the 2-core CI machine until
    // 03c44ae (idle workers repeat a search that lost races); since then an execution at two
    // exceeds loom's branch limit (5000 too), so the full budget fails here: a suspected
    // livelock of that repeat, not yet diagnosed (README, "Verification tiers").
    loom_model_capped(1, 2, || tasks_that_meet(2, core_config()));
}

/// As above with batches of one, so nothing is ever left in a deque: both pushes may skip their
/// wake-ups because a worker is searching, and that worker's final check before sleeping finds
/// the first task only. Unless it then passes a wake-up on, it runs the first task and blocks in
/// it, while the other worker sleeps and the second task waits in the injector.
#[test]
fn the_last_searcher_finding_work_in_its_final_check_wakes_another_worker() {
    let mut config = core_config();
    config.steal_limit = 1;
    // The lost wake-up needs two preemptions (10 s on the 2-core CI machine).
    loom_model_capped(2, 2, move || tasks_that_meet(2, config));
}
