// Issue 11, end to end: `--eviction-mode evict` through the built CLI against the simulated apiserver,
// which runs the eviction subresource and the disruption controller (PodDisruptionBudget status from the
// pods' Ready condition). A pod is removed with POST pods/<name>/eviction, never a DELETE of ours, unless
// its budget blocks it for --eviction-timeout: then a Warning event and a DELETE. A budget's refusal is
// retried, and a retry of one pod is not another eviction for the breaker.
//
// One controller serves the file, with a breaker of BREAKER_LIMIT: the first case's two evictions and the
// guarded pod's first attempt fill it; counting that pod's retry (the DELETE after the timeout) as a
// fourth would open the breaker and hold the pod for ever.

import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { JsonObject, RequestRecord } from '../../src/sim/index.js';
import { type CliProcess, CliProcesses, runArgs } from '../support/cliProcess.js';
import { scrape, waitForSample } from '../support/scrape.js';
import {
  addNodeSlice,
  addPdb,
  addWorkload,
  type E2eCluster,
  eventsFor,
  podExists,
  setDeviceTaints,
  startCluster,
  taintTimeAdded,
  unhealthy,
  type Workload,
} from '../support/simCluster.js';
import { waitFor } from '../support/waitFor.js';

const DEVICES = ['gpu-0', 'gpu-1'];
const EVICTION_TIMEOUT_MS = 4_000;
/** kubectl drain's pause after a budget's 429, which the controller keeps to. */
const BUDGET_RETRY_MS = 5_000;
const DEADLINE_MS = 30_000;
const BREAKER_OPEN = 'device_taint_eviction_controller_breaker_open';
const WINDOW_EVICTIONS = 'device_taint_evictor_breaker_window_evictions';
const BREAKER_LIMIT = 3;

const procs = new CliProcesses();
/** --eviction-mode evict --eviction-timeout 4s, and a breaker (see the header). */
let timed: { cluster: E2eCluster; controller: CliProcess; port: number };

beforeAll(async () => {
  const cluster = await startCluster();
  cluster.sim.store.ensureNamespace('dte-system');
  for (const node of ['node-free', 'node-spare', 'node-guarded']) addNodeSlice(cluster.sim, node, DEVICES);
  const controller = procs.start({
    args: runArgs(cluster.kubeconfig, [
      '--eviction-mode',
      'evict',
      '--eviction-timeout',
      `${EVICTION_TIMEOUT_MS / 1000}s`,
      '--breaker-max-evictions',
      String(BREAKER_LIMIT),
      '--breaker-namespace',
      'dte-system',
    ]),
    label: 'evict',
  });
  await controller.waitForMsg('Evicting');
  timed = { cluster, controller, port: await controller.opsPort() };
});

afterAll(async () => {
  await procs.stopAll();
  await timed?.cluster.close();
});

/** Two Ready pods labelled `app: <namespace>` on `node`, one per device. */
const readyPair = (cluster: E2eCluster, namespace: string, node: string): Workload[] =>
  DEVICES.map((device, i) =>
    addWorkload(cluster.sim, {
      namespace,
      name: `${namespace}-${i}`,
      node,
      device,
      labels: { app: namespace },
      ready: true,
    }),
  );

const describeCall = (r: RequestRecord): string =>
  `${r.verb} ${r.resource}${r.subresource === '' ? '' : `/${r.subresource}`} → ${r.code}`;
/** What the controller sent about `w`, in the apiserver's order. */
const callsFor = (cluster: E2eCluster, w: Workload): string[] =>
  cluster.sim.requests.recent({ namespace: w.namespace, name: w.name }).map(describeCall);

async function waitGone(c: { cluster: E2eCluster; controller: CliProcess }, w: Workload, timeoutMs = DEADLINE_MS) {
  await waitFor(
    () => !podExists(c.cluster.sim, w),
    timeoutMs,
    () => `${w.namespace}/${w.name} removed ${c.controller.tail()}`,
  );
  await c.controller.waitForLog((l) => l.msg === 'Pod evicted' && l.uid === w.uid, `"Pod evicted" for ${w.name}`);
}

