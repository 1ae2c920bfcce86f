// A timed work queue keyed by string: our race-free take on upstream's TimedWorkerQueue (docs/behaviour.md §3).
// One cohesive state machine (per key: scheduled → running → done, with a pending update or a cancel
// remembered during a run), kept in one file on purpose.
//
// Upstream kept a map key → worker where "running" was a nil placeholder; an update that arrived while
// an immediate eviction was in flight dereferenced it and panicked (issue #130940). Here every entry is
// in an explicit state, `scheduled` or `running{token}`, and every operation says what it does in each
// state. Differences from upstream that matter:
// - ONE clock timer for the whole queue, armed to the earliest due entry of a binary heap, instead of
//   one timer (and goroutine) per key: a taint that makes 10k pods due at once must not wake 10k timers.
// - Bounded concurrency: at most `concurrency` runs in flight; due entries beyond that wait in due order.
// - A failed run is retried with per-key exponential backoff until it succeeds or is cancelled.
// - A run's completion only touches the entry when the stored entry still carries the run's token, so a
//   replacement added after a cancel survives the stale completion
//   (upstream TestRunningWorkerCompletionDoesNotRemoveReplacement).
// - At most one run per key is in flight: a replacement that becomes due while a cancelled run of the
//   same key is still in flight waits for that run to finish (two concurrent DELETEs of one pod would be
//   exactly the double work the queue exists to prevent).
//
// The guarantee that makes a cancelled decision never execute (upstream re-reads `deletePodAt` under its
// lock when a work item runs; we have no lock, so it is built into the queue's shape):
// - `upsert` and `cancel` never start a run. They only record the newest intent and ask for a pump, which
//   runs later, in its own macrotask (`defer`, setImmediate by default). Everything that arrives before
//   then — the rest of an op batch, every other batch already received by the thread, every other event
//   of the same watch chunk on the main thread — is applied first, so a run starts only from the *latest*
//   intent. A schedule followed by a cancel in one burst never runs; a transient earlier time that a
//   later, later-dated schedule corrects never runs either. Timer wake-ups pump through `defer` too.
// - A run learns, through `RunInfo.isCurrent()`, whether the intent it carries is still the newest for
//   its key (not cancelled, not replaced by a later fire time). The executor checks it right before its
//   first write, after its last await: a cheap, lock-free, synchronous check in the thread that owns the
//   key. A run that finds itself stale resolves `'superseded'`: nothing was written, nothing is counted,
//   and the newest intent (if any) is scheduled as if the run had never started.

import { type BackoffOptions, DEFAULT_BACKOFF, ItemExponentialBackoff } from '../shared/backoff.js';
import type { Clock, TimerHandle } from '../shared/clock.js';
import { type Slots, unboundedSlots } from '../shared/sharedSlots.js';
import { type Admission, HOLD_FOR_FENCE, START, type ThrottleLimit } from './admission.js';
import { MinHeap, NOT_IN_HEAP, type TimedNode } from './minHeap.js';

/** What a run learns about itself. */
export interface RunInfo {
  readonly key: string;
  /** The fire time the caller asked for (not the retry time): eviction latency is measured from it. */
  readonly fireAt: number;
  /** 1 for the first attempt, +1 per retry. */
  readonly attempt: number;
  /** Identity of this run; unique within the queue. */
  readonly token: number;
  /**
   * True while this run's intent is still the newest for its key: the key was not cancelled and no
   * update moved its fire time past now. Check it right before the first side effect.
   */
  isCurrent(): boolean;
}

/**
 * Resolves when the work succeeded, or with `'superseded'` when it found `info.isCurrent()` false
 * before doing anything; rejects to have it retried with backoff.
 */
export type RunFunction<P> = (payload: P, info: RunInfo) => Promise<RunResult>;

