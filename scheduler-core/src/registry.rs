//! `Registry`: what the workers of one core share (deque stealers, injector, sleep, counters).

use core::fmt;

use filch_deque::{Steal, Stealer, Worker as Deque};
use filch_injector::Injector;
use filch_sleep::{IdlePolicy, Sleep, Sleeper, Slot};
use filch_sync::atomic::{fence, AtomicBool, AtomicU8, AtomicUsize, Ordering};
use filch_sync::hint::spin_loop;
use filch_sync::lock::Mutex;
use filch_sync::{Arc, CachePadded};

use crate::counting_park::CountingPark;
use crate::statistics::WorkerCounters;
use crate::{CoreConfig, Priority, StealPolicy, Worker, WorkerStatistics};

/// The optional queues, as bits of `Registry::routes`.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Route {
    /// The high-priority queue.
    High = 1,
    /// The per-worker inboxes.
    Inboxes = 2,
}

/// The sleep protocol as the core instantiates it.
pub(crate) type CoreSleep = Sleep<CountingPark, Box<[Slot<CountingPark>]>>;
/// One worker's handle on [`CoreSleep`].
pub(crate) type CoreSleeper<'r> = Sleeper<'r, CountingPark, Box<[Slot<CountingPark>]>>;

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
    /// High-priority tasks, from anywhere; looked at first by every worker.
    high: Injector<T>,
    /// One per worker: tasks sent to that worker by index ([`push_to`](Registry::push_to)).
    inboxes: Box<[Injector<T>]>,
    stealers: Box<[Stealer<T>]>,
    /// The owner halves, while no [`Worker`] holds them.
    deques: Box<[Mutex<Option<Deque<T>>>]>,
    sleep: CoreSleep,
    counters: Box<[Arc<WorkerCounters>]>,
    /// Per worker slot: set by a worker as it retires (and for slots never started), cleared
    /// when a `Worker` for the slot is taken. `push_to` reads it to hand a task sent to a
    /// retired worker on to the injector.
    retired: Box<[AtomicBool]>,
    /// The number of workers now: workers at or above it retire.
    active: CachePadded<AtomicUsize>,
    /// Worker slots for the scheduler's own threads; the slots after them are guests'.
    max_workers: usize,
    /// Which optional queues have ever been pushed to ([`Route`] bits, never cleared), so that
    /// workers of a registry that uses neither priorities nor `push_to` pay one load, not a
    /// look at every such queue, per `find_task`.
    routes: CachePadded<AtomicU8>,
    shut_down: CachePadded<AtomicBool>,
    config: CoreConfig,
}

impl<T> Registry<T> {
    /// A registry for `workers` workers, a number that stays fixed.
    ///
    /// Panics if `workers` is 0, or `config` has a zero `injector_interval`, `steal_rounds`,
    /// `steal_limit` or `high_priority_burst`.
    pub fn new(workers: usize, config: CoreConfig) -> Self {
        Self::with_max_workers(workers, workers, config)
    }

