// A reflector whose list pages are decoded in the piscina pool, against the simulated apiserver over
// HTTP on 127.0.0.1, side by side with one that decodes on the main thread: same store, same events,
// same malformed-object handling, on the first list and on a 410 relist; watch events bypass the pool.

import { KubeConfig } from '@kubernetes/client-node';
import { afterEach, describe, expect, it } from 'vitest';
import { InlinePageDecoder } from '../../../src/kube/pageDecode/pageDecoder.js';
import { PooledPageDecoder } from '../../../src/kube/pageDecode/pool.js';
import { HttpReadTransport } from '../../../src/kube/readTransport.js';
import { Reflector, type ReflectorOptions } from '../../../src/kube/reflector.js';
import { podsResource, type StoredRecord } from '../../../src/kube/resources.js';
import { RecordingLogger } from '../../../src/shared/logger.js';
import type { PodRecord } from '../../../src/shared/types.js';
import { type SimServer, startSimServer } from '../../../src/sim/index.js';
import { waitFor } from '../../support/waitFor.js';

const FAST_BACKOFF = { initialMs: 10, maxMs: 100, factor: 2, jitter: 0.5, resetAfterMs: 1_000 };

const pod = (i: number) => ({
  metadata: { name: `p-${String(i).padStart(4, '0')}`, namespace: `team-${i % 3}` },
  spec: {
    nodeName: `node-${i % 7}`,
    containers: [{ name: 'c', image: 'x' }],
    resourceClaims: [{ name: 'gpu', resourceClaimName: `claim-${i}` }],
  },
});

