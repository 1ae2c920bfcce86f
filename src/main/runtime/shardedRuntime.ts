// Multi-core mode: the engine's decisions are routed to N worker threads, each running one queue
// partition and executing the evictions of the pods it owns. The main thread keeps every decision and
// its source of truth; workers are replaceable caches of it (see supervisor.ts).

import type { Remote } from 'comlink';
import type { SharedCredentialSource } from '../../kube/connection.js';
import type { BackoffOptions } from '../../shared/backoff.js';
import type { EvictionBreakerSpec } from '../../shared/evictionBreaker.js';
import type { Logger } from '../../shared/logger.js';
import type { RuleRate } from '../../shared/messages/types.js';
import type { ShardWorkerData, WorkerClockSpec } from '../../shared/messages/workerData.js';
import { SharedSlots, type SharedSlotsSpec } from '../../shared/sharedSlots.js';
import type { SharedTokenBucketSpec } from '../../shared/tokenBucket.js';
import type { WriteFenceSpec } from '../../shared/writeFence.js';
import type { WorkerControlApi } from '../../workers/controlApi.js';
import type { ExecutorSpec } from '../../workers/executor/factory.js';
import type { PartitionEntrySnapshot, SnapshotFilter } from '../../workers/partition.js';
import {
  addPartitionStats,
  type EvictionRuntime,
  emptyPartitionStats,
  ResultListeners,
  type ResultsListener,
  type RuntimeStats,
} from './evictionRuntime.js';
import { ShardRouter } from './router.js';
import { type PendingEvictionSource, type SupervisorOptions, WorkerSupervisor } from './supervisor.js';

export interface ShardedRuntimeOptions {
  /** Number of worker threads (shards), ≥ 1. */
  readonly workers: number;
  /** Built inside every worker (see src/workers/executor/factory.ts). */
  readonly executor: ExecutorSpec;
  /** The process-wide API budget shared by all threads; `null` = unlimited. */
  readonly budget: SharedTokenBucketSpec | null;
  /** The process's write permission (leader lease) shared by all threads; absent/`null` = always open. */
  readonly fence?: WriteFenceSpec | null;
  /**
   * One bound on evictions in flight across all workers (`--concurrent-device-taint-eviction-syncs`);
   * absent/`null` = only `concurrency` per worker.
   */
  readonly slots?: SharedSlotsSpec | null;
  /** The global start rate (`--max-evictions-per-second`); absent/`null` = unlimited. */
  readonly startRate?: SharedTokenBucketSpec | null;
  /** The blast-radius breaker every worker counts in; absent/`null` = none. */
  readonly breaker?: EvictionBreakerSpec | null;
  /** A worker's brake started or stopped holding its evictions back. */
  readonly onBrake?: SupervisorOptions['onBrake'];
  /** Bound on in-flight evictions per worker. */
  readonly concurrency: number;
  readonly backoff?: BackoffOptions;
  /** Real time by default; virtual time is advanced with `advanceVirtualTime` (tests, simulations). */
  readonly clock?: WorkerClockSpec;
  /** The engine's pending evictions, replayed into a restarted worker's shard. */
  readonly pending: PendingEvictionSource;
  readonly log: Logger;
  /** API-call counts reported by the workers' executors. */
  readonly onMetrics?: SupervisorOptions['onMetrics'];
  readonly workerLog?: ShardWorkerData['log'];
  readonly restartBackoff?: SupervisorOptions['restartBackoff'];
  readonly controlTimeoutMs?: number;
  /** Ops held for a restarting shard before falling back to a replay from the source of truth alone. */
  readonly maxHeldOps?: number;
  readonly spawn?: SupervisorOptions['spawn'];
  /** API credentials for the workers' executors (the kube executor needs them). */
  readonly credentials?: SharedCredentialSource;
  /** Every worker's V8 heap caps (workerHeap.ts); V8's defaults when absent. */
  readonly heapLimits?: SupervisorOptions['heapLimits'];
}

export class ShardedRuntime implements EvictionRuntime {
  readonly sink: ShardRouter;
  readonly shardCount: number;
  private readonly listeners: ResultListeners;
  private closed = false;

  /** Spawns the workers and resolves once every one of them is ready. */
  static async start(options: ShardedRuntimeOptions): Promise<ShardedRuntime> {
    const runtime = new ShardedRuntime(options);
    try {
      await runtime.supervisor.start();
    } catch (error) {
      await runtime.supervisor.stop(0);
      throw error;
    }
    return runtime;
  }

  readonly supervisor: WorkerSupervisor;

