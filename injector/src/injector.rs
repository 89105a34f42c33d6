//! The injector: an unbounded MPMC FIFO of linked blocks.

use core::fmt;
use core::marker::PhantomData;
use core::ptr::NonNull;

use filch_deque::Steal;
use filch_sync::atomic::{AtomicPtr, AtomicUsize, Ordering};
use filch_sync::{Backoff, CachePadded};

use crate::block::{Block, BLOCK_CAP, LAP};
use crate::cache::BlockCache;
use crate::reservation::Reservation;
use crate::stolen_run::StolenRun;
use crate::tail::{Claim, Tail};

/// How many items `steal_batch` and `steal_batch_and_pop` move at most.
pub const MAX_BATCH: usize = 32;

/// The head's word holds its position shifted left by this, and `HAS_NEXT` in the low bit.
const HEAD_SHIFT: u32 = 1;
/// In the head's word: the tail has left the head's block (every slot in it is claimed).
const HAS_NEXT: usize = 1;

/// The consumers' end of the queue: a position and the block it falls in.
///
/// A position counts `LAP` per block: offsets `0..BLOCK_CAP` are slots, offset `BLOCK_CAP` means
/// the block is fully claimed and the consumer that took its last slot is moving the head to the
/// next block. `index` is `position << HEAD_SHIFT | HAS_NEXT?`.
struct Head<T> {
    index: AtomicUsize,
    block: AtomicPtr<Block<T>>,
}

/// An unbounded lock-free multi-producer multi-consumer FIFO queue: the global queue of a
/// work-stealing scheduler.
///
/// Items pushed by one thread come out in the order that thread pushed them; every item comes out
/// exactly once. A `push` claims its slot with one fetch-and-add, consumers with one CAS (head and
/// tail live on separate cache lines); a claim may cover a whole run of slots (`push_batch`,
/// `steal_batch*`), and blocks are freed by their last reader without epochs, through a one-block
/// cache so a steady stream does not allocate. At most 65472 threads (4032 on targets narrower
/// than 64 bits) may be inside `push` or `push_batch` at the same moment (the tail word's offset
/// field; `DESIGN.md`).
///
/// ```
/// use filch_injector::{Injector, Steal};
///
/// let injector = Injector::new();
/// injector.push(1);
/// injector.push_batch([2, 3, 4]);
/// assert_eq!(injector.len(), 4);
/// assert_eq!(injector.steal(), Steal::Success(1));
///
/// let mut taken = Vec::new();
/// assert_eq!(injector.steal_batch_with_limit_into(2, |item| taken.push(item)), Steal::Success(2));
/// assert_eq!(taken, [2, 3]);
/// assert_eq!(injector.steal(), Steal::Success(4));
/// assert_eq!(injector.steal(), Steal::Empty);
/// ```
///
/// # Progress
/// A `push` away from a block end is wait-free (one fetch-and-add); other claims are lock-free (a
/// failed CAS means another thread's claim succeeded). Between its claim and its write, a producer
/// holds up the consumer that claimed the same slot, and the producer that takes a block's last
/// slot holds up the other producers until it links the next block; those waits spin briefly and then
/// yield the time slice, so a pre-empted producer costs waiting threads a yield loop, not a
/// full-speed spin. See `DESIGN.md` for why the injector waits rather than abandoning slots.
pub struct Injector<T> {
    head: CachePadded<Head<T>>,
    tail: CachePadded<Tail<T>>,
    cache: BlockCache<T>,
    _owns: PhantomData<T>,
}

// SAFETY: the injector moves `T`s between threads and never hands out references to them, so it is
// `Send` and `Sync` exactly when `T` is `Send`.
unsafe impl<T: Send> Send for Injector<T> {}
// SAFETY: as above; every shared access goes through the atomic claim protocol.
unsafe impl<T: Send> Sync for Injector<T> {}

/// Why a claim on the head took nothing.
#[derive(Clone, Copy)]
enum Miss {
    /// The queue was empty.
    Empty,
    /// Another consumer's claim won the race.
    Retry,
}

/// Why one claim attempt took nothing.
enum Lost {
    /// The head CAS failed: another consumer claimed first. Holds the word the CAS read.
    Race(usize),
    /// Empty, or a race reported at once (the head between blocks, or moved under an `Empty`).
    Miss(Miss),
}

