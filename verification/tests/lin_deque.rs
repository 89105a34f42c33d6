//! Linearizability of the unbounded `filch_deque::Worker`: short histories of an owner (pushes,
//! pops) racing two thieves (steals, and batch steals on FIFO) on real threads, each checked against
//! `filch_verification::deque_spec`. Small capacities make the owner grow and shrink the buffer
//! during the histories.
//!
//! LIFO batch steals claim one item at a time (see `deque/DESIGN.md`), so they are not one atomic
//! operation and are not recorded as one here; the loom and shuttle models cover them.
#![cfg(not(any(loom, feature = "shuttle")))]

use filch_deque::{Flavor, Steal, Stealer, Worker};
use filch_sync::atomic::{AtomicBool, Ordering};
use filch_sync::{hint, thread, Arc};
use filch_verification::budget;
use filch_verification::deque_spec::{DequeOp, DequeRet, DequeSpec};
use filch_verification::linearizability::{check, Operation, Recorder};

type History = Vec<Operation<DequeOp, DequeRet>>;

fn stolen(result: Steal<u32>) -> DequeRet {
    match result {
        Steal::Success(item) => DequeRet::Stolen(Some(item)),
        Steal::Empty => DequeRet::Stolen(None),
        Steal::Retry => DequeRet::Retry,
    }
}

/// A thief's history: alternating single steals and (FIFO only) batch steals.
fn thief(stealer: Stealer<u32>, recorder: Arc<Recorder>, start: Arc<AtomicBool>, batches: bool) -> History {
    // Acquire: pairs with the owner's Release store, so every thief starts together.
    while !start.load(Ordering::Acquire) {
        hint::spin_loop();
    }
    let mine = Worker::with_capacity(Flavor::Fifo, 2);
    (0..4)
        .map(|step| {
            if batches && step % 2 == 1 {
                recorder.call(DequeOp::StealBatch { limit: 3 }, |_| {
                    match stealer.steal_batch_with_limit_and_pop(&mine, 3) {
                        Steal::Success(first) => {
                            let mut taken = vec![first];
                            taken.extend(std::iter::from_fn(|| mine.pop()));
                            DequeRet::Batch(Some(taken))
                        }
                        Steal::Empty => DequeRet::Batch(None),
                        Steal::Retry => DequeRet::Retry,
                    }
                })
            } else {
                recorder.call(DequeOp::Steal, |_| stolen(stealer.steal()))
            }
        })
        .collect()
}

fn one_history(flavor: Flavor, round: u32) -> History {
    let owner = Worker::with_capacity(flavor, 1);
    let recorder = Arc::new(Recorder::new());
    let start = Arc::new(AtomicBool::new(false));
    let batches = flavor == Flavor::Fifo;
    let thieves: Vec<_> = (0..2)
        .map(|_| {
            let (stealer, recorder, start) = (owner.stealer(), Arc::clone(&recorder), Arc::clone(&start));
            thread::spawn(move || thief(stealer, recorder, start, batches))
        })
        .collect();
    let mut history = History::new();
    let mut next = 0;
    // Release: pairs with the thieves' Acquire loads.
    start.store(true, Ordering::Release);
    // The owner's script varies with the round: pushes in bursts, pops between them.
    for step in 0..8u32 {
        if (step + round) % 3 == 2 {
            history.push(recorder.call(DequeOp::Pop, |_| DequeRet::Popped(owner.pop())));
        } else {
            history.push(recorder.call(DequeOp::Push(next), |op| {
                let DequeOp::Push(item) = op else { unreachable!() };
                DequeRet::Pushed { was_empty: owner.push(*item) }
            }));
            next += 1;
        }
    }
    for handle in thieves {
        history.extend(handle.join().unwrap());
    }
    history
}

fn check_rounds(flavor: Flavor) {
    let rounds = budget::pick(4, 400, 5000) as u32;
    for round in 0..rounds {
        let history = one_history(flavor, round);
        if let Err(error) = check(DequeSpec::new(flavor != Flavor::Fifo), &history) {
            panic!("{flavor:?} round {round}: not linearizable: {error:?}\n{history:#?}");
        }
    }
}

#[test]
fn lifo_histories_are_linearizable() {
    check_rounds(Flavor::Lifo);
}

#[test]
fn fifo_histories_with_batches_are_linearizable() {
    check_rounds(Flavor::Fifo);
}

#[test]
fn fence_free_histories_are_linearizable() {
    check_rounds(Flavor::LifoFenceFree);
}
