//! shuttle runs of filch-scheduler-core's wake-ups when workers block in the tasks they took:
//! two to four workers, as many tasks pushed from outside that meet at a rendezvous
//! ([`filch_verification::meeting`]), with random batch limits and spin budgets. Every schedule
//! must end with all tasks running at once; a task left queued beside a sleeping worker is a
//! shuttle deadlock. The loom models in `loom_scheduler_wakeups.rs` cover two workers
//! exhaustively; these reach the longer chains of wake-ups that more workers need.
#![cfg(feature = "shuttle")]

use filch_scheduler_core::CoreConfig;
use filch_verification::budget;
use filch_verification::meeting::tasks_that_meet;
use shuttle::rand::{thread_rng, Rng};

fn iterations() -> usize {
    budget::pick(1, 50_000, 500_000)
}

/// A random pool shape: 2 to 4 workers, batches of 1, 2 or 8, one or two passes over the victims
/// (one pass gives up at the first lost race), and either no searching at all or a short spin
/// before sleeping.
fn random_run() {
    let mut rng = thread_rng();
    let workers = rng.gen_range(2..=4);
    let mut config = CoreConfig {
        steal_limit: [1, 2, 8][rng.gen_range(0..3)],
        steal_rounds: rng.gen_range(1..=2),
        ..CoreConfig::default()
    };
    config.idle.spin_rounds = rng.gen_range(0..=2);
    config.idle.yield_rounds = 0;
    tasks_that_meet(workers, config);
}

#[test]
fn every_task_runs_at_once_under_random_schedules() {
    shuttle::check_random(random_run, iterations());
}

#[test]
fn every_task_runs_at_once_under_pct_schedules() {
    shuttle::check_pct(random_run, iterations(), 3);
}
