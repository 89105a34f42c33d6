//! The rows of `compare`, one module per primitive; each returns its comparisons.

use crate::{Comparison, Config};

pub mod deque;
pub mod deque_bounded;
pub mod injector;
pub mod priority;
pub mod scheduler;
pub mod sleep;
pub mod victim_policy;

/// The row groups, in report order: the names `compare --only` takes.
pub const GROUPS: [&str; 7] =
    ["deque", "deque_bounded", "injector", "scheduler", "victim_policy", "priority", "sleep"];

/// Every row of the groups `config` runs, in report order.
pub fn all(config: &Config) -> Vec<Comparison> {
    let groups: [fn(&Config) -> Vec<Comparison>; 7] = [
        deque::rows,
        deque_bounded::rows,
        injector::rows,
        scheduler::rows,
        victim_policy::rows,
        priority::rows,
        sleep::rows,
    ];
    GROUPS
        .iter()
        .zip(groups)
        .filter(|(name, _)| config.runs(name))
        .flat_map(|(_, rows)| rows(config))
        .collect()
}
