//! `Task`: what a worker of the core can run.

use crate::Worker;

/// Something a [`Worker`] can run: the item type of the core's deques and injector.
///
/// The core never looks inside a task; it only moves it between queues and calls
/// [`run`](Task::run) on the worker that took it. A task that makes more work pushes it through
/// the worker it is given ([`Worker::push`]), which keeps related tasks on the same worker.
///
/// ```
/// use filch_scheduler_core::{CoreConfig, Registry, Task, Worker};
/// use std::sync::atomic::{AtomicUsize, Ordering};
///
/// static RAN: AtomicUsize = AtomicUsize::new(0);
///
/// /// Counts down, pushing the rest of the countdown as a new task.
/// struct Countdown(u32);
///
/// impl Task for Countdown {
///     fn run(self, worker: &Worker<'_, Self>) {
///         RAN.fetch_add(1, Ordering::Relaxed);
///         if self.0 > 0 {
///             worker.push(Countdown(self.0 - 1));
///         }
///     }
/// }
///
/// let registry = Registry::new(1, CoreConfig::default());
/// registry.push(Countdown(9));
/// let worker = registry.worker(0);
/// while let Some(task) = worker.find_task() {
///     worker.execute(task);
/// }
/// assert_eq!(RAN.load(Ordering::Relaxed), 10);
/// ```
pub trait Task: Send + Sized {
    /// Runs the task on `worker`, the worker that took it from a queue.
    fn run(self, worker: &Worker<'_, Self>);
}