/** Nothing (done) or `'superseded'` (the run did nothing because its intent was stale). */
// biome-ignore lint/suspicious/noConfusingVoidType: `void` lets a run that returns nothing (an async function) mean "done".
export type RunResult = void | 'superseded';

export interface RunFailure<P> {
  readonly key: string;
  readonly payload: P;
  readonly fireAt: number;
  readonly attempt: number;
  readonly error: unknown;
  /** When the next attempt is due, or `null` when there is none because the entry was cancelled meanwhile. */
  readonly retryAt: number | null;
  readonly retryDelayMs: number | null;
}

export interface TimedQueueOptions<P> {
  readonly clock: Clock;
  readonly run: RunFunction<P>;
  /** Upper bound on runs in flight at once (≥ 1). */
  readonly concurrency: number;
  readonly backoff?: BackoffOptions;
  /** Observes failed runs (for logging); must not throw, and must not assume the queue is idle. */
  readonly onRunFailed?: (failure: RunFailure<P>) => void;
  /**
   * Runs the pump later, in a macrotask of its own (default `setImmediate`): see the header. Tests in
   * virtual time may pass a hand-driven deferral.
   */
  readonly defer?: (fn: () => void) => void;
  /**
   * The least delay a failed run asks for before its retry (e.g. the server's Retry-After), or `null`.
   * The retry waits for the longer of this and the backoff.
   */
  readonly minRetryDelayMs?: (error: unknown) => number | null;
  /**
   * Whether runs may start now (e.g. this process holds a valid leader lease). While false, due
   * entries stay queued and the queue looks again every `blockedRecheckMs`. Shorthand for an `admit`
   * that holds or starts.
   */
  readonly canStart?: () => boolean;
  /**
   * The brakes a due entry passes before it starts (see src/workers/admission.ts): start it; hold
   * every start for now (looked at again every `blockedRecheckMs`); delay every start until a time
   * (`global`); or delay this entry alone (`rule`: it is rescheduled, keeping its fire time).
   * `dueSince`: the entry's fire time, or when this queue learned of it if that was later (what a
   * breaker reset releases is told apart by it). `attempt` is 1 for the first run of the entry's work,
   * more for a retry after a failed run.
   */
  readonly admit?: (dueSince: number, payload: P, now: number, attempt: number) => Admission;
  /** Told when a brake starts or stops holding this queue back (for logs and metrics). */
  readonly onBrake?: (event: BrakeEvent) => void;
  readonly blockedRecheckMs?: number;
  /**
   * A bound on runs in flight shared with other queues (other worker threads): every run holds one slot
   * for its whole duration, on top of this queue's own `concurrency`. Default: unbounded.
   */
  readonly slots?: Slots;
}

/** A brake that started or stopped holding the queue back. */
export type BrakeEvent =
  | { readonly kind: 'throttled'; readonly limit: ThrottleLimit }
  | { readonly kind: 'unthrottled'; readonly limit: ThrottleLimit }
  | { readonly kind: 'held'; readonly why: 'fence' | 'breaker'; readonly opened: boolean }
  | { readonly kind: 'released'; readonly why: 'fence' | 'breaker' };

/** What `upsert` did. */
export type UpsertResult =
  /** The key was absent: a new entry was scheduled. */
  | 'added'
  /** A scheduled entry moved to the new fire time. */
  | 'rescheduled'
  /** A scheduled entry already had this fire time; only its payload was replaced. */
  | 'unchanged'
  /** A run is in flight: the intent is remembered and applied when the run finishes. */
  | 'deferred';

export type EntryView<P> =
  | {
      readonly state: 'scheduled';
      readonly key: string;
      readonly fireAt: number;
      /** When the next attempt may start: the fire time, or later while backing off after failures. */
      readonly dueAt: number;
      /** Failed attempts so far. */
      readonly failures: number;
      readonly payload: P;
      /** Due, but a cancelled run of the same key is still in flight. */
      readonly waitingForStaleRun: boolean;
    }
  | {
      readonly state: 'running';
      readonly key: string;
      readonly fireAt: number;
      readonly attempt: number;
      readonly token: number;
      readonly payload: P;
      /** Fire time of an update that arrived during the run, or `null`. */
      readonly pendingFireAt: number | null;
    };

