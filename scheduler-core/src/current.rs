//! The current thread's worker, if it is one: a pointer per thread.
//!
//! Natively a `thread_local!`. Under loom and shuttle every model thread runs on one OS thread, so
//! a std thread-local would be shared between them; there the pointer lives in a table keyed by
//! the OS thread (test harnesses run several models at once, each on its own OS thread, with
//! overlapping model thread ids) and the facade's model thread id. The table is bookkeeping, not a synchronisation under test, so
//! it uses a plain std mutex. Which one runs is decided at compile time from the facade's
//! backend, so this crate needs no model checker of its own.

use core::cell::Cell;
use std::sync::Mutex;

use filch_sync::thread::{self, ThreadId};
use filch_sync::MODEL_THREADS;

/// A model thread: the OS thread running the model, and the model's own thread id.
type ModelThread = (std::thread::ThreadId, ThreadId);

std::thread_local! {
    static CURRENT: Cell<*const ()> = const { Cell::new(core::ptr::null()) };
}

/// A worker pointer kept in the model table.
#[derive(Clone, Copy)]
struct Pointer(*const ());

// SAFETY: the table only stores and returns the pointer; it is dereferenced only on the thread
// that published it (`WorkerThread::with_current`).
unsafe impl Send for Pointer {}

/// Model threads' pointers, by model thread id.
static MODEL_CURRENT: Mutex<Vec<(ModelThread, Pointer)>> = Mutex::new(Vec::new());

fn model_table() -> std::sync::MutexGuard<'static, Vec<(ModelThread, Pointer)>> {
    // A panic while holding it cannot leave the vector inconsistent for our uses.
    MODEL_CURRENT.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The current thread's worker pointer (null outside every pool). Inlined: every join reads it.
#[inline(always)]
pub(crate) fn get() -> *const () {
    if MODEL_THREADS {
        let me = (std::thread::current().id(), thread::current().id());
        model_table().iter().find(|(id, _)| *id == me).map_or(core::ptr::null(), |(_, pointer)| pointer.0)
    } else {
        CURRENT.with(Cell::get)
    }
}

/// Sets the current thread's worker pointer (null to clear it).
pub(crate) fn set(pointer: *const ()) {
    if MODEL_THREADS {
        let me = (std::thread::current().id(), thread::current().id());
        let mut table = model_table();
        table.retain(|(id, _)| *id != me);
        if !pointer.is_null() {
            table.push((me, Pointer(pointer)));
        }
    } else {
        CURRENT.with(|current| current.set(pointer));
    }
}
