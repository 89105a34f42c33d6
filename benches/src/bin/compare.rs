//! Runs every workload on filch and its peers in one process and prints the ratios.
//!
//! `cargo xtask bench [--threads N] [--quick]` runs this and saves the table; rows arrive with each
//! primitive's issue (see `benches/RESULTS.md`).

use filch_benches::{markdown_table, rows, Config};

fn main() {
    let config = Config::from_args(std::env::args().skip(1));
    let comparisons = rows::all(&config);
    if comparisons.is_empty() {
        println!("compare: no rows yet (threads = {}, quick = {})", config.threads, config.quick);
        return;
    }
    print!("{}", markdown_table(&comparisons));
}
