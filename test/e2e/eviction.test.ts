// Issue 4, end to end: the built CLI (`node dist/cli/main.js run --kubeconfig …`) as a child process
// against the simulated apiserver on 127.0.0.1. One controller serves every case in this file; each
// case works on its own node and namespace, so their taints and request logs never mix.

import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { JsonObject, RequestRecord } from '../../src/sim/index.js';
import { type CliProcess, CliProcesses, runArgs } from '../support/cliProcess.js';
import { DELETION_LATENCY_COUNT, DELETIONS, httpGet, scrape, waitForSample } from '../support/scrape.js';
import {
  addNodeSlice,
  addWorkload,
  type E2eCluster,
  eventsFor,
  podExists,
  recordChanges,
  setDeviceTaints,
  startCluster,
  successfulDeletes,
  TAINT_KEY,
  taintTimeAdded,
  unhealthy,
  type Workload,
} from '../support/simCluster.js';
import { waitFor } from '../support/waitFor.js';

const DEVICES = ['gpu-0', 'gpu-1', 'gpu-2'];
const EVICTION_DEADLINE_MS = 30_000;

const procs = new CliProcesses();
let cluster: E2eCluster;
let controller: CliProcess;
/** Tainted and doomed before the controller starts (upstream's TestEviction/initial). */
let preTainted: Workload;

beforeAll(async () => {
  cluster = await startCluster();
  for (const node of ['node-initial', 'node-slice', 'node-delay', 'node-cancel', 'node-malformed', 'node-metrics']) {
    addNodeSlice(cluster.sim, node, DEVICES);
  }
  preTainted = addWorkload(cluster.sim, {
    namespace: 'initial',
    name: 'pre-tainted',
    node: 'node-initial',
    device: 'gpu-0',
  });
  setDeviceTaints(cluster.sim, 'node-initial', DEVICES, { 'gpu-0': [unhealthy] });
  controller = procs.start({ args: runArgs(cluster.kubeconfig), label: 'controller' });
  await controller.waitForMsg('Evicting');
});

afterAll(async () => {
  await procs.stopAll();
  await cluster?.close();
});

const gone = (w: Workload) => () => !podExists(cluster.sim, w);
const evictedLogs = (w: Workload) =>
  controller.logsWith('Pod evicted').filter((l) => l.pod === `${w.namespace}/${w.name}` && l.uid === w.uid);
/** Until the pod is gone from the apiserver and the controller has reported the eviction result. */
async function waitGone(w: Workload, timeoutMs = EVICTION_DEADLINE_MS): Promise<void> {
  await waitFor(gone(w), timeoutMs, () => `${w.namespace}/${w.name} deleted ${controller.tail()}`);
  await controller.waitForLog((l) => evictedLogs(w).includes(l), `"Pod evicted" for ${w.name}`);
}
/** Everything the controller sent about objects in `namespace` (list/watch are cluster-wide: namespace ''). */
const callsIn = (namespace: string): RequestRecord[] => cluster.sim.requests.recent({ namespace });
const describeCall = (r: RequestRecord): string =>
  `${r.method} ${r.resource}${r.subresource === '' ? '' : `/${r.subresource}`}${r.name === '' ? '' : ` ${r.name}`} → ${r.code}`;

