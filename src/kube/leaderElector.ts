// Leader election on a coordination.k8s.io/v1 Lease: the elector, one state machine (idle → acquiring
// → leading → ended) that decides when attempts run and what their outcomes mean for its term. Its
// contract is leaderElection.ts; what an attempt does to the Lease is leaseAttempts.ts, the Lease
// object leaderLeaseLock.ts, the per-request deadlines leaseDeadlines.ts.
//
// On the model of client-go's tools/leaderelection (leaderelection.go) as kube-controller-manager
// runs it. The controller deletes
// production pods, so the one property that matters is: two instances never write at the same time.
//
// How time is judged (leaderelection.go package doc, isLeaseValid, setObservedRecord):
//  - A candidate never compares the Lease's renewTime with its own wall clock. It remembers the *local
//    monotonic* time at which it last saw the record change (`observedAt`) and treats the Lease as
//    expired once observedAt + the record's own leaseDurationSeconds has passed. A skewed or stepped
//    wall clock changes nothing; renewTime/acquireTime are only written (from `wallClock`).
//  - The leader holds a write permission that ends at `validUntil` = the monotonic time at which its
//    last successful acquire/renew attempt *started* + renewDeadline (reported through `onRenewed`).
//    Every other candidate first observed that write at or after the attempt started and waits a whole
//    lease duration (> renewDeadline) from its observation, so the permission ends before anyone else
//    can take over (given clocks that advance at the same rate, client-go's stated assumption).
//  - Renewal (renew: wait.UntilWithContext + wait.PollUntilContextTimeout(ctx, RetryPeriod,
//    RenewDeadline, true, tryAcquireOrRenew); before client-go 4379fade3 (2024): context.WithTimeout(ctx,
//    RenewDeadline) + wait.PollImmediateUntil(RetryPeriod, ..., timeoutCtx.Done())): retryPeriod after
//    a successful renewal a new round starts; failed attempts are retried every retryPeriod; every
//    GET/PUT of the round is aborted when the deadline passes, and leadership ends at that instant
//    ("failed to renew lease ... timed out waiting for the condition"). The leader first tries an
//    optimistic PUT of the object it last wrote (tryAcquireOrRenew step 1, client-go #122069) and only
//    on failure (409 included) GETs and PUTs again: the slow path, counted by slowpathExercised.
//    One deliberate tightening: client-go's round deadline is the round's start + renewDeadline, up to
//    a retryPeriod plus a slow round later than the last successful renewal + renewDeadline. Here the
//    deadline of every round is `validUntil`, so isLeader() and the write permission end together.
//  - Leadership ends for good: client-go's Run returns after renew() and kube-controller-manager's
//    OnStoppedLeading exits the process (cmd/kube-controller-manager/app/controllermanager.go). An
//    elector runs at most one term; start() after the end does nothing.
//
// Also stricter than client-go, never looser: seeing another (or no) holder on the Lease while leading
// ends leadership at once (client-go keeps polling until the round deadline), a deleted Lease ends it
// (client-go would re-create it), and `release()` only clears a record that still names us.

// Wiring (the controller): the fence follows onRenewed, and a lost term is final, like kcm's exit:
//
//   const elector = new LeaseLeaderElector({ api, namespace, name, clock, log, metrics, callbacks: {
//     onRenewed: (until) => fence.openUntil(until),          // same clock: monotonicNowMs
//     onStartedLeading: () => startEvicting(),
//     onStoppedLeading: (reason) => { fence.close(); exitOrShutDown(describeEndReason(reason)); },
//   }});
//   metrics = { on: (n) => gauge.set({ name: n }, 1), off: (n) => gauge.set({ name: n }, 0),
//               slowpathExercised: (n) => counter.inc({ name: n }) }   // names: leaderElectionMetrics
//
// On shutdown: drain writes, then `release()` (its onStoppedLeading closes the fence before the write).

import type { Clock, TimerHandle } from '../shared/clock.js';
import { RealClock } from '../shared/clock.js';
import type { Logger } from '../shared/logger.js';
import { monotonicNowMs } from '../shared/writeFence.js';
import { type ApiClient, ApiError } from './apiClient.js';
import {
  defaultIdentity,
  defaultLeaderTimings,
  describeEndReason,
  jitterFactor,
  type LeaderCallbacks,
  type LeaderElectionMetrics,
  type LeaderElectionOptions,
  type LeadershipEndReason,
  validateLeaderTimings,
} from './leaderElection.js';
import { type LeaderElectionRecord, LeaseLock, type LeaseSend } from './leaderLeaseLock.js';
import { errorText, LeaseAttempts, type Outcome } from './leaseAttempts.js';
import { type Attempt, boundedSend } from './leaseDeadlines.js';

