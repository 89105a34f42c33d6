//! Which rows make a figure, and drawing each figure as an SVG with plotters.
//!
//! Rows carry no plot hints; the figures are derived from what they return.
//! - A *scaling* figure for every workload measured at two or more thread counts. Workload names
//!   are compared with their numbers taken out; a number that changes with the thread count, and
//!   only with it (the `3` of "owner + 3 thieves"), is a thread parameter and the title shows it
//!   as `N`. Such a workload grows with the threads and is plotted as throughput (ops/s, larger is
//!   better). A workload whose name is the same at every thread count (fork-join: one problem,
//!   more workers) is plotted as ns per op (per join, per node or per element as the row says;
//!   smaller is better), the time its caller waits.
//! - A *percentile* figure for rows that differ only by a `pNN` word (wake-up latency p50, p99 at
//!   the same thread count): one line per implementation over the percentiles it has.
//!
//! Each implementation is one line through the medians; error bars span the min..max of the
//! samples. A thread or ns axis whose values span more than about a decade is logarithmic; the
//! percentile axis is always linear.

use std::path::Path;

use plotters::coord::ranged1d::{AsRangedCoord, ValueFormatter};
use plotters::coord::Shift;
use plotters::prelude::*;

use crate::{Comparison, Stats};

/// How a figure turns ns per op into the plotted value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Measure {
    /// Nanoseconds per operation as measured (smaller is better).
    NsPerOp,
    /// Operations per second, `1e9 / ns per op` (larger is better).
    Throughput,
}

impl Measure {
    /// The plotted (low, middle, high) of `stats`: the median in the middle, the spread around it.
    pub fn values(self, stats: &Stats) -> (f64, f64, f64) {
        match self {
            Measure::NsPerOp => (stats.min_ns, stats.median_ns, stats.max_ns),
            Measure::Throughput => (1e9 / stats.max_ns, 1e9 / stats.median_ns, 1e9 / stats.min_ns),
        }
    }

    fn axis_label(self) -> &'static str {
        match self {
            Measure::NsPerOp => "ns per op (smaller is better)",
            Measure::Throughput => "ops per second (larger is better)",
        }
    }
}

/// What a figure's x axis counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Axis {
    /// The row's thread count.
    Threads,
    /// The percentile a row names (`p50`, `p99`).
    Percentile,
}

impl Axis {
    fn label(self) -> &'static str {
        match self {
            Axis::Threads => "threads",
            Axis::Percentile => "percentile",
        }
    }

    fn tick(self, x: f64) -> String {
        match self {
            Axis::Threads => compact(x),
            Axis::Percentile => format!("p{}", compact(x)),
        }
    }
}

/// One implementation's points in a figure.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    /// "filch" or the peer's name.
    pub implementation: String,
    /// `(x, figures at x)`, sorted by x.
    pub points: Vec<(f64, Stats)>,
}

/// One plot: a title, an x axis and one series per implementation.
#[derive(Debug, Clone, PartialEq)]
pub struct Figure {
    /// What was run and what is plotted against what.
    pub title: String,
    /// What x counts.
    pub x: Axis,
    /// How the y axis shows the figures.
    pub measure: Measure,
    /// Filch first, then each peer in the order the rows name them.
    pub series: Vec<Series>,
}

impl Figure {
    /// A file name for the figure: `index`, then the title in lowercase letters, digits and dashes.
    pub fn file_name(&self, index: usize) -> String {
        let mut slug = String::new();
        for c in self.title.chars().map(|c| c.to_ascii_lowercase()) {
            if c.is_ascii_alphanumeric() {
                slug.push(c);
            } else if !slug.is_empty() && !slug.ends_with('-') {
                slug.push('-');
            }
        }
        if slug.len() > 72 {
            // Cut at a dash, not inside a word.
            let cut = slug[..72].rfind('-').unwrap_or(72);
            slug.truncate(cut);
        }
        format!("{index:02}-{}.svg", slug.trim_end_matches('-'))
    }
}

