//! `join`: run two closures, potentially in parallel, work-first, publishing the second lazily.

use std::panic::{self, AssertUnwindSafe};
use std::time::{Duration, Instant};

use filch_sleep::Latch;
use filch_sync::hint::spin_loop;
use filch_sync::MODEL_THREADS;

use crate::global::global_pool;
use crate::pending_join::Linked;
use crate::stack_job::{Panic, StackJob};
use crate::worker_thread::WorkerThread;

/// Runs `a` and `b`, potentially in parallel, and returns both results.
///
/// On a worker thread of a pool it follows the work-first principle: `a` runs at once, and `b`
/// waits in this stack frame as a two-word job reference. Nothing is allocated. Outside every
/// pool it runs inside the global pool ([`ThreadPool::install`](crate::ThreadPool::install)).
///
/// `b` is published (pushed on the worker's deque, where other workers can steal it) lazily.
/// A task's joins are *linked* until three of them are pending, and after that one join in 64
/// (every join while exactly one worker of the pool is idle):
/// their `b` is recorded so it can be published later. The others run `a` then `b` as
/// plain calls, at about the cost of two function calls; their `b` never leaves this thread. A
/// linked join keeps `b` private unless it is the first join of a task (the pool's own `join`,
/// or the first join inside a stolen or spawned job, unless a scope's owner runs that job while
/// it waits for the scope), or some worker of the pool is idle (searching or asleep) when the
/// join starts; then the oldest private `b` on this thread is published, which is the biggest
/// piece of work, unless two or more workers are idle and this worker published one less than
/// [`CoreConfig::publish_interval`](crate::CoreConfig::publish_interval) ago (100 us by
/// default: with many idle workers, fine-grained work is shared about once per interval per
/// busy worker, not at every join). When `a` returns, a private `b` runs inline; a published
/// one is popped back, or, if a thief took it, this worker waits for the thief, spinning for up
/// to [`CoreConfig::stolen_join_spin`](crate::CoreConfig::stolen_join_spin) (3 us by default)
/// and then running other tasks until the thief is done. On a pool of one worker nothing is
/// ever published.
///
/// So `b` is **not guaranteed to be offered to other workers**: a closure `a` that blocks until
/// `b` has run elsewhere can wait forever, unless its join is the first of its task, or is linked
/// and some worker is idle when it starts, and in either case (with two or more workers idle)
/// the interval has passed. (Under the loom and shuttle backends every `b` is
/// published, so the models exercise steals.)
///
/// If either closure panics, the panic is resumed here after both have finished (`a`'s if both
/// panicked); `b` runs even if `a` panicked.
///
/// ```
/// fn fib(n: u64) -> u64 {
///     if n < 2 {
///         return n;
///     }
///     let (a, b) = filch_scheduler_core::join(|| fib(n - 1), || fib(n - 2));
///     a + b
/// }
/// assert_eq!(fib(20), 6765);
/// ```
pub fn join<A, B, RA, RB>(a: A, b: B) -> (RA, RB)
where
    A: FnOnce() -> RA + Send,
    B: FnOnce() -> RB + Send,
    RA: Send,
    RB: Send,
{
    WorkerThread::with_current(|thread| match thread {
        Some(thread) => join_on(thread, a, b),
        None => global_pool().install(|| join(a, b)),
    })
}

