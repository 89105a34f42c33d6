//! How big a test runs: tiny under Miri, CI-sized by default, long with `FILCH_BUDGET=full`.
//!
//! `cargo xtask verify` sets `FILCH_BUDGET` to `ci` (with `--ci`) or `full`; a plain `cargo test`
//! gets the CI size.

/// Picks `miri` under Miri, `full` when `FILCH_BUDGET=full`, and `ci` otherwise.
pub fn pick(miri: usize, ci: usize, full: usize) -> usize {
    if cfg!(miri) {
        miri
    } else if std::env::var("FILCH_BUDGET").is_ok_and(|budget| budget == "full") {
        full
    } else {
        ci
    }
}
