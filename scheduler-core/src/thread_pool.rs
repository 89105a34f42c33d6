//! `ThreadPool`: the batteries — threads running the core, with install, spawn, join and scope.

use core::fmt;
use core::time::Duration;
use std::panic::{self, AssertUnwindSafe};

use filch_sync::lock::{Mutex, MutexGuard};
use filch_sync::thread::{self, JoinHandle};
use filch_sync::Arc;

use crate::join::join_on;
use crate::lock_latch::LockLatch;
use crate::pinning;
use crate::scope::scope_on;
use crate::shared::Shared;
use crate::spawn::{spawn_in, Target};
use crate::stack_job::StackJob;
use crate::worker_thread::WorkerThread;
use crate::{ResizeError, Scope, WorkerStatistics};

/// A work-stealing thread pool: one thread per worker of a [`Registry`](crate::Registry), each
/// with its own deque.
///
/// Dropping the pool waits until every spawned task has finished (tasks spawned by tasks
/// included), then stops and joins its threads; no task is lost or run twice.
///
/// ```
/// use filch_scheduler_core::ThreadPoolBuilder;
///
/// let pool = ThreadPoolBuilder::new().num_threads(2).build().unwrap();
/// let sum: u64 = pool.install(|| {
///     let (left, right) = filch_scheduler_core::join(|| (1..=50u64).sum::<u64>(), || (51..=100u64).sum::<u64>());
///     left + right
/// });
/// assert_eq!(sum, 5050);
///
/// let mut halves = [0u64; 2];
/// pool.scope(|s| {
///     let (first, second) = halves.split_at_mut(1);
///     s.spawn(move |_| first[0] = 1);
///     s.spawn(move |_| second[0] = 2);
/// });
/// assert_eq!(halves, [1, 2]);
/// ```
pub struct ThreadPool {
    pub(crate) shared: Arc<Shared>,
    /// One entry per worker slot: the thread running it, if any. Locked by `resize` and `drop`.
    threads: Mutex<Vec<Option<JoinHandle<()>>>>,
    /// How worker threads are started (at build, and when `resize` grows the pool).
    starter: ThreadStarter,
}

/// Names and stack size of worker threads, fixed at build.
pub(crate) struct ThreadStarter {
    /// Worker `i`'s thread name, for every slot up to `max_threads`.
    pub(crate) names: Vec<String>,
    pub(crate) stack_size: Option<usize>,
}

/// The body of worker `index`'s thread.
pub(crate) fn worker_main(shared: Arc<Shared>, index: usize) {
    if let Some(cores) = &shared.pin_to {
        pinning::pin_current_thread(cores, index);
    }
    if let Some(handler) = &shared.start_handler {
        handler(index);
    }
    {
        let thread = WorkerThread::new(shared.registry.worker(index), &shared);
        thread.run_as_current(|| {
            thread.worker().run();
            if shared.registry.is_shut_down() {
                // Shut down: run whatever is still reachable, so no job is left queued unrun.
                while let Some(job) = thread.worker().find_task() {
                    thread.worker().execute(job);
                }
            } else {
                // Retired by `resize`: hand everything on to the workers that stay.
                thread.worker().retire();
            }
        });
    }
    if let Some(handler) = &shared.exit_handler {
        handler(index);
    }
}

/// Runs `op` on the calling thread as the guest worker `thread` (`install_in_place`), then hands
/// on whatever it left queued and frees the guest slot.
fn run_as_guest<R>(thread: WorkerThread<'_>, op: impl FnOnce() -> R) -> R {
    // `op`'s joins and scopes have all finished when it returns or unwinds out of here.
    let outcome = panic::catch_unwind(AssertUnwindSafe(|| thread.run_as_current(op)));
    thread.worker().retire();
    // Dropping `thread` gives the (empty) deque back to the slot, which frees it.
    drop(thread);
    outcome.unwrap_or_else(|payload| panic::resume_unwind(payload))
}

