//! `PendingJoins`: a worker's stack of joins whose first half is running — the bookkeeping behind
//! `join`'s lazy publication of its second half.
//!
//! # Why lazy
//! An eager `join` pushes `B` on the deque and pops it back: on the native backend that is most
//! of a fine-grained join's cost (the deque's fence and atomics, the wake hint), paid on every
//! join although almost no `B` is ever stolen. Heartbeat scheduling (Acar, Charguéraud, Guatto,
//! Rainey, Sieczkowski, PLDI 2018) keeps `B` private and makes only some joins stealable: the
//! *oldest* pending one on a thread, because it stands for the most work. Here a join records
//! the `JobRef` of its `B` (whose `StackJob` stays in the join's frame, no allocation) on its
//! worker's stack of pending joins; nothing is shared until a join decides to publish, and then it
//! publishes the oldest unpublished job by pushing it on the worker's deque, exactly as the eager
//! join pushes its own.
//! Thieves, latches and `help_until` are unchanged: a published frame is an eager join from then
//! on.
//!
//! # The stack
//! An array of the first [`RECORDED`] pending jobs by depth, and three counts: `depth` (pending
//! joins linked, also those past the array), `published` (the jobs below it are published, or
//! hidden by a segment) and `base` (the bottom of the current segment). Linking stores the job at
//! `depth` and bumps it; publishing takes the job at `published` and bumps that; unlinking the top
//! frame sets `depth` to its index and lowers `published` to it if it was above. A join deeper
//! than `RECORDED` is never published, so a stack of more than 64 joins whose 64 oldest are all
//! published offers no more work until those end: parallelism lost in a pathological shape,
//! never correctness. Slots at or above `depth` keep stale jobs that nothing reads. The stack is
//! a field of the worker's `WorkerThread`, which only its own thread touches (`Cell`s): the join
//! already has it in hand, so there is no thread-local lookup. The model backends never touch it
//! (`join` takes the eager path there).
//!
//! # Invariants
//! 1. A linked frame is live: it is borrowed by the [`Linked`] guard that links it, whose drop
//!    unlinks it on every path (`A` is run under `catch_unwind` anyway), and guards nest with the
//!    call stack, so frames unlink in LIFO order and the top frame is always the one unlinking.
//! 2. Published frames are a bottom prefix (`..published`). Linking adds an unpublished frame on
//!    top; publishing takes the oldest unpublished; unlinking removes the top. So a frame was
//!    published exactly when its index is below `published`: no flag needed.
//! 3. Within a thread, jobs are published in stack order (older frame first), so a published
//!    frame that pops at its end finds its own job or something older than it, or an unrelated
//!    job its `A` left behind (a spawn), which the eager join already handles by running it.
//!
//! # Helping
//! A published join whose `B` was stolen runs other jobs (`help_until`) while it waits. Those
//! jobs are separate tasks; they run inside a [`Segment`]: the frames below are hidden (all of
//! them are published, by invariant 2, since the waiting frame was: `published == depth`), so the
//! helper's own joins start a fresh segment above them whose bottom frame is a *segment root*, and
//! the old `base` comes back when it ends.
//! A segment root is published at once (on a pool with more than one worker, and unless two or
//! more workers are idle and this one published within the publication interval): it is the
//! oldest, biggest piece of a task, one push per task rather than per join, and it keeps the common
//! pattern "the first join of a job offers its second half" (`ThreadPool::join`, a stolen job's
//! own first join) as reliable as the eager join was. A published `B` that nobody took is popped
//! back and runs in the fresh segment its join starts for waiting, so its own first join is a
//! segment root again: with no thief about, a tree's right spine is offered level by level
//! (about ten pushes for a 1023-node tree). Measured on two workers with one blocked (callgrind,
//! 1000 such trees per task): running the popped-back `B` in its frame's segment, not offered
//! again, saved 1.8% of the pool's instructions, so it was left as it is.
//!
//! A scope's owner also helps while it waits, without a segment: the jobs it runs link frames
//! above frames of the scope's caller that may still be unpublished. Publishing one of those
//! from up there is sound: the frame is live (its `A` is below us on this very stack, inside the
//! scope), its job goes on this worker's deque like any other, and the order argument of
//! invariant 3 holds because the lower frame is older and is published first. Should a join above
//! pop that lower `B` (its own having been taken), it runs it through its `JobRef` as a thief
//! would, setting its latch, and the lower frame finds the latch set when it gets there.
//!
//! # When to publish (`join::offer_oldest`)
//! At the entry of a linked join (see "Plain joins" below), and only on a pool of more than one
//! worker:
//! - the frame is a segment root: publish it (above);
//! - else if the sleep counts show a sleepy or searching worker (one relaxed load of a word
//!   that changes only when workers go idle or are woken) and this worker's deque looks empty
//!   (nothing of ours already waits for a thief): publish the oldest unpublished frame. A thief
//!   that arrives while this worker is busy is served at its next join entry; a sleeping one is
//!   woken by the push's usual wake hint. With every worker busy the fast path is that one load
//!   and a branch.
//!
//! Either way, while two or more workers are idle, the publication happens only if this worker
//! published nothing in the last `CoreConfig::publish_interval` (`PendingJoins::publication_due`,
//! `publication_clock.rs`; the crate's `DESIGN.md`, "Publication interval", has the
//! measurements): the time-driven half of heartbeat scheduling.
//!
//! A counter-driven publication (every N-th join, as heartbeat scheduling does with a timer)
//! was measured and left out: it costs about 3 instructions per join on the fast path
//! (callgrind, fib, every 64th join), and what it buys — work already queued when a thief
//! arrives — the hunger check delivers one join later. Neither rule helps an `a` that blocks
//! waiting for `b` without joining again; `join`'s documentation says so.
//!
//! # Plain joins
//! Linking, the hunger check and unlinking cost about 20 instructions per join over a plain
//! call of `a` then `b` (callgrind, fib(20) to fib(22) on a pool of two workers, the other one
//! blocked in a task: 42.4 per call with every join linked, 22.3 with plain joins, sequential
//! 9.5), which made fine-grained recursion on two workers slower than sequential code. Only the
//! oldest frames are ever published, so the young ones need not be linked: once
//! `LINKED_BEFORE_PLAIN` (3) frames are linked in the current segment, linking a frame grants a
//! budget of `PLAIN_PER_LINKED` (63) plain joins (`join` asks `PendingJoins::take_plain` before
//! anything else); the join after them links again and can publish. A plain join's `b` never
//! leaves the thread. That costs parallelism only in shapes whose work lies below levels with
//! trivial `b`s (a thief is served the oldest linked frame, and a trivial one serves it
//! nothing), the kind of shape `RECORDED` gives up on too. A linked join that finds exactly one
//! worker idle withdraws the budget it just granted (`join::offer_to_idle`), so the idle worker
//! is served at the next join rather than up to 63 joins later: in coarse-grained work that wait
//! was long (a quicksort's joins are partitions apart). The budget is cleared when a segment
//! starts or ends and when the segment's root frame unlinks, so every task (also one run while a
//! join waits) links its joins until three are pending, as the first must (a segment root is
//! published). It is kept when a frame above the root unlinks. An unpublished frame unlinks
//! before its `b` runs inline, and clearing the budget there (the rule before 2026-11-24) made
//! every right child near the top of a tree link again: on two workers a 1023-node tree linked
//! about 130 joins instead of about 30, and 1000 such trees per `install` took 1.84-2.08x the
//! sequential time against 1.61-1.66x now (scratch probe, ten alternating processes each). Such
//! a `b` runs its first joins plain on what budget is left; what it leaves unpublished meanwhile
//! is offered by the next linked join, at most 64 joins later. A scope's owner helps without a
//! segment (above): a task it runs starts with what budget is left, so its first joins may run
//! plain, and the join after at most 63 of them links. The idea is chili's (Rust, heartbeat
//! scheduling: a job is queued only while fewer than three are, or on every 64th join).

