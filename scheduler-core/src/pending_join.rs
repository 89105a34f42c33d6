//! `PendingJoin`: a join whose first half is running, on its thread's stack of pending joins —
//! the bookkeeping behind `join`'s lazy publication of its second half.
//!
//! # Why lazy
//! An eager `join` pushes `B` on the deque and pops it back: on the native backend that is most
//! of a fine-grained join's cost (the deque's fence and atomics, the wake hint), paid on every
//! join although almost no `B` is ever stolen. Heartbeat scheduling (Acar, Charguéraud, Guatto,
//! Rainey, Sieczkowski, PLDI 2018) keeps `B` private and makes only some joins stealable: the
//! *oldest* pending one on a thread, because it stands for the most work. Here a join links a
//! `PendingJoin` (in its own stack frame, no allocation) on a per-thread intrusive stack; nothing
//! is shared until the join decides to publish, and then it publishes the oldest unpublished
//! frame by pushing its `JobRef` on the worker's deque, exactly as the eager join pushes its own.
//! Thieves, latches and `help_until` are unchanged: a published frame is an eager join from then
//! on.
//!
//! # The stack
//! Per thread: `newest` (top) and `oldest_unpublished`. Each frame knows its `older` neighbour
//! (set when linked) and its `newer` one (set when one is linked above it, cleared when that one
//! unlinks), so the published frames form a bottom prefix and the unpublished ones the rest:
//! publishing takes `oldest_unpublished`'s job and advances the pointer to its `newer`; linking
//! a frame with nothing unpublished makes it the oldest unpublished; unlinking the top frame
//! clears `oldest_unpublished` if it pointed there. A thread-local (const-initialised `Cell`s, no
//! destructor) rather than a field of the worker context: the join already runs on its worker
//! thread, and a thread is a worker of at most one pool at a time (`run_as_current` asserts it),
//! so one stack per OS thread is one stack per worker and no frame can be seen by another pool.
//! The model backends never touch it (`join` takes the eager path there, where all model
//! threads share one OS thread).
//!
//! # Invariants
//! 1. A linked frame is live: it is borrowed by the [`Linked`] guard that links it, whose drop
//!    unlinks it on every path (`A` is run under `catch_unwind` anyway), and guards nest with the
//!    call stack, so frames unlink in LIFO order and the top frame is always the one unlinking.
//! 2. Published frames are a bottom prefix. Linking adds an unpublished frame on top; publishing
//!    takes the oldest unpublished; unlinking removes the top. So when a frame unlinks, it was
//!    published exactly when `oldest_unpublished` is not it (then it is null): no flag needed.
//! 3. Within a thread, jobs are published in stack order (older frame first), so a published
//!    frame that pops at its end finds its own job or something older than it, or an unrelated
//!    job its `A` left behind (a spawn), which the eager join already handles by running it.
//!
//! # Helping
//! A published join whose `B` was stolen runs other jobs (`help_until`) while it waits. Those
//! jobs are separate tasks; they run inside a [`Segment`]: the frames below are hidden (all of
//! them are published, by invariant 2, since the waiting frame was), so the helper's own joins
//! start a fresh stack whose bottom frame is a *segment root*, and restore the stack when done.
//! A segment root is published at once (on a pool with more than one worker): it is the oldest,
//! biggest piece of a task, one push per task rather than per join, and it keeps the common
//! pattern "the first join of a job offers its second half" (`ThreadPool::join`, a stolen job's
//! own first join) as reliable as the eager join was.
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
//! At join entry, after linking, and only on a pool of more than one worker:
//! - the frame is a segment root: publish it (above);
//! - else if the sleep counts show a sleepy or searching worker (one relaxed load of a word
//!   that changes only when workers go idle or are woken) and this worker's deque looks empty
//!   (nothing of ours already waits for a thief): publish the oldest unpublished frame. A thief
//!   that arrives while this worker is busy is served at its next join entry; a sleeping one is
//!   woken by the push's usual wake hint. With every worker busy the fast path is that one load
//!   and a branch.
//!
//! A counter-driven publication (every N-th join, as heartbeat scheduling does with a timer)
//! was measured and left out: it costs about 3 instructions per join on the fast path
//! (callgrind, fib, every 64th join), and what it buys — work already queued when a thief
//! arrives — the hunger check delivers one join later. Neither rule helps an `a` that blocks
//! waiting for `b` without joining again; `join`'s documentation says so.

use core::cell::Cell;
use core::ptr;

use crate::job_ref::JobRef;

/// One thread's stack of pending joins.
struct Stack {
    /// The top frame (null: no join pending in the current segment).
    newest: Cell<*const PendingJoin>,
    /// The oldest frame whose job is not published (null: all published, or none linked).
    oldest_unpublished: Cell<*const PendingJoin>,
}

