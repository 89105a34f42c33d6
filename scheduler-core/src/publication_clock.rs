//! `PublicationClock`: when a worker may next publish a pending join (the heartbeat of
//! `CoreConfig::publish_interval`), reading the clock only now and then.
//!
//! The question "has the interval passed since this worker's last publication?" is asked at
//! every linked join while two or more other workers are idle: every 64th join of fine-grained
//! work, about every 64 ns in fib. `Instant::now()` costs about 20 ns: answering with the clock
//! each time (then asked with one worker idle too) made fib(30) on two workers 1.33-1.61x the
//! sequential time against 0.87-1.11x (two processes against four). After a "not yet" the clock
//! estimates how many more questions fit in the rest of the interval at the pace it has seen
//! since its previous reading, and answers half of them (at most [`MAX_SKIPPED`]) with "not
//! yet" without reading it: a few readings per interval, whatever the pace. A publication can
//! come late by at most `MAX_SKIPPED` questions when the pace slows down sharply between two
//! readings (fine-grained joins followed by coarse ones).

use std::time::{Duration, Instant};

use core::cell::Cell;

/// At most this many questions in a row are answered "not yet" without reading the clock.
const MAX_SKIPPED: u32 = 32;

/// One worker's publication clock (only its own thread touches it).
pub(crate) struct PublicationClock {
    /// When the worker last published; `None` before its first publication.
    last_publication: Cell<Option<Instant>>,
    /// When the clock was last read.
    last_reading: Cell<Option<Instant>>,
    /// Questions answered since that reading.
    asked_since_reading: Cell<u32>,
    /// Questions still to be answered "not yet" without reading the clock.
    skip_left: Cell<u32>,
}

impl PublicationClock {
    /// A clock whose first question is answered "due".
    pub(crate) const fn new() -> Self {
        Self {
            last_publication: Cell::new(None),
            last_reading: Cell::new(None),
            asked_since_reading: Cell::new(0),
            skip_left: Cell::new(0),
        }
    }

    /// Whether the worker may publish now, `interval` after its last publication; a "due" answer
    /// counts now as its last publication. A zero `interval` is always due and reads no clock.
    pub(crate) fn due(&self, interval: Duration) -> bool {
        if interval.is_zero() {
            return true;
        }
        self.asked_since_reading.set(self.asked_since_reading.get() + 1);
        let skip_left = self.skip_left.get();
        if skip_left > 0 {
            self.skip_left.set(skip_left - 1);
            return false;
        }
        let now = Instant::now();
        let asked = self.asked_since_reading.replace(0);
        let previous_reading = self.last_reading.replace(Some(now));
        let since_publication = self.last_publication.get().map(|last| now.duration_since(last));
        match since_publication {
            Some(since) if since < interval => {
                let pace =
                    previous_reading.map_or(Duration::ZERO, |previous| now.duration_since(previous)) / asked;
                // Questions faster than the clock can tell apart: as many as the cap allows.
                let fitting = (interval - since).as_nanos().checked_div(pace.as_nanos()).unwrap_or(u128::MAX);
                self.skip_left.set((fitting / 2).min(u128::from(MAX_SKIPPED)) as u32);
                false
            }
            _ => {
                self.last_publication.set(Some(now));
                true
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn due_once_per_interval_and_always_with_a_zero_interval() {
        let clock = PublicationClock::new();
        let hour = Duration::from_secs(3600);
        assert!(clock.due(hour), "the first publication is due at once");
        assert!(!clock.due(hour), "the second waits for the interval");
        assert!(clock.due(Duration::ZERO) && clock.due(Duration::ZERO));
        let clock = PublicationClock::new();
        let short = Duration::from_millis(1);
        assert!(clock.due(short));
        std::thread::sleep(short);
        assert!(clock.due(short), "due again once the interval has passed");
    }

    #[test]
    fn questions_asked_quickly_are_answered_without_the_clock_but_never_past_the_cap() {
        let clock = PublicationClock::new();
        let hour = Duration::from_secs(3600);
        assert!(clock.due(hour));
        // Asked at once, far from the end of the hour: the reading grants the cap.
        assert!(!clock.due(hour));
        assert_eq!(clock.skip_left.get(), MAX_SKIPPED);
        for _ in 0..MAX_SKIPPED {
            assert!(!clock.due(hour));
        }
        assert_eq!(clock.skip_left.get(), 0, "the skipped questions are used up");
        assert_eq!(clock.asked_since_reading.get(), MAX_SKIPPED);
    }

    #[test]
    fn a_question_near_the_end_of_the_interval_skips_nothing() {
        let clock = PublicationClock::new();
        let interval = Duration::from_millis(200);
        assert!(clock.due(interval));
        std::thread::sleep(Duration::from_millis(150));
        // One question in 150 ms, 50 ms left: less than one more fits.
        assert!(!clock.due(interval));
        assert_eq!(clock.skip_left.get(), 0);
        std::thread::sleep(Duration::from_millis(60));
        assert!(clock.due(interval), "read again, and due");
    }
}
