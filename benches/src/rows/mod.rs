//! The rows of `compare`, one module per primitive; each hands its comparisons, one at a time as
//! it measures them, to the caller's `emit`.

use crate::{Comparison, Config};

mod contended;
pub mod deque;
pub mod deque_bounded;
pub mod injector;
pub mod priority;
pub mod scheduler;
pub mod sleep;
mod tally;
pub mod victim_policy;

/// A row group's function: measures every row of the group and hands each to `emit` as soon as
/// it is measured (so `compare` can print a row before the group ends).
pub type Rows = fn(&Config, emit: &mut dyn FnMut(Comparison));

/// The row groups in report order: the names `compare --only` takes, each with its rows.
pub const GROUPS: [(&str, Rows); 7] = [
    ("deque", deque::rows),
    ("deque_bounded", deque_bounded::rows),
    ("injector", injector::rows),
    ("scheduler", scheduler::rows),
    ("victim_policy", victim_policy::rows),
    ("priority", priority::rows),
    ("sleep", sleep::rows),
];

/// The names of [`GROUPS`].
pub fn group_names() -> Vec<&'static str> {
    GROUPS.iter().map(|&(name, _)| name).collect()
}

/// Every row of the groups `config` runs, in report order, each handed to `emit` when measured.
pub fn all(config: &Config, emit: &mut dyn FnMut(Comparison)) {
    for (_, rows) in GROUPS.iter().filter(|(name, _)| config.runs(name)) {
        rows(config, emit);
    }
}
