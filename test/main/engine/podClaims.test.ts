// Which claims are really a pod's: named directly, through a template's status entry, the extended
// resource status or (workload claims) its PodGroup; owned by the pod where ownership is checked, and
// reserved for this incarnation. The pod's eviction is the union over those claims only.

import { describe, expect, it } from 'vitest';
import { AllocatedClaims } from '../../../src/main/engine/allocatedClaims.js';
import { PodClaims } from '../../../src/main/engine/podClaims.js';
import { makeEviction } from '../../../src/shared/evictionTime.js';
import { ruleReason } from '../../../src/shared/reasons.js';
import type { ClaimRecord, PodGroupRecord, PodRecord } from '../../../src/shared/types.js';
import {
  allocatedDevice,
  claimByName,
  claimFromTemplate,
  claimRecord,
  podConsumer,
  podRecord,
  podUsingClaim,
} from '../../support/records.js';

const T = Date.UTC(2026, 0, 1);
const device = allocatedDevice({ driver: 'd', pool: 'p', device: 'gpu-0' });
const pod = podUsingClaim('direct', { name: 'p', uid: 'pod-uid' });

function setup(
  claims: { claim: ClaimRecord; when: number; rule: string }[],
  groups: PodGroupRecord[] = [],
  workload = false,
) {
  const allocated = new AllocatedClaims();
  for (const { claim, when, rule } of claims)
    allocated.set(claim, makeEviction(when, [ruleReason(rule, `${rule}-uid`)]));
  const podGroups = new Map(groups.map((g) => [`${g.namespace}/${g.name}`, g]));
  return new PodClaims(allocated, podGroups, workload);
}

const reservedFor = (name: string, p: PodRecord, extra: Partial<ClaimRecord> = {}): ClaimRecord =>
  claimRecord({ name, allocation: [device], reservedFor: [podConsumer(p.name, p.uid)], ...extra });

describe('PodClaims.eviction', () => {
  it('merges the evictions of the claims the pod names directly, without an owner check', () => {
    const podClaims = setup([{ claim: reservedFor('direct', pod), when: T + 5, rule: 'a' }]);
    expect(podClaims.eviction(pod, null)).toEqual({ when: T + 5, reasons: [ruleReason('a', 'a-uid')] });
  });

  it('is null for an unscheduled pod and for claims that are not allocated (tracked)', () => {
    const podClaims = setup([{ claim: reservedFor('direct', pod), when: T, rule: 'a' }]);
    expect(podClaims.eviction({ ...pod, nodeName: '' }, null)).toBeNull();
    expect(podClaims.eviction(podUsingClaim('other', { name: 'p', uid: 'pod-uid' }), null)).toBeNull();
  });

  it('ignores a claim reserved for an earlier pod of the same name', () => {
    const replacement = { ...pod, uid: 'new-uid' };
    const podClaims = setup([{ claim: reservedFor('direct', pod), when: T, rule: 'a' }]);
    expect(podClaims.eviction(replacement, null)).toBeNull();
  });

  it('requires a template claim to be owned by the pod', () => {
    const templated = podRecord({
      name: 'p',
      uid: 'pod-uid',
      resourceClaims: [claimFromTemplate('gpu', 'tmpl')],
      resourceClaimStatuses: [{ name: 'gpu', resourceClaimName: 'p-gpu-x' }],
    });
    const owned = setup([
      { claim: reservedFor('p-gpu-x', templated, { controllerOwnerUid: 'pod-uid' }), when: T, rule: 'a' },
    ]);
    expect(owned.eviction(templated, null)?.when).toBe(T);
    const foreign = setup([
      { claim: reservedFor('p-gpu-x', templated, { controllerOwnerUid: 'other' }), when: T, rule: 'a' },
    ]);
    expect(foreign.eviction(templated, null)).toBeNull();
  });

  it('takes the earliest time over all its claims, the extended-resource claim included', () => {
    const both = { ...pod, extendedResourceClaimName: 'ext' };
    const podClaims = setup([
      { claim: reservedFor('direct', both), when: T + 50, rule: 'late' },
      { claim: reservedFor('ext', both, { controllerOwnerUid: 'pod-uid' }), when: T + 10, rule: 'early' },
    ]);
    expect(podClaims.eviction(both, null)).toEqual({
      when: T + 10,
      reasons: [ruleReason('early', 'early-uid'), ruleReason('late', 'late-uid')],
    });
  });

  it('resolves PodGroup claims only with workload claims on', () => {
    const member = podRecord({
      name: 'p',
      uid: 'pod-uid',
      podGroupName: 'g',
      resourceClaims: [{ ...claimByName('gpu', 'unused'), resourceClaimName: null, podGroupResourceClaim: 'shared' }],
    });
    const group: PodGroupRecord = {
      namespace: 'default',
      name: 'g',
      uid: 'group-uid',
      resourceVersion: '1',
      resourceClaims: [{ name: 'shared', resourceClaimName: 'group-claim' }],
    };
    const claim = claimRecord({
      name: 'group-claim',
      allocation: [device],
      controllerOwnerUid: 'group-uid',
      reservedFor: [{ apiGroup: 'scheduling.k8s.io', resource: 'podgroups', name: 'g', uid: 'group-uid' }],
    });
    const on = setup([{ claim, when: T, rule: 'a' }], [group], true);
    expect(on.groupOf(member)).toBe(group);
    expect(on.eviction(member, null)?.when).toBe(T);
    const off = setup([{ claim, when: T, rule: 'a' }], [group], false);
    expect(off.groupOf(member)).toBeNull();
    expect(off.eviction(member, null)).toBeNull();
  });
});

describe('PodClaims.usesClaim', () => {
  it('answers the same question the other way round', () => {
    const claim = reservedFor('direct', pod);
    const podClaims = setup([{ claim, when: T, rule: 'a' }]);
    expect(podClaims.usesClaim(pod, claim)).toBe(true);
    expect(podClaims.usesClaim({ ...pod, namespace: 'other' }, claim)).toBe(false);
    expect(podClaims.usesClaim({ ...pod, uid: 'replacement' }, claim)).toBe(false);
    expect(podClaims.usesClaim(pod, { ...claim, name: 'not-named' })).toBe(false);
  });
});
