//! `cargo xtask verify`: the verification tiers, run one after the other, then a summary table.
//!
//! A tier passes only if it ran something and all of it passed. A tier with nothing to run yet
//! (no test files of its kind, no fuzz targets) is reported as `empty`, never as passed; it does
//! not fail the run.

use std::process::Command;
use std::time::Instant;

use crate::command::{cargo, count_tests, run_capturing, run_streaming};
use crate::tools::{self, Toolchain};

/// How long the tiers may take: CI's short budget, or the long one.
#[derive(Debug, Clone, Copy)]
struct Budget {
    ci: bool,
}

impl Budget {
    /// The environment every test command gets: tests size themselves from `FILCH_BUDGET`.
    fn name(self) -> &'static str {
        if self.ci {
            "ci"
        } else {
            "full"
        }
    }
}

enum Outcome {
    Passed(String),
    Failed(String),
    Empty(String),
}

struct Tier {
    name: &'static str,
    run: fn(Budget) -> Result<Outcome, String>,
}

const TIERS: &[Tier] = &[
    Tier { name: "lint", run: lint },
    Tier { name: "stable", run: stable },
    Tier { name: "no_std", run: no_std },
    Tier { name: "loom", run: loom },
    Tier { name: "shuttle", run: shuttle },
    Tier { name: "miri", run: miri },
    Tier { name: "tsan", run: tsan },
    Tier { name: "fuzz", run: fuzz },
];

/// The packages that hold model-check and stress tests, with their folders.
const MODEL_PACKAGES: &[(&str, &str)] = &[("filch-sync", "sync"), ("filch-verification", "verification")];

/// What Miri runs: each package with the test targets it takes (none named: all of them, with
/// the unit and doc tests).
const MIRI_RUNS: &[(&str, &[&str])] = &[
    ("filch-sync", &[]),
    ("filch-deque", &[]),
    ("filch-injector", &[]),
    ("filch-sleep", &[]),
    // The pool's own tests take many minutes under Miri; its core and panic tests do not, the
    // unit tests and lazy_join check join's stack of pending joins, and install_in_place a guest's
    // borrowed slot and its hand-on (27 s).
    (
        "filch-scheduler-core",
        &["--lib", "--test", "core", "--test", "panics", "--test", "lazy_join", "--test", "install_in_place"],
    ),
];

/// Miri also interprets the deque and the injector on a 32-bit big-endian target without native
/// 64-bit atomics, through the `portable-atomic` feature: the index packing, the byte order of
/// the packed words and the 32-bit `usize` run there as a user on such a target would run them.
const MIRI_FOREIGN_TARGET: &str = "powerpc-unknown-linux-gnu";
const MIRI_FOREIGN_RUNS: &[&str] = &["filch-deque", "filch-injector"];

/// Each primitive's `no_std` build: target, package and the features it is built with.
const NO_STD_BUILDS: &[(&str, &str, &str)] = &[
    (tools::NO_STD_TARGET, "filch-sync", ""),
    (tools::NO_STD_TARGET, "filch-sync", "alloc"),
    (tools::NO_STD_TARGET, "filch-sync", "portable-atomic,alloc"),
    (tools::NO_STD_TARGET, "filch-deque", "alloc"),
    // The unbounded deque's front is one 64-bit word: portable-atomic provides it on thumbv7em.
    (tools::NO_STD_TARGET, "filch-deque", "alloc,portable-atomic"),
    (tools::NO_STD_TARGET, "filch-injector", "alloc"),
    (tools::NO_STD_TARGET, "filch-injector", "alloc,deque"),
    (tools::NO_STD_TARGET, "filch-sleep", ""),
    (tools::NO_STD_TARGET, "filch-sleep", "alloc"),
    // No CAS at all: every read-modify-write, and `Arc`'s counts, come from portable-atomic, told
    // by `NO_CAS_CFG` that the target has one core (how a Cortex-M0 user would build).
    (tools::NO_CAS_TARGET, "filch-sync", "portable-atomic,alloc"),
    (tools::NO_CAS_TARGET, "filch-deque", "alloc,portable-atomic"),
    (tools::NO_CAS_TARGET, "filch-injector", "alloc,deque,portable-atomic"),
    (tools::NO_CAS_TARGET, "filch-sleep", "portable-atomic"),
];

/// portable-atomic's read-modify-writes on a single-core target without CAS: interrupts disabled
/// around each (its documented way; the other, a `critical-section` implementation, is the
/// final binary's to provide).
const NO_CAS_CFG: &str = "--cfg portable_atomic_unsafe_assume_single_core";

