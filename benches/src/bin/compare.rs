//! Runs every workload on filch and its peers in one process and prints the ratios.
//!
//! `compare [--threads N] [--quick] [--out DIR]`: prints the markdown table of every row; with
//! `--out`, also writes `DIR/report.md` (a summary of ratios first), `DIR/results.csv` and the SVG
//! plots. `cargo xtask bench` runs it with `--out target/filch-report` and sets
//! `FILCH_REPORT_COMMAND` to the command it was given, so the report names that command.

use filch_benches::report::{self, Moment, Run};
use filch_benches::{markdown_table, rows, Config};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (out, rest) = report::split_out_dir(args.iter().skip(1).cloned());
    let config = Config::from_args(rest);
    let started = Moment::now();
    let comparisons = rows::all(&config);
    if comparisons.is_empty() {
        println!("compare: no rows yet (threads = {}, quick = {})", config.threads, config.quick);
        return;
    }
    print!("{}", markdown_table(&comparisons));
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
