// Single-thread mode: one queue partition on the main thread, behind the same interface as the sharded
// runtime. It is what `--workers 0` runs and the reference the sharded runtime is tested against.
// Results are delivered in a microtask batch rather than from inside the partition's completion, so the
// engine never re-enters the partition from its own callback — the same decoupling the thread hop gives
// the sharded runtime.

import type { BackoffOptions } from '../../shared/backoff.js';
import type { Clock } from '../../shared/clock.js';
import type { CachedPodState, EvictionResult, EvictionSink, ReasonId } from '../../shared/decisions.js';
import type { EvictionExecutor } from '../../shared/executor.js';
import { type Logger, silentLogger } from '../../shared/logger.js';
import type { PodRef } from '../../shared/types.js';
import { QueuedEvictionPartition } from '../../workers/evictionPartition.js';
import type { EvictionPartition, PartitionEntrySnapshot, SnapshotFilter } from '../../workers/partition.js';
import { type EvictionRuntime, ResultListeners, type ResultsListener, type RuntimeStats } from './evictionRuntime.js';

export interface InlineRuntimeOptions {
  readonly clock: Clock;
  readonly executor: EvictionExecutor;
  readonly concurrency: number;
  readonly backoff?: BackoffOptions;
  readonly log?: Logger;
  /** How the partition defers its starts (see TimedQueue); setImmediate by default. */
  readonly defer?: (fn: () => void) => void;
  /** Builds the partition; defaults to the production `QueuedEvictionPartition`. */
  readonly createPartition?: (options: ConstructorParameters<typeof QueuedEvictionPartition>[0]) => EvictionPartition;
}

/** Forwards to the partition until closed; afterwards decisions are dropped, as in the sharded router. */
class StoppableSink implements EvictionSink {
  stopped = false;
  opsRouted = 0;

  constructor(private readonly target: EvictionSink) {}

  schedule(pod: PodRef, fireAt: number, reasons: readonly ReasonId[], podState: CachedPodState = 0): void {
    if (this.stopped) return;
    this.opsRouted++;
    this.target.schedule(pod, fireAt, reasons, podState);
  }

  cancel(pod: PodRef, emitEvent: boolean): void {
    if (this.stopped) return;
    this.opsRouted++;
    this.target.cancel(pod, emitEvent);
  }
}

export class InlineRuntime implements EvictionRuntime {
  readonly shardCount = 1;
  readonly sink: EvictionSink;
  private readonly partition: EvictionPartition;
  private readonly stoppable: StoppableSink;
  private readonly listeners: ResultListeners;
  private pendingResults: EvictionResult[] = [];
  private deliveryScheduled = false;
  private resultsReceived = 0;
  private concurrency: number;

  constructor(options: InlineRuntimeOptions) {
    const log = options.log ?? silentLogger;
    this.listeners = new ResultListeners((error) =>
      log.error('Eviction results listener failed', { error: error instanceof Error ? error.message : String(error) }),
    );
    this.concurrency = options.concurrency;
    const partitionOptions = {
      clock: options.clock,
      executor: options.executor,
      concurrency: options.concurrency,
      onResult: (result: EvictionResult) => this.collect(result),
      log,
      ...(options.backoff === undefined ? {} : { backoff: options.backoff }),
      ...(options.defer === undefined ? {} : { defer: options.defer }),
    };
    this.partition = options.createPartition?.(partitionOptions) ?? new QueuedEvictionPartition(partitionOptions);
    this.stoppable = new StoppableSink(this.partition);
    this.sink = this.stoppable;
  }

  onResults(listener: ResultsListener): () => void {
    return this.listeners.add(listener);
  }

  async stats(): Promise<RuntimeStats> {
    return {
      mode: 'inline',
      shardCount: 1,
      totals: this.partition.stats(),
      shards: [],
      workerRestarts: 0,
      opsRouted: this.stoppable.opsRouted,
      resultsReceived: this.resultsReceived,
      messagingMs: 0,
    };
  }

  async snapshot(filter?: SnapshotFilter): Promise<PartitionEntrySnapshot[]> {
    return this.partition.snapshot(filter);
  }

  async drain(timeoutMs: number): Promise<void> {
    await this.partition.drain(timeoutMs);
    this.deliver();
  }

  async reconfigure(change: { readonly concurrency?: number }): Promise<readonly number[]> {
    const partition = this.partition as EvictionPartition & { setConcurrency?: (concurrency: number) => void };
    const wanted = change.concurrency;
    if (wanted !== undefined && Number.isInteger(wanted) && wanted >= 1 && partition.setConcurrency !== undefined) {
      partition.setConcurrency(wanted);
      this.concurrency = wanted;
    }
    return [this.concurrency];
  }

  async close(drainMs: number): Promise<void> {
    this.stoppable.stopped = true;
    await this.drain(drainMs);
  }

  private collect(result: EvictionResult): void {
    this.pendingResults.push(result);
    this.resultsReceived++;
    if (!this.deliveryScheduled) {
      this.deliveryScheduled = true;
      queueMicrotask(() => this.deliver());
    }
  }

  private deliver(): void {
    this.deliveryScheduled = false;
    if (this.pendingResults.length === 0) return;
    const results = this.pendingResults;
    this.pendingResults = [];
    this.listeners.emit(results);
  }
}
