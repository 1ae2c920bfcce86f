import * as k8s from '@kubernetes/client-node';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { waitFor } from '../support/waitFor.js';
import { errorBody, errorCode, type Harness, podManifest, rejection, startHarness } from './helpers.js';

describe('simulated apiserver: create, get, update, delete', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness({ clock: () => Date.UTC(2030, 0, 2, 3, 4, 5) });
  });
  afterEach(async () => {
    await h.server.close();
  });

  it('creates with uid, resourceVersion, generation and creationTimestamp, and rejects duplicates with AlreadyExists', async () => {
    const created = await h.core.createNamespacedPod({ namespace: 'default', body: podManifest('a') });
    expect(created.metadata?.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(Number(created.metadata?.resourceVersion)).toBeGreaterThan(0);
    expect(created.metadata?.generation).toBe(1);
    expect(created.metadata?.creationTimestamp?.toISOString()).toBe('2030-01-02T03:04:05.000Z');
    expect(created.status?.phase).toBe('Pending');

    const err = await rejection(h.core.createNamespacedPod({ namespace: 'default', body: podManifest('a') }));
    expect(errorCode(err)).toBe(409);
    expect(errorBody(err)).toMatchObject({ kind: 'Status', status: 'Failure', reason: 'AlreadyExists', code: 409 });

    const got = await h.core.readNamespacedPod({ name: 'a', namespace: 'default' });
    expect(got.metadata?.uid).toBe(created.metadata?.uid);
  });

  it('answers 404 NotFound for absent objects and namespaces', async () => {
    const err = await rejection(h.core.readNamespacedPod({ name: 'nope', namespace: 'default' }));
    expect(errorCode(err)).toBe(404);
    expect(errorBody(err)).toMatchObject({ reason: 'NotFound', message: 'pods "nope" not found' });
    const nsErr = await rejection(
      h.core.createNamespacedPod({ namespace: 'missing', body: podManifest('a', 'missing') }),
    );
    expect(errorCode(nsErr)).toBe(404);
  });

  it('detects update conflicts on a stale resourceVersion and bumps generation only on spec changes', async () => {
    const created = await h.core.createNamespacedPod({ namespace: 'default', body: podManifest('a') });
    const changed = structuredClone(created);
    changed.spec!.activeDeadlineSeconds = 60;
    const updated = await h.core.replaceNamespacedPod({ name: 'a', namespace: 'default', body: changed });
    expect(updated.metadata?.generation).toBe(2);
    expect(Number(updated.metadata?.resourceVersion)).toBeGreaterThan(Number(created.metadata?.resourceVersion));

    const stale = await rejection(h.core.replaceNamespacedPod({ name: 'a', namespace: 'default', body: changed }));
    expect(errorCode(stale)).toBe(409);
    expect(errorBody(stale)).toMatchObject({ reason: 'Conflict' });

    const labelled = structuredClone(updated);
    labelled.metadata!.labels = { app: 'other' };
    const relabelled = await h.core.replaceNamespacedPod({ name: 'a', namespace: 'default', body: labelled });
    expect(relabelled.metadata?.generation).toBe(2);
    expect(relabelled.metadata?.labels).toEqual({ app: 'other' });
  });

  it('keeps status on main-resource writes and everything else on status writes', async () => {
    const created = await h.core.createNamespacedPod({ namespace: 'default', body: podManifest('a') });
    const withStatus = structuredClone(created);
    withStatus.status = { phase: 'Running' };
    withStatus.spec!.activeDeadlineSeconds = 5;
    const viaStatus = await h.core.replaceNamespacedPodStatus({ name: 'a', namespace: 'default', body: withStatus });
    expect(viaStatus.status?.phase).toBe('Running');
    expect(viaStatus.spec?.activeDeadlineSeconds).toBeUndefined();

    const viaMain = structuredClone(viaStatus);
    viaMain.status = { phase: 'Failed' };
    const afterMain = await h.core.replaceNamespacedPod({ name: 'a', namespace: 'default', body: viaMain });
    expect(afterMain.status?.phase).toBe('Running');
  });

  it('a no-op update keeps the resourceVersion', async () => {
    const created = await h.core.createNamespacedPod({ namespace: 'default', body: podManifest('a') });
    const same = await h.core.replaceNamespacedPod({ name: 'a', namespace: 'default', body: created });
    expect(same.metadata?.resourceVersion).toBe(created.metadata?.resourceVersion);
  });

  it('deletes with uid and resourceVersion preconditions', async () => {
    const created = await h.core.createNamespacedPod({ namespace: 'default', body: podManifest('a') });
    const wrongUid = await rejection(
      h.core.deleteNamespacedPod({ name: 'a', namespace: 'default', body: { preconditions: { uid: 'not-the-uid' } } }),
    );
    expect(errorCode(wrongUid)).toBe(409);
    expect(String(errorBody(wrongUid).message)).toContain('the UID in the precondition (not-the-uid) does not match');
    const wrongRv = await rejection(
      h.core.deleteNamespacedPod({
        name: 'a',
        namespace: 'default',
        body: { preconditions: { resourceVersion: '1' } },
      }),
    );
    expect(errorCode(wrongRv)).toBe(409);
    expect(h.server.store.get('pods', 'default', 'a')).toBeDefined();

    await h.core.deleteNamespacedPod({
      name: 'a',
      namespace: 'default',
      body: { preconditions: { uid: created.metadata!.uid!, resourceVersion: created.metadata!.resourceVersion! } },
    });
    expect(h.server.store.get('pods', 'default', 'a')).toBeUndefined();
    const again = await rejection(h.core.deleteNamespacedPod({ name: 'a', namespace: 'default' }));
    expect(errorCode(again)).toBe(404);
  });

  it('with a pod grace period marks deletionTimestamp first and removes the pod later', async () => {
    const graceful = await startHarness({ podDeletion: { gracePeriodMs: 50 } });
    try {
      await graceful.core.createNamespacedPod({ namespace: 'default', body: podManifest('a') });
      const deleting = await graceful.core.deleteNamespacedPod({ name: 'a', namespace: 'default' });
      expect(deleting.metadata?.deletionTimestamp).toBeDefined();
      expect(graceful.server.store.get('pods', 'default', 'a')).toBeDefined();
      await waitFor(
        () => graceful.server.store.get('pods', 'default', 'a') === undefined,
        5000,
        () => 'the pod to go',
      );
    } finally {
      await graceful.server.close();
    }
  });

  it('holds objects with finalizers until the last finalizer is removed', async () => {
    await h.core.createNamespacedPod({
      namespace: 'default',
      body: podManifest('a', 'default', { metadata: { name: 'a', finalizers: ['example.com/hold'] } }),
    });
    await h.core.deleteNamespacedPod({ name: 'a', namespace: 'default' });
    const held = await h.core.readNamespacedPod({ name: 'a', namespace: 'default' });
    expect(held.metadata?.deletionTimestamp).toBeDefined();
    await h.core.patchNamespacedPod(
      { name: 'a', namespace: 'default', body: { metadata: { finalizers: null } } },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    );
    expect(h.server.store.get('pods', 'default', 'a')).toBeUndefined();
  });

  it('serves devicetaintrules with timeAdded defaulting and refreshes timeAdded when the effect changes', async () => {
    let now = Date.UTC(2030, 0, 1);
    const rules = await startHarness({ clock: () => now });
    try {
      const rule = await rules.custom.createClusterCustomObject({
        group: 'resource.k8s.io',
        version: 'v1',
        plural: 'devicetaintrules',
        body: {
          apiVersion: 'resource.k8s.io/v1',
          kind: 'DeviceTaintRule',
          metadata: { name: 'xid-79' },
          spec: {
            deviceSelector: { driver: 'gpu.nvidia.com' },
            taint: { key: 'gpu.nvidia.com/xid', value: '79', effect: 'None' },
          },
        },
      });
      expect(rule.spec.taint.timeAdded).toBe('2030-01-01T00:00:00Z');
      now += 60_000;
      rule.spec.taint.effect = 'NoExecute';
      const escalated = await rules.custom.replaceClusterCustomObject({
        group: 'resource.k8s.io',
        version: 'v1',
        plural: 'devicetaintrules',
        name: 'xid-79',
        body: rule,
      });
      expect(escalated.spec.taint.timeAdded).toBe('2030-01-01T00:01:00Z');
      expect(escalated.metadata.generation).toBe(2);
      const invalid = await rejection(
        rules.custom.createClusterCustomObject({
          group: 'resource.k8s.io',
          version: 'v1',
          plural: 'devicetaintrules',
          body: { metadata: { name: 'bad' }, spec: { taint: { key: 'k', effect: 'PreferNoSchedule' } } },
        }),
      );
      expect(errorCode(invalid)).toBe(422);
      expect(errorBody(invalid)).toMatchObject({ reason: 'Invalid' });
    } finally {
      await rules.server.close();
    }
  });
});
