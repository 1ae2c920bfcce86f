// `explain rule`: the devices a DeviceTaintRule selects, the pods it would evict (by namespace, with
// times) and the pods its tolerations protect — a preview that is current whenever it is asked for,
// unlike a `None` rule's one-shot status ("will not be updated again").
//
// The pods it evicts are the engine's: the pending evictions whose reasons name the rule. For
// `--effect NoExecute` on a rule that does not evict (None, NoSchedule), a second engine is fed the
// same objects with a copy of the rule whose effect is NoExecute and whose `timeAdded` is now — what
// the API server stores when an update changes a taint's effect — so the preview shows what the
// controller would decide right after such an update, times and other reasons included. The engine's
// own dry run (the counts a `None` rule's status shows, dryRun.ts) is reported beside it.

import type { PendingEviction } from '../../shared/decisions.js';
import { taintEvictionTime } from '../../shared/evictionTime.js';
import { ruleReason } from '../../shared/reasons.js';
import { selectorMatchesDevice, selectsEverything } from '../../shared/selector.js';
import { NO_EXECUTE } from '../../shared/tolerations.js';
import type { PodRecord, RuleRecord } from '../../shared/types.js';
import type { EvictionEngine } from '../engine/engine.js';
import {
  ExplainError,
  type ExplainInput,
  ExplainNotFoundError,
  estimateBrakes,
  startView,
  usedClaims,
} from './common.js';
import {
  deviceText,
  durationText,
  iso,
  relativeText,
  secondsFrom,
  selectorText,
  taintText,
  tolerationText,
} from './format.js';
import { skippedNotes } from './podExplanation.js';
import { feedEngine } from './snapshot.js';
import { weighTaint } from './taints.js';
import { EXPLAIN_API_VERSION, type ProtectedPodView, type RuleEvictionView, type RuleExplanation } from './types.js';

const byName = <T extends { readonly name: string }>(a: T, b: T): number =>
  a.name < b.name ? -1 : a.name > b.name ? 1 : 0;

function groupByNamespace<T>(rows: readonly { namespace: string; row: T }[]): { namespace: string; pods: T[] }[] {
  const groups = new Map<string, T[]>();
  for (const { namespace, row } of rows) {
    let list = groups.get(namespace);
    if (list === undefined) {
      list = [];
      groups.set(namespace, list);
    }
    list.push(row);
  }
  return [...groups.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([namespace, pods]) => ({ namespace, pods }));
}

/** The selected allocation results of the pod's used claims, with their tolerations. */
function selectedDevicesOf(engine: EvictionEngine, pod: PodRecord, rule: RuleRecord, workloadClaims: boolean) {
  return usedClaims(engine, pod, workloadClaims).flatMap((claim) =>
    (claim.allocation ?? [])
      .filter((d) => selectorMatchesDevice(rule.selector, d.driver, d.pool, d.device))
      .map((d) => ({ claim, device: d })),
  );
}

export interface RuleExplainOptions {
  /** `--effect NoExecute`: preview the rule as if its effect were NoExecute. */
  readonly effect?: 'NoExecute';
}

