//! shuttle runs of filch-injector: N producers x M consumers over long random schedules (random
//! and PCT schedulers). Producers mix `push` and `push_batch`; consumers mix `steal` and both
//! batch steals. Each consumer must see every producer's items in that producer's order, and
//! every item must come out exactly once. 3 x 40 items cross the 63-slot blocks, so block
//! hand-off, freeing and reuse are exercised under every schedule. One more test aims a batch
//! steal at the moment a push overshoots a full block.
#![cfg(feature = "shuttle")]

use filch_injector::{Injector, Steal};
use filch_sync::{thread, Arc};
use filch_verification::budget;
use filch_verification::injector_drain::drain;
use filch_verification::ledger::Ledger;
use shuttle::rand::{thread_rng, Rng};

fn iterations() -> usize {
    budget::pick(1, 2_000, 20_000)
}

/// Item `(producer, sequence)` has ledger id `producer * per_producer + sequence`.
type Item = (usize, usize);

/// Takes what one attempt of a random kind yields, in FIFO order.
fn random_steal(injector: &Injector<Item>, out: &mut Vec<Item>) {
    let limit = thread_rng().gen_range(1..8);
    match thread_rng().gen_range(0..3) {
        0 => {
            if let Steal::Success(item) = injector.steal() {
                out.push(item);
            }
        }
        1 => {
            let before = out.len();
            if let Steal::Success(count) = injector.steal_batch_with_limit_into(limit, |item| out.push(item))
            {
                assert_eq!(count, out.len() - before);
                assert!(count <= limit);
            }
        }
        _ => {
            let mut rest = Vec::new();
            if let Steal::Success(first) =
                injector.steal_batch_with_limit_and_pop_into(limit, |item| rest.push(item))
            {
                assert!(rest.len() < limit);
                out.push(first);
                out.extend(rest);
            }
        }
    }
}

fn assert_in_producer_order(seen: &[Item], producers: usize) {
    for producer in 0..producers {
        let mine: Vec<usize> = seen.iter().filter(|(p, _)| *p == producer).map(|&(_, i)| i).collect();
        assert!(mine.windows(2).all(|w| w[0] < w[1]), "producer {producer} out of order: {mine:?}");
    }
}

fn producers_and_consumers(producers: usize, consumers: usize, per_producer: usize) -> impl Fn() {
    move || {
        let injector = Arc::new(Injector::new());
        let producer_handles: Vec<_> = (0..producers)
            .map(|p| {
                let injector = Arc::clone(&injector);
                thread::spawn(move || {
                    let mut next = 0;
                    while next < per_producer {
                        let size = thread_rng().gen_range(1..6).min(per_producer - next);
                        if size == 1 {
                            injector.push((p, next));
                        } else {
                            injector.push_batch((next..next + size).map(|i| (p, i)));
                        }
                        next += size;
                    }
                })
            })
            .collect();
        let consumer_handles: Vec<_> = (0..consumers)
            .map(|_| {
                let injector = Arc::clone(&injector);
                thread::spawn(move || {
                    let mut seen = Vec::new();
                    // Bounded: the drain below takes whatever the consumers leave.
                    for _ in 0..per_producer {
                        random_steal(&injector, &mut seen);
                    }
                    assert_in_producer_order(&seen, producers);
                    seen
                })
            })
            .collect();
        for handle in producer_handles {
            handle.join().unwrap();
        }
        let ledger = Ledger::new(producers * per_producer);
        for handle in consumer_handles {
            for (p, i) in handle.join().unwrap() {
                ledger.record(p * per_producer + i);
            }
        }
        let rest = drain(&injector);
        assert_in_producer_order(&rest, producers);
        for (p, i) in rest {
            ledger.record(p * per_producer + i);
        }
        ledger.assert_each_recorded_once();
        assert!(injector.is_empty());
    }
}

#[test]
fn three_producers_two_consumers_random_schedules() {
    shuttle::check_random(producers_and_consumers(3, 2, 40), iterations());
}

#[test]
fn two_producers_three_consumers_pct() {
    shuttle::check_pct(producers_and_consumers(2, 3, 40), iterations(), 3);
}

#[test]
fn one_producer_four_consumers_random_schedules() {
    shuttle::check_random(producers_and_consumers(1, 4, 80), iterations());
}

/// Slots per block of filch-injector outside loom (its `BLOCK_CAP`).
const BLOCK_SLOTS: usize = 63;

/// Two producers race for the first block's last slot while a consumer takes a batch with no
/// limit. The loser's fetch-and-add moves the tail's offset past the block's end until the winner
/// installs the next block; a consumer that reads the tail in that window must still stop at the
/// block's end. Its own thread matters: with the consumer on the test's thread no loom model
/// reached that window (`injector/DESIGN.md`, "Breaks tried on purpose").
fn batch_steal_beside_an_overshooting_push() {
    let injector = Arc::new(Injector::new());
    injector.push_batch(0..BLOCK_SLOTS - 1);
    let producers: Vec<_> = [BLOCK_SLOTS - 1, BLOCK_SLOTS]
        .into_iter()
        .map(|item| {
            let injector = Arc::clone(&injector);
            thread::spawn(move || injector.push(item))
        })
        .collect();
    let consumer = {
        let injector = Arc::clone(&injector);
        thread::spawn(move || {
            let mut taken = Vec::new();
            let _ = injector.steal_batch_with_limit_into(usize::MAX, |item| taken.push(item));
            taken
        })
    };
    for producer in producers {
        producer.join().unwrap();
    }
    let mut taken = consumer.join().unwrap();
    taken.extend(drain(&injector));
    taken.sort_unstable();
    assert_eq!(taken, (0..=BLOCK_SLOTS).collect::<Vec<_>>());
}

#[test]
fn a_batch_steal_reading_an_overshot_tail_stops_at_the_block_end() {
    shuttle::check_random(batch_steal_beside_an_overshooting_push, iterations());
}
