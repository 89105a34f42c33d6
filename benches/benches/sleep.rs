//! Criterion benches of filch-sleep's notifier fast path beside a bare `SeqCst` load, and of a
//! wake-up round trip beside raw `std::thread` park/unpark.
// criterion's macros generate undocumented functions.
#![allow(missing_docs)]

use std::hint::black_box;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::thread;

use criterion::{criterion_group, criterion_main, Criterion};
use filch_sleep::{IdlePolicy, Sleep};

fn notify_nobody_sleepy(c: &mut Criterion) {
    let mut group = c.benchmark_group("notify, nobody sleepy");
    let sleep = Sleep::new(4);
    let word = AtomicUsize::new(0);
    group.bench_function("SeqCst load", |b| b.iter(|| black_box(word.load(Ordering::SeqCst))));
    group.bench_function("filch notify_one_after_seqcst", |b| {
        b.iter(|| black_box(sleep.notify_one_after_seqcst()))
    });
    group.bench_function("filch notify_one", |b| b.iter(|| black_box(sleep.notify_one())));
    group.bench_function("filch notify(i)", |b| b.iter(|| black_box(sleep.notify(black_box(1)))));
    group.finish();
}

/// A round trip to a worker that sleeps between balls: post, notify, wait for the echo.
fn wake_round_trip(c: &mut Criterion) {
    let mut group = c.benchmark_group("wake-up round trip");
    let sleep = std::sync::Arc::new(Sleep::with_policy(
        1,
        IdlePolicy { spin_rounds: 0, yield_rounds: 0, max_searching: None },
    ));
    let ball = std::sync::Arc::new(AtomicUsize::new(0));
    let (echo_tx, echo_rx) = mpsc::sync_channel::<()>(0);
    let worker = {
        let (sleep, ball) = (sleep.clone(), ball.clone());
        thread::spawn(move || {
            let mut me = sleep.worker(0);
            loop {
                // Acquire: pairs with the Release `fetch_add` of the poster.
                let value = me.idle(|| match ball.load(Ordering::Acquire) {
                    0 => None,
                    value => Some(value),
                });
                if value == usize::MAX {
                    return;
                }
                // Release: hands the ball back (the poster spins on it).
                ball.store(0, Ordering::Release);
                echo_tx.send(()).unwrap();
            }
        })
    };
    group.bench_function("filch Sleep (worker parked)", |b| {
        b.iter(|| {
            // Release: publishes the ball; `notify_one` fences after it.
            ball.store(1, Ordering::Release);
            sleep.notify_one();
            echo_rx.recv().unwrap();
        })
    });
    ball.store(usize::MAX, Ordering::Release);
    sleep.notify_one();
    worker.join().unwrap();
    group.finish();
}

criterion_group!(benches, notify_nobody_sleepy, wake_round_trip);
criterion_main!(benches);
