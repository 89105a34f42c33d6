//! filch's automation, run as `cargo xtask <command>`:
//!
//! - `verify [--ci] [--only TIER,..]`: every verification tier, then a summary table; exits
//!   non-zero if any tier failed. `--ci` runs the short budgets CI uses.
//! - `bench [--threads N] [--quick] [--only GROUP,..]`: builds and runs the side-by-side `compare`
//!   binary (`--only` picks row groups: deque, injector, scheduler, ...), which writes `target/filch-report/report.md` (ratios first), `results.csv` and SVG plots.
//! - `fuzz <target> [--seconds N]`: one cargo-fuzz target for a bounded time.
//!
//! It installs what a fresh machine lacks (nightly components, the thumbv7em target, cargo-fuzz).
#![allow(missing_docs)]

mod bench;
mod command;
mod tiers;
mod tools;

use std::process::ExitCode;

const USAGE: &str = "usage: cargo xtask verify [--ci] [--only TIER,..] | bench [--threads N] [--quick] [--only GROUP,..] | fuzz <target> [--seconds N]";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("verify") => tiers::verify(&args[1..]),
        Some("bench") => bench::bench(&args[1..]),
        Some("fuzz") => fuzz(&args[1..]),
        _ => Err(USAGE.to_string()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("xtask: {message}");
            ExitCode::FAILURE
        }
    }
}

/// Runs one fuzz target for a bounded time.
fn fuzz(args: &[String]) -> Result<(), String> {
    let (target, seconds) = match args {
        [target] => (target, 60),
        [target, flag, seconds] if flag == "--seconds" => (
            target,
            seconds.parse().map_err(|_| format!("fuzz: --seconds takes a whole number, not {seconds:?}"))?,
        ),
        _ => return Err(USAGE.to_string()),
    };
    tools::ensure_cargo_fuzz()?;
    let targets = tools::fuzz_targets();
    if !targets.contains(target) {
        return Err(format!("fuzz: no target {target:?}; the targets are {targets:?}"));
    }
    let status = command::run_streaming(&mut tools::fuzz_run(target, seconds))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("fuzz: {target} failed ({status})"))
    }
}
