import * as k8s from '@kubernetes/client-node';
import { afterEach, describe, expect, it } from 'vitest';
import { errorBody, errorCode, type Harness, raw, rejection, startHarness } from './helpers.js';

describe('simulated apiserver: discovery, versions, faults', () => {
  let h: Harness;
  afterEach(async () => {
    await h.server.close();
  });

  it('serves discovery for the configured versions', async () => {
    h = await startHarness({ ruleVersions: ['v1beta2', 'v1alpha3'], draVersions: ['v1', 'v1beta1'] });
    const version = await h.kc.makeApiClient(k8s.VersionApi).getCode();
    expect(version.major).toBe('1');

    const groups = await h.kc.makeApiClient(k8s.ApisApi).getAPIVersions();
    const resource = groups.groups.find((g) => g.name === 'resource.k8s.io');
    expect(resource?.versions.map((v) => v.version)).toEqual(['v1', 'v1beta2', 'v1beta1', 'v1alpha3']);
    expect(resource?.preferredVersion?.version).toBe('v1');
    expect(groups.groups.map((g) => g.name)).toEqual(
      expect.arrayContaining(['coordination.k8s.io', 'events.k8s.io', 'resource.k8s.io']),
    );

    const core = await h.core.getAPIResources();
    const pods = core.resources.find((r) => r.name === 'pods');
    expect(pods).toMatchObject({ namespaced: true, kind: 'Pod' });
    expect(pods?.verbs).toEqual(
      expect.arrayContaining(['get', 'list', 'watch', 'create', 'update', 'patch', 'delete']),
    );
    expect(core.resources.map((r) => r.name)).toContain('pods/status');

    const v1beta2 = await raw(h.server, 'GET', '/apis/resource.k8s.io/v1beta2');
    expect((v1beta2.json.resources as { name: string }[]).map((r) => r.name)).toEqual([
      'devicetaintrules',
      'devicetaintrules/status',
    ]);
    const v1 = await raw(h.server, 'GET', '/apis/resource.k8s.io/v1');
    expect((v1.json.resources as { name: string; namespaced: boolean }[]).map((r) => r.name)).toEqual([
      'resourceclaims',
      'resourceclaims/status',
      'resourceslices',
      'deviceclasses',
    ]);
    expect((await raw(h.server, 'GET', '/apis/resource.k8s.io/v1/devicetaintrules')).status).toBe(404);
  });

  it('serves no DeviceTaintRule API when ruleVersions is empty', async () => {
    h = await startHarness({ ruleVersions: [] });
    const err = await rejection(
      h.custom.listClusterCustomObject({ group: 'resource.k8s.io', version: 'v1', plural: 'devicetaintrules' }),
    );
    expect(errorCode(err)).toBe(404);
    const v1 = await raw(h.server, 'GET', '/apis/resource.k8s.io/v1');
    expect((v1.json.resources as { name: string }[]).map((r) => r.name)).not.toContain('devicetaintrules');
  });

  it('converts v1beta1 `basic` devices to and from the stored v1 form', async () => {
    h = await startHarness({ draVersions: ['v1', 'v1beta1'] });
    const beta = h.kc.makeApiClient(k8s.ResourceV1beta1Api);
    await beta.createResourceSlice({
      body: {
        apiVersion: 'resource.k8s.io/v1beta1',
        kind: 'ResourceSlice',
        metadata: { name: 'node-a-gpu' },
        spec: {
          driver: 'gpu.nvidia.com',
          pool: { name: 'node-a', generation: 1, resourceSliceCount: 1 },
          nodeName: 'node-a',
          devices: [
            {
              name: 'gpu-0',
              basic: {
                attributes: { index: { _int: 0 } },
                taints: [
                  {
                    key: 'gpu.nvidia.com/xid',
                    value: '79',
                    effect: 'NoExecute',
                    timeAdded: new Date('2030-01-01T00:00:00Z'),
                  },
                ],
              },
            },
          ],
        },
      },
    });
    const stored = h.server.store.get('resourceslices.resource.k8s.io', '', 'node-a-gpu') as {
      apiVersion: string;
      spec: { devices: Record<string, unknown>[] };
    };
    expect(stored.apiVersion).toBe('resource.k8s.io/v1');
    expect(stored.spec.devices[0]).toEqual({
      name: 'gpu-0',
      attributes: { index: { int: 0 } },
      taints: [{ key: 'gpu.nvidia.com/xid', value: '79', effect: 'NoExecute', timeAdded: '2030-01-01T00:00:00Z' }],
    });
    const viaV1 = await h.resource.readResourceSlice({ name: 'node-a-gpu' });
    expect(viaV1.spec.devices?.[0]?.taints?.[0]?.value).toBe('79');
    const viaBeta = await raw(h.server, 'GET', '/apis/resource.k8s.io/v1beta1/resourceslices/node-a-gpu');
    expect(viaBeta.json).toMatchObject({
      apiVersion: 'resource.k8s.io/v1beta1',
      spec: { devices: [{ name: 'gpu-0', basic: { taints: [{ key: 'gpu.nvidia.com/xid', value: '79' }] } }] },
    });
    const listBeta = await beta.listResourceSlice();
    expect(listBeta.items[0]?.spec.devices?.[0]?.basic?.taints?.[0]?.effect).toBe('NoExecute');

    // Claims: v1beta1 requests hold the "exactly" fields inline.
    await raw(h.server, 'POST', '/apis/resource.k8s.io/v1beta1/namespaces/default/resourceclaims', {
      apiVersion: 'resource.k8s.io/v1beta1',
      kind: 'ResourceClaim',
      metadata: { name: 'c' },
      spec: {
        devices: {
          requests: [{ name: 'gpu', deviceClassName: 'gpu.nvidia.com', tolerations: [{ operator: 'Exists' }] }],
        },
      },
    });
    const claim = await h.resource.readNamespacedResourceClaim({ name: 'c', namespace: 'default' });
    expect(claim.spec.devices?.requests?.[0]?.exactly?.deviceClassName).toBe('gpu.nvidia.com');
    expect(claim.spec.devices?.requests?.[0]?.exactly?.tolerations).toHaveLength(1);
  });

  it('serves DeviceTaintRules at v1alpha3 through client-node', async () => {
    h = await startHarness({ ruleVersions: ['v1alpha3'] });
    const alpha = h.kc.makeApiClient(k8s.ResourceV1alpha3Api);
    await alpha.createDeviceTaintRule({
      body: {
        apiVersion: 'resource.k8s.io/v1alpha3',
        kind: 'DeviceTaintRule',
        metadata: { name: 'r' },
        spec: { deviceSelector: { driver: 'gpu.nvidia.com' }, taint: { key: 'k', effect: 'NoExecute' } },
      },
    });
    const list = await alpha.listDeviceTaintRule();
    expect(list.apiVersion).toBe('resource.k8s.io/v1alpha3');
    expect(list.items.map((r) => r.metadata?.name)).toEqual(['r']);
    expect(list.items[0]?.spec.taint.timeAdded).toBeInstanceOf(Date);
  });

  it('injects per-verb failures as Status objects, reproducibly, and counts them', async () => {
    h = await startHarness();
    h.server.setFaults({ verbs: { get: { errorRate: 1, code: 500 } } });
    const err = await rejection(h.core.readNamespace({ name: 'default' }));
    expect(errorCode(err)).toBe(500);
    expect(errorBody(err)).toMatchObject({ kind: 'Status', code: 500, reason: 'InternalError' });
    // Lists are another verb and still succeed.
    expect((await h.core.listNamespace()).items.length).toBeGreaterThan(0);
    expect(h.server.requests.count({ verb: 'get', code: 500 })).toBe(1);

    h.server.setFaults({ verbs: { delete: { errorRate: 1, code: 429, retryAfterSeconds: 2, resources: ['pods'] } } });
    const limited = await raw(h.server, 'DELETE', '/api/v1/namespaces/default/pods/x');
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('2');
    expect(limited.json).toMatchObject({ reason: 'TooManyRequests', details: { retryAfterSeconds: 2 } });

    const draws = async (seed: number) => {
      h.server.setFaults({ seed, verbs: { list: { errorRate: 0.5 } } });
      const codes: number[] = [];
      for (let i = 0; i < 12; i++) codes.push((await raw(h.server, 'GET', '/api/v1/namespaces')).status);
      return codes;
    };
    const first = await draws(7);
    expect(await draws(7)).toEqual(first);
    expect(first).toContain(500);
    expect(first).toContain(200);
  });

  it('adds latency to requests when configured', async () => {
    h = await startHarness();
    h.server.setFaults({ latencyMs: 100 });
    const started = performance.now();
    await h.core.readNamespace({ name: 'default' });
    // A lower bound only: the added delay must be there; speed is measured in benches, not here.
    expect(performance.now() - started).toBeGreaterThanOrEqual(95);
  });

  it('records a bounded request log with verb, resource, subresource and code', async () => {
    h = await startHarness({ requestLogCapacity: 3 });
    await h.core.listNamespacedPod({ namespace: 'default' });
    await rejection(h.core.readNamespacedPod({ name: 'x', namespace: 'default' }));
    await raw(h.server, 'PATCH', '/api/v1/namespaces/default/pods/x/status', '{}', 'application/merge-patch+json');
    await raw(h.server, 'GET', '/apis');
    expect(h.server.requests.recent().map((r) => `${r.verb} ${r.resource}/${r.subresource} ${r.code}`)).toEqual([
      'get pods/ 404',
      'patch pods/status 404',
      'discovery / 200',
    ]);
    expect(h.server.requests.count({ resource: 'pods' })).toBe(3);
    expect(h.server.requests.count({ verb: 'patch', subresource: 'status' })).toBe(1);
    h.server.requests.reset();
    expect(h.server.requests.count()).toBe(0);
  });

  it('serves leases and both event APIs with optimistic concurrency', async () => {
    h = await startHarness();
    const coordination = h.kc.makeApiClient(k8s.CoordinationV1Api);
    const lease = await coordination.createNamespacedLease({
      namespace: 'kube-system',
      body: {
        metadata: { name: 'device-taint-evictor' },
        spec: {
          holderIdentity: 'a',
          leaseDurationSeconds: 15,
          renewTime: new k8s.V1MicroTime('2030-01-01T00:00:00.123456Z'),
        },
      },
    });
    expect(lease.spec?.holderIdentity).toBe('a');
    // MicroTime fields keep their sub-second precision (only metav1.Time fields are truncated).
    const stored = h.server.store.get('leases.coordination.k8s.io', 'kube-system', 'device-taint-evictor') as {
      spec: { renewTime: string };
    };
    expect(stored.spec.renewTime).toMatch(/^2030-01-01T00:00:00\.123/);
    const takeover = structuredClone(lease);
    takeover.spec!.holderIdentity = 'b';
    await coordination.replaceNamespacedLease({
      name: 'device-taint-evictor',
      namespace: 'kube-system',
      body: takeover,
    });
    const lost = structuredClone(lease);
    lost.spec!.holderIdentity = 'c';
    const err = await rejection(
      coordination.replaceNamespacedLease({ name: 'device-taint-evictor', namespace: 'kube-system', body: lost }),
    );
    expect(errorCode(err)).toBe(409);

    await h.core.createNamespacedEvent({
      namespace: 'default',
      body: {
        metadata: { name: 'pod-a.1' },
        involvedObject: { kind: 'Pod', namespace: 'default', name: 'pod-a', uid: 'u1' },
        reason: 'TaintManagerEviction',
        message: 'Marking for deletion',
        type: 'Normal',
      },
    });
    const byReason = await h.core.listNamespacedEvent({
      namespace: 'default',
      fieldSelector: 'involvedObject.name=pod-a',
    });
    expect(byReason.items.map((e) => e.reason)).toEqual(['TaintManagerEviction']);

    const events = h.kc.makeApiClient(k8s.EventsV1Api);
    await events.createNamespacedEvent({
      namespace: 'default',
      body: {
        metadata: { name: 'pod-a.2' },
        eventTime: new k8s.V1MicroTime('2030-01-01T00:00:00.5Z'),
        regarding: { kind: 'Pod', namespace: 'default', name: 'pod-a' },
        reason: 'TaintManagerEviction',
        note: 'Cancelling deletion',
        action: 'Cancel',
        reportingController: 'device-taint-eviction-controller',
        reportingInstance: 'x',
        type: 'Normal',
      },
    });
    expect(h.server.store.count('events.events.k8s.io')).toBe(1);
    expect(h.server.store.count('events')).toBe(1);
  });

  it('serves scheduling.k8s.io PodGroups only when asked to; PriorityClasses at v1 always, as kube-apiserver', async () => {
    h = await startHarness();
    const plain = await raw(h.server, 'GET', '/apis/scheduling.k8s.io');
    expect(plain.json).toMatchObject({ versions: [{ version: 'v1' }], preferredVersion: { version: 'v1' } });
    const v1 = await raw(h.server, 'GET', '/apis/scheduling.k8s.io/v1');
    expect((v1.json.resources as { name: string }[]).map((r) => r.name)).toEqual(['priorityclasses']);
    await h.server.close();
    h = await startHarness({ podGroupVersions: ['v1alpha2'] });
    const group = await raw(h.server, 'GET', '/apis/scheduling.k8s.io');
    expect(group.json).toMatchObject({
      versions: [{ version: 'v1' }, { version: 'v1alpha2' }],
      preferredVersion: { version: 'v1' },
    });
    const created = await raw(h.server, 'POST', '/apis/scheduling.k8s.io/v1alpha2/namespaces/default/podgroups', {
      apiVersion: 'scheduling.k8s.io/v1alpha2',
      kind: 'PodGroup',
      metadata: { name: 'g' },
      spec: {},
    });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({ apiVersion: 'scheduling.k8s.io/v1alpha2', kind: 'PodGroup' });
    const list = await raw(h.server, 'GET', '/apis/scheduling.k8s.io/v1alpha2/podgroups');
    expect((list.json.items as unknown[]).length).toBe(1);
  });
});
