// The whole read side wired together against the simulated apiserver: kubeconfig file → transport →
// discovery → one informer per resource → cache sync.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { discoverApis, resourcesFor } from '../../src/kube/discovery.js';
import { InformerSet } from '../../src/kube/informers.js';
import { loadKubeconfig } from '../../src/kube/kubeconfig.js';
import { HttpReadTransport } from '../../src/kube/readTransport.js';
import { type SimServerOptions, startSimServer } from '../../src/sim/index.js';
import { waitFor } from '../support/waitFor.js';

const FAST = {
  backoff: { initialMs: 10, maxMs: 50, factor: 2, jitter: 0.5, resetAfterMs: 1_000 },
  minHealthyWatchMs: 20,
};

describe('InformerSet', () => {
  const cleanup: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const fn of cleanup.splice(0).reverse()) await fn();
  });

  async function connect(opts: SimServerOptions) {
    const sim = await startSimServer({ port: 0, bookmarkIntervalMs: 50, ...opts });
    cleanup.push(() => sim.close());
    const dir = mkdtempSync(path.join(tmpdir(), 'informers-'));
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    const file = path.join(dir, 'kubeconfig');
    await sim.writeKubeconfig(file);
    const { kc } = loadKubeconfig({ kubeconfig: file, env: {} });
    const transport = await HttpReadTransport.fromKubeConfig(kc);
    cleanup.push(() => transport.close());
    return { sim, transport };
  }

  it('discovers, lists and watches every resource at the served versions', async () => {
    const { sim, transport } = await connect({ draVersions: ['v1beta2'], ruleVersions: ['v1beta2', 'v1alpha3'] });
    sim.store.create('pods', { metadata: { name: 'p' }, spec: { nodeName: 'n', containers: [] } });
    sim.store.create('resourceclaims.resource.k8s.io', {
      metadata: { name: 'c' },
      spec: { devices: { requests: [] } },
    });
    sim.store.create('deviceclasses.resource.k8s.io', { metadata: { name: 'gpu' }, spec: {} });
    sim.store.create('devicetaintrules.resource.k8s.io', {
      metadata: { name: 'r' },
      spec: { deviceSelector: {}, taint: { key: 'k', effect: 'None' } },
    });
    const informers = new InformerSet(transport, resourcesFor(await discoverApis(transport)), FAST);
    cleanup.push(() => informers.stop());
    expect(informers.rules?.id).toBe('resource.k8s.io/v1beta2/devicetaintrules');
    expect(informers.podGroups).toBeNull();
    const added: string[] = [];
    informers.rules?.addEventHandler({ added: (r) => added.push(`${r.name}:${JSON.stringify(r.selector)}`) });
    informers.start();
    await informers.waitForSync(5_000);
    expect(informers.hasSynced()).toBe(true);
    expect(added).toEqual(['r:{}']);
    expect(informers.pods.get('default/p')?.nodeName).toBe('n');
    expect(informers.claims.get('default/c')?.allocation).toBeNull();
    expect(informers.deviceClasses?.size).toBe(1);
    expect(Object.keys(informers.counters()).sort()).toEqual([
      'resource.k8s.io/v1beta2/deviceclasses',
      'resource.k8s.io/v1beta2/devicetaintrules',
      'resource.k8s.io/v1beta2/resourceclaims',
      'resource.k8s.io/v1beta2/resourceslices',
      'v1/pods',
    ]);
    sim.store.create('resourceslices.resource.k8s.io', {
      metadata: { name: 's' },
      spec: { driver: 'd', nodeName: 'n', pool: { name: 'n', generation: 1, resourceSliceCount: 1 }, devices: [] },
    });
    await waitFor(() => informers.slices.size === 1);
  });

  it('attach() routes every resource to the consumer, initial list included', async () => {
    const { sim, transport } = await connect({});
    sim.store.create('pods', { metadata: { name: 'p' }, spec: { nodeName: 'n', containers: [] } });
    const informers = new InformerSet(transport, resourcesFor(await discoverApis(transport)), FAST);
    cleanup.push(() => informers.stop());
    const calls: string[] = [];
    const record =
      (name: string) =>
      (...recs: { name: string }[]) =>
        calls.push(`${name} ${recs.map((r) => r.name).join(' ')}`);
    informers.attach({
      podAdded: record('podAdded'),
      podUpdated: record('podUpdated'),
      podDeleted: record('podDeleted'),
      claimAdded: record('claimAdded'),
      claimUpdated: record('claimUpdated'),
      claimDeleted: record('claimDeleted'),
      sliceAdded: record('sliceAdded'),
      sliceUpdated: record('sliceUpdated'),
      sliceDeleted: record('sliceDeleted'),
      ruleAdded: record('ruleAdded'),
      ruleUpdated: record('ruleUpdated'),
      ruleDeleted: record('ruleDeleted'),
      podGroupAdded: record('podGroupAdded'),
      podGroupUpdated: record('podGroupUpdated'),
      podGroupDeleted: record('podGroupDeleted'),
    });
    informers.start();
    await informers.waitForSync(5_000);
    expect(calls).toEqual(['podAdded p']);
    sim.store.create('resourceclaims.resource.k8s.io', { metadata: { name: 'c' }, spec: {} });
    sim.store.create('devicetaintrules.resource.k8s.io', {
      metadata: { name: 'r' },
      spec: { taint: { key: 'k', effect: 'NoExecute' } },
    });
    sim.store.create('resourceslices.resource.k8s.io', {
      metadata: { name: 's' },
      spec: { driver: 'd', pool: { name: 'p', generation: 1, resourceSliceCount: 1 }, devices: [] },
    });
    sim.store.patch('pods', 'default', 'p', 'merge', { spec: { nodeName: 'n' }, metadata: { labels: { a: 'b' } } });
    sim.store.delete('resourceclaims.resource.k8s.io', 'default', 'c');
    await waitFor(
      () => calls.length === 6,
      5_000,
      () => JSON.stringify(calls),
    );
    expect(calls.slice(1).sort()).toEqual([
      'claimAdded c',
      'claimDeleted c',
      'podUpdated p p',
      'ruleAdded r',
      'sliceAdded s',
    ]);
  });

  it('waitForSync names the informer that cannot sync', async () => {
    const { transport, sim } = await connect({ ruleVersions: [] });
    sim.setFaults({ verbs: { list: { errorRate: 1, code: 403, resources: ['resourceclaims'] } } });
    const informers = new InformerSet(transport, resourcesFor(await discoverApis(transport)), FAST);
    cleanup.push(() => informers.stop());
    expect(informers.rules).toBeNull();
    informers.start();
    await expect(informers.waitForSync(500)).rejects.toThrow(
      /^informers not synced after 500 ms: resource\.k8s\.io\/v1\/resourceclaims$/,
    );
    expect(informers.claims.counters.errors).toBeGreaterThan(0);
  });
});
