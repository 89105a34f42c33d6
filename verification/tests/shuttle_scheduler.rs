//! shuttle runs of filch-scheduler-core: random trees of joins, scopes and leaf tasks, some of
//! which panic, on a pool of shuttle threads. For every schedule: each leaf runs exactly once
//! (the ledger), the pool's answer equals the sequential evaluation of the same tree (the sum of
//! the leaves, or a panic when any leaf panics), the pool works afterwards, and dropping it
//! terminates (a lost wake-up or a latch never set shows up as a shuttle deadlock).
#![cfg(feature = "shuttle")]

use std::panic::{self, AssertUnwindSafe};

use filch_scheduler_core::{Scope, ThreadPoolBuilder};
use filch_verification::budget;
use filch_verification::ledger::Ledger;
use shuttle::rand::{thread_rng, Rng};

fn iterations() -> usize {
    budget::pick(1, 200, 2_000)
}

/// A fork-join computation: leaves carry a value (and may panic), inner nodes join two subtrees
/// or spawn each child into a scope.
#[derive(Debug)]
enum Node {
    Leaf { id: usize, value: u64, panics: bool },
    Join(Box<Node>, Box<Node>),
    Scope(Vec<Node>),
}

/// Builds a random tree of at most `budget` leaves, numbering the leaves from `next_id`.
fn random_tree(rng: &mut impl Rng, depth: u32, next_id: &mut usize, panic_percent: u32) -> Node {
    let leaf = depth == 0 || rng.gen_range(0..4) == 0;
    if leaf {
        let id = *next_id;
        *next_id += 1;
        return Node::Leaf {
            id,
            value: rng.gen_range(1..100),
            panics: rng.gen_range(0..100) < panic_percent,
        };
    }
    if rng.gen_bool(0.5) {
        let left = random_tree(rng, depth - 1, next_id, panic_percent);
        let right = random_tree(rng, depth - 1, next_id, panic_percent);
        Node::Join(Box::new(left), Box::new(right))
    } else {
        let children = rng.gen_range(1..=3);
        Node::Scope((0..children).map(|_| random_tree(rng, depth - 1, next_id, panic_percent)).collect())
    }
}

/// The sequential meaning of a tree: the sum of its leaves, or `None` if any leaf panics.
fn expected(node: &Node) -> Option<u64> {
    match node {
        Node::Leaf { panics: true, .. } => None,
        Node::Leaf { value, .. } => Some(*value),
        Node::Join(left, right) => Some(expected(left)? + expected(right)?),
        Node::Scope(children) => children.iter().map(expected).sum(),
    }
}

/// Evaluates `node` on the pool (the caller is a worker), recording every leaf that runs.
fn evaluate(node: &Node, ledger: &Ledger) -> u64 {
    match node {
        Node::Leaf { id, value, panics } => {
            ledger.record(*id);
            if *panics {
                panic!("leaf {id} panics on purpose");
            }
            *value
        }
        Node::Join(left, right) => {
            let (a, b) = filch_scheduler_core::join(|| evaluate(left, ledger), || evaluate(right, ledger));
            a + b
        }
        Node::Scope(children) => {
            let sums: Vec<_> = children.iter().map(|_| shuttle::sync::Mutex::new(0)).collect();
            filch_scheduler_core::scope(|s: &Scope<'_>| {
                for (child, sum) in children.iter().zip(&sums) {
                    s.spawn(move |_| *sum.lock().unwrap() = evaluate(child, ledger));
                }
            });
            sums.iter().map(|sum| *sum.lock().unwrap()).sum()
        }
    }
}

fn random_trees_on(threads: usize, depth: u32, panic_percent: u32) {
    shuttle::check_random(
        move || {
            let mut rng = thread_rng();
            let mut leaves = 0;
            let tree = random_tree(&mut rng, depth, &mut leaves, panic_percent);
            let pool = ThreadPoolBuilder::new().num_threads(threads).spin_budget(2, 1).build().unwrap();
            let ledger = Ledger::new(leaves);
            let got =
                panic::catch_unwind(AssertUnwindSafe(|| pool.install(|| evaluate(&tree, &ledger)))).ok();
            ledger.assert_each_recorded_once();
            assert_eq!(got, expected(&tree), "the pool disagrees with the sequential evaluation of {tree:?}");
            // The pool keeps working after a panic.
            assert_eq!(pool.join(|| 1, || 2), (1, 2));
            drop(pool);
        },
        iterations(),
    );
}

#[test]
fn random_trees_without_panics_equal_the_sequential_sum() {
    random_trees_on(3, 4, 0);
}

#[test]
fn random_trees_with_panics_run_every_leaf_once_and_propagate() {
    random_trees_on(2, 4, 15);
}

/// Two outside threads evaluate trees at once with `install_in_place` on a pool with one guest
/// slot: one of them joins as the guest (its joins' halves stolen by the workers, its waits in its
/// own sleep slot), the other is the guest too or is installed, depending on the schedule.
#[test]
fn random_trees_on_guests_equal_the_sequential_sum() {
    shuttle::check_random(
        || {
            let mut rng = thread_rng();
            let mut leaves = 0;
            let trees = [0, 1].map(|_| random_tree(&mut rng, 4, &mut leaves, 10));
            let pool = filch_sync::Arc::new(
                ThreadPoolBuilder::new().num_threads(2).spin_budget(2, 1).guest_slots(1).build().unwrap(),
            );
            let ledger = filch_sync::Arc::new(Ledger::new(leaves));
            let [first, second] = trees.map(filch_sync::Arc::new);
            let other = {
                let (pool, ledger, tree) = (
                    filch_sync::Arc::clone(&pool),
                    filch_sync::Arc::clone(&ledger),
                    filch_sync::Arc::clone(&second),
                );
                shuttle::thread::spawn(move || {
                    panic::catch_unwind(AssertUnwindSafe(|| {
                        pool.install_in_place(|| evaluate(&tree, &ledger))
                    }))
                    .ok()
                })
            };
            let got =
                panic::catch_unwind(AssertUnwindSafe(|| pool.install_in_place(|| evaluate(&first, &ledger))))
                    .ok();
            let other_got = other.join().unwrap();
            ledger.assert_each_recorded_once();
            assert_eq!(
                got,
                expected(&first),
                "the guest disagrees with the sequential evaluation of {first:?}"
            );
            assert_eq!(
                other_got,
                expected(&second),
                "disagrees with the sequential evaluation of {second:?}"
            );
            assert_eq!(pool.install_in_place(|| pool.join(|| 1, || 2)), (1, 2));
            drop(pool);
        },
        iterations(),
    );
}

#[test]
fn detached_spawns_all_run_before_wait_idle_returns() {
    shuttle::check_random(
        || {
            let pool = ThreadPoolBuilder::new().num_threads(2).spin_budget(1, 1).build().unwrap();
            let ledger = filch_sync::Arc::new(Ledger::new(6));
            for id in 0..3 {
                let ledger = filch_sync::Arc::clone(&ledger);
                pool.spawn(move || {
                    ledger.record(id);
                    // A child spawned from inside the pool lands on the worker's own deque.
                    let inner = filch_sync::Arc::clone(&ledger);
                    filch_scheduler_core::spawn(move || inner.record(id + 3));
                });
            }
            pool.wait_idle();
            ledger.assert_each_recorded_once();
            drop(pool);
        },
        iterations(),
    );
}
