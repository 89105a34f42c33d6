//! The sequential work-stealing deque that every filch deque flavour must linearize to.
//!
//! - `push` appends at the back. Its report "the deque was empty" may only be true when it was
//!   (a concurrent steal can make an owner's `false` stale, so `false` is always accepted).
//! - `pop` takes the newest item (LIFO) or the oldest (FIFO), `None` only when empty.
//! - `steal` takes the oldest; `Empty` only when empty; `Retry` changes nothing.
//! - a batch steal takes the `k` oldest items, `1 <= k <= min(limit, ceil(len / 2))`, in order;
//!   `Empty` only when empty; `Retry` changes nothing.
//!
//! ```
//! use filch_verification::deque_spec::{DequeOp, DequeRet, DequeSpec};
//! use filch_verification::linearizability::SequentialSpec;
//!
//! let mut deque = DequeSpec::new(true);
//! assert!(deque.apply(&DequeOp::Push(1), &DequeRet::Pushed { was_empty: true }));
//! assert!(deque.apply(&DequeOp::Push(2), &DequeRet::Pushed { was_empty: false }));
//! assert!(!deque.clone().apply(&DequeOp::Pop, &DequeRet::Popped(Some(1))), "LIFO pops the newest");
//! assert!(deque.apply(&DequeOp::StealBatch { limit: 4 }, &DequeRet::Batch(Some(vec![1]))));
//! ```

use std::collections::VecDeque;

use crate::linearizability::SequentialSpec;

/// A sequential deque of small integers.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct DequeSpec {
    items: VecDeque<u32>,
    lifo: bool,
}

impl DequeSpec {
    /// An empty deque whose owner pops the newest item (`lifo`) or the oldest.
    pub fn new(lifo: bool) -> Self {
        DequeSpec { items: VecDeque::new(), lifo }
    }
}

/// An operation on the deque.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DequeOp {
    /// The owner pushes an item.
    Push(u32),
    /// The owner pops.
    Pop,
    /// A thief steals one item.
    Steal,
    /// A thief steals a batch of at most `limit` items (`steal_batch*`, with or without the pop).
    StealBatch {
        /// The caller's limit (32 for the calls without one).
        limit: usize,
    },
}

/// What an operation returned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DequeRet {
    /// `push` returned, reporting whether the deque was empty.
    Pushed {
        /// The report.
        was_empty: bool,
    },
    /// `pop` returned this.
    Popped(Option<u32>),
    /// `steal` succeeded with this item (`Some`), found the deque empty (`None`)...
    Stolen(Option<u32>),
    /// ... or lost a race (`Retry`, for single and batch steals alike).
    Retry,
    /// A batch steal took these items, oldest first (`Some`, never empty), or found the deque
    /// empty (`None`).
    Batch(Option<Vec<u32>>),
}

impl SequentialSpec for DequeSpec {
    type Op = DequeOp;
    type Ret = DequeRet;

    fn apply(&mut self, op: &DequeOp, ret: &DequeRet) -> bool {
        match (op, ret) {
            (DequeOp::Push(item), DequeRet::Pushed { was_empty }) => {
                let legal = !*was_empty || self.items.is_empty();
                self.items.push_back(*item);
                legal
            }
            (DequeOp::Pop, DequeRet::Popped(got)) => {
                let expected = if self.lifo { self.items.pop_back() } else { self.items.pop_front() };
                expected == *got
            }
            (DequeOp::Steal | DequeOp::StealBatch { .. }, DequeRet::Retry) => true,
            (DequeOp::Steal, DequeRet::Stolen(got)) => self.items.pop_front() == *got,
            (DequeOp::StealBatch { .. }, DequeRet::Batch(None)) => self.items.is_empty(),
            (DequeOp::StealBatch { limit }, DequeRet::Batch(Some(taken))) => {
                let most = (*limit).min(self.items.len().div_ceil(2));
                !taken.is_empty()
                    && taken.len() <= most
                    && taken.iter().zip(self.items.drain(..taken.len())).all(|(a, b)| *a == b)
            }
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batches_take_at_most_half_in_order() {
        let mut deque = DequeSpec::new(false);
        for item in 0..5 {
            assert!(deque.apply(&DequeOp::Push(item), &DequeRet::Pushed { was_empty: item == 0 }));
        }
        let batch = |taken: Vec<u32>| DequeRet::Batch(Some(taken));
        assert!(!deque.clone().apply(&DequeOp::StealBatch { limit: 8 }, &batch(vec![0, 1, 2, 3])));
        assert!(!deque.clone().apply(&DequeOp::StealBatch { limit: 2 }, &batch(vec![0, 1, 2])));
        assert!(!deque.clone().apply(&DequeOp::StealBatch { limit: 8 }, &batch(vec![1])));
        assert!(!deque.clone().apply(&DequeOp::StealBatch { limit: 8 }, &DequeRet::Batch(None)));
        assert!(deque.apply(&DequeOp::StealBatch { limit: 8 }, &batch(vec![0, 1, 2])));
        assert!(deque.apply(&DequeOp::Pop, &DequeRet::Popped(Some(3))), "FIFO pops the oldest");
    }

    #[test]
    fn empty_answers_must_be_true_and_retry_is_a_no_op() {
        let mut deque = DequeSpec::new(true);
        assert!(
            deque.clone().apply(&DequeOp::Push(0), &DequeRet::Pushed { was_empty: false }),
            "false may be stale"
        );
        assert!(deque.apply(&DequeOp::Push(0), &DequeRet::Pushed { was_empty: true }));
        assert!(!deque.clone().apply(&DequeOp::Push(1), &DequeRet::Pushed { was_empty: true }));
        assert!(!deque.clone().apply(&DequeOp::Steal, &DequeRet::Stolen(None)));
        assert!(!deque.clone().apply(&DequeOp::Pop, &DequeRet::Popped(None)));
        assert!(deque.apply(&DequeOp::Steal, &DequeRet::Retry));
        assert!(deque.apply(&DequeOp::Steal, &DequeRet::Stolen(Some(0))));
        assert!(deque.apply(&DequeOp::Pop, &DequeRet::Popped(None)));
        assert!(!deque.apply(&DequeOp::Pop, &DequeRet::Stolen(None)), "a mismatched result is refused");
    }
}
