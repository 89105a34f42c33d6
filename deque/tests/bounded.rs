//! Behaviour users rely on in the bounded flavour: orders, capacity, batch sizes, misuse, drops,
//! and a small owner-plus-thieves run. Sized to run under Miri.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread;

use filch_deque::bounded::{Stealer, Worker, MAX_CAPACITY};
use filch_deque::Steal;

fn flavours(capacity: usize) -> [(&'static str, Worker<u32>); 2] {
    [("lifo", Worker::new_lifo(capacity)), ("fifo", Worker::new_fifo(capacity))]
}

#[test]
fn handles_have_the_promised_auto_traits() {
    fn send<T: Send>() {}
    fn send_sync_clone<T: Send + Sync + Clone>() {}
    send::<Worker<String>>();
    send_sync_clone::<Stealer<String>>();
}

#[test]
fn owner_pops_newest_in_lifo_and_oldest_in_fifo() {
    let lifo = Worker::new_lifo(8);
    let fifo = Worker::new_fifo(8);
    for i in 0..5 {
        lifo.push(i).unwrap();
        fifo.push(i).unwrap();
    }
    let lifo_order: Vec<u32> = std::iter::from_fn(|| lifo.pop()).collect();
    let fifo_order: Vec<u32> = std::iter::from_fn(|| fifo.pop()).collect();
    assert_eq!(lifo_order, [4, 3, 2, 1, 0]);
    assert_eq!(fifo_order, [0, 1, 2, 3, 4]);
}

#[test]
fn full_deque_hands_the_item_back() {
    for (name, worker) in flavours(3) {
        assert_eq!(worker.capacity(), 4, "{name}");
        for i in 0..4 {
            worker.push(i).unwrap();
        }
        assert_eq!(worker.push(9), Err(9), "{name}");
        assert_eq!(worker.len(), 4, "{name}");
        // Taking one makes room for one.
        assert!(worker.pop().is_some(), "{name}");
        assert_eq!(worker.push(9), Ok(false), "{name}");
        assert_eq!(worker.push(10), Err(10), "{name}");
    }
}

#[test]
fn stolen_slots_free_up_for_pushes() {
    for (name, worker) in flavours(4) {
        let stealer = worker.stealer();
        for i in 0..4 {
            worker.push(i).unwrap();
        }
        assert_eq!(stealer.steal(), Steal::Success(0), "{name}");
        worker.push(4).unwrap();
        assert_eq!(worker.push(5), Err(5), "{name}");
    }
}

#[test]
fn capacity_is_rounded_up_to_a_power_of_two() {
    assert_eq!(Worker::<u8>::new_lifo(1).capacity(), 1);
    assert_eq!(Worker::<u8>::new_fifo(5).capacity(), 8);
    assert_eq!(Worker::<u8>::new_lifo(64).stealer().capacity(), 64);
}

#[test]
#[should_panic(expected = "filch-deque: bounded::Worker::new_lifo: capacity must be at least 1")]
fn zero_capacity_panics() {
    let _ = Worker::<u8>::new_lifo(0);
}

#[test]
#[should_panic(expected = "filch-deque: bounded::Worker::new_fifo: capacity must be at most")]
fn oversized_capacity_panics() {
    let _ = Worker::<u8>::new_fifo(MAX_CAPACITY + 1);
}

#[test]
fn steal_takes_the_oldest_and_reports_empty() {
    for (name, worker) in flavours(4) {
        let stealer = worker.stealer();
        assert_eq!(stealer.steal(), Steal::Empty, "{name}");
        worker.push(1).unwrap();
        worker.push(2).unwrap();
        assert_eq!(stealer.len(), 2, "{name}");
        assert_eq!(stealer.steal(), Steal::Success(1), "{name}");
        assert_eq!(stealer.steal(), Steal::Success(2), "{name}");
        assert_eq!(stealer.steal(), Steal::Empty, "{name}");
        assert!(stealer.is_empty() && worker.is_empty(), "{name}");
    }
}

#[test]
fn batch_takes_half_rounded_up_oldest_first() {
    for (name, worker) in flavours(8) {
        let stealer = worker.stealer();
        for i in 0..7 {
            worker.push(i).unwrap();
        }
        let dest = Worker::new_fifo(8);
        assert_eq!(stealer.steal_batch(&dest), Steal::Success(()), "{name}");
        let moved: Vec<u32> = std::iter::from_fn(|| dest.pop()).collect();
        assert_eq!(moved, [0, 1, 2, 3], "{name}");
        assert_eq!(worker.len(), 3, "{name}");
        assert_eq!(stealer.steal_batch_and_pop(&dest), Steal::Success(4), "{name}");
        assert_eq!(dest.pop(), Some(5), "{name}");
        assert_eq!(dest.pop(), None, "{name}");
        assert_eq!(worker.pop(), Some(6), "{name}");
        assert_eq!(stealer.steal_batch(&dest), Steal::Empty, "{name}");
    }
}

#[test]
fn batch_respects_the_limit_and_the_room_in_dest() {
    for (name, worker) in flavours(16) {
        let stealer = worker.stealer();
        for i in 0..16 {
            worker.push(i).unwrap();
        }
        let dest = Worker::new_lifo(2);
        assert_eq!(stealer.steal_batch_with_limit(&dest, 1), Steal::Success(()), "{name}");
        assert_eq!(dest.len(), 1, "{name}");
        // One slot left in dest: one moves, the rest of the half stays in the source.
        assert_eq!(stealer.steal_batch(&dest), Steal::Success(()), "{name}");
        assert_eq!((dest.len(), worker.len()), (2, 14), "{name}");
        // dest full: nothing moves, and the source keeps its items.
        assert_eq!(stealer.steal_batch(&dest), Steal::Retry, "{name}");
        assert_eq!(worker.len(), 14, "{name}");
        // Popping needs no room in dest.
        assert_eq!(stealer.steal_batch_with_limit_and_pop(&dest, 3), Steal::Success(2), "{name}");
        assert_eq!(worker.len(), 13, "{name}");
    }
}

#[test]
#[should_panic(expected = "filch-deque: steal_batch_with_limit: limit must be at least 1")]
fn batch_limit_zero_panics() {
    let worker = Worker::<u8>::new_lifo(4);
    let _ = worker.stealer().steal_batch_with_limit(&Worker::new_lifo(4), 0);
}

#[test]
#[should_panic(expected = "filch-deque: steal_batch_with_limit_and_pop: limit must be at least 1")]
fn batch_and_pop_limit_zero_panics() {
    let worker = Worker::<u8>::new_fifo(4);
    let _ = worker.stealer().steal_batch_with_limit_and_pop(&Worker::new_fifo(4), 0);
}

#[test]
fn batch_into_its_own_deque_rotates_the_items() {
    let worker = Worker::new_fifo(8);
    for i in 0..4 {
        worker.push(i).unwrap();
    }
    assert_eq!(worker.stealer().steal_batch(&worker), Steal::Success(()));
    let order: Vec<u32> = std::iter::from_fn(|| worker.pop()).collect();
    assert_eq!(order, [2, 3, 0, 1]);
}

#[test]
fn indices_wrap_many_times_at_tiny_capacities() {
    for capacity in [1, 2, 4] {
        for (name, worker) in flavours(capacity) {
            let stealer = worker.stealer();
            let dest = Worker::new_fifo(capacity);
            let mut next = 0;
            let mut taken = Vec::new();
            for round in 0..50 {
                while worker.push(next).is_ok() {
                    next += 1;
                }
                match round % 3 {
                    0 => taken.extend(std::iter::from_fn(|| worker.pop())),
                    1 => taken.extend(std::iter::from_fn(|| stealer.steal().success())),
                    _ => {
                        while let Steal::Success(first) = stealer.steal_batch_and_pop(&dest) {
                            taken.push(first);
                            taken.extend(std::iter::from_fn(|| dest.pop()));
                        }
                    }
                }
                assert!(worker.is_empty(), "{name} capacity {capacity}");
            }
            taken.sort_unstable();
            assert_eq!(taken, (0..next).collect::<Vec<_>>(), "{name} capacity {capacity}");
        }
    }
}

/// Counts drops of every item it made.
struct Dropper {
    drops: Arc<AtomicUsize>,
}

impl Drop for Dropper {
    fn drop(&mut self) {
        self.drops.fetch_add(1, Ordering::Relaxed);
    }
}

fn droppers(count: usize, drops: &Arc<AtomicUsize>) -> impl Iterator<Item = Dropper> + '_ {
    (0..count).map(|_| Dropper { drops: Arc::clone(drops) })
}

