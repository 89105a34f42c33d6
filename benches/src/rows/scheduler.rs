//! Fork-join rows: filch-scheduler-core against rayon 1 and chili 0.2 (and the sequential code),
//! with a join at every call, at every thread count of the sweep: fib, a binary-tree sum, a
//! quicksort, n-queens (a join per column tried) and an unbalanced tree search (UTS-like: a tree
//! grown from a seed with geometric branching, a join per child).

use std::cell::RefCell;
use std::hint::black_box;
use std::num::NonZero;
use std::time::{Duration, Instant};

use crate::{Comparison, Config};

/// Every scheduler row.
pub fn rows(config: &Config, emit: &mut dyn FnMut(Comparison)) {
    let fib_n = fib_n(config);
    let large_nodes = large_tree_nodes(config);
    let sort_len = if config.quick { 1_000_000 } else { 10_000_000 };
    let queens = if config.quick { 10 } else { 12 };
    let uts = Uts { depth: if config.quick { 5 } else { 8 } };
    let solutions = seq::queens((), queens, 0, 0, 0);
    let uts_nodes = seq::uts_node((), uts, UTS_ROOT, 0);
    let small = tree_values(1023);
    let large = tree_values(large_nodes);
    let unsorted = random_u32s(sort_len);
    for threads in config.thread_counts() {
        let peers = Peers::new(threads);
        emit(
            peers.compare(config, format!("fib({fib_n}), join per call"), fib_calls(fib_n), |s| s.fib(fib_n)),
        );
        emit(peers.compare(config, "tree sum, 1023 nodes".into(), 1023, |s| s.tree_sum(&small)));
        emit(peers.compare(config, "tree sum, 1023 nodes, filch install_in_place each".into(), 1023, |s| {
            s.tree_sum_in_place(&small)
        }));
        emit(peers.compare(
            config,
            format!("tree sum, 1023 nodes, {SMALL_TREES_PER_CALL} trees per install"),
            1023 * SMALL_TREES_PER_CALL as u64,
            |s| s.tree_sums(&small, SMALL_TREES_PER_CALL),
        ));
        emit(peers.compare(config, format!("tree sum, {large_nodes} nodes"), large_nodes as u64, |s| {
            s.tree_sum(&large)
        }));
        emit(peers.compare(config, format!("quicksort, {sort_len} u32"), sort_len as u64, |s| {
            s.quicksort(&unsorted)
        }));
        emit(peers.compare(
            config,
            format!("nqueens({queens}), {solutions} solutions, join per column"),
            solutions,
            |s| s.nqueens(queens),
        ));
        emit(peers.compare(
            config,
            format!("unbalanced tree, {uts_nodes} nodes, join per child"),
            uts_nodes,
            |s| s.uts(uts),
        ));
    }
}

/// The `n` of the fib rows.
pub(super) fn fib_n(config: &Config) -> u64 {
    if config.quick {
        25
    } else {
        30
    }
}

/// The nodes of the large tree-sum rows: 2^24, the size issue #6 names (the small one has 1023).
pub(super) fn large_tree_nodes(config: &Config) -> usize {
    if config.quick {
        1 << 18
    } else {
        1 << 24
    }
}

/// Small trees summed one after another inside one `install` (one `scope` for chili): the cost
/// of fine-grained parallel regions started by code already running in the pool, without the
/// round trip of entering the pool from outside, which the one-tree row pays on every tree.
const SMALL_TREES_PER_CALL: usize = 1000;

/// The schedulers of one thread count.
struct Peers {
    threads: usize,
    filch: filch_scheduler_core::ThreadPool,
    rayon: rayon::ThreadPool,
    chili: chili::ThreadPool,
}

/// One workload, written once for every scheduler.
pub(super) trait Workload {
    fn fib(&mut self, n: u64) -> u64;
    fn tree_sum(&mut self, values: &[u64]) -> u64;
    /// `tree_sum` entered from outside on the calling thread, where the scheduler can run it
    /// there (filch's `install_in_place`; chili's `scope` always does); `tree_sum` elsewhere
    /// (rayon has no such entry: its `in_place_scope` runs the closure in place but not its joins).
    fn tree_sum_in_place(&mut self, values: &[u64]) -> u64 {
        self.tree_sum(values)
    }
    /// `rounds` tree sums, one after another, inside one entry into the pool; their wrapping sum.
    fn tree_sums(&mut self, values: &[u64], rounds: usize) -> u64;
    fn quicksort(&mut self, unsorted: &[u32]) -> u64;
    /// The number of ways to place `n` queens on an `n` x `n` board.
    fn nqueens(&mut self, n: u32) -> u64;
    /// The number of nodes of the unbalanced tree `tree`.
    fn uts(&mut self, tree: Uts) -> u64;
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

