//! The current thread's worker, if it is one: a thread-local pointer.
//!
//! The facade has no `thread_local!`, and under loom and shuttle all model threads share one OS
//! thread, so the macro comes from the model checker when one is selected.

use core::cell::Cell;

#[cfg(loom)]
loom::thread_local! {
    pub(crate) static CURRENT: Cell<*const ()> = Cell::new(core::ptr::null());
}

#[cfg(all(not(loom), feature = "shuttle"))]
shuttle::thread_local! {
    pub(crate) static CURRENT: Cell<*const ()> = Cell::new(core::ptr::null());
}

#[cfg(not(any(loom, feature = "shuttle")))]
std::thread_local! {
    pub(crate) static CURRENT: Cell<*const ()> = const { Cell::new(core::ptr::null()) };
}
