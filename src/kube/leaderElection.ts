// Leader election on a coordination.k8s.io/v1 Lease, following client-go's leaderelection package:
// candidates poll every retry period; a free or expired Lease is taken with an optimistic-concurrency
// update (resourceVersion), the leader renews every retry period, and a leader that cannot renew for
// the renew deadline stops leading *before* the lease can expire for the others (renew deadline <
// lease duration), so two instances never evict at once. `release()` hands the Lease over on shutdown.
//
// Expiry is judged two ways: client-go's skew-free "the record has not changed for a lease duration of
// *our* clock", and the record's own renewTime + leaseDurationSeconds, which lets a freshly started
// instance take over a long-dead leader's Lease without first watching it for a lease duration.

import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Clock, TimerHandle } from '../shared/clock.js';
import { RealClock } from '../shared/clock.js';
import type { Logger } from '../shared/logger.js';
import { type ApiClient, ApiError, rfc3339Micro } from './apiClient.js';

export interface LeaderCallbacks {
  /** This instance became leader: start evicting. */
  onStartedLeading(): void;
  /** Leadership lost (renew deadline passed or another holder seen) or released: stop evicting now. */
  onStoppedLeading(): void;
  /** The observed holder changed (may be this instance). */
  onNewLeader?(identity: string): void;
}

export interface LeaderElectionOptions {
  readonly api: ApiClient;
  readonly namespace: string;
  readonly name: string;
  /** Defaults to `<hostname>_<uuid>`, like client-go's typical setup. */
  readonly identity?: string;
  readonly clock?: Clock;
  readonly leaseDurationMs?: number;
  readonly renewDeadlineMs?: number;
  readonly retryPeriodMs?: number;
  readonly log: Logger;
  readonly callbacks: LeaderCallbacks;
}

/** `spec` of a Lease, as far as leader election uses it. */
export interface LeaderElectionRecord {
  readonly holderIdentity: string;
  readonly leaseDurationSeconds: number;
  readonly acquireTime: string;
  readonly renewTime: string;
  readonly leaseTransitions: number;
}

interface ObservedLease {
  readonly record: LeaderElectionRecord;
  readonly resourceVersion: string;
}

export const defaultLeaderTimings = { leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000 } as const;

/** client-go's JitterFactor for the retry period. */
const jitterFactor = 1.2;

export const defaultIdentity = (): string => `${hostname()}_${randomUUID()}`;

function parseRecord(body: unknown): ObservedLease | null {
  if (typeof body !== 'object' || body === null) return null;
  const lease = body as Record<string, unknown>;
  const metadata = lease.metadata as Record<string, unknown> | undefined;
  const spec = (lease.spec ?? {}) as Record<string, unknown>;
  const str = (v: unknown): string => (typeof v === 'string' ? v : '');
  const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
  return {
    resourceVersion: str(metadata?.resourceVersion),
    record: {
      holderIdentity: str(spec.holderIdentity),
      leaseDurationSeconds: num(spec.leaseDurationSeconds),
      acquireTime: str(spec.acquireTime),
      renewTime: str(spec.renewTime),
      leaseTransitions: num(spec.leaseTransitions),
    },
  };
}

const sameRecord = (a: LeaderElectionRecord, b: LeaderElectionRecord): boolean =>
  a.holderIdentity === b.holderIdentity &&
  a.leaseDurationSeconds === b.leaseDurationSeconds &&
  a.acquireTime === b.acquireTime &&
  a.renewTime === b.renewTime &&
  a.leaseTransitions === b.leaseTransitions;

export class LeaseLeaderElector {
  readonly identity: string;
  private readonly clock: Clock;
  private readonly leaseDurationMs: number;
  private readonly renewDeadlineMs: number;
  private readonly retryPeriodMs: number;
  private observed: ObservedLease | null = null;
  private observedAt = 0;
  private leading = false;
  private lastRenewAt = 0;
  private running = false;
  private timer: TimerHandle | null = null;
  private inFlight: Promise<void> | null = null;

