// What one leader-election attempt does to the Lease (client-go's tryAcquireOrRenew and tryRelease),
// and what it observed: the record last seen and the local monotonic time it was seen to change, by
// which a candidate judges expiry (never by the record's renewTime). The elector (leaderElector.ts)
// decides when attempts run and what their outcome means for its term.

import type { Logger } from '../shared/logger.js';
import { ApiError, rfc3339Micro } from './apiClient.js';
import type { LeaderElectionMetrics } from './leaderElection.js';
import { isNotFound, type LeaderElectionRecord, type LeaseLock, type LeaseSend, recordKey } from './leaderLeaseLock.js';
import type { Attempt } from './leaseDeadlines.js';

export type Outcome =
  | { readonly ok: true }
  | {
      readonly ok: false;
      readonly error?: unknown;
      /** A live foreign holder (candidate) — not an error. */
      readonly heldBy?: string;
      /** Leading, and the Lease names somebody else (or nobody). */
      readonly takenOverBy?: string;
      /** Leading, and retrying cannot help. */
      readonly fatal?: string;
    };

export const OK: Outcome = { ok: true };

export const errorText = (err: unknown): string => (err instanceof Error ? err.message : String(err));

export interface LeaseAttemptsOptions {
  readonly identity: string;
  readonly lock: LeaseLock;
  /** leaseDurationSeconds written into the record. */
  readonly recordSeconds: number;
  readonly mono: () => number;
  readonly wall: () => number;
  readonly log: Logger;
  readonly metrics: LeaderElectionMetrics | undefined;
  /** Log fields naming the lease and the identity. */
  readonly fields: (extra?: Record<string, unknown>) => Record<string, unknown>;
}

export class LeaseAttempts {
  private observedRecord: LeaderElectionRecord | null = null;
  private observedKey = '';
  /** Monotonic time at which the observed record was last seen to change (client-go's observedTime). */
  private observedAtMono = Number.NEGATIVE_INFINITY;

  constructor(private readonly o: LeaseAttemptsOptions) {}

  /** The record last observed (read or written), or null before the first. */
  get observed(): LeaderElectionRecord | null {
    return this.observedRecord;
  }

  get observedAt(): number {
    return this.observedAtMono;
  }

  /** client-go setObservedRecord: the record and the local monotonic time we saw it. */
  private setObserved(record: LeaderElectionRecord): void {
    this.observedRecord = record;
    this.observedKey = recordKey(record);
    this.observedAtMono = this.o.mono();
  }

  /** client-go isLeaseValid: observedTime + the *record's* leaseDurationSeconds is after `now`. */
  private isLeaseValid(now: number): boolean {
    return this.observedRecord !== null && this.observedAtMono + this.observedRecord.leaseDurationSeconds * 1000 > now;
  }

  /** client-go tryAcquireOrRenew, plus the stricter handling for a leader (see leaderElector.ts). */
  async tryAcquireOrRenew(
    send: LeaseSend,
    leading: boolean,
    attempt: Pick<Attempt, 'start' | 'controller'>,
  ): Promise<Outcome> {
    const stamp = rfc3339Micro(this.o.wall());
    const fresh: LeaderElectionRecord = {
      holderIdentity: this.o.identity,
      leaseDurationSeconds: this.o.recordSeconds,
      acquireTime: stamp,
      renewTime: stamp,
      leaseTransitions: 0,
    };
    const ours = this.observedRecord !== null && this.observedRecord.holderIdentity === this.o.identity;

    // 1. Fast path: the leader updates its last written object optimistically, without a GET.
    if (ours && this.observedRecord !== null && this.isLeaseValid(attempt.start) && this.o.lock.hasLease()) {
      try {
        const written = await this.o.lock.update(send, {
          ...fresh,
          acquireTime: this.observedRecord.acquireTime,
          leaseTransitions: this.observedRecord.leaseTransitions,
        });
        this.setObserved(written);
        return OK;
      } catch (err) {
        if (attempt.controller.signal.aborted) throw err;
        this.o.log.debug(
          'failed to update lease optimistically, falling back to slow path',
          this.o.fields({ error: errorText(err) }),
        );
      }
    }

    // 2. Obtain or create the record.
    let current: LeaderElectionRecord;
    try {
      current = await this.o.lock.get(send);
    } catch (err) {
      if (!isNotFound(err)) return { ok: false, error: err };
      if (leading) return { ok: false, fatal: `lease ${this.o.lock.describe()} was deleted` };
      try {
        const created = await this.o.lock.create(send, fresh);
        this.setObserved(created);
        return OK;
      } catch (createErr) {
        return { ok: false, error: createErr };
      }
    }

    // 3. Record obtained: a change restarts the expiry clock; a live foreign holder wins.
    if (recordKey(current) !== this.observedKey) this.setObserved(current);
    const holder = current.holderIdentity;
    if (leading && holder !== this.o.identity) return { ok: false, takenOverBy: holder };
    if (holder !== '' && holder !== this.o.identity && this.isLeaseValid(attempt.start))
      return { ok: false, heldBy: holder };

    // 4. Update: keep acquireTime/transitions when it is ours, else take it over.
    let record: LeaderElectionRecord;
    if (holder === this.o.identity) {
      record = { ...fresh, acquireTime: current.acquireTime, leaseTransitions: current.leaseTransitions };
      this.o.metrics?.slowpathExercised(this.o.lock.name);
    } else {
      record = { ...fresh, leaseTransitions: current.leaseTransitions + 1 };
    }
    try {
      const written = await this.o.lock.update(send, record);
      this.setObserved(written);
      return OK;
    } catch (err) {
      return { ok: false, error: err };
    }
  }

  /** client-go tryRelease (retries on conflict within one renewDeadline), only over our own record. */
  async tryRelease(send: LeaseSend): Promise<boolean> {
    for (;;) {
      let current: LeaderElectionRecord;
      try {
        current = await this.o.lock.get(send);
      } catch (err) {
        this.o.log.warn('failed to release leader lease', this.o.fields({ error: errorText(err) }));
        return false;
      }
      if (current.holderIdentity !== this.o.identity) {
        this.o.log.info(
          'not releasing the leader lease: it is no longer ours',
          this.o.fields({ holder: current.holderIdentity }),
        );
        return false;
      }
      const stamp = rfc3339Micro(this.o.wall());
      try {
        const written = await this.o.lock.update(send, {
          holderIdentity: '',
          leaseDurationSeconds: 1,
          acquireTime: stamp,
          renewTime: stamp,
          leaseTransitions: current.leaseTransitions,
        });
        this.setObserved(written);
        this.o.log.info('released leader lease', this.o.fields());
        return true;
      } catch (err) {
        if (err instanceof ApiError && err.isConflict) {
          this.o.log.debug('conflict when releasing lease, retrying', this.o.fields());
          continue;
        }
        this.o.log.warn('failed to release leader lease', this.o.fields({ error: errorText(err) }));
        return false;
      }
    }
  }
}
