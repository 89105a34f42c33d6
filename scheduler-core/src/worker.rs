//! `Worker`: one worker's handle on the core — its deque, its LIFO slot, its idle loop, and
//! `find_task`.

use core::cell::{Cell, RefCell};
use core::fmt;
use core::mem::ManuallyDrop;

use filch_deque::{Steal, Worker as Deque};
use filch_injector::Injector;
use filch_sync::atomic::{fence, Ordering};
use filch_sync::{thread, Backoff};

use crate::registry::{CoreSleeper, Route};
use crate::statistics::WorkerCounters;
use crate::{Registry, StealPolicy, Task, VictimPolicy};

/// How many times a lost race on the injector (`Retry`) is retried before moving on to stealing.
const INJECTOR_RETRIES: u32 = 4;

/// Worker `index` of a [`Registry`]: the owner of one deque, and the `find_task` policy.
///
/// Not `Sync` and not `Send`: it belongs to the thread that took it with
/// [`Registry::worker`]. Dropping it gives the deque (and anything left in it, the LIFO slot's
/// task included) back to the registry.
///
/// Besides its deque a worker has a **LIFO slot** ([`push_lifo`](Worker::push_lifo)): one task
/// that only this worker can take, run next; and a **local queue**
/// ([`push_local`](Worker::push_local)), its inbox, which other workers take from only when they
/// would otherwise idle.
///
/// [`find_task`](Worker::find_task) looks, in order, at:
/// 0. the high-priority queue, unless this worker has just taken
///    [`high_priority_burst`](crate::CoreConfig::high_priority_burst) high-priority tasks in a
///    row (then it comes last, once);
/// 1. its inbox and the injector, every
///    [`injector_interval`](crate::CoreConfig::injector_interval)-th call (fairness for
///    submissions from elsewhere);
/// 2. the LIFO slot, unless it was taken
///    [`lifo_slot_limit`](crate::CoreConfig::lifo_slot_limit) times in a row: then the steps
///    below run first, and the slot's task goes onto the deque behind what they found;
/// 3. the own deque (newest first: the work-first order of a depth-first computation);
/// 4. its inbox ([`Registry::push_to`], [`push_local`](Worker::push_local)), one task;
/// 5. the injector, moving a batch into the own deque;
/// 6. unless the [`steal_policy`](crate::CoreConfig::steal_policy) is share-nothing, the
///    other workers' deques, in the order of the
///    [`victim_policy`](crate::CoreConfig::victim_policy), skipping those that look empty, and
///    stealing about half of a victim's tasks (oldest first, at most
///    [`steal_limit`](crate::CoreConfig::steal_limit)) into the own deque, for at most
///    [`steal_rounds`](crate::CoreConfig::steal_rounds) passes with a backoff between them;
/// 7. the high-priority queue, if step 0 skipped it;
/// 8. unless share-nothing, one task from another worker's inbox (its local queue): the last
///    look before idling.
///
/// [`wait_for_task`](Worker::wait_for_task) adds the last step: spin, yield, then sleep until
/// a push wakes it.
///
/// ```
/// use filch_scheduler_core::{CoreConfig, Registry, Task, Worker};
///
/// struct Noop;
/// impl Task for Noop {
///     fn run(self, _worker: &Worker<'_, Self>) {}
/// }
///
/// let registry = Registry::new(2, CoreConfig::default());
/// let owner = registry.worker(0);
/// let thief = registry.worker(1);
/// owner.push(Noop);
/// owner.push(Noop);
/// // The thief takes half of the owner's deque.
/// let stolen = thief.find_task().unwrap();
/// thief.execute(stolen);
/// assert_eq!(registry.statistics()[1].stolen, 1);
/// assert!(owner.find_task().is_some());
/// ```
pub struct Worker<'r, T> {
    registry: &'r Registry<T>,
    index: usize,
    /// Taken from the registry; given back in `drop`.
    deque: ManuallyDrop<Deque<T>>,
    /// The LIFO slot: the task pushed last with [`push_lifo`](Worker::push_lifo), which only
    /// this worker takes. Emptied into the deque on drop and into the injector on `retire`.
    lifo_slot: Cell<Option<T>>,
    /// Tasks taken from the LIFO slot in a row, for its limit.
    lifo_streak: Cell<u32>,
    /// Dropped by hand in `Drop`, before the deque goes back to the slot (see there).
    sleeper: ManuallyDrop<RefCell<CoreSleeper<'r>>>,
    counters: &'r WorkerCounters,
    /// Calls of `find_task`, for the injector interval.
    ticks: Cell<u32>,
    /// High-priority tasks taken in a row, for the anti-starvation rule.
    high_streak: Cell<u32>,
    /// xorshift state for picking the first victim ([`VictimPolicy::Random`]).
    random: Cell<u64>,
    /// Where the next sweep starts: after the last victim robbed ([`VictimPolicy::RoundRobin`]).
    cursor: Cell<usize>,
    /// The last `find_task` gave up on a queue where it lost races (`Retry`: another thief was
    /// copying out of it, or won the claim) rather than finding every queue empty: an idle
    /// worker looks again instead of sleeping ([`look_before_idling`](Worker::look_before_idling)).
    lost_race: Cell<bool>,
    /// Whether this worker has idled in the sleep protocol (searched, or announced sleep) since
    /// it took its slot: only then can a wake-up meant for any worker have fallen to it, which
    /// [`retire`](Worker::retire) then passes on.
    idled: Cell<bool>,
}

