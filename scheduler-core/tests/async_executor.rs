//! The async executor of `examples/async_executor.rs` (included below as a module, so the tests
//! and the example share one executor): tasks awaiting tasks at 10^5 scale, spawns from inside
//! tasks, wakes from other OS threads into a sleeping pool, yield fairness, panics, and what
//! dropping the executor drops.
//!
//! Anything that could hang on a lost wake-up or a livelock runs under [`within`], which panics
//! after a time limit instead.

#[path = "../examples/async_executor.rs"]
mod executor;

use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, Barrier};
use std::thread;
use std::time::{Duration, Instant};

use executor::{block_on, chain, tree_sum, yield_now, Executor, Signal};

/// Long enough for a loaded 2-core machine, short enough that a hang fails the run.
const LIMIT: Duration = Duration::from_secs(60);

/// Runs `body` on its own thread and returns its result, or panics once `limit` has passed: a test
/// that hangs on a lost wake-up or a livelock must fail, not hang. A panic in `body` is re-raised.
fn within<R: Send + 'static>(limit: Duration, body: impl FnOnce() -> R + Send + 'static) -> R {
    let (sender, receiver) = mpsc::channel();
    let runner = thread::spawn(move || {
        // The receiver is gone only if the limit passed; the result is moot then.
        let _ = sender.send(body());
    });
    match receiver.recv_timeout(limit) {
        Ok(result) => result,
        Err(mpsc::RecvTimeoutError::Disconnected) => {
            panic::resume_unwind(runner.join().expect_err("the body neither returned nor panicked"))
        }
        Err(mpsc::RecvTimeoutError::Timeout) => {
            panic!("timed out after {limit:?}: a lost wake-up, a livelock or a hang in shutdown")
        }
    }
}

/// Polls `condition` every millisecond until it holds (true) or `limit` has passed (false).
fn wait_for(limit: Duration, mut condition: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + limit;
    while !condition() {
        if Instant::now() >= deadline {
            return false;
        }
        thread::sleep(Duration::from_millis(1));
    }
    true
}

/// Waits until `condition` holds; panics with `what` after [`LIMIT`].
fn wait_until(what: &str, condition: impl FnMut() -> bool) {
    assert!(wait_for(LIMIT, condition), "timed out waiting until {what}");
}

fn total_parks(executor: &Executor) -> u64 {
    executor.statistics().iter().map(|worker| worker.parks).sum()
}

/// Counts the drops of numbered values, to check that each is dropped exactly once.
struct DropCounts(Vec<AtomicUsize>);

impl DropCounts {
    fn new(len: usize) -> Arc<Self> {
        Arc::new(Self((0..len).map(|_| AtomicUsize::new(0)).collect()))
    }

    fn tracked(self: &Arc<Self>, id: usize) -> Tracked {
        Tracked { counts: Arc::clone(self), id }
    }

    /// The ids in `ids` whose drop count is not `expected`.
    fn not_dropped(&self, ids: std::ops::Range<usize>, expected: usize) -> Vec<(usize, usize)> {
        ids.map(|id| (id, self.0[id].load(Ordering::SeqCst))).filter(|&(_, n)| n != expected).collect()
    }
}

/// Counts its own drop in a [`DropCounts`].
struct Tracked {
    counts: Arc<DropCounts>,
    id: usize,
}

impl Drop for Tracked {
    fn drop(&mut self) {
        self.counts.0[self.id].fetch_add(1, Ordering::SeqCst);
    }
}

#[test]
fn example_main_runs_its_demos() {
    within(LIMIT, executor::main);
}

#[test]
fn hundred_thousand_tasks_each_awaiting_the_one_before_complete() {
    const TASKS: u64 = 100_000;
    let result = within(LIMIT, || {
        let executor = Executor::new(2);
        block_on(chain(&executor.spawner(), TASKS))
    });
    assert_eq!(result, TASKS);
}

#[test]
fn a_chain_spawned_from_inside_a_task_completes() {
    const TASKS: u64 = 100_000;
    let result = within(LIMIT, || {
        let executor = Executor::new(2);
        let spawner = executor.spawner();
        block_on(executor.spawn(async move { chain(&spawner, TASKS).await }))
    });
    assert_eq!(result, TASKS);
}

#[test]
fn a_tree_of_spawns_from_inside_tasks_sums_its_range() {
    // 2 * LEAVES - 1 = 131,071 tasks, each inner one awaiting the two it spawned.
    const LEAVES: u64 = 1 << 16;
    let (sum, stolen) = within(LIMIT, || {
        let executor = Executor::new(2);
        let sum = block_on(tree_sum(&executor.spawner(), 0..LEAVES));
        let stolen: u64 = executor.statistics().iter().map(|worker| worker.stolen).sum();
        (sum, stolen)
    });
    assert_eq!(sum, LEAVES * (LEAVES - 1) / 2);
    // The tasks were spawned on one worker's deque; the other had to steal to take part.
    assert!(stolen > 0, "no steal happened in a tree of {} tasks", 2 * LEAVES - 1);
}

