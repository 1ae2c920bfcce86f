// The control plane of a shard worker: low-rate request/response calls (stats for /metrics and tests,
// drain, reconfigure, snapshot) served over comlink on a dedicated MessagePort. Evictions never travel
// here — comlink costs one round trip per call (~17k calls/s), fine for control, far too slow for data.

import type { PartitionEntrySnapshot, PartitionStats, SnapshotFilter } from './partition.js';

export interface WorkerStats {
  readonly shard: number;
  readonly partition: PartitionStats;
  /** Current bound on in-flight evictions in this worker. */
  readonly concurrency: number;
  /** Data-plane messages dropped because they failed validation. */
  readonly invalidMessages: number;
  /** Data-plane messages handled (valid or not); equals the supervisor's `messagesSent` once caught up. */
  readonly messagesHandled: number;
  /** Ops applied to the partition since the worker started (including replayed entries). */
  readonly opsApplied: number;
  /** Results sent to the main thread since the worker started. */
  readonly resultsSent: number;
  /** Resident set is per process; this is the worker's own V8 heap. */
  readonly heapUsedBytes: number;
}

export interface WorkerReconfigure {
  /** New bound on in-flight evictions (≥ 1). */
  readonly concurrency?: number;
}

/** What a worker exposes through comlink. Every method is async on the caller's side. */
export interface WorkerControlApi {
  stats(): WorkerStats;
  snapshot(filter?: SnapshotFilter): PartitionEntrySnapshot[];
  /** Stops starting new evictions and waits at most `timeoutMs` for in-flight ones. */
  drain(timeoutMs: number): Promise<void>;
  /** Applies what it can; returns the settings now in effect. */
  reconfigure(change: WorkerReconfigure): { readonly concurrency: number };
}
