//! `ResizeError`: why a pool could not be resized.

use core::fmt;

/// Why [`ThreadPool::resize`](crate::ThreadPool::resize) failed; the pool is unchanged, except
/// after [`Spawn`](ResizeError::Spawn), where it runs the workers that did start.
///
/// ```
/// use filch_scheduler_core::{ResizeError, ThreadPoolBuilder};
///
/// let pool = ThreadPoolBuilder::new().num_threads(2).max_threads(4).build().unwrap();
/// let error = pool.resize(0).unwrap_err();
/// assert!(matches!(error, ResizeError::ZeroThreads));
/// assert_eq!(error.to_string(), "filch-scheduler-core: ThreadPool::resize: a pool needs at least 1 thread");
/// assert!(matches!(pool.resize(5), Err(ResizeError::AboveMax { requested: 5, max: 4 })));
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub enum ResizeError {
    /// `resize(0)` was asked for.
    ZeroThreads,
    /// More threads than the pool's [`max_threads`](crate::ThreadPoolBuilder::max_threads).
    AboveMax {
        /// The number asked for.
        requested: usize,
        /// The pool's maximum.
        max: usize,
    },
    /// Called from one of the pool's own workers, which could wait for itself to retire.
    FromWorker,
    /// The operating system refused to start a worker thread; the pool runs those before it.
    Spawn(std::io::Error),
}

impl fmt::Display for ResizeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("filch-scheduler-core: ThreadPool::resize: ")?;
        match self {
            ResizeError::ZeroThreads => f.write_str("a pool needs at least 1 thread"),
            ResizeError::AboveMax { requested, max } => {
                write!(f, "{requested} threads is more than the pool's max_threads ({max})")
            }
            ResizeError::FromWorker => {
                f.write_str("called from a worker of the same pool; call it from outside the pool")
            }
            ResizeError::Spawn(error) => write!(f, "could not spawn a worker thread: {error}"),
        }
    }
}

impl std::error::Error for ResizeError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ResizeError::Spawn(error) => Some(error),
            _ => None,
        }
    }
}
