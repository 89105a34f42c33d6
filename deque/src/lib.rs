//! Chase-Lev work-stealing deque (being filled by the deque issue: the unbounded flavour in
//! `unbounded`, the bounded one in [`bounded`]).
#![no_std]

#[cfg(feature = "alloc")]
extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

mod steal;

pub use steal::Steal;
