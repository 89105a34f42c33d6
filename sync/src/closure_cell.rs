//! `core::cell::UnsafeCell` behind loom's closure API, for every backend but loom.
//!
//! Code that touches a cell only through `with` and `with_mut` compiles unchanged under loom,
//! where each call is checked for data races. Here the closures compile down to a raw pointer.

/// An `UnsafeCell` whose contents are reached only through closures, as in loom.
///
/// ```
/// use filch_sync::cell::UnsafeCell;
///
/// let cell = UnsafeCell::new(1);
/// // SAFETY: no other reference to the contents exists while we write.
/// cell.with_mut(|value| unsafe { *value += 1 });
/// // SAFETY: nobody writes while we read.
/// assert_eq!(cell.with(|value| unsafe { *value }), 2);
/// ```
#[derive(Debug, Default)]
#[repr(transparent)]
pub struct UnsafeCell<T: ?Sized>(core::cell::UnsafeCell<T>);

impl<T> UnsafeCell<T> {
    /// Wraps `value`.
    pub const fn new(value: T) -> Self {
        Self(core::cell::UnsafeCell::new(value))
    }

    /// Unwraps the value.
    pub fn into_inner(self) -> T {
        self.0.into_inner()
    }
}

impl<T: ?Sized> UnsafeCell<T> {
    /// Calls `f` with a shared pointer to the contents.
    ///
    /// Dereferencing the pointer is `unsafe`: the caller must know no write runs concurrently.
    #[inline(always)]
    pub fn with<R>(&self, f: impl FnOnce(*const T) -> R) -> R {
        f(self.0.get())
    }

    /// Calls `f` with a unique pointer to the contents.
    ///
    /// Dereferencing the pointer is `unsafe`: the caller must know no other access runs
    /// concurrently.
    #[inline(always)]
    pub fn with_mut<R>(&self, f: impl FnOnce(*mut T) -> R) -> R {
        f(self.0.get())
    }
}
