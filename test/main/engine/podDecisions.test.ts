// From a pod's eviction to deletePodAt and the sink: schedule once, reschedule only on a change,
// cancel with "Cancelling deletion" only while the pod exists, decide bursts once from their end state,
// keep a newer schedule when an older eviction finishes, and never schedule an evicted UID again.

import { beforeEach, describe, expect, it } from 'vitest';
import { AllocatedClaims } from '../../../src/main/engine/allocatedClaims.js';
import { ReasonRulesCache } from '../../../src/main/engine/evictionIntern.js';
import { PodCache } from '../../../src/main/engine/podCache.js';
import { PodClaims } from '../../../src/main/engine/podClaims.js';
import { PodDecisions } from '../../../src/main/engine/podDecisions.js';
import { RuleCounts } from '../../../src/main/engine/ruleCounts.js';
import { RULE_STATUS_PERIOD_MS } from '../../../src/main/engine/ruleStatus.js';
import { FakeClock } from '../../../src/shared/clock.js';
import { POD_HAS_DISRUPTION_TARGET, POD_TERMINATING, type ReasonId } from '../../../src/shared/decisions.js';
import { makeEviction } from '../../../src/shared/evictionTime.js';
import { ruleReason } from '../../../src/shared/reasons.js';
import type { ClaimRecord, PodRecord, PodRef } from '../../../src/shared/types.js';
import { allocatedDevice, claimRecord, podConsumer, podUsingClaim } from '../../support/records.js';

const T = Date.UTC(2026, 0, 1);
const RULE = ruleReason('xid', 'rule-uid');

type Call = ['schedule', string, number, readonly ReasonId[], number] | ['cancel', string, boolean];

let calls: Call[];
let statusRequests: [string, number][];
let pods: PodCache;
let claims: AllocatedClaims;
let counts: RuleCounts;
let decisions: PodDecisions;
let clock: FakeClock;
const T_NOW = Date.UTC(2026, 0, 1);

beforeEach(() => {
  clock = new FakeClock(T_NOW);
  calls = [];
  statusRequests = [];
  pods = new PodCache();
  claims = new AllocatedClaims();
  const reasonRules = new ReasonRulesCache();
  counts = new RuleCounts(reasonRules);
  decisions = new PodDecisions({
    sink: {
      schedule: (pod, fireAt, reasons, podState = 0) => calls.push(['schedule', pod.name, fireAt, reasons, podState]),
      cancel: (pod, emitEvent) => calls.push(['cancel', pod.name, emitEvent]),
    },
    ruleStatus: { enqueue: (rule, delayMs) => statusRequests.push([rule, delayMs]) },
    pods,
    podClaims: new PodClaims(claims, new Map(), false),
    reasonRules,
    counts,
    clock,
  });
});

const claimFor = (pod: PodRecord, name = `${pod.name}-gpu`): ClaimRecord =>
  claimRecord({
    name,
    allocation: [allocatedDevice({ driver: 'd', pool: 'p', device: 'gpu-0' })],
    reservedFor: [podConsumer(pod.name, pod.uid)],
  });

/** A cached pod whose claim evicts at `when` (or not at all). */
function podEvictedAt(name: string, when: number | null): PodRecord {
  const pod = podUsingClaim(`${name}-gpu`, { name });
  pods.set(pod);
  setClaimEviction(pod, when);
  return pod;
}

function setClaimEviction(pod: PodRecord, when: number | null, reasons: ReasonId[] = [RULE]): void {
  claims.set(claimFor(pod), when === null ? null : makeEviction(when, reasons));
}

const result = (pod: PodRef, fireAt: number) => ({
  pod,
  outcome: 'deleted' as const,
  fireAt,
  doneAt: fireAt,
  attempts: 1,
  reasons: [RULE],
});