    /// Times `run` on each scheduler, each answer checked against the sequential one. The
    /// schedulers take their samples in turns ([`Comparison::in_turns`]), and each sample is a
    /// pause and an untimed run before the timed one ([`SETTLE`]).
    fn compare(
        &self,
        config: &Config,
        workload: String,
        ops: u64,
        run: impl FnMut(&mut dyn Workload) -> u64,
    ) -> Comparison {
        let run = RefCell::new(run);
        let expected = run.borrow_mut()(&mut Sequential);
        let (mut filch, mut rayon, mut chili, mut sequential) = (
            sample(Filch(&self.filch), &run, expected),
            sample(Rayon(&self.rayon), &run, expected),
            sample(Chili(&self.chili), &run, expected),
            sample(Sequential, &run, expected),
        );
        Comparison::in_turns(
            workload,
            self.threads,
            config.samples(),
            ops,
            &mut filch,
            vec![("rayon", &mut rayon), ("chili", &mut chili), ("sequential", &mut sequential)],
        )
    }
}

/// One sample of `run` on `scheduler`: a pause ([`SETTLE`]), an untimed run, and the timed run.
pub(super) fn sample<'a, R: FnMut(&mut dyn Workload) -> u64>(
    mut scheduler: impl Workload + 'a,
    run: &'a RefCell<R>,
    expected: u64,
) -> impl FnMut() -> Duration + 'a {
    move || {
        let mut run = run.borrow_mut();
        std::thread::sleep(SETTLE);
        timed_run(&mut scheduler, &mut *run, expected);
        timed_run(&mut scheduler, &mut *run, expected)
    }
}

/// The pause before each sample, for the previous scheduler's idle workers to fall asleep
/// (rayon's spin and yield for a while first): on a 2-core machine another pool's workers still
/// spinning share the cores with the scheduler being timed, and on the short rows (one small tree
/// per `install`) that lasted through all of its samples. An untimed run follows, which wakes the
/// timed scheduler's own workers, so that the timed run finds them just back from work, as
/// consecutive runs of one scheduler do. The samples are taken in turns, not each scheduler's
/// together: the machine's slow spells then fall on every scheduler alike (`benches/RESULTS.md`,
/// "Samples in turns").
const SETTLE: Duration = Duration::from_millis(20);

/// One run of `run` on `scheduler`, its answer checked against `expected`.
pub(super) fn timed_run(
    scheduler: &mut dyn Workload,
    run: &mut impl FnMut(&mut dyn Workload) -> u64,
    expected: u64,
) -> Duration {
    let start = Instant::now();
    let answer = black_box(run(scheduler));
    let elapsed = start.elapsed();
    assert_eq!(answer, expected, "a scheduler computed a wrong answer");
    elapsed
}

/// Calls made by `fib(n)`: `2 fib(n + 1) - 1`.
pub(super) fn fib_calls(n: u64) -> u64 {
    let (mut a, mut b) = (0u64, 1u64);
    for _ in 0..=n {
        (a, b) = (b, a + b);
    }
    2 * a - 1
}

/// `rounds` runs of `tree_sum` added up; `black_box` keeps the compiler from computing the
/// (pure) sum once and reusing it.
fn repeated_sums(values: &[u64], rounds: usize, mut tree_sum: impl FnMut(&[u64]) -> u64) -> u64 {
    (0..rounds).fold(0u64, |total, _| total.wrapping_add(tree_sum(black_box(values))))
}