impl ThreadPool {
    /// A pool over `shared`, with the threads of its first `shared.registry.num_workers()`
    /// workers started. On a failure the threads that did start are shut down and joined.
    pub(crate) fn start(shared: Arc<Shared>, starter: ThreadStarter) -> Result<Self, std::io::Error> {
        let slots = (0..shared.registry.max_workers()).map(|_| None).collect();
        let pool = Self { shared, threads: Mutex::new(slots), starter };
        let started = pool.start_workers(&mut lock(&pool.threads), 0..pool.shared.registry.num_workers());
        // On an error, dropping the pool shuts down and joins the workers that did start.
        started.map(|()| pool)
    }

    /// Starts the threads of worker slots `range` (given the locked slots). On a failure, the
    /// threads of the slots before it keep running and the error is returned.
    fn start_workers(
        &self,
        threads: &mut [Option<JoinHandle<()>>],
        range: core::ops::Range<usize>,
    ) -> Result<(), std::io::Error> {
        for index in range {
            let mut builder = thread::Builder::new().name(self.starter.names[index].clone());
            if let Some(bytes) = self.starter.stack_size {
                builder = builder.stack_size(bytes);
            }
            let shared = Arc::clone(&self.shared);
            threads[index] = Some(builder.spawn(move || worker_main(shared, index))?);
        }
        Ok(())
    }

    /// Changes the number of worker threads to `threads` while tasks run, up to the builder's
    /// [`max_threads`](crate::ThreadPoolBuilder::max_threads).
    ///
    /// Growing starts threads for the new worker slots, which begin to steal at once. Shrinking
    /// asks workers `threads..` to retire: each finishes the task it is running, hands the tasks
    /// queued on it (its deque and its inbox) on to the shared injector, and exits; `resize`
    /// returns once they have exited. No task is lost or run twice, and
    /// [`statistics`](Self::statistics) keep every slot's counts (a slot started again adds to
    /// them). Start and exit handlers run for the threads started and retired.
    ///
    /// Call it from outside the pool: from one of its workers it returns
    /// [`ResizeError::FromWorker`].
    ///
    /// ```
    /// use filch_scheduler_core::ThreadPoolBuilder;
    ///
    /// let pool = ThreadPoolBuilder::new().num_threads(1).max_threads(4).build().unwrap();
    /// for n in 0..100 {
    ///     pool.spawn(move || drop(std::hint::black_box(n)));
    /// }
    /// pool.resize(4).unwrap();
    /// assert_eq!(pool.current_num_threads(), 4);
    /// pool.resize(2).unwrap();
    /// pool.wait_idle();
    /// let executed: u64 = pool.statistics().iter().map(|worker| worker.executed).sum();
    /// assert_eq!(executed, 100);
    /// assert!(pool.resize(0).is_err());
    /// ```
    pub fn resize(&self, threads: usize) -> Result<(), ResizeError> {
        let max = self.shared.registry.max_workers();
        if threads == 0 {
            return Err(ResizeError::ZeroThreads);
        }
        if threads > max {
            return Err(ResizeError::AboveMax { requested: threads, max });
        }
        if self.current_thread_index().is_some() {
            return Err(ResizeError::FromWorker);
        }
        let mut slots = lock(&self.threads);
        let old = self.shared.registry.num_workers();
        if threads > old {
            self.shared.registry.resize(threads);
            if let Err(error) = self.start_workers(&mut slots, old..threads) {
                let started = slots.iter().take_while(|slot| slot.is_some()).count();
                self.shared.registry.resize(started);
                return Err(ResizeError::Spawn(error));
            }
        } else if threads < old {
            self.shared.registry.resize(threads);
            for slot in &mut slots[threads..old] {
                if let Some(handle) = slot.take() {
                    // A start or exit handler's panic ends that thread; it has retired anyway.
                    let _ = handle.join();
                }
            }
        }
        Ok(())
    }

