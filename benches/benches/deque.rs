//! Criterion benches of the unbounded deque's owner paths and steals, beside crossbeam-deque's.
// `criterion_group!` defines an undocumented public function.
#![allow(missing_docs)]

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion};

fn push_pop(c: &mut Criterion) {
    let mut group = c.benchmark_group("deque push+pop pair");
    let lifo = filch_deque::Worker::new_lifo();
    let fifo = filch_deque::Worker::new_fifo();
    let fence_free = filch_deque::Worker::new_lifo_fence_free();
    let crossbeam_lifo = crossbeam_deque::Worker::new_lifo();
    let crossbeam_fifo = crossbeam_deque::Worker::new_fifo();
    let mut vec = Vec::with_capacity(64);
    for i in 0..8u64 {
        lifo.push(i);
        fifo.push(i);
        fence_free.push(i);
        crossbeam_lifo.push(i);
        crossbeam_fifo.push(i);
        vec.push(i);
    }
    group.bench_function("filch LIFO", |b| b.iter(|| (lifo.push(black_box(1)), lifo.pop())));
    group.bench_function("filch FIFO", |b| b.iter(|| (fifo.push(black_box(1)), fifo.pop())));
    group.bench_function("filch fence-free LIFO", |b| {
        b.iter(|| (fence_free.push(black_box(1)), fence_free.pop()))
    });
    group.bench_function("crossbeam LIFO", |b| {
        b.iter(|| (crossbeam_lifo.push(black_box(1)), crossbeam_lifo.pop()))
    });
    group.bench_function("crossbeam FIFO", |b| {
        b.iter(|| (crossbeam_fifo.push(black_box(1)), crossbeam_fifo.pop()))
    });
    group.bench_function("Vec", |b| b.iter(|| (vec.push(black_box(1)), vec.pop())));
    group.finish();
}

fn steals(c: &mut Criterion) {
    let mut group = c.benchmark_group("deque steal 64 items");
    group.bench_function("filch LIFO steal", |b| {
        b.iter_batched_ref(
            || {
                let worker = filch_deque::Worker::new_lifo();
                (0..64u64).for_each(|i| {
                    worker.push(i);
                });
                worker
            },
            |worker| {
                let stealer = worker.stealer();
                while stealer.steal().is_success() {}
            },
            BatchSize::SmallInput,
        )
    });
    group.bench_function("crossbeam LIFO steal", |b| {
        b.iter_batched_ref(
            || {
                let worker = crossbeam_deque::Worker::new_lifo();
                (0..64u64).for_each(|i| worker.push(i));
                worker
            },
            |worker| {
                let stealer = worker.stealer();
                while stealer.steal().is_success() {}
            },
            BatchSize::SmallInput,
        )
    });
    for (name, lifo) in [("LIFO", true), ("FIFO", false)] {
        group.bench_function(format!("filch {name} steal_batch"), |b| {
            b.iter_batched_ref(
                || {
                    let worker =
                        if lifo { filch_deque::Worker::new_lifo() } else { filch_deque::Worker::new_fifo() };
                    (0..64u64).for_each(|i| {
                        worker.push(i);
                    });
                    (worker, filch_deque::Worker::new_lifo())
                },
                |(worker, dest)| {
                    let stealer = worker.stealer();
                    while stealer.steal_batch(dest).is_success() {}
                },
                BatchSize::SmallInput,
            )
        });
        group.bench_function(format!("crossbeam {name} steal_batch"), |b| {
            b.iter_batched_ref(
                || {
                    let worker = if lifo {
                        crossbeam_deque::Worker::new_lifo()
                    } else {
                        crossbeam_deque::Worker::new_fifo()
                    };
                    (0..64u64).for_each(|i| worker.push(i));
                    (worker, crossbeam_deque::Worker::new_lifo())
                },
                |(worker, dest)| {
                    let stealer = worker.stealer();
                    while stealer.steal_batch(dest).is_success() {}
                },
                BatchSize::SmallInput,
            )
        });
    }
    group.finish();
}

criterion_group!(benches, push_pop, steals);
criterion_main!(benches);
