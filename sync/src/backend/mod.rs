//! Picks exactly one backend; the rest of the crate re-exports what it picked.
//!
//! Every backend file exports the same names: `NAME`, `MODEL_THREADS`, `atomic`, `cell`, `hint`, and with the
//! features that need them `Arc`, `thread` and `lock`.

#[cfg(loom)]
#[path = "loom.rs"]
mod selected;

#[cfg(all(not(loom), any(shuttle, feature = "shuttle")))]
#[path = "shuttle.rs"]
mod selected;

#[cfg(all(not(loom), not(any(shuttle, feature = "shuttle"))))]
#[path = "native.rs"]
mod selected;

pub use selected::*;
