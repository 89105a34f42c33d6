//! `ThreadPoolBuilder`: threads, names, stack size, handlers and spin budget of a pool.

use core::fmt;
use std::any::Any;
use std::time::Duration;

use filch_sleep::Quiescence;
use filch_sync::Arc;

use crate::global::set_global_pool;
use crate::pinning;
use crate::shared::{IndexHandler, PanicHandler, Shared};
use crate::thread_pool::ThreadStarter;
use crate::{BuildError, CoreConfig, Registry, StealPolicy, ThreadPool, VictimPolicy};

/// Configures and builds a [`ThreadPool`].
///
/// ```
/// use std::sync::atomic::{AtomicUsize, Ordering};
/// use std::sync::Arc;
/// use filch_scheduler_core::ThreadPoolBuilder;
///
/// let started = Arc::new(AtomicUsize::new(0));
/// let pool = ThreadPoolBuilder::new()
///     .num_threads(2)
///     .thread_name(|index| format!("demo-{index}"))
///     .stack_size(1 << 20)
///     .start_handler({
///         let started = Arc::clone(&started);
///         move |_index| {
///             started.fetch_add(1, Ordering::Relaxed);
///         }
///     })
///     .spin_budget(4, 1)
///     .build()
///     .unwrap();
/// let name = pool.install(|| std::thread::current().name().map(str::to_owned));
/// assert!(name.unwrap().starts_with("demo-"));
/// drop(pool); // joins the threads
/// assert_eq!(started.load(Ordering::Relaxed), 2);
/// ```
pub struct ThreadPoolBuilder {
    num_threads: Option<usize>,
    max_threads: Option<usize>,
    thread_name: Option<Box<dyn FnMut(usize) -> String>>,
    stack_size: Option<usize>,
    start_handler: Option<IndexHandler>,
    exit_handler: Option<IndexHandler>,
    panic_handler: Option<PanicHandler>,
    pin_workers: bool,
    lifo_slot: bool,
    config: CoreConfig,
}

impl Default for ThreadPoolBuilder {
    fn default() -> Self {
        Self::new()
    }
}

impl ThreadPoolBuilder {
    /// A builder with the defaults: one thread per available core, threads named
    /// `filch-worker-<i>`, the platform's stack size, no handlers (a detached task's panic is
    /// printed), and [`CoreConfig::default`].
    pub fn new() -> Self {
        Self {
            num_threads: None,
            max_threads: None,
            thread_name: None,
            stack_size: None,
            start_handler: None,
            exit_handler: None,
            panic_handler: None,
            pin_workers: false,
            lifo_slot: false,
            config: CoreConfig::default(),
        }
    }

    /// The number of worker threads; 0 makes [`build`](Self::build) fail with
    /// [`BuildError::ZeroThreads`].
    pub fn num_threads(mut self, num_threads: usize) -> Self {
        self.num_threads = Some(num_threads);
        self
    }

    /// The most threads [`ThreadPool::resize`] may grow the pool to (default, and at least, the
    /// number of threads it starts with). Each worker slot up to it is allocated at build (a
    /// deque, an inbox, a sleep slot, counters), so nothing moves when the pool is resized.
    pub fn max_threads(mut self, max_threads: usize) -> Self {
        self.max_threads = Some(max_threads);
        self
    }

    /// Names worker `i`'s thread `name(i)` (called at build for every `i` below
    /// [`max_threads`](Self::max_threads)).
    pub fn thread_name(mut self, name: impl FnMut(usize) -> String + 'static) -> Self {
        self.thread_name = Some(Box::new(name));
        self
    }

    /// The stack size of each worker thread, in bytes.
    pub fn stack_size(mut self, bytes: usize) -> Self {
        self.stack_size = Some(bytes);
        self
    }

    /// Called on each worker thread, with its index, before it runs any task.
    pub fn start_handler(mut self, handler: impl Fn(usize) + Send + Sync + 'static) -> Self {
        self.start_handler = Some(Box::new(handler));
        self
    }

    /// Called on each worker thread, with its index, after its last task, as the pool shuts down.
    pub fn exit_handler(mut self, handler: impl Fn(usize) + Send + Sync + 'static) -> Self {
        self.exit_handler = Some(Box::new(handler));
        self
    }

    /// Called with the payload of a panic in a detached [`spawn`](ThreadPool::spawn)ed task
    /// (default: print it to stderr and go on). If the handler itself panics, the process aborts.
    pub fn panic_handler(mut self, handler: impl Fn(Box<dyn Any + Send>) + Send + Sync + 'static) -> Self {
        self.panic_handler = Some(Box::new(handler));
        self
    }

    /// How long an idle worker looks for work before it sleeps: `spin_rounds` rounds of spin
    /// hints (1, 2, 4, .. up to 64 each), then `yield_rounds` yields.
    pub fn spin_budget(mut self, spin_rounds: u32, yield_rounds: u32) -> Self {
        self.config.idle.spin_rounds = spin_rounds;
        self.config.idle.yield_rounds = yield_rounds;
        self
    }

    /// While two or more workers are idle, at least this long between two publications of a
    /// `join`'s second half by one worker (default 100 us); see
    /// [`CoreConfig::publish_interval`]. Shorter spreads fine-grained work over the pool sooner
    /// and at a higher cost per task; `Duration::ZERO` publishes whenever a worker is idle.
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let pool = filch_scheduler_core::ThreadPoolBuilder::new()
    ///     .num_threads(2)
    ///     .publish_interval(Duration::from_micros(20))
    ///     .build()
    ///     .unwrap();
    /// assert_eq!(pool.install(|| filch_scheduler_core::join(|| 1, || 2)), (1, 2));
    /// ```
    pub fn publish_interval(mut self, interval: Duration) -> Self {
        self.config.publish_interval = interval;
        self
    }

