// The dry run behind a `None` DeviceTaintRule's status (docs/behaviour.md §2.8 step 3): how many pods,
// in how many namespaces, would be pending eviction if the rule's effect were NoExecute. Upstream
// simulates on a copy of all claims; here only the claims on selected devices are looked at: the rule
// is among a claim's reasons exactly when one of its selected devices does not tolerate the rule's
// taint forever, and among a pod's reasons when such a claim belongs to the pod.

import { isPodConsumer, isPodGroupConsumer } from '../../shared/claimResolution.js';
import { taintEvictionTime } from '../../shared/evictionTime.js';
import { EMPTY } from '../../shared/intern.js';
import { selectorMatchesDevice } from '../../shared/selector.js';
import { NO_EXECUTE } from '../../shared/tolerations.js';
import type { ClaimRecord, DeviceTaint, DeviceToleration, PodRecord, RuleRecord } from '../../shared/types.js';
import type { AllocatedClaims } from './allocatedClaims.js';
import type { PendingCounts } from './pendingByRule.js';
import type { PodCache } from './podCache.js';
import type { PodClaims } from './podClaims.js';

export function simulateNoExecute(
  rule: RuleRecord,
  claims: AllocatedClaims,
  pods: PodCache,
  podClaims: PodClaims,
  now: number,
): PendingCounts {
  const taint: DeviceTaint = { ...rule.taint, effect: NO_EXECUTE };
  const selector = rule.selector;
  // Whether a toleration list lets the taint evict does not depend on time: many claims share one
  // list (or have none), so remember the verdict of the last list seen.
  let lastTolerations: readonly DeviceToleration[] | null = null;
  let lastEvicts = false;
  const counted = new Set<PodRecord>();
  const namespaces = new Set<string>();
  const countIfPending = (pod: PodRecord, claim: ClaimRecord): void => {
    if (pod.deletionTimestamp !== null || pod.nodeName === '') return;
    // The cache holds one record per pod: record identity is pod identity.
    if (counted.has(pod) || !podClaims.usesClaim(pod, claim)) return;
    counted.add(pod);
    namespaces.add(pod.namespace);
  };
  // A claim met twice (several selected devices) finds its pods counted already.
  for (const allocated of claims.matchingWithRepeats([selector])) {
    const claim = allocated.claim;
    let affected = false;
    for (const d of claim.allocation ?? EMPTY) {
      if (!selectorMatchesDevice(selector, d.driver, d.pool, d.device)) continue;
      if (d.tolerations !== lastTolerations) {
        lastTolerations = d.tolerations;
        lastEvicts = taintEvictionTime(taint, d.tolerations, now) !== null;
      }
      if (lastEvicts) {
        affected = true;
        break;
      }
    }
    if (!affected) continue;
    for (const consumer of claim.reservedFor) {
      if (isPodConsumer(consumer)) {
        const pod = pods.get(claim.namespace, consumer.name);
        if (pod !== undefined && pod.uid === consumer.uid) countIfPending(pod, claim);
      } else if (podClaims.workloadClaims && isPodGroupConsumer(consumer)) {
        for (const pod of pods.inGroup(claim.namespace, consumer.name)) countIfPending(pod, claim);
      }
    }
  }
  return { pods: counted.size, namespaces: namespaces.size };
}
