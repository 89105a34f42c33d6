//! Behaviour of the sleep protocol that users rely on, on real threads (small enough for Miri).

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use filch_sleep::{CountLatch, IdlePolicy, Latch, Quiescence, Sleep, Wake};

/// No spinning: tests reach the sleeping path at once.
const NO_SPIN: IdlePolicy = IdlePolicy { spin_rounds: 0, yield_rounds: 0, max_searching: None };

/// Waits until worker `index`'s announcement is visible, so a notify must take the slow path.
fn until_sleepy(sleep: &Sleep<filch_sleep::CondvarPark, Box<[filch_sleep::Slot<filch_sleep::CondvarPark>]>>) {
    while sleep.sleepy_and_searching().0 == 0 {
        thread::yield_now();
    }
}

#[test]
fn notify_with_nobody_sleepy_wakes_nobody() {
    let sleep = Sleep::new(2);
    assert!(!sleep.notify_one());
    assert!(!sleep.notify_one_after_seqcst());
    assert!(!sleep.notify(1));
    assert_eq!(sleep.notify_all(), 0);
    assert_eq!(sleep.statistics(), Default::default());
}

#[test]
fn a_notify_between_prepare_and_commit_makes_commit_return() {
    let sleep = Sleep::new(1);
    let mut me = sleep.worker(0);
    me.prepare();
    assert_eq!(sleep.sleepy_and_searching(), (1, 0));
    assert!(sleep.notify_one());
    assert_eq!(me.commit(None), Wake::Notified);
    assert_eq!(sleep.sleepy_and_searching(), (0, 0));
    let stats = sleep.statistics();
    assert_eq!((stats.sleeps, stats.wakeups), (0, 1));
}

#[test]
fn cancel_withdraws_the_announcement() {
    let sleep = Sleep::new(1);
    let mut me = sleep.worker(0);
    me.prepare();
    me.cancel();
    assert_eq!(sleep.sleepy_and_searching(), (0, 0));
    assert!(!sleep.notify_one(), "a cancelled worker must not be claimed");
}

#[test]
fn cancel_after_a_claim_leaves_the_worker_awake() {
    let sleep = Sleep::new(1);
    let mut me = sleep.worker(0);
    me.prepare();
    assert!(sleep.notify(0));
    me.cancel();
    assert_eq!(sleep.sleepy_and_searching(), (0, 0));
    me.prepare();
    assert!(sleep.notify(0), "the slot must be claimable again after a claimed cancel");
    assert_eq!(me.commit(None), Wake::Notified);
}

#[test]
fn notify_one_wakes_a_parked_worker() {
    let sleep = Arc::new(Sleep::with_policy(1, NO_SPIN));
    let work = Arc::new(AtomicBool::new(false));
    let worker = {
        let (sleep, work) = (Arc::clone(&sleep), Arc::clone(&work));
        thread::spawn(move || sleep.worker(0).idle(|| work.load(Ordering::Acquire).then_some(())))
    };
    until_sleepy(&sleep);
    work.store(true, Ordering::Release);
    sleep.notify_one();
    worker.join().unwrap();
}

#[test]
fn targeted_notify_wakes_that_worker_only() {
    let sleep = Arc::new(Sleep::with_policy(2, NO_SPIN));
    let mut other = sleep.worker(1);
    other.prepare();
    let latch = Arc::new(Latch::new(0));
    let owner = {
        let (sleep, latch) = (Arc::clone(&sleep), Arc::clone(&latch));
        thread::spawn(move || sleep.worker(0).wait_until(|| latch.probe()))
    };
    while sleep.sleepy_and_searching().0 < 2 {
        thread::yield_now();
    }
    // SAFETY: the Arc keeps the latch alive for the whole call.
    unsafe { Latch::set(Arc::as_ptr(&latch), &sleep) };
    owner.join().unwrap();
    assert_eq!(sleep.sleepy_and_searching().0, 1, "worker 1 must still be sleepy");
    other.cancel();
}