#[test]
fn items_left_in_the_deque_are_dropped_once_by_the_last_handle() {
    for lifo in [true, false] {
        let drops = Arc::new(AtomicUsize::new(0));
        let worker = if lifo { Worker::new_lifo(8) } else { Worker::new_fifo(8) };
        for item in droppers(6, &drops) {
            assert!(worker.push(item).is_ok());
        }
        drop(worker.pop());
        let stealer = worker.stealer();
        drop(worker);
        assert_eq!(drops.load(Ordering::Relaxed), 1, "the worker's drop must not drop items");
        drop(stealer.steal());
        let other = stealer.clone();
        drop(stealer);
        assert_eq!(drops.load(Ordering::Relaxed), 2);
        drop(other);
        assert_eq!(drops.load(Ordering::Relaxed), 6);
    }
}

#[test]
fn a_refused_push_drops_nothing() {
    let drops = Arc::new(AtomicUsize::new(0));
    let worker = Worker::new_lifo(1);
    let mut items = droppers(2, &drops);
    assert!(worker.push(items.next().unwrap()).is_ok());
    let refused = worker.push(items.next().unwrap()).unwrap_err();
    assert_eq!(drops.load(Ordering::Relaxed), 0);
    drop(refused);
    drop(worker);
    assert_eq!(drops.load(Ordering::Relaxed), 2);
}

