//! Fork-join rows: filch-scheduler-core against rayon 1 and chili 0.2 (and the sequential code),
//! with a join at every call, at every thread count of the sweep.

use std::hint::black_box;
use std::num::NonZero;
use std::time::Instant;

use crate::{measure, Comparison, Config, Stats};

/// Every scheduler row.
pub fn rows(config: &Config) -> Vec<Comparison> {
    let fib_n = if config.quick { 25 } else { 30 };
    let large_nodes = if config.quick { 1 << 18 } else { 1 << 22 };
    let sort_len = if config.quick { 1_000_000 } else { 10_000_000 };
    let small = tree_values(1023);
    let large = tree_values(large_nodes);
    let unsorted = random_u32s(sort_len);
    let mut rows = Vec::new();
    for threads in config.thread_counts() {
        let peers = Peers::new(threads);
        rows.push(
            peers.compare(config, format!("fib({fib_n}), join per call"), fib_calls(fib_n), |s| s.fib(fib_n)),
        );
        rows.push(peers.compare(config, "tree sum, 1023 nodes".into(), 1023, |s| s.tree_sum(&small)));
        rows.push(peers.compare(config, format!("tree sum, {large_nodes} nodes"), large_nodes as u64, |s| {
            s.tree_sum(&large)
        }));
        rows.push(peers.compare(config, format!("quicksort, {sort_len} u32"), sort_len as u64, |s| {
            s.quicksort(&unsorted)
        }));
    }
    rows
}

/// The schedulers of one thread count.
struct Peers {
    threads: usize,
    filch: filch_scheduler_core::ThreadPool,
    rayon: rayon::ThreadPool,
    chili: chili::ThreadPool,
}

/// One workload, written once for every scheduler.
trait Workload {
    fn fib(&mut self, n: u64) -> u64;
    fn tree_sum(&mut self, values: &[u64]) -> u64;
    fn quicksort(&mut self, unsorted: &[u32]) -> u64;
}

impl Peers {
    fn new(threads: usize) -> Self {
        let filch = filch_scheduler_core::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
        let rayon = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
        let chili = chili::ThreadPool::with_config(chili::Config {
            thread_count: NonZero::new(threads),
            ..chili::Config::default()
        });
        Self { threads, filch, rayon, chili }
    }

    /// Times `run` on each scheduler, each answer checked against the sequential one.
    fn compare(
        &self,
        config: &Config,
        workload: String,
        ops: u64,
        mut run: impl FnMut(&mut dyn Workload) -> u64,
    ) -> Comparison {
        let expected = run(&mut Sequential);
        let mut time = |workload: &mut dyn Workload| -> Stats {
            measure(config.samples(), ops, || {
                let start = Instant::now();
                let answer = black_box(run(workload));
                let elapsed = start.elapsed();
                assert_eq!(answer, expected, "a scheduler computed a wrong answer");
                elapsed
            })
        };
        let filch = time(&mut Filch(&self.filch));
        let peers = vec![
            ("rayon", time(&mut Rayon(&self.rayon))),
            ("chili", time(&mut Chili(&self.chili))),
            ("sequential", time(&mut Sequential)),
        ];
        Comparison { workload, threads: self.threads, filch, peers }
    }
}

/// Calls made by `fib(n)`: `2 fib(n + 1) - 1`.
fn fib_calls(n: u64) -> u64 {
    let (mut a, mut b) = (0u64, 1u64);
    for _ in 0..=n {
        (a, b) = (b, a + b);
    }
    2 * a - 1
}

/// The values of an implicit complete binary tree (node `i` has children `2i + 1` and `2i + 2`).
fn tree_values(nodes: usize) -> Vec<u64> {
    (0..nodes as u64).map(|i| i.wrapping_mul(0x9E37_79B9) >> 7).collect()
}

fn random_u32s(len: usize) -> Vec<u32> {
    let mut state = 0x2545_F491_4F6C_DD1Du64;
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 32) as u32
        })
        .collect()
}

/// A checksum of a sorted copy, so every scheduler's answer can be compared.
fn sorted_checksum(sorted: &[u32]) -> u64 {
    assert!(sorted.is_sorted(), "quicksort left the slice unsorted");
    sorted.iter().enumerate().fold(0u64, |sum, (i, &v)| sum.wrapping_add((i as u64 + 1) * u64::from(v)))
}

/// Below this many items a quicksort partition is sorted sequentially.
const SORT_CUTOFF: usize = 1000;

