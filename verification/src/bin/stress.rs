//! `stress`: runs the deque, injector and pool workloads on real threads with exactly-once
//! accounting and order checks, prints one line per workload (ops, seconds, Mops/s, violations)
//! and a verdict; exits 1 on any violation, 2 on bad arguments.
//!
//! It needs nothing at run time but itself, so a release build can be carried to a larger machine:
//! `cargo build --release -p filch-verification --bin stress`, then
//! `target/release/stress --threads 16 --ops 100000000`.

use std::process::ExitCode;

const USAGE: &str = "\
usage: stress [--threads N] [--ops N] [--seed N]

Runs the filch-deque (every flavour), filch-injector and filch-scheduler-core pool workloads,
checks that every item is taken exactly once and the order guarantees hold, and prints one line
per workload and a verdict. Exits 0 when no violation was found, 1 otherwise, 2 on bad arguments.

  --threads N  threads per workload, at least 1 (default: the available parallelism); the deque
               runs one owner and N-1 thieves (at least one), the injector N/2 producers and N/2
               consumers (at least one each), the pool N workers
  --ops N      operations in all, split across the workloads, at least 1 (default: 30000000)
  --seed N     seed of every random choice (default: from the clock; printed, to rerun a failure)
  --help       print this text";

/// What the command line asks for.
#[derive(Debug, PartialEq, Eq)]
enum Command {
    Help,
    Run { threads: usize, ops: u64, seed: Option<u64> },
}

/// Parses the arguments after the program name.
fn parse(args: impl IntoIterator<Item = String>) -> Result<Command, String> {
    let mut threads = None;
    let mut ops = 30_000_000;
    let mut seed = None;
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        let mut value = |name: &str| -> Result<u64, String> {
            let text = args.next().ok_or_else(|| format!("{name} needs a value"))?;
            text.parse().map_err(|_| format!("{name}: {text:?} is not a whole number"))
        };
        match arg.as_str() {
            "--help" | "-h" => return Ok(Command::Help),
            "--threads" => threads = Some(value("--threads")?),
            "--ops" => ops = value("--ops")?,
            "--seed" => seed = Some(value("--seed")?),
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    if threads == Some(0) || ops == 0 {
        return Err("--threads and --ops must be at least 1".to_owned());
    }
    let threads = match threads {
        Some(threads) => usize::try_from(threads).map_err(|_| "--threads: too many".to_owned())?,
        None => std::thread::available_parallelism().map_or(2, |n| n.get()),
    };
    Ok(Command::Run { threads, ops, seed })
}

#[cfg(not(any(loom, feature = "shuttle")))]
#[path = "../stress/mod.rs"]
mod workloads;

#[cfg(not(any(loom, feature = "shuttle")))]
fn run(threads: usize, ops: u64, seed: u64) -> ExitCode {
    use workloads::{Plan, WORKLOADS};

    let plan = Plan { threads, ops, seed };
    println!("stress: --threads {threads} --ops {ops} --seed {seed}");
    let mut violations = 0;
    for workload in &WORKLOADS {
        let outcome = workload.run(&plan);
        let seconds = outcome.elapsed.as_secs_f64();
        println!(
            "{:<22} ops {:>11}  {:>8.3} s  {:>8.2} Mops/s  violations {}",
            workload.name,
            outcome.ops,
            seconds,
            outcome.ops as f64 / seconds.max(1e-9) / 1e6,
            outcome.violations
        );
        for message in &outcome.messages {
            println!("    {message}");
        }
        violations += outcome.violations;
    }
    if violations == 0 {
        println!("verdict: pass (no violation)");
        ExitCode::SUCCESS
    } else {
        println!("verdict: FAIL ({violations} violations; rerun with --seed {seed})");
        ExitCode::FAILURE
    }
}

/// Built for a model checker's backend, whose threads only run inside a model.
#[cfg(any(loom, feature = "shuttle"))]
fn run(_threads: usize, _ops: u64, _seed: u64) -> ExitCode {
    eprintln!("stress: built with --cfg loom or the shuttle feature; build it without them to run it");
    ExitCode::from(2)
}

fn main() -> ExitCode {
    match parse(std::env::args().skip(1)) {
        Ok(Command::Help) => {
            println!("{USAGE}");
            ExitCode::SUCCESS
        }
        Ok(Command::Run { threads, ops, seed }) => {
            let seed = seed.unwrap_or_else(|| {
                let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH);
                now.map_or(0, |since| since.as_nanos() as u64)
            });
            run(threads, ops, seed)
        }
        Err(problem) => {
            eprintln!("stress: {problem}\n{USAGE}");
            ExitCode::from(2)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_words(words: &str) -> Result<Command, String> {
        parse(words.split_whitespace().map(str::to_owned))
    }

    #[test]
    fn every_option_is_read() {
        assert_eq!(
            parse_words("--threads 16 --ops 1000 --seed 7"),
            Ok(Command::Run { threads: 16, ops: 1000, seed: Some(7) })
        );
        assert_eq!(parse_words("--ops 5 --help"), Ok(Command::Help));
    }

    #[test]
    fn bad_arguments_are_refused() {
        assert_eq!(parse_words("--threads"), Err("--threads needs a value".to_owned()));
        assert_eq!(parse_words("--ops ten"), Err("--ops: \"ten\" is not a whole number".to_owned()));
        assert_eq!(parse_words("--threads 0"), Err("--threads and --ops must be at least 1".to_owned()));
        assert_eq!(parse_words("--fast"), Err("unknown argument \"--fast\"".to_owned()));
    }
}
