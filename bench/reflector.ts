// Read-side benchmark against the simulated apiserver on 127.0.0.1:
//  1. initial sync: paginated list + projection of a seeded GPU cluster (pods, claims, slices) by our
//     Reflector, with the retained heap of the projected pod store;
//  2. watch throughput: N pod creations streamed to (a) our undici stream + Reflector and (b) client-node's
//     Watch (node-fetch), counting events until all arrived.
// Usage: npx tsx bench/reflector.ts [pods=20000] [watchEvents=10000]

import { KubeConfig, Watch } from '@kubernetes/client-node';
import { HttpReadTransport } from '../src/kube/readTransport.js';
import { Reflector } from '../src/kube/reflector.js';
import { claimsResource, podsResource, type StoredRecord, slicesResource } from '../src/kube/resources.js';
import type { PodRecord } from '../src/shared/types.js';
import { seedCluster, startSimServer } from '../src/sim/index.js';
import { waitFor } from '../test/support/waitFor.js';

const pods = Number(process.argv[2] ?? 20_000);
const watchEvents = Number(process.argv[3] ?? 10_000);
const gc = (globalThis as { gc?: () => void }).gc;

const sim = await startSimServer({ port: 0, bookmarkIntervalMs: 1_000, watchHistory: watchEvents * 3 });
const seeded = seedCluster(sim.store, { nodes: Math.max(1, Math.ceil(pods / 8)), pods });
console.log(`seeded ${seeded.pods} pods, ${seeded.claims} claims, ${seeded.slices} slices in ${seeded.durationMs} ms`);
const kc = new KubeConfig();
kc.loadFromString(sim.kubeconfigYaml());
const transport = await HttpReadTransport.fromKubeConfig(kc);

async function sync<T extends StoredRecord>(name: string, r: Reflector<T>): Promise<void> {
  const t0 = performance.now();
  r.start();
  await r.synced;
  const ms = performance.now() - t0;
  console.log(
    `sync ${name}: ${r.size} objects, ${r.counters.listPages} pages in ${ms.toFixed(0)} ms = ${Math.round((r.size / ms) * 1000)}/s`,
  );
}

gc?.();
const heapBefore = process.memoryUsage().heapUsed;
const podReflector = new Reflector<PodRecord>({ transport, resource: podsResource });
await sync('pods', podReflector);
gc?.();
const heapAfter = process.memoryUsage().heapUsed;
if (gc)
  console.log(
    `retained heap of projected pod store: ${((heapAfter - heapBefore) / podReflector.size).toFixed(0)} B/pod`,
  );
const claimReflector = new Reflector({ transport, resource: claimsResource('v1') });
await sync('claims', claimReflector);
const sliceReflector = new Reflector({ transport, resource: slicesResource('v1') });
await sync('slices', sliceReflector);

// Watch throughput: ours (the pod reflector's watch is already open).
await waitFor(
  () => sim.activeWatches >= 3,
  120_000,
  () => 'three watches',
  2,
);
let ours = 0;
podReflector.addEventHandler({ added: () => ours++ });
let theirs = 0;
const watch = new Watch(kc);
const ctl = await watch.watch(
  '/api/v1/pods',
  { resourceVersion: podReflector.lastSyncResourceVersion, allowWatchBookmarks: true },
  (type) => {
    if (type === 'ADDED') theirs++;
  },
  () => {},
);
await waitFor(
  () => sim.activeWatches >= 4,
  120_000,
  () => 'four watches',
  2,
);
const t0 = performance.now();
let oursDone = 0;
let theirsDone = 0;
for (let i = 0; i < watchEvents; i++) {
  sim.store.create('pods', {
    metadata: { name: `w-${i}`, namespace: 'default' },
    spec: { nodeName: 'n', containers: [] },
  });
  if (i % 500 === 0) await new Promise((r) => setImmediate(r));
}
const created = performance.now() - t0;
await waitFor(
  () => {
    const now = performance.now();
    if (ours >= watchEvents && oursDone === 0) oursDone = now;
    if (theirs >= watchEvents && theirsDone === 0) theirsDone = now;
    return oursDone > 0 && theirsDone > 0;
  },
  120_000,
  () => `every watch event (ours ${ours}, theirs ${theirs})`,
  2,
);
console.log(`created ${watchEvents} pods in ${created.toFixed(0)} ms`);
console.log(
  `watch, undici stream + projection + store: ${Math.round(watchEvents / ((oursDone - t0) / 1000))} events/s`,
);
console.log(
  `watch, client-node Watch (parse only):     ${Math.round(watchEvents / ((theirsDone - t0) / 1000))} events/s`,
);
ctl.abort();
await Promise.all([podReflector.stop(), claimReflector.stop(), sliceReflector.stop()]);
await transport.close();
await sim.close();
