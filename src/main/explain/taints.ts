// The per-device, per-taint detail of an explanation: which taints sit on an allocated device (its own
// in the current slice of its pool, and those of the DeviceTaintRules selecting it), and what the
// allocation result's tolerations make of each. Nothing here decides anything of its own: the device
// comes from the engine's pool index, the rules from its rule cache (with `timeAdded` stamped as it
// stamps them), and each taint goes through the functions claim evaluation uses
// (src/main/engine/claimEviction.ts): `taintEvictionTime`, `evictionTolerationMatches`,
// `selectorMatchesDevice`, and the reason ids of src/shared/reasons.ts. The claim's verdict itself is
// the engine's; `checkAgainstEngine` proves the detail adds up to it.

import type { Eviction } from '../../shared/evictionTime.js';
import { taintEvictionTime } from '../../shared/evictionTime.js';
import { ruleReason, sliceReason } from '../../shared/reasons.js';
import { selectorMatchesDevice } from '../../shared/selector.js';
import { evictionTolerationMatches, NO_EXECUTE, tolerationMatchesTaint } from '../../shared/tolerations.js';
import type { AllocatedDevice, DeviceTaint, DeviceToleration } from '../../shared/types.js';
import type { EvictionEngine } from '../engine/engine.js';
import { isoOrNull, secondsFrom, taintText, tolerationText } from './format.js';
import type { ClusterSnapshot } from './snapshot.js';
import type { DeviceTaintView, DeviceView, TaintOutcome, TolerationView } from './types.js';

export const tolerationView = (t: DeviceToleration): TolerationView => ({
  key: t.key,
  operator: t.operator === '' ? 'Equal' : t.operator,
  value: t.value,
  effect: t.effect,
  tolerationSeconds: t.tolerationSeconds,
  text: tolerationText(t),
});

export interface TaintWeighing {
  readonly outcome: TaintOutcome;
  /** ms; null unless evicts/delayed. */
  readonly at: number | null;
  readonly toleratedBy: DeviceToleration | null;
  readonly matching: readonly DeviceToleration[];
  readonly ignored: readonly DeviceToleration[];
}

/** One taint against one allocation result's tolerations, as claim evaluation weighs it. */
export function weighTaint(taint: DeviceTaint, tolerations: readonly DeviceToleration[], now: number): TaintWeighing {
  if (taint.effect !== NO_EXECUTE)
    return { outcome: 'notEvicting', at: null, toleratedBy: null, matching: [], ignored: [] };
  const at = taintEvictionTime(taint, tolerations, now);
  const matching = tolerations.filter((t) => evictionTolerationMatches(t, taint));
  // Generically matching, but without the literal NoExecute effect eviction insists on (§6.1).
  const ignored = tolerations.filter((t) => !evictionTolerationMatches(t, taint) && tolerationMatchesTaint(t, taint));
  if (at === null)
    return {
      outcome: 'toleratedForever',
      at: null,
      toleratedBy: matching.find((t) => t.tolerationSeconds === null) ?? null,
      matching,
      ignored,
    };
  if (matching.length === 0) return { outcome: 'evicts', at, toleratedBy: null, matching, ignored };
  let shortest: DeviceToleration | null = null;
  for (const t of matching)
    if (shortest === null || Math.max(0, t.tolerationSeconds ?? 0) < Math.max(0, shortest.tolerationSeconds ?? 0))
      shortest = t;
  return { outcome: 'delayed', at, toleratedBy: shortest, matching, ignored };
}

/** Whether the object behind a taint had no `timeAdded` (the engine stamped one). */
function timeAddedWasMissing(
  snapshot: ClusterSnapshot,
  source: { slice: string; device: string; index: number } | { rule: string },
): boolean {
  if ('rule' in source) return snapshot.rules.find((r) => r.name === source.rule)?.taint.timeAdded === null;
  const slice = snapshot.slices.find((s) => s.name === source.slice);
  return slice?.devices.find((d) => d.name === source.device)?.taints[source.index]?.timeAdded === null;
}

