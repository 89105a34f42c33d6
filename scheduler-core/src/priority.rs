//! `Priority`: high-priority tasks start before queued normal ones.

/// The priority of a submitted task ([`Registry::push_with_priority`](crate::Registry::push_with_priority),
/// [`ThreadPool::spawn_with_priority`](crate::ThreadPool::spawn_with_priority)).
///
/// High-priority tasks wait in a shared queue of their own, which every worker looks at first
/// whenever it looks for a task, so a high-priority task submitted to a busy pool starts at the
/// next point where some worker picks a task, before every queued normal task. The rule that
/// keeps normal tasks from starving: a worker takes at most
/// [`high_priority_burst`](crate::CoreConfig::high_priority_burst) high-priority tasks in a row;
/// after that many, its next look for work takes a normal task first (if it finds one), then
/// high-priority ones again. A running task is never interrupted, and `join` pops its own
/// second half without looking at any queue.
///
/// ```
/// use filch_scheduler_core::{Priority, ThreadPoolBuilder};
///
/// let pool = ThreadPoolBuilder::new().num_threads(1).build().unwrap();
/// let (send, receive) = std::sync::mpsc::channel();
/// let (release, gate) = std::sync::mpsc::channel::<()>();
/// pool.spawn(move || gate.recv().unwrap()); // keeps the only worker busy
/// for label in ["normal 1", "normal 2"] {
///     let send = send.clone();
///     pool.spawn(move || send.send(label).unwrap());
/// }
/// pool.spawn_with_priority(Priority::High, move || send.send("high").unwrap());
/// release.send(()).unwrap();
/// let order: Vec<_> = receive.iter().take(3).collect();
/// assert_eq!(order[0], "high");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub enum Priority {
    /// The usual priority: the worker's own deque, the injector, stealing.
    #[default]
    Normal,
    /// Taken before any normal task, within the anti-starvation rule above.
    High,
}
