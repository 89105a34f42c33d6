//! Sequential operations on `filch_deque::bounded` against a `VecDeque` model: pushes (refused
//! exactly when full), owner pops, steals and batch steals into a second bounded deque, both
//! flavours, tiny capacities (so the packed indices wrap constantly). Dropping both deques at the
//! end must drop every item still inside exactly once.
#![no_main]

use std::collections::VecDeque;
use std::rc::Rc;

use arbitrary::Arbitrary;
use filch_deque::bounded::Worker;
use filch_deque::Steal;
use libfuzzer_sys::fuzz_target;

#[derive(Debug, Arbitrary)]
enum Op {
    Push,
    Pop,
    Steal,
    /// `limit: 0` stands for the unlimited call.
    Batch {
        limit: u8,
        pop: bool,
    },
    DestPop,
}

#[derive(Debug, Arbitrary)]
struct Input {
    lifo: bool,
    dest_lifo: bool,
    capacity: u8,
    dest_capacity: u8,
    ops: Vec<Op>,
}

/// An item that shares one `Rc` per run; the strong count tells how many items are alive.
#[derive(Debug, Clone, PartialEq)]
struct Item(u32, Rc<()>);

fn worker(lifo: bool, capacity: u8) -> Worker<Item> {
    let capacity = usize::from(capacity % 16) + 1;
    if lifo {
        Worker::new_lifo(capacity)
    } else {
        Worker::new_fifo(capacity)
    }
}

/// Owner pop on the model: the newest item for LIFO, the oldest for FIFO.
fn model_pop(model: &mut VecDeque<Item>, lifo: bool) -> Option<Item> {
    if lifo {
        model.pop_back()
    } else {
        model.pop_front()
    }
}

fuzz_target!(|input: Input| {
    let alive = Rc::new(());
    let source = worker(input.lifo, input.capacity);
    let dest = worker(input.dest_lifo, input.dest_capacity);
    let stealer = source.stealer();
    let (mut model, mut dest_model) = (VecDeque::new(), VecDeque::new());
    for (next, op) in input.ops.iter().enumerate() {
        match *op {
            Op::Push => {
                let item = Item(next as u32, Rc::clone(&alive));
                let full = model.len() == source.capacity();
                match source.push(item.clone()) {
                    Ok(was_empty) => {
                        assert!(!full, "push accepted on a full deque");
                        assert_eq!(was_empty, model.is_empty());
                        model.push_back(item);
                    }
                    Err(back) => {
                        assert!(full, "push refused on a deque with room");
                        assert_eq!(back, item);
                    }
                }
            }
            Op::Pop => assert_eq!(source.pop(), model_pop(&mut model, input.lifo)),
            Op::DestPop => assert_eq!(dest.pop(), model_pop(&mut dest_model, input.dest_lifo)),
            Op::Steal => assert_eq!(stealer.steal().success(), model.pop_front()),
            Op::Batch { limit, pop } => {
                let limit = if limit == 0 { usize::MAX } else { usize::from(limit) };
                let room = dest.capacity() - dest_model.len();
                let count = model.len().div_ceil(2).min(limit).min(room + usize::from(pop));
                let mut taken: VecDeque<Item> = model.drain(..count).collect();
                let result = match (pop, limit) {
                    (true, usize::MAX) => handed_back(stealer.steal_batch_and_pop(&dest), Some),
                    (true, _) => handed_back(stealer.steal_batch_with_limit_and_pop(&dest, limit), Some),
                    (false, usize::MAX) => handed_back(stealer.steal_batch(&dest), |()| None),
                    (false, _) => handed_back(stealer.steal_batch_with_limit(&dest, limit), |()| None),
                };
                let expected = match (model.len() + count, count) {
                    (0, _) => Steal::Empty,
                    (_, 0) => Steal::Retry,
                    _ if pop => Steal::Success(taken.pop_front()),
                    _ => Steal::Success(None),
                };
                assert_eq!(result, expected);
                dest_model.extend(taken);
            }
        }
        assert_eq!(source.len(), model.len());
        assert_eq!(dest.len(), dest_model.len());
    }
    // Every item is in the source, the destination, or their models (clones): twice each.
    assert_eq!(Rc::strong_count(&alive), 1 + 2 * (model.len() + dest_model.len()));
    drop((source, stealer, dest));
    assert_eq!(Rc::strong_count(&alive), 1 + model.len() + dest_model.len(), "an item was not dropped once");
});

/// Re-types a steal result so that batch and popping-batch results compare alike.
fn handed_back<T>(steal: Steal<T>, item: impl FnOnce(T) -> Option<Item>) -> Steal<Option<Item>> {
    match steal {
        Steal::Success(handed) => Steal::Success(item(handed)),
        Steal::Empty => Steal::Empty,
        Steal::Retry => Steal::Retry,
    }
}
