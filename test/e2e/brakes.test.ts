// Issue 11, end to end: the start rates on evictions — `--max-evictions-per-second` shared by every
// worker thread, and a DeviceTaintRule's `device-taint-evictor.io/max-evictions-per-minute` — through
// the built CLI against the simulated apiserver. Two controllers, each on its own simulated cluster (the
// global rate would slow every other case down); every case works on its own nodes and namespaces.
//
// Spacing is read from the apiserver's side: `receivedAt` of each eviction's first write (the status
// patch, sent right after the start was admitted) and of its DELETE (two writes and the event later). A
// token bucket of rate r and burst b lets at most b + r·T evictions start in any window of length T.
// The check widens T by how much the way from the admission to the apiserver's clock may vary between
// two evictions — START_JITTER_MS for the status patch, DELETE_JITTER_MS for the DELETE, which queues
// behind the writes of every other eviction in flight. The simulated apiserver shares this test
// process's event loop; measured on 2 cores: up to ~100 ms (status patch) and ~350 ms (DELETE) when
// idle, ~290 ms and ~190 ms at a load average of 14. A missing limit, or one per worker thread instead
// of one for the process, puts starts of different threads within milliseconds of each other and
// halves the span of the batch: far outside both.

import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { RequestRecord } from '../../src/sim/index.js';
import { type CliProcess, CliProcesses, runArgs } from '../support/cliProcess.js';
import { scrape, scrapeSum, waitForSample } from '../support/scrape.js';
import {
  addNodeSlice,
  addRule,
  addWorkload,
  DRIVER,
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

const THROTTLED_TOTAL = 'device_taint_evictor_evictions_throttled_total';
const THROTTLED_NOW = 'device_taint_evictor_evictions_throttled';
const RULE_EVICTED = 'device_taint_evictor_rule_pods_evicted_total';
const RULE_PENDING = 'device_taint_evictor_rule_pods_pending_eviction';
const RULE_DEVICES = 'device_taint_evictor_rule_devices_selected';
const THROTTLED_MSG = 'Evictions throttled: due evictions wait for their start rate';
const UNTHROTTLED_MSG = 'Evictions no longer throttled';
const RATE_ANNOTATION = 'device-taint-evictor.io/max-evictions-per-minute';
/** How much the way from the admission to the apiserver's clock may vary between two evictions (see header). */
const START_JITTER_MS = 400;
const DELETE_JITTER_MS = 600;
const EVICTION_DEADLINE_MS = 30_000;

const procs = new CliProcesses();
/** --max-evictions-per-second 2 --max-evictions-burst 1. */
let rated: { cluster: E2eCluster; controller: CliProcess; port: number };
/** No global rate: only the rules' annotations brake. */
let plain: { cluster: E2eCluster; controller: CliProcess; port: number };

async function startControlled(extra: readonly string[], label: string, nodes: Record<string, number>) {
  const cluster = await startCluster();
  for (const [node, n] of Object.entries(nodes)) addNodeSlice(cluster.sim, node, devices(n));
  const controller = procs.start({ args: runArgs(cluster.kubeconfig, extra), label });
  await controller.waitForMsg('Evicting');
  return { cluster, controller, port: await controller.opsPort() };
}

beforeAll(async () => {
  [rated, plain] = await Promise.all([
    startControlled(['--max-evictions-per-second', '2', '--max-evictions-burst', '1'], 'rated', {
      'node-rate': 9,
      'node-rate-again': 3,
    }),
    startControlled([], 'plain', { 'node-ruled': 4, 'node-fast': 4, 'node-typo': 2 }),
  ]);
});

afterAll(async () => {
  await procs.stopAll();
  await rated?.cluster.close();
  await plain?.cluster.close();
});

/** One workload per device of `node`, in `namespace`. */
function workloads(cluster: E2eCluster, namespace: string, node: string, n: number): Workload[] {
  return devices(n).map((device, i) => addWorkload(cluster.sim, { namespace, name: `${node}-pod-${i}`, node, device }));
}

async function waitAllGone(c: { cluster: E2eCluster; controller: CliProcess }, pods: readonly Workload[]) {
  await waitFor(
    () => pods.every((w) => !podExists(c.cluster.sim, w)),
    EVICTION_DEADLINE_MS,
    () =>
      `${pods.filter((w) => podExists(c.cluster.sim, w)).length} of ${pods.length} pods still there ${c.controller.tail()}`,
  );
  // …and the controller has reported each result (the DELETE's response reached it).
  await c.controller.waitForLog(
    () => pods.every((w) => c.controller.logsWith('Pod evicted').some((l) => l.uid === w.uid)),
    `"Pod evicted" for all ${pods.length} pods`,
  );
}

/** The server-side arrival times of `verb` writes to the pods of `namespace`, ascending. */
function arrivals(cluster: E2eCluster, namespace: string, verb: 'delete' | 'patch'): number[] {
  return cluster.sim.requests
    .recent({ verb, resource: 'pods', namespace })
    .filter((r: RequestRecord) => r.code === 200)
    .map((r) => r.receivedAt)
    .sort((a, b) => a - b);
}

/**
 * The largest excess of a token bucket's bound over all windows [t_i, t_j]: (j − i + 1) starts against
 * burst + rate · (t_j − t_i + jitter). ≤ 0 when the bound holds everywhere.
 */
function worstExcess(times: readonly number[], ratePerSecond: number, burst: number, jitterMs: number): number {
  let worst = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < times.length; i++)
    for (let j = i; j < times.length; j++) {
      const allowed = burst + (ratePerSecond * (times[j]! - times[i]! + jitterMs)) / 1000;
      worst = Math.max(worst, j - i + 1 - allowed);
    }
  return worst;
}

