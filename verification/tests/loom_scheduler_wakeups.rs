//! loom models of filch-scheduler-core's wake-ups when a worker takes part of the queued work
//! and then blocks (`Registry` and `Worker` on loom threads): the rest must not wait behind a
//! sleeping worker. Each model's tasks meet at a rendezvous that needs them all running at once,
//! so a worker left asleep shows up as a loom deadlock. See "Passing a wake-up on" in
//! `sleep/DESIGN.md` and "Batches wake a worker" in `scheduler-core/DESIGN.md`.
#![cfg(loom)]

use filch_scheduler_core::{CoreConfig, Registry, Task, Worker};
use filch_sync::lock::{Condvar, Mutex};
use filch_sync::{thread, Arc};

/// Counts arrivals and lets everyone through once `expected` have arrived.
struct Rendezvous {
    arrived: Mutex<usize>,
    all_here: Condvar,
    expected: usize,
}

impl Rendezvous {
    fn new(expected: usize) -> Arc<Self> {
        Arc::new(Self { arrived: Mutex::new(0), all_here: Condvar::new(), expected })
    }

    fn meet(&self) {
        let mut arrived = self.arrived.lock().unwrap();
        *arrived += 1;
        if *arrived == self.expected {
            self.all_here.notify_all();
        }
        while *arrived < self.expected {
            arrived = self.all_here.wait(arrived).unwrap();
        }
    }
}

/// A core task that blocks its worker until every other `Meet` of its rendezvous runs.
struct Meet(Arc<Rendezvous>);

impl Task for Meet {
    fn run(self, _worker: &Worker<'_, Self>) {
        self.0.meet();
    }
}

/// No spinning or yielding: idle workers go straight to the sleep protocol.
fn core_config() -> CoreConfig {
    let mut config = CoreConfig::default();
    config.idle.spin_rounds = 0;
    config.idle.yield_rounds = 0;
    config
}

/// Two tasks pushed from outside, two workers that each run one task. A worker may take both
/// tasks from the injector in one batch, run the first and block in it: the second, now in its
/// deque, needs the other worker, which may have looked (and found nothing) just before the
/// batch landed. Unless taking the batch wakes it, it sleeps forever beside a runnable task.
#[test]
fn a_batch_taken_from_the_injector_wakes_a_worker_for_what_it_left_in_the_deque() {
    // One preemption finds the lost wake-up; two take over a minute on the 2-core CI machine.
    two_tasks_that_meet(core_config(), 1);
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
    two_tasks_that_meet(config, 2);
}

/// Two workers, each running the first task it finds; two `Meet` tasks pushed from outside.
/// Capped at `ci_preemptions` on CI's budget (two with `FILCH_BUDGET=full`).
fn two_tasks_that_meet(config: CoreConfig, ci_preemptions: usize) {
    filch_verification::budget::loom_model_capped(ci_preemptions, 2, move || {
        let registry = Arc::new(Registry::new(2, config));
        let rendezvous = Rendezvous::new(2);
        let workers: Vec<_> = (0..2)
            .map(|index| {
                let registry = Arc::clone(&registry);
                thread::spawn(move || {
                    let worker = registry.worker(index);
                    let task = worker.wait_for_task().expect("no shutdown before both tasks ran");
                    worker.execute(task);
                })
            })
            .collect();
        registry.push(Meet(Arc::clone(&rendezvous)));
        registry.push(Meet(rendezvous));
        for worker in workers {
            worker.join().unwrap();
        }
        assert_eq!(registry.queued(), 0);
    });
}
