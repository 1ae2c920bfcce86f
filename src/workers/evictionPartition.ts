// One worker's share of pending evictions: the timed queue keyed by pod incarnation, running the
// executor for each due pod, remembering evicted UIDs, and reporting every finished eviction.
// It mirrors upstream's `maybeDeletePod` worker (docs/behaviour.md §2.7) on top of our TimedQueue: the main thread's
// `deletePodAt` stays the source of truth, this partition only caches the part routed to it.
//
// A run starts only from the newest intent after every op already received was applied (the queue
// defers its starts to a macrotask of their own), and the executor re-checks `isCurrent()` right before
// each write: a cancel or a later-dated schedule that arrives while an attempt waits for its API token
// turns the attempt into a no-op ('superseded') instead of a wrongful deletion.

import { DEFAULT_BACKOFF } from '../shared/backoff.js';
import {
  type CachedPodState,
  EVICTED_PODS_CAPACITY,
  type EvictionResult,
  POD_STATE_NONE,
  type ReasonId,
} from '../shared/decisions.js';
import type { AttemptOutcome, EvictionAttempt } from '../shared/executor.js';
import { type Logger, silentLogger } from '../shared/logger.js';
import { LruSet } from '../shared/lruSet.js';
import { type PodRef, podKey, podUidKey } from '../shared/types.js';
import {
  type EvictionPartition,
  matchesSnapshotFilter,
  type PartitionEntrySnapshot,
  type PartitionOptions,
  type PartitionStats,
  type SnapshotFilter,
} from './partition.js';
import { type RunFailure, type RunInfo, type RunResult, TimedQueue } from './timedQueue.js';

export interface QueuedEvictionPartitionOptions extends PartitionOptions {
  /** Capacity of the evicted-UID cache; defaults to upstream's 500. */
  readonly evictedPodsCapacity?: number;
  /** How the queue defers its starts (see TimedQueue); setImmediate by default. */
  readonly defer?: (fn: () => void) => void;
}

/** What the queue stores per pod. */
interface EvictionWork {
  readonly pod: PodRef;
  readonly reasons: readonly ReasonId[];
  readonly podState: CachedPodState;
}

/** Longest server-requested wait (Retry-After) the queue honours before a retry. */
const MAX_RETRY_AFTER_MS = 5 * 60_000;