describe('Reflector with the pooled page decoder', () => {
  const cleanup: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const fn of cleanup.splice(0).reverse()) await fn();
  });

  async function start() {
    const server = await startSimServer({ port: 0, bookmarkIntervalMs: 50, watchHistory: 100 });
    cleanup.push(() => server.close());
    const kc = new KubeConfig();
    kc.loadFromString(server.kubeconfigYaml());
    const transport = await HttpReadTransport.fromKubeConfig(kc);
    cleanup.push(() => transport.close());
    return { server, transport };
  }

  function reflect(transport: HttpReadTransport, opts: Partial<ReflectorOptions<PodRecord>> = {}) {
    const log = new RecordingLogger();
    const events: string[] = [];
    const reflector = new Reflector<PodRecord>({
      transport,
      resource: podsResource,
      log,
      backoff: FAST_BACKOFF,
      minHealthyWatchMs: 20,
      pageSize: 500,
      handlers: {
        added: (r) => events.push(`added ${r.namespace}/${r.name}`),
        updated: (o, c) => events.push(`updated ${c.namespace}/${o.name} ${o.nodeName}->${c.nodeName}`),
        deleted: (r) => events.push(`deleted ${r.namespace}/${r.name}`),
      },
      ...opts,
    });
    cleanup.push(() => reflector.stop());
    reflector.start();
    const malformed = () =>
      log.lines
        .filter((l) => l.msg === 'malformed object: dropped from the cache until a readable version arrives')
        .map((l) => l.fields);
    return { reflector, events, malformed };
  }

  const store = (r: Reflector<StoredRecord>) => [...r.keys()].map((k) => [k, r.get(k)]);

  function seed(server: SimServer, pods: number): void {
    for (let n = 0; n < 3; n++) server.store.ensureNamespace(`team-${n}`);
    for (let i = 0; i < pods; i++) server.store.create('pods', pod(i), { keepStatus: true });
    // Malformed, but keyable: not cached (pods have no fallback), logged with its key.
    server.store.create('pods', {
      metadata: { name: 'bad-claims', namespace: 'team-0' },
      spec: { containers: [], resourceClaims: 'garbage' },
    });
  }

  it('syncs 1,200 pods through the pool exactly like the main-thread path, then watches on the main thread', async () => {
    const { server, transport } = await start();
    seed(server, 1_200);
    const decoder = new PooledPageDecoder({ threads: 1, minPooledBytes: 0 });
    cleanup.push(() => decoder.close());
    const pooled = reflect(transport, { decoder });
    const plain = reflect(transport);
    await Promise.all([pooled.reflector.synced, plain.reflector.synced]);

    expect(decoder.counts.pooled).toBe(3);
    expect(pooled.reflector.size).toBe(1_200);
    expect(pooled.reflector.counters.listPages).toBe(3);
    expect(store(pooled.reflector)).toEqual(store(plain.reflector));
    expect(pooled.events).toEqual(plain.events);
    expect(pooled.reflector.lastSyncResourceVersion).toBe(plain.reflector.lastSyncResourceVersion);
    expect(pooled.reflector.counters.malformedSkipped).toBe(1);
    expect(pooled.malformed()).toEqual(plain.malformed());
    expect(pooled.malformed()).toEqual([
      {
        resource: 'v1/pods',
        phase: 'list',
        key: 'team-0/bad-claims',
        error: '$.spec.resourceClaims: expected array, got string',
      },
    ]);

    await waitFor(() => server.activeWatches === 2);
    server.store.create('pods', pod(5_000));
    await waitFor(() => pooled.events.length === 1_201 && plain.events.length === 1_201);
    expect(pooled.events.at(-1)).toBe('added team-2/p-5000');
    expect(decoder.counts.pooled).toBe(3);
  });

  it('relists after 410 through the pool: updates first, then deletes the vanished pod and the now-malformed one (dropped, not kept)', async () => {
    const { server, transport } = await start();
    seed(server, 600);
    const decoder = new PooledPageDecoder({ threads: 2, minPooledBytes: 0 });
    cleanup.push(() => decoder.close());
    const pooled = reflect(transport, { decoder });
    const plain = reflect(transport, { decoder: new InlinePageDecoder() });
    await Promise.all([pooled.reflector.synced, plain.reflector.synced]);
    pooled.events.length = 0;
    plain.events.length = 0;

    server.setFaults({ verbs: { watch: { errorRate: 1, code: 500 } } });
    server.dropWatches();
    await waitFor(() => pooled.reflector.counters.errors >= 1 && plain.reflector.counters.errors >= 1);
    server.store.delete('pods', 'team-1', 'p-0001');
    server.store.patch('pods', 'team-2', 'p-0002', 'merge', { spec: { nodeName: 'node-99' } });
    server.store.patch('pods', 'team-0', 'p-0003', 'merge', { spec: { resourceClaims: 'garbage' } });
    server.store.compactHistory();
    server.setFaults({});
    await waitFor(
      () => pooled.reflector.counters.relists === 1 && plain.reflector.counters.relists === 1,
      10_000,
      () => JSON.stringify([pooled.reflector.counters, plain.reflector.counters]),
    );

    // Listed objects first, then deletions in store order; the pod that no longer projects is
    // quarantined by dropping it, exactly like one that vanished (src/kube/reflector.ts header).
    expect(pooled.events).toEqual([
      'updated team-2/p-0002 node-2->node-99',
      'deleted team-0/p-0003',
      'deleted team-1/p-0001',
    ]);
    expect(pooled.events).toEqual(plain.events);
    expect(pooled.reflector.get('team-0/p-0003')).toBeUndefined();
    expect(plain.reflector.get('team-0/p-0003')).toBeUndefined();
    expect(pooled.reflector.size).toBe(598);
    expect(store(pooled.reflector)).toEqual(store(plain.reflector));
    expect(pooled.malformed()).toEqual(plain.malformed());
    expect(pooled.malformed().at(-1)).toMatchObject({ key: 'team-0/p-0003', phase: 'list' });
    // 2 pages for the first list, 2 for the relist; the in-line reflector decoded its 4 on the main thread.
    expect(decoder.counts.pooled).toBe(4);
  });
});