    /// A registry for `workers` workers that [`resize`](Registry::resize) can grow up to
    /// `max_workers`. Everything per worker (deque, inbox, sleep slot, counters) is allocated
    /// for all `max_workers`, and for [`CoreConfig::guest_slots`] guests, now, so nothing moves
    /// when the number changes; victims with empty deques cost a thief two loads each.
    ///
    /// Panics as [`new`](Registry::new) does, if `max_workers` is below `workers`, and if
    /// `max_workers` plus [`CoreConfig::guest_slots`] overflows.
    pub fn with_max_workers(workers: usize, max_workers: usize, config: CoreConfig) -> Self {
        assert!(workers >= 1, "filch-scheduler-core: Registry::new: needs at least 1 worker");
        assert!(
            max_workers >= workers,
            "filch-scheduler-core: Registry::with_max_workers: max_workers {max_workers} is below workers {workers}"
        );
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
        assert!(
            config.high_priority_burst >= 1,
            "filch-scheduler-core: Registry::new: high_priority_burst must be at least 1"
        );
        let slots = max_workers
            .checked_add(config.guest_slots)
            .expect("filch-scheduler-core: Registry::new: max_workers + guest_slots overflows usize");
        let deques: Vec<_> =
            (0..slots).map(|_| Deque::with_capacity(config.flavor, config.deque_capacity)).collect();
        let stealers = deques.iter().map(Deque::stealer).collect();
        let counters: Box<[_]> = (0..slots).map(|_| Arc::new(WorkerCounters::default())).collect();
        let parkers = counters.iter().map(|counters| CountingPark::new(Arc::clone(counters)));
        // The guests' sleep slots do not raise the number of searchers the workers may have.
        let idle = IdlePolicy { max_searching: Some(config.idle.searcher_cap(max_workers)), ..config.idle };
        Self {
            injector: Injector::new(),
            high: Injector::new(),
            inboxes: (0..slots).map(|_| Injector::new()).collect(),
            retired: (0..slots).map(|index| AtomicBool::new(index >= workers)).collect(),
            active: CachePadded::new(AtomicUsize::new(workers)),
            max_workers,
            routes: CachePadded::new(AtomicU8::new(0)),
            stealers,
            deques: deques.into_iter().map(|deque| Mutex::new(Some(deque))).collect(),
            sleep: Sleep::with_parkers(parkers, idle),
            counters,
            shut_down: CachePadded::new(AtomicBool::new(false)),
            config,
        }
    }

    /// How many workers this registry serves now (changed by [`resize`](Registry::resize)).
    pub fn num_workers(&self) -> usize {
        // Acquire: pairs with the Release store in `resize`; a snapshot otherwise.
        self.active.load(Ordering::Acquire)
    }

    /// How many workers [`resize`](Registry::resize) may grow to: the number of worker slots
    /// (guest slots not counted).
    pub fn max_workers(&self) -> usize {
        self.max_workers
    }

    /// Worker slots and guest slots together: the index of every deque, inbox and sleep slot is
    /// below it.
    pub(crate) fn slots(&self) -> usize {
        self.stealers.len()
    }

