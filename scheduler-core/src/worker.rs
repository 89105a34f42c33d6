//! `Worker`: one worker's handle on the core — its deque, its idle loop, and `find_task`.

use core::cell::{Cell, RefCell};
use core::fmt;
use core::mem::ManuallyDrop;

use filch_deque::{Steal, Worker as Deque};
use filch_sleep::{Sleeper, Slot};

use crate::counting_park::CountingPark;
use crate::statistics::WorkerCounters;
use crate::{Registry, Task};

/// How many times a lost race on the injector (`Retry`) is retried before moving on to stealing.
const INJECTOR_RETRIES: u32 = 4;

/// Worker `index` of a [`Registry`]: the owner of one deque, and the `find_task` policy.
///
/// Not `Sync` and not `Send`: it belongs to the thread that took it with
/// [`Registry::worker`]. Dropping it gives the deque (and anything left in it) back to the
/// registry.
///
/// [`find_task`](Worker::find_task) looks, in order, at:
/// 1. the injector, every [`injector_interval`](crate::CoreConfig::injector_interval)-th call
///    (fairness for outside submissions);
/// 2. the own deque (newest first: the work-first order of a depth-first computation);
/// 3. the injector, moving a batch into the own deque;
/// 4. the other workers' deques, from a random victim on, skipping those that look empty, and
///    stealing about half of a victim's tasks (oldest first, at most
///    [`steal_limit`](crate::CoreConfig::steal_limit)) into the own deque, for at most
///    [`steal_rounds`](crate::CoreConfig::steal_rounds) passes.
///
/// [`wait_for_task`](Worker::wait_for_task) adds the last step: spin, yield, then sleep until
/// a push wakes it.
///
/// ```
/// use filch_scheduler_core::{CoreConfig, Registry, Task, Worker};
///
/// struct Noop;
/// impl Task for Noop {
///     fn run(self, _worker: &Worker<'_, Self>) {}
/// }
///
/// let registry = Registry::new(2, CoreConfig::default());
/// let owner = registry.worker(0);
/// let thief = registry.worker(1);
/// owner.push(Noop);
/// owner.push(Noop);
/// // The thief takes half of the owner's deque.
/// let stolen = thief.find_task().unwrap();
/// thief.execute(stolen);
/// assert_eq!(registry.statistics()[1].stolen, 1);
/// assert!(owner.find_task().is_some());
/// ```
pub struct Worker<'r, T> {
    registry: &'r Registry<T>,
    index: usize,
    /// Taken from the registry; given back in `drop`.
    deque: ManuallyDrop<Deque<T>>,
    sleeper: RefCell<Sleeper<'r, CountingPark, Box<[Slot<CountingPark>]>>>,
    counters: &'r WorkerCounters,
    /// Calls of `find_task`, for the injector interval.
    ticks: Cell<u32>,
    /// xorshift state for picking the first victim.
    random: Cell<u64>,
}

impl<'r, T> Worker<'r, T> {
    pub(crate) fn new(
        registry: &'r Registry<T>,
        index: usize,
        deque: Deque<T>,
        sleeper: Sleeper<'r, CountingPark, Box<[Slot<CountingPark>]>>,
        counters: &'r WorkerCounters,
    ) -> Self {
        // Any odd seed that differs per worker; xorshift must not start at 0.
        let seed = (index as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
        Self {
            registry,
            index,
            deque: ManuallyDrop::new(deque),
            sleeper: RefCell::new(sleeper),
            counters,
            ticks: Cell::new(0),
            random: Cell::new(seed),
        }
    }

    /// This worker's index in its registry.
    pub fn index(&self) -> usize {
        self.index
    }

    /// The registry this worker belongs to.
    pub fn registry(&self) -> &'r Registry<T> {
        self.registry
    }

    /// Pushes `task` onto this worker's deque, and wakes a sleeping worker to steal it if
    /// nobody is searching.
    ///
    /// The wake-up is a cheap hint (one relaxed load when nobody is asleep): a wake-up it misses
    /// costs parallelism, never progress, since this worker runs its own deque.
    pub fn push(&self, task: T) {
        self.deque.push(task);
        let (sleepy, searching) = self.registry.sleep().sleepy_and_searching();
        if sleepy > 0 && searching == 0 {
            self.registry.sleep().notify_one();
        }
    }

    /// Pops this worker's newest task, without looking anywhere else.
    pub fn pop(&self) -> Option<T> {
        self.deque.pop()
    }