/// What one pass over the victims came to.
enum Pass<T> {
    Found(T),
    /// Every victim looked at was empty: no point in another pass.
    Nothing,
    /// A steal lost a race (or the chosen victim emptied): another pass may find work.
    LostARace,
}

impl<'r, T> Worker<'r, T> {
    pub(crate) fn new(
        registry: &'r Registry<T>,
        index: usize,
        deque: Deque<T>,
        sleeper: CoreSleeper<'r>,
        counters: &'r WorkerCounters,
    ) -> Self {
        // Any odd seed that differs per worker; xorshift must not start at 0.
        let seed = (index as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
        Self {
            registry,
            index,
            deque: ManuallyDrop::new(deque),
            lifo_slot: Cell::new(None),
            lifo_streak: Cell::new(0),
            sleeper: ManuallyDrop::new(RefCell::new(sleeper)),
            counters,
            ticks: Cell::new(0),
            high_streak: Cell::new(0),
            random: Cell::new(seed),
            cursor: Cell::new((index + 1) % registry.stealers().len()),
            lost_race: Cell::new(false),
            idled: Cell::new(false),
        }
    }

    /// This worker's index in its registry.
    pub fn index(&self) -> usize {
        self.index
    }

    /// The registry this worker belongs to.
    pub fn registry(&self) -> &'r Registry<T> {
        self.registry
    }

    /// Pushes `task` onto this worker's deque, and wakes a sleeping worker to steal it if
    /// nobody is searching (not under [`StealPolicy::ShareNothing`], where nobody would).
    ///
    /// The wake-up is a cheap hint (one relaxed load when nobody is asleep): a wake-up it misses
    /// costs parallelism, never progress, since this worker runs its own deque, unless the
    /// caller then blocks until `task` has run. Submit such a task with
    /// [`Registry::push`], whose wake-up is never lost.
    pub fn push(&self, task: T) {
        self.deque.push(task);
        self.wake_hint();
    }

    /// Wakes a sleeping worker if nobody is searching, to steal what was just pushed (not under
    /// [`StealPolicy::ShareNothing`], where nobody would). A hint: see [`push`](Worker::push).
    fn wake_hint(&self) {
        if self.registry.config().steal_policy == StealPolicy::ShareNothing {
            return;
        }
        let (sleepy, searching) = self.registry.sleep().sleepy_and_searching();
        if sleepy > 0 && searching == 0 {
            self.registry.sleep().notify_one();
        }
    }

    /// Puts `task` into this worker's LIFO slot, where only this worker takes it, and next
    /// (see step 2 on [`Worker`]). A task already in the slot moves onto the deque, where it is
    /// stealable, with [`push`](Worker::push)'s wake-up hint. With a
    /// [`lifo_slot_limit`](crate::CoreConfig::lifo_slot_limit) of 0 this is `push`.
    ///
    /// The slot suits a task that should run soon and where it was made (a message handled
    /// after the task that sent it, data still in this core's cache). The cost: while this
    /// worker runs a long task, the task in its slot waits, even if other workers are idle.
    ///
    /// ```
    /// use filch_scheduler_core::{CoreConfig, Registry, Task, Worker};
    ///
    /// struct Named(&'static str);
    /// impl Task for Named {
    ///     fn run(self, _worker: &Worker<'_, Self>) {}
    /// }
    ///
    /// let registry = Registry::new(2, CoreConfig::default());
    /// let owner = registry.worker(0);
    /// let thief = registry.worker(1);
    /// owner.push_lifo(Named("first"));
    /// owner.push_lifo(Named("second")); // "first" moves onto the deque
    /// assert_eq!(thief.find_task().unwrap().0, "first"); // the slot cannot be stolen
    /// assert_eq!(owner.find_task().unwrap().0, "second");
    /// ```
    pub fn push_lifo(&self, task: T) {
        if self.registry.config().lifo_slot_limit == 0 {
            return self.push(task);
        }
        if let Some(previous) = self.lifo_slot.replace(Some(task)) {
            self.push(previous);
        }
    }

