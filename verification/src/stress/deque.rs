//! The deque workload: one owner pushes bursts of items and pops some back while `threads - 1`
//! thieves (at least one) take with every steal call (`steal`, `steal_batch`,
//! `steal_batch_and_pop` and both `_with_limit` forms, into a local deque of the same flavour),
//! for each flavour of `filch-deque`. The owner stops after its share of items and leaves what is
//! still queued to the deque's drop.
//!
//! Checks, besides exactly-once (every item is a `Tracked`, dropped by whoever took it or by the
//! deque's drop):
//! - the owner of a LIFO deque pops exactly the newest item it pushed and has not popped since,
//!   or `None` once thieves took everything (they take from the other end, oldest first);
//! - the owner of a FIFO deque pops ids in increasing order;
//! - every claim of a thief (one item, or a whole batch) holds only ids above every id of its
//!   previous claim: the deque holds increasing ids from front to back and thieves take from the
//!   front; a batch with a limit holds at most `limit` items, a successful one at least one;
//! - a full bounded deque hands back the very item it was given.

use filch_deque::{bounded, Flavor, Steal, Stealer, Worker};
use std::time::{Duration, Instant};

use filch_sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use filch_sync::{thread, Arc, Backoff};

use super::{moved, returned, Rng, SetOnDrop, StartGate, Violations};
use filch_verification::ledger::{Ledger, Tracked};

/// Capacity of the bounded deques: small, so the owner meets a full deque often.
const BOUNDED_CAPACITY: usize = 64;
/// Most items the owner pushes in one burst.
const BURST: u64 = 32;
/// Largest `limit` a thief passes to the `_with_limit` steals.
const MAX_LIMIT: u64 = 16;
/// After this many bursts without a steal, the owner waits for one (at most [`STEAL_WAIT`]), so
/// thieves get to race it even on a machine whose cores are busy with other work.
const QUIET_BURSTS: u32 = 64;
/// The longest the owner waits for a steal.
const STEAL_WAIT: Duration = Duration::from_millis(1);

/// The workload on `Worker::new_lifo`.
pub fn lifo(threads: usize, ops: u64, seed: u64, violations: &Arc<Violations>) -> u64 {
    run(Unbounded(Flavor::Lifo), threads, ops, seed, violations)
}

/// The workload on `Worker::new_fifo`.
pub fn fifo(threads: usize, ops: u64, seed: u64, violations: &Arc<Violations>) -> u64 {
    run(Unbounded(Flavor::Fifo), threads, ops, seed, violations)
}

/// The workload on `Worker::new_lifo_fence_free`.
pub fn lifo_fence_free(threads: usize, ops: u64, seed: u64, violations: &Arc<Violations>) -> u64 {
    run(Unbounded(Flavor::LifoFenceFree), threads, ops, seed, violations)
}

/// The workload on `bounded::Worker::new_lifo`.
pub fn bounded_lifo(threads: usize, ops: u64, seed: u64, violations: &Arc<Violations>) -> u64 {
    run(Bounded { fifo: false }, threads, ops, seed, violations)
}

/// The workload on `bounded::Worker::new_fifo`.
pub fn bounded_fifo(threads: usize, ops: u64, seed: u64, violations: &Arc<Violations>) -> u64 {
    run(Bounded { fifo: true }, threads, ops, seed, violations)
}

/// Runs owner and thieves over `deque` for about `ops` operations (each item is one push and one
/// take); returns the pushes, pops and items stolen.
fn run<D: Deque>(deque: D, threads: usize, ops: u64, seed: u64, violations: &Arc<Violations>) -> u64 {
    let items = (ops / 2).max(1) as usize;
    let drops = Arc::new(Ledger::new(items));
    let done = Arc::new(AtomicBool::new(false));
    let claims = Arc::new(AtomicUsize::new(0));
    let gate = Arc::new(StartGate::default());
    let worker = deque.new_worker();
    let everyone = threads.max(2);
    let thieves: Vec<_> = (1..everyone as u64)
        .map(|thief| {
            let (stealer, done, violations) =
                (D::stealer(&worker), Arc::clone(&done), Arc::clone(violations));
            let (gate, claims) = (Arc::clone(&gate), Arc::clone(&claims));
            thread::spawn(move || {
                gate.arrive_and_wait(everyone);
                steal_until_done(deque, &stealer, &done, &claims, &violations, seed ^ thief)
            })
        })
        .collect();
    let owned = {
        let _stop_thieves = SetOnDrop(&done);
        gate.arrive_and_wait(everyone);
        push_and_pop(deque, &worker, items, &drops, &claims, seed, violations)
    };
    let stolen = violations.join_all(thieves, "thief");
    drop(worker);
    let dropped = drops.recorded();
    violations.check(dropped == items, || format!("{} of {items} items were never dropped", items - dropped));
    owned + stolen
}

