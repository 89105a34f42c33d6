//! Criterion benches of the injector's single-thread paths, beside crossbeam's `SegQueue` and
//! `Injector`: a push+steal pair, and 64 items pushed as one batch then taken in batches.
// `criterion_group!` defines an undocumented public function.
#![allow(missing_docs)]

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};

fn push_steal_pair(c: &mut Criterion) {
    let mut group = c.benchmark_group("injector push+steal pair");
    let filch = filch_injector::Injector::new();
    let seg_queue = crossbeam_queue::SegQueue::new();
    let crossbeam = crossbeam_deque::Injector::new();
    group.bench_function("filch", |b| b.iter(|| (filch.push(black_box(1u64)), filch.steal())));
    group.bench_function("crossbeam-queue SegQueue", |b| {
        b.iter(|| (seg_queue.push(black_box(1u64)), seg_queue.pop()))
    });
    group.bench_function("crossbeam-deque Injector", |b| {
        b.iter(|| (crossbeam.push(black_box(1u64)), crossbeam.steal()))
    });
    group.finish();
}

fn batches(c: &mut Criterion) {
    let mut group = c.benchmark_group("injector 64 items: batch push, batch steals");
    let filch = filch_injector::Injector::new();
    let filch_local = filch_deque::Worker::new_fifo();
    group.bench_function("filch push_batch + steal_batch_and_pop", |b| {
        b.iter(|| {
            filch.push_batch(0..64u64);
            while let filch_injector::Steal::Success(item) =
                filch.steal_batch_with_limit_and_pop_into(filch_injector::MAX_BATCH, |item| {
                    filch_local.push(item);
                })
            {
                black_box(item);
                while let Some(item) = filch_local.pop() {
                    black_box(item);
                }
            }
        })
    });
    let crossbeam = crossbeam_deque::Injector::new();
    let crossbeam_local = crossbeam_deque::Worker::new_fifo();
    group.bench_function("crossbeam push x64 + steal_batch_and_pop", |b| {
        b.iter(|| {
            (0..64u64).for_each(|i| crossbeam.push(i));
            while let crossbeam_deque::Steal::Success(item) = crossbeam.steal_batch_and_pop(&crossbeam_local)
            {
                black_box(item);
                while let Some(item) = crossbeam_local.pop() {
                    black_box(item);
                }
            }
        })
    });
    group.finish();
}

criterion_group!(benches, push_steal_pair, batches);
criterion_main!(benches);
