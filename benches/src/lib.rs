//! The measuring harness shared by the `compare` binary's rows, and the report it writes.
//!
//! A row runs one workload on filch and on each peer in the same process, several times, the
//! implementations taking turns ([`measure_in_turns`]), and keeps the median and the spread. What
//! the report shows is the ratio filch / peer: absolute figures on a shared machine are noise,
//! ratios taken in one run are not.
//!
//! - [`rows`]: the workloads, one module per primitive.
//! - [`report`]: `compare --out DIR` writes `report.md` (a table of ratios first), `results.csv`
//!   and the plots.
//! - [`plot`]: which rows make a figure (throughput or ns per op against threads, latency against
//!   percentile) and the SVGs, drawn with plotters.
//!
//! `cargo xtask bench [--threads N] [--quick]` builds and runs `compare` with
//! `--out target/filch-report`.
//!
//! ```
//! use std::hint::black_box;
//! use std::time::Instant;
//!
//! use filch_benches::{markdown_table, measure, report, Comparison};
//!
//! // Three samples of 1000 operations each, on filch's side and on a peer's.
//! let time = |op: fn(u64) -> u64| {
//!     measure(3, 1000, || {
//!         let start = Instant::now();
//!         (0..1000).for_each(|i| {
//!             black_box(op(black_box(i)));
//!         });
//!         start.elapsed()
//!     })
//! };
//! let filch = time(|i| i.wrapping_mul(3));
//! let peer = time(|i| i.rotate_left(7));
//! let rows = [Comparison { workload: "demo".into(), threads: 1, filch, peers: vec![("peer", peer)] }];
//! assert!(markdown_table(&rows).contains("| demo | 1 |"));
//! assert!(report::ratio_summary(&rows).contains("| demo | 1 | peer "));
//! assert_eq!(report::csv(&rows).lines().count(), 3);
//! ```

pub mod plot;
pub mod report;
pub mod rows;

use std::fmt::Write as _;
use std::time::Duration;

/// `compare`'s command line.
pub const USAGE: &str =
    "usage: compare [--threads N | --thread-counts N[,N..]] [--quick] [--only GROUP[,GROUP..]] [--out DIR]";

/// What the command line asked for.
#[derive(Debug, Clone)]
pub struct Config {
    /// Worker threads for the multi-threaded rows (rows that scale run 1, 2, 4, .. up to this).
    pub threads: usize,
    /// Fewer samples and smaller workloads, for a smoke run.
    pub quick: bool,
    /// Row groups to run (`deque`, `scheduler`, ..., the names in [`rows::GROUPS`]); empty: all.
    pub only: Vec<String>,
    /// The thread counts the scaling rows run at, ascending, when `--thread-counts` chose them
    /// (`threads` is then the largest); empty: 1, 2, 4, .. up to `threads`.
    pub counts: Vec<usize>,
}

impl Config {
    /// Parses `--threads N`, `--thread-counts N[,N..]`, `--quick` and `--only GROUP[,GROUP..]`;
    /// anything else, a group name that [`rows::GROUPS`] does not list, or both thread options,
    /// is an error that says what was wrong (the caller adds [`USAGE`]).
    pub fn from_args(args: impl IntoIterator<Item = String>) -> Result<Config, String> {
        let mut config = Config {
            threads: std::thread::available_parallelism().map_or(2, |n| n.get()),
            quick: false,
            only: Vec::new(),
            counts: Vec::new(),
        };
        let mut threads_given = false;
        let mut args = args.into_iter();
        while let Some(arg) = args.next() {
            match arg.as_str() {
                "--quick" => config.quick = true,
                "--threads" => {
                    config.threads = args
                        .next()
                        .and_then(|n| n.parse().ok())
                        .filter(|&n: &usize| n >= 1)
                        .ok_or("--threads takes a whole number of at least 1")?;
                    threads_given = true;
                }
                "--thread-counts" => {
                    let list = args.next().unwrap_or_default();
                    let counts: Option<Vec<usize>> =
                        list.split(',').map(|n| n.parse().ok().filter(|&n: &usize| n >= 1)).collect();
                    config.counts = counts.ok_or_else(|| {
                        format!("--thread-counts takes whole numbers of at least 1, as 4,16; not {list:?}")
                    })?;
                    config.counts.sort_unstable();
                    config.counts.dedup();
                }
                "--only" => {
                    let groups = args.next().ok_or("--only takes GROUP[,GROUP..]")?;
                    for group in groups.split(',') {
                        if !rows::group_names().contains(&group) {
                            return Err(format!(
                                "--only: unknown group {group:?}; the groups are {:?}",
                                rows::group_names()
                            ));
                        }
                        config.only.push(group.to_owned());
                    }
                }
                other => return Err(format!("unknown argument {other:?}")),
            }
        }
        if let Some(&largest) = config.counts.last() {
            if threads_given {
                return Err("give --threads or --thread-counts, not both".to_string());
            }
            config.threads = largest;
        }
        Ok(config)
    }

