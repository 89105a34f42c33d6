//! The result of a steal, shared by every flavour (and by `filch-injector`).

/// The result of a steal attempt.
///
/// `Retry` means the attempt lost a race with another thread and the structure may still hold
/// items: try again (or look elsewhere first). The names and helpers match `crossbeam_deque::Steal`
/// so that migrating is a rename.
///
/// ```
/// use filch_deque::Steal;
///
/// let attempts = vec![Steal::Retry, Steal::Success(7), Steal::Empty];
/// // The first success wins; otherwise Retry beats Empty.
/// assert_eq!(attempts.into_iter().collect::<Steal<i32>>(), Steal::Success(7));
/// assert_eq!(Steal::<i32>::Empty.or_else(|| Steal::Retry), Steal::Retry);
/// ```
#[must_use = "a stolen item is lost if the result is ignored"]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Steal<T> {
    /// The structure was empty.
    Empty,
    /// One item was stolen (after a batch steal: the item handed to the caller).
    Success(T),
    /// A race was lost; the structure may not be empty.
    Retry,
}

impl<T> Steal<T> {
    /// True for [`Steal::Empty`].
    pub fn is_empty(&self) -> bool {
        matches!(self, Steal::Empty)
    }

    /// True for [`Steal::Success`].
    pub fn is_success(&self) -> bool {
        matches!(self, Steal::Success(_))
    }

    /// True for [`Steal::Retry`].
    pub fn is_retry(&self) -> bool {
        matches!(self, Steal::Retry)
    }

    /// The stolen item, if any.
    pub fn success(self) -> Option<T> {
        match self {
            Steal::Success(item) => Some(item),
            Steal::Empty | Steal::Retry => None,
        }
    }

    /// If this is not a success, tries `f`; a `Retry` from either side is kept over `Empty`.
    pub fn or_else(self, f: impl FnOnce() -> Steal<T>) -> Steal<T> {
        match self {
            Steal::Success(item) => Steal::Success(item),
            Steal::Empty => f(),
            Steal::Retry => match f() {
                Steal::Success(item) => Steal::Success(item),
                Steal::Empty | Steal::Retry => Steal::Retry,
            },
        }
    }
}

/// Collects attempts: the first success, else `Retry` if any attempt said so, else `Empty`.
/// Attempts after the first success are not taken from the iterator.
impl<T> FromIterator<Steal<T>> for Steal<T> {
    fn from_iter<I: IntoIterator<Item = Steal<T>>>(attempts: I) -> Steal<T> {
        let mut result = Steal::Empty;
        for attempt in attempts {
            match attempt {
                Steal::Success(item) => return Steal::Success(item),
                Steal::Retry => result = Steal::Retry,
                Steal::Empty => {}
            }
        }
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn or_else_keeps_retry_over_empty() {
        assert_eq!(Steal::<u8>::Retry.or_else(|| Steal::Empty), Steal::Retry);
        assert_eq!(Steal::<u8>::Retry.or_else(|| Steal::Success(1)), Steal::Success(1));
        assert_eq!(Steal::Success(2).or_else(|| Steal::Success(1)), Steal::Success(2));
        assert_eq!(Steal::<u8>::Empty.or_else(|| Steal::Empty), Steal::Empty);
    }

    #[test]
    fn collect_stops_at_the_first_success() {
        let mut tried = 0;
        let attempts =
            [Steal::Empty, Steal::Success(1), Steal::Success(2)].into_iter().inspect(|_| tried += 1);
        assert_eq!(attempts.collect::<Steal<u8>>(), Steal::Success(1));
        assert_eq!(tried, 2);
        assert_eq!([Steal::<u8>::Empty, Steal::Retry].into_iter().collect::<Steal<u8>>(), Steal::Retry);
        assert_eq!(core::iter::empty::<Steal<u8>>().collect::<Steal<u8>>(), Steal::Empty);
    }

    #[test]
    fn predicates_and_success() {
        assert!(Steal::<u8>::Empty.is_empty());
        assert!(Steal::Success(1).is_success());
        assert!(Steal::<u8>::Retry.is_retry());
        assert_eq!(Steal::Success(3).success(), Some(3));
        assert_eq!(Steal::<u8>::Retry.success(), None);
    }
}
