//! The one thing the protocol needs from the platform: block a thread, and wake it.

use core::time::Duration;

/// Blocks and wakes one worker; the sleep protocol is generic over it.
///
/// The contract is that of `std::thread::park` with a token:
/// - [`unpark`](Park::unpark) makes a token available; a [`park`](Park::park) that finds the token
///   consumes it and returns at once, so an `unpark` that runs before the matching `park` is not
///   lost.
/// - `park` may return spuriously, without a token. With `Some(timeout)` it also returns after
///   about `timeout`. The protocol re-checks its own state after every return, so neither is an
///   error.
///
/// Each worker owns one `Park`; only that worker calls `park` on it, any thread may call `unpark`.
///
/// ```
/// use filch_sleep::{CondvarPark, Park};
///
/// let parker = CondvarPark::default();
/// parker.unpark(); // the token is kept ...
/// parker.park(None); // ... so this returns at once
/// ```
pub trait Park {
    /// Blocks until a token is available (and consumes it), or spuriously, or after about
    /// `timeout` when one is given.
    fn park(&self, timeout: Option<Duration>);

    /// Makes a token available and wakes the parked thread, if any.
    fn unpark(&self);
}
