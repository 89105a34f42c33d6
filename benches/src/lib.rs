//! The measuring harness shared by the `compare` binary's rows.
//!
//! A row runs one workload on filch and on each peer in the same process, one after the other,
//! several times, and keeps the median and the spread. What the report shows is the ratio
//! filch / peer: absolute figures on a shared machine are noise, ratios taken in one run are not.
#![allow(missing_docs)]

pub mod rows;

use std::fmt::Write as _;
use std::time::Duration;

/// What the command line asked for.
#[derive(Debug, Clone)]
pub struct Config {
    /// Worker threads for the multi-threaded rows (rows that scale run 1, 2, 4, .. up to this).
    pub threads: usize,
    /// Fewer samples and smaller workloads, for a smoke run.
    pub quick: bool,
}

impl Config {
    /// Parses `--threads N` and `--quick`; panics with a usage line on anything else.
    pub fn from_args(args: impl IntoIterator<Item = String>) -> Config {
        let mut config =
            Config { threads: std::thread::available_parallelism().map_or(2, |n| n.get()), quick: false };
        let mut args = args.into_iter();
        while let Some(arg) = args.next() {
            match arg.as_str() {
                "--quick" => config.quick = true,
                "--threads" => {
                    config.threads = args
                        .next()
                        .and_then(|n| n.parse().ok())
                        .filter(|&n: &usize| n >= 1)
                        .expect("compare: --threads takes a whole number of at least 1");
                }
                other => {
                    panic!("compare: unknown argument {other:?}; usage: compare [--threads N] [--quick]")
                }
            }
        }
        config
    }

    /// How many timed samples a row takes.
    pub fn samples(&self) -> usize {
        if self.quick {
            3
        } else {
            11
        }
    }

    /// Thread counts to sweep: 1, 2, 4, .. and `threads` itself.
    pub fn thread_counts(&self) -> Vec<usize> {
        let mut counts: Vec<usize> =
            std::iter::successors(Some(1), |n| Some(n * 2)).take_while(|&n| n < self.threads).collect();
        counts.push(self.threads);
        counts
    }
}

/// Nanoseconds per operation over several samples.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Stats {
    pub median_ns: f64,
    pub min_ns: f64,
    pub max_ns: f64,
}

/// Runs `sample` `samples` times; each run performs `ops` operations and returns the time taken.
pub fn measure(samples: usize, ops: u64, mut sample: impl FnMut() -> Duration) -> Stats {
    assert!(samples >= 1 && ops >= 1, "filch-benches: measure: samples and ops must be at least 1");
    let mut per_op: Vec<f64> = (0..samples).map(|_| sample().as_nanos() as f64 / ops as f64).collect();
    per_op.sort_by(f64::total_cmp);
    Stats { median_ns: per_op[per_op.len() / 2], min_ns: per_op[0], max_ns: per_op[per_op.len() - 1] }
}

/// One workload measured on filch and its peers in the same run.
#[derive(Debug, Clone)]
pub struct Comparison {
    /// What was run, e.g. "deque push+pop pair (LIFO)".
    pub workload: String,
    pub threads: usize,
    pub filch: Stats,
    /// Each peer's name and figures.
    pub peers: Vec<(&'static str, Stats)>,
}

/// A markdown table: one line per comparison, with filch's median and its ratio to each peer.
pub fn markdown_table(comparisons: &[Comparison]) -> String {
    let mut table = String::from(
        "| workload | threads | filch ns/op (min..max) | peer | peer ns/op (min..max) | filch / peer |\n\
         |---|---|---|---|---|---|\n",
    );
    for row in comparisons {
        for (peer, stats) in &row.peers {
            let _ = writeln!(
                table,
                "| {} | {} | {} | {} | {} | {:.2} |",
                row.workload,
                row.threads,
                spread(&row.filch),
                peer,
                spread(stats),
                row.filch.median_ns / stats.median_ns,
            );
        }
    }
    table
}

fn spread(stats: &Stats) -> String {
    format!("{:.2} ({:.2}..{:.2})", stats.median_ns, stats.min_ns, stats.max_ns)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn measure_takes_the_median_per_op() {
        let mut times = [30u64, 10, 20].into_iter();
        let stats = measure(3, 10, || Duration::from_nanos(times.next().unwrap()));
        assert_eq!(stats, Stats { median_ns: 2.0, min_ns: 1.0, max_ns: 3.0 });
    }

    #[test]
    fn thread_counts_are_powers_of_two_then_the_maximum() {
        let config = Config { threads: 6, quick: true };
        assert_eq!(config.thread_counts(), vec![1, 2, 4, 6]);
        let config = Config { threads: 1, quick: true };
        assert_eq!(config.thread_counts(), vec![1]);
    }

    #[test]
    fn table_reports_the_ratio_of_medians() {
        let stats = |median_ns| Stats { median_ns, min_ns: median_ns, max_ns: median_ns };
        let table = markdown_table(&[Comparison {
            workload: "w".into(),
            threads: 1,
            filch: stats(5.0),
            peers: vec![("peer", stats(10.0))],
        }]);
        assert!(table.lines().nth(2).unwrap().ends_with("| 0.50 |"), "{table}");
    }

    #[test]
    #[should_panic(expected = "--threads takes a whole number")]
    fn zero_threads_is_refused() {
        Config::from_args(["--threads".to_string(), "0".to_string()]);
    }
}
