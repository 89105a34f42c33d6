//! Spawn trees on a `filch_scheduler_core::ThreadPool` of 1 to 4 threads, entered with `install` or
//! with `install_in_place` (the fuzzing thread as a guest), against their sequential
//! interpretation. A tree is made of leaves (a value, or a panic), `join`s, `scope`s spawning
//! their children, and detached `spawn`s beside an inline subtree. Checks:
//! - the root's result is the sequential one, and a panic under a `join` or `scope` reaches the
//!   caller (as the leaf's own payload) only after every sibling has finished: when the root
//!   returns, every leaf outside detached subtrees has run;
//! - every detached spawn runs exactly once: after `wait_idle`, the spawns run, their leaves, the
//!   sum of their results and the panics the pool's handler received are the sequential ones.
//!
//! Expected panics are silenced by a panic hook that passes every other panic on to libFuzzer's
//! hook, which aborts, so an unexpected panic (a failed check included) is still a crash.
#![no_main]

use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Once, OnceLock};

use arbitrary::Arbitrary;
use filch_scheduler_core::{join, scope, spawn, ThreadPool, ThreadPoolBuilder};
use libfuzzer_sys::fuzz_target;

#[derive(Debug, Clone, Arbitrary)]
enum Node {
    Leaf(u8),
    /// Panics with [`ExpectedPanic`].
    Panic,
    Join(Box<Node>, Box<Node>),
    /// A scope spawning each child; the results are summed.
    Scope(Vec<Node>),
    /// Spawns the first subtree detached, then evaluates the second, whose result it returns.
    Spawn(Box<Node>, Box<Node>),
}

#[derive(Debug, Arbitrary)]
struct Input {
    threads: u8,
    /// The root runs with `install_in_place` (the fuzzing thread as a guest) rather than `install`.
    in_place: bool,
    root: Node,
}

/// Trees larger than this are skipped, so each input runs in milliseconds.
const MAX_NODES: usize = 64;
/// Most children of one scope.
const MAX_SCOPE: usize = 6;

/// The payload of every panic the tree asks for.
struct ExpectedPanic;

/// Counters of one input's run (inputs run one at a time; `reset` clears them).
static ATTACHED_LEAVES: AtomicU64 = AtomicU64::new(0);
static DETACHED_LEAVES: AtomicU64 = AtomicU64::new(0);
static DETACHED_RUNS: AtomicU64 = AtomicU64::new(0);
static DETACHED_SUM: AtomicU64 = AtomicU64::new(0);
static DETACHED_PANICS: AtomicU64 = AtomicU64::new(0);

/// What the sequential interpretation says a run must produce.
#[derive(Debug, Default, PartialEq, Eq)]
struct Expected {
    attached_leaves: u64,
    detached_leaves: u64,
    detached_runs: u64,
    detached_sum: u64,
    detached_panics: u64,
}

fn size(node: &Node) -> Option<usize> {
    let children = match node {
        Node::Leaf(_) | Node::Panic => 0,
        Node::Join(a, b) | Node::Spawn(a, b) => size(a)? + size(b)?,
        Node::Scope(children) if children.len() <= MAX_SCOPE => {
            children.iter().map(size).sum::<Option<usize>>()?
        }
        Node::Scope(_) => return None,
    };
    Some(children + 1).filter(|&nodes| nodes <= MAX_NODES)
}

/// The sequential interpretation: every node runs (a panic ends only its own leaf; `join` and
/// `scope` finish every child before rethrowing); `None` when the result is a panic.
fn interpret(node: &Node, detached: bool, expected: &mut Expected) -> Option<u64> {
    match node {
        Node::Leaf(_) | Node::Panic => {
            *if detached { &mut expected.detached_leaves } else { &mut expected.attached_leaves } += 1;
            if let Node::Leaf(value) = node {
                Some(u64::from(*value))
            } else {
                None
            }
        }
        Node::Join(a, b) => {
            let (a, b) = (interpret(a, detached, expected), interpret(b, detached, expected));
            Some(a? + b?)
        }
        Node::Scope(children) => {
            let results: Vec<_> = children.iter().map(|child| interpret(child, detached, expected)).collect();
            results.into_iter().sum()
        }
        Node::Spawn(spawned, inline) => {
            expected.detached_runs += 1;
            match interpret(spawned, true, expected) {
                Some(value) => expected.detached_sum += value,
                None => expected.detached_panics += 1,
            }
            interpret(inline, detached, expected)
        }
    }
}