    /// Sets the number of workers to `workers`.
    ///
    /// Growing: the scheduler on top then runs workers `old..workers` (each takes its
    /// [`Worker`] with [`worker`](Registry::worker), which must have been given back by any
    /// earlier thread of that index). Shrinking: workers `workers..old` see
    /// [`Worker::wait_for_task`] return `None` (sleeping ones are woken for it) and then call
    /// [`Worker::retire`], which hands what they hold on to the injector. Tasks pushed to a
    /// retired worker's index go to the injector. Statistics stay with the worker slot.
    ///
    /// Panics if `workers` is 0 or above [`max_workers`](Registry::max_workers).
    pub fn resize(&self, workers: usize) {
        assert!(workers >= 1, "filch-scheduler-core: Registry::resize: needs at least 1 worker");
        assert!(
            workers <= self.max_workers(),
            "filch-scheduler-core: Registry::resize: {workers} workers is more than max_workers {}",
            self.max_workers()
        );
        let old = self.active.swap(workers, Ordering::AcqRel);
        // Release (in the AcqRel swap): publishes the new count to the workers' Acquire loads in
        // `is_retiring`. `notify(i)` (its SeqCst fence against the one in the worker's `prepare`)
        // then wakes every retiring worker that went to sleep without seeing the new count.
        for index in workers..old {
            self.sleep.notify(index);
        }
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

    /// Submits `task` with a [`Priority`]: [`Priority::Normal`] is [`push`](Registry::push);
    /// [`Priority::High`] goes to the high-priority queue, which every worker looks at before
    /// anything else (within the anti-starvation rule on [`Priority`]), and a sleeping worker is
    /// woken to take it.
    pub fn push_with_priority(&self, task: T, priority: Priority) {
        match priority {
            Priority::Normal => self.push(task),
            Priority::High => {
                self.open(Route::High);
                self.high.push(task);
                // Full notify (with its fence), as in `push`.
                self.sleep.notify_one();
            }
        }
    }

    /// Submits `task` to worker `index`: it goes to that worker's inbox, which the worker looks
    /// at after its own deque (and first, with the injector, every
    /// [`injector_interval`](CoreConfig::injector_interval) calls), and the worker is woken if it
    /// sleeps. With [`StealPolicy::WorkStealing`](crate::StealPolicy::WorkStealing) other workers
    /// take from an inbox only when they find nothing else; with
    /// [`ShareNothing`](crate::StealPolicy::ShareNothing), never.
    ///
    /// Panics if `index` is not below [`max_workers`](Registry::max_workers) (guests take no
    /// tasks by index).
    pub fn push_to(&self, index: usize, task: T) {
        self.assert_worker_index(index, "push_to");
        let inbox = &self.inboxes[index];
        self.open(Route::Inboxes);
        inbox.push(task);
        // SeqCst fence: orders our push before the load of `retired` below, against the fence in
        // `Worker::retire` between its store of `retired` and its drain of the inbox (store-load
        // both sides): either we see the worker retired and hand the task on ourselves, or its
        // drain sees our task. Without it a task sent to a retiring worker can be stranded.
        fence(Ordering::SeqCst);
        // Relaxed: the fences order it (above).
        if self.retired[index].load(Ordering::Relaxed) {
            self.hand_on_inbox(index);
        } else if !self.sleep.notify(index) && self.config().steal_policy != StealPolicy::ShareNothing {
            // Targeted notify first (with its fence, against the one in the worker's `prepare`):
            // under share-nothing only this worker may run the task, so its wake-up must not be
            // lost. It was awake, so maybe busy with a long task; with stealing any worker may
            // run what was sent to it (their last look before idling), so wake one of those
            // unless one is searching. Without this a task sent to a blocked worker waited
            // while the others slept (`pool_policies.rs` hung 6 times in 300 runs).
            self.sleep.notify_one();
        }
    }

    /// Marks `route` as used, before its first task is pushed.
    pub(crate) fn open(&self, route: Route) {
        let bit = route as u8;
        // Relaxed: the bit is set before the push that follows; a worker that reads it stale
        // skips that queue for one look only. A worker about to sleep reads it after the SeqCst
        // fence in its `prepare`, and the pusher's notify comes after its own fence, so the final
        // check before sleeping sees the bit whenever it could see the task (`DESIGN.md`).
        if self.routes.load(Ordering::Relaxed) & bit == 0 {
            self.routes.fetch_or(bit, Ordering::Relaxed);
        }
    }

    /// Whether anything was ever pushed by `route`.
    pub(crate) fn is_open(&self, route: Route) -> bool {
        // Relaxed: see `open`.
        self.routes.load(Ordering::Relaxed) & route as u8 != 0
    }

    /// Moves everything in worker `index`'s inbox to the injector and wakes a worker for it.
    /// Called by a `push_to` that finds its worker retired.
    fn hand_on_inbox(&self, index: usize) {
        self.move_inbox_to_injector(index);
        // Full notify (with its fence), as in `push`.
        self.sleep.notify_one();
    }

    /// Moves everything in worker `index`'s inbox to the injector; returns whether it moved any.
    /// A retiring worker and a `push_to` that finds it retired may both run it at once (the
    /// inbox hands each task to one of them).
    pub(crate) fn move_inbox_to_injector(&self, index: usize) -> bool {
        let inbox = &self.inboxes[index];
        let mut moved = false;
        while !inbox.is_empty() {
            match inbox.steal() {
                Steal::Success(task) => {
                    self.injector.push(task);
                    moved = true;
                }
                Steal::Empty => break,
                Steal::Retry => spin_loop(),
            }
        }
        moved
    }

    /// Marks worker `index` retired (`true`) or running again (`false`).
    pub(crate) fn set_retired(&self, index: usize, retired: bool) {
        // Relaxed: a retiring worker follows this store with a SeqCst fence (`Worker::retire`);
        // a worker taking the slot publishes through the thread start that runs it.
        self.retired[index].store(retired, Ordering::Relaxed);
    }

    /// The owner handle of worker `index`, for the thread that will run it.
    ///
    /// Panics if `index` is not below [`max_workers`](Registry::max_workers) or another live
    /// `Worker` holds it.
    pub fn worker(&self, index: usize) -> Worker<'_, T> {
        self.assert_worker_index(index, "worker");
        let deque = lock(&self.deques[index]).take().unwrap_or_else(|| {
            panic!("filch-scheduler-core: Registry::worker: worker {index} already has a live Worker")
        });
        self.take_slot(index, deque)
    }

