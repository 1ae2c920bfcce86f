// The eviction of one allocated claim (docs/behaviour.md §2.3, §2.5): every NoExecute taint on the
// devices it was allocated — published by a current slice, or put there by an evicting
// DeviceTaintRule whose selector matches the allocation result — weighed against the tolerations of
// that allocation result. The earliest time wins; every untolerated taint is a reason. Pure apart from
// the lookup cache it keeps on the claim entry (publishedDevicesOf).

import type { ReasonId } from '../../shared/decisions.js';
import { type Eviction, taintEvictionTime } from '../../shared/evictionTime.js';
import { EMPTY } from '../../shared/intern.js';
import { ruleReason } from '../../shared/reasons.js';
import { selectorMatchesDevice } from '../../shared/selector.js';
import { NO_EXECUTE } from '../../shared/tolerations.js';
import type { AllocatedDevice, DeviceTaint, RuleRecord } from '../../shared/types.js';
import type { AllocatedClaim } from './allocatedClaims.js';
import type { EvictionInterner } from './evictionIntern.js';
import { type PoolIndex, type PublishedDevice, publishedTaintReason } from './pools.js';

/** An evicting rule with its reason id, built once per rule change instead of once per claim. */
export interface EvictingRule {
  readonly rule: RuleRecord;
  readonly reason: ReasonId;
}

export const evictingRuleList = (rules: Iterable<RuleRecord>): readonly EvictingRule[] =>
  [...rules].map((rule) => ({ rule, reason: ruleReason(rule.name, rule.uid) }));

/** The claim's published devices (see AllocatedClaim.published), looked up again only after a slice change. */
export function publishedDevicesOf(
  pools: PoolIndex,
  allocated: AllocatedClaim,
): PublishedDevice | null | (PublishedDevice | null)[] {
  const version = pools.version;
  if (allocated.publishedVersion === version) return allocated.published;
  const allocation = allocated.claim.allocation ?? EMPTY;
  const published =
    allocation.length === 1
      ? pools.lookup(allocation[0]!.driver, allocation[0]!.pool, allocation[0]!.device)
      : allocation.map((d) => pools.lookup(d.driver, d.pool, d.device));
  allocated.published = published;
  allocated.publishedVersion = version;
  return published;
}

/** Eviction of one allocated claim at `now`; `null` when nothing evicts it. */
export function claimEviction(
  entry: AllocatedClaim,
  pools: PoolIndex,
  rules: readonly EvictingRule[],
  evictions: EvictionInterner,
  now: number,
): Eviction | null {
  const allocation = entry.claim.allocation;
  if (allocation === null) return null;
  const published = publishedDevicesOf(pools, entry);
  let when = Number.POSITIVE_INFINITY;
  // Nearly every claim has at most one reason: no array unless there are more.
  let first: ReasonId | null = null;
  let more: ReasonId[] | null = null;
  for (let i = 0; i < allocation.length; i++) {
    const allocated = allocation[i] as AllocatedDevice;
    const device = Array.isArray(published) ? (published[i] ?? null) : published;
    if (device !== null) {
      const taints = device.device.taints;
      for (let index = 0; index < taints.length; index++) {
        const taint = taints[index] as DeviceTaint;
        if (taint.effect !== NO_EXECUTE) continue;
        const at = taintEvictionTime(taint, allocated.tolerations, now);
        if (at === null) continue;
        if (at < when) when = at;
        const reason = publishedTaintReason(device, index);
        if (first === null) first = reason;
        else if (more === null) more = [first, reason];
        else more.push(reason);
      }
    }
    // Rules apply to the allocated device even when no slice publishes it any more.
    for (const { rule, reason } of rules) {
      if (!selectorMatchesDevice(rule.selector, allocated.driver, allocated.pool, allocated.device)) continue;
      const at = taintEvictionTime(rule.taint, allocated.tolerations, now);
      if (at === null) continue;
      if (at < when) when = at;
      if (first === null) first = reason;
      else if (more === null) more = [first, reason];
      else more.push(reason);
    }
  }
  if (first === null) return null;
  return more === null ? evictions.single(when, first) : evictions.eviction(when, more);
}