    /// Puts `task` into this worker's local queue (its inbox, the queue
    /// [`Registry::push_to`] fills): this worker takes it after its own deque; other workers
    /// take it only as their last look before idling (never under
    /// [`StealPolicy::ShareNothing`]). Like [`push`](Worker::push) it wakes a sleeping worker
    /// when nobody is searching, as a hint only: this worker is awake and looks at its local
    /// queue before it sleeps, so the task never waits for a wake-up.
    ///
    /// Call it from the thread that owns this worker while it runs (not after
    /// [`retire`](Worker::retire)).
    ///
    /// ```
    /// use filch_scheduler_core::{CoreConfig, Registry, Task, Worker};
    ///
    /// struct Named(&'static str);
    /// impl Task for Named {
    ///     fn run(self, _worker: &Worker<'_, Self>) {}
    /// }
    ///
    /// let registry = Registry::new(2, CoreConfig::default());
    /// let owner = registry.worker(0);
    /// let thief = registry.worker(1);
    /// owner.push_local(Named("local"));
    /// owner.push(Named("stealable"));
    /// // A thief takes the stealable task first, the local one only when nothing else is left.
    /// assert_eq!(thief.find_task().unwrap().0, "stealable");
    /// assert_eq!(thief.find_task().unwrap().0, "local");
    /// ```
    pub fn push_local(&self, task: T) {
        self.registry.open(Route::Inboxes);
        // No fence and no `retired` check (unlike `Registry::push_to`): we are the owner, awake,
        // and not retired; our own `find_task` (before any sleep) and `retire` come after this
        // push in program order, so one of them takes the task.
        self.registry.inboxes()[self.index].push(task);
        self.wake_hint();
    }

    /// Pops this worker's newest task from its deque, without looking anywhere else (not even
    /// the LIFO slot).
    pub fn pop(&self) -> Option<T> {
        self.deque.pop()
    }

    /// Looks for a task without blocking, in the order given on [`Worker`].
    pub fn find_task(&self) -> Option<T> {
        self.lost_race.set(false);
        let ticks = self.ticks.get().wrapping_add(1);
        self.ticks.set(ticks);
        if self.high_streak.get() < self.registry.config().high_priority_burst {
            if let Some(task) = self.take_high() {
                self.lifo_streak.set(0);
                return Some(task);
            }
        }
        // Normal work's turn, whether or not high-priority tasks are waiting.
        self.high_streak.set(0);
        if ticks % self.registry.config().injector_interval == 0 {
            if let Some(task) = self.take_from_inbox().or_else(|| self.take_from_injector()) {
                self.lifo_streak.set(0);
                return Some(task);
            }
        }
        if let Some(task) = self.lifo_slot.take() {
            let streak = self.lifo_streak.get();
            if streak < self.registry.config().lifo_slot_limit {
                self.lifo_streak.set(streak + 1);
                return Some(task);
            }
            // The slot had its turns: whatever else is queued goes first, and the slot's task
            // goes onto the deque (stealable) behind it. Pushed after the search, not before: on
            // a LIFO deque it would otherwise be the search's first find.
            self.lifo_streak.set(0);
            return match self.find_queued() {
                Some(other) => {
                    self.push(task);
                    Some(other)
                }
                None => Some(task),
            };
        }
        self.lifo_streak.set(0);
        self.find_queued()
    }

    /// Steps 3 to 8 of the order on [`Worker`]: everything but the slot and the periodic checks.
    fn find_queued(&self) -> Option<T> {
        self.deque
            .pop()
            .or_else(|| self.take_from_inbox())
            .or_else(|| self.take_from_injector())
            .or_else(|| self.steal())
            .or_else(|| self.take_high())
            .or_else(|| self.steal_from_inboxes())
    }