use core::cell::Cell;
use std::time::Duration;

use crate::job_ref::JobRef;
use crate::publication_clock::PublicationClock;

/// How many pending joins per worker are recorded, so can be published (the oldest ones).
pub(crate) const RECORDED: usize = 64;

/// With this many frames linked in the current segment, joins above them may run as plain calls.
const LINKED_BEFORE_PLAIN: usize = 3;

/// How many plain joins follow each join linked at or above [`LINKED_BEFORE_PLAIN`].
const PLAIN_PER_LINKED: u32 = 63;

/// One worker's stack of pending joins (see the module documentation).
pub(crate) struct PendingJoins {
    /// The jobs of the recorded frames by depth; `published..depth` hold unpublished ones.
    jobs: [Cell<Option<JobRef>>; RECORDED],
    /// Frames linked, including those past `RECORDED`.
    depth: Cell<usize>,
    /// The frames below this index are published (or below the current segment).
    published: Cell<usize>,
    /// The index of the current segment's root.
    base: Cell<usize>,
    /// How many of the next joins may run as plain calls, linking nothing (see "Plain joins").
    plain_left: Cell<u32>,
    /// When this worker may publish again (see "When to publish").
    clock: PublicationClock,
}

impl PendingJoins {
    /// An empty stack.
    pub(crate) fn new() -> Self {
        Self {
            jobs: [const { Cell::new(None) }; RECORDED],
            depth: Cell::new(0),
            published: Cell::new(0),
            base: Cell::new(0),
            plain_left: Cell::new(0),
            clock: PublicationClock::new(),
        }
    }

