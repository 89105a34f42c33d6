//! Exponential backoff for spin loops, built on the facade so loom and shuttle see every spin.

use core::cell::Cell;

use crate::hint::spin_loop;

/// Exponential backoff for spin loops.
///
/// - [`spin`](Backoff::spin) after losing a CAS race: contention, so spin a little longer each time.
/// - [`snooze`](Backoff::snooze) while waiting for another thread to make progress: spin, then
///   (with `std`) yield the time slice.
/// - [`is_completed`](Backoff::is_completed) says when spinning no longer pays and the caller
///   should block (park, futex, condvar).
///
/// Unlike `crossbeam_utils::Backoff`, every spin goes through the facade's `spin_loop`, which
/// under loom and shuttle hands control to the model scheduler, so a waiting loop cannot spin a
/// model forever.
///
/// ```
/// use filch_sync::atomic::{AtomicBool, Ordering};
/// use filch_sync::Backoff;
///
/// let ready = AtomicBool::new(true);
/// let backoff = Backoff::new();
/// while !ready.load(Ordering::Acquire) {
///     if backoff.is_completed() {
///         break; // a real caller would park here
///     }
///     backoff.snooze();
/// }
/// ```
#[derive(Debug, Default)]
pub struct Backoff {
    step: Cell<u32>,
}

/// Steps up to this one spin `2^step` times; beyond it `spin` stops growing.
const SPIN_LIMIT: u32 = 6;
/// Steps beyond `SPIN_LIMIT` and up to this one yield (with `std`); beyond it the backoff is
/// completed.
const YIELD_LIMIT: u32 = 10;

impl Backoff {
    /// A fresh backoff, at its shortest wait.
    pub const fn new() -> Self {
        Self { step: Cell::new(0) }
    }

    /// Starts again from the shortest wait, after progress was made.
    pub fn reset(&self) {
        self.step.set(0);
    }

    /// Backs off after a lost race on a contended location.
    pub fn spin(&self) {
        let step = self.step.get().min(SPIN_LIMIT);
        Self::spin_times(1 << step);
        if self.step.get() <= SPIN_LIMIT {
            self.step.set(self.step.get() + 1);
        }
    }

    /// Backs off while waiting for another thread: spins at first, then yields the time slice.
    pub fn snooze(&self) {
        let step = self.step.get();
        if step <= SPIN_LIMIT {
            Self::spin_times(1 << step);
        } else {
            Self::yield_or_spin();
        }
        if step <= YIELD_LIMIT {
            self.step.set(step + 1);
        }
    }

    /// True once snoozing has gone on long enough that blocking is the better choice.
    pub fn is_completed(&self) -> bool {
        self.step.get() > YIELD_LIMIT
    }

    /// Spins `times` hints; under a model checker one hint is enough (each one yields).
    fn spin_times(times: u32) {
        let times = if cfg!(any(loom, shuttle, feature = "shuttle")) { 1 } else { times };
        for _ in 0..times {
            spin_loop();
        }
    }

    #[cfg(feature = "std")]
    fn yield_or_spin() {
        crate::thread::yield_now();
    }

    #[cfg(not(feature = "std"))]
    fn yield_or_spin() {
        Self::spin_times(1 << SPIN_LIMIT);
    }
}
