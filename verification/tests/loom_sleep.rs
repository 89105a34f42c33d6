//! loom models of filch-sleep: no lost wake-up when a notify races a worker's announce / check /
//! commit, latches set racing their owner's wait, and quiescence never declared with a task in
//! flight. A lost wake-up shows up as a loom deadlock (every thread blocked).
#![cfg(loom)]

use filch_sleep::{CountLatch, IdlePolicy, Latch, Quiescence, Sleep, StdSleep};
use filch_sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use filch_sync::{thread, Arc};

/// No spinning: the models go straight to the protocol, keeping the state space small.
const NO_SPIN: IdlePolicy = IdlePolicy { spin_rounds: 0, yield_rounds: 0, max_searching: None };

fn sleep(workers: usize) -> Arc<StdSleep> {
    Arc::new(Sleep::with_policy(workers, NO_SPIN))
}

/// Takes one item from `items`, if any.
fn take(items: &AtomicUsize) -> Option<()> {
    // AcqRel/Acquire: take an item the poster published.
    items.fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| n.checked_sub(1)).ok().map(|_| ())
}

#[test]
fn notify_one_racing_idle_never_loses_the_wake_up() {
    loom::model(|| {
        let sleep = sleep(1);
        let items = Arc::new(AtomicUsize::new(0));
        let worker = {
            let (sleep, items) = (Arc::clone(&sleep), Arc::clone(&items));
            thread::spawn(move || sleep.worker(0).idle(|| take(&items)))
        };
        // Release: publishes the item; `notify_one` fences after it.
        items.fetch_add(1, Ordering::Release);
        sleep.notify_one();
        worker.join().unwrap();
        assert_eq!(items.load(Ordering::Relaxed), 0);
    });
}

#[test]
fn two_workers_and_a_poster_consume_every_item_and_shut_down() {
    loom::model(|| {
        let sleep = sleep(2);
        let items = Arc::new(AtomicUsize::new(0));
        let shutdown = Arc::new(AtomicBool::new(false));
        let workers: Vec<_> = (0..2)
            .map(|index| {
                let (sleep, items, shutdown) =
                    (Arc::clone(&sleep), Arc::clone(&items), Arc::clone(&shutdown));
                thread::spawn(move || {
                    let mut me = sleep.worker(index);
                    let mut taken = 0;
                    // `find`: an item (true) or, with none left, shutdown (false).
                    while me.idle(|| {
                        take(&items).map(|()| true).or_else(|| {
                            // Acquire: pairs with the Release store of `shutdown`.
                            shutdown.load(Ordering::Acquire).then_some(false)
                        })
                    }) {
                        taken += 1;
                    }
                    taken
                })
            })
            .collect();
        // Release: publishes the item.
        items.fetch_add(1, Ordering::Release);
        sleep.notify_one();
        // The poster waits for the item to go, then shuts down (loom: yield while waiting).
        while items.load(Ordering::Acquire) != 0 {
            thread::yield_now();
        }
        // Release: publishes shutdown to the workers' `find`.
        shutdown.store(true, Ordering::Release);
        sleep.notify_all();
        let taken: usize = workers.into_iter().map(|worker| worker.join().unwrap()).sum();
        assert_eq!(taken, 1);
    });
}

#[test]
fn two_notifiers_racing_one_sleeper_never_strand_an_item() {
    loom::model(|| {
        let sleep = sleep(1);
        let items = Arc::new(AtomicUsize::new(0));
        let posters: Vec<_> = (0..2)
            .map(|_| {
                let (sleep, items) = (Arc::clone(&sleep), Arc::clone(&items));
                thread::spawn(move || {
                    // Release: publishes the item.
                    items.fetch_add(1, Ordering::Release);
                    sleep.notify_one();
                })
            })
            .collect();
        let mut me = sleep.worker(0);
        me.idle(|| take(&items));
        me.idle(|| take(&items));
        for poster in posters {
            poster.join().unwrap();
        }
    });
}