describe('eviction through a ResourceSlice taint', () => {
  test('a taint present before the controller starts is acted on once the caches have synced', async () => {
    const synced = await controller.waitForMsg('Evicting');
    expect(synced.pendingEvictions).toBe(1);
    await waitGone(preTainted);
    expect(successfulDeletes(cluster.sim, preTainted)).toBe(1);
    // Nothing was written before the caches synced: the first write is this pod's status patch.
    const firstWrite = cluster.sim.requests
      .recent()
      .find((r) => r.verb !== 'list' && r.verb !== 'watch' && r.verb !== 'discovery');
    expect(firstWrite).toMatchObject({
      verb: 'patch',
      subresource: 'status',
      namespace: 'initial',
      name: preTainted.name,
    });
  });

  test('condition patched, one event, then deleted: three API calls for the evicted pod, none for the others', async () => {
    const ns = 'slice-taint';
    const victim = addWorkload(cluster.sim, { namespace: ns, name: 'victim', node: 'node-slice', device: 'gpu-0' });
    const foreverTolerating = addWorkload(cluster.sim, {
      namespace: ns,
      name: 'tolerates-forever',
      node: 'node-slice',
      device: 'gpu-0',
      tolerations: [{ key: TAINT_KEY, operator: 'Exists', effect: 'NoExecute' }],
    });
    const untainted = addWorkload(cluster.sim, {
      namespace: ns,
      name: 'untainted',
      node: 'node-slice',
      device: 'gpu-1',
    });
    const podChanges = recordChanges(cluster.sim, 'pods', ns);

    setDeviceTaints(cluster.sim, 'node-slice', DEVICES, { 'gpu-0': [unhealthy] });
    await waitGone(victim);
    podChanges.stop();

    // The DisruptionTarget condition reached the pod before it was deleted (what kubectl and the
    // Job controller see as the reason for the disruption).
    const victimChanges = podChanges.changes.filter((c) => (c.object.metadata as JsonObject).name === victim.name);
    expect(victimChanges.map((c) => c.type)).toEqual(['MODIFIED', 'DELETED']);
    const lastState = victimChanges[0]!.object;
    const conditions = (lastState.status as JsonObject).conditions as JsonObject[];
    expect(conditions).toContainEqual(
      expect.objectContaining({
        type: 'DisruptionTarget',
        status: 'True',
        reason: 'DeletionByDeviceTaintManager',
        message: 'Device Taint manager: deleting due to NoExecute taint',
      }),
    );

    // In the apiserver's order: status patch, event, delete — and nothing else for this namespace.
    const calls = callsIn(ns);
    expect(calls.map(describeCall)).toEqual([
      'PATCH pods/status victim → 200',
      'POST events → 201',
      'DELETE pods victim → 200',
    ]);
    const apiCallsPerEviction = calls.length;
    console.log(
      `[e2e] API calls per eviction (measured in the simulated apiserver's request log): ${apiCallsPerEviction} — ${calls.map(describeCall).join(', ')}`,
    );
    expect(apiCallsPerEviction).toBe(3);

    const events = eventsFor(cluster.sim, victim);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      type: 'Normal',
      reason: 'DeviceTaintManagerEviction',
      message: 'Marking for deletion',
      source: { component: 'device-taint-eviction-controller' },
      involvedObject: { apiVersion: 'v1', kind: 'Pod', namespace: ns, name: victim.name, uid: victim.uid },
    });

    expect(evictedLogs(victim)).toEqual([
      expect.objectContaining({
        outcome: 'deleted',
        reasons: ['slice:gpu.e2e.example.com/node-slice/node-slice-gpu.e2e.example.com/gpu-0#0'],
      }),
    ]);
    for (const bystander of [foreverTolerating, untainted]) {
      expect(podExists(cluster.sim, bystander)).toBe(true);
      expect(eventsFor(cluster.sim, bystander)).toEqual([]);
    }
  });
});

describe('delayed eviction and cancellation', () => {
  test('a claim tolerating the taint for 3 s keeps its pod until timeAdded + 3 s', async () => {
    const ns = 'delayed';
    const delayed = addWorkload(cluster.sim, {
      namespace: ns,
      name: 'tolerates-3s',
      node: 'node-delay',
      device: 'gpu-0',
      tolerations: [{ key: TAINT_KEY, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 3 }],
    });
    const taintedAt = Date.now();
    setDeviceTaints(cluster.sim, 'node-delay', DEVICES, { 'gpu-0': [unhealthy] });
    // The apiserver stamps timeAdded with whole seconds, so the deadline may come up to 1 s early
    // relative to our own clock, never early relative to timeAdded.
    const timeAdded = taintTimeAdded(cluster.sim, 'node-delay', 'gpu-0');

    await waitGone(delayed);
    const [deletion] = cluster.sim.requests.recent({ verb: 'delete', namespace: ns, name: delayed.name, code: 200 });
    expect(deletion).toBeDefined();
    expect(deletion!.time - timeAdded).toBeGreaterThanOrEqual(3_000);
    expect(deletion!.time - taintedAt).toBeGreaterThanOrEqual(2_000);
    expect(evictedLogs(delayed)).toEqual([expect.objectContaining({ outcome: 'deleted', attempts: 1 })]);
    console.log(`[e2e] pod tolerating 3 s deleted ${deletion!.time - timeAdded} ms after the taint's timeAdded`);
  });

  test('removing the taint within the toleration cancels the eviction with a "Cancelling deletion" event', async () => {
    const ns = 'cancel';
    const tolerating = addWorkload(cluster.sim, {
      namespace: ns,
      name: 'tolerates-60s',
      node: 'node-cancel',
      device: 'gpu-0',
      tolerations: [{ key: TAINT_KEY, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 60 }],
    });
    // Tainted in the same slice write: once it is gone, the controller has seen that write, so the
    // tolerating pod's eviction is pending.
    const sentinel = addWorkload(cluster.sim, {
      namespace: ns,
      name: 'sentinel',
      node: 'node-cancel',
      device: 'gpu-1',
    });
    setDeviceTaints(cluster.sim, 'node-cancel', DEVICES, { 'gpu-0': [unhealthy], 'gpu-1': [unhealthy] });
    await waitGone(sentinel);
    expect(podExists(cluster.sim, tolerating)).toBe(true);

    setDeviceTaints(cluster.sim, 'node-cancel', DEVICES, {});
    await waitFor(
      () => eventsFor(cluster.sim, tolerating).length > 0,
      EVICTION_DEADLINE_MS,
      () => `a cancellation event for ${tolerating.name} ${controller.tail()}`,
    );
    expect(eventsFor(cluster.sim, tolerating)).toEqual([
      expect.objectContaining({
        reason: 'DeviceTaintManagerEviction',
        message: 'Cancelling deletion',
        involvedObject: expect.objectContaining({ name: tolerating.name, uid: tolerating.uid }),
      }),
    ]);
    expect(controller.logsWith('Eviction cancelled')).toContainEqual(
      expect.objectContaining({ pod: `${ns}/${tolerating.name}`, uid: tolerating.uid }),
    );
    // Never touched: no condition patch, no delete, the pod still runs.
    expect(podExists(cluster.sim, tolerating)).toBe(true);
    expect(cluster.sim.requests.recent({ namespace: ns, name: tolerating.name })).toEqual([]);
    expect(evictedLogs(tolerating)).toEqual([]);
  });
});