  private constructor(private readonly options: ShardedRuntimeOptions) {
    this.listeners = new ResultListeners((error) =>
      options.log.error('Eviction results listener failed', {
        error: error instanceof Error ? error.message : String(error),
      }),
    );
    this.supervisor = new WorkerSupervisor({
      shardCount: options.workers,
      workerData: {
        executor: options.executor,
        budget: options.budget,
        fence: options.fence ?? null,
        slots: options.slots ?? null,
        startRate: options.startRate ?? null,
        breaker: options.breaker ?? null,
        concurrency: options.concurrency,
        backoff: options.backoff ?? null,
        clock: options.clock ?? { kind: 'real' },
        log: options.workerLog ?? { level: 'warn', format: 'json' },
      },
      pending: options.pending,
      onResults: (results) => this.listeners.emit(results),
      ...(options.onMetrics === undefined ? {} : { onMetrics: options.onMetrics }),
      log: options.log,
      ...(options.restartBackoff === undefined ? {} : { restartBackoff: options.restartBackoff }),
      ...(options.controlTimeoutMs === undefined ? {} : { controlTimeoutMs: options.controlTimeoutMs }),
      ...(options.maxHeldOps === undefined ? {} : { maxHeldOps: options.maxHeldOps }),
      ...(options.spawn === undefined ? {} : { spawn: options.spawn }),
      ...(options.credentials === undefined ? {} : { credentials: options.credentials }),
      ...(options.onBrake === undefined ? {} : { onBrake: options.onBrake }),
      ...(options.heapLimits === undefined ? {} : { heapLimits: options.heapLimits }),
    });
    this.shardCount = options.workers;
    this.sink = new ShardRouter(this.supervisor);
  }

  onResults(listener: ResultsListener): () => void {
    return this.listeners.add(listener);
  }

  /**
   * Moves every worker's virtual clock to `nowMs` (only with `clock: { kind: 'virtual' }`). Batched ops
   * are flushed first, so each worker applies all decisions made before this call, then the time step —
   * the same order a FakeClock-driven inline partition sees.
   */
  advanceVirtualTime(nowMs: number): void {
    if (this.options.clock?.kind !== 'virtual') throw new Error('advanceVirtualTime needs clock kind "virtual"');
    this.sink.flush();
    this.supervisor.broadcast({ t: 'time', now: nowMs });
  }

  /** The start rates of the rules that have one (the full list; it replaces the previous one). */
  setRuleRates(rates: readonly RuleRate[]): void {
    this.supervisor.setRuleRates(rates);
  }

  /** Leadership lost: every worker cuts its in-flight writes now (the closed fence stops new ones). */
  abortWrites(reason: string): void {
    this.supervisor.broadcast({ t: 'abortWrites', reason });
  }

  async stats(): Promise<RuntimeStats> {
    const shards = await this.supervisor.shardStatuses();
    let totals = emptyPartitionStats;
    for (const shard of shards) if (shard.worker !== null) totals = addPartitionStats(totals, shard.worker.partition);
    const router = this.sink.stats();
    const supervisor = this.supervisor.stats();
    return {
      mode: 'sharded',
      shardCount: this.shardCount,
      totals,
      shards,
      workerRestarts: supervisor.restarts,
      opsRouted: router.opsRouted,
      resultsReceived: supervisor.resultsReceived,
      messagingMs: router.sendMs + supervisor.receiveMs,
    };
  }

  async snapshot(filter?: SnapshotFilter): Promise<PartitionEntrySnapshot[]> {
    const parts = await this.eachShard((control) => control.snapshot(filter));
    return parts.flatMap((part) => part ?? []);
  }

  async drain(timeoutMs: number): Promise<void> {
    this.sink.flush();
    await this.eachShard((control) => control.drain(timeoutMs));
  }

  async reconfigure(change: { readonly concurrency?: number }): Promise<readonly number[]> {
    // The shared bound is the one that counts; each worker may use all of it.
    const slots = this.options.slots;
    if (slots != null && change.concurrency !== undefined) new SharedSlots(slots).setLimit(change.concurrency);
    const applied = await this.eachShard((control) => control.reconfigure(change));
    return applied.map((settings) => settings?.concurrency ?? 0);
  }

  async close(drainMs: number): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.sink.stop();
    await this.supervisor.stop(drainMs);
  }

  private eachShard<T>(call: (control: Remote<WorkerControlApi>) => Promise<T>): Promise<(T | null)[]> {
    return Promise.all(Array.from({ length: this.shardCount }, (_, shard) => this.supervisor.callControl(shard, call)));
  }
}
