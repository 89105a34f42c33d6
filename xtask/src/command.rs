//! Running child commands: streamed to the terminal, stdout also kept for parsing.

use std::io::{BufRead, BufReader};
use std::process::{Command, ExitStatus, Output, Stdio};

use crate::tools::Toolchain;

/// `cargo` through the rustup proxy on `toolchain`, with no inherited `RUSTFLAGS`.
pub fn cargo(toolchain: Toolchain) -> Command {
    let mut cargo = Command::new("cargo");
    if let Toolchain::Nightly = toolchain {
        cargo.arg("+nightly");
    }
    cargo.env_remove("RUSTFLAGS").env_remove("RUSTDOCFLAGS").env_remove("CARGO_TARGET_DIR");
    cargo.current_dir(crate::tools::workspace_root());
    cargo
}

/// Runs `command` with the terminal as its stdout and stderr.
pub fn run_streaming(command: &mut Command) -> Result<ExitStatus, String> {
    echo(command);
    command.status().map_err(|e| format!("could not start {command:?}: {e}"))
}

/// Runs `command`, echoing its stdout line by line as it comes and returning it whole.
pub fn run_capturing(command: &mut Command) -> Result<Output, String> {
    echo(command);
    let mut child =
        command.stdout(Stdio::piped()).spawn().map_err(|e| format!("could not start {command:?}: {e}"))?;
    let mut stdout = Vec::new();
    let reader = BufReader::new(child.stdout.take().expect("stdout was piped"));
    for line in reader.split(b'\n') {
        let line = line.map_err(|e| format!("reading {command:?}: {e}"))?;
        println!("{}", String::from_utf8_lossy(&line));
        stdout.extend_from_slice(&line);
        stdout.push(b'\n');
    }
    let status = child.wait().map_err(|e| format!("waiting for {command:?}: {e}"))?;
    Ok(Output { status, stdout, stderr: Vec::new() })
}

fn echo(command: &Command) {
    let envs: Vec<String> = command
        .get_envs()
        .filter_map(|(key, value)| Some(format!("{}={}", key.to_str()?, value?.to_str()?)))
        .collect();
    let args: Vec<&str> = command.get_args().filter_map(|arg| arg.to_str()).collect();
    println!("+ {} {} {}", envs.join(" "), command.get_program().to_string_lossy(), args.join(" "));
}

/// Sums the `N passed` and `N failed` of every `test result:` line libtest printed.
pub fn count_tests(stdout: &[u8]) -> (u64, u64) {
    let text = String::from_utf8_lossy(stdout);
    let mut passed = 0;
    let mut failed = 0;
    for line in text.lines().filter(|line| line.starts_with("test result:")) {
        passed += number_before(line, " passed");
        failed += number_before(line, " failed");
    }
    (passed, failed)
}

fn number_before(line: &str, label: &str) -> u64 {
    line.find(label)
        .and_then(|end| line[..end].rsplit(|c: char| !c.is_ascii_digit()).next()?.parse().ok())
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_every_test_result_line() {
        let out = b"running 2 tests\ntest result: ok. 2 passed; 0 failed; 1 ignored\n\
                    test result: FAILED. 3 passed; 1 failed; 0 ignored\n";
        assert_eq!(count_tests(out), (5, 1));
    }

    #[test]
    fn no_result_line_counts_nothing() {
        assert_eq!(count_tests(b"error: could not compile\n"), (0, 0));
    }
}
