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
//! references. [`join`] is work-first and allocates nothing: the second closure waits in the
//! caller's stack frame, the first runs at once, and the second then runs inline, unless it was
//! published (as the first join of a task, or, if the join is one of the few a task records,
//! when another worker is idle; with two or more idle, at most once per
//! [`CoreConfig::publish_interval`] per worker) and a thief took it; then the joiner spins on it
//! briefly ([`CoreConfig::stolen_join_spin`]) and runs other tasks until the thief is done.
//! [`scope`] lets tasks borrow from the caller's frame,
//! [`spawn`] detaches them. Panics in `join` and `scope` reach the caller after every sibling has
//! finished; panics in detached tasks go to the panic handler. [`ThreadPool::statistics`] counts
//! per worker what it ran, stole and how often it slept; [`ThreadPool::wait_idle`] waits until
//! nothing spawned is left. [`ThreadPool::install_in_place`] runs a closure on the calling thread,
//! which joins the pool as a guest worker meanwhile ([`Registry::guest`]): a small parallel
//! computation from outside costs about what it costs on a worker, without `install`'s hand-over
//! to a worker thread and back. `DESIGN.md` beside this crate's manifest has the invariants.
//!
//! # Policies and run-time control
//! - [`VictimPolicy`] (random, round-robin, largest queue first) and bounded steal passes with a
//!   backoff: [`ThreadPoolBuilder::victim_policy`].
//! - [`StealPolicy::ShareNothing`]: thread per core, each worker runs what is sent to it
//!   ([`ThreadPool::spawn_to`], [`Registry::push_to`]) and the injector; optional pinning with
//!   [`ThreadPoolBuilder::pin_workers`].
//! - [`Priority`]: high-priority tasks ([`spawn_with_priority`]) start before queued normal ones,
//!   with a burst limit so normal tasks are not starved.
//! - Locality: [`spawn_local`] ([`ThreadPool::spawn_local`], [`Worker::push_local`]) keeps a
//!   task on the spawning worker's local queue, which others take from only when they would
//!   otherwise idle; the LIFO slot ([`Worker::push_lifo`], and for `spawn` with
//!   [`ThreadPoolBuilder::lifo_slot`]) runs the task spawned last next, unstealable, at most
//!   [`CoreConfig::lifo_slot_limit`] times in a row so queued tasks are not starved.
//! - [`ThreadPool::resize`]: grow and shrink the worker set while tasks run, up to
//!   [`ThreadPoolBuilder::max_threads`]; retiring workers hand their queues on.
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
mod pending_join;
mod pinning;
mod priority;
mod publication_clock;
mod registry;
mod resize_error;
mod scope;
mod shared;
mod spawn;
mod stack_job;
mod statistics;
mod steal_policy;
mod task;
mod thread_pool;
mod thread_pool_builder;
mod victim_policy;
mod worker;
mod worker_thread;

pub use build_error::BuildError;
pub use config::CoreConfig;
/// The deque flavour and idle policy named in [`CoreConfig`].
pub use filch_deque::Flavor;
pub use filch_sleep::IdlePolicy;
pub use global::{current_num_threads, current_thread_index};
pub use join::join;
pub use priority::Priority;
pub use registry::Registry;
pub use resize_error::ResizeError;
pub use scope::{scope, Scope};
pub use spawn::{spawn, spawn_local, spawn_with_priority};
pub use statistics::WorkerStatistics;
pub use steal_policy::StealPolicy;
pub use task::Task;
pub use thread_pool::ThreadPool;
pub use thread_pool_builder::ThreadPoolBuilder;
pub use victim_policy::VictimPolicy;
pub use worker::Worker;
