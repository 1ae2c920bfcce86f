// The engine's pod cache: one record per namespace/name, and the PodGroup index kept in step when a
// pod is replaced, moves to another group, or goes.

import { describe, expect, it } from 'vitest';
import { PodCache } from '../../../src/main/engine/podCache.js';
import { claimByName, podRecord } from '../../support/records.js';

describe('PodCache', () => {
  it('stores one record per namespace/name and counts them', () => {
    const pods = new PodCache();
    const a = podRecord({ name: 'a' });
    pods.set(a);
    pods.set(podRecord({ name: 'a', namespace: 'other' }));
    pods.set({ ...a, resourceVersion: '2' });
    expect(pods.size).toBe(2);
    expect(pods.get('default', 'a')?.resourceVersion).toBe('2');
    expect(pods.delete({ namespace: 'default', name: 'a' })?.resourceVersion).toBe('2');
    expect(pods.delete({ namespace: 'default', name: 'a' })).toBeUndefined();
    expect(pods.size).toBe(1);
  });

  it('indexes pods by PodGroup and follows them between groups', () => {
    const pods = new PodCache();
    const a = podRecord({ name: 'a', podGroupName: 'g1' });
    const b = podRecord({ name: 'b', podGroupName: 'g1' });
    pods.set(a);
    pods.set(b);
    pods.set(podRecord({ name: 'c', namespace: 'other', podGroupName: 'g1' }));
    expect(
      pods
        .inGroup('default', 'g1')
        .map((p) => p.name)
        .sort(),
    ).toEqual(['a', 'b']);
    pods.set({ ...a, podGroupName: 'g2' });
    expect(pods.inGroup('default', 'g1').map((p) => p.name)).toEqual(['b']);
    expect(pods.inGroup('default', 'g2').map((p) => p.name)).toEqual(['a']);
    pods.delete(b);
    expect(pods.inGroup('default', 'g1')).toEqual([]);
  });

  it('counts the pods that use ResourceClaims as they come, change and go', () => {
    const pods = new PodCache();
    const claim = [claimByName('gpu', 'c1')];
    pods.set(podRecord({ name: 'plain', resourceClaims: [] }));
    pods.set(podRecord({ name: 'a', resourceClaims: claim }));
    pods.set(podRecord({ name: 'ext', resourceClaims: [], extendedResourceClaimName: 'ext-claim' }));
    expect(pods.usingClaims).toBe(2);
    pods.set(podRecord({ name: 'a', resourceClaims: claim, resourceVersion: '9' }));
    expect(pods.usingClaims).toBe(2);
    pods.set(podRecord({ name: 'plain', resourceClaims: claim }));
    expect(pods.usingClaims).toBe(3);
    pods.delete({ namespace: 'default', name: 'a' });
    pods.delete({ namespace: 'default', name: 'missing' });
    expect(pods.usingClaims).toBe(2);
    pods.set(podRecord({ name: 'ext', resourceClaims: [] }));
    expect(pods.usingClaims).toBe(1);
  });
});
