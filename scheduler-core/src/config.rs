//! `CoreConfig`: the knobs of the core's `find_task` policy and idle loop.

use core::time::Duration;

use filch_deque::Flavor;
use filch_sleep::IdlePolicy;

use crate::{StealPolicy, VictimPolicy};

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
    /// process-wide barrier per steal), which suits fork-join; a double hand-out seen once under
    /// the pool did not reproduce on any committed state (`DESIGN.md`, "Deque flavours"), and
    /// the pool tests cover it. [`Flavor::Fifo`] runs each
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
    /// Passes over the victims before `find_task` gives up; a pass is repeated, after a short
    /// backoff, only when a steal lost a race (or, with [`VictimPolicy::LargestQueue`], when the
    /// chosen victim was emptied first). An idle worker whose `find_task` gave up on lost races
    /// looks again rather than sleeping. At least 1.
    pub steal_rounds: u32,
    /// Which victims a thief tries, in which order.
    pub victim_policy: VictimPolicy,
    /// Whether idle workers steal at all ([`StealPolicy::ShareNothing`]: thread per core).
    pub steal_policy: StealPolicy,
    /// At most this many high-priority tasks in a row per worker; then its next look for work
    /// takes a normal task first, so normal tasks are not starved ([`Priority`](crate::Priority)). At least 1.
    pub high_priority_burst: u32,
    /// At most this many tasks in a row from a worker's LIFO slot
    /// ([`Worker::push_lifo`](crate::Worker::push_lifo)); then its next look for work takes
    /// whatever else is queued first, so a task that keeps putting its successor in the slot
    /// cannot starve the deque, the inbox or the injector. 0 turns the slot off (`push_lifo`
    /// is then `push`).
    pub lifo_slot_limit: u32,
    /// Spinning, yielding and searcher cap before a worker sleeps.
    pub idle: IdlePolicy,
    /// While two or more workers are idle, at least this long between two publications of a
    /// pending `join`'s second half by one worker (a heartbeat): below it, fine-grained joins
    /// stay private, so a small computation is not scattered over the pool by a crowd of
    /// thieves. A lone idle worker is served at once. `Duration::ZERO` publishes whenever a
    /// worker is idle.
    pub publish_interval: Duration,
    /// How long a `join` whose second half a thief took spins on it before the joiner looks for
    /// other work. Looking makes the joiner an idle worker, and busy workers publish for idle
    /// ones: a thief still running a fine-grained half would hand pieces of it back, each
    /// costing more to move than to run. Such halves mostly finish within a few microseconds;
    /// a longer one costs the joiner this spin once, and so does a half that waits for a task
    /// only the joiner would run (keep it short: the joiner runs nothing else while it spins).
    /// `Duration::ZERO` looks for work at once.
    pub stolen_join_spin: Duration,
    /// Worker slots, beyond the workers', for threads outside the scheduler that join it for a
    /// while ([`Registry::guest`](crate::Registry::guest), under
    /// [`ThreadPool::install_in_place`](crate::ThreadPool::install_in_place)): each is a deque,
    /// an inbox and a sleep slot made up front, which thieves sweep like a worker's (two loads
    /// while it is empty). 0 turns guests away: `guest` then returns `None`.
    pub guest_slots: usize,
}

impl Default for CoreConfig {
    /// LIFO deques of 64 slots to start with, steals of up to 8 tasks, the injector first every
    /// 61 ticks, 2 steal rounds from a random victim, work stealing on, up to
    /// 16 high-priority tasks in a row, up to 3 tasks in a row from the LIFO slot (as tokio), the
    /// default idle policy, a `join` published at most every 100 us per worker while two or more
    /// workers are idle, a joiner spinning up to 3 us on a stolen half, and two guest slots.
    fn default() -> Self {
        Self {
            flavor: Flavor::Lifo,
            deque_capacity: 64,
            steal_limit: 8,
            injector_interval: 61,
            steal_rounds: 2,
            victim_policy: VictimPolicy::Random,
            steal_policy: StealPolicy::WorkStealing,
            high_priority_burst: 16,
            lifo_slot_limit: 3,
            idle: IdlePolicy::default(),
            publish_interval: Duration::from_micros(100),
            stolen_join_spin: Duration::from_micros(3),
            guest_slots: 2,
        }
    }
}