/// Every figure the rows allow: the scaling figures in row order, then the percentile figures.
///
/// ```
/// use filch_benches::plot::{figures, Axis, Measure};
/// use filch_benches::{Comparison, Stats};
///
/// let stats = |ns| Stats { median_ns: ns, min_ns: ns, max_ns: ns };
/// let row = |thieves: usize, ns| Comparison {
///     workload: format!("owner + {thieves} thieves, per item"),
///     threads: thieves + 1,
///     filch: stats(ns),
///     peers: vec![("crossbeam-deque", stats(2.0 * ns))],
/// };
/// let figures = figures(&[row(1, 10.0), row(3, 20.0)]);
/// assert_eq!(figures[0].title, "owner + N thieves, per item: throughput vs threads");
/// assert_eq!((figures[0].x, figures[0].measure), (Axis::Threads, Measure::Throughput));
/// assert_eq!(figures[0].series[1].implementation, "crossbeam-deque");
/// ```
pub fn figures(comparisons: &[Comparison]) -> Vec<Figure> {
    let mut figures = scaling_figures(comparisons);
    figures.extend(percentile_figures(comparisons));
    figures
}

/// A workload name cut at its digit runs: `texts` around `numbers` (one more text than numbers).
struct Shape<'a> {
    texts: Vec<&'a str>,
    numbers: Vec<&'a str>,
}

impl<'a> Shape<'a> {
    fn of(workload: &'a str) -> Self {
        let mut shape = Shape { texts: Vec::new(), numbers: Vec::new() };
        let mut rest = workload;
        while let Some(start) = rest.find(|c: char| c.is_ascii_digit()) {
            let len = rest[start..].find(|c: char| !c.is_ascii_digit()).unwrap_or(rest.len() - start);
            shape.texts.push(&rest[..start]);
            shape.numbers.push(&rest[start..start + len]);
            rest = &rest[start + len..];
        }
        shape.texts.push(rest);
        shape
    }

    /// The name with the numbers at `hidden` positions written `N`.
    fn name(&self, hidden: &[bool]) -> String {
        let mut name = String::from(self.texts[0]);
        for (i, number) in self.numbers.iter().enumerate() {
            name.push_str(if hidden[i] { "N" } else { number });
            name.push_str(self.texts[i + 1]);
        }
        name
    }
}

/// Groups rows into workloads measured across thread counts (see the module docs).
fn scaling_figures(comparisons: &[Comparison]) -> Vec<Figure> {
    // Rows whose names agree once the numbers are taken out.
    let skeletons = grouped(comparisons.iter().map(|row| {
        let shape = Shape::of(&row.workload);
        (shape.texts.clone(), (row, shape))
    }));
    let mut figures = Vec::new();
    for (texts, rows) in &skeletons {
        let hidden: Vec<bool> = (0..texts.len() - 1).map(|i| is_thread_parameter(rows, i)).collect();
        let measure = if hidden.contains(&true) { Measure::Throughput } else { Measure::NsPerOp };
        for (name, members) in grouped(rows.iter().map(|(row, shape)| (shape.name(&hidden), *row))) {
            let mut threads: Vec<usize> = members.iter().map(|row| row.threads).collect();
            threads.sort_unstable();
            threads.dedup();
            if threads.len() >= 2 {
                let what = match measure {
                    Measure::Throughput => "throughput",
                    Measure::NsPerOp => "ns per op",
                };
                figures.push(Figure {
                    title: format!("{name}: {what} vs threads"),
                    x: Axis::Threads,
                    measure,
                    series: series_of(members.iter().map(|row| (row.threads as f64, *row))),
                });
            }
        }
    }
    figures
}

/// Whether the number at `position` changes with the thread count and only with it: it takes more
/// than one value, and rows at equal thread counts agree on it.
fn is_thread_parameter(rows: &[(&Comparison, Shape)], position: usize) -> bool {
    let number = |i: usize| rows[i].1.numbers[position];
    let varies = (0..rows.len()).any(|i| number(i) != number(0));
    let follows_threads = (0..rows.len())
        .all(|i| (0..rows.len()).all(|j| rows[i].0.threads != rows[j].0.threads || number(i) == number(j)));
    varies && follows_threads
}

