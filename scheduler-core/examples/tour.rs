//! A tour of the work-stealing pool on real threads: what the literature says a work-stealing
//! scheduler does, measured.
//!
//! ```text
//! cargo run --release --example tour [-- --threads N]
//! ```
//!
//! 1. Imbalanced start: every task is spawned by one worker onto its own deque; stealing spreads
//!    them (per-worker executed / stolen / steal attempts / failed steals / parks / wake-ups).
//! 2. Nested spawning: a tree of tasks whose shape is only known as it runs.
//! 3. Granularity sweep: the same total work cut into tasks of 1 µs to 10 ms; speedup and
//!    efficiency against one worker.
//! 4. Join overhead: fib with a join at every call, against the sequential code.

use std::hint::black_box;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use filch_scheduler_core::{ThreadPool, ThreadPoolBuilder, WorkerStatistics};

fn main() {
    let threads = threads_from_args();
    println!("filch-scheduler-core tour: {threads} worker threads\n");
    let spin = SPIN.get_or_init(Spin::calibrate);
    imbalanced_start(threads);
    nested_spawning(threads, spin);
    granularity_sweep(threads, spin);
    join_overhead(threads);
}

const USAGE: &str = "usage: tour [--threads N] (default: the machine's available parallelism)";

/// `--threads N`; prints the usage and exits on `--help` (status 0) or on bad input (status 2).
fn threads_from_args() -> usize {
    let mut args = std::env::args().skip(1);
    let mut threads = std::thread::available_parallelism().map_or(2, |n| n.get());
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--threads" => match args.next().and_then(|n| n.parse().ok()).filter(|&n: &usize| n >= 1) {
                Some(n) => threads = n,
                None => exit_with_usage("tour: --threads takes a whole number of at least 1", 2),
            },
            "-h" | "--help" => exit_with_usage("filch-scheduler-core tour", 0),
            other => exit_with_usage(&format!("tour: unknown argument {other:?}"), 2),
        }
    }
    threads
}

fn exit_with_usage(message: &str, status: i32) -> ! {
    eprintln!("{message}\n{USAGE}");
    std::process::exit(status)
}

fn pool(threads: usize) -> ThreadPool {
    ThreadPoolBuilder::new().num_threads(threads).thread_name(|i| format!("tour-{i}")).build().unwrap()
}

/// Busy work of a given length, calibrated once (no sleeping: a sleeping task frees its core).
struct Spin {
    rounds_per_microsecond: f64,
}

impl Spin {
    fn calibrate() -> Self {
        let rounds = 2_000_000u64;
        let start = Instant::now();
        black_box(Self::rounds(rounds));
        let micros = start.elapsed().as_secs_f64() * 1e6;
        Self { rounds_per_microsecond: rounds as f64 / micros }
    }

    fn rounds(rounds: u64) -> u64 {
        let mut x = 0x9E37_79B9_7F4A_7C15u64;
        for _ in 0..rounds {
            x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        }
        x
    }

    fn work(&self, length: Duration) -> u64 {
        Self::rounds((length.as_secs_f64() * 1e6 * self.rounds_per_microsecond) as u64)
    }
}

fn header(title: &str, what: &str) {
    println!("== {title} ==");
    println!("{what}\n");
}

fn print_workers(stats: &[WorkerStatistics]) {
    println!(
        "{:>6} {:>9} {:>7} {:>9} {:>7} {:>10} {:>6} {:>9}",
        "worker", "executed", "stolen", "attempts", "failed", "fail rate", "parks", "wake-ups"
    );
    for (index, worker) in stats.iter().enumerate() {
        println!(
            "{:>6} {:>9} {:>7} {:>9} {:>7} {:>9.0}% {:>6} {:>9}",
            index,
            worker.executed,
            worker.stolen,
            worker.steal_attempts,
            worker.failed_steals,
            worker.steal_failure_rate() * 100.0,
            worker.parks,
            worker.wakeups
        );
    }
}

/// Every task is spawned from one worker, so all of them start on its deque.
fn imbalanced_start(threads: usize) {
    header(
        "1. imbalanced start",
        "2000 tasks of 100 us, all spawned by worker 0 onto its own deque; the others start empty and \
         must steal.",
    );
    let pool = pool(threads);
    let checksum = std::sync::Arc::new(AtomicU64::new(0));
    let start = Instant::now();
    pool.install(|| {
        for _ in 0..2000 {
            let checksum = std::sync::Arc::clone(&checksum);
            let length = Duration::from_micros(100);
            let work = move || {
                checksum.fetch_add(spin_work(length), Ordering::Relaxed);
            };
            filch_scheduler_core::spawn(work);
        }
    });
    pool.wait_idle();
    let elapsed = start.elapsed();
    let stats = pool.statistics();
    print_workers(&stats);
    let ideal = Duration::from_micros(2000 * 100 / threads as u64);
    println!(
        "\nwall time {:.1} ms (ideal with {threads} workers: {:.1} ms); tasks per worker min {} max {}\n",
        elapsed.as_secs_f64() * 1e3,
        ideal.as_secs_f64() * 1e3,
        stats.iter().map(|w| w.executed).min().unwrap_or(0),
        stats.iter().map(|w| w.executed).max().unwrap_or(0),
    );
}

