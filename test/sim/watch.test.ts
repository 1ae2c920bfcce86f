import * as k8s from '@kubernetes/client-node';
import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '../support/waitFor.js';
import { type Harness, podManifest, startHarness } from './helpers.js';

interface Seen {
  readonly type: string;
  readonly name: string;
  readonly rv: string;
  readonly object: Record<string, unknown>;
}

/** Opens a client-node watch and records every event and the end of the stream. */
async function record(h: Harness, path: string, query: Record<string, string | number | boolean>) {
  const events: Seen[] = [];
  const state: { done: boolean; err: unknown } = { done: false, err: undefined };
  const watch = new k8s.Watch(h.kc);
  const controller = await watch.watch(
    path,
    query,
    (type: string, obj: Record<string, unknown>) => {
      const meta = (obj.metadata ?? {}) as { name?: string; resourceVersion?: string };
      events.push({ type, name: meta.name ?? '', rv: meta.resourceVersion ?? '', object: obj });
    },
    (err: unknown) => {
      state.done = true;
      state.err = err;
    },
  );
  return { events, state, stop: () => controller.abort() };
}

describe('simulated apiserver: watches', () => {
  let h: Harness;
  afterEach(async () => {
    await h.server.close();
  });

  it('replays history after a resourceVersion, then streams live changes (including in-process store writes)', async () => {
    h = await startHarness();
    const a = await h.core.createNamespacedPod({ namespace: 'default', body: podManifest('a') });
    const from = a.metadata!.resourceVersion!;
    await h.core.createNamespacedPod({ namespace: 'default', body: podManifest('b') });
    a.metadata!.labels = { app: 'v2' };
    await h.core.replaceNamespacedPod({ name: 'a', namespace: 'default', body: a });
    await h.core.deleteNamespacedPod({ name: 'b', namespace: 'default' });

    const w = await record(h, '/api/v1/namespaces/default/pods', { resourceVersion: from });
    await waitFor(
      () => w.events.length === 3,
      5000,
      () => 'replayed events',
    );
    expect(w.events.map((e) => `${e.type} ${e.name}`)).toEqual(['ADDED b', 'MODIFIED a', 'DELETED b']);
    const rvs = w.events.map((e) => Number(e.rv));
    expect([...rvs].sort((x, y) => x - y)).toEqual(rvs);
    expect(rvs[0]).toBeGreaterThan(Number(from));

    h.server.store.create('pods', podManifest('c') as unknown as Parameters<typeof h.server.store.create>[1]);
    await waitFor(
      () => w.events.length === 4,
      5000,
      () => 'live event',
    );
    expect(w.events[3]).toMatchObject({ type: 'ADDED', name: 'c', rv: String(h.server.store.resourceVersion) });
    w.stop();
  });

  it('starts with synthetic ADDED events when no resourceVersion is given', async () => {
    h = await startHarness();
    await h.core.createNamespacedPod({ namespace: 'default', body: podManifest('a') });
    await h.core.createNamespacedPod({ namespace: 'default', body: podManifest('b') });
    const w = await record(h, '/api/v1/pods', {});
    await waitFor(
      () => w.events.length === 2,
      5000,
      () => 'initial events',
    );
    expect(w.events.map((e) => `${e.type} ${e.name}`)).toEqual(['ADDED a', 'ADDED b']);
    w.stop();
  });

  it('sends periodic BOOKMARK events with the current resourceVersion when asked', async () => {
    h = await startHarness({ bookmarkIntervalMs: 20 });
    await h.core.createNamespacedPod({ namespace: 'default', body: podManifest('a') });
    const rv = String(h.server.store.resourceVersion);
    // A change in another resource moves the global resourceVersion; bookmarks carry it.
    h.server.store.ensureNamespace('elsewhere');
    const w = await record(h, '/api/v1/pods', { resourceVersion: rv, allowWatchBookmarks: true });
    await waitFor(
      () => w.events.some((e) => e.type === 'BOOKMARK'),
      5000,
      () => 'a bookmark',
    );
    const bookmark = w.events.find((e) => e.type === 'BOOKMARK')!;
    expect(bookmark.rv).toBe(String(h.server.store.resourceVersion));
    expect(Number(bookmark.rv)).toBeGreaterThan(Number(rv));
    expect(bookmark.object.kind).toBe('Pod');

    const plain = await record(h, '/api/v1/pods', { resourceVersion: rv });
    await h.core.createNamespacedPod({ namespace: 'default', body: podManifest('b') });
    await waitFor(
      () => plain.events.length === 1,
      5000,
      () => 'the ADDED event',
    );
    expect(plain.events.every((e) => e.type !== 'BOOKMARK')).toBe(true);
    w.stop();
    plain.stop();
  });

  it('answers a resume from a compacted resourceVersion with an ERROR event carrying 410 Expired', async () => {
    h = await startHarness({ watchHistory: 3 });
    for (let i = 0; i < 6; i++) await h.core.createNamespacedPod({ namespace: 'default', body: podManifest(`p-${i}`) });
    const w = await record(h, '/api/v1/pods', { resourceVersion: '1' });
    await waitFor(
      () => w.state.done,
      5000,
      () => 'the stream to end',
    );
    expect(w.events).toHaveLength(1);
    expect(w.events[0]!.type).toBe('ERROR');
    expect(w.events[0]!.object).toMatchObject({ kind: 'Status', code: 410, reason: 'Expired' });

    // Within the retained history a resume still works.
    const recent = String(h.server.store.resourceVersion - 2);
    const ok = await record(h, '/api/v1/pods', { resourceVersion: recent });
    await waitFor(
      () => ok.events.length === 2,
      5000,
      () => 'retained events',
    );
    expect(ok.events.map((e) => e.type)).toEqual(['ADDED', 'ADDED']);
    ok.stop();
  });

  it('applies selectors to watches: objects entering and leaving the selection are ADDED and DELETED', async () => {
    h = await startHarness();
    const from = String(h.server.store.resourceVersion);
    const w = await record(h, '/api/v1/namespaces/default/pods', { resourceVersion: from, labelSelector: 'app=web' });
    const pod = await h.core.createNamespacedPod({
      namespace: 'default',
      body: podManifest('a', 'default', { metadata: { name: 'a', labels: { app: 'web' } } }),
    });
    await h.core.createNamespacedPod({
      namespace: 'default',
      body: podManifest('other', 'default', { metadata: { name: 'other', labels: { app: 'db' } } }),
    });
    pod.metadata!.labels = { app: 'db' };
    const moved = await h.core.replaceNamespacedPod({ name: 'a', namespace: 'default', body: pod });
    moved.metadata!.labels = { app: 'web' };
    await h.core.replaceNamespacedPod({ name: 'a', namespace: 'default', body: moved });
    await waitFor(
      () => w.events.length === 3,
      5000,
      () => 'three events',
    );
    expect(w.events.map((e) => `${e.type} ${e.name}`)).toEqual(['ADDED a', 'DELETED a', 'ADDED a']);
    w.stop();
  });

  it('closes the stream after timeoutSeconds', async () => {
    h = await startHarness();
    const w = await record(h, '/api/v1/pods', {
      resourceVersion: String(h.server.store.resourceVersion),
      timeoutSeconds: 1,
    });
    await waitFor(
      () => w.state.done,
      5000,
      () => 'the timeout',
    );
    expect(w.state.err).toBeNull();
    expect(h.server.activeWatches).toBe(0);
  });

  it('drops open watches periodically when the fault is configured', async () => {
    h = await startHarness();
    h.server.setFaults({ watchDropIntervalMs: 30 });
    const w = await record(h, '/api/v1/pods', { resourceVersion: String(h.server.store.resourceVersion) });
    await waitFor(
      () => w.state.done,
      5000,
      () => 'the drop',
    );
    await waitFor(
      () => h.server.activeWatches === 0,
      5000,
      () => 'the server to forget the watch',
    );
  });

  it('serves watches for resource.k8s.io objects', async () => {
    h = await startHarness();
    const w = await record(h, '/apis/resource.k8s.io/v1/resourceslices', { resourceVersion: '0' });
    await h.resource.createResourceSlice({
      body: {
        metadata: { name: 'node-a-gpu' },
        spec: {
          driver: 'gpu.nvidia.com',
          pool: { name: 'node-a', generation: 1, resourceSliceCount: 1 },
          nodeName: 'node-a',
          devices: [{ name: 'gpu-0', taints: [{ key: 'gpu.nvidia.com/xid', value: '48', effect: 'NoExecute' }] }],
        },
      },
    });
    await waitFor(
      () => w.events.length === 1,
      5000,
      () => 'slice event',
    );
    const spec = w.events[0]!.object.spec as { devices: { taints: { timeAdded?: string }[] }[] };
    expect(spec.devices[0]!.taints[0]!.timeAdded).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    w.stop();
  });

  it('forces 410 Expired on the next resumed watches when configured', async () => {
    h = await startHarness();
    const rv = String(h.server.store.resourceVersion);
    h.server.setFaults({ expireWatches: 1 });
    const first = await record(h, '/api/v1/pods', { resourceVersion: rv });
    await waitFor(
      () => first.state.done,
      5000,
      () => 'the expired stream to end',
    );
    expect(first.events.map((e) => `${e.type} ${String(e.object.code)}`)).toEqual(['ERROR 410']);
    const second = await record(h, '/api/v1/pods', { resourceVersion: rv });
    await h.core.createNamespacedPod({ namespace: 'default', body: podManifest('a') });
    await waitFor(
      () => second.events.length === 1,
      5000,
      () => 'the ADDED event',
    );
    expect(second.events[0]!.type).toBe('ADDED');
    second.stop();
  });
});