export interface TimedQueueStats {
  /** Entries waiting for their due time (including retries and ones waiting for a stale run). */
  readonly scheduled: number;
  /** Runs in flight, including cancelled ones that have not finished yet. */
  readonly running: number;
  /** Scheduled entries with at least one failed attempt. */
  readonly retrying: number;
  /** Due entries a rate limit holds back right now. */
  readonly throttled: number;
  /** Entries that started later than they were due because of a rate limit, since start, by limit. */
  readonly throttledTotal: { readonly global: number; readonly rule: number };
  /** Whether the breaker (or the write fence) holds every start right now. */
  readonly held: 'fence' | 'breaker' | null;
  readonly succeededRuns: number;
  readonly failedRuns: number;
  /** Runs that found their intent stale before doing anything. */
  readonly supersededRuns: number;
}

interface Intent<P> {
  readonly fireAt: number;
  readonly payload: P;
}

interface ScheduledEntry<P> extends TimedNode {
  readonly state: 'scheduled';
  readonly key: string;
  fireAt: number;
  /** Earliest start allowed by the backoff; -Infinity when the entry has not failed. */
  readonly notBefore: number;
  readonly failures: number;
  payload: P;
  /** Popped as due while a cancelled run of the same key was in flight; not in the heap meanwhile. */
  waitingForStaleRun: boolean;
  /** A per-rule rate limit moved `dueAt` past the fire time. */
  ruleThrottled: boolean;
  /** When this queue learned of the current fire time (its clock). */
  knownAt: number;
}

interface RunningEntry<P> {
  readonly state: 'running';
  readonly key: string;
  readonly token: number;
  readonly fireAt: number;
  readonly payload: P;
  readonly attempt: number;
  /** The newest update that arrived while running. */
  pending: Intent<P> | null;
  /** Gives back what the admission took for this start (see Admission), if the run does nothing. */
  readonly undoAdmission: (() => void) | null;
}

type Entry<P> = ScheduledEntry<P> | RunningEntry<P>;

interface DrainWaiter {
  readonly resolve: (finished: boolean) => void;
  timer: TimerHandle | null;
}

export class TimedQueue<P> {
  private readonly clock: Clock;
  private readonly run: RunFunction<P>;
  private concurrency: number;
  private readonly onRunFailed: ((failure: RunFailure<P>) => void) | undefined;
  private readonly backoff: ItemExponentialBackoff;
  private readonly defer: (fn: () => void) => void;
  private readonly minRetryDelayMs: ((error: unknown) => number | null) | undefined;
  private readonly admit: (dueSince: number, payload: P, now: number, attempt: number) => Admission;
  private readonly onBrake: ((event: BrakeEvent) => void) | undefined;
  private readonly blockedRecheckMs: number;
  private pumpRequested = false;
  /** Why every start is held right now (looked at again every `blockedRecheckMs`), or null. */
  private held: 'fence' | 'breaker' | null = null;
  /** While a global rate limit holds every start: when the next token comes; else null. */
  private globalThrottledUntil: number | null = null;
  /** The last time the global rate limit held starts back (for counting who waited). */
  private lastGlobalThrottleAt = Number.NEGATIVE_INFINITY;
  private ruleThrottledCount = 0;
  private readonly throttledTotal = { global: 0, rule: 0 };
  private readonly slots: Slots;
  /** Waiting to be told that another queue freed a shared slot. */
  private waitingForSlot = false;

