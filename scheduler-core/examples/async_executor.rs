//! An async executor built on the core of filch-scheduler-core, with `async-task` for the
//! futures: a custom scheduler in about two hundred lines of code, comments aside.
//!
//! ```text
//! cargo run --release -p filch-scheduler-core --example async_executor
//! ```
//!
//! How it sits on the core:
//! - The core's task type is [`Job`]: one `async_task::Runnable`, that is, one scheduled poll of a
//!   future. Each executor thread takes its `Worker` and loops over `wait_for_task` and `execute`
//!   until the executor shuts down.
//! - The schedule function (called when a task is spawned or woken) pushes onto the deque of the
//!   worker it is called on, when that is one of this executor's workers: the woken task most
//!   likely reads what its waker just wrote, and thieves spread the rest. A task that woke itself
//!   while running (a yield) goes to the injector instead, behind the work already queued, so a
//!   yield loop cannot starve the tasks beneath it in its deque. From any other thread the task
//!   goes to the injector through `Registry::push`, which wakes a sleeping worker.
//! - Panics: tasks are built with `propagate_panic(true)`, so a panicking poll is caught by
//!   `async-task`, the task completes with the panic, and whoever awaits its `Task` handle panics
//!   with the same payload (a detached task's panic is dropped after the panic hook printed it).
//!   The worker thread goes on; nothing unwinds into the worker loop.
//! - Drop: the workers stop after the poll they are in (a task that keeps yielding cannot hold
//!   the drop up), the threads are joined, and every runnable still queued is dropped exactly
//!   once, which cancels its task and drops its future. Tasks waiting on something outside the
//!   executor are owned by their wakers and `Task` handles; a wake or a handle drop after the
//!   executor is gone cancels the task on that thread. Awaiting a cancelled task's `Task` panics
//!   (`async-task`'s rule); `Task::fallible` resolves to `None` instead.
//!
//! `tests/async_executor.rs` includes this file as a module (`#[path]`) and runs [`main`] as one
//! of its tests, so the executor is written once and every item here is used by both.

use std::cell::Cell;
use std::future::{poll_fn, Future};
use std::ops::Range;
use std::pin::pin;
use std::ptr;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, Weak};
use std::task::{Context, Poll, Wake, Waker};
use std::thread::{self, JoinHandle, Thread};
use std::time::{Duration, Instant};

use async_task::{Builder, Runnable, ScheduleInfo, WithInfo};
use filch_scheduler_core::{CoreConfig, Registry, Task, Worker, WorkerStatistics};

/// A pool of threads running futures on the core's work-stealing workers.
///
/// ```text
/// let executor = Executor::new(2);
/// let answer = executor.spawn(async { 6 * 7 });
/// assert_eq!(block_on(answer), 42);
/// ```
pub struct Executor {
    registry: Arc<Registry<Job>>,
    spawner: Spawner,
    threads: Vec<JoinHandle<()>>,
}

/// A handle that spawns onto an [`Executor`] from anywhere, its own tasks included (`Clone`,
/// `Send`, `Sync`). It does not keep the executor alive: a task spawned after the executor was
/// dropped is cancelled at once.
#[derive(Clone)]
pub struct Spawner {
    registry: Weak<Registry<Job>>,
}

/// One scheduled poll of an async task: the item type of the core's queues.
struct Job(Runnable);

impl Executor {
    /// Starts `threads` worker threads, named `async-worker-<index>`.
    ///
    /// Panics if `threads` is 0.
    pub fn new(threads: usize) -> Self {
        assert!(threads >= 1, "async_executor: Executor::new: needs at least 1 thread");
        let registry = Arc::new(Registry::new(threads, CoreConfig::default()));
        let spawner = Spawner { registry: Arc::downgrade(&registry) };
        let threads = (0..threads)
            .map(|index| {
                let registry = Arc::clone(&registry);
                thread::Builder::new()
                    .name(format!("async-worker-{index}"))
                    .spawn(move || work(&registry, index))
                    .expect("async_executor: Executor::new: could not spawn a worker thread")
            })
            .collect();
        Self { registry, spawner, threads }
    }