    /// How long a `join` whose second half was stolen spins on it before the joiner looks for
    /// other work (default 3 us); see [`CoreConfig::stolen_join_spin`]. `Duration::ZERO` looks
    /// at once.
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let pool = filch_scheduler_core::ThreadPoolBuilder::new()
    ///     .num_threads(2)
    ///     .stolen_join_spin(Duration::ZERO)
    ///     .build()
    ///     .unwrap();
    /// assert_eq!(pool.install(|| filch_scheduler_core::join(|| 1, || 2)), (1, 2));
    /// ```
    pub fn stolen_join_spin(mut self, spin: Duration) -> Self {
        self.config.stolen_join_spin = spin;
        self
    }

    /// Which workers an idle worker steals from first (default [`VictimPolicy::Random`]).
    pub fn victim_policy(mut self, policy: VictimPolicy) -> Self {
        self.config.victim_policy = policy;
        self
    }

    /// Work stealing (the default) or share-nothing workers (thread per core); see
    /// [`StealPolicy`].
    pub fn steal_policy(mut self, policy: StealPolicy) -> Self {
        self.config.steal_policy = policy;
        self
    }

    /// How many threads from outside may be inside
    /// [`install_in_place`](ThreadPool::install_in_place) at once as guests (default 2; more
    /// calls at once are installed instead); see [`CoreConfig::guest_slots`].
    pub fn guest_slots(mut self, slots: usize) -> Self {
        self.config.guest_slots = slots;
        self
    }

    /// Pins worker `i` to the `i`-th core this process may run on (modulo their number), through
    /// `core_affinity`. Where the platform does not support affinity the workers run unpinned.
    /// Off by default.
    pub fn pin_workers(mut self, pin: bool) -> Self {
        self.pin_workers = pin;
        self
    }

    /// Whether [`spawn`](crate::spawn) and [`Scope::spawn`](crate::Scope::spawn) from a worker
    /// put the task into that worker's LIFO slot ([`Worker::push_lifo`](crate::Worker::push_lifo))
    /// instead of onto its deque. Off by default. `join` never uses the slot.
    ///
    /// On, the task spawned last runs next on the spawning worker without a fence and without
    /// being stealable, and up to [`CoreConfig::lifo_slot_limit`] such tasks run in a row (a
    /// message passed from task to task stays on one core). The cost, and why it is off by
    /// default: a task in the slot is invisible to idle workers while its worker runs something
    /// long (the rest of the spawning task, or a task that blocks), where on the deque it would
    /// be stolen at once; and the deque is already newest-first, so the order gains nothing.
    /// With a limit of 0 this option does nothing.
    ///
    /// ```
    /// use filch_scheduler_core::ThreadPoolBuilder;
    ///
    /// let pool = ThreadPoolBuilder::new().num_threads(2).lifo_slot(true).build().unwrap();
    /// let (send, receive) = std::sync::mpsc::channel();
    /// pool.spawn(move || {
    ///     let here = filch_scheduler_core::current_thread_index();
    ///     // Into the slot: runs on this worker once this task returns.
    ///     filch_scheduler_core::spawn(move || {
    ///         send.send(here == filch_scheduler_core::current_thread_index()).unwrap()
    ///     });
    /// });
    /// assert!(receive.recv().unwrap());
    /// ```
    pub fn lifo_slot(mut self, on: bool) -> Self {
        self.lifo_slot = on;
        self
    }

    /// Every knob of the core at once (deque capacity, injector interval, steal rounds, idle
    /// policy); see [`CoreConfig`].
    pub fn core_config(mut self, config: CoreConfig) -> Self {
        self.config = config;
        self
    }

    /// Starts the pool's threads.
    pub fn build(mut self) -> Result<ThreadPool, BuildError> {
        let num_threads = match self.num_threads {
            Some(0) => return Err(BuildError::ZeroThreads),
            Some(n) => n,
            None => std::thread::available_parallelism().map_or(1, |n| n.get()),
        };
        let max_threads = self.max_threads.unwrap_or(0).max(num_threads);
        let names = (0..max_threads)
            .map(|index| match &mut self.thread_name {
                Some(name) => name(index),
                None => format!("filch-worker-{index}"),
            })
            .collect();
        let registry = Registry::with_max_workers(num_threads, max_threads, self.config);
        // One shard per worker or guest slot, and the outsiders' after them.
        let quiescence = Quiescence::new(registry.slots() + 1);
        let shared = Arc::new(Shared {
            registry,
            quiescence,
            panic_handler: self.panic_handler,
            start_handler: self.start_handler,
            exit_handler: self.exit_handler,
            lifo_spawn: self.lifo_slot,
            pin_to: if self.pin_workers { pinning::available_cores() } else { None },
        });
        ThreadPool::start(shared, ThreadStarter { names, stack_size: self.stack_size })
            .map_err(BuildError::Spawn)
    }

    /// Builds the pool and makes it the global one, used by [`join`](crate::join),
    /// [`scope`](crate::scope) and [`spawn`](crate::spawn) outside every pool. Fails if the
    /// global pool exists already (it is made on first use).
    pub fn build_global(self) -> Result<(), BuildError> {
        set_global_pool(self.build()?)
    }
}

impl fmt::Debug for ThreadPoolBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ThreadPoolBuilder")
            .field("num_threads", &self.num_threads)
            .field("max_threads", &self.max_threads)
            .field("stack_size", &self.stack_size)
            .field("pin_workers", &self.pin_workers)
            .field("lifo_slot", &self.lifo_slot)
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}
