//! Sequential operation scripts on the unbounded deque, compared step by step with a `VecDeque`.
#![no_main]

use std::collections::VecDeque;

use arbitrary::Arbitrary;
use filch_deque::{Flavor, Worker};
use libfuzzer_sys::fuzz_target;

#[derive(Arbitrary, Debug)]
enum Op {
    Push,
    /// `push_batch` through an iterator that hides its length, so a long batch overflows into
    /// `push` (the proptest of `deque/tests/unbounded.rs` also covers exact lengths).
    PushBatch { count: u8 },
    Pop,
    Steal,
    StealBatch { limit: u8 },
    StealBatchAndPop { limit: u8 },
    Reserve { additional: u8 },
    ShrinkToFit,
}

#[derive(Arbitrary, Debug)]
struct Script {
    flavor: u8,
    capacity: u8,
    ops: Vec<Op>,
}

fuzz_target!(|script: Script| {
    let flavor = [Flavor::Lifo, Flavor::Fifo, Flavor::LifoFenceFree][usize::from(script.flavor % 3)];
    let worker = Worker::with_capacity(flavor, usize::from(script.capacity % 17));
    let stealer = worker.stealer();
    let mut model = VecDeque::new();
    let mut next = 0u32;
    for op in &script.ops {
        match *op {
            Op::Push => {
                assert_eq!(worker.push(next), model.is_empty());
                model.push_back(next);
                next += 1;
            }
            Op::PushBatch { count } => {
                let first = next;
                next += u32::from(count);
                assert_eq!(worker.push_batch((first..next).filter(|_| true)), model.is_empty());
                model.extend(first..next);
            }
            Op::Pop => {
                let expected = if flavor == Flavor::Fifo { model.pop_front() } else { model.pop_back() };
                assert_eq!(worker.pop(), expected);
            }
            Op::Steal => assert_eq!(stealer.steal().success(), model.pop_front()),
            Op::StealBatch { limit } | Op::StealBatchAndPop { limit } => {
                let limit = usize::from(limit).max(1);
                let dest = Worker::new_fifo();
                let want = limit.min(model.len().div_ceil(2));
                let expected: Vec<u32> = model.drain(..want).collect();
                let mut got = Vec::new();
                if matches!(op, Op::StealBatch { .. }) {
                    assert_eq!(stealer.steal_batch_with_limit(&dest, limit).is_success(), want > 0);
                } else {
                    got.extend(stealer.steal_batch_with_limit_and_pop(&dest, limit).success());
                }
                got.extend(std::iter::from_fn(|| dest.pop()));
                assert_eq!(got, expected);
            }
            Op::Reserve { additional } => {
                worker.reserve(usize::from(additional));
                assert!(worker.capacity() >= model.len() + usize::from(additional));
            }
            Op::ShrinkToFit => {
                worker.shrink_to_fit();
                assert!(worker.capacity() >= model.len());
            }
        }
        assert_eq!(worker.len(), model.len());
    }
});
