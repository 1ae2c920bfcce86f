// Side effects for one pod, behind a small interface so the queue partition can run against the real
// Kubernetes API (src/kube), a fake (tests, benchmarks) or a dry-run logger.

import { type CachedPodState, type EvictionOutcome, POD_STATE_NONE, type ReasonId } from './decisions.js';
import type { PodRef } from './types.js';

/** What one attempt knows about itself, from the queue partition that runs it. */
export interface EvictionAttempt {
  /**
   * True while the intent this attempt carries is still the newest for the pod (not cancelled, not moved
   * to a later time). The executor checks it right before each write, after its last await.
   */
  isCurrent(): boolean;
  /** Aborted when this process must stop writing at once (leadership lost): in-flight requests are cut. */
  readonly signal: AbortSignal;
  /** What the informer cache knew about the pod when the eviction was scheduled. */
  readonly podState: CachedPodState;
  /** When the eviction fell due (its fire time): how long a disruption budget has held it so far. */
  readonly dueAt: number;
  /**
   * An earlier attempt of this eviction, in this process, set the DisruptionTarget condition: a retry (a
   * disruption budget's 429, a failed DELETE) does not patch it again (its lastTransitionTime stays).
   */
  readonly alreadyMarked?: boolean;
  /** Called once this attempt has set the condition (see `alreadyMarked`). */
  readonly onMarked?: () => void;
}

/** An attempt outside any queue: always current, never aborted, nothing known from a cache. */
export const standaloneAttempt: EvictionAttempt = {
  isCurrent: () => true,
  signal: new AbortController().signal,
  podState: POD_STATE_NONE,
  // Unknown: an eviction outside a queue never times out waiting for a disruption budget.
  dueAt: Number.POSITIVE_INFINITY,
};

/** `'superseded'`: the attempt found its intent stale before a write and did nothing more. */
export type AttemptOutcome = EvictionOutcome | 'superseded';

export interface EvictionExecutor {
  /**
   * Adds the DisruptionTarget condition (UID-guarded), records "Marking for deletion" for a pod known to
   * exist, and deletes the pod with a UID precondition. Resolves with the outcome; rejects on a retryable
   * error (the caller retries with backoff until cancelled).
   */
  evict(pod: PodRef, reasons: readonly ReasonId[], attempt?: EvictionAttempt): Promise<AttemptOutcome>;
  /** Records a "Cancelling deletion" event for a pod that still exists. Best effort: errors are logged, not retried. */
  recordCancellation(pod: PodRef): Promise<void>;
  /** Waits (at most `timeoutMs`) for best-effort writes still in flight, e.g. events sent after a DELETE. */
  settle?(timeoutMs: number): Promise<void>;
}
