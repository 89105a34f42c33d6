//! The unbounded Chase-Lev deque: [`Worker`] (the owner's end) and [`Stealer`] (everyone else's).
//!
//! The protocol and its invariants are argued in `deque/DESIGN.md`; comments here say what each
//! ordering pairs with. In short: the owner pushes at `back` and pops there (LIFO) or at the front
//! (FIFO); thieves claim a range at the front with one CAS on the packed [`Head`] and only then
//! copy the claimed items out (claim-then-copy), so a thief never reads a slot the owner may be
//! writing, and the slot reads are plain reads, checked as such by loom.

use core::cell::Cell;
use core::fmt;
use core::marker::PhantomData;

use filch_sync::asymmetric_fence;
use filch_sync::atomic::{
    compiler_fence, fence, seq_cst_access_order, AtomicPtr, AtomicU32, AtomicU64, Ordering,
};
use filch_sync::{Arc, CachePadded};

use crate::buffer::{Buffer, Slots};
use crate::flavor::Flavor;
use crate::head::Head;
use crate::reclaim::Reclaimer;
use crate::steal::Steal;

/// Capacity of [`Worker::new_lifo`] and friends (the floor below which the buffer never shrinks).
const DEFAULT_CAPACITY: u32 = 64;
/// The largest buffer: lengths stay below `2^30`, so wrapping `u32` distances keep their sign.
const MAX_CAPACITY: u32 = 1 << 30;
/// The index of the first item. Just below the wrap point, so that every test and model crosses
/// it within its first few pushes (indices are wrapping `u32`s; nothing else depends on the start).
const START_INDEX: u32 = u32::MAX - 1;
/// How many items `steal_batch` and `steal_batch_and_pop` take at most (as crossbeam-deque).
const MAX_BATCH: usize = 32;

/// The two indices, on one cache line: every steal reads both and writes `head`, every push reads
/// `head` and writes `back`, so apart a stolen item costs owner and thief a miss on each line
/// where together it costs them one each (DESIGN.md, "Layout").
struct Ends {
    /// The packed front (see [`Head`]); thieves CAS it, the owner's FIFO pops add to it.
    head: AtomicU64,
    /// One past the newest item; written only by the owner.
    back: AtomicU32,
}

/// What owner and thieves share.
struct Inner<T> {
    ends: CachePadded<Ends>,
    /// The current ring; replaced only by the owner (grow, shrink).
    buffer: CachePadded<AtomicPtr<Buffer<T>>>,
    flavor: Flavor,
    /// The buffer never shrinks below this.
    min_capacity: u32,
    reclaimer: Reclaimer<T>,
}

// SAFETY: `Inner` hands items from the owner's thread to thieves' threads (so `T: Send`); all its
// shared state is atomics, and the buffers behind the pointers are accessed under the claim
// protocol argued in DESIGN.md.
unsafe impl<T: Send> Send for Inner<T> {}
// SAFETY: as for `Send`: shared access goes through atomics and the claim protocol.
unsafe impl<T: Send> Sync for Inner<T> {}

impl<T> Inner<T> {
    /// The store-load fence of a thief, paired with the owner's `pop` fence.
    #[inline]
    fn thief_fence(&self) {
        if self.flavor == Flavor::LifoFenceFree {
            asymmetric_fence::heavy();
        } else {
            fence(Ordering::SeqCst);
        }
    }

    /// A thief's claim: moves `head` from the idle word `idle` it read to `claim`; false when the
    /// word changed meanwhile.
    fn claim(&self, idle: Head, claim: Head) -> bool {
        // SeqCst: the claim of Lê et al.'s steal(); on the LIFO last item it races the owner's CAS
        // in `pop`, and its place in the SeqCst order is what the fence arguments rely on (a LIFO
        // batch's second look included).
        self.ends
            .head
            .compare_exchange(idle.pack(), claim.pack(), Ordering::SeqCst, Ordering::Relaxed)
            .is_ok()
    }

    /// Ends the steal that claimed from `claimed.steal`: `steal` catches up with `real`, which hands
    /// the copied slots back to the owner and lets the next thief in.
    fn finish_steal(&self, mut claimed: Head) {
        if self.flavor.is_lifo() {
            // A plain store: while a committed claim is open nobody else writes the word (other
            // thieves claim only from an idle word, and the LIFO owner takes the item at `real`
            // without a CAS; DESIGN.md, "The LIFO finish is a store"), so `real` is still the
            // claim's end. Release: as in the CAS below.
            self.ends.head.store(Head::idle_at(claimed.real).pack(), Ordering::Release);
            return;
        }
        loop {
            let done = Head::idle_at(claimed.real);
            // Release: our slot reads happen before the owner's Acquire load of `head` in `push` /
            // `reserve` that sees `steal` past them and reuses the slots. Retried because the
            // FIFO owner's pops move `real` meanwhile.
            match self.ends.head.compare_exchange_weak(
                claimed.pack(),
                done.pack(),
                Ordering::Release,
                Ordering::Relaxed,
            ) {
                Ok(_) => return,
                Err(now) => claimed = Head::unpack(now),
            }
        }
    }

    /// Items a thief sees (never negative).
    fn len(&self) -> usize {
        // Acquire on both: pairs with the Release writes of `back` (push) and `head` (steals), so
        // the two readings are not older than what this thread already saw.
        let head = Head::unpack(self.ends.head.load(Ordering::Acquire));
        let back = self.ends.back.load(Ordering::Acquire);
        head.held_to(back)
    }
}

