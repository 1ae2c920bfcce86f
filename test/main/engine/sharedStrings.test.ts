// Pods and their claims share the strings they both carry, whichever arrives first; the records keep
// their values (only string identity changes, which nothing observes) and frozen records are left alone.

import { describe, expect, it } from 'vitest';
import { AllocatedClaims } from '../../../src/main/engine/allocatedClaims.js';
import { PodCache } from '../../../src/main/engine/podCache.js';
import { shareWithClaims, shareWithPods } from '../../../src/main/engine/sharedStrings.js';
import type { ClaimRecord, PodRecord } from '../../../src/shared/types.js';
import { allocatedDevice, claimReservedFor, podUsingClaim } from '../../support/records.js';

// Fresh copies of every string, as JSON.parse would give each record its own.
const copy = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

function pair(): { pod: PodRecord; claim: ClaimRecord } {
  const pod = podUsingClaim('c-1', { namespace: 'ns', name: 'p-1', uid: 'uid-1', nodeName: 'n' });
  const device = allocatedDevice({ driver: 'd', pool: 'n', device: 'gpu-0', request: 'gpu', tolerations: [] });
  const claim = claimReservedFor(pod, [device], { name: 'c-1', uid: 'claim-uid-1' });
  return { pod: copy(pod), claim: copy(claim) };
}

describe('sharedStrings', () => {
  it('keeps every value, pod first or claim first', () => {
    for (const podFirst of [true, false]) {
      const { pod, claim } = pair();
      const before = copy({ pod, claim });
      const pods = new PodCache();
      const claims = new AllocatedClaims();
      if (podFirst) {
        pods.set(pod);
        shareWithPods(claim, pods);
        claims.set(claim, null);
      } else {
        claims.set(claim, null);
        shareWithClaims(pod, claims);
        pods.set(pod);
      }
      expect({ pod, claim }).toEqual(before);
    }
  });

  it('leaves frozen records and other pods alone', () => {
    const { pod, claim } = pair();
    const other = { ...pod, uid: 'uid-2' };
    const pods = new PodCache();
    pods.set(Object.freeze(other));
    expect(() => shareWithPods(Object.freeze(claim), pods)).not.toThrow();
    const claims = new AllocatedClaims();
    claims.set(claim, null);
    expect(() => shareWithClaims(Object.freeze(pod), claims)).not.toThrow();
    expect(claim.reservedFor[0]?.uid).toBe('uid-1');
  });
});