type Phase = 'idle' | 'acquiring' | 'leading' | 'ended';

const retryAfterMsOf = (err: unknown): number =>
  err instanceof ApiError && err.retryAfterSeconds !== null ? err.retryAfterSeconds * 1000 : 0;

export class LeaseLeaderElector {
  readonly identity: string;
  private readonly api: ApiClient;
  private readonly clock: Clock;
  private readonly mono: () => number;
  private readonly wall: () => number;
  private readonly random: () => number;
  private readonly leaseDurationMs: number;
  private readonly renewDeadlineMs: number;
  private readonly retryPeriodMs: number;
  private readonly requestTimeoutMs: number;
  private readonly lock: LeaseLock;
  private readonly log: Logger;
  private readonly callbacks: LeaderCallbacks;
  private readonly metrics: LeaderElectionMetrics | undefined;

  private phase: Phase = 'idle';
  /** What attempts do to the Lease, and the record they last observed. */
  private readonly attempts: LeaseAttempts;
  private reportedLeader = '';
  /** End of the write permission; leadership ends when it passes without a renewal. */
  private validUntil = Number.NEGATIVE_INFINITY;
  private lastRenewStart = Number.NEGATIVE_INFINITY;
  private attemptTimer: TimerHandle | null = null;
  private deadlineTimer: TimerHandle | null = null;
  private current: Attempt | null = null;
  private inFlight: Promise<void> | null = null;

  constructor(options: LeaderElectionOptions) {
    this.identity = options.identity ?? defaultIdentity();
    if (this.identity === '') throw new RangeError('leader election identity must not be empty');
    this.api = options.api;
    const customClock = options.clock !== undefined && !(options.clock instanceof RealClock);
    this.clock = options.clock ?? new RealClock();
    const clock = this.clock;
    this.mono = options.monotonicNow ?? (customClock ? () => clock.now() : monotonicNowMs);
    this.wall = options.wallClock ?? (customClock ? () => clock.now() : Date.now);
    this.random = options.random ?? Math.random;
    this.leaseDurationMs = options.leaseDurationMs ?? defaultLeaderTimings.leaseDurationMs;
    this.renewDeadlineMs = options.renewDeadlineMs ?? defaultLeaderTimings.renewDeadlineMs;
    this.retryPeriodMs = options.retryPeriodMs ?? defaultLeaderTimings.retryPeriodMs;
    validateLeaderTimings({
      leaseDurationMs: this.leaseDurationMs,
      renewDeadlineMs: this.renewDeadlineMs,
      retryPeriodMs: this.retryPeriodMs,
    });
    this.requestTimeoutMs = options.requestTimeoutMs ?? Math.max(this.renewDeadlineMs / 2, 1_000);
    if (!(this.requestTimeoutMs > 0)) throw new RangeError('requestTimeoutMs must be greater than zero');
    this.lock = new LeaseLock(options.namespace, options.name);
    this.log = options.log;
    this.callbacks = options.callbacks;
    this.metrics = options.metrics;
    this.attempts = new LeaseAttempts({
      identity: this.identity,
      lock: this.lock,
      // leaseDurationSeconds we write: rounded *up*, so nobody waits less than our lease duration.
      recordSeconds: Math.max(1, Math.ceil(this.leaseDurationMs / 1000)),
      mono: this.mono,
      wall: this.wall,
      log: this.log,
      metrics: this.metrics,
      fields: (extra) => this.fields(extra),
    });
    this.metrics?.off(this.lock.name);
  }

  /** Leading, and the write permission has not run out (the deadline timer may not have fired yet). */
  isLeader(): boolean {
    return this.phase === 'leading' && this.mono() < this.validUntil;
  }

  /** Holder identity last observed on the Lease (empty when free or unknown); client-go's GetLeader. */
  observedLeader(): string {
    return this.attempts.observed?.holderIdentity ?? '';
  }

  /** The record last observed and the monotonic time it was last seen to change, for diagnostics. */
  observation(): { readonly record: LeaderElectionRecord; readonly observedAtMono: number } | null {
    const record = this.attempts.observed;
    return record === null ? null : { record, observedAtMono: this.attempts.observedAt };
  }

  /** End of the current write permission on the monotonic clock (-Infinity when not leading). */
  validUntilMono(): number {
    return this.phase === 'leading' ? this.validUntil : Number.NEGATIVE_INFINITY;
  }

