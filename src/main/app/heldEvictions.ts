// What the breaker holds, in words an operator can act on: the pods due now, grouped by the rule or
// device taint behind them, most first. Built (by Brakes.held) from the due evictions the worker queues
// keep, with their reasons from the engine's pending evictions (the main thread's source of truth) —
// not from the engine alone, which still lists the evictions running when the breaker opened — when the
// breaker opens or is reset, and while it is open, to keep its record current.

import { MAX_HELD_POD_NAMES } from '../../kube/breakerRecord.js';
import type { PendingEviction } from '../../shared/decisions.js';
import type { ReasonId } from '../../shared/reasons.js';
import type { ReasonDescription } from '../engine/engine.js';
import type { HeldEvictions } from './breakerKeeper.js';

/** How many causes a record, an event or a log line lists. */
export const MAX_CAUSES = 10;

/** A reason in words: "rule drain-all (all devices, taint example.com/x=y:NoExecute)", "device d/p/gpu-3 (taint xid=79:NoExecute)". */
export function describeReasonText(reason: ReasonId, description: ReasonDescription | null): string {
  if (description === null) return reason;
  const taint = description.taint === null ? null : `taint ${description.taint}`;
  const [what, details] =
    description.rule === null
      ? [`device ${description.devices ?? reason}`, [taint]]
      : [`rule ${description.rule}`, [description.devices, taint]];
  const detail = details.filter((part): part is string => part !== null).join(', ');
  return `${what}${detail === '' ? '' : ` (${detail})`}`;
}

/** One cause as a line: "rule drain-all (all devices, taint example.com/x=y:NoExecute): 120 pods". */
export function describeCause(reason: ReasonId, description: ReasonDescription | null, pods: number): string {
  return `${describeReasonText(reason, description)}: ${pods} pod${pods === 1 ? '' : 's'}`;
}

/** The evictions due at `now` (what a closed breaker would start), grouped by their reasons. */
export function heldEvictions(
  pending: Iterable<PendingEviction>,
  now: number,
  describe: (reason: ReasonId) => ReasonDescription | null,
  maxCauses = MAX_CAUSES,
  maxPodNames = MAX_HELD_POD_NAMES,
): HeldEvictions {
  let pods = 0;
  const byReason = new Map<ReasonId, number>();
  const podNames: string[] = [];
  for (const entry of pending) {
    if (entry.fireAt > now) continue;
    pods++;
    if (podNames.length < maxPodNames) podNames.push(`${entry.pod.namespace}/${entry.pod.name}`);
    for (const reason of entry.reasons) byReason.set(reason, (byReason.get(reason) ?? 0) + 1);
  }
  const ranked = [...byReason].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, maxCauses);
  const causes: string[] = [];
  const rules: string[] = [];
  for (const [reason, count] of ranked) {
    const description = describe(reason);
    causes.push(describeCause(reason, description, count));
    if (description?.rule != null && !rules.includes(description.rule)) rules.push(description.rule);
  }
  return { pods, causes, rules, podNames };
}
