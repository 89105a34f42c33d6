//! Locality: the LIFO slot (`Worker::push_lifo`, `ThreadPoolBuilder::lifo_slot`) and the local
//! queue (`spawn_local`, `Worker::push_local`). Every wait on another thread is bounded, so a
//! lost or stranded task fails the test instead of hanging it.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use filch_scheduler_core::{
    current_thread_index, CoreConfig, Registry, Task, ThreadPool, ThreadPoolBuilder, Worker,
};

const PATIENCE: Duration = Duration::from_secs(10);

/// Spins (yielding) until `done()` holds; panics after `PATIENCE`.
fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + PATIENCE;
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting until {what}");
        std::thread::yield_now();
    }
}

/// Counts its drops: a task that captures one is dropped exactly once whether it runs or not.
#[derive(Debug)]
struct DropCounter(Arc<AtomicUsize>);

impl Drop for DropCounter {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::Relaxed);
    }
}

// ---- The core -------------------------------------------------------------------------------

/// A core task: its name, and a drop counter it holds only for its drop.
#[derive(Debug)]
struct Named(&'static str, Option<DropCounter>);

impl Named {
    fn new(name: &'static str) -> Self {
        Named(name, None)
    }

    fn counted(name: &'static str, dropped: &Arc<AtomicUsize>) -> Self {
        Named(name, Some(DropCounter(Arc::clone(dropped))))
    }
}

impl Task for Named {
    fn run(self, _worker: &Worker<'_, Self>) {
        drop(self.1);
    }
}

fn names<'r>(worker: &Worker<'r, Named>) -> Vec<&'static str> {
    std::iter::from_fn(|| worker.find_task().map(|task| task.0)).collect()
}

#[test]
fn the_slot_is_taken_first_by_its_owner_and_never_stolen() {
    let registry = Registry::new(2, CoreConfig::default());
    let owner = registry.worker(0);
    let thief = registry.worker(1);
    owner.push(Named::new("deque"));
    owner.push_lifo(Named::new("slot"));
    assert_eq!(thief.find_task().unwrap().0, "deque");
    assert!(thief.find_task().is_none(), "a thief took the slot's task");
    assert_eq!(names(&owner), ["slot"]);
}

#[test]
fn a_push_into_the_slot_moves_the_previous_task_onto_the_deque() {
    let registry = Registry::new(2, CoreConfig::default());
    let owner = registry.worker(0);
    let thief = registry.worker(1);
    owner.push_lifo(Named::new("a"));
    owner.push_lifo(Named::new("b"));
    owner.push_lifo(Named::new("c"));
    // `a` and `b` are on the deque, stealable; `c` is in the slot.
    assert_eq!(registry.queued(), 2);
    assert_eq!(names(&owner), ["c", "b", "a"]);
    assert!(thief.find_task().is_none());
}

#[test]
fn a_limit_of_zero_turns_the_slot_off() {
    let registry = Registry::new(2, CoreConfig { lifo_slot_limit: 0, ..CoreConfig::default() });
    let owner = registry.worker(0);
    let thief = registry.worker(1);
    owner.push_lifo(Named::new("pushed"));
    assert_eq!(thief.find_task().unwrap().0, "pushed");
}

#[test]
fn the_slot_limit_lets_a_queued_task_run_between_slot_turns() {
    for limit in [1, 3, 5] {
        let registry = Registry::new(1, CoreConfig { lifo_slot_limit: limit, ..CoreConfig::default() });
        let worker = registry.worker(0);
        worker.push(Named::new("queued"));
        worker.push_lifo(Named::new("again"));
        // "again" puts itself back into the slot every time it runs.
        let mut picks = 0;
        loop {
            let task = worker.find_task().expect("a task is always queued");
            picks += 1;
            if task.0 == "queued" {
                break;
            }
            worker.push_lifo(task);
            assert!(picks <= limit as usize + 1, "limit {limit}: the queued task starved");
        }
        assert_eq!(picks, limit as usize + 1, "limit {limit}");
        assert_eq!(names(&worker), ["again"]);
    }
}

