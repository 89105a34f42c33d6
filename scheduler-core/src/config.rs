//! `CoreConfig`: the knobs of the core's `find_task` policy and idle loop.

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
    /// Capacity of each worker's deque (rounded up to a power of two). A push onto a full deque
    /// goes to the injector instead.
    pub deque_capacity: usize,
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
    /// 1024-slot deques, the injector first every 61 ticks, 2 steal rounds, the default idle
    /// policy.
    fn default() -> Self {
        Self { deque_capacity: 1024, injector_interval: 61, steal_rounds: 2, idle: IdlePolicy::default() }
    }
}
