//! The global pool, made on first use, and the free functions that need no pool handle.

use std::sync::OnceLock;

use crate::worker_thread::WorkerThread;
use crate::{BuildError, ThreadPool, ThreadPoolBuilder};

/// The global pool. A `std` `OnceLock`: it is made once per process, and the model checkers never
/// reach it (their tests build their own pools).
static GLOBAL: OnceLock<ThreadPool> = OnceLock::new();

/// The global pool, built with the default builder on first use.
pub(crate) fn global_pool() -> &'static ThreadPool {
    GLOBAL.get_or_init(|| {
        ThreadPoolBuilder::new()
            .build()
            .unwrap_or_else(|error| panic!("filch-scheduler-core: global pool: {error}"))
    })
}

pub(crate) fn set_global_pool(pool: ThreadPool) -> Result<(), BuildError> {
    GLOBAL.set(pool).map_err(|_| BuildError::GlobalAlreadyInitialized)
}

/// The number of threads of the current pool: the pool whose worker calls this, else the global
/// pool.
///
/// ```
/// let pool = filch_scheduler_core::ThreadPoolBuilder::new().num_threads(3).build().unwrap();
/// assert_eq!(pool.install(filch_scheduler_core::current_num_threads), 3);
/// ```
pub fn current_num_threads() -> usize {
    WorkerThread::with_current(|thread| match thread {
        Some(thread) => thread.shared().registry.num_workers(),
        None => global_pool().current_num_threads(),
    })
}

/// The index of the current thread in its pool, or `None` outside every pool. A guest of
/// [`install_in_place`](crate::ThreadPool::install_in_place) gets its guest slot's index, at or
/// above the pool's [`max_threads`](crate::ThreadPoolBuilder::max_threads).
///
/// ```
/// assert_eq!(filch_scheduler_core::current_thread_index(), None);
/// ```
pub fn current_thread_index() -> Option<usize> {
    WorkerThread::with_current(|thread| thread.map(WorkerThread::index))
}
