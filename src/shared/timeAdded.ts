// Stamps NoExecute taints that lack `timeAdded` with the time they were first observed (policy
// documented in evictionTime.ts); other effects never evict, so their time is irrelevant until the
// effect changes, which is when the apiserver would set a new `timeAdded` too. A taint keeps its stamp across updates of its slice or rule as long as it is
// still there with the same key, value and effect, mirroring the apiserver, which bumps `timeAdded`
// only when the effect changes.

import type { DeviceTaint, RuleRecord, SliceDevice, SliceRecord } from './types.js';

const needsStamp = (t: DeviceTaint): boolean => t.timeAdded === null && t.effect === 'NoExecute';

const sameTaint = (a: DeviceTaint, b: DeviceTaint): boolean =>
  a.key === b.key && a.value === b.value && a.effect === b.effect;

function stampTaints(
  taints: readonly DeviceTaint[],
  previous: readonly DeviceTaint[] | undefined,
  now: number,
): readonly DeviceTaint[] {
  if (taints.every((t) => !needsStamp(t))) return taints;
  return taints.map((taint) => {
    if (!needsStamp(taint)) return taint;
    const earlier = previous?.find((p) => p.timeAdded !== null && sameTaint(p, taint));
    return { ...taint, timeAdded: earlier?.timeAdded ?? now };
  });
}

/** `slice` with every `timeAdded: null` replaced; returns `slice` itself when nothing is missing. */
export function stampSlice(slice: SliceRecord, previous: SliceRecord | null, now: number): SliceRecord {
  if (slice.devices.every((d) => d.taints.every((t) => !needsStamp(t)))) return slice;
  const previousByName = new Map<string, SliceDevice>();
  for (const d of previous?.devices ?? []) if (!previousByName.has(d.name)) previousByName.set(d.name, d);
  return {
    ...slice,
    devices: slice.devices.map((d) => {
      const taints = stampTaints(d.taints, previousByName.get(d.name)?.taints, now);
      return taints === d.taints ? d : { ...d, taints };
    }),
  };
}

/**
 * `rule` with a missing `spec.taint.timeAdded` stamped, whatever the effect: a `None` rule is simulated
 * as NoExecute for its status. Returns `rule` itself when it has a time.
 */
export function stampRule(rule: RuleRecord, previous: RuleRecord | null, now: number): RuleRecord {
  if (rule.taint.timeAdded !== null) return rule;
  const earlier = previous !== null && sameTaint(previous.taint, rule.taint) ? previous.taint.timeAdded : null;
  return { ...rule, taint: { ...rule.taint, timeAdded: earlier ?? now } };
}
