//! Lazy publication in `join`: the second half is offered to other workers only when it can be
//! used (first join of a task, or an idle worker), with two or more idle workers at most once
//! per publication interval; a joiner whose second half was stolen spins on it for a while
//! before it helps; and the per-thread stack of pending joins stays consistent through steals,
//! helping, panics, scopes and nested pools.

use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::time::Duration;

use filch_scheduler_core::{current_thread_index, join, ThreadPool, ThreadPoolBuilder};

fn pool(threads: usize) -> ThreadPool {
    ThreadPoolBuilder::new().num_threads(threads).build().unwrap()
}

/// Smaller trees under Miri, which runs every test but slowly.
const fn sized(native: u32, miri: u32) -> u32 {
    if cfg!(miri) {
        miri
    } else {
        native
    }
}

/// Pool sizes the tests sweep; Miri interprets every idle worker's spinning, so fewer there.
const THREAD_COUNTS: &[usize] = if cfg!(miri) { &[1, 2] } else { &[1, 2, 3, 4] };

fn fib(n: u64) -> u64 {
    if n < 2 {
        return n;
    }
    let (a, b) = join(|| fib(n - 1), || fib(n - 2));
    a + b
}

fn fib_sequential(n: u64) -> u64 {
    if n < 2 {
        n
    } else {
        fib_sequential(n - 1) + fib_sequential(n - 2)
    }
}

/// A complete tree of joins; each leaf records which worker ran it and sleeps a little, so an
/// idle worker has time to ask for work.
fn tree_of_sleeping_leaves(depth: u32, ran_on: &Mutex<Vec<usize>>) {
    if depth == 0 {
        ran_on.lock().unwrap().push(filch_scheduler_core::current_thread_index().unwrap());
        std::thread::sleep(Duration::from_micros(20));
        return;
    }
    join(|| tree_of_sleeping_leaves(depth - 1, ran_on), || tree_of_sleeping_leaves(depth - 1, ran_on));
}

#[test]
#[cfg_attr(
    miri,
    ignore = "a timing property: under Miri the idle worker wakes and steals too slowly (seen with \
              5 ms leaves); the other tests here check the stack itself under Miri"
)]
fn joins_below_the_first_are_published_when_a_worker_is_idle() {
    let depth = sized(8, 3);
    let pool = pool(2);
    let ran_on = Mutex::new(Vec::new());
    // The task's first join (offered: the pool's first publication) has a trivial `b`: every leaf is in `a`, below it,
    // so the other worker gets leaves only if the deeper joins are published on demand.
    pool.install(|| join(|| tree_of_sleeping_leaves(depth, &ran_on), || ()));
    let ran_on = ran_on.into_inner().unwrap();
    assert_eq!(ran_on.len(), 1 << depth);
    let stolen: u64 = pool.statistics().iter().map(|worker| worker.stolen).sum();
    assert!(stolen > 0, "an idle worker stole nothing");
    assert!(ran_on.contains(&0) && ran_on.contains(&1), "one worker ran every leaf: {ran_on:?}");
}

#[test]
fn fib_matches_sequential_at_every_thread_count() {
    let n = u64::from(sized(22, 6));
    for &threads in THREAD_COUNTS {
        let pool = pool(threads);
        assert_eq!(pool.install(|| fib(n)), fib_sequential(n), "{threads} threads");
    }
}

/// A chain of joins `depth` long whose work is all on one side: every frame stays pending until
/// the chain's end, so the stack of pending joins is `depth` deep.
fn chain(depth: u64, work_in_a: bool) -> u64 {
    if depth == 0 {
        return 0;
    }
    let (a, b) = if work_in_a {
        join(|| chain(depth - 1, true), || depth)
    } else {
        join(|| depth, || chain(depth - 1, false))
    };
    a + b
}

/// An unbalanced tree: the left subtree is always a leaf, the right one the rest, with a small
/// balanced tree hanging off every node.
fn comb(depth: u64) -> u64 {
    if depth == 0 {
        return 1;
    }
    let (left, right) = join(|| fib(depth % 8), || comb(depth - 1));
    left + right + 1
}