#[test]
fn local_tasks_are_the_owners_after_its_deque_and_a_thiefs_last_resort() {
    let registry = Registry::new(2, CoreConfig::default());
    let owner = registry.worker(0);
    let thief = registry.worker(1);
    owner.push_local(Named::new("local 1"));
    owner.push_local(Named::new("local 2"));
    owner.push(Named::new("deque"));
    registry.push(Named::new("injector"));
    // The thief: injector, then the owner's deque, then one local task per look.
    assert_eq!(names(&thief), ["injector", "deque", "local 1", "local 2"]);

    owner.push_local(Named::new("local"));
    owner.push(Named::new("deque"));
    assert_eq!(names(&owner), ["deque", "local"]);
}

#[test]
fn share_nothing_workers_never_take_each_others_local_tasks() {
    let config =
        CoreConfig { steal_policy: filch_scheduler_core::StealPolicy::ShareNothing, ..CoreConfig::default() };
    let registry = Registry::new(2, config);
    let owner = registry.worker(0);
    let other = registry.worker(1);
    owner.push_local(Named::new("local"));
    assert!(other.find_task().is_none());
    assert_eq!(names(&owner), ["local"]);
}

#[test]
fn retiring_hands_the_slot_and_the_local_queue_on() {
    let registry = Registry::with_max_workers(2, 2, CoreConfig::default());
    let stays = registry.worker(0);
    let leaves = registry.worker(1);
    leaves.push_lifo(Named::new("slot"));
    leaves.push_local(Named::new("local"));
    leaves.push(Named::new("deque"));
    registry.resize(1);
    assert!(leaves.wait_for_task().is_none());
    leaves.retire();
    drop(leaves);
    let mut got = names(&stays);
    got.sort_unstable();
    assert_eq!(got, ["deque", "local", "slot"]);
    assert_eq!(registry.queued(), 0);
}

#[test]
fn a_dropped_worker_and_registry_drop_slot_and_local_tasks_once() {
    let dropped = Arc::new(AtomicUsize::new(0));
    let registry = Registry::new(2, CoreConfig::default());
    {
        let worker = registry.worker(0);
        for name in ["a", "b"] {
            worker.push_lifo(Named::counted(name, &dropped));
        }
        worker.push_local(Named::counted("local", &dropped));
    }
    // The slot's task went back with the deque: a new `Worker` for the slot finds it.
    let worker = registry.worker(0);
    assert_eq!(registry.queued(), 3);
    let task = worker.find_task().unwrap();
    drop(task);
    assert_eq!(dropped.load(Ordering::Relaxed), 1);
    drop(worker);
    drop(registry);
    assert_eq!(dropped.load(Ordering::Relaxed), 3);
}

// ---- The pool -------------------------------------------------------------------------------

/// Runs `roles[i]` on worker `i` of `pool`, all at once: one task per worker from the injector,
/// each waiting until every worker holds one (so none can run two), then picking its role by the
/// worker it landed on.
fn on_every_worker(pool: &ThreadPool, roles: Vec<Box<dyn FnOnce() + Send>>) {
    let workers = roles.len();
    assert_eq!(pool.current_num_threads(), workers);
    let arrived = Arc::new(AtomicUsize::new(0));
    let roles = Arc::new(Mutex::new(roles.into_iter().map(Some).collect::<Vec<_>>()));
    for _ in 0..workers {
        let (arrived, roles) = (Arc::clone(&arrived), Arc::clone(&roles));
        pool.spawn(move || {
            arrived.fetch_add(1, Ordering::SeqCst);
            wait_until("every worker holds a role", || arrived.load(Ordering::SeqCst) == workers);
            let index = current_thread_index().unwrap();
            let role = roles.lock().unwrap()[index].take().unwrap();
            role();
        });
    }
}

#[test]
fn with_the_slot_on_the_task_spawned_last_runs_first_on_the_spawner() {
    for _ in 0..20 {
        let pool = Arc::new(ThreadPoolBuilder::new().num_threads(2).lifo_slot(true).build().unwrap());
        let log = Arc::new(Mutex::new(Vec::new()));
        let (done, finished) = mpsc::channel();
        let (inner, task_log) = (Arc::clone(&pool), Arc::clone(&log));
        pool.spawn(move || {
            let spawner = current_thread_index().unwrap();
            for name in ["a", "b", "c"] {
                let (log, done) = (Arc::clone(&task_log), done.clone());
                inner.spawn(move || {
                    log.lock().unwrap().push((name, current_thread_index().unwrap()));
                    done.send(()).unwrap();
                });
            }
            task_log.lock().unwrap().push(("spawner", spawner));
        });
        for _ in 0..3 {
            finished.recv_timeout(PATIENCE).expect("a spawned task never ran");
        }
        pool.wait_idle();
        let log = log.lock().unwrap().clone();
        let spawner = log.iter().find(|(name, _)| *name == "spawner").unwrap().1;
        let on_spawner: Vec<_> =
            log.iter().filter(|(_, index)| *index == spawner).map(|(name, _)| *name).collect();
        assert_eq!(on_spawner[..2], ["spawner", "c"], "log {log:?}");
    }
}

