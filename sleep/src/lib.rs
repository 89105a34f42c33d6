//! Sleep and wake for the workers of a scheduler, without lost wake-ups; and termination
//! detection: latches and pool quiescence.
//!
//! - [`Sleep`] (shared) and [`Sleeper`] (one per worker): an event-count protocol. A worker
//!   that runs out of work searches for a bounded time ([`IdlePolicy`]: spin hints, a few yields,
//!   at most about half the workers at once, both of two), then *announces* that it will sleep,
//!   checks for work one last time, and *commits* (parks) or *cancels*. A producer publishes
//!   work and then notifies: [`Sleep::notify_one`] (wake any; skipped while a searcher is
//!   looking, and the last searcher to find work wakes the next), [`Sleep::notify`] (wake worker
//!   `i`), and [`Sleep::notify_all`] (shutdown). With nobody sleepy, notifying is a fence and one
//!   load.
//! - [`Latch`] (one-shot, for `join`) and [`CountLatch`] (outstanding tasks of a scope): set by
//!   anyone, waited on by their owner worker, which spins and then sleeps until a targeted
//!   notify.
//! - [`Quiescence`]: whether every task ever created has finished, from sharded counters with
//!   no lock and no "active" marks.
//! - [`Statistics`]: sleeps, wake-ups, spurious wake-ups, notifications that found no sleeper.
//!
//! The protocol is written over atomics and a [`Park`] trait, so the core is `no_std`;
//! [`CondvarPark`] (feature `std`) parks on the facade's `Mutex` and `Condvar`, which loom and
//! shuttle model. `sleep/DESIGN.md` states the invariants and argues why no wake-up is lost.
//!
//! # Features
//! - `std` (default): [`CondvarPark`], [`Sleep::new`], yields in the idle loop. Implies `alloc`.
//! - `alloc`: [`Quiescence`], [`Sleep::with_parkers`].
//! - `portable-atomic`: the facade's portable-atomic backend.
//!
//! # Example
//! Two workers wait for jobs on a shared counter; `main` posts jobs, then shuts down.
//! ```
//! use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
//! use std::sync::Arc;
//! use filch_sleep::Sleep;
//!
//! let sleep = Arc::new(Sleep::new(2));
//! let jobs = Arc::new(AtomicUsize::new(0));
//! let done = Arc::new(AtomicBool::new(false));
//! let workers: Vec<_> = (0..2)
//!     .map(|index| {
//!         let (sleep, jobs, done) = (Arc::clone(&sleep), Arc::clone(&jobs), Arc::clone(&done));
//!         std::thread::spawn(move || {
//!             let mut me = sleep.worker(index);
//!             let mut ran = 0;
//!             loop {
//!                 // `find`: take a job, or report shutdown once none are left.
//!                 let job = me.idle(|| {
//!                     let taken = jobs
//!                         .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| n.checked_sub(1))
//!                         .is_ok();
//!                     if taken {
//!                         Some(true)
//!                     } else if done.load(Ordering::Acquire) {
//!                         Some(false)
//!                     } else {
//!                         None
//!                     }
//!                 });
//!                 if !job {
//!                     return ran;
//!                 }
//!                 ran += 1;
//!             }
//!         })
//!     })
//!     .collect();
//! for _ in 0..100 {
//!     jobs.fetch_add(1, Ordering::Release);
//!     sleep.notify_one();
//! }
//! done.store(true, Ordering::Release);
//! sleep.notify_all();
//! let ran: usize = workers.into_iter().map(|worker| worker.join().unwrap()).sum();
//! assert_eq!(ran, 100);
//! ```
#![no_std]

#[cfg(feature = "alloc")]
extern crate alloc;
#[cfg(any(test, feature = "std"))]
extern crate std;

#[cfg(feature = "std")]
mod condvar_park;
mod count_latch;
mod latch;
mod park;
mod policy;
#[cfg(feature = "alloc")]
mod quiescence;
mod sleep;
mod sleeper;
mod slot;
mod statistics;

#[cfg(feature = "std")]
pub use condvar_park::CondvarPark;
pub use count_latch::CountLatch;
pub use latch::Latch;
pub use park::Park;
pub use policy::IdlePolicy;
#[cfg(feature = "alloc")]
pub use quiescence::Quiescence;
pub use sleep::Sleep;
#[cfg(feature = "std")]
pub use sleep::StdSleep;
pub use sleeper::{Sleeper, Wake};
pub use slot::Slot;
pub use statistics::Statistics;