impl<T> Drop for Inner<T> {
    fn drop(&mut self) {
        // Relaxed: `&mut self` means every handle is gone, and `Arc`'s drop ordered their writes
        // before this.
        let head = Head::unpack(self.ends.head.load(Ordering::Relaxed));
        let back = self.ends.back.load(Ordering::Relaxed);
        let buffer = self.buffer.load(Ordering::Relaxed);
        let mut index = head.real;
        while index != back {
            // SAFETY: no steal is in flight (no handle is left to run one), so `real..back` are the
            // live items, each held once in the current buffer; we drop each once.
            drop(unsafe { (*buffer).read(index) });
            index = index.wrapping_add(1);
        }
        // SAFETY: the current buffer is never retired, so this is its only free.
        unsafe { Buffer::free(buffer) };
    }
}

/// The owner's end of an unbounded work-stealing deque.
///
/// One thread owns it (`Send`, not `Sync`): it pushes, pops, and resizes. Other threads take items
/// through [`Stealer`]s. The buffer grows when full and shrinks when less than a quarter is used.
///
/// ```
/// use filch_deque::{Steal, Worker};
///
/// let worker = Worker::new_lifo();
/// let stealer = worker.stealer();
/// assert!(worker.push(1), "the deque was empty");
/// assert!(!worker.push(2));
/// worker.push(3);
/// assert_eq!(worker.pop(), Some(3)); // the owner takes the newest
/// assert_eq!(stealer.steal(), Steal::Success(1)); // thieves take the oldest
/// assert_eq!(worker.len(), 1);
/// ```
pub struct Worker<T> {
    inner: Arc<Inner<T>>,
    /// The owner's copy of `inner.buffer` (it is the only writer).
    buffer: Cell<*mut Buffer<T>>,
    /// The slots of `buffer`, cached for `push` and `pop`.
    slots: Cell<Slots<T>>,
    /// `pop` halves the buffer when fewer than this many slots are in use (0: at the minimum).
    shrink_below: Cell<u32>,
    /// Which `pop` runs: one byte decides flavour and fence on the owner's hottest call.
    pop_path: PopPath,
    /// `Cell`s already make the type `!Sync`; this says so on purpose.
    _not_sync: PhantomData<Cell<()>>,
}

/// The owner's `pop`, fixed at construction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PopPath {
    /// LIFO with a `SeqCst` fence: `Lifo`, and `LifoFenceFree` where the barrier is unavailable.
    Fenced,
    /// LIFO with a compiler fence: `LifoFenceFree` with the process-wide barrier available to
    /// thieves (decided once, by `asymmetric_fence::heavy_is_expedited`).
    Light,
    /// FIFO: a fetch-and-add at the front.
    Front,
}

// SAFETY: the owner's state moves with it to another thread; the cached pointer refers to the
// shared buffer, which only the owner mutates. Items cross threads, hence `T: Send`.
unsafe impl<T: Send> Send for Worker<T> {}

impl<T> Worker<T> {
    /// A LIFO deque: the owner pops the newest item.
    pub fn new_lifo() -> Worker<T> {
        Worker::with_capacity(Flavor::Lifo, DEFAULT_CAPACITY as usize)
    }

    /// A FIFO deque: the owner pops the oldest item.
    pub fn new_fifo() -> Worker<T> {
        Worker::with_capacity(Flavor::Fifo, DEFAULT_CAPACITY as usize)
    }

    /// A LIFO deque whose `pop` runs no memory fence; steals pay a process-wide barrier instead
    /// (see [`Flavor::LifoFenceFree`]).
    ///
    /// ```
    /// use filch_deque::{Steal, Worker};
    ///
    /// let worker = Worker::new_lifo_fence_free();
    /// let stealer = worker.stealer();
    /// worker.push('a');
    /// worker.push('b');
    /// assert_eq!(worker.pop(), Some('b'));
    /// assert_eq!(stealer.steal(), Steal::Success('a'));
    /// ```
    pub fn new_lifo_fence_free() -> Worker<T> {
        Worker::with_capacity(Flavor::LifoFenceFree, DEFAULT_CAPACITY as usize)
    }

    /// A deque of the given flavour whose buffer holds at least `capacity` items before growing
    /// and never shrinks below that (rounded up to a power of two, at least 1).
    ///
    /// Panics if `capacity` exceeds `2^30`.
    pub fn with_capacity(flavor: Flavor, capacity: usize) -> Worker<T> {
        let capacity = round_capacity(capacity, "with_capacity");
        // Decide light-or-full fences before either side runs (see `asymmetric_fence`); where the
        // barrier is unavailable (and under the models) both sides use SeqCst fences.
        let pop_path = match flavor {
            Flavor::Fifo => PopPath::Front,
            Flavor::LifoFenceFree if asymmetric_fence::heavy_is_expedited() => PopPath::Light,
            Flavor::Lifo | Flavor::LifoFenceFree => PopPath::Fenced,
        };
        let buffer = Buffer::alloc(capacity);
        let inner = Inner {
            ends: CachePadded::new(Ends {
                head: AtomicU64::new(Head::idle_at(START_INDEX).pack()),
                back: AtomicU32::new(START_INDEX),
            }),
            buffer: CachePadded::new(AtomicPtr::new(buffer)),
            flavor,
            min_capacity: capacity,
            reclaimer: Reclaimer::new(),
        };
        Worker {
            inner: Arc::new(inner),
            buffer: Cell::new(buffer),
            // SAFETY: `buffer` was just allocated.
            slots: Cell::new(unsafe { (*buffer).slots() }),
            shrink_below: Cell::new(0),
            pop_path,
            _not_sync: PhantomData,
        }
    }

    /// A new handle for thieves.
    pub fn stealer(&self) -> Stealer<T> {
        Stealer { inner: Arc::clone(&self.inner) }
    }

    /// The flavour chosen at construction.
    pub fn flavor(&self) -> Flavor {
        self.inner.flavor
    }

