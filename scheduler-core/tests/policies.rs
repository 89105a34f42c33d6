//! The core's policies on their own (`Registry` and `Worker`, no threads): victim choice,
//! share-nothing workers, targeted pushes, priorities, resizing and the LIFO slot.

use std::sync::{Arc, Mutex};

use filch_scheduler_core::{CoreConfig, Priority, Registry, StealPolicy, Task, VictimPolicy, Worker};

/// A task that records its label when run.
struct Labelled {
    label: u32,
    log: Arc<Mutex<Vec<u32>>>,
}

impl Task for Labelled {
    fn run(self, _worker: &Worker<'_, Self>) {
        self.log.lock().unwrap().push(self.label);
    }
}

#[derive(Default)]
struct Log(Arc<Mutex<Vec<u32>>>);

impl Log {
    fn task(&self, label: u32) -> Labelled {
        Labelled { label, log: Arc::clone(&self.0) }
    }

    fn take(&self) -> Vec<u32> {
        std::mem::take(&mut *self.0.lock().unwrap())
    }
}

/// The labels of the tasks `worker` finds, in order, until it finds none.
fn found_order(worker: &Worker<'_, Labelled>) -> Vec<u32> {
    std::iter::from_fn(|| worker.find_task()).map(|task| task.label).collect()
}

/// One task per steal, the injector never looked at first: each `find_task` of an empty thief is
/// one steal, whose victim the label tells (`100 * victim + n`).
fn config(victim_policy: VictimPolicy) -> CoreConfig {
    CoreConfig { injector_interval: 1000, steal_limit: 1, victim_policy, ..CoreConfig::default() }
}

/// Fills workers `1..` of a 4-worker registry with `sizes[i - 1]` tasks each and returns the
/// victims of worker 0's next `steals` steals.
fn victims_of(policy: VictimPolicy, sizes: [u32; 3], steals: usize) -> Vec<u32> {
    let log = Log::default();
    let registry = Registry::new(4, config(policy));
    let thief = registry.worker(0);
    let victims: Vec<_> = (1..4).map(|index| registry.worker(index)).collect();
    for (victim, &size) in victims.iter().zip(&sizes) {
        for n in 0..size {
            victim.push(log.task(100 * victim.index() as u32 + n));
        }
    }
    (0..steals)
        .map(|_| {
            let task = thief.find_task().expect("a victim still has tasks");
            task.label / 100
        })
        .collect()
}

#[test]
fn round_robin_visits_the_victims_in_turn() {
    assert_eq!(victims_of(VictimPolicy::RoundRobin, [4, 4, 4], 6), [1, 2, 3, 1, 2, 3]);
}

#[test]
fn round_robin_skips_victims_that_look_empty() {
    assert_eq!(victims_of(VictimPolicy::RoundRobin, [2, 0, 2], 4), [1, 3, 1, 3]);
}

#[test]
fn largest_queue_first_steals_from_the_longest_deque() {
    // Lengths 2, 5, 3: the thief takes from worker 2 until it is no longer the longest.
    assert_eq!(victims_of(VictimPolicy::LargestQueue, [2, 5, 3], 4), [2, 2, 3, 2]);
}

#[test]
fn random_reaches_every_victim() {
    let mut victims = victims_of(VictimPolicy::Random, [20, 20, 20], 60);
    victims.sort_unstable();
    victims.dedup();
    assert_eq!(victims, [1, 2, 3]);
}