#[test]
fn latch_on_the_owners_stack_is_not_touched_after_set() {
    let sleep = Arc::new(Sleep::with_policy(1, NO_SPIN));
    for _ in 0..if cfg!(miri) { 2 } else { 50 } {
        let latch = Latch::new(0);
        let address = &latch as *const Latch as usize;
        let setter = {
            let sleep = Arc::clone(&sleep);
            // SAFETY: the owner below waits until the latch is set, so it is live when `set`
            // starts; `set` does not touch it after the store.
            thread::spawn(move || unsafe { Latch::set(address as *const Latch, &sleep) })
        };
        sleep.worker(0).wait_until(|| latch.probe());
        setter.join().unwrap();
    }
}

#[test]
fn count_latch_releases_its_owner_after_the_last_decrement() {
    let sleep = Arc::new(Sleep::with_policy(1, NO_SPIN));
    let finished = Arc::new(AtomicUsize::new(0));
    let scope = CountLatch::new(0);
    let address = &scope as *const CountLatch as usize;
    let tasks: Vec<_> = (0..3)
        .map(|_| {
            scope.increment();
            let (sleep, finished) = (Arc::clone(&sleep), Arc::clone(&finished));
            thread::spawn(move || {
                finished.fetch_add(1, Ordering::Relaxed);
                // SAFETY: the owner holds the latch until the count reaches zero, which is not
                // before this decrement.
                unsafe { CountLatch::decrement(address as *const CountLatch, &sleep) };
            })
        })
        .collect();
    // SAFETY: the owner's share; `scope` lives on this stack frame throughout.
    unsafe { CountLatch::decrement(&scope, &sleep) };
    sleep.worker(0).wait_until(|| scope.probe());
    assert_eq!(finished.load(Ordering::Relaxed), 3, "the latch opened before every task finished");
    for task in tasks {
        task.join().unwrap();
    }
}

#[test]
fn notify_all_wakes_every_sleeper() {
    let workers = if cfg!(miri) { 2 } else { 4 };
    let sleep = Arc::new(Sleep::with_policy(workers, NO_SPIN));
    let shutdown = Arc::new(AtomicBool::new(false));
    let handles: Vec<_> = (0..workers)
        .map(|index| {
            let (sleep, shutdown) = (Arc::clone(&sleep), Arc::clone(&shutdown));
            // `wait_until`, not `idle`: a searcher that wakes and finds the flag passes a wake-up
            // on, which could reach a sleeper before `notify_all`'s scan does and hide a sleeper
            // that `notify_all` missed.
            thread::spawn(move || sleep.worker(index).wait_until(|| shutdown.load(Ordering::Acquire)))
        })
        .collect();
    // Wait until every worker has committed to sleep (nothing notifies before the shutdown, so
    // each commits once and stays committed), not only announced it: an announced one still
    // makes its final check, may see the shutdown flag there and withdraw by itself, and
    // `notify_all` then wakes one fewer (seen once in CI: 3 of 4).
    while sleep.statistics().sleeps < workers {
        thread::yield_now();
    }
    shutdown.store(true, Ordering::Release);
    assert_eq!(sleep.notify_all(), workers);
    for handle in handles {
        handle.join().unwrap();
    }
}

#[test]
fn idle_timeout_gives_up_without_work() {
    let sleep = Sleep::with_policy(1, NO_SPIN);
    let mut me = sleep.worker(0);
    assert_eq!(me.idle_timeout(Duration::from_millis(5), || None::<()>), None);
    assert_eq!(sleep.sleepy_and_searching(), (0, 0), "a timed-out worker must withdraw its count");
    assert_eq!(me.idle_timeout(Duration::from_millis(5), || Some(3)), Some(3));
}

/// The searcher's second look finds work in its search rounds: as the last searcher it wakes
/// worker 1 when it leaves the search.
#[test]
fn a_searcher_makes_notify_one_defer_and_the_last_one_wakes_the_next() {
    last_searcher_finding_work_on_its_second_look_wakes_the_next(2);
}

/// With one search round, the second look is the final check after announcing: the work found
/// there may be only part of what the deferred notifiers left, so the worker wakes the next one
/// as it cancels.
#[test]
fn the_last_searcher_finding_work_in_its_final_check_wakes_the_next_worker() {
    last_searcher_finding_work_on_its_second_look_wakes_the_next(1);
}

