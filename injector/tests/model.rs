//! Random operation sequences against a `VecDeque` model (single thread: every result is exact).

use std::collections::VecDeque;

use filch_injector::{Injector, Steal};
use proptest::prelude::*;

#[derive(Debug, Clone)]
enum Op {
    Push(u32),
    PushBatch(Vec<u32>),
    Steal,
    StealBatch(usize),
    StealBatchAndPop(usize),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => any::<u32>().prop_map(Op::Push),
        2 => prop::collection::vec(any::<u32>(), 0..150).prop_map(Op::PushBatch),
        4 => Just(Op::Steal),
        1 => (1..100usize).prop_map(Op::StealBatch),
        1 => (1..100usize).prop_map(Op::StealBatchAndPop),
    ]
}

/// Checks that a batch of `taken` items is the model's front, one claim per block: at least one
/// item, at most `limit`, in order.
fn take_front(model: &mut VecDeque<u32>, taken: &[u32], limit: usize) {
    assert!(!taken.is_empty() && taken.len() <= limit, "batch of {} with limit {limit}", taken.len());
    for item in taken {
        assert_eq!(Some(*item), model.pop_front());
    }
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: if cfg!(miri) { 4 } else { 256 },
        // Miri's isolation forbids the file system that failure persistence writes to.
        failure_persistence: if cfg!(miri) { None } else { ProptestConfig::default().failure_persistence },
        ..ProptestConfig::default()
    })]

    #[test]
    fn behaves_like_a_vecdeque(ops in prop::collection::vec(op(), 0..200)) {
        let injector = Injector::new();
        let mut model = VecDeque::new();
        for op in ops {
            match op {
                Op::Push(item) => {
                    injector.push(item);
                    model.push_back(item);
                }
                Op::PushBatch(items) => {
                    model.extend(items.iter().copied());
                    injector.push_batch(items);
                }
                Op::Steal => prop_assert_eq!(injector.steal().success(), model.pop_front()),
                Op::StealBatch(limit) => {
                    let mut taken = Vec::new();
                    match injector.steal_batch_with_limit_into(limit, |item| taken.push(item)) {
                        Steal::Success(count) => {
                            prop_assert_eq!(count, taken.len());
                            take_front(&mut model, &taken, limit);
                        }
                        Steal::Empty => prop_assert!(model.is_empty() && taken.is_empty()),
                        Steal::Retry => prop_assert!(false, "Retry without a race"),
                    }
                }
                Op::StealBatchAndPop(limit) => {
                    let mut taken = Vec::new();
                    match injector.steal_batch_with_limit_and_pop_into(limit, |item| taken.push(item)) {
                        Steal::Success(first) => {
                            taken.insert(0, first);
                            take_front(&mut model, &taken, limit);
                        }
                        Steal::Empty => prop_assert!(model.is_empty() && taken.is_empty()),
                        Steal::Retry => prop_assert!(false, "Retry without a race"),
                    }
                }
            }
            prop_assert_eq!(injector.len(), model.len());
            prop_assert_eq!(injector.is_empty(), model.is_empty());
        }
    }
}