#[test]
fn notify_after_seqcst_with_a_seqcst_publication_never_loses_the_wake_up() {
    loom::model(|| {
        let sleep = sleep(1);
        let posted = Arc::new(AtomicBool::new(false));
        let worker = {
            let (sleep, posted) = (Arc::clone(&sleep), Arc::clone(&posted));
            thread::spawn(move || sleep.worker(0).idle(|| posted.load(Ordering::SeqCst).then_some(())))
        };
        // SeqCst store, then the fence-free notify; loom treats SeqCst accesses as AcqRel, so
        // the publisher adds the fence that the SeqCst store stands for on real hardware.
        posted.store(true, Ordering::SeqCst);
        filch_sync::atomic::fence(Ordering::SeqCst);
        sleep.notify_one_after_seqcst();
        worker.join().unwrap();
    });
}

#[test]
fn latch_set_racing_its_owners_wait_wakes_the_owner() {
    loom::model(|| {
        let sleep = sleep(1);
        let latch = Arc::new(Latch::new(0));
        let result = Arc::new(AtomicUsize::new(0));
        let setter = {
            let (sleep, latch, result) = (Arc::clone(&sleep), Arc::clone(&latch), Arc::clone(&result));
            thread::spawn(move || {
                result.store(42, Ordering::Relaxed);
                // SAFETY: the Arc keeps the latch alive for the whole call.
                unsafe { Latch::set(Arc::as_ptr(&latch), &sleep) };
            })
        };
        sleep.worker(0).wait_until(|| latch.probe());
        // Relaxed: the latch's Release/Acquire orders it.
        assert_eq!(result.load(Ordering::Relaxed), 42, "the latch opened before the work was visible");
        setter.join().unwrap();
    });
}

#[test]
fn targeted_notify_wakes_the_latch_owner_not_another_sleeper() {
    loom::model(|| {
        let sleep = sleep(2);
        let latch = Arc::new(Latch::new(0));
        let shutdown = Arc::new(AtomicBool::new(false));
        let bystander = {
            let (sleep, shutdown) = (Arc::clone(&sleep), Arc::clone(&shutdown));
            // Acquire: pairs with the Release store of `shutdown`.
            thread::spawn(move || sleep.worker(1).idle(|| shutdown.load(Ordering::Acquire).then_some(())))
        };
        let setter = {
            let (sleep, latch) = (Arc::clone(&sleep), Arc::clone(&latch));
            // SAFETY: the Arc keeps the latch alive for the whole call.
            thread::spawn(move || unsafe { Latch::set(Arc::as_ptr(&latch), &sleep) })
        };
        sleep.worker(0).wait_until(|| latch.probe());
        setter.join().unwrap();
        // Release: publishes shutdown to the bystander's `find`.
        shutdown.store(true, Ordering::Release);
        sleep.notify_all();
        bystander.join().unwrap();
    });
}

/// `notify_all`'s fast path trusts the sleepy count. Here `notify_one` (its count raised by the
/// bystander asleep at index 1) scans from index 0 and may claim worker 0 midway through
/// `prepare`; if that claim could take its decrement before worker 0's announcing increment,
/// the count would read 0 for a moment with the bystander asleep, and a `notify_all` in that
/// moment would leave the bystander stranded (a loom deadlock on its join).
#[test]
fn notify_all_wakes_a_sleeper_while_another_is_claimed_mid_prepare() {
    loom::model(|| {
        let sleep = sleep(2);
        let items = Arc::new(AtomicUsize::new(0));
        let shutdown = Arc::new(AtomicBool::new(false));
        let bystander = {
            let (sleep, shutdown) = (Arc::clone(&sleep), Arc::clone(&shutdown));
            // Acquire: pairs with the Release store of `shutdown`.
            thread::spawn(move || sleep.worker(1).idle(|| shutdown.load(Ordering::Acquire).then_some(())))
        };
        let worker = {
            let (sleep, items, shutdown) = (Arc::clone(&sleep), Arc::clone(&items), Arc::clone(&shutdown));
            thread::spawn(move || {
                let mut me = sleep.worker(0);
                let mut taken = 0;
                // `find`: an item (true) or, with none left after shutdown, false. Shutdown is read
                // first: seeing it (Acquire, pairs with its Release store) makes the item visible.
                while me.idle(|| {
                    let stopping = shutdown.load(Ordering::Acquire);
                    take(&items).map(|()| true).or_else(|| stopping.then_some(false))
                }) {
                    taken += 1;
                }
                taken
            })
        };
        // Release: publishes the item.
        items.fetch_add(1, Ordering::Release);
        sleep.notify_one();
        // Release: publishes shutdown to both workers' `find`.
        shutdown.store(true, Ordering::Release);
        sleep.notify_all();
        assert_eq!(worker.join().unwrap(), 1);
        bystander.join().unwrap();
    });
}