    /// Runs `op` on a worker of this pool and returns its result (a panic in it is resumed here).
    /// From a worker of this pool it runs `op` in place; from any other thread it queues `op` and
    /// blocks until it has run.
    pub fn install<OP, R>(&self, op: OP) -> R
    where
        OP: FnOnce() -> R + Send,
        R: Send,
    {
        WorkerThread::with_current(|thread| match thread {
            Some(thread) if thread.belongs_to(&self.shared) => op(),
            _ => self.install_from_outside(op),
        })
    }

    fn install_from_outside<OP, R>(&self, op: OP) -> R
    where
        OP: FnOnce() -> R + Send,
        R: Send,
    {
        // The latch is shared with the setter, which may still be unlocking it when we return.
        let job = StackJob::new(Arc::new(LockLatch::default()), |_migrated| op());
        // SAFETY: `job` stays in this frame until its latch is set: we wait for it just below.
        self.shared.registry.push(unsafe { job.as_job_ref() });
        job.latch().wait();
        // SAFETY: the latch is set.
        match unsafe { job.take_result() } {
            Ok(value) => value,
            Err(payload) => panic::resume_unwind(payload),
        }
    }

    /// Runs `op` on the calling thread, which joins this pool as a *guest* worker until `op`
    /// returns, and returns its result (a panic in `op` is resumed here, after every `join` and
    /// `scope` inside it has finished). Inside `op`, [`join`](crate::join),
    /// [`scope`](crate::scope) and [`spawn`](crate::spawn) work as on a worker: the guest runs
    /// the first half of each `join` itself and the pool's workers steal the rest from the
    /// guest's own deque. A small computation from outside the pool so runs at about the cost
    /// of sequential code, without [`install`](Self::install)'s hand-over to a worker thread and
    /// back (a wake-up on each side). Detached tasks `op` spawns and leaves queued are handed on
    /// to the workers when it returns. While it waits for a half that a worker took, the guest
    /// runs other queued tasks of the pool, as a worker would, so the call can last longer than
    /// `op`'s own work: by up to the longest task it picks up meanwhile.
    ///
    /// The pool has [`guest_slots`](crate::ThreadPoolBuilder::guest_slots) (2 by default); when
    /// every one is taken, `op` is [`install`](Self::install)ed instead. From a worker of this
    /// pool `op` runs in place, and from a worker of another pool it is installed.
    ///
    /// Unlike `install`, `op` runs on the caller's stack (not a worker's
    /// [`stack_size`](crate::ThreadPoolBuilder::stack_size)), and the pool's start and exit
    /// handlers are not called for it. [`current_thread_index`](Self::current_thread_index) is
    /// the guest slot's index, at or above the pool's maximum number of threads, and
    /// [`resize`](Self::resize) from inside `op` is refused, as from a worker. On a pool of one
    /// thread, joins on a guest, like joins on that thread, run both halves in place.
    ///
    /// ```
    /// use filch_scheduler_core::{join, ThreadPoolBuilder};
    ///
    /// fn sum(values: &[u64]) -> u64 {
    ///     if values.len() <= 64 {
    ///         return values.iter().sum();
    ///     }
    ///     let (left, right) = values.split_at(values.len() / 2);
    ///     let (a, b) = join(|| sum(left), || sum(right));
    ///     a + b
    /// }
    ///
    /// let pool = ThreadPoolBuilder::new().num_threads(2).build().unwrap();
    /// let values: Vec<u64> = (1..=1000).collect();
    /// let caller = std::thread::current().id();
    /// let total = pool.install_in_place(|| {
    ///     assert_eq!(std::thread::current().id(), caller);
    ///     sum(&values)
    /// });
    /// assert_eq!(total, 500_500);
    /// ```
    pub fn install_in_place<OP, R>(&self, op: OP) -> R
    where
        OP: FnOnce() -> R + Send,
        R: Send,
    {
        WorkerThread::with_current(|thread| match thread {
            Some(thread) if thread.belongs_to(&self.shared) => op(),
            Some(_) => self.install_from_outside(op),
            None => match self.shared.registry.guest() {
                Some(guest) => run_as_guest(WorkerThread::new(guest, &self.shared), op),
                None => self.install_from_outside(op),
            },
        })
    }

