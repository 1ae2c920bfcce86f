import { describe, expect, test } from 'vitest';
import { claimIsForPod, claimIsReservedForPod, podClaimReferences } from '../../src/shared/claimResolution.js';
import type { ClaimRecord, PodGroupRecord, PodRecord } from '../../src/shared/types.js';
import { claimByName, claimFromTemplate, claimRecord, podRecord } from '../support/records.js';

const pod: PodRecord = podRecord({
  namespace: 'ns',
  name: 'p',
  uid: 'pod-uid',
  nodeName: 'n',
  resourceClaims: [
    claimByName('direct', 'c-direct'),
    claimFromTemplate('tmpl', 't'),
    claimFromTemplate('tmpl-none', 't'),
    claimFromTemplate('tmpl-missing', 't'),
    { name: 'group', resourceClaimName: null, resourceClaimTemplateName: null, podGroupResourceClaim: 'shared' },
    { name: 'unknown', resourceClaimName: null, resourceClaimTemplateName: null, podGroupResourceClaim: null },
  ],
  resourceClaimStatuses: [
    { name: 'tmpl', resourceClaimName: 'c-generated' },
    { name: 'tmpl-none', resourceClaimName: null },
  ],
  extendedResourceClaimName: 'c-extended',
  podGroupName: 'g',
});
const group: PodGroupRecord = {
  namespace: 'ns',
  name: 'g',
  uid: 'group-uid',
  resourceVersion: '1',
  resourceClaims: [{ name: 'shared', resourceClaimName: 'c-group' }],
};
const claim = (c: Partial<ClaimRecord>): ClaimRecord =>
  claimRecord({ namespace: 'ns', name: 'c', uid: 'claim-uid', allocation: [], ...c });

describe('claim resolution (docs/behaviour.md §2.5 steps 2-5)', () => {
  test('names: direct without owner check; template/PodGroup/extended with; missing or null skipped', () => {
    expect(podClaimReferences(pod, group, true)).toEqual([
      { claimName: 'c-direct', mustCheckOwner: false },
      { claimName: 'c-generated', mustCheckOwner: true },
      { claimName: 'c-group', mustCheckOwner: true },
      { claimName: 'c-extended', mustCheckOwner: true },
    ]);
    // Without workload claims (or without the PodGroup object) the group entry resolves to nothing.
    expect(podClaimReferences(pod, group, false).map((r) => r.claimName)).toEqual([
      'c-direct',
      'c-generated',
      'c-extended',
    ]);
    expect(podClaimReferences(pod, null, true).map((r) => r.claimName)).not.toContain('c-group');
  });

  test('owner: same namespace and controlled by the pod, or by its PodGroup with workload claims', () => {
    expect(claimIsForPod(pod, claim({ controllerOwnerUid: 'pod-uid' }), null, false)).toBe(true);
    expect(claimIsForPod(pod, claim({ controllerOwnerUid: 'pod-uid', namespace: 'other' }), null, false)).toBe(false);
    expect(claimIsForPod(pod, claim({ controllerOwnerUid: null }), null, false)).toBe(false);
    expect(claimIsForPod(pod, claim({ controllerOwnerUid: 'group-uid' }), group, true)).toBe(true);
    expect(claimIsForPod(pod, claim({ controllerOwnerUid: 'group-uid' }), group, false)).toBe(false);
  });

  test('reservation: by pod UID, or by PodGroup name (and UID when the group is known)', () => {
    const byPod = claim({ reservedFor: [{ apiGroup: '', resource: 'pods', name: 'p', uid: 'pod-uid' }] });
    const byOldPod = claim({ reservedFor: [{ apiGroup: '', resource: 'pods', name: 'p', uid: 'old-uid' }] });
    const byGroup = claim({
      reservedFor: [{ apiGroup: 'scheduling.k8s.io', resource: 'podgroups', name: 'g', uid: 'group-uid' }],
    });
    expect(claimIsReservedForPod(pod, byPod, null, false)).toBe(true);
    expect(claimIsReservedForPod(pod, byOldPod, null, false)).toBe(false);
    expect(claimIsReservedForPod(pod, byGroup, null, false)).toBe(false);
    expect(claimIsReservedForPod(pod, byGroup, null, true)).toBe(true);
    expect(claimIsReservedForPod(pod, byGroup, group, true)).toBe(true);
    expect(claimIsReservedForPod(pod, byGroup, { ...group, uid: 'recreated' }, true)).toBe(false);
    expect(claimIsReservedForPod({ ...pod, podGroupName: null }, byGroup, null, true)).toBe(false);
  });
});