#[test]
fn owner_and_two_thieves_take_every_item_once() {
    let items: u32 = if cfg!(miri) { 60 } else { 20_000 };
    for lifo in [true, false] {
        let worker = if lifo { Worker::new_lifo(16) } else { Worker::new_fifo(16) };
        let done = Arc::new(AtomicUsize::new(0));
        let thieves: Vec<_> = (0..2)
            .map(|id| {
                let (stealer, done) = (worker.stealer(), Arc::clone(&done));
                thread::spawn(move || {
                    let mine = Worker::new_lifo(4);
                    let mut taken = Vec::new();
                    while done.load(Ordering::Acquire) == 0 || !stealer.is_empty() {
                        let stolen =
                            if id == 0 { stealer.steal() } else { stealer.steal_batch_and_pop(&mine) };
                        taken.extend(stolen.success());
                        taken.extend(std::iter::from_fn(|| mine.pop()));
                    }
                    taken
                })
            })
            .collect();
        let mut taken = Vec::new();
        for item in 0..items {
            let mut item = item;
            while let Err(back) = worker.push(item) {
                item = back;
                taken.extend(worker.pop());
            }
            if item % 3 == 0 {
                taken.extend(worker.pop());
            }
        }
        done.store(1, Ordering::Release);
        taken.extend(std::iter::from_fn(|| worker.pop()));
        for thief in thieves {
            taken.extend(thief.join().unwrap());
        }
        taken.sort_unstable();
        assert_eq!(taken, (0..items).collect::<Vec<_>>(), "lifo: {lifo}");
    }
}
