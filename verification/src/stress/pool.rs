//! The pool workload: two outside threads submit random spawn trees to one
//! `filch_scheduler_core::ThreadPool` of `threads` workers, through `install`, `ThreadPool::join`,
//! `ThreadPool::scope` and `ThreadPool::spawn`. Inside, each tree node is a leaf, a `join` of two
//! subtrees, a `scope` spawning one to four subtrees that write into borrowed slots, or a
//! detached `spawn` of one subtree beside an inline one.
//!
//! Checks:
//! - every tree's result equals the sequential interpretation of the same tree;
//! - every detached spawn runs exactly once (a ledger entry each) and adds its subtree's value to
//!   a shared sum; after the final `wait_idle` every one has run and the sum is the sequential one;
//! - no task panics (the pool's panic handler logs any as a violation).

use filch_scheduler_core::{join, scope, spawn, ThreadPool, ThreadPoolBuilder};
use filch_sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use filch_sync::{thread, Arc};

use super::{mix, panic_message, Rng, Violations};
use filch_verification::ledger::Ledger;

/// Most nodes in one tree.
const MAX_TREE: u64 = 2048;
/// Most subtrees one scope spawns.
const MAX_SCOPE: u64 = 4;
/// Outside threads submitting trees.
const SUBMITTERS: u64 = 2;

/// Runs trees of about `ops` nodes in all; returns the nodes evaluated.
pub fn run(threads: usize, ops: u64, seed: u64, violations: &Arc<Violations>) -> u64 {
    let mut rng = Rng::new(seed);
    let mut roots = Vec::new();
    let mut planned = Planned::default();
    while planned.nodes < ops {
        let root =
            Root { node: Node { seed: rng.next_u64(), size: 1 + rng.below(MAX_TREE) }, entry: roots.len() };
        planned.add(&root);
        roots.push(root);
    }
    let detached = Arc::new(Detached {
        ran: Ledger::new(planned.spawns as usize),
        next_id: AtomicUsize::new(0),
        sum: AtomicU64::new(0),
    });
    let pool = {
        let violations = Arc::clone(violations);
        let handler = move |payload: Box<dyn std::any::Any + Send>| {
            violations.flag(format!("a detached task panicked: {}", panic_message(&*payload)));
        };
        Arc::new(ThreadPoolBuilder::new().num_threads(threads).panic_handler(handler).build().unwrap())
    };
    let roots = Arc::new(roots);
    let submitters: Vec<_> = (0..SUBMITTERS)
        .map(|submitter| {
            let (pool, roots, detached) = (Arc::clone(&pool), Arc::clone(&roots), Arc::clone(&detached));
            let violations = Arc::clone(violations);
            thread::spawn(move || {
                let mine = roots.iter().skip(submitter as usize).step_by(SUBMITTERS as usize);
                mine.map(|root| root.submit(&pool, &detached, &violations)).sum()
            })
        })
        .collect();
    let evaluated = violations.join_all(submitters, "submitter");
    pool.wait_idle();
    let ran = detached.ran.recorded() as u64;
    violations.check(ran == planned.spawns, || {
        format!("after wait_idle, {ran} of {} detached spawns had run", planned.spawns)
    });
    // Relaxed: read after `wait_idle`, which returns once every detached task has finished.
    let sum = detached.sum.load(Ordering::Relaxed);
    violations.check(sum == planned.detached_sum, || {
        format!("detached spawns summed to {sum}, the sequential sum is {}", planned.detached_sum)
    });
    evaluated
}

/// What the detached spawns share: one ledger entry per spawn, the id of the next, their sum.
struct Detached {
    ran: Ledger,
    next_id: AtomicUsize,
    sum: AtomicU64,
}

/// One tree and how it enters the pool.
struct Root {
    node: Node,
    /// Picks the entry: `install`, `join` (the tree on both sides), `scope` or `spawn`.
    entry: usize,
}

impl Root {
    /// How many times the entry evaluates the tree.
    fn runs(&self) -> u64 {
        if self.entry % 4 == 1 {
            2
        } else {
            1
        }
    }

    /// Submits the tree from outside the pool and checks its result; returns the nodes evaluated.
    fn submit(&self, pool: &ThreadPool, detached: &Arc<Detached>, violations: &Violations) -> u64 {
        let node = self.node;
        let expected = sequential(node).value;
        let results = match self.entry % 4 {
            0 => vec![pool.install(|| evaluate(node, detached))],
            1 => {
                let (a, b) = pool.join(|| evaluate(node, detached), || evaluate(node, detached));
                vec![a, b]
            }
            2 => {
                let mut result = 0;
                pool.scope(|s| s.spawn(|_| result = evaluate(node, detached)));
                vec![result]
            }
            _ => {
                pool.spawn(detached_task(node, detached));
                Vec::new()
            }
        };
        for result in results {
            violations.check(result == expected, || {
                format!("tree {node:?} evaluated to {result}, the sequential value is {expected}")
            });
        }
        node.size * self.runs()
    }
}