    /// Blocks until it finds a task (spinning, yielding, then sleeping), or returns `None` once
    /// the registry is [shut down](Registry::shut_down), or at once when this worker is retiring
    /// (its index is at or above [`Registry::num_workers`] after a
    /// [`resize`](Registry::resize)); a retiring worker then calls [`retire`](Worker::retire).
    pub fn wait_for_task(&self) -> Option<T> {
        if self.is_retiring() {
            return None;
        }
        if let Some(task) = self.find_task() {
            return Some(task);
        }
        let registry = self.registry;
        self.idle_until(|| registry.is_shut_down() || self.is_retiring())
    }

    /// Idles in the sleep protocol (searching with [`look_before_idling`](Worker::look_before_idling),
    /// then sleeping) until it finds a task or `stop()` holds, and notes that this worker idled
    /// (`idled`, which `retire` reads). The sleeper is borrowed only while idling, never while a
    /// task runs (tasks may help in turn).
    fn idle_until(&self, stop: impl FnMut() -> bool) -> Option<T> {
        self.idled.set(true);
        self.sleeper.borrow_mut().idle_until(stop, || self.look_before_idling())
    }

    /// [`find_task`](Worker::find_task) as an idle worker's look for work, in its search and in
    /// its final check before sleeping: repeated, yielding in between, while it came back empty
    /// only because steals lost races. Such a `find_task` saw work it could not take; a worker
    /// that slept on it could be left asleep beside that work, since the thief that held the
    /// victim wakes nobody for what it leaves behind. A lost race means another worker is in
    /// the middle of a claim or has just made one, so the repeats end.
    fn look_before_idling(&self) -> Option<T> {
        loop {
            let found = self.find_task();
            if found.is_some() || !self.lost_race.get() {
                return found;
            }
            thread::yield_now();
        }
    }

    /// Whether a [`resize`](Registry::resize) has taken this worker's index out of the pool
    /// (always true for a guest, whose index is above every worker's).
    pub fn is_retiring(&self) -> bool {
        self.index >= self.registry.num_workers()
    }

    /// Retires this worker: marks it retired, so that tasks sent to its index from now on go to
    /// the injector, and hands everything it holds (its LIFO slot, its deque and its inbox, the
    /// local queue included) on to the injector, waking a worker for it. Call it once
    /// [`wait_for_task`](Worker::wait_for_task) has returned `None` because the worker
    /// [is retiring](Worker::is_retiring), then drop the `Worker`; a later
    /// [`Registry::worker`] for the same index starts it again. A guest
    /// ([`Registry::guest`]) calls it when it leaves.
    pub fn retire(&self) {
        self.registry.set_retired(self.index, true);
        // SeqCst fence: orders the store of `retired` above before our drain of the inbox below,
        // against the fence in `Registry::push_to` between its push and its load of `retired`
        // (store-load both sides): a task pushed to us is drained here, or its pusher sees us
        // retired and hands it on itself.
        fence(Ordering::SeqCst);
        let injector = self.registry.injector();
        let mut handed_on = false;
        if let Some(task) = self.lifo_slot.take() {
            injector.push(task);
            handed_on = true;
        }
        while let Some(task) = self.deque.pop() {
            injector.push(task);
            handed_on = true;
        }
        handed_on |= self.registry.move_inbox_to_injector(self.index);
        // A fenced `notify_one` (its fence orders the pushes above before its look at the
        // sleepers): a worker is woken for the tasks just handed on, and, if this worker idled,
        // for any wake-up that fell to it on its way out (a push's `notify_one` may have claimed
        // it, and it leaves without looking further). A worker that never idled was never a
        // searcher or sleepy, so no notifier counted on it: a guest that ran its closure without
        // waiting leaves without waking anyone.
        if handed_on || self.idled.get() {
            self.registry.sleep().notify_one();
        }
    }

    /// Runs tasks it finds until `done()` holds, sleeping when there are none; `done`'s setter
    /// wakes this worker with a targeted notify (as a [`filch_sleep::Latch`] does).
    pub fn help_until(&self, mut done: impl FnMut() -> bool)
    where
        T: Task,
    {
        loop {
            if done() {
                return;
            }
            if let Some(task) = self.find_task() {
                self.execute(task);
                continue;
            }
            match self.idle_until(&mut done) {
                Some(task) => self.execute(task),
                None => return,
            }
        }
    }

