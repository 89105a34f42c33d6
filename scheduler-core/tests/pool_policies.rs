//! The pool's policy options on real threads: share-nothing workers and `spawn_to`, pinning,
//! priorities, `resize`, and `spawn_local`.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::sync::Arc;

use filch_scheduler_core::{
    current_thread_index, CoreConfig, Priority, ResizeError, StealPolicy, ThreadPoolBuilder,
};

#[test]
fn share_nothing_runs_each_task_on_the_worker_it_was_sent_to() {
    let pool =
        ThreadPoolBuilder::new().num_threads(3).steal_policy(StealPolicy::ShareNothing).build().unwrap();
    let (send, receive) = mpsc::channel();
    for task in 0..300 {
        let send = send.clone();
        let index = task % 3;
        pool.spawn_to(index, move || send.send((index, current_thread_index())).unwrap());
    }
    drop(send);
    let ran: Vec<_> = receive.iter().collect();
    assert_eq!(ran.len(), 300);
    assert!(ran.iter().all(|&(index, ran_on)| ran_on == Some(index)), "a task ran away from its worker");
    let stats = pool.statistics();
    assert!(stats.iter().all(|worker| worker.steal_attempts == 0), "{stats:?}");
}

#[test]
fn share_nothing_spawns_stay_on_the_spawning_worker() {
    let pool =
        ThreadPoolBuilder::new().num_threads(2).steal_policy(StealPolicy::ShareNothing).build().unwrap();
    let moved = Arc::new(AtomicUsize::new(0));
    for index in 0..2 {
        let moved = Arc::clone(&moved);
        pool.spawn_to(index, move || {
            for _ in 0..100 {
                let moved = Arc::clone(&moved);
                filch_scheduler_core::spawn(move || {
                    if current_thread_index() != Some(index) {
                        moved.fetch_add(1, Ordering::Relaxed);
                    }
                });
            }
        });
    }
    pool.wait_idle();
    assert_eq!(moved.load(Ordering::Relaxed), 0);
    assert_eq!(pool.statistics().iter().map(|worker| worker.executed).sum::<u64>(), 202);
}

#[test]
fn with_stealing_tasks_sent_to_a_busy_worker_still_run() {
    // Worker 0 blocks until all the tasks sent to it have run: only the other worker can run them.
    let pool = ThreadPoolBuilder::new().num_threads(2).build().unwrap();
    let (done_send, done_receive) = mpsc::channel::<()>();
    let (blocked_send, blocked_receive) = mpsc::channel::<()>();
    pool.spawn_to(0, move || {
        blocked_send.send(()).unwrap();
        for _ in 0..10 {
            done_receive.recv().unwrap();
        }
    });
    blocked_receive.recv().unwrap();
    for _ in 0..10 {
        let done_send = done_send.clone();
        pool.spawn_to(0, move || done_send.send(()).unwrap());
    }
    pool.wait_idle();
}

#[test]
#[should_panic(
    expected = "filch-scheduler-core: spawn_to: worker index 2 is out of range for a pool of at most 2 workers"
)]
fn spawn_to_at_or_above_max_threads_panics() {
    let pool = ThreadPoolBuilder::new().num_threads(1).max_threads(2).build().unwrap();
    pool.spawn_to(2, || {});
}

#[test]
fn pinned_workers_each_run_on_one_core() {
    let Some(cores) = core_affinity::get_core_ids() else {
        return; // no affinity on this platform: pinning is a no-op, nothing to check
    };
    let threads = cores.len().min(4);
    let pool = ThreadPoolBuilder::new().num_threads(threads).pin_workers(true).build().unwrap();
    let (send, receive) = mpsc::channel();
    for index in 0..threads {
        let send = send.clone();
        pool.spawn_to(index, move || send.send(core_affinity::get_core_ids().map(|ids| ids.len())).unwrap());
    }
    drop(send);
    let allowed: Vec<_> = receive.iter().collect();
    assert_eq!(allowed, vec![Some(1); threads], "each pinned worker may run on exactly one core");
}

/// Blocks every worker of `pool`, each on a gate of its own: dropping one of the returned
/// senders frees one worker (each gate task blocks the worker that runs it, and all of them have
/// started before this returns, so each holds a different worker).
fn block_workers(pool: &filch_scheduler_core::ThreadPool, workers: usize) -> Vec<mpsc::Sender<()>> {
    let (started_send, started) = mpsc::channel();
    let gates = (0..workers)
        .map(|index| {
            let (release, gate) = mpsc::channel::<()>();
            let started_send = started_send.clone();
            pool.spawn_to(index, move || {
                started_send.send(()).unwrap();
                let _ = gate.recv();
            });
            release
        })
        .collect();
    for _ in 0..workers {
        started.recv().unwrap();
    }
    gates
}

