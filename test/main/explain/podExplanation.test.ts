// `explain pod` on the controller's engine, in virtual time: the verdicts (evicted now, later,
// tolerated forever, not affected), taints from a rule and a slice on one device, a same-name
// replacement pod, and that the per-taint detail always adds up to the engine's decision.

import { describe, expect, test } from 'vitest';
import { ExplainNotFoundError } from '../../../src/main/explain/common.js';
import { explainPod } from '../../../src/main/explain/podExplanation.js';
import { feedEngine } from '../../../src/main/explain/snapshot.js';
import type { PodExplanation } from '../../../src/main/explain/types.js';
import { ruleReason, sliceReason } from '../../../src/shared/reasons.js';
import { podRecord, toleratesFor, toleration } from '../../support/records.js';
import { DRIVER, inputOf, KEY, nodeSlice, rule, S, snapshotOf, T0, workload, xid } from './world.js';

const NS = 'team-a';
const w = workload(NS, 'trainer', 'node-1', 'gpu-0');
const taintedSlice = nodeSlice('node-1', ['gpu-0', 'gpu-1'], { 'gpu-0': [xid()] });
const sliceXid = sliceReason(DRIVER, 'node-1', 'node-1-gpu', 'gpu-0', 0);

/** No explanation may carry an internal inconsistency note: the detail must add up to the engine's verdict. */
function consistent(e: PodExplanation): PodExplanation {
  expect(e.notes.filter((n) => n.startsWith('internal'))).toEqual([]);
  return e;
}

