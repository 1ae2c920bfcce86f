import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { projectClaim } from '../../src/shared/projection/claim.js';
import { projectDeviceClass } from '../../src/shared/projection/deviceClass.js';
import { projectPod } from '../../src/shared/projection/pod.js';
import { projectPodGroup } from '../../src/shared/projection/podGroup.js';
import { keyOfRaw, type Projection, type Projector } from '../../src/shared/projection/projector.js';
import { projectRule } from '../../src/shared/projection/rule.js';
import { makeSliceProjector } from '../../src/shared/projection/slice.js';

const T0 = '2000-01-01T00:00:00Z';
const T0_MS = Date.UTC(2000, 0, 1);

function ok<T>(r: Projection<T>): T {
  if (!r.ok) throw new Error(`expected ok, got error: ${r.error}`);
  return r.value;
}

function err<T>(r: Projection<T>): { error: string; key: string | null } {
  if (r.ok) throw new Error(`expected an error, got ${JSON.stringify(r.value)}`);
  return r;
}

const pod = () => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: {
    name: 'my-pod',
    namespace: 'default',
    uid: '1234',
    resourceVersion: '42',
    labels: { app: 'x' },
    annotations: { big: 'x'.repeat(100) },
  },
  spec: {
    nodeName: 'worker',
    containers: [{ name: 'c', image: 'busybox' }],
    resourceClaims: [
      { name: 'by-name', resourceClaimName: 'my-pod-my-resource' },
      { name: 'by-template', resourceClaimTemplateName: 'tmpl' },
    ],
    schedulingGroup: { podGroupName: 'my-podgroup' },
  },
  status: {
    phase: 'Running',
    resourceClaimStatuses: [
      { name: 'by-template', resourceClaimName: 'my-pod-by-template-abc' },
      { name: 'none', resourceClaimName: null },
      { name: 'omitted' },
    ],
    extendedResourceClaimStatus: { resourceClaimName: 'ext-claim', requestMappings: [] },
  },
});

const claim = () => ({
  apiVersion: 'resource.k8s.io/v1',
  kind: 'ResourceClaim',
  metadata: {
    name: 'my-pod-my-resource',
    namespace: 'default',
    uid: 'c-1',
    resourceVersion: '7',
    ownerReferences: [
      { apiVersion: 'v1', kind: 'ReplicaSet', name: 'rs', uid: 'not-controller' },
      { apiVersion: 'v1', kind: 'Pod', name: 'my-pod', uid: '1234', controller: true, blockOwnerDeletion: true },
    ],
  },
  spec: { devices: { requests: [{ name: 'req-1', exactly: { deviceClassName: 'my-resource-class' } }] } },
  status: {
    allocation: {
      devices: {
        results: [
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
              { operator: 'Exists', effect: 'NoExecute' },
            ],
          },
          { request: 'req-1', driver: 'some-driver', pool: 'worker', device: 'instance-2' },
        ],
      },
      nodeSelector: { nodeSelectorTerms: [] },
    },
    reservedFor: [
      { resource: 'pods', name: 'my-pod', uid: '1234' },
      { apiGroup: 'scheduling.k8s.io', resource: 'podgroups', name: 'g', uid: '5678' },
    ],
  },
});

const flatSlice = (apiVersion: string) => ({
  apiVersion,
  kind: 'ResourceSlice',
  metadata: { name: 'worker-some-driver-abc', uid: 's-1', resourceVersion: '9', generation: 3 },
  spec: {
    driver: 'some-driver',
    nodeName: 'worker',
    pool: { name: 'worker', generation: 2, resourceSliceCount: 1 },
    devices: [
      { name: 'instance', attributes: { model: { string: 'x' } } },
      { name: 'instance-no-schedule', taints: [{ key: 'example.com/taint', effect: 'NoSchedule' }] },
      {
        name: 'instance-no-execute',
        taints: [
          { key: 'example.com/taint', value: 'something', effect: 'None', timeAdded: T0 },
          { key: 'example.com/taint', value: 'something', effect: 'NoExecute', timeAdded: '2000-01-01T00:00:01.5Z' },
          { key: 'example.com/odd', effect: 'unknown-effect', timeAdded: T0 },
        ],
      },
    ],
  },
});

