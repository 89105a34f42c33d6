//! Linearizability checking of recorded concurrent histories.
//!
//! A history is linearizable when its operations can be put in one sequential order that (1)
//! respects real time: an operation that returned before another was invoked comes first, and (2)
//! is a legal run of the sequential specification, every operation returning what it returned in
//! the history. The search is Wing and Gong's (1993): repeatedly pick a *minimal* pending
//! operation (no other pending operation returned before it was invoked), apply it to the spec,
//! backtrack on a mismatch. Configurations already seen (which operations are done, and the spec's
//! state) are memoised, as in Lowe's refinement (2017), which keeps the search polynomial on the
//! histories our tests produce.
//!
//! ```
//! use filch_verification::linearizability::{check, Recorder, SequentialSpec};
//!
//! /// A register that can be read and written.
//! #[derive(Clone, PartialEq, Eq, Hash)]
//! struct Register(u32);
//!
//! #[derive(Debug, Clone)]
//! enum Op { Write(u32), Read }
//!
//! impl SequentialSpec for Register {
//!     type Op = Op;
//!     type Ret = Option<u32>;
//!     fn apply(&mut self, op: &Op, ret: &Option<u32>) -> bool {
//!         match op {
//!             Op::Write(v) => { self.0 = *v; ret.is_none() }
//!             Op::Read => *ret == Some(self.0),
//!         }
//!     }
//! }
//!
//! let recorder = Recorder::new();
//! let history = vec![
//!     recorder.call(Op::Write(1), |_| None),
//!     recorder.call(Op::Read, |_| Some(1)),
//! ];
//! assert!(check(Register(0), &history).is_ok());
//!
//! // A read of a value never written is not linearizable.
//! let history = vec![recorder.call(Op::Read, |_| Some(7))];
//! assert!(check(Register(0), &history).is_err());
//! ```

use std::collections::HashSet;
use std::fmt::Debug;
use std::hash::Hash;

use filch_sync::atomic::{AtomicU64, Ordering};

/// The sequential object a concurrent one must behave like.
pub trait SequentialSpec: Clone + Eq + Hash {
    /// An operation with its arguments.
    type Op: Debug + Clone;
    /// What an operation returned.
    type Ret: Debug + Clone;

    /// If `ret` is a legal result of `op` in the current state, applies `op` and returns true;
    /// otherwise returns false (the state may then be anything: the checker discards it).
    ///
    /// Nondeterministic operations (a batch that may take fewer items, a `Retry`) accept every
    /// result the specification allows.
    fn apply(&mut self, op: &Self::Op, ret: &Self::Ret) -> bool;
}

/// One completed operation of a history, with the logical times of its invocation and response.
#[derive(Debug, Clone)]
pub struct Operation<Op, Ret> {
    /// The operation.
    pub op: Op,
    /// What it returned.
    pub ret: Ret,
    /// Clock reading taken before the call.
    pub invoked: u64,
    /// Clock reading taken after the call returned.
    pub returned: u64,
}

/// Records operations against one logical clock shared by every thread of a test.
#[derive(Debug, Default)]
pub struct Recorder {
    clock: AtomicU64,
}

impl Recorder {
    /// A recorder whose clock starts at zero.
    pub fn new() -> Self {
        Self { clock: AtomicU64::new(0) }
    }

    /// Runs `f` as operation `op` and records its invocation and response times.
    pub fn call<Op, Ret>(&self, op: Op, f: impl FnOnce(&Op) -> Ret) -> Operation<Op, Ret> {
        let invoked = self.tick();
        let ret = f(&op);
        let returned = self.tick();
        Operation { op, ret, invoked, returned }
    }

    /// SeqCst: all ticks of all threads form one total order that agrees with each thread's
    /// program order, so `a.returned < b.invoked` means `a` really finished before `b` began.
    fn tick(&self) -> u64 {
        self.clock.fetch_add(1, Ordering::SeqCst)
    }
}

/// Why a history failed the check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CheckError {
    /// No order of the operations is a legal sequential run.
    NotLinearizable {
        /// The longest prefix of a legal order the search found, as indices into the history.
        longest_prefix: Vec<usize>,
    },
    /// The search visited more configurations than its budget allows; keep histories smaller.
    Inconclusive {
        /// Configurations visited.
        visited: usize,
    },
}

/// How many configurations the search may visit before it gives up as inconclusive.
pub const SEARCH_BUDGET: usize = 1 << 22;

/// Checks `history` against the specification, starting from `initial`.
///
/// On success returns a linearization: indices into `history` in a legal sequential order.
pub fn check<S: SequentialSpec>(
    initial: S,
    history: &[Operation<S::Op, S::Ret>],
) -> Result<Vec<usize>, CheckError> {
    let mut search = Search {
        history,
        done: vec![false; history.len()],
        order: Vec::with_capacity(history.len()),
        longest_prefix: Vec::new(),
        seen: HashSet::new(),
    };
    match search.extend(initial) {
        Outcome::Found => Ok(search.order),
        Outcome::DeadEnd => Err(CheckError::NotLinearizable { longest_prefix: search.longest_prefix }),
        Outcome::OutOfBudget => Err(CheckError::Inconclusive { visited: search.seen.len() }),
    }
}