#[test]
fn every_victim_policy_hands_every_task_out_once() {
    for policy in [VictimPolicy::Random, VictimPolicy::RoundRobin, VictimPolicy::LargestQueue] {
        let log = Log::default();
        let registry = Registry::new(3, CoreConfig { steal_limit: 4, ..config(policy) });
        let thieves = [registry.worker(0), registry.worker(1)];
        let owner = registry.worker(2);
        for label in 0..50 {
            owner.push(log.task(label));
        }
        let mut turn = 0;
        while registry.queued() > 0 {
            let thief = &thieves[turn % 2];
            if let Some(task) = thief.find_task() {
                thief.execute(task);
            }
            turn += 1;
        }
        let mut ran = log.take();
        ran.sort_unstable();
        assert_eq!(ran, (0..50).collect::<Vec<_>>(), "{policy:?}");
        let stats = registry.statistics();
        assert_eq!(
            stats[0].stolen + stats[1].stolen,
            stats[0].steal_attempts + stats[1].steal_attempts
                - stats[0].failed_steals
                - stats[1].failed_steals,
            "{policy:?}"
        );
    }
}

#[test]
fn share_nothing_workers_never_steal() {
    let log = Log::default();
    let config = CoreConfig { steal_policy: StealPolicy::ShareNothing, ..config(VictimPolicy::Random) };
    let registry = Registry::new(2, config);
    let busy = registry.worker(0);
    let idle = registry.worker(1);
    busy.push(log.task(1));
    registry.push_to(0, log.task(2));
    assert!(idle.find_task().is_none(), "a share-nothing worker stole");
    assert_eq!(registry.statistics()[1].steal_attempts, 0);
    // The injector is shared all the same.
    registry.push(log.task(3));
    assert_eq!(idle.find_task().map(|task| task.label), Some(3));
    while let Some(task) = busy.find_task() {
        busy.execute(task);
    }
    assert_eq!(log.take(), [1, 2]);
}

#[test]
fn a_task_pushed_to_a_worker_is_stolen_only_when_no_deque_has_work() {
    let log = Log::default();
    let registry = Registry::new(3, config(VictimPolicy::RoundRobin));
    let thief = registry.worker(0);
    let target = registry.worker(1);
    let other = registry.worker(2);
    registry.push_to(1, log.task(10));
    other.push(log.task(20));
    other.push(log.task(21));
    // The deques first, then the inbox, as a last resort.
    let order = found_order(&thief);
    assert_eq!(order, [20, 21, 10]);
    assert!(target.find_task().is_none());
}

#[test]
fn a_worker_takes_its_inbox_after_its_deque_and_before_the_injector() {
    let log = Log::default();
    let registry = Registry::new(2, config(VictimPolicy::Random));
    let worker = registry.worker(1);
    registry.push(log.task(30));
    registry.push_to(1, log.task(20));
    registry.push_to(1, log.task(21));
    worker.push(log.task(10));
    let order = found_order(&worker);
    assert_eq!(order, [10, 20, 21, 30]);
}

#[test]
fn the_inbox_is_looked_at_first_every_injector_interval() {
    let log = Log::default();
    let registry = Registry::new(1, CoreConfig { injector_interval: 3, ..config(VictimPolicy::Random) });
    let worker = registry.worker(0);
    registry.push_to(0, log.task(100));
    for label in 0..5 {
        worker.push(log.task(label));
    }
    let order = found_order(&worker);
    assert_eq!(order, [4, 3, 100, 2, 1, 0]);
}

#[test]
#[should_panic(expected = "filch-scheduler-core: Registry::push_to: index 2 out of range")]
fn pushing_to_a_worker_out_of_range_panics() {
    let log = Log::default();
    Registry::new(2, config(VictimPolicy::Random)).push_to(2, log.task(0));
}

#[test]
fn high_priority_tasks_come_before_every_normal_source() {
    let log = Log::default();
    let registry = Registry::new(2, config(VictimPolicy::Random));
    let worker = registry.worker(0);
    let other = registry.worker(1);
    other.push(log.task(40));
    registry.push(log.task(30));
    registry.push_to(0, log.task(20));
    worker.push(log.task(10));
    registry.push_with_priority(log.task(1), Priority::High);
    registry.push_with_priority(log.task(2), Priority::High);
    registry.push_with_priority(log.task(50), Priority::Normal);
    let order = found_order(&worker);
    assert_eq!(order, [1, 2, 10, 20, 30, 50, 40]);
}