const beta1Slice = () => ({
  apiVersion: 'resource.k8s.io/v1beta1',
  kind: 'ResourceSlice',
  metadata: { name: 'old-slice', uid: 's-2', resourceVersion: '10' },
  spec: {
    driver: 'gpu.nvidia.com',
    nodeName: 'node-1',
    pool: { name: 'node-1', generation: 1, resourceSliceCount: 1 },
    devices: [
      {
        name: 'gpu-0',
        basic: {
          attributes: {},
          taints: [{ key: 'gpu.nvidia.com/xid', value: '79', effect: 'NoExecute', timeAdded: T0 }],
        },
      },
      { name: 'gpu-1', basic: {} },
      { name: 'future-device-type', composite: { whatever: true } },
    ],
  },
});

const rule = (apiVersion: string, selector?: unknown) => ({
  apiVersion,
  kind: 'DeviceTaintRule',
  metadata: { name: 'evict', uid: 'r-1', resourceVersion: '11', generation: 2 },
  spec: {
    ...(selector === undefined ? {} : { deviceSelector: selector }),
    taint: { key: 'example.com/taint', value: 'something', effect: 'NoExecute', timeAdded: T0 },
  },
  status: {
    conditions: [
      {
        type: 'EvictionInProgress',
        status: 'True',
        reason: 'PodsPendingEviction',
        message: '1 pod needs to be evicted in 1 namespace.',
        observedGeneration: 2,
        lastTransitionTime: T0,
      },
    ],
  },
});

describe('projectPod', () => {
  it('keeps exactly the fields the decision needs', () => {
    expect(ok(projectPod(pod()))).toEqual({
      namespace: 'default',
      name: 'my-pod',
      uid: '1234',
      resourceVersion: '42',
      nodeName: 'worker',
      deletionTimestamp: null,
      disruptionTargetSet: false,
      resourceClaims: [
        {
          name: 'by-name',
          resourceClaimName: 'my-pod-my-resource',
          resourceClaimTemplateName: null,
          podGroupResourceClaim: null,
        },
        {
          name: 'by-template',
          resourceClaimName: null,
          resourceClaimTemplateName: 'tmpl',
          podGroupResourceClaim: null,
        },
      ],
      resourceClaimStatuses: [
        { name: 'by-template', resourceClaimName: 'my-pod-by-template-abc' },
        { name: 'none', resourceClaimName: null },
        { name: 'omitted', resourceClaimName: null },
      ],
      extendedResourceClaimName: 'ext-claim',
      podGroupName: 'my-podgroup',
    });
  });

  it('notices our DisruptionTarget condition, and only ours and only when True', () => {
    const withConditions = (conditions: unknown) => {
      const raw = pod();
      (raw.status as Record<string, unknown>).conditions = conditions;
      return ok(projectPod(raw)).disruptionTargetSet;
    };
    const ours = { type: 'DisruptionTarget', status: 'True', reason: 'DeletionByDeviceTaintManager', message: 'm' };
    expect(withConditions([{ type: 'Ready', status: 'True' }, ours])).toBe(true);
    expect(withConditions([{ ...ours, status: 'False' }])).toBe(false);
    // The node taint manager's reason (or a Job's, or the eviction API's) is somebody else's condition.
    expect(withConditions([{ ...ours, reason: 'DeletionByTaintManager' }])).toBe(false);
    expect(withConditions([{ ...ours, reason: 'EvictionByEvictionAPI' }])).toBe(false);
    // Malformed condition lists are not ours to judge: the pod is projected, the flag stays off.
    expect(withConditions('garbage')).toBe(false);
    expect(withConditions([null, 7, ours])).toBe(true);
  });

  it('defaults an unscheduled pod without claims', () => {
    const p = ok(projectPod({ metadata: { name: 'p', namespace: 'ns', uid: 'u', deletionTimestamp: T0 } }));
    expect(p).toMatchObject({
      nodeName: '',
      deletionTimestamp: T0_MS,
      resourceClaims: [],
      resourceClaimStatuses: [],
      extendedResourceClaimName: null,
      podGroupName: null,
      resourceVersion: '',
    });
  });

  it('rejects malformed pods with a path and, when possible, the key', () => {
    expect(err(projectPod({ metadata: { name: 'p', namespace: 'ns' } }))).toEqual({
      ok: false,
      error: '$.metadata.uid: required',
      key: 'ns/p',
    });
    expect(err(projectPod({ metadata: { name: 'p', uid: 'u' } })).error).toBe('$.metadata.namespace: required');
    const bad = pod() as Record<string, unknown>;
    (bad.spec as Record<string, unknown>).resourceClaims = 'garbage';
    expect(err(projectPod(bad))).toMatchObject({
      error: '$.spec.resourceClaims: expected array, got string',
      key: 'default/my-pod',
    });
    const badTime = pod();
    (badTime.metadata as Record<string, unknown>).deletionTimestamp = 'yesterday';
    expect(err(projectPod(badTime)).error).toMatch(/deletionTimestamp: not an RFC 3339 timestamp/);
    expect(err(projectPod(null))).toEqual({ ok: false, error: '$: expected object, got null', key: null });
    expect(err(projectPod([])).error).toBe('$: expected object, got array');
  });

  it('does not mistake inherited properties for fields', () => {
    const r = projectPod({ metadata: { name: 'constructor', namespace: 'toString', uid: 'u' }, spec: {} });
    expect(ok(r).name).toBe('constructor');
    expect(err(projectPod(JSON.parse('{"metadata":{"name":"p","namespace":"n","__proto__":{"uid":"u"}}}'))).error).toBe(
      '$.metadata.uid: required',
    );
  });
});

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

