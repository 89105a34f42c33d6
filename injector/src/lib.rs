//! An unbounded lock-free multi-producer multi-consumer FIFO queue: the global queue (the
//! "injector") of a work-stealing scheduler.
//!
//! Threads outside the pool push work with [`Injector::push`] or [`Injector::push_batch`];
//! workers take it with [`Injector::steal`] or move a batch into their local queue at once. Items
//! pushed by one thread come out in that thread's order, and every item comes out exactly once.
//!
//! The queue is a linked list of blocks of slots. A `push` claims its slot with one fetch-and-add
//! on a tail word that names the block too; consumers claim with one CAS on the head, a batch with
//! a single claim per block; a block is freed by the consumer that releases its last run, without
//! epochs, and one spare block is kept so a steady stream does not allocate. At most 65472 threads
//! (4032 on 32-bit targets) may be pushing at the same moment. `DESIGN.md` beside this crate's
//! manifest has the slot state machine and the arguments.
//!
//! # Features
//! - `std` (default): yielding while waiting for a pre-empted producer (without it, waits spin).
//! - `deque` (default): batch steals straight into a `filch_deque::Worker`
//!   ([`Injector::steal_batch`], [`Injector::steal_batch_and_pop`] and their `_with_limit`
//!   forms; needs 64-bit atomics or `portable-atomic`, as the deque does).
//! - `alloc`: required; the crate is `#![no_std]` and needs only `alloc`.
//! - `portable-atomic`: atomics from portable-atomic, for targets without native CAS.
//!
//! # Example
//! ```
//! use filch_injector::{Injector, Steal};
//! use std::sync::Arc;
//! use std::thread;
//!
//! let injector = Arc::new(Injector::new());
//! let producers: Vec<_> = (0..2)
//!     .map(|p| {
//!         let injector = Arc::clone(&injector);
//!         thread::spawn(move || injector.push_batch((0..100).map(|i| (p, i))))
//!     })
//!     .collect();
//! for producer in producers {
//!     producer.join().unwrap();
//! }
//!
//! // Each producer's items come out in its order.
//! let mut last = [None, None];
//! let mut count = 0;
//! loop {
//!     match injector.steal() {
//!         Steal::Success((p, i)) => {
//!             assert!(last[p].map_or(true, |prev| prev < i));
//!             last[p] = Some(i);
//!             count += 1;
//!         }
//!         Steal::Retry => continue,
//!         Steal::Empty => break,
//!     }
//! }
//! assert_eq!(count, 200);
//! ```
#![no_std]

#[cfg(not(feature = "alloc"))]
compile_error!("filch-injector: the `alloc` feature is required (the queue allocates its blocks)");

extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

mod block;
mod cache;
mod injector;
mod reservation;
mod stolen_run;
mod tail;
#[cfg(all(feature = "deque", any(target_has_atomic = "64", feature = "portable-atomic")))]
mod worker_batches;

pub use filch_deque::Steal;
pub use injector::{Injector, MAX_BATCH};