describe('PodDecisions', () => {
  it('schedules once, asks for a delayed status refresh, and reschedules only on a change', () => {
    const pod = podEvictedAt('a', T);
    decisions.decide(pod);
    decisions.decide(pod);
    expect(calls).toEqual([['schedule', 'a', T, [RULE], 0]]);
    expect(statusRequests).toEqual([
      ['xid', RULE_STATUS_PERIOD_MS],
      ['xid', RULE_STATUS_PERIOD_MS],
    ]);
    expect(counts.pending('rule-uid')).toEqual({ pods: 1, namespaces: 1 });
    const first = decisions.get(pod)!.pod;
    setClaimEviction(pod, T + 60_000);
    decisions.decide(pod);
    expect(calls.at(-1)).toEqual(['schedule', 'a', T + 60_000, [RULE], 0]);
    expect(decisions.get(pod)!.pod).toBe(first);
    expect(decisions.size).toBe(1);
  });

  it('cancels with an event while the pod exists, without one when it is gone', () => {
    const a = podEvictedAt('a', T);
    const b = podEvictedAt('b', T);
    decisions.decide(a);
    decisions.decide(b);
    setClaimEviction(a, null);
    decisions.decide(a);
    decisions.drop(b, false);
    decisions.drop(b, false);
    expect(calls.slice(2)).toEqual([
      ['cancel', 'a', true],
      ['cancel', 'b', false],
    ]);
    expect(decisions.size).toBe(0);
    expect(counts.pending('rule-uid')).toEqual({ pods: 0, namespaces: 0 });
  });

  it('decides a burst once, from the state after it, and skips pods deleted during it', () => {
    const a = podEvictedAt('a', T);
    const gone = podEvictedAt('gone', T);
    decisions.beginBatch();
    decisions.decide(a);
    setClaimEviction(a, null);
    decisions.decide(a);
    setClaimEviction(a, T + 5);
    decisions.decide(a);
    decisions.decide(gone);
    pods.delete(gone);
    expect(calls).toEqual([]);
    decisions.endBatch();
    expect(calls).toEqual([['schedule', 'a', T + 5, [RULE], 0]]);
  });

  it('keeps a newer schedule when an older eviction finishes, and never schedules an evicted UID again', () => {
    const pod = podEvictedAt('a', T);
    decisions.decide(pod);
    setClaimEviction(pod, T + 9);
    decisions.decide(pod);
    decisions.finished(result(pod, T));
    expect(decisions.get(pod)?.fireAt).toBe(T + 9);
    decisions.finished(result(pod, T + 9));
    expect(decisions.get(pod)).toBeUndefined();
    expect(decisions.wasEvicted(pod.uid)).toBe(true);
    calls = [];
    decisions.decide(pod);
    expect(calls).toEqual([]);
  });

  it('tells the executor when the pod starts terminating, and stops counting it as pending', () => {
    const pod = podEvictedAt('a', T);
    decisions.decide(pod);
    const terminating = { ...pod, deletionTimestamp: T, resourceVersion: '2' };
    pods.set(terminating);
    decisions.refresh(terminating);
    expect(calls.at(-1)).toEqual(['schedule', 'a', T, [RULE], POD_TERMINATING]);
    expect(counts.pending('rule-uid')).toEqual({ pods: 0, namespaces: 0 });
  });

  it('does not send an eviction already due again for its own DisruptionTarget condition; a later one learns of it', () => {
    // Due now: the condition is the eviction's own status patch, seen back. Not sent (a schedule reaching
    // the worker after the run would make it DELETE a second time), but kept for a replay.
    const due = podEvictedAt('a', T);
    decisions.decide(due);
    const marked = { ...due, disruptionTargetSet: true, resourceVersion: '2' };
    pods.set(marked);
    decisions.refresh(marked);
    expect(calls).toEqual([['schedule', 'a', T, [RULE], 0]]);
    expect(decisions.get(due)?.podState).toBe(POD_HAS_DISRUPTION_TARGET);
    // The same inside a watch burst (decided at its end).
    const c = podEvictedAt('c', T);
    decisions.decide(c);
    const cMarked = { ...c, disruptionTargetSet: true, resourceVersion: '2' };
    pods.set(cMarked);
    decisions.beginBatch();
    decisions.refresh(cMarked);
    decisions.endBatch();
    expect(calls.filter((call) => call[1] === 'c')).toHaveLength(1);
    expect(decisions.get(c)?.podState).toBe(POD_HAS_DISRUPTION_TARGET);
    // Terminating as well: that is news for the executor (no writes at all), and is sent.
    const terminating = { ...marked, deletionTimestamp: T, resourceVersion: '3' };
    pods.set(terminating);
    decisions.refresh(terminating);
    expect(calls.at(-1)).toEqual(['schedule', 'a', T, [RULE], POD_HAS_DISRUPTION_TARGET | POD_TERMINATING]);
    // Not due yet (a toleration runs): somebody else set the condition; the executor must know.
    const later = podEvictedAt('b', T + 60_000);
    decisions.decide(later);
    const laterMarked = { ...later, disruptionTargetSet: true, resourceVersion: '2' };
    pods.set(laterMarked);
    decisions.refresh(laterMarked);
    expect(calls.at(-1)).toEqual(['schedule', 'b', T + 60_000, [RULE], POD_HAS_DISRUPTION_TARGET]);
  });

  it('re-evaluates every consumer of a claim, past a missing one, and asks for each rule refresh once', () => {
    const a = podEvictedAt('a', T);
    const b = podUsingClaim('a-gpu', { name: 'b' });
    pods.set(b);
    const shared = claimRecord({
      ...claimFor(a),
      reservedFor: [podConsumer('missing', 'x'), podConsumer('a', a.uid), podConsumer('b', b.uid)],
    });
    claims.set(shared, makeEviction(T, [RULE]));
    decisions.decideConsumers([shared]);
    expect(calls.map((c) => c[1])).toEqual(['a', 'b']);
    expect(statusRequests).toEqual([['xid', RULE_STATUS_PERIOD_MS]]);
  });
});

