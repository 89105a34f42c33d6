//! Sleep rows: the notifier's fast path against a bare `SeqCst` load, wake-up latency against a
//! raw `std::thread` park/unpark ping-pong, and the CPU an idle pool burns (getrusage) against
//! threads parked with `std::thread::park`, all in the same process.

use std::hint::black_box;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use filch_sleep::{IdlePolicy, Sleep};

use crate::{measure_in_turns, Comparison, Config, Stats};

/// Straight to sleep, so the latency rows measure a real park and wake.
const NO_SPIN: IdlePolicy = IdlePolicy { spin_rounds: 0, yield_rounds: 0, max_searching: None };

/// Every sleep row.
pub fn rows(config: &Config, emit: &mut dyn FnMut(Comparison)) {
    let ops: u64 = if config.quick { 10_000_000 } else { 100_000_000 };
    let round_trips = if config.quick { 2_000 } else { 20_000 };
    notify_with_nobody_sleepy(config, ops).into_iter().for_each(&mut *emit);
    wake_up_latency(config, round_trips).into_iter().for_each(&mut *emit);
    emit(idle_cpu(config, config.threads.max(2)));
}

/// `notify_one_after_seqcst` and `notify_one` with nobody sleepy, against one `SeqCst` load.
fn notify_with_nobody_sleepy(config: &Config, ops: u64) -> Vec<Comparison> {
    let sleep = Sleep::new(4);
    let word = AtomicUsize::new(0);
    let mut load = time_ops(ops, || {
        black_box(word.load(Ordering::SeqCst));
    });
    let mut cheap = time_ops(ops, || {
        black_box(sleep.notify_one_after_seqcst());
    });
    let mut fenced = time_ops(ops, || {
        black_box(sleep.notify_one());
    });
    let [load, cheap, fenced] =
        measure_in_turns(config.samples(), ops, &mut [&mut load, &mut cheap, &mut fenced])[..]
    else {
        unreachable!("one figure per operation")
    };
    vec![
        Comparison {
            workload: "notify_one_after_seqcst, nobody sleepy".into(),
            threads: 1,
            filch: cheap,
            peers: vec![("SeqCst load", load)],
        },
        Comparison {
            workload: "notify_one (fence + load), nobody sleepy".into(),
            threads: 1,
            filch: fenced,
            peers: vec![("SeqCst load", load)],
        },
    ]
}

/// One sample: the time of `ops` calls of `op`; generic, so each operation is inlined into its own
/// loop (a `dyn` call would cost more than the operations measured).
fn time_ops(ops: u64, op: impl Fn()) -> impl FnMut() -> Duration {
    move || {
        let start = Instant::now();
        for _ in 0..ops {
            op();
        }
        start.elapsed()
    }
}

/// The quantiles of the wake-up latency distribution that the report shows.
const QUANTILES: [f64; 7] = [0.10, 0.25, 0.50, 0.75, 0.90, 0.99, 0.999];

/// One-way wake-up latency (half a ping-pong round trip, each side parked when woken): one row
/// per quantile of [`QUANTILES`], each over several samples, filch's `Sleep` against raw
/// park/unpark.
fn wake_up_latency(config: &Config, round_trips: usize) -> Vec<Comparison> {
    let mut filch = vec![Vec::new(); QUANTILES.len()];
    let mut raw = vec![Vec::new(); QUANTILES.len()];
    for _ in 0..config.samples() {
        for (per_quantile, figure) in filch.iter_mut().zip(quantiles(filch_ping_pong(round_trips))) {
            per_quantile.push(figure);
        }
        for (per_quantile, figure) in raw.iter_mut().zip(quantiles(raw_ping_pong(round_trips))) {
            per_quantile.push(figure);
        }
    }
    QUANTILES
        .iter()
        .zip(filch.into_iter().zip(raw))
        .map(|(q, (filch, raw))| Comparison {
            workload: format!("wake-up latency p{} (notify -> sleeper runs)", (q * 1000.0).round() / 10.0),
            threads: 2,
            filch: Stats::of_figures(filch),
            peers: vec![("std park/unpark", Stats::of_figures(raw))],
        })
        .collect()
}

/// The [`QUANTILES`] of one-way latencies (half of each round trip), in ns.
fn quantiles(mut round_trips: Vec<Duration>) -> Vec<f64> {
    round_trips.sort();
    let at = |q: f64| round_trips[((round_trips.len() - 1) as f64 * q) as usize].as_nanos() as f64 / 2.0;
    QUANTILES.iter().map(|&q| at(q)).collect()
}

/// Ping-pong through a two-worker `Sleep`: each side posts to the other and idles (straight to
/// sleep) until the ball comes back.
fn filch_ping_pong(round_trips: usize) -> Vec<Duration> {
    let sleep = Arc::new(Sleep::with_policy(2, NO_SPIN));
    // Which worker holds the ball.
    let ball = Arc::new(AtomicUsize::new(0));
    let echo = {
        let (sleep, ball) = (Arc::clone(&sleep), Arc::clone(&ball));
        thread::spawn(move || {
            let mut me = sleep.worker(1);
            for _ in 0..round_trips {
                // Acquire: pairs with the Release store of the ball.
                me.idle(|| (ball.load(Ordering::Acquire) == 1).then_some(()));
                // Release: hands the ball back; `notify_one` fences after it.
                ball.store(0, Ordering::Release);
                sleep.notify_one();
            }
        })
    };
    let mut me = sleep.worker(0);
    let mut times = Vec::with_capacity(round_trips);
    for _ in 0..round_trips {
        let start = Instant::now();
        // Release: hands the ball over.
        ball.store(1, Ordering::Release);
        sleep.notify_one();
        // Acquire: pairs with the echo's Release store.
        me.idle(|| (ball.load(Ordering::Acquire) == 0).then_some(()));
        times.push(start.elapsed());
    }
    echo.join().unwrap();
    times
}

