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
//! 5. Victim policies: the imbalanced start once per `VictimPolicy` (random, round-robin,
//!    largest queue); wall time, stolen, steal attempts and failed steals of each.
//! 6. Resize during work: a stream of tasks while the pool shrinks to 1 worker and grows past
//!    its start size; each task counted to have run exactly once, and the per-worker counts
//!    kept across the resizes.
//! 7. Priorities under load: high- and normal-priority tasks submitted together to a saturated
//!    pool; p50 and p99 of the time from submission to start, per priority.
//! 8. Locality: parents sent unevenly to the workers each spawn follow-ups that read the
//!    parent's data, once with `spawn`, once with `spawn_local` and once with `spawn` into the
//!    LIFO slot; the share of follow-ups that ran on the parent's worker, wall time and stolen.
//! 9. Share-nothing, thread per core: an uneven load sent to the workers by index, on a
//!    share-nothing pool (pinned where the platform allows) and on a stealing one; per worker
//!    tasks sent, executed and stolen and when its last task finished, and the wall time of each.
//! 10. Entering from outside: a small join tree (1023 nodes) started from the main thread, one
//!     entry per tree, with `install` (handed to a worker and back) and with `install_in_place`
//!     (the main thread works as a guest worker); median time per tree against the sequential
//!     code.

use std::hint::black_box;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use filch_scheduler_core::{
    CoreConfig, Priority, StealPolicy, ThreadPool, ThreadPoolBuilder, VictimPolicy, WorkerStatistics,
};