fn comb_sequential(depth: u64) -> u64 {
    (1..=depth).map(|d| fib_sequential(d % 8) + 1).sum::<u64>() + 1
}

#[test]
fn deep_and_unbalanced_trees_compute_the_sequential_result() {
    let depth = u64::from(sized(500, 12));
    for &threads in THREAD_COUNTS {
        let pool = pool(threads);
        let triangle = depth * (depth + 1) / 2;
        assert_eq!(pool.install(|| chain(depth, true)), triangle, "{threads} threads, work in a");
        assert_eq!(pool.install(|| chain(depth, false)), triangle, "{threads} threads, work in b");
        assert_eq!(pool.install(|| comb(depth)), comb_sequential(depth), "{threads} threads, comb");
    }
}

/// A complete tree of joins; leaf `panic_at` panics after counting itself.
fn tree_with_a_panicking_leaf(depth: u32, index: u32, panic_at: u32, leaves: &AtomicUsize) -> u32 {
    if depth == 0 {
        leaves.fetch_add(1, Ordering::Relaxed);
        assert!(index != panic_at, "leaf {index} failed");
        return 1;
    }
    let (a, b) = join(
        || tree_with_a_panicking_leaf(depth - 1, 2 * index, panic_at, leaves),
        || tree_with_a_panicking_leaf(depth - 1, 2 * index + 1, panic_at, leaves),
    );
    a + b
}

fn message(payload: Box<dyn std::any::Any + Send>) -> String {
    payload.downcast_ref::<String>().cloned().unwrap_or_default()
}

#[test]
fn a_panic_deep_in_a_or_b_propagates_every_leaf_runs_and_the_pool_keeps_working() {
    let depth = sized(7, 2);
    let all = 1u32 << depth;
    for threads in [1, 2] {
        let pool = pool(threads);
        // The first leaf is on the `a` side of every join above it, the last on the `b` side,
        // the middle ones on both.
        for panic_at in [0, all / 2 - 1, all / 2, all - 1] {
            let leaves = AtomicUsize::new(0);
            let result = panic::catch_unwind(AssertUnwindSafe(|| {
                pool.install(|| tree_with_a_panicking_leaf(depth, 0, panic_at, &leaves))
            }));
            assert_eq!(message(result.unwrap_err()), format!("leaf {panic_at} failed"));
            assert_eq!(leaves.load(Ordering::Relaxed), all as usize, "{threads} threads, leaf {panic_at}");
            // The pending-join stacks are empty again: joins link and publish from scratch.
            let n = u64::from(sized(18, 4));
            assert_eq!(
                pool.install(|| fib(n)),
                fib_sequential(n),
                "{threads} threads, after leaf {panic_at}"
            );
        }
    }
}

#[test]
fn a_join_can_install_into_a_second_pool_whose_tasks_join() {
    let outer = pool(2);
    let inner = pool(2);
    let n = u64::from(sized(12, 4));
    let (depth, leaves) = (sized(4, 1), 1u64 << sized(4, 1));
    /// Joins down to `depth`, then each leaf runs `fib(n)` in the inner pool.
    fn fan_out(depth: u32, n: u64, inner: &ThreadPool) -> u64 {
        if depth == 0 {
            let in_inner = inner.install(|| fib(n) + u64::from(inner.current_thread_index().is_some()));
            return in_inner + fib(n);
        }
        let (a, b) = join(|| fan_out(depth - 1, n, inner), || fan_out(depth - 1, n, inner));
        a + b
    }
    let total = outer.install(|| fan_out(depth, n, &inner));
    assert_eq!(total, leaves * (2 * fib_sequential(n) + 1));
    // And the other way round, from inside a join of the inner pool.
    let total = inner.install(|| fan_out(depth, n, &outer));
    assert_eq!(total, leaves * (2 * fib_sequential(n) + 1));
}