pub fn verify(args: &[String]) -> Result<(), String> {
    let mut budget = Budget { ci: false };
    let mut only: Option<Vec<String>> = None;
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--ci" => budget.ci = true,
            "--only" => {
                let list = args.next().ok_or("verify: --only takes a list of tiers")?;
                only = Some(list.split(',').map(str::to_string).collect());
            }
            other => return Err(format!("verify: unknown argument {other:?}")),
        }
    }
    if let Some(only) = &only {
        if let Some(unknown) = only.iter().find(|name| TIERS.iter().all(|tier| tier.name != *name)) {
            let names: Vec<&str> = TIERS.iter().map(|tier| tier.name).collect();
            return Err(format!("verify: no tier {unknown:?}; the tiers are {names:?}"));
        }
    }
    let mut rows = Vec::new();
    for tier in TIERS {
        if only.as_ref().is_some_and(|only| !only.iter().any(|name| name == tier.name)) {
            continue;
        }
        println!("\n===== tier {} ({} budget) =====", tier.name, budget.name());
        let start = Instant::now();
        let outcome = (tier.run)(budget).unwrap_or_else(Outcome::Failed);
        rows.push((tier.name, outcome, start.elapsed().as_secs_f64()));
    }
    println!("\n| tier | result | detail | seconds |\n|---|---|---|---|");
    for (name, outcome, seconds) in &rows {
        let (result, detail) = match outcome {
            Outcome::Passed(detail) => ("pass", detail),
            Outcome::Failed(detail) => ("FAIL", detail),
            Outcome::Empty(detail) => ("empty", detail),
        };
        println!("| {name} | {result} | {detail} | {seconds:.0} |");
    }
    let failed: Vec<&str> = rows
        .iter()
        .filter(|(_, outcome, _)| matches!(outcome, Outcome::Failed(_)))
        .map(|row| row.0)
        .collect();
    if failed.is_empty() {
        Ok(())
    } else {
        Err(format!("verify: failed tiers: {}", failed.join(", ")))
    }
}

/// Runs a libtest command and judges it by its exit status and the tests it reports.
fn judge_tests(command: &mut Command) -> Result<Outcome, String> {
    let output = run_capturing(command)?;
    let (passed, failed) = count_tests(&output.stdout);
    Ok(if !output.status.success() {
        Outcome::Failed(format!("{passed} passed, {failed} failed ({})", output.status))
    } else if passed == 0 {
        Outcome::Empty("the command ran no test".to_string())
    } else {
        Outcome::Passed(format!("{passed} passed"))
    })
}

/// Runs each labelled libtest command in turn and adds up the results; the first that fails or
/// runs nothing decides the tier.
fn judge_each(runs: Vec<(String, Command)>) -> Result<Outcome, String> {
    let mut passed_details = Vec::new();
    for (label, mut command) in runs {
        match judge_tests(&mut command)? {
            Outcome::Passed(detail) => passed_details.push(format!("{label}: {detail}")),
            Outcome::Empty(detail) => return Ok(Outcome::Empty(format!("{label}: {detail}"))),
            Outcome::Failed(detail) => return Ok(Outcome::Failed(format!("{label}: {detail}"))),
        }
    }
    Ok(Outcome::Passed(passed_details.join("; ")))
}

/// Runs `make_command` once for every model package that has test files starting with `prefix`,
/// and adds up the results.
fn per_model_package(prefix: &str, make_command: impl Fn() -> Command) -> Result<Outcome, String> {
    let mut runs = Vec::new();
    for (package, folder) in MODEL_PACKAGES {
        let tests = tools::test_args(folder, prefix);
        if tests.is_empty() {
            continue;
        }
        let mut command = make_command();
        command.args(["-p", package]).args(&tests);
        runs.push((package.to_string(), command));
    }
    if runs.is_empty() {
        return Ok(Outcome::Empty(format!("no {prefix}* test files yet")));
    }
    judge_each(runs)
}

fn lint(_: Budget) -> Result<Outcome, String> {
    let fmt = run_streaming(cargo(Toolchain::Stable).args(["fmt", "--all", "--", "--check"]))?;
    if !fmt.success() {
        return Ok(Outcome::Failed("cargo fmt --check: run `cargo fmt --all`".to_string()));
    }
    let clippy = run_streaming(cargo(Toolchain::Stable).args([
        "clippy",
        "--workspace",
        "--all-targets",
        "--",
        "-D",
        "warnings",
    ]))?;
    Ok(if clippy.success() {
        Outcome::Passed("fmt and clippy -D warnings clean".to_string())
    } else {
        Outcome::Failed("clippy reported warnings".to_string())
    })
}