    /// Whether this worker may publish now, `interval` after its last publication, and if so
    /// counts now as its last one ([`PublicationClock::due`]).
    pub(crate) fn publication_due(&self, interval: Duration) -> bool {
        self.clock.due(interval)
    }

    /// Whether the join starting now may run as two plain calls, and counts it if so.
    #[inline]
    pub(crate) fn take_plain(&self) -> bool {
        let left = self.plain_left.get();
        if left == 0 {
            return false;
        }
        self.plain_left.set(left - 1);
        true
    }

    /// Links a frame whose unpublished `B` is `job` on top of the stack until the guard drops.
    #[inline]
    pub(crate) fn link(&self, job: JobRef) -> Linked<'_> {
        let index = self.depth.get();
        if let Some(slot) = self.jobs.get(index) {
            slot.set(Some(job));
        }
        self.depth.set(index + 1);
        if index + 1 >= self.base.get() + LINKED_BEFORE_PLAIN {
            self.plain_left.set(PLAIN_PER_LINKED);
        }
        Linked { stack: self, index }
    }

    /// Makes the joins that follow link (until the next grant), however much plain budget is left.
    pub(crate) fn withdraw_plain_budget(&self) {
        self.plain_left.set(0);
    }

    /// Starts a fresh segment (see "Helping" above); dropping the guard ends it.
    pub(crate) fn start_segment(&self) -> Segment<'_> {
        let depth = self.depth.get();
        debug_assert_eq!(
            self.published.get(),
            depth,
            "filch-scheduler-core: join: a segment starts above an unpublished join"
        );
        self.plain_left.set(0);
        Segment { stack: self, base: self.base.replace(depth) }
    }
}

/// A frame linked on its worker's stack; dropping it unlinks the frame.
pub(crate) struct Linked<'a> {
    stack: &'a PendingJoins,
    index: usize,
}

impl Linked<'_> {
    /// Whether this frame is the bottom of the current segment: the first join of a task.
    #[inline]
    pub(crate) fn is_segment_root(&self) -> bool {
        self.index == self.stack.base.get()
    }

    /// Takes the job of the oldest unpublished frame in this segment (this one, or one below it),
    /// for the caller to push; `None` if every recorded frame is published.
    pub(crate) fn take_oldest_unpublished(&self) -> Option<JobRef> {
        let stack = self.stack;
        let oldest = stack.published.get();
        if oldest >= stack.depth.get() {
            return None;
        }
        let job = stack.jobs.get(oldest)?.take();
        stack.published.set(oldest + 1);
        job
    }

    /// Unlinks the frame and says whether its job was published meanwhile.
    #[inline]
    pub(crate) fn unlink(self) -> bool {
        // Invariant 2: published exactly when below `published`.
        self.index < self.stack.published.get()
    }
}

impl Drop for Linked<'_> {
    #[inline]
    fn drop(&mut self) {
        let stack = self.stack;
        debug_assert_eq!(
            stack.depth.get(),
            self.index + 1,
            "filch-scheduler-core: join: pending joins unlinked out of order"
        );
        stack.depth.set(self.index);
        if stack.published.get() > self.index {
            stack.published.set(self.index);
        }
        if self.index == stack.base.get() {
            // The task has no join pending: its next join is a segment root, and links.
            stack.plain_left.set(0);
        }
    }
}

/// While it lives, the worker's pending joins are hidden and its joins start a fresh segment
/// (see "Helping" above); dropping it restores the segment below.
pub(crate) struct Segment<'a> {
    stack: &'a PendingJoins,
    /// The base of the segment below.
    base: usize,
}

impl Drop for Segment<'_> {
    fn drop(&mut self) {
        debug_assert_eq!(
            self.stack.depth.get(),
            self.stack.base.get(),
            "filch-scheduler-core: join: a segment ended with joins still pending"
        );
        self.stack.base.set(self.base);
        self.stack.plain_left.set(0);
    }
}

#[cfg(test)]
mod tests {
    use core::ptr::NonNull;

    use super::*;
    use crate::worker_thread::WorkerThread;

    /// Never runs: the tests only move job references around.
    unsafe fn never(_: NonNull<()>, _: &WorkerThread<'_>) {
        unreachable!("a test job ran");
    }