  constructor(private readonly options: LeaderElectionOptions) {
    this.identity = options.identity ?? defaultIdentity();
    this.clock = options.clock ?? new RealClock();
    this.leaseDurationMs = options.leaseDurationMs ?? defaultLeaderTimings.leaseDurationMs;
    this.renewDeadlineMs = options.renewDeadlineMs ?? defaultLeaderTimings.renewDeadlineMs;
    this.retryPeriodMs = options.retryPeriodMs ?? defaultLeaderTimings.retryPeriodMs;
    if (this.leaseDurationMs <= this.renewDeadlineMs)
      throw new RangeError('leaseDuration must be greater than renewDeadline');
    if (this.renewDeadlineMs <= this.retryPeriodMs)
      throw new RangeError('renewDeadline must be greater than retryPeriod');
    if (this.identity === '') throw new RangeError('leader election identity must not be empty');
  }

  isLeader(): boolean {
    return this.leading;
  }

  /** Holder identity last observed on the Lease (empty when free or unknown). */
  observedLeader(): string {
    return this.observed?.record.holderIdentity ?? '';
  }

  /** Begins campaigning; the first attempt runs immediately. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.arm(0);
  }

  /** Stops campaigning/renewing without touching the Lease (it expires for the others). */
  async stop(): Promise<void> {
    this.running = false;
    if (this.timer !== null) this.clock.clearTimer(this.timer);
    this.timer = null;
    await this.inFlight;
    if (this.leading) this.loseLeadership('stopped');
  }

  /** Stops and, if leading, frees the Lease so another instance takes over at its next retry. */
  async release(): Promise<void> {
    const wasLeading = this.leading;
    await this.stop();
    // Read after stop(): a renewal in flight during stop() has bumped the resourceVersion.
    const observed = this.observed;
    if (!wasLeading || observed === null || observed.record.holderIdentity !== this.identity) return;
    const now = this.clock.now();
    try {
      await this.writeRecord(
        {
          holderIdentity: '',
          leaseDurationSeconds: 1,
          acquireTime: rfc3339Micro(now),
          renewTime: rfc3339Micro(now),
          leaseTransitions: observed.record.leaseTransitions,
        },
        observed.resourceVersion,
      );
      this.options.log.info('released leader lease', { lease: this.leaseName(), identity: this.identity });
    } catch (err) {
      this.options.log.warn('failed to release leader lease', { lease: this.leaseName(), error: String(err) });
    }
  }

  private arm(delayMs: number): void {
    if (!this.running) return;
    this.timer = this.clock.setTimer(() => {
      this.timer = null;
      this.inFlight = this.tick().finally(() => {
        this.inFlight = null;
      });
    }, delayMs);
  }

  private async tick(): Promise<void> {
    let acquired = false;
    try {
      acquired = await this.tryAcquireOrRenew();
    } catch (err) {
      this.options.log.warn('leader election attempt failed', { lease: this.leaseName(), error: String(err) });
    }
    if (!this.running) return;
    const now = this.clock.now();
    if (acquired) {
      this.lastRenewAt = now;
      if (!this.leading) {
        this.leading = true;
        this.options.log.info('became leader', { lease: this.leaseName(), identity: this.identity });
        this.options.callbacks.onStartedLeading();
      }
      this.arm(this.retryPeriodMs);
      return;
    }
    if (this.leading) {
      const heldByOther =
        this.observed !== null &&
        this.observed.record.holderIdentity !== '' &&
        this.observed.record.holderIdentity !== this.identity;
      if (heldByOther) this.loseLeadership('lease taken by another holder');
      else if (now - this.lastRenewAt >= this.renewDeadlineMs) this.loseLeadership('renew deadline exceeded');
      // Still within the renew deadline: retry at the retry period, like client-go's renew loop.
      this.arm(this.retryPeriodMs);
      return;
    }
    this.arm(this.retryPeriodMs * (1 + Math.random() * jitterFactor));
  }

