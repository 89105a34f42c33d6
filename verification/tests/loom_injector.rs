//! loom models of filch-injector: every interleaving (up to the preemption bound) of small
//! scenarios. Under loom a block holds 2 slots, so three or four items cross a block boundary,
//! free a block and reuse it through the one-block cache.
#![cfg(loom)]

use filch_injector::{Injector, Steal};
use filch_sync::{thread, Arc};
use filch_verification::injector_drain::drain;
use filch_verification::ledger::{Ledger, Tracked};

/// Makes `attempts` steal calls and keeps what they take. Bounded on purpose: a retry loop
/// would let loom schedule one thread's retries forever.
fn steal_attempts<T>(injector: &Injector<T>, attempts: usize) -> Vec<T> {
    (0..attempts).filter_map(|_| injector.steal().success()).collect()
}

/// Items are `(producer, sequence)`; checks per-producer FIFO within one consumer's view.
fn assert_fifo_per_producer(taken: &[(usize, usize)]) {
    for producer in 0..2 {
        let mine: Vec<usize> = taken.iter().filter(|(p, _)| *p == producer).map(|(_, i)| *i).collect();
        assert!(mine.windows(2).all(|w| w[0] < w[1]), "producer {producer} out of order: {taken:?}");
    }
}

#[test]
fn two_producers_one_consumer_keep_each_producers_order() {
    loom::model(|| {
        let injector = Arc::new(Injector::new());
        let producers: Vec<_> = (0..2)
            .map(|p| {
                let injector = Arc::clone(&injector);
                thread::spawn(move || {
                    injector.push((p, 0));
                    injector.push((p, 1));
                })
            })
            .collect();
        let mut taken = steal_attempts(&injector, 2);
        for producer in producers {
            producer.join().unwrap();
        }
        taken.extend(drain(&injector));
        assert_fifo_per_producer(&taken);
        let mut sorted = taken.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, [(0, 0), (0, 1), (1, 0), (1, 1)]);
    });
}

#[test]
fn one_producer_two_consumers_take_each_item_once_in_order() {
    loom::model(|| {
        let injector = Arc::new(Injector::new());
        let consumers: Vec<_> = (0..2)
            .map(|_| {
                let injector = Arc::clone(&injector);
                thread::spawn(move || steal_attempts(&injector, 2))
            })
            .collect();
        for i in 0..3 {
            injector.push(i);
        }
        let mut all = Vec::new();
        for consumer in consumers {
            let taken = consumer.join().unwrap();
            assert!(taken.windows(2).all(|w| w[0] < w[1]), "one consumer saw {taken:?}");
            all.extend(taken);
        }
        all.extend(drain(&injector));
        all.sort_unstable();
        assert_eq!(all, [0, 1, 2]);
    });
}

#[test]
fn push_and_steal_across_a_block_boundary() {
    loom::model(|| {
        let injector = Arc::new(Injector::new());
        injector.push(0);
        let producer = {
            let injector = Arc::clone(&injector);
            // Items 1 and 2 fill the first block and open the second one.
            thread::spawn(move || injector.push_batch([1, 2]))
        };
        // Taking the last slot of the first block frees it into the cache.
        let mut taken = steal_attempts(&injector, 2);
        producer.join().unwrap();
        injector.push(3);
        taken.extend(drain(&injector));
        assert_eq!(taken, [0, 1, 2, 3]);
    });
}

#[test]
fn a_recycled_block_starts_empty() {
    loom::model(|| {
        let injector = Arc::new(Injector::new());
        // Fill the first block and drain it: it goes to the cache.
        injector.push_batch([0, 1]);
        assert_eq!(drain(&injector), [0, 1]);
        let producer = {
            let injector = Arc::clone(&injector);
            // Items 2 and 3 fill the second block; item 4 lands in the recycled first one.
            thread::spawn(move || injector.push_batch([2, 3, 4]))
        };
        let mut taken = steal_attempts(&injector, 3);
        producer.join().unwrap();
        taken.extend(drain(&injector));
        assert_eq!(taken, [2, 3, 4]);
    });
}

#[test]
fn batch_steal_racing_steal_takes_each_item_once() {
    loom::model(|| {
        let injector = Arc::new(Injector::new());
        injector.push_batch([0, 1, 2]);
        let thief = {
            let injector = Arc::clone(&injector);
            thread::spawn(move || {
                let mut batch = Vec::new();
                let result = injector.steal_batch_with_limit_into(3, |item| batch.push(item));
                match result {
                    Steal::Success(count) => assert_eq!(count, batch.len()),
                    Steal::Empty | Steal::Retry => assert!(batch.is_empty()),
                }
                batch
            })
        };
        let single = injector.steal().success();
        let batch = thief.join().unwrap();
        assert!(batch.windows(2).all(|w| w[0] < w[1]), "batch out of order: {batch:?}");
        let mut all: Vec<i32> = batch.into_iter().chain(single).chain(drain(&injector)).collect();
        all.sort_unstable();
        assert_eq!(all, [0, 1, 2]);
    });
}

