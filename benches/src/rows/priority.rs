//! Priority rows: how soon a [`Priority::High`] task starts on a saturated pool, against a
//! [`Priority::Normal`] task submitted at the same moment, as latency quantiles (a `pNN` word in
//! the workload, as the sleep rows, so the report draws them by percentile).
//!
//! Each round first sends one busy normal task to each worker ([`ThreadPool::spawn_to`], whose
//! wake-up is targeted); it holds its worker until the probes are out and ends `BUSY` after
//! that, so the pool is saturated at every submission however late this thread gets a core.
//! Once every worker holds one, `BUSY_PER_WORKER - 1` more busy tasks per worker are queued from
//! outside the pool ([`ThreadPool::spawn`], spinning `BUSY` each), then one high and one
//! normal probe are submitted back to back (which goes first alternates by round), each
//! recording the time from just before its own submission to its first instruction. The round
//! ends when the probes and every busy task have run. A high probe should start when the first
//! worker frees up, `BUSY` after the probes are out, plus the time to pick it; a normal one
//! waits until a worker gets to it among the queued busy tasks, at least one `BUSY` more.
//!
//! The holding tasks go by `spawn_to` because work queued with `spawn` may sit in one worker's
//! deque (the injector hands batches) while another worker sleeps: a missed wake-up costs
//! parallelism, never progress, unless the task ahead of it never ends, as a holding one would.
//! A round in which the workers are not all holding within `STALL` (one worker took another's
//! holding task from its inbox, and that one had gone back to sleep before its own came) lets
//! them go and is run again.

use std::hint::spin_loop;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, OnceLock};
use std::thread;
use std::time::{Duration, Instant};

use filch_scheduler_core::{Priority, ThreadPool, ThreadPoolBuilder};

use crate::{Comparison, Config, Stats};

/// How long each busy task spins (the one holding a worker: after the probes are out).
const BUSY: Duration = Duration::from_micros(50);

/// Busy tasks per worker each round (one holds the worker, the others are queued).
const BUSY_PER_WORKER: usize = 4;

/// How long a round waits for every worker to hold a busy task before it gives up.
const STALL: Duration = Duration::from_millis(100);

/// Rounds in a row that may give up waiting before the rows do.
const MAX_STALLED_ROUNDS: usize = 10;

/// The quantiles of the start latency distribution that the report shows.
const QUANTILES: [f64; 2] = [0.50, 0.99];

/// Every priority row.
pub fn rows(config: &Config, emit: &mut dyn FnMut(Comparison)) {
    let rounds = if config.quick { 500 } else { 1_000 };
    start_latency(config, config.threads, rounds).into_iter().for_each(emit);
}

/// One row per quantile of [`QUANTILES`], each over several samples of `rounds` rounds: the
/// high probes' start latency against the normal probes'.
fn start_latency(config: &Config, threads: usize, rounds: usize) -> Vec<Comparison> {
    let pool = ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
    let mut high = vec![Vec::new(); QUANTILES.len()];
    let mut normal = vec![Vec::new(); QUANTILES.len()];
    for _ in 0..config.samples() {
        let (high_latencies, normal_latencies) = saturated_rounds(&pool, threads, rounds);
        for (per_quantile, figure) in high.iter_mut().zip(quantiles(high_latencies)) {
            per_quantile.push(figure);
        }
        for (per_quantile, figure) in normal.iter_mut().zip(quantiles(normal_latencies)) {
            per_quantile.push(figure);
        }
    }
    QUANTILES
        .iter()
        .zip(high.into_iter().zip(normal))
        .map(|(q, (high, normal))| Comparison {
            workload: format!(
                "Priority::High start latency p{} (submit -> starts; pool saturated, \
                 {BUSY_PER_WORKER} busy {BUSY:?} tasks per worker)",
                (q * 1000.0).round() / 10.0
            ),
            threads,
            filch: Stats::of_figures(high),
            peers: vec![("filch, Priority::Normal", Stats::of_figures(normal))],
        })
        .collect()
}

/// The [`QUANTILES`] of `latencies`, in ns.
fn quantiles(mut latencies: Vec<Duration>) -> Vec<f64> {
    latencies.sort();
    let at = |q: f64| latencies[((latencies.len() - 1) as f64 * q) as usize].as_nanos() as f64;
    QUANTILES.iter().map(|&q| at(q)).collect()
}

/// What the tasks of a round tell the thread that runs it.
enum Event {
    /// The busy task that made every worker busy started.
    Saturated,
    /// The round's last task finished.
    Finished,
}

/// What the tasks of one round share.
struct Round {
    /// Workers of the pool.
    threads: usize,
    /// Busy tasks started.
    started: AtomicUsize,
    /// Set once the probes are out; busy tasks that start before wait for it.
    released: OnceLock<Released>,
    /// Tasks finished.
    finished: AtomicUsize,
    /// Each probe's start latency, ns, by [`probe_index`].
    latency_ns: [AtomicU64; 2],
    /// To the round's thread.
    events: mpsc::Sender<Event>,
}

/// When a round's probes were out, and how many tasks it runs.
#[derive(Debug, Clone, Copy)]
struct Released {
    at: Instant,
    tasks: usize,
}