  private loseLeadership(why: string): void {
    this.leading = false;
    this.options.log.warn('stopped leading', { lease: this.leaseName(), identity: this.identity, why });
    this.options.callbacks.onStoppedLeading();
  }

  /** One client-go `tryAcquireOrRenew`: true when we hold the Lease afterwards. */
  private async tryAcquireOrRenew(): Promise<boolean> {
    const now = this.clock.now();
    const mine = (acquireTime: string, transitions: number): LeaderElectionRecord => ({
      holderIdentity: this.identity,
      leaseDurationSeconds: Math.max(1, Math.round(this.leaseDurationMs / 1000)),
      acquireTime,
      renewTime: rfc3339Micro(now),
      leaseTransitions: transitions,
    });

    const current = await this.readLease();
    if (current === null) {
      const record = mine(rfc3339Micro(now), 0);
      const created = await this.createLease(record);
      this.observe(created);
      return created.record.holderIdentity === this.identity;
    }
    this.observe(current);
    const holder = current.record.holderIdentity;
    if (holder !== '' && holder !== this.identity && !this.expired(current.record, now)) return false;

    const record =
      holder === this.identity
        ? mine(current.record.acquireTime, current.record.leaseTransitions)
        : mine(rfc3339Micro(now), current.record.leaseTransitions + 1);
    const updated = await this.writeRecord(record, current.resourceVersion);
    this.observe(updated);
    return true;
  }

  private expired(record: LeaderElectionRecord, now: number): boolean {
    if (this.observedAt + this.leaseDurationMs <= now) return true;
    const renewedAt = Date.parse(record.renewTime);
    return Number.isFinite(renewedAt) && renewedAt + record.leaseDurationSeconds * 1000 < now;
  }

  private observe(lease: ObservedLease): void {
    const previous = this.observed;
    if (previous === null || !sameRecord(previous.record, lease.record)) {
      this.observedAt = this.clock.now();
      if (previous?.record.holderIdentity !== lease.record.holderIdentity && lease.record.holderIdentity !== '')
        this.options.callbacks.onNewLeader?.(lease.record.holderIdentity);
    }
    this.observed = lease;
  }

  private leaseName(): string {
    return `${this.options.namespace}/${this.options.name}`;
  }

  private leasesPath(): string {
    return `/apis/coordination.k8s.io/v1/namespaces/${encodeURIComponent(this.options.namespace)}/leases`;
  }

  private async readLease(): Promise<ObservedLease | null> {
    try {
      const res = await this.options.api.request({
        method: 'GET',
        path: `${this.leasesPath()}/${encodeURIComponent(this.options.name)}`,
        timeoutMs: this.renewDeadlineMs,
      });
      return parseRecord(res.body);
    } catch (err) {
      if (err instanceof ApiError && err.code === 404) return null;
      throw err;
    }
  }

  private async createLease(record: LeaderElectionRecord): Promise<ObservedLease> {
    const res = await this.options.api.request({
      method: 'POST',
      path: this.leasesPath(),
      body: {
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: { name: this.options.name, namespace: this.options.namespace },
        spec: record,
      },
      timeoutMs: this.renewDeadlineMs,
    });
    const parsed = parseRecord(res.body);
    if (parsed === null) throw new Error('lease create returned no object');
    return parsed;
  }

  /** PUT with the observed resourceVersion: a concurrent writer makes this fail with 409. */
  private async writeRecord(record: LeaderElectionRecord, resourceVersion: string): Promise<ObservedLease> {
    const res = await this.options.api.request({
      method: 'PUT',
      path: `${this.leasesPath()}/${encodeURIComponent(this.options.name)}`,
      body: {
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: { name: this.options.name, namespace: this.options.namespace, resourceVersion },
        spec: record,
      },
      timeoutMs: this.renewDeadlineMs,
    });
    const parsed = parseRecord(res.body);
    if (parsed === null) throw new Error('lease update returned no object');
    return parsed;
  }
}