    /// Runs `task` on this worker and counts it as executed.
    pub fn execute(&self, task: T)
    where
        T: Task,
    {
        WorkerCounters::bump_owned(&self.counters.executed);
        task.run(self);
    }

    /// The worker loop: runs tasks until the registry is shut down.
    pub fn run(&self)
    where
        T: Task,
    {
        while let Some(task) = self.wait_for_task() {
            self.execute(task);
        }
    }

    /// Takes a batch from the injector: returns one task, moves the rest into the own deque.
    fn take_from_injector(&self) -> Option<T> {
        let limit = self.registry.config().steal_limit;
        for _ in 0..INJECTOR_RETRIES {
            match self.registry.injector().steal_batch_with_limit_and_pop(&self.deque, limit) {
                Steal::Success(task) => {
                    self.wake_for_rest_of_batch();
                    return Some(task);
                }
                Steal::Empty => return None,
                Steal::Retry => {}
            }
        }
        self.lost_race.set(true);
        None
    }

    /// After a batch moved into this worker's deque: if tasks are left there besides the one
    /// about to run, wakes a sleeping worker for them (not under
    /// [`StealPolicy::ShareNothing`], where nobody else would take them).
    ///
    /// A full notify, not [`push`](Worker::push)'s hint: the batch took those tasks out of a
    /// queue where others could see them, and where each was pushed with its own wake-up, which
    /// this worker used up by finding them. Another worker may have looked a moment before they
    /// landed here and gone to sleep; if the task this worker runs then blocks until one of the
    /// others runs (two tasks meeting at a barrier), only this wake-up ends the wait.
    fn wake_for_rest_of_batch(&self) {
        if self.registry.config().steal_policy != StealPolicy::ShareNothing && !self.deque.is_empty() {
            // Its SeqCst fence orders the batch's publication in our deque before the load of
            // the sleep state, against the fence in the sleeper's `prepare` (store-load both
            // sides): a worker that announced sleep too early to see the tasks is woken.
            self.registry.sleep().notify_one();
        }
    }

    /// Takes one high-priority task, counting it towards the burst.
    fn take_high(&self) -> Option<T> {
        if !self.registry.is_open(Route::High) {
            return None;
        }
        let task = self.take_one(self.registry.high())?;
        self.high_streak.set(self.high_streak.get() + 1);
        Some(task)
    }

    /// Takes one task from this worker's inbox. One, not a batch: what was sent to this worker
    /// stays out of the stealable deque.
    fn take_from_inbox(&self) -> Option<T> {
        if !self.registry.is_open(Route::Inboxes) {
            return None;
        }
        self.take_one(&self.registry.inboxes()[self.index])
    }

    /// Steals about half of some victim's deque into the own deque and returns one of its tasks:
    /// at most `steal_rounds` passes, with a backoff between them, each pass trying victims in
    /// the order the [`VictimPolicy`] gives.
    fn steal(&self) -> Option<T> {
        let workers = self.registry.stealers().len();
        if workers == 1 || self.registry.config().steal_policy == StealPolicy::ShareNothing {
            return None;
        }
        let backoff = Backoff::new();
        for round in 0..self.registry.config().steal_rounds {
            if round > 0 {
                backoff.spin();
            }
            let pass = match self.registry.config().victim_policy {
                VictimPolicy::Random => self.sweep(self.next_random() as usize % workers),
                VictimPolicy::RoundRobin => self.sweep(self.cursor.get()),
                VictimPolicy::LargestQueue => self.steal_from_largest(),
            };
            match pass {
                Pass::Found(task) => return Some(task),
                Pass::Nothing => return None,
                Pass::LostARace => {}
            }
        }
        self.lost_race.set(true);
        None
    }

    /// The last resort before idling: one task from another worker's inbox (sent there by index,
    /// or kept local with `push_local`), so the pool does not idle while such work waits.
    fn steal_from_inboxes(&self) -> Option<T> {
        if !self.registry.is_open(Route::Inboxes)
            || self.registry.config().steal_policy == StealPolicy::ShareNothing
        {
            return None;
        }
        let inboxes = self.registry.inboxes();
        (1..inboxes.len()).map(|offset| (self.index + offset) % inboxes.len()).find_map(|victim| {
            let inbox = &inboxes[victim];
            if inbox.is_empty() {
                return None;
            }
            WorkerCounters::bump_owned(&self.counters.steal_attempts);
            let task = self.take_one(inbox);
            let counter = if task.is_some() { &self.counters.stolen } else { &self.counters.failed_steals };
            WorkerCounters::bump_owned(counter);
            task
        })
    }