std::thread_local! {
    static STACK: Stack = const {
        Stack { newest: Cell::new(ptr::null()), oldest_unpublished: Cell::new(ptr::null()) }
    };
}

/// A join whose `A` is running: its `B` as a queue item until published, and its neighbours on
/// the thread's stack. Lives in `join`'s frame; [`link`](PendingJoin::link) puts it on the stack.
pub(crate) struct PendingJoin {
    /// `B`, until it is published (taken and pushed on the deque).
    job: Cell<Option<JobRef>>,
    older: Cell<*const PendingJoin>,
    newer: Cell<*const PendingJoin>,
}

impl PendingJoin {
    /// A frame for `job`, not yet linked.
    #[inline]
    pub(crate) fn new(job: JobRef) -> Self {
        Self { job: Cell::new(Some(job)), older: Cell::new(ptr::null()), newer: Cell::new(ptr::null()) }
    }

    /// Links this frame on top of the current thread's stack until the guard drops.
    #[inline]
    pub(crate) fn link(&self) -> Linked<'_> {
        let this = ptr::from_ref(self);
        STACK.with(|stack| {
            let older = stack.newest.get();
            self.older.set(older);
            // SAFETY: a linked frame is live (invariant 1: its guard is further down this thread's
            // call stack); only shared references to frames exist, and we write through a `Cell`.
            if let Some(older) = unsafe { older.as_ref() } {
                older.newer.set(this);
            }
            stack.newest.set(this);
            if stack.oldest_unpublished.get().is_null() {
                stack.oldest_unpublished.set(this);
            }
        });
        Linked { frame: self }
    }
}

/// A [`PendingJoin`] linked on the current thread's stack; dropping it unlinks the frame.
pub(crate) struct Linked<'a> {
    frame: &'a PendingJoin,
}

impl Linked<'_> {
    /// Whether this frame is the bottom of the current segment: the first join of a task.
    #[inline]
    pub(crate) fn is_segment_root(&self) -> bool {
        self.frame.older.get().is_null()
    }

    /// Takes the job of the oldest unpublished frame on this thread's stack (this one, or one
    /// below it in the segment), for the caller to push; `None` if every frame is published.
    pub(crate) fn take_oldest_unpublished(&self) -> Option<JobRef> {
        STACK.with(|stack| {
            // SAFETY: a linked frame is live (invariant 1); shared references and `Cell`s only.
            let oldest = unsafe { stack.oldest_unpublished.get().as_ref() }?;
            stack.oldest_unpublished.set(oldest.newer.get());
            oldest.job.take()
        })
    }

    /// Unlinks the frame and says whether its job was published meanwhile.
    #[inline]
    pub(crate) fn unlink(self) -> bool {
        // This frame is the top (invariant 1), so it is unpublished exactly when some frame is
        // (invariant 2).
        let published = STACK.with(|stack| stack.oldest_unpublished.get().is_null());
        drop(self);
        published
    }
}

impl Drop for Linked<'_> {
    #[inline]
    fn drop(&mut self) {
        let this = ptr::from_ref(self.frame);
        STACK.with(|stack| {
            debug_assert!(
                ptr::eq(stack.newest.get(), this),
                "filch-scheduler-core: join: pending joins unlinked out of order"
            );
            let older = self.frame.older.get();
            stack.newest.set(older);
            // SAFETY: a linked frame is live (invariant 1); shared references and `Cell`s only.
            if let Some(older) = unsafe { older.as_ref() } {
                older.newer.set(ptr::null());
            }
            if ptr::eq(stack.oldest_unpublished.get(), this) {
                stack.oldest_unpublished.set(ptr::null());
            }
        });
    }
}

/// While it lives, the current thread's pending joins are hidden and its joins start a fresh
/// stack (see "Helping" above); dropping it restores them.
pub(crate) struct Segment {
    newest: *const PendingJoin,
    oldest_unpublished: *const PendingJoin,
}

impl Segment {
    /// Starts a fresh segment.
    pub(crate) fn start() -> Self {
        STACK.with(|stack| Self {
            newest: stack.newest.replace(ptr::null()),
            oldest_unpublished: stack.oldest_unpublished.replace(ptr::null()),
        })
    }
}

impl Drop for Segment {
    fn drop(&mut self) {
        STACK.with(|stack| {
            debug_assert!(
                stack.newest.get().is_null(),
                "filch-scheduler-core: join: a segment ended with joins still pending"
            );
            stack.newest.set(self.newest);
            stack.oldest_unpublished.set(self.oldest_unpublished);
        });
    }
}
