//! `ThreadPool::install_in_place`: the calling thread joins the pool as a guest worker while its
//! closure runs.

use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::{Duration, Instant};

use filch_scheduler_core::{join, scope, spawn, ResizeError, ThreadPool, ThreadPoolBuilder};

fn pool(threads: usize) -> ThreadPool {
    ThreadPoolBuilder::new().num_threads(threads).build().unwrap()
}

fn fib(n: u64) -> u64 {
    if n < 2 {
        return n;
    }
    let (a, b) = join(|| fib(n - 1), || fib(n - 2));
    a + b
}

/// Spins until `flag` is set, failing the test after a generous deadline instead of hanging.
fn wait_for(flag: &AtomicBool, what: &str) {
    let deadline = Instant::now() + Duration::from_secs(20);
    // Acquire: pairs with the Release store of whoever sets the flag.
    while !flag.load(Ordering::Acquire) {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        thread::yield_now();
    }
}

#[test]
fn runs_on_the_calling_thread_as_a_guest_above_the_workers() {
    let pool = ThreadPoolBuilder::new().num_threads(2).max_threads(3).build().unwrap();
    let caller = thread::current().id();
    let index = pool.install_in_place(|| {
        assert_eq!(thread::current().id(), caller, "op ran on another thread");
        pool.current_thread_index()
    });
    let index = index.expect("a guest has an index");
    assert!(index >= 3, "guest index {index} collides with a worker slot (max 3 threads)");
    assert_eq!(pool.current_thread_index(), None, "the caller is no guest after it returns");
    assert_eq!(pool.install_in_place(|| fib(15)), 610);
}

#[test]
fn a_worker_steals_the_first_join_of_a_guest() {
    // `a` waits until `b` has run, so the join completes only if a worker takes `b` from the
    // guest's deque (the first join of a task is always published).
    let pool = pool(2);
    let b_ran = AtomicBool::new(false);
    let (_, b_thread) = pool.install_in_place(|| {
        join(
            || wait_for(&b_ran, "a worker to steal b"),
            || {
                // Release: pairs with `wait_for`'s Acquire.
                b_ran.store(true, Ordering::Release);
                filch_scheduler_core::current_thread_index()
            },
        )
    });
    let b_thread = b_thread.expect("b ran in the pool");
    assert!(b_thread < 2, "b ran on index {b_thread}, not on a worker");
}

#[test]
fn a_panic_in_op_reaches_the_caller_after_its_joins_and_frees_the_slot() {
    let pool = ThreadPoolBuilder::new().num_threads(2).guest_slots(1).build().unwrap();
    let caller = thread::current().id();
    for round in 0..3 {
        let b_finished = AtomicBool::new(false);
        let caught = panic::catch_unwind(AssertUnwindSafe(|| {
            pool.install_in_place(|| {
                join(
                    || panic!("guest panic {round}"),
                    || {
                        thread::sleep(Duration::from_millis(5));
                        // Release: read after the panic is caught.
                        b_finished.store(true, Ordering::Release);
                    },
                )
            })
        }));
        let payload = caught.expect_err("the panic was swallowed");
        assert_eq!(
            payload.downcast_ref::<String>().map(String::as_str),
            Some(format!("guest panic {round}").as_str())
        );
        // Acquire: pairs with the store above.
        assert!(b_finished.load(Ordering::Acquire), "the panic overtook the join's other half");
        // The one guest slot is free again: the next call runs on this thread, not installed.
        assert_eq!(pool.install_in_place(|| thread::current().id()), caller, "round {round}: slot not freed");
    }
    assert_eq!(pool.install(|| fib(15)), 610, "the pool works after the panics");
}

#[test]
fn detached_tasks_a_guest_leaves_queued_run_on_the_workers() {
    const TASKS: i32 = if cfg!(miri) { 10 } else { 100 };
    let pool = pool(2);
    let (send, receive) = mpsc::channel();
    pool.install_in_place(|| {
        for task in 0..TASKS {
            let send = send.clone();
            spawn(move || send.send(task).unwrap());
        }
    });
    drop(send);
    let mut ran: Vec<i32> = receive.iter().collect();
    ran.sort_unstable();
    assert_eq!(ran, (0..TASKS).collect::<Vec<_>>(), "each spawned task runs exactly once");
}

#[test]
fn a_scope_on_a_guest_waits_for_its_spawns() {
    let pool = pool(2);
    let finished = AtomicUsize::new(0);
    pool.install_in_place(|| {
        scope(|s| {
            for _ in 0..50 {
                s.spawn(|s| {
                    s.spawn(|_| {
                        finished.fetch_add(1, Ordering::Relaxed);
                    });
                    finished.fetch_add(1, Ordering::Relaxed);
                });
            }
        });
        // Relaxed: the scope's end orders every spawn's increment before this load.
        assert_eq!(finished.load(Ordering::Relaxed), 100, "the scope returned before its spawns finished");
    });
}

