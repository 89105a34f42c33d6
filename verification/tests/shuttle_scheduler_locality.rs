//! shuttle runs of filch-scheduler-core's locality: random trees of detached tasks, each spawned
//! onto the deque, into the LIFO slot (a pool built with `lifo_slot(true)`, and a small slot
//! limit so the limit's hand-over runs too) or into the spawner's local queue (`spawn_local`),
//! while the main thread resizes the pool at random points. For every schedule: each task runs
//! exactly once (the run ledger) and is dropped exactly once (the drop ledger, through a
//! `Tracked` token each task owns), the statistics count every task, and dropping the pool
//! terminates (a task stranded in the slot or the local queue of a retiring or sleeping worker
//! shows up as a shuttle deadlock in `wait_idle`'s wait, or as a missing ledger entry).
#![cfg(feature = "shuttle")]

use filch_scheduler_core::{CoreConfig, StealPolicy, ThreadPool, ThreadPoolBuilder};
use filch_sync::Arc;
use filch_verification::budget;
use filch_verification::ledger::{Ledger, Tracked};
use shuttle::rand::{thread_rng, Rng};

const MAX_THREADS: usize = 3;

fn iterations() -> usize {
    budget::pick(1, 200, 2_000)
}

/// How a task is spawned (from a worker; from the main thread every kind goes to the injector).
#[derive(Debug, Clone, Copy)]
enum Kind {
    /// `spawn`: the LIFO slot when the pool has it on, else the deque.
    Spawn,
    /// `spawn_local`: the spawner's local queue.
    Local,
    /// `spawn_to` a random worker: its inbox, the queue local tasks share.
    To(usize),
}

/// A task of the tree: its ledger id, how it is spawned, and its children.
#[derive(Debug)]
struct Node {
    id: usize,
    kind: Kind,
    children: Vec<Node>,
}

fn random_tree(rng: &mut impl Rng, depth: u32, next_id: &mut usize) -> Node {
    let id = *next_id;
    *next_id += 1;
    let kind = match rng.gen_range(0..5) {
        0 | 1 => Kind::Spawn,
        2 | 3 => Kind::Local,
        _ => Kind::To(rng.gen_range(0..MAX_THREADS)),
    };
    // Up to 3 children: a third `spawn` displaces the first from the slot onto the deque.
    let children = if depth == 0 { 0 } else { rng.gen_range(0..=3) };
    Node { id, kind, children: (0..children).map(|_| random_tree(rng, depth - 1, next_id)).collect() }
}

/// Spawns `node` into `pool`; when it runs it records itself and spawns its children.
fn spawn_node(pool: &Arc<ThreadPool>, node: Node, runs: &Arc<Ledger>, drops: &Arc<Ledger>) {
    let (task_pool, task_runs, task_drops) = (Arc::clone(pool), Arc::clone(runs), Arc::clone(drops));
    let token = Tracked::new(node.id, drops);
    let kind = node.kind;
    let body = move || {
        task_runs.record(token.id());
        drop(token);
        for child in node.children {
            spawn_node(&task_pool, child, &task_runs, &task_drops);
        }
    };
    match kind {
        Kind::Spawn => pool.spawn(body),
        Kind::Local => pool.spawn_local(body),
        // The index may belong to a retired worker: the task then goes to the injector.
        Kind::To(index) => pool.spawn_to(index, body),
    }
}

fn resizes_racing_local_spawn_trees(lifo_slot: bool, steal_policy: StealPolicy) {
    shuttle::check_random(
        move || {
            let mut rng = thread_rng();
            let mut tasks = 0;
            let trees: Vec<_> = (0..2).map(|_| random_tree(&mut rng, 3, &mut tasks)).collect();
            let pool = Arc::new(
                ThreadPoolBuilder::new()
                    .num_threads(rng.gen_range(1..=MAX_THREADS))
                    .max_threads(MAX_THREADS)
                    .lifo_slot(lifo_slot)
                    .core_config(CoreConfig {
                        steal_policy,
                        lifo_slot_limit: rng.gen_range(1..=2),
                        ..CoreConfig::default()
                    })
                    .spin_budget(1, 1)
                    .build()
                    .unwrap(),
            );
            let (runs, drops) = (Arc::new(Ledger::new(tasks)), Arc::new(Ledger::new(tasks)));
            for tree in trees {
                spawn_node(&pool, tree, &runs, &drops);
                pool.resize(rng.gen_range(1..=MAX_THREADS)).unwrap();
            }
            pool.resize(rng.gen_range(1..=MAX_THREADS)).unwrap();
            pool.wait_idle();
            runs.assert_each_recorded_once();
            let executed: u64 = pool.statistics().iter().map(|worker| worker.executed).sum();
            assert_eq!(executed, tasks as u64, "the statistics lost or double-counted tasks");
            // Only the main thread holds the pool now: the tasks' clones are gone with them.
            drop(Arc::into_inner(pool).expect("a task kept the pool alive"));
            drops.assert_each_recorded_once();
        },
        iterations(),
    );
}

#[test]
fn resizes_racing_spawn_local_and_slot_spawns() {
    resizes_racing_local_spawn_trees(true, StealPolicy::WorkStealing);
}

#[test]
fn resizes_racing_spawn_local_without_the_slot() {
    resizes_racing_local_spawn_trees(false, StealPolicy::WorkStealing);
}

#[test]
fn resizes_racing_spawn_local_and_slot_spawns_share_nothing() {
    resizes_racing_local_spawn_trees(true, StealPolicy::ShareNothing);
}
