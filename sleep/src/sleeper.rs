//! `Sleeper`: one worker's half of the protocol, and the idle loop built on it.

use core::time::Duration;

use filch_sync::atomic::{fence, Ordering};
use filch_sync::hint::spin_loop;

use crate::slot::{AWAKE, NOTIFIED, SLEEPING, SLEEPY};
use crate::statistics::Counters;
use crate::{Park, Sleep, Slot};

/// Why [`Sleeper::commit`] returned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[must_use = "a sleeper that wakes must look for work again"]
pub enum Wake {
    /// A notifier claimed this worker (before or after it parked).
    Notified,
    /// The timeout passed (or the parker returned early) with no notification.
    TimedOut,
}

/// Where the sleeper is in the announce / check / commit sequence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Awake,
    Prepared,
}

/// Worker `index`'s handle on a [`Sleep`]: its idle loop and the sleep protocol's steps.
///
/// Most callers use [`idle`](Sleeper::idle) (wait for work), [`idle_until`](Sleeper::idle_until)
/// (look for work until a latch is set) or [`wait_until`](Sleeper::wait_until) (block on a
/// latch). They are built on the three steps, which are public for schedulers with their own
/// loop:
///
/// 1. [`prepare`](Sleeper::prepare): announce that this worker is about to sleep;
/// 2. check for work one last time (the caller's code);
/// 3. [`cancel`](Sleeper::cancel) if there was work, else [`commit`](Sleeper::commit).
///
/// Work published after step 1's announcement is either seen by step 2 or wakes the worker
/// from step 3. One live `Sleeper` per worker; dropping it frees the index.
///
/// ```
/// use filch_sleep::{Sleep, Wake};
///
/// let sleep = Sleep::new(1);
/// let mut me = sleep.worker(0);
/// me.prepare();
/// let work_arrived = true; // the final check
/// if work_arrived {
///     me.cancel();
/// } else {
///     assert_eq!(me.commit(None), Wake::Notified);
/// }
/// ```
#[derive(Debug)]
pub struct Sleeper<'a, P: Park, S: AsRef<[Slot<P>]>> {
    sleep: &'a Sleep<P, S>,
    index: usize,
    phase: Phase,
    /// Whether this worker counts as one of the `Sleep`'s searchers.
    searching: bool,
    /// Whether this worker was the last searcher when it announced (in `prepare`): notifiers may
    /// have skipped their wake-ups on its account.
    was_last_searcher: bool,
}

impl<'a, P: Park, S: AsRef<[Slot<P>]>> Sleeper<'a, P, S> {
    pub(crate) fn new(sleep: &'a Sleep<P, S>, index: usize) -> Self {
        Self { sleep, index, phase: Phase::Awake, searching: false, was_last_searcher: false }
    }

    /// This worker's index.
    pub fn index(&self) -> usize {
        self.index
    }