/// The values of an implicit complete binary tree (node `i` has children `2i + 1` and `2i + 2`).
pub(super) fn tree_values(nodes: usize) -> Vec<u64> {
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

/// An unbalanced tree in the manner of UTS (Olivier et al., "UTS: An Unbalanced Tree Search
/// Benchmark", LCPC 2006): each node is a 64-bit hash; its number of children
/// is geometric with mean [`UTS_MEAN_CHILDREN`] drawn from its hash (the root's is fixed) (capped at
/// [`UTS_MAX_CHILDREN`]), child `i` hashes the parent's hash with `i`, and nodes at `depth` are
/// leaves. Subtree sizes vary wildly, so the work can only be balanced by stealing.
#[derive(Debug, Clone, Copy)]
pub(super) struct Uts {
    depth: u32,
}

/// The root's hash.
const UTS_ROOT: u64 = 0x005E_ED0F_7EE5;
/// Mean number of children of an inner node.
const UTS_MEAN_CHILDREN: f64 = 4.0;
/// Most children of one node, and the root's number of children (UTS gives its root a fixed
/// branching too, so the tree cannot die out at the top).
const UTS_MAX_CHILDREN: u64 = 64;

impl Uts {
    /// How many children the node `hash` at `depth` has.
    fn children(self, hash: u64, depth: u32) -> u64 {
        if depth >= self.depth {
            return 0;
        }
        if depth == 0 {
            return UTS_MAX_CHILDREN;
        }
        // A geometric draw: the largest k with P(at least k children) = p^k above a uniform u.
        let p = UTS_MEAN_CHILDREN / (1.0 + UTS_MEAN_CHILDREN);
        let uniform = ((mix(hash) >> 11) as f64 + 1.0) / (1u64 << 53) as f64;
        ((uniform.ln() / p.ln()) as u64).min(UTS_MAX_CHILDREN)
    }

    /// The hash of child `index` of the node `hash`.
    fn child(hash: u64, index: u64) -> u64 {
        mix(hash ^ index.wrapping_mul(0x9E37_79B9_7F4A_7C15))
    }
}

/// The SplitMix64 finaliser.
fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

/// The `count / 2` lowest set bits of `set` (whose set bits number `count`).
fn lower_half(set: u32) -> u32 {
    let mut low = 0;
    let mut rest = set;
    for _ in 0..set.count_ones() / 2 {
        low |= rest & rest.wrapping_neg();
        rest &= rest - 1;
    }
    low
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

/// Writes the recursive workloads once over a `join` expression `$join(a, b)`.
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

            /// Solutions of the queens placed so far (`cols`, and the diagonals they attack on
            /// the next row, `left` and `right`) on an `n`-column board.
            pub(super) fn queens($c: $ctx, n: u32, cols: u32, left: u32, right: u32) -> u64 {
                let full = (1u32 << n) - 1;
                if cols == full {
                    return 1;
                }
                columns($c, n, full & !(cols | left | right), (cols, left, right))
            }

            /// Tries each column of `free` on the next row, splitting the set in halves with joins
            /// down to one column each.
            pub(super) fn columns($c: $ctx, n: u32, free: u32, (cols, left, right): (u32, u32, u32)) -> u64 {
                if free.count_ones() <= 1 {
                    if free == 0 {
                        return 0;
                    }
                    let full = (1u32 << n) - 1;
                    return queens($c, n, cols | free, ((left | free) << 1) & full, (right | free) >> 1);
                }
                let low = lower_half(free);
                let mut $a = move |$c: $ctx| columns($c, n, low, (cols, left, right));
                let mut $b = move |$c: $ctx| columns($c, n, free & !low, (cols, left, right));
                let (x, y) = $join;
                x + y
            }

            /// Nodes of the subtree of `tree` rooted at the node `hash` at `depth`.
            pub(super) fn uts_node($c: $ctx, tree: Uts, hash: u64, depth: u32) -> u64 {
                1 + uts_children($c, tree, hash, depth, 0..tree.children(hash, depth))
            }

            /// Nodes of the subtrees of `hash`'s children `range`, split in halves with joins down
            /// to one child each.
            pub(super) fn uts_children(
                $c: $ctx,
                tree: Uts,
                hash: u64,
                depth: u32,
                range: std::ops::Range<u64>,
            ) -> u64 {
                match range.end - range.start {
                    0 => 0,
                    1 => uts_node($c, tree, Uts::child(hash, range.start), depth + 1),
                    len => {
                        let middle = range.start + len / 2;
                        let (low, high) = (range.start..middle, middle..range.end);
                        let mut $a = move |$c: $ctx| uts_children($c, tree, hash, depth, low);
                        let mut $b = move |$c: $ctx| uts_children($c, tree, hash, depth, high);
                        let (x, y) = $join;
                        x + y
                    }
                }
            }
        }
    };
}

fork_join!(seq, (), |c, a, b| (a(c), b(c)));
fork_join!(filch_fj, (), |c, a, b| filch_scheduler_core::join(move || a(c), move || b(c)));
fork_join!(rayon_fj, (), |c, a, b| rayon::join(move || a(c), move || b(c)));
fork_join!(chili_fj, &mut chili::Scope<'_>, |c, a, b| c.join(a, b));

pub(super) struct Sequential;
pub(super) struct Filch<'a>(pub(super) &'a filch_scheduler_core::ThreadPool);
struct Rayon<'a>(&'a rayon::ThreadPool);
struct Chili<'a>(&'a chili::ThreadPool);

impl Workload for Sequential {
    fn fib(&mut self, n: u64) -> u64 {
        seq::fib((), n)
    }
    fn tree_sum(&mut self, values: &[u64]) -> u64 {
        seq::tree((), values, 0)
    }
    fn tree_sums(&mut self, values: &[u64], rounds: usize) -> u64 {
        repeated_sums(values, rounds, |values| seq::tree((), values, 0))
    }
    fn quicksort(&mut self, unsorted: &[u32]) -> u64 {
        let mut values = unsorted.to_vec();
        seq::quicksort((), &mut values);
        sorted_checksum(&values)
    }
    fn nqueens(&mut self, n: u32) -> u64 {
        seq::queens((), n, 0, 0, 0)
    }
    fn uts(&mut self, tree: Uts) -> u64 {
        seq::uts_node((), tree, UTS_ROOT, 0)
    }
}

