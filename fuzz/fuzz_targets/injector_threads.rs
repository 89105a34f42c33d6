//! Operation scripts run by two producers and two consumers on real threads against one injector:
//! every item comes out exactly once (taken, or dropped with the injector), and each consumer
//! sees each producer's items in that producer's order.
#![no_main]

use std::sync::Arc;
use std::thread;

use arbitrary::Arbitrary;
use filch_injector::{Injector, Steal};
use filch_verification::ledger::{Ledger, Tracked};
use libfuzzer_sys::fuzz_target;

#[derive(Arbitrary, Debug, Clone, Copy)]
enum ProducerOp {
    Push,
    PushBatch { count: u8 },
}

#[derive(Arbitrary, Debug, Clone, Copy)]
enum ConsumerOp {
    Steal,
    StealBatch { limit: u8 },
    StealBatchAndPop { limit: u8 },
}

#[derive(Arbitrary, Debug)]
struct Script {
    producers: [Vec<ProducerOp>; 2],
    consumers: [Vec<ConsumerOp>; 2],
    /// Drain what is left before dropping (else the drop must account for it).
    drain: bool,
}

fn size(op: &ProducerOp) -> usize {
    match op {
        ProducerOp::Push => 1,
        ProducerOp::PushBatch { count } => usize::from(*count),
    }
}

/// Ids are dense: producer 0's `k`-th item is `k`, producer 1's is `first_of_1 + k`.
fn run_consumer(injector: &Injector<Tracked>, ops: &[ConsumerOp], first_of_1: usize) {
    let mut last = [None::<usize>; 2];
    let mut see = |item: Tracked| {
        let (p, k) = if item.id() < first_of_1 { (0, item.id()) } else { (1, item.id() - first_of_1) };
        assert!(last[p].is_none_or(|prev| prev < k), "producer {p}: {k} after {:?}", last[p]);
        last[p] = Some(k);
        drop(item);
    };
    for op in ops {
        match *op {
            ConsumerOp::Steal => {
                if let Steal::Success(item) = injector.steal() {
                    see(item);
                }
            }
            ConsumerOp::StealBatch { limit } => {
                let _ = injector.steal_batch_with_limit_into(usize::from(limit).max(1), &mut see);
            }
            ConsumerOp::StealBatchAndPop { limit } => {
                let mut rest = Vec::new();
                if let Steal::Success(first) = injector
                    .steal_batch_with_limit_and_pop_into(usize::from(limit).max(1), |item| rest.push(item))
                {
                    see(first);
                    rest.into_iter().for_each(&mut see);
                }
            }
        }
    }
}

fuzz_target!(|script: Script| {
    let counts = script.producers.each_ref().map(|ops| ops.iter().map(size).sum::<usize>());
    let first_id = [0, counts[0]];
    let drops = Arc::new(Ledger::new(counts[0] + counts[1]));
    let injector = Arc::new(Injector::new());
    // Joined `spawn`ed threads rather than a scope: `join` waits for the OS thread to finish its
    // thread-local teardown, so the leak check never sees a thread half gone.
    let mut handles = Vec::new();
    for (p, ops) in script.producers.into_iter().enumerate() {
        let (injector, drops) = (Arc::clone(&injector), Arc::clone(&drops));
        handles.push(thread::spawn(move || {
            let mut next = first_id[p];
            for op in &ops {
                let ids = next..next + size(op);
                next = ids.end;
                if ids.len() == 1 {
                    injector.push(Tracked::new(ids.start, &drops));
                } else {
                    injector.push_batch(ids.map(|id| Tracked::new(id, &drops)));
                }
            }
        }));
    }
    for ops in script.consumers {
        let injector = Arc::clone(&injector);
        handles.push(thread::spawn(move || run_consumer(&injector, &ops, counts[0])));
    }
    for handle in handles {
        handle.join().unwrap();
    }
    if script.drain {
        while let Steal::Success(item) = injector.steal() {
            drop(item);
        }
        assert!(injector.is_empty());
    }
    drop(injector);
    drops.assert_each_recorded_once();
});
