//! Stress of the fence-free LIFO owner (`Worker::new_lifo_fence_free`) on real threads, in the two
//! shapes a scheduler gives it, against the fenced `Worker::new_lifo` as a control:
//!
//! - join-shaped: the owner pushes one to three items, works a little, and pops them straight
//!   back, so the deque nearly always holds zero to three items and pops keep racing thieves for
//!   the last ones (and run on deques a thief has just emptied);
//! - spawn-shaped: the owner pushes a few hundred to two thousand items (the buffer grows), then
//!   pops them all (it shrinks) while thieves batch-steal from the front.
//!
//! One to three thieves alternate `steal`, `steal_batch_and_pop` and
//! `steal_batch_with_limit_and_pop` into fence-free deques of their own and pop what they got.
//! Every item must come out exactly once: `Ledger` panics on a second taking and names the items
//! never taken. Each test also checks that the thieves took items, so that the races were run: the
//! owner waits (a millisecond at most) for a steal before each spawn round and every 256th burst.
#![cfg(not(any(loom, feature = "shuttle")))]

use filch_deque::{Steal, Stealer, Worker};
use filch_sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use filch_sync::hint::spin_loop;
use filch_sync::{thread, Arc};
use filch_verification::budget;
use filch_verification::ledger::Ledger;
use std::time::{Duration, Instant};

/// Busy work of about `rounds` spin hints (the owner's "run A" in a join, a task's body).
fn work(rounds: usize) {
    for _ in 0..rounds {
        spin_loop();
    }
}

/// Waits (at most a millisecond) until a thief has taken one of the `held` items the owner holds, so
/// that every run steals even where barriers are slow; the pops that follow race the thieves.
fn let_thieves_in(owner: &Worker<usize>, held: usize) {
    let start = Instant::now();
    while owner.len() == held && start.elapsed() < Duration::from_millis(1) {
        spin_loop();
    }
}

/// What a run shares: the ledger, how many thieves have started, the owner's "no more pushes" flag,
/// and how many items thieves got.
struct Shared {
    taken: Ledger,
    started: AtomicUsize,
    done: AtomicBool,
    stolen: AtomicUsize,
}

/// A thief: cycles through the steal calls until the owner is done and the deque is empty,
/// recording everything it takes (and popping what a batch put into its own deque).
fn thief(stealer: Stealer<usize>, shared: Arc<Shared>, style: usize) {
    let mine = Worker::new_lifo_fence_free();
    let mut round = style;
    let mut stolen = 0;
    // Relaxed: only a start gate; the deque's own orderings publish the items.
    shared.started.fetch_add(1, Ordering::Relaxed);
    loop {
        // Acquire: pairs with the owner's Release store after its last pop, so an Empty seen
        // afterwards means the deque really is drained.
        let finished = shared.done.load(Ordering::Acquire);
        let got = match round % 3 {
            0 => stealer.steal(),
            1 => stealer.steal_batch_and_pop(&mine),
            _ => stealer.steal_batch_with_limit_and_pop(&mine, 3),
        };
        round += 1;
        match got {
            Steal::Success(item) => {
                shared.taken.record(item);
                stolen += 1;
            }
            Steal::Empty if finished => break,
            Steal::Empty | Steal::Retry => {}
        }
        while let Some(item) = mine.pop() {
            shared.taken.record(item);
            stolen += 1;
        }
    }
    // Relaxed: read after the threads are joined.
    shared.stolen.fetch_add(stolen, Ordering::Relaxed);
}

/// Runs `owner_script` (which pushes `0..items` and records what it pops) against `thieves`
/// thieves, then checks that every item was taken exactly once and that thieves took some.
fn run(
    new: fn() -> Worker<usize>,
    thieves: usize,
    items: usize,
    owner_script: fn(&Worker<usize>, &Ledger, usize),
) {
    let shared = Arc::new(Shared {
        taken: Ledger::new(items),
        started: AtomicUsize::new(0),
        done: AtomicBool::new(false),
        stolen: AtomicUsize::new(0),
    });
    let owner = new();
    let handles: Vec<_> = (0..thieves)
        .map(|style| {
            let (stealer, shared) = (owner.stealer(), Arc::clone(&shared));
            thread::spawn(move || thief(stealer, shared, style))
        })
        .collect();
    // Relaxed: a start gate, so that the owner does not finish before a slow thread starts.
    while shared.started.load(Ordering::Relaxed) < thieves {
        thread::yield_now();
    }
    owner_script(&owner, &shared.taken, items);
    // Release: pairs with the thieves' Acquire load of `done`.
    shared.done.store(true, Ordering::Release);
    for handle in handles {
        handle.join().unwrap();
    }
    shared.taken.assert_each_recorded_once();
    // Relaxed: the threads are joined.
    let stolen = shared.stolen.load(Ordering::Relaxed);
    assert!(stolen > 0, "the thieves took nothing: the test ran no race");
}

/// Pushes `0..items` in bursts of one to three, each popped back after a little work.
fn join_shaped(owner: &Worker<usize>, taken: &Ledger, items: usize) {
    let (mut next, mut burst) = (0, 0usize);
    while next < items {
        let size = (1 + burst % 3).min(items - next);
        for item in next..next + size {
            owner.push(item);
        }
        next += size;
        if burst % 256 == 0 {
            let_thieves_in(owner, size);
        } else {
            work(burst % 5 * 64);
        }
        burst += 1;
        for _ in 0..size {
            if let Some(item) = owner.pop() {
                taken.record(item);
            }
        }
    }
}

/// Pushes `0..items` in rounds of 300 to 2000, each popped back entirely with a little work per item.
fn spawn_shaped(owner: &Worker<usize>, taken: &Ledger, items: usize) {
    let (mut next, mut round) = (0, 0usize);
    while next < items {
        let size = (300 + round * 577 % 1700).min(items - next);
        round += 1;
        for item in next..next + size {
            owner.push(item);
        }
        next += size;
        let_thieves_in(owner, size);
        while let Some(item) = owner.pop() {
            taken.record(item);
            work(4);
        }
    }
}

fn items() -> usize {
    budget::pick(300, 200_000, 5_000_000)
}

#[test]
fn fence_free_join_shaped_vs_one_thief() {
    run(Worker::new_lifo_fence_free, 1, items(), join_shaped);
}

#[test]
fn fence_free_join_shaped_vs_three_thieves() {
    run(Worker::new_lifo_fence_free, 3, items(), join_shaped);
}

#[test]
fn fence_free_spawn_shaped_vs_one_thief() {
    run(Worker::new_lifo_fence_free, 1, items(), spawn_shaped);
}

#[test]
fn fence_free_spawn_shaped_vs_three_thieves() {
    run(Worker::new_lifo_fence_free, 3, items(), spawn_shaped);
}

#[test]
fn fenced_join_shaped_vs_three_thieves() {
    run(Worker::new_lifo, 3, items(), join_shaped);
}

#[test]
fn fenced_spawn_shaped_vs_three_thieves() {
    run(Worker::new_lifo, 3, items(), spawn_shaped);
}