#[test]
fn count_latch_with_concurrent_decrements_opens_once_all_are_done() {
    loom::model(|| {
        let sleep = sleep(1);
        let scope = Arc::new(CountLatch::new(0));
        let done = Arc::new(AtomicUsize::new(0));
        let tasks: Vec<_> = (0..2)
            .map(|_| {
                scope.increment();
                let (sleep, scope, done) = (Arc::clone(&sleep), Arc::clone(&scope), Arc::clone(&done));
                thread::spawn(move || {
                    // Relaxed: the latch's AcqRel decrement publishes it.
                    done.fetch_add(1, Ordering::Relaxed);
                    // SAFETY: the Arc keeps the latch alive for the whole call.
                    unsafe { CountLatch::decrement(Arc::as_ptr(&scope), &sleep) };
                })
            })
            .collect();
        // SAFETY: the owner's share; the Arc keeps the latch alive.
        unsafe { CountLatch::decrement(Arc::as_ptr(&scope), &sleep) };
        sleep.worker(0).wait_until(|| scope.probe());
        // Relaxed: ordered by the latch.
        assert_eq!(done.load(Ordering::Relaxed), 2, "the scope ended with a task still running");
        for task in tasks {
            task.join().unwrap();
        }
    });
}

#[test]
fn quiescence_is_never_reported_with_a_task_in_flight() {
    loom::model(|| {
        // Shards: 0 for main, 1 and 2 for the two workers.
        let pool = Arc::new(Quiescence::new(3));
        let child_posted = Arc::new(AtomicBool::new(false));
        let child_claimed = Arc::new(AtomicBool::new(false));
        let child_done = Arc::new(AtomicBool::new(false));
        pool.task_created(0);
        let run_child = {
            let (pool, child_done) = (Arc::clone(&pool), Arc::clone(&child_done));
            move |shard: usize| {
                // Relaxed: the Release `task_finished` publishes it.
                child_done.store(true, Ordering::Relaxed);
                pool.task_finished(shard);
            }
        };
        let owner = {
            let (pool, posted, claimed, run_child) =
                (Arc::clone(&pool), Arc::clone(&child_posted), Arc::clone(&child_claimed), run_child.clone());
            thread::spawn(move || {
                // The root task creates a child, publishes it, finishes, then pops the child
                // back unless a thief took it.
                pool.task_created(1);
                // Release: publishes the child to the thief.
                posted.store(true, Ordering::Release);
                pool.task_finished(1);
                // AcqRel: the claim decides who runs the child.
                if !claimed.swap(true, Ordering::AcqRel) {
                    run_child(1);
                }
            })
        };
        let thief = {
            let (posted, claimed) = (Arc::clone(&child_posted), Arc::clone(&child_claimed));
            thread::spawn(move || {
                // Acquire: pairs with the Release store of `posted`.
                if posted.load(Ordering::Acquire) && !claimed.swap(true, Ordering::AcqRel) {
                    run_child(2);
                }
            })
        };
        if pool.is_quiescent() {
            // Relaxed: `is_quiescent`'s Acquire loads order it.
            assert!(child_done.load(Ordering::Relaxed), "quiescence declared with the child in flight");
        }
        owner.join().unwrap();
        thief.join().unwrap();
        assert!(pool.is_quiescent());
    });
}