const gaps = (times: readonly number[]): number[] => times.slice(1).map((t, i) => t - times[i]!);

describe('--max-evictions-per-second: one start rate for all worker threads', () => {
  test('nine pods tainted at once start at most burst + rate·t in any window, each evicted once, one log line per episode', async () => {
    const { cluster, controller, port } = rated;
    const rate = 2;
    const burst = 1;
    const pods = workloads(cluster, 'rate', 'node-rate', 9);
    const taintedAt = Date.now();
    setDeviceTaints(cluster.sim, 'node-rate', devices(9), Object.fromEntries(devices(9).map((d) => [d, [unhealthy]])));
    await waitAllGone(rated, pods);

    const starts = arrivals(cluster, 'rate', 'patch');
    const deletes = arrivals(cluster, 'rate', 'delete');
    console.log(
      `[e2e] global start rate ${rate}/s burst ${burst}: status patches ${gaps(starts).join(', ')} ms apart; DELETEs ${gaps(deletes).join(', ')} ms apart; last DELETE ${deletes.at(-1)! - taintedAt} ms after the taint`,
    );
    for (const w of pods) expect(successfulDeletes(cluster.sim, w), w.name).toBe(1);
    expect(starts).toHaveLength(pods.length);
    expect(worstExcess(starts, rate, burst, START_JITTER_MS)).toBeLessThanOrEqual(0);
    expect(worstExcess(deletes, rate, burst, DELETE_JITTER_MS)).toBeLessThanOrEqual(0);
    // Nine starts with one token at first and two more per second take at least four seconds.
    expect(starts.at(-1)! - starts[0]!).toBeGreaterThanOrEqual(((pods.length - burst) / rate) * 1000 - START_JITTER_MS);
    expect(deletes.at(-1)! - deletes[0]!).toBeGreaterThanOrEqual(
      ((pods.length - burst) / rate) * 1000 - DELETE_JITTER_MS,
    );

    // Everyone but the first waited for a token.
    expect(
      await waitForSample(port, THROTTLED_TOTAL, (v) => v === pods.length - burst, 10_000, { limit: 'global' }),
    ).toBe(pods.length - burst);
    expect(await scrape(port, THROTTLED_TOTAL, { limit: 'rule' })).toBe(0);
    // One episode: one line when it began, one when it ended — not one per pod or per worker.
    await controller.waitForLog((l) => l.msg === UNTHROTTLED_MSG && l.limit === 'global', 'the end of the episode');
    expect(controller.logsWith(THROTTLED_MSG)).toEqual([
      expect.objectContaining({ limit: 'global', by: '--max-evictions-per-second' }),
    ]);
    expect(controller.logsWith(UNTHROTTLED_MSG)).toHaveLength(1);
  });

  test('a later burst is a new episode (a second pair of log lines), spaced the same way', async () => {
    const { cluster, controller } = rated;
    const pods = workloads(cluster, 'rate-again', 'node-rate-again', 3);
    setDeviceTaints(
      cluster.sim,
      'node-rate-again',
      devices(3),
      Object.fromEntries(devices(3).map((d) => [d, [unhealthy]])),
    );
    await waitAllGone(rated, pods);
    const starts = arrivals(cluster, 'rate-again', 'patch');
    const deletes = arrivals(cluster, 'rate-again', 'delete');
    for (const w of pods) expect(successfulDeletes(cluster.sim, w), w.name).toBe(1);
    expect(worstExcess(starts, 2, 1, START_JITTER_MS)).toBeLessThanOrEqual(0);
    expect(worstExcess(deletes, 2, 1, DELETE_JITTER_MS)).toBeLessThanOrEqual(0);
    await waitFor(
      () => controller.logsWith(UNTHROTTLED_MSG).length === 2,
      10_000,
      () => `the second episode's end ${controller.tail()}`,
    );
    expect(controller.logsWith(THROTTLED_MSG)).toHaveLength(2);
  });
});