export function explainRule(input: ExplainInput, name: string, options: RuleExplainOptions = {}): RuleExplanation {
  const { snapshot, now, workloadClaims } = input;
  if (!snapshot.rulesServed)
    throw new ExplainNotFoundError(`DeviceTaintRule ${name} not found: the API server serves no DeviceTaintRules`);
  const base = feedEngine(snapshot, now, { workloadClaims });
  const own = base.engine.getRule(name);
  if (own === null) {
    const skipped = snapshot.skipped.find((s) => s.resource === 'devicetaintrules' && s.key === name);
    if (skipped !== undefined)
      throw new ExplainError(
        `DeviceTaintRule ${name} cannot be read (${skipped.error}): the controller ignores it too`,
      );
    throw new ExplainNotFoundError(`DeviceTaintRule ${name} not found`);
  }
  const simulated = options.effect === NO_EXECUTE && own.taint.effect !== NO_EXECUTE;
  const listed = snapshot.rules.find((r) => r.name === name) ?? own;
  const fed = simulated
    ? feedEngine(snapshot, now, {
        workloadClaims,
        replaceRules: new Map([[name, { ...listed, taint: { ...listed.taint, effect: NO_EXECUTE, timeAdded: now } }]]),
      })
    : base;
  const engine = fed.engine;
  const rule = engine.getRule(name) ?? own;
  const evicting = rule.taint.effect === NO_EXECUTE;
  const reason = ruleReason(rule.name, rule.uid);
  const notes: string[] = [];
  if (selectsEverything(rule.selector))
    notes.push(
      'the selector {} selects EVERY device in the cluster: with NoExecute every pod using a DRA device is evicted',
    );
  if (rule.selector === null) notes.push('the rule has no device selector: it selects nothing');

  // Devices.
  const published = engine
    .publishedDevicesSelectedBy(rule.selector)
    .map(({ slice, device }) => ({
      driver: slice.driver,
      pool: slice.pool,
      device: device.name,
      slice: slice.name,
      node: slice.nodeName,
    }))
    .sort((a, b) => (deviceText(a) < deviceText(b) ? -1 : deviceText(a) > deviceText(b) ? 1 : 0));
  const allocated = engine
    .claimsSelectedBy(rule.selector)
    .flatMap((claim) =>
      (claim.allocation ?? [])
        .filter((d) => selectorMatchesDevice(rule.selector, d.driver, d.pool, d.device))
        .map((d) => ({
          namespace: claim.namespace,
          claim: claim.name,
          request: d.request,
          driver: d.driver,
          pool: d.pool,
          device: d.device,
        })),
    )
    .sort((a, b) => (`${a.namespace}/${a.claim}` < `${b.namespace}/${b.claim}` ? -1 : 1));

  // The pods it evicts: the engine's pending evictions that name it.
  const pending = [...engine.pendingEvictions()];
  const mine: PendingEviction[] = evicting ? pending.filter((p) => p.reasons.includes(reason)) : [];
  const brakes = estimateBrakes(input, engine, pending, [name]);
  const evictionRows = mine.flatMap((p) => {
    const pod = engine.getPod(p.pod.namespace, p.pod.name);
    if (pod === null) return [];
    let ruleDue = Number.POSITIVE_INFINITY;
    for (const { device } of selectedDevicesOf(engine, pod, rule, workloadClaims)) {
      const at = taintEvictionTime(rule.taint, device.tolerations, now);
      if (at !== null) ruleDue = Math.min(ruleDue, at);
    }
    const row: RuleEvictionView = {
      name: pod.name,
      uid: pod.uid,
      node: pod.nodeName,
      evictAt: iso(p.fireAt),
      inSeconds: secondsFrom(p.fireAt, now),
      ruleDueAt: iso(Number.isFinite(ruleDue) ? ruleDue : p.fireAt),
      otherReasons: p.reasons.filter((r) => r !== reason),
      terminating: pod.deletionTimestamp !== null,
      start: startView(brakes.starts, p, now),
    };
    return [{ namespace: pod.namespace, row }];
  });
  evictionRows.sort((a, b) => a.row.evictAt.localeCompare(b.row.evictAt) || byName(a.row, b.row));
  const counted = evictionRows.filter((r) => !r.row.terminating);

  // The pods its tolerations protect: on selected devices, every one of them tolerating the taint forever.
  const asNoExecute = { ...rule.taint, effect: NO_EXECUTE };
  const evictedUids = new Set(mine.map((p) => p.pod.uid));
  const protectedRows: { namespace: string; row: ProtectedPodView }[] = [];
  for (const listedPod of snapshot.pods) {
    const pod = engine.getPod(listedPod.namespace, listedPod.name);
    if (pod === null || pod.nodeName === '' || pod.deletionTimestamp !== null || evictedUids.has(pod.uid)) continue;
    const selected = selectedDevicesOf(engine, pod, rule, workloadClaims);
    if (selected.length === 0) continue;
    const weighed = selected.map((s) => ({ ...s, w: weighTaint(asNoExecute, s.device.tolerations, now) }));
    if (!weighed.every((s) => s.w.outcome === 'toleratedForever')) continue;
    const first = weighed[0]!;
    protectedRows.push({
      namespace: pod.namespace,
      row: {
        name: pod.name,
        uid: pod.uid,
        claim: first.claim.name,
        device: deviceText(first.device),
        toleration: first.w.toleratedBy === null ? '' : tolerationText(first.w.toleratedBy),
      },
    });
  }
  protectedRows.sort((a, b) => byName(a.row, b.row));

  const dryRun = own.taint.effect === NO_EXECUTE ? null : base.engine.dryRunCounts(name);
  const namespaces = new Set(counted.map((r) => r.namespace)).size;
  if (simulated && dryRun !== null && (dryRun.pods !== counted.length || dryRun.namespaces !== namespaces))
    notes.push(
      `internal: the preview (${counted.length} pods in ${namespaces} namespaces) differs from the controller's dry run (${dryRun.pods} pods in ${dryRun.namespaces} namespaces)`,
    );
  const status = rule.conditions.find((c) => c.type === 'EvictionInProgress') ?? null;
  const perMinute = own.startLimit?.perMinute ?? null;
  const brakeSummary = [...brakes.view.summary];
  if (perMinute !== null && counted.length > 0) {
    const starts = counted
      .map((r) => r.row.start?.startAt)
      .filter((s): s is string => s !== null && s !== undefined)
      .map((s) => Date.parse(s))
      .sort((a, b) => a - b);
    const last = starts.at(-1);
    if (last !== undefined)
      brakeSummary.push(
        `rule ${name}: at most ${perMinute} per minute, so the ${ordinal(starts.length)} of its ${counted.length} evictions to start starts no earlier than ${iso(last)} (${relativeText(last, now)})`,
      );
  }
  const held = counted.filter((r) => r.row.start?.heldByBreaker === true).length;
  if (held > 0) brakeSummary.push(`rule ${name}: ${held} of its evictions held by the breaker`);
  notes.push(...skippedNotes(snapshot));

  return {
    apiVersion: EXPLAIN_API_VERSION,
    kind: 'RuleExplanation',
    generatedAt: iso(now),
    server: snapshot.server,
    rule: {
      name: own.name,
      uid: own.uid,
      generation: own.generation,
      taint: {
        key: own.taint.key,
        value: own.taint.value,
        effect: own.taint.effect,
        timeAdded: own.taint.timeAdded === null ? null : iso(own.taint.timeAdded),
      },
      text: taintText(own.taint),
      selector: own.selector === null ? null : { ...own.selector },
      selectorText: selectorText(own.selector),
      selectsEverything: selectsEverything(own.selector),
      maxEvictionsPerMinute: perMinute,
      status:
        status === null
          ? null
          : { reason: status.reason, message: status.message, observedGeneration: status.observedGeneration },
    },
    preview: {
      effect: rule.taint.effect,
      simulated,
      method: simulated
        ? `the engine fed a copy of the rule with effect NoExecute and timeAdded ${iso(now)} (what the API server stores when the effect changes)`
        : null,
      dryRun,
    },
    devices: { published, allocated },
    evictions: {
      pods: counted.length,
      namespaces,
      byNamespace: groupByNamespace(evictionRows),
    },
    protected: { pods: protectedRows.length, byNamespace: groupByNamespace(protectedRows) },
    brakes: { ...brakes.view, summary: brakeSummary },
    summary: ruleSummary(own, rule, simulated, counted, protectedRows.length, dryRun, now),
    notes: [...new Set(notes)],
  };
}

