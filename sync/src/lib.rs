//! The one place filch takes its synchronisation primitives from.
//!
//! Every atomic, `UnsafeCell`, fence, spin hint, thread, lock and `Arc` that a filch primitive uses
//! comes from this crate, so that one switch moves the whole stack onto another backend:
//!
//! | backend | selected by | for |
//! |---|---|---|
//! | [loom](https://docs.rs/loom) | `RUSTFLAGS="--cfg loom"` | exhaustive model checking of orderings |
//! | [shuttle](https://docs.rs/shuttle) | feature `shuttle` or `--cfg shuttle` | randomized testing of long interleavings |
//! | [portable-atomic](https://docs.rs/portable-atomic) | feature `portable-atomic` | targets without native CAS or 64-bit atomics |
//! | `core` / `std` | nothing (the default) | production |
//!
//! loom wins over shuttle, and both win over portable-atomic.
//!
//! [`cell::UnsafeCell`] has loom's closure API (`with`, `with_mut`) in every backend, so code
//! written once compiles against all of them and loom sees every access to a cell.
//!
//! [`asymmetric_fence`] pairs a compiler-only fence on a hot path with a process-wide barrier
//! (Linux `membarrier`) on a cold one; models and other targets get `SeqCst` fences on both sides.
//!
//! # Features
//! - `std` (default): [`thread`], [`lock`], and yielding in [`Backoff`]. Implies `alloc`.
//! - `alloc`: [`Arc`].
//! - `shuttle`, `portable-atomic`: select those backends, as above. On a target without any CAS
//!   (Cortex-M0, RISC-V without the A extension) portable-atomic needs to be told how to make its
//!   read-modify-writes atomic: `--cfg portable_atomic_unsafe_assume_single_core` in `RUSTFLAGS`
//!   on a single-core chip, or its `critical-section` feature; [`Arc`] is then
//!   portable-atomic-util's, since `alloc`'s needs a native CAS. Without the feature such a
//!   build stops with an error that says so.
//!
//! Without `std` the crate is `#![no_std]`.
//!
//! # Example
//! ```
//! use filch_sync::atomic::{AtomicUsize, Ordering};
//! use filch_sync::{thread, Arc};
//!
//! let hits = Arc::new(AtomicUsize::new(0));
//! let handles: Vec<_> = (0..2)
//!     .map(|_| {
//!         let hits = Arc::clone(&hits);
//!         thread::spawn(move || {
//!             hits.fetch_add(1, Ordering::Relaxed);
//!         })
//!     })
//!     .collect();
//! for handle in handles {
//!     handle.join().unwrap();
//! }
//! assert_eq!(hits.load(Ordering::Relaxed), 2);
//! ```
#![no_std]

#[cfg(feature = "alloc")]
extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

pub mod asymmetric_fence;
mod backend;
mod backoff;
#[cfg(not(loom))]
mod closure_cell;

#[cfg(feature = "alloc")]
pub use backend::Arc;
pub use backend::{atomic, cell, hint};
#[cfg(feature = "std")]
pub use backend::{lock, thread};

pub use backoff::Backoff;
pub use crossbeam_utils::CachePadded;

/// Which backend this build selected: `"loom"`, `"shuttle"`, `"portable-atomic"` or `"native"`.
///
/// Tests use it to check that a switch really took effect.
pub const BACKEND: &str = backend::NAME;

/// True when threads are a model checker's (loom or shuttle): they share one OS thread, so
/// anything keyed by OS thread (a `thread_local!`, crossbeam-epoch's collector) must be keyed by
/// model thread instead, or left out.
pub const MODEL_THREADS: bool = backend::MODEL_THREADS;