/// What the runs of the trees should produce, from their sequential interpretation.
#[derive(Debug, Default)]
struct Planned {
    nodes: u64,
    spawns: u64,
    detached_sum: u64,
}

impl Planned {
    fn add(&mut self, root: &Root) {
        let tree = sequential(root.node);
        let runs = root.runs();
        self.nodes += root.node.size * runs;
        if root.entry % 4 == 3 {
            // The whole tree is one more detached spawn.
            self.spawns += 1;
            self.detached_sum += tree.value;
        }
        self.spawns += tree.spawns * runs;
        self.detached_sum += tree.detached_sum * runs;
    }
}

/// A subtree: a seed for its shape and its number of nodes.
#[derive(Debug, Clone, Copy)]
struct Node {
    seed: u64,
    size: u64,
}

/// How a node combines its subtrees.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Leaf,
    Join,
    Scope,
    /// The first subtree is spawned detached; the second is evaluated inline.
    Spawn,
}

impl Node {
    /// The node's own value (leaves and inner nodes alike).
    fn value(self) -> u64 {
        mix(self.seed) % 1000
    }

    fn kind(self) -> Kind {
        let below = self.size - 1;
        match mix(self.seed ^ 1) % 3 {
            _ if below == 0 => Kind::Leaf,
            0 if below >= 2 => Kind::Join,
            1 if below >= 2 => Kind::Spawn,
            _ => Kind::Scope,
        }
    }

    /// The subtrees: two for `Join` and `Spawn`, one to [`MAX_SCOPE`] for `Scope`, splitting the
    /// nodes below this one between them, each getting between half and one and a half times its
    /// fair share (so depth stays logarithmic).
    fn children(self) -> Vec<Node> {
        let mut rest = self.size - 1;
        let count = match self.kind() {
            Kind::Leaf => 0,
            Kind::Join | Kind::Spawn => 2,
            Kind::Scope => (1 + mix(self.seed ^ 2) % MAX_SCOPE).min(rest),
        };
        (0..count)
            .map(|i| {
                let left = count - i;
                let hash = mix(self.seed ^ (3 + i));
                let size = if left == 1 {
                    rest
                } else {
                    let fair = rest / left;
                    (fair / 2 + hash % (fair + 1)).clamp(1, rest - (left - 1))
                };
                rest -= size;
                Node { seed: hash, size }
            })
            .collect()
    }
}

/// A tree's value as returned to its caller, and what its detached spawns add up to.
#[derive(Debug, Default)]
struct Sequential {
    value: u64,
    spawns: u64,
    detached_sum: u64,
}

/// The sequential interpretation: what evaluating `node` must return and spawn.
fn sequential(node: Node) -> Sequential {
    let mut total = Sequential { value: node.value(), ..Sequential::default() };
    for (i, child) in node.children().into_iter().enumerate() {
        let below = sequential(child);
        total.spawns += below.spawns;
        total.detached_sum += below.detached_sum;
        if node.kind() == Kind::Spawn && i == 0 {
            total.spawns += 1;
            total.detached_sum += below.value;
        } else {
            total.value += below.value;
        }
    }
    total
}

/// Evaluates `node` on the current pool with `join`, `scope` and `spawn`.
fn evaluate(node: Node, detached: &Arc<Detached>) -> u64 {
    let children = node.children();
    let below = match node.kind() {
        Kind::Leaf => 0,
        Kind::Join => {
            let (a, b) = join(|| evaluate(children[0], detached), || evaluate(children[1], detached));
            a + b
        }
        Kind::Scope => {
            let mut results = vec![0; children.len()];
            scope(|s| {
                for (result, &child) in results.iter_mut().zip(&children) {
                    s.spawn(move |_| *result = evaluate(child, detached));
                }
            });
            results.iter().sum()
        }
        Kind::Spawn => {
            spawn(detached_task(children[0], detached));
            evaluate(children[1], detached)
        }
    };
    node.value() + below
}

/// A detached task evaluating `node`: records that it ran and adds the value to the shared sum.
fn detached_task(node: Node, detached: &Arc<Detached>) -> impl FnOnce() + Send + 'static {
    // Relaxed: only hands out distinct ids.
    let id = detached.next_id.fetch_add(1, Ordering::Relaxed);
    let detached = Arc::clone(detached);
    move || {
        detached.ran.record(id);
        let value = evaluate(node, &detached);
        // Relaxed: read after `wait_idle`.
        detached.sum.fetch_add(value, Ordering::Relaxed);
    }
}
