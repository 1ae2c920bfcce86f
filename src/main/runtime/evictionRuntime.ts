// What the controller wires its engine to, whichever way evictions are executed: `InlineRuntime` (one
// queue partition on the main thread — single-core mode and the reference in tests) or `ShardedRuntime`
// (one partition per worker thread). The engine feeds `sink` and gets finished evictions back through
// `onResults`; everything else is for operations (/metrics, shutdown) and tests.

import type { EvictionResult, EvictionSink } from '../../shared/decisions.js';
import type { PartitionEntrySnapshot, PartitionStats, SnapshotFilter } from '../../workers/partition.js';
import type { ShardStatus } from './supervisor.js';

export type ResultsListener = (results: readonly EvictionResult[]) => void;

export interface RuntimeStats {
  readonly mode: 'inline' | 'sharded';
  readonly shardCount: number;
  /** Sum over every partition that answered. */
  readonly totals: PartitionStats;
  /** Per worker (sharded mode only; empty inline). */
  readonly shards: readonly ShardStatus[];
  /** Crashed workers replaced since start. */
  readonly workerRestarts: number;
  readonly opsRouted: number;
  readonly resultsReceived: number;
  /** Main-thread ms spent posting op batches and receiving result batches. */
  readonly messagingMs: number;
}

export interface EvictionRuntime {
  /** Where the engine sends its decisions. */
  readonly sink: EvictionSink;
  readonly shardCount: number;
  /** Registers a listener for finished evictions (the engine's `evictionFinished`); returns an unsubscribe. */
  onResults(listener: ResultsListener): () => void;
  stats(): Promise<RuntimeStats>;
  /** Every pending or running entry across partitions (those `filter` selects). */
  snapshot(filter?: SnapshotFilter): Promise<PartitionEntrySnapshot[]>;
  /** Stops starting evictions and waits at most `timeoutMs` for in-flight ones (no restart afterwards). */
  drain(timeoutMs: number): Promise<void>;
  /** Changes the per-partition bound on in-flight evictions; resolves with the bound now in effect per shard. */
  reconfigure(change: { readonly concurrency?: number }): Promise<readonly number[]>;
  /** Graceful shutdown: stop routing, drain in-flight calls for at most `drainMs`, release threads. */
  close(drainMs: number): Promise<void>;
}

export const emptyPartitionStats: PartitionStats = {
  scheduled: 0,
  running: 0,
  retrying: 0,
  completed: 0,
  failedAttempts: 0,
  throttled: 0,
  throttledGlobalTotal: 0,
  throttledRuleTotal: 0,
};

export function addPartitionStats(a: PartitionStats, b: PartitionStats): PartitionStats {
  return {
    scheduled: a.scheduled + b.scheduled,
    running: a.running + b.running,
    retrying: a.retrying + b.retrying,
    completed: a.completed + b.completed,
    failedAttempts: a.failedAttempts + b.failedAttempts,
    throttled: a.throttled + b.throttled,
    throttledGlobalTotal: a.throttledGlobalTotal + b.throttledGlobalTotal,
    throttledRuleTotal: a.throttledRuleTotal + b.throttledRuleTotal,
  };
}

/** Fan-out of result batches to listeners; a throwing listener does not starve the others. */
export class ResultListeners {
  private readonly listeners = new Set<ResultsListener>();

  constructor(private readonly onListenerError: (error: unknown) => void) {}

  add(listener: ResultsListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(results: readonly EvictionResult[]): void {
    for (const listener of this.listeners) {
      try {
        listener(results);
      } catch (error) {
        this.onListenerError(error);
      }
    }
  }
}
