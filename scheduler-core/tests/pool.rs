//! The pool's behaviour: join, scope, spawn, install, statistics, wait_idle, drop.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use filch_scheduler_core::{BuildError, CoreConfig, Flavor, ThreadPool, ThreadPoolBuilder};

fn pool(threads: usize) -> ThreadPool {
    ThreadPoolBuilder::new().num_threads(threads).build().unwrap()
}

fn fib(n: u64) -> u64 {
    if n < 2 {
        return n;
    }
    let (a, b) = filch_scheduler_core::join(|| fib(n - 1), || fib(n - 2));
    a + b
}

fn fib_sequential(n: u64) -> u64 {
    if n < 2 {
        n
    } else {
        fib_sequential(n - 1) + fib_sequential(n - 2)
    }
}

#[test]
fn join_computes_fib_at_every_thread_count() {
    for threads in [1, 2, 3, 4] {
        let pool = pool(threads);
        assert_eq!(pool.install(|| fib(22)), fib_sequential(22), "{threads} threads");
    }
}

#[test]
fn join_from_outside_any_pool_uses_the_global_pool() {
    assert_eq!(fib(15), 610);
    assert_eq!(filch_scheduler_core::current_thread_index(), None);
}

#[test]
fn pool_join_runs_in_that_pool() {
    let pool = pool(2);
    let (a, b) = pool.join(pool_index, pool_index);
    assert!(a.is_some() && b.is_some());
}

fn pool_index() -> Option<usize> {
    filch_scheduler_core::current_thread_index()
}

#[test]
fn work_is_spread_over_the_workers() {
    let pool = pool(2);
    let seen = Mutex::new([false; 2]);
    // Enough work per leaf that the idle worker wakes and steals before the tree is done.
    pool.install(|| tree(12, &seen));
    assert_eq!(*seen.lock().unwrap(), [true, true]);
    let stats = pool.statistics();
    assert!(stats.iter().map(|worker| worker.stolen).sum::<u64>() >= 1, "{stats:?}");
}

fn tree(depth: u32, seen: &Mutex<[bool; 2]>) {
    if depth == 0 {
        let index = filch_scheduler_core::current_thread_index().unwrap();
        seen.lock().unwrap()[index] = true;
        std::thread::sleep(std::time::Duration::from_micros(50));
        return;
    }
    filch_scheduler_core::join(|| tree(depth - 1, seen), || tree(depth - 1, seen));
}

#[test]
fn scope_waits_for_nested_spawns_that_borrow_the_frame() {
    let pool = pool(3);
    let hits = AtomicUsize::new(0);
    pool.scope(|s| {
        for _ in 0..10 {
            s.spawn(|s| {
                hits.fetch_add(1, Ordering::Relaxed);
                for _ in 0..10 {
                    s.spawn(|_| {
                        hits.fetch_add(1, Ordering::Relaxed);
                    });
                }
            });
        }
    });
    assert_eq!(hits.load(Ordering::Relaxed), 110);
}

#[test]
fn scope_returns_the_value_of_its_body() {
    let pool = pool(2);
    assert_eq!(pool.scope(|_| 7), 7);
    assert_eq!(filch_scheduler_core::scope(|_| "global"), "global");
}

#[test]
fn spawned_tasks_all_run_before_wait_idle_returns() {
    let pool = pool(2);
    let hits = Arc::new(AtomicUsize::new(0));
    for _ in 0..100 {
        let hits = Arc::clone(&hits);
        pool.spawn(move || {
            hits.fetch_add(1, Ordering::Relaxed);
        });
    }
    pool.wait_idle();
    assert_eq!(hits.load(Ordering::Relaxed), 100);
}

#[test]
fn tasks_spawned_by_tasks_count_for_wait_idle() {
    let pool = Arc::new(pool(2));
    let hits = Arc::new(AtomicUsize::new(0));
    for _ in 0..10 {
        let hits = Arc::clone(&hits);
        pool.spawn(move || {
            for _ in 0..10 {
                let hits = Arc::clone(&hits);
                filch_scheduler_core::spawn(move || {
                    std::thread::sleep(std::time::Duration::from_micros(100));
                    hits.fetch_add(1, Ordering::Relaxed);
                });
            }
        });
    }
    pool.wait_idle();
    assert_eq!(hits.load(Ordering::Relaxed), 100);
}

/// Counts its drops.
struct DropCounter(Arc<AtomicUsize>);

impl Drop for DropCounter {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::Relaxed);
    }
}

#[test]
fn dropping_the_pool_runs_every_queued_task_once_and_joins() {
    let ran = Arc::new(AtomicUsize::new(0));
    let dropped = Arc::new(AtomicUsize::new(0));
    let exited = Arc::new(AtomicUsize::new(0));
    let pool = ThreadPoolBuilder::new()
        .num_threads(2)
        .exit_handler({
            let exited = Arc::clone(&exited);
            move |_| {
                exited.fetch_add(1, Ordering::Relaxed);
            }
        })
        .build()
        .unwrap();
    for _ in 0..1000 {
        let ran = Arc::clone(&ran);
        let token = DropCounter(Arc::clone(&dropped));
        pool.spawn(move || {
            let _token = token;
            ran.fetch_add(1, Ordering::Relaxed);
        });
    }
    drop(pool);
    assert_eq!(ran.load(Ordering::Relaxed), 1000);
    assert_eq!(dropped.load(Ordering::Relaxed), 1000);
    assert_eq!(exited.load(Ordering::Relaxed), 2, "every thread exited before drop returned");
}

