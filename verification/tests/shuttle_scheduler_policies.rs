//! shuttle runs of filch-scheduler-core's run-time policies: random trees of detached tasks with
//! mixed targets (any worker, which is the LIFO slot when the pool has it on; a given worker;
//! high priority; the spawner's local queue), while the main thread resizes the pool at random
//! points, under each victim and steal policy, with and without the LIFO slot (and a small slot
//! limit, so the limit's hand-over runs too). For every schedule: each task runs exactly once (the
//! run ledger) and is dropped exactly once (the drop ledger, through a `Tracked` token each task
//! owns), the statistics count every task, and dropping the pool terminates (a task stranded by a
//! retiring or sleeping worker, in a queue, the slot or a local queue, shows up as a shuttle
//! deadlock in `wait_idle`'s wait or as a missing ledger entry).
#![cfg(feature = "shuttle")]

use filch_scheduler_core::{CoreConfig, Priority, StealPolicy, ThreadPool, ThreadPoolBuilder, VictimPolicy};
use filch_sync::Arc;
use filch_verification::budget;
use filch_verification::ledger::{Ledger, Tracked};
use shuttle::rand::{thread_rng, Rng};

const MAX_THREADS: usize = 3;

fn iterations() -> usize {
    budget::pick(1, 200, 2_000)
}

/// Where a task is sent (from a worker; from the main thread `Anywhere` and `Local` go to the
/// injector).
#[derive(Debug, Clone, Copy)]
enum Target {
    /// `spawn`: the spawner's deque, or its LIFO slot when the pool has it on.
    Anywhere,
    /// `spawn_with_priority(High)`.
    High,
    /// `spawn_to` a worker: its inbox, the queue local tasks share.
    Worker(usize),
    /// `spawn_local`: the spawner's local queue.
    Local,
}

/// A task of the tree: its ledger id, where it goes, and its children.
#[derive(Debug)]
struct Node {
    id: usize,
    target: Target,
    children: Vec<Node>,
}

fn random_tree(rng: &mut impl Rng, depth: u32, next_id: &mut usize) -> Node {
    let id = *next_id;
    *next_id += 1;
    let target = match rng.gen_range(0..4) {
        0 => Target::Anywhere,
        1 => Target::High,
        2 => Target::Worker(rng.gen_range(0..MAX_THREADS)),
        _ => Target::Local,
    };
    // Two children spawned into the slot: the second displaces the first onto the deque.
    let children = if depth == 0 { 0 } else { rng.gen_range(0..=2) };
    Node { id, target, children: (0..children).map(|_| random_tree(rng, depth - 1, next_id)).collect() }
}

/// Spawns `node` into `pool` (from a task of the pool, or from outside); when it runs it
/// records itself and spawns its children.
fn spawn_node(pool: &Arc<ThreadPool>, node: Node, runs: &Arc<Ledger>, drops: &Arc<Ledger>) {
    let (task_pool, task_runs, task_drops) = (Arc::clone(pool), Arc::clone(runs), Arc::clone(drops));
    let token = Tracked::new(node.id, drops);
    let target = node.target;
    let body = move || {
        task_runs.record(token.id());
        drop(token);
        for child in node.children {
            spawn_node(&task_pool, child, &task_runs, &task_drops);
        }
    };
    match target {
        Target::Anywhere => pool.spawn(body),
        Target::High => pool.spawn_with_priority(Priority::High, body),
        // The index may belong to a worker that a resize retired: the task then goes to the
        // injector.
        Target::Worker(index) => pool.spawn_to(index, body),
        Target::Local => pool.spawn_local(body),
    }
}

fn resizes_racing_spawn_trees(victim_policy: VictimPolicy, steal_policy: StealPolicy, lifo_slot: bool) {
    shuttle::check_random(
        move || {
            let mut rng = thread_rng();
            let mut tasks = 0;
            let trees: Vec<_> = (0..2).map(|_| random_tree(&mut rng, 3, &mut tasks)).collect();
            let pool = Arc::new(
                ThreadPoolBuilder::new()
                    .num_threads(rng.gen_range(1..=MAX_THREADS))
                    .max_threads(MAX_THREADS)
                    .core_config(CoreConfig {
                        victim_policy,
                        steal_policy,
                        lifo_slot_limit: rng.gen_range(1..=2),
                        ..CoreConfig::default()
                    })
                    .lifo_slot(lifo_slot)
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
            assert_eq!(executed, tasks as u64, "the statistics lost or double-counted tasks across resizes");
            // Only the main thread holds the pool now: the tasks' clones are gone with them.
            drop(Arc::into_inner(pool).expect("a task kept the pool alive"));
            drops.assert_each_recorded_once();
        },
        iterations(),
    );
}

#[test]
fn resizes_racing_spawn_trees_with_random_victims() {
    resizes_racing_spawn_trees(VictimPolicy::Random, StealPolicy::WorkStealing, false);
}

#[test]
fn resizes_racing_spawn_trees_with_largest_queue_first() {
    resizes_racing_spawn_trees(VictimPolicy::LargestQueue, StealPolicy::WorkStealing, false);
}

#[test]
fn resizes_racing_spawn_trees_with_round_robin() {
    resizes_racing_spawn_trees(VictimPolicy::RoundRobin, StealPolicy::WorkStealing, false);
}

#[test]
fn resizes_racing_spawn_trees_share_nothing() {
    resizes_racing_spawn_trees(VictimPolicy::Random, StealPolicy::ShareNothing, false);
}

#[test]
fn resizes_racing_spawn_trees_with_the_lifo_slot() {
    resizes_racing_spawn_trees(VictimPolicy::Random, StealPolicy::WorkStealing, true);
}

#[test]
fn resizes_racing_spawn_trees_with_the_lifo_slot_share_nothing() {
    resizes_racing_spawn_trees(VictimPolicy::Random, StealPolicy::ShareNothing, true);
}