describe('projectRule', () => {
  it.each(['resource.k8s.io/v1', 'resource.k8s.io/v1beta2', 'resource.k8s.io/v1alpha3'])('reads %s', (apiVersion) => {
    expect(ok(projectRule(rule(apiVersion, { driver: 'some-driver', pool: 'worker', device: 'instance' })))).toEqual({
      name: 'evict',
      uid: 'r-1',
      resourceVersion: '11',
      generation: 2,
      selector: { driver: 'some-driver', pool: 'worker', device: 'instance' },
      taint: { key: 'example.com/taint', value: 'something', effect: 'NoExecute', timeAdded: T0_MS },
      conditions: [
        {
          type: 'EvictionInProgress',
          status: 'True',
          reason: 'PodsPendingEviction',
          message: '1 pod needs to be evicted in 1 namespace.',
          observedGeneration: 2,
          lastTransitionTime: T0_MS,
        },
      ],
    });
  });

  it('keeps absent (null) and empty ({}) selectors apart', () => {
    expect(ok(projectRule(rule('resource.k8s.io/v1'))).selector).toBeNull();
    expect(ok(projectRule(rule('resource.k8s.io/v1', null))).selector).toBeNull();
    expect(ok(projectRule(rule('resource.k8s.io/v1', {}))).selector).toEqual({});
    // Empty strings are "unset" fields, not constraints that match nothing.
    expect(ok(projectRule(rule('resource.k8s.io/v1', { driver: '', pool: 'p' }))).selector).toEqual({ pool: 'p' });
  });

  it('rejects selectors it cannot evaluate (1.33 CEL / DeviceClass) instead of widening them', () => {
    expect(
      err(projectRule(rule('resource.k8s.io/v1alpha3', { selectors: [{ cel: { expression: 'true' } }] }))).error,
    ).toMatch(/CEL selectors are not supported/);
    expect(err(projectRule(rule('resource.k8s.io/v1alpha3', { deviceClassName: 'gpu' }))).error).toMatch(/DeviceClass/);
  });

  it('a rule without taint is malformed', () => {
    const r = rule('resource.k8s.io/v1', {}) as { spec: Record<string, unknown> };
    delete r.spec.taint;
    expect(err(projectRule(r))).toMatchObject({ error: '$.spec.taint: expected object, got undefined', key: 'evict' });
  });
});

