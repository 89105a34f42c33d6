//! How long an idle worker looks for work before it sleeps, and how many look at once.

/// The idle policy of a [`Sleep`](crate::Sleep): bounded spinning, a few yields, then park.
///
/// A worker that runs out of work becomes a *searcher* if fewer than
/// [`max_searching`](IdlePolicy::max_searching) workers are searching; a searcher calls the
/// caller's `find` between `spin_rounds` rounds of spin hints (1, 2, 4, .. up to 64 hints) and
/// then between `yield_rounds` yields of its time slice, before it goes to sleep. A worker that
/// cannot become a searcher checks once and sleeps. A searcher that finds work while it is the
/// last searcher wakes one sleeper to search in its place.
///
/// ```
/// use filch_sleep::{IdlePolicy, Sleep};
///
/// let policy = IdlePolicy { spin_rounds: 4, yield_rounds: 0, max_searching: Some(1) };
/// let sleep = Sleep::with_policy(4, policy);
/// assert_eq!(sleep.policy().max_searching, Some(1));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IdlePolicy {
    /// Rounds of spin hints before yielding; round `r` spins `2^min(r, 6)` hints.
    pub spin_rounds: u32,
    /// Yields of the time slice after spinning (spins instead without `std`).
    pub yield_rounds: u32,
    /// At most this many searchers at once; `None` means half the workers rounded up, and both
    /// of two workers (see [`Default`](IdlePolicy::default)).
    pub max_searching: Option<usize>,
}

impl Default for IdlePolicy {
    /// 8 spin rounds (191 hints in all), 4 yields, half the workers searching (rounded up;
    /// both of two workers).
    ///
    /// On two workers a cap of one made the idle worker park at once whenever the other was
    /// searching or waiting for a stolen `join` half, and the next push woke it with a system
    /// call: a scheduler's `install` of a 1023-node join tree from outside took 19.6-23.8 us
    /// with a cap of one and 13.2-15.0 us with two (1.1 parks per `install` against 0.01-0.16).
    fn default() -> Self {
        Self { spin_rounds: 8, yield_rounds: 4, max_searching: None }
    }
}

impl IdlePolicy {
    /// The searcher cap for `workers` workers: `max_searching`, or half of them rounded up but at
    /// least two (one on a single worker). A scheduler whose [`Sleep`](crate::Sleep) has slots for
    /// more than its own workers (threads that join it for a while) sets `max_searching` to the
    /// cap of its workers, so the extra slots do not change how many of them search.
    ///
    /// ```
    /// use filch_sleep::IdlePolicy;
    ///
    /// assert_eq!(IdlePolicy::default().searcher_cap(2), 2);
    /// assert_eq!(IdlePolicy::default().searcher_cap(7), 4);
    /// ```
    pub fn searcher_cap(&self, workers: usize) -> usize {
        self.max_searching.unwrap_or(workers.div_ceil(2).max(workers.min(2)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn half_the_workers_search_but_both_of_two() {
        let default = IdlePolicy::default();
        let caps = [1, 2, 3, 4, 5, 16].map(|workers| default.searcher_cap(workers));
        assert_eq!(caps, [1, 2, 2, 2, 3, 8]);
        let one = IdlePolicy { max_searching: Some(1), ..default };
        assert_eq!(one.searcher_cap(2), 1, "an explicit cap is kept");
    }
}
