//! Asymmetric fences: a cheap [`light`] fence for the hot side of a Dekker-style handshake and an
//! expensive [`heavy`] fence for the cold side.
//!
//! Two threads that each store to one location and then load the other's need a store-load
//! barrier on both sides (a `SeqCst` fence each). When one side runs far more often than the
//! other (a deque owner's `pop` against a thief's `steal`), the hot side can use a compiler-only
//! fence, provided the cold side forces a full barrier onto every running thread of the process.
//! On Linux `membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED)` does exactly that: when it returns,
//! every thread of the process has executed a full memory barrier (an IPI to each CPU running one
//! of them), so any point where a light-fenced thread stands is ordered as if it had run a
//! `SeqCst` fence there.
//!
//! | backend | [`light`] | [`heavy`] |
//! |---|---|---|
//! | Linux with `std`, membarrier available | `compiler_fence(SeqCst)` | `membarrier(PRIVATE_EXPEDITED)` |
//! | anything else (no `std`, not Linux, syscall refused) | `fence(SeqCst)` | `fence(SeqCst)` |
//! | loom, shuttle, Miri | `fence(SeqCst)` | `fence(SeqCst)` |
//!
//! The fallback keeps both sides correct: two `SeqCst` fences are the symmetric protocol. The
//! light side can only drop to a compiler fence once the heavy side is known to work, so the
//! choice is made once (by [`heavy_is_expedited`], which registers the process) and both sides
//! follow it; call [`heavy_is_expedited`] before the first [`light`] fence of a handshake.
//!
//! Models check the protocol with `SeqCst` fences on both sides, which is the guarantee the
//! expedited barrier gives.
//!
//! ```
//! use filch_sync::asymmetric_fence;
//!
//! // Decide once, before either side runs; then the hot side pays only a compiler fence.
//! let expedited = asymmetric_fence::heavy_is_expedited();
//! asymmetric_fence::light();
//! asymmetric_fence::heavy();
//! // Asking again gives the same answer: the choice is made once per process.
//! assert_eq!(asymmetric_fence::heavy_is_expedited(), expedited);
//! ```

use crate::atomic::{fence, Ordering};

/// The hot side's fence: a compiler fence when [`heavy`] is a process-wide barrier, else a
/// `SeqCst` fence.
#[inline(always)]
pub fn light() {
    if expedited::available_cached() {
        crate::atomic::compiler_fence(Ordering::SeqCst);
    } else {
        fence(Ordering::SeqCst);
    }
}

/// The cold side's fence: a process-wide memory barrier when available, else a `SeqCst` fence.
///
/// After it returns, every thread of the process that stands after a [`light`] fence is ordered
/// as if that fence had been `fence(SeqCst)`. Once the process is registered it never degrades to
/// a `SeqCst` fence (which would not order a compiler-fenced light side): a transient refusal by
/// the kernel is retried, and any other failure panics.
pub fn heavy() {
    if !expedited::barrier() {
        fence(Ordering::SeqCst);
    }
}

/// Whether [`heavy`] is the expedited process-wide barrier (and so [`light`] a compiler fence).
///
/// The first call registers the process for `MEMBARRIER_CMD_PRIVATE_EXPEDITED`; later calls read
/// the cached answer. Constructors of structures that use the pair call it, so that the choice is
/// made before either side runs.
pub fn heavy_is_expedited() -> bool {
    expedited::register()
}

#[cfg(all(
    target_os = "linux",
    feature = "std",
    not(loom),
    not(shuttle),
    not(feature = "shuttle"),
    not(miri)
))]
mod expedited {
    use crate::atomic::{AtomicU8, Ordering};

    /// Not decided yet / registered / unavailable.
    const UNKNOWN: u8 = 0;
    const REGISTERED: u8 = 1;
    const UNAVAILABLE: u8 = 2;

    // From linux/membarrier.h (stable kernel ABI since 4.14).
    const MEMBARRIER_CMD_QUERY: libc::c_int = 0;
    const MEMBARRIER_CMD_PRIVATE_EXPEDITED: libc::c_int = 1 << 3;
    const MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED: libc::c_int = 1 << 4;

    static STATE: AtomicU8 = AtomicU8::new(UNKNOWN);

    fn membarrier(cmd: libc::c_int) -> libc::c_long {
        // SAFETY: membarrier takes two integers and touches no memory of ours.
        unsafe { libc::syscall(libc::SYS_membarrier, cmd, 0 as libc::c_int) }
    }