describe('explain pod: verdicts', () => {
  test('no toleration: evicted now, at the taint’s timeAdded, with the slice taint as the reason', () => {
    const snapshot = snapshotOf({ workloads: [w], slices: [taintedSlice] });
    const e = consistent(explainPod(inputOf(snapshot, T0 + 5 * S), NS, 'trainer'));
    expect(e.verdict).toEqual({
      kind: 'evict',
      at: '2025-01-01T10:00:00Z',
      inSeconds: -5,
      due: true,
      reasons: [sliceXid],
      terminating: false,
    });
    expect(e.summary).toMatch(
      /^evicted now \(due at 2025-01-01T10:00:00Z, due since 5 s\) because of slice node-1-gpu/,
    );
    expect(e.claims).toHaveLength(1);
    const claim = e.claims[0]!;
    expect(claim).toMatchObject({ entry: 'gpu', claim: 'trainer-gpu', status: 'used', source: 'resourceClaimName' });
    expect(claim.eviction).toEqual({ at: '2025-01-01T10:00:00Z', inSeconds: -5, reasons: [sliceXid] });
    const taint = claim.devices[0]!.taints[0]!;
    expect(taint).toMatchObject({
      source: 'slice',
      slice: 'node-1-gpu',
      index: 0,
      text: `${KEY}=79:NoExecute`,
      outcome: 'evicts',
      reason: sliceXid,
      toleratedBy: null,
      timeAddedAssumed: false,
    });
    expect(claim.devices[0]!.publishedBy).toEqual({ slice: 'node-1-gpu', node: 'node-1' });
  });

  test('tolerationSeconds: evicted later, by the smallest matching toleration; a non-matching one does not count', () => {
    const tolerating = workload(NS, 'trainer', 'node-1', 'gpu-0', [
      toleratesFor(KEY, 3600),
      toleratesFor(KEY, 300),
      toleration({ key: 'other-key', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 5 }),
    ]);
    const e = consistent(
      explainPod(inputOf(snapshotOf({ workloads: [tolerating], slices: [taintedSlice] }), T0 + 60 * S), NS, 'trainer'),
    );
    expect(e.verdict).toMatchObject({ kind: 'evict', at: '2025-01-01T10:05:00Z', inSeconds: 240, due: false });
    expect(e.summary).toMatch(/^evicted at 2025-01-01T10:05:00Z \(in 4 min\)/);
    const taint = e.claims[0]!.devices[0]!.taints[0]!;
    expect(taint.outcome).toBe('delayed');
    expect(taint.toleratedBy?.text).toBe(`${KEY}:NoExecute op=Exists for 300s`);
    expect(taint.matchingTolerations.map((t) => t.tolerationSeconds)).toEqual([3600, 300]);
  });

  test('a matching toleration without seconds: tolerated forever, naming it (and it wins over a finite one)', () => {
    const forever = toleration({
      key: KEY,
      operator: 'Equal',
      value: '79',
      effect: 'NoExecute',
      tolerationSeconds: null,
    });
    const tolerating = workload(NS, 'trainer', 'node-1', 'gpu-0', [toleratesFor(KEY, 30), forever]);
    const e = consistent(
      explainPod(inputOf(snapshotOf({ workloads: [tolerating], slices: [taintedSlice] })), NS, 'trainer'),
    );
    expect(e.verdict).toEqual({
      kind: 'toleratedForever',
      by: [
        {
          claim: 'trainer-gpu',
          device: `${DRIVER}/node-1/gpu-0`,
          taint: `${KEY}=79:NoExecute`,
          toleration: `${KEY}=79:NoExecute op=Equal`,
        },
      ],
    });
    expect(e.summary).toBe(
      `tolerated forever by ${KEY}=79:NoExecute op=Equal (taint ${KEY}=79:NoExecute on ${DRIVER}/node-1/gpu-0)`,
    );
    expect(e.brakes.start).toBeNull();
  });

  test('a toleration with an empty effect is shown as ignored (§6.1): the pod is evicted', () => {
    const anyEffect = toleration({ key: KEY, operator: 'Exists', effect: '', tolerationSeconds: null });
    const tolerating = workload(NS, 'trainer', 'node-1', 'gpu-0', [anyEffect]);
    const e = consistent(
      explainPod(inputOf(snapshotOf({ workloads: [tolerating], slices: [taintedSlice] })), NS, 'trainer'),
    );
    expect(e.verdict.kind).toBe('evict');
    const taint = e.claims[0]!.devices[0]!.taints[0]!;
    expect(taint.outcome).toBe('evicts');
    expect(taint.ignoredTolerations.map((t) => t.text)).toEqual([`${KEY}:<any effect> op=Exists`]);
  });

  test('not affected: no NoExecute taint; a NoSchedule taint is listed as never evicting', () => {
    const slice = nodeSlice('node-1', ['gpu-0'], { 'gpu-0': [xid({ effect: 'NoSchedule' })] });
    const e = consistent(explainPod(inputOf(snapshotOf({ workloads: [w], slices: [slice] })), NS, 'trainer'));
    expect(e.verdict).toEqual({ kind: 'notAffected', why: 'no NoExecute taint on the devices of its claims' });
    expect(e.summary).toBe('not affected: no NoExecute taint on the devices of its claims');
    expect(e.claims[0]!.devices[0]!.taints[0]).toMatchObject({ outcome: 'notEvicting', reason: null, evictAt: null });
  });

  test('not affected: an unscheduled pod, a pod without claims', () => {
    const unscheduled = { ...w, pod: { ...w.pod, nodeName: '' } };
    const e = consistent(
      explainPod(inputOf(snapshotOf({ workloads: [unscheduled], slices: [taintedSlice] })), NS, 'trainer'),
    );
    expect(e.verdict).toEqual({ kind: 'notAffected', why: 'not scheduled (no spec.nodeName): never evicted' });
    expect(e.pod.nodeName).toBeNull();
    const bare = podRecord({ namespace: NS, name: 'bare' });
    const e2 = consistent(explainPod(inputOf(snapshotOf({ pods: [bare], slices: [taintedSlice] })), NS, 'bare'));
    expect(e2.verdict).toEqual({ kind: 'notAffected', why: 'the pod uses no ResourceClaims' });
  });

  test('an unknown pod is ExplainNotFoundError', () => {
    expect(() => explainPod(inputOf(snapshotOf({ workloads: [w] })), NS, 'nope')).toThrow(ExplainNotFoundError);
    expect(() => explainPod(inputOf(snapshotOf({ workloads: [w] })), NS, 'nope')).toThrow('pod team-a/nope not found');
  });
});

