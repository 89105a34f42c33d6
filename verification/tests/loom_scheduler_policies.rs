//! loom models of filch-scheduler-core's run-time policies on the core (`Registry` and `Worker`
//! on loom threads): `resize` racing submissions (no task lost, none run twice) and the
//! high-priority queue racing a steal. The pool's detached tasks end in `wait_idle`'s polling
//! loop, which loom cannot bound, so these models drive the core directly. A task stranded in a queue
//! nobody looks at shows up as a loom deadlock (the waiter blocks forever) or a failed count.
#![cfg(loom)]

use filch_scheduler_core::{CoreConfig, Priority, Registry, StealPolicy, Task, Worker};
use filch_sync::atomic::{AtomicUsize, Ordering};
use filch_sync::{thread, Arc};

/// A core task that counts its runs.
struct Counted(Arc<AtomicUsize>);

impl Task for Counted {
    fn run(self, _worker: &Worker<'_, Self>) {
        // Relaxed: read after the threads are joined, which orders it.
        self.0.fetch_add(1, Ordering::Relaxed);
    }
}

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

/// Runs worker `index` until it retires, then retires it.
fn run_until_retired(registry: &Registry<Counted>, index: usize) {
    let worker = registry.worker(index);
    worker.run();
    assert!(worker.is_retiring(), "the worker loop ended without a resize or a shutdown");
    worker.retire();
}

#[test]
fn a_task_pushed_to_a_retiring_worker_is_run_exactly_once() {
    pushed_to_a_retiring_worker(core_config());
}

/// Under share-nothing no other worker looks into a worker's inbox, so a task left in a retired
/// worker's inbox stays there: this is the model the fences in `Registry::push_to` and
/// `Worker::retire` are for (without either one, it fails).
#[test]
fn a_task_pushed_to_a_retiring_share_nothing_worker_is_run_exactly_once() {
    let mut config = core_config();
    config.steal_policy = StealPolicy::ShareNothing;
    pushed_to_a_retiring_worker(config);
}

/// Worker 1 retires (a resize to one worker) while a task is pushed to it; afterwards worker 0
/// runs whatever it finds. The task runs exactly once.
fn pushed_to_a_retiring_worker(config: CoreConfig) {
    loom::model(move || {
        let registry = Arc::new(Registry::new(2, config));
        let runs = Arc::new(AtomicUsize::new(0));
        let retiring = thread::spawn({
            let registry = Arc::clone(&registry);
            move || run_until_retired(&registry, 1)
        });
        let pusher = thread::spawn({
            let (registry, runs) = (Arc::clone(&registry), Arc::clone(&runs));
            move || registry.push_to(1, Counted(runs))
        });
        registry.resize(1);
        retiring.join().unwrap();
        pusher.join().unwrap();
        // Whatever the interleaving, the task ran on worker 1 or waits where worker 0 looks.
        let stays = registry.worker(0);
        while let Some(task) = stays.find_task() {
            stays.execute(task);
        }
        assert_eq!(runs.load(Ordering::Relaxed), 1, "the task was lost or ran twice");
        assert_eq!(registry.queued(), 0);
    });
}

#[test]
fn an_outside_push_racing_a_shrink_wakes_a_worker_that_stays() {
    loom::model(|| {
        // Worker 0 sleeps; worker 1 sleeps until the shrink retires it. The push's wake-up may
        // claim worker 1 on its way out: unless worker 1 ran the task itself, its retirement must
        // pass the wake-up on to worker 0, or the task is never run and loom reports a deadlock.
        let registry = Arc::new(Registry::new(2, core_config()));
        let runs = Arc::new(AtomicUsize::new(0));
        let stays = thread::spawn({
            let registry = Arc::clone(&registry);
            move || {
                let worker = registry.worker(0);
                // `None` only after the shutdown below, when worker 1 ran the task.
                if let Some(task) = worker.wait_for_task() {
                    worker.execute(task);
                }
            }
        });
        let retiring = thread::spawn({
            let registry = Arc::clone(&registry);
            move || run_until_retired(&registry, 1)
        });
        registry.resize(1);
        registry.push(Counted(Arc::clone(&runs)));
        retiring.join().unwrap();
        // Relaxed: worker 1 is joined; if it did not run the task, worker 0 must.
        if runs.load(Ordering::Relaxed) == 1 {
            registry.shut_down();
        }
        stays.join().unwrap();
        assert_eq!(runs.load(Ordering::Relaxed), 1);
    });
}

/// A core task that records its run in its own slot.
struct Recorded {
    id: usize,
    runs: Arc<[AtomicUsize; 3]>,
}

impl Task for Recorded {
    fn run(self, _worker: &Worker<'_, Self>) {
        // Relaxed: read after the threads are joined, which orders it.
        self.runs[self.id].fetch_add(1, Ordering::Relaxed);
    }
}

/// One look for work by worker `index`, running what it finds.
fn one_pick(registry: &Registry<Recorded>, index: usize) {
    let worker = registry.worker(index);
    if let Some(task) = worker.find_task() {
        worker.execute(task);
    }
}

#[test]
fn a_high_priority_hand_off_racing_a_steal_runs_every_task_once() {
    loom::model(|| {
        let registry = Arc::new(Registry::new(2, core_config()));
        let runs = Arc::new([AtomicUsize::new(0), AtomicUsize::new(0), AtomicUsize::new(0)]);
        let task = |id| Recorded { id, runs: Arc::clone(&runs) };
        // Worker 0 holds two normal tasks; it and worker 1 (a thief) each look for work once
        // while a high-priority task arrives from outside: the owner's pop, the thief's steal
        // and both workers' takes from the high-priority queue race.
        {
            let owner = registry.worker(0);
            owner.push(task(0));
            owner.push(task(1));
        }
        let owner = thread::spawn({
            let registry = Arc::clone(&registry);
            move || one_pick(&registry, 0)
        });
        let thief = thread::spawn({
            let registry = Arc::clone(&registry);
            move || one_pick(&registry, 1)
        });
        registry.push_with_priority(task(2), Priority::High);
        owner.join().unwrap();
        thief.join().unwrap();
        // The rest, wherever it is now, is still there to be found.
        let worker = registry.worker(0);
        while let Some(task) = worker.find_task() {
            worker.execute(task);
        }
        for (id, count) in runs.iter().enumerate() {
            assert_eq!(count.load(Ordering::Relaxed), 1, "task {id} ran {count:?} times");
        }
        assert_eq!(registry.queued(), 0);
    });
}