    /// [`join`](crate::join) in this pool.
    pub fn join<A, B, RA, RB>(&self, a: A, b: B) -> (RA, RB)
    where
        A: FnOnce() -> RA + Send,
        B: FnOnce() -> RB + Send,
        RA: Send,
        RB: Send,
    {
        self.install(|| WorkerThread::with_current(|thread| join_on(in_pool(thread), a, b)))
    }

    /// [`scope`](crate::scope) in this pool.
    pub fn scope<'scope, OP, R>(&self, op: OP) -> R
    where
        OP: FnOnce(&Scope<'scope>) -> R + Send,
        R: Send,
    {
        self.install(|| WorkerThread::with_current(|thread| scope_on(in_pool(thread), op)))
    }

    /// Spawns a detached task into this pool; a panic in it goes to the panic handler. From a
    /// worker of this pool it goes onto that worker's deque (or into its LIFO slot, with
    /// [`lifo_slot(true)`](crate::ThreadPoolBuilder::lifo_slot)); from elsewhere, into the
    /// injector.
    pub fn spawn<F>(&self, task: F)
    where
        F: FnOnce() + Send + 'static,
    {
        spawn_in(&self.shared, Target::Anywhere, task);
    }

    /// Spawns a detached task into this pool that prefers the current worker: from a worker of
    /// this pool it goes to that worker's local queue, run by it after its own deque and taken
    /// by another worker only when that one would otherwise idle; from anywhere else it is
    /// [`spawn`](Self::spawn). See [`spawn_local`](crate::spawn_local). A [`resize`](Self::resize)
    /// that retires the worker hands its local queue on to the others.
    ///
    /// ```
    /// use filch_scheduler_core::ThreadPoolBuilder;
    /// use std::sync::Arc;
    ///
    /// let pool = Arc::new(ThreadPoolBuilder::new().num_threads(2).build().unwrap());
    /// let (send, receive) = std::sync::mpsc::channel();
    /// let inner = Arc::clone(&pool);
    /// pool.spawn(move || {
    ///     for n in 0..4 {
    ///         let send = send.clone();
    ///         inner.spawn_local(move || send.send(n).unwrap());
    ///     }
    /// });
    /// let mut got: Vec<i32> = receive.iter().take(4).collect();
    /// got.sort();
    /// assert_eq!(got, [0, 1, 2, 3]);
    /// pool.spawn_local(|| {}); // from outside: the same as `spawn`
    /// pool.wait_idle();
    /// ```
    pub fn spawn_local<F>(&self, task: F)
    where
        F: FnOnce() + Send + 'static,
    {
        spawn_in(&self.shared, Target::Local, task);
    }

    /// Spawns a detached task with a [`Priority`](crate::Priority) into this pool: see
    /// [`spawn_with_priority`](crate::spawn_with_priority).
    pub fn spawn_with_priority<F>(&self, priority: crate::Priority, task: F)
    where
        F: FnOnce() + Send + 'static,
    {
        spawn_in(&self.shared, Target::with_priority(priority), task);
    }

    /// Spawns a detached task for worker `index`: it waits in that worker's inbox and runs there,
    /// unless (with work stealing on) another worker would otherwise idle. With
    /// [`StealPolicy::ShareNothing`](crate::StealPolicy::ShareNothing) it runs on worker `index`
    /// and nowhere else. A task for an index that a [`resize`](Self::resize) has retired (or not
    /// started yet) goes to the shared injector instead, so a resize racing this call loses
    /// nothing. A panic in the task goes to the panic handler.
    ///
    /// Panics if `index` is not below [`max_threads`](crate::ThreadPoolBuilder::max_threads).
    ///
    /// ```
    /// use filch_scheduler_core::{StealPolicy, ThreadPoolBuilder};
    ///
    /// let pool = ThreadPoolBuilder::new().num_threads(2).steal_policy(StealPolicy::ShareNothing).build().unwrap();
    /// let (send, receive) = std::sync::mpsc::channel();
    /// pool.spawn_to(1, move || send.send(filch_scheduler_core::current_thread_index()).unwrap());
    /// assert_eq!(receive.recv().unwrap(), Some(1));
    /// ```
    pub fn spawn_to<F>(&self, index: usize, task: F)
    where
        F: FnOnce() + Send + 'static,
    {
        let max = self.shared.registry.max_workers();
        assert!(
            index < max,
            "filch-scheduler-core: spawn_to: worker index {index} is out of range for a pool of at most {max} workers"
        );
        spawn_in(&self.shared, Target::Worker(index), task);
    }

    /// The number of worker threads (changed by [`resize`](Self::resize)).
    pub fn current_num_threads(&self) -> usize {
        self.shared.registry.num_workers()
    }

    /// The index of the current thread in this pool, if it is one of its workers (or a guest of
    /// [`install_in_place`](Self::install_in_place): its guest slot's index, at or above
    /// [`max_threads`](crate::ThreadPoolBuilder::max_threads)).
    pub fn current_thread_index(&self) -> Option<usize> {
        WorkerThread::with_current(|thread| {
            thread.filter(|thread| thread.belongs_to(&self.shared)).map(WorkerThread::index)
        })
    }

    /// Per-worker statistics, in worker order (see [`WorkerStatistics`]): one per worker slot up
    /// to [`max_threads`](crate::ThreadPoolBuilder::max_threads); retired workers keep theirs.
    pub fn statistics(&self) -> Vec<WorkerStatistics> {
        self.shared.registry.statistics()
    }

    /// Blocks until every task spawned so far (with [`spawn`](Self::spawn) or
    /// [`Scope::spawn`](crate::Scope::spawn), and every task those spawned) has finished.
    ///
    /// Panics if called from a worker of this pool, which would wait for itself, or from a guest
    /// of its [`install_in_place`](Self::install_in_place), whose queued tasks (its LIFO slot's
    /// among them) may wait for it.
    pub fn wait_idle(&self) {
        assert!(
            self.current_thread_index().is_none(),
            "filch-scheduler-core: wait_idle: called from a worker of this pool, it would wait for itself"
        );
        let mut pause = Duration::from_micros(1);
        let mut polls = 0u32;
        while !self.shared.quiescence.is_quiescent() {
            if polls < 64 {
                thread::yield_now();
                polls += 1;
            } else {
                pause_for(pause);
                pause = (pause * 2).min(Duration::from_millis(1));
            }
        }
    }
}

/// The current worker, which `install` guarantees.
fn in_pool<'t, 'a>(thread: Option<&'t WorkerThread<'a>>) -> &'t WorkerThread<'a> {
    thread.expect("filch-scheduler-core: install ran a job outside its pool")
}

/// Locks the thread slots; a panic while they were held cannot leave a slot half-written.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

#[cfg(not(loom))]
fn pause_for(pause: Duration) {
    thread::sleep(pause);
}

#[cfg(loom)]
fn pause_for(_pause: Duration) {
    thread::yield_now();
}

impl Drop for ThreadPool {
    fn drop(&mut self) {
        let inside = self.current_thread_index().is_some();
        if !inside {
            self.wait_idle();
        }
        self.shared.registry.shut_down();
        if inside {
            // Dropped by one of its own tasks: joining would wait for ourselves. The workers drain
            // what is queued and exit on their own.
            return;
        }
        for handle in lock(&self.threads).drain(..).flatten() {
            // A start or exit handler's panic ends that thread; the pool is going away anyway.
            let _ = handle.join();
        }
    }
}

impl fmt::Debug for ThreadPool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ThreadPool").field("num_threads", &self.current_num_threads()).finish_non_exhaustive()
    }
}
