//! `join`: run two closures, potentially in parallel, work-first.

use std::panic::{self, AssertUnwindSafe};

use filch_sleep::Latch;

use crate::global::global_pool;
use crate::stack_job::StackJob;
use crate::worker_thread::WorkerThread;

/// Runs `a` and `b`, potentially in parallel, and returns both results.
///
/// On a worker thread of a pool it follows the work-first principle: `b` is pushed onto the
/// worker's deque as a two-word reference to a job in this stack frame, `a` runs at once, and
/// then `b` is popped back and run inline, unless a thief took it meanwhile, in which case this
/// worker runs other tasks until the thief is done. Nothing is allocated. Outside every pool it
/// runs inside the global pool ([`ThreadPool::install`](crate::ThreadPool::install)).
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
pub(crate) fn join_on<A, B, RA, RB>(thread: &WorkerThread<'_>, a: A, b: B) -> (RA, RB)
where
    A: FnOnce() -> RA + Send,
    B: FnOnce() -> RB + Send,
    RA: Send,
    RB: Send,
{
    let worker = thread.worker();
    let job_b = StackJob::new(Latch::new(thread.index()), |_migrated| b());
    // SAFETY: `job_b` stays in this frame until it is popped back or its latch is set: every path
    // below (`a`'s panic is caught) ends in one of those before this function returns or unwinds.
    worker.push(unsafe { job_b.as_job_ref() });
    let result_a = panic::catch_unwind(AssertUnwindSafe(a));
    let result_b = loop {
        match worker.pop() {
            Some(job) if job_b.is(&job) => break job_b.run_inline(),
            // Pushed by `a` after `b` and left behind (a detached spawn): run it, then look
            // further down for `b`.
            Some(job) => worker.execute(job),
            None => {
                let latch = job_b.latch();
                worker.help_until(|| latch.probe());
                // SAFETY: the latch is set.
                break unsafe { job_b.take_result() };
            }
        }
    };
    match (result_a, result_b) {
        (Err(panic), _) | (Ok(_), Err(panic)) => panic::resume_unwind(panic),
        (Ok(a), Ok(b)) => (a, b),
    }
}