/// How many lost head races `claim` retries, each from the word the failed CAS read and after a
/// growing spin, before it reports `Retry` (DESIGN.md, "A lost race backs off on a stale word").
const LOST_RACES_RETRIED: u32 = 256;

impl Miss {
    fn into_steal<U>(self) -> Steal<U> {
        match self {
            Miss::Empty => Steal::Empty,
            Miss::Retry => Steal::Retry,
        }
    }
}

/// Items before `position`, counting `BLOCK_CAP` per lap.
fn items_before(position: usize) -> usize {
    position / LAP * BLOCK_CAP + position % LAP
}

impl<T> Injector<T> {
    /// An empty injector (it allocates its first block).
    ///
    /// ```
    /// let injector = filch_injector::Injector::<u32>::new();
    /// assert!(injector.is_empty());
    /// ```
    pub fn new() -> Self {
        let cache = BlockCache::new();
        let first = cache.take();
        Injector {
            head: CachePadded::new(Head {
                index: AtomicUsize::new(0),
                block: AtomicPtr::new(first.as_ptr()),
            }),
            tail: CachePadded::new(Tail::new(first)),
            cache,
            _owns: PhantomData,
        }
    }

    /// Pushes `item` at the back.
    ///
    /// ```
    /// use filch_injector::{Injector, Steal};
    ///
    /// let injector = Injector::new();
    /// injector.push('a');
    /// assert_eq!(injector.steal(), Steal::Success('a'));
    /// ```
    pub fn push(&self, item: T) {
        let claim = self.tail.claim_one(&self.cache);
        // SAFETY: the claim moved the tail over slot `claim.start` of `claim.block`, so we are its
        // only producer, and it is unwritten, so its consumer has not released it: the block is live.
        unsafe { claim.block.as_ref().write(claim.start, item) };
    }

    /// Pushes every item of `items` at the back, in order, claiming as many slots at once as the
    /// iterator's `size_hint` promises (up to the end of the current block).
    ///
    /// The batch is not atomic: a concurrent consumer may take its first items before the rest
    /// are in. If the iterator panics, the items it already yielded stay in the queue.
    ///
    /// ```
    /// use filch_injector::{Injector, Steal};
    ///
    /// let injector = Injector::new();
    /// injector.push_batch(0..100);
    /// assert_eq!(injector.len(), 100);
    /// assert_eq!(injector.steal(), Steal::Success(0));
    /// ```
    pub fn push_batch(&self, items: impl IntoIterator<Item = T>) {
        let mut items = items.into_iter();
        // Reserve only once an item is in hand, so an empty iterator claims nothing.
        while let Some(first) = items.next() {
            let mut reservation = self.reserve(items.size_hint().0.saturating_add(1));
            reservation.fill(first);
            while reservation.remaining() > 0 {
                match items.next() {
                    Some(item) => reservation.fill(item),
                    // A lying `size_hint`: the reservation's drop skips the unfilled slots.
                    None => return,
                }
            }
        }
    }