/// Evaluates `node` on the current pool.
fn evaluate(node: &Node, detached: bool) -> u64 {
    match node {
        Node::Leaf(_) | Node::Panic => {
            let leaves = if detached { &DETACHED_LEAVES } else { &ATTACHED_LEAVES };
            leaves.fetch_add(1, Ordering::SeqCst);
            match node {
                Node::Leaf(value) => u64::from(*value),
                _ => panic::panic_any(ExpectedPanic),
            }
        }
        Node::Join(a, b) => {
            let (a, b) = join(|| evaluate(a, detached), || evaluate(b, detached));
            a + b
        }
        Node::Scope(children) => {
            let mut results = vec![0; children.len()];
            scope(|s| {
                for (result, child) in results.iter_mut().zip(children) {
                    s.spawn(move |_| *result = evaluate(child, detached));
                }
            });
            results.iter().sum()
        }
        Node::Spawn(spawned, inline) => {
            let spawned = Node::clone(spawned);
            spawn(move || {
                DETACHED_RUNS.fetch_add(1, Ordering::SeqCst);
                let value = evaluate(&spawned, true);
                DETACHED_SUM.fetch_add(value, Ordering::SeqCst);
            });
            evaluate(inline, detached)
        }
    }
}

/// One pool per thread count, built once per process.
fn pool(threads: usize) -> &'static ThreadPool {
    static POOLS: OnceLock<Vec<ThreadPool>> = OnceLock::new();
    let pools = POOLS.get_or_init(|| {
        (1..=4)
            .map(|threads| {
                ThreadPoolBuilder::new()
                    .num_threads(threads)
                    .panic_handler(|payload| {
                        assert!(payload.is::<ExpectedPanic>(), "a detached task panicked unexpectedly");
                        DETACHED_PANICS.fetch_add(1, Ordering::SeqCst);
                    })
                    .build()
                    .expect("the pool builds")
            })
            .collect()
    });
    &pools[threads - 1]
}

/// Silences the panics the trees ask for; any other goes on to libFuzzer's hook, which aborts.
fn silence_expected_panics() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let abort = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if !info.payload().is::<ExpectedPanic>() {
                abort(info);
            }
        }));
    });
}

fuzz_target!(|input: Input| {
    if size(&input.root).is_none() {
        return;
    }
    silence_expected_panics();
    for counter in [&ATTACHED_LEAVES, &DETACHED_LEAVES, &DETACHED_RUNS, &DETACHED_SUM, &DETACHED_PANICS] {
        counter.store(0, Ordering::SeqCst);
    }
    let mut expected = Expected::default();
    let value = interpret(&input.root, false, &mut expected);
    let pool = pool(usize::from(input.threads % 4) + 1);

    let run = || evaluate(&input.root, false);
    let result = panic::catch_unwind(AssertUnwindSafe(|| {
        if input.in_place {
            pool.install_in_place(run)
        } else {
            pool.install(run)
        }
    }));
    match (&result, value) {
        (Ok(got), Some(value)) => assert_eq!(*got, value, "the tree's value"),
        (Err(payload), None) => assert!(payload.is::<ExpectedPanic>(), "the panic is the leaf's own payload"),
        _ => panic!(
            "the tree returned {:?}, its sequential result is {value:?}",
            result.map_err(|_| "a panic")
        ),
    }
    // Every sibling finished before the result (or the panic) reached us.
    assert_eq!(
        ATTACHED_LEAVES.load(Ordering::SeqCst),
        expected.attached_leaves,
        "leaves run before the root returned"
    );

    pool.wait_idle();
    let ran = Expected {
        attached_leaves: ATTACHED_LEAVES.load(Ordering::SeqCst),
        detached_leaves: DETACHED_LEAVES.load(Ordering::SeqCst),
        detached_runs: DETACHED_RUNS.load(Ordering::SeqCst),
        detached_sum: DETACHED_SUM.load(Ordering::SeqCst),
        detached_panics: DETACHED_PANICS.load(Ordering::SeqCst),
    };
    assert_eq!(ran, expected, "after wait_idle");
});