/// The pool's workers are all busy while 20 normal tasks and then one high-priority task are
/// queued; the first worker freed takes the high-priority one first. The others stay blocked
/// until it has run all 21, so no second worker's timing enters the order (with every worker
/// freed at once, a worker that took the high-priority task could be preempted before it ran
/// it while another ran the normal ones: CI on the 2-core machine saw it last of 21 once).
#[test]
fn a_high_priority_task_starts_before_queued_normal_ones_on_a_busy_pool() {
    for workers in [1, 2] {
        let pool = ThreadPoolBuilder::new().num_threads(workers).build().unwrap();
        let mut gates = block_workers(&pool, workers);
        let (send, receive) = mpsc::channel();
        for label in 0..20 {
            let send = send.clone();
            pool.spawn(move || send.send(label).unwrap());
        }
        pool.spawn_with_priority(Priority::High, move || send.send(100).unwrap());
        drop(gates.remove(0));
        let order: Vec<_> = receive.iter().take(21).collect();
        drop(gates);
        assert_eq!(order.len(), 21);
        assert_eq!(order[0], 100, "{workers} workers: the high-priority task did not run first: {order:?}");
    }
}

#[test]
fn high_priority_tasks_that_keep_coming_do_not_starve_a_normal_one() {
    fn resubmit(stop: Arc<AtomicUsize>, count: Arc<AtomicUsize>) {
        // Bounded, so that a starving scheduler fails the assertion below instead of hanging.
        let runs = count.fetch_add(1, Ordering::Relaxed);
        if stop.load(Ordering::Acquire) == 0 && runs < 1000 {
            filch_scheduler_core::spawn_with_priority(Priority::High, move || resubmit(stop, count));
        }
    }
    let pool = ThreadPoolBuilder::new()
        .num_threads(1)
        .core_config(CoreConfig { high_priority_burst: 4, ..CoreConfig::default() })
        .build()
        .unwrap();
    let stop = Arc::new(AtomicUsize::new(0));
    let count = Arc::new(AtomicUsize::new(0));
    let release = block_workers(&pool, 1);
    {
        let stop = Arc::clone(&stop);
        pool.spawn(move || stop.store(1, Ordering::Release));
    }
    for _ in 0..3 {
        let (stop, count) = (Arc::clone(&stop), Arc::clone(&count));
        pool.spawn_with_priority(Priority::High, move || resubmit(stop, count));
    }
    drop(release);
    pool.wait_idle();
    // Three chains of high-priority tasks; the normal task ran after at most one burst of them.
    assert!(count.load(Ordering::Relaxed) <= 3 + 4 + 3, "{}", count.load(Ordering::Relaxed));
}

#[test]
fn resize_to_zero_or_above_max_is_an_error_and_changes_nothing() {
    let pool = ThreadPoolBuilder::new().num_threads(2).max_threads(3).build().unwrap();
    assert!(matches!(pool.resize(0), Err(ResizeError::ZeroThreads)));
    let error = pool.resize(4).unwrap_err();
    assert!(matches!(error, ResizeError::AboveMax { requested: 4, max: 3 }));
    assert_eq!(
        error.to_string(),
        "filch-scheduler-core: ThreadPool::resize: 4 threads is more than the pool's max_threads (3)"
    );
    assert_eq!(pool.current_num_threads(), 2);
    assert_eq!(pool.join(|| 1, || 2), (1, 2));
}

/// Leaves of a complete join tree `depth` deep, each sleeping a little and recording its worker.
fn sleeping_leaves(depth: u32, ran_on: &std::sync::Mutex<Vec<usize>>) {
    if depth == 0 {
        std::thread::sleep(std::time::Duration::from_millis(2));
        ran_on.lock().unwrap().push(current_thread_index().unwrap());
        return;
    }
    filch_scheduler_core::join(|| sleeping_leaves(depth - 1, ran_on), || sleeping_leaves(depth - 1, ran_on));
}

#[test]
#[cfg_attr(miri, ignore = "timing: waits for a new worker to steal")]
fn joins_inside_a_join_begun_on_one_worker_reach_workers_added_meanwhile() {
    let pool = ThreadPoolBuilder::new().num_threads(1).max_threads(2).build().unwrap();
    let (started_send, started) = mpsc::channel();
    let (resized_send, resized) = mpsc::channel::<()>();
    let ran_on = std::sync::Mutex::new(Vec::new());
    let (pool_ref, ran_on_ref) = (&pool, &ran_on);
    std::thread::scope(|scope| {
        scope.spawn(move || {
            // The outer join starts while the pool has one worker, so it keeps its `b`; the joins
            // inside `a` start after the resize and must be offered to the new worker.
            pool_ref.join(
                move || {
                    started_send.send(()).unwrap();
                    resized.recv().unwrap();
                    sleeping_leaves(5, ran_on_ref);
                },
                || (),
            );
        });
        started.recv().unwrap();
        pool.resize(2).unwrap();
        resized_send.send(()).unwrap();
    });
    let ran_on = ran_on.into_inner().unwrap();
    assert_eq!(ran_on.len(), 32);
    assert!(ran_on.contains(&0) && ran_on.contains(&1), "the added worker ran no leaf: {ran_on:?}");
}

