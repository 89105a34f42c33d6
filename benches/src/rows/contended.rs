//! The contended deque workload shared by the deque and bounded-deque rows: one owner pushing
//! while thieves steal, until every item is taken exactly once.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Barrier;
use std::time::{Duration, Instant};

use super::tally::{Attempt, Tally};

/// The operations the contended workload needs from one deque family.
pub(super) struct Family<Push, Pop, Thief> {
    /// Pushes an item; `false` if the deque was full (the owner then pops to make room).
    pub(super) push: Push,
    pub(super) pop: Pop,
    /// Makes a thief: each call returns a closure that makes one steal attempt (a single steal,
    /// or a batch into the thief's own deque, which it then drains) and says what came of it:
    /// how many items it took, or why none.
    pub(super) thief: Thief,
}

/// The owner pushes `items` (popping one per 16, and whenever the deque is full); `thieves`
/// threads steal until everything is taken. The time from the owner's first push until every
/// item is accounted for: the owner has emptied its deque, and each thief, stopped after its
/// current attempt, has reported how many items it took (a thief counts on its own, not in a
/// shared counter per steal). Also returns the thieves' attempts, summed. Panics if items were
/// lost or duplicated.
pub(super) fn contended<Steal: FnMut() -> Attempt<usize> + Send>(
    thieves: usize,
    items: usize,
    family: Family<impl Fn(usize) -> bool, impl Fn() -> Option<usize>, impl Fn() -> Steal>,
) -> (Duration, Tally) {
    let taken = AtomicUsize::new(0);
    let attempts = std::sync::Mutex::new(Tally::default());
    let done = AtomicBool::new(false);
    let barrier = Barrier::new(thieves + 1);
    std::thread::scope(|scope| {
        for _ in 0..thieves {
            let mut steal = (family.thief)();
            let (taken, attempts, done, barrier) = (&taken, &attempts, &done, &barrier);
            scope.spawn(move || {
                barrier.wait();
                // Counted here and added once at the end: a shared counter bumped per steal would
                // put a contended read-modify-write beside every steal of every thief, and time
                // that line as much as the deque's.
                let (mut got, mut tally) = (0, Tally::default());
                // Relaxed: `done` only says when to stop; the count is published by the
                // `fetch_add` below.
                while !done.load(Ordering::Relaxed) {
                    got += tally.count(steal()).unwrap_or(0);
                }
                *attempts.lock().unwrap() += tally;
                // Relaxed: the count is the only data.
                taken.fetch_add(got, Ordering::Relaxed);
            });
        }
        barrier.wait();
        let start = Instant::now();
        let mut mine = 0;
        for i in 0..items {
            while !(family.push)(i) {
                mine += usize::from((family.pop)().is_some());
            }
            if i % 16 == 15 && (family.pop)().is_some() {
                mine += 1;
            }
        }
        while (family.pop)().is_some() {
            mine += 1;
        }
        // Every item is now taken or inside a thief's attempt: stop the thieves after it and
        // wait for their counts. A batch claim cut short may hand items back meanwhile; the
        // owner pops those.
        done.store(true, Ordering::Relaxed);
        // Relaxed: see the thieves' `fetch_add`.
        while mine + taken.load(Ordering::Relaxed) < items {
            mine += usize::from((family.pop)().is_some());
        }
        let elapsed = start.elapsed();
        assert_eq!(
            mine + taken.load(Ordering::Relaxed),
            items,
            "filch-benches: the contended workload lost or duplicated items"
        );
        (elapsed, *attempts.lock().unwrap())
    })
}

/// What a crossbeam-style `Steal` (filch-deque's and crossbeam-deque's have the same variants)
/// came to: `took(item)` items if it succeeded.
macro_rules! attempt {
    ($krate:ident, $steal:expr, |$item:ident| $took:expr) => {
        match $steal {
            $krate::Steal::Success($item) => $crate::rows::tally::Attempt::Took($took),
            $krate::Steal::Retry => $crate::rows::tally::Attempt::Retry,
            $krate::Steal::Empty => $crate::rows::tally::Attempt::Empty,
        }
    };
}
pub(super) use attempt;

/// One sample of [`contended`] on the unbounded LIFO deque of `$krate` (`filch_deque` or
/// `crossbeam_deque`: the same API), its thieves making `single` steals or stealing `batches`
/// (half the deque with `steal_batch_and_pop` into a deque of their own, which they then drain).
macro_rules! lifo_sample {
    ($krate:ident, $thieves:expr, $items:expr, single) => {
        lifo_sample!(@run $krate, $thieves, $items, |stealer, _mine| {
            $crate::rows::contended::attempt!($krate, stealer.steal(), |item| {
                std::hint::black_box(item);
                1
            })
        })
    };
    ($krate:ident, $thieves:expr, $items:expr, batches) => {
        lifo_sample!(@run $krate, $thieves, $items, |stealer, mine| {
            $crate::rows::contended::attempt!($krate, stealer.steal_batch_and_pop(&mine), |first| {
                std::hint::black_box(first);
                1 + std::iter::from_fn(|| mine.pop().map(std::hint::black_box)).count()
            })
        })
    };
    (@run $krate:ident, $thieves:expr, $items:expr, |$stealer:ident, $mine:ident| $attempt:block) => {{
        let worker = $krate::Worker::new_lifo();
        let stealer = worker.stealer();
        $crate::rows::contended::contended(
            $thieves,
            $items,
            $crate::rows::contended::Family {
                push: |i| {
                    worker.push(i);
                    true
                },
                pop: || worker.pop(),
                thief: || {
                    let ($stealer, $mine) = (stealer.clone(), $krate::Worker::<usize>::new_lifo());
                    move || $attempt
                },
            },
        )
    }};
}
pub(super) use lifo_sample;
