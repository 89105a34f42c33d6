//! What `compare --out DIR` writes: `report.md` (the ratios first, then the plots, every row with
//! its spread, the machine and the command), `results.csv` (one line per workload, thread count and
//! implementation) and one SVG per figure of [`crate::plot`].

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use crate::plot::{self, Figure};
use crate::{markdown_table, markdown_text, Comparison};

/// What the report says about how it was made.
#[derive(Debug, Clone)]
pub struct Run {
    /// The command line, as the user typed it.
    pub command: String,
    /// The `compare` command line it ran, where that differs (`cargo xtask bench` runs `compare`).
    pub ran: Option<String>,
    /// Timed samples per figure.
    pub samples: usize,
    /// The machine when the rows started.
    pub started: Moment,
}

/// The machine's date and load at one moment of the run.
#[derive(Debug, Clone)]
pub struct Moment {
    /// UTC, `YYYY-MM-DD hh:mm:ss UTC`.
    pub date: String,
    /// The 1, 5 and 15 minute load averages, where the OS tells them (`/proc/loadavg`).
    pub load: Option<String>,
}

impl Moment {
    /// The date and load now.
    pub fn now() -> Moment {
        let seconds = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |since| since.as_secs());
        let load = std::fs::read_to_string("/proc/loadavg")
            .ok()
            .map(|line| line.split_whitespace().take(3).collect::<Vec<_>>().join(" "));
        Moment { date: utc_date(seconds), load }
    }

    fn describe(&self) -> String {
        match &self.load {
            Some(load) => format!("{} (load average {load})", self.date),
            None => self.date.clone(),
        }
    }
}

/// Takes `--out DIR` out of the arguments: the directory, and the arguments left for
/// [`Config::from_args`](crate::Config::from_args).
///
/// An error when `--out` is the last argument.
pub fn split_out_dir(
    args: impl IntoIterator<Item = String>,
) -> Result<(Option<PathBuf>, Vec<String>), String> {
    let mut out = None;
    let mut rest = Vec::new();
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        if arg == "--out" {
            let dir = args.next().ok_or("--out takes a directory")?;
            out = Some(PathBuf::from(dir));
        } else {
            rest.push(arg);
        }
    }
    Ok((out, rest))
}

/// filch / peer for one pair: the ratio of medians.
fn ratio(row: &Comparison, peer: &crate::Stats) -> f64 {
    row.filch.median_ns / peer.median_ns
}

/// The summary that opens the report: one line per workload and thread count, the ratio to each
/// peer, then the geometric mean per peer.
pub fn ratio_summary(comparisons: &[Comparison]) -> String {
    let mut summary = String::from(
        "Ratios are filch / peer: filch's median ns per op divided by the peer's, measured in the same \
         run (the samples of filch and its peers taken in turns; each scheduler-row sample follows \
         a pause and an untimed run). Smaller is better: below 1.00 filch is \
         faster.\n\n\
         | workload | threads | filch / peer, per row |\n|---|---|---|\n",
    );
    for row in comparisons {
        let ratios: Vec<String> =
            row.peers.iter().map(|(peer, stats)| format!("{} {:.2}", peer, ratio(row, stats))).collect();
        let _ = writeln!(
            summary,
            "| {} | {} | {} |",
            markdown_text(&row.workload),
            row.threads,
            markdown_text(&ratios.join("; "))
        );
    }
    summary.push_str(
        "\nGeometric mean of filch / peer over every row the peer appears in (all workloads and \
         thread counts pooled, each row weighing the same):\n\n\
         | peer | rows | geometric mean |\n|---|---|---|\n",
    );
    for (peer, rows, mean) in geometric_means(comparisons) {
        let _ = writeln!(summary, "| {} | {rows} | {mean:.2} |", markdown_text(peer));
    }
    summary
}

/// Each peer's geometric mean of filch / peer, with the number of rows it pools, in order of first
/// appearance.
pub fn geometric_means(comparisons: &[Comparison]) -> Vec<(&'static str, usize, f64)> {
    let logs = comparisons
        .iter()
        .flat_map(|row| row.peers.iter().map(move |(peer, stats)| (*peer, ratio(row, stats).ln())));
    plot::grouped(logs)
        .into_iter()
        .map(|(peer, values)| (peer, values.len(), (values.iter().sum::<f64>() / values.len() as f64).exp()))
        .collect()
}

/// `results.csv`: a header, then one line per workload, thread count and implementation (filch
/// first) with the median, min and max ns per op.
pub fn csv(comparisons: &[Comparison]) -> String {
    let mut csv = String::from("workload,threads,implementation,median_ns,min_ns,max_ns\n");
    for row in comparisons {
        for (implementation, stats) in row.implementations() {
            let _ = writeln!(
                csv,
                "{},{},{},{},{},{}",
                csv_field(&row.workload),
                row.threads,
                csv_field(implementation),
                stats.median_ns,
                stats.min_ns,
                stats.max_ns
            );
        }
    }
    csv
}

