// projectClaim: owner, allocation results with their tolerations, reservedFor.

import { describe, expect, it } from 'vitest';
import { projectClaim } from '../../../src/shared/projection/claim.js';
import { claim, err, ok } from './fixtures.js';

describe('projectClaim', () => {
  it('projects allocation results with tolerations, the controller owner and reservedFor', () => {
    expect(ok(projectClaim(claim()))).toEqual({
      namespace: 'default',
      name: 'my-pod-my-resource',
      uid: 'c-1',
      resourceVersion: '7',
      controllerOwnerUid: '1234',
      allocation: [
        {
          request: 'req-1',
          driver: 'some-driver',
          pool: 'worker',
          device: 'instance',
          tolerations: [
            {
              key: 'example.com/taint',
              operator: 'Equal',
              value: 'something',
              effect: 'NoExecute',
              tolerationSeconds: 3600,
            },
            { key: '', operator: 'Exists', value: '', effect: 'NoExecute', tolerationSeconds: null },
          ],
        },
        { request: 'req-1', driver: 'some-driver', pool: 'worker', device: 'instance-2', tolerations: [] },
      ],
      reservedFor: [
        { apiGroup: '', resource: 'pods', name: 'my-pod', uid: '1234' },
        { apiGroup: 'scheduling.k8s.io', resource: 'podgroups', name: 'g', uid: '5678' },
      ],
    });
  });

  it('distinguishes unallocated (null) from allocated without devices ([])', () => {
    const c = claim();
    (c as { status: unknown }).status = {};
    expect(ok(projectClaim(c))).toMatchObject({ allocation: null, reservedFor: [] });
    (c as { status: unknown }).status = { allocation: { devices: {} } };
    expect(ok(projectClaim(c)).allocation).toEqual([]);
  });

  it('no controller owner → null', () => {
    const c = claim();
    c.metadata.ownerReferences = [{ apiVersion: 'v1', kind: 'ReplicaSet', name: 'rs', uid: 'not-controller' }];
    expect(ok(projectClaim(c)).controllerOwnerUid).toBeNull();
  });

  it('rejects garbage tolerationSeconds and broken results', () => {
    const c = claim();
    (c.status.allocation.devices.results[0]!.tolerations![0] as Record<string, unknown>).tolerationSeconds = '3600';
    expect(err(projectClaim(c)).error).toBe(
      '$.status.allocation.devices.results[0].tolerations[0].tolerationSeconds: expected integer, got string',
    );
    const d = claim();
    (d.status.allocation.devices as Record<string, unknown>).results = [{ driver: 'x' }];
    expect(err(projectClaim(d)).error).toBe('$.status.allocation.devices.results[0].pool: required');
  });
});