    /// Spawns `future` onto the executor; await the returned handle (or [`block_on`] it) for its
    /// output, or `detach` it. Dropping the handle cancels the task.
    pub fn spawn<F>(&self, future: F) -> async_task::Task<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.spawner.spawn(future)
    }

    /// A handle for spawning from elsewhere, such as from inside a task.
    pub fn spawner(&self) -> Spawner {
        self.spawner.clone()
    }

    /// The core's per-worker counters: polls run, steals, parks, wake-ups.
    pub fn statistics(&self) -> Vec<WorkerStatistics> {
        self.registry.statistics()
    }
}

impl Drop for Executor {
    fn drop(&mut self) {
        self.registry.shut_down();
        for thread in self.threads.drain(..) {
            // Cannot fail: `async-task` catches a panicking poll (`propagate_panic`) and aborts on
            // a panicking drop, so nothing unwinds out of a job into the worker loop.
            thread.join().expect("async_executor: Executor::drop: a worker thread panicked");
        }
        // Every `Worker` is gone with its thread, so worker 0's can be taken here. Its
        // `find_task` pops its own deque, then the injector, then steals from every other deque,
        // so this loop ends when all are empty. Dropping a runnable cancels its task and drops its
        // future; that can wake or cancel other tasks (a cancelled task wakes its awaiter, a
        // dropped future drops the `Task` handles it held), whose runnables come back through
        // `schedule` into the injector and are dropped by this loop in turn: iteratively, where
        // leaving them to the registry's own drop would recurse once per link of a chain of awaits.
        let worker = self.registry.worker(0);
        while let Some(job) = worker.find_task() {
            drop(job);
        }
    }
}

impl Spawner {
    /// Spawns `future` onto the executor, as [`Executor::spawn`]. Called from one of the
    /// executor's tasks, the task goes onto the deque of the worker running it.
    pub fn spawn<F>(&self, future: F) -> async_task::Task<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let registry = self.registry.clone();
        let schedule = move |runnable: Runnable, info: ScheduleInfo| schedule(&registry, runnable, info);
        let (runnable, task) = Builder::new().propagate_panic(true).spawn(|()| future, WithInfo(schedule));
        runnable.schedule();
        task
    }
}

impl Task for Job {
    fn run(self, worker: &Worker<'_, Self>) {
        let _running = RunningOn::enter(worker);
        // The return value (whether the task woke itself while running) needs no action:
        // `async-task` has already handed the runnable back to `schedule`.
        self.0.run();
    }
}

/// Worker thread `index`: runs jobs until the executor shuts down.
fn work(registry: &Registry<Job>, index: usize) {
    let worker = registry.worker(index);
    // Not `Worker::run`: its `wait_for_task` looks for work before it looks at the shutdown flag,
    // so a task that keeps rescheduling itself (a yield loop) would keep it from ever returning.
    // Looking at the flag before each job bounds a shutdown by one poll per worker.
    while !registry.is_shut_down() {
        match worker.wait_for_task() {
            Some(job) => worker.execute(job),
            None => break,
        }
    }
}

/// The schedule function of every task: where a spawned or woken task is queued.
fn schedule(registry: &Weak<Registry<Job>>, runnable: Runnable, info: ScheduleInfo) {
    let job = Job(runnable);
    let job = with_current_worker(|worker| match worker {
        Some(worker) if ptr::eq(worker.registry(), registry.as_ptr()) => {
            if info.woken_while_running {
                // A yield: behind everything queued, not on top of the deque it would pop next.
                worker.registry().push(job);
            } else {
                worker.push(job);
            }
            None
        }
        _ => Some(job),
    });
    let Some(job) = job else { return };
    match registry.upgrade() {
        Some(registry) => registry.push(job),
        // The executor is gone: dropping the runnable cancels the task and drops its future.
        None => drop(job),
    }
}

thread_local! {
    /// The `Worker<'_, Job>` whose job this thread is running, type-erased; null outside jobs.
    static CURRENT: Cell<*const ()> = const { Cell::new(ptr::null()) };
}

/// Publishes a worker in `CURRENT` for the duration of one job, and restores the previous value.
struct RunningOn {
    previous: *const (),
}

impl RunningOn {
    fn enter(worker: &Worker<'_, Job>) -> Self {
        Self { previous: CURRENT.replace(ptr::from_ref(worker).cast()) }
    }
}

impl Drop for RunningOn {
    fn drop(&mut self) {
        CURRENT.set(self.previous);
    }
}