  /** Begins campaigning; the first attempt runs immediately. Once only: a stopped elector stays stopped. */
  start(): void {
    if (this.phase !== 'idle') {
      if (this.phase === 'ended') this.log.warn('leader elector already ended; not campaigning again', this.fields());
      return;
    }
    this.phase = 'acquiring';
    this.log.info('attempting to acquire leader lease', this.fields());
    this.schedule(0);
  }

  /**
   * Stops campaigning/renewing without touching the Lease (it expires for the others). A leader's
   * term ends now (`onStoppedLeading({kind: 'stopped'})`); the in-flight request is aborted and
   * awaited.
   */
  async stop(): Promise<void> {
    const inFlight = this.inFlight;
    if (this.phase === 'leading') {
      const now = this.mono();
      this.endTerm(now >= this.validUntil ? this.deadlineReason(now) : { kind: 'stopped' });
    } else {
      this.phase = 'ended';
      this.halt();
    }
    await inFlight;
  }

  /**
   * Stops and, if this instance was leading, frees the Lease (client-go ReleaseOnCancel: empty holder,
   * leaseDurationSeconds 1) so another instance takes over at its next retry. As client-go warns, the
   * caller must have stopped every write guarded by the lease first: `onStoppedLeading` runs before the
   * release is written, and the write fence must be closed there.
   */
  async release(): Promise<void> {
    const wasLeading = this.isLeader();
    await this.stop();
    if (!wasLeading) return;
    const start = this.mono();
    const attempt: Attempt = { start, deadline: start + this.renewDeadlineMs, controller: new AbortController() };
    if (await this.attempts.tryRelease(this.sendFor(attempt))) this.reportedLeader = '';
  }

  // ---- the loops ----

  /** The `send` of one attempt: every request cut at the attempt's deadline (leaseDeadlines.ts). */
  private sendFor(attempt: Attempt): LeaseSend {
    return boundedSend(this.api, this.clock, this.mono, this.requestTimeoutMs, attempt);
  }

  private fields(extra: Record<string, unknown> = {}): Record<string, unknown> {
    return { lease: this.lock.describe(), identity: this.identity, ...extra };
  }

  private schedule(delayMs: number): void {
    if (this.phase !== 'acquiring' && this.phase !== 'leading') return;
    if (this.attemptTimer !== null) this.clock.clearTimer(this.attemptTimer);
    this.attemptTimer = this.clock.setTimer(() => this.runAttempt(), Math.max(0, delayMs));
  }

  /** Clears timers and aborts the in-flight attempt (its outcome is then ignored). */
  private halt(): void {
    if (this.attemptTimer !== null) this.clock.clearTimer(this.attemptTimer);
    if (this.deadlineTimer !== null) this.clock.clearTimer(this.deadlineTimer);
    this.attemptTimer = null;
    this.deadlineTimer = null;
    const attempt = this.current;
    this.current = null;
    attempt?.controller.abort(new ApiError(0, 'Cancelled', 'leader election attempt cancelled'));
  }

  private runAttempt(): void {
    this.attemptTimer = null;
    if (this.phase !== 'acquiring' && this.phase !== 'leading') return;
    const start = this.mono();
    if (this.phase === 'leading' && start >= this.validUntil) {
      this.endTerm(this.deadlineReason(start));
      return;
    }
    // acquire: each attempt is bounded like a renew round (client-go bounds it by the client's
    // renewDeadline/2 request timeout); leading: the round deadline is the write permission's end.
    const deadline = this.phase === 'leading' ? this.validUntil : start + this.renewDeadlineMs;
    const attempt: Attempt = { start, deadline, controller: new AbortController() };
    this.current = attempt;
    const settled = this.attempts
      .tryAcquireOrRenew(this.sendFor(attempt), this.phase === 'leading', attempt)
      .catch((error: unknown): Outcome => ({ ok: false, error }))
      .then((outcome) => this.settle(attempt, outcome))
      .catch((err: unknown) =>
        this.log.error('leader election bookkeeping failed', this.fields({ error: errorText(err) })),
      );
    this.inFlight = settled;
    void settled.finally(() => {
      if (this.inFlight === settled) this.inFlight = null;
    });
  }

