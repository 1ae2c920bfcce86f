// What projection shares between records to keep 150k-pod caches small (see bench/ingestProfile.ts):
// sharing must never merge sub-records that differ, shared instances must be immutable, and record
// shapes must not depend on which optional fields an object had.

import { describe, expect, it } from 'vitest';
import { EMPTY, intern, memoizedIntern, SharedValues } from '../../../src/shared/intern.js';
import { projectClaim, shareTolerations } from '../../../src/shared/projection/claim.js';
import { projectPod, sharePodClaimSources } from '../../../src/shared/projection/pod.js';
import type { Projection } from '../../../src/shared/projection/projector.js';
import { makeSliceProjector, shareSliceDevice } from '../../../src/shared/projection/slice.js';

function ok<T>(r: Projection<T>): T {
  if (!r.ok) throw new Error(`expected ok, got error: ${r.error}`);
  return r.value;
}

function errorOf<T>(r: Projection<T>): string {
  if (r.ok) throw new Error(`expected an error, got ${JSON.stringify(r.value)}`);
  return r.error;
}

const toleration = (seconds: number | null) => ({
  key: 'gpu.nvidia.com/xid',
  operator: 'Exists',
  effect: 'NoExecute',
  ...(seconds === null ? {} : { tolerationSeconds: seconds }),
});

const claimWith = (name: string, tolerations: readonly unknown[] | undefined, reservedFor: readonly unknown[] = []) =>
  JSON.parse(
    JSON.stringify({
      metadata: {
        name,
        namespace: 'team-00',
        uid: `uid-${name}`,
        ownerReferences: [{ kind: 'Pod', name: 'p', uid: 'pod-uid', controller: true }],
      },
      status: {
        allocation: {
          devices: {
            results: [
              { request: 'gpu', driver: 'gpu.nvidia.com', pool: 'gpu-node-0001', device: 'gpu-0', tolerations },
            ],
          },
        },
        reservedFor,
      },
    }),
  ) as unknown;

const tolerationsOf = (raw: unknown) => ok(projectClaim(raw)).allocation?.[0]?.tolerations;

const podWith = (name: string, resourceClaims: readonly unknown[] | undefined, extra: Record<string, unknown> = {}) =>
  JSON.parse(
    JSON.stringify({
      metadata: { name, namespace: 'team-00', uid: `uid-${name}`, ...extra },
      spec: { nodeName: 'gpu-node-0001', resourceClaims },
    }),
  ) as unknown;

describe('shared toleration lists', () => {
  it('gives claims with equal tolerations one frozen list, and claims with different ones their own', () => {
    const a = tolerationsOf(claimWith('a', [toleration(300)]));
    const b = tolerationsOf(claimWith('b', [toleration(300)]));
    const forever = tolerationsOf(claimWith('c', [toleration(null)]));
    const longer = tolerationsOf(claimWith('d', [toleration(600)]));
    expect(a).toBe(b);
    expect(Object.isFrozen(a)).toBe(true);
    expect(a).toEqual([
      { key: 'gpu.nvidia.com/xid', operator: 'Exists', value: '', effect: 'NoExecute', tolerationSeconds: 300 },
    ]);
    expect(forever).not.toBe(a);
    expect(forever?.[0]?.tolerationSeconds).toBeNull();
    expect(longer?.[0]?.tolerationSeconds).toBe(600);
  });

  it('does not confuse lists whose fields only concatenate to the same text', () => {
    // Concatenated naively, both would read "aExistsNoExecute".
    const one = tolerationsOf(claimWith('e', [{ key: 'a', operator: 'Exists', effect: 'NoExecute' }]));
    const two = tolerationsOf(claimWith('f', [{ key: 'aExists', operator: '', effect: 'NoExecute' }]));
    expect(one).not.toBe(two);
    expect(one?.[0]).toMatchObject({ key: 'a', operator: 'Exists' });
    expect(two?.[0]).toMatchObject({ key: 'aExists', operator: '' });
  });

  it('uses the shared EMPTY list when there are no tolerations', () => {
    expect(tolerationsOf(claimWith('g', undefined))).toBe(EMPTY);
    expect(tolerationsOf(claimWith('h', []))).toBe(EMPTY);
  });
});

