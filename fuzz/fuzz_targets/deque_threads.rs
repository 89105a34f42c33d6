//! Operation scripts run by an owner and two thieves on real threads against the unbounded deque;
//! every pushed item must be taken exactly once (conservation), whatever the interleaving.
#![no_main]

use arbitrary::Arbitrary;
use filch_deque::{Flavor, Steal, Worker};
use filch_verification::ledger::Ledger;
use libfuzzer_sys::fuzz_target;

#[derive(Arbitrary, Debug, Clone, Copy)]
enum OwnerOp {
    Push,
    Pop,
    ShrinkToFit,
}

#[derive(Arbitrary, Debug, Clone, Copy)]
enum ThiefOp {
    Steal,
    StealBatch { limit: u8 },
    StealBatchAndPop { limit: u8 },
    PopOwn,
}

#[derive(Arbitrary, Debug)]
struct Script {
    flavor: u8,
    owner: Vec<OwnerOp>,
    thieves: [Vec<ThiefOp>; 2],
}

fuzz_target!(|script: Script| {
    let flavor = [Flavor::Lifo, Flavor::Fifo, Flavor::LifoFenceFree][usize::from(script.flavor % 3)];
    let owner_ops = &script.owner[..script.owner.len().min(512)];
    let items = owner_ops.iter().filter(|op| matches!(op, OwnerOp::Push)).count();
    let taken = Ledger::new(items);
    let worker = Worker::with_capacity(flavor, 1);
    std::thread::scope(|scope| {
        // Joined by hand, not only at the scope's end: `join` waits for the OS thread to finish its
        // thread-local teardown, where the scope waits only for the closure, so the leak check
        // could see a thread half gone (LeakSanitizer once reported its `__cxa_thread_atexit_impl`
        // record as leaked).
        let mut thieves = Vec::new();
        for ops in &script.thieves {
            let (stealer, taken) = (worker.stealer(), &taken);
            thieves.push(scope.spawn(move || {
                let mine = Worker::with_capacity(Flavor::Lifo, 1);
                for op in ops.iter().take(512) {
                    let got = match *op {
                        ThiefOp::Steal => stealer.steal(),
                        ThiefOp::StealBatch { limit } => {
                            let _ = stealer.steal_batch_with_limit(&mine, usize::from(limit).max(1));
                            Steal::Empty
                        }
                        ThiefOp::StealBatchAndPop { limit } => {
                            stealer.steal_batch_with_limit_and_pop(&mine, usize::from(limit).max(1))
                        }
                        ThiefOp::PopOwn => mine.pop().map_or(Steal::Empty, Steal::Success),
                    };
                    if let Steal::Success(item) = got {
                        taken.record(item);
                    }
                }
                while let Some(item) = mine.pop() {
                    taken.record(item);
                }
            }));
        }
        let mut next = 0;
        for op in owner_ops {
            match op {
                OwnerOp::Push => {
                    worker.push(next);
                    next += 1;
                }
                OwnerOp::Pop => {
                    if let Some(item) = worker.pop() {
                        taken.record(item);
                    }
                }
                OwnerOp::ShrinkToFit => worker.shrink_to_fit(),
            }
        }
        for thief in thieves {
            thief.join().unwrap();
        }
    });
    while let Some(item) = worker.pop() {
        taken.record(item);
    }
    taken.assert_each_recorded_once();
});