describe('PodGroups and DeviceClasses', () => {
  it('resolves group claims directly or through the generated-claim status', () => {
    const g = ok(
      projectPodGroup({
        metadata: { name: 'my-podgroup', namespace: 'default', uid: '5678', resourceVersion: '3' },
        spec: {
          resourceClaims: [
            { name: 'direct', resourceClaimName: 'shared' },
            { name: 'templ', resourceClaimTemplateName: 't' },
            { name: 'pending', resourceClaimTemplateName: 't2' },
          ],
        },
        status: { resourceClaimStatuses: [{ name: 'templ', resourceClaimName: 'my-podgroup-templ-x' }] },
      }),
    );
    expect(g).toEqual({
      namespace: 'default',
      name: 'my-podgroup',
      uid: '5678',
      resourceVersion: '3',
      resourceClaims: [
        { name: 'direct', resourceClaimName: 'shared' },
        { name: 'templ', resourceClaimName: 'my-podgroup-templ-x' },
        { name: 'pending', resourceClaimName: null },
      ],
    });
  });

  it('device classes keep identity only', () => {
    expect(
      ok(projectDeviceClass({ metadata: { name: 'gpu', uid: 'dc', resourceVersion: '1' }, spec: { selectors: [] } })),
    ).toEqual({
      name: 'gpu',
      uid: 'dc',
      resourceVersion: '1',
    });
  });
});

describe('projection is total', () => {
  const projectors: [string, Projector<unknown>][] = [
    ['pod', projectPod],
    ['claim', projectClaim],
    ['slice v1', makeSliceProjector('v1')],
    ['slice v1beta1', makeSliceProjector('v1beta1')],
    ['rule', projectRule],
    ['podgroup', projectPodGroup],
    ['class', projectDeviceClass],
  ];

  // Total means: a record, or a shape error naming the field. An "unexpected projection failure" would
  // be a TypeError inside a reader, i.e. a shape the readers do not actually handle.
  const wellFormedResult = (r: Projection<unknown>): boolean =>
    r.ok
      ? typeof r.value === 'object' && r.value !== null
      : typeof r.error === 'string' && r.error.startsWith('$') && !r.error.includes('unexpected projection failure');

  it.each(projectors)('%s never throws on arbitrary values', (_name, project) => {
    fc.assert(
      fc.property(fc.anything({ withNullPrototype: true, withBigInt: true, withDate: true, withMap: true }), (v) =>
        wellFormedResult(project(v)),
      ),
      { numRuns: 300 },
    );
    fc.assert(
      fc.property(fc.json(), (text) => wellFormedResult(project(JSON.parse(text)))),
      { numRuns: 300 },
    );
  });

  // Arbitrary values rarely get past `metadata`; damaging one field deep inside a realistic object
  // exercises every reader.
  const samples: [Projector<unknown>, () => unknown][] = [
    [projectPod, pod],
    [projectClaim, claim],
    [makeSliceProjector('v1'), () => flatSlice('resource.k8s.io/v1')],
    [makeSliceProjector('v1beta1'), beta1Slice],
    [projectRule, () => rule('resource.k8s.io/v1', { driver: 'd' })],
  ];

  function paths(v: unknown, prefix: (string | number)[] = []): (string | number)[][] {
    if (typeof v !== 'object' || v === null) return [prefix];
    const keys: (string | number)[] = Array.isArray(v) ? v.map((_x, i) => i) : Object.keys(v);
    return [prefix, ...keys.flatMap((k) => paths((v as Record<string | number, unknown>)[k], [...prefix, k]))];
  }

  function setAt(root: unknown, path: (string | number)[], value: unknown): unknown {
    if (path.length === 0) return value;
    const [head, ...rest] = path;
    const copy = (Array.isArray(root) ? [...root] : { ...(root as object) }) as Record<string | number, unknown>;
    copy[head!] = setAt(copy[head!], rest, value);
    return copy;
  }

  it('never throws when any field of a realistic object is replaced by arbitrary JSON', () => {
    for (const [project, make] of samples) {
      const all = paths(make());
      fc.assert(
        fc.property(fc.constantFrom(...all), fc.jsonValue(), (path, value) => {
          const r = project(setAt(make(), path, value));
          return wellFormedResult(r);
        }),
        { numRuns: 400 },
      );
    }
  });

  it('keyOfRaw never throws and agrees with the projected key', () => {
    fc.assert(
      fc.property(fc.anything(), (v) => {
        const k = keyOfRaw(v, true);
        return k === null || typeof k === 'string';
      }),
    );
    expect(keyOfRaw(pod(), true)).toBe('default/my-pod');
    expect(keyOfRaw(flatSlice('x'), false)).toBe('worker-some-driver-abc');
  });
});