/// Joins inside the tasks of a scope that is itself inside a join: the scope's owner runs those
/// tasks while it waits, with the join below the scope still pending on its stack.
#[test]
fn joins_in_scope_tasks_above_a_pending_join_compute_the_right_result() {
    let n = u64::from(sized(14, 4));
    let tasks = sized(8, 2);
    for &threads in THREAD_COUNTS {
        let pool = pool(threads);
        let sum = AtomicUsize::new(0);
        let (scoped, other) = pool.install(|| {
            join(
                || {
                    filch_scheduler_core::scope(|s| {
                        for _ in 0..tasks {
                            s.spawn(|_| {
                                sum.fetch_add(fib(n) as usize, Ordering::Relaxed);
                            });
                        }
                    });
                    fib(n)
                },
                || fib(n),
            )
        });
        assert_eq!((scoped, other), (fib_sequential(n), fib_sequential(n)), "{threads} threads");
        assert_eq!(sum.load(Ordering::Relaxed), tasks as usize * fib_sequential(n) as usize);
    }
}

/// What `a_one_worker_pool_never_publishes` saw, in order (spawned jobs need `'static` data).
static ORDER: Mutex<Vec<String>> = Mutex::new(Vec::new());

/// Joins `depth` deep; each `a` spawns a job onto the worker's deque after its nested joins.
fn spawn_in_every_a(depth: u32) {
    if depth == 0 {
        return;
    }
    join(
        || {
            spawn_in_every_a(depth - 1);
            filch_scheduler_core::spawn(move || ORDER.lock().unwrap().push(format!("spawned {depth}")));
        },
        || ORDER.lock().unwrap().push(format!("b {depth}")),
    );
}

/// A loop of joins of two sleeps: each join is the first of its task's segment, published
/// whenever the rules allow, and the sleeps give idle workers time to take it.
fn loop_of_joins() {
    let nap = || std::thread::sleep(Duration::from_micros(20));
    for _ in 0..100 {
        join(nap, nap);
    }
}

fn total_steals(pool: &ThreadPool) -> u64 {
    pool.statistics().iter().map(|worker| worker.stolen).sum()
}

/// Total steals on a pool of `threads` workers with `interval` while one task runs
/// [`loop_of_joins`].
fn steals_of_a_loop_of_joins(threads: usize, interval: Duration) -> u64 {
    let pool = ThreadPoolBuilder::new().num_threads(threads).publish_interval(interval).build().unwrap();
    pool.install(loop_of_joins);
    total_steals(&pool)
}

#[test]
#[cfg_attr(miri, ignore = "a timing property, as above")]
fn a_crowd_of_idle_workers_is_served_at_most_once_per_interval() {
    // Four workers, one busy: two or three are idle throughout, so with an hour's interval the
    // busy worker publishes its first join and, now and then, one more while the relaxed idle
    // count misses a worker passing between sleeping and searching and reads a lone idle worker
    // (served at once). On two cores: 1-2 steals in 12 runs of an idle machine; with two CPU
    // hogs and four test threads 1-6 in 30 runs, up to 9 in earlier sessions, as preempted
    // workers sit longer between the two states. Without the interval the loop is shared at
    // every join on an idle machine (100 steals in 12 runs of 12; 6-49 under the hogs), so the
    // bound still catches an interval that does not hold.
    let stolen = steals_of_a_loop_of_joins(4, Duration::from_secs(3600));
    assert!(stolen <= 12, "{stolen} steals with an hour's interval");
    // The same loop without the interval is shared far more often.
    let unlimited = steals_of_a_loop_of_joins(4, Duration::ZERO);
    assert!(unlimited > 2, "without an interval only {unlimited} steals");
}

#[test]
#[cfg_attr(miri, ignore = "a timing property, as above")]
fn a_lone_idle_worker_is_served_at_every_join_whatever_the_interval() {
    let stolen = steals_of_a_loop_of_joins(2, Duration::from_secs(3600));
    assert!(stolen > 2, "the other worker of two stole only {stolen} times");
}

