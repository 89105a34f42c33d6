//! Pinning worker threads to cores, through `core_affinity` (a no-op where it is unsupported,
//! and under the model checkers, whose threads all run on one OS thread).

pub(crate) use core_affinity::CoreId;
use filch_sync::MODEL_THREADS;

/// The cores this process may run on, if the platform can tell.
pub(crate) fn available_cores() -> Option<Vec<CoreId>> {
    if MODEL_THREADS {
        return None;
    }
    core_affinity::get_core_ids().filter(|cores| !cores.is_empty())
}

/// Pins the calling thread, worker `index`, to `cores[index % cores.len()]`. Failure to pin is
/// not an error: the worker runs unpinned, as it would on a platform without affinity.
pub(crate) fn pin_current_thread(cores: &[CoreId], index: usize) {
    if let Some(&core) = cores.get(index % cores.len().max(1)) {
        let _pinned = core_affinity::set_for_current(core);
    }
}