describe('explain pod: where taints come from', () => {
  test('one device tainted by a rule and by its slice: both shown, rule first, the earlier one decides, both are reasons', () => {
    const drain = rule('drain-node-1', {
      selector: { driver: DRIVER, pool: 'node-1' },
      taint: xid({ key: 'drain', value: '', timeAdded: T0 + 20 * S }),
    });
    const later = workload(NS, 'trainer', 'node-1', 'gpu-0', [toleratesFor(KEY, 60)]);
    const snapshot = snapshotOf({ workloads: [later], slices: [taintedSlice], rules: [drain] });
    const e = consistent(explainPod(inputOf(snapshot, T0), NS, 'trainer'));
    const taints = e.claims[0]!.devices[0]!.taints;
    expect(taints.map((t) => [t.source, t.rule ?? t.slice, t.outcome, t.evictAt])).toEqual([
      ['rule', 'drain-node-1', 'evicts', '2025-01-01T10:00:20Z'],
      ['slice', 'node-1-gpu', 'delayed', '2025-01-01T10:01:00Z'],
    ]);
    const ruleXid = ruleReason('drain-node-1', 'uid-rule-drain-node-1');
    expect(e.verdict).toMatchObject({ kind: 'evict', at: '2025-01-01T10:00:20Z', reasons: [ruleXid, sliceXid] });
    expect(e.summary).toContain('because of rule drain-node-1; slice node-1-gpu');
    // The engine's own verdict, unchanged.
    const { engine } = feedEngine(snapshot, T0, { workloadClaims: false });
    expect(engine.pendingEviction(later.pod)).toMatchObject({ fireAt: T0 + 20 * S, reasons: [ruleXid, sliceXid] });
  });

  test('a None rule on the device is listed as not evicting', () => {
    const preview = rule('maybe-drain', { taint: xid({ effect: 'None' }) });
    const e = consistent(
      explainPod(
        inputOf(snapshotOf({ workloads: [w], slices: [nodeSlice('node-1', ['gpu-0'])], rules: [preview] })),
        NS,
        'trainer',
      ),
    );
    expect(e.claims[0]!.devices[0]!.taints).toMatchObject([
      { source: 'rule', rule: 'maybe-drain', outcome: 'notEvicting' },
    ]);
    expect(e.verdict.kind).toBe('notAffected');
  });

  test('a rule still taints an allocated device that no current slice publishes', () => {
    const everything = rule('drain-all');
    const e = consistent(explainPod(inputOf(snapshotOf({ workloads: [w], rules: [everything] })), NS, 'trainer'));
    expect(e.claims[0]!.devices[0]!.publishedBy).toBeNull();
    expect(e.verdict).toMatchObject({ kind: 'evict', reasons: [ruleReason('drain-all', 'uid-rule-drain-all')] });
  });

  test('a taint without timeAdded is stamped with now and says so', () => {
    const slice = nodeSlice('node-1', ['gpu-0'], { 'gpu-0': [xid({ timeAdded: null })] });
    const e = consistent(
      explainPod(inputOf(snapshotOf({ workloads: [w], slices: [slice] }), T0 + 90 * S), NS, 'trainer'),
    );
    expect(e.claims[0]!.devices[0]!.taints[0]).toMatchObject({
      timeAddedAssumed: true,
      evictAt: '2025-01-01T10:01:30Z',
    });
    expect(e.notes.some((n) => n.includes('has no timeAdded'))).toBe(true);
  });
});

describe('explain pod: claims that do not count', () => {
  test('a same-name replacement (UID mismatch) does not inherit the old pod’s claim: not reserved, not affected', () => {
    const replacement = { ...w.pod, uid: 'uid-new-incarnation' };
    const snapshot = snapshotOf({ pods: [replacement], claims: [w.claim], slices: [taintedSlice] });
    const e = consistent(explainPod(inputOf(snapshot), NS, 'trainer'));
    expect(e.pod.uid).toBe('uid-new-incarnation');
    expect(e.claims[0]).toMatchObject({ claim: 'trainer-gpu', status: 'notReserved', eviction: null });
    expect(e.claims[0]!.detail).toContain(
      `reserved for pods/trainer (uid ${w.pod.uid}), not this pod (uid uid-new-incarnation)`,
    );
    // Its devices are still shown, and the taint is there: it just does not count for this pod.
    expect(e.claims[0]!.devices[0]!.taints[0]!.outcome).toBe('evicts');
    expect(e.verdict).toEqual({ kind: 'notAffected', why: 'none of its claims counts for it (see the claims)' });
    const { engine } = feedEngine(snapshot, T0, { workloadClaims: false });
    expect(engine.pendingEviction(replacement)).toBeUndefined();
  });

  test('missing and unallocated claims, and a template entry without a status entry', () => {
    const pod = podRecord({
      namespace: NS,
      name: 'many',
      resourceClaims: [
        { name: 'a', resourceClaimName: 'absent', resourceClaimTemplateName: null, podGroupResourceClaim: null },
        { name: 'b', resourceClaimName: 'unallocated', resourceClaimTemplateName: null, podGroupResourceClaim: null },
        { name: 'c', resourceClaimName: null, resourceClaimTemplateName: 'tmpl', podGroupResourceClaim: null },
        { name: 'd', resourceClaimName: null, resourceClaimTemplateName: null, podGroupResourceClaim: 'group-gpu' },
      ],
    });
    const unallocated = { ...w.claim, name: 'unallocated', allocation: null };
    const e = consistent(explainPod(inputOf(snapshotOf({ pods: [pod], claims: [unallocated] })), NS, 'many'));
    expect(e.claims.map((c) => [c.entry, c.source, c.status])).toEqual([
      ['a', 'resourceClaimName', 'notFound'],
      ['b', 'resourceClaimName', 'notAllocated'],
      ['c', 'resourceClaimTemplateName', 'unresolved'],
      ['d', 'podGroupResourceClaim', 'unresolved'],
    ]);
    expect(e.claims[3]!.detail).toContain('--workload-claims');
  });
});
