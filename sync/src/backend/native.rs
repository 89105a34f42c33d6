//! The production backend: `core` atomics (or portable-atomic's), `std` threads and locks.

#[cfg(not(feature = "portable-atomic"))]
pub(crate) const NAME: &str = "native";
#[cfg(feature = "portable-atomic")]
pub(crate) const NAME: &str = "portable-atomic";

pub(crate) const MODEL_THREADS: bool = false;

// Every filch primitive needs read-modify-writes; core's atomics have none on such a target, and
// the errors would otherwise surface as missing methods deep inside the primitives.
#[cfg(all(not(target_has_atomic = "ptr"), not(feature = "portable-atomic")))]
compile_error!(
    "filch-sync: this target has no compare-and-swap; enable filch's `portable-atomic` feature \
     (filch-sync's documentation, Features, says how to build for such a target)"
);

/// Atomic integers, pointers, [`Ordering`](atomic::Ordering) and fences.
pub mod atomic {
    #[cfg(not(feature = "portable-atomic"))]
    pub use core::sync::atomic::{
        compiler_fence, fence, AtomicBool, AtomicI16, AtomicI32, AtomicI8, AtomicIsize, AtomicPtr, AtomicU16,
        AtomicU32, AtomicU8, AtomicUsize, Ordering,
    };
    #[cfg(all(not(feature = "portable-atomic"), target_has_atomic = "64"))]
    pub use core::sync::atomic::{AtomicI64, AtomicU64};
    #[cfg(feature = "portable-atomic")]
    pub use portable_atomic::{
        compiler_fence, fence, AtomicBool, AtomicI16, AtomicI32, AtomicI64, AtomicI8, AtomicIsize, AtomicPtr,
        AtomicU16, AtomicU32, AtomicU64, AtomicU8, AtomicUsize, Ordering,
    };

    /// Marks the point between a `SeqCst` access and a later `SeqCst` access of the same thread
    /// whose place in the single total order of `SeqCst` operations an argument relies on. Natively
    /// it does nothing: the two accesses are already ordered there (C++20 [atomics.order]). loom
    /// models `SeqCst` loads, stores and read-modify-writes as `AcqRel` and orders only `SeqCst`
    /// fences, so under loom this is a `SeqCst` fence, and the model checks the order the two
    /// accesses give (and, being a fence, a little more: keep the uses few and argued).
    #[inline(always)]
    pub fn seq_cst_access_order() {}
}

/// [`UnsafeCell`](cell::UnsafeCell) with loom's closure API.
pub mod cell {
    pub use crate::closure_cell::UnsafeCell;
}

/// Spin-loop hints.
pub mod hint {
    pub use core::hint::spin_loop;
}

#[cfg(all(feature = "alloc", any(target_has_atomic = "ptr", not(feature = "portable-atomic"))))]
pub use alloc::sync::Arc;
/// alloc's `Arc` exists only where the target has a pointer-sized CAS; without one (Cortex-M0,
/// RISC-V without the A extension) portable-atomic-util's `Arc` counts with portable-atomic.
#[cfg(all(feature = "alloc", not(target_has_atomic = "ptr"), feature = "portable-atomic"))]
pub use portable_atomic_util::Arc;

/// Threads: the subset that every backend offers, plus `park_timeout` and `sleep`.
#[cfg(feature = "std")]
pub mod thread {
    pub use std::thread::{
        current, panicking, park, park_timeout, sleep, spawn, yield_now, Builder, JoinHandle, Thread,
        ThreadId,
    };
}

/// Blocking locks.
#[cfg(feature = "std")]
pub mod lock {
    pub use std::sync::{Condvar, Mutex, MutexGuard, WaitTimeoutResult};
}
