//! `Shared`: what a pool's threads and handles share (the core's registry, quiescence, handlers).

use core::fmt;

use filch_sleep::Quiescence;

use crate::job_ref::JobRef;
use crate::pinning::CoreId;
use crate::stack_job::Panic;
use crate::Registry;

/// A handler called with a worker index (start and exit handlers).
pub(crate) type IndexHandler = Box<dyn Fn(usize) + Send + Sync>;
/// A handler called with the payload of a detached task's panic.
pub(crate) type PanicHandler = Box<dyn Fn(Panic) + Send + Sync>;

/// The pool's state behind its `Arc`.
pub(crate) struct Shared {
    pub(crate) registry: Registry<JobRef>,
    /// Spawned tasks (`spawn` and `Scope::spawn`), one shard per worker or guest slot and one
    /// for outsiders.
    pub(crate) quiescence: Quiescence,
    pub(crate) panic_handler: Option<PanicHandler>,
    pub(crate) start_handler: Option<IndexHandler>,
    pub(crate) exit_handler: Option<IndexHandler>,
    /// Whether `spawn` (and `Scope::spawn`) from a worker goes into its LIFO slot
    /// (`ThreadPoolBuilder::lifo_slot`) rather than onto its deque.
    pub(crate) lifo_spawn: bool,
    /// The cores to pin worker threads to (worker `i` on `pin_to[i % len]`), if pinning.
    pub(crate) pin_to: Option<Vec<CoreId>>,
}

impl Shared {
    /// The quiescence shard of outside threads (after one per worker or guest slot).
    pub(crate) fn outside_shard(&self) -> usize {
        self.registry.slots()
    }

    /// Hands a detached task's panic to the handler (default: print it and go on).
    pub(crate) fn handle_panic(&self, payload: Panic) {
        match &self.panic_handler {
            Some(handler) => {
                // A panicking panic handler leaves no one to report to: abort, as rayon does.
                let handled = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| handler(payload)));
                if handled.is_err() {
                    eprintln!("filch-scheduler-core: the panic handler panicked; aborting");
                    std::process::abort();
                }
            }
            None => eprintln!("filch-scheduler-core: a spawned task panicked: {}", panic_message(&payload)),
        }
    }
}

/// The message of a panic payload, when it is a string.
pub(crate) fn panic_message(payload: &Panic) -> &str {
    if let Some(message) = payload.downcast_ref::<&'static str>() {
        message
    } else if let Some(message) = payload.downcast_ref::<String>() {
        message
    } else {
        "(a non-string payload)"
    }
}

impl fmt::Debug for Shared {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Shared").field("registry", &self.registry).finish_non_exhaustive()
    }
}