describe('--eviction-mode evict', () => {
  test('a pod without a budget, and one whose budget allows it, are evicted through the subresource', async () => {
    const { cluster, controller } = timed;
    const free = addWorkload(cluster.sim, { namespace: 'free', name: 'free-0', node: 'node-free', device: 'gpu-0' });
    const spare = readyPair(cluster, 'spare', 'node-spare');
    // Two healthy pods, one needed: one disruption allowed.
    addPdb(cluster.sim, 'spare', 'spare-pdb', 'spare', 1);
    setDeviceTaints(cluster.sim, 'node-free', DEVICES, { 'gpu-0': [unhealthy] });
    setDeviceTaints(cluster.sim, 'node-spare', DEVICES, { 'gpu-0': [unhealthy] });
    await waitGone(timed, free);
    await waitGone(timed, spare[0]!);

    for (const w of [free, spare[0]!]) {
      // Condition patch, then the eviction; no DELETE of ours (the apiserver deletes the pod itself).
      expect(callsFor(cluster, w)).toEqual(['patch pods/status → 200', 'create pods/eviction → 201']);
      expect(eventsFor(cluster.sim, w).map((e) => `${e.type} ${e.reason}: ${e.message}`)).toEqual([
        'Normal DeviceTaintManagerEviction: Marking for deletion',
      ]);
      expect(controller.logsWith('Pod evicted')).toContainEqual(
        expect.objectContaining({ uid: w.uid, outcome: 'deleted', attempts: 1 }),
      );
    }
    expect(cluster.sim.requests.recent({ verb: 'delete', resource: 'pods' })).toEqual([]);
    // The budget was spent on it: the disruption controller saw one healthy pod of the two left.
    expect(podExists(cluster.sim, spare[1]!)).toBe(true);
    const pdbStatus = cluster.sim.store.get('poddisruptionbudgets.policy', 'spare', 'spare-pdb')?.status as JsonObject;
    expect(pdbStatus).toMatchObject({ currentHealthy: 1, desiredHealthy: 1, disruptionsAllowed: 0 });
  });

  test('a budget that blocks: refused with 429, retried, and after --eviction-timeout a Warning event and a DELETE', async () => {
    const { cluster, controller, port } = timed;
    const counted = (await scrape(port, WINDOW_EVICTIONS)) ?? 0;
    const [guarded, sibling] = readyPair(cluster, 'guarded', 'node-guarded');
    // Both pods must stay available: no disruption allowed.
    addPdb(cluster.sim, 'guarded', 'guarded-pdb', 'guarded', 2);
    setDeviceTaints(cluster.sim, 'node-guarded', DEVICES, { 'gpu-0': [unhealthy] });
    const timeAdded = taintTimeAdded(cluster.sim, 'node-guarded', 'gpu-0');

    await waitFor(
      () =>
        cluster.sim.requests.recent({ namespace: 'guarded', name: guarded!.name, subresource: 'eviction' }).length > 0,
      DEADLINE_MS,
      () => `an eviction request for ${guarded!.name} ${controller.tail()}`,
    );
    expect(podExists(cluster.sim, guarded!)).toBe(true);
    await waitGone(timed, guarded!);

    const evictions = cluster.sim.requests.recent({ namespace: 'guarded', subresource: 'eviction' });
    const [deletion, ...moreDeletes] = cluster.sim.requests.recent({ namespace: 'guarded', verb: 'delete' });
    console.log(
      `[e2e] evict mode, budget blocking: ${evictions.map((r) => `eviction → ${r.code} at +${r.receivedAt - timeAdded} ms`).join(', ')}; DELETE at +${deletion!.receivedAt - timeAdded} ms after the taint's timeAdded`,
    );
    expect(evictions.length).toBeGreaterThan(0);
    for (const r of evictions) expect(r.code).toBe(429);
    expect(moreDeletes).toEqual([]);
    expect(deletion).toMatchObject({ name: guarded!.name, code: 200 });
    // Not before the timeout (counted from the taint, when the eviction was due)…
    expect(deletion!.receivedAt - timeAdded).toBeGreaterThanOrEqual(EVICTION_TIMEOUT_MS);
    // …and the refusals were 5 s apart at least, as kubectl drain waits.
    for (let i = 1; i < evictions.length; i++)
      expect(evictions[i]!.receivedAt - evictions[i - 1]!.receivedAt).toBeGreaterThanOrEqual(BUDGET_RETRY_MS - 50);
    expect(deletion!.receivedAt - evictions.at(-1)!.receivedAt).toBeGreaterThanOrEqual(BUDGET_RETRY_MS - 50);

    await waitFor(
      () => eventsFor(cluster.sim, guarded!).some((e) => e.reason === 'DeviceTaintEvictionTimeout'),
      10_000,
      () => `a DeviceTaintEvictionTimeout event ${controller.tail()}`,
    );
    const events = eventsFor(cluster.sim, guarded!);
    expect(events.filter((e) => e.reason === 'DeviceTaintEvictionTimeout')).toEqual([
      expect.objectContaining({
        type: 'Warning',
        message: expect.stringMatching(
          /^The pod's disruption budget blocked its eviction for \d+s \(--eviction-timeout\)/,
        ),
        involvedObject: expect.objectContaining({ name: guarded!.name, uid: guarded!.uid }),
      }),
    ]);
    // "Marking for deletion" once per attempt that wrote (as upstream re-emits it on retries; the
    // executor's unit tests pin this down): the refused one, and the one that deleted. Correlated as
    // upstream's recorder does it: one Event, counted once per attempt (both are sent in the background).
    const marking = () => eventsFor(cluster.sim, guarded!).filter((e) => e.message === 'Marking for deletion');
    await waitFor(
      () => marking()[0]?.count === evictions.length + 1,
      10_000,
      () => `one Marking event counted ${evictions.length + 1} times: ${JSON.stringify(marking())}`,
    );
    expect(marking()).toHaveLength(1);
    expect(controller.logsWith('Pod evicted')).toContainEqual(
      expect.objectContaining({ uid: guarded!.uid, outcome: 'deleted', attempts: evictions.length + 1 }),
    );
    expect(podExists(cluster.sim, sibling!)).toBe(true);
    expect(callsFor(cluster, sibling!)).toEqual([]);

    // Every attempt went through the breaker; it counted the eviction once.
    expect(await scrape(port, WINDOW_EVICTIONS)).toBe(counted + 1);
    expect(await waitForSample(port, BREAKER_OPEN, (v) => v === 0)).toBe(0);
    expect(controller.logsWith('Eviction breaker OPEN: no eviction starts until an operator resets it')).toEqual([]);
  });
});
