//! A work-stealing scheduler: a thin core generic over the task type, and a thread pool with
//! `join`, `scope` and `spawn` built on it.
//!
//! # The core
//! [`Registry`] holds what the workers share: one growable `filch_deque` deque per worker (its
//! stealer), one `filch_injector::Injector` for work from outside, and one `filch_sleep::Sleep`
//! for idling. Each worker thread takes its [`Worker`] and loops over
//! [`Worker::wait_for_task`] and [`Worker::execute`]. [`Worker::find_task`] is the policy: own
//! deque, then the injector (and the injector first every few calls, for fairness), then steal
//! half of a victim's deque, for a bounded number of passes; `wait_for_task` then spins, yields
//! and sleeps. Anything that implements [`Task`] can be scheduled, so other schedulers (an async
//! executor, a simulation) can be built on it.
//!
//! # The pool
//! [`ThreadPool`] (from [`ThreadPoolBuilder`]) runs one thread per worker over two-word job
//! references. [`join`] is work-first and allocates nothing: the second closure is pushed as a
//! reference into the caller's stack frame, the first runs at once, and the second is popped back
//! and run inline unless a thief took it. [`scope`] lets tasks borrow from the caller's frame,
//! [`spawn`] detaches them. Panics in `join` and `scope` reach the caller after every sibling has
//! finished; panics in detached tasks go to the panic handler. [`ThreadPool::statistics`] counts
//! per worker what it ran, stole and how often it slept; [`ThreadPool::wait_idle`] waits until
//! nothing spawned is left. `DESIGN.md` beside this crate's manifest has the invariants.
//!
//! # Example
//! ```
//! use filch_scheduler_core::{join, ThreadPoolBuilder};
//!
//! fn sum(values: &[u64]) -> u64 {
//!     if values.len() <= 1024 {
//!         return values.iter().sum();
//!     }
//!     let (left, right) = values.split_at(values.len() / 2);
//!     let (a, b) = join(|| sum(left), || sum(right));
//!     a + b
//! }
//!
//! let pool = ThreadPoolBuilder::new().num_threads(2).build().unwrap();
//! let values: Vec<u64> = (0..100_000).collect();
//! assert_eq!(pool.install(|| sum(&values)), 4_999_950_000);
//! let stats = pool.statistics();
//! assert_eq!(stats.len(), 2);
//! ```
//!
//! # Model checking
//! The crate takes every atomic, lock and thread from `filch-sync`, so selecting the facade's
//! loom (`--cfg loom`) or shuttle (feature `filch-sync/shuttle`) backend runs the whole pool on
//! model threads; `verification/tests/{loom,shuttle}_scheduler.rs` do that.

mod build_error;
mod config;
mod counting_park;
mod current;
mod global;
mod heap_job;
mod job_ref;
mod join;
mod lock_latch;
mod registry;
mod scope;
mod shared;
mod spawn;
mod stack_job;
mod statistics;
mod task;
mod thread_pool;
mod thread_pool_builder;
mod worker;
mod worker_thread;

pub use build_error::BuildError;
pub use config::CoreConfig;
/// The deque flavour and idle policy named in [`CoreConfig`].
pub use filch_deque::Flavor;
pub use filch_sleep::IdlePolicy;
pub use global::{current_num_threads, current_thread_index};
pub use join::join;
pub use registry::Registry;
pub use scope::{scope, Scope};
pub use spawn::spawn;
pub use statistics::WorkerStatistics;
pub use task::Task;
pub use thread_pool::ThreadPool;
pub use thread_pool_builder::ThreadPoolBuilder;
pub use worker::Worker;
