//! Linearizability of filch-injector: concurrent histories of push, steal, batch steal and len,
//! recorded on real threads, checked against a sequential FIFO queue.
//!
//! Every history stays within one block (fewer than 63 items), where a batch steal is a single
//! claim and so one atomic operation; a batch that crosses a block boundary is two claims (the
//! documented behaviour) and is covered by the exactly-once and order checks elsewhere.
//! `push_batch` is not atomic (consumers may see its first items before the rest), so it is not
//! an operation of this spec.
#![cfg(not(any(loom, feature = "shuttle")))]

use std::collections::VecDeque;
use std::sync::Barrier;
use std::thread;

use filch_injector::{Injector, Steal};
use filch_verification::budget;
use filch_verification::linearizability::{check, Operation, Recorder, SequentialSpec};

/// A sequential FIFO queue of `u32`.
#[derive(Clone, PartialEq, Eq, Hash, Debug, Default)]
struct Fifo(VecDeque<u32>);

#[derive(Debug, Clone)]
enum Op {
    Push(u32),
    Steal,
    StealBatch(usize),
    Len,
}

#[derive(Debug, Clone, PartialEq)]
enum Ret {
    Pushed,
    Stolen(Steal<u32>),
    Batch(Steal<Vec<u32>>),
    Len(usize),
}

impl SequentialSpec for Fifo {
    type Op = Op;
    type Ret = Ret;

    fn apply(&mut self, op: &Op, ret: &Ret) -> bool {
        match (op, ret) {
            (Op::Push(item), Ret::Pushed) => {
                self.0.push_back(*item);
                true
            }
            (Op::Steal, Ret::Stolen(Steal::Success(item))) => self.0.pop_front() == Some(*item),
            (Op::Steal, Ret::Stolen(Steal::Empty)) | (Op::StealBatch(_), Ret::Batch(Steal::Empty)) => {
                self.0.is_empty()
            }
            // A lost race changes nothing and is always allowed.
            (Op::Steal, Ret::Stolen(Steal::Retry)) | (Op::StealBatch(_), Ret::Batch(Steal::Retry)) => true,
            (Op::StealBatch(limit), Ret::Batch(Steal::Success(items))) => {
                !items.is_empty()
                    && items.len() <= *limit
                    && items.iter().all(|item| self.0.pop_front() == Some(*item))
            }
            (Op::Len, Ret::Len(len)) => self.0.len() == *len,
            _ => false,
        }
    }
}

fn run(injector: &Injector<u32>, op: &Op) -> Ret {
    match op {
        Op::Push(item) => {
            injector.push(*item);
            Ret::Pushed
        }
        Op::Steal => Ret::Stolen(injector.steal()),
        Op::StealBatch(limit) => {
            let mut items = Vec::new();
            Ret::Batch(match injector.steal_batch_with_limit_into(*limit, |item| items.push(item)) {
                Steal::Success(_) => Steal::Success(items),
                Steal::Empty => Steal::Empty,
                Steal::Retry => Steal::Retry,
            })
        }
        Op::Len => Ret::Len(injector.len()),
    }
}

/// Thread `t`'s script: pushes of distinct items with steals, batch steals and lens between.
fn script(t: usize, ops: usize) -> Vec<Op> {
    (0..ops)
        .map(|k| match (t + k) % 5 {
            0 | 2 => Op::Push((t * 100 + k) as u32),
            1 => Op::Steal,
            3 => Op::StealBatch(1 + k % 3),
            _ => Op::Len,
        })
        .collect()
}

fn one_history(threads: usize, ops: usize) -> Vec<Operation<Op, Ret>> {
    let injector = Injector::new();
    let recorder = Recorder::new();
    let barrier = Barrier::new(threads);
    thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                let (injector, recorder, barrier) = (&injector, &recorder, &barrier);
                scope.spawn(move || {
                    barrier.wait();
                    script(t, ops)
                        .into_iter()
                        .map(|op| recorder.call(op, |op| run(injector, op)))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles.into_iter().flat_map(|handle| handle.join().unwrap()).collect()
    })
}

#[test]
fn histories_are_linearizable_against_a_fifo_queue() {
    for round in 0..budget::pick(2, 500, 5_000) {
        let history = one_history(3, 6);
        if let Err(error) = check(Fifo::default(), &history) {
            panic!("round {round}: {error:?}\nhistory: {history:#?}");
        }
    }
}

#[test]
fn the_spec_rejects_a_reordered_history() {
    // Guards the spec itself: two pushes, then steals that return them in the wrong order.
    let recorder = Recorder::new();
    let history = vec![
        recorder.call(Op::Push(1), |_| Ret::Pushed),
        recorder.call(Op::Push(2), |_| Ret::Pushed),
        recorder.call(Op::Steal, |_| Ret::Stolen(Steal::Success(2))),
    ];
    assert!(check(Fifo::default(), &history).is_err());
    let history = vec![
        recorder.call(Op::Push(1), |_| Ret::Pushed),
        recorder.call(Op::StealBatch(2), |_| Ret::Batch(Steal::Empty)),
    ];
    assert!(check(Fifo::default(), &history).is_err());
}
