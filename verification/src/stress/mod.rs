//! The workloads of the `stress` binary, one file each, and what they share: the list of
//! workloads, the violation log, the seeded random numbers and the panic-safe runner.
//!
//! Every workload runs real threads over one primitive, accounts for every item with a
//! `Ledger` (each item is a `Tracked` that
//! records its drop, so a lost item shows as missing and a duplicated one panics on its second
//! drop), checks the order guarantees the primitive makes, and returns how many operations it
//! performed. A check that fails is logged in [`Violations`] instead of stopping the run; a panic
//! in any of its threads is caught and logged too.

pub mod deque;
pub mod injector;
pub mod pool;

use std::any::Any;
use std::panic::{self, AssertUnwindSafe};
use std::time::{Duration, Instant};

use filch_deque::Steal;
use filch_sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use filch_sync::lock::Mutex;
use filch_sync::thread::{self, JoinHandle};
use filch_sync::Arc;

/// What one run of the binary does.
#[derive(Debug, Clone, Copy)]
pub struct Plan {
    /// Threads per workload (the deque's owner and thieves, the injector's producers and
    /// consumers, the pool's workers).
    pub threads: usize,
    /// Total operations, split across the workloads.
    pub ops: u64,
    /// Seeds every random choice (op mixes, spawn trees).
    pub seed: u64,
}

/// One workload: a name for its report line and the function that runs it on `threads`
/// threads for about `ops` operations, returning the operations it performed.
pub struct Workload {
    /// The name in the report.
    pub name: &'static str,
    /// How large a share of the total ops budget it gets (the shares sum to [`SHARES`]).
    share: u64,
    run: fn(threads: usize, ops: u64, seed: u64, violations: &Arc<Violations>) -> u64,
}

/// The denominator of [`Workload::share`]: the deque flavours split one third, the injector and
/// the pool take a third each.
const SHARES: u64 = 15;

/// Every workload, in the order the binary runs them.
pub const WORKLOADS: [Workload; 7] = [
    Workload { name: "deque lifo", share: 1, run: deque::lifo },
    Workload { name: "deque fifo", share: 1, run: deque::fifo },
    Workload { name: "deque lifo fence-free", share: 1, run: deque::lifo_fence_free },
    Workload { name: "deque bounded lifo", share: 1, run: deque::bounded_lifo },
    Workload { name: "deque bounded fifo", share: 1, run: deque::bounded_fifo },
    Workload { name: "injector", share: 5, run: injector::run },
    Workload { name: "pool", share: 5, run: pool::run },
];

/// What a workload did: the numbers of its report line.
#[derive(Debug)]
pub struct Outcome {
    /// Operations performed.
    pub ops: u64,
    /// Wall time of the whole workload, checks included.
    pub elapsed: Duration,
    /// Violations found, with the first few messages.
    pub violations: usize,
    /// The first [`Violations::KEPT`] messages.
    pub messages: Vec<String>,
}

impl Workload {
    /// Runs the workload with its share of `plan`'s budget; a panic anywhere in it counts as a
    /// violation.
    pub fn run(&self, plan: &Plan) -> Outcome {
        let ops = (plan.ops * self.share / SHARES).max(1);
        let violations = Arc::new(Violations::default());
        let start = Instant::now();
        // Each workload gets its own stream, derived from the plan's seed and its name.
        let seed = self.name.bytes().fold(plan.seed, |seed, byte| mix(seed ^ u64::from(byte)));
        let done = panic::catch_unwind(AssertUnwindSafe(|| (self.run)(plan.threads, ops, seed, &violations)));
        let elapsed = start.elapsed();
        let ops = done.unwrap_or_else(|payload| {
            violations.flag(format!("a panic: {}", panic_message(&*payload)));
            0
        });
        Outcome { ops, elapsed, violations: violations.count(), messages: violations.messages() }
    }
}