/// Waits (spinning) until `flag` is set, failing the test after ten seconds.
fn wait_for(flag: &AtomicBool, what: &str) {
    let started = std::time::Instant::now();
    // Acquire: pairs with the Release store that sets the flag.
    while !flag.load(Ordering::Acquire) {
        assert!(started.elapsed() < Duration::from_secs(10), "waited ten seconds for {what}");
        std::hint::spin_loop();
    }
}

/// A join whose `b` runs on another worker: `a` waits until `b` has started (setting
/// `b_started`), so the joiner cannot pop `b` back and finds it stolen.
fn join_with_stolen_b(b_started: &AtomicBool, b: impl FnOnce() + Send) {
    join(
        || wait_for(b_started, "the thief to start b"),
        || {
            // Release: pairs with the Acquire load in `wait_for`.
            b_started.store(true, Ordering::Release);
            b();
        },
    );
}

/// Total steals on a pool of two workers whose joiners spin up to `spin` on a stolen half, while
/// the `b` of [`join_with_stolen_b`] runs [`loop_of_joins`] and the joiner waits for it.
fn steals_while_a_stolen_half_runs(spin: Duration) -> u64 {
    let pool = ThreadPoolBuilder::new().num_threads(2).stolen_join_spin(spin).build().unwrap();
    let b_started = AtomicBool::new(false);
    pool.install(|| join_with_stolen_b(&b_started, loop_of_joins));
    total_steals(&pool)
}

#[test]
#[cfg_attr(miri, ignore = "a timing property, as above")]
fn a_joiner_spinning_on_its_stolen_half_is_not_served_by_the_thief() {
    // Spinning, the joiner is not idle: the thief keeps its joins (the first is published, as
    // the first join of the stolen task, and popped back), so the one steal is the first `b`.
    let stolen = steals_while_a_stolen_half_runs(Duration::from_secs(60));
    assert_eq!(stolen, 1, "steals while the joiner spun");
    // A joiner that helps at once is idle, and the thief publishes for it.
    let helping = steals_while_a_stolen_half_runs(Duration::ZERO);
    assert!(helping > 2, "a joiner that helps at once stole only {} times", helping - 1);
}

#[test]
#[cfg_attr(miri, ignore = "waits on real time: a 50 ms spin")]
fn a_joiner_helps_once_its_spin_on_a_stolen_half_runs_out() {
    // `b` waits for a task that only the joiner can run (the thief is the pool's other worker,
    // and the task reaches the injector from outside): the join ends only if the joiner stops
    // spinning and helps.
    let pool =
        ThreadPoolBuilder::new().num_threads(2).stolen_join_spin(Duration::from_millis(50)).build().unwrap();
    let b_started = &AtomicBool::new(false);
    let task_ran = Arc::new(AtomicBool::new(false));
    let (ran_on, ran_on_receiver) = mpsc::channel();
    let joiner = std::thread::scope(|scope| {
        let (pool, task_done) = (&pool, Arc::clone(&task_ran));
        scope.spawn(move || {
            wait_for(b_started, "the thief to start b");
            pool.spawn(move || {
                ran_on.send(current_thread_index()).unwrap();
                // Release: pairs with the Acquire load in `wait_for`.
                task_done.store(true, Ordering::Release);
            });
        });
        pool.install(|| {
            join_with_stolen_b(b_started, || wait_for(&task_ran, "the task only the joiner can run"));
            current_thread_index()
        })
    });
    assert_eq!(ran_on_receiver.recv().unwrap(), joiner, "the task ran on the joiner");
}

/// On one worker nothing is ever published. Visible from outside: a job that `a` spawns onto the
/// worker's deque runs only after `b`, since `b` never went through the deque (a published `b`
/// would sit below the spawned job and be popped after running it).
#[test]
fn a_one_worker_pool_never_publishes() {
    let pool = pool(1);
    pool.install(|| spawn_in_every_a(3));
    pool.wait_idle();
    let order = ORDER.lock().unwrap().clone();
    assert_eq!(order, ["b 1", "b 2", "b 3", "spawned 3", "spawned 2", "spawned 1"]);
}
