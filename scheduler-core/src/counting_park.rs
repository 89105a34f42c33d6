//! `CountingPark`: the sleep protocol's parker, counting parks and wake-ups per worker.

use core::time::Duration;

use filch_sleep::{CondvarPark, Park};
use filch_sync::Arc;

use crate::statistics::WorkerCounters;

/// A [`CondvarPark`] that counts, in its worker's counters, each park and each unpark.
#[derive(Debug)]
pub(crate) struct CountingPark {
    inner: CondvarPark,
    counters: Arc<WorkerCounters>,
}

impl CountingPark {
    pub(crate) fn new(counters: Arc<WorkerCounters>) -> Self {
        Self { inner: CondvarPark::default(), counters }
    }
}

impl Park for CountingPark {
    fn park(&self, timeout: Option<Duration>) {
        // Only the owning worker parks.
        WorkerCounters::bump_owned(&self.counters.parks);
        self.inner.park(timeout);
    }

    fn unpark(&self) {
        // Any thread may unpark, so this one is a read-modify-write.
        WorkerCounters::bump_shared(&self.counters.wakeups);
        self.inner.unpark();
    }
}