    /// The owner's reading of `back`.
    #[inline]
    fn back(&self) -> u32 {
        // Relaxed: the owner is the only writer of `back`, so it reads its own last store
        // (coherence). A `Cell` copy (a second store on every push and pop, but no load behind
        // the pop's fence) measured level: LIFO pair fastest 2.70-2.73 ns either way, ten
        // alternating processes of a scratch probe (2026-11-24).
        self.inner.ends.back.load(Ordering::Relaxed)
    }

    /// How many items the current buffer holds before it must grow.
    pub fn capacity(&self) -> usize {
        self.slots.get().capacity() as usize
    }

    /// How many items the deque holds (a thief may take some at any moment).
    pub fn len(&self) -> usize {
        // Relaxed: a snapshot; the owner's own `back` is exact.
        let head = Head::unpack(self.inner.ends.head.load(Ordering::Relaxed));
        head.held_to(self.back())
    }

    /// True when [`len`](Worker::len) is zero.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Pushes `item` at the back; returns true when the deque was empty just before (as seen by
    /// the owner: a concurrent steal may have emptied it a moment earlier, then this says false).
    ///
    /// Grows the buffer when it is full. Panics if the deque would hold more than `2^30` items.
    #[inline]
    pub fn push(&self, item: T) -> bool {
        let back = self.back();
        // Acquire: pairs with the Release in `finish_steal`: a thief's copy out of a slot happens
        // before we see `steal` past it and write the slot again below.
        let head = Head::unpack(self.inner.ends.head.load(Ordering::Acquire));
        let mut slots = self.slots.get();
        // A tentative claim's flagged `steal` also lands here (its distance reads past 2^31).
        if back.wrapping_sub(head.steal) >= slots.capacity() {
            slots = self.make_room(back, head);
        }
        // SAFETY: the owner's cached slots are those of the current buffer, which only the owner
        // retires (refreshing the cache). `back - steal < capacity`, so the slot of `back` holds no
        // index a thief may be copying (thieves copy only from `steal..real`), and only the owner
        // writes slots.
        unsafe { slots.write(back, item) };
        // Release: publishes the slot (and any new buffer) to a thief's Acquire load of `back`.
        self.inner.ends.back.store(back.wrapping_add(1), Ordering::Release);
        back == head.real && !head.is_tentative()
    }

    /// Pushes every item of `items` at the back, in order, and makes them visible to thieves
    /// together: one store of `back` for the batch where a loop of [`push`](Worker::push) pays one
    /// per item. Returns true when the deque was empty just before (as `push` does).
    ///
    /// Reserves room for the iterator's lower size bound first; should the items outnumber the
    /// room, those written so far are published and the rest go through `push`, growing the
    /// buffer as needed. Panics if the deque would hold more than `2^30` items.
    ///
    /// ```
    /// use filch_deque::Worker;
    ///
    /// let worker = Worker::new_fifo();
    /// assert!(worker.push_batch(0..100));
    /// assert_eq!(worker.len(), 100);
    /// assert_eq!(worker.pop(), Some(0));
    /// ```
    pub fn push_batch(&self, items: impl IntoIterator<Item = T>) -> bool {
        let mut items = items.into_iter();
        let lower = items.size_hint().0;
        if lower > 0 {
            self.reserve(lower);
        }
        let first = self.back();
        // Acquire: as in `push`. One snapshot serves the whole batch: `steal` only grows, so an
        // old value can only make the room check below stricter.
        let head = Head::unpack(self.inner.ends.head.load(Ordering::Acquire));
        let oldest = head.oldest();
        let was_empty = first == head.real && !head.is_tentative();
        let slots = self.slots.get();
        // Publishes what is written when it drops, also if `items` panics.
        let mut written = Publish { worker: self, back: first };
        while let Some(item) = items.next() {
            if written.back.wrapping_sub(oldest) >= slots.capacity() {
                // Publish before `push` may move the slots into a grown buffer (`resize` copies
                // up to the published `back`).
                drop(written);
                self.push(item);
                items.for_each(|item| {
                    self.push(item);
                });
                return was_empty;
            }
            // SAFETY: as in `push`: `back - steal < capacity` for a `steal` no newer than the
            // current one, so no thief may be copying this slot, and only the owner writes slots.
            unsafe { slots.write(written.back, item) };
            written.back = written.back.wrapping_add(1);
        }
        was_empty
    }

    /// `push`'s slow path: doubles the buffer if `back` is a full buffer past `head`'s oldest
    /// index, and returns the slots to write.
    #[cold]
    #[inline(never)]
    fn make_room(&self, back: u32, head: Head) -> Slots<T> {
        let oldest = head.oldest();
        let capacity = self.slots.get().capacity();
        if back.wrapping_sub(oldest) >= capacity {
            self.resize(grown(capacity, "push"), oldest);
        }
        self.slots.get()
    }

    /// Pops an item: the newest for LIFO flavours, the oldest for FIFO.
    #[inline]
    pub fn pop(&self) -> Option<T> {
        match self.pop_path {
            PopPath::Fenced => self.pop_back(false),
            PopPath::Light => self.pop_back(true),
            PopPath::Front => self.pop_front(),
        }
    }

