//! loom's types, for exhaustive model checking (`RUSTFLAGS="--cfg loom"`).
//!
//! loom has no `compiler_fence`; this backend models it as a `SeqCst` fence, the strongest
//! reading, so a model never passes because of a fence the hardware would not give.

pub(crate) const NAME: &str = "loom";
pub(crate) const MODEL_THREADS: bool = true;

/// Atomic integers, pointers, [`Ordering`](atomic::Ordering) and fences.
pub mod atomic {
    pub use loom::sync::atomic::{
        fence, AtomicBool, AtomicI16, AtomicI32, AtomicI64, AtomicI8, AtomicIsize, AtomicPtr, AtomicU16,
        AtomicU32, AtomicU64, AtomicU8, AtomicUsize, Ordering,
    };

    /// loom cannot model a compiler-only fence; a `SeqCst` fence is the conservative stand-in.
    pub fn compiler_fence(_order: Ordering) {
        fence(Ordering::SeqCst);
    }

    /// loom orders `SeqCst` fences only (its `SeqCst` accesses are `AcqRel`): a `SeqCst` fence
    /// stands in for the order of the two `SeqCst` accesses around the call.
    pub fn seq_cst_access_order() {
        fence(Ordering::SeqCst);
    }
}

/// loom's tracked [`UnsafeCell`](cell::UnsafeCell): every `with`/`with_mut` is checked for races.
pub mod cell {
    pub use loom::cell::UnsafeCell;
}

/// Spin-loop hints; under loom a spin yields to the model scheduler.
pub mod hint {
    pub use loom::hint::spin_loop;
}

pub use loom::sync::Arc;

/// loom's model threads.
pub mod thread {
    pub use loom::thread::{
        current, panicking, park, spawn, yield_now, Builder, JoinHandle, Thread, ThreadId,
    };
}

/// loom's model locks.
pub mod lock {
    pub use loom::sync::{Condvar, Mutex, MutexGuard, WaitTimeoutResult};
}
