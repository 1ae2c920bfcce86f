// The contract of leader election (leaderElector.ts runs it): the options and callbacks a controller
// wires, why a term ends and how that reads in a log line, client-go's timings and their validation
// (the CLI checks flags with it before any elector exists), the default identity, and the names of the
// leader-election metrics component-base registers.

import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Clock } from '../shared/clock.js';
import type { Logger } from '../shared/logger.js';
import type { ApiClient } from './apiClient.js';

export type LeadershipEndReason =
  /** No successful renewal by the renew deadline (measured from the last successful attempt's start). */
  | { kind: 'renewDeadline'; lastRenewAgoMs: number }
  /** Another holder (or an emptied holder, `''`) seen on the Lease while leading. */
  | { kind: 'takenOver'; holder: string }
  /** The API said something renewing cannot fix, e.g. the Lease was deleted. */
  | { kind: 'apiError'; error: string }
  /** `stop()`/`release()` was called. */
  | { kind: 'stopped' };

export interface LeaderCallbacks {
  /** This instance became leader: start evicting. Called after the first `onRenewed` of the term. */
  onStartedLeading(): void;
  /** Leadership ended: stop evicting now. Called exactly once per term, never without a term. */
  onStoppedLeading(reason: LeadershipEndReason): void;
  /** The observed holder changed to a non-empty identity (this instance included), like client-go's OnNewLeader. */
  onNewLeader?(identity: string): void;
  /**
   * After every successful acquire/renew: writes are safe until `validUntilMono` (ms on the elector's
   * monotonic clock, `monotonicNow`) = the start of that successful attempt + renewDeadline. Never moves
   * backwards. For the acquiring attempt it is called before `onStartedLeading`.
   */
  onRenewed?(validUntilMono: number): void;
}

/** client-go's leaderelection.LeaderMetric, as exported by component-base (see leaderElectionMetrics). */
export interface LeaderElectionMetrics {
  /** `leader_election_master_status{name} = 1`. */
  on(name: string): void;
  /** `leader_election_master_status{name} = 0` (also set once at construction, like NewLeaderElector). */
  off(name: string): void;
  /** `leader_election_slowpath_total{name} += 1`: a renewal of our own record had to GET first. */
  slowpathExercised(name: string): void;
}

/** Names and help texts of the metrics component-base registers for client-go's leader election. */
export const leaderElectionMetrics = {
  masterStatus: {
    name: 'leader_election_master_status',
    help: "Gauge of if the reporting system is master of the relevant lease, 0 indicates backup, 1 indicates master. 'name' is the string used to identify the lease. Please make sure to group by name.",
  },
  slowpathTotal: {
    name: 'leader_election_slowpath_total',
    help: "Total number of slow path exercised in renewing leader leases. 'name' is the string used to identify the lease. Please make sure to group by name.",
  },
} as const;

export interface LeaderElectionOptions {
  readonly api: ApiClient;
  readonly namespace: string;
  readonly name: string;
  /** Defaults to `<hostname>_<uuid>`, like kube-controller-manager. */
  readonly identity?: string;
  readonly leaseDurationMs?: number;
  readonly renewDeadlineMs?: number;
  readonly retryPeriodMs?: number;
  /**
   * Per-request timeout inside a round (still cut at the round deadline). Default: renewDeadline/2,
   * at least 1 s, as resourcelock.NewFromKubeconfig configures the leader election client.
   */
  readonly requestTimeoutMs?: number;
  /** Timers. Default: RealClock. */
  readonly clock?: Clock;
  /**
   * The monotonic "now" every expiry and deadline is judged by, and the clock of `onRenewed`.
   * Default: `monotonicNowMs` (the WriteFence's clock) with a RealClock, else `clock.now`.
   */
  readonly monotonicNow?: () => number;
  /** Only for writing acquireTime/renewTime; never used to judge expiry. Default: Date.now with a RealClock, else `clock.now`. */
  readonly wallClock?: () => number;
  /** Jitter source in [0, 1) for the acquire retry (wait.Jitter). Default Math.random. */
  readonly random?: () => number;
  readonly metrics?: LeaderElectionMetrics;
  readonly log: Logger;
  readonly callbacks: LeaderCallbacks;
}

export const defaultLeaderTimings = { leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000 } as const;

/** client-go's leaderelection.JitterFactor. */
export const jitterFactor = 1.2;

export const defaultIdentity = (): string => `${hostname()}_${randomUUID()}`;

/** Validates timings like leaderelection.NewLeaderElector; throws RangeError. */
export function validateLeaderTimings(t: { leaseDurationMs: number; renewDeadlineMs: number; retryPeriodMs: number }) {
  for (const [k, v] of Object.entries(t))
    if (!Number.isFinite(v) || v <= 0) throw new RangeError(`${k} must be greater than zero (got ${v})`);
  if (t.leaseDurationMs <= t.renewDeadlineMs) throw new RangeError('leaseDuration must be greater than renewDeadline');
  if (t.renewDeadlineMs <= jitterFactor * t.retryPeriodMs)
    throw new RangeError('renewDeadline must be greater than retryPeriod*JitterFactor');
}

export function describeEndReason(reason: LeadershipEndReason): string {
  switch (reason.kind) {
    case 'renewDeadline':
      return `failed to renew the lease within the renew deadline (last successful renewal started ${Math.round(reason.lastRenewAgoMs)} ms ago)`;
    case 'takenOver':
      return reason.holder === '' ? 'the lease was released by someone else' : `the lease is held by ${reason.holder}`;
    case 'apiError':
      return `lease error: ${reason.error}`;
    case 'stopped':
      return 'stopped';
  }
}
