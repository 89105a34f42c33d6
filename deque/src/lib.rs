//! Chase-Lev work-stealing deque (being filled by the deque issue: the unbounded flavour in
//! `unbounded`, the bounded one in [`bounded`]).
//!
//! # The bounded flavour
//! [`bounded::Worker`] is a fixed ring (capacity rounded up to a power of two, allocated once): no
//! allocation after construction and no epochs, for schedulers that want a hard bound per worker.
//! A push onto a full deque hands the item back (`Err(item)`) for the caller to put elsewhere.
//! Thieves claim up to half the items with one CAS on a packed pair of indices.
#![no_std]

#[cfg(feature = "alloc")]
extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

#[cfg(feature = "alloc")]
pub mod bounded;
mod steal;

pub use steal::Steal;