/// Calls `f` with the worker whose job this thread is running, if it is running one.
fn with_current_worker<R>(f: impl FnOnce(Option<&Worker<'_, Job>>) -> R) -> R {
    let current = CURRENT.get();
    // SAFETY: a non-null `CURRENT` was stored by `RunningOn::enter` from a `&Worker<'_, Job>`, on
    // this thread (it is thread-local), and is taken back by the guard's drop before `Job::run`
    // returns, so the worker is alive and borrowed for as long as it is published. `f` is generic
    // over the reference's lifetime, so the reference cannot outlive this call.
    let worker = unsafe { current.cast::<Worker<'_, Job>>().as_ref() };
    f(worker)
}

/// Runs `future` to completion on the calling thread, parking it while the future waits; the
/// executors' workers meanwhile run whatever it spawned or awaits.
///
/// Panics if called from inside a task (it would block a worker thread; await instead).
pub fn block_on<F: Future>(future: F) -> F::Output {
    assert!(
        with_current_worker(|worker| worker.is_none()),
        "async_executor: block_on: called from inside a task, where it would block a worker thread"
    );
    let waker = Waker::from(Arc::new(Unparker(thread::current())));
    let mut context = Context::from_waker(&waker);
    let mut future = pin!(future);
    loop {
        if let Poll::Ready(output) = future.as_mut().poll(&mut context) {
            return output;
        }
        // A wake that came before this park left the thread's token set, so `park` returns at
        // once and no wake-up is lost; a spurious return just polls again.
        thread::park();
    }
}

/// The waker of [`block_on`]: unparks the blocked thread.
struct Unparker(Thread);

impl Wake for Unparker {
    fn wake(self: Arc<Self>) {
        self.0.unpark();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.0.unpark();
    }
}

/// Gives the worker back to the other tasks once: the task is queued again behind them.
pub async fn yield_now() {
    let mut yielded = false;
    poll_fn(|context| {
        if yielded {
            return Poll::Ready(());
        }
        yielded = true;
        context.waker().wake_by_ref();
        Poll::Pending
    })
    .await;
}

/// A one-shot event that any thread can fire and one task at a time can await: how a timer, a
/// socket or a channel on another OS thread wakes a task.
pub struct Signal {
    state: Mutex<SignalState>,
}

struct SignalState {
    fired: bool,
    /// The waiter's waker, while one waits (a second waiter replaces the first).
    waker: Option<Waker>,
}

impl Signal {
    /// A signal not fired yet.
    pub fn new() -> Arc<Self> {
        Arc::new(Self { state: Mutex::new(SignalState { fired: false, waker: None }) })
    }

    /// Fires the signal and wakes its waiter; later waits complete at once.
    pub fn fire(&self) {
        let waker = {
            let mut state = self.state();
            state.fired = true;
            state.waker.take()
        };
        if let Some(waker) = waker {
            waker.wake();
        }
    }

    /// Whether a task is waiting on the signal now (it was polled and left its waker).
    pub fn has_waiter(&self) -> bool {
        self.state().waker.is_some()
    }

    /// Completes once the signal has fired.
    pub async fn wait(&self) {
        poll_fn(|context| {
            // The flag is read under the lock that `fire` sets it under: either this poll sees it
            // fired, or `fire` finds the waker stored here.
            let mut state = self.state();
            if state.fired {
                Poll::Ready(())
            } else {
                state.waker = Some(context.waker().clone());
                Poll::Pending
            }
        })
        .await;
    }

    fn state(&self) -> MutexGuard<'_, SignalState> {
        // Nothing panics while the lock is held, so a poisoned lock still holds a whole state.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// `length` tasks, each awaiting the one spawned before it and adding 1 to its result (the first
/// returns 1): the last one's handle resolves to `length`. Spawned from wherever this is called.
///
/// Panics if `length` is 0.
pub fn chain(spawner: &Spawner, length: u64) -> async_task::Task<u64> {
    assert!(length >= 1, "async_executor: chain: length must be at least 1");
    let mut last = spawner.spawn(async { 1 });
    for _ in 1..length {
        let previous = last;
        last = spawner.spawn(async move { previous.await + 1 });
    }
    last
}

/// The sum of `range`, by a binary tree of tasks (one per node, `2 * len - 1` in all): each inner
/// task spawns its two halves from inside itself and awaits both.
pub fn tree_sum(spawner: &Spawner, range: Range<u64>) -> async_task::Task<u64> {
    let inner = spawner.clone();
    spawner.spawn(async move {
        match range.end.saturating_sub(range.start) {
            0 => 0,
            1 => range.start,
            len => {
                let middle = range.start + len / 2;
                let left = tree_sum(&inner, range.start..middle);
                let right = tree_sum(&inner, middle..range.end);
                left.await + right.await
            }
        }
    })
}

/// One task that spawns `children` tasks from inside itself (child `i` returns `i * i`) and
/// awaits them all: the sum of the squares below `children`.
pub fn fan_out_fan_in(spawner: &Spawner, children: u64) -> async_task::Task<u64> {
    let inner = spawner.clone();
    spawner.spawn(async move {
        let handles: Vec<_> = (0..children).map(|i| inner.spawn(async move { i * i })).collect();
        let mut sum = 0;
        for handle in handles {
            sum += handle.await;
        }
        sum
    })
}

/// The demos: each checks its result and prints what it saw.
pub fn main() {
    let threads = thread::available_parallelism().map_or(2, |n| n.get());
    let executor = Executor::new(threads);
    let spawner = executor.spawner();
    println!("async executor on the filch-scheduler-core core: {threads} worker threads\n");

    const CHILDREN: u64 = 10_000;
    let start = Instant::now();
    let sum = block_on(fan_out_fan_in(&spawner, CHILDREN));
    assert_eq!(sum, (CHILDREN - 1) * CHILDREN * (2 * CHILDREN - 1) / 6);
    println!(
        "fan-out/fan-in: one task spawned {CHILDREN} children and awaited each: sum of squares {sum}, \
         {:?}",
        start.elapsed()
    );

    const LINKS: u64 = 10_000;
    let start = Instant::now();
    assert_eq!(block_on(chain(&spawner, LINKS)), LINKS);
    println!("chain: {LINKS} tasks, each awaiting the one before it: {:?}", start.elapsed());

    const LEAVES: u64 = 1 << 13;
    let start = Instant::now();
    assert_eq!(block_on(tree_sum(&spawner, 0..LEAVES)), LEAVES * (LEAVES - 1) / 2);
    println!(
        "tree: {} tasks spawning their halves from inside themselves: {:?}",
        2 * LEAVES - 1,
        start.elapsed()
    );

    yield_heavy(&executor);
    outside_wake(&executor);

    println!("\nworker  polls run  stolen  parks  wake-ups");
    for (index, worker) in executor.statistics().iter().enumerate() {
        println!(
            "{index:>6}  {:>9}  {:>6}  {:>5}  {:>8}",
            worker.executed, worker.stolen, worker.parks, worker.wakeups
        );
    }
}

/// Tasks that do nothing but yield: every yield is a trip through the injector.
fn yield_heavy(executor: &Executor) {
    const TASKS: u64 = 8;
    const YIELDS: u64 = 2_000;
    let start = Instant::now();
    let handles: Vec<_> = (0..TASKS)
        .map(|_| {
            executor.spawn(async {
                for _ in 0..YIELDS {
                    yield_now().await;
                }
            })
        })
        .collect();
    for handle in handles {
        block_on(handle);
    }
    let elapsed = start.elapsed();
    println!(
        "yield-heavy: {TASKS} tasks x {YIELDS} yields in {elapsed:?} ({:?} per yield)",
        elapsed / (TASKS * YIELDS) as u32
    );
}

/// A task waits on a signal while the pool runs out of work and sleeps; a plain OS thread fires it.
fn outside_wake(executor: &Executor) {
    let parks = |executor: &Executor| executor.statistics().iter().map(|worker| worker.parks).sum::<u64>();
    let parks_before = parks(executor);
    let signal = Signal::new();
    let waiter = executor.spawn({
        let signal = Arc::clone(&signal);
        async move {
            signal.wait().await;
            Instant::now()
        }
    });
    while !signal.has_waiter() {
        thread::sleep(Duration::from_millis(1));
    }
    thread::sleep(Duration::from_millis(20));
    let fired_at = thread::spawn(move || {
        let now = Instant::now();
        signal.fire();
        now
    })
    .join()
    .expect("async_executor: the firing thread panicked");
    let woken_at = block_on(waiter);
    println!(
        "outside wake: the workers parked {} times from the spawn on; an OS thread fired the \
         task's signal and the task ran {:?} later",
        parks(executor) - parks_before,
        woken_at.saturating_duration_since(fired_at)
    );
}