    /// The LIFO `pop`; `light` (a constant at each call) picks the compiler fence of the
    /// fence-free flavour, so each inlined copy tests the flavour once.
    #[inline(always)]
    fn pop_back(&self, light: bool) -> Option<T> {
        let inner = &*self.inner;
        let back = self.back();
        if !light {
            // Relaxed: `real` only grows (a tentative claim aside), so a stale reading can only
            // make us try the fenced path on a deque that turns out empty. Skipped when the fence
            // is a compiler fence: then the check would cost more than it saves.
            let early = Head::unpack(inner.ends.head.load(Ordering::Relaxed));
            // Not on a tentative claim: its thief may give items back (`real` then moves down).
            if early.len_to(back) <= 0 && !early.is_tentative() {
                return None;
            }
        }
        let index = back.wrapping_sub(1);
        // Release: a thief whose Acquire load of `back` reads this value must also see the pushes
        // and the buffer below it (since C++20 a later plain store no longer continues the
        // release sequence of the push's store, so Relaxed here would publish nothing; loom found
        // a thief reading a stale buffer that way). The fence below orders it before our `head`
        // load.
        inner.ends.back.store(index, Ordering::Release);
        if light {
            // Compiler fence: every steal runs `asymmetric_fence::heavy`, a process-wide barrier
            // that makes this point act as a SeqCst fence (the light side of the pair; see
            // `asymmetric_fence` and DESIGN.md). Pairs like the fence below.
            compiler_fence(Ordering::SeqCst);
        } else {
            // SeqCst fence: orders our store of `back` before our load of `head`, against the fence
            // in `steal` between its `head` and `back` loads (store-load; Lê et al. 2013, take()).
            // Without it owner and thief can both take the last item.
            fence(Ordering::SeqCst);
        }
        // Relaxed: the fence above orders it; `pop_last`'s CAS validates the last-item case.
        let head = Head::unpack(inner.ends.head.load(Ordering::Relaxed));
        if head.len_to(index) <= 0 {
            return self.pop_last(head, index);
        }
        // SAFETY: current buffer (as in `push`); `real < index`, so by the fence argument
        // (DESIGN.md) no thief can claim `index`; the owner wrote the slot itself, and holds the
        // only copy from now on.
        let item = unsafe { self.slots.get().read(index) };
        // A tentative claim's flagged `steal` reads as a distance past 2^31: never sparse.
        self.shrink_if_sparse(head.steal, index);
        Some(item)
    }

    /// The end of a LIFO `pop` whose `head` reading does not leave `index` plainly to the owner
    /// (`back` already lowered to `index`): the last item, raced for with a CAS; an item a thief
    /// claimed; or a LIFO batch's tentative claim, which the owner cuts short. Out of line, so
    /// that the common pop stays small inline.
    #[inline(never)]
    fn pop_last(&self, mut head: Head, index: u32) -> Option<T> {
        let won = loop {
            if head.is_tentative() {
                if (index.wrapping_sub(head.oldest()) as i32) < 0 {
                    break false; // `back` was the claim's first index: the deque was empty.
                }
                if head.len_to(index) >= 0 {
                    // The thief commits at most up to `real`, below `index`: the item is ours, and
                    // `back` stays lowered.
                    // SAFETY: current buffer; no claim reaches `index`, and we wrote the slot.
                    return Some(unsafe { self.slots.get().read(index) });
                }
                // The claim reaches `index`: cut it there, unless the thief commits first. Cut at
                // its first item, the claim is withdrawn and `head` moves past the item, as after
                // a last-item CAS: committing an empty claim would bring back the idle word a
                // single thief may have read, with a stale `back`, before the batch claimed.
                let first = index == head.oldest();
                let cut =
                    if first { Head::idle_at(index.wrapping_add(1)) } else { Head { real: index, ..head } };
                // Relaxed: the two CASes on one word only decide who takes `index`; nothing is
                // published (the owner wrote the slot; the thief reads only what it commits).
                match self.inner.ends.head.compare_exchange(
                    head.pack(),
                    cut.pack(),
                    Ordering::Relaxed,
                    Ordering::Relaxed,
                ) {
                    Ok(_) if first => break true,
                    // SAFETY: as above: the claim now ends at `index`.
                    Ok(_) => return Some(unsafe { self.slots.get().read(index) }),
                    Err(now) => head = Head::unpack(now),
                }
                continue;
            }
            match head.len_to(index) {
                ..0 => break false,
                // `index` lies above `real` (a batch committed against a `back` below ours, and may
                // have finished since), or at `real` under an open committed claim, whose thief
                // ends it with a plain store of `idle_at(real)` (`finish_steal`). Either way no
                // claim can reach `index` (claims start from an idle word, and later ones see our
                // `back`: the fence argument of the fast path), so the item is ours with no CAS,
                // and `back` stays at `index` (with `real == index` the deque is then empty).
                len if len > 0 || !head.is_idle() => {
                    // SAFETY: as in the fast path of `pop_back`: no claim reaches `index`, and we
                    // wrote the slot.
                    return Some(unsafe { self.slots.get().read(index) });
                }
                _ => {}
            }
            // SeqCst: the CAS is the last-item arbitration of Lê et al.; success and failure are
            // ordered against thieves' claims on `head`.
            match self.inner.ends.head.compare_exchange(
                head.pack(),
                head.after_owner_take().pack(),
                Ordering::SeqCst,
                Ordering::Relaxed,
            ) {
                Ok(_) => break true,
                // `steal` moved (a steal in flight finished), or a thief claimed: look again.
                Err(now) => head = Head::unpack(now),
            }
        };
        // Release: as for the decrement in `pop_back`, a thief that reads the restored `back` must
        // see the slots and buffer below it.
        self.inner.ends.back.store(index.wrapping_add(1), Ordering::Release);
        if won {
            // SAFETY: current buffer; our CAS claimed `index`; no thief copies it and we wrote
            // it ourselves.
            Some(unsafe { self.slots.get().read(index) })
        } else {
            None
        }
    }

