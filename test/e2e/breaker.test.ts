// Issue 11, end to end: the blast-radius breaker through the built CLI against the simulated apiserver.
// A runaway DeviceTaintRule (`deviceSelector: {}`, NoExecute) over twelve pods with
// `--breaker-max-evictions 3`: exactly three are evicted, then the breaker opens — log line, ConfigMap
// record, Warning events, metric — and holds the rest, across a restart of the controller, until an
// operator runs `device-taint-evictor breaker reset`; what was cancelled meanwhile stays cancelled.
//
// The cases run in order on one cluster: each picks up the state the previous one left.

import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { JsonObject } from '../../src/sim/index.js';
import { type CliProcess, CliProcesses, runArgs, runCommand } from '../support/cliProcess.js';
import { scrape, scrapeSum, waitForSample } from '../support/scrape.js';
import {
  addNodeSlice,
  addRule,
  addWorkload,
  deviceNames as devices,
  type E2eCluster,
  eventsFor,
  podExists,
  RULES,
  setDeviceTaints,
  startCluster,
  successfulDeletes,
  unhealthy,
  type Workload,
} from '../support/simCluster.js';
import { waitFor } from '../support/waitFor.js';

const BREAKER_NS = 'dte-system';
const BREAKER_NAME = 'device-taint-evictor-breaker';
const LIMIT = 3;
const RULE = 'drain-everything';
const OPEN_MSG = 'Eviction breaker OPEN: no eviction starts until an operator resets it';
const RESTORED_MSG = 'Eviction breaker is open (from the cluster record): no eviction starts until it is reset';
const RESET_MSG = 'Eviction breaker reset: releasing the held evictions; the window counts afresh';
const BREAKER_OPEN = 'device_taint_eviction_controller_breaker_open';
const BREAKER_LIMIT = 'device_taint_evictor_breaker_limit';
const WINDOW_EVICTIONS = 'device_taint_evictor_breaker_window_evictions';
const QUEUE_DEPTH = 'device_taint_evictor_queue_depth';
const QUEUE_RUNNING = 'device_taint_evictor_queue_running';
const KEEPER_TICK_MS = 2_000;
const DEADLINE_MS = 30_000;

const procs = new CliProcesses();
let cluster: E2eCluster;
let controller: CliProcess;
let port: number;
let ruleUid: string;
/** Four pods on node-a in team-a, eight on node-b in team-b: every one uses a device the rule selects. */
let teamA: Workload[];
let teamB: Workload[];

const all = (): Workload[] => [...teamA, ...teamB];
const evicted = (): Workload[] => all().filter((w) => !podExists(cluster.sim, w));
const remaining = (pods: readonly Workload[]): Workload[] => pods.filter((w) => podExists(cluster.sim, w));
const podDeletes = (): number => cluster.sim.requests.recent({ verb: 'delete', resource: 'pods', code: 200 }).length;

const controllerArgs = (): string[] =>
  runArgs(cluster.kubeconfig, [
    '--breaker-max-evictions',
    String(LIMIT),
    '--breaker-window',
    '10m',
    '--breaker-namespace',
    BREAKER_NS,
  ]);

async function startController(label: string): Promise<void> {
  controller = procs.start({ args: controllerArgs(), label });
  port = await controller.opsPort();
}

const breakerCli = (verb: 'status' | 'reset', ...extra: string[]) =>
  runCommand(['breaker', verb, '-n', BREAKER_NS, '--kubeconfig', cluster.kubeconfig, ...extra]);

function record(): Record<string, string> {
  const cm = cluster.sim.store.get('configmaps', BREAKER_NS, BREAKER_NAME);
  return (cm?.data ?? {}) as Record<string, string>;
}

/** Waits until the keeper (every 2 s) has read the record `n` more times: it had its chances to act. */
async function keeperTicks(n: number): Promise<void> {
  const reads = () =>
    cluster.sim.requests.recent({ verb: 'get', resource: 'configmaps', namespace: BREAKER_NS, name: BREAKER_NAME })
      .length;
  const target = reads() + n;
  await waitFor(
    () => reads() >= target,
    n * KEEPER_TICK_MS + 10_000,
    () => `${n} keeper reads of the record ${controller.tail()}`,
  );
}

