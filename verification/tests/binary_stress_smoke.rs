//! Runs the `stress` binary the way a person would: a small run passes with a line per workload,
//! `--help` prints the usage, bad arguments exit 2.
#![cfg(not(any(loom, feature = "shuttle")))]

use std::process::{Command, Output};

fn stress(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_stress")).args(args).output().expect("the stress binary runs")
}

#[test]
fn a_small_run_reports_every_workload_and_passes() {
    let output = stress(&["--threads", "3", "--ops", "300000", "--seed", "11"]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(
        output.status.code(),
        Some(0),
        "stdout:\n{stdout}\nstderr:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    for workload in [
        "deque lifo ",
        "deque fifo ",
        "deque lifo fence-free ",
        "deque bounded lifo ",
        "deque bounded fifo ",
        "injector ",
        "pool ",
    ] {
        let line = stdout
            .lines()
            .find(|line| line.starts_with(workload))
            .unwrap_or_else(|| panic!("no line for {workload:?} in:\n{stdout}"));
        assert!(line.ends_with("violations 0"), "{line}");
        assert!(line.contains("Mops/s"), "{line}");
    }
    assert!(stdout.ends_with("verdict: pass (no violation)\n"), "{stdout}");
}

#[test]
fn help_prints_the_usage_and_succeeds() {
    let output = stress(&["--help"]);
    assert_eq!(output.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&output.stdout).starts_with("usage: stress [--threads N]"));
}

#[test]
fn bad_arguments_print_the_usage_and_exit_2() {
    for args in [&["--threads", "0"][..], &["--ops"], &["--turbo"]] {
        let output = stress(args);
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        assert!(String::from_utf8_lossy(&output.stderr).contains("usage: stress"), "{args:?}");
    }
}