    /// How many timed samples a row takes.
    pub fn samples(&self) -> usize {
        if self.quick {
            3
        } else {
            11
        }
    }

    /// Whether the rows of `group` run.
    pub fn runs(&self, group: &str) -> bool {
        self.only.is_empty() || self.only.iter().any(|g| g == group)
    }

    /// Thread counts to sweep: those of `--thread-counts`, else 1, 2, 4, .. and `threads` itself.
    pub fn thread_counts(&self) -> Vec<usize> {
        if !self.counts.is_empty() {
            return self.counts.clone();
        }
        let mut counts: Vec<usize> =
            std::iter::successors(Some(1), |n| Some(n * 2)).take_while(|&n| n < self.threads).collect();
        counts.push(self.threads);
        counts
    }
}

/// Nanoseconds per operation over several samples.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Stats {
    /// The median sample.
    pub median_ns: f64,
    /// The fastest sample.
    pub min_ns: f64,
    /// The slowest sample.
    pub max_ns: f64,
}

impl Stats {
    /// The median, fastest and slowest of per-sample figures in ns per op.
    ///
    /// Panics if there is no figure.
    pub fn of_figures(mut per_op: Vec<f64>) -> Stats {
        assert!(!per_op.is_empty(), "filch-benches: Stats: no sample");
        per_op.sort_by(f64::total_cmp);
        Stats { median_ns: per_op[per_op.len() / 2], min_ns: per_op[0], max_ns: per_op[per_op.len() - 1] }
    }

    /// The figures of samples that each performed `ops` operations in the given times.
    ///
    /// Panics if there is no sample or `ops` is 0.
    pub fn of_samples(ops: u64, times: impl IntoIterator<Item = Duration>) -> Stats {
        assert!(ops >= 1, "filch-benches: Stats::of_samples: ops must be at least 1");
        Stats::of_figures(times.into_iter().map(|time| time.as_nanos() as f64 / ops as f64).collect())
    }
}

/// Runs `sample` `samples` times; each run performs `ops` operations and returns the time taken.
pub fn measure(samples: usize, ops: u64, mut sample: impl FnMut() -> Duration) -> Stats {
    assert!(samples >= 1, "filch-benches: measure: samples must be at least 1");
    Stats::of_samples(ops, (0..samples).map(|_| sample()))
}

/// Runs every implementation of one workload `samples` times, in turns: each round runs one sample
/// of each, round `r` starting from implementation `r % n`. Returns their figures in the order of
/// `runs`.
///
/// Whatever drifts while a row runs (another process's load, the allocator's state, the clock
/// speed) then falls on every implementation alike. Run one after the other instead, the first
/// pays for a fresh process: on a burst of a million pushes and pops filch's deque measured first
/// took 1.12-1.16 times crossbeam's time, and 0.80-1.00 times when measured second
/// (`benches/RESULTS.md`, "Samples in turns").
///
/// Panics if `runs` is empty or `samples` or `ops` is 0.
pub fn measure_in_turns(samples: usize, ops: u64, runs: &mut [&mut dyn FnMut() -> Duration]) -> Vec<Stats> {
    assert!(samples >= 1 && !runs.is_empty(), "filch-benches: measure_in_turns: nothing to run");
    let mut times = vec![Vec::with_capacity(samples); runs.len()];
    for round in 0..samples {
        for turn in 0..runs.len() {
            let which = (round + turn) % runs.len();
            times[which].push(runs[which]());
        }
    }
    times.into_iter().map(|times| Stats::of_samples(ops, times)).collect()
}