function warningEvents(namespace: string, kind: string, name: string): JsonObject[] {
  return cluster.sim.store.list('events', { namespace }).filter((e) => {
    const involved = e.involvedObject as JsonObject | undefined;
    return involved?.kind === kind && involved.name === name && e.reason === 'EvictionBreakerOpen';
  });
}

beforeAll(async () => {
  cluster = await startCluster();
  cluster.sim.store.ensureNamespace(BREAKER_NS);
  addNodeSlice(cluster.sim, 'node-a', devices(4));
  addNodeSlice(cluster.sim, 'node-b', devices(8));
  addNodeSlice(cluster.sim, 'node-c', devices(5));
  teamA = devices(4).map((device, i) =>
    addWorkload(cluster.sim, { namespace: 'team-a', name: `a-${i}`, node: 'node-a', device }),
  );
  teamB = devices(8).map((device, i) =>
    addWorkload(cluster.sim, { namespace: 'team-b', name: `b-${i}`, node: 'node-b', device }),
  );
  await startController('controller-1');
  const evicting = await controller.waitForMsg('Evicting');
  expect(evicting).toMatchObject({ breaker: 'closed', breakerLimit: LIMIT });
});

afterAll(async () => {
  await procs.stopAll();
  await cluster?.close();
});

describe('the blast-radius breaker', () => {
  test('a runaway rule: exactly the limit is evicted, then the breaker opens, records, tells and holds', async () => {
    ruleUid = addRule(cluster.sim, { name: RULE, deviceSelector: {} });
    const open = await controller.waitForMsg(OPEN_MSG, DEADLINE_MS);
    const held = all().length - LIMIT;
    expect(open).toMatchObject({
      heldPods: held,
      reset: `device-taint-evictor breaker reset --namespace ${BREAKER_NS}`,
    });
    expect(open.reason).toContain(`exceed ${LIMIT} evictions in 600 s`);
    expect(open.causes).toEqual([expect.stringMatching(new RegExp(`^rule ${RULE} \\(.*\\): ${held} pods$`))]);

    await waitFor(
      () => controller.logsWith('Pod evicted').length === LIMIT,
      DEADLINE_MS,
      () => `${LIMIT} "Pod evicted" lines ${controller.tail()}`,
    );
    // Held: the queue looks again every 100 ms; and a full keeper pass after the opening (it reads the
    // record every 2 s) must not take its own record for a reset.
    await keeperTicks(1);
    expect(evicted()).toHaveLength(LIMIT);
    expect(podDeletes()).toBe(LIMIT);
    for (const w of evicted()) expect(successfulDeletes(cluster.sim, w)).toBe(1);
    for (const line of controller.logsWith('Pod evicted'))
      expect(line).toMatchObject({
        outcome: 'deleted',
        because: [expect.stringMatching(new RegExp(`^rule ${RULE} `))],
      });
    expect(controller.logsWith(OPEN_MSG)).toHaveLength(1);

    // The record in the cluster: open, why, and what it holds.
    const data = record();
    expect(data).toMatchObject({ state: 'open', heldPods: String(held), resetAt: '', resetBy: '' });
    expect(Date.parse(data.openedAt!)).not.toBeNaN();
    expect(JSON.parse(data.causes!)).toEqual(open.causes);
    expect((JSON.parse(data.heldPodNames!) as string[]).sort()).toEqual(
      remaining(all())
        .map((w) => `${w.namespace}/${w.name}`)
        .sort(),
    );

    // Warning events on the record's ConfigMap and on the rule (cluster-scoped: its events are in default).
    await waitFor(
      () =>
        warningEvents(BREAKER_NS, 'ConfigMap', BREAKER_NAME).length > 0 &&
        warningEvents('default', 'DeviceTaintRule', RULE).length > 0,
      10_000,
      () => `EvictionBreakerOpen events ${controller.tail()}`,
    );
    const configMap = cluster.sim.store.get('configmaps', BREAKER_NS, BREAKER_NAME);
    const configMapUid = String((configMap?.metadata as JsonObject | undefined)?.uid);
    const [onConfigMap] = warningEvents(BREAKER_NS, 'ConfigMap', BREAKER_NAME);
    const [onRule] = warningEvents('default', 'DeviceTaintRule', RULE);
    for (const event of [onConfigMap, onRule]) {
      expect(event).toMatchObject({ type: 'Warning', reason: 'EvictionBreakerOpen' });
      expect(event!.message).toContain(`${held} due evictions held`);
      expect(event!.message).toContain(`rule ${RULE}`);
      expect(event!.message).toContain(`breaker reset --namespace ${BREAKER_NS}`);
    }
    expect(onConfigMap!.involvedObject).toMatchObject({ namespace: BREAKER_NS, uid: configMapUid });
    expect(onRule!.involvedObject).toMatchObject({ apiVersion: 'resource.k8s.io/v1', uid: ruleUid });
    expect(warningEvents(BREAKER_NS, 'ConfigMap', BREAKER_NAME)).toHaveLength(1);
    expect(warningEvents('default', 'DeviceTaintRule', RULE)).toHaveLength(1);

    expect(await waitForSample(port, BREAKER_OPEN, (v) => v === 1)).toBe(1);
    expect(await scrape(port, BREAKER_LIMIT)).toBe(LIMIT);
    expect(await scrape(port, WINDOW_EVICTIONS)).toBe(LIMIT);
  });

  test('a restarted controller reads the open record before its first eviction and keeps holding', async () => {
    expect((await controller.stop()).code).toBe(0);
    await startController('controller-2');
    const evicting = await controller.waitForMsg('Evicting');
    expect(evicting).toMatchObject({ breaker: 'open', breakerLimit: LIMIT });
    const restored = await controller.waitForMsg(RESTORED_MSG);
    expect(controller.logs.indexOf(restored)).toBeLessThan(controller.logs.indexOf(evicting));
    expect(restored.configMap).toBe(`${BREAKER_NS}/${BREAKER_NAME}`);
    expect(Date.parse(String(restored.openedAt))).toBe(Date.parse(record().openedAt!));

    // Without the restore, the held evictions would have started right after "Evicting".
    await keeperTicks(1);
    expect(podDeletes()).toBe(LIMIT);
    expect(controller.logsWith('Pod evicted')).toEqual([]);
    // Not a new opening: no second record write, log line or event.
    expect(controller.logsWith(OPEN_MSG)).toEqual([]);
    expect(warningEvents(BREAKER_NS, 'ConfigMap', BREAKER_NAME)).toHaveLength(1);
    expect(await waitForSample(port, BREAKER_OPEN, (v) => v === 1)).toBe(1);
    expect(record().state).toBe('open');
  });

  test('`breaker status` shows OPEN, why, and what it holds', async () => {
    const held = all().length - LIMIT;
    const [text, json] = await Promise.all([breakerCli('status'), breakerCli('status', '-o', 'json')]);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(new RegExp(`^Breaker ${BREAKER_NS}/${BREAKER_NAME}: OPEN since `));
    expect(text.stdout).toContain(`Held:      ${held} due evictions`);
    expect(text.stdout).toContain(`rule ${RULE}`);
    expect(text.stdout).toContain(`device-taint-evictor breaker reset --namespace ${BREAKER_NS}`);

    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({
      configMap: `${BREAKER_NS}/${BREAKER_NAME}`,
      state: 'open',
      heldPods: held,
      resetBy: '',
    });
  });

  test('an eviction cancelled while held stays cancelled; `breaker reset` releases the rest', async () => {
    // The rule's author narrows it to node-b: the held evictions of team-a lose their cause.
    const heldA = remaining(teamA);
    const heldB = remaining(teamB);
    expect(heldA.length + heldB.length).toBe(all().length - LIMIT);
    cluster.sim.store.patch(RULES, '', RULE, 'merge', { spec: { deviceSelector: { pool: 'node-b' } } });
    for (const w of heldA)
      await controller.waitForLog(
        (l) => l.msg === 'Eviction cancelled' && l.uid === w.uid,
        `the cancellation of ${w.namespace}/${w.name}`,
      );

    const reset = await breakerCli('reset');
    expect(reset.code).toBe(0);
    expect(reset.stdout).toContain(`Breaker ${BREAKER_NS}/${BREAKER_NAME} reset.`);
    expect(record()).toMatchObject({ state: 'closed', resetBy: 'sim-admin (breaker reset)' });

    const released = await controller.waitForMsg(RESET_MSG, DEADLINE_MS);
    // Every held eviction of team-b is released at once, though there are more of them than the limit.
    expect(released).toMatchObject({ by: 'sim-admin (breaker reset)', released: heldB.length });
    await waitFor(
      () => remaining(teamB).length === 0,
      DEADLINE_MS,
      () => `${remaining(teamB).length} team-b pods still there ${controller.tail()}`,
    );
    await waitFor(
      () => controller.logsWith('Pod evicted').length === heldB.length,
      10_000,
      () => `"Pod evicted" for the ${heldB.length} released pods ${controller.tail()}`,
    );
    // Nothing else is queued or running anywhere (a wrongly released team-a eviction could still be
    // waiting for one of the 10 eviction slots).
    await waitFor(
      async () => (await scrapeSum(port, QUEUE_DEPTH)) === 0 && (await scrapeSum(port, QUEUE_RUNNING)) === 0,
      10_000,
      () => `empty eviction queues ${controller.tail()}`,
      // Two scrapes a round: below the ops server's limit of 5 renders/s.
      500,
    );
    for (const w of heldA) {
      expect(podExists(cluster.sim, w)).toBe(true);
      expect(cluster.sim.requests.recent({ namespace: w.namespace, name: w.name, verb: 'delete' })).toEqual([]);
      expect(eventsFor(cluster.sim, w).map((e) => e.message)).toEqual(['Cancelling deletion']);
    }
    expect(podDeletes()).toBe(LIMIT + heldB.length);

    const data = record();
    expect(data).toMatchObject({ state: 'closed', resetBy: 'sim-admin (breaker reset)' });
    expect(Date.parse(data.resetAt!)).not.toBeNaN();
    const status = breakerCli('status');
    expect(await waitForSample(port, BREAKER_OPEN, (v) => v === 0)).toBe(0);
    // Released evictions were acknowledged, not counted: the window starts empty.
    expect(await scrape(port, WINDOW_EVICTIONS)).toBe(0);

    expect((await status).stdout).toMatch(
      new RegExp(
        `^Breaker ${BREAKER_NS}/${BREAKER_NAME}: CLOSED \\(reset \\d+s ago by sim-admin \\(breaker reset\\)\\)`,
      ),
    );
  });

  test('after a reset the window counts afresh: the next runaway opens the breaker again at the limit', async () => {
    const node = 'node-c';
    const pods = devices(5).map((device, i) =>
      addWorkload(cluster.sim, { namespace: 'team-c', name: `c-${i}`, node, device }),
    );
    const before = podDeletes();
    setDeviceTaints(cluster.sim, node, devices(5), Object.fromEntries(devices(5).map((d) => [d, [unhealthy]])));
    const open = await controller.waitForMsg(OPEN_MSG, DEADLINE_MS);
    expect(open.heldPods).toBe(pods.length - LIMIT);
    await waitFor(
      () => remaining(pods).length === pods.length - LIMIT,
      DEADLINE_MS,
      () => `${LIMIT} team-c pods evicted ${controller.tail()}`,
    );
    await keeperTicks(1);
    expect(remaining(pods)).toHaveLength(pods.length - LIMIT);
    expect(podDeletes()).toBe(before + LIMIT);
    expect(record()).toMatchObject({ state: 'open', heldPods: String(pods.length - LIMIT) });
    // One cause per tainted device that holds a pod.
    expect(open.causes).toEqual([
      expect.stringMatching(/^device .*node-c.* \(taint gpu\.e2e\.example\.com\/xid=79:NoExecute\): 1 pod$/),
      expect.stringMatching(/^device .*node-c.* \(taint gpu\.e2e\.example\.com\/xid=79:NoExecute\): 1 pod$/),
    ]);
    expect(await waitForSample(port, BREAKER_OPEN, (v) => v === 1)).toBe(1);
  });
});