#[test]
fn a_wake_from_another_os_thread_wakes_the_sleeping_pool() {
    const ROUNDS: u64 = 20;
    let rounds_asleep = within(LIMIT, || {
        let executor = Executor::new(2);
        let mut rounds_asleep = 0;
        for round in 0..ROUNDS {
            let parks_before = total_parks(&executor);
            let signal = Signal::new();
            let waiter = executor.spawn({
                let signal = Arc::clone(&signal);
                async move {
                    signal.wait().await;
                    round
                }
            });
            wait_until("the task waits on its signal", || signal.has_waiter());
            // Give the worker that polled it time to run out of work and park (the core's
            // counters show it); a round where it did not is still a valid round, just not the
            // sleeping case, and the count below makes sure most rounds are.
            if wait_for(Duration::from_secs(1), || total_parks(&executor) > parks_before) {
                rounds_asleep += 1;
            }
            let firer = thread::spawn(move || signal.fire());
            // A lost wake-up hangs here, and `within` fails the test.
            assert_eq!(block_on(waiter), round);
            firer.join().unwrap();
        }
        rounds_asleep
    });
    assert!(rounds_asleep >= ROUNDS / 2, "the pool slept in only {rounds_asleep} of {ROUNDS} rounds");
}

#[test]
fn a_task_that_yields_until_a_sibling_runs_does_not_starve_it() {
    // One worker, no thieves: the spinner is pushed last, so it is popped first, and it yields
    // until the setter, beneath it in the same deque, has run.
    let yields = within(LIMIT, || {
        let executor = Executor::new(1);
        let spawner = executor.spawner();
        block_on(executor.spawn(async move {
            let flag = Arc::new(AtomicBool::new(false));
            let setter = spawner.spawn({
                let flag = Arc::clone(&flag);
                async move { flag.store(true, Ordering::Release) }
            });
            let spinner = spawner.spawn(async move {
                let mut yields = 0u64;
                while !flag.load(Ordering::Acquire) {
                    yield_now().await;
                    yields += 1;
                }
                yields
            });
            setter.await;
            spinner.await
        }))
    });
    assert!(yields >= 1, "the spinner ran after the setter, so the test did not test the yield");
}

fn panic_message(payload: &(dyn std::any::Any + Send)) -> &str {
    payload
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("<not a string>")
}

#[test]
fn a_panicking_task_reaches_its_awaiter_and_the_workers_go_on() {
    const THREADS: usize = 2;
    within(LIMIT, || {
        let executor = Executor::new(THREADS);

        // The awaiter of a panicking task panics with its payload.
        let boom = executor.spawn(async { panic!("boom") });
        let payload = panic::catch_unwind(AssertUnwindSafe(|| block_on(boom))).unwrap_err();
        assert_eq!(panic_message(&*payload), "boom");

        // Through a task that awaits it, too: the awaiting task panics in turn.
        let inner = executor.spawn(async { panic!("deep") });
        let outer = executor.spawn(async move {
            inner.await;
            1
        });
        let payload = panic::catch_unwind(AssertUnwindSafe(|| block_on(outer))).unwrap_err();
        assert_eq!(panic_message(&*payload), "deep");

        // Detached panicking tasks: nobody sees the panic (beyond the panic hook's message).
        for _ in 0..8 {
            executor.spawn(async { panic!("detached") }).detach();
        }

        // Every worker thread is still alive: THREADS tasks meet at a barrier, which needs them all
        // running at once.
        let barrier = Arc::new(Barrier::new(THREADS));
        let meetings: Vec<_> = (0..THREADS)
            .map(|_| {
                let barrier = Arc::clone(&barrier);
                executor.spawn(async move {
                    barrier.wait();
                })
            })
            .collect();
        for meeting in meetings {
            block_on(meeting);
        }
        assert_eq!(block_on(chain(&executor.spawner(), 1_000)), 1_000);
    });
}