/// A log of failed checks, shared by a workload's threads.
#[derive(Debug, Default)]
pub struct Violations {
    count: AtomicUsize,
    first: Mutex<Vec<String>>,
}

impl Violations {
    /// How many messages are kept; later violations are only counted.
    pub const KEPT: usize = 8;

    /// Logs one violation.
    pub fn flag(&self, message: String) {
        // Relaxed: the count is read after every thread of the workload has been joined.
        if self.count.fetch_add(1, Ordering::Relaxed) < Self::KEPT {
            self.first.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).push(message);
        }
    }

    /// Logs a violation with `message()` unless `holds`.
    pub fn check(&self, holds: bool, message: impl FnOnce() -> String) {
        if !holds {
            self.flag(message());
        }
    }

    /// Joins `threads`, logs each that panicked, and returns the sum of what the others returned.
    pub fn join_all(&self, threads: Vec<JoinHandle<u64>>, role: &str) -> u64 {
        threads
            .into_iter()
            .map(|thread| {
                thread.join().unwrap_or_else(|payload| {
                    self.flag(format!("a {role} thread panicked: {}", panic_message(&*payload)));
                    0
                })
            })
            .sum()
    }

    /// How many violations were logged.
    pub fn count(&self) -> usize {
        // Relaxed: read after the workload's threads were joined.
        self.count.load(Ordering::Relaxed)
    }

    /// The first [`Self::KEPT`] messages.
    pub fn messages(&self) -> Vec<String> {
        self.first.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).clone()
    }
}

/// The text of a panic payload.
pub fn panic_message(payload: &(dyn Any + Send)) -> String {
    match (payload.downcast_ref::<&str>(), payload.downcast_ref::<String>()) {
        (Some(text), _) => (*text).to_owned(),
        (_, Some(text)) => text.clone(),
        _ => "(a non-string payload)".to_owned(),
    }
}

/// A steal that returns an item, as `Some(item)`.
pub fn returned<T>(steal: Steal<T>) -> Steal<Option<T>> {
    match steal {
        Steal::Success(item) => Steal::Success(Some(item)),
        Steal::Empty => Steal::Empty,
        Steal::Retry => Steal::Retry,
    }
}

/// A batch steal that only fills a local deque, as `None`: its items are all in that deque.
pub fn moved<T>(steal: Steal<()>) -> Steal<Option<T>> {
    match steal {
        Steal::Success(()) => Steal::Success(None),
        Steal::Empty => Steal::Empty,
        Steal::Retry => Steal::Retry,
    }
}

/// Holds every thread of a workload until all have started, so the first operations already race.
#[derive(Debug, Default)]
pub struct StartGate(AtomicUsize);

impl StartGate {
    /// Counts this thread in and waits (yielding) until `threads` threads have.
    pub fn arrive_and_wait(&self, threads: usize) {
        // Relaxed: only a count; the threads publish nothing to each other through it.
        self.0.fetch_add(1, Ordering::Relaxed);
        while self.0.load(Ordering::Relaxed) < threads {
            thread::yield_now();
        }
    }
}

/// Sets a flag when dropped, so threads waiting for it stop even if its owner panics.
pub struct SetOnDrop<'a>(pub &'a AtomicBool);

impl Drop for SetOnDrop<'_> {
    fn drop(&mut self) {
        // Release: publishes everything the owner did (its pushes) to the Acquire loads of the
        // threads that stop on this flag.
        self.0.store(true, Ordering::Release);
    }
}

/// The SplitMix64 finaliser: a bijective mix of 64 bits, for seeds and tree shapes.
pub fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

/// A small seeded generator (xorshift64*) for op choices; one per thread.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator for `seed` (any value, 0 included).
    pub fn new(seed: u64) -> Self {
        Rng(mix(seed) | 1)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A number in `0..bound` (`bound` at least 1).
    pub fn below(&mut self, bound: u64) -> u64 {
        self.next_u64() % bound
    }
}