  private settle(attempt: Attempt, outcome: Outcome): void {
    if (this.current !== attempt) return; // stopped or ended meanwhile: ignore
    this.current = null;
    this.reportTransition();
    const now = this.mono();

    if (this.phase === 'acquiring') {
      // acquire: wait.JitterUntilWithContext(..., RetryPeriod, JitterFactor, sliding=true)
      if (outcome.ok) {
        const validUntil = attempt.start + this.renewDeadlineMs;
        if (now < validUntil) {
          this.beginTerm(attempt.start, validUntil);
          return;
        }
        this.log.warn('acquired the lease too late to lead on it; retrying', this.fields());
      } else if (outcome.heldBy !== undefined) {
        this.log.debug('lease is held and has not yet expired', this.fields({ holder: outcome.heldBy }));
      } else {
        this.log.info('failed to acquire lease', this.fields({ error: errorText(outcome.error) }));
      }
      const jittered = this.retryPeriodMs * (1 + this.random() * jitterFactor);
      this.schedule(Math.max(jittered, outcome.ok ? 0 : retryAfterMsOf(outcome.error)));
      return;
    }

    if (this.phase !== 'leading') return;
    if (now >= this.validUntil) {
      // The response (if any) came after the permission ran out: the deadline decides.
      this.endTerm(this.deadlineReason(now));
      return;
    }
    if (outcome.ok) {
      this.renewed(attempt.start);
      return;
    }
    if (outcome.takenOverBy !== undefined) {
      this.endTerm({ kind: 'takenOver', holder: outcome.takenOverBy });
      return;
    }
    if (outcome.fatal !== undefined) {
      this.endTerm({ kind: 'apiError', error: outcome.fatal });
      return;
    }
    this.log.warn(
      'failed to renew lease; retrying until the renew deadline',
      this.fields({ error: errorText(outcome.error), remainingMs: Math.round(this.validUntil - now) }),
    );
    // Within a round: wait.PollUntilContextTimeout, period measured from the attempt's start (sliding=false).
    this.schedule(Math.max(attempt.start + this.retryPeriodMs - now, retryAfterMsOf(outcome.error)));
  }

  private beginTerm(start: number, validUntil: number): void {
    this.phase = 'leading';
    this.lastRenewStart = start;
    this.validUntil = validUntil;
    this.armDeadline();
    // renew: wait.UntilWithContext(..., RetryPeriod) is sliding: next round a retry period after this one.
    this.schedule(this.retryPeriodMs);
    this.metrics?.on(this.lock.name);
    this.log.info('became leader', this.fields());
    this.safely('onRenewed', () => this.callbacks.onRenewed?.(validUntil));
    if (this.phase === 'leading') this.safely('onStartedLeading', () => this.callbacks.onStartedLeading());
  }

  private renewed(start: number): void {
    this.lastRenewStart = start;
    this.validUntil = Math.max(this.validUntil, start + this.renewDeadlineMs);
    this.armDeadline();
    this.schedule(this.retryPeriodMs);
    const validUntil = this.validUntil;
    this.safely('onRenewed', () => this.callbacks.onRenewed?.(validUntil));
  }

  private deadlineReason(now: number): LeadershipEndReason {
    return { kind: 'renewDeadline', lastRenewAgoMs: now - this.lastRenewStart };
  }

  private armDeadline(): void {
    if (this.deadlineTimer !== null) this.clock.clearTimer(this.deadlineTimer);
    const fire = (): void => {
      this.deadlineTimer = null;
      if (this.phase !== 'leading') return;
      const now = this.mono();
      // A real timer may fire a fraction of a millisecond early on the monotonic clock: wait the rest.
      if (now < this.validUntil) this.deadlineTimer = this.clock.setTimer(fire, this.validUntil - now);
      else this.endTerm(this.deadlineReason(now));
    };
    this.deadlineTimer = this.clock.setTimer(fire, Math.max(0, this.validUntil - this.mono()));
  }

  /** Ends the one and only term: no re-election in this elector (client-go's Run returns). */
  private endTerm(reason: LeadershipEndReason): void {
    if (this.phase !== 'leading') return;
    this.phase = 'ended';
    this.halt();
    this.metrics?.off(this.lock.name);
    const { kind, ...details } = reason;
    const fields = this.fields({ reason: kind, ...details });
    const msg = `stopped leading: ${describeEndReason(reason)}`;
    if (reason.kind === 'stopped') this.log.info(msg, fields);
    else this.log.warn(msg, fields);
    this.safely('onStoppedLeading', () => this.callbacks.onStoppedLeading(reason));
  }

  private safely(what: string, fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.log.error(`leader election callback ${what} threw`, this.fields({ error: errorText(err) }));
    }
  }

  /** client-go maybeReportTransition; an emptied holder is remembered but not reported. */
  private reportTransition(): void {
    const holder = this.attempts.observed?.holderIdentity ?? '';
    if (holder === this.reportedLeader) return;
    this.reportedLeader = holder;
    if (holder !== '' && this.callbacks.onNewLeader !== undefined) {
      const report = this.callbacks.onNewLeader;
      this.safely('onNewLeader', () => report.call(this.callbacks, holder));
    }
  }
}
