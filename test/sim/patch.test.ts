import * as k8s from '@kubernetes/client-node';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { errorBody, errorCode, type Harness, podManifest, raw, rejection, startHarness } from './helpers.js';

const as = (type: k8s.PatchStrategy) => k8s.setHeaderOptions('Content-Type', type);

describe('simulated apiserver: patches', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
  });
  afterEach(async () => {
    await h.server.close();
  });

  async function runningPod(name: string): Promise<k8s.V1Pod> {
    const pod = await h.core.createNamespacedPod({ namespace: 'default', body: podManifest(name) });
    return h.core.replaceNamespacedPodStatus({
      name,
      namespace: 'default',
      body: {
        ...pod,
        status: {
          phase: 'Running',
          conditions: [
            { type: 'Ready', status: 'True' },
            { type: 'PodScheduled', status: 'True' },
          ],
        },
      },
    });
  }

  it('strategic merge on /status merges conditions by type and rejects a changed metadata.uid (422)', async () => {
    const pod = await runningPod('a');
    const patched = await h.core.patchNamespacedPodStatus(
      {
        name: 'a',
        namespace: 'default',
        body: {
          metadata: { uid: pod.metadata!.uid },
          status: {
            conditions: [
              { type: 'DisruptionTarget', status: 'True', reason: 'DeletionByDeviceTaintManager' },
              { type: 'Ready', status: 'False' },
            ],
          },
        },
      },
      as(k8s.PatchStrategy.StrategicMergePatch),
    );
    const conditions = patched.status?.conditions?.map((c) => `${c.type}=${c.status}`);
    expect(conditions).toEqual(['Ready=False', 'PodScheduled=True', 'DisruptionTarget=True']);
    expect(patched.status?.phase).toBe('Running');

    const wrongUid = await rejection(
      h.core.patchNamespacedPodStatus(
        {
          name: 'a',
          namespace: 'default',
          body: { metadata: { uid: 'someone-else' }, status: { conditions: [{ type: 'X', status: 'True' }] } },
        },
        as(k8s.PatchStrategy.StrategicMergePatch),
      ),
    );
    expect(errorCode(wrongUid)).toBe(422);
    expect(errorBody(wrongUid)).toMatchObject({ reason: 'Invalid' });
    const after = h.server.store.get('pods', 'default', 'a') as { status: { conditions: unknown[] } };
    expect(after.status.conditions).toHaveLength(3);
  });

  it('a status patch cannot change spec and a main patch cannot change status', async () => {
    await runningPod('a');
    const viaStatus = await h.core.patchNamespacedPodStatus(
      { name: 'a', namespace: 'default', body: { spec: { activeDeadlineSeconds: 9 }, status: { phase: 'Failed' } } },
      as(k8s.PatchStrategy.MergePatch),
    );
    expect(viaStatus.spec?.activeDeadlineSeconds).toBeUndefined();
    expect(viaStatus.status?.phase).toBe('Failed');
    const viaMain = await h.core.patchNamespacedPod(
      { name: 'a', namespace: 'default', body: { spec: { activeDeadlineSeconds: 9 }, status: { phase: 'Running' } } },
      as(k8s.PatchStrategy.MergePatch),
    );
    expect(viaMain.spec?.activeDeadlineSeconds).toBe(9);
    expect(viaMain.status?.phase).toBe('Failed');
  });

  it('merge patch replaces lists, deletes keys with null, and conflicts on a stale resourceVersion', async () => {
    const pod = await runningPod('a');
    const patched = await h.core.patchNamespacedPod(
      {
        name: 'a',
        namespace: 'default',
        body: { metadata: { labels: { app: null, tier: 'x' }, annotations: { a: 'b' } } },
      },
      as(k8s.PatchStrategy.MergePatch),
    );
    expect(patched.metadata?.labels).toEqual({ tier: 'x' });
    expect(patched.metadata?.annotations).toEqual({ a: 'b' });
    const status = await h.core.patchNamespacedPodStatus(
      { name: 'a', namespace: 'default', body: { status: { conditions: [{ type: 'Only', status: 'True' }] } } },
      as(k8s.PatchStrategy.MergePatch),
    );
    expect(status.status?.conditions?.map((c) => c.type)).toEqual(['Only']);
    const stale = await rejection(
      h.core.patchNamespacedPod(
        {
          name: 'a',
          namespace: 'default',
          body: { metadata: { resourceVersion: pod.metadata!.resourceVersion, labels: { z: '1' } } },
        },
        as(k8s.PatchStrategy.MergePatch),
      ),
    );
    expect(errorCode(stale)).toBe(409);
  });

  it('json patch supports add/replace/remove/test and fails a test op with 422', async () => {
    await runningPod('a');
    const patched = await h.core.patchNamespacedPod(
      {
        name: 'a',
        namespace: 'default',
        body: [
          { op: 'add', path: '/metadata/annotations', value: { 'example.com/a~b': '1' } },
          { op: 'replace', path: '/metadata/labels/app', value: 'patched' },
          { op: 'add', path: '/spec/containers/-', value: { name: 'sidecar', image: 'busybox' } },
          { op: 'test', path: '/spec/containers/0/name', value: 'main' },
          { op: 'remove', path: '/metadata/annotations/example.com~1a~0b' },
        ],
      },
      as(k8s.PatchStrategy.JsonPatch),
    );
    expect(patched.metadata?.labels?.app).toBe('patched');
    expect(patched.metadata?.annotations).toEqual({});
    expect(patched.spec?.containers.map((c) => c.name)).toEqual(['main', 'sidecar']);
    const failed = await rejection(
      h.core.patchNamespacedPod(
        { name: 'a', namespace: 'default', body: [{ op: 'test', path: '/metadata/name', value: 'b' }] },
        as(k8s.PatchStrategy.JsonPatch),
      ),
    );
    expect(errorCode(failed)).toBe(422);
  });

  it('server-side apply on devicetaintrules/status merges conditions by type and requires a fieldManager', async () => {
    const rule = await h.custom.createClusterCustomObject({
      group: 'resource.k8s.io',
      version: 'v1',
      plural: 'devicetaintrules',
      body: {
        apiVersion: 'resource.k8s.io/v1',
        kind: 'DeviceTaintRule',
        metadata: { name: 'r' },
        spec: { deviceSelector: { driver: 'gpu.nvidia.com' }, taint: { key: 'k', effect: 'NoExecute' } },
        status: { conditions: [{ type: 'Ignored', status: 'True' }] },
      },
    });
    expect(rule.status).toBeUndefined();
    const path = '/apis/resource.k8s.io/v1/devicetaintrules/r/status';
    const apply = (conditions: unknown[], query = '?fieldManager=device-taint-eviction-controller&force=true') =>
      raw(
        h.server,
        'PATCH',
        path + query,
        `apiVersion: resource.k8s.io/v1\nkind: DeviceTaintRule\nmetadata:\n  name: r\n  uid: ${rule.metadata.uid}\nstatus:\n  conditions: ${JSON.stringify(conditions)}\n`,
        'application/apply-patch+yaml',
      );
    const first = await apply([
      { type: 'EvictionInProgress', status: 'True', reason: 'PodsPendingEviction', observedGeneration: 1 },
      { type: 'Other', status: 'False' },
    ]);
    expect(first.status).toBe(200);
    const second = await apply([
      { type: 'EvictionInProgress', status: 'False', reason: 'Completed', observedGeneration: 1 },
    ]);
    expect(second.status).toBe(200);
    const stored = h.server.store.get('devicetaintrules.resource.k8s.io', '', 'r') as {
      spec: unknown;
      status: { conditions: { type: string; reason?: string }[] };
      metadata: { managedFields: { manager: string; subresource?: string }[] };
    };
    // The manager stopped applying "Other" and nobody else owns it: server-side apply removes it.
    expect(stored.status.conditions.map((c) => `${c.type}:${c.reason ?? ''}`)).toEqual([
      'EvictionInProgress:Completed',
    ]);
    expect(stored.metadata.managedFields).toContainEqual(
      expect.objectContaining({ manager: 'device-taint-eviction-controller', subresource: 'status' }),
    );
    const noManager = await apply([], '');
    expect(noManager.status).toBe(422);
    const wrongUid = await raw(
      h.server,
      'PATCH',
      `${path}?fieldManager=m`,
      JSON.stringify({ metadata: { name: 'r', uid: 'x' }, status: { conditions: [] } }),
      'application/apply-patch+yaml',
    );
    expect(wrongUid.status).toBe(422);
  });

  it('server-side apply creates a missing object on the main resource', async () => {
    const created = await raw(
      h.server,
      'PATCH',
      '/apis/resource.k8s.io/v1/devicetaintrules/new-rule?fieldManager=admin',
      'apiVersion: resource.k8s.io/v1\nkind: DeviceTaintRule\nmetadata:\n  name: new-rule\nspec:\n  taint:\n    key: gpu.nvidia.com/xid\n    value: "79"\n    effect: None\n',
      'application/apply-patch+yaml',
    );
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({
      metadata: { name: 'new-rule', generation: 1 },
      spec: { taint: { value: '79' } },
    });
  });

  it('rejects unknown patch content types with 415', async () => {
    await runningPod('a');
    const res = await raw(h.server, 'PATCH', '/api/v1/namespaces/default/pods/a', '{}', 'application/xml');
    expect(res.status).toBe(415);
    expect(res.json).toMatchObject({ kind: 'Status', reason: 'UnsupportedMediaType' });
  });

  it('accepts server-side apply through client-node CustomObjectsApi', async () => {
    await h.custom.createClusterCustomObject({
      group: 'resource.k8s.io',
      version: 'v1',
      plural: 'devicetaintrules',
      body: { metadata: { name: 'r' }, spec: { taint: { key: 'k', effect: 'None' } } },
    });
    const applied = await h.custom.patchClusterCustomObjectStatus(
      {
        group: 'resource.k8s.io',
        version: 'v1',
        plural: 'devicetaintrules',
        name: 'r',
        fieldManager: 'device-taint-eviction-controller',
        force: true,
        body: {
          apiVersion: 'resource.k8s.io/v1',
          kind: 'DeviceTaintRule',
          metadata: { name: 'r' },
          status: { conditions: [{ type: 'EvictionInProgress', status: 'False', reason: 'NoEffect', message: 'm' }] },
        },
      },
      as(k8s.PatchStrategy.ServerSideApply),
    );
    expect(applied.status.conditions[0].reason).toBe('NoEffect');
    expect(
      h.server.requests.count({ verb: 'patch', resource: 'devicetaintrules', subresource: 'status', code: 200 }),
    ).toBe(1);
  });
});
