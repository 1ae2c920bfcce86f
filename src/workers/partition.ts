// The contract of one worker's partition of the timed eviction queue. The implementation lives in
// `evictionPartition.ts` (timed queue + executor + evicted-UID cache); the runtime (`src/main`) talks
// to a partition either directly (inline mode) or through typed messages (one partition per worker).

import type { BackoffOptions } from '../shared/backoff.js';
import type { Clock } from '../shared/clock.js';
import type { EvictionResult, EvictionSink, ReasonId } from '../shared/decisions.js';
import type { EvictionExecutor } from '../shared/executor.js';
import type { Logger } from '../shared/logger.js';
import type { Slots } from '../shared/sharedSlots.js';
import type { PodRef } from '../shared/types.js';
import type { Admission } from './admission.js';
import type { BrakeEvent } from './timedQueue.js';

/** What the partition asks before starting a due eviction (EvictionAdmission implements it). */
export interface EvictionAdmissionPolicy {
  /** `attempt`: 1 for an eviction's first start, more for a retry after a failed attempt. */
  admit(now: number, fireAt: number, reasons: readonly ReasonId[], attempt?: number): Admission;
}

export interface PartitionStats {
  /** Entries waiting for their fire time (including ones waiting for a retry). */
  readonly scheduled: number;
  /** Evictions whose API calls are in flight. */
  readonly running: number;
  /** Entries currently backing off after a failed attempt. */
  readonly retrying: number;
  /** Finished evictions (any outcome) since start. */
  readonly completed: number;
  /** Failed attempts since start. */
  readonly failedAttempts: number;
  /** Due evictions a start-rate limit holds back right now. */
  readonly throttled: number;
  /** Evictions that started later than due because the global start rate held them, since start. */
  readonly throttledGlobalTotal: number;
  /** Evictions that started later than due because their rule's start rate held them, since start. */
  readonly throttledRuleTotal: number;
}

export interface PartitionEntrySnapshot {
  readonly pod: PodRef;
  readonly fireAt: number;
  readonly state: 'scheduled' | 'running';
  readonly attempts: number;
}

/** Which entries a snapshot lists (all by default). */
export interface SnapshotFilter {
  readonly state?: PartitionEntrySnapshot['state'];
  /** Only entries due by then (`fireAt` ≤ dueBy, ms since epoch). */
  readonly dueBy?: number;
}

export const matchesSnapshotFilter = (entry: PartitionEntrySnapshot, filter: SnapshotFilter): boolean =>
  (filter.state === undefined || entry.state === filter.state) &&
  (filter.dueBy === undefined || entry.fireAt <= filter.dueBy);

export interface PartitionOptions {
  readonly clock: Clock;
  readonly executor: EvictionExecutor;
  /** Upper bound on evictions in flight at once in this partition. */
  readonly concurrency: number;
  readonly onResult: (result: EvictionResult) => void;
  /** Per-item exponential backoff; defaults 5 ms doubling to 1000 s (client-go's controller rate limiter). */
  readonly backoff?: BackoffOptions;
  readonly log?: Logger;
  /** Whether evictions may start now (the process holds the right to write); default always. */
  readonly canStart?: () => boolean;
  /** The brakes every start passes (fence, breaker, start rates); replaces `canStart` when given. */
  readonly admission?: EvictionAdmissionPolicy;
  /** A brake started or stopped holding evictions back (see TimedQueue's BrakeEvent). */
  readonly onBrake?: (event: BrakeEvent) => void;
  /** The process-wide bound on evictions in flight, shared with the other partitions; default none. */
  readonly slots?: Slots;
}

export interface EvictionPartition extends EvictionSink {
  stats(): PartitionStats;
  snapshot(filter?: SnapshotFilter): PartitionEntrySnapshot[];
  /** Stops starting new runs and waits (at most `timeoutMs`) for in-flight runs to finish. */
  drain(timeoutMs: number): Promise<void>;
  /** Cuts every write in flight at once (leadership lost). */
  abortWrites(reason: string): void;
}

export type { ReasonId };