/// The same ping-pong on raw `std::thread::park` / `unpark`.
fn raw_ping_pong(round_trips: usize) -> Vec<Duration> {
    let ball = Arc::new(AtomicUsize::new(0));
    let main = thread::current();
    let echo = {
        let ball = Arc::clone(&ball);
        thread::spawn(move || {
            for _ in 0..round_trips {
                // Acquire: pairs with the Release store of the ball.
                while ball.load(Ordering::Acquire) != 1 {
                    thread::park();
                }
                // Release: hands the ball back.
                ball.store(0, Ordering::Release);
                main.unpark();
            }
        })
    };
    let mut times = Vec::with_capacity(round_trips);
    for _ in 0..round_trips {
        let start = Instant::now();
        // Release: hands the ball over.
        ball.store(1, Ordering::Release);
        echo.thread().unpark();
        // Acquire: pairs with the echo's Release store.
        while ball.load(Ordering::Acquire) != 0 {
            thread::park();
        }
        times.push(start.elapsed());
    }
    echo.join().unwrap();
    times
}

/// Process CPU time (user + system) so far.
fn cpu_time() -> Duration {
    // SAFETY: `getrusage` only writes the struct we pass, which is zeroed plain data.
    let usage = unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        assert_eq!(libc::getrusage(libc::RUSAGE_SELF, &mut usage), 0, "filch-benches: getrusage failed");
        usage
    };
    let micros = |time: libc::timeval| time.tv_sec as u64 * 1_000_000 + time.tv_usec as u64;
    Duration::from_micros(micros(usage.ru_utime) + micros(usage.ru_stime))
}

/// CPU burnt over one second by `workers` idle workers (all asleep), as ns of CPU per second;
/// the workload names the wake-ups counted over that second (the target is zero).
fn idle_cpu(config: &Config, workers: usize) -> Comparison {
    let window = if config.quick { Duration::from_millis(250) } else { Duration::from_secs(1) };
    let mut filch = Vec::new();
    let mut raw = Vec::new();
    let mut wakeups = 0;
    for _ in 0..config.samples().min(3) {
        let (cpu, woken) = filch_idle(workers, window);
        filch.push(cpu);
        wakeups += woken;
        raw.push(raw_idle(workers, window));
    }
    Comparison {
        workload: format!("idle pool, CPU ns per {window:?} (wake-ups counted: {wakeups})"),
        threads: workers,
        filch: Stats::of_figures(filch),
        peers: vec![("std park", Stats::of_figures(raw))],
    }
}

fn filch_idle(workers: usize, window: Duration) -> (f64, usize) {
    let sleep = Arc::new(Sleep::new(workers));
    let shutdown = Arc::new(AtomicBool::new(false));
    let handles: Vec<_> = (0..workers)
        .map(|index| {
            let (sleep, shutdown) = (Arc::clone(&sleep), Arc::clone(&shutdown));
            // Acquire: pairs with the Release store of `shutdown`.
            thread::spawn(move || sleep.worker(index).idle(|| shutdown.load(Ordering::Acquire).then_some(())))
        })
        .collect();
    while sleep.statistics().sleeps < workers {
        thread::sleep(Duration::from_millis(1));
    }
    let before = (cpu_time(), sleep.statistics());
    thread::sleep(window);
    let after = (cpu_time(), sleep.statistics());
    // Release: publishes shutdown.
    shutdown.store(true, Ordering::Release);
    sleep.notify_all();
    for handle in handles {
        handle.join().unwrap();
    }
    let woken = (after.1.wakeups - before.1.wakeups) + (after.1.spurious_wakeups - before.1.spurious_wakeups);
    ((after.0 - before.0).as_nanos() as f64, woken)
}

fn raw_idle(workers: usize, window: Duration) -> f64 {
    let shutdown = Arc::new(AtomicBool::new(false));
    let parked = Arc::new(AtomicUsize::new(0));
    let handles: Vec<_> = (0..workers)
        .map(|_| {
            let (shutdown, parked) = (Arc::clone(&shutdown), Arc::clone(&parked));
            thread::spawn(move || {
                parked.fetch_add(1, Ordering::Relaxed);
                // Acquire: pairs with the Release store of `shutdown`.
                while !shutdown.load(Ordering::Acquire) {
                    thread::park();
                }
            })
        })
        .collect();
    while parked.load(Ordering::Relaxed) < workers {
        thread::sleep(Duration::from_millis(1));
    }
    thread::sleep(Duration::from_millis(10));
    let before = cpu_time();
    thread::sleep(window);
    let cpu = cpu_time() - before;
    // Release: publishes shutdown.
    shutdown.store(true, Ordering::Release);
    for handle in &handles {
        handle.thread().unpark();
    }
    for handle in handles {
        handle.join().unwrap();
    }
    cpu.as_nanos() as f64
}
