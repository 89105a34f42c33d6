//! `Registry`: what the workers of one core share (deque stealers, injector, sleep, counters).

use core::fmt;

use filch_deque::{Stealer, Worker as Deque};
use filch_injector::Injector;
use filch_sleep::{Sleep, Slot};
use filch_sync::atomic::{AtomicBool, Ordering};
use filch_sync::lock::Mutex;
use filch_sync::{Arc, CachePadded};

use crate::counting_park::CountingPark;
use crate::statistics::WorkerCounters;
use crate::{CoreConfig, Worker, WorkerStatistics};

/// The sleep protocol as the core instantiates it.
pub(crate) type CoreSleep = Sleep<CountingPark, Box<[Slot<CountingPark>]>>;

/// The shared half of a work-stealing core over tasks of type `T`: one `filch_deque` deque per worker
/// (its owner half handed out by [`worker`](Registry::worker), its stealer kept here), one
/// [`Injector`] for work from outside, and one [`Sleep`] for idling.
///
/// A scheduler built on it runs one thread per worker index, each taking its
/// [`Worker`] and looping over [`Worker::wait_for_task`] and [`Worker::execute`]
/// (that is [`Worker::run`]); others submit with [`push`](Registry::push) and stop the workers
/// with [`shut_down`](Registry::shut_down). Tasks still queued when the registry is dropped are
/// dropped with it, each exactly once.
///
/// ```
/// use filch_scheduler_core::{CoreConfig, Registry, Task, Worker};
/// use std::sync::atomic::{AtomicU64, Ordering};
/// use std::sync::Arc;
///
/// struct Add(u64, Arc<AtomicU64>);
/// impl Task for Add {
///     fn run(self, _worker: &Worker<'_, Self>) {
///         self.1.fetch_add(self.0, Ordering::Relaxed);
///     }
/// }
///
/// let registry = Arc::new(Registry::new(2, CoreConfig::default()));
/// let threads: Vec<_> = (0..2)
///     .map(|index| {
///         let registry = Arc::clone(&registry);
///         std::thread::spawn(move || registry.worker(index).run())
///     })
///     .collect();
/// let sum = Arc::new(AtomicU64::new(0));
/// for i in 1..=100 {
///     registry.push(Add(i, Arc::clone(&sum)));
/// }
/// while sum.load(Ordering::Acquire) != 5050 {
///     std::thread::yield_now();
/// }
/// registry.shut_down();
/// for thread in threads {
///     thread.join().unwrap();
/// }
/// ```
pub struct Registry<T> {
    injector: Injector<T>,
    stealers: Box<[Stealer<T>]>,
    /// The owner halves, while no [`Worker`] holds them.
    deques: Box<[Mutex<Option<Deque<T>>>]>,
    sleep: CoreSleep,
    counters: Box<[Arc<WorkerCounters>]>,
    shut_down: CachePadded<AtomicBool>,
    config: CoreConfig,
}

impl<T> Registry<T> {
    /// A registry for `workers` workers.
    ///
    /// Panics if `workers` is 0, or `config` has a zero `injector_interval`, `steal_rounds` or
    /// `steal_limit`.
    pub fn new(workers: usize, config: CoreConfig) -> Self {
        assert!(workers >= 1, "filch-scheduler-core: Registry::new: needs at least 1 worker");
        assert!(
            config.injector_interval >= 1,
            "filch-scheduler-core: Registry::new: injector_interval must be at least 1"
        );
        assert!(
            config.steal_rounds >= 1,
            "filch-scheduler-core: Registry::new: steal_rounds must be at least 1"
        );
        assert!(
            config.steal_limit >= 1,
            "filch-scheduler-core: Registry::new: steal_limit must be at least 1"
        );
        let deques: Vec<_> =
            (0..workers).map(|_| Deque::with_capacity(config.flavor, config.deque_capacity)).collect();
        let stealers = deques.iter().map(Deque::stealer).collect();
        let counters: Box<[_]> = (0..workers).map(|_| Arc::new(WorkerCounters::default())).collect();
        let parkers = counters.iter().map(|counters| CountingPark::new(Arc::clone(counters)));
        Self {
            injector: Injector::new(),
            stealers,
            deques: deques.into_iter().map(|deque| Mutex::new(Some(deque))).collect(),
            sleep: Sleep::with_parkers(parkers, config.idle),
            counters,
            shut_down: CachePadded::new(AtomicBool::new(false)),
            config,
        }
    }

