//! Chase-Lev work-stealing deques.
//!
//! One thread owns a [`Worker`]: it pushes tasks (one at a time, or a batch that thieves see at
//! once with [`Worker::push_batch`]) and pops them back. Any number of threads hold
//! [`Stealer`]s and take the oldest tasks, one at a time ([`Stealer::steal`]) or about half at
//! once ([`Stealer::steal_batch`] and friends). The names and semantics follow crossbeam-deque 0.8,
//! so migrating is a rename.
//!
//! # Which flavour
//! - [`Worker::new_lifo`]: the owner pops the newest task (depth-first, cache-warm; what
//!   fork-join schedulers want). Each `pop` costs one `SeqCst` fence.
//! - [`Worker::new_fifo`]: the owner pops the oldest task (fairness for event loops).
//! - [`Worker::new_lifo_fence_free`]: LIFO whose `pop` costs only a compiler fence; each steal
//!   pays a process-wide barrier (`membarrier` on Linux) instead. For owners that pop far more
//!   often than others steal from them.
//!
//! The buffer is a power-of-two ring that grows when full and shrinks when less than a quarter is
//! used. Thieves claim items before they copy them, so no slot is ever read while it is written,
//! and the claim also keeps the buffer it reads allocated: a replaced buffer is freed as soon as
//! no claim can still read it, without epochs or pinning (`DESIGN.md` beside `Cargo.toml` has the
//! arguments).
//!
//! # The bounded flavour
//! [`bounded::Worker`] is a fixed ring (capacity rounded up to a power of two, allocated once): no
//! allocation after construction and no epochs, for schedulers that want a hard bound per worker.
//! A push onto a full deque hands the item back (`Err(item)`) for the caller to put elsewhere.
//! Thieves claim up to half the items with one CAS on a packed pair of indices.
//!
//! # Features
//! - `std` (default): the membarrier-backed fence-free flavour (Linux).
//! - `alloc`: the deque without `std` (the fence-free flavour then uses `SeqCst` fences).
//! - `portable-atomic`: for targets without native 64-bit atomics. The unbounded deque packs its
//!   front in one 64-bit word, so on such targets it exists only with this feature (the bounded
//!   flavour needs neither). Targets without any CAS need it too, for both flavours
//!   (`filch-sync`'s features say how to build for them).
//!
//! # Example
//! ```
//! use filch_deque::{Steal, Worker};
//! use std::thread;
//!
//! let worker = Worker::new_lifo();
//! for task in 0..1000 {
//!     worker.push(task);
//! }
//! let thieves: Vec<_> = (0..2)
//!     .map(|_| {
//!         let stealer = worker.stealer();
//!         thread::spawn(move || {
//!             let mut sum = 0u64;
//!             loop {
//!                 match stealer.steal() {
//!                     Steal::Success(task) => sum += task,
//!                     Steal::Retry => continue,
//!                     Steal::Empty => return sum,
//!                 }
//!             }
//!         })
//!     })
//!     .collect();
//! let mut sum = 0u64;
//! while let Some(task) = worker.pop() {
//!     sum += task;
//! }
//! let stolen: u64 = thieves.into_iter().map(|thief| thief.join().unwrap()).sum();
//! assert_eq!(sum + stolen, (0..1000).sum::<u64>());
//! ```
#![no_std]

#[cfg(feature = "alloc")]
extern crate alloc;

#[cfg(feature = "alloc")]
pub mod bounded;
#[cfg(all(feature = "alloc", any(target_has_atomic = "64", feature = "portable-atomic")))]
mod buffer;
#[cfg(all(feature = "alloc", any(target_has_atomic = "64", feature = "portable-atomic")))]
mod flavor;
#[cfg(all(feature = "alloc", any(target_has_atomic = "64", feature = "portable-atomic")))]
mod head;
#[cfg(all(feature = "alloc", any(target_has_atomic = "64", feature = "portable-atomic")))]
mod reclaim;
mod steal;
#[cfg(all(feature = "alloc", any(target_has_atomic = "64", feature = "portable-atomic")))]
mod unbounded;

#[cfg(all(feature = "alloc", any(target_has_atomic = "64", feature = "portable-atomic")))]
pub use flavor::Flavor;
pub use steal::Steal;
#[cfg(all(feature = "alloc", any(target_has_atomic = "64", feature = "portable-atomic")))]
pub use unbounded::{Stealer, Worker};