/// Where a probe of `priority` keeps its latency in [`Round::latency_ns`].
fn probe_index(priority: Priority) -> usize {
    match priority {
        Priority::High => 0,
        Priority::Normal => 1,
    }
}

impl Round {
    /// A busy task: the one that makes every worker busy says so; one that starts before the
    /// probes are out holds its worker until they are, and ends [`BUSY`] after (whether or not
    /// this thread had a core all along: the round's thread may just have taken it); one that
    /// starts later spins [`BUSY`].
    fn busy(&self) {
        let began = Instant::now();
        // Relaxed: a count, which publishes nothing.
        if self.started.fetch_add(1, Ordering::Relaxed) == self.threads - 1 {
            self.events.send(Event::Saturated).unwrap();
        }
        // Yielding, not spinning: a worker woken onto this one's core gets it at once.
        let released = loop {
            if let Some(released) = self.released.get() {
                break released;
            }
            thread::yield_now();
        };
        let end = began.max(released.at) + BUSY;
        while Instant::now() < end {
            spin_loop();
        }
        self.finish();
    }

    /// A probe: records how long after `submitted` it started.
    fn probe(&self, priority: Priority, submitted: Instant) {
        let latency = submitted.elapsed().as_nanos() as u64;
        // Relaxed: published by the increment in `finish`.
        self.latency_ns[probe_index(priority)].store(latency, Ordering::Relaxed);
        self.finish();
    }

    /// Counts a finished task; the last one tells the round's thread (the only syscall a task
    /// makes after the probes are out, so none delays a probe).
    fn finish(&self) {
        // Every task runs after its worker saw the round released (in `busy`, in this task or
        // the holding one before it).
        let tasks = self.released.get().expect("a task finishes only once its round is released").tasks;
        // AcqRel: the increments form one release sequence, so the last one sees each probe's
        // latency (stored before its own increment) and passes it on with its message.
        if self.finished.fetch_add(1, Ordering::AcqRel) + 1 == tasks {
            self.events.send(Event::Finished).unwrap();
        }
    }

    /// Lets the holding busy tasks go: the round runs `tasks` tasks in all.
    fn release(&self, tasks: usize) {
        self.released.set(Released { at: Instant::now(), tasks }).expect("a round is released once");
    }
}

/// `rounds` rounds on `pool` (of `threads` workers) as the module docs say: the start latencies
/// of the high probes and of the normal probes.
fn saturated_rounds(pool: &ThreadPool, threads: usize, rounds: usize) -> (Vec<Duration>, Vec<Duration>) {
    let (send, receive) = mpsc::channel();
    let (mut high, mut normal) = (Vec::with_capacity(rounds), Vec::with_capacity(rounds));
    let mut stalled = 0;
    while high.len() < rounds {
        let round = Arc::new(Round {
            threads,
            started: AtomicUsize::new(0),
            released: OnceLock::new(),
            finished: AtomicUsize::new(0),
            latency_ns: [AtomicU64::new(0), AtomicU64::new(0)],
            events: send.clone(),
        });
        for worker in 0..threads {
            let round = Arc::clone(&round);
            pool.spawn_to(worker, move || round.busy());
        }
        // Every worker holds a busy task (a holding worker takes no second one); or, after a
        // wake-up lost to the holding, one never will: let them go and run the round again.
        let Ok(Event::Saturated) = receive.recv_timeout(STALL) else {
            round.release(threads);
            // A late `Saturated` may come first.
            while !matches!(receive.recv().unwrap(), Event::Finished) {}
            stalled += 1;
            assert!(
                stalled < MAX_STALLED_ROUNDS,
                "filch-benches: priority rows: {stalled} rounds in a row never had all {threads} workers \
                 busy at once"
            );
            continue;
        };
        stalled = 0;
        for _ in threads..threads * BUSY_PER_WORKER {
            let round = Arc::clone(&round);
            pool.spawn(move || round.busy());
        }
        let order = if high.len() % 2 == 0 {
            [Priority::High, Priority::Normal]
        } else {
            [Priority::Normal, Priority::High]
        };
        for priority in order {
            let round = Arc::clone(&round);
            let submitted = Instant::now();
            pool.spawn_with_priority(priority, move || round.probe(priority, submitted));
        }
        round.release(threads * BUSY_PER_WORKER + 2);
        assert!(matches!(receive.recv().unwrap(), Event::Finished), "one busy task saturates the pool");
        // Relaxed: the message above carries the last task's view, which holds both latencies.
        let latency =
            |priority| Duration::from_nanos(round.latency_ns[probe_index(priority)].load(Ordering::Relaxed));
        high.push(latency(Priority::High));
        normal.push(latency(Priority::Normal));
    }
    (high, normal)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_round_reports_one_latency_per_probe() {
        let pool = ThreadPoolBuilder::new().num_threads(2).build().unwrap();
        let (high, normal) = saturated_rounds(&pool, 2, 5);
        assert_eq!((high.len(), normal.len()), (5, 5));
    }

    #[test]
    fn rows_name_a_percentile_word() {
        let config = Config { threads: 1, quick: true, only: Vec::new(), counts: Vec::new() };
        let rows = start_latency(&config, 1, 3);
        let names: Vec<&str> = rows.iter().map(|row| row.workload.split(' ').nth(3).unwrap()).collect();
        assert_eq!(names, ["p50", "p99"]);
    }
}