enum Outcome {
    Found,
    DeadEnd,
    OutOfBudget,
}

struct Search<'h, S: SequentialSpec> {
    history: &'h [Operation<S::Op, S::Ret>],
    /// `done[i]`: operation `i` is in the current prefix.
    done: Vec<bool>,
    /// The current prefix of a linearization.
    order: Vec<usize>,
    longest_prefix: Vec<usize>,
    /// Configurations already explored without success.
    seen: HashSet<(Vec<bool>, S)>,
}

impl<S: SequentialSpec> Search<'_, S> {
    /// Tries to extend the current prefix, in `state`, to a full linearization.
    fn extend(&mut self, state: S) -> Outcome {
        if self.order.len() == self.history.len() {
            return Outcome::Found;
        }
        if self.order.len() > self.longest_prefix.len() {
            self.longest_prefix.clone_from(&self.order);
        }
        if !self.seen.insert((self.done.clone(), state.clone())) {
            return Outcome::DeadEnd;
        }
        if self.seen.len() > SEARCH_BUDGET {
            return Outcome::OutOfBudget;
        }
        // An operation may go next only if no pending operation returned before it was invoked.
        let earliest_return = self.pending().map(|i| self.history[i].returned).min();
        let Some(earliest_return) = earliest_return else { return Outcome::Found };
        let candidates: Vec<usize> =
            self.pending().filter(|&i| self.history[i].invoked < earliest_return).collect();
        for i in candidates {
            let mut next = state.clone();
            if !next.apply(&self.history[i].op, &self.history[i].ret) {
                continue;
            }
            self.done[i] = true;
            self.order.push(i);
            match self.extend(next) {
                Outcome::DeadEnd => {}
                found_or_out_of_budget => return found_or_out_of_budget,
            }
            self.order.pop();
            self.done[i] = false;
        }
        Outcome::DeadEnd
    }

    fn pending(&self) -> impl Iterator<Item = usize> + '_ {
        self.done.iter().enumerate().filter(|(_, done)| !**done).map(|(i, _)| i)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A FIFO queue of small integers; `Pop` returns `None` when empty.
    #[derive(Clone, PartialEq, Eq, Hash, Default)]
    struct Queue(std::collections::VecDeque<u8>);

    #[derive(Debug, Clone)]
    enum QueueOp {
        Push(u8),
        Pop,
    }

    impl SequentialSpec for Queue {
        type Op = QueueOp;
        type Ret = Option<u8>;
        fn apply(&mut self, op: &QueueOp, ret: &Option<u8>) -> bool {
            match op {
                QueueOp::Push(v) => {
                    self.0.push_back(*v);
                    ret.is_none()
                }
                QueueOp::Pop => self.0.pop_front() == *ret,
            }
        }
    }

    fn op(op: QueueOp, ret: Option<u8>, invoked: u64, returned: u64) -> Operation<QueueOp, Option<u8>> {
        Operation { op, ret, invoked, returned }
    }

    #[test]
    fn overlapping_pushes_may_take_either_order() {
        // Two overlapping pushes, then pops that see 2 before 1: legal, push(2) linearized first.
        let history = [
            op(QueueOp::Push(1), None, 0, 3),
            op(QueueOp::Push(2), None, 1, 2),
            op(QueueOp::Pop, Some(2), 4, 5),
            op(QueueOp::Pop, Some(1), 6, 7),
        ];
        assert_eq!(check(Queue::default(), &history), Ok(vec![1, 0, 2, 3]));
    }

    #[test]
    fn real_time_order_is_enforced() {
        // push(1) returned before push(2) was invoked, so popping 2 first is not FIFO.
        let history = [
            op(QueueOp::Push(1), None, 0, 1),
            op(QueueOp::Push(2), None, 2, 3),
            op(QueueOp::Pop, Some(2), 4, 5),
        ];
        assert!(matches!(check(Queue::default(), &history), Err(CheckError::NotLinearizable { .. })));
    }

    #[test]
    fn a_duplicated_item_is_caught() {
        let history = [
            op(QueueOp::Push(1), None, 0, 1),
            op(QueueOp::Pop, Some(1), 2, 5),
            op(QueueOp::Pop, Some(1), 3, 4),
        ];
        let error = check(Queue::default(), &history).unwrap_err();
        assert_eq!(error, CheckError::NotLinearizable { longest_prefix: vec![0, 1] });
    }

    #[test]
    fn recorder_orders_sequential_calls() {
        let recorder = Recorder::new();
        let first = recorder.call(QueueOp::Push(1), |_| None::<u8>);
        let second = recorder.call(QueueOp::Pop, |_| Some(1));
        assert!(first.returned < second.invoked);
    }
}