/// One workload measured on filch and its peers in the same run.
#[derive(Debug, Clone)]
pub struct Comparison {
    /// What was run, e.g. "deque push+pop pair (LIFO)".
    pub workload: String,
    /// Threads the workload ran on (the x of the report's scaling plots).
    pub threads: usize,
    /// Filch's figures.
    pub filch: Stats,
    /// Each peer's name and figures.
    pub peers: Vec<(&'static str, Stats)>,
}

impl Comparison {
    /// Measures `filch` and each peer on one workload in turns ([`measure_in_turns`]); every
    /// sample performs `ops` operations.
    pub fn in_turns<'a>(
        workload: impl Into<String>,
        threads: usize,
        samples: usize,
        ops: u64,
        filch: &'a mut dyn FnMut() -> Duration,
        peers: Vec<(&'static str, &'a mut dyn FnMut() -> Duration)>,
    ) -> Comparison {
        let (names, mut runs): (Vec<&'static str>, Vec<&'a mut dyn FnMut() -> Duration>) =
            std::iter::once(("filch", filch)).chain(peers).unzip();
        let mut stats = measure_in_turns(samples, ops, &mut runs).into_iter();
        let filch = stats.next().expect("one figure per implementation");
        Comparison {
            workload: workload.into(),
            threads,
            filch,
            peers: names[1..].iter().copied().zip(stats).collect(),
        }
    }

    /// Filch's figures, then each peer's, with their names.
    pub fn implementations(&self) -> impl Iterator<Item = (&'static str, &Stats)> {
        std::iter::once(("filch", &self.filch)).chain(self.peers.iter().map(|(peer, stats)| (*peer, stats)))
    }
}

/// A markdown table: one line per comparison and peer, with both sides' figures, the ratio of
/// their medians (the report's ratio) and the ratio of their fastest samples.
///
/// The fastest sample is the one the machine disturbed least: on a single-threaded row it is the
/// steadiest figure a noisy machine gives (Chen and Revels, "Robust benchmarking in noisy
/// environments", 2016), where the median moves with whichever of its modes the samples fell in
/// (`benches/RESULTS.md`, "Samples in turns"). On a contended row the fastest sample may be a
/// lucky schedule instead.
pub fn markdown_table(comparisons: &[Comparison]) -> String {
    let mut table = String::from(MARKDOWN_TABLE_HEAD);
    for row in comparisons {
        table.push_str(&markdown_lines(row));
    }
    table
}

/// The head of [`markdown_table`]: its column names and the separator line.
pub const MARKDOWN_TABLE_HEAD: &str =
    "| workload | threads | filch ns/op (min..max) | peer | peer ns/op (min..max) | \
                                       filch / peer | fastest / fastest |\n|---|---|---|---|---|---|---|\n";

/// The lines of [`markdown_table`] for one comparison, one per peer: what `compare` prints as
/// soon as the row is measured.
pub fn markdown_lines(row: &Comparison) -> String {
    let mut lines = String::new();
    for (peer, stats) in &row.peers {
        let _ = writeln!(
            lines,
            "| {} | {} | {} | {} | {} | {:.2} | {:.2} |",
            markdown_text(&row.workload),
            row.threads,
            spread(&row.filch),
            markdown_text(peer),
            spread(stats),
            row.filch.median_ns / stats.median_ns,
            row.filch.min_ns / stats.min_ns,
        );
    }
    lines
}