#[test]
fn resize_from_a_worker_of_the_pool_is_an_error() {
    let pool = ThreadPoolBuilder::new().num_threads(2).max_threads(3).build().unwrap();
    let result = pool.install(|| pool.resize(1));
    assert!(matches!(result, Err(ResizeError::FromWorker)), "{result:?}");
    assert_eq!(pool.current_num_threads(), 2);
}

#[test]
fn a_shrink_hands_the_retiring_workers_queued_tasks_on() {
    let pool =
        ThreadPoolBuilder::new().num_threads(2).steal_policy(StealPolicy::ShareNothing).build().unwrap();
    let (release, gate) = mpsc::channel::<()>();
    let (started_send, started) = mpsc::channel();
    pool.spawn_to(1, move || {
        started_send.send(()).unwrap();
        gate.recv().unwrap();
    });
    started.recv().unwrap();
    let (send, receive) = mpsc::channel();
    for label in 0..10 {
        let send = send.clone();
        pool.spawn_to(1, move || send.send((label, current_thread_index())).unwrap());
    }
    drop(send);
    std::thread::scope(|s| {
        s.spawn(|| pool.resize(1).unwrap());
        // `resize` counts worker 1 out before it waits for it to retire: release its task then.
        while pool.current_num_threads() != 1 {
            std::thread::yield_now();
        }
        release.send(()).unwrap();
    });
    assert_eq!(pool.current_num_threads(), 1);
    let mut ran: Vec<_> = receive.iter().collect();
    ran.sort_unstable();
    assert_eq!(ran, (0..10).map(|label| (label, Some(0))).collect::<Vec<_>>());
}

#[test]
fn resizing_while_tasks_spawn_tasks_runs_each_once_and_keeps_statistics() {
    fn tree(depth: u32, ran: Arc<Vec<AtomicUsize>>, id: usize) {
        ran[id].fetch_add(1, Ordering::Relaxed);
        if depth > 0 {
            for child in [2 * id + 1, 2 * id + 2] {
                let ran = Arc::clone(&ran);
                filch_scheduler_core::spawn(move || tree(depth - 1, ran, child));
            }
        }
    }
    let starts = Arc::new(AtomicUsize::new(0));
    let exits = Arc::new(AtomicUsize::new(0));
    let pool = ThreadPoolBuilder::new()
        .num_threads(1)
        .max_threads(4)
        .start_handler({
            let starts = Arc::clone(&starts);
            move |_| {
                starts.fetch_add(1, Ordering::Relaxed);
            }
        })
        .exit_handler({
            let exits = Arc::clone(&exits);
            move |_| {
                exits.fetch_add(1, Ordering::Relaxed);
            }
        })
        .build()
        .unwrap();
    let depth = 11;
    let nodes = (1usize << (depth + 1)) - 1;
    let ran: Arc<Vec<AtomicUsize>> = Arc::new((0..nodes).map(|_| AtomicUsize::new(0)).collect());
    {
        let ran = Arc::clone(&ran);
        pool.spawn(move || tree(depth, ran, 0));
    }
    for threads in [4, 2, 3, 1, 4, 1, 2] {
        pool.resize(threads).unwrap();
        assert_eq!(pool.current_num_threads(), threads);
    }
    pool.wait_idle();
    assert!(ran.iter().all(|count| count.load(Ordering::Relaxed) == 1), "a task ran twice or never");
    let executed: u64 = pool.statistics().iter().map(|worker| worker.executed).sum();
    assert_eq!(executed, nodes as u64, "statistics lost counts across resizes");
    assert_eq!(pool.statistics().len(), 4);
    drop(pool);
    // 1 at build, then 3 + 1 + 3 + 1 started by the grows; 2 + 2 + 3 retired by the shrinks and
    // 2 at the drop.
    assert_eq!(starts.load(Ordering::Relaxed), 9);
    assert_eq!(exits.load(Ordering::Relaxed), 9);
}

#[test]
fn a_task_for_a_retired_worker_runs_elsewhere() {
    let pool = ThreadPoolBuilder::new()
        .num_threads(1)
        .max_threads(3)
        .steal_policy(StealPolicy::ShareNothing)
        .build()
        .unwrap();
    let (send, receive) = mpsc::channel();
    for index in [1, 2] {
        let send = send.clone();
        pool.spawn_to(index, move || send.send(current_thread_index()).unwrap());
    }
    assert_eq!(receive.iter().take(2).collect::<Vec<_>>(), [Some(0), Some(0)]);
}
