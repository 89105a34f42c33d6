//! The packed front of the unbounded deque: where stealing may resume, and what is still copying.

/// The bit of `steal` that marks a tentative claim.
const TENTATIVE: u32 = 1 << 31;

/// The front of the deque, packed in one 64-bit word so that one CAS moves both halves.
///
/// - `real`: the index of the oldest item nobody has claimed. Thieves claim `real..real + n` by
///   moving it forward; the owner's `pop` of the last item (LIFO) or of any item (FIFO) moves it
///   too.
/// - `steal`: the oldest index whose slot a thief may still be copying out of. `steal == real`
///   means no steal is in flight; while `steal != real`, other thieves stand back (`Retry`) and the
///   owner does not reuse slots from `steal` on.
///
/// A LIFO batch first claims *tentatively* ([`Head::tentative`]): `steal` is the batch's first
/// index with bit 31 flipped, `real` one past the last index it hopes for. The thief then checks
/// `back` and commits what the owner has not popped (DESIGN.md, "LIFO batches"); until then the
/// owner may cut the claim short with a CAS. A flipped `steal` makes `real - steal` negative as an
/// `i32` (a committed claim's is at most `2^30`), which is how a tentative head is told apart.
///
/// Indices are wrapping `u32`s; every distance is taken with `wrapping_sub`, and the deque keeps
/// lengths below `2^30`, so a distance read as `i32` has the right sign.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Head {
    pub(crate) steal: u32,
    pub(crate) real: u32,
}

impl Head {
    /// Added to the packed word, takes the item at `real` as [`after_owner_take`](Head::after_owner_take)
    /// does on an idle word (and on a busy one, moves `steal` too: the FIFO pop then sets it back).
    /// Not when `real` is `u32::MAX`: its increment would carry into `steal`.
    pub(crate) const TAKE_ONE: u64 = (1 << 32) | 1;

    /// No steal in flight, next item at `index`.
    pub(crate) const fn idle_at(index: u32) -> Head {
        Head { steal: index, real: index }
    }

    pub(crate) const fn pack(self) -> u64 {
        ((self.steal as u64) << 32) | self.real as u64
    }

    pub(crate) const fn unpack(word: u64) -> Head {
        Head { steal: (word >> 32) as u32, real: word as u32 }
    }

    /// A thief's claim on `start..end` that it has not yet checked against `back`.
    pub(crate) const fn tentative(start: u32, end: u32) -> Head {
        Head { steal: start ^ TENTATIVE, real: end }
    }

    /// True when no thief is copying items out, or about to.
    pub(crate) const fn is_idle(self) -> bool {
        self.steal == self.real
    }

    /// True for a LIFO batch's claim that its thief has not committed yet.
    pub(crate) const fn is_tentative(self) -> bool {
        (self.real.wrapping_sub(self.steal) as i32) < 0
    }

    /// The oldest index still in the deque or in a thief's hands: the owner writes no slot from
    /// here on, and a resize copies from here.
    pub(crate) const fn oldest(self) -> u32 {
        if self.is_tentative() {
            self.steal ^ TENTATIVE
        } else {
            self.steal
        }
    }

    /// Items the deque holds below `back`, counting a tentative claim's items as still held (its
    /// thief may yet give them back); never negative.
    pub(crate) const fn held_to(self, back: u32) -> usize {
        let first = if self.is_tentative() { self.oldest() } else { self.real };
        let len = back.wrapping_sub(first) as i32;
        if len > 0 {
            len as usize
        } else {
            0
        }
    }

    /// The front after the owner takes the item at `real` (LIFO last item, or FIFO pop): a steal in
    /// flight keeps its `steal`; otherwise `steal` follows `real`, since the owner copies nothing
    /// out asynchronously.
    pub(crate) const fn after_owner_take(self) -> Head {
        let real = self.real.wrapping_add(1);
        Head { steal: if self.is_idle() { real } else { self.steal }, real }
    }

    /// Items between `real` and `back`, as a signed distance (negative: a thief took the item the
    /// owner is popping).
    pub(crate) const fn len_to(self, back: u32) -> i32 {
        back.wrapping_sub(self.real) as i32
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pack_round_trips_and_wraps() {
        let head = Head { steal: u32::MAX, real: 3 };
        assert_eq!(Head::unpack(head.pack()), head);
        assert!(!head.is_idle());
        assert_eq!(head.after_owner_take(), Head { steal: u32::MAX, real: 4 });
        let idle = Head::idle_at(u32::MAX);
        assert_eq!(idle.after_owner_take(), Head::idle_at(0));
        assert_eq!(idle.len_to(1), 2);
        assert_eq!(Head::idle_at(5).len_to(4), -1);
        let busy = Head { steal: 3, real: 9 };
        assert_eq!(Head::unpack(busy.pack() + Head::TAKE_ONE), Head { steal: 4, real: 10 });
        assert_eq!(
            Head::unpack(Head::idle_at(7).pack() + Head::TAKE_ONE),
            Head::idle_at(7).after_owner_take()
        );
    }

    #[test]
    fn a_tentative_claim_is_told_apart_at_every_length_and_across_the_wrap() {
        for start in [0, 5, u32::MAX - 1, (1 << 31) - 1, 1 << 31] {
            for len in [0, 1, 2, 1 << 29, 1 << 30] {
                let end = start.wrapping_add(len);
                let claim = Head::tentative(start, end);
                assert!(claim.is_tentative() && !claim.is_idle(), "{start} {len}");
                assert_eq!(claim.oldest(), start);
                assert_eq!(Head::unpack(claim.pack()), claim);
                let committed = Head { steal: start, real: end };
                assert!(!committed.is_tentative());
                assert_eq!(committed.oldest(), start);
                assert_eq!(claim.held_to(end), len as usize, "a tentative claim's items are held");
                assert_eq!(committed.held_to(end), 0, "a committed claim's items are gone");
            }
        }
        assert!(!Head::idle_at(u32::MAX).is_tentative());
        assert_eq!(Head::idle_at(7).held_to(3), 0);
    }
}
