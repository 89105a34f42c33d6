//! Stress of filch-injector on real threads (run under ThreadSanitizer by `cargo xtask verify`):
//! producers and consumers hammer one injector across many blocks; every item must come out
//! exactly once and in its producer's order per consumer; an injector dropped while it still
//! holds items (after a concurrent phase) must drop each exactly once.
#![cfg(not(any(loom, feature = "shuttle")))]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread;

use filch_injector::{Injector, Steal};
use filch_verification::budget;
use filch_verification::ledger::{Ledger, Tracked};

const PRODUCERS: usize = 3;
const CONSUMERS: usize = 3;

#[test]
fn producers_and_consumers_move_every_item_once_in_order() {
    let per_producer = budget::pick(50, 20_000, 200_000);
    let total = PRODUCERS * per_producer;
    let injector = Arc::new(Injector::new());
    let taken = Arc::new(AtomicUsize::new(0));
    let ledger = Arc::new(Ledger::new(total));
    thread::scope(|scope| {
        for p in 0..PRODUCERS {
            let injector = &injector;
            scope.spawn(move || {
                let mut next = 0;
                while next < per_producer {
                    let size = 1 + next % 9;
                    let end = (next + size).min(per_producer);
                    if size % 2 == 0 {
                        injector.push_batch((next..end).map(|i| (p, i)));
                    } else {
                        (next..end).for_each(|i| injector.push((p, i)));
                    }
                    next = end;
                }
            });
        }
        for c in 0..CONSUMERS {
            let (injector, taken, ledger) = (&injector, &taken, &ledger);
            scope.spawn(move || {
                let mut last = [None::<usize>; PRODUCERS];
                let mut batch = Vec::new();
                let mut round = 0_usize;
                while taken.load(Ordering::Relaxed) < total {
                    round += 1;
                    match (round + c) % 3 {
                        0 => {
                            if let Steal::Success(item) = injector.steal() {
                                batch.push(item);
                            }
                        }
                        1 => {
                            let _ =
                                injector.steal_batch_with_limit_into(1 + round % 40, |item| batch.push(item));
                        }
                        _ => {
                            let mut rest = Vec::new();
                            if let Steal::Success(first) = injector
                                .steal_batch_with_limit_and_pop_into(1 + round % 70, |item| rest.push(item))
                            {
                                batch.push(first);
                                batch.extend(rest);
                            }
                        }
                    }
                    for (p, i) in batch.drain(..) {
                        assert!(
                            last[p].is_none_or(|prev| prev < i),
                            "consumer {c}: producer {p} item {i} after {last:?}"
                        );
                        last[p] = Some(i);
                        ledger.record(p * per_producer + i);
                        taken.fetch_add(1, Ordering::Relaxed);
                    }
                }
            });
        }
    });
    ledger.assert_each_recorded_once();
    assert!(injector.is_empty());
}

#[test]
fn dropping_after_a_concurrent_phase_drops_each_remaining_item_once() {
    let per_producer = budget::pick(100, 5_000, 50_000);
    let drops = Arc::new(Ledger::new(PRODUCERS * per_producer));
    let injector = Injector::new();
    thread::scope(|scope| {
        for p in 0..PRODUCERS {
            let (injector, drops) = (&injector, &drops);
            scope.spawn(move || {
                injector.push_batch((0..per_producer).map(|i| Tracked::new(p * per_producer + i, drops)));
            });
        }
        for _ in 0..2 {
            let injector = &injector;
            // Consumers take (and drop) part of the items while the producers run.
            scope.spawn(move || {
                for _ in 0..per_producer / 2 {
                    drop(injector.steal());
                }
            });
        }
    });
    drop(injector);
    drops.assert_each_recorded_once();
}
