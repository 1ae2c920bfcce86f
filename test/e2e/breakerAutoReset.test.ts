// The breaker's auto-reset through the built CLI: a runaway DeviceTaintRule over six pods with
// `--breaker-max-evictions 2 --breaker-auto-reset-after 4s`. Nobody acknowledges anything, so each
// auto-reset lets one more limit's worth start and the breaker opens again: the pods go two by two, one
// pair per auto-reset, never all at once (which is what a reset that released the held evictions
// uncounted would do).

import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type CliProcess, CliProcesses, runArgs } from '../support/cliProcess.js';
import {
  addNodeSlice,
  addRule,
  addWorkload,
  deviceNames,
  type E2eCluster,
  podExists,
  startCluster,
  type Workload,
} from '../support/simCluster.js';
import { waitFor } from '../support/waitFor.js';

const LIMIT = 2;
const PODS = 6;
const AUTO_RESET = '4s';
const OPEN_MSG = 'Eviction breaker OPEN: no eviction starts until an operator resets it';
const AUTO_RESET_MSG =
  'Eviction breaker closed by its auto-reset: the held evictions resume, counted in a fresh window, so it opens again after the limit';
const EVICTED_MSG = 'Pod evicted';

const procs = new CliProcesses();
let cluster: E2eCluster;
let controller: CliProcess;
let pods: Workload[];

beforeAll(async () => {
  cluster = await startCluster();
  cluster.sim.store.ensureNamespace('dte-system');
  addNodeSlice(cluster.sim, 'node-a', deviceNames(PODS));
  pods = deviceNames(PODS).map((device, i) =>
    addWorkload(cluster.sim, { namespace: 'team', name: `trainer-${i}`, node: 'node-a', device }),
  );
  controller = procs.start({
    args: runArgs(cluster.kubeconfig, [
      '--breaker-max-evictions',
      String(LIMIT),
      '--breaker-window',
      '10m',
      '--breaker-auto-reset-after',
      AUTO_RESET,
      '--breaker-namespace',
      'dte-system',
    ]),
    label: 'controller',
  });
  await controller.waitForMsg('Evicting');
});

afterAll(async () => {
  await procs.stopAll();
  await cluster?.close();
});

describe('breaker auto-reset', () => {
  test('lets one limit more start per auto-reset and opens again, until the runaway rule is done', async () => {
    addRule(cluster.sim, { name: 'drain-everything', deviceSelector: {} });
    await waitFor(
      () => pods.every((w) => !podExists(cluster.sim, w)) && controller.logsWith(EVICTED_MSG).length === PODS,
      // Three rounds: each waits for the auto-reset (4 s) and the keeper's next pass (every 2 s).
      60_000,
      () => `every pod evicted, two per auto-reset ${controller.tail()}`,
    );
    // The controller's own account, in order: evictions, openings and auto-resets.
    const story = controller.logs
      .map((l) => l.msg)
      .filter((m) => m === EVICTED_MSG || m === OPEN_MSG || m === AUTO_RESET_MSG);
    const rounds: number[] = [0];
    for (const msg of story) {
      if (msg === AUTO_RESET_MSG) rounds.push(0);
      else if (msg === EVICTED_MSG) rounds[rounds.length - 1]!++;
    }
    // Two before the first opening, two after each of the two auto-resets; the third pair drains the
    // rule, so nothing is held any more and the breaker stays closed.
    expect(rounds).toEqual([LIMIT, LIMIT, LIMIT]);
    expect(story.filter((m) => m === OPEN_MSG)).toHaveLength(2);
    expect(cluster.sim.requests.count({ verb: 'delete', resource: 'pods', code: 200 })).toBe(PODS);
  });
});