#[test]
fn a_task_respawning_itself_into_the_slot_does_not_starve_queued_tasks() {
    // One worker: nobody steals, so only the slot limit lets the other tasks run.
    let pool = Arc::new(ThreadPoolBuilder::new().num_threads(1).lifo_slot(true).build().unwrap());
    let stop = Arc::new(AtomicBool::new(false));
    let spins = Arc::new(AtomicUsize::new(0));
    let (queued_ran, ran) = mpsc::channel();
    let (inner, inner_stop, inner_spins) = (Arc::clone(&pool), Arc::clone(&stop), Arc::clone(&spins));
    let queued = queued_ran.clone();
    pool.spawn(move || {
        // Into the slot, then onto the deque when the respawner takes the slot.
        inner.spawn(move || queued.send("deque").unwrap());
        respawn(inner, inner_stop, inner_spins);
    });
    assert_eq!(ran.recv_timeout(PATIENCE).expect("the queued task starved"), "deque");
    // An outside submission (the injector) gets its turn too.
    pool.spawn(move || queued_ran.send("injector").unwrap());
    assert_eq!(ran.recv_timeout(PATIENCE).expect("the injector starved"), "injector");
    stop.store(true, Ordering::Relaxed);
    pool.wait_idle();
    assert!(spins.load(Ordering::Relaxed) > 0);
}

fn respawn(pool: Arc<ThreadPool>, stop: Arc<AtomicBool>, spins: Arc<AtomicUsize>) {
    if stop.load(Ordering::Relaxed) {
        return;
    }
    spins.fetch_add(1, Ordering::Relaxed);
    let inner = Arc::clone(&pool);
    pool.spawn(move || respawn(inner, stop, spins));
}

/// A task whose run and drop are counted.
fn counted(ran: &Arc<AtomicUsize>, dropped: &Arc<AtomicUsize>) -> impl FnOnce() + Send + 'static {
    let (ran, token) = (Arc::clone(ran), DropCounter(Arc::clone(dropped)));
    move || {
        ran.fetch_add(1, Ordering::Relaxed);
        drop(token);
    }
}

#[test]
fn slot_and_local_tasks_run_once_when_the_pool_is_dropped() {
    for lifo_slot in [true, false] {
        let (ran, dropped) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
        let pool = Arc::new(ThreadPoolBuilder::new().num_threads(2).lifo_slot(lifo_slot).build().unwrap());
        for _ in 0..8 {
            let (inner, ran, dropped) = (Arc::clone(&pool), Arc::clone(&ran), Arc::clone(&dropped));
            pool.spawn(move || {
                for n in 0..50 {
                    if n % 2 == 0 {
                        inner.spawn_local(counted(&ran, &dropped));
                    } else {
                        inner.spawn(counted(&ran, &dropped));
                    }
                }
            });
        }
        pool.wait_idle();
        drop(Arc::into_inner(pool).expect("a task kept the pool alive"));
        assert_eq!(ran.load(Ordering::Relaxed), 400, "lifo_slot {lifo_slot}");
        assert_eq!(dropped.load(Ordering::Relaxed), 400, "lifo_slot {lifo_slot}");
    }
}