/// The owner's part: pushes `items` items in random bursts, pops a random share of each burst back
/// (now and then until empty); returns its pushes and pops.
fn push_and_pop<D: Deque>(
    deque: D,
    worker: &D::Worker,
    items: usize,
    drops: &Arc<Ledger>,
    claims: &AtomicUsize,
    seed: u64,
    violations: &Violations,
) -> u64 {
    let mut rng = Rng::new(seed);
    let mut view = OwnerView::new(deque.owner_pops_newest());
    let mut ops = 0u64;
    let mut pop = |view: &mut OwnerView| match D::pop(worker) {
        Some(item) => {
            view.popped(item.id(), violations);
            ops += 1;
            true
        }
        None => {
            view.emptied();
            false
        }
    };
    let mut next = 0;
    let (mut claims_seen, mut quiet) = (0, 0);
    while next < items {
        // Relaxed: a progress hint only.
        let claimed = claims.load(Ordering::Relaxed);
        quiet = if claimed == claims_seen { quiet + 1 } else { 0 };
        claims_seen = claimed;
        if quiet >= QUIET_BURSTS && !D::is_empty(worker) {
            let start = Instant::now();
            while claims.load(Ordering::Relaxed) == claimed && start.elapsed() < STEAL_WAIT {
                thread::yield_now();
            }
        }
        let burst = ((1 + rng.below(BURST)) as usize).min(items - next);
        for id in next..next + burst {
            let mut item = Tracked::new(id, drops);
            while let Err(refused) = D::push(worker, item) {
                violations.check(refused.id() == id, || {
                    format!("a full bounded deque handed back item {} instead of {id}", refused.id())
                });
                item = refused;
                // Make room (a thief still copying out holds its slots until it is done).
                if !pop(&mut view) {
                    thread::yield_now();
                }
            }
            view.pushed(id);
        }
        next += burst;
        let pops = if rng.below(64) == 0 { usize::MAX } else { rng.below(burst as u64 + 1) as usize };
        for _ in 0..pops {
            if !pop(&mut view) {
                break;
            }
        }
    }
    ops + items as u64
}

/// A thief's part: takes with a random steal call until the owner is done; returns the items it
/// took.
fn steal_until_done<D: Deque>(
    deque: D,
    stealer: &D::Stealer,
    done: &AtomicBool,
    claims: &AtomicUsize,
    violations: &Violations,
    seed: u64,
) -> u64 {
    let local = deque.new_worker();
    let mut rng = Rng::new(seed);
    let mut newest_claimed: Option<usize> = None;
    let mut claim = Vec::new();
    let mut taken = 0u64;
    let backoff = Backoff::new();
    // Acquire: pairs with the owner's Release in `SetOnDrop`.
    while !done.load(Ordering::Acquire) {
        let take = Take::pick(&mut rng);
        match D::take(stealer, take, &local) {
            Steal::Success(popped) => {
                backoff.reset();
                claim.extend(popped);
                claim.extend(std::iter::from_fn(|| D::pop(&local)));
                check_claim(&claim, take, &mut newest_claimed, violations);
                taken += claim.len() as u64;
                claim.clear();
                // Relaxed: a progress hint for the owner.
                claims.fetch_add(1, Ordering::Relaxed);
            }
            // Yields after a few spins: the threads may outnumber the cores.
            Steal::Empty | Steal::Retry => backoff.snooze(),
        }
    }
    taken
}

/// Checks one successful claim against the thief's previous claims.
fn check_claim(claim: &[Tracked], take: Take, newest_claimed: &mut Option<usize>, violations: &Violations) {
    violations.check(!claim.is_empty(), || format!("{take:?} succeeded but moved no item"));
    if let Take::BatchWithLimit(limit) | Take::BatchWithLimitAndPop(limit) = take {
        violations.check(claim.len() <= limit, || format!("{take:?} took {} items", claim.len()));
    }
    let oldest = claim.iter().map(Tracked::id).min();
    violations.check(oldest.is_none() || oldest > *newest_claimed, || {
        format!("{take:?} claimed item {oldest:?} after this thief had claimed item {newest_claimed:?}")
    });
    *newest_claimed = claim.iter().map(Tracked::id).max().max(*newest_claimed);
}

/// What the owner knows of its deque: its own pushes and pops (thieves may take the oldest items
/// at any time).
enum OwnerView {
    /// LIFO: the ids pushed and not popped by the owner, newest last.
    Newest(Vec<usize>),
    /// FIFO: the id the owner popped last.
    Oldest(Option<usize>),
}

impl OwnerView {
    fn new(pops_newest: bool) -> Self {
        if pops_newest {
            OwnerView::Newest(Vec::new())
        } else {
            OwnerView::Oldest(None)
        }
    }

    fn pushed(&mut self, id: usize) {
        if let OwnerView::Newest(stack) = self {
            stack.push(id);
        }
    }

    fn popped(&mut self, id: usize, violations: &Violations) {
        match self {
            OwnerView::Newest(stack) => {
                let newest = stack.pop();
                violations.check(newest == Some(id), || {
                    format!(
                        "the owner popped item {id}; the newest it had pushed and not popped is {newest:?}"
                    )
                });
            }
            OwnerView::Oldest(last) => {
                violations.check(Some(id) > *last, || {
                    format!("the owner popped item {id} after popping item {last:?} (FIFO)")
                });
                *last = Some(id);
            }
        }
    }

