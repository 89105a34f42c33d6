//! Property test: any sequence of pushes, pops, steals and batch steals (into a second bounded
//! deque) behaves exactly like a `VecDeque` model, in both flavours, including refused pushes on a
//! full deque and batches cut short by the limit or the room left in the destination.

use std::collections::VecDeque;

use filch_deque::bounded::Worker;
use filch_deque::Steal;
use proptest::prelude::*;

#[derive(Debug, Clone)]
enum Op {
    Push,
    Pop,
    Steal,
    /// A batch steal into `dest`; `limit: None` is the unlimited call.
    Batch {
        limit: Option<usize>,
        pop: bool,
    },
    /// The destination's owner pops.
    DestPop,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => Just(Op::Push),
        2 => Just(Op::Pop),
        1 => Just(Op::Steal),
        2 => (proptest::option::of(1..6_usize), any::<bool>()).prop_map(|(limit, pop)| Op::Batch { limit, pop }),
        1 => Just(Op::DestPop),
    ]
}

/// A deque model: `front` is the oldest item.
struct Model {
    items: VecDeque<u32>,
    capacity: usize,
    lifo: bool,
}

impl Model {
    fn pop(&mut self) -> Option<u32> {
        if self.lifo {
            self.items.pop_back()
        } else {
            self.items.pop_front()
        }
    }

    fn room(&self) -> usize {
        self.capacity - self.items.len()
    }
}

fn worker(lifo: bool, capacity: usize) -> Worker<u32> {
    if lifo {
        Worker::new_lifo(capacity)
    } else {
        Worker::new_fifo(capacity)
    }
}

/// What a popping batch returns when the model took `first` (sequentially it never retries).
fn popped(first: Option<u32>) -> Steal<u32> {
    first.map_or(Steal::Empty, Steal::Success)
}

fn run(ops: &[Op], lifo: bool, capacity: usize, dest_lifo: bool, dest_capacity: usize) {
    let source = worker(lifo, capacity);
    let dest = worker(dest_lifo, dest_capacity);
    let stealer = source.stealer();
    let mut model = Model { items: VecDeque::new(), capacity: source.capacity(), lifo };
    let mut dest_model = Model { items: VecDeque::new(), capacity: dest.capacity(), lifo: dest_lifo };
    let mut next = 0;
    for op in ops {
        match *op {
            Op::Push => {
                let expected = if model.room() > 0 {
                    let was_empty = model.items.is_empty();
                    model.items.push_back(next);
                    Ok(was_empty)
                } else {
                    Err(next)
                };
                assert_eq!(source.push(next), expected, "{op:?}");
                next += 1;
            }
            Op::Pop => assert_eq!(source.pop(), model.pop(), "{op:?}"),
            Op::DestPop => assert_eq!(dest.pop(), dest_model.pop(), "{op:?}"),
            Op::Steal => {
                let expected = model.items.pop_front().map_or(Steal::Empty, Steal::Success);
                assert_eq!(stealer.steal(), expected, "{op:?}");
            }
            Op::Batch { limit, pop } => {
                let available = model.items.len();
                let count = available
                    .div_ceil(2)
                    .min(limit.unwrap_or(usize::MAX))
                    .min(dest_model.room() + usize::from(pop));
                let first = if count > 0 && pop { model.items.pop_front() } else { None };
                for _ in usize::from(pop)..count {
                    let item = model.items.pop_front().unwrap();
                    dest_model.items.push_back(item);
                }
                let outcome = |success| match (available, count) {
                    (0, _) => Steal::Empty,
                    (_, 0) => Steal::Retry,
                    _ => Steal::Success(success),
                };
                match (limit, pop) {
                    (None, false) => assert_eq!(stealer.steal_batch(&dest), outcome(()), "{op:?}"),
                    (Some(limit), false) => {
                        assert_eq!(stealer.steal_batch_with_limit(&dest, limit), outcome(()), "{op:?}")
                    }
                    (None, true) => assert_eq!(stealer.steal_batch_and_pop(&dest), popped(first), "{op:?}"),
                    (Some(limit), true) => assert_eq!(
                        stealer.steal_batch_with_limit_and_pop(&dest, limit),
                        popped(first),
                        "{op:?}"
                    ),
                }
            }
        }
        assert_eq!(source.len(), model.items.len(), "after {op:?}");
        assert_eq!(dest.len(), dest_model.items.len(), "after {op:?}");
    }
    let left: Vec<u32> = std::iter::from_fn(|| stealer.steal().success()).collect();
    assert_eq!(left, Vec::from(model.items));
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: if cfg!(miri) { 4 } else { 512 },
        // Miri's isolation forbids the regression file's `getcwd`; there is nothing to persist.
        failure_persistence: if cfg!(miri) { None } else { ProptestConfig::default().failure_persistence },
        ..ProptestConfig::default()
    })]

    #[test]
    fn bounded_deque_matches_a_vecdeque_model(
        ops in proptest::collection::vec(op(), 0..200),
        lifo: bool,
        dest_lifo: bool,
        capacity in 1..9_usize,
        dest_capacity in 1..5_usize,
    ) {
        run(&ops, lifo, capacity, dest_lifo, dest_capacity);
    }
}
