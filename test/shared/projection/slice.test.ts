// Slice projection in every device layout (v1, v1beta2 flat; v1beta1 under `basic`), and the placeholder kept for a malformed slice.

import { describe, expect, it } from 'vitest';
import { makeSliceProjector } from '../../../src/shared/projection/slice.js';
import { beta1Slice, err, flatSlice, ok, T0_MS } from './fixtures.js';

describe('slice projection', () => {
  it.each(['resource.k8s.io/v1', 'resource.k8s.io/v1beta2'])('flat devices (%s)', (apiVersion) => {
    const version = apiVersion.split('/')[1] as 'v1' | 'v1beta2';
    expect(ok(makeSliceProjector(version)(flatSlice(apiVersion)))).toEqual({
      name: 'worker-some-driver-abc',
      uid: 's-1',
      resourceVersion: '9',
      driver: 'some-driver',
      pool: 'worker',
      generation: 2,
      nodeName: 'worker',
      devices: [
        { name: 'instance', taints: [] },
        {
          name: 'instance-no-schedule',
          taints: [{ key: 'example.com/taint', value: '', effect: 'NoSchedule', timeAdded: null }],
        },
        {
          name: 'instance-no-execute',
          taints: [
            { key: 'example.com/taint', value: 'something', effect: 'None', timeAdded: T0_MS },
            { key: 'example.com/taint', value: 'something', effect: 'NoExecute', timeAdded: T0_MS + 1500 },
            // Unknown effects are data, not damage: kept verbatim, the decision treats them like None.
            { key: 'example.com/odd', value: '', effect: 'unknown-effect', timeAdded: T0_MS },
          ],
        },
      ],
    });
  });

  it('v1beta1 reads taints under `basic` and ignores devices without it', () => {
    expect(ok(makeSliceProjector('v1beta1')(beta1Slice())).devices).toEqual([
      { name: 'gpu-0', taints: [{ key: 'gpu.nvidia.com/xid', value: '79', effect: 'NoExecute', timeAdded: T0_MS }] },
      { name: 'gpu-1', taints: [] },
    ]);
  });

  it('a v1beta1 object read with the flat layout has no taints (layout must follow the discovered version)', () => {
    expect(ok(makeSliceProjector('v1')(beta1Slice())).devices.every((d) => d.taints.length === 0)).toBe(true);
  });

  it('rejects non-array devices, a missing pool and non-object taints', () => {
    const s = flatSlice('resource.k8s.io/v1') as { spec: Record<string, unknown> };
    s.spec.devices = 'garbage';
    // Quarantine: the malformed slice comes with a device-less placeholder that keeps its pool generation.
    expect(err(makeSliceProjector('v1')(s))).toEqual({
      ok: false,
      error: '$.spec.devices: expected array, got string',
      key: 'worker-some-driver-abc',
      fallback: {
        name: 'worker-some-driver-abc',
        uid: 's-1',
        resourceVersion: '9',
        driver: 'some-driver',
        pool: 'worker',
        generation: 2,
        nodeName: 'worker',
        devices: [],
      },
    });
    const p = flatSlice('resource.k8s.io/v1') as { spec: Record<string, unknown> };
    delete p.spec.pool;
    expect(err(makeSliceProjector('v1')(p)).error).toBe('$.spec.pool: expected object, got undefined');
    const t = beta1Slice();
    (t.spec.devices[0]!.basic as Record<string, unknown>).taints = [42];
    expect(err(makeSliceProjector('v1beta1')(t)).error).toBe(
      '$.spec.devices[0].basic.taints[0]: expected object, got number',
    );
  });
});
