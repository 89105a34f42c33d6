//! `cargo xtask bench [--threads N | --thread-counts N,..] [--quick] [--only GROUP,..]`: builds
//! `compare` in release, runs it with `--out target/filch-report` and says where the report is.

use std::path::Path;
use std::time::Instant;

use crate::command::{cargo, run_streaming};
use crate::tools::{workspace_root, Toolchain};

const USAGE: &str =
    "usage: cargo xtask bench [--threads N | --thread-counts N,..] [--quick] [--only GROUP,..]";

/// Where the report goes, under the workspace root.
const REPORT_DIR: &str = "target/filch-report";

/// Runs every `compare` row and leaves `report.md`, `results.csv` and the plots in `REPORT_DIR`.
pub fn bench(args: &[String]) -> Result<(), String> {
    check_args(args)?;
    let report_dir = workspace_root().join(REPORT_DIR);
    // A fresh directory, so no plot of an earlier run lies beside this run's report.
    remove_old_report(&report_dir)?;
    let started = Instant::now();
    let mut compare = cargo(Toolchain::Stable);
    // A plain release build: where the user keeps their builds is fine (`cargo` drops the variable
    // for the tiers, which choose their own).
    if let Some(dir) = std::env::var_os("CARGO_TARGET_DIR") {
        compare.env("CARGO_TARGET_DIR", dir);
    }
    let typed: Vec<&str> =
        ["cargo", "xtask", "bench"].into_iter().chain(args.iter().map(String::as_str)).collect();
    compare.env("FILCH_REPORT_COMMAND", typed.join(" "));
    compare.args(["run", "--release", "-p", "filch-benches", "--bin", "compare", "--", "--out"]);
    compare.arg(&report_dir).args(args);
    let status = run_streaming(&mut compare)?;
    if !status.success() {
        return Err(format!("bench: compare failed ({status}); no report was written"));
    }
    let report = report_dir.join("report.md");
    if !report.is_file() {
        return Err(format!("bench: compare succeeded but wrote no {}", report.display()));
    }
    println!("bench: report written to {} ({:.0?} in all)", report.display(), started.elapsed());
    Ok(())
}

/// Accepts `--quick`, `--threads N` with N a whole number of at least 1, `--thread-counts LIST`
/// and `--only GROUPS` (the list and the group names are `compare`'s to check).
fn check_args(args: &[String]) -> Result<(), String> {
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--quick" => {}
            "--threads" => {
                let value = args.next().ok_or_else(|| format!("bench: --threads needs a number; {USAGE}"))?;
                if !value.parse::<usize>().is_ok_and(|threads| threads >= 1) {
                    return Err(format!(
                        "bench: --threads takes a whole number of at least 1, not {value:?}"
                    ));
                }
            }
            "--only" => {
                args.next()
                    .ok_or_else(|| format!("bench: --only needs row groups, e.g. deque,injector; {USAGE}"))?;
            }
            "--thread-counts" => {
                args.next().ok_or_else(|| {
                    format!("bench: --thread-counts needs thread counts, e.g. 4,16; {USAGE}")
                })?;
            }
            other => return Err(format!("bench: unknown argument {other:?}; {USAGE}")),
        }
    }
    Ok(())
}

fn remove_old_report(dir: &Path) -> Result<(), String> {
    match std::fs::remove_dir_all(dir) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            Err(format!("bench: could not remove the old report {}: {e}", dir.display()))
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(args: &[&str]) -> Result<(), String> {
        check_args(&args.iter().map(|arg| arg.to_string()).collect::<Vec<_>>())
    }

    #[test]
    fn threads_and_quick_are_accepted() {
        assert_eq!(check(&[]), Ok(()));
        assert_eq!(check(&["--quick", "--threads", "16"]), Ok(()));
        assert_eq!(check(&["--only", "scheduler,sleep"]), Ok(()));
        assert_eq!(check(&["--thread-counts", "4,16"]), Ok(()));
    }

    #[test]
    fn bad_arguments_are_refused_with_the_reason() {
        assert!(check(&["--threads"]).unwrap_err().contains("--threads needs a number"));
        assert!(check(&["--threads", "0"]).unwrap_err().contains("at least 1, not \"0\""));
        assert!(check(&["--threads", "two"]).unwrap_err().contains("not \"two\""));
        assert!(check(&["--only"]).unwrap_err().contains("--only needs row groups"));
        assert!(check(&["--thread-counts"]).unwrap_err().contains("--thread-counts needs thread counts"));
        assert!(check(&["--out", "x"]).unwrap_err().contains("unknown argument \"--out\""));
    }
}