/// The percentile a workload names as a `pNN` word, and the workload without that word.
fn percentile_of(workload: &str) -> Option<(f64, String)> {
    let words: Vec<&str> = workload.split(' ').collect();
    let (at, percentile) = words.iter().enumerate().find_map(|(i, word)| {
        let digits = word.strip_prefix('p')?.trim_end_matches([',', ';', ':']);
        let percentile: f64 =
            digits.parse().ok().filter(|_| digits.starts_with(|c: char| c.is_ascii_digit()))?;
        (percentile > 0.0 && percentile < 100.0).then_some((i, percentile))
    })?;
    let rest: Vec<&str> = words.iter().enumerate().filter(|&(i, _)| i != at).map(|(_, word)| *word).collect();
    Some((percentile, rest.join(" ")))
}

/// Groups rows that differ only by their percentile word, at the same thread count.
fn percentile_figures(comparisons: &[Comparison]) -> Vec<Figure> {
    let with_percentiles = comparisons.iter().filter_map(|row| {
        let (percentile, rest) = percentile_of(&row.workload)?;
        Some(((rest, row.threads), (percentile, row)))
    });
    grouped(with_percentiles)
        .into_iter()
        .filter(|(_, members)| members.iter().any(|&(p, _)| p != members[0].0))
        .map(|((rest, threads), members)| Figure {
            title: format!("{rest}, {threads} threads: ns by percentile"),
            x: Axis::Percentile,
            measure: Measure::NsPerOp,
            series: series_of(members),
        })
        .collect()
}

/// One series per implementation over `rows`, each row's figures at its x.
fn series_of<'a>(rows: impl IntoIterator<Item = (f64, &'a Comparison)>) -> Vec<Series> {
    let points = rows.into_iter().flat_map(|(x, row)| {
        row.implementations().map(move |(implementation, stats)| (implementation, (x, *stats)))
    });
    grouped(points)
        .into_iter()
        .map(|(implementation, mut points)| {
            points.sort_by(|a, b| a.0.total_cmp(&b.0));
            Series { implementation: implementation.to_string(), points }
        })
        .collect()
}

/// The values of equal keys gathered, keys in order of first appearance (a few dozen rows: a
/// linear search is enough and keeps the report in row order).
pub(crate) fn grouped<K: PartialEq, V>(items: impl IntoIterator<Item = (K, V)>) -> Vec<(K, Vec<V>)> {
    let mut groups: Vec<(K, Vec<V>)> = Vec::new();
    for (key, value) in items {
        match groups.iter_mut().find(|(group, _)| *group == key) {
            Some((_, values)) => values.push(value),
            None => groups.push((key, vec![value])),
        }
    }
    groups
}

/// The SVG's size in pixels.
const SIZE: (u32, u32) = (1000, 520);

/// Width of the legend column on the right, in pixels.
const LEGEND_WIDTH: u32 = 260;