impl Workload for Filch<'_> {
    fn fib(&mut self, n: u64) -> u64 {
        self.0.install(|| filch_fj::fib((), n))
    }
    fn tree_sum(&mut self, values: &[u64]) -> u64 {
        self.0.install(|| filch_fj::tree((), values, 0))
    }
    fn tree_sum_in_place(&mut self, values: &[u64]) -> u64 {
        self.0.install_in_place(|| filch_fj::tree((), values, 0))
    }
    fn tree_sums(&mut self, values: &[u64], rounds: usize) -> u64 {
        self.0.install(|| repeated_sums(values, rounds, |values| filch_fj::tree((), values, 0)))
    }
    fn quicksort(&mut self, unsorted: &[u32]) -> u64 {
        let mut values = unsorted.to_vec();
        self.0.install(|| filch_fj::quicksort((), &mut values));
        sorted_checksum(&values)
    }
    fn nqueens(&mut self, n: u32) -> u64 {
        self.0.install(|| filch_fj::queens((), n, 0, 0, 0))
    }
    fn uts(&mut self, tree: Uts) -> u64 {
        self.0.install(|| filch_fj::uts_node((), tree, UTS_ROOT, 0))
    }
}

impl Workload for Rayon<'_> {
    fn fib(&mut self, n: u64) -> u64 {
        self.0.install(|| rayon_fj::fib((), n))
    }
    fn tree_sum(&mut self, values: &[u64]) -> u64 {
        self.0.install(|| rayon_fj::tree((), values, 0))
    }
    fn tree_sums(&mut self, values: &[u64], rounds: usize) -> u64 {
        self.0.install(|| repeated_sums(values, rounds, |values| rayon_fj::tree((), values, 0)))
    }
    fn quicksort(&mut self, unsorted: &[u32]) -> u64 {
        let mut values = unsorted.to_vec();
        self.0.install(|| rayon_fj::quicksort((), &mut values));
        sorted_checksum(&values)
    }
    fn nqueens(&mut self, n: u32) -> u64 {
        self.0.install(|| rayon_fj::queens((), n, 0, 0, 0))
    }
    fn uts(&mut self, tree: Uts) -> u64 {
        self.0.install(|| rayon_fj::uts_node((), tree, UTS_ROOT, 0))
    }
}

impl Workload for Chili<'_> {
    fn fib(&mut self, n: u64) -> u64 {
        chili_fj::fib(&mut self.0.scope(), n)
    }
    fn tree_sum(&mut self, values: &[u64]) -> u64 {
        chili_fj::tree(&mut self.0.scope(), values, 0)
    }
    fn tree_sums(&mut self, values: &[u64], rounds: usize) -> u64 {
        let scope = &mut self.0.scope();
        repeated_sums(values, rounds, |values| chili_fj::tree(scope, values, 0))
    }
    fn quicksort(&mut self, unsorted: &[u32]) -> u64 {
        let mut values = unsorted.to_vec();
        chili_fj::quicksort(&mut self.0.scope(), &mut values);
        sorted_checksum(&values)
    }
    fn nqueens(&mut self, n: u32) -> u64 {
        chili_fj::queens(&mut self.0.scope(), n, 0, 0, 0)
    }
    fn uts(&mut self, tree: Uts) -> u64 {
        chili_fj::uts_node(&mut self.0.scope(), tree, UTS_ROOT, 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_scheduler_counts_the_known_queens_solutions() {
        let peers = Peers::new(2);
        let schedulers: [&mut dyn Workload; 4] =
            [&mut Sequential, &mut Filch(&peers.filch), &mut Rayon(&peers.rayon), &mut Chili(&peers.chili)];
        for scheduler in schedulers {
            let counts: Vec<u64> = (1..=8).map(|n| scheduler.nqueens(n)).collect();
            assert_eq!(counts, [1, 0, 0, 2, 10, 4, 40, 92]);
        }
    }

    #[test]
    fn every_scheduler_counts_the_same_unbalanced_tree() {
        let tree = Uts { depth: 3 };
        let nodes = Sequential.uts(tree);
        // The root alone would mean the branching never fired.
        assert!(nodes > 100, "{nodes} nodes");
        let peers = Peers::new(2);
        assert_eq!(Filch(&peers.filch).uts(tree), nodes);
        assert_eq!(Rayon(&peers.rayon).uts(tree), nodes);
        assert_eq!(Chili(&peers.chili).uts(tree), nodes);
    }
}
