// The seam between the decision engine (main thread, synchronous, no I/O) and whatever executes its
// decisions: the inline queue partition in tests and single-thread mode, or the router that batches
// them to worker threads. The engine's `deletePodAt` map is the source of truth; a sink is a cache of it.

import type { PodRef } from './types.js';

/**
 * Why a pod is evicted, as a compact id. Rule reasons sort before slice reasons (docs/behaviour.md §2.5):
 * - `rule:<ruleName>:<ruleUid>`
 * - `slice:<driver>/<pool>/<sliceName>/<device>#<taintIndex>`
 * Use the helpers in `reasons.ts` to build and parse them.
 */
export type ReasonId = string;

/**
 * What the informer cache knew about a pod when its eviction was (re)scheduled, as bit flags. The
 * executor acts on it before touching the API: the cache is the first source, a write's response only
 * the fallback.
 */
export type CachedPodState = number;
export const POD_STATE_NONE: CachedPodState = 0;
/** `metadata.deletionTimestamp` is set: somebody is deleting the pod already; we write nothing. */
export const POD_TERMINATING: CachedPodState = 1;
/** The pod already carries our `DisruptionTarget` condition (True, our reason): no status patch. */
export const POD_HAS_DISRUPTION_TARGET: CachedPodState = 2;

/**
 * How many evicted pod UIDs are remembered (upstream's `maxUIDCacheEntries`, docs/behaviour.md §2.1),
 * by the engine and by each worker partition: a pod queued twice in a burst is not evicted twice.
 */
export const EVICTED_PODS_CAPACITY = 500;

/** One pending eviction (an entry of the engine's `deletePodAt`, the source of truth). */
export interface PendingEviction {
  readonly pod: PodRef;
  readonly fireAt: number;
  readonly reasons: readonly ReasonId[];
  /** What the cache knew about the pod; absent = POD_STATE_NONE. */
  readonly podState?: CachedPodState;
}

export interface EvictionSink {
  /**
   * Evict `pod` at `fireAt` (ms since epoch; now or earlier = immediately). Replaces any earlier schedule
   * for the pod. `podState` carries what the cache knows about the pod (default: nothing special).
   */
  schedule(pod: PodRef, fireAt: number, reasons: readonly ReasonId[], podState?: CachedPodState): void;
  /**
   * Forget a pending eviction. `emitEvent` is true when the pod still exists and a
   * "Cancelling deletion" event must be recorded (not on pod deletion).
   */
  cancel(pod: PodRef, emitEvent: boolean): void;
}

/** What a finished eviction attempt reports back to the main thread. */
export type EvictionOutcome =
  /** The pod was deleted by us. Counts in metrics and rule stats. */
  | 'deleted'
  /** The pod already had a deletionTimestamp: success, counted (upstream quirk, docs/behaviour.md §6.5), no writes. */
  | 'alreadyTerminating'
  /** NotFound or UID mismatch at any step: done, not counted, no events. */
  | 'gone';

export interface EvictionResult {
  readonly pod: PodRef;
  readonly outcome: EvictionOutcome;
  /** The fire time that was due when the eviction ran. */
  readonly fireAt: number;
  /** When the DELETE (or the decision that none was needed) was acknowledged. */
  readonly doneAt: number;
  /** Attempts including the successful one. */
  readonly attempts: number;
  readonly reasons: readonly ReasonId[];
}