    /// Looks for a task without blocking, in the order given on [`Worker`].
    pub fn find_task(&self) -> Option<T> {
        let ticks = self.ticks.get().wrapping_add(1);
        self.ticks.set(ticks);
        if ticks % self.registry.config().injector_interval == 0 {
            if let Some(task) = self.take_from_injector() {
                return Some(task);
            }
        }
        self.deque.pop().or_else(|| self.take_from_injector()).or_else(|| self.steal())
    }

    /// Blocks until it finds a task (spinning, yielding, then sleeping), or returns `None` once
    /// the registry is [shut down](Registry::shut_down).
    pub fn wait_for_task(&self) -> Option<T> {
        if let Some(task) = self.find_task() {
            return Some(task);
        }
        let registry = self.registry;
        self.sleeper.borrow_mut().idle_until(|| registry.is_shut_down(), || self.find_task())
    }

    /// Runs tasks it finds until `done()` holds, sleeping when there are none; `done`'s setter
    /// wakes this worker with a targeted notify (as a [`filch_sleep::Latch`] does).
    pub fn help_until(&self, mut done: impl FnMut() -> bool)
    where
        T: Task,
    {
        loop {
            if done() {
                return;
            }
            if let Some(task) = self.find_task() {
                self.execute(task);
                continue;
            }
            // Bind the result first: the sleeper stays borrowed only while idling, never while a
            // task runs (tasks may help in turn).
            let found = self.sleeper.borrow_mut().idle_until(&mut done, || self.find_task());
            match found {
                Some(task) => self.execute(task),
                None => return,
            }
        }
    }

    /// Runs `task` on this worker and counts it as executed.
    pub fn execute(&self, task: T)
    where
        T: Task,
    {
        WorkerCounters::bump_owned(&self.counters.executed);
        task.run(self);
    }

    /// The worker loop: runs tasks until the registry is shut down.
    pub fn run(&self)
    where
        T: Task,
    {
        while let Some(task) = self.wait_for_task() {
            self.execute(task);
        }
    }

    /// Takes a batch from the injector: returns one task, moves the rest into the own deque.
    fn take_from_injector(&self) -> Option<T> {
        let limit = self.registry.config().steal_limit;
        for _ in 0..INJECTOR_RETRIES {
            match self.registry.injector().steal_batch_with_limit_and_pop(&self.deque, limit) {
                Steal::Success(task) => return Some(task),
                Steal::Empty => return None,
                Steal::Retry => {}
            }
        }
        None
    }

    /// Steals about half of some victim's deque into the own deque and returns one of its tasks.
    fn steal(&self) -> Option<T> {
        let stealers = self.registry.stealers();
        let workers = stealers.len();
        if workers == 1 {
            return None;
        }
        for _ in 0..self.registry.config().steal_rounds {
            let start = self.next_random() as usize % workers;
            let mut lost_a_race = false;
            for offset in 0..workers {
                let victim = (start + offset) % workers;
                // A look at the victim's length costs two loads; a steal attempt costs a fence (a
                // process-wide barrier in the fence-free flavour), so idle searchers do not spend
                // it on empty deques. A stale "empty" only skips the victim for this pass: the
                // victim runs its own tasks anyway, so no task is stranded by it.
                if victim == self.index || stealers[victim].is_empty() {
                    continue;
                }
                WorkerCounters::bump_owned(&self.counters.steal_attempts);
                let limit = self.registry.config().steal_limit;
                match stealers[victim].steal_batch_with_limit_and_pop(&self.deque, limit) {
                    Steal::Success(task) => {
                        WorkerCounters::bump_owned(&self.counters.stolen);
                        return Some(task);
                    }
                    Steal::Empty => WorkerCounters::bump_owned(&self.counters.failed_steals),
                    Steal::Retry => {
                        WorkerCounters::bump_owned(&self.counters.failed_steals);
                        lost_a_race = true;
                    }
                }
            }
            if !lost_a_race {
                break;
            }
        }
        None
    }

    fn next_random(&self) -> u64 {
        let mut x = self.random.get();
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.random.set(x);
        x
    }
}

impl<T> Drop for Worker<'_, T> {
    fn drop(&mut self) {
        // SAFETY: `deque` is taken exactly once, here, and never used again.
        let deque = unsafe { ManuallyDrop::take(&mut self.deque) };
        self.registry.return_deque(self.index, deque);
    }
}

impl<T> fmt::Debug for Worker<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Worker").field("index", &self.index).field("queued", &self.deque.len()).finish()
    }
}
