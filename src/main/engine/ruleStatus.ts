// The DeviceTaintRule `EvictionInProgress` condition (docs/behaviour.md §2.8 step 4). Texts and reasons are
// upstream's, byte for byte: users and tooling match on them.

import type { RuleCondition } from '../../shared/types.js';

export const EVICTION_IN_PROGRESS = 'EvictionInProgress';
/** Shortest time between two status writes while eviction is in progress; also the post-eviction delay. */
export const RULE_STATUS_PERIOD_MS = 10_000;

export interface ConditionCounts {
  readonly effect: string;
  readonly generation: number;
  /** Pods pending eviction because of the rule (NoExecute), or that would be (None). */
  readonly pendingPods: number;
  readonly pendingNamespaces: number;
  /** Only for `None`: devices in current slices matching the selector. */
  readonly publishedDevices: number;
  /** Only for `None`: allocation results across all allocated claims matching the selector. */
  readonly allocatedDevices: number;
  /** Pods evicted because of this rule instance since the controller started. */
  readonly evictedPods: number;
}

const count = (n: number, one: string, many: string): string => (n === 1 ? one : `${n} ${many}`);

export function buildRuleCondition(c: ConditionCounts, now: number): RuleCondition {
  let status = 'False';
  let reason: string;
  let message = '';
  switch (c.effect) {
    case 'NoExecute':
      if (c.pendingPods > 0) {
        status = 'True';
        reason = 'PodsPendingEviction';
        message =
          (c.pendingPods === 1 ? '1 pod needs to be evicted in ' : `${c.pendingPods} pods need to be evicted in `) +
          (c.pendingNamespaces === 1 ? '1 namespace.' : `${c.pendingNamespaces} different namespaces.`);
      } else if (c.evictedPods > 0) {
        reason = 'Completed';
      } else {
        reason = 'NotStarted';
      }
      break;
    case 'None':
      reason = 'NoEffect';
      message =
        `${count(c.publishedDevices, '1 published device', 'published devices')} selected. ` +
        `${count(c.allocatedDevices, '1 allocated device', 'allocated devices')} selected. ` +
        `${count(c.pendingPods, '1 pod', 'pods')} would be evicted in ` +
        `${count(c.pendingNamespaces, '1 namespace', 'different namespaces')} ` +
        'if the effect was NoExecute. This information will not be updated again. Recreate the DeviceTaintRule to trigger an update.';
      break;
    default:
      reason = 'OtherEffect';
      message = 'Eviction only happens for the NoExecute effect.';
  }
  if (c.evictedPods > 0) {
    if (message !== '') message += ' ';
    message += `${count(c.evictedPods, '1 pod', 'pods')} evicted since starting the controller.`;
  }
  return {
    type: EVICTION_IN_PROGRESS,
    status,
    reason,
    message,
    observedGeneration: c.generation,
    lastTransitionTime: now,
  };
}

/** Equal in everything but `lastTransitionTime` (docs/behaviour.md §2.8 step 5). */
export function conditionsEquivalent(a: RuleCondition, b: RuleCondition): boolean {
  return (
    a.type === b.type &&
    a.status === b.status &&
    a.reason === b.reason &&
    a.message === b.message &&
    a.observedGeneration === b.observedGeneration
  );
}