  /** The current intent per key. A cancelled run is not here any more, only in `tokenInFlight`. */
  private readonly entries = new Map<string, Entry<P>>();
  private readonly dueHeap = new MinHeap<ScheduledEntry<P>>();
  /** key → token of the run in flight for it (current or cancelled); at most one per key. */
  private readonly tokenInFlight = new Map<string, number>();
  private waitingForStaleRunCount = 0;
  private retryingCount = 0;
  private succeededRuns = 0;
  private failedRuns = 0;
  private supersededRuns = 0;
  private nextSeq = 0;
  private nextToken = 1;

  private timer: TimerHandle | null = null;
  private timerAt: number | null = null;
  private pumping = false;
  private pumpAgain = false;
  private draining = false;
  private readonly drainWaiters = new Set<DrainWaiter>();

  constructor(options: TimedQueueOptions<P>) {
    if (!Number.isInteger(options.concurrency) || options.concurrency < 1)
      throw new RangeError(`TimedQueue concurrency must be an integer ≥ 1, got ${options.concurrency}`);
    this.clock = options.clock;
    this.run = options.run;
    this.concurrency = options.concurrency;
    this.onRunFailed = options.onRunFailed;
    this.backoff = new ItemExponentialBackoff(options.backoff ?? DEFAULT_BACKOFF);
    this.defer = options.defer ?? setImmediate;
    this.minRetryDelayMs = options.minRetryDelayMs;
    const canStart = options.canStart;
    this.admit = options.admit ?? (canStart === undefined ? () => START : () => (canStart() ? START : HOLD_FOR_FENCE));
    this.onBrake = options.onBrake;
    this.blockedRecheckMs = options.blockedRecheckMs ?? 100;
    this.slots = options.slots ?? unboundedSlots;
  }

  /**
   * Asks for `key` to run at `fireAt` (now or earlier: as soon as there is capacity) with `payload`.
   * The newest call wins; see `UpsertResult` for what happens in each state.
   */
  upsert(key: string, fireAt: number, payload: P): UpsertResult {
    if (Number.isNaN(fireAt)) throw new RangeError(`TimedQueue.upsert(${key}): fireAt is NaN`);
    const entry = this.entries.get(key);
    let result: UpsertResult;
    if (entry === undefined) {
      this.addScheduled(key, { fireAt, payload }, 0, Number.NEGATIVE_INFINITY);
      result = 'added';
    } else if (entry.state === 'running') {
      entry.pending = { fireAt, payload };
      return 'deferred';
    } else if (entry.fireAt === fireAt) {
      entry.payload = payload;
      return 'unchanged';
    } else {
      entry.fireAt = fireAt;
      entry.payload = payload;
      entry.knownAt = this.clock.now();
      // A backing-off entry keeps its backoff: a new fire time must not turn a retry into a hot loop.
      entry.dueAt = Math.max(fireAt, entry.notBefore);
      entry.seq = this.nextSeq++;
      if (entry.waitingForStaleRun) {
        entry.waitingForStaleRun = false;
        this.waitingForStaleRunCount--;
        this.dueHeap.push(entry);
      } else {
        this.dueHeap.fix(entry);
      }
      result = 'rescheduled';
    }
    this.afterChange();
    return result;
  }

  /**
   * Forgets `key`. Returns true when a scheduled entry was removed (it will not run). A run in flight
   * is not interrupted and false is returned: the work is already happening. Its completion will
   * neither retry it nor apply an update that arrived during the run, nor touch a replacement added
   * after this call.
   */
  cancel(key: string): boolean {
    const entry = this.entries.get(key);
    if (entry === undefined) return false;
    this.entries.delete(key);
    this.backoff.forget(key);
    if (entry.state === 'running') return false;
    this.removeScheduled(entry);
    this.syncTimer();
    return true;
  }

  has(key: string): boolean {
    return this.entries.has(key);
  }

  /** Whether a run for `key` is in flight, including one that was cancelled and has not finished. */
  isRunInFlight(key: string): boolean {
    return this.tokenInFlight.has(key);
  }