    /// The FIFO `pop`: takes the item at `real` with one fetch-and-add of [`Head::TAKE_ONE`],
    /// which moves `real` and `steal` together (DESIGN.md, "The FIFO pop's fetch-and-add").
    #[inline]
    fn pop_front(&self) -> Option<T> {
        let back = self.back();
        // Relaxed: the owner claims items it wrote itself, so nothing needs publishing. Outside
        // this pop, `real` only grows and stays at most `back` (thieves claim below the `back` they
        // read), so the word's `real` lies between this reading's and `back`.
        let head = Head::unpack(self.inner.ends.head.load(Ordering::Relaxed));
        let len = head.len_to(back);
        if len <= 0 {
            return None;
        }
        if len as u32 >= !head.real {
            // `real` may be `u32::MAX`, whose increment would carry into `steal`.
            return self.pop_front_across_the_wrap(head, back);
        }
        // Relaxed: as the load; being a read-modify-write, it extends the release sequence of a
        // thief's `finish_steal`, which the next Acquire load in `push` still synchronises with.
        let old = Head::unpack(self.inner.ends.head.fetch_add(Head::TAKE_ONE, Ordering::Relaxed));
        if !old.is_idle() || old.len_to(back) <= 0 {
            return self.settle_take(old, back);
        }
        Some(self.take_front(old.real, old.real.wrapping_add(1), back))
    }

    /// A FIFO `pop` whose fetch-and-add met a steal in flight or an empty deque: the word it left
    /// (`old` plus one on both halves) is set right with CASes. Until then it only exists inside
    /// this pop (the owner is not pushing): thieves read it as a steal in flight, or as empty.
    #[cold]
    #[inline(never)]
    fn settle_take(&self, old: Head, back: u32) -> Option<T> {
        let added = Head::unpack(old.pack().wrapping_add(Head::TAKE_ONE));
        // A steal in flight claimed `old.steal..old.real`; the add took `old.real` if it was below
        // `back`.
        let took = old.len_to(back) > 0;
        let mut now = added;
        let settled = loop {
            let target = match (now == added, took) {
                // `steal` goes back to the open claim's first index: its thief is still copying.
                (true, true) => old.after_owner_take(),
                // Nothing to take: undo.
                (true, false) => old,
                // The thief finished on our word (`finish_steal` sets `idle_at(real)`), and another
                // thief may have claimed after it, from past our item: leave it.
                (false, true) => now,
                // The thief finished on our word, which took nothing: `real` comes back.
                (false, false) => {
                    debug_assert_eq!(now, Head::idle_at(old.real.wrapping_add(1)));
                    Head::idle_at(old.real)
                }
            };
            if target == now {
                break now;
            }
            // Relaxed: as the fetch-and-add; success or failure only tells who moved the word.
            match self.inner.ends.head.compare_exchange_weak(
                now.pack(),
                target.pack(),
                Ordering::Relaxed,
                Ordering::Relaxed,
            ) {
                Ok(_) => break target,
                Err(word) => now = Head::unpack(word),
            }
        };
        took.then(|| self.take_front(old.real, settled.oldest(), back))
    }

    /// A FIFO `pop` where `real` may be at `u32::MAX` (the pops near the wrap, which comes every
    /// `2^32` indices): one CAS to `after_owner_take`, retried with the word it finds.
    #[cold]
    #[inline(never)]
    fn pop_front_across_the_wrap(&self, mut head: Head, back: u32) -> Option<T> {
        loop {
            if head.len_to(back) <= 0 {
                return None;
            }
            let next = head.after_owner_take();
            // Relaxed on both: as the fetch-and-add in `pop_front`.
            match self.inner.ends.head.compare_exchange_weak(
                head.pack(),
                next.pack(),
                Ordering::Relaxed,
                Ordering::Relaxed,
            ) {
                Ok(_) => return Some(self.take_front(head.real, next.steal, back)),
                Err(now) => head = Head::unpack(now),
            }
        }
    }

    /// Reads the item at `real`, which this FIFO `pop` claimed, and shrinks the buffer if the
    /// items from `oldest` (the settled word's) to `back` are few.
    #[inline]
    fn take_front(&self, real: u32, oldest: u32, back: u32) -> T {
        // SAFETY: current buffer; the caller's read-modify-write on `head` claimed `real`, which
        // holds an item this thread pushed.
        let item = unsafe { self.slots.get().read(real) };
        self.shrink_if_sparse(oldest, back);
        item
    }

    /// Halves the buffer when less than a quarter of it is in use (hysteresis: it grows again only
    /// when full, so a push/pop pattern at the boundary does not resize every time).
    #[inline]
    fn shrink_if_sparse(&self, steal: u32, back: u32) {
        if back.wrapping_sub(steal) < self.shrink_below.get() {
            self.resize(self.slots.get().capacity() / 2, steal);
        }
    }

    /// Reserves room for at least `additional` more items without growing on `push`.
    ///
    /// Panics if the deque would hold more than `2^30` items.
    pub fn reserve(&self, additional: usize) {
        let back = self.back();
        // Acquire: as in `push`, slots below `steal` are free to reuse.
        let oldest = Head::unpack(self.inner.ends.head.load(Ordering::Acquire)).oldest();
        let in_use = back.wrapping_sub(oldest) as usize;
        let needed = in_use.saturating_add(additional);
        if needed > self.capacity() {
            self.resize(round_capacity(needed, "reserve"), oldest);
        }
    }

    /// Shrinks the buffer to the smallest power of two that holds the items (not below the
    /// capacity the deque was made with).
    pub fn shrink_to_fit(&self) {
        let back = self.back();
        // Acquire: as in `push`.
        let oldest = Head::unpack(self.inner.ends.head.load(Ordering::Acquire)).oldest();
        let in_use = back.wrapping_sub(oldest);
        let target = in_use.max(1).next_power_of_two().max(self.inner.min_capacity);
        if target < self.slots.get().capacity() {
            self.resize(target, oldest);
        }
    }