fn partition(values: &mut [u32]) -> usize {
    let pivot_index = values.len() / 2;
    values.swap(pivot_index, values.len() - 1);
    let pivot = values[values.len() - 1];
    let mut store = 0;
    for i in 0..values.len() - 1 {
        if values[i] < pivot {
            values.swap(i, store);
            store += 1;
        }
    }
    let last = values.len() - 1;
    values.swap(store, last);
    store
}

/// Writes the three recursive workloads once over a `join` expression `$join(a, b)`.
macro_rules! fork_join {
    ($name:ident, $ctx:ty, |$c:ident, $a:ident, $b:ident| $join:expr) => {
        mod $name {
            // Closures that capture `&mut` slices must be `mut` to be called; the others need not.
            #![allow(unused_mut)]
            use super::*;

            pub(super) fn fib($c: $ctx, n: u64) -> u64 {
                if n < 2 {
                    return n;
                }
                let mut $a = move |$c: $ctx| fib($c, n - 1);
                let mut $b = move |$c: $ctx| fib($c, n - 2);
                let (x, y) = $join;
                x + y
            }

            pub(super) fn tree($c: $ctx, values: &[u64], node: usize) -> u64 {
                let (left, right) = (2 * node + 1, 2 * node + 2);
                if left >= values.len() {
                    return values[node];
                }
                let mut $a = move |$c: $ctx| tree($c, values, left);
                let mut $b = move |$c: $ctx| if right < values.len() { tree($c, values, right) } else { 0 };
                let (x, y) = $join;
                values[node] + x + y
            }

            pub(super) fn quicksort($c: $ctx, values: &mut [u32]) {
                if values.len() <= SORT_CUTOFF {
                    values.sort_unstable();
                    return;
                }
                let middle = partition(values);
                let (low, high) = values.split_at_mut(middle);
                let mut $a = move |$c: $ctx| quicksort($c, low);
                let mut $b = move |$c: $ctx| quicksort($c, &mut high[1..]);
                $join;
            }
        }
    };
}

fork_join!(seq, (), |c, a, b| (a(c), b(c)));
fork_join!(filch_fj, (), |c, a, b| filch_scheduler_core::join(move || a(c), move || b(c)));
fork_join!(rayon_fj, (), |c, a, b| rayon::join(move || a(c), move || b(c)));
fork_join!(chili_fj, &mut chili::Scope<'_>, |c, a, b| c.join(a, b));

struct Sequential;
struct Filch<'a>(&'a filch_scheduler_core::ThreadPool);
struct Rayon<'a>(&'a rayon::ThreadPool);
struct Chili<'a>(&'a chili::ThreadPool);

impl Workload for Sequential {
    fn fib(&mut self, n: u64) -> u64 {
        seq::fib((), n)
    }
    fn tree_sum(&mut self, values: &[u64]) -> u64 {
        seq::tree((), values, 0)
    }
    fn quicksort(&mut self, unsorted: &[u32]) -> u64 {
        let mut values = unsorted.to_vec();
        seq::quicksort((), &mut values);
        sorted_checksum(&values)
    }
}

impl Workload for Filch<'_> {
    fn fib(&mut self, n: u64) -> u64 {
        self.0.install(|| filch_fj::fib((), n))
    }
    fn tree_sum(&mut self, values: &[u64]) -> u64 {
        self.0.install(|| filch_fj::tree((), values, 0))
    }
    fn quicksort(&mut self, unsorted: &[u32]) -> u64 {
        let mut values = unsorted.to_vec();
        self.0.install(|| filch_fj::quicksort((), &mut values));
        sorted_checksum(&values)
    }
}

impl Workload for Rayon<'_> {
    fn fib(&mut self, n: u64) -> u64 {
        self.0.install(|| rayon_fj::fib((), n))
    }
    fn tree_sum(&mut self, values: &[u64]) -> u64 {
        self.0.install(|| rayon_fj::tree((), values, 0))
    }
    fn quicksort(&mut self, unsorted: &[u32]) -> u64 {
        let mut values = unsorted.to_vec();
        self.0.install(|| rayon_fj::quicksort((), &mut values));
        sorted_checksum(&values)
    }
}

impl Workload for Chili<'_> {
    fn fib(&mut self, n: u64) -> u64 {
        chili_fj::fib(&mut self.0.scope(), n)
    }
    fn tree_sum(&mut self, values: &[u64]) -> u64 {
        chili_fj::tree(&mut self.0.scope(), values, 0)
    }
    fn quicksort(&mut self, unsorted: &[u32]) -> u64 {
        let mut values = unsorted.to_vec();
        chili_fj::quicksort(&mut self.0.scope(), &mut values);
        sorted_checksum(&values)
    }
}
