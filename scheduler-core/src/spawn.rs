//! `spawn`: detached tasks, and the path every boxed job takes into the pool.

use std::panic::{self, AssertUnwindSafe};

use filch_sync::Arc;

use crate::global::global_pool;
use crate::heap_job::HeapJob;
use crate::shared::Shared;
use crate::worker_thread::WorkerThread;
use crate::Priority;

/// Spawns `task` as a detached task: in the current pool when called from one of its workers
/// (onto that worker's deque, or into its LIFO slot if the pool was built with
/// [`lifo_slot(true)`](crate::ThreadPoolBuilder::lifo_slot)), else in the global pool (through
/// its injector).
///
/// A panic in it goes to the pool's panic handler; the pool keeps working.
///
/// ```
/// use std::sync::mpsc;
///
/// let (send, receive) = mpsc::channel();
/// filch_scheduler_core::spawn(move || send.send(42).unwrap());
/// assert_eq!(receive.recv().unwrap(), 42);
/// ```
pub fn spawn<F>(task: F)
where
    F: FnOnce() + Send + 'static,
{
    spawn_in_current_pool(Target::Anywhere, task);
}

/// Spawns `task` as a detached task that prefers to stay on the current worker: in the current
/// pool when called from one of its workers, into that worker's local queue, which it runs after
/// its own deque and which other workers take from only when they would otherwise idle (after
/// trying every other queue and every victim's deque). Called from outside every pool, it is
/// [`spawn`] (into the global pool's injector).
///
/// Use it for follow-up work that touches what the current task touched (its cache lines, a
/// connection's buffers): it runs where that data is, unless a worker has nothing else to do.
/// It is a preference, not a pin: for "this worker and no other" use
/// [`ThreadPool::spawn_to`](crate::ThreadPool::spawn_to) with
/// [`StealPolicy::ShareNothing`](crate::StealPolicy::ShareNothing). The local queue is the
/// worker's inbox, the FIFO queue that [`ThreadPool::spawn_to`](crate::ThreadPool::spawn_to)
/// also fills: a local task waits behind what was sent to that worker before it, and an idle
/// worker's last look takes from the front. The tour (section 8) measured it keeping fewer
/// follow-ups home than `spawn` when parents arrive through `spawn_to`.
/// A panic in it goes to the pool's panic handler.
///
/// ```
/// use filch_scheduler_core::ThreadPoolBuilder;
/// use std::sync::mpsc;
///
/// let pool = ThreadPoolBuilder::new().num_threads(2).build().unwrap();
/// let (send, receive) = mpsc::channel();
/// pool.spawn(move || {
///     let here = filch_scheduler_core::current_thread_index();
///     filch_scheduler_core::spawn_local(move || {
///         // Usually `here`; another worker only if it had nothing else to do.
///         let there = filch_scheduler_core::current_thread_index();
///         send.send((here, there)).unwrap();
///     });
/// });
/// let (here, there) = receive.recv().unwrap();
/// assert!(here.is_some() && there.is_some());
/// ```
pub fn spawn_local<F>(task: F)
where
    F: FnOnce() + Send + 'static,
{
    spawn_in_current_pool(Target::Local, task);
}

/// Spawns `task` as a detached task with a [`Priority`], in the current pool when called from
/// one of its workers, else in the global pool. [`Priority::Normal`] is [`spawn`];
/// [`Priority::High`] goes to the pool's high-priority queue, which every worker looks at before
/// any normal task (see [`Priority`] for the anti-starvation rule).
///
/// ```
/// use filch_scheduler_core::Priority;
/// use std::sync::mpsc;
///
/// let (send, receive) = mpsc::channel();
/// filch_scheduler_core::spawn_with_priority(Priority::High, move || send.send(7).unwrap());
/// assert_eq!(receive.recv().unwrap(), 7);
/// ```
pub fn spawn_with_priority<F>(priority: Priority, task: F)
where
    F: FnOnce() + Send + 'static,
{
    spawn_in_current_pool(Target::with_priority(priority), task);
}

/// Where a boxed job is queued.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Target {
    /// The current worker's deque (or its LIFO slot, if the pool spawns into it) if the current
    /// thread is a worker of the pool, else the injector.
    Anywhere,
    /// The current worker's local queue if the current thread is a worker of the pool, else
    /// the injector.
    Local,
    /// Worker `i`'s inbox.
    Worker(usize),
    /// The high-priority queue.
    High,
}

impl Target {
    pub(crate) fn with_priority(priority: Priority) -> Self {
        match priority {
            Priority::Normal => Target::Anywhere,
            Priority::High => Target::High,
        }
    }
}

/// Spawns into the current worker's pool, or into the global pool from outside every pool.
fn spawn_in_current_pool<F>(target: Target, task: F)
where
    F: FnOnce() + Send + 'static,
{
    WorkerThread::with_current(|thread| match thread {
        Some(thread) => spawn_in(thread.shared(), target, task),
        None => spawn_in(&global_pool().shared, target, task),
    })
}

/// Spawns a detached task into the pool of `shared`.
pub(crate) fn spawn_in<F>(shared: &Arc<Shared>, target: Target, task: F)
where
    F: FnOnce() + Send + 'static,
{
    let job = move |thread: &WorkerThread<'_>| {
        if let Err(panic) = panic::catch_unwind(AssertUnwindSafe(task)) {
            thread.shared().handle_panic(panic);
        }
    };
    // SAFETY: `task` is `'static`: it borrows nothing.
    unsafe { push_heap_job(shared, target, job) };
}

/// Counts a boxed job for quiescence and queues it where `target` says.
///
/// # Safety
/// As [`HeapJob::into_job_ref`]: whatever `job` borrows outlives its run.
pub(crate) unsafe fn push_heap_job<F>(shared: &Arc<Shared>, target: Target, job: F)
where
    F: FnOnce(&WorkerThread<'_>) + Send,
{
    WorkerThread::with_current(|thread| {
        let local = thread.filter(|thread| thread.belongs_to(shared));
        let shard = local.map_or(shared.outside_shard(), WorkerThread::index);
        // Before the job is visible anywhere, so quiescence never misses it.
        shared.quiescence.task_created(shard);
        let counted = move |thread: &WorkerThread<'_>| {
            job(thread);
            thread.shared().quiescence.task_finished(thread.index());
        };
        // SAFETY: forwarded from our caller.
        let job = unsafe { HeapJob::into_job_ref(counted) };
        match (target, local) {
            (Target::Anywhere, Some(thread)) if shared.lifo_spawn => thread.worker().push_lifo(job),
            (Target::Anywhere, Some(thread)) => thread.worker().push(job),
            (Target::Local, Some(thread)) => thread.worker().push_local(job),
            (Target::Anywhere | Target::Local, None) => shared.registry.push(job),
            (Target::Worker(index), _) => shared.registry.push_to(index, job),
            (Target::High, _) => shared.registry.push_with_priority(job, Priority::High),
        }
    });
}
