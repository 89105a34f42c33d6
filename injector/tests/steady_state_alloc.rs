//! A steady stream of pushes and steals does not allocate: the block the consumers finish is
//! reused as the next tail block (crossbeam #398).
//!
//! Its own test binary, because it installs a counting global allocator.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicUsize, Ordering};

use filch_injector::{Injector, Steal};

struct Counting;

static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    /// Set on the test's own thread only: the harness allocates on its threads meanwhile.
    static COUNTING: Cell<bool> = const { Cell::new(false) };
}

// SAFETY: forwards every call to `System` unchanged; only counts.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if COUNTING.with(Cell::get) {
            ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        }
        // SAFETY: the caller upholds `GlobalAlloc::alloc`'s contract, which we pass on.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: as above.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

#[test]
fn steady_push_and_steal_does_not_allocate() {
    let rounds = if cfg!(miri) { 300 } else { 100_000 };
    let injector = Injector::new();
    // Warm up: a backlog of a few items, streamed through two blocks so the spare is in place.
    injector.push_batch(0..5u64);
    for i in 5..200 {
        injector.push(i);
        assert!(injector.steal().is_success());
    }
    COUNTING.with(|counting| counting.set(true));
    let before = ALLOCATIONS.load(Ordering::Relaxed);
    for i in 0..rounds {
        injector.push(i);
        injector.push_batch([i, i + 1]);
        for _ in 0..3 {
            assert!(matches!(injector.steal(), Steal::Success(_)));
        }
    }
    let mut sink = 0;
    for i in 0..rounds / 10 {
        injector.push_batch(i..i + 10);
        assert!(injector.steal_batch_with_limit_into(10, |item| sink += item).is_success());
    }
    let after = ALLOCATIONS.load(Ordering::Relaxed);
    COUNTING.with(|counting| counting.set(false));
    assert_eq!(after - before, 0, "a steady stream allocated {} times", after - before);
    assert_eq!(injector.len(), 5);
}
