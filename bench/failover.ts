// Start-up and failover, timed from the outside as an operator sees them: the built CLI as child
// processes against the simulated cluster.
//
// 1. Cold start: a pod is already due for eviction; how long from `node dist/cli/main.js run` to its
//    DELETE, and where that time goes (process start and module loading, discovery with the worker
//    threads starting beside it, the initial lists, the first eviction).
// 2. kill -9 failover: a leader and a hot standby with kube-controller-manager's timings (15 s lease,
//    10 s renew deadline, 2 s retry). The leader is killed; a device is tainted at that instant. How long
//    until the standby holds the Lease, and until the pod is deleted. The lease duration bounds the first;
//    the hot standby (caches synced, worker threads running) is what keeps the second close to it.
//
//   node --import tsx bench/failover.ts [--quick]

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSimServer } from '../src/sim/index.js';
import { CliProcesses, runArgs } from '../test/support/cliProcess.js';
import {
  addNodeSlice,
  addWorkload,
  podExists,
  setDeviceTaints,
  unhealthy,
  type Workload,
} from '../test/support/simCluster.js';
import { waitFor } from '../test/support/waitFor.js';
import { type Cell, median, parseBenchFlags, writeResult } from './harness.js';

const flags = parseBenchFlags();
const rounds = flags.quick ? 1 : 3;
const procs = new CliProcesses();

interface ColdStart {
  readonly toDiscovered: number;
  readonly toSynced: number;
  readonly toEvicting: number;
  readonly toDeleted: number;
}

/** Milliseconds from `t0` to the first log line with `msg` (its pino `time`). */
const at = (logs: readonly { msg: string; time?: unknown }[], msg: string, t0: number): number => {
  const line = logs.find((l) => l.msg === msg);
  const time = typeof line?.time === 'string' ? Date.parse(line.time) : Number.NaN;
  if (Number.isNaN(time)) throw new Error(`no "${msg}" line with a time`);
  return time - t0;
};

async function coldStart(round: number): Promise<ColdStart> {
  const sim = await startSimServer({ port: 0, ruleVersions: ['v1'] });
  const dir = mkdtempSync(join(tmpdir(), 'dte-failover-'));
  const kubeconfig = join(dir, 'kubeconfig');
  await sim.writeKubeconfig(kubeconfig);
  try {
    addNodeSlice(sim, 'node-0', ['gpu-0']);
    const pod = addWorkload(sim, { namespace: `cold-${round}`, name: 'due', node: 'node-0', device: 'gpu-0' });
    setDeviceTaints(sim, 'node-0', ['gpu-0'], { 'gpu-0': [unhealthy] });
    const t0 = Date.now();
    const p = procs.start({ args: runArgs(kubeconfig), label: 'cold' });
    await waitFor(
      () => !podExists(sim, pod),
      60_000,
      () => `cold start evicts ${p.tail()}`,
      2,
    );
    const toDeleted = Date.now() - t0;
    await p.waitForMsg('Pod evicted');
    const result = {
      toDiscovered: at(p.logs, 'Discovered API versions', t0),
      toSynced: at(p.logs, 'Caches synced', t0),
      toEvicting: at(p.logs, 'Evicting', t0),
      toDeleted,
    };
    await p.stop();
    return result;
  } finally {
    await sim.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

interface Failover {
  readonly toNewLeader: number;
  readonly toDeleted: number;
}

async function failover(round: number): Promise<Failover> {
  const sim = await startSimServer({ port: 0, ruleVersions: ['v1'] });
  const dir = mkdtempSync(join(tmpdir(), 'dte-failover-'));
  const kubeconfig = join(dir, 'kubeconfig');
  await sim.writeKubeconfig(kubeconfig);
  const holder = (): string =>
    String(
      (sim.store.get('leases.coordination.k8s.io', 'default', 'dte')?.spec as Record<string, unknown> | undefined)
        ?.holderIdentity ?? '',
    );
  const candidate = (name: string) =>
    procs.start({
      args: runArgs(kubeconfig, [
        '--leader-elect',
        '--leader-elect-resource-namespace',
        'default',
        '--leader-elect-resource-name',
        'dte',
      ]),
      env: { POD_NAME: name },
      label: name,
    });
  try {
    addNodeSlice(sim, 'node-0', ['gpu-0']);
    const pod: Workload = addWorkload(sim, { namespace: `fo-${round}`, name: 'p', node: 'node-0', device: 'gpu-0' });
    const a = candidate('leader');
    await waitFor(
      () => holder().startsWith('leader_'),
      60_000,
      () => `leader elected ${a.tail()}`,
      10,
    );
    await a.waitForMsg('Evicting', 60_000);
    const b = candidate('standby');
    await b.waitForMsg('Caches synced', 60_000);
    a.signal('SIGKILL');
    const t0 = Date.now();
    setDeviceTaints(sim, 'node-0', ['gpu-0'], { 'gpu-0': [unhealthy] });
    await waitFor(
      () => holder().startsWith('standby_'),
      60_000,
      () => `standby takes over ${b.tail()}`,
      5,
    );
    const toNewLeader = Date.now() - t0;
    await waitFor(
      () => !podExists(sim, pod),
      30_000,
      () => `standby evicts ${b.tail()}`,
      5,
    );
    const toDeleted = Date.now() - t0;
    await b.stop();
    return { toNewLeader, toDeleted };
  } finally {
    await procs.stopAll();
    await sim.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const colds: ColdStart[] = [];
for (let i = 0; i < rounds; i++) colds.push(await coldStart(i));
const failovers: Failover[] = [];
for (let i = 0; i < rounds; i++) failovers.push(await failover(i));

const coldRow = (label: string, pick: (c: ColdStart) => number): Cell[] => [label, median(colds.map(pick))];
writeResult(flags, {
  name: 'failover',
  title: 'Start-up and kill -9 failover (built CLI, simulated cluster)',
  parameters: { rounds, leaseDurationS: 15, renewDeadlineS: 10, retryPeriodS: 2, workers: 2 },
  tables: [
    {
      title: `Cold start to the first eviction (median of ${rounds}, ms since spawn)`,
      columns: ['milestone', 'ms'],
      rows: [
        coldRow('API versions discovered (worker threads started beside it)', (c) => c.toDiscovered),
        coldRow('caches synced', (c) => c.toSynced),
        coldRow('evicting (gate open)', (c) => c.toEvicting),
        coldRow('due pod deleted', (c) => c.toDeleted),
      ],
    },
    {
      title: `kill -9 of the leader with a hot standby (median of ${rounds}, ms after the kill)`,
      columns: ['milestone', 'ms'],
      rows: [
        ['standby holds the Lease', median(failovers.map((f) => f.toNewLeader))],
        ['pod tainted at the kill is deleted', median(failovers.map((f) => f.toDeleted))],
        ['first eviction after taking the Lease', median(failovers.map((f) => f.toDeleted - f.toNewLeader))],
      ],
    },
  ],
  raw: { colds, failovers },
  notes: [
    'The Lease bounds the failover: a candidate waits a full lease duration (15 s) after it last saw the record change, measured on its own clock (client-go).',
    'A hot standby has synced caches and running worker threads, so its first eviction follows its first renewal.',
  ],
});
await procs.stopAll();