  get(key: string): EntryView<P> | undefined {
    const entry = this.entries.get(key);
    return entry === undefined ? undefined : view(entry);
  }

  /** Number of keys with an entry (scheduled or running; cancelled runs excluded). */
  get size(): number {
    return this.entries.size;
  }

  snapshot(): EntryView<P>[] {
    return Array.from(this.entries.values(), view);
  }

  stats(): TimedQueueStats {
    return {
      scheduled: this.dueHeap.size + this.waitingForStaleRunCount,
      running: this.tokenInFlight.size,
      retrying: this.retryingCount,
      throttled: this.ruleThrottledCount + (this.globalThrottledUntil === null ? 0 : this.countDue()),
      throttledTotal: { ...this.throttledTotal },
      held: this.held,
      succeededRuns: this.succeededRuns,
      failedRuns: this.failedRuns,
      supersededRuns: this.supersededRuns,
    };
  }

  /** Due scheduled entries not held by a rule's limit (what the global limit holds back): O(entries). */
  private countDue(): number {
    const now = this.clock.now();
    let due = 0;
    for (const entry of this.entries.values())
      if (entry.state === 'scheduled' && !entry.ruleThrottled && entry.dueAt <= now) due++;
    return due;
  }

  /**
   * Changes the bound on runs in flight. Raising it starts due entries at once; lowering it lets the
   * runs in flight finish (they are never interrupted) and starts new ones only below the new bound.
   */
  setConcurrency(concurrency: number): void {
    if (!Number.isInteger(concurrency) || concurrency < 1)
      throw new RangeError(`TimedQueue concurrency must be an integer ≥ 1, got ${concurrency}`);
    this.concurrency = concurrency;
    this.requestPump();
  }

  /** Starts the due entries now instead of in the deferred pump (tests, and callers that batch themselves). */
  pumpNow(): void {
    this.pump();
  }

  /** When the queue's timer will fire next, or `null` when none is armed. */
  nextTimerAt(): number | null {
    return this.timerAt;
  }

  /**
   * Stops starting runs (entries stay queued) and waits for the runs in flight, at most `timeoutMs`.
   * Resolves true when none is left in flight, false on timeout.
   */
  drain(timeoutMs: number): Promise<boolean> {
    this.draining = true;
    this.syncTimer();
    if (this.tokenInFlight.size === 0) return Promise.resolve(true);
    if (!(timeoutMs > 0)) return Promise.resolve(false);
    return new Promise((resolve) => {
      const waiter: DrainWaiter = { resolve, timer: null };
      waiter.timer = this.clock.setTimer(() => {
        this.drainWaiters.delete(waiter);
        resolve(false);
      }, timeoutMs);
      this.drainWaiters.add(waiter);
    });
  }

  private addScheduled(key: string, intent: Intent<P>, failures: number, notBefore: number): void {
    const entry: ScheduledEntry<P> = {
      state: 'scheduled',
      key,
      fireAt: intent.fireAt,
      payload: intent.payload,
      notBefore,
      failures,
      dueAt: Math.max(intent.fireAt, notBefore),
      seq: this.nextSeq++,
      heapIndex: NOT_IN_HEAP,
      waitingForStaleRun: false,
      ruleThrottled: false,
      knownAt: this.clock.now(),
    };
    this.entries.set(key, entry);
    if (failures > 0) this.retryingCount++;
    this.dueHeap.push(entry);
  }

  /** The entry no longer waits for a rule's token (it starts, or it goes). */
  private unthrottle(entry: ScheduledEntry<P>): void {
    if (!entry.ruleThrottled) return;
    entry.ruleThrottled = false;
    this.ruleThrottledCount--;
    if (this.ruleThrottledCount === 0) this.onBrake?.({ kind: 'unthrottled', limit: 'rule' });
  }