function ordinal(n: number): string {
  const tens = n % 100;
  if (tens >= 11 && tens <= 13) return `${n}th`;
  return `${n}${['th', 'st', 'nd', 'rd'][n % 10] ?? 'th'}`;
}

function ruleSummary(
  own: RuleRecord,
  rule: RuleRecord,
  simulated: boolean,
  counted: readonly { namespace: string; row: RuleEvictionView }[],
  protectedPods: number,
  dryRun: { pods: number; namespaces: number } | null,
  now: number,
): string {
  const protectedText = protectedPods === 0 ? '' : `; ${protectedPods} pod(s) protected by tolerations`;
  if (rule.taint.effect !== NO_EXECUTE) {
    const counts =
      dryRun === null
        ? ''
        : ` With NoExecute it would evict ${dryRun.pods} pod(s) in ${dryRun.namespaces} namespace(s) (dry run); preview them with --effect NoExecute.`;
    return `effect ${own.taint.effect}: evicts nothing.${counts}`;
  }
  const prefix = simulated ? `as NoExecute (effect now ${own.taint.effect}), it would evict` : 'evicts';
  if (counted.length === 0) return `${prefix} no pod${protectedText}`;
  // Loops, not Math.min(...spread): spreading 100k arguments overflows the stack.
  let first = Number.POSITIVE_INFINITY;
  let last = Number.NEGATIVE_INFINITY;
  for (const r of counted) {
    const at = Date.parse(r.row.evictAt);
    first = Math.min(first, at);
    last = Math.max(last, at);
  }
  const namespaces = new Set(counted.map((r) => r.namespace)).size;
  const span =
    first === last
      ? `at ${iso(first)} (${relativeText(first, now)})`
      : `from ${iso(first)} (${relativeText(first, now)}) to ${iso(last)} (${relativeText(last, now)}, over ${durationText(last - first)})`;
  return `${prefix} ${counted.length} pod(s) in ${namespaces} namespace(s) ${span}${protectedText}`;
}
