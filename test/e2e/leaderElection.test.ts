// Issue 4, end to end: two controller processes with --leader-elect. Only the Lease holder evicts; on
// SIGTERM the leader releases the Lease and exits 0, and the standby takes over and evicts what is
// tainted afterwards. Each pod is evicted by exactly one process.

import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { JsonObject } from '../../src/sim/index.js';
import { type CliProcess, CliProcesses, runArgs } from '../support/cliProcess.js';
import { httpGet } from '../support/scrape.js';
import {
  addNodeSlice,
  addWorkload,
  type E2eCluster,
  podExists,
  setDeviceTaints,
  startCluster,
  successfulDeletes,
  unhealthy,
  type Workload,
} from '../support/simCluster.js';
import { waitFor } from '../support/waitFor.js';

const LEASE_NAMESPACE = 'default';
const LEASE_NAME = 'device-taint-evictor';
const DEVICES = ['gpu-0', 'gpu-1'];
/** client-go's defaults apply (15 s lease, 2 s retry): a released Lease is taken within ~5 s. */
const TAKEOVER_DEADLINE_MS = 30_000;

const procs = new CliProcesses();
let cluster: E2eCluster;

beforeAll(async () => {
  cluster = await startCluster();
  addNodeSlice(cluster.sim, 'node-le', DEVICES);
});

afterAll(async () => {
  await procs.stopAll();
  await cluster?.close();
});

function leaseSpec(): JsonObject | undefined {
  return cluster.sim.store.get('leases.coordination.k8s.io', LEASE_NAMESPACE, LEASE_NAME)?.spec as
    | JsonObject
    | undefined;
}
const holder = (): string => String(leaseSpec()?.holderIdentity ?? '');

const startCandidate = (podName: string): CliProcess =>
  procs.start({
    args: runArgs(cluster.kubeconfig, [
      '--leader-elect',
      '--leader-elect-resource-namespace',
      LEASE_NAMESPACE,
      '--leader-elect-resource-name',
      LEASE_NAME,
    ]),
    // The Deployment sets POD_NAME; the identity becomes `<POD_NAME>_<uuid>`.
    env: { POD_NAME: podName },
    label: podName,
  });

const evictedBy = (p: CliProcess, w: Workload) =>
  p.logsWith('Pod evicted').filter((l) => l.pod === `${w.namespace}/${w.name}` && l.uid === w.uid);

describe('leader election', () => {
  test('the leader evicts; on SIGTERM it releases the Lease, exits 0, and the standby takes over', async () => {
    const first = addWorkload(cluster.sim, { namespace: 'le', name: 'first', node: 'node-le', device: 'gpu-0' });
    const second = addWorkload(cluster.sim, { namespace: 'le', name: 'second', node: 'node-le', device: 'gpu-1' });

    const a = startCandidate('ctl-a');
    await waitFor(
      () => holder().startsWith('ctl-a_'),
      TAKEOVER_DEADLINE_MS,
      () => `ctl-a holds the Lease ${a.tail()}`,
    );
    await a.waitForMsg('Evicting');

    const b = startCandidate('ctl-b');
    // The standby has read the Lease and knows who leads; it must not start evicting.
    await b.waitForLog(
      (l) => l.msg === 'Observed leader' && String(l.holder).startsWith('ctl-a_'),
      'ctl-b observes ctl-a as leader',
    );

    setDeviceTaints(cluster.sim, 'node-le', DEVICES, { 'gpu-0': [unhealthy] });
    await waitFor(
      () => !podExists(cluster.sim, first) && evictedBy(a, first).length > 0,
      30_000,
      () => `ctl-a evicts ${first.name} ${a.tail()}`,
    );
    expect(holder()).toMatch(/^ctl-a_/);
    expect(b.logsWith('Evicting')).toEqual([]);
    // A standby is healthy and ready (an unready standby would stall every rolling update).
    expect(await httpGet(await b.opsPort(), '/readyz')).toEqual({ status: 200, body: 'ok\n' });

    const transitionsBefore = Number(leaseSpec()?.leaseTransitions ?? 0);
    a.signal('SIGTERM');
    const aExit = await a.exited;
    expect(aExit).toEqual({ code: 0, signal: null });
    expect(a.logsWith('released leader lease')).toHaveLength(1);

    await waitFor(
      () => holder().startsWith('ctl-b_'),
      TAKEOVER_DEADLINE_MS,
      () => `ctl-b takes the Lease (holder now "${holder()}") ${b.tail()}`,
    );
    expect(Number(leaseSpec()?.leaseTransitions)).toBe(transitionsBefore + 1);
    await b.waitForMsg('Evicting');

    setDeviceTaints(cluster.sim, 'node-le', DEVICES, { 'gpu-0': [unhealthy], 'gpu-1': [unhealthy] });
    await waitFor(
      () => !podExists(cluster.sim, second) && evictedBy(b, second).length > 0,
      30_000,
      () => `ctl-b evicts ${second.name} ${b.tail()}`,
    );

    // One evictor per pod: A evicted the first (and nothing after it left), B only the second.
    expect(evictedBy(a, first)).toEqual([expect.objectContaining({ outcome: 'deleted' })]);
    expect(evictedBy(a, second)).toEqual([]);
    expect(evictedBy(b, first)).toEqual([]);
    expect(evictedBy(b, second)).toEqual([expect.objectContaining({ outcome: 'deleted' })]);
    for (const w of [first, second]) expect(successfulDeletes(cluster.sim, w)).toBe(1);
    expect(b.exitStatus).toBeNull();
  }, 90_000);
});
