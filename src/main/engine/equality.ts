// The comparisons the event handlers use to tell a change that can alter a decision from one that
// cannot: pods change often (not least by our own DisruptionTarget patch), claims are re-sent with
// the same allocation, rules get status-only updates. Each compares exactly the fields upstream's
// handlers compare (docs/behaviour.md §2.6), nothing more.

import type { ReasonId } from '../../shared/decisions.js';
import type { ClaimRecord, DeviceTaint, PodClaimStatus } from '../../shared/types.js';
import type { AllocatedClaim } from './allocatedClaims.js';

export function claimStatusesEqual(a: readonly PodClaimStatus[], b: readonly PodClaimStatus[]): boolean {
  if (a.length !== b.length) return false;
  return a.every((s, i) => s.name === b[i]!.name && s.resourceClaimName === b[i]!.resourceClaimName);
}

export function reservedForEqual(a: ClaimRecord, b: ClaimRecord): boolean {
  if (a.reservedFor.length !== b.reservedFor.length) return false;
  return a.reservedFor.every((r, i) => {
    const o = b.reservedFor[i]!;
    return r.apiGroup === o.apiGroup && r.resource === o.resource && r.name === o.name && r.uid === o.uid;
  });
}

export const taintsEqual = (a: DeviceTaint, b: DeviceTaint): boolean =>
  a.key === b.key && a.value === b.value && a.effect === b.effect && a.timeAdded === b.timeAdded;

export function sameReasons(a: readonly ReasonId[], b: readonly ReasonId[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** The tracked claim and `cur` are allocated the same devices, in the same order. */
export function sameAllocation(previous: AllocatedClaim, cur: ClaimRecord): boolean {
  const a = previous.claim.allocation ?? [];
  const b = cur.allocation ?? [];
  if (a.length !== b.length) return false;
  return a.every((d, i) => d.driver === b[i]!.driver && d.pool === b[i]!.pool && d.device === b[i]!.device);
}