/// Draws `figure` into an SVG file at `path`.
pub fn draw(figure: &Figure, path: &Path) -> Result<(), String> {
    let failed = |e: &dyn std::fmt::Display| format!("filch-benches: plot {}: {e}", path.display());
    let (mut x_low, mut x_high, mut y_low, mut y_high) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
    for (x, stats) in figure.series.iter().flat_map(|s| &s.points) {
        let (low, _, high) = figure.measure.values(stats);
        (x_low, x_high) = (x_low.min(*x), x_high.max(*x));
        (y_low, y_high) = (y_low.min(low), y_high.max(high));
    }
    if !(x_low < x_high && y_low <= y_high && y_high.is_finite()) {
        return Err(failed(&format!("nothing to plot in {:?}", figure.title)));
    }
    let root = SVGBackend::new(path, SIZE).into_drawing_area();
    root.fill(&WHITE).map_err(|e| failed(&e))?;
    let root = root.titled(&figure.title, ("sans-serif", 18)).map_err(|e| failed(&e))?;
    let (chart, legend) = root.split_horizontally(SIZE.0 - LEGEND_WIDTH);
    // Percentiles stay linear: p10..p99.9 on a log axis would squeeze the tail into one corner.
    let x_log = figure.x == Axis::Threads && x_low > 0.0 && x_high / x_low >= 8.0;
    let y_log = y_low > 0.0 && y_high / y_low >= 12.0;
    let x_linear = x_low - (x_high - x_low) * 0.05..x_high + (x_high - x_low) * 0.05;
    let x_spaced = (x_low / 1.15..x_high * 1.15).log_scale().base(2.0);
    let y_linear = 0.0..y_high * 1.08;
    let y_spaced = (y_low / 1.5..y_high * 1.5).log_scale();
    // On a linear thread axis, one label per whole thread count (so none falls between two).
    let x_ticks = match figure.x {
        Axis::Threads if !x_log => (x_high - x_low).round() as usize + 1,
        _ => 10,
    };
    match (x_log, y_log) {
        (false, false) => draw_chart(&chart, figure, x_ticks, x_linear, y_linear),
        (false, true) => draw_chart(&chart, figure, x_ticks, x_linear, y_spaced),
        (true, false) => draw_chart(&chart, figure, x_ticks, x_spaced, y_linear),
        (true, true) => draw_chart(&chart, figure, x_ticks, x_spaced, y_spaced),
    }
    .map_err(|e| failed(&e))?;
    draw_legend(&legend, figure, y_log).map_err(|e| failed(&e))?;
    root.present().map_err(|e| failed(&e))
}

type DrawResult = Result<(), DrawingAreaErrorKind<<SVGBackend<'static> as DrawingBackend>::ErrorType>>;

/// The axes, one line per series through the medians, and min..max error bars.
fn draw_chart<X, Y>(
    area: &DrawingArea<SVGBackend, Shift>,
    figure: &Figure,
    x_ticks: usize,
    x: X,
    y: Y,
) -> DrawResult
where
    X: AsRangedCoord<Value = f64>,
    Y: AsRangedCoord<Value = f64>,
    X::CoordDescType: ValueFormatter<f64>,
    Y::CoordDescType: ValueFormatter<f64>,
{
    let mut chart = ChartBuilder::on(area)
        .margin(12)
        .x_label_area_size(44)
        .y_label_area_size(72)
        .build_cartesian_2d(x, y)?;
    chart
        .configure_mesh()
        .x_labels(x_ticks)
        .x_max_light_lines(0)
        .x_desc(figure.x.label())
        .y_desc(figure.measure.axis_label())
        .x_label_formatter(&|x| figure.x.tick(*x))
        .y_label_formatter(&|y| compact(*y))
        .y_max_light_lines(4)
        .label_style(("sans-serif", 13))
        .axis_desc_style(("sans-serif", 14))
        .draw()?;
    for (index, series) in figure.series.iter().enumerate() {
        let color = Palette99::pick(index).to_rgba();
        let values: Vec<(f64, (f64, f64, f64))> =
            series.points.iter().map(|(x, stats)| (*x, figure.measure.values(stats))).collect();
        chart.draw_series(
            LineSeries::new(values.iter().map(|&(x, (_, mid, _))| (x, mid)), color.stroke_width(2))
                .point_size(3),
        )?;
        chart.draw_series(
            values.iter().map(|&(x, (low, mid, high))| ErrorBar::new_vertical(x, low, mid, high, color, 8)),
        )?;
    }
    Ok(())
}

/// One swatch and name per series, and what the bars and the scale mean.
fn draw_legend(area: &DrawingArea<SVGBackend, Shift>, figure: &Figure, y_log: bool) -> DrawResult {
    let text = ("sans-serif", 14).into_font();
    let mut y = 30;
    for (index, series) in figure.series.iter().enumerate() {
        let color = Palette99::pick(index).to_rgba();
        area.draw(&PathElement::new(vec![(8, y), (40, y)], color.stroke_width(3)))?;
        area.draw(&Text::new(series.implementation.clone(), (48, y - 8), text.clone()))?;
        y += 24;
    }
    y += 12;
    let notes = ["line: median of the samples", "bars: min..max of the samples"];
    for note in notes.into_iter().chain(y_log.then_some("y axis: logarithmic")) {
        area.draw(&Text::new(note, (8, y), ("sans-serif", 12).into_font().color(&BLACK.mix(0.7))))?;
        y += 18;
    }
    Ok(())
}

