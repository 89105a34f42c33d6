//! Victim-policy rows: the scheduler rows' fib and tree sums (small and large) on filch with
//! [`VictimPolicy::RoundRobin`] and [`VictimPolicy::LargestQueue`], each against filch with the
//! default [`VictimPolicy::Random`] measured in the same run, at every thread count of the sweep.
//! The workloads are the scheduler rows' own ([`super::scheduler`]); the three pools take their
//! samples in turn (the order rotated each time), so a change in the machine's load falls on all
//! three alike, and each timed run follows a pause and an untimed run on the same pool, as the
//! scheduler rows' samples do (`scheduler::sample`).

use std::cell::RefCell;
use std::time::Duration;

use filch_scheduler_core::{ThreadPool, ThreadPoolBuilder, VictimPolicy};

use super::scheduler::{self, Filch, Sequential, Workload};
use crate::{measure_in_turns, Comparison, Config};

/// The default policy's figures, as the peer of every row.
const RANDOM: &str = "filch (random)";

/// The policies measured against [`VictimPolicy::Random`].
const POLICIES: [VictimPolicy; 2] = [VictimPolicy::RoundRobin, VictimPolicy::LargestQueue];

/// Every victim-policy row.
pub fn rows(config: &Config, emit: &mut dyn FnMut(Comparison)) {
    let fib_n = scheduler::fib_n(config);
    let large_nodes = scheduler::large_tree_nodes(config);
    let small = scheduler::tree_values(1023);
    let large = scheduler::tree_values(large_nodes);
    for threads in config.thread_counts() {
        let pools = Pools::new(threads);
        pools.compare(
            config,
            emit,
            &format!("fib({fib_n}), join per call"),
            scheduler::fib_calls(fib_n),
            |s| s.fib(fib_n),
        );
        pools.compare(config, emit, "tree sum, 1023 nodes", 1023, |s| s.tree_sum(&small));
        pools.compare(config, emit, &format!("tree sum, {large_nodes} nodes"), large_nodes as u64, |s| {
            s.tree_sum(&large)
        });
    }
}

/// Filch pools of one thread count: the default policy first, then one per [`POLICIES`].
struct Pools {
    threads: usize,
    pools: Vec<ThreadPool>,
}

impl Pools {
    fn new(threads: usize) -> Self {
        let pools = [VictimPolicy::Random]
            .into_iter()
            .chain(POLICIES)
            .map(|policy| {
                ThreadPoolBuilder::new().num_threads(threads).victim_policy(policy).build().unwrap()
            })
            .collect();
        Self { threads, pools }
    }

    /// Times `run` on every pool, each answer checked against the sequential one, and hands
    /// `emit` one row per policy of [`POLICIES`], named `workload, VictimPolicy::..`, against the
    /// default's figures.
    fn compare(
        &self,
        config: &Config,
        emit: &mut dyn FnMut(Comparison),
        workload: &str,
        ops: u64,
        mut run: impl FnMut(&mut dyn Workload) -> u64,
    ) {
        let expected = run(&mut Sequential);
        let run = RefCell::new(run);
        let mut samples: Vec<_> =
            self.pools.iter().map(|pool| scheduler::sample(Filch(pool), &run, expected)).collect();
        let mut runs: Vec<&mut dyn FnMut() -> Duration> =
            samples.iter_mut().map(|sample| sample as &mut dyn FnMut() -> Duration).collect();
        let mut stats = measure_in_turns(config.samples(), ops, &mut runs).into_iter();
        let random = stats.next().unwrap();
        POLICIES
            .iter()
            .zip(stats)
            .map(|(policy, filch)| Comparison {
                workload: format!("{workload}, VictimPolicy::{policy:?}"),
                threads: self.threads,
                filch,
                peers: vec![(RANDOM, random)],
            })
            .for_each(emit);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_policy_gets_a_row_against_the_default() {
        let config = Config { threads: 2, quick: true, only: Vec::new(), counts: Vec::new() };
        let pools = Pools::new(2);
        let mut rows = Vec::new();
        pools.compare(&config, &mut |row| rows.push(row), "fib(10)", scheduler::fib_calls(10), |s| s.fib(10));
        let names: Vec<&str> = rows.iter().map(|row| row.workload.as_str()).collect();
        assert_eq!(names, ["fib(10), VictimPolicy::RoundRobin", "fib(10), VictimPolicy::LargestQueue"]);
        assert!(rows.iter().all(|row| row.threads == 2 && row.peers.len() == 1 && row.peers[0].0 == RANDOM));
    }
}