#[test]
fn a_resize_hands_slot_and_local_tasks_of_a_retiring_worker_on_once() {
    let (ran, dropped) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let pool =
        Arc::new(ThreadPoolBuilder::new().num_threads(2).max_threads(2).lifo_slot(true).build().unwrap());
    let release = Arc::new(AtomicBool::new(false));
    let (spawned, all_spawned) = mpsc::channel();
    let blocker = {
        let release = Arc::clone(&release);
        Box::new(move || wait_until("the test releases worker 0", || release.load(Ordering::SeqCst)))
            as Box<dyn FnOnce() + Send>
    };
    let spawner = {
        let (inner, ran, dropped) = (Arc::clone(&pool), Arc::clone(&ran), Arc::clone(&dropped));
        Box::new(move || {
            for _ in 0..20 {
                inner.spawn_local(counted(&ran, &dropped));
                inner.spawn(counted(&ran, &dropped));
            }
            spawned.send(()).unwrap();
            // Stay busy until the resize has taken this worker out; it retires after this task.
            wait_until("the resize", || inner.current_num_threads() == 1);
        }) as Box<dyn FnOnce() + Send>
    };
    on_every_worker(&pool, vec![blocker, spawner]);
    all_spawned.recv_timeout(PATIENCE).expect("the spawner never ran");
    pool.resize(1).unwrap();
    // Worker 1 ran only its role: everything it held was handed on.
    assert_eq!(pool.statistics()[1].executed, 1);
    assert_eq!(ran.load(Ordering::Relaxed), 0, "worker 0 is still blocked");
    release.store(true, Ordering::SeqCst);
    pool.wait_idle();
    assert_eq!(ran.load(Ordering::Relaxed), 40);
    drop(Arc::into_inner(pool).expect("a task kept the pool alive"));
    assert_eq!(dropped.load(Ordering::Relaxed), 40);
}

#[test]
fn local_tasks_run_on_the_spawner_while_the_others_are_busy() {
    let pool = ThreadPoolBuilder::new().num_threads(2).build().unwrap();
    let release = Arc::new(AtomicBool::new(false));
    let (ran_on, ran) = mpsc::channel();
    let busy = {
        let release = Arc::clone(&release);
        Box::new(move || wait_until("the test releases worker 1", || release.load(Ordering::SeqCst)))
            as Box<dyn FnOnce() + Send>
    };
    let spawner = Box::new(move || {
        for _ in 0..10 {
            let ran_on = ran_on.clone();
            filch_scheduler_core::spawn_local(move || ran_on.send(current_thread_index()).unwrap());
        }
    }) as Box<dyn FnOnce() + Send>;
    on_every_worker(&pool, vec![spawner, busy]);
    for _ in 0..10 {
        assert_eq!(ran.recv_timeout(PATIENCE).expect("a local task never ran"), Some(0));
    }
    release.store(true, Ordering::SeqCst);
    pool.wait_idle();
}

#[test]
fn an_idle_worker_takes_local_tasks_while_their_owner_is_blocked() {
    let pool = Arc::new(ThreadPoolBuilder::new().num_threads(2).build().unwrap());
    let (report, reported) = mpsc::channel();
    pool.spawn(move || {
        // Let the other worker go idle (to sleep, most likely) first.
        std::thread::sleep(Duration::from_millis(20));
        let owner = current_thread_index();
        let ran = Arc::new(AtomicBool::new(false));
        let task_ran = Arc::clone(&ran);
        filch_scheduler_core::spawn_local(move || {
            task_ran.store(true, Ordering::SeqCst);
        });
        // The owner blocks until the local task has run: only another worker can run it.
        let deadline = Instant::now() + PATIENCE;
        while !ran.load(Ordering::SeqCst) && Instant::now() < deadline {
            std::thread::yield_now();
        }
        report.send((owner, ran.load(Ordering::SeqCst))).unwrap();
    });
    let (owner, ran) = reported.recv_timeout(PATIENCE * 2).expect("the owner never reported");
    assert!(owner.is_some());
    assert!(ran, "no idle worker took the local task while its owner was blocked");
    pool.wait_idle();
}

#[test]
fn spawn_local_from_outside_the_pool_is_spawn() {
    let pool = ThreadPoolBuilder::new().num_threads(2).build().unwrap();
    let (send, receive) = mpsc::channel();
    let outside = send.clone();
    pool.spawn_local(move || send.send(current_thread_index()).unwrap());
    assert!(receive.recv_timeout(PATIENCE).expect("a local task from outside never ran").is_some());
    // The free function from outside every pool goes to the global pool.
    filch_scheduler_core::spawn_local(move || outside.send(current_thread_index()).unwrap());
    assert!(receive.recv_timeout(PATIENCE).expect("a global local task never ran").is_some());
    pool.wait_idle();
}
