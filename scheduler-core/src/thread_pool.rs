//! `ThreadPool`: the batteries — threads running the core, with install, spawn, join and scope.

use core::fmt;
use core::time::Duration;
use std::panic;

use filch_sync::thread::{self, JoinHandle};
use filch_sync::Arc;

use crate::join::join_on;
use crate::lock_latch::LockLatch;
use crate::scope::scope_on;
use crate::shared::Shared;
use crate::spawn::spawn_in;
use crate::stack_job::StackJob;
use crate::worker_thread::WorkerThread;
use crate::{Scope, WorkerStatistics};

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
    threads: Vec<JoinHandle<()>>,
}

/// The body of worker `index`'s thread.
pub(crate) fn worker_main(shared: Arc<Shared>, index: usize) {
    if let Some(handler) = &shared.start_handler {
        handler(index);
    }
    {
        let thread = WorkerThread::new(shared.registry.worker(index), &shared);
        thread.run_as_current(|| {
            thread.worker().run();
            // Shut down: run whatever is still reachable, so no job is left queued unrun.
            while let Some(job) = thread.worker().find_task() {
                thread.worker().execute(job);
            }
        });
    }
    if let Some(handler) = &shared.exit_handler {
        handler(index);
    }
}

impl ThreadPool {
    pub(crate) fn from_parts(shared: Arc<Shared>, threads: Vec<JoinHandle<()>>) -> Self {
        Self { shared, threads }
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

    /// Spawns a detached task into this pool; a panic in it goes to the panic handler.
    pub fn spawn<F>(&self, task: F)
    where
        F: FnOnce() + Send + 'static,
    {
        spawn_in(&self.shared, task);
    }

    /// The number of worker threads.
    pub fn current_num_threads(&self) -> usize {
        self.shared.registry.num_workers()
    }

    /// The index of the current thread in this pool, if it is one of its workers.
    pub fn current_thread_index(&self) -> Option<usize> {
        WorkerThread::with_current(|thread| {
            thread.filter(|thread| thread.belongs_to(&self.shared)).map(WorkerThread::index)
        })
    }

    /// Per-worker statistics, in worker order (see [`WorkerStatistics`]).
    pub fn statistics(&self) -> Vec<WorkerStatistics> {
        self.shared.registry.statistics()
    }

    /// Blocks until every task spawned so far (with [`spawn`](Self::spawn) or
    /// [`Scope::spawn`](crate::Scope::spawn), and every task those spawned) has finished.
    ///
    /// Panics if called from a worker of this pool, which would wait for itself.
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
        for handle in self.threads.drain(..) {
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