/// A tick label: at most three significant digits, with k, M or G for thousands and up.
fn compact(value: f64) -> String {
    let (scaled, suffix) = [(1e9, "G"), (1e6, "M"), (1e3, "k")]
        .into_iter()
        .find(|&(unit, _)| value.abs() >= unit)
        .map_or((value, ""), |(unit, suffix)| (value / unit, suffix));
    let digits = if scaled.abs() >= 100.0 || scaled == scaled.round() {
        0
    } else if scaled.abs() >= 10.0 {
        1
    } else {
        2
    };
    let text = format!("{scaled:.digits$}");
    let text = if text.contains('.') { text.trim_end_matches('0').trim_end_matches('.') } else { &text };
    format!("{text}{suffix}")
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    fn stats(median_ns: f64) -> Stats {
        Stats { median_ns, min_ns: median_ns * 0.9, max_ns: median_ns * 1.2 }
    }

    /// A scratch directory under the target directory the tests were built in.
    pub(crate) fn test_dir(name: &str) -> std::path::PathBuf {
        let exe = std::env::current_exe().unwrap();
        let dir = exe.parent().unwrap().join("filch-benches-tests").join(name);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn row(workload: &str, threads: usize, filch: f64, peer: f64) -> Comparison {
        Comparison {
            workload: workload.into(),
            threads,
            filch: stats(filch),
            peers: vec![("peer", stats(peer))],
        }
    }

    #[test]
    fn a_number_that_follows_the_threads_is_a_parameter_and_makes_a_throughput_figure() {
        let rows = [
            row("owner + 3 thieves, per item", 4, 20.0, 18.0),
            row("push+pop pair", 1, 1.0, 1.0),
            row("owner + 1 thieves, per item", 2, 10.0, 12.0),
        ];
        let figures = figures(&rows);
        assert_eq!(figures.len(), 1, "{figures:?}");
        let figure = &figures[0];
        assert_eq!(figure.title, "owner + N thieves, per item: throughput vs threads");
        // Points run left to right whatever the row order.
        assert_eq!(figure.measure, Measure::Throughput);
        let names: Vec<&str> = figure.series.iter().map(|s| s.implementation.as_str()).collect();
        assert_eq!(names, ["filch", "peer"]);
        assert_eq!(figure.series[0].points, vec![(2.0, stats(10.0)), (4.0, stats(20.0))]);
        assert_eq!(figure.series[1].points, vec![(2.0, stats(12.0)), (4.0, stats(18.0))]);
    }

    #[test]
    fn a_name_repeated_at_each_thread_count_makes_an_ns_per_op_figure_per_size() {
        let rows = [
            row("tree sum, 1023 nodes", 1, 5.0, 6.0),
            row("tree sum, 262144 nodes", 1, 3.0, 4.0),
            row("fib(25), join per call", 1, 3.0, 4.0),
            row("tree sum, 1023 nodes", 2, 4.0, 5.0),
            row("tree sum, 262144 nodes", 2, 2.0, 3.0),
            row("fib(25), join per call", 2, 3.0, 4.0),
        ];
        let figures = figures(&rows);
        let titles: Vec<&str> = figures.iter().map(|f| f.title.as_str()).collect();
        assert_eq!(
            titles,
            [
                "tree sum, 1023 nodes: ns per op vs threads",
                "tree sum, 262144 nodes: ns per op vs threads",
                "fib(25), join per call: ns per op vs threads"
            ]
        );
        assert!(figures.iter().all(|f| f.measure == Measure::NsPerOp));
        assert_eq!(figures[1].series[0].points, vec![(1.0, stats(3.0)), (2.0, stats(2.0))]);
    }

    #[test]
    fn a_workload_at_one_thread_count_or_one_percentile_makes_no_figure() {
        let rows = [
            row("idle pool, 250ms", 2, 1.0, 2.0),
            row("pair", 1, 1.0, 2.0),
            row("pair", 1, 1.0, 2.0),
            row("latency p50 alone", 2, 1.0, 2.0),
        ];
        assert_eq!(figures(&rows), Vec::new());
    }

    #[test]
    fn percentile_rows_make_a_distribution_figure_per_thread_count() {
        let rows = [
            row("wake-up latency p50 (notify -> sleeper runs)", 2, 900.0, 1000.0),
            row("wake-up latency p99 (notify -> sleeper runs)", 2, 9000.0, 8000.0),
            row("injector MPMC 1p/1c, per item", 2, 1.0, 1.0),
        ];
        let figures = figures(&rows);
        assert_eq!(figures.len(), 1, "{figures:?}");
        assert_eq!(figures[0].title, "wake-up latency (notify -> sleeper runs), 2 threads: ns by percentile");
        assert_eq!(figures[0].x, Axis::Percentile);
        assert_eq!(figures[0].series[1].points, vec![(50.0, stats(1000.0)), (99.0, stats(8000.0))]);
    }

    #[test]
    fn percentile_words_are_found_only_as_whole_words() {
        assert_eq!(percentile_of("latency p99.9, idle"), Some((99.9, "latency idle".to_string())));
        assert_eq!(percentile_of("injector MPMC 2p/2c"), None);
        assert_eq!(percentile_of("pinf and pnan and p100"), None);
    }

    #[test]
    fn throughput_inverts_the_spread() {
        let values = Measure::Throughput.values(&Stats { median_ns: 2.0, min_ns: 1.0, max_ns: 4.0 });
        assert_eq!(values, (2.5e8, 5e8, 1e9));
    }

    #[test]
    fn file_names_are_numbered_slugs() {
        let figure = Figure {
            title: "injector MPMC Np/Nc, per item: throughput vs threads".into(),
            x: Axis::Threads,
            measure: Measure::Throughput,
            series: Vec::new(),
        };
        assert_eq!(figure.file_name(3), "03-injector-mpmc-np-nc-per-item-throughput-vs-threads.svg");
        let long = Figure { title: "word ".repeat(20), ..figure };
        assert_eq!(long.file_name(12), format!("12-{}word.svg", "word-".repeat(13)));
    }

    #[test]
    fn tick_labels_are_compact() {
        let labels: Vec<String> =
            [0.5, 2.0, 12.5, 1500.0, 25_000_000.0, 3e9].into_iter().map(compact).collect();
        assert_eq!(labels, ["0.5", "2", "12.5", "1.5k", "25M", "3G"]);
    }

    #[test]
    fn a_figure_is_drawn_as_an_svg_with_its_title_axes_and_legend() {
        let rows = [row("fib, join per call", 1, 40.0, 30.0), row("fib, join per call", 2, 25.0, 2000.0)];
        let figure = &figures(&rows)[0];
        let dir = test_dir("plot-test");
        let path = dir.join(figure.file_name(0));
        let _ = std::fs::remove_file(&path);
        draw(figure, &path).unwrap();
        let svg = std::fs::read_to_string(&path).unwrap();
        assert!(svg.starts_with("<svg"), "{svg}");
        for text in ["fib, join per call: ns per op vs threads", "threads", "ns per op", "filch", "peer"] {
            assert!(svg.contains(text), "{text:?} missing from {}", path.display());
        }
        assert!(svg.contains("y axis: logarithmic"), "30..2000 ns spans decades");
        assert!(svg.matches("<polyline").count() >= 2, "one line per implementation");
    }

    #[test]
    fn a_figure_with_one_x_is_refused() {
        let figure = Figure {
            title: "t".into(),
            x: Axis::Threads,
            measure: Measure::NsPerOp,
            series: vec![Series { implementation: "filch".into(), points: vec![(1.0, stats(1.0))] }],
        };
        let path = test_dir("plot-refused").join("never-written.svg");
        assert!(draw(&figure, &path).unwrap_err().contains("nothing to plot"));
    }
}