#[test]
fn callers_beyond_the_guest_slots_are_installed() {
    let pool = Arc::new(ThreadPoolBuilder::new().num_threads(2).guest_slots(1).build().unwrap());
    let inside = Arc::new(Barrier::new(2));
    let release = Arc::new(AtomicBool::new(false));
    let first = {
        let (pool, inside, release) = (Arc::clone(&pool), Arc::clone(&inside), Arc::clone(&release));
        thread::spawn(move || {
            pool.install_in_place(|| {
                inside.wait();
                wait_for(&release, "the second caller");
                pool.current_thread_index()
            })
        })
    };
    inside.wait();
    // The only guest slot is held by the first caller: this one is installed on a worker.
    let caller = thread::current().id();
    let (ran_on, index) = pool.install_in_place(|| (thread::current().id(), pool.current_thread_index()));
    // Release: pairs with `wait_for`'s Acquire.
    release.store(true, Ordering::Release);
    assert_ne!(ran_on, caller, "a second guest ran although the only slot was taken");
    assert!(index.is_some_and(|index| index < 2), "the installed call ran on worker {index:?}");
    assert!(first.join().unwrap().is_some_and(|index| index >= 2), "the first caller was not a guest");
}

#[test]
fn no_guest_slots_means_install() {
    let pool = ThreadPoolBuilder::new().num_threads(1).guest_slots(0).build().unwrap();
    let caller = thread::current().id();
    assert_ne!(pool.install_in_place(|| thread::current().id()), caller);
    assert_eq!(pool.install_in_place(|| fib(12)), 144);
}

#[test]
fn from_a_worker_it_runs_in_place_and_from_another_pool_it_is_installed() {
    let outer = pool(1);
    let inner = pool(1);
    let (outer_thread, inner_thread) = outer.install(|| {
        let here = thread::current().id();
        assert_eq!(outer.install_in_place(|| thread::current().id()), here, "not run in place");
        (here, inner.install_in_place(|| thread::current().id()))
    });
    assert_ne!(outer_thread, inner_thread, "a worker of another pool became a guest");
}

#[test]
fn resize_from_a_guest_is_refused() {
    let pool = ThreadPoolBuilder::new().num_threads(1).max_threads(2).build().unwrap();
    assert!(matches!(pool.install_in_place(|| pool.resize(2)), Err(ResizeError::FromWorker)));
    pool.resize(2).expect("resize from outside");
    assert_eq!(pool.current_num_threads(), 2);
}

/// Runs `caller` on four threads at once, each given `pool`; their results.
fn on_four_threads<R: Send>(pool: &ThreadPool, caller: impl Fn(&ThreadPool) -> R + Sync) -> Vec<R> {
    thread::scope(|scope| {
        let callers: Vec<_> = (0..4).map(|_| scope.spawn(|| caller(pool))).collect();
        callers.into_iter().map(|caller| caller.join().expect("a caller panicked")).collect()
    })
}

#[test]
fn guests_on_many_threads_at_once_compute_the_same_answers() {
    // Miri runs this file (`cargo xtask verify`'s miri tier), a few hundred times slower.
    const ROUNDS: u64 = if cfg!(miri) { 3 } else { 200 };
    let pool = ThreadPoolBuilder::new().num_threads(2).guest_slots(2).build().unwrap();
    // More callers than slots: some rounds run as guests, the others are installed.
    let sums =
        on_four_threads(&pool, |pool| (0..ROUNDS).map(|_| pool.install_in_place(|| fib(14))).sum::<u64>());
    assert_eq!(sums, [ROUNDS * 377; 4]);
}

#[test]
#[should_panic(expected = "wait_idle: called from a worker of this pool")]
fn wait_idle_from_a_guest_panics() {
    let pool = pool(1);
    pool.install_in_place(|| pool.wait_idle());
}

#[test]
fn a_guest_slot_passes_from_caller_to_caller_whole() {
    // Callers entering and leaving at once on one slot: the next caller takes the slot (its
    // deque) while the last one may still be dropping its handle, whose sleep slot must be
    // free by then. Found by the TSan stress run, whose slowed threads widened the window.
    const ROUNDS: usize = if cfg!(miri) { 20 } else { 20_000 };
    let pool = ThreadPoolBuilder::new().num_threads(1).guest_slots(1).build().unwrap();
    on_four_threads(&pool, |pool| {
        for _ in 0..ROUNDS {
            pool.install_in_place(|| ());
        }
    });
}
