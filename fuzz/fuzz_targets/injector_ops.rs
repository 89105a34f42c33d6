//! Operation scripts against the injector and a `VecDeque` model on one thread: every result must
//! match the model exactly (no race, so never `Retry`), and dropping the injector must drop each
//! item left in it once.
#![no_main]

use std::collections::VecDeque;
use std::sync::Arc;

use arbitrary::Arbitrary;
use filch_injector::{Injector, Steal};
use filch_verification::ledger::{Ledger, Tracked};
use libfuzzer_sys::fuzz_target;

#[derive(Arbitrary, Debug)]
enum Op {
    Push,
    /// A batch of this many items; `lie` makes the iterator promise more than it yields.
    PushBatch {
        count: u8,
        lie: bool,
    },
    Steal,
    StealBatch {
        limit: u8,
    },
    StealBatchAndPop {
        limit: u8,
    },
    Len,
}

/// An iterator whose `size_hint` may overstate what it yields.
struct MaybeLying<I> {
    items: I,
    lie: bool,
}

impl<I: ExactSizeIterator> Iterator for MaybeLying<I> {
    type Item = I::Item;
    fn next(&mut self) -> Option<I::Item> {
        self.items.next()
    }
    fn size_hint(&self) -> (usize, Option<usize>) {
        let len = self.items.len();
        if self.lie {
            (len + 7, None)
        } else {
            (len, Some(len))
        }
    }
}

fn take_front(model: &mut VecDeque<usize>, taken: &[Tracked], limit: usize) {
    assert!(!taken.is_empty() && taken.len() <= limit);
    for item in taken {
        assert_eq!(model.pop_front(), Some(item.id()));
    }
}

fuzz_target!(|ops: Vec<Op>| {
    let pushes: usize = ops
        .iter()
        .map(|op| match op {
            Op::Push => 1,
            Op::PushBatch { count, .. } => usize::from(*count),
            _ => 0,
        })
        .sum();
    let drops = Arc::new(Ledger::new(pushes));
    let injector = Injector::new();
    let mut model = VecDeque::new();
    let mut next_id = 0;
    for op in ops {
        match op {
            Op::Push => {
                injector.push(Tracked::new(next_id, &drops));
                model.push_back(next_id);
                next_id += 1;
            }
            Op::PushBatch { count, lie } => {
                let ids = next_id..next_id + usize::from(count);
                next_id = ids.end;
                model.extend(ids.clone());
                let drops = &drops;
                injector.push_batch(MaybeLying { items: ids.map(|id| Tracked::new(id, drops)), lie });
            }
            Op::Steal => {
                // Skipped slots of a lying batch surface as Retry; the model has no entry for them.
                let stolen = loop {
                    match injector.steal() {
                        Steal::Retry => continue,
                        other => break other,
                    }
                };
                assert_eq!(stolen.success().map(|item| item.id()), model.pop_front());
            }
            Op::StealBatch { limit } => {
                let limit = usize::from(limit).max(1);
                let mut taken = Vec::new();
                match injector.steal_batch_with_limit_into(limit, |item| taken.push(item)) {
                    Steal::Success(count) => {
                        assert_eq!(count, taken.len());
                        take_front(&mut model, &taken, limit);
                    }
                    Steal::Empty => assert!(model.is_empty()),
                    Steal::Retry => assert!(taken.is_empty()),
                }
            }
            Op::StealBatchAndPop { limit } => {
                let limit = usize::from(limit).max(1);
                let mut taken = Vec::new();
                match injector.steal_batch_with_limit_and_pop_into(limit, |item| taken.push(item)) {
                    Steal::Success(first) => {
                        taken.insert(0, first);
                        take_front(&mut model, &taken, limit);
                    }
                    Steal::Empty => assert!(model.is_empty()),
                    Steal::Retry => assert!(taken.is_empty()),
                }
            }
            Op::Len => {
                // Skipped slots count until they are stolen past, so len may exceed the model.
                assert!(injector.len() >= model.len());
            }
        }
    }
    drop(injector);
    drops.assert_each_recorded_once();
});
