//! The injector workload: `threads / 2` producers (at least one) push their items one at a time
//! or in batches of up to 16 with `push_batch`, while `threads / 2` consumers (at least one) take
//! with `steal`, or with a batch steal into a local FIFO `filch_deque::Worker` (`steal_batch`,
//! `steal_batch_and_pop` and both `_with_limit` forms) that they empty before the next steal.
//!
//! Checks, besides exactly-once (every item is a `Tracked`, dropped by its consumer or by the
//! injector's drop):
//! - per-producer FIFO: each consumer sees each producer's items in the order they were pushed
//!   (an item a consumer takes after another of the same producer must have been pushed after it,
//!   or the queue handed out a newer item while an older one was still in it);
//! - a batch with a limit holds at most `limit` items, a successful one at least one.

use filch_deque::Worker;
use filch_injector::{Injector, Steal};
use filch_sync::atomic::{AtomicUsize, Ordering};
use filch_sync::{thread, Arc, Backoff};

use super::{moved, returned, Rng, StartGate, Violations};
use filch_verification::ledger::{Ledger, Tracked};

/// Most items in one `push_batch`.
const MAX_PUSH_BATCH: u64 = 16;
/// Largest `limit` a consumer passes to the `_with_limit` steals.
const MAX_LIMIT: u64 = 48;

/// Runs producers and consumers for about `ops` operations (each item is one push and one take);
/// returns the items pushed plus the items taken.
pub fn run(threads: usize, ops: u64, seed: u64, violations: &Arc<Violations>) -> u64 {
    let producers = (threads / 2).max(1);
    let consumers = (threads / 2).max(1);
    let per_producer = ((ops / 2) as usize / producers).max(1);
    let items = per_producer * producers;
    let drops = Arc::new(Ledger::new(items));
    let injector = Arc::new(Injector::new());
    let finished = Arc::new(AtomicUsize::new(0));
    let gate = Arc::new(StartGate::default());
    let everyone = producers + consumers;
    let consumers: Vec<_> = (0..consumers as u64)
        .map(|consumer| {
            let (injector, finished, gate) =
                (Arc::clone(&injector), Arc::clone(&finished), Arc::clone(&gate));
            let violations = Arc::clone(violations);
            let seed = seed ^ (consumer << 32);
            thread::spawn(move || {
                gate.arrive_and_wait(everyone);
                consume(&injector, &finished, producers, per_producer, &violations, seed)
            })
        })
        .collect();
    let producers: Vec<_> = (0..producers)
        .map(|producer| {
            let (injector, finished, drops) =
                (Arc::clone(&injector), Arc::clone(&finished), Arc::clone(&drops));
            let gate = Arc::clone(&gate);
            let first = producer * per_producer;
            let seed = seed ^ producer as u64;
            thread::spawn(move || {
                let _count_finished = CountOnDrop(&finished);
                gate.arrive_and_wait(everyone);
                produce(&injector, first..first + per_producer, &drops, seed)
            })
        })
        .collect();
    let pushed = violations.join_all(producers, "producer");
    let taken = violations.join_all(consumers, "consumer");
    drop(injector);
    let dropped = drops.recorded();
    violations.check(dropped == items, || format!("{} of {items} items were never dropped", items - dropped));
    pushed + taken
}

/// Pushes the items `ids` in order, singly or in random batches; returns how many it pushed.
fn produce(injector: &Injector<Tracked>, ids: std::ops::Range<usize>, drops: &Arc<Ledger>, seed: u64) -> u64 {
    let mut rng = Rng::new(seed);
    let mut next = ids.start;
    while next < ids.end {
        let batch = ((1 + rng.below(MAX_PUSH_BATCH)) as usize).min(ids.end - next);
        if batch == 1 {
            injector.push(Tracked::new(next, drops));
        } else {
            injector.push_batch((next..next + batch).map(|id| Tracked::new(id, drops)));
        }
        next += batch;
    }
    ids.len() as u64
}

/// Takes items until every producer has finished and the injector is empty; returns how many it
/// took.
fn consume(
    injector: &Injector<Tracked>,
    finished: &AtomicUsize,
    producers: usize,
    per_producer: usize,
    violations: &Violations,
    seed: u64,
) -> u64 {
    let mut rng = Rng::new(seed);
    let local = Worker::new_fifo();
    // Per producer, the last sequence number this consumer saw.
    let mut last_seen: Vec<Option<usize>> = vec![None; producers];
    let mut claim = Vec::new();
    let mut taken = 0u64;
    let backoff = Backoff::new();
    loop {
        // Acquire: pairs with the producers' Release in `CountOnDrop`, so once all have finished,
        // every push is visible and an `Empty` steal means the queue is drained.
        let all_pushed = finished.load(Ordering::Acquire) == producers;
        let limit = 1 + rng.below(MAX_LIMIT) as usize;
        let (steal, limited) = match rng.below(5) {
            0 => (returned(injector.steal()), None),
            1 => (moved(injector.steal_batch(&local)), None),
            2 => (returned(injector.steal_batch_and_pop(&local)), None),
            3 => (moved(injector.steal_batch_with_limit(&local, limit)), Some(limit)),
            _ => (returned(injector.steal_batch_with_limit_and_pop(&local, limit)), Some(limit)),
        };
        match steal {
            Steal::Success(first) => {
                backoff.reset();
                claim.extend(first);
                claim.extend(std::iter::from_fn(|| local.pop()));
            }
            Steal::Empty if all_pushed => return taken,
            // Yields after a few spins: the threads may outnumber the cores.
            Steal::Empty | Steal::Retry => {
                backoff.snooze();
                continue;
            }
        }
        violations.check(!claim.is_empty(), || "a batch steal succeeded but moved no item".to_owned());
        if let Some(limit) = limited {
            violations
                .check(claim.len() <= limit, || format!("a batch with limit {limit} took {}", claim.len()));
        }
        for item in claim.drain(..) {
            let (producer, sequence) = (item.id() / per_producer, item.id() % per_producer);
            let last = &mut last_seen[producer];
            violations.check(Some(sequence) > *last, || {
                format!("producer {producer}'s item {sequence} was taken after its item {last:?} (FIFO)")
            });
            *last = Some(sequence);
            taken += 1;
        }
    }
}

/// Counts a producer as finished when dropped, so consumers stop even if a producer panics.
struct CountOnDrop<'a>(&'a AtomicUsize);

impl Drop for CountOnDrop<'_> {
    fn drop(&mut self) {
        // Release: publishes this producer's pushes to the consumers' Acquire load.
        self.0.fetch_add(1, Ordering::Release);
    }
}
