//! The core on its own: `Registry` and `Worker` with a user task type.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use filch_scheduler_core::{CoreConfig, Flavor, Registry, Task, Worker};

/// A labelled task that records its label when run, and counts its drops.
struct Labelled {
    label: u32,
    log: Arc<Mutex<Vec<u32>>>,
    drops: Arc<AtomicUsize>,
}

impl Drop for Labelled {
    fn drop(&mut self) {
        self.drops.fetch_add(1, Ordering::Relaxed);
    }
}

impl Task for Labelled {
    fn run(self, _worker: &Worker<'_, Self>) {
        self.log.lock().unwrap().push(self.label);
    }
}

struct Fixture {
    log: Arc<Mutex<Vec<u32>>>,
    drops: Arc<AtomicUsize>,
}

impl Fixture {
    fn new() -> Self {
        Self { log: Arc::default(), drops: Arc::default() }
    }

    fn task(&self, label: u32) -> Labelled {
        Labelled { label, log: Arc::clone(&self.log), drops: Arc::clone(&self.drops) }
    }

    fn drain(&self, worker: &Worker<'_, Labelled>) -> Vec<u32> {
        while let Some(task) = worker.find_task() {
            worker.execute(task);
        }
        std::mem::take(&mut *self.log.lock().unwrap())
    }
}

fn config() -> CoreConfig {
    CoreConfig { injector_interval: 1000, ..CoreConfig::default() }
}

#[test]
fn own_deque_is_newest_first_and_comes_before_the_injector() {
    let fixture = Fixture::new();
    let registry = Registry::new(1, config());
    let worker = registry.worker(0);
    registry.push(fixture.task(100));
    worker.push(fixture.task(1));
    worker.push(fixture.task(2));
    assert_eq!(fixture.drain(&worker), [2, 1, 100]);
}

#[test]
fn the_injector_is_looked_at_first_every_interval() {
    let fixture = Fixture::new();
    let registry = Registry::new(1, CoreConfig { injector_interval: 3, ..CoreConfig::default() });
    let worker = registry.worker(0);
    registry.push(fixture.task(100));
    for label in 1..=5 {
        worker.push(fixture.task(label));
    }
    // Ticks 1 and 2 pop the own deque; tick 3 takes the injector's task first.
    assert_eq!(fixture.drain(&worker), [5, 4, 100, 3, 2, 1]);
}

#[test]
fn a_deque_grows_past_its_initial_capacity() {
    let fixture = Fixture::new();
    let registry = Registry::new(2, CoreConfig { deque_capacity: 4, ..config() });
    let worker = registry.worker(0);
    for label in 0..100 {
        worker.push(fixture.task(label));
    }
    assert_eq!(registry.queued(), 100);
    assert_eq!(fixture.drain(&worker), (0..100).rev().collect::<Vec<_>>());
}

#[test]
fn every_flavour_schedules_every_task_once() {
    for flavor in [Flavor::Lifo, Flavor::Fifo, Flavor::LifoFenceFree] {
        let fixture = Fixture::new();
        let registry = Registry::new(2, CoreConfig { flavor, ..config() });
        let owner = registry.worker(0);
        let thief = registry.worker(1);
        for label in 0..20 {
            owner.push(fixture.task(label));
        }
        let mut ran = fixture.drain(&thief);
        ran.extend(fixture.drain(&owner));
        ran.sort_unstable();
        assert_eq!(ran, (0..20).collect::<Vec<_>>(), "{flavor:?}");
    }
}

#[test]
fn a_steal_moves_at_most_steal_limit_tasks() {
    let fixture = Fixture::new();
    let registry = Registry::new(2, CoreConfig { steal_limit: 3, ..config() });
    let owner = registry.worker(0);
    let thief = registry.worker(1);
    for label in 0..40 {
        owner.push(fixture.task(label));
    }
    let first = thief.find_task().unwrap();
    assert_eq!(first.label, 0);
    assert_eq!(registry.queued(), 39);
    let mut moved = Vec::new();
    while let Some(task) = thief.pop() {
        moved.push(task.label);
    }
    assert_eq!(moved, [2, 1]);
}

