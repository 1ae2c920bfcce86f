// Side effects for one pod, behind a small interface so the queue partition can run against the real
// Kubernetes API (src/kube), a fake (tests, benchmarks) or a dry-run logger.

import type { EvictionOutcome, ReasonId } from './decisions.js';
import type { PodRef } from './types.js';

export interface EvictionExecutor {
  /**
   * Adds the DisruptionTarget condition (UID precondition), records "Marking for deletion" for a pod
   * known to exist, and deletes the pod with a UID precondition. Resolves with the outcome; rejects on
   * a retryable error (the caller retries with backoff until cancelled).
   */
  evict(pod: PodRef, reasons: readonly ReasonId[]): Promise<EvictionOutcome>;
  /** Records a "Cancelling deletion" event for a pod that still exists. Best effort: errors are logged, not retried. */
  recordCancellation(pod: PodRef): Promise<void>;
}