/// Worker 1 prepares to sleep; worker 0 searches with `spin_rounds` rounds. Its first look finds
/// nothing, and a notify made meanwhile defers to it; its second look finds the work. Worker 1
/// must then be woken.
fn last_searcher_finding_work_on_its_second_look_wakes_the_next(spin_rounds: u32) {
    let sleep = Sleep::with_policy(2, IdlePolicy { spin_rounds, yield_rounds: 0, max_searching: Some(1) });
    let mut sleeper = sleep.worker(1);
    sleeper.prepare();
    let mut searcher = sleep.worker(0);
    let mut deferred = false;
    let mut looks = 0;
    let found = searcher.idle(|| {
        looks += 1;
        if looks == 1 {
            assert_eq!(sleep.sleepy_and_searching(), (1, 1));
            deferred = !sleep.notify_one();
            None
        } else {
            Some(looks)
        }
    });
    assert!(deferred, "notify_one must defer to a searcher");
    assert_eq!(found, 2);
    assert_eq!(
        sleeper.commit(Some(Duration::from_secs(10))),
        Wake::Notified,
        "the last searcher must wake the next worker"
    );
    assert_eq!(sleep.sleepy_and_searching(), (0, 0));
}

#[test]
fn a_claimed_worker_that_cancels_passes_the_wake_up_on() {
    let sleep = Sleep::with_policy(2, NO_SPIN);
    let mut asleep = sleep.worker(1);
    asleep.prepare();
    let mut checking = sleep.worker(0);
    checking.prepare();
    // The first claimable slot is worker 0's: the notify claims the worker that is making its
    // final check, which then finds work of its own and cancels.
    assert!(sleep.notify_one());
    checking.cancel();
    assert_eq!(asleep.commit(Some(Duration::from_secs(10))), Wake::Notified, "the wake-up was absorbed");
}

#[test]
fn the_searcher_cap_sends_extra_workers_straight_to_sleep() {
    let sleep = Sleep::with_policy(2, IdlePolicy { spin_rounds: 3, yield_rounds: 0, max_searching: Some(1) });
    let mut first = sleep.worker(0);
    let mut second = sleep.worker(1);
    let mut second_looks = 0;
    first.idle(|| {
        // While `first` searches, `second` may not: it looks once (its final check) and stops.
        let got = second.idle_timeout(Duration::from_millis(1), || {
            second_looks += 1;
            None::<()>
        });
        assert_eq!(got, None);
        Some(())
    });
    assert_eq!(second_looks, 2, "one final check and one look after the timeout, no search rounds");
}

#[test]
fn quiescence_waits_for_every_created_task() {
    let pool = Quiescence::new(3);
    assert!(pool.is_quiescent());
    pool.task_created(2);
    pool.task_created(0);
    pool.task_finished(1);
    assert!(!pool.is_quiescent());
    pool.task_finished(0);
    assert!(pool.is_quiescent());
}

#[test]
#[should_panic(expected = "filch-sleep: worker: worker 0 already has a live Sleeper")]
fn a_worker_index_has_one_live_sleeper() {
    let sleep = Sleep::new(1);
    let _first = sleep.worker(0);
    let _second = sleep.worker(0);
}

#[test]
fn a_dropped_sleeper_frees_its_index() {
    let sleep = Sleep::new(1);
    drop(sleep.worker(0));
    let _again = sleep.worker(0);
}

#[test]
#[should_panic(expected = "filch-sleep: commit: call prepare first")]
fn commit_without_prepare_panics() {
    let sleep = Sleep::new(1);
    let _ = sleep.worker(0).commit(None);
}

#[test]
#[should_panic(expected = "filch-sleep: notify: index 2 out of range")]
fn notify_out_of_range_panics() {
    Sleep::new(2).notify(2);
}

#[test]
#[should_panic(expected = "filch-sleep: Sleep::new: needs at least 1 worker")]
fn zero_workers_is_refused() {
    Sleep::new(0);
}

#[test]
#[should_panic(expected = "filch-sleep: CountLatch::decrement: more decrements than shares")]
fn count_latch_refuses_extra_decrements() {
    let sleep = Sleep::new(1);
    let latch = CountLatch::new(0);
    // SAFETY: `latch` lives on this frame throughout.
    unsafe {
        CountLatch::decrement(&latch, &sleep);
        CountLatch::decrement(&latch, &sleep);
    }
}