/// A CSV field, quoted when it holds a comma, a quote or a line break (RFC 4180).
fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_string()
    }
}

/// Writes `report.md`, `results.csv` and the plots into `dir` (created if missing); returns the
/// path of `report.md`.
pub fn write(dir: &Path, comparisons: &[Comparison], run: &Run) -> Result<PathBuf, String> {
    let failed = |path: &Path, e: std::io::Error| format!("filch-benches: report: {}: {e}", path.display());
    std::fs::create_dir_all(dir).map_err(|e| failed(dir, e))?;
    let figures = plot::figures(comparisons);
    let mut plots = Vec::new();
    for (index, figure) in figures.iter().enumerate() {
        let name = figure.file_name(index + 1);
        plot::draw(figure, &dir.join(&name))?;
        plots.push((figure, name));
    }
    let csv_path = dir.join("results.csv");
    std::fs::write(&csv_path, csv(comparisons)).map_err(|e| failed(&csv_path, e))?;
    let report_path = dir.join("report.md");
    let text = report(comparisons, run, &Moment::now(), &plots);
    std::fs::write(&report_path, text).map_err(|e| failed(&report_path, e))?;
    Ok(report_path)
}

/// The text of `report.md`.
fn report(comparisons: &[Comparison], run: &Run, finished: &Moment, plots: &[(&Figure, String)]) -> String {
    let mut report = String::from("# filch against its peers\n\n");
    report.push_str(&ratio_summary(comparisons));
    report.push_str("\n## Machine and command\n\n");
    let parallelism = std::thread::available_parallelism().map_or(0, |n| n.get());
    let _ = write!(report, "- command: `{}`", run.command);
    let _ =
        writeln!(report, "{}", run.ran.as_ref().map_or(String::new(), |ran| format!(" (which ran `{ran}`)")));
    let _ = writeln!(
        report,
        "- machine: {parallelism} threads available (`available_parallelism`), {} {}{}{}",
        std::env::consts::OS,
        std::env::consts::ARCH,
        first_line("/proc/sys/kernel/osrelease").map_or(String::new(), |kernel| format!(", kernel {kernel}")),
        cpu_model().map_or(String::new(), |cpu| format!(", {cpu}")),
    );
    let _ = writeln!(report, "- started: {}", run.started.describe());
    let _ = writeln!(report, "- finished: {}", finished.describe());
    let _ = writeln!(report, "- samples per figure: {}; `results.csv` holds every figure", run.samples);
    if !plots.is_empty() {
        report.push_str("\n## Plots\n\n");
        for (figure, file) in plots {
            let _ = writeln!(report, "![{}]({file})\n", markdown_text(&figure.title));
        }
    }
    report.push_str("\n## Every row: median ns per op (min..max over the samples)\n\n");
    report.push_str(&markdown_table(comparisons));
    report
}

fn first_line(path: &str) -> Option<String> {
    let text = std::fs::read_to_string(path).ok()?;
    Some(text.lines().next()?.trim().to_string())
}

/// The CPU's model name, where `/proc/cpuinfo` tells it.
fn cpu_model() -> Option<String> {
    let info = std::fs::read_to_string("/proc/cpuinfo").ok()?;
    let line = info.lines().find(|line| line.starts_with("model name"))?;
    Some(line.split_once(':')?.1.trim().to_string())
}

