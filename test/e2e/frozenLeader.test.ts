// Issue 9, as an operator tried it: a leader frozen with SIGSTOP while evictions are about to fall due,
// a standby that takes the Lease after the lease duration, and the old leader resumed with SIGCONT.
// Its worker threads' timers fire first on resume; before the write fence they sent DELETEs after the
// main thread had already logged "stopped leading". Now: no pod write from the old leader reaches the
// API server after its renew deadline, it exits non-zero at once, and each pod is deleted once, by the
// new leader. Timings are scaled down (lease 3 s, renew deadline 2 s, retry 0.5 s).

import path from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { RequestRecord } from '../../src/sim/index.js';
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
  taintTimeAdded,
  unhealthy,
  type Workload,
} from '../support/simCluster.js';
import { waitFor } from '../support/waitFor.js';

const LEASE = { namespace: 'default', name: 'device-taint-evictor' };
const RENEW_DEADLINE_MS = 2_000;
const DEVICES = ['gpu-0', 'gpu-1', 'gpu-2', 'gpu-3'];
const PODS_PER_DEVICE = 5;
/** The pods tolerate the taint this long: it falls due while the leader is frozen. */
const TOLERATION_SECONDS = 4;

const procs = new CliProcesses();
let cluster: E2eCluster;

beforeAll(async () => {
  cluster = await startCluster();
  addNodeSlice(cluster.sim, 'node-fz', DEVICES);
});

afterAll(async () => {
  await procs.stopAll();
  await cluster?.close();
});

/** Each replica authenticates as a user of its own name, so the API server's log tells them apart. */
async function candidate(podName: string): Promise<CliProcess> {
  const kubeconfig = path.join(path.dirname(cluster.kubeconfig), `${podName}.kubeconfig`);
  await cluster.sim.writeKubeconfig(kubeconfig, { user: podName });
  return procs.start({
    args: runArgs(kubeconfig, [
      '--leader-elect',
      '--leader-elect-resource-namespace',
      LEASE.namespace,
      '--leader-elect-resource-name',
      LEASE.name,
      '--leader-elect-lease-duration',
      '3s',
      '--leader-elect-renew-deadline',
      '2s',
      '--leader-elect-retry-period',
      '500ms',
      '--kube-api-qps',
      '0',
    ]),
    env: { POD_NAME: podName },
    label: podName,
  });
}

const holder = (): string =>
  String(
    (cluster.sim.store.get('leases.coordination.k8s.io', LEASE.namespace, LEASE.name)?.spec as Record<string, unknown>)
      ?.holderIdentity ?? '',
  );

const from = (podName: string) => (r: RequestRecord) => r.user === podName;
/** Evictions waiting in all of a controller's queue shards. */
async function queueDepth(port: number): Promise<number> {
  const { body } = await httpGet(port, '/metrics');
  let sum = 0;
  for (const line of body.split('\n'))
    if (line.startsWith('device_taint_evictor_queue_depth{')) sum += Number(line.split(/\s+/).pop());
  return sum;
}
const isPodWrite = (r: RequestRecord): boolean =>
  (r.resource === 'pods' && (r.verb === 'patch' || r.verb === 'delete')) ||
  (r.resource === 'events' && r.verb === 'create');

test('a leader frozen with SIGSTOP and resumed after a takeover writes nothing and exits non-zero', async () => {
  const a = await candidate('frozen-a');
  await waitFor(
    () => holder().startsWith('frozen-a_'),
    30_000,
    () => `frozen-a leads ${a.tail()}`,
  );
  await a.waitForMsg('Evicting');
  const b = await candidate('standby-b');
  await b.waitForMsg('Caches synced');

  const workloads: Workload[] = [];
  for (const device of DEVICES)
    for (let i = 0; i < PODS_PER_DEVICE; i++)
      workloads.push(
        addWorkload(cluster.sim, {
          namespace: 'frozen',
          name: `${device}-p${i}`,
          node: 'node-fz',
          device,
          tolerations: [{ operator: 'Exists', effect: 'NoExecute', tolerationSeconds: TOLERATION_SECONDS }],
        }),
      );
  setDeviceTaints(cluster.sim, 'node-fz', DEVICES, Object.fromEntries(DEVICES.map((d) => [d, [unhealthy]])));
  // The leader has decided: every eviction waits in its workers' queues, none is due yet. Freeze it.
  const port = await a.opsPort();
  let queued = 0;
  await waitFor(
    async () => {
      queued = await queueDepth(port);
      return queued === workloads.length;
    },
    10_000,
    () => `frozen-a queues ${workloads.length} evictions (has ${queued})`,
    50,
  );
  a.signal('SIGSTOP');
  const frozenAt = Date.now();

  // The standby takes over once the record has not changed for a lease duration, and evicts.
  await waitFor(
    () => holder().startsWith('standby-b_'),
    20_000,
    () => `standby-b takes over ${b.tail()}`,
  );
  await waitFor(
    () => workloads.every((w) => !podExists(cluster.sim, w)),
    30_000,
    () => `standby-b evicts every pod ${b.tail()}`,
  );
  // Resume the old leader after its evictions fell due (while it was frozen).
  const dueAt = taintTimeAdded(cluster.sim, 'node-fz', 'gpu-0') + TOLERATION_SECONDS * 1_000;
  expect(dueAt).toBeGreaterThan(frozenAt);
  expect(Date.now()).toBeGreaterThan(dueAt);
  a.signal('SIGCONT');
  const exit = await Promise.race([a.exited, new Promise<null>((resolve) => setTimeout(() => resolve(null), 15_000))]);
  expect(exit, `old leader exits promptly ${a.tail()}`).not.toBeNull();
  expect(exit?.code).toBe(1);
  expect(a.logs.some((l) => l.msg === 'Leadership lost; exiting')).toBe(true);

  // The old leader's last successful renewal, as the API server saw it.
  const requests = cluster.sim.requests.recent();
  const lastRenewal = requests
    .filter((r) => from('frozen-a')(r) && r.resource === 'leases' && r.verb === 'update' && r.code === 200)
    .map((r) => r.time)
    .reduce((x, y) => Math.max(x, y), 0);
  expect(lastRenewal).toBeGreaterThan(0);
  const lateWrites = requests.filter(
    (r) => from('frozen-a')(r) && isPodWrite(r) && r.receivedAt > lastRenewal + RENEW_DEADLINE_MS,
  );
  expect(lateWrites.map((r) => `${r.method} ${r.path} → ${r.code}`)).toEqual([]);
  // Every pod deleted exactly once, by the new leader.
  for (const w of workloads) expect(successfulDeletes(cluster.sim, w)).toBe(1);
  const deletesByA = requests.filter((r) => from('frozen-a')(r) && r.resource === 'pods' && r.verb === 'delete');
  expect(deletesByA).toEqual([]);
}, 120_000);
