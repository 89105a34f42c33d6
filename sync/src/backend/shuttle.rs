//! shuttle's types, for randomized schedule testing (feature `shuttle` or `--cfg shuttle`).
//!
//! shuttle does not detect data races on plain memory, so cells are the native wrapper; its
//! strength is exploring long schedules that loom cannot enumerate.

pub(crate) const NAME: &str = "shuttle";
pub(crate) const MODEL_THREADS: bool = true;

/// Atomic integers, pointers, [`Ordering`](atomic::Ordering) and fences.
pub mod atomic {
    pub use shuttle::sync::atomic::{
        fence, AtomicBool, AtomicI16, AtomicI32, AtomicI64, AtomicI8, AtomicIsize, AtomicPtr, AtomicU16,
        AtomicU32, AtomicU64, AtomicU8, AtomicUsize, Ordering,
    };

    /// shuttle runs threads one at a time, so a compiler fence has nothing left to order; a
    /// `SeqCst` fence keeps the call a scheduling point like every other atomic operation.
    pub fn compiler_fence(_order: Ordering) {
        fence(Ordering::SeqCst);
    }

    /// shuttle's executions are sequentially consistent: the two `SeqCst` accesses around the
    /// call are ordered already.
    pub fn seq_cst_access_order() {}
}

/// [`UnsafeCell`](cell::UnsafeCell) with loom's closure API.
pub mod cell {
    pub use crate::closure_cell::UnsafeCell;
}

/// Spin-loop hints; under shuttle a spin yields to the scheduler.
pub mod hint {
    pub use shuttle::hint::spin_loop;
}

pub use shuttle::sync::Arc;

/// shuttle's threads.
pub mod thread {
    pub use shuttle::thread::{
        current, panicking, park, park_timeout, sleep, spawn, yield_now, Builder, JoinHandle, Thread,
        ThreadId,
    };
}

/// shuttle's locks.
pub mod lock {
    pub use shuttle::sync::{Condvar, Mutex, MutexGuard, WaitTimeoutResult};
}