  /** Takes a scheduled entry out of the heap / waiting set (the caller updates `entries`). */
  private removeScheduled(entry: ScheduledEntry<P>): void {
    this.unthrottle(entry);
    if (entry.waitingForStaleRun) {
      entry.waitingForStaleRun = false;
      this.waitingForStaleRunCount--;
    } else {
      this.dueHeap.remove(entry);
    }
    if (entry.failures > 0) this.retryingCount--;
  }

  /** Keeps the timer on the earliest entry; asks for a pump when something is due already. */
  private afterChange(): void {
    this.syncTimer();
    const top = this.dueHeap.peek();
    // Saturated: a finishing run pumps anyway.
    if (top !== undefined && top.dueAt <= this.clock.now() && this.tokenInFlight.size < this.concurrency)
      this.requestPump();
  }

  /** Asks for one pump in a later macrotask; many requests before it runs cost one pump. */
  private requestPump(): void {
    if (this.pumpRequested) return;
    this.pumpRequested = true;
    this.defer(this.deferredPump);
  }

  private readonly deferredPump = (): void => {
    this.pumpRequested = false;
    this.pump();
  };

  /** Starts due entries while there is capacity, then re-arms the timer. Safe to re-enter. */
  private pump(): void {
    if (this.pumping) {
      // A run started below called back into the queue synchronously; the outer loop picks it up.
      this.pumpAgain = true;
      return;
    }
    this.pumping = true;
    try {
      do {
        this.pumpAgain = false;
        const now = this.clock.now();
        const wasHeld = this.held;
        const wasGloballyThrottled = this.globalThrottledUntil !== null;
        this.held = null;
        this.globalThrottledUntil = null;
        let slotsExhausted = false;
        while (!this.draining && this.tokenInFlight.size < this.concurrency) {
          const top = this.dueHeap.peek();
          if (top === undefined || top.dueAt > now) break;
          if (this.tokenInFlight.has(top.key)) {
            this.dueHeap.pop();
            top.waitingForStaleRun = true;
            this.waitingForStaleRunCount++;
            continue;
          }
          if (!this.slots.tryAcquire()) {
            slotsExhausted = true;
            break;
          }
          // Due since its fire time, or since this queue learned of it if that was later: a taint's
          // timeAdded has whole seconds, so an eviction learned of just after a breaker reset may carry a
          // fire time just before it, and must not pass as one the reset released.
          const verdict = this.admit(Math.max(top.fireAt, top.knownAt), top.payload, now, top.failures + 1);
          if (verdict.kind === 'start') {
            this.dueHeap.pop();
            this.start(top, verdict.undo ?? null);
            continue;
          }
          this.slots.release();
          if (verdict.kind === 'hold') {
            this.held = verdict.why;
            if (wasHeld !== verdict.why)
              this.onBrake?.({ kind: 'held', why: verdict.why, opened: verdict.opened === true });
            break;
          }
          if (verdict.limit === 'global') {
            this.globalThrottledUntil = verdict.untilMs;
            this.lastGlobalThrottleAt = now;
            break;
          }
          // A rule's limit holds this entry alone: it waits for its token, others go on.
          this.dueHeap.pop();
          if (!top.ruleThrottled) {
            top.ruleThrottled = true;
            this.ruleThrottledCount++;
            this.throttledTotal.rule++;
            if (this.ruleThrottledCount === 1) this.onBrake?.({ kind: 'throttled', limit: 'rule' });
          }
          top.dueAt = Math.max(verdict.untilMs, top.notBefore, top.fireAt);
          top.seq = this.nextSeq++;
          this.dueHeap.push(top);
        }
        if (wasHeld !== null && this.held !== wasHeld) this.onBrake?.({ kind: 'released', why: wasHeld });
        const globallyThrottled = this.globalThrottledUntil !== null;
        if (globallyThrottled !== wasGloballyThrottled)
          this.onBrake?.({ kind: globallyThrottled ? 'throttled' : 'unthrottled', limit: 'global' });
        if (slotsExhausted && !this.waitingForSlot) {
          this.waitingForSlot = true;
          this.slots.whenFree(this.onSlotFreed);
        }
      } while (this.pumpAgain);
    } finally {
      this.pumping = false;
    }
    this.syncTimer();
  }

