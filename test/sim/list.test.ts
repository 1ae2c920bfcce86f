import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { seedCluster } from '../../src/sim/index.js';
import { errorBody, errorCode, type Harness, podManifest, raw, rejection, startHarness } from './helpers.js';

describe('simulated apiserver: lists', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness({ watchHistory: 50_000 });
  });
  afterEach(async () => {
    await h.server.close();
  });

  it('pages through a seeded cluster of 2,000 pods with continue tokens', async () => {
    const summary = seedCluster(h.server.store, { nodes: 50, devicesPerNode: 8, pods: 2000, namespaces: 7 });
    expect(summary.pods).toBe(2000);
    const seen = new Set<string>();
    let token: string | undefined;
    let pages = 0;
    let listRv: string | undefined;
    do {
      const page = await h.core.listPodForAllNamespaces({ limit: 300, _continue: token });
      pages++;
      listRv ??= page.metadata?.resourceVersion;
      expect(page.metadata?.resourceVersion).toBe(listRv);
      for (const p of page.items) seen.add(`${p.metadata?.namespace}/${p.metadata?.name}`);
      expect(page.items.length).toBeLessThanOrEqual(300);
      token = page.metadata?._continue;
    } while (token);
    expect(pages).toBe(7);
    expect(seen.size).toBe(2000);
    expect(h.server.requests.count({ verb: 'list', resource: 'pods', code: 200 })).toBe(7);

    const claims = await h.resource.listResourceClaimForAllNamespaces();
    expect(claims.items).toHaveLength(2000);
    const slices = await h.resource.listResourceSlice();
    expect(slices.items).toHaveLength(50);
    expect(slices.items[0]!.spec.devices).toHaveLength(8);
  });

  it('serves later pages from the snapshot of the first page', async () => {
    for (let i = 0; i < 10; i++)
      await h.core.createNamespacedPod({ namespace: 'default', body: podManifest(`p-${i}`) });
    const first = await h.core.listNamespacedPod({ namespace: 'default', limit: 4 });
    expect(first.items.map((p) => p.metadata?.name)).toEqual(['p-0', 'p-1', 'p-2', 'p-3']);
    expect(first.metadata?.remainingItemCount).toBe(6);
    // Changes after the first page must not show in the rest of this list.
    await h.core.deleteNamespacedPod({ name: 'p-5', namespace: 'default' });
    await h.core.createNamespacedPod({ namespace: 'default', body: podManifest('p-45') });
    const labelled = await h.core.readNamespacedPod({ name: 'p-6', namespace: 'default' });
    labelled.metadata!.labels = { app: 'changed' };
    await h.core.replaceNamespacedPod({ name: 'p-6', namespace: 'default', body: labelled });

    const rest = await h.core.listNamespacedPod({
      namespace: 'default',
      limit: 100,
      _continue: first.metadata!._continue!,
    });
    expect(rest.items.map((p) => p.metadata?.name)).toEqual(['p-4', 'p-5', 'p-6', 'p-7', 'p-8', 'p-9']);
    expect(rest.items.find((p) => p.metadata?.name === 'p-6')?.metadata?.labels).toEqual({ app: 'demo' });
    expect(rest.metadata?.resourceVersion).toBe(first.metadata?.resourceVersion);
    expect(rest.metadata?._continue).toBeUndefined();

    const now = await h.core.listNamespacedPod({ namespace: 'default' });
    expect(now.items.map((p) => p.metadata?.name)).toContain('p-45');
    expect(now.items.map((p) => p.metadata?.name)).not.toContain('p-5');
  });

  it('answers 410 Expired for a continue token older than the history', async () => {
    for (let i = 0; i < 5; i++) await h.core.createNamespacedPod({ namespace: 'default', body: podManifest(`p-${i}`) });
    const first = await h.core.listNamespacedPod({ namespace: 'default', limit: 2 });
    await h.core.deleteNamespacedPod({ name: 'p-4', namespace: 'default' });
    h.server.setFaults({ expireHistory: true });
    const err = await rejection(
      h.core.listNamespacedPod({ namespace: 'default', _continue: first.metadata!._continue! }),
    );
    expect(errorCode(err)).toBe(410);
    expect(errorBody(err)).toMatchObject({ reason: 'Expired', code: 410 });
  });

  it('filters by label selector (=, !=, in, notin, exists, !exists)', async () => {
    const mk = (name: string, labels: Record<string, string>) =>
      h.core.createNamespacedPod({
        namespace: 'default',
        body: podManifest(name, 'default', { metadata: { name, labels } }),
      });
    await mk('a', { app: 'web', tier: 'front' });
    await mk('b', { app: 'web' });
    await mk('c', { app: 'db', tier: 'back' });
    await mk('d', {});
    const names = async (labelSelector: string) =>
      (await h.core.listNamespacedPod({ namespace: 'default', labelSelector })).items.map((p) => p.metadata?.name);
    expect(await names('app=web')).toEqual(['a', 'b']);
    expect(await names('app==db')).toEqual(['c']);
    expect(await names('app!=web')).toEqual(['c', 'd']);
    expect(await names('app in (db, web),tier')).toEqual(['a', 'c']);
    expect(await names('tier notin (front)')).toEqual(['b', 'c', 'd']);
    expect(await names('!tier')).toEqual(['b', 'd']);
    expect(await names('app=web,!tier')).toEqual(['b']);
  });

  it('filters by field selector and rejects unsupported fields', async () => {
    seedCluster(h.server.store, { nodes: 3, pods: 12, namespaces: 2 });
    const onNode = await h.core.listPodForAllNamespaces({ fieldSelector: 'spec.nodeName=gpu-node-0001' });
    expect(onNode.items).toHaveLength(4);
    expect(onNode.items.every((p) => p.spec?.nodeName === 'gpu-node-0001')).toBe(true);
    const notRunning = await h.core.listPodForAllNamespaces({ fieldSelector: 'status.phase!=Running' });
    expect(notRunning.items).toHaveLength(0);
    const byName = await h.core.listPodForAllNamespaces({
      fieldSelector: 'metadata.name=trainer-000003,metadata.namespace=team-01',
    });
    expect(byName.items.map((p) => p.metadata?.name)).toEqual(['trainer-000003']);
    const slices = await h.resource.listResourceSlice({ fieldSelector: 'spec.nodeName=gpu-node-0002' });
    expect(slices.items.map((s) => s.spec.pool.name)).toEqual(['gpu-node-0002']);
    const bad = await raw(h.server, 'GET', '/api/v1/pods?fieldSelector=spec.hostname%3Dx');
    expect(bad.status).toBe(400);
    expect(bad.json).toMatchObject({ kind: 'Status', reason: 'BadRequest' });
  });

  it('lists at an exact older resourceVersion', async () => {
    await h.core.createNamespacedPod({ namespace: 'default', body: podManifest('a') });
    const rv = h.server.store.resourceVersion;
    await h.core.createNamespacedPod({ namespace: 'default', body: podManifest('b') });
    const old = await raw(
      h.server,
      'GET',
      `/api/v1/namespaces/default/pods?resourceVersion=${rv}&resourceVersionMatch=Exact`,
    );
    expect(old.status).toBe(200);
    expect((old.json.items as { metadata: { name: string } }[]).map((p) => p.metadata.name)).toEqual(['a']);
    expect(old.json.metadata).toMatchObject({ resourceVersion: String(rv) });
  });
});