    /// A worker handle for a thread outside the scheduler that joins it for a while (a *guest*):
    /// the first free guest slot's, or `None` if every guest slot is taken (or there are none,
    /// [`CoreConfig::guest_slots`]).
    ///
    /// The guest runs tasks as a worker does (its pushes go onto its own deque, which the workers
    /// steal from; [`Worker::help_until`] runs others' tasks and sleeps in the guest's slot) but
    /// is never counted in [`num_workers`](Registry::num_workers), takes no tasks by index, and
    /// gets no statistics row. When it is done it calls [`Worker::retire`], which hands whatever
    /// it left queued on to the injector, and drops the handle, which frees the slot. Its index
    /// is [`max_workers`](Registry::max_workers) or above.
    ///
    /// ```
    /// use filch_scheduler_core::{CoreConfig, Registry, Task, Worker};
    ///
    /// struct Noop;
    /// impl Task for Noop {
    ///     fn run(self, _worker: &Worker<'_, Self>) {}
    /// }
    ///
    /// let registry = Registry::<Noop>::new(1, CoreConfig { guest_slots: 1, ..CoreConfig::default() });
    /// let guest = registry.guest().unwrap();
    /// assert_eq!(guest.index(), 1);
    /// assert!(registry.guest().is_none(), "the only guest slot is taken");
    /// guest.push(Noop);
    /// guest.retire(); // the task goes on to the injector, for the workers
    /// drop(guest);
    /// assert_eq!(registry.queued(), 1);
    /// assert!(registry.guest().is_some(), "the slot is free again");
    /// ```
    pub fn guest(&self) -> Option<Worker<'_, T>> {
        (self.max_workers..self.slots()).find_map(|index| {
            let deque = lock(&self.deques[index]).take()?;
            Some(self.take_slot(index, deque))
        })
    }

    /// Panics unless `index` is a worker slot's (below `max_workers`: guest slots are not
    /// addressed by index), naming `call` in the message.
    fn assert_worker_index(&self, index: usize, call: &str) {
        assert!(
            index < self.max_workers,
            "filch-scheduler-core: Registry::{call}: index {index} out of range"
        );
    }

    /// The `Worker` of slot `index`, whose `deque` was just taken out of the slot.
    fn take_slot(&self, index: usize, deque: Deque<T>) -> Worker<'_, T> {
        self.set_retired(index, false);
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

    /// Tasks queued in the injectors, every inbox and every deque now (a racy snapshot). Tasks
    /// in the workers' LIFO slots ([`Worker::push_lifo`]) are not counted: only their worker
    /// sees them.
    pub fn queued(&self) -> usize {
        self.injector.len()
            + self.high.len()
            + self.inboxes.iter().map(Injector::len).sum::<usize>()
            + self.stealers.iter().map(Stealer::len).sum::<usize>()
    }

    /// Per-worker statistics, in worker order, one per worker slot
    /// ([`max_workers`](Registry::max_workers)): a retired worker keeps its counts, and a worker
    /// started again in its slot adds to them. Guests' counts are not included.
    pub fn statistics(&self) -> Vec<WorkerStatistics> {
        self.counters[..self.max_workers].iter().map(|counters| counters.snapshot()).collect()
    }

    /// The sleep protocol, for latch setters that wake their owner.
    pub(crate) fn sleep(&self) -> &CoreSleep {
        &self.sleep
    }

    pub(crate) fn injector(&self) -> &Injector<T> {
        &self.injector
    }

    pub(crate) fn high(&self) -> &Injector<T> {
        &self.high
    }

    pub(crate) fn inboxes(&self) -> &[Injector<T>] {
        &self.inboxes
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
            .field("max_workers", &self.max_workers())
            .field("guest_slots", &self.config.guest_slots)
            .field("shut_down", &self.is_shut_down())
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}