    /// Registers once; true when the expedited barrier can be used from now on.
    pub(super) fn register() -> bool {
        // Acquire: pairs with the Release store below, so a thread that sees REGISTERED also sees
        // the registration's effects ordered before its own later barriers.
        match STATE.load(Ordering::Acquire) {
            REGISTERED => return true,
            UNAVAILABLE => return false,
            _ => {}
        }
        let supported = membarrier(MEMBARRIER_CMD_QUERY);
        let ok = supported >= 0
            && supported & libc::c_long::from(MEMBARRIER_CMD_PRIVATE_EXPEDITED) != 0
            && membarrier(MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED) == 0;
        // Release: publishes the registration (a syscall, ordered before this store in program
        // order) to every thread that loads REGISTERED. Racing registrations agree: registering
        // twice is harmless and both see the same kernel.
        STATE.store(if ok { REGISTERED } else { UNAVAILABLE }, Ordering::Release);
        ok
    }

    /// The cached answer of [`register`], false before it was called.
    #[inline(always)]
    pub(super) fn available_cached() -> bool {
        // Relaxed: the light side only needs the decision made by a `register` that happened
        // before the handshake started (the structure's constructor), which orders this load.
        STATE.load(Ordering::Relaxed) == REGISTERED
    }

    /// Runs the expedited barrier; false when the process could not register (the caller falls
    /// back to a `SeqCst` fence, as every light side does then).
    ///
    /// Once registered, a failed barrier must not fall back: light sides that saw REGISTERED run
    /// compiler fences only, and a `SeqCst` fence on this side alone orders nothing against them
    /// (a Dekker handshake needs a barrier on both sides). A registered process is refused the
    /// command only when the kernel cannot allocate its CPU mask (`ENOMEM`, kernels built with
    /// off-stack CPU masks), which passes, so the barrier is retried; any other error leaves no
    /// sound way on, and panics.
    pub(super) fn barrier() -> bool {
        if !register() {
            return false;
        }
        loop {
            if membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED) == 0 {
                return true;
            }
            let error = std::io::Error::last_os_error();
            match error.raw_os_error() {
                Some(libc::ENOMEM | libc::EAGAIN | libc::EINTR) => std::thread::yield_now(),
                _ => panic!(
                    "filch-sync: asymmetric_fence::heavy: membarrier(PRIVATE_EXPEDITED) failed after \
                     registration ({error}); the light sides' compiler fences cannot be ordered"
                ),
            }
        }
    }
}

#[cfg(not(all(
    target_os = "linux",
    feature = "std",
    not(loom),
    not(shuttle),
    not(feature = "shuttle"),
    not(miri)
)))]
mod expedited {
    pub(super) fn register() -> bool {
        false
    }

    #[inline(always)]
    pub(super) fn available_cached() -> bool {
        false
    }

    pub(super) fn barrier() -> bool {
        false
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn registration_is_stable() {
        let first = heavy_is_expedited();
        assert_eq!(heavy_is_expedited(), first);
        assert_eq!(expedited::available_cached(), first);
    }

    #[test]
    fn fences_run_in_any_order() {
        light();
        heavy();
        let _ = heavy_is_expedited();
        heavy();
        light();
    }

    #[cfg(all(target_os = "linux", feature = "std", not(miri), not(feature = "shuttle")))]
    #[test]
    fn linux_offers_the_expedited_barrier() {
        // Every kernel since 4.14 has it; a container that filters the syscall is the exception
        // the fallback exists for, so only check that the answer is consistent with the syscall.
        let expected = expedited_supported_by_kernel();
        assert_eq!(heavy_is_expedited(), expected);
    }

    #[cfg(all(target_os = "linux", feature = "std", not(miri), not(feature = "shuttle")))]
    fn expedited_supported_by_kernel() -> bool {
        // SAFETY: MEMBARRIER_CMD_QUERY only returns a bit mask.
        let mask = unsafe { libc::syscall(libc::SYS_membarrier, 0 as libc::c_int, 0 as libc::c_int) };
        mask >= 0 && mask & (1 << 3) != 0
    }

    /// Dekker's handshake: with `light` on one side and `heavy` on the other, the two threads
    /// cannot both miss each other's store.
    #[cfg(all(feature = "std", not(feature = "shuttle")))]
    #[test]
    fn dekker_with_asymmetric_fences_never_misses_both() {
        use crate::atomic::{AtomicUsize, Ordering};
        use crate::Arc;

        let rounds = if cfg!(miri) { 20 } else { 2_000 };
        heavy_is_expedited();
        for _ in 0..rounds {
            let flags = Arc::new([AtomicUsize::new(0), AtomicUsize::new(0)]);
            let theirs = Arc::clone(&flags);
            let cold = std::thread::spawn(move || {
                // Relaxed: the fences below order this store before the load.
                theirs[1].store(1, Ordering::Relaxed);
                heavy();
                theirs[0].load(Ordering::Relaxed)
            });
            flags[0].store(1, Ordering::Relaxed);
            light();
            let seen_cold = flags[1].load(Ordering::Relaxed);
            let seen_hot = cold.join().unwrap();
            assert!(seen_cold == 1 || seen_hot == 1, "both sides missed the other's store");
        }
    }
}