    /// One pass over every other worker from `start` on, skipping those that look empty.
    fn sweep(&self, start: usize) -> Pass<T> {
        let stealers = self.registry.stealers();
        let workers = stealers.len();
        let mut outcome = Pass::Nothing;
        for offset in 0..workers {
            let victim = (start + offset) % workers;
            // A look at the victim's length costs two loads; a steal attempt costs a fence (a
            // process-wide barrier in the fence-free flavour), so idle searchers do not spend
            // it on empty deques. A stale "empty" only skips the victim for this pass: the
            // victim runs its own tasks anyway, so no task is stranded by it.
            if victim == self.index || stealers[victim].is_empty() {
                continue;
            }
            match self.steal_from(victim) {
                Pass::Found(task) => return Pass::Found(task),
                Pass::LostARace => outcome = Pass::LostARace,
                Pass::Nothing => {}
            }
        }
        outcome
    }

    /// One pass of [`VictimPolicy::LargestQueue`]: steal from the longest deque, if any.
    fn steal_from_largest(&self) -> Pass<T> {
        let stealers = self.registry.stealers();
        let largest = (0..stealers.len())
            .filter(|&victim| victim != self.index)
            .map(|victim| (stealers[victim].len(), victim))
            .max();
        match largest {
            Some((len, victim)) if len > 0 => match self.steal_from(victim) {
                // The longest deque was emptied under us: others are stealing, look again.
                Pass::Nothing => Pass::LostARace,
                pass => pass,
            },
            _ => Pass::Nothing,
        }
    }

    /// One steal attempt on `victim`, counted.
    fn steal_from(&self, victim: usize) -> Pass<T> {
        WorkerCounters::bump_owned(&self.counters.steal_attempts);
        let limit = self.registry.config().steal_limit;
        match self.registry.stealers()[victim].steal_batch_with_limit_and_pop(&self.deque, limit) {
            Steal::Success(task) => {
                WorkerCounters::bump_owned(&self.counters.stolen);
                self.wake_for_rest_of_batch();
                // The next round-robin sweep starts after this victim.
                self.cursor.set((victim + 1) % self.registry.stealers().len());
                Pass::Found(task)
            }
            Steal::Empty => {
                WorkerCounters::bump_owned(&self.counters.failed_steals);
                Pass::Nothing
            }
            Steal::Retry => {
                WorkerCounters::bump_owned(&self.counters.failed_steals);
                Pass::LostARace
            }
        }
    }

    /// One task from an injector-shaped queue, retrying a few lost races (then noting them).
    fn take_one(&self, queue: &Injector<T>) -> Option<T> {
        if queue.is_empty() {
            return None;
        }
        for _ in 0..INJECTOR_RETRIES {
            match queue.steal() {
                Steal::Success(task) => return Some(task),
                Steal::Empty => return None,
                Steal::Retry => {}
            }
        }
        self.lost_race.set(true);
        None
    }

    fn next_random(&self) -> u64 {
        let mut x = self.random.get();
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.random.set(x);
        x
    }
}

impl<T> Drop for Worker<'_, T> {
    fn drop(&mut self) {
        // The slot's task goes back with the deque, so the registry drops or hands it on once.
        if let Some(task) = self.lifo_slot.take() {
            self.deque.push(task);
        }
        // The sleep slot first: the deque going back frees the worker slot, and whoever takes
        // it next (a guest of `install_in_place` at once) takes this sleep slot too; released
        // after the deque, as a field drop would, it could still be held then ("already has a
        // live Sleeper", seen under TSan and in `a_guest_slot_passes_from_caller_to_caller_whole`).
        // SAFETY: `sleeper` is dropped exactly once, here, and never used again.
        unsafe { ManuallyDrop::drop(&mut self.sleeper) };
        // SAFETY: `deque` is taken exactly once, here, and never used again.
        let deque = unsafe { ManuallyDrop::take(&mut self.deque) };
        self.registry.return_deque(self.index, deque);
    }
}

impl<T> fmt::Debug for Worker<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let slot = self.lifo_slot.take();
        let slotted = slot.is_some();
        self.lifo_slot.set(slot);
        f.debug_struct("Worker")
            .field("index", &self.index)
            .field("queued", &self.deque.len())
            .field("lifo_slot", &slotted)
            .finish()
    }
}