describe('malformed objects', () => {
  test('are logged and quarantined; a later valid taint still evicts', async () => {
    const ns = 'malformed';
    cluster.sim.store.ensureNamespace(ns);
    cluster.sim.store.create(
      'pods',
      {
        metadata: { name: 'bad-pod', namespace: ns },
        spec: { nodeName: 'node-malformed', containers: [{ name: 'main', image: 'busybox' }], resourceClaims: 7 },
      },
      { keepStatus: true },
    );
    cluster.sim.store.create(
      'resourceclaims.resource.k8s.io',
      {
        metadata: { name: 'bad-claim', namespace: ns },
        spec: {},
        status: { allocation: { devices: { results: 'garbage' } }, reservedFor: [] },
      },
      { keepStatus: true },
    );
    cluster.sim.store.create('resourceslices.resource.k8s.io', {
      metadata: { name: 'bad-slice' },
      spec: { driver: 'gpu.e2e.example.com', pool: { name: 'bad-pool', generation: 1 }, devices: 'garbage' },
    });

    for (const [resource, key] of [
      ['pods', `${ns}/bad-pod`],
      ['resourceclaims', `${ns}/bad-claim`],
      ['resourceslices', 'bad-slice'],
    ] as const) {
      const line = await controller.waitForLog(
        (l) => l.msg.startsWith('malformed object:') && typeof l.key === 'string' && l.key.includes(key),
        `a malformed-object log line for ${key}`,
      );
      expect(String(line.resource)).toContain(resource);
    }

    const victim = addWorkload(cluster.sim, { namespace: ns, name: 'valid', node: 'node-malformed', device: 'gpu-0' });
    setDeviceTaints(cluster.sim, 'node-malformed', DEVICES, { 'gpu-0': [unhealthy] });
    await waitGone(victim);
    expect(evictedLogs(victim)).toEqual([expect.objectContaining({ outcome: 'deleted' })]);
    expect(controller.exitStatus).toBeNull();
    // The malformed objects are still there: the controller neither deleted nor wrote them.
    expect(cluster.sim.requests.recent({ namespace: ns, name: 'bad-pod' })).toEqual([]);
  });
});

describe('ops endpoint', () => {
  test('/readyz and /healthz answer 200 after sync; /metrics counts every deletion', async () => {
    const port = await controller.opsPort();
    expect(await httpGet(port, '/readyz')).toEqual({ status: 200, body: 'ok\n' });
    expect((await httpGet(port, '/healthz')).status).toBe(200);

    const before = (await scrape(port, DELETIONS)) ?? 0;
    const ns = 'metrics';
    const victims = ['gpu-0', 'gpu-1'].map((device, i) =>
      addWorkload(cluster.sim, { namespace: ns, name: `metered-${i}`, node: 'node-metrics', device }),
    );
    setDeviceTaints(cluster.sim, 'node-metrics', DEVICES, { 'gpu-0': [unhealthy], 'gpu-1': [unhealthy] });
    for (const v of victims) await waitGone(v);

    // Metrics follow the eviction results a moment later: wait on the counter, then compare it with
    // what the apiserver saw — every pod this controller deleted, in every case of this file.
    const after = await waitForSample(port, DELETIONS, (v) => v === before + victims.length);
    const deletedByApi = cluster.sim.requests.count({ verb: 'delete', resource: 'pods', code: 200 });
    expect(after).toBe(deletedByApi);
    expect(await scrape(port, DELETION_LATENCY_COUNT)).toBe(after);
    for (const v of victims) expect(successfulDeletes(cluster.sim, v)).toBe(1);
    console.log(`[e2e] ${DELETIONS} ${after} after ${deletedByApi} pod deletions seen by the apiserver`);
  });
});
