//! The rows of `compare`, one module per primitive; each returns its comparisons.

use crate::{Comparison, Config};

pub mod deque;
pub mod deque_bounded;
pub mod injector;
pub mod priority;
pub mod scheduler;
pub mod sleep;
pub mod victim_policy;

/// Every row, in report order.
pub fn all(config: &Config) -> Vec<Comparison> {
    let mut rows = Vec::new();
    rows.extend(deque::rows(config));
    rows.extend(deque_bounded::rows(config));
    rows.extend(injector::rows(config));
    rows.extend(scheduler::rows(config));
    rows.extend(victim_policy::rows(config));
    rows.extend(priority::rows(config));
    rows.extend(sleep::rows(config));
    rows
}
