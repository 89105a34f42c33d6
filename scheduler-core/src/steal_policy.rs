//! `StealPolicy`: work stealing, or share-nothing workers.

/// Whether idle workers take work from other workers; set with
/// [`CoreConfig::steal_policy`](crate::CoreConfig::steal_policy) or
/// [`ThreadPoolBuilder::steal_policy`](crate::ThreadPoolBuilder::steal_policy).
///
/// ```
/// use filch_scheduler_core::{StealPolicy, ThreadPoolBuilder};
///
/// // Thread per core: each worker runs what is sent to it, and what comes through the injector.
/// let pool = ThreadPoolBuilder::new()
///     .num_threads(2)
///     .steal_policy(StealPolicy::ShareNothing)
///     .pin_workers(true)
///     .build()
///     .unwrap();
/// let (send, receive) = std::sync::mpsc::channel();
/// for index in 0..2 {
///     let send = send.clone();
///     pool.spawn_to(index, move || send.send(filch_scheduler_core::current_thread_index()).unwrap());
/// }
/// let mut ran_on: Vec<_> = receive.iter().take(2).collect();
/// ran_on.sort();
/// assert_eq!(ran_on, [Some(0), Some(1)]);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum StealPolicy {
    /// Idle workers steal from the others' deques (by the
    /// [`VictimPolicy`](crate::VictimPolicy)), and, when no deque has work, from the others'
    /// inboxes (tasks sent to a worker by index or kept local), so the pool never idles while
    /// work is queued. The default.
    #[default]
    WorkStealing,
    /// Share-nothing, thread per core: a worker runs only its own deque, its inbox (tasks sent
    /// to it by index) and the shared injectors. No steal is ever attempted, so a worker's data
    /// stays on its core; a busy worker's queue waits for it even while others idle.
    ShareNothing,
}
