// DeviceTaintRule status updates (docs/behaviour.md §2.8): a main-thread delayed queue of rule names, driven by the
// injected Clock, that recomputes a rule's `EvictionInProgress` condition and writes it when it
// changed. Upstream shares its workqueue between pod deletions and status updates; here pod deletions
// live in worker partitions, so status updates get this small queue of their own, with the same
// semantics as client-go's delaying + rate-limited workqueue:
// - a rule is queued at most once; enqueueing again keeps the earlier due time;
// - items run one at a time (status writes are rare and upstream holds its mutex for them anyway);
// - a failed write is retried with per-item exponential backoff (shared/backoff.ts: 5 ms doubling to
//   1000 s), and the backoff is forgotten after a success.
// - Nothing is written while paused: the controller starts the updater paused and resumes it only once
//   every informer has synced and this process leads (upstream starts its workers after the cache sync).
//   A `None` rule's dry-run counts say "will not be updated again", so counts from half-listed caches
//   would be wrong for good. Requests made while paused are kept and processed on resume.

import { type BackoffOptions, DEFAULT_BACKOFF, ItemExponentialBackoff } from '../../shared/backoff.js';
import type { Clock, TimerHandle } from '../../shared/clock.js';
import type { Logger } from '../../shared/logger.js';
import type { RuleStatusWriter } from '../../shared/ruleStatusWriter.js';
import type { RuleCondition, RuleRecord } from '../../shared/types.js';
import { conditionsEquivalent, EVICTION_IN_PROGRESS, RULE_STATUS_PERIOD_MS } from './ruleStatus.js';

/** What the engine calls to get a rule's status refreshed later. */
export interface RuleStatusScheduler {
  /** Refresh the status of rule `ruleName` in `delayMs` (0 = as soon as possible). */
  enqueue(ruleName: string, delayMs: number): void;
}

export type { RuleStatusWriter };

/** Read access to the rule cache and the engine's counts (the EvictionEngine implements it). */
export interface RuleStatusSource {
  getRule(ruleName: string): RuleRecord | null;
  /** The condition as it should be now, with `lastTransitionTime` = now; null when the rule is unknown. */
  ruleCondition(ruleName: string): RuleCondition | null;
}

/**
 * One pass of `maybeUpdateRuleStatus` (docs/behaviour.md §2.8 steps 1-5). Resolves with the delay after which the
 * rule must be looked at again (0 = done); rejects when the write failed.
 */
export async function syncRuleStatus(
  ruleName: string,
  source: RuleStatusSource,
  writer: RuleStatusWriter,
  now: number,
): Promise<number> {
  const rule = source.getRule(ruleName);
  if (rule === null) return 0;
  const existing = rule.conditions.find((c) => c.type === EVICTION_IN_PROGRESS) ?? null;
  // lastTransitionTime changes with every write, so it doubles as "last written": pace writes to one
  // per period while the generation is unchanged. Checked before counting, which may be expensive.
  if (existing !== null && existing.observedGeneration === rule.generation) {
    const since = now - existing.lastTransitionTime;
    if (since < RULE_STATUS_PERIOD_MS) return RULE_STATUS_PERIOD_MS - since;
  }
  const condition = source.ruleCondition(ruleName);
  if (condition === null) return 0;
  if (existing !== null && conditionsEquivalent(existing, condition)) return 0;
  await writer.apply(rule, { ...condition, lastTransitionTime: now });
  return 0;
}

export interface RuleStatusUpdaterOptions {
  readonly clock: Clock;
  readonly source: RuleStatusSource;
  readonly writer: RuleStatusWriter;
  readonly log: Logger;
  /** Per-item retry backoff after failed writes; default 5 ms doubling to 1000 s. */
  readonly backoff?: BackoffOptions;
  /** Start paused (see the header); default false. */
  readonly paused?: boolean;
}

export class RuleStatusUpdater implements RuleStatusScheduler {
  /** Rule name → due time. Each name is in at most one of `waiting` and `ready`. */
  private readonly waiting = new Map<string, number>();
  private readonly ready: string[] = [];
  private readonly readySet = new Set<string>();
  private readonly backoff: ItemExponentialBackoff;
  private timer: TimerHandle | null = null;
  private timerDue = Number.POSITIVE_INFINITY;
  private running: Promise<void> | null = null;
  private stopped = false;
  private idleWaiters: (() => void)[] = [];
  private writes = 0;
  private paused: boolean;

