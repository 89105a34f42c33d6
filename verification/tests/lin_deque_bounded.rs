//! Linearizability of `filch_deque::bounded`: histories of an owner (pushes, pops) racing two
//! thieves (steals and batch steals) on real threads, checked against a sequential deque spec.
//!
//! The spec: the owner pops the newest (LIFO) or oldest (FIFO) item; a steal takes the oldest; a
//! batch takes the `k` oldest with `1 <= k <= ceil(len / 2)` at its linearization point; `Retry` is
//! a no-op. The deque is sized so pushes never meet a full deque (refusals are the proptest's job).
#![cfg(not(any(loom, feature = "shuttle")))]

use std::collections::VecDeque;

use filch_deque::bounded::{Stealer, Worker};
use filch_deque::Steal;
use filch_sync::atomic::{AtomicBool, Ordering};
use filch_sync::{hint, thread, Arc};
use filch_verification::budget;
use filch_verification::linearizability::{check, Operation, Recorder, SequentialSpec};

#[derive(Clone, PartialEq, Eq, Hash, Debug)]
struct DequeSpec {
    items: VecDeque<u32>,
    lifo: bool,
}

#[derive(Debug, Clone)]
enum Op {
    Push(u32),
    Pop,
    Steal,
    /// `steal_batch`; the batch is drained from the thief's deque.
    Batch,
    /// `steal_batch_and_pop`; the rest of the batch is drained from the thief's deque.
    BatchAndPop,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Ret {
    Pushed,
    Popped(Option<u32>),
    Stole(Steal<u32>),
    /// Everything the batch took, oldest first.
    Batch(Steal<Vec<u32>>),
}

impl SequentialSpec for DequeSpec {
    type Op = Op;
    type Ret = Ret;

    fn apply(&mut self, op: &Op, ret: &Ret) -> bool {
        match (op, ret) {
            (Op::Push(item), Ret::Pushed) => {
                self.items.push_back(*item);
                true
            }
            (Op::Pop, Ret::Popped(got)) => {
                let expected = if self.lifo { self.items.pop_back() } else { self.items.pop_front() };
                expected == *got
            }
            (Op::Steal, Ret::Stole(Steal::Retry))
            | (Op::Batch | Op::BatchAndPop, Ret::Batch(Steal::Retry)) => true,
            (Op::Steal, Ret::Stole(Steal::Empty))
            | (Op::Batch | Op::BatchAndPop, Ret::Batch(Steal::Empty)) => self.items.is_empty(),
            (Op::Steal, Ret::Stole(Steal::Success(item))) => self.items.pop_front() == Some(*item),
            (Op::Batch | Op::BatchAndPop, Ret::Batch(Steal::Success(batch))) => {
                let half = self.items.len().div_ceil(2);
                if batch.is_empty() || batch.len() > half {
                    return false;
                }
                self.items.drain(..batch.len()).eq(batch.iter().copied())
            }
            _ => false,
        }
    }
}

type History = Vec<Operation<Op, Ret>>;

fn thief(stealer: Stealer<u32>, recorder: Arc<Recorder>, start: Arc<AtomicBool>, id: usize) -> History {
    // FIFO, so draining it gives the batch back oldest first.
    let mine = Worker::new_fifo(64);
    let drain = |first: Option<u32>| first.into_iter().chain(std::iter::from_fn(|| mine.pop())).collect();
    // Relaxed: only a start signal for overlap; the recorder's clock orders the history.
    while !start.load(Ordering::Relaxed) {
        hint::spin_loop();
    }
    (0..6)
        .map(|step| match (id + step) % 3 {
            0 => recorder.call(Op::Steal, |_| Ret::Stole(stealer.steal())),
            1 => recorder.call(Op::BatchAndPop, |_| {
                Ret::Batch(match stealer.steal_batch_and_pop(&mine) {
                    Steal::Success(first) => Steal::Success(drain(Some(first))),
                    Steal::Empty => Steal::Empty,
                    Steal::Retry => Steal::Retry,
                })
            }),
            _ => recorder.call(Op::Batch, |_| {
                Ret::Batch(match stealer.steal_batch(&mine) {
                    Steal::Success(()) => Steal::Success(drain(None)),
                    Steal::Empty => Steal::Empty,
                    Steal::Retry => Steal::Retry,
                })
            }),
        })
        .collect()
}

fn one_round(lifo: bool, round: u32) -> Result<(), String> {
    let worker = if lifo { Worker::new_lifo(64) } else { Worker::new_fifo(64) };
    let recorder = Arc::new(Recorder::new());
    let start = Arc::new(AtomicBool::new(false));
    let mut history: History = Vec::new();
    for item in 0..4 {
        history.push(recorder.call(Op::Push(item), |op| {
            let Op::Push(item) = op else { unreachable!() };
            worker.push(*item).unwrap();
            Ret::Pushed
        }));
    }
    let thieves: Vec<_> = (0..2)
        .map(|id| {
            let (stealer, recorder, start) = (worker.stealer(), Arc::clone(&recorder), Arc::clone(&start));
            thread::spawn(move || thief(stealer, recorder, start, id))
        })
        .collect();
    // Relaxed: see `thief`.
    start.store(true, Ordering::Relaxed);
    for step in 0..10_u32 {
        let record = if (step + round) % 3 == 0 {
            recorder.call(Op::Pop, |_| Ret::Popped(worker.pop()))
        } else {
            let item = 4 + step;
            recorder.call(Op::Push(item), |_| {
                worker.push(item).unwrap();
                Ret::Pushed
            })
        };
        history.push(record);
    }
    for handle in thieves {
        history.extend(handle.join().unwrap());
    }
    match check(DequeSpec { items: VecDeque::new(), lifo }, &history) {
        Ok(_) => Ok(()),
        Err(error) => Err(format!("round {round}: {error:?}\n{history:#?}")),
    }
}

fn rounds(lifo: bool) {
    for round in 0..budget::pick(5, 400, 4_000) as u32 {
        if let Err(report) = one_round(lifo, round) {
            panic!("not linearizable (lifo: {lifo}): {report}");
        }
    }
}

#[test]
fn lifo_histories_are_linearizable() {
    rounds(true);
}

#[test]
fn fifo_histories_are_linearizable() {
    rounds(false);
}