#[test]
fn dropping_the_executor_drops_every_pending_future_exactly_once() {
    const YIELDERS: usize = 1_000;
    const LINKS: usize = 100_000;
    const WAITERS: usize = 100;
    // Ids: yielders, then the chain's links, then waiters woken late, then waiters whose handles
    // are dropped late.
    let links = YIELDERS..YIELDERS + LINKS;
    let woken_late = links.end..links.end + WAITERS;
    let handles_dropped_late = woken_late.end..woken_late.end + WAITERS;
    let counts = DropCounts::new(handles_dropped_late.end);

    let (signals, handles, cancelled) = within(LIMIT, {
        let counts = Arc::clone(&counts);
        let (links, woken_late, handles_dropped_late) =
            (links.clone(), woken_late.clone(), handles_dropped_late.clone());
        move || {
            let executor = Executor::new(2);
            // Tasks that are always queued or running: they yield forever.
            let polls = Arc::new(AtomicUsize::new(0));
            let mut yielders: Vec<_> = (0..YIELDERS)
                .map(|id| {
                    let tracked = counts.tracked(id);
                    let polls = Arc::clone(&polls);
                    executor.spawn(async move {
                        let _tracked = tracked;
                        polls.fetch_add(1, Ordering::Relaxed);
                        loop {
                            yield_now().await;
                        }
                    })
                })
                .collect();
            // A chain of LINKS tasks, each awaiting the one before, behind a yielder: cancelling
            // the yielder cancels every link, one after the other.
            let mut last = yielders.pop().unwrap();
            for id in links {
                let tracked = counts.tracked(id);
                let previous = last;
                last = executor.spawn(async move {
                    let _tracked = tracked;
                    previous.await
                });
            }
            last.detach();
            // Detached tasks waiting on signals fired only after the drop.
            let signals: Vec<_> = woken_late
                .map(|id| {
                    let signal = Signal::new();
                    let tracked = counts.tracked(id);
                    executor
                        .spawn({
                            let signal = Arc::clone(&signal);
                            async move {
                                let _tracked = tracked;
                                signal.wait().await;
                            }
                        })
                        .detach();
                    signal
                })
                .collect();
            // Tasks waiting on signals never fired, whose handles are dropped only after the drop.
            let never: Vec<_> = handles_dropped_late.clone().map(|_| Signal::new()).collect();
            let handles: Vec<_> = handles_dropped_late
                .zip(&never)
                .map(|(id, signal)| {
                    let tracked = counts.tracked(id);
                    let signal = Arc::clone(signal);
                    executor.spawn(async move {
                        let _tracked = tracked;
                        signal.wait().await;
                    })
                })
                .collect();
            // Polled and waiting, not queued: a queued task would be dropped by the drop.
            wait_until("the waiters wait", || signals.iter().chain(&never).all(|signal| signal.has_waiter()));
            wait_until("every yielder ran", || polls.load(Ordering::Relaxed) >= YIELDERS);
            // Must not hang on the yielders; drops the queued ones and the chain.
            drop(executor);
            // A task cancelled by the drop: its handle, made fallible, resolves to None.
            let cancelled = block_on(yielders.pop().unwrap().fallible());
            drop(yielders);
            (signals, handles, cancelled)
        }
    });
    assert_eq!(cancelled, None);
    assert_eq!(counts.not_dropped(0..links.end, 1), vec![], "(id, drops) of yielders and links");
    // Waiting tasks are owned by their wakers and handles, not by the executor: still alive.
    assert_eq!(counts.not_dropped(woken_late.start..handles_dropped_late.end, 0), vec![]);

    // A wake after the executor is gone cancels the task on the waking thread.
    thread::spawn(move || signals.iter().for_each(|signal| signal.fire())).join().unwrap();
    assert_eq!(counts.not_dropped(woken_late, 1), vec![], "(id, drops) of the tasks woken late");
    // So does dropping the handle of a waiting task.
    drop(handles);
    assert_eq!(
        counts.not_dropped(handles_dropped_late, 1),
        vec![],
        "(id, drops) of the handles dropped late"
    );
}

#[test]
fn a_task_spawned_onto_another_executor_from_a_task_runs_there() {
    within(LIMIT, || {
        let here = Executor::new(1);
        let there = Executor::new(1);
        let there_thread = block_on(there.spawn(async { thread::current().id() }));
        let here_thread = block_on(here.spawn(async { thread::current().id() }));
        assert_ne!(here_thread, there_thread);
        let there_spawner = there.spawner();
        let ran_on =
            block_on(here.spawn(async move { there_spawner.spawn(async { thread::current().id() }).await }));
        assert_eq!(ran_on, there_thread);
    });
}

#[test]
fn block_on_inside_a_task_panics() {
    within(LIMIT, || {
        let executor = Executor::new(1);
        let misuse = executor.spawn(async { block_on(async {}) });
        let payload = panic::catch_unwind(AssertUnwindSafe(|| block_on(misuse))).unwrap_err();
        assert_eq!(
            panic_message(&*payload),
            "async_executor: block_on: called from inside a task, where it would block a worker thread"
        );
        // The worker that ran it goes on.
        assert_eq!(block_on(executor.spawn(async { 7 })), 7);
    });
}

#[test]
#[should_panic(expected = "async_executor: Executor::new: needs at least 1 thread")]
fn an_executor_without_threads_is_refused() {
    let _ = Executor::new(0);
}
