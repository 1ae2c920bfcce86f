// When a NoExecute taint evicts the consumer of a device (docs/behaviour.md §2.5), and how per-taint times combine
// into a claim's and a pod's eviction.
//
// Missing `timeAdded` policy (docs/behaviour.md §6.3): the apiserver always defaults `timeAdded`, so `null` only
// comes from malformed or very old objects. Upstream would then compute no time at all (or crash with
// a toleration). We instead use `firstSeenAt`, supplied by the caller: the time the engine first
// observed that taint (see timeAdded.ts, which stamps it once and keeps it across updates). That is
// safe in both directions: the taint still evicts, tolerations still delay it from a fixed origin, and
// repeated recomputation never slides the eviction further into the future.

import { compareReasons, mergeReasons, type ReasonId } from './reasons.js';
import { evictionTolerationMatches } from './tolerations.js';
import type { DeviceTaint, DeviceToleration } from './types.js';

/** A pending eviction: when, and every taint that contributes (sorted, see reasons.ts). */
export interface Eviction {
  readonly when: number;
  readonly reasons: readonly ReasonId[];
}

/**
 * Eviction time in ms for one NoExecute taint given the tolerations of the allocated device, or `null`
 * when a matching toleration without `tolerationSeconds` tolerates it forever ("any forever wins",
 * docs/behaviour.md §6.2, even when another matching toleration is finite). Otherwise the smallest matching
 * `tolerationSeconds` (negatives count as 0) delays the taint's `timeAdded`; no match = `timeAdded`.
 */
export function taintEvictionTime(
  taint: DeviceTaint,
  tolerations: readonly DeviceToleration[],
  firstSeenAt: number,
): number | null {
  const timeAdded = taint.timeAdded ?? firstSeenAt;
  let minSeconds = Number.POSITIVE_INFINITY;
  for (const toleration of tolerations) {
    if (!evictionTolerationMatches(toleration, taint)) continue;
    if (toleration.tolerationSeconds === null) return null;
    const seconds = Math.max(0, toleration.tolerationSeconds);
    if (seconds < minSeconds) minSeconds = seconds;
  }
  return minSeconds === Number.POSITIVE_INFINITY ? timeAdded : timeAdded + minSeconds * 1000;
}

/** Union of two evictions: the earlier time, the sorted union of reasons. */
export function mergeEvictions(a: Eviction | null, b: Eviction | null): Eviction | null {
  if (a === null) return b;
  if (b === null) return a;
  // Claims with identical results share one reasons array (the engine interns them): keep sharing.
  if (a.reasons === b.reasons) return a.when <= b.when ? a : b;
  return { when: Math.min(a.when, b.when), reasons: mergeReasons(a.reasons, b.reasons) };
}

/** Same time and same reasons. Unlike upstream, null equals null (upstream re-checks, with the same outcome). */
export function evictionsEqual(a: Eviction | null, b: Eviction | null): boolean {
  if (a === null || b === null) return a === b;
  if (a === b) return true;
  if (a.when !== b.when || a.reasons.length !== b.reasons.length) return false;
  for (let i = 0; i < a.reasons.length; i++) if (a.reasons[i] !== b.reasons[i]) return false;
  return true;
}

/** Builds an eviction from unsorted, possibly duplicated reasons. */
export function makeEviction(when: number, reasons: Iterable<ReasonId>): Eviction {
  return { when, reasons: [...new Set(reasons)].sort(compareReasons) };
}