function taintView(
  base: Pick<DeviceTaintView, 'source' | 'slice' | 'index' | 'rule' | 'reason'>,
  taint: DeviceTaint,
  weighing: TaintWeighing,
  assumed: boolean,
  now: number,
): DeviceTaintView {
  const evicting = weighing.outcome === 'evicts' || weighing.outcome === 'delayed';
  return {
    ...base,
    reason: evicting ? base.reason : null,
    taint: { key: taint.key, value: taint.value, effect: taint.effect, timeAdded: isoOrNull(taint.timeAdded) },
    text: taintText(taint),
    timeAddedAssumed: assumed,
    outcome: weighing.outcome,
    evictAt: isoOrNull(weighing.at),
    inSeconds: weighing.at === null ? null : secondsFrom(weighing.at, now),
    toleratedBy: weighing.toleratedBy === null ? null : tolerationView(weighing.toleratedBy),
    matchingTolerations: weighing.matching.map(tolerationView),
    ignoredTolerations: weighing.ignored.map(tolerationView),
  };
}

/** What the engine knows about one allocated device, taint by taint, in the controller's reason order. */
export function deviceView(
  engine: EvictionEngine,
  snapshot: ClusterSnapshot,
  allocated: AllocatedDevice,
  now: number,
): DeviceView {
  const { driver, pool, device, tolerations } = allocated;
  const taints: DeviceTaintView[] = [];
  // The evicting rules as claim evaluation holds them; every other known rule (None, NoSchedule, …)
  // is shown as not evicting.
  const evicting = new Map(engine.evictingRules().map((r) => [r.uid, r]));
  const rules = engine
    .knownRules()
    .map((r) => evicting.get(r.uid) ?? r)
    .filter((r) => selectorMatchesDevice(r.selector, driver, pool, device))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const rule of rules) {
    const weighing: TaintWeighing = evicting.has(rule.uid)
      ? weighTaint(rule.taint, tolerations, now)
      : { outcome: 'notEvicting', at: null, toleratedBy: null, matching: [], ignored: [] };
    taints.push(
      taintView(
        { source: 'rule', slice: null, index: null, rule: rule.name, reason: ruleReason(rule.name, rule.uid) },
        rule.taint,
        weighing,
        timeAddedWasMissing(snapshot, { rule: rule.name }),
        now,
      ),
    );
  }
  const published = engine.publishedDevice(driver, pool, device);
  if (published !== null)
    published.device.taints.forEach((taint, index) => {
      const reason = sliceReason(published.slice.driver, published.slice.pool, published.slice.name, device, index);
      taints.push(
        taintView(
          { source: 'slice', slice: published.slice.name, index, rule: null, reason },
          taint,
          weighTaint(taint, tolerations, now),
          timeAddedWasMissing(snapshot, { slice: published.slice.name, device, index }),
          now,
        ),
      );
    });
  return {
    request: allocated.request,
    driver,
    pool,
    device,
    publishedBy: published === null ? null : { slice: published.slice.name, node: published.slice.nodeName },
    tolerations: tolerations.map(tolerationView),
    taints,
  };
}

/**
 * Whether the detail of a claim's devices adds up to the engine's eviction of the claim: the earliest
 * `evictAt` is its time, and the evicting taints are exactly its reasons. Null when it does; else the
 * discrepancy, which would be a bug in this module (the engine's verdict is what is shown).
 */
export function checkAgainstEngine(devices: readonly DeviceView[], eviction: Eviction | null): string | null {
  let when = Number.POSITIVE_INFINITY;
  const reasons = new Set<string>();
  for (const d of devices)
    for (const t of d.taints) {
      if (t.reason === null || t.evictAt === null) continue;
      reasons.add(t.reason);
      when = Math.min(when, Date.parse(t.evictAt));
    }
  if (eviction === null)
    return reasons.size === 0
      ? null
      : `the detail shows evicting taints (${[...reasons].join(', ')}) the engine does not`;
  const same =
    eviction.when === when && eviction.reasons.length === reasons.size && eviction.reasons.every((r) => reasons.has(r));
  return same
    ? null
    : `the engine evicts at ${isoOrNull(eviction.when)} for ${eviction.reasons.join(', ')}; the detail says ${isoOrNull(
        Number.isFinite(when) ? when : null,
      )} for ${[...reasons].join(', ')}`;
}
