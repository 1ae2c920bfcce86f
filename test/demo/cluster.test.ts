// What the demo writes into the simulated cluster: seeding, device taints, the pool rule and its effect switch.

import { describe, expect, test } from 'vitest';
import {
  CLAIMS,
  createPoolRule,
  PODS,
  RULES,
  seedDemoCluster,
  setRuleEffect,
  taintDevice,
} from '../../src/demo/cluster.js';
import { demoPlan, sliceName } from '../../src/demo/plan.js';
import { SimStore } from '../../src/sim/index.js';

const xid = (effect: 'None' | 'NoExecute') => ({ key: 'gpu.nvidia.com/xid', value: '79', effect }) as const;

describe('demo cluster writes', () => {
  test('seeds allocated, reserved claims whose allocation carries the planned tolerations', () => {
    const store = new SimStore();
    const pods = seedDemoCluster(store, demoPlan());
    expect(store.count(PODS)).toBe(16);
    const tolerating = pods.find((p) => p.name === 'trainer-n2-g1');
    expect(tolerating).toBeDefined();
    const claim = store.get(CLAIMS, tolerating?.namespace ?? '', 'trainer-n2-g1-gpu');
    expect(claim?.status).toMatchObject({
      allocation: {
        devices: {
          results: [
            {
              pool: 'gpu-node-0002',
              device: 'gpu-1',
              tolerations: [
                { key: 'gpu.nvidia.com/xid', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 5 },
              ],
            },
          ],
        },
      },
      reservedFor: [{ resource: 'pods', name: 'trainer-n2-g1', uid: tolerating?.uid }],
    });
    const forever = store.get(CLAIMS, 'team-00', 'trainer-n3-g3-gpu');
    expect(JSON.stringify(forever)).not.toContain('tolerationSeconds');
  });

  test('taintDevice adds a taint to one device and returns the timeAdded the apiserver stamped', () => {
    const now = Date.parse('2026-01-01T00:00:07.600Z');
    const store = new SimStore({ clock: () => now });
    seedDemoCluster(store, demoPlan());
    const timeAdded = taintDevice(store, 1, 3, xid('NoExecute'));
    expect(timeAdded).toBe(Date.parse('2026-01-01T00:00:07Z'));
    const slice = store.get('resourceslices.resource.k8s.io', '', sliceName(1));
    const devices = (slice?.spec as { devices: { name: string; taints?: unknown[] }[] } | undefined)?.devices ?? [];
    expect(devices.filter((d) => d.taints !== undefined).map((d) => d.name)).toEqual(['gpu-3']);
    expect(devices[3]?.taints).toEqual([{ ...xid('NoExecute'), timeAdded: '2026-01-01T00:00:07Z' }]);
  });

  test('switching a rule to NoExecute gets a fresh timeAdded', () => {
    let now = Date.parse('2026-01-01T00:00:00Z');
    const store = new SimStore({ clock: () => now });
    const created = createPoolRule(store, 'drain', 3, xid('None'));
    now += 20_000;
    const switched = setRuleEffect(store, 'drain', 'NoExecute');
    expect(switched - created).toBe(20_000);
    expect(store.get(RULES, '', 'drain')?.spec).toMatchObject({
      deviceSelector: { driver: 'gpu.nvidia.com', pool: 'gpu-node-0003' },
      taint: { effect: 'NoExecute' },
    });
  });
});