fn main() {
    let threads = threads_from_args();
    println!("filch-scheduler-core tour: {threads} worker threads\n");
    let spin = SPIN.get_or_init(Spin::calibrate);
    imbalanced_start(threads);
    nested_spawning(threads, spin);
    granularity_sweep(threads, spin);
    join_overhead(threads);
    victim_policies(threads);
    resize_during_work(threads);
    priorities_under_load(threads);
    locality(threads);
    share_nothing(threads);
    entering_from_outside(threads);
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

fn builder(threads: usize) -> ThreadPoolBuilder {
    ThreadPoolBuilder::new().num_threads(threads).thread_name(|i| format!("tour-{i}"))
}

fn pool(threads: usize) -> ThreadPool {
    builder(threads).build().unwrap()
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

const IMBALANCED_TASKS: u32 = 2000;
const IMBALANCED_TASK: Duration = Duration::from_micros(100);

/// Every task is spawned from one worker, so all of them start on its deque.
fn imbalanced_start(threads: usize) {
    header(
        "1. imbalanced start",
        &format!(
            "{IMBALANCED_TASKS} tasks of {} us, all spawned by one worker onto its own deque; the others \
             start empty and must steal.",
            IMBALANCED_TASK.as_micros()
        ),
    );
    let pool = pool(threads);
    let elapsed = run_imbalanced_workload(&pool);
    let stats = pool.statistics();
    print_workers(&stats);
    let ideal = IMBALANCED_TASK * IMBALANCED_TASKS / threads as u32;
    println!(
        "\nwall time {:.1} ms (ideal with {threads} workers: {:.1} ms); tasks per worker min {} max {}\n",
        elapsed.as_secs_f64() * 1e3,
        ideal.as_secs_f64() * 1e3,
        stats.iter().map(|w| w.executed).min().unwrap_or(0),
        stats.iter().map(|w| w.executed).max().unwrap_or(0),
    );
}

/// Spawns the imbalanced-start tasks from inside one worker of `pool` and waits until they have
/// all run; returns the wall time.
fn run_imbalanced_workload(pool: &ThreadPool) -> Duration {
    let checksum = Arc::new(AtomicU64::new(0));
    let start = Instant::now();
    pool.install(|| {
        for _ in 0..IMBALANCED_TASKS {
            let checksum = Arc::clone(&checksum);
            filch_scheduler_core::spawn(move || {
                checksum.fetch_add(spin_work(IMBALANCED_TASK), Ordering::Relaxed);
            });
        }
    });
    pool.wait_idle();
    let elapsed = start.elapsed();
    black_box(checksum.load(Ordering::Relaxed));
    elapsed
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

/// `fib` without the pool, in the same shape (a `black_box` on each argument would make it pay
/// memory round trips the pooled `fib` does not).
fn fib_sequential(n: u64) -> u64 {
    if n < 2 {
        return n;
    }
    let (a, b) = (fib_sequential(n - 1), fib_sequential(n - 2));
    a + b
}

/// fib(30) with a join at every call: the cost of a join that nobody steals.
fn join_overhead(threads: usize) {
    header(
        "4. join overhead",
        "fib(30) with a join at every call (1,664,079 calls, 832,039 joins); best of 5.",
    );
    let calls = 1_664_079f64;
    let joins = 832_039f64;
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
    let over = per_call(single) - per_call(sequential);
    println!(
        "1 worker        {:>6.2} ns per call ({over:+.2} ns per call, {:+.2} ns per join over sequential)",
        per_call(single),
        over * calls / joins
    );
    println!(
        "{threads} workers{:pad$} {:>6.2} ns per call (speedup {:.2} over sequential)",
        "",
        per_call(parallel),
        sequential.as_secs_f64() / parallel.as_secs_f64(),
        pad = 7usize.saturating_sub(threads.to_string().len())
    );
    println!();
}

/// The imbalanced start once per victim policy.
fn victim_policies(threads: usize) {
    header(
        "5. victim policies",
        &format!(
            "the workload of 1 ({IMBALANCED_TASKS} tasks of {} us spawned by one worker) once per \
             victim policy, each on a fresh pool; steal counts summed over the workers.",
            IMBALANCED_TASK.as_micros()
        ),
    );
    println!(
        "{:>13} {:>8} {:>7} {:>9} {:>7} {:>10}",
        "policy", "wall ms", "stolen", "attempts", "failed", "fail rate"
    );
    for policy in [VictimPolicy::Random, VictimPolicy::RoundRobin, VictimPolicy::LargestQueue] {
        let pool = builder(threads).victim_policy(policy).build().unwrap();
        let elapsed = run_imbalanced_workload(&pool);
        let total = pool.statistics().into_iter().sum::<WorkerStatistics>();
        println!(
            "{:>13} {:>8.1} {:>7} {:>9} {:>7} {:>9.0}%",
            format!("{policy:?}"),
            elapsed.as_secs_f64() * 1e3,
            total.stolen,
            total.steal_attempts,
            total.failed_steals,
            total.steal_failure_rate() * 100.0
        );
    }
    if threads == 1 {
        println!("(one worker has nobody to steal from: every policy sees the same)");
    }
    println!();
}

const RESIZE_BURSTS_PER_STEP: usize = 10;
const RESIZE_BURST_TASKS: usize = 100;
const RESIZE_TASK: Duration = Duration::from_micros(50);
const RESIZE_PAUSE: Duration = Duration::from_millis(1);

/// Tasks streamed in from outside while the pool shrinks and grows.
fn resize_during_work(threads: usize) {
    let grown = threads + 2;
    let sizes = [threads, 1, grown];
    let tasks = sizes.len() * RESIZE_BURSTS_PER_STEP * RESIZE_BURST_TASKS;
    header(
        "6. resize during work",
        &format!(
            "{tasks} tasks of {} us, submitted from outside in bursts of {RESIZE_BURST_TASKS} every \
             {} ms; every {RESIZE_BURSTS_PER_STEP} bursts the pool is resized: {threads} -> 1 -> {grown} \
             workers (max_threads {grown}).",
            RESIZE_TASK.as_micros(),
            RESIZE_PAUSE.as_millis()
        ),
    );
    let pool = builder(threads).max_threads(grown).build().unwrap();
    let runs: Arc<[AtomicU32]> = (0..tasks).map(|_| AtomicU32::new(0)).collect();
    let mut snapshots = Vec::new();
    for (step, &size) in sizes.iter().enumerate() {
        if step > 0 {
            snapshots.push((format!("at {}->{size}", pool.current_num_threads()), pool.statistics()));
            resize_timed(&pool, size);
        }
        let first = step * RESIZE_BURSTS_PER_STEP * RESIZE_BURST_TASKS;
        submit_counted_bursts(&pool, &runs, first);
    }
    pool.wait_idle();
    snapshots.push(("end".to_owned(), pool.statistics()));
    print_executed_over_time(&snapshots);
    print_run_counts(&runs, &pool.statistics());
}

/// Resizes `pool` to `size` and prints how long the call took.
fn resize_timed(pool: &ThreadPool, size: usize) {
    let old = pool.current_num_threads();
    let start = Instant::now();
    pool.resize(size).unwrap();
    println!(
        "resize {old} -> {size}: returned after {:.2} ms; workers now: {}",
        start.elapsed().as_secs_f64() * 1e3,
        pool.current_num_threads()
    );
}

/// Spawns one step's bursts of tasks numbered from `first`; each counts its runs in `runs`.
fn submit_counted_bursts(pool: &ThreadPool, runs: &Arc<[AtomicU32]>, first: usize) {
    for burst in 0..RESIZE_BURSTS_PER_STEP {
        for offset in 0..RESIZE_BURST_TASKS {
            let (runs, id) = (Arc::clone(runs), first + burst * RESIZE_BURST_TASKS + offset);
            pool.spawn(move || {
                black_box(spin_work(RESIZE_TASK));
                // Relaxed: read after `wait_idle`, whose Acquire pairs with the Release by which the pool
                // marks this task finished.
                runs[id].fetch_add(1, Ordering::Relaxed);
            });
        }
        std::thread::sleep(RESIZE_PAUSE);
    }
}

/// Per-worker executed counts at each snapshot (counters read while the pool runs, except at
/// the end).
fn print_executed_over_time(snapshots: &[(String, Vec<WorkerStatistics>)]) {
    print!("\n{:>6}", "worker");
    for (label, _) in snapshots {
        print!(" {label:>10}");
    }
    println!("   (tasks executed, read just before each resize and at the end)");
    let workers = snapshots.iter().map(|(_, stats)| stats.len()).max().unwrap_or(0);
    for index in 0..workers {
        print!("{index:>6}");
        for (_, stats) in snapshots {
            print!(" {:>10}", stats.get(index).map_or(0, |worker| worker.executed));
        }
        println!();
    }
    let kept = snapshots.windows(2).all(|pair| {
        pair[0].1.iter().zip(&pair[1].1).all(|(earlier, later)| later.executed >= earlier.executed)
    });
    println!("no worker's count went down across the resizes: {kept}");
}

/// How many tasks ran exactly once, never, or more than once, against the workers' own count.
fn print_run_counts(runs: &[AtomicU32], stats: &[WorkerStatistics]) {
    let count = |rule: fn(u32) -> bool| runs.iter().filter(|run| rule(run.load(Ordering::Relaxed))).count();
    println!(
        "\n{} tasks submitted: {} ran exactly once, {} never, {} more than once; the workers counted \
         {} executed\n",
        runs.len(),
        count(|n| n == 1),
        count(|n| n == 0),
        count(|n| n > 1),
        stats.iter().copied().sum::<WorkerStatistics>().executed
    );
}

const LOAD_TASKS_PER_WORKER: usize = 100;
const LOAD_TASK: Duration = Duration::from_millis(1);
const PROBES_PER_PRIORITY: usize = 100;

/// Start latency of high- and normal-priority tasks submitted to a saturated pool.
fn priorities_under_load(threads: usize) {
    let load = LOAD_TASKS_PER_WORKER * threads;
    header(
        "7. priorities under load",
        &format!(
            "{load} normal busy tasks of {} ms saturate the pool; then {PROBES_PER_PRIORITY} high- and \
             {PROBES_PER_PRIORITY} normal-priority empty tasks are submitted, alternating; latency = \
             submission to start.",
            LOAD_TASK.as_millis()
        ),
    );
    let pool = pool(threads);
    for _ in 0..load {
        pool.spawn(|| {
            black_box(spin_work(LOAD_TASK));
        });
    }
    let high = Arc::new(Mutex::new(Vec::with_capacity(PROBES_PER_PRIORITY)));
    let normal = Arc::new(Mutex::new(Vec::with_capacity(PROBES_PER_PRIORITY)));
    for _ in 0..PROBES_PER_PRIORITY {
        spawn_latency_probe(&pool, Priority::High, &high);
        spawn_latency_probe(&pool, Priority::Normal, &normal);
    }
    pool.wait_idle();
    println!("{:>8} {:>6} {:>8} {:>8} {:>8}", "priority", "tasks", "p50 ms", "p99 ms", "max ms");
    print_latencies("high", &mut high.lock().unwrap());
    print_latencies("normal", &mut normal.lock().unwrap());
    println!(
        "\na high task waits for a worker to finish its busy task; after {} high tasks in a row a \
         worker takes one normal task (the anti-starvation burst limit)\n",
        CoreConfig::default().high_priority_burst
    );
}

/// Spawns an empty task that records, into `latencies`, how long it waited to start.
fn spawn_latency_probe(pool: &ThreadPool, priority: Priority, latencies: &Arc<Mutex<Vec<Duration>>>) {
    let latencies = Arc::clone(latencies);
    let submitted = Instant::now();
    pool.spawn_with_priority(priority, move || latencies.lock().unwrap().push(submitted.elapsed()));
}

fn print_latencies(label: &str, latencies: &mut [Duration]) {
    latencies.sort_unstable();
    let ms = |latency: Duration| latency.as_secs_f64() * 1e3;
    println!(
        "{label:>8} {:>6} {:>8.2} {:>8.2} {:>8.2}",
        latencies.len(),
        ms(percentile(latencies, 50)),
        ms(percentile(latencies, 99)),
        ms(latencies.last().copied().unwrap_or_default())
    );
}

/// The nearest-rank `percent`-th percentile of sorted samples (zero if there are none).
fn percentile(sorted: &[Duration], percent: usize) -> Duration {
    let rank = (sorted.len() * percent).div_ceil(100).max(1);
    sorted.get(rank - 1).copied().unwrap_or_default()
}

/// Splits `total` tasks over `threads` workers unevenly: worker `i` gets a share proportional to
/// `(i + 1)^2` (the last takes the rounding), so the first workers run out while the others are
/// busy.
fn uneven_shares(total: usize, threads: usize) -> Vec<usize> {
    let weight = |index: usize| (index + 1) * (index + 1);
    let weights: usize = (0..threads).map(weight).sum();
    let mut shares: Vec<usize> = (0..threads).map(|index| total * weight(index) / weights).collect();
    let rounding = total - shares.iter().sum::<usize>();
    if let Some(last) = shares.last_mut() {
        *last += rounding;
    }
    shares
}

/// Sends `shares[i]` tasks made by `task` to worker `i`, round-robin over the workers so every
/// inbox fills at the same pace.
fn send_uneven(pool: &ThreadPool, shares: &[usize], mut task: impl FnMut() -> Box<dyn FnOnce() + Send>) {
    let most = shares.iter().copied().max().unwrap_or(0);
    for round in 0..most {
        for (index, _) in shares.iter().enumerate().filter(|&(_, &share)| round < share) {
            pool.spawn_to(index, task());
        }
    }
}

const LOCALITY_PARENTS_PER_WORKER: usize = 100;
const LOCALITY_FOLLOW_UPS: usize = 4;
const LOCALITY_DATA_WORDS: usize = 4096;
const LOCALITY_PARENT_WORK: Duration = Duration::from_micros(100);
const LOCALITY_FOLLOW_UP_WORK: Duration = Duration::from_micros(20);

/// How a parent spawns its follow-ups in section 8.
#[derive(Clone, Copy)]
enum FollowUpSpawn {
    /// `spawn`: onto the parent's deque, stealable at once.
    Deque,
    /// `spawn_local`: into the parent's local queue.
    Local,
    /// `spawn` on a pool built with `lifo_slot(true)`.
    LifoSlot,
}

impl FollowUpSpawn {
    fn label(self) -> &'static str {
        match self {
            FollowUpSpawn::Deque => "spawn",
            FollowUpSpawn::Local => "spawn_local",
            FollowUpSpawn::LifoSlot => "spawn + lifo_slot",
        }
    }

    fn spawn(self, task: impl FnOnce() + Send + 'static) {
        match self {
            FollowUpSpawn::Deque | FollowUpSpawn::LifoSlot => filch_scheduler_core::spawn(task),
            FollowUpSpawn::Local => filch_scheduler_core::spawn_local(task),
        }
    }
}

/// Follow-ups that read their parent's data: where do they run?
fn locality(threads: usize) {
    let parents = LOCALITY_PARENTS_PER_WORKER * threads;
    header(
        "8. locality",
        &format!(
            "{parents} parents sent unevenly to the workers (worker i gets a share ~ (i + 1)^2); each fills \
             {} KiB, spawns {LOCALITY_FOLLOW_UPS} follow-ups that read it ({} us each), then works {} us \
             more; once per way of spawning the follow-ups, each on a fresh pool.",
            LOCALITY_DATA_WORDS * 8 / 1024,
            LOCALITY_FOLLOW_UP_WORK.as_micros(),
            LOCALITY_PARENT_WORK.as_micros()
        ),
    );
    if threads == 1 {
        println!("(needs 2 or more workers: with one, every follow-up runs on its parent's worker)\n");
        return;
    }
    println!("{:>17} {:>19} {:>8} {:>7}", "follow-ups by", "on parent's worker", "wall ms", "stolen");
    for mode in [FollowUpSpawn::Deque, FollowUpSpawn::Local, FollowUpSpawn::LifoSlot] {
        let pool = builder(threads).lifo_slot(matches!(mode, FollowUpSpawn::LifoSlot)).build().unwrap();
        let at_home = Arc::new(AtomicU64::new(0));
        let start = Instant::now();
        send_uneven(&pool, &uneven_shares(parents, threads), || {
            let at_home = Arc::clone(&at_home);
            Box::new(move || locality_parent(mode, &at_home))
        });
        pool.wait_idle();
        let elapsed = start.elapsed();
        let total = pool.statistics().into_iter().sum::<WorkerStatistics>();
        let follow_ups = (parents * LOCALITY_FOLLOW_UPS) as f64;
        println!(
            "{:>17} {:>18.1}% {:>8.1} {:>7}",
            mode.label(),
            at_home.load(Ordering::Relaxed) as f64 / follow_ups * 100.0,
            elapsed.as_secs_f64() * 1e3,
            total.stolen
        );
    }
    println!(
        "\nspawn: the parent's deque, run newest first by its worker, stealable by any idle one; \
         spawn_local: the parent's local queue (its inbox, FIFO behind the parents sent there), taken \
         by others only as their last look before idling; lifo_slot: the newest follow-up runs next on \
         the parent's worker, unstealable, the others go onto the deque\n"
    );
}

/// One parent of section 8: fills its data, spawns follow-ups that read it, and keeps working;
/// each follow-up that runs on the parent's worker counts one in `at_home`.
fn locality_parent(mode: FollowUpSpawn, at_home: &Arc<AtomicU64>) {
    let here = filch_scheduler_core::current_thread_index();
    let data: Arc<[u64]> =
        (0..LOCALITY_DATA_WORDS as u64).map(|word| word.wrapping_mul(here.unwrap_or(0) as u64 + 1)).collect();
    for _ in 0..LOCALITY_FOLLOW_UPS {
        let (data, at_home) = (Arc::clone(&data), Arc::clone(at_home));
        mode.spawn(move || {
            black_box(data.iter().sum::<u64>() ^ spin_work(LOCALITY_FOLLOW_UP_WORK));
            if filch_scheduler_core::current_thread_index() == here {
                // Relaxed: read after `wait_idle`, which orders every task's effects before it returns.
                at_home.fetch_add(1, Ordering::Relaxed);
            }
        });
    }
    black_box(spin_work(LOCALITY_PARENT_WORK));
}

const SHARE_NOTHING_TASKS_PER_WORKER: usize = 300;
const SHARE_NOTHING_TASK: Duration = Duration::from_micros(100);

/// The same uneven load, sent by worker index, on a share-nothing pool and on a stealing one.
fn share_nothing(threads: usize) {
    let tasks = SHARE_NOTHING_TASKS_PER_WORKER * threads;
    header(
        "9. share-nothing, thread per core",
        &format!(
            "{tasks} tasks of {} us sent with spawn_to, worker i getting a share ~ (i + 1)^2; once on a pool \
             with StealPolicy::ShareNothing and pin_workers(true), once on a default (stealing) pool.",
            SHARE_NOTHING_TASK.as_micros()
        ),
    );
    if threads == 1 {
        println!("(needs 2 or more workers: with one there is nobody to share with or steal from)\n");
        return;
    }
    let shares = uneven_shares(tasks, threads);
    let share_nothing_pool =
        builder(threads).steal_policy(StealPolicy::ShareNothing).pin_workers(true).build().unwrap();
    let stealing_pool = pool(threads);
    let share_nothing = run_sent_load(&share_nothing_pool, &shares);
    let stealing = run_sent_load(&stealing_pool, &shares);
    let cpus = allowed_cpus_per_worker(&share_nothing_pool);
    let ms = |time: Duration| time.as_secs_f64() * 1e3;
    println!(
        "{:>6} {:>6} | {:>13} {:>6} {:>7} {:>12} | {:>8} {:>6} {:>7}",
        "", "", "share-nothing", "", "", "", "stealing", "", ""
    );
    println!(
        "{:>6} {:>6} | {:>13} {:>6} {:>7} {:>12} | {:>8} {:>6} {:>7}",
        "worker", "sent", "executed", "stolen", "done ms", "allowed cpus", "executed", "stolen", "done ms"
    );
    for (index, sent) in shares.iter().enumerate() {
        println!(
            "{:>6} {:>6} | {:>13} {:>6} {:>7.1} {:>12} | {:>8} {:>6} {:>7.1}",
            index,
            sent,
            share_nothing.stats[index].executed,
            share_nothing.stats[index].stolen,
            ms(share_nothing.done[index]),
            cpus[index].as_deref().unwrap_or("?"),
            stealing.stats[index].executed,
            stealing.stats[index].stolen,
            ms(stealing.done[index])
        );
    }
    let stayed =
        shares.iter().zip(&share_nothing.stats).all(|(&sent, worker)| worker.executed == sent as u64);
    println!(
        "\n(done ms: when the worker's last task finished) wall time: share-nothing {:.1} ms, stealing \
         {:.1} ms; share-nothing ran every task where it was sent: {stayed}",
        ms(share_nothing.wall),
        ms(stealing.wall)
    );
    if cpus.iter().all(Option::is_some) {
        println!(
            "pinning: the API does not report it; allowed cpus read by each worker from \
             /proc/thread-self/status\n"
        );
    } else {
        println!(
            "pinning: not observable here (the API does not report it, no /proc/thread-self); \
             pin_workers is a no-op where the platform has no thread affinity\n"
        );
    }
}

/// What one run of section 9's load came to.
struct SentLoad {
    wall: Duration,
    stats: Vec<WorkerStatistics>,
    /// Per worker, when the last task it ran finished, from the start of the run.
    done: Vec<Duration>,
}

/// Sends `shares[i]` busy tasks to worker `i` of `pool` and waits for them.
fn run_sent_load(pool: &ThreadPool, shares: &[usize]) -> SentLoad {
    let done_micros: Arc<[AtomicU64]> = shares.iter().map(|_| AtomicU64::new(0)).collect();
    let start = Instant::now();
    send_uneven(pool, shares, || {
        let done_micros = Arc::clone(&done_micros);
        Box::new(move || {
            black_box(spin_work(SHARE_NOTHING_TASK));
            if let Some(done) = filch_scheduler_core::current_thread_index().and_then(|i| done_micros.get(i))
            {
                // Relaxed: read after `wait_idle`, which orders every task's effects before it returns.
                done.fetch_max(start.elapsed().as_micros() as u64, Ordering::Relaxed);
            }
        })
    });
    pool.wait_idle();
    let wall = start.elapsed();
    let done =
        done_micros.iter().map(|micros| Duration::from_micros(micros.load(Ordering::Relaxed))).collect();
    SentLoad { wall, stats: pool.statistics(), done }
}

/// Each worker's `Cpus_allowed_list` as it reads it from `/proc/thread-self/status` (Linux), in a
/// task sent to it; `None` where that cannot be read. On a share-nothing pool each task runs on
/// the worker it was sent to.
fn allowed_cpus_per_worker(pool: &ThreadPool) -> Vec<Option<String>> {
    let (send, receive) = std::sync::mpsc::channel();
    for index in 0..pool.current_num_threads() {
        let send = send.clone();
        pool.spawn_to(index, move || {
            let cpus = std::fs::read_to_string("/proc/thread-self/status").ok().and_then(|status| {
                status
                    .lines()
                    .find_map(|line| line.strip_prefix("Cpus_allowed_list:"))
                    .map(|cpus| cpus.trim().to_owned())
            });
            send.send((filch_scheduler_core::current_thread_index(), cpus)).unwrap();
        });
    }
    drop(send);
    let mut cpus = vec![None; pool.current_num_threads()];
    for (index, allowed) in receive {
        if let Some(slot) = index.and_then(|index| cpus.get_mut(index)) {
            *slot = allowed;
        }
    }
    cpus
}

/// The sum of the implicit binary tree over `values` below `node` (node `i` has children `2i + 1`
/// and `2i + 2`), with a join at every inner node.
fn tree_sum(values: &[u64], node: usize) -> u64 {
    let (left, right) = (2 * node + 1, 2 * node + 2);
    if left >= values.len() {
        return values[node];
    }
    let (a, b) = filch_scheduler_core::join(
        || tree_sum(values, left),
        || if right < values.len() { tree_sum(values, right) } else { 0 },
    );
    values[node] + a + b
}

/// `tree_sum` without the pool.
fn tree_sum_sequential(values: &[u64], node: usize) -> u64 {
    let (left, right) = (2 * node + 1, 2 * node + 2);
    if left >= values.len() {
        return values[node];
    }
    let b = if right < values.len() { tree_sum_sequential(values, right) } else { 0 };
    values[node] + tree_sum_sequential(values, left) + b
}

/// One small tree per entry from the main thread: `install` against `install_in_place`.
fn entering_from_outside(threads: usize) {
    header(
        "10. entering from outside",
        "a 1023-node join tree from the main thread, one entry per tree, median of 10,000.\n\
         install hands each tree to a worker and back; install_in_place runs it on the main\n\
         thread as a guest worker, which the workers steal from.",
    );
    let values: Vec<u64> = (0..1023).collect();
    let expected = tree_sum_sequential(&values, 0);
    let median = |run: &dyn Fn() -> u64| {
        let mut times: Vec<Duration> = (0..10_000)
            .map(|_| {
                let start = Instant::now();
                assert_eq!(black_box(run()), expected);
                start.elapsed()
            })
            .collect();
        times.sort_unstable();
        times[times.len() / 2]
    };
    let pool = pool(threads);
    let sequential = median(&|| tree_sum_sequential(black_box(&values), 0));
    let installed = median(&|| pool.install(|| tree_sum(black_box(&values), 0)));
    let in_place = median(&|| pool.install_in_place(|| tree_sum(black_box(&values), 0)));
    println!("sequential        {:>7.2} us", sequential.as_secs_f64() * 1e6);
    for (name, time) in [("install", installed), ("install_in_place", in_place)] {
        println!(
            "{name:<17} {:>7.2} us ({:.2}x sequential)",
            time.as_secs_f64() * 1e6,
            time.as_secs_f64() / sequential.as_secs_f64()
        );
    }
    println!();
}