/// The whole workspace on the default backend, then the facade's tests on portable-atomic.
fn stable(budget: Budget) -> Result<Outcome, String> {
    let mut workspace = cargo(Toolchain::Stable);
    workspace.env("FILCH_BUDGET", budget.name()).args(["test", "--workspace"]);
    let mut portable = cargo(Toolchain::Stable);
    portable.args(["test", "-p", "filch-sync", "--features", "portable-atomic"]);
    judge_each(vec![
        ("workspace".to_string(), workspace),
        ("filch-sync on portable-atomic".to_string(), portable),
    ])
}

fn no_std(_: Budget) -> Result<Outcome, String> {
    tools::ensure_no_std_targets()?;
    // Cargo's per-target RUSTFLAGS: the other target, build scripts and proc macros keep theirs.
    let no_cas_flags =
        format!("CARGO_TARGET_{}_RUSTFLAGS", tools::NO_CAS_TARGET.to_uppercase().replace('-', "_"));
    for (target, package, features) in NO_STD_BUILDS {
        let mut build = cargo(Toolchain::Stable);
        build.env(&no_cas_flags, NO_CAS_CFG);
        build.args(["build", "--target", target, "-p", package, "--no-default-features"]);
        if !features.is_empty() {
            build.args(["--features", features]);
        }
        let status = run_streaming(&mut build)?;
        if !status.success() {
            return Ok(Outcome::Failed(format!("{package} [{features}] does not build for {target}")));
        }
    }
    Ok(Outcome::Passed(format!(
        "{} builds for {} and {}",
        NO_STD_BUILDS.len(),
        tools::NO_STD_TARGET,
        tools::NO_CAS_TARGET
    )))
}

fn loom(budget: Budget) -> Result<Outcome, String> {
    let preemptions = if budget.ci { "2" } else { "3" };
    per_model_package("loom", || {
        let mut command = cargo(Toolchain::Stable);
        command
            .env("RUSTFLAGS", "--cfg loom")
            .env("LOOM_MAX_PREEMPTIONS", preemptions)
            .env("FILCH_BUDGET", budget.name())
            .env("CARGO_TARGET_DIR", tools::workspace_root().join("target/loom"))
            .args(["test", "--release"]);
        command
    })
}

fn shuttle(budget: Budget) -> Result<Outcome, String> {
    per_model_package("shuttle", || {
        let mut command = cargo(Toolchain::Stable);
        command
            .env("FILCH_BUDGET", budget.name())
            .env("CARGO_TARGET_DIR", tools::workspace_root().join("target/shuttle"))
            .args(["test", "--release", "--features", "shuttle"]);
        command
    })
}

/// `cargo miri test -p package`, with the environment every Miri run takes.
fn miri_test(budget: Budget, package: &str) -> Command {
    let mut command = cargo(Toolchain::Nightly);
    command
        .env("FILCH_BUDGET", budget.name())
        // The tests read clocks (timeouts, watchdogs); isolation would refuse them.
        .env("MIRIFLAGS", "-Zmiri-disable-isolation")
        .args(["miri", "test", "-p", package]);
    command
}

fn miri(budget: Budget) -> Result<Outcome, String> {
    tools::ensure_nightly_components()?;
    let runs = MIRI_RUNS
        .iter()
        .map(|(package, tests)| {
            let mut command = miri_test(budget, package);
            command.args(*tests);
            (package.to_string(), command)
        })
        .chain(MIRI_FOREIGN_RUNS.iter().map(|package| {
            let mut command = miri_test(budget, package);
            command.args(["--features", "portable-atomic", "--target", MIRI_FOREIGN_TARGET]);
            (format!("{package} on {MIRI_FOREIGN_TARGET}"), command)
        }))
        .collect();
    judge_each(runs)
}

fn tsan(budget: Budget) -> Result<Outcome, String> {
    tools::ensure_nightly_components()?;
    let host = tools::host_triple()?;
    per_model_package("stress", || {
        let mut command = cargo(Toolchain::Nightly);
        command
            .env("RUSTFLAGS", "-Zsanitizer=thread")
            .env("FILCH_BUDGET", budget.name())
            .env("CARGO_TARGET_DIR", tools::workspace_root().join("target/tsan"))
            .args(["test", "-Zbuild-std", "--target", &host, "--release"]);
        command
    })
}

fn fuzz(budget: Budget) -> Result<Outcome, String> {
    let targets = tools::fuzz_targets();
    if targets.is_empty() {
        return Ok(Outcome::Empty("no fuzz targets yet".to_string()));
    }
    tools::ensure_cargo_fuzz()?;
    let seconds = if budget.ci { 20 } else { 300 };
    for target in &targets {
        let status = run_streaming(&mut tools::fuzz_run(target, seconds))?;
        if !status.success() {
            return Ok(Outcome::Failed(format!("fuzz target {target} failed ({status})")));
        }
    }
    Ok(Outcome::Passed(format!("{} targets, {seconds} s each: {}", targets.len(), targets.join(", "))))
}
