//! Where things are, and installing what a fresh machine lacks.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::command::{cargo, run_streaming};

/// Which rustup toolchain a command runs on.
#[derive(Debug, Clone, Copy)]
pub enum Toolchain {
    Stable,
    Nightly,
}

/// A `no_std` tier target: Cortex-M4F, native CAS, no 64-bit atomics.
pub const NO_STD_TARGET: &str = "thumbv7em-none-eabihf";

/// A `no_std` tier target: Cortex-M0, loads and stores only, no CAS of any width.
pub const NO_CAS_TARGET: &str = "thumbv6m-none-eabi";

/// The workspace root (the parent of `xtask/`).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("xtask lives in the workspace").to_path_buf()
}

/// The host's target triple, which `-Zbuild-std` needs spelled out.
pub fn host_triple() -> Result<String, String> {
    let output = Command::new("rustc")
        .args(["+nightly", "-vV"])
        .output()
        .map_err(|e| format!("could not run rustc: {e}"))?;
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .find_map(|line| line.strip_prefix("host: ").map(str::to_string))
        .ok_or_else(|| "rustc -vV printed no host line".to_string())
}

fn rustup(args: &[&str]) -> Result<(), String> {
    let status = run_streaming(Command::new("rustup").args(args))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("rustup {} failed ({status})", args.join(" ")))
    }
}

/// The nightly toolchain with Miri and the standard library's source (for `-Zbuild-std`).
pub fn ensure_nightly_components() -> Result<(), String> {
    rustup(&["component", "add", "miri", "rust-src", "--toolchain", "nightly"])
}

/// The bare-metal targets of the `no_std` tier.
pub fn ensure_no_std_targets() -> Result<(), String> {
    rustup(&["target", "add", NO_STD_TARGET, NO_CAS_TARGET])
}

/// `cargo fuzz`, installed from crates.io when missing.
pub fn ensure_cargo_fuzz() -> Result<(), String> {
    let present =
        Command::new("cargo").args(["fuzz", "--version"]).output().is_ok_and(|out| out.status.success());
    if present {
        return Ok(());
    }
    let status = run_streaming(cargo(Toolchain::Stable).args(["install", "cargo-fuzz", "--locked"]))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("cargo install cargo-fuzz failed ({status})"))
    }
}

/// The fuzz targets: the files in `fuzz/fuzz_targets/`, by stem, sorted.
pub fn fuzz_targets() -> Vec<String> {
    files_with_prefix(&workspace_root().join("fuzz/fuzz_targets"), "")
}

/// `cargo +nightly fuzz run <target>` for at most `seconds`.
pub fn fuzz_run(target: &str, seconds: u64) -> Command {
    let mut fuzz = cargo(Toolchain::Nightly);
    fuzz.current_dir(workspace_root().join("fuzz"));
    fuzz.args(["fuzz", "run", target, "--", &format!("-max_total_time={seconds}")]);
    fuzz
}

/// The integration tests of `package_dir` whose file names start with `prefix`, as `--test NAME`
/// arguments.
pub fn test_args(package_dir: &str, prefix: &str) -> Vec<String> {
    files_with_prefix(&workspace_root().join(package_dir).join("tests"), prefix)
        .into_iter()
        .flat_map(|name| ["--test".to_string(), name])
        .collect()
}

/// Stems of the `.rs` files in `dir` that start with `prefix`, sorted; none if `dir` is missing.
fn files_with_prefix(dir: &Path, prefix: &str) -> Vec<String> {
    let mut stems: Vec<String> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .filter_map(|entry| {
            let path = entry.ok()?.path();
            let stem = path.file_stem()?.to_str()?.to_string();
            (path.extension()? == "rs" && stem.starts_with(prefix)).then_some(stem)
        })
        .collect();
    stems.sort();
    stems
}
