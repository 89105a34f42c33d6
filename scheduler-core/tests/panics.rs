//! Panics: in either side of join, in scope, in detached spawns; the pool keeps working.

use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::time::Duration;

use filch_scheduler_core::{ThreadPool, ThreadPoolBuilder};

fn pool(threads: usize) -> ThreadPool {
    ThreadPoolBuilder::new().num_threads(threads).build().unwrap()
}

fn message(payload: Box<dyn std::any::Any + Send>) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or(payload.downcast_ref::<String>().cloned())
        .unwrap()
}

fn still_works(pool: &ThreadPool) {
    let (a, b) = pool.join(|| 1 + 1, || 2 + 2);
    assert_eq!((a, b), (2, 4));
}

#[test]
fn panic_in_a_propagates_after_b_finished() {
    // One worker takes the path where `b` is never offered to anyone; two, the lazy one.
    for threads in [1, 2] {
        let pool = pool(threads);
        let b_done = AtomicBool::new(false);
        let result = panic::catch_unwind(AssertUnwindSafe(|| {
            pool.join(
                || panic!("a failed"),
                || {
                    std::thread::sleep(Duration::from_millis(20));
                    b_done.store(true, Ordering::SeqCst);
                },
            )
        }));
        assert_eq!(message(result.unwrap_err()), "a failed");
        assert!(b_done.load(Ordering::SeqCst), "b finished before the panic reached the caller");
        still_works(&pool);
    }
}

#[test]
fn panic_in_b_propagates_after_a_finished() {
    for threads in [1, 2] {
        let pool = pool(threads);
        let a_done = AtomicBool::new(false);
        let result = panic::catch_unwind(AssertUnwindSafe(|| {
            pool.join(
                || {
                    std::thread::sleep(Duration::from_millis(20));
                    a_done.store(true, Ordering::SeqCst);
                },
                || panic!("b failed"),
            )
        }));
        assert_eq!(message(result.unwrap_err()), "b failed");
        assert!(a_done.load(Ordering::SeqCst));
        still_works(&pool);
    }
}

#[test]
fn panic_in_a_stolen_b_propagates() {
    let pool = pool(2);
    // `a` waits until `b` runs on the other worker, so `b` is certainly stolen.
    let b_ran_on = Mutex::new(None);
    let result = panic::catch_unwind(AssertUnwindSafe(|| {
        pool.join(
            || {
                let me = filch_scheduler_core::current_thread_index();
                while b_ran_on.lock().unwrap().is_none() {
                    std::thread::yield_now();
                }
                me
            },
            || {
                *b_ran_on.lock().unwrap() = filch_scheduler_core::current_thread_index();
                panic!("stolen b failed")
            },
        )
    }));
    assert_eq!(message(result.unwrap_err()), "stolen b failed");
    still_works(&pool);
}

#[test]
fn when_both_sides_panic_a_wins() {
    for threads in [1, 2] {
        let pool = pool(threads);
        let result = panic::catch_unwind(AssertUnwindSafe(|| pool.join(|| panic!("a"), || panic!("b"))));
        assert_eq!(message(result.unwrap_err()), "a");
        still_works(&pool);
    }
}

#[test]
fn panic_in_a_scope_task_propagates_after_all_tasks_finished() {
    let pool = pool(2);
    let finished = AtomicUsize::new(0);
    let result = panic::catch_unwind(AssertUnwindSafe(|| {
        pool.scope(|s| {
            s.spawn(|_| panic!("task failed"));
            for _ in 0..8 {
                s.spawn(|_| {
                    std::thread::sleep(Duration::from_millis(5));
                    finished.fetch_add(1, Ordering::SeqCst);
                });
            }
        })
    }));
    assert_eq!(message(result.unwrap_err()), "task failed");
    assert_eq!(finished.load(Ordering::SeqCst), 8);
    still_works(&pool);
}

#[test]
fn panic_in_the_scope_body_propagates_after_its_tasks_finished() {
    let pool = pool(2);
    let finished = AtomicUsize::new(0);
    let result = panic::catch_unwind(AssertUnwindSafe(|| {
        pool.scope(|s| {
            for _ in 0..4 {
                s.spawn(|_| {
                    std::thread::sleep(Duration::from_millis(5));
                    finished.fetch_add(1, Ordering::SeqCst);
                });
            }
            panic!("body failed")
        })
    }));
    assert_eq!(message(result.unwrap_err()), "body failed");
    assert_eq!(finished.load(Ordering::SeqCst), 4);
    still_works(&pool);
}

#[test]
fn detached_panic_goes_to_the_handler_and_the_pool_goes_on() {
    let (send, receive) = mpsc::channel();
    let send = Mutex::new(send);
    let pool = ThreadPoolBuilder::new()
        .num_threads(2)
        .panic_handler(move |payload| send.lock().unwrap().send(message(payload)).unwrap())
        .build()
        .unwrap();
    pool.spawn(|| panic!("detached failed"));
    assert_eq!(receive.recv_timeout(Duration::from_secs(10)).unwrap(), "detached failed");
    let hits = Arc::new(AtomicUsize::new(0));
    for _ in 0..10 {
        let hits = Arc::clone(&hits);
        pool.spawn(move || {
            hits.fetch_add(1, Ordering::Relaxed);
        });
    }
    pool.wait_idle();
    assert_eq!(hits.load(Ordering::Relaxed), 10);
    still_works(&pool);
}

#[test]
fn detached_panic_without_a_handler_is_printed_and_the_pool_goes_on() {
    let pool = pool(1);
    pool.spawn(|| panic!("printed, not fatal"));
    pool.wait_idle();
    still_works(&pool);
}

#[test]
fn panic_in_install_propagates() {
    let pool = pool(1);
    let result = panic::catch_unwind(AssertUnwindSafe(|| pool.install(|| panic!("install failed"))));
    assert_eq!(message(result.unwrap_err()), "install failed");
    still_works(&pool);
}