describe('device-taint-evictor.io/max-evictions-per-minute on a DeviceTaintRule', () => {
  test("the rule's evictions are spaced by its rate; a slice taint's evictions at the same time are not slowed", async () => {
    const { cluster, controller, port } = plain;
    const ruled = workloads(cluster, 'ruled', 'node-ruled', 3);
    const fast = workloads(cluster, 'fast', 'node-fast', 4);
    // 30 per minute: one start every 2 s, burst 1.
    const ruleUid = addRule(cluster.sim, {
      name: 'rate-limited',
      deviceSelector: { driver: DRIVER, pool: 'node-ruled' },
      annotations: { [RATE_ANNOTATION]: '30' },
    });
    // Once the rule's first eviction started, the other two wait for its tokens; a slice taint on
    // another node now must not wait behind them.
    await waitFor(
      () => arrivals(cluster, 'ruled', 'patch').length > 0,
      EVICTION_DEADLINE_MS,
      () => `the rule's first eviction ${controller.tail()}`,
    );
    setDeviceTaints(cluster.sim, 'node-fast', devices(4), Object.fromEntries(devices(4).map((d) => [d, [unhealthy]])));
    await waitAllGone(plain, [...ruled, ...fast]);

    const ruleDeletes = arrivals(cluster, 'ruled', 'delete');
    const ruleStarts = arrivals(cluster, 'ruled', 'patch');
    const fastDeletes = arrivals(cluster, 'fast', 'delete');
    console.log(
      `[e2e] rule at 30/min: status patches ${gaps(ruleStarts).join(', ')} ms apart, DELETEs ${gaps(ruleDeletes).join(', ')} ms apart; the slice taint's 4 DELETEs within ${fastDeletes.at(-1)! - fastDeletes[0]!} ms, the last ${ruleStarts[1]! - fastDeletes.at(-1)!} ms before the rule's second start`,
    );
    for (const w of [...ruled, ...fast]) expect(successfulDeletes(cluster.sim, w), w.name).toBe(1);
    expect(worstExcess(ruleStarts, 0.5, 1, START_JITTER_MS)).toBeLessThanOrEqual(0);
    expect(worstExcess(ruleDeletes, 0.5, 1, DELETE_JITTER_MS)).toBeLessThanOrEqual(0);
    for (const gap of gaps(ruleStarts)) expect(gap).toBeGreaterThanOrEqual(2_000 - START_JITTER_MS);
    // The slice taint's pods did not queue behind the rule's: all gone before the rule's second start.
    expect(fastDeletes.at(-1)!).toBeLessThan(ruleStarts[1]!);

    for (const w of ruled)
      expect(controller.logsWith('Pod evicted')).toContainEqual(
        expect.objectContaining({
          pod: `${w.namespace}/${w.name}`,
          outcome: 'deleted',
          reasons: [`rule:rate-limited:${ruleUid}`],
          because: [expect.stringMatching(/^rule rate-limited \(/)],
        }),
      );
    expect(controller.logsWith('DeviceTaintRule start rate')).toContainEqual(
      expect.objectContaining({ rule: 'rate-limited', maxEvictionsPerMinute: 30 }),
    );
    expect(await waitForSample(port, THROTTLED_TOTAL, (v) => v === ruled.length - 1, 10_000, { limit: 'rule' })).toBe(
      ruled.length - 1,
    );
    expect(await scrape(port, THROTTLED_TOTAL, { limit: 'global' })).toBe(0);
    expect(await waitForSample(port, RULE_EVICTED, (v) => v === ruled.length, 10_000, { rule: 'rate-limited' })).toBe(
      ruled.length,
    );
    expect(await scrape(port, RULE_DEVICES, { rule: 'rate-limited' })).toBe(4);
    expect(await scrape(port, RULE_PENDING, { rule: 'rate-limited' })).toBe(0);
    await controller.waitForLog((l) => l.msg === UNTHROTTLED_MSG && l.limit === 'rule', 'the end of the episode');
    expect(controller.logsWith(THROTTLED_MSG)).toEqual([
      expect.objectContaining({ limit: 'rule', by: 'a DeviceTaintRule max-evictions-per-minute annotation' }),
    ]);
  });

  test('a value that is not a number means 1 per minute (logged); deleting the rule cancels the throttled eviction', async () => {
    const { cluster, controller, port } = plain;
    const pods = workloads(cluster, 'typo', 'node-typo', 2);
    addRule(cluster.sim, {
      name: 'typo-rate',
      deviceSelector: { driver: DRIVER, pool: 'node-typo' },
      annotations: { [RATE_ANNOTATION]: 'ten' },
    });
    const warning = await controller.waitForMsg(
      'DeviceTaintRule start-rate annotation is not a positive number; using the most cautious limit',
    );
    expect(warning).toMatchObject({ rule: 'typo-rate', annotation: 'ten', maxEvictionsPerMinute: 1 });

    // One starts at once; the other waits for the next token, a minute later.
    await waitFor(
      () => pods.filter((w) => !podExists(cluster.sim, w)).length === 1,
      EVICTION_DEADLINE_MS,
      () => `one of the two pods evicted ${controller.tail()}`,
    );
    const waiting = pods.find((w) => podExists(cluster.sim, w))!;
    await waitForSample(port, RULE_PENDING, (v) => v === 1, 10_000, { rule: 'typo-rate' });
    // …held back by the rule's rate right now (the gauge is per worker shard).
    await waitFor(
      async () => (await scrapeSum(port, THROTTLED_NOW)) === 1,
      10_000,
      () => `${THROTTLED_NOW} summing to 1 ${controller.tail()}`,
      250,
    );
    expect(podExists(cluster.sim, waiting)).toBe(true);

    // A throttled eviction is still only scheduled: removing its cause cancels it.
    cluster.sim.store.delete(RULES, '', 'typo-rate');
    await controller.waitForLog(
      (l) => l.msg === 'Eviction cancelled' && l.uid === waiting.uid,
      `the cancellation of ${waiting.name}`,
    );
    await waitFor(
      () => eventsFor(cluster.sim, waiting).some((e) => e.message === 'Cancelling deletion'),
      10_000,
      () => `a "Cancelling deletion" event for ${waiting.name} ${controller.tail()}`,
    );
    await controller.waitForLog(
      (l) => l.msg === UNTHROTTLED_MSG && l.limit === 'rule' && controller.logsWith(UNTHROTTLED_MSG).indexOf(l) === 1,
      'the end of the second rule episode',
    );
    expect(podExists(cluster.sim, waiting)).toBe(true);
    expect(cluster.sim.requests.recent({ namespace: 'typo', name: waiting.name, verb: 'delete' })).toEqual([]);
  });
});
