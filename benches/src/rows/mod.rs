//! The rows of `compare`, one module per primitive; each returns its comparisons.

use crate::{Comparison, Config};

mod contended;
pub mod deque;
pub mod deque_bounded;
pub mod injector;
pub mod priority;
pub mod scheduler;
pub mod sleep;
pub mod victim_policy;

/// A row group's function: every row of the group.
pub type Rows = fn(&Config) -> Vec<Comparison>;

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

/// Every row of the groups `config` runs, in report order.
pub fn all(config: &Config) -> Vec<Comparison> {
    GROUPS.iter().filter(|(name, _)| config.runs(name)).flat_map(|(_, rows)| rows(config)).collect()
}