  constructor(private readonly options: RuleStatusUpdaterOptions) {
    this.paused = options.paused ?? false;
    this.backoff = new ItemExponentialBackoff(options.backoff ?? DEFAULT_BACKOFF);
  }

  /** Holds every write (requests keep queueing) until `resume`; a write in flight finishes. */
  pause(): void {
    this.paused = true;
  }

  /** Processes what was requested meanwhile, from the caches as they are now. */
  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    if (this.ready.length > 0 && this.running === null) this.running = this.drain();
  }

  get isPaused(): boolean {
    return this.paused;
  }

  enqueue(ruleName: string, delayMs: number): void {
    if (this.stopped || this.readySet.has(ruleName)) return;
    const due = this.options.clock.now() + Math.max(0, delayMs);
    const current = this.waiting.get(ruleName);
    if (current !== undefined && current <= due) return;
    if (delayMs <= 0) {
      this.waiting.delete(ruleName);
      this.makeReady(ruleName);
      return;
    }
    this.waiting.set(ruleName, due);
    this.arm();
  }

  /** Number of queued rules (waiting or ready). */
  get length(): number {
    return this.waiting.size + this.ready.length;
  }

  /** Number of condition writes attempted, for tests and metrics. */
  get writeAttempts(): number {
    return this.writes;
  }

  /** Resolves once nothing is ready or running (delayed items may still wait). */
  whenIdle(): Promise<void> {
    if (this.running === null && (this.ready.length === 0 || this.paused)) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Stops timers and new work; waits for a write in flight. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== null) this.options.clock.clearTimer(this.timer);
    this.timer = null;
    this.waiting.clear();
    this.ready.length = 0;
    this.readySet.clear();
    await this.running;
  }

  private arm(): void {
    let earliest = Number.POSITIVE_INFINITY;
    for (const due of this.waiting.values()) if (due < earliest) earliest = due;
    if (earliest === this.timerDue && this.timer !== null) return;
    if (this.timer !== null) this.options.clock.clearTimer(this.timer);
    this.timer = null;
    this.timerDue = earliest;
    if (earliest === Number.POSITIVE_INFINITY) return;
    this.timer = this.options.clock.setTimer(() => {
      this.timer = null;
      this.timerDue = Number.POSITIVE_INFINITY;
      this.promoteDue();
    }, earliest - this.options.clock.now());
  }

  private promoteDue(): void {
    const now = this.options.clock.now();
    const due = [...this.waiting.entries()].filter(([, at]) => at <= now).sort((a, b) => a[1] - b[1]);
    for (const [name] of due) {
      this.waiting.delete(name);
      this.makeReady(name);
    }
    this.arm();
  }

  private makeReady(ruleName: string): void {
    this.ready.push(ruleName);
    this.readySet.add(ruleName);
    if (this.running === null && !this.paused) this.running = this.drain();
  }

  private async drain(): Promise<void> {
    // Yield once so that a burst of synchronous enqueues from one informer event is deduplicated.
    await Promise.resolve();
    while (!this.stopped && !this.paused && this.ready.length > 0) {
      const ruleName = this.ready.shift()!;
      this.readySet.delete(ruleName);
      await this.process(ruleName);
    }
    this.running = null;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }

  private async process(ruleName: string): Promise<void> {
    const { clock, source, writer, log } = this.options;
    const countingWriter: RuleStatusWriter = {
      apply: (rule, condition) => {
        this.writes++;
        return writer.apply(rule, condition);
      },
    };
    try {
      const againAfter = await syncRuleStatus(ruleName, source, countingWriter, clock.now());
      this.backoff.forget(ruleName);
      if (againAfter > 0) this.enqueue(ruleName, againAfter);
    } catch (err: unknown) {
      const delay = this.backoff.when(ruleName);
      log.warn('DeviceTaintRule status update failed, will retry', {
        rule: ruleName,
        failures: this.backoff.failures(ruleName),
        retryInMs: delay,
        err: err instanceof Error ? err.message : String(err),
      });
      this.enqueue(ruleName, delay);
    }
  }
}