#[test]
fn dropping_with_items_drops_each_once() {
    loom::model(|| {
        let drops = Arc::new(Ledger::new(3));
        let injector = Arc::new(Injector::new());
        injector.push(Tracked::new(0, &drops));
        let producer = {
            let injector = Arc::clone(&injector);
            let drops = Arc::clone(&drops);
            thread::spawn(move || injector.push_batch([Tracked::new(1, &drops), Tracked::new(2, &drops)]))
        };
        let consumer = {
            let injector = Arc::clone(&injector);
            thread::spawn(move || drop(injector.steal()))
        };
        producer.join().unwrap();
        consumer.join().unwrap();
        // The last handle drops the injector with whatever is left, across a block boundary.
        drop(injector);
        drops.assert_each_recorded_once();
    });
}

#[test]
fn a_block_two_consumers_release_is_reused_only_after_both_reads() {
    loom::model(|| {
        let injector = Arc::new(Injector::new());
        // Items 0 and 1 fill the first block; item 2 opens the second one.
        injector.push_batch([0, 1, 2]);
        let consumers: Vec<_> = (0..2)
            .map(|_| {
                let injector = Arc::clone(&injector);
                thread::spawn(move || injector.steal().success())
            })
            .collect();
        // Item 3 fills the second block, so its producer takes the spare (the first block, once
        // both consumers released it); item 4 is written into that block's first slot.
        injector.push(3);
        injector.push(4);
        let mut all: Vec<i32> = consumers.into_iter().filter_map(|c| c.join().unwrap()).collect();
        all.extend(drain(&injector));
        all.sort_unstable();
        assert_eq!(all, [0, 1, 2, 3, 4]);
    });
}

/// Steals until something other than `Retry` comes back (bounded by the other threads' attempts).
fn steal_past_retries<T>(injector: &Injector<T>) -> Steal<T> {
    loop {
        match injector.steal() {
            Steal::Retry => continue,
            other => return other,
        }
    }
}

#[test]
fn a_consumer_that_read_a_recycled_head_block_does_not_answer_empty() {
    loom::model(|| {
        let injector = Arc::new(Injector::new());
        injector.push(0);
        // One steal that may read the head block, stall, and read the tail only after that block
        // was drained, freed and installed again as the tail block (same address, later lap).
        let late = {
            let injector = Arc::clone(&injector);
            thread::spawn(move || injector.steal())
        };
        // The queue is never empty from here on: item 2 is in before items 0 and 1 go, and item 3
        // lands in the recycled block.
        injector.push(1);
        injector.push(2);
        let mut taken = Vec::new();
        for _ in 0..2 {
            if let Steal::Success(item) = steal_past_retries(&injector) {
                taken.push(item);
            }
        }
        injector.push(3);
        match late.join().unwrap() {
            Steal::Success(item) => taken.push(item),
            Steal::Retry => {}
            Steal::Empty => panic!("Empty while the queue held an item all along"),
        }
        taken.extend(drain(&injector));
        taken.sort_unstable();
        assert_eq!(taken, [0, 1, 2, 3]);
    });
}

#[test]
fn a_batch_steal_racing_an_overshooting_push_stays_in_its_block() {
    loom::model(|| {
        let injector = Arc::new(Injector::new());
        injector.push(0);
        // Two pushes race for the first block's last slot: the loser's fetch-and-add overshoots the
        // full tail word until the winner installs the next block.
        let producers: Vec<_> = (1..3)
            .map(|item| {
                let injector = Arc::clone(&injector);
                thread::spawn(move || injector.push(item))
            })
            .collect();
        let mut taken = Vec::new();
        let _ = injector.steal_batch_with_limit_into(3, |item| taken.push(item));
        for producer in producers {
            producer.join().unwrap();
        }
        taken.extend(drain(&injector));
        taken.sort_unstable();
        assert_eq!(taken, [0, 1, 2]);
    });
}

#[test]
fn a_lost_race_retried_across_a_block_boundary_claims_in_the_new_block() {
    loom::model(|| {
        let injector = Arc::new(Injector::new());
        // Items 0 and 1 fill the first block; item 2 opens the second one.
        injector.push_batch([0, 1, 2]);
        assert_eq!(injector.steal().success(), Some(0));
        // This steal may lose the race for item 1 to the one below, whose claim takes the first
        // block's last slot and moves the head; its retry then starts from the word that move
        // stored, and must find the second block with it.
        let loser = {
            let injector = Arc::clone(&injector);
            thread::spawn(move || injector.steal().success())
        };
        let winner = injector.steal().success();
        let mut taken: Vec<i32> = winner.into_iter().chain(loser.join().unwrap()).collect();
        taken.extend(drain(&injector));
        taken.sort_unstable();
        assert_eq!(taken, [1, 2]);
    });
}
