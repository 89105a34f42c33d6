//! `BuildError`: why a pool could not be built.

use core::fmt;

/// Why [`ThreadPoolBuilder::build`](crate::ThreadPoolBuilder::build) or
/// [`build_global`](crate::ThreadPoolBuilder::build_global) failed.
///
/// ```
/// use filch_scheduler_core::{BuildError, ThreadPoolBuilder};
///
/// let error = ThreadPoolBuilder::new().num_threads(0).build().unwrap_err();
/// assert!(matches!(error, BuildError::ZeroThreads));
/// assert_eq!(
///     error.to_string(),
///     "filch-scheduler-core: ThreadPoolBuilder::build: num_threads must be at least 1"
/// );
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub enum BuildError {
    /// `num_threads(0)` was asked for.
    ZeroThreads,
    /// The operating system refused to start a worker thread.
    Spawn(std::io::Error),
    /// `build_global` was called after the global pool already existed.
    GlobalAlreadyInitialized,
}

impl fmt::Display for BuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BuildError::ZeroThreads => {
                f.write_str("filch-scheduler-core: ThreadPoolBuilder::build: num_threads must be at least 1")
            }
            BuildError::Spawn(error) => {
                write!(f, "filch-scheduler-core: ThreadPoolBuilder::build: could not spawn a worker thread: {error}")
            }
            BuildError::GlobalAlreadyInitialized => f.write_str(
                "filch-scheduler-core: ThreadPoolBuilder::build_global: the global pool is already initialised",
            ),
        }
    }
}

impl std::error::Error for BuildError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            BuildError::Spawn(error) => Some(error),
            _ => None,
        }
    }
}