#[test]
fn zero_threads_is_an_error() {
    let error = ThreadPoolBuilder::new().num_threads(0).build().unwrap_err();
    assert!(matches!(error, BuildError::ZeroThreads));
    assert!(error.to_string().contains("num_threads must be at least 1"));
}

#[test]
fn builder_names_threads_and_runs_start_handlers() {
    let started = Arc::new(Mutex::new(Vec::new()));
    let pool = ThreadPoolBuilder::new()
        .num_threads(3)
        .thread_name(|index| format!("tested-{index}"))
        .stack_size(256 * 1024)
        .start_handler({
            let started = Arc::clone(&started);
            move |index| started.lock().unwrap().push(index)
        })
        .build()
        .unwrap();
    let name = pool.install(|| std::thread::current().name().unwrap().to_owned());
    assert!(name.starts_with("tested-"), "{name}");
    assert_eq!(pool.current_num_threads(), 3);
    assert_eq!(pool.install(filch_scheduler_core::current_num_threads), 3);
    drop(pool);
    let mut started = started.lock().unwrap().clone();
    started.sort_unstable();
    assert_eq!(started, [0, 1, 2]);
}

#[test]
fn statistics_count_executed_tasks_exactly_when_idle() {
    let pool = pool(2);
    for _ in 0..50 {
        pool.spawn(|| {});
    }
    pool.wait_idle();
    let executed: u64 = pool.statistics().iter().map(|worker| worker.executed).sum();
    assert_eq!(executed, 50);
}

#[test]
fn idle_workers_park_and_are_woken_by_outside_pushes() {
    let pool = ThreadPoolBuilder::new().num_threads(2).spin_budget(1, 0).build().unwrap();
    for _ in 0..20 {
        std::thread::sleep(std::time::Duration::from_millis(2));
        pool.spawn(|| {});
        pool.wait_idle();
    }
    let stats = pool.statistics();
    assert!(stats.iter().map(|worker| worker.parks).sum::<u64>() >= 1, "{stats:?}");
    assert!(stats.iter().map(|worker| worker.wakeups).sum::<u64>() >= 1, "{stats:?}");
}

#[test]
#[should_panic(expected = "wait_idle: called from a worker of this pool")]
fn wait_idle_from_inside_the_pool_panics() {
    let pool = Arc::new(pool(1));
    let inner = Arc::clone(&pool);
    pool.install(move || inner.wait_idle());
}

#[test]
fn install_from_another_pool_blocks_and_returns() {
    let outer = pool(1);
    let inner = pool(2);
    assert_eq!(outer.install(|| inner.install(|| fib(12))), 144);
}

/// All tasks start on one worker's deque (spawned from inside it), which grows while the others
/// steal: every task runs exactly once, in every deque flavour (`DESIGN.md`, "Deque flavours").
#[test]
fn spawns_from_inside_one_worker_each_run_once_while_others_steal() {
    for flavor in [Flavor::Lifo, Flavor::Fifo, Flavor::LifoFenceFree] {
        let started = Arc::new(AtomicUsize::new(0));
        let pool = ThreadPoolBuilder::new()
            .num_threads(3)
            .core_config(CoreConfig { flavor, ..CoreConfig::default() })
            .start_handler({
                let started = Arc::clone(&started);
                move |_| {
                    started.fetch_add(1, Ordering::SeqCst);
                }
            })
            .build()
            .unwrap();
        // On a loaded machine a new thread may start late; let all three reach their loops.
        while started.load(Ordering::SeqCst) < 3 {
            std::thread::yield_now();
        }
        let runs: Arc<Vec<AtomicUsize>> = Arc::new((0..3000).map(|_| AtomicUsize::new(0)).collect());
        pool.install(|| {
            for task in 0..3000 {
                let runs = Arc::clone(&runs);
                filch_scheduler_core::spawn(move || {
                    // 20 us of busy work, so that the owner cannot finish before the others wake.
                    let start = std::time::Instant::now();
                    while start.elapsed() < std::time::Duration::from_micros(20) {
                        std::hint::spin_loop();
                    }
                    runs[task].fetch_add(1, Ordering::Relaxed);
                });
            }
        });
        pool.wait_idle();
        assert!(runs.iter().all(|count| count.load(Ordering::Relaxed) == 1), "{flavor:?}");
        let stolen: u64 = pool.statistics().iter().map(|worker| worker.stolen).sum();
        assert!(stolen > 0, "{flavor:?}: the other workers should have stolen: {:?}", pool.statistics());
    }
}
