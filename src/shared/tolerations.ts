// Toleration matching for device taints (docs/behaviour.md §2.4). The generic rule is the one of node taints; the
// eviction controller narrows it: only tolerations whose effect is literally `NoExecute` count, so a
// toleration with an empty effect (which generically means "all effects") never delays an eviction.
// That is an upstream quirk (docs/behaviour.md §6.1) that we keep on purpose, so both controllers agree.

import type { DeviceTaint, DeviceToleration } from './types.js';

export const NO_EXECUTE = 'NoExecute';

/** The generic matcher: effect (empty = all), key (empty = all), then the operator decides on the value. */
export function tolerationMatchesTaint(toleration: DeviceToleration, taint: DeviceTaint): boolean {
  if (toleration.effect !== '' && toleration.effect !== taint.effect) return false;
  if (toleration.key !== '' && toleration.key !== taint.key) return false;
  switch (toleration.operator) {
    case '':
    case 'Equal':
      return toleration.value === taint.value;
    case 'Exists':
      return true;
    default:
      // Unknown operators come from newer API versions or garbage; matching nothing is the safe side
      // (the taint then evicts rather than being silently tolerated).
      return false;
  }
}

/** Whether `toleration` matches `taint` for the purpose of eviction (literal NoExecute effect only). */
export function evictionTolerationMatches(toleration: DeviceToleration, taint: DeviceTaint): boolean {
  return toleration.effect === NO_EXECUTE && tolerationMatchesTaint(toleration, taint);
}
