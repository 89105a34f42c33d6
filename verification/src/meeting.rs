//! Tasks that block their worker until all of them run at once: the scenario behind the
//! scheduler's wake-up models. Whatever the interleaving, each of `n` idle workers must end up
//! running one of `n` tasks; a task left queued beside a sleeping worker deadlocks the run, which
//! loom and shuttle report.

use filch_scheduler_core::{CoreConfig, Registry, Task, Worker};
use filch_sync::lock::{Condvar, Mutex};
use filch_sync::{thread, Arc};

/// Counts arrivals and lets everyone through once `expected` have arrived.
pub struct Rendezvous {
    arrived: Mutex<usize>,
    all_here: Condvar,
    expected: usize,
}

impl Rendezvous {
    pub fn new(expected: usize) -> Arc<Self> {
        Arc::new(Self { arrived: Mutex::new(0), all_here: Condvar::new(), expected })
    }

    /// Arrives, and blocks until `expected` callers have.
    pub fn meet(&self) {
        let mut arrived = self.arrived.lock().unwrap();
        *arrived += 1;
        if *arrived == self.expected {
            self.all_here.notify_all();
        }
        while *arrived < self.expected {
            arrived = self.all_here.wait(arrived).unwrap();
        }
    }
}

/// A core task that blocks its worker until every other `Meet` of its rendezvous runs.
pub struct Meet(pub Arc<Rendezvous>);

impl Task for Meet {
    fn run(self, _worker: &Worker<'_, Self>) {
        self.0.meet();
    }
}

/// `workers` workers on their own threads, each running the first task it finds, and as many
/// `Meet` tasks pushed from the calling thread. Returns once every task ran.
pub fn tasks_that_meet(workers: usize, config: CoreConfig) {
    let registry = Arc::new(Registry::new(workers, config));
    let rendezvous = Rendezvous::new(workers);
    let threads: Vec<_> = (0..workers)
        .map(|index| {
            let registry = Arc::clone(&registry);
            thread::spawn(move || {
                let worker = registry.worker(index);
                let task = worker.wait_for_task().expect("no shutdown before every task ran");
                worker.execute(task);
            })
        })
        .collect();
    for _ in 0..workers {
        registry.push(Meet(Arc::clone(&rendezvous)));
    }
    for thread in threads {
        thread.join().unwrap();
    }
    assert_eq!(registry.queued(), 0, "a task is left queued");
}
