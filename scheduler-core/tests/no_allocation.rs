//! The join path allocates nothing: a counting global allocator around joins in a pool.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use filch_scheduler_core::ThreadPoolBuilder;

/// The system allocator, counting allocations.
struct Counting;

static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

// SAFETY: forwards to `System`, which upholds `GlobalAlloc`'s contract; counting changes nothing.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: forwarded from our caller.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded from our caller.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn fib(n: u64) -> u64 {
    if n < 2 {
        return n;
    }
    let (a, b) = filch_scheduler_core::join(|| fib(n - 1), || fib(n - 2));
    a + b
}

/// The allocator is global, so both thread counts run in the binary's only test: nothing else
/// allocates meanwhile (the caller of `install` is blocked on its latch).
#[test]
fn join_does_not_allocate_whether_or_not_b_is_stolen() {
    for threads in [1, 2] {
        let pool = ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
        // Warm up: a worker's first steal registers it with the deque's epoch collector, and its
        // first park and thread-local use may allocate, once per thread. Force a steal by each.
        pool.install(|| fib(20));
        if threads == 2 {
            for _ in 0..10_000 {
                if pool.statistics().iter().all(|worker| worker.stolen > 0) {
                    break;
                }
                let stolen = AtomicBool::new(false);
                pool.install(|| {
                    filch_scheduler_core::join(
                        || {
                            // Bounded: if the other worker is slow to wake, `b` is popped back.
                            let start = std::time::Instant::now();
                            while !stolen.load(Ordering::Acquire) && start.elapsed().as_millis() < 10 {
                                std::hint::spin_loop();
                            }
                        },
                        || stolen.store(true, Ordering::Release),
                    )
                });
            }
            assert!(pool.statistics().iter().all(|worker| worker.stolen > 0), "warm-up steals");
        }
        let allocations = pool.install(|| {
            let before = ALLOCATIONS.load(Ordering::Relaxed);
            assert_eq!(fib(25), 75025);
            ALLOCATIONS.load(Ordering::Relaxed) - before
        });
        assert_eq!(allocations, 0, "{threads} threads: the join path allocated");
        if threads == 2 {
            let stolen: u64 = pool.statistics().iter().map(|worker| worker.stolen).sum();
            assert!(stolen > 0, "the two-thread run should include stolen joins");
        }
    }
}
