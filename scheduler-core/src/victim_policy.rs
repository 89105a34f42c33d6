//! `VictimPolicy`: which other worker a thief tries first.

/// How [`Worker::find_task`](crate::Worker::find_task) picks the workers it steals from; set
/// with [`CoreConfig::victim_policy`](crate::CoreConfig::victim_policy) or
/// [`ThreadPoolBuilder::victim_policy`](crate::ThreadPoolBuilder::victim_policy).
///
/// Whatever the policy, a thief skips victims whose deque looks empty (two loads, no fence),
/// makes at most one steal attempt per victim per pass and at most
/// [`steal_rounds`](crate::CoreConfig::steal_rounds) passes, backing off between passes, before
/// it goes idle.
///
/// ```
/// use filch_scheduler_core::{ThreadPoolBuilder, VictimPolicy};
///
/// let pool = ThreadPoolBuilder::new()
///     .num_threads(2)
///     .victim_policy(VictimPolicy::LargestQueue)
///     .build()
///     .unwrap();
/// assert_eq!(pool.install(|| filch_scheduler_core::join(|| 1, || 2)), (1, 2));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum VictimPolicy {
    /// Sweep all workers from a random one on (xorshift per worker). Spreads thieves over
    /// victims with no shared state; the default.
    #[default]
    Random,
    /// Sweep all workers from the one after where this thief started last time: each thief
    /// visits the victims in turn, deterministic for a given thief.
    RoundRobin,
    /// Read every victim's length and steal from the longest (the adaptive choice: thieves go
    /// where the work is, which pays off when one worker holds most of it). Costs a scan of all
    /// lengths per pass.
    LargestQueue,
}