  private start(entry: ScheduledEntry<P>, undoAdmission: (() => void) | null): void {
    if (entry.failures > 0) this.retryingCount--;
    this.unthrottle(entry);
    // Due while the global rate limit held starts back: it waited for a token.
    if (entry.dueAt <= this.lastGlobalThrottleAt) this.throttledTotal.global++;
    const running: RunningEntry<P> = {
      state: 'running',
      key: entry.key,
      token: this.nextToken++,
      fireAt: entry.fireAt,
      payload: entry.payload,
      attempt: entry.failures + 1,
      pending: null,
      undoAdmission,
    };
    this.entries.set(entry.key, running);
    this.tokenInFlight.set(entry.key, running.token);
    let done: Promise<RunResult>;
    try {
      done = Promise.resolve(
        this.run(running.payload, {
          key: running.key,
          fireAt: running.fireAt,
          attempt: running.attempt,
          token: running.token,
          isCurrent: () => this.isCurrent(running),
        }),
      );
    } catch (error) {
      done = Promise.reject(error);
    }
    done.then(
      (result) => this.finish(running, result === 'superseded' ? 'superseded' : 'succeeded', undefined),
      (error: unknown) => this.finish(running, 'failed', error),
    );
  }

  /** The run's intent is still the newest: its entry is in place and no update moved it past now. */
  private isCurrent(run: RunningEntry<P>): boolean {
    const current = this.entries.get(run.key);
    if (current !== run) return false;
    return run.pending === null || run.pending.fireAt <= this.clock.now();
  }

  private readonly onSlotFreed = (): void => {
    this.waitingForSlot = false;
    this.requestPump();
  };

  private finish(run: RunningEntry<P>, outcome: 'succeeded' | 'superseded' | 'failed', error: unknown): void {
    this.tokenInFlight.delete(run.key);
    this.slots.release();
    const succeeded = outcome === 'succeeded';
    if (succeeded) this.succeededRuns++;
    else if (outcome === 'failed') this.failedRuns++;
    else {
      this.supersededRuns++;
      // Nothing was written: a start that did nothing is not counted (the newest intent's run will be).
      run.undoAdmission?.();
    }

    const current = this.entries.get(run.key);
    // Only the run's own entry is its business. (With one run per key in flight, a running entry here
    // can only be this run's; the token makes that explicit instead of relying on it.)
    if (current !== undefined && current.state === 'running' && current.token === run.token) {
      this.entries.delete(run.key);
      if (outcome === 'superseded') {
        // Nothing happened: the newest intent (there is one, or the run would still be current unless it
        // was cancelled, and then its entry is gone) takes over with the run's backoff state untouched.
        if (run.pending !== null)
          this.addScheduled(run.key, run.pending, this.backoff.failures(run.key), Number.NEGATIVE_INFINITY);
      } else if (succeeded) {
        this.backoff.forget(run.key);
        // An update with the fire time of the run itself asked for the work that just succeeded.
        if (run.pending !== null && run.pending.fireAt !== run.fireAt)
          this.addScheduled(run.key, run.pending, 0, Number.NEGATIVE_INFINITY);
      } else {
        const serverDelayMs = this.minRetryDelayMs?.(error) ?? null;
        const delayMs = Math.max(this.backoff.when(run.key), serverDelayMs ?? 0);
        const notBefore = this.clock.now() + delayMs;
        // An update that arrived during the failed run replaces the run's intent (newest wins: its payload,
        // e.g. new reasons, is what the retry must use). Its time is combined with the backoff by taking the
        // later of the two: an earlier retry than the update's fire time would evict before a toleration
        // allows it, and an earlier retry than the backoff would hammer an API server that just failed us.
        const intent = run.pending ?? run;
        this.addScheduled(run.key, intent, this.backoff.failures(run.key), notBefore);
        this.reportFailure(run, intent, error, Math.max(intent.fireAt, notBefore), delayMs);
      }
    } else {
      // Cancelled while running. Whatever is stored now is newer than this run: leave it alone, except
      // that a replacement which became due meanwhile was only waiting for this run to end.
      if (outcome === 'failed') this.reportFailure(run, run, error, null, null);
      if (current !== undefined && current.state === 'scheduled' && current.waitingForStaleRun) {
        current.waitingForStaleRun = false;
        this.waitingForStaleRunCount--;
        this.dueHeap.push(current);
      }
    }

    if (this.tokenInFlight.size === 0 && this.drainWaiters.size > 0) {
      for (const waiter of this.drainWaiters) {
        if (waiter.timer !== null) this.clock.clearTimer(waiter.timer);
        waiter.resolve(true);
      }
      this.drainWaiters.clear();
    }
    this.requestPump();
  }