    /// The owner's pop found the deque empty: thieves took everything it held.
    fn emptied(&mut self) {
        if let OwnerView::Newest(stack) = self {
            stack.clear();
        }
    }
}

/// One of the five steal calls, with its limit.
#[derive(Debug, Clone, Copy)]
enum Take {
    One,
    Batch,
    BatchAndPop,
    BatchWithLimit(usize),
    BatchWithLimitAndPop(usize),
}

impl Take {
    fn pick(rng: &mut Rng) -> Take {
        let limit = 1 + rng.below(MAX_LIMIT) as usize;
        match rng.below(5) {
            0 => Take::One,
            1 => Take::Batch,
            2 => Take::BatchAndPop,
            3 => Take::BatchWithLimit(limit),
            _ => Take::BatchWithLimitAndPop(limit),
        }
    }
}

/// A deque flavour under test: how to make one and drive it.
trait Deque: Copy + Send + 'static {
    type Worker;
    type Stealer: Send + 'static;
    fn new_worker(self) -> Self::Worker;
    fn stealer(worker: &Self::Worker) -> Self::Stealer;
    fn push(worker: &Self::Worker, item: Tracked) -> Result<(), Tracked>;
    fn pop(worker: &Self::Worker) -> Option<Tracked>;
    fn is_empty(worker: &Self::Worker) -> bool;
    fn owner_pops_newest(self) -> bool;
    /// Runs `take` into `local`: `Success(Some(item))` for the calls that return an item,
    /// `Success(None)` for those that only fill `local`.
    fn take(stealer: &Self::Stealer, take: Take, local: &Self::Worker) -> Steal<Option<Tracked>>;
}

/// The five steal calls, written once for both stealer types (they share the method names).
macro_rules! take_with {
    ($stealer:expr, $take:expr, $local:expr) => {
        match $take {
            Take::One => returned($stealer.steal()),
            Take::Batch => moved($stealer.steal_batch($local)),
            Take::BatchAndPop => returned($stealer.steal_batch_and_pop($local)),
            Take::BatchWithLimit(limit) => moved($stealer.steal_batch_with_limit($local, limit)),
            Take::BatchWithLimitAndPop(limit) => {
                returned($stealer.steal_batch_with_limit_and_pop($local, limit))
            }
        }
    };
}

/// The growable deque of one flavour (starting small, so it grows and shrinks under the run).
#[derive(Debug, Clone, Copy)]
struct Unbounded(Flavor);

impl Deque for Unbounded {
    type Worker = Worker<Tracked>;
    type Stealer = Stealer<Tracked>;

    fn new_worker(self) -> Worker<Tracked> {
        Worker::with_capacity(self.0, 4)
    }
    fn stealer(worker: &Worker<Tracked>) -> Stealer<Tracked> {
        worker.stealer()
    }
    fn push(worker: &Worker<Tracked>, item: Tracked) -> Result<(), Tracked> {
        worker.push(item);
        Ok(())
    }
    fn pop(worker: &Worker<Tracked>) -> Option<Tracked> {
        worker.pop()
    }
    fn is_empty(worker: &Worker<Tracked>) -> bool {
        worker.is_empty()
    }
    fn owner_pops_newest(self) -> bool {
        self.0 != Flavor::Fifo
    }
    fn take(stealer: &Stealer<Tracked>, take: Take, local: &Worker<Tracked>) -> Steal<Option<Tracked>> {
        take_with!(stealer, take, local)
    }
}

/// The bounded deque, LIFO or FIFO.
#[derive(Debug, Clone, Copy)]
struct Bounded {
    fifo: bool,
}

impl Deque for Bounded {
    type Worker = bounded::Worker<Tracked>;
    type Stealer = bounded::Stealer<Tracked>;

    fn new_worker(self) -> bounded::Worker<Tracked> {
        if self.fifo {
            bounded::Worker::new_fifo(BOUNDED_CAPACITY)
        } else {
            bounded::Worker::new_lifo(BOUNDED_CAPACITY)
        }
    }
    fn stealer(worker: &bounded::Worker<Tracked>) -> bounded::Stealer<Tracked> {
        worker.stealer()
    }
    fn push(worker: &bounded::Worker<Tracked>, item: Tracked) -> Result<(), Tracked> {
        worker.push(item).map(|_was_empty| ())
    }
    fn pop(worker: &bounded::Worker<Tracked>) -> Option<Tracked> {
        worker.pop()
    }
    fn is_empty(worker: &bounded::Worker<Tracked>) -> bool {
        worker.is_empty()
    }
    fn owner_pops_newest(self) -> bool {
        !self.fifo
    }
    fn take(
        stealer: &bounded::Stealer<Tracked>,
        take: Take,
        local: &bounded::Worker<Tracked>,
    ) -> Steal<Option<Tracked>> {
        take_with!(stealer, take, local)
    }
}
