// The reflector against the simulated apiserver over real HTTP on 127.0.0.1: pagination, watch
// resume, 410 relists, injected 5xx/429, malformed objects and silent watches. Real (short) timeouts,
// but every wait is on a condition with a deadline, never a sleep.

import { KubeConfig } from '@kubernetes/client-node';
import { afterEach, describe, expect, it } from 'vitest';
import { HttpReadTransport } from '../../src/kube/readTransport.js';
import { Reflector, type ReflectorOptions } from '../../src/kube/reflector.js';
import { podsResource, type StoredRecord, slicesResource } from '../../src/kube/resources.js';
import { RecordingLogger } from '../../src/shared/logger.js';
import type { PodRecord, SliceRecord } from '../../src/shared/types.js';
import { type SimServerOptions, startSimServer } from '../../src/sim/index.js';
import { waitFor } from '../support/waitFor.js';

const FAST_BACKOFF = { initialMs: 10, maxMs: 100, factor: 2, jitter: 0.5, resetAfterMs: 1_000 };

const pod = (name: string, nodeName = 'node-1') => ({
  metadata: { name, namespace: 'default' },
  spec: { nodeName, containers: [{ name: 'c', image: 'x' }] },
});

describe('Reflector against the simulated apiserver', () => {
  const cleanup: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const fn of cleanup.splice(0).reverse()) await fn();
  });

  async function sim(opts: SimServerOptions = {}) {
    const server = await startSimServer({ port: 0, bookmarkIntervalMs: 50, watchHistory: 100, ...opts });
    cleanup.push(() => server.close());
    const kc = new KubeConfig();
    kc.loadFromString(server.kubeconfigYaml());
    const transport = await HttpReadTransport.fromKubeConfig(kc);
    cleanup.push(() => transport.close());
    return { server, transport };
  }

  function reflect<T extends StoredRecord>(
    server: { transport: HttpReadTransport },
    opts: Omit<ReflectorOptions<T>, 'transport'>,
  ) {
    const log = new RecordingLogger();
    const events: string[] = [];
    const reflector = new Reflector<T>({
      transport: server.transport,
      log,
      backoff: FAST_BACKOFF,
      minHealthyWatchMs: 20,
      handlers: {
        added: (r) => events.push(`added ${r.name}`),
        updated: (o, c) => events.push(`updated ${o.name} ${o.resourceVersion}->${c.resourceVersion}`),
        deleted: (r) => events.push(`deleted ${r.name}`),
      },
      ...opts,
    });
    cleanup.push(() => reflector.stop());
    reflector.start();
    return { reflector, events, log };
  }

  it('syncs 1,200 pods in 3 pages of 500, then streams add/update/delete with old and new', async () => {
    const { server, transport } = await sim();
    for (let i = 0; i < 1_200; i++)
      server.store.create('pods', pod(`p-${String(i).padStart(4, '0')}`), { keepStatus: true });
    const { reflector, events } = reflect<PodRecord>({ transport }, { resource: podsResource, pageSize: 500 });
    await reflector.synced;
    expect(reflector.size).toBe(1_200);
    expect(reflector.counters.listPages).toBe(3);
    expect(new Set(events).size).toBe(1_200);
    expect(reflector.lastSyncResourceVersion).toBe(String(server.store.resourceVersion));

    events.length = 0;
    const updates: [PodRecord, PodRecord][] = [];
    reflector.addEventHandler({ updated: (o, c) => updates.push([o, c]) });
    server.store.create('pods', pod('new-pod'));
    server.store.patch('pods', 'default', 'p-0001', 'merge', { spec: { nodeName: 'node-2' } });
    server.store.delete('pods', 'default', 'p-0002');
    await waitFor(
      () => events.length === 3,
      5_000,
      () => JSON.stringify(events),
    );
    expect(events[0]).toBe('added new-pod');
    expect(events[1]).toMatch(/^updated p-0001 /);
    expect(events[2]).toBe('deleted p-0002');
    expect(updates[0]![0].nodeName).toBe('node-1');
    expect(updates[0]![1].nodeName).toBe('node-2');
    expect(reflector.get('default/p-0002')).toBeUndefined();
    expect(reflector.size).toBe(1_200);
  });

  it('resumes after a watch drop without relisting and without duplicate adds', async () => {
    const { server, transport } = await sim();
    for (const n of ['a', 'b', 'c']) server.store.create('pods', pod(n));
    const { reflector, events } = reflect<PodRecord>({ transport }, { resource: podsResource });
    await reflector.synced;
    server.store.create('pods', pod('d'));
    await waitFor(() => events.includes('added d'));
    const starts = reflector.counters.watchStarts;
    server.dropWatches();
    await waitFor(() => reflector.counters.watchStarts > starts && server.activeWatches === 1);
    server.store.create('pods', pod('e'));
    await waitFor(() => events.includes('added e'));
    expect(events).toEqual(['added a', 'added b', 'added c', 'added d', 'added e']);
    expect(reflector.counters.lists).toBe(1);
  });

  it('after history expired while disconnected, relists: updates the changed and adds the new first, then deletes the vanished', async () => {
    const { server, transport } = await sim();
    for (const n of ['keep', 'change', 'vanish']) server.store.create('pods', pod(n));
    const { reflector, events } = reflect<PodRecord>({ transport }, { resource: podsResource });
    await reflector.synced;
    events.length = 0;
    // Disconnect: every watch request now fails, so the reflector sits in backoff.
    server.setFaults({ verbs: { watch: { errorRate: 1, code: 500 } } });
    server.dropWatches();
    await waitFor(() => reflector.counters.errors >= 1);
    server.store.delete('pods', 'default', 'vanish');
    server.store.patch('pods', 'default', 'change', 'merge', { spec: { nodeName: 'node-9' } });
    server.store.create('pods', pod('fresh'));
    server.store.compactHistory();
    server.setFaults({});
    await waitFor(
      () => reflector.counters.relists === 1,
      5_000,
      () => JSON.stringify(reflector.counters),
    );
    // client-go's DeltaFIFO.Replace order: changes in list (key) order first, then the deletions of
    // objects missing from the list; the unchanged pod produces nothing.
    expect(events).toEqual([expect.stringMatching(/^updated change \d+->\d+$/), 'added fresh', 'deleted vanish']);
    expect(reflector.get('default/change')?.nodeName).toBe('node-9');
    expect(reflector.counters.goneErrors).toBeGreaterThanOrEqual(1);
  });

  it('survives injected 500 and 429 responses on list and watch with backoff', async () => {
    const { server, transport } = await sim({
      faults: {
        seed: 7,
        verbs: { list: { errorRate: 0.4, code: 500 }, watch: { errorRate: 0.5, code: 429 } },
      },
    });
    for (let i = 0; i < 30; i++) server.store.create('pods', pod(`p${i}`));
    const { reflector, events } = reflect<PodRecord>({ transport }, { resource: podsResource, pageSize: 10 });
    await reflector.synced;
    for (let i = 30; i < 40; i++) server.store.create('pods', pod(`p${i}`));
    await waitFor(
      () => reflector.size === 40,
      10_000,
      () => `size ${reflector.size}`,
    );
    expect(new Set(events).size).toBe(events.length);
    expect(reflector.counters.errors).toBeGreaterThan(0);
    expect(server.requests.count({ verb: 'list' })).toBeGreaterThan(reflector.counters.listPages);
  });

  it('caches a malformed slice as a device-less placeholder of its pool generation, logs it, and keeps delivering on the same watch', async () => {
    const { server, transport } = await sim();
    const { reflector, events, log } = reflect<SliceRecord>({ transport }, { resource: slicesResource('v1') });
    await reflector.synced;
    await waitFor(() => server.activeWatches === 1);
    const starts = reflector.counters.watchStarts;
    server.store.create('resourceslices.resource.k8s.io', {
      metadata: { name: 'bad-slice' },
      spec: {
        driver: 'gpu.nvidia.com',
        pool: { name: 'n1', generation: 1, resourceSliceCount: 1 },
        devices: 'garbage',
      },
    });
    server.store.create('resourceslices.resource.k8s.io', {
      metadata: { name: 'good-slice' },
      spec: {
        driver: 'gpu.nvidia.com',
        nodeName: 'n1',
        pool: { name: 'n1', generation: 1, resourceSliceCount: 1 },
        devices: [{ name: 'gpu-0', taints: [{ key: 'gpu.nvidia.com/xid', value: '79', effect: 'NoExecute' }] }],
      },
    });
    await waitFor(() => events.includes('added good-slice'));
    // Quarantine (src/kube/reflector.ts): the slice keeps its name, driver, pool and generation, so
    // it still counts in its pool, but publishes no devices (none of its taints can act).
    expect(events).toEqual(['added bad-slice', 'added good-slice']);
    expect(reflector.get('bad-slice')).toMatchObject({
      name: 'bad-slice',
      driver: 'gpu.nvidia.com',
      pool: 'n1',
      generation: 1,
      devices: [],
    });
    expect(reflector.counters.malformedSkipped).toBe(1);
    expect(reflector.counters.watchStarts).toBe(starts);
    expect(
      log.lines.find(
        (l) => l.msg === 'malformed object: caching it without its devices until a readable version arrives',
      )?.fields,
    ).toMatchObject({
      key: 'bad-slice',
      phase: 'watch',
      error: '$.spec.devices: expected array, got string',
    });
    // timeAdded was defaulted by the server and parsed into ms.
    expect(reflector.get('good-slice')?.devices[0]?.taints[0]?.timeAdded).toEqual(expect.any(Number));
  });

  it('restarts a watch that goes silent (no events, no bookmarks) and keeps receiving', async () => {
    const { server, transport } = await sim({ bookmarkIntervalMs: 60_000 });
    const { reflector, events } = reflect<PodRecord>({ transport }, { resource: podsResource, silentWatchMs: 150 });
    await reflector.synced;
    await waitFor(() => reflector.counters.silentWatchRestarts >= 2);
    server.store.create('pods', pod('late'));
    await waitFor(() => events.includes('added late'));
    expect(reflector.counters.lists).toBe(1);
    expect(reflector.counters.errors).toBe(0);
  });

  it('reads v1beta1 slices through the `basic` wrapper when that is the served version', async () => {
    const { server, transport } = await sim({ draVersions: ['v1beta1'] });
    server.store.create('resourceslices.resource.k8s.io', {
      metadata: { name: 's1' },
      spec: {
        driver: 'gpu.nvidia.com',
        nodeName: 'n1',
        pool: { name: 'n1', generation: 4, resourceSliceCount: 1 },
        devices: [
          { name: 'gpu-0', taints: [{ key: 'k', value: 'v', effect: 'NoExecute', timeAdded: '2000-01-01T00:00:00Z' }] },
        ],
      },
    });
    const { reflector } = reflect<SliceRecord>({ transport }, { resource: slicesResource('v1beta1') });
    await reflector.synced;
    expect(reflector.get('s1')).toMatchObject({
      generation: 4,
      devices: [
        { name: 'gpu-0', taints: [{ key: 'k', value: 'v', effect: 'NoExecute', timeAdded: Date.UTC(2000, 0, 1) }] },
      ],
    });
  });
});