/// The calibrated spin, reachable from `'static` tasks.
fn spin_work(length: Duration) -> u64 {
    SPIN.get().expect("calibrated in main").work(length)
}

static SPIN: std::sync::OnceLock<Spin> = std::sync::OnceLock::new();

/// A tree of tasks whose fan-out is decided as each task runs.
fn nested_spawning(threads: usize, spin: &Spin) {
    header(
        "2. nested spawning",
        "a random tree: each task does 20 us of work and spawns 0..=4 children (mean fan-out 0.96, \
         depth capped at 40), inside one scope.",
    );
    let pool = pool(threads);
    let tasks = AtomicU64::new(0);
    let start = Instant::now();
    pool.scope(|s| {
        for root in 0..64u64 {
            let (tasks, spin) = (&tasks, spin);
            s.spawn(move |s| grow(s, tasks, spin, root.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1, 0));
        }
    });
    let elapsed = start.elapsed();
    let total = tasks.load(Ordering::Relaxed);
    let stats = pool.statistics();
    print_workers(&stats);
    let ideal = total as f64 * 20.0 / threads as f64 / 1e3;
    println!(
        "\n{total} tasks in {:.1} ms (ideal with {threads} workers: {ideal:.1} ms)\n",
        elapsed.as_secs_f64() * 1e3
    );
}

fn grow<'s>(
    scope: &filch_scheduler_core::Scope<'s>,
    tasks: &'s AtomicU64,
    spin: &'s Spin,
    seed: u64,
    depth: u32,
) {
    tasks.fetch_add(1, Ordering::Relaxed);
    black_box(spin.work(Duration::from_micros(20)));
    if depth >= 40 {
        return;
    }
    let mut x = seed;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    // 0..=4 children with a mean of 0.96: a tree that is finite but of unpredictable shape.
    let children = match x % 100 {
        0..=44 => 0,
        45..=74 => 1,
        75..=87 => 2,
        88..=95 => 3,
        _ => 4,
    };
    for child in 0..children {
        let seed = x.wrapping_add(child + 1).wrapping_mul(0x2545_F491_4F6C_DD1D) | 1;
        scope.spawn(move |s| grow(s, tasks, spin, seed, depth + 1));
    }
}

/// The same total work cut into tasks of different sizes.
fn granularity_sweep(threads: usize, spin: &Spin) {
    header(
        "3. granularity sweep",
        "400 ms of work in all, split into equal tasks (binary join tree over them); speedup = time on \
         1 worker / time on N workers; efficiency = speedup / N.",
    );
    let one = pool(1);
    let many = pool(threads);
    println!(
        "{:>10} {:>8} {:>12} {:>12} {:>8} {:>11}",
        "task size", "tasks", "1 worker ms", "N workers ms", "speedup", "efficiency"
    );
    let total = Duration::from_millis(400);
    for task in [1u64, 10, 100, 1_000, 10_000].map(Duration::from_micros) {
        let count = (total.as_nanos() / task.as_nanos()) as usize;
        let time = |pool: &ThreadPool| {
            let start = Instant::now();
            black_box(pool.install(|| split(spin, task, count)));
            start.elapsed()
        };
        let (single, parallel) = (time(&one), time(&many));
        let speedup = single.as_secs_f64() / parallel.as_secs_f64();
        println!(
            "{:>8}us {:>8} {:>12.1} {:>12.1} {:>8.2} {:>10.0}%",
            task.as_micros(),
            count,
            single.as_secs_f64() * 1e3,
            parallel.as_secs_f64() * 1e3,
            speedup,
            speedup / threads as f64 * 100.0
        );
    }
    println!();
}

fn split(spin: &Spin, task: Duration, count: usize) -> u64 {
    if count == 1 {
        return spin.work(task);
    }
    let half = count / 2;
    let (a, b) = filch_scheduler_core::join(|| split(spin, task, half), || split(spin, task, count - half));
    a ^ b
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
        fib_sequential(black_box(n - 1)) + fib_sequential(black_box(n - 2))
    }
}

/// fib(30) with a join at every call: the cost of a join that nobody steals.
fn join_overhead(threads: usize) {
    header("4. join overhead", "fib(30) with a join at every call (1,664,079 calls); best of 5.");
    let calls = 1_664_079f64;
    let best = |run: &dyn Fn() -> u64| {
        (0..5)
            .map(|_| {
                let start = Instant::now();
                assert_eq!(black_box(run()), 832_040);
                start.elapsed()
            })
            .min()
            .unwrap()
    };
    let sequential = best(&|| fib_sequential(black_box(30)));
    let one = pool(1);
    let single = best(&|| one.install(|| fib(black_box(30))));
    let many = pool(threads);
    let parallel = best(&|| many.install(|| fib(black_box(30))));
    let per_call = |time: Duration| time.as_secs_f64() * 1e9 / calls;
    println!("sequential      {:>6.2} ns per call", per_call(sequential));
    println!(
        "1 worker        {:>6.2} ns per call ({:+.2} ns per join)",
        per_call(single),
        per_call(single) - per_call(sequential)
    );
    println!(
        "{threads} workers{:pad$} {:>6.2} ns per call (speedup {:.2} over sequential)",
        "",
        per_call(parallel),
        sequential.as_secs_f64() / parallel.as_secs_f64(),
        pad = 7usize.saturating_sub(threads.to_string().len())
    );
}