/** `retryAfterSeconds` of an API error (structurally: src/workers does not import src/kube). */
function retryAfterMsOf(error: unknown): number | null {
  if (typeof error !== 'object' || error === null) return null;
  const seconds = (error as { retryAfterSeconds?: unknown }).retryAfterSeconds;
  return typeof seconds === 'number' && seconds > 0 ? Math.min(seconds * 1_000, MAX_RETRY_AFTER_MS) : null;
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
  /**
   * Keys cancelled (with an event owed) while their run was in flight. If that run turns out to have
   * written nothing ('superseded'), the pod was never touched and the "Cancelling deletion" event is due.
   */
  private readonly cancelEventOwed = new Set<string>();
  /** Keys whose eviction set the DisruptionTarget condition in an attempt that then failed. */
  private readonly markedBeforeRetry = new Set<string>();
  /** Aborted to cut every in-flight write at once (leadership lost); replaced afterwards. */
  private writes = new AbortController();
  private completed = 0;

  constructor(options: QueuedEvictionPartitionOptions) {
    this.options = options;
    this.log = options.log ?? silentLogger;
    this.evictedPods = new LruSet(options.evictedPodsCapacity ?? EVICTED_PODS_CAPACITY);
    const admission = options.admission;
    this.queue = new TimedQueue<EvictionWork>({
      clock: options.clock,
      concurrency: options.concurrency,
      backoff: options.backoff ?? DEFAULT_BACKOFF,
      run: this.evict,
      onRunFailed: this.logFailure,
      minRetryDelayMs: retryAfterMsOf,
      ...(options.defer === undefined ? {} : { defer: options.defer }),
      ...(options.canStart === undefined ? {} : { canStart: options.canStart }),
      ...(admission === undefined
        ? {}
        : {
            admit: (dueSince: number, work: EvictionWork, now: number, attempt: number) =>
              admission.admit(now, dueSince, work.reasons, attempt),
          }),
      ...(options.onBrake === undefined ? {} : { onBrake: options.onBrake }),
      ...(options.slots === undefined ? {} : { slots: options.slots }),
    });
  }

  schedule(pod: PodRef, fireAt: number, reasons: readonly ReasonId[], podState: CachedPodState = POD_STATE_NONE): void {
    this.queue.upsert(podUidKey(pod), fireAt, { pod, reasons, podState });
  }

  cancel(pod: PodRef, emitEvent: boolean): void {
    const key = podUidKey(pod);
    const wasRunning = this.queue.get(key)?.state === 'running';
    const removedBeforeRunning = this.queue.cancel(key);
    if (!wasRunning) this.markedBeforeRetry.delete(key);
    if (!emitEvent || this.evictedPods.has(pod.uid)) return;
    // A run in flight may still find itself stale before its first write: the event waits for its verdict.
    if (wasRunning) {
      this.cancelEventOwed.add(key);
      return;
    }
    // A running or finished eviction means the pod is being deleted: telling its owner that the
    // deletion was cancelled would be false. That includes a replacement entry cancelled while the
    // run it replaced is still deleting the pod.
    if (!removedBeforeRunning || this.queue.isRunInFlight(key)) return;
    this.recordCancellation(pod);
  }

  /** Cuts every write in flight (leadership lost): their runs fail and nothing new starts while `canStart` says no. */
  abortWrites(reason: string): void {
    this.writes.abort(new Error(reason));
    this.writes = new AbortController();
  }

  private recordCancellation(pod: PodRef): void {
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
      throttled: queueStats.throttled,
      throttledGlobalTotal: queueStats.throttledTotal.global,
      throttledRuleTotal: queueStats.throttledTotal.rule,
    };
  }

  /** Runtime reconfiguration (`--concurrent-syncs` over the control plane). */
  setConcurrency(concurrency: number): void {
    this.queue.setConcurrency(concurrency);
  }

  snapshot(filter: SnapshotFilter = {}): PartitionEntrySnapshot[] {
    const entries: PartitionEntrySnapshot[] = [];
    for (const entry of this.queue.snapshot()) {
      const snapshot: PartitionEntrySnapshot = {
        pod: entry.payload.pod,
        fireAt: entry.fireAt,
        state: entry.state,
        attempts: entry.state === 'running' ? entry.attempt : entry.failures,
      };
      if (matchesSnapshotFilter(snapshot, filter)) entries.push(snapshot);
    }
    return entries;
  }

  async drain(timeoutMs: number): Promise<void> {
    const finished = await this.queue.drain(timeoutMs);
    if (!finished)
      this.log.warn('Evictions still in flight after drain timeout', {
        timeoutMs,
        running: this.queue.stats().running,
      });
  }

  private readonly evict = async (work: EvictionWork, info: RunInfo): Promise<RunResult> => {
    const { pod, reasons } = work;
    if (this.evictedPods.has(pod.uid)) {
      this.markedBeforeRetry.delete(info.key);
      this.log.debug('Pod already evicted, skipping', { pod: podKey(pod), uid: pod.uid });
      return;
    }
    const attempt: EvictionAttempt = {
      isCurrent: info.isCurrent,
      signal: this.writes.signal,
      podState: work.podState,
      dueAt: info.fireAt,
      alreadyMarked: this.markedBeforeRetry.has(info.key),
      onMarked: () => this.markedBeforeRetry.add(info.key),
    };
    let outcome: AttemptOutcome;
    try {
      outcome = await this.options.executor.evict(pod, reasons, attempt);
    } catch (error) {
      // A failed write may have reached the server: no cancellation event for this pod any more.
      this.cancelEventOwed.delete(info.key);
      // Cancelled meanwhile: no retry will ask.
      if (!this.queue.has(info.key)) this.markedBeforeRetry.delete(info.key);
      throw error;
    }
    const owed = this.cancelEventOwed.delete(info.key);
    this.markedBeforeRetry.delete(info.key);
    if (outcome === 'superseded') {
      this.log.debug('Eviction superseded before a write', { pod: podKey(pod), uid: pod.uid });
      if (owed && !info.isCurrent()) this.recordCancellation(pod);
      return 'superseded';
    }
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