    /// A job whose pointer says which frame it belongs to (never dereferenced).
    fn job(frame: &u8) -> JobRef {
        // SAFETY: the job is never executed.
        unsafe { JobRef::new(NonNull::from(frame).cast(), never) }
    }

    fn is(job: Option<JobRef>, frame: &u8) -> bool {
        job.is_some_and(|job| job.is(NonNull::from(frame).cast()))
    }

    #[test]
    fn the_oldest_frames_are_published_first_and_unlinking_reports_it() {
        let frames = [0u8; 3];
        let stack = PendingJoins::new();
        let bottom = stack.link(job(&frames[0]));
        let middle = stack.link(job(&frames[1]));
        assert!(bottom.is_segment_root() && !middle.is_segment_root());
        assert!(is(middle.take_oldest_unpublished(), &frames[0]), "the bottom frame goes first");
        let top = stack.link(job(&frames[2]));
        assert!(is(top.take_oldest_unpublished(), &frames[1]));
        assert!(!top.unlink(), "the top frame was never published");
        assert!(middle.unlink() && bottom.unlink());
        // Everything unlinked: a new frame is the root again, and unpublished.
        let again = stack.link(job(&frames[2]));
        assert!(again.is_segment_root());
        assert!(is(again.take_oldest_unpublished(), &frames[2]));
        assert!(again.take_oldest_unpublished().is_none(), "nothing left to publish");
    }

    #[test]
    fn frames_past_the_recorded_depth_are_never_published() {
        let frames = [0u8; RECORDED + 2];
        let stack = PendingJoins::new();
        let mut linked: Vec<_> = frames.iter().map(|frame| stack.link(job(frame))).collect();
        for frame in &frames[..RECORDED] {
            assert!(is(linked[0].take_oldest_unpublished(), frame));
        }
        assert!(linked.last().unwrap().take_oldest_unpublished().is_none());
        while let Some(top) = linked.pop() {
            assert_eq!(top.unlink(), linked.len() < RECORDED, "frame {}", linked.len());
        }
    }

    #[test]
    fn three_linked_frames_let_the_next_sixty_three_joins_run_plain() {
        let frames = [0u8; 4];
        let stack = PendingJoins::new();
        let bottom = stack.link(job(&frames[0]));
        let middle = stack.link(job(&frames[1]));
        assert!(!stack.take_plain(), "two linked frames: every join links");
        let third = stack.link(job(&frames[2]));
        for taken in 0..PLAIN_PER_LINKED {
            assert!(stack.take_plain(), "plain join {taken}");
        }
        assert!(!stack.take_plain(), "the 64th join links again");
        let fourth = stack.link(job(&frames[3]));
        assert!(stack.take_plain(), "a frame linked above three grants a new budget");
        assert!(!fourth.unlink());
        assert!(stack.take_plain(), "unlinking above the third frame keeps the budget");
        assert!(!third.unlink() && !middle.unlink());
        assert!(stack.take_plain(), "unlinking above the segment root keeps the budget");
        assert!(!bottom.unlink());
        assert!(!stack.take_plain(), "the root unlinked: the task's next join links");
    }

    #[test]
    fn a_segment_starts_and_ends_without_plain_joins() {
        let frames = [0u8; 4];
        let stack = PendingJoins::new();
        let linked: Vec<_> = frames[..3].iter().map(|frame| stack.link(job(frame))).collect();
        while linked[2].take_oldest_unpublished().is_some() {}
        assert!(stack.take_plain());
        {
            let _segment = stack.start_segment();
            assert!(!stack.take_plain(), "a helped task's first join links (its segment root)");
            let root = stack.link(job(&frames[3]));
            assert!(root.is_segment_root() && !stack.take_plain());
            assert!(!root.unlink());
        }
        assert!(!stack.take_plain(), "the segment below starts over");
        assert!(linked.into_iter().rev().all(Linked::unlink), "all three were published");
    }

    #[test]
    fn a_segment_hides_the_frames_below_and_gives_them_back() {
        let frames = [0u8; 3];
        let stack = PendingJoins::new();
        let waiting = stack.link(job(&frames[0]));
        assert!(is(waiting.take_oldest_unpublished(), &frames[0]));
        {
            let _segment = stack.start_segment();
            let helper = stack.link(job(&frames[1]));
            assert!(helper.is_segment_root(), "a helped task's first join is a segment root");
            assert!(is(helper.take_oldest_unpublished(), &frames[1]), "not the hidden frame below");
            assert!(helper.unlink());
        }
        assert!(waiting.is_segment_root(), "the old segment is back");
        let above = stack.link(job(&frames[2]));
        assert!(is(above.take_oldest_unpublished(), &frames[2]));
        assert!(above.unlink() && waiting.unlink());
    }
}