/// `text` for a markdown table cell: `<`, `>` and `&` as entities (a renderer would take
/// `Mutex<VecDeque>` for an HTML tag and hide it), `|` escaped.
pub fn markdown_text(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('|', "\\|")
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
    fn samples_in_turns_rotate_who_goes_first_and_keep_each_ones_times() {
        let order = std::cell::RefCell::new(Vec::new());
        let sample = |who: u64| {
            let order = &order;
            move || {
                order.borrow_mut().push(who);
                // Implementation `who`'s k-th sample takes (who + 1) * 10 + k ns.
                let k = order.borrow().iter().filter(|&&w| w == who).count() as u64;
                Duration::from_nanos((who + 1) * 10 + k)
            }
        };
        let (mut a, mut b, mut c) = (sample(0), sample(1), sample(2));
        let stats = measure_in_turns(4, 1, &mut [&mut a, &mut b, &mut c]);
        assert_eq!(order.into_inner(), [0, 1, 2, 1, 2, 0, 2, 0, 1, 0, 1, 2]);
        assert_eq!(stats[0], Stats { median_ns: 13.0, min_ns: 11.0, max_ns: 14.0 });
        assert_eq!(stats[2], Stats { median_ns: 33.0, min_ns: 31.0, max_ns: 34.0 });
        let row = Comparison::in_turns(
            "w",
            2,
            3,
            1,
            &mut || Duration::from_nanos(5),
            vec![("p", &mut || Duration::from_nanos(7))],
        );
        assert_eq!((row.workload.as_str(), row.threads, row.filch.median_ns), ("w", 2, 5.0));
        assert_eq!((row.peers[0].0, row.peers[0].1.median_ns), ("p", 7.0));
    }

    #[test]
    fn thread_counts_are_powers_of_two_then_the_maximum() {
        let config = Config { threads: 6, quick: true, only: Vec::new(), counts: Vec::new() };
        assert_eq!(config.thread_counts(), vec![1, 2, 4, 6]);
        let config = Config { threads: 1, quick: true, only: Vec::new(), counts: Vec::new() };
        assert_eq!(config.thread_counts(), vec![1]);
    }

    #[test]
    fn thread_counts_can_be_chosen() {
        let args = |list: &[&str]| list.iter().map(|arg| arg.to_string()).collect::<Vec<_>>();
        let config = Config::from_args(args(&["--thread-counts", "16,4,16"])).unwrap();
        assert_eq!((config.thread_counts(), config.threads), (vec![4, 16], 16));
        for bad in [&["--thread-counts", "4,0"][..], &["--thread-counts", "4,x"], &["--thread-counts"]] {
            let message = Config::from_args(args(bad)).unwrap_err();
            assert!(message.contains("--thread-counts takes whole numbers"), "{message}");
        }
        let both = Config::from_args(args(&["--threads", "8", "--thread-counts", "4"])).unwrap_err();
        assert!(both.contains("not both"), "{both}");
    }

    #[test]
    fn only_picks_row_groups_by_name() {
        let args = |list: &[&str]| list.iter().map(|arg| arg.to_string()).collect::<Vec<_>>();
        let config = Config::from_args(args(&["--only", "deque,sleep", "--quick"])).unwrap();
        assert!(config.runs("deque") && config.runs("sleep"));
        assert!(!config.runs("scheduler"));
        assert!(Config::from_args(args(&[])).unwrap().runs("scheduler"));
    }

    #[test]
    fn bad_arguments_say_what_was_wrong() {
        let error = |list: &[&str]| Config::from_args(list.iter().map(|arg| arg.to_string())).unwrap_err();
        assert!(error(&["--only", "dequeue"]).contains("unknown group \"dequeue\""));
        assert!(error(&["--only"]).contains("--only takes GROUP"));
        assert!(error(&["--threads", "0"]).contains("--threads takes a whole number"));
        assert!(error(&["--threads"]).contains("--threads takes a whole number"));
        assert_eq!(error(&["--quick", "--fast"]), "unknown argument \"--fast\"");
    }

    #[test]
    fn table_reports_the_ratios_of_medians_and_of_fastest_samples() {
        let stats = |min_ns, median_ns| Stats { median_ns, min_ns, max_ns: median_ns };
        let table = markdown_table(&[Comparison {
            workload: "w".into(),
            threads: 1,
            filch: stats(4.0, 5.0),
            peers: vec![("peer", stats(5.0, 10.0))],
        }]);
        assert!(table.lines().next().unwrap().ends_with("| filch / peer | fastest / fastest |"), "{table}");
        assert!(table.lines().nth(2).unwrap().ends_with("| 0.50 | 0.80 |"), "{table}");
    }

    #[test]
    fn markdown_text_escapes_what_a_renderer_would_eat() {
        assert_eq!(markdown_text("Mutex<VecDeque> | a & b"), "Mutex&lt;VecDeque&gt; \\| a &amp; b");
    }
}