    /// How many workers this registry serves.
    pub fn num_workers(&self) -> usize {
        self.stealers.len()
    }

    /// The configuration it was built with.
    pub fn config(&self) -> &CoreConfig {
        &self.config
    }

    /// Submits `task` from anywhere (outside the workers, or for no worker in particular): it goes
    /// to the injector, and a sleeping worker is woken to take it.
    pub fn push(&self, task: T) {
        self.injector.push(task);
        // Full notify (with its fence): a task from outside has no owner that would run it anyway,
        // so this wake-up must not be lost.
        self.sleep.notify_one();
    }

    /// The owner handle of worker `index`, for the thread that will run it.
    ///
    /// Panics if `index` is out of range or another live `Worker` holds it.
    pub fn worker(&self, index: usize) -> Worker<'_, T> {
        let slot = self
            .deques
            .get(index)
            .unwrap_or_else(|| panic!("filch-scheduler-core: Registry::worker: index {index} out of range"));
        let deque = lock(slot).take().unwrap_or_else(|| {
            panic!("filch-scheduler-core: Registry::worker: worker {index} already has a live Worker")
        });
        Worker::new(self, index, deque, self.sleep.worker(index), &self.counters[index])
    }

    /// Asks every worker to stop: [`Worker::wait_for_task`] returns `None` from now on, and
    /// sleeping workers are woken to see it. Queued tasks stay queued.
    pub fn shut_down(&self) {
        // Release: publishes everything before the shutdown to a worker's Acquire in
        // `is_shut_down`; `notify_all` (its SeqCst fence against the one in the workers' `prepare`)
        // then makes sure no sleeper misses the flag: a worker whose final check in
        // `wait_for_task` did not see it is counted sleepy when `notify_all` reads the count, and
        // is woken.
        self.shut_down.store(true, Ordering::Release);
        self.sleep.notify_all();
    }

    /// Whether [`shut_down`](Registry::shut_down) was called.
    pub fn is_shut_down(&self) -> bool {
        // Acquire: pairs with the Release store in `shut_down`.
        self.shut_down.load(Ordering::Acquire)
    }

    /// Tasks queued in the injector and every deque now (a racy snapshot).
    pub fn queued(&self) -> usize {
        self.injector.len() + self.stealers.iter().map(Stealer::len).sum::<usize>()
    }

    /// Per-worker statistics, in worker order.
    pub fn statistics(&self) -> Vec<WorkerStatistics> {
        self.counters.iter().map(|counters| counters.snapshot()).collect()
    }

    /// The sleep protocol, for latch setters that wake their owner.
    pub(crate) fn sleep(&self) -> &CoreSleep {
        &self.sleep
    }

    pub(crate) fn injector(&self) -> &Injector<T> {
        &self.injector
    }

    pub(crate) fn stealers(&self) -> &[Stealer<T>] {
        &self.stealers
    }

    /// Gives a dropped `Worker`'s deque back, with whatever it still holds.
    pub(crate) fn return_deque(&self, index: usize, deque: Deque<T>) {
        *lock(&self.deques[index]) = Some(deque);
    }
}

/// Locks a deque slot; a panic while it was held cannot leave an `Option` half-written.
fn lock<T>(slot: &Mutex<T>) -> filch_sync::lock::MutexGuard<'_, T> {
    slot.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl<T> fmt::Debug for Registry<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Registry")
            .field("workers", &self.num_workers())
            .field("shut_down", &self.is_shut_down())
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}