    /// Moves the slots `steal..back` into a new buffer of `capacity` and retires the old one
    /// (`steal` is a [`Head::oldest`]).
    #[cold]
    fn resize(&self, capacity: u32, steal: u32) {
        let back = self.back();
        debug_assert!(back.wrapping_sub(steal) <= capacity);
        let old = self.buffer.get();
        let new = Buffer::alloc(capacity);
        // SAFETY: `new` is private to us; in `old` only the owner writes, and we are the owner.
        // `steal..back` fits both (`steal` is a value of `head` we read, so at most `capacity`
        // old slots are in use from it).
        unsafe { (*new).copy_from(&*old, steal, back) };
        // Release: publishes the copied slots to a thief's load of `buffer`.
        self.inner.buffer.store(new, Ordering::Release);
        // SeqCst fence, then `head`: every claim is either in the word we read (open, or finished
        // and its Release finish read by our Acquire, directly or down the chain of claims and
        // finishes after it), or loads `new` or a later buffer: our fence precedes, in the SeqCst
        // order, the claim's fence (a LIFO batch's, after its claim) or its SeqCst claim CAS and
        // SeqCst `buffer` load (a single claim's). That tells `retire` when `old` has no reader
        // left (DESIGN.md, "Reclamation").
        fence(Ordering::SeqCst);
        let now = Head::unpack(self.inner.ends.head.load(Ordering::Acquire));
        self.buffer.set(new);
        // SAFETY: `new` is allocated and now current.
        self.slots.set(unsafe { (*new).slots() });
        self.shrink_below.set(if capacity > self.inner.min_capacity { capacity / 4 } else { 0 });
        // SAFETY: we are the owner, `now` is our Acquire reading after the fence that follows the
        // store that replaced `old`, and `old` is retired once.
        unsafe { self.inner.reclaimer.retire(old, now) };
    }
}

/// `push_batch`'s slots written up to `back`; dropping it publishes them.
struct Publish<'a, T> {
    worker: &'a Worker<T>,
    back: u32,
}

impl<T> Drop for Publish<'_, T> {
    fn drop(&mut self) {
        // Release: publishes every slot written below `back` (and any buffer `reserve` installed)
        // to a thief's Acquire load of `back`, as `push`'s store does for one.
        self.worker.inner.ends.back.store(self.back, Ordering::Release);
    }
}

impl<T> fmt::Debug for Worker<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Worker").field("flavor", &self.inner.flavor).field("len", &self.len()).finish()
    }
}

/// A thief's handle on an unbounded deque: takes the oldest items.
///
/// Cheap to clone, `Send + Sync`. Outlives the [`Worker`] if need be: the items left in the deque
/// can still be stolen, and are dropped with the last handle.
///
/// ```
/// use filch_deque::{Steal, Worker};
///
/// let worker = Worker::new_fifo();
/// for i in 0..8 {
///     worker.push(i);
/// }
/// let stealer = worker.stealer();
/// let mine = Worker::new_fifo();
/// // Take half (at most 32) into our own deque, and one of them for us right away.
/// assert_eq!(stealer.steal_batch_and_pop(&mine), Steal::Success(0));
/// assert_eq!(mine.len(), 3);
/// assert_eq!(stealer.len(), 4);
/// ```
pub struct Stealer<T> {
    inner: Arc<Inner<T>>,
}

impl<T> Clone for Stealer<T> {
    fn clone(&self) -> Self {
        Stealer { inner: Arc::clone(&self.inner) }
    }
}

impl<T> fmt::Debug for Stealer<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Stealer").field("flavor", &self.inner.flavor).field("len", &self.len()).finish()
    }
}

/// Where a claimed item goes: handed to the caller, or pushed into the caller's deque.
struct Sink<'a, T> {
    dest: Option<&'a Worker<T>>,
    first: Option<T>,
    /// Keep the first item for the caller (`..._and_pop`).
    pop_one: bool,
}

impl<T> Sink<'_, T> {
    /// Moves the claimed items `start..end` out with `read`: the first to the caller when it keeps
    /// one, the rest into `dest` with one `push_batch` (one publishing store for the run).
    fn take_run(&mut self, start: u32, end: u32, read: impl Fn(u32) -> T) {
        let mut next = start;
        if self.pop_one || self.dest.is_none() {
            self.first = Some(read(next));
            next = next.wrapping_add(1);
        }
        let rest = end.wrapping_sub(next);
        if let Some(dest) = self.dest.filter(|_| rest > 0) {
            dest.push_batch((0..rest).map(|offset| read(next.wrapping_add(offset))));
        }
    }
}

impl<T> Stealer<T> {
    /// How many items the deque holds (a snapshot).
    pub fn len(&self) -> usize {
        self.inner.len()
    }

    /// True when [`len`](Stealer::len) is zero.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Steals the oldest item.
    ///
    /// `Retry` when another thief's steal is in flight or a race was lost.
    pub fn steal(&self) -> Steal<T> {
        let mut sink = Sink { dest: None, first: None, pop_one: true };
        with_first(self.steal_into(&mut sink, 1), &mut sink)
    }

    /// Steals about half the items (at most 32) into `dest`.
    pub fn steal_batch(&self, dest: &Worker<T>) -> Steal<()> {
        self.steal_batch_with_limit(dest, MAX_BATCH)
    }

    /// Steals about half the items, at most `limit`, into `dest`.
    ///
    /// Panics if `limit` is 0.
    pub fn steal_batch_with_limit(&self, dest: &Worker<T>, limit: usize) -> Steal<()> {
        assert!(limit >= 1, "filch-deque: steal_batch_with_limit: limit must be at least 1");
        let mut sink = Sink { dest: Some(dest), first: None, pop_one: false };
        self.steal_into(&mut sink, limit)
    }