    fn slot(&self) -> &'a Slot<P> {
        &self.sleep.slots()[self.index]
    }

    /// Step 1: announces that this worker is about to sleep. Check for work next, then
    /// [`cancel`](Sleeper::cancel) or [`commit`](Sleeper::commit).
    ///
    /// Panics if already prepared.
    pub fn prepare(&mut self) {
        assert!(self.phase == Phase::Awake, "filch-sleep: prepare: already prepared; commit or cancel first");
        self.phase = Phase::Prepared;
        // Count first, then become claimable: a notifier can only take this worker's count away
        // after the count is there, so the sleepy count never runs below the unclaimed sleepers
        // (DESIGN.md, "The count never under-counts").
        self.was_last_searcher = self.sleep.announce(self.searching);
        self.searching = false;
        // Release: pairs with the Acquire CAS in `Sleep::claim`, so the announcement above happens
        // before the claimer's decrement of the count.
        self.slot().state.store(SLEEPY, Ordering::Release);
        // SeqCst fence: orders our announcement (slot and count) before the caller's final check
        // for work, against the fence in `notify*` that orders the notifier's publication before
        // its load (store-load both sides; DESIGN.md, "No lost wake-up").
        fence(Ordering::SeqCst);
    }

    /// Step 3, when the final check found work: withdraws the announcement.
    ///
    /// It then wakes another worker ([`Sleep::notify_one`]) if notifications may have been left
    /// to this one: if a notifier claimed it meanwhile, or if it was the last searcher when it
    /// announced. The work it found may be only part of theirs, or other work, and may block
    /// until theirs runs (two tasks meeting at a barrier); see DESIGN.md, "Passing a wake-up on".
    ///
    /// Panics if not prepared.
    pub fn cancel(&mut self) {
        assert!(self.phase == Phase::Prepared, "filch-sleep: cancel: call prepare first");
        self.phase = Phase::Awake;
        let slot = self.slot();
        // Acquire on failure: the slot is NOTIFIED; pairs with the Release CAS in `claim`, so the
        // notifier's work happens before the fence of the notify below, which stands in for the
        // notifier's own.
        let claimed = match slot.state.compare_exchange(SLEEPY, AWAKE, Ordering::Relaxed, Ordering::Acquire) {
            Ok(_) => {
                self.sleep.retract();
                false
            }
            // The notifier already took our count.
            Err(_) => {
                slot.state.store(AWAKE, Ordering::Relaxed);
                true
            }
        };
        if claimed || self.was_last_searcher {
            self.sleep.notify_one();
        }
    }

    /// Step 3, when the final check found nothing: sleeps until notified or, with a timeout,
    /// until about `timeout` has passed (it may return early; the caller checks again anyway).
    ///
    /// Panics if not prepared.
    pub fn commit(&mut self, timeout: Option<Duration>) -> Wake {
        assert!(self.phase == Phase::Prepared, "filch-sleep: commit: call prepare first");
        self.phase = Phase::Awake;
        let slot = self.slot();
        // Relaxed on success: the fence in `prepare` already ordered the announcement; a notifier
        // that claims us from SLEEPING is the one that unparks. Acquire on failure: NOTIFIED, as
        // in `cancel`.
        if slot.state.compare_exchange(SLEEPY, SLEEPING, Ordering::Relaxed, Ordering::Acquire).is_err() {
            slot.state.store(AWAKE, Ordering::Relaxed);
            return Wake::Notified;
        }
        Counters::bump(&self.sleep.counters().sleeps);
        loop {
            slot.parker.park(timeout);
            // Acquire: pairs with the Release CAS in `claim`; the notifier's work is visible.
            if slot.state.load(Ordering::Acquire) == NOTIFIED {
                slot.state.store(AWAKE, Ordering::Relaxed);
                return Wake::Notified;
            }
            if timeout.is_none() {
                Counters::bump(&self.sleep.counters().spurious_wakeups);
                continue;
            }
            // Acquire on failure: NOTIFIED after all, as above.
            return match slot.state.compare_exchange(SLEEPING, AWAKE, Ordering::Relaxed, Ordering::Acquire) {
                Ok(_) => {
                    self.sleep.retract();
                    Wake::TimedOut
                }
                Err(_) => {
                    slot.state.store(AWAKE, Ordering::Relaxed);
                    Wake::Notified
                }
            };
        }
    }

    /// Waits until `find` returns work: searches (spins, then yields) if the searcher cap
    /// allows, then sleeps, and searches again each time it is woken.
    pub fn idle<T>(&mut self, mut find: impl FnMut() -> Option<T>) -> T {
        loop {
            if let Some(found) = self.idle_inner(&mut || false, &mut find, None, true) {
                return found;
            }
        }
    }

    /// Like [`idle`](Sleeper::idle) but gives up after about `timeout` asleep: returns `None`
    /// if a last look after the timeout finds nothing.
    pub fn idle_timeout<T>(&mut self, timeout: Duration, mut find: impl FnMut() -> Option<T>) -> Option<T> {
        self.idle_inner(&mut || false, &mut find, Some(timeout), true)
    }

    /// Looks for work until `stop` holds: returns `Some(work)` when `find` finds some (run it
    /// and call again), `None` once `stop()` is true. For a latch owner that helps while it
    /// waits (`stop` probes the latch, whose setter calls [`Sleep::notify`] for this worker).
    pub fn idle_until<T>(
        &mut self,
        mut stop: impl FnMut() -> bool,
        mut find: impl FnMut() -> Option<T>,
    ) -> Option<T> {
        loop {
            if stop() {
                return None;
            }
            if let Some(found) = self.idle_inner(&mut stop, &mut find, None, true) {
                return Some(found);
            }
        }
    }

    /// Blocks until `stop()` holds, spinning briefly first; it does not look for work and does
    /// not count as a searcher. The setter of what `stop` probes calls [`Sleep::notify`] for
    /// this worker.
    pub fn wait_until(&mut self, mut stop: impl FnMut() -> bool) {
        while !stop() {
            let _ = self.idle_inner(&mut stop, &mut || None::<()>, None, false);
        }
    }

    /// One pass: search (if `search` and the cap allow), then prepare, final check, and commit
    /// or cancel. `Some` is work found; `None` means look again (woken, timed out, or stopped).
    fn idle_inner<T>(
        &mut self,
        stop: &mut dyn FnMut() -> bool,
        find: &mut dyn FnMut() -> Option<T>,
        timeout: Option<Duration>,
        search: bool,
    ) -> Option<T> {
        let policy = self.sleep.policy();
        let rounds = if !search || self.searching || self.sleep.try_start_search() {
            self.searching = search;
            policy.spin_rounds + policy.yield_rounds
        } else {
            0
        };
        for round in 0..rounds {
            if stop() {
                self.leave_search();
                return None;
            }
            if let Some(found) = find() {
                self.leave_search();
                return Some(found);
            }
            if round < policy.spin_rounds {
                for _ in 0..1u32 << round.min(6) {
                    spin_loop();
                }
            } else {
                yield_now();
            }
        }
        self.prepare();
        if stop() {
            self.cancel();
            return None;
        }
        if let Some(found) = find() {
            self.cancel();
            return Some(found);
        }
        match self.commit(timeout) {
            Wake::Notified => None,
            Wake::TimedOut => find(),
        }
    }

    fn leave_search(&mut self) {
        if self.searching {
            self.searching = false;
            self.sleep.leave_search();
        }
    }
}

impl<P: Park, S: AsRef<[Slot<P>]>> Drop for Sleeper<'_, P, S> {
    fn drop(&mut self) {
        if self.phase == Phase::Prepared {
            self.cancel();
        }
        self.leave_search();
        self.slot().release();
    }
}

#[cfg(feature = "std")]
fn yield_now() {
    filch_sync::thread::yield_now();
}

#[cfg(not(feature = "std"))]
fn yield_now() {
    for _ in 0..64 {
        spin_loop();
    }
}