/// `seconds` since the Unix epoch as a UTC date and time (the proleptic Gregorian calendar, by
/// counting 400-year eras of 146097 days from 0000-03-01).
fn utc_date(seconds: u64) -> String {
    let (days, second_of_day) = (seconds / 86_400, seconds % 86_400);
    let since_0000_03_01 = days + 719_468;
    let era = since_0000_03_01 / 146_097;
    let day_of_era = since_0000_03_01 % 146_097;
    let year_of_era = (day_of_era - day_of_era / 1_460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_from_march = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_from_march + 2) / 5 + 1;
    let month = if month_from_march < 10 { month_from_march + 3 } else { month_from_march - 9 };
    let year = era * 400 + year_of_era + u64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02} UTC",
        second_of_day / 3_600,
        second_of_day / 60 % 60,
        second_of_day % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plot::tests::test_dir;
    use crate::Stats;

    fn stats(median_ns: f64) -> Stats {
        Stats { median_ns, min_ns: median_ns - 1.0, max_ns: median_ns + 1.0 }
    }

    fn rows() -> Vec<Comparison> {
        vec![
            Comparison {
                workload: "push+pop pair".into(),
                threads: 1,
                filch: stats(10.0),
                peers: vec![("crossbeam", stats(20.0)), ("Mutex<VecDeque>", stats(5.0))],
            },
            Comparison {
                workload: "owner + 1 thieves, per item".into(),
                threads: 2,
                filch: stats(30.0),
                peers: vec![("crossbeam", stats(15.0))],
            },
            Comparison {
                workload: "owner + 3 thieves, per item".into(),
                threads: 4,
                filch: stats(40.0),
                peers: vec![("crossbeam", stats(40.0))],
            },
        ]
    }

    #[test]
    fn summary_lists_each_ratio_per_row_and_escapes_markup() {
        let summary = ratio_summary(&rows());
        assert!(summary.contains("Smaller is better"), "{summary}");
        assert!(
            summary.contains("| push+pop pair | 1 | crossbeam 0.50; Mutex&lt;VecDeque&gt; 2.00 |"),
            "{summary}"
        );
        assert!(summary.contains("| owner + 1 thieves, per item | 2 | crossbeam 2.00 |"), "{summary}");
    }

    #[test]
    fn geometric_mean_pools_every_row_of_a_peer() {
        let means = geometric_means(&rows());
        assert_eq!(means.len(), 2);
        // crossbeam: 0.5, 2.0 and 1.0 multiply to 1.
        assert_eq!((means[0].0, means[0].1), ("crossbeam", 3));
        assert!((means[0].2 - 1.0).abs() < 1e-12, "{means:?}");
        assert_eq!((means[1].0, means[1].1), ("Mutex<VecDeque>", 1));
        assert!((means[1].2 - 2.0).abs() < 1e-12, "{means:?}");
        let summary = ratio_summary(&rows());
        assert!(summary.contains("| crossbeam | 3 | 1.00 |"), "{summary}");
    }

    #[test]
    fn csv_has_a_line_per_implementation_with_quoted_workloads() {
        let csv = csv(&rows());
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(lines[0], "workload,threads,implementation,median_ns,min_ns,max_ns");
        assert_eq!(lines[1], "push+pop pair,1,filch,10,9,11");
        assert_eq!(lines[2], "push+pop pair,1,crossbeam,20,19,21");
        assert_eq!(lines[4], "\"owner + 1 thieves, per item\",2,filch,30,29,31");
        assert_eq!(lines.len(), 1 + 3 + 2 + 2);
        assert_eq!(csv_field("plain"), "plain");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("a \"b\", c"), "\"a \"\"b\"\", c\"");
    }

    #[test]
    fn out_dir_is_taken_out_of_the_arguments() {
        let args = ["--quick", "--out", "target/r", "--threads", "2"].map(String::from);
        let (out, rest) = split_out_dir(args).unwrap();
        assert_eq!(out, Some(PathBuf::from("target/r")));
        assert_eq!(rest, ["--quick", "--threads", "2"]);
        assert_eq!(split_out_dir(["--quick".to_string()]).unwrap().0, None);
        assert_eq!(split_out_dir(["--out".to_string()]).unwrap_err(), "--out takes a directory");
    }

    #[test]
    fn dates_are_utc_calendar_dates() {
        assert_eq!(utc_date(0), "1970-01-01 00:00:00 UTC");
        assert_eq!(utc_date(951_782_400), "2000-02-29 00:00:00 UTC");
        assert_eq!(utc_date(1_795_433_405), "2026-11-23 11:30:05 UTC");
        assert_eq!(utc_date(4_107_542_399), "2100-02-28 23:59:59 UTC");
    }

    #[test]
    fn report_opens_with_the_ratios_and_links_every_plot() {
        let dir = test_dir("report-test");
        let _ = std::fs::remove_dir_all(&dir);
        let run = Run {
            command: "cargo xtask bench --quick".into(),
            ran: Some("compare --quick".into()),
            samples: 3,
            started: Moment::now(),
        };
        let path = write(&dir, &rows(), &run).unwrap();
        let report = std::fs::read_to_string(&path).unwrap();
        let first_table_line = report.lines().find(|line| line.starts_with('|')).unwrap();
        assert_eq!(first_table_line, "| workload | threads | filch / peer, per row |");
        assert!(
            report.contains("- command: `cargo xtask bench --quick` (which ran `compare --quick`)\n"),
            "{report}"
        );
        assert!(report.contains("threads available (`available_parallelism`)"), "{report}");
        let plot = "01-owner-n-thieves-per-item-throughput-vs-threads.svg";
        assert!(report.contains(&format!("]({plot})")), "{report}");
        assert!(dir.join(plot).is_file());
        assert_eq!(std::fs::read_to_string(dir.join("results.csv")).unwrap(), csv(&rows()));
        assert!(report.ends_with(&markdown_table(&rows())), "{report}");
    }
}
