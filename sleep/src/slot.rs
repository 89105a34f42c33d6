//! One worker's place in the sleep protocol: its state word and its parker.

use filch_sync::atomic::{AtomicBool, AtomicU8, Ordering};
use filch_sync::CachePadded;

use crate::Park;

/// Not sleepy: running, searching, or between calls.
pub(crate) const AWAKE: u8 = 0;
/// Announced (`prepare`): counted in `sleepy`, doing its final check for work.
pub(crate) const SLEEPY: u8 = 1;
/// Committed: parked, or about to park; a notifier that claims it must unpark it.
pub(crate) const SLEEPING: u8 = 2;
/// Claimed by a notifier; only the worker itself moves it back to `AWAKE`.
pub(crate) const NOTIFIED: u8 = 3;

/// One worker's slot in a [`Sleep`](crate::Sleep): the worker's sleep state and its [`Park`].
///
/// Built with [`Slot::new`] when the slots are supplied by the caller
/// ([`Sleep::from_slots`](crate::Sleep::from_slots), e.g. an array without `alloc`).
///
/// ```
/// use filch_sleep::{CondvarPark, IdlePolicy, Sleep, Slot};
///
/// let slots = [Slot::new(CondvarPark::default()), Slot::new(CondvarPark::default())];
/// let sleep = Sleep::from_slots(slots, IdlePolicy::default());
/// assert_eq!(sleep.workers(), 2);
/// ```
#[derive(Debug)]
pub struct Slot<P> {
    /// `AWAKE`, `SLEEPY`, `SLEEPING` or `NOTIFIED`; padded, since notifiers read it while its
    /// worker writes it.
    pub(crate) state: CachePadded<AtomicU8>,
    /// Whether a live [`Sleeper`](crate::Sleeper) holds this slot.
    pub(crate) taken: AtomicBool,
    pub(crate) parker: P,
}

impl<P: Park> Slot<P> {
    /// A slot for one worker, awake, parking on `parker`.
    pub fn new(parker: P) -> Self {
        Self { state: CachePadded::new(AtomicU8::new(AWAKE)), taken: AtomicBool::new(false), parker }
    }

    /// Takes the slot for a new `Sleeper`; false if one already holds it.
    pub(crate) fn take(&self) -> bool {
        // Acquire: pairs with the Release in `release`, so the new holder sees what the last one
        // left in the slot.
        !self.taken.swap(true, Ordering::Acquire)
    }

    /// Gives the slot back when its `Sleeper` is dropped.
    pub(crate) fn release(&self) {
        // Release: pairs with the Acquire in `take`.
        self.taken.store(false, Ordering::Release);
    }
}