    /// Steals about half the items (at most 32): returns the oldest, pushes the rest into `dest`.
    pub fn steal_batch_and_pop(&self, dest: &Worker<T>) -> Steal<T> {
        self.steal_batch_with_limit_and_pop(dest, MAX_BATCH)
    }

    /// Steals about half the items, at most `limit` in all: returns the oldest, pushes the rest
    /// into `dest`.
    ///
    /// Panics if `limit` is 0.
    pub fn steal_batch_with_limit_and_pop(&self, dest: &Worker<T>, limit: usize) -> Steal<T> {
        assert!(limit >= 1, "filch-deque: steal_batch_with_limit_and_pop: limit must be at least 1");
        let mut sink = Sink { dest: Some(dest), first: None, pop_one: true };
        with_first(self.steal_into(&mut sink, limit), &mut sink)
    }

    /// Claims up to `min(limit, ceil(len / 2))` items from the front and puts each into `sink`.
    ///
    /// One claim for the whole batch. FIFO: one CAS (the owner never takes from the back, so
    /// everything below the `back` we read stays ours to claim). LIFO: the owner pops at the back
    /// without a CAS, so a range claimed against a stale `back` could overlap its pops; a batch of
    /// two or more claims tentatively, then commits only what a second look at `back` shows is
    /// still there ([`claim_lifo_batch`](Stealer::claim_lifo_batch); DESIGN.md, "LIFO batches").
    fn steal_into(&self, sink: &mut Sink<'_, T>, limit: usize) -> Steal<()> {
        let inner = &*self.inner;
        // Acquire: pairs with the Release of the previous thief's `finish_steal`, so our claim
        // comes after its copies in happens-before (its slots may be rewritten once we move on).
        let head = Head::unpack(inner.ends.head.load(Ordering::Acquire));
        if !head.is_idle() {
            // Another thief is copying, or about to. Relaxed: only a hint between Empty and Retry.
            let back = inner.ends.back.load(Ordering::Relaxed);
            return if head.held_to(back) > 0 { Steal::Retry } else { Steal::Empty };
        }
        // A LIFO batch of two or more looks at `back` again after its claim, and that second look
        // decides what it takes, so its first look, which only sizes the batch, needs no fence.
        // Acquire: as below.
        let mut len = if inner.flavor.is_lifo() && limit > 1 {
            head.len_to(inner.ends.back.load(Ordering::Acquire))
        } else {
            0
        };
        if len < 3 {
            // Too few for such a batch (or not a LIFO batch): a claim decided by this look.
            // SeqCst fence (heavy barrier in the fence-free flavour): orders our `head` load before
            // our `back` load, against the owner's fence in `pop` between its `back` store and
            // `head` load (Lê et al. 2013, steal()).
            inner.thief_fence();
            // Acquire: pairs with the Release store of `back` in `push`: the slots below it (and
            // the buffer they were written to) are visible to us.
            len = head.len_to(inner.ends.back.load(Ordering::Acquire));
            if len <= 0 {
                return Steal::Empty;
            }
        }
        let batch = (limit.min(MAX_CAPACITY as usize) as u32).min((len as u32).div_ceil(2));
        let claimed = if inner.flavor.is_lifo() && batch > 1 {
            match self.claim_lifo_batch(head, batch) {
                Ok(claimed) => claimed,
                Err(outcome) => return outcome,
            }
        } else {
            let claimed = Head { steal: head.real, real: head.real.wrapping_add(batch) };
            if !inner.claim(head, claimed) {
                return Steal::Retry;
            }
            // Between the SeqCst claim CAS and the SeqCst `buffer` load below: their order is
            // what keeps a resize that misses this claim from freeing the buffer we load (a fence
            // under loom, nothing natively).
            seq_cst_access_order();
            claimed
        };
        // SeqCst (Acquire would do for the slots): pairs with the Release store in `resize`, so the
        // buffer we load holds the copied items; and with `resize`'s SeqCst fence before its
        // `head` load: a resize that misses our claim (a single claim's CAS is SeqCst) is
        // followed in the SeqCst order by this load, which then sees its buffer, so no buffer we
        // can load is freed before our finish (DESIGN.md, "Reclamation"). Loaded after `back`
        // (both readings of it, for a LIFO batch), so it is the buffer of the push we
        // synchronised with or a later one, and every resize since copied from `steal`, which
        // our claim holds at its first index.
        let buffer = inner.buffer.load(Ordering::SeqCst);
        // SAFETY: `take_run` reads each index of `claimed.steal..claimed.real` once. We claimed
        // them; the push that wrote each happens-before our Acquire load of `back`, `buffer` holds
        // it (loaded after `back`) and stays allocated until our finish (loaded after our claim;
        // reclaim.rs), and the owner does not write slots from `steal` on while our claim holds
        // `steal`.
        sink.take_run(claimed.steal, claimed.real, |index| unsafe { (*buffer).read(index) });
        inner.finish_steal(claimed);
        Steal::Success(())
    }

