//! The packed front of the unbounded deque: where stealing may resume, and what is still copying.

/// The front of the deque, packed in one 64-bit word so that one CAS moves both halves.
///
/// - `real`: the index of the oldest item nobody has claimed. Thieves claim `real..real + n` by
///   moving it forward; the owner's `pop` of the last item (LIFO) or of any item (FIFO) moves it
///   too.
/// - `steal`: the oldest index whose slot a thief may still be copying out of. `steal == real`
///   means no steal is in flight; while `steal != real`, other thieves stand back (`Retry`) and the
///   owner does not reuse slots from `steal` on.
///
/// Indices are wrapping `u32`s; every distance is taken with `wrapping_sub`, and the deque keeps
/// lengths below `2^30`, so a distance read as `i32` has the right sign.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Head {
    pub(crate) steal: u32,
    pub(crate) real: u32,
}

impl Head {
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

    /// True when no thief is copying items out.
    pub(crate) const fn is_idle(self) -> bool {
        self.steal == self.real
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
    }
}