describe('shared pod claim sources', () => {
  const fromTemplate = [{ name: 'gpu', resourceClaimTemplateName: 'gpu-template' }];

  it('shares template-sourced lists between pods, frozen', () => {
    const a = ok(projectPod(podWith('a', fromTemplate))).resourceClaims;
    const b = ok(projectPod(podWith('b', fromTemplate))).resourceClaims;
    expect(a).toBe(b);
    expect(Object.isFrozen(a)).toBe(true);
    expect(a).toEqual([
      { name: 'gpu', resourceClaimName: null, resourceClaimTemplateName: 'gpu-template', podGroupResourceClaim: null },
    ]);
  });

  it('keeps lists that differ in any source field apart', () => {
    const other = ok(projectPod(podWith('c', [{ name: 'gpu', resourceClaimTemplateName: 'other' }]))).resourceClaims;
    const group = ok(projectPod(podWith('d', [{ name: 'gpu', podGroupResourceClaim: 'gpu-template' }]))).resourceClaims;
    const shifted = ok(
      projectPod(podWith('e', [{ name: 'gp', resourceClaimTemplateName: 'ugpu-template' }])),
    ).resourceClaims;
    expect(other[0]?.resourceClaimTemplateName).toBe('other');
    expect(group[0]).toEqual({
      name: 'gpu',
      resourceClaimName: null,
      resourceClaimTemplateName: null,
      podGroupResourceClaim: 'gpu-template',
    });
    expect(shifted[0]?.name).toBe('gp');
    expect(shifted[0]?.resourceClaimTemplateName).toBe('ugpu-template');
  });

  it('does not share lists that name a claim directly (those are per pod)', () => {
    const named = [{ name: 'gpu', resourceClaimName: 'shared-claim' }];
    const a = ok(projectPod(podWith('f', named))).resourceClaims;
    const b = ok(projectPod(podWith('g', named))).resourceClaims;
    expect(a).toEqual(b);
    expect(a).not.toBe(b);
    expect(Object.isFrozen(a)).toBe(false);
  });
});

describe('shared slice devices', () => {
  const slice = (name: string, devices: readonly unknown[]) => ({
    metadata: { name, uid: `uid-${name}` },
    spec: { driver: 'gpu.nvidia.com', nodeName: name, pool: { name, generation: 1 }, devices },
  });

  it('shares untainted devices by name and keeps tainted ones per slice', () => {
    const project = makeSliceProjector('v1');
    const taint = { key: 'gpu.nvidia.com/xid', value: '13', effect: 'None' };
    const a = ok(project(slice('node-a', [{ name: 'gpu-0' }, { name: 'gpu-1', taints: [taint] }]))).devices;
    const b = ok(project(slice('node-b', [{ name: 'gpu-0' }, { name: 'gpu-1', taints: [taint] }]))).devices;
    expect(a[0]).toBe(b[0]);
    expect(a[0]?.taints).toBe(EMPTY);
    expect(a[1]).not.toBe(b[1]);
    expect(b[1]?.taints).toEqual([{ key: 'gpu.nvidia.com/xid', value: '13', effect: 'None', timeAdded: null }]);
  });

  it('drops v1beta1 devices without `basic` and keeps the others in order', () => {
    const devices = ok(
      makeSliceProjector('v1beta1')(
        slice('node-c', [{ name: 'gpu-0', basic: {} }, { name: 'unknown-type' }, { name: 'gpu-2', basic: {} }]),
      ),
    ).devices;
    expect(devices.map((d) => d.name)).toEqual(['gpu-0', 'gpu-2']);
  });
});

describe('record shapes', () => {
  it('gives every pod the same properties in the same order, whatever the object had', () => {
    const bare = ok(projectPod({ metadata: { name: 'a', namespace: 'n', uid: 'u' } }));
    const full = ok(
      projectPod(
        podWith('b', [{ name: 'gpu', resourceClaimName: 'c' }], { deletionTimestamp: '2026-01-01T00:00:00Z' }),
      ),
    );
    expect(Object.keys(bare)).toEqual(Object.keys(full));
    expect(bare.resourceClaims).toBe(EMPTY);
    expect(bare.resourceClaimStatuses).toBe(EMPTY);
  });

  it('gives every claim the same properties in the same order, allocated or not', () => {
    const unallocated = ok(projectClaim({ metadata: { name: 'a', namespace: 'n', uid: 'u' } }));
    const allocated = ok(projectClaim(claimWith('b', [toleration(1)], [{ resource: 'pods', name: 'p', uid: 'x' }])));
    expect(Object.keys(unallocated)).toEqual(Object.keys(allocated));
    expect(unallocated.allocation).toBeNull();
    expect(unallocated.reservedFor).toBe(EMPTY);
  });

  it('reports element paths past the pre-built ones and inside nested lists', () => {
    const consumers = Array.from({ length: 10 }, (_, i) =>
      i === 9 ? { resource: 'pods', name: 'p9' } : { resource: 'pods', name: `p${i}`, uid: `u${i}` },
    );
    expect(errorOf(projectClaim(claimWith('c', undefined, consumers)))).toBe('$.status.reservedFor[9].uid: required');
    const badSeconds = [toleration(1), { ...toleration(null), tolerationSeconds: 'soon' }];
    expect(errorOf(projectClaim(claimWith('d', badSeconds)))).toBe(
      '$.status.allocation.devices.results[0].tolerations[1].tolerationSeconds: expected integer, got string',
    );
  });

  it('keeps the reservation of a claim owned by its pod intact', () => {
    const c = ok(projectClaim(claimWith('e', undefined, [{ resource: 'pods', name: 'p', uid: 'pod-uid' }])));
    expect(c.controllerOwnerUid).toBe('pod-uid');
    expect(c.reservedFor).toEqual([{ apiGroup: '', resource: 'pods', name: 'p', uid: 'pod-uid' }]);
  });
});

