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

/// Runs `body` as a loom model with at most `LOOM_MAX_PREEMPTIONS` preemptions, and at most
/// `ci` of them (`full` with `FILCH_BUDGET=full`): for models too large for CI's bound.
#[cfg(loom)]
pub fn loom_model_capped(ci: usize, full: usize, body: impl Fn() + Sync + Send + 'static) {
    let cap = pick(ci, ci, full);
    let mut builder = loom::model::Builder::new();
    builder.preemption_bound = Some(builder.preemption_bound.map_or(cap, |bound| bound.min(cap)));
    builder.check(body);
}
