//! What the attempts of a contended row came to: how many attempts a taker made per item, and
//! how many of them were told to retry or found nothing. `compare` prints these lines on
//! standard error beside the row, so a run that shows a ratio also shows where the time went
//! (thieves or consumers that mostly retry are held up by each other; ones that mostly find
//! nothing are waiting for the producer).

use std::cell::RefCell;
use std::fmt::Write as _;
use std::ops::AddAssign;
use std::time::Duration;

use crate::Comparison;

/// What one attempt to take came to, in terms every peer's API can say.
pub(super) enum Attempt<T> {
    /// It took something (an item, or a count of items for a batch).
    Took(T),
    /// Lost a race, or met another taker's claim in flight: worth trying again at once.
    Retry,
    /// Nothing to take.
    Empty,
}

/// Counts of attempts, kept by one taking thread and summed afterwards.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(super) struct Tally {
    pub(super) attempts: u64,
    pub(super) retries: u64,
    pub(super) empties: u64,
}

impl Tally {
    /// Counts `attempt`; what it took, if anything.
    #[inline]
    pub(super) fn count<T>(&mut self, attempt: Attempt<T>) -> Option<T> {
        self.attempts += 1;
        match attempt {
            Attempt::Took(taken) => return Some(taken),
            Attempt::Retry => self.retries += 1,
            Attempt::Empty => self.empties += 1,
        }
        None
    }
}

impl AddAssign for Tally {
    fn add_assign(&mut self, other: Tally) {
        self.attempts += other.attempts;
        self.retries += other.retries;
        self.empties += other.empties;
    }
}

/// The tallies of one row, per implementation, summed over its samples.
pub(super) struct RowTally {
    per_implementation: RefCell<Vec<(&'static str, Tally)>>,
}

impl RowTally {
    /// No attempt counted yet for any of `implementations`.
    pub(super) fn new(implementations: &[&'static str]) -> RowTally {
        RowTally {
            per_implementation: RefCell::new(
                implementations.iter().map(|&name| (name, Tally::default())).collect(),
            ),
        }
    }

    /// Adds one sample's tally to `implementation`'s.
    ///
    /// Panics if `implementation` is not one [`RowTally::new`] was given.
    pub(super) fn add(&self, implementation: &str, tally: Tally) {
        let mut per_implementation = self.per_implementation.borrow_mut();
        let Some((_, sum)) = per_implementation.iter_mut().find(|(name, _)| *name == implementation) else {
            panic!("filch-benches: RowTally::add: no implementation named {implementation:?}");
        };
        *sum += tally;
    }

    /// Adds a sample's tally to `implementation`'s and returns the sample's time: what a row's
    /// sample closure hands to `Comparison::in_turns`.
    pub(super) fn time_of(&self, implementation: &str, (time, tally): (Duration, Tally)) -> Duration {
        self.add(implementation, tally);
        time
    }

    /// Prints this tally's line for `row` on standard error, `items` being the items of all its
    /// samples, and hands the row back.
    pub(super) fn beside(&self, row: Comparison, items: u64) -> Comparison {
        eprintln!("{}", self.line(&row.workload, items));
        row
    }

    /// One line for `workload`: per implementation, attempts, retries and empty answers per item,
    /// over `items` items in all (every sample's).
    pub(super) fn line(&self, workload: &str, items: u64) -> String {
        let mut line = format!("tally: {workload}: per item,");
        let per_item = |count: u64| count as f64 / items.max(1) as f64;
        for (name, tally) in self.per_implementation.borrow().iter() {
            let _ = write!(
                line,
                " {name} {:.2} attempts ({:.2} retry, {:.2} empty);",
                per_item(tally.attempts),
                per_item(tally.retries),
                per_item(tally.empties)
            );
        }
        line.pop();
        line
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_each_outcome_and_hands_back_what_was_taken() {
        let mut tally = Tally::default();
        assert_eq!(tally.count(Attempt::Took(7)), Some(7));
        assert_eq!(tally.count::<u32>(Attempt::Retry), None);
        assert_eq!(tally.count::<u32>(Attempt::Empty), None);
        assert_eq!(tally.count::<u32>(Attempt::Empty), None);
        assert_eq!(tally, Tally { attempts: 4, retries: 1, empties: 2 });
    }

    #[test]
    fn a_row_line_gives_each_implementation_per_item() {
        let row = RowTally::new(&["filch", "peer"]);
        row.add("filch", Tally { attempts: 30, retries: 10, empties: 0 });
        row.add("filch", Tally { attempts: 10, retries: 0, empties: 10 });
        row.add("peer", Tally { attempts: 20, retries: 0, empties: 0 });
        assert_eq!(
            row.line("w", 20),
            "tally: w: per item, filch 2.00 attempts (0.50 retry, 0.50 empty); peer 1.00 attempts (0.00 \
             retry, 0.00 empty)"
        );
    }

    #[test]
    #[should_panic(expected = "no implementation named \"other\"")]
    fn adding_to_an_unknown_implementation_panics() {
        RowTally::new(&["filch"]).add("other", Tally::default());
    }
}
