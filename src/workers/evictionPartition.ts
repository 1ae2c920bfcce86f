// One worker's share of pending evictions: the timed queue keyed by pod incarnation, running the
// executor for each due pod, remembering evicted UIDs, and reporting every finished eviction.
// It mirrors upstream's `maybeDeletePod` worker (spec §2.7) on top of our TimedQueue: the main thread's
// `deletePodAt` stays the source of truth, this partition only caches the part routed to it.

import type { EvictionOutcome, EvictionResult, ReasonId } from '../shared/decisions.js';
import { type Logger, silentLogger } from '../shared/logger.js';
import { LruSet } from '../shared/lruSet.js';
import { type PodRef, podKey, podUidKey } from '../shared/types.js';
import { DEFAULT_BACKOFF } from './backoff.js';
import type { EvictionPartition, PartitionEntrySnapshot, PartitionOptions, PartitionStats } from './partition.js';
import { type RunFailure, type RunInfo, TimedQueue } from './timedQueue.js';

/** Upstream's `evictedPods` capacity (spec §2.1). */
export const EVICTED_PODS_CAPACITY = 500;

export interface QueuedEvictionPartitionOptions extends PartitionOptions {
  /** Capacity of the evicted-UID cache; defaults to upstream's 500. */
  readonly evictedPodsCapacity?: number;
}

/** What the queue stores per pod. */
interface EvictionWork {
  readonly pod: PodRef;
  readonly reasons: readonly ReasonId[];
}

const describeError = (error: unknown): string => (error instanceof Error ? error.message : String(error));

export class QueuedEvictionPartition implements EvictionPartition {
  private readonly options: QueuedEvictionPartitionOptions;
  private readonly log: Logger;
  private readonly queue: TimedQueue<EvictionWork>;
  /**
   * UIDs this partition already evicted. A pod can be scheduled again after its eviction succeeded
   * (an informer event that still shows it arrives before its deletion does); the UID check turns that
   * second run into a no-op instead of another round of API calls.
   */
  private readonly evictedPods: LruSet<string>;
  private completed = 0;

  constructor(options: QueuedEvictionPartitionOptions) {
    this.options = options;
    this.log = options.log ?? silentLogger;
    this.evictedPods = new LruSet(options.evictedPodsCapacity ?? EVICTED_PODS_CAPACITY);
    this.queue = new TimedQueue<EvictionWork>({
      clock: options.clock,
      concurrency: options.concurrency,
      backoff: options.backoff ?? DEFAULT_BACKOFF,
      run: this.evict,
      onRunFailed: this.logFailure,
    });
  }

  schedule(pod: PodRef, fireAt: number, reasons: readonly ReasonId[]): void {
    this.queue.upsert(podUidKey(pod), fireAt, { pod, reasons });
  }

  cancel(pod: PodRef, emitEvent: boolean): void {
    const key = podUidKey(pod);
    const removedBeforeRunning = this.queue.cancel(key);
    // A running or finished eviction means the pod is being deleted: telling its owner that the
    // deletion was cancelled would be false. That includes a replacement entry cancelled while the
    // run it replaced is still deleting the pod.
    if (!emitEvent || !removedBeforeRunning || this.queue.isRunInFlight(key) || this.evictedPods.has(pod.uid)) return;
    this.options.executor.recordCancellation(pod).catch((error: unknown) => {
      this.log.warn('Failed to record cancellation event', {
        pod: podKey(pod),
        uid: pod.uid,
        error: describeError(error),
      });
    });
  }

  /** Whether this partition evicted the pod incarnation `uid` (within the cache's capacity). */
  hasEvicted(uid: string): boolean {
    return this.evictedPods.has(uid);
  }

  stats(): PartitionStats {
    const queueStats = this.queue.stats();
    return {
      scheduled: queueStats.scheduled,
      running: queueStats.running,
      retrying: queueStats.retrying,
      completed: this.completed,
      failedAttempts: queueStats.failedRuns,
    };
  }

  /** Runtime reconfiguration (`--concurrent-syncs` over the control plane). */
  setConcurrency(concurrency: number): void {
    this.queue.setConcurrency(concurrency);
  }

  snapshot(): PartitionEntrySnapshot[] {
    return this.queue.snapshot().map((entry) => ({
      pod: entry.payload.pod,
      fireAt: entry.fireAt,
      state: entry.state,
      attempts: entry.state === 'running' ? entry.attempt : entry.failures,
    }));
  }

  async drain(timeoutMs: number): Promise<void> {
    const finished = await this.queue.drain(timeoutMs);
    if (!finished)
      this.log.warn('Evictions still in flight after drain timeout', {
        timeoutMs,
        running: this.queue.stats().running,
      });
  }

  private readonly evict = async (work: EvictionWork, info: RunInfo): Promise<void> => {
    const { pod, reasons } = work;
    if (this.evictedPods.has(pod.uid)) {
      this.log.debug('Pod already evicted, skipping', { pod: podKey(pod), uid: pod.uid });
      return;
    }
    const outcome: EvictionOutcome = await this.options.executor.evict(pod, reasons);
    this.evictedPods.add(pod.uid);
    this.completed++;
    const result: EvictionResult = {
      pod,
      outcome,
      fireAt: info.fireAt,
      doneAt: this.options.clock.now(),
      attempts: info.attempt,
      reasons,
    };
    try {
      this.options.onResult(result);
    } catch (error) {
      // The pod is gone either way; failing the run here would retry a finished eviction.
      this.log.error('Eviction result handler failed', { pod: podKey(pod), uid: pod.uid, error: describeError(error) });
    }
  };

  private readonly logFailure = (failure: RunFailure<EvictionWork>): void => {
    const { pod } = failure.payload;
    if (failure.retryAt === null) {
      this.log.info('Pod eviction failed after it was cancelled, not retrying', {
        pod: podKey(pod),
        uid: pod.uid,
        attempt: failure.attempt,
        error: describeError(failure.error),
      });
      return;
    }
    this.log.warn('Pod eviction failed, will retry', {
      pod: podKey(pod),
      uid: pod.uid,
      attempt: failure.attempt,
      error: describeError(failure.error),
      retryDelayMs: failure.retryDelayMs,
      retryAt: failure.retryAt,
    });
  };
}

export const createEvictionPartition = (options: QueuedEvictionPartitionOptions): QueuedEvictionPartition =>
  new QueuedEvictionPartition(options);