    /// A LIFO batch's claim: `head.real..+batch` tentatively, then a second look at `back`
    /// decides how much of it to commit. Returns the committed claim (at least one item), or the
    /// outcome when there is none.
    fn claim_lifo_batch(&self, head: Head, batch: u32) -> Result<Head, Steal<()>> {
        let inner = &*self.inner;
        let start = head.real;
        let mut claim = Head::tentative(start, start.wrapping_add(batch));
        // While tentative, only the owner's `pop_last` may change the word (cutting the claim
        // short); other thieves see a steal in flight.
        if !inner.claim(head, claim) {
            return Err(Steal::Retry);
        }
        // SeqCst fence (heavy barrier in the fence-free flavour): orders our claim before the
        // `back` load below, against the owner's fence in `pop` (store-load, both sides): an owner
        // pop whose `head` load misses the claim has its lowered `back` read below, and one that
        // sees the claim cuts it short with a CAS instead of taking an item inside it.
        inner.thief_fence();
        // Acquire: as the first load of `back`: it publishes the slots below it.
        let back = inner.ends.back.load(Ordering::Acquire);
        let below_back = (back.wrapping_sub(start) as i32).max(0) as u32;
        let committed = loop {
            let reach = claim.real.wrapping_sub(start).min(below_back);
            let committed = Head { steal: start, real: start.wrapping_add(reach) };
            // Relaxed: it only settles, against the owner's cutting CAS on the same word, how far
            // the claim reaches; the slots were published by the Acquire load of `back`, and our
            // reads are handed back by `finish_steal`'s Release.
            match inner.ends.head.compare_exchange(
                claim.pack(),
                committed.pack(),
                Ordering::Relaxed,
                Ordering::Relaxed,
            ) {
                Ok(_) => break committed,
                Err(now) => claim = Head::unpack(now),
            }
            if !claim.is_tentative() || claim.oldest() != start {
                // The owner popped the claim's first item, the last in the deque, and withdrew
                // the claim.
                return Err(Steal::Empty);
            }
        };
        if committed.is_idle() {
            // Our second look found the deque empty; the item at `start`, if the owner is
            // popping it, is still arbitrated by its last-item CAS on this word.
            return Err(Steal::Empty);
        }
        Ok(committed)
    }
}

/// The item a successful `..._and_pop` (or single) steal kept for the caller.
fn with_first<T>(outcome: Steal<()>, sink: &mut Sink<'_, T>) -> Steal<T> {
    match outcome {
        Steal::Success(()) => Steal::Success(sink.first.take().expect("a successful steal claims an item")),
        Steal::Empty => Steal::Empty,
        Steal::Retry => Steal::Retry,
    }
}

/// Rounds a requested capacity up to a power of two, at least 1; panics naming `call` past `2^30`.
fn round_capacity(capacity: usize, call: &str) -> u32 {
    assert!(capacity <= MAX_CAPACITY as usize, "filch-deque: {call}: capacity overflow (at most 2^30 items)");
    (capacity.max(1) as u32).next_power_of_two()
}

/// Twice `capacity`; panics naming `call` past `2^30`.
fn grown(capacity: u32, call: &str) -> u32 {
    assert!(capacity < MAX_CAPACITY, "filch-deque: {call}: capacity overflow (at most 2^30 items)");
    capacity * 2
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Sets `head` to `word` (single-threaded tests only).
    fn set_head(worker: &Worker<u32>, word: Head) {
        // Relaxed: single-threaded test.
        worker.inner.ends.head.store(word.pack(), Ordering::Relaxed);
    }

    fn head(worker: &Worker<u32>) -> Head {
        // Relaxed: single-threaded test.
        Head::unpack(worker.inner.ends.head.load(Ordering::Relaxed))
    }

    /// FIFO pops across `u32::MAX` must not let `real`'s wrap carry into `steal`: a carried word
    /// reads as a steal in flight for ever, and thieves would get `Retry` only.
    #[test]
    fn fifo_pops_across_the_wrap_leave_the_front_idle() {
        let worker = Worker::new_fifo();
        let stealer = worker.stealer();
        worker.push_batch([1, 2, 3]); // at u32::MAX - 1, u32::MAX, 0
        assert_eq!((worker.pop(), worker.pop()), (Some(1), Some(2)));
        assert_eq!(head(&worker), Head::idle_at(0));
        assert_eq!(stealer.steal(), Steal::Success(3));
    }

    /// A LIFO pop of the last item while a thief's committed claim below it is open takes the item
    /// without writing `head` (the thief's finish is a plain store of `idle_at(real)`) and leaves
    /// `back` at the popped index, so the deque reads empty once the thief finishes.
    #[test]
    fn a_lifo_pop_of_the_last_item_under_an_open_claim_leaves_the_word() {
        let worker = Worker::new_lifo();
        worker.push_batch([1, 2]); // at u32::MAX - 1 and u32::MAX
        let real = head(&worker).real;
        let claim = Head { steal: real, real: real.wrapping_add(1) }; // a thief copying item 1
        set_head(&worker, claim);
        assert_eq!(worker.pop(), Some(2));
        assert_eq!(head(&worker), claim, "the owner wrote the word under an open claim");
        assert_eq!(worker.pop(), None);
        set_head(&worker, Head::idle_at(claim.real)); // the thief's finish
        assert!(worker.is_empty());
        worker.push(3);
        assert_eq!(worker.pop(), Some(3));
        assert!(worker.is_empty());
    }

    /// A FIFO pop under an open claim (`steal..real`, its thief still copying) takes `real` and
    /// leaves `steal` where the claim put it.
    #[test]
    fn a_fifo_pop_under_an_open_claim_keeps_the_claims_steal() {
        let worker = Worker::new_fifo();
        worker.push_batch(0..8); // past the wrap from the third
        assert!((0..4).all(|_| worker.pop().is_some()));
        let real = head(&worker).real;
        set_head(&worker, Head { steal: real, real: real + 1 }); // a thief claimed `real`
        assert_eq!(worker.pop(), Some(5));
        assert_eq!(head(&worker), Head { steal: real, real: real + 2 });
        set_head(&worker, Head { steal: real, real: real + 4 }); // and claimed everything
        assert_eq!(worker.pop(), None);
        assert_eq!(head(&worker), Head { steal: real, real: real + 4 }, "an empty pop leaves the word");
    }
}