  private reportFailure(
    run: RunningEntry<P>,
    intent: Intent<P>,
    error: unknown,
    retryAt: number | null,
    retryDelayMs: number | null,
  ): void {
    if (this.onRunFailed === undefined) return;
    try {
      this.onRunFailed({
        key: run.key,
        payload: intent.payload,
        fireAt: intent.fireAt,
        attempt: run.attempt,
        error,
        retryAt,
        retryDelayMs,
      });
    } catch {
      // An observer must not break the queue's bookkeeping; there is nobody to report this to.
    }
  }

  /**
   * Keeps the single timer armed to the earliest heap entry while runs can be started; disarmed while
   * draining or saturated (a finishing run pumps the queue, so no wake-up is needed then).
   */
  private syncTimer(): void {
    const top = this.dueHeap.peek();
    let wantAt = !this.draining && top !== undefined && this.tokenInFlight.size < this.concurrency ? top.dueAt : null;
    // Due work held back (no lease, breaker open): look again a little later.
    if (wantAt !== null && this.held !== null) wantAt = Math.max(wantAt, this.clock.now() + this.blockedRecheckMs);
    // Due work waiting for the global start rate: look again when its next token comes.
    else if (wantAt !== null && this.globalThrottledUntil !== null)
      wantAt = Math.max(wantAt, this.globalThrottledUntil);
    // Due work waiting for a shared slot: the slot's release wakes the queue, not a timer.
    else if (wantAt !== null && this.waitingForSlot && wantAt <= this.clock.now()) wantAt = null;
    if (wantAt === this.timerAt) return;
    if (this.timer !== null) this.clock.clearTimer(this.timer);
    this.timer = null;
    this.timerAt = wantAt;
    if (wantAt !== null) this.timer = this.clock.setTimer(this.onTimer, wantAt - this.clock.now());
  }

  private readonly onTimer = (): void => {
    this.timer = null;
    this.timerAt = null;
    // Through `defer`: intents that arrived in this turn of the event loop are applied before anything
    // starts. A real timer may fire a little before Date.now() reaches dueAt; pump then re-arms it.
    this.requestPump();
  };
}

function view<P>(entry: Entry<P>): EntryView<P> {
  if (entry.state === 'running')
    return {
      state: 'running',
      key: entry.key,
      fireAt: entry.fireAt,
      attempt: entry.attempt,
      token: entry.token,
      payload: entry.payload,
      pendingFireAt: entry.pending === null ? null : entry.pending.fireAt,
    };
  return {
    state: 'scheduled',
    key: entry.key,
    fireAt: entry.fireAt,
    dueAt: entry.dueAt,
    failures: entry.failures,
    payload: entry.payload,
    waitingForStaleRun: entry.waitingForStaleRun,
  };
}
