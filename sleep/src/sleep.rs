//! `Sleep`: the shared half of the protocol. Notifiers call it; each worker holds a `Sleeper`.

use core::marker::PhantomData;

use filch_sync::atomic::{fence, AtomicUsize, Ordering};
use filch_sync::CachePadded;

use crate::slot::{NOTIFIED, SLEEPING, SLEEPY};
use crate::statistics::{Counters, Statistics};
use crate::{IdlePolicy, Park, Sleeper, Slot};

/// Bits of `state` that count sleepy workers; the bits above count searchers.
const HALF: u32 = usize::BITS / 2;
/// One sleepy worker in `state`.
pub(crate) const SLEEPY_ONE: usize = 1;
/// One searching worker in `state`.
pub(crate) const SEARCHING_ONE: usize = 1 << HALF;
/// Each count may run to twice the workers for a moment (a worker re-announces before the
/// notifier that claimed it has taken its count away), so each half keeps a spare bit.
const MAX_WORKERS: usize = (1 << (HALF - 1)) - 1;

#[inline]
pub(crate) fn sleepy(state: usize) -> usize {
    state & (SEARCHING_ONE - 1)
}

#[inline]
pub(crate) fn searching(state: usize) -> usize {
    state >> HALF
}

/// Sleep and wake for a fixed set of workers, without lost wake-ups.
///
/// Workers idle through their [`Sleeper`] (from [`worker`](Sleep::worker)); anyone who makes
/// work available calls a notify method *after* publishing it:
/// - [`notify_one`](Sleep::notify_one): wake one sleeper, unless a searcher is already looking;
/// - [`notify`](Sleep::notify): wake worker `i` (the owner of a latch);
/// - [`notify_all`](Sleep::notify_all): wake everyone (shutdown).
///
/// With nobody sleepy a notification costs a `SeqCst` fence and one load
/// ([`notify_one_after_seqcst`](Sleep::notify_one_after_seqcst): one load), and takes no lock.
/// The guarantee: if a worker goes to sleep, then either its final check saw the work, or a
/// notifier that published the work saw it sleepy and woke someone. `sleep/DESIGN.md` has the
/// argument.
///
/// ```
/// use std::sync::atomic::{AtomicUsize, Ordering};
/// use std::sync::Arc;
/// use filch_sleep::Sleep;
///
/// let sleep = Arc::new(Sleep::new(1));
/// let work = Arc::new(AtomicUsize::new(0));
/// let worker = {
///     let (sleep, work) = (Arc::clone(&sleep), Arc::clone(&work));
///     std::thread::spawn(move || {
///         let mut me = sleep.worker(0);
///         // Returns once `find` sees the work: spinning, or after sleeping and being woken.
///         me.idle(|| match work.load(Ordering::Acquire) {
///             0 => None,
///             n => Some(n),
///         })
///     })
/// };
/// work.store(7, Ordering::Release); // publish ...
/// sleep.notify_one(); // ... then notify
/// assert_eq!(worker.join().unwrap(), 7);
/// ```
#[derive(Debug)]
pub struct Sleep<P, S> {
    /// Sleepy workers (low half) and searching workers (high half). A notifier's fast path is
    /// one load of this word.
    state: CachePadded<AtomicUsize>,
    slots: S,
    policy: IdlePolicy,
    /// `policy`'s searcher cap for this many workers.
    searcher_cap: usize,
    counters: CachePadded<Counters>,
    park: PhantomData<fn() -> P>,
}

/// The usual `Sleep`: heap-allocated slots that park on a [`CondvarPark`](crate::CondvarPark).
#[cfg(feature = "std")]
pub type StdSleep = Sleep<crate::CondvarPark, alloc::boxed::Box<[Slot<crate::CondvarPark>]>>;

#[cfg(feature = "std")]
impl Sleep<crate::CondvarPark, alloc::boxed::Box<[Slot<crate::CondvarPark>]>> {
    /// A `Sleep` for `workers` workers (at least 1) with the default [`IdlePolicy`].
    pub fn new(workers: usize) -> Self {
        Self::with_policy(workers, IdlePolicy::default())
    }

    /// A `Sleep` for `workers` workers (at least 1) with the given [`IdlePolicy`].
    pub fn with_policy(workers: usize, policy: IdlePolicy) -> Self {
        Self::with_parkers((0..workers).map(|_| crate::CondvarPark::default()), policy)
    }
}

#[cfg(feature = "alloc")]
impl<P: Park> Sleep<P, alloc::boxed::Box<[Slot<P>]>> {
    /// A `Sleep` with one worker per parker, in order.
    pub fn with_parkers(parkers: impl IntoIterator<Item = P>, policy: IdlePolicy) -> Self {
        Self::from_slots(parkers.into_iter().map(Slot::new).collect(), policy)
    }
}