#[test]
fn after_a_burst_of_high_priority_tasks_a_normal_one_gets_its_turn() {
    let log = Log::default();
    let registry = Registry::new(1, CoreConfig { high_priority_burst: 3, ..config(VictimPolicy::Random) });
    let worker = registry.worker(0);
    for label in 0..3 {
        worker.push(log.task(100 + label));
    }
    for label in 0..7 {
        registry.push_with_priority(log.task(label), Priority::High);
    }
    let order = found_order(&worker);
    assert_eq!(order, [0, 1, 2, 102, 3, 4, 5, 101, 6, 100]);
}

#[test]
fn a_burst_with_no_normal_work_left_goes_on_with_high_priority_tasks() {
    let log = Log::default();
    let registry = Registry::new(1, CoreConfig { high_priority_burst: 1, ..config(VictimPolicy::Random) });
    let worker = registry.worker(0);
    for label in 0..3 {
        registry.push_with_priority(log.task(label), Priority::High);
    }
    let order = found_order(&worker);
    assert_eq!(order, [0, 1, 2]);
}

#[test]
#[should_panic(expected = "filch-scheduler-core: Registry::new: high_priority_burst must be at least 1")]
fn a_zero_high_priority_burst_panics() {
    let _ = Registry::<Labelled>::new(1, CoreConfig { high_priority_burst: 0, ..CoreConfig::default() });
}

#[test]
fn a_retiring_worker_hands_its_deque_and_inbox_on_to_the_injector() {
    let log = Log::default();
    let registry = Registry::new(
        2,
        CoreConfig { steal_policy: StealPolicy::ShareNothing, ..config(VictimPolicy::Random) },
    );
    let stays = registry.worker(0);
    let retiring = registry.worker(1);
    retiring.push(log.task(1));
    retiring.push(log.task(2));
    registry.push_to(1, log.task(3));
    registry.resize(1);
    assert_eq!(registry.num_workers(), 1);
    assert!(retiring.is_retiring() && !stays.is_retiring());
    assert!(retiring.wait_for_task().is_none(), "a retiring worker went on taking tasks");
    retiring.retire();
    drop(retiring);
    // Sent to the retired index: handed on to the injector by the pusher.
    registry.push_to(1, log.task(4));
    let mut order = found_order(&stays);
    order.sort_unstable();
    assert_eq!(order, [1, 2, 3, 4]);
    assert_eq!(registry.queued(), 0);
}

#[test]
fn a_retired_worker_slot_starts_again_and_keeps_its_statistics() {
    let log = Log::default();
    let registry = Registry::with_max_workers(1, 2, config(VictimPolicy::Random));
    assert_eq!((registry.num_workers(), registry.max_workers(), registry.statistics().len()), (1, 2, 2));
    for round in 0..2 {
        registry.resize(2);
        let worker = registry.worker(1);
        registry.push_to(1, log.task(round));
        let task = worker.find_task().unwrap();
        worker.execute(task);
        registry.resize(1);
        assert!(worker.wait_for_task().is_none());
        worker.retire();
    }
    assert_eq!(registry.statistics()[1].executed, 2);
    assert_eq!(log.take(), [0, 1]);
}

#[test]
#[should_panic(expected = "filch-scheduler-core: Registry::resize: needs at least 1 worker")]
fn resizing_a_registry_to_zero_panics() {
    Registry::<Labelled>::with_max_workers(1, 2, CoreConfig::default()).resize(0);
}

#[test]
#[should_panic(expected = "filch-scheduler-core: Registry::resize: 3 workers is more than max_workers 2")]
fn resizing_a_registry_above_its_max_panics() {
    Registry::<Labelled>::with_max_workers(1, 2, CoreConfig::default()).resize(3);
}