/// `join` on a known worker thread.
#[inline]
pub(crate) fn join_on<A, B, RA, RB>(thread: &WorkerThread<'_>, a: A, b: B) -> (RA, RB)
where
    A: FnOnce() -> RA + Send,
    B: FnOnce() -> RB + Send,
    RA: Send,
    RB: Send,
{
    if !MODEL_THREADS
        && (thread.pending_joins().take_plain() || thread.worker().registry().num_workers() == 1)
    {
        join_alone(a, b)
    } else {
        join_with_others(thread, a, b)
    }
}

/// `join` on a pool where other workers could take `b`. Not inlined into [`join_on`], so that
/// the one-worker path does not pay for this one's stack frame.
#[inline(never)]
fn join_with_others<A, B, RA, RB>(thread: &WorkerThread<'_>, a: A, b: B) -> (RA, RB)
where
    A: FnOnce() -> RA + Send,
    B: FnOnce() -> RB + Send,
    RA: Send,
    RB: Send,
{
    let job_b = StackJob::new(Latch::new(thread.index()), |_migrated| b());
    // SAFETY: `job_b` stays in this frame until its `JobRef`, if it was ever queued, is popped
    // back or its latch is set. Eagerly it is queued at once and `pop_back_or_wait` ends in one
    // of those. Lazily it reaches a queue only through `take_oldest_unpublished` while its frame
    // is linked, and a frame that finds itself published takes `pop_back_or_wait` too; the copy
    // a frame never published leaves on the stack of pending joins is never read again (it lies
    // at or above the stack's depth). `a`'s panic is caught, so no path skips this.
    let job_ref = unsafe { job_b.as_job_ref() };
    let (result_a, result_b) = if MODEL_THREADS {
        thread.worker().push(job_ref);
        let result_a = panic::catch_unwind(AssertUnwindSafe(a));
        (result_a, pop_back_or_wait(thread, &job_b))
    } else {
        let linked = thread.pending_joins().link(job_ref);
        offer_oldest(thread, &linked);
        let result_a = panic::catch_unwind(AssertUnwindSafe(a));
        let result_b = if linked.unlink() {
            // Other tasks run here while `b` is away: they start a fresh segment of joins.
            let _segment = thread.pending_joins().start_segment();
            pop_back_or_wait(thread, &job_b)
        } else {
            job_b.run_inline()
        };
        (result_a, result_b)
    };
    both(result_a, result_b)
}

/// `join` on a pool of one worker, where no thief could take `b`: `a`, then `b`, as plain calls
/// (a join that starts while the pool has one worker keeps `b` even if the pool grows meanwhile;
/// the joins inside `a` see the new workers).
#[inline]
fn join_alone<A, B, RA, RB>(a: A, b: B) -> (RA, RB)
where
    A: FnOnce() -> RA,
    B: FnOnce() -> RB,
{
    let result_a = panic::catch_unwind(AssertUnwindSafe(a));
    let result_b = panic::catch_unwind(AssertUnwindSafe(b));
    both(result_a, result_b)
}

/// Both results, or the panic of `a` (else of `b`) resumed.
#[inline]
fn both<RA, RB>(result_a: Result<RA, Panic>, result_b: Result<RB, Panic>) -> (RA, RB) {
    match (result_a, result_b) {
        (Err(panic), _) | (Ok(_), Err(panic)) => panic::resume_unwind(panic),
        (Ok(a), Ok(b)) => (a, b),
    }
}

/// Publishes the oldest unpublished join on this thread if a thief could use it now: the frame
/// just linked is the first join of its task, or some worker is idle while nothing of ours is
/// queued. (`join_on` never gets here on a pool of one worker, where nobody could steal it.)
#[inline]
fn offer_oldest(thread: &WorkerThread<'_>, linked: &Linked<'_>) {
    let registry = thread.worker().registry();
    // A relaxed snapshot of the sleep counts (ordered by nothing): a stale reading only delays or
    // adds one publication, which costs parallelism or a push, never progress of the join
    // itself, which runs its own `b` if nobody took it.
    let (sleepy, searching) = registry.sleep().sleepy_and_searching();
    let idle = sleepy + searching;
    if idle != 0 {
        offer_to_idle(thread, linked, idle);
    } else if linked.is_segment_root() {
        publish_oldest(thread, linked, idle);
    }
}

/// Some worker is idle: publishes the oldest unpublished join if nothing of ours is queued (or
/// this is the first join of its task). A lone idle worker also withdraws the plain budget that
/// `link` just granted, so the joins after this one link too and each looks again at its entry:
/// the worker is served at the next join, not up to 63 plain joins later, which in
/// coarse-grained work (a quicksort's partitions) is a long wait. Two or more idle workers leave
/// the budget alone: then the publication interval decides when this worker next publishes, and
/// linking more joins would only ask the clock more often.
#[inline(never)]
fn offer_to_idle(thread: &WorkerThread<'_>, linked: &Linked<'_>, idle: usize) {
    if idle == 1 {
        thread.pending_joins().withdraw_plain_budget();
    }
    if linked.is_segment_root() || thread.worker().registry().stealers()[thread.index()].is_empty() {
        publish_oldest(thread, linked, idle);
    }
}

/// Off the fast path: pushes the oldest unpublished join's job on the worker's deque, unless two
/// or more workers are `idle` and this worker published one less than the configured interval
/// ago. A lone idle worker is served at once, as it always was; a crowd of idle workers turns
/// every published job into a chain of steals (each stolen job's first join published and
/// stolen in turn), so a crowd is served at most one job per interval by each busy worker.
#[cold]
#[inline(never)]
fn publish_oldest(thread: &WorkerThread<'_>, linked: &Linked<'_>, idle: usize) {
    let interval = thread.worker().registry().config().publish_interval;
    if idle > 1 && !thread.pending_joins().publication_due(interval) {
        return;
    }
    if let Some(job) = linked.take_oldest_unpublished() {
        thread.worker().push(job);
    }
}

/// The end of a published join: pops `job_b` back and runs it, or waits (helping) until the
/// thief that took it has run it.
fn pop_back_or_wait<F, R>(thread: &WorkerThread<'_>, job_b: &StackJob<Latch, F, R>) -> Result<R, Panic>
where
    F: FnOnce(bool) -> R + Send,
    R: Send,
{
    let worker = thread.worker();
    loop {
        match worker.pop() {
            Some(job) if job_b.is(&job) => return job_b.run_inline(),
            // Pushed by `a` after `b` and left behind (a detached spawn): run it, then look
            // further down for `b`.
            Some(job) => worker.execute(job),
            None => {
                let latch = job_b.latch();
                if !spin_until_set(latch, worker.registry().config().stolen_join_spin) {
                    worker.help_until(|| latch.probe());
                }
                // SAFETY: the latch is set.
                return unsafe { job_b.take_result() };
            }
        }
    }
}

/// Probes between two readings of the clock in [`spin_until_set`]: a reading costs about as much
/// as eight spin hints on the shared 2-core machine (25 ns each there).
const PROBES_PER_READING: u32 = 8;

/// Spins on `latch` for up to `limit` (nothing under a model checker, where a spin would be a
/// scheduling point per probe); whether it was set. A joiner whose `b` was stolen does this
/// before it helps: while it spins it is not idle, so the thief, most often near the end of a
/// fine-grained `b`, publishes nothing for it ([`CoreConfig::stolen_join_spin`]).
///
/// [`CoreConfig::stolen_join_spin`]: crate::CoreConfig::stolen_join_spin
fn spin_until_set(latch: &Latch, limit: Duration) -> bool {
    if MODEL_THREADS || limit.is_zero() {
        return latch.probe();
    }
    let started = Instant::now();
    loop {
        for _ in 0..PROBES_PER_READING {
            if latch.probe() {
                return true;
            }
            spin_loop();
        }
        if started.elapsed() >= limit {
            return latch.probe();
        }
    }
}