    /// Claims between 1 and `wanted` slots at the tail, all in one block.
    fn reserve(&self, wanted: usize) -> Reservation<'_, T> {
        let claim = self.tail.claim(wanted, &self.cache);
        // SAFETY: the claim moved the tail over exactly `start..end` of `block`, none written yet.
        unsafe { Reservation::new(claim.block, claim.start, claim.end) }
    }

    /// Claims between 1 and `limit` slots at the head, all in one block, as a run that takes and
    /// releases them.
    #[inline]
    fn claim_run(&self, limit: usize) -> Result<StolenRun<'_, T>, Miss> {
        let claim = self.claim(limit)?;
        // SAFETY: our claim moved the head over exactly `claim.start..claim.end` of `claim.block`.
        Ok(unsafe { StolenRun::new(claim.block, claim.start, claim.end, &self.cache) })
    }

    /// Claims between 1 and `limit` slots at the head, all in one block. The caller takes every
    /// claimed slot (`Block::take`) and then releases them (`Block::release_run`).
    ///
    /// A lost head race is retried, up to `LOST_RACES_RETRIED` times, from the word the failed CAS
    /// read and after a spin that doubles each time: while another consumer keeps claiming, that
    /// word is stale when the spin ends, so the retry fails again and this consumer stays off the
    /// head's line. Contending consumers then take turns in long runs instead of alternating item
    /// by item, and the head's and the slots' cache lines move once per turn, not once per item
    /// (DESIGN.md, "A lost race backs off on a stale word").
    #[inline]
    fn claim(&self, limit: usize) -> Result<Claim<T>, Miss> {
        // Acquire: pairs with the Release store of the word in `advance_head`, so the block we
        // load in `claim_from` is this lap's or a later one.
        let mut word = self.head.index.load(Ordering::Acquire);
        let backoff = Backoff::new();
        let mut lost = 0;
        loop {
            match self.claim_from(word, limit) {
                Ok(claim) => return Ok(claim),
                Err(Lost::Race(current)) if lost < LOST_RACES_RETRIED => {
                    lost += 1;
                    // Under loom a spin is a yield, after which loom never returns a value this
                    // thread saw before it, so it would hide a stale `block` load below. The
                    // retries are bounded, so the model needs no yield here to end.
                    if !cfg!(loom) {
                        backoff.spin();
                    }
                    word = current;
                }
                Err(Lost::Race(_)) => return Err(Miss::Retry),
                Err(Lost::Miss(miss)) => return Err(miss),
            }
        }
    }

    /// One claim attempt from `word`, a value of the head word read with Acquire.
    #[inline]
    fn claim_from(&self, word: usize, limit: usize) -> Result<Claim<T>, Lost> {
        let head = word >> HEAD_SHIFT;
        let offset = head % LAP;
        if offset == BLOCK_CAP {
            // The consumer that took the block's last slot is moving the head to the next block:
            // a race lost to it, reported rather than waited out (after a pause, so a crowd of
            // consumers does not hammer the line the mover is about to write).
            Backoff::new().snooze();
            return Err(Lost::Miss(Miss::Retry));
        }
        // Acquire: pairs with the Release store of the block in `advance_head`. If the head has
        // moved on since `word`, this may be a later block than `word`'s; then the CAS below
        // fails, so a mismatched pair is never used.
        let block = self.head.block.load(Ordering::Acquire);
        let mut has_next = word & HAS_NEXT;
        let available = if has_next != 0 {
            // The tail has left this block, so every slot in it is claimed by a producer: no need
            // to read the tail (whose line the producers are busy with).
            BLOCK_CAP - offset
        } else {
            // SeqCst (inside): pairs with the producers' SeqCst claims in the single total order.
            // A caller that announces itself with a SeqCst store or RMW (or a Relaxed one and a
            // SeqCst fence, as filch-sleep's sleeper does) and then finds the queue Empty cannot
            // miss a push whose claim precedes that announcement's check for sleepers (DESIGN.md,
            // "Orderings").
            let (tail_block, tail_offset) = self.tail.block_and_offset();
            if tail_block == block {
                let tail_offset = tail_offset.min(BLOCK_CAP);
                if tail_offset <= offset {
                    // Empty only if `block` was still the head block when we read the tail: the
                    // head word did not move (DESIGN.md, "The consumer's view of the tail").
                    return Err(Lost::Miss(if self.head.index.load(Ordering::Relaxed) == word {
                        Miss::Empty
                    } else {
                        Miss::Retry
                    }));
                }
                tail_offset - offset
            } else {
                // The tail has left the head's block, so every slot in it is claimed.
                has_next = HAS_NEXT;
                BLOCK_CAP - offset
            }
        };
        let count = limit.min(available);
        let new_word = ((head + count) << HEAD_SHIFT) | has_next;
        // SeqCst: part of the total order with the producers' claims (see above); Acquire on
        // failure: the word read then starts the next attempt, as the Acquire load in `claim`
        // does (strong CAS: no spurious failure).
        match self.head.index.compare_exchange(word, new_word, Ordering::SeqCst, Ordering::Acquire) {
            Ok(_) => {
                // SAFETY: the head word did not move between our loads and the claim (positions
                // only grow), so `block` is this lap's block, and our claimed slots keep it alive.
                let block = unsafe { NonNull::new_unchecked(block) };
                if offset + count == BLOCK_CAP {
                    self.advance_head(block, head + count);
                }
                Ok(Claim { block, start: offset, end: offset + count })
            }
            Err(current) => Err(Lost::Race(current)),
        }
    }

    /// Moves the head from the fully claimed `block` (its position at `full`) to the next block.
    #[cold]
    #[inline(never)]
    fn advance_head(&self, block: NonNull<Block<T>>, full: usize) {
        // SAFETY: we claimed the block's last slot and have not taken it, so the block is live.
        let next = unsafe { block.as_ref() }.wait_next();
        // `next` is linked after the head (it cannot be freed before the head reaches it). If it
        // already has a successor, the tail has left it too: start its lap with `HAS_NEXT`.
        // SAFETY: as just said, `next` is live.
        let has_next = if unsafe { next.as_ref() }.has_next() { HAS_NEXT } else { 0 };
        // Release: consumers Acquire-load the word, then this pointer.
        self.head.block.store(next.as_ptr(), Ordering::Release);
        // Release: publishes the block store above to consumers' Acquire load of the word.
        self.head.index.store(((full + 1) << HEAD_SHIFT) | has_next, Ordering::Release);
    }

    /// Takes the item at the front.
    ///
    /// `Retry` means other consumers kept winning the race for it; the queue may hold more. A lost
    /// race is first retried after a short spin, up to 256 times, so that contending consumers
    /// take turns in runs instead of trading the head's cache line on every item.
    ///
    /// ```
    /// use filch_injector::{Injector, Steal};
    ///
    /// let injector = Injector::new();
    /// assert_eq!(injector.steal(), Steal::Empty);
    /// injector.push(5);
    /// assert_eq!(injector.steal(), Steal::Success(5));
    /// ```
    pub fn steal(&self) -> Steal<T> {
        // One slot, taken and released here rather than through a `StolenRun`: the single steal
        // is the hot path of a scheduler's injector, and this keeps it free of the run's loops.
        match self.claim(1) {
            Ok(claim) => {
                // SAFETY: our claim gave us slot `claim.start` of `claim.block`; not taken, and
                // not released until below.
                let item = unsafe { Block::take(claim.block, claim.start) };
                // SAFETY: we claimed one slot and took it just above; we do not touch the block
                // again. (`take` does not panic, so no slot is left unreleased on unwinding.)
                unsafe { Block::release_run(claim.block, 1, &self.cache) };
                // A slot that a short batch push skipped yields nothing: report the race.
                item.map_or(Steal::Retry, Steal::Success)
            }
            Err(miss) => miss.into_steal(),
        }
    }

    /// Takes up to `limit` items from the front and hands them to `sink` in FIFO order; returns how
    /// many it took. One claim per block: a batch that reaches the end of a block goes on into the
    /// next.
    ///
    /// This is the primitive behind the batch steals into a `filch_deque::Worker`; use it to move
    /// items into any other local structure.
    ///
    /// Panics if `limit` is 0. If `sink` panics, the items of the claimed run not yet handed over
    /// are dropped.
    ///
    /// ```
    /// use filch_injector::{Injector, Steal};
    ///
    /// let injector = Injector::new();
    /// injector.push_batch(1..=3);
    /// let mut local = Vec::new();
    /// assert_eq!(injector.steal_batch_with_limit_into(8, |item| local.push(item)), Steal::Success(3));
    /// assert_eq!(local, [1, 2, 3]);
    /// ```
    pub fn steal_batch_with_limit_into(&self, limit: usize, mut sink: impl FnMut(T)) -> Steal<usize> {
        assert!(limit >= 1, "filch-injector: steal_batch_with_limit_into: limit must be at least 1");
        self.steal_runs(limit, |run| run.for_each(&mut sink))
    }

    /// Takes up to `limit` items from the front: returns the first and hands the others to `sink`
    /// in FIFO order.
    ///
    /// Panics if `limit` is 0.
    ///
    /// ```
    /// use filch_injector::{Injector, Steal};
    ///
    /// let injector = Injector::new();
    /// injector.push_batch(1..=3);
    /// let mut local = Vec::new();
    /// assert_eq!(injector.steal_batch_with_limit_and_pop_into(8, |item| local.push(item)), Steal::Success(1));
    /// assert_eq!(local, [2, 3]);
    /// ```
    pub fn steal_batch_with_limit_and_pop_into(&self, limit: usize, mut sink: impl FnMut(T)) -> Steal<T> {
        assert!(limit >= 1, "filch-injector: steal_batch_with_limit_and_pop_into: limit must be at least 1");
        self.steal_runs_and_pop(limit, |run| run.for_each(&mut sink))
    }

    /// Claims up to `limit` slots from the front, one run per block (a run that reaches the end of
    /// a block goes on into the next), and hands each run to `take`, which must take all its
    /// items. Returns how many items the runs handed out.
    pub(crate) fn steal_runs(
        &self,
        limit: usize,
        mut take: impl FnMut(&mut StolenRun<'_, T>),
    ) -> Steal<usize> {
        let mut run = match self.claim_run(limit) {
            Ok(run) => run,
            Err(miss) => return miss.into_steal(),
        };
        let mut taken = 0;
        loop {
            let reaches_block_end = run.reaches_block_end();
            take(&mut run);
            taken += run.handed_out();
            if taken == limit || !reaches_block_end {
                break;
            }
            match self.claim_run(limit - taken) {
                Ok(next) => run = next,
                Err(_) => break,
            }
        }
        if taken == 0 {
            // Every slot we claimed was skipped by a short batch push.
            Steal::Retry
        } else {
            Steal::Success(taken)
        }
    }

    /// [`steal_runs`](Injector::steal_runs), returning the first item taken; `rest` takes the
    /// rest of each run.
    pub(crate) fn steal_runs_and_pop(
        &self,
        limit: usize,
        mut rest: impl FnMut(&mut StolenRun<'_, T>),
    ) -> Steal<T> {
        let mut first = None;
        let result = self.steal_runs(limit, |run| {
            if first.is_none() {
                first = run.next();
            }
            rest(run);
        });
        match (result, first) {
            (Steal::Success(_), Some(first)) => Steal::Success(first),
            (Steal::Success(_), None) => unreachable!("a successful batch hands over at least one item"),
            (Steal::Empty, _) => Steal::Empty,
            (Steal::Retry, _) => Steal::Retry,
        }
    }

    /// How many items the queue holds.
    ///
    /// Exact when no other thread is pushing or stealing; under races it is a value the queue held
    /// at some moment during the call (slots a short batch push skipped count until stolen).
    ///
    /// ```
    /// let injector = filch_injector::Injector::new();
    /// injector.push_batch(0..70);
    /// assert_eq!(injector.len(), 70);
    /// ```
    pub fn len(&self) -> usize {
        loop {
            // SeqCst: a consistent snapshot needs the loads in the total order with the claims;
            // the tail is re-read to check that it did not move while we read the head.
            let tail = self.tail.position();
            let head = self.head.index.load(Ordering::SeqCst) >> HEAD_SHIFT;
            if self.tail.position() == tail {
                return items_before(tail) - items_before(head);
            }
        }
    }

    /// True if the queue holds no item (at some moment during the call).
    ///
    /// ```
    /// let injector = filch_injector::Injector::new();
    /// assert!(injector.is_empty());
    /// injector.push(());
    /// assert!(!injector.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl<T> Default for Injector<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T> fmt::Debug for Injector<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Injector").field("len", &self.len()).finish_non_exhaustive()
    }
}

impl<T> Drop for Injector<T> {
    fn drop(&mut self) {
        // `&mut self`: every push and steal has returned, so every slot between head and tail is
        // written, and the blocks before the head block are already freed.
        let (tail_block, tail) = self.tail.owned_end();
        let mut position = self.head.index.load(Ordering::Relaxed) >> HEAD_SHIFT;
        let mut block = NonNull::new(self.head.block.load(Ordering::Relaxed)).expect("a head block");
        while position != tail {
            let offset = position % LAP;
            if offset == BLOCK_CAP {
                // SAFETY: every claim returned, so the filler linked the next block.
                let next = unsafe { block.as_ref() }.next_owned().expect("a full block is linked");
                // SAFETY: we own the injector; the block's values were dropped just before.
                unsafe { Block::deallocate(block) };
                block = next;
            } else {
                // SAFETY: `offset` lies between head and tail, so it was written and never taken;
                // we are the only thread left and drop each such value once.
                unsafe { Block::drop_value_owned(block, offset) };
            }
            position += 1;
        }
        debug_assert_eq!(block, tail_block, "filch-injector: internal: the walk ends at the tail block");
        // SAFETY: the tail block, now empty of values; the spare goes with the cache.
        unsafe { Block::deallocate(block) };
    }
}
