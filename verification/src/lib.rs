//! Verification harness for filch: shared tools for the model checks and stress tests in `tests/`.
//!
//! - [`linearizability`]: check a recorded concurrent history against a sequential spec.
//! - [`ledger`]: exactly-once accounting of items taken and dropped.
//! - [`budget`]: how large a test runs (Miri, CI, full).
//! - [`deque_spec`]: the sequential deque every deque flavour linearizes to.
//! - [`injector_drain`]: empty an injector once a model's threads are joined.
//! - [`meeting`]: tasks that block until all run at once, for the scheduler's wake-up models.
//!
//! The tests themselves are grouped by tool, one file per primitive and tool
//! (`loom_*.rs`, `shuttle_*.rs`, `stress_*.rs`, `lin_*.rs`); `cargo xtask verify` runs each group
//! in its own tier.
#![allow(missing_docs)]

pub mod budget;
pub mod deque_spec;
pub mod injector_drain;
pub mod ledger;
pub mod linearizability;
pub mod meeting;
