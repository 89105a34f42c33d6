//! `CoreConfig`: the knobs of the core's `find_task` policy and idle loop.

use filch_deque::Flavor;
use filch_sleep::IdlePolicy;

/// How a [`Registry`](crate::Registry)'s workers look for work.
///
/// ```
/// use filch_scheduler_core::CoreConfig;
///
/// let config = CoreConfig { injector_interval: 31, ..CoreConfig::default() };
/// assert_eq!(config.steal_rounds, CoreConfig::default().steal_rounds);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CoreConfig {
    /// The flavour of each worker's deque. [`Flavor::Lifo`] (the default): depth-first, one
    /// `SeqCst` fence per pop. [`Flavor::LifoFenceFree`] moves that fence to the thieves (a
    /// process-wide barrier per steal), which suits fork-join, but see `DESIGN.md`, "Deque
    /// flavours": it currently runs jobs twice under the pool. [`Flavor::Fifo`] runs each
    /// worker's own tasks oldest first: for `spawn`-only workloads; deep `join` trees recurse
    /// without bound on it (a joiner that pops an older job runs it on its stack).
    pub flavor: Flavor,
    /// Initial (and minimum) capacity of each worker's deque; it grows as needed.
    pub deque_capacity: usize,
    /// At most this many tasks move in one steal (about half of the victim's, up to this). In
    /// the LIFO flavours each item after the first costs the thief one more fence.
    pub steal_limit: usize,
    /// Every this many calls of [`find_task`](crate::Worker::find_task), the injector is looked at
    /// before the own deque, so outside submissions are not starved by a worker that keeps
    /// feeding itself. At least 1.
    pub injector_interval: u32,
    /// Passes over all victims before `find_task` gives up; a pass is repeated only when a steal
    /// lost a race (`Retry`). At least 1.
    pub steal_rounds: u32,
    /// Spinning, yielding and searcher cap before a worker sleeps.
    pub idle: IdlePolicy,
}

impl Default for CoreConfig {
    /// LIFO deques of 64 slots to start with, steals of up to 8 tasks, the injector first every
    /// 61 ticks, 2 steal rounds, the default idle policy.
    fn default() -> Self {
        Self {
            flavor: Flavor::Lifo,
            deque_capacity: 64,
            steal_limit: 8,
            injector_interval: 61,
            steal_rounds: 2,
            idle: IdlePolicy::default(),
        }
    }
}
