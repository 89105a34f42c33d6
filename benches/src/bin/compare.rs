//! Runs every workload on filch and its peers in one process and prints the ratios.
//!
//! `compare [--threads N | --thread-counts N[,N..]] [--quick] [--only GROUP[,GROUP..]] [--out DIR]`:
//! prints the markdown table of every row (of the groups named by `--only`), each row as soon as
//! it is measured, so a run stopped early keeps what it measured; with `--out`, also writes
//! `DIR/report.md` (a summary of ratios first), `DIR/results.csv` and the SVG plots. The scaling
//! rows run at 1, 2, 4, .. threads up to `--threads`, or at the counts `--thread-counts` lists
//! (to spend a big machine's time on the counts that matter). The contended deque and injector
//! rows also print a `tally:` line on standard error: per item, how many steal attempts each
//! implementation's takers made, and how many of those were told to retry or found nothing.
//! `cargo xtask bench` runs it with `--out target/filch-report` and sets `FILCH_REPORT_COMMAND`
//! to the command it was given, so the report names that command. `--help` prints the usage and
//! the groups; a bad argument prints what was wrong and the usage, and exits with status 2.

use filch_benches::report::{self, Moment, Run};
use filch_benches::{markdown_lines, rows, Config, MARKDOWN_TABLE_HEAD, USAGE};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.iter().skip(1).any(|arg| arg == "--help" || arg == "-h") {
        println!("{USAGE}\n");
        println!("Runs each workload on filch and its peers in this process and prints filch / peer.");
        println!("  --threads N   the most threads a scaling row uses (default: available parallelism)");
        println!(
            "  --thread-counts N,..  run the scaling rows at these counts only (instead of 1, 2, 4, ..)"
        );
        println!("  --quick       fewer samples and smaller workloads (a smoke run)");
        println!("  --only G,..   only these row groups: {}", rows::group_names().join(", "));
        println!("  --out DIR     also write DIR/report.md, DIR/results.csv and the plots");
        return;
    }
    let parsed = report::split_out_dir(args.iter().skip(1).cloned())
        .and_then(|(out, rest)| Config::from_args(rest).map(|config| (out, config)));
    let (out, config) = parsed.unwrap_or_else(|message| {
        eprintln!("compare: {message}\n{USAGE}");
        std::process::exit(2);
    });
    let started = Moment::now();
    let mut comparisons = Vec::new();
    rows::all(&config, &mut |row| {
        if comparisons.is_empty() {
            print!("{MARKDOWN_TABLE_HEAD}");
        }
        // Standard output is line-buffered, so the row reaches a terminal or file now.
        print!("{}", markdown_lines(&row));
        comparisons.push(row);
    });
    if comparisons.is_empty() {
        println!("compare: no rows yet (threads = {}, quick = {})", config.threads, config.quick);
        return;
    }
    let Some(dir) = out else { return };
    let invoked = args.join(" ");
    let run = match std::env::var("FILCH_REPORT_COMMAND") {
        Ok(command) => Run { command, ran: Some(invoked), samples: config.samples(), started },
        Err(_) => Run { command: invoked, ran: None, samples: config.samples(), started },
    };
    match report::write(&dir, &comparisons, &run) {
        Ok(path) => println!("compare: report written to {}", path.display()),
        Err(message) => {
            eprintln!("{message}");
            std::process::exit(1);
        }
    }
}
