// The None rule's dry run: pods (and namespaces) that would be pending if the rule were NoExecute —
// each pod once, however many of its devices are selected; not pods that tolerate the taint forever,
// are being deleted, are unscheduled, or are not the claim's reserved incarnation.

import { describe, expect, it } from 'vitest';
import { AllocatedClaims } from '../../../src/main/engine/allocatedClaims.js';
import { simulateNoExecute } from '../../../src/main/engine/dryRun.js';
import { PodCache } from '../../../src/main/engine/podCache.js';
import { PodClaims } from '../../../src/main/engine/podClaims.js';
import type { DeviceToleration, PodRecord } from '../../../src/shared/types.js';
import {
  allocatedDevice,
  claimReservedFor,
  deviceTaint,
  podUsingClaim,
  ruleRecord,
  toleratesFor,
} from '../../support/records.js';

const T = Date.UTC(2026, 0, 1);
const KEY = 'gpu.example.com/xid';
const rule = ruleRecord({
  name: 'drain',
  selector: { driver: 'd', pool: 'node-1' },
  taint: deviceTaint({ key: KEY, effect: 'None', timeAdded: T }),
});

function cluster(entries: { pod: PodRecord; devices: string[]; pool?: string; tolerations?: DeviceToleration[] }[]) {
  const claims = new AllocatedClaims();
  const pods = new PodCache();
  for (const { pod, devices, pool, tolerations } of entries) {
    pods.set(pod);
    const allocation = devices.map((device) =>
      allocatedDevice({ driver: 'd', pool: pool ?? 'node-1', device, tolerations: tolerations ?? [] }),
    );
    claims.set(claimReservedFor(pod, allocation, { name: pod.resourceClaims[0]!.resourceClaimName! }), null);
  }
  return simulateNoExecute(rule, claims, pods, new PodClaims(claims, new Map(), false), T);
}

const pod = (name: string, extra: Partial<PodRecord> = {}) => podUsingClaim(`${name}-gpu`, { name, ...extra });

describe('simulateNoExecute', () => {
  it('counts each affected pod once, and the distinct namespaces', () => {
    expect(
      cluster([
        { pod: pod('a'), devices: ['gpu-0', 'gpu-1'] },
        { pod: pod('b'), devices: ['gpu-2'] },
        { pod: pod('c', { namespace: 'team-b' }), devices: ['gpu-3'] },
      ]),
    ).toEqual({ pods: 3, namespaces: 2 });
  });

  it('leaves out unselected devices and pods that tolerate the taint forever', () => {
    expect(
      cluster([
        { pod: pod('elsewhere'), devices: ['gpu-0'], pool: 'node-2' },
        { pod: pod('forever'), devices: ['gpu-1'], tolerations: [toleratesFor(KEY, null)] },
        { pod: pod('for-a-while'), devices: ['gpu-2'], tolerations: [toleratesFor(KEY, 60)] },
      ]),
    ).toEqual({ pods: 1, namespaces: 1 });
  });

  it('leaves out pods being deleted, unscheduled pods and replaced incarnations', () => {
    const replaced = pod('replaced');
    const claims = new AllocatedClaims();
    const pods = new PodCache();
    pods.set({ ...replaced, uid: 'new-uid' });
    claims.set(
      claimReservedFor(replaced, [allocatedDevice({ driver: 'd', pool: 'node-1', device: 'gpu-9' })], {
        name: 'replaced-gpu',
      }),
      null,
    );
    expect(simulateNoExecute(rule, claims, pods, new PodClaims(claims, new Map(), false), T)).toEqual({
      pods: 0,
      namespaces: 0,
    });
    expect(
      cluster([
        { pod: pod('terminating', { deletionTimestamp: T }), devices: ['gpu-0'] },
        { pod: pod('pending', { nodeName: '' }), devices: ['gpu-1'] },
      ]),
    ).toEqual({ pods: 0, namespaces: 0 });
  });
});