impl<P: Park, S: AsRef<[Slot<P>]>> Sleep<P, S> {
    /// A `Sleep` over caller-supplied slots (an array works without `alloc`).
    ///
    /// Panics if there are no slots, or more than half a `usize`'s range can count.
    pub fn from_slots(slots: S, policy: IdlePolicy) -> Self {
        let workers = slots.as_ref().len();
        assert!(workers >= 1, "filch-sleep: Sleep::new: needs at least 1 worker");
        assert!(workers <= MAX_WORKERS, "filch-sleep: Sleep::new: at most {MAX_WORKERS} workers");
        let searcher_cap = policy.searcher_cap(workers);
        assert!(searcher_cap >= 1, "filch-sleep: Sleep::new: max_searching must be at least 1");
        Self {
            state: CachePadded::new(AtomicUsize::new(0)),
            slots,
            policy,
            searcher_cap,
            counters: CachePadded::new(Counters::default()),
            park: PhantomData,
        }
    }

    /// How many workers this `Sleep` serves.
    pub fn workers(&self) -> usize {
        self.slots().len()
    }

    /// The idle policy it was built with.
    pub fn policy(&self) -> IdlePolicy {
        self.policy
    }

    /// The handle through which worker `index` idles and sleeps.
    ///
    /// Panics if `index` is out of range or another live `Sleeper` holds it.
    pub fn worker(&self, index: usize) -> Sleeper<'_, P, S> {
        let slot = self
            .slots()
            .get(index)
            .unwrap_or_else(|| panic!("filch-sleep: worker: index {index} out of range"));
        assert!(slot.take(), "filch-sleep: worker: worker {index} already has a live Sleeper");
        Sleeper::new(self, index)
    }

    /// Wakes one sleeping worker, unless nobody is sleepy or a searcher is already looking.
    /// Returns whether it woke one.
    ///
    /// Call it after publishing the work, with any ordering (`Release` is enough): it begins
    /// with a `SeqCst` fence. A searcher it defers to finds the work, or, being the last
    /// searcher, checks again before sleeping, or wakes the next worker when it finds work.
    #[inline]
    pub fn notify_one(&self) -> bool {
        // SeqCst fence: orders the caller's publication before our load of `state`, against the
        // fence in `Sleeper::prepare` (store-load both sides): either we see the worker sleepy,
        // or its final check sees the work.
        fence(Ordering::SeqCst);
        // Relaxed: the fences carry the argument (DESIGN.md). A sleeper's slot store follows its
        // count, so no ordering here would make the scan find the slots the count promises; a
        // slot not yet visible means its final check sees our work (the lemma's other half).
        let state = self.state.load(Ordering::Relaxed);
        self.wake_any(state)
    }

    /// [`notify_one`](Sleep::notify_one) without the fence, for work published by a `SeqCst`
    /// store or read-modify-write (or followed by a `SeqCst` fence): its fast path is one
    /// `SeqCst` load, which on x86 is a plain load.
    ///
    /// Publishing with a weaker ordering and calling this can lose a wake-up; use `notify_one`.
    #[inline]
    pub fn notify_one_after_seqcst(&self) -> bool {
        // SeqCst: the caller's SeqCst publication precedes this load in the single total order,
        // which stands in for the fence in `notify_one` (see DESIGN.md, "The cheap notifier").
        let state = self.state.load(Ordering::SeqCst);
        self.wake_any(state)
    }

    /// Wakes worker `index` if it is sleepy or asleep; returns whether it did.
    ///
    /// For a latch owner: set the latch, then call this. With the worker awake it costs a
    /// `SeqCst` fence and one load.
    pub fn notify(&self, index: usize) -> bool {
        assert!(index < self.workers(), "filch-sleep: notify: index {index} out of range");
        // SeqCst fence: orders the caller's publication (a latch) before our load of the slot,
        // against the fence in `Sleeper::prepare`, as in `notify_one`.
        fence(Ordering::SeqCst);
        self.claim(index)
    }

    /// Wakes every sleepy or sleeping worker; returns how many it woke.
    ///
    /// For shutdown: publish the shutdown flag that the workers' `find` checks, then call this.
    pub fn notify_all(&self) -> usize {
        // SeqCst fence: as in `notify_one`.
        fence(Ordering::SeqCst);
        // Relaxed: as in `notify_one`.
        if sleepy(self.state.load(Ordering::Relaxed)) == 0 {
            return 0;
        }
        (0..self.workers()).filter(|&index| self.claim(index)).count()
    }

    /// The counters so far.
    pub fn statistics(&self) -> Statistics {
        self.counters.snapshot()
    }

    /// Workers announced or asleep, and workers searching, now (a racy snapshot, for tests and
    /// statistics).
    pub fn sleepy_and_searching(&self) -> (usize, usize) {
        // Relaxed: a snapshot that orders nothing.
        let state = self.state.load(Ordering::Relaxed);
        (sleepy(state), searching(state))
    }

    pub(crate) fn slots(&self) -> &[Slot<P>] {
        self.slots.as_ref()
    }

    pub(crate) fn counters(&self) -> &Counters {
        &self.counters
    }

    /// The common tail of `notify_one*`, given the `state` it loaded: the fast path inline, the
    /// scan out of line.
    #[inline]
    fn wake_any(&self, state: usize) -> bool {
        // "Nobody sleepy, or a searcher counted" in one comparison: the state is then 0 (which
        // wraps to the maximum) or at least SEARCHING_ONE.
        if state.wrapping_sub(1) >= SEARCHING_ONE - 1 {
            return false;
        }
        self.claim_any()
    }

    /// Claims the first claimable worker, or counts a missed notification.
    #[cold]
    #[inline(never)]
    fn claim_any(&self) -> bool {
        if (0..self.workers()).any(|index| self.claim(index)) {
            return true;
        }
        Counters::bump(&self.counters.missed_notifications);
        false
    }

    /// Claims worker `index` if it is sleepy or asleep, takes it off the sleepy count and
    /// unparks it if it got as far as parking.
    fn claim(&self, index: usize) -> bool {
        let slot = &self.slots()[index];
        // Relaxed: only a hint for the CAS below, which decides.
        let mut current = slot.state.load(Ordering::Relaxed);
        loop {
            if current != SLEEPY && current != SLEEPING {
                return false;
            }
            // Release: publishes the caller's work to the worker's Acquire read of NOTIFIED (in
            // `commit` or `cancel`), so its first look after waking finds it. (Without it the
            // work is still found after the worker announces again; DESIGN.md.) Acquire: pairs
            // with the Release store of SLEEPY in `Sleeper::prepare` (SLEEPING continues its
            // release sequence), so the worker's announcement precedes our decrement below.
            match slot.state.compare_exchange(current, NOTIFIED, Ordering::AcqRel, Ordering::Relaxed) {
                Ok(_) => break,
                Err(actual) => current = actual,
            }
        }
        // Relaxed: the Acquire CAS above already put the worker's announcing increment before
        // this decrement in the count's modification order; the slot CAS made the worker
        // unclaimable, and a count that lags is an over-count (DESIGN.md).
        self.state.fetch_sub(SLEEPY_ONE, Ordering::Relaxed);
        if current == SLEEPING {
            slot.parker.unpark();
        }
        Counters::bump(&self.counters.wakeups);
        true
    }

    /// Makes the caller a searcher if fewer than the cap are searching.
    pub(crate) fn try_start_search(&self) -> bool {
        // Relaxed: the cap is a heuristic; becoming a searcher publishes nothing.
        let mut state = self.state.load(Ordering::Relaxed);
        loop {
            if searching(state) >= self.searcher_cap {
                return false;
            }
            // SeqCst: a notifier that sees this searcher skips its wake-up; the searcher's exit
            // (`leave_search` or `announce`) is what answers for that, and both are SeqCst.
            match self.state.compare_exchange(
                state,
                state + SEARCHING_ONE,
                Ordering::SeqCst,
                Ordering::Relaxed,
            ) {
                Ok(_) => return true,
                Err(actual) => state = actual,
            }
        }
    }

    /// A searcher stops searching because it found work (or its wait ended). If it was the
    /// last searcher, notifiers may have skipped their wake-ups because of it: wake the next, so
    /// their work runs in parallel with what this one found.
    pub(crate) fn leave_search(&self) {
        // SeqCst: a notifier that saw this searcher (and skipped) read `state` before this RMW,
        // so its fence precedes ours in `notify_one` below, and the worker we wake sees its work.
        let before = self.state.fetch_sub(SEARCHING_ONE, Ordering::SeqCst);
        if searching(before) == 1 {
            self.notify_one();
        }
    }

    /// Counts the caller as sleepy (and, if it was searching, no longer searching) in one RMW;
    /// returns whether it was the last searcher.
    pub(crate) fn announce(&self, was_searching: bool) -> bool {
        let delta = if was_searching { SLEEPY_ONE.wrapping_sub(SEARCHING_ONE) } else { SLEEPY_ONE };
        // SeqCst RMW, then a SeqCst fence in the caller: the sleeper's half of the store-load
        // pair (DESIGN.md). The fence alone serves the fenced notifiers; SeqCst here is what
        // `notify_one_after_seqcst`'s fence-free SeqCst load pairs with.
        let before = self.state.fetch_add(delta, Ordering::SeqCst);
        was_searching && searching(before) == 1
    }

    /// Takes back an announcement the caller withdrew itself (cancel, timeout).
    pub(crate) fn retract(&self) {
        // Relaxed: as in `claim`, the slot CAS that preceded this already decided.
        self.state.fetch_sub(SLEEPY_ONE, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_two_counts_do_not_overlap() {
        let state = 3 * SEARCHING_ONE + 5 * SLEEPY_ONE;
        assert_eq!((sleepy(state), searching(state)), (5, 3));
        let handed_over = state.wrapping_add(SLEEPY_ONE.wrapping_sub(SEARCHING_ONE));
        assert_eq!((sleepy(handed_over), searching(handed_over)), (6, 2));
    }

    #[test]
    fn the_fast_path_compare_matches_the_two_counts() {
        let cases = [0, 1, 5, SEARCHING_ONE - 1, SEARCHING_ONE, SEARCHING_ONE + 1, 3 * SEARCHING_ONE + 2];
        for state in cases {
            let slow_path = sleepy(state) > 0 && searching(state) == 0;
            assert_eq!(state.wrapping_sub(1) < SEARCHING_ONE - 1, slow_path, "state {state:#x}");
        }
    }
}