describe('PodDecisions, sliced', () => {
  function sliced() {
    const deferred: (() => void)[] = [];
    const bursts: number[] = [];
    const sliced = new PodDecisions({
      slicing: { sliceMs: 0, defer: (fn) => deferred.push(fn) },
      onBurstDecided: (ops) => bursts.push(ops),
      sink: {
        schedule: (pod, fireAt, reasons, podState = 0) => calls.push(['schedule', pod.name, fireAt, reasons, podState]),
        cancel: (pod, emitEvent) => calls.push(['cancel', pod.name, emitEvent]),
      },
      ruleStatus: { enqueue: () => {} },
      pods,
      podClaims: new PodClaims(claims, new Map(), false),
      reasonRules: new ReasonRulesCache(),
      counts: new RuleCounts(new ReasonRulesCache()),
      clock,
    });
    const runDeferred = () => {
      while (deferred.length > 0) deferred.shift()?.();
    };
    return { sliced, deferred, bursts, runDeferred };
  }

  it('makes a large burst decisions over several turns, each pod once, and reports the burst once', () => {
    const { sliced: d, deferred, bursts, runDeferred } = sliced();
    const all = Array.from({ length: 300 }, (_, i) => podEvictedAt(`p${i}`, T + i));
    d.beginBatch(true);
    for (const pod of all) d.decide(pod);
    d.endBatch();
    expect(calls.length).toBeGreaterThan(0);
    expect(calls.length).toBeLessThan(300);
    expect(deferred).toHaveLength(1);
    expect(d.owedCount).toBe(300 - calls.length);
    runDeferred();
    expect(calls.map((c) => c[1])).toEqual(all.map((p) => p.name));
    expect(d.owedCount).toBe(0);
    expect(bursts).toEqual([300]);
  });

  it('decides a watch burst at once: only a list burst is sliced', () => {
    const { sliced: d, deferred, bursts } = sliced();
    d.beginBatch();
    for (let i = 0; i < 300; i++) d.decide(podEvictedAt(`p${i}`, T));
    d.endBatch();
    expect(calls).toHaveLength(300);
    expect(deferred).toHaveLength(0);
    expect(bursts).toEqual([300]);
  });

  it('waits while a new burst is open and decides the rest from the state after it', () => {
    const { sliced: d, runDeferred } = sliced();
    const all = Array.from({ length: 200 }, (_, i) => podEvictedAt(`p${i}`, T));
    d.beginBatch(true);
    for (const pod of all) d.decide(pod);
    d.endBatch();
    const early = calls.length;
    // A (watch) burst begins before the rest is decided: the last pod's claim stops evicting within it.
    d.beginBatch();
    runDeferred();
    expect(calls.length).toBe(early);
    const last = all[all.length - 1]!;
    setClaimEviction(last, null);
    d.decide(last);
    d.endBatch();
    runDeferred();
    expect(calls.filter((c) => c[1] === last.name)).toEqual([]);
    expect(calls).toHaveLength(all.length - 1);
  });
});

describe('PodDecisions, owed decisions by UID', () => {
  it('decides two different pods that share a UID (synthetic data) each from its own record', () => {
    const a = podEvictedAt('a', T);
    const b = { ...podEvictedAt('b', T + 1), uid: a.uid };
    pods.set(b);
    claims.set(claimFor(b), makeEviction(T + 1, [RULE]));
    decisions.beginBatch();
    decisions.decide(a);
    decisions.decide(b);
    decisions.decide(a);
    decisions.endBatch();
    expect(calls.map((c) => [c[1], c[2]])).toEqual([
      ['a', T],
      ['b', T + 1],
    ]);
  });
});
