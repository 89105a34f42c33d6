//! Criterion benches of the deques' owner paths, bursts and steals, beside crossbeam-deque's and
//! st3's.
// `criterion_group!` defines an undocumented public function.
#![allow(missing_docs)]

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, BatchSize, Bencher, Criterion};

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

/// Push `BURST` items, then pop them all: the buffer grows from its default and shrinks back.
fn grow_shrink_burst(c: &mut Criterion) {
    const BURST: u64 = 1 << 20;
    fn burst(b: &mut Bencher<'_>, push: impl Fn(u64), pop: impl Fn() -> Option<u64>) {
        b.iter(|| {
            for i in 0..BURST {
                push(black_box(i));
            }
            while black_box(pop()).is_some() {}
        })
    }
    let mut group = c.benchmark_group("deque grow/shrink burst of 2^20");
    group.sample_size(10);
    let filch = filch_deque::Worker::new_lifo();
    group.bench_function("filch LIFO", |b| {
        burst(
            b,
            |i| {
                filch.push(i);
            },
            || filch.pop(),
        )
    });
    let crossbeam = crossbeam_deque::Worker::new_lifo();
    group.bench_function("crossbeam LIFO", |b| burst(b, |i| crossbeam.push(i), || crossbeam.pop()));
    group.finish();
}

/// The bounded deque's owner pair beside st3's, the same design family (capacity 256).
fn bounded_push_pop(c: &mut Criterion) {
    let mut group = c.benchmark_group("bounded deque push+pop pair");
    let lifo = filch_deque::bounded::Worker::new_lifo(256);
    let fifo = filch_deque::bounded::Worker::new_fifo(256);
    let st3_lifo = st3::lifo::Worker::new(256);
    let st3_fifo = st3::fifo::Worker::new(256);
    for i in 0..8u64 {
        assert!(lifo.push(i).is_ok() && fifo.push(i).is_ok());
        assert!(st3_lifo.push(i).is_ok() && st3_fifo.push(i).is_ok());
    }
    group.bench_function("filch LIFO", |b| b.iter(|| (lifo.push(black_box(1)).is_ok(), lifo.pop())));
    group.bench_function("filch FIFO", |b| b.iter(|| (fifo.push(black_box(1)).is_ok(), fifo.pop())));
    group.bench_function("st3 LIFO", |b| b.iter(|| (st3_lifo.push(black_box(1)).is_ok(), st3_lifo.pop())));
    group.bench_function("st3 FIFO", |b| b.iter(|| (st3_fifo.push(black_box(1)).is_ok(), st3_fifo.pop())));
    group.finish();
}

criterion_group!(benches, push_pop, steals, grow_shrink_burst, bounded_push_pop);
criterion_main!(benches);
