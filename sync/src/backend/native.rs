//! The production backend: `core` atomics (or portable-atomic's), `std` threads and locks.

#[cfg(not(feature = "portable-atomic"))]
pub(crate) const NAME: &str = "native";
#[cfg(feature = "portable-atomic")]
pub(crate) const NAME: &str = "portable-atomic";

pub(crate) const MODEL_THREADS: bool = false;

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
}

/// [`UnsafeCell`](cell::UnsafeCell) with loom's closure API.
pub mod cell {
    pub use crate::closure_cell::UnsafeCell;
}

/// Spin-loop hints.
pub mod hint {
    pub use core::hint::spin_loop;
}

#[cfg(feature = "alloc")]
pub use alloc::sync::Arc;

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