#[test]
fn a_thief_takes_half_of_a_victims_deque_oldest_first() {
    let fixture = Fixture::new();
    let registry = Registry::new(2, config());
    let owner = registry.worker(0);
    let thief = registry.worker(1);
    for label in 0..8 {
        owner.push(fixture.task(label));
    }
    let first = thief.find_task().unwrap();
    thief.execute(first);
    // Half of 8: the oldest (0) ran, 1..=3 moved into the thief's deque.
    assert_eq!(*fixture.log.lock().unwrap(), [0]);
    let stats = registry.statistics();
    assert_eq!((stats[1].stolen, stats[1].steal_attempts, stats[1].failed_steals), (1, 1, 0));
    assert_eq!(thief.pop().map(|task| task.label), Some(3));
    assert_eq!(owner.pop().map(|task| task.label), Some(7));
}

#[test]
fn victims_that_look_empty_cost_no_steal_attempt() {
    let registry = Registry::<Labelled>::new(3, config());
    let worker = registry.worker(0);
    assert!(worker.find_task().is_none());
    let stats = registry.statistics()[0];
    assert_eq!((stats.steal_attempts, stats.failed_steals), (0, 0));
    assert_eq!(stats.steal_failure_rate(), 0.0);
}

#[test]
fn dropping_the_registry_drops_every_queued_task_once() {
    let fixture = Fixture::new();
    {
        let registry = Registry::new(2, CoreConfig { deque_capacity: 4, ..config() });
        let worker = registry.worker(1);
        for label in 0..10 {
            worker.push(fixture.task(label));
        }
        registry.push(fixture.task(99));
        drop(worker);
        // The worker's deque went back to the registry with its tasks; taking it again sees them.
        let again = registry.worker(1);
        assert!(again.pop().is_some());
    }
    assert_eq!(fixture.drops.load(Ordering::Relaxed), 11);
    assert!(fixture.log.lock().unwrap().is_empty());
}

#[test]
fn wait_for_task_returns_none_after_shutdown() {
    let registry = Arc::new(Registry::<Labelled>::new(2, config()));
    let waiter = {
        let registry = Arc::clone(&registry);
        std::thread::spawn(move || registry.worker(0).wait_for_task().is_none())
    };
    std::thread::sleep(std::time::Duration::from_millis(20));
    registry.shut_down();
    assert!(waiter.join().unwrap());
}

#[test]
fn an_outside_push_wakes_a_sleeping_worker() {
    let fixture = Fixture::new();
    let registry = Arc::new(Registry::new(1, config()));
    let runner = {
        let registry = Arc::clone(&registry);
        std::thread::spawn(move || registry.worker(0).run())
    };
    // Push only once the worker has gone to sleep (its parker counts the park first).
    while registry.statistics()[0].parks == 0 {
        std::thread::yield_now();
    }
    registry.push(fixture.task(5));
    while fixture.log.lock().unwrap().is_empty() {
        std::thread::yield_now();
    }
    registry.shut_down();
    runner.join().unwrap();
    let stats = registry.statistics()[0];
    assert!(stats.parks >= 1 && stats.wakeups >= 1, "{stats:?}");
}

#[test]
#[should_panic(expected = "filch-scheduler-core: Registry::worker: worker 0 already has a live Worker")]
fn taking_a_worker_twice_panics() {
    let registry = Registry::<Labelled>::new(1, config());
    let _first = registry.worker(0);
    let _second = registry.worker(0);
}

#[test]
#[should_panic(expected = "filch-scheduler-core: Registry::new: needs at least 1 worker")]
fn zero_workers_panics() {
    let _ = Registry::<Labelled>::new(0, config());
}

#[test]
#[should_panic(expected = "filch-scheduler-core: Registry::worker: index 1 out of range")]
fn a_guest_slot_is_not_a_worker_index() {
    let registry = Registry::<Labelled>::new(1, CoreConfig { guest_slots: 1, ..config() });
    assert_eq!(registry.guest().map(|guest| guest.index()), Some(1));
    let _ = registry.worker(1);
}

#[test]
#[should_panic(expected = "filch-scheduler-core: Registry::new: max_workers + guest_slots overflows usize")]
fn guest_slots_past_usize_panic() {
    let _ = Registry::<Labelled>::new(1, CoreConfig { guest_slots: usize::MAX, ..config() });
}

#[test]
#[should_panic(expected = "filch-scheduler-core: Registry::new: injector_interval must be at least 1")]
fn zero_injector_interval_panics() {
    let _ = Registry::<Labelled>::new(1, CoreConfig { injector_interval: 0, ..config() });
}