describe('re-sharing records projected elsewhere (structured clones from decode threads)', () => {
  it('maps cloned sub-records back to the instances projection shares', () => {
    const tolerations = tolerationsOf(claimWith('x', [toleration(120)]));
    expect(tolerations).toBeDefined();
    if (tolerations === undefined) return;
    expect(shareTolerations(structuredClone(tolerations))).toBe(tolerations);
    const sources = ok(projectPod(podWith('x', [{ name: 'gpu', resourceClaimTemplateName: 't-x' }]))).resourceClaims;
    expect(sharePodClaimSources(structuredClone(sources))).toBe(sources);
    const named = [
      { name: 'gpu', resourceClaimName: 'c', resourceClaimTemplateName: null, podGroupResourceClaim: null },
    ];
    expect(sharePodClaimSources(named)).toBe(named);
    expect(sharePodClaimSources([])).toBe(EMPTY);
    const untainted = ok(
      makeSliceProjector('v1')({
        metadata: { name: 's', uid: 'u' },
        spec: { driver: 'd', pool: { name: 'p' }, devices: [{ name: 'gpu-7' }] },
      }),
    ).devices[0];
    expect(untainted).toBeDefined();
    if (untainted === undefined) return;
    expect(shareSliceDevice(structuredClone(untainted))).toBe(untainted);
    const tainted = { name: 'gpu-7', taints: [{ key: 'k', value: '', effect: 'NoExecute', timeAdded: null }] };
    expect(shareSliceDevice(tainted)).toBe(tainted);
  });
});

describe('interning helpers', () => {
  it('memoizedIntern returns the value it is given, not the memo, when they differ', () => {
    const m = memoizedIntern();
    expect(m('gpu.nvidia.com')).toBe('gpu.nvidia.com');
    expect(m('other.example.com')).toBe('other.example.com');
    expect(m('gpu.nvidia.com')).toBe('gpu.nvidia.com');
    expect(m('')).toBe('');
  });

  it('SharedValues returns the first instance for a key, freezes it, and starts over when full', () => {
    const shared = new SharedValues<{ readonly n: number }>(2);
    const first = shared.add('a', { n: 1 });
    expect(Object.isFrozen(first)).toBe(true);
    expect(shared.get('a')).toBe(first);
    shared.add('b', { n: 2 });
    expect(shared.size).toBe(2);
    shared.add('c', { n: 3 });
    // Dropping the table only loses sharing: later lookups miss and the caller stores a fresh instance.
    expect(shared.size).toBe(1);
    expect(shared.get('a')).toBeUndefined();
    expect(shared.get('c')).toEqual({ n: 3 });
  });

  it('intern returns equal strings', () => {
    const s = ['gpu-node-', '0001'].join('');
    expect(intern(s)).toBe('gpu-node-0001');
    expect(intern('gpu-node-0001')).toBe(s);
  });
});

describe('allocation results', () => {
  it('claims on the same device with the same tolerations share one frozen list; any difference keeps them apart', () => {
    const a = ok(projectClaim(claimWith('a', [toleration(60)]))).allocation;
    const b = ok(projectClaim(claimWith('b', [toleration(60)]))).allocation;
    const c = ok(projectClaim(claimWith('c', [toleration(30)]))).allocation;
    const d = ok(projectClaim(claimWith('d', undefined))).allocation;
    expect(a).toBe(b);
    expect(Object.isFrozen(a) && Object.isFrozen(a?.[0])).toBe(true);
    expect(c).not.toBe(a);
    expect(d).not.toBe(a);
    expect(c?.[0]?.tolerations[0]?.tolerationSeconds).toBe(30);
    expect(d?.[0]?.tolerations).toBe(EMPTY);
  });
});
