// `device-taint-evictor explain`, end to end: the built CLI as a child process against the simulated
// apiserver — `explain pod` as a person reads it and as JSON, `explain rule --effect NoExecute` as a
// preview of a None rule, the breaker's state read from its ConfigMap, an unknown pod (exit 2, one
// line), an unreachable server (exit 1, one line) — and that the API server saw nothing but reads.

import { writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { buildKubeconfig } from '../../src/sim/kubeconfig.js';
import { CliProcesses } from '../support/cliProcess.js';
import {
  addNodeSlice,
  addWorkload,
  DRIVER,
  type E2eCluster,
  setDeviceTaints,
  startCluster,
  TAINT_KEY,
  taintTimeAdded,
  unhealthy,
  type Workload,
} from '../support/simCluster.js';
import { type Access, accessOf, allows, grantKey, grants, loadRoles } from './rbac.js';

const RULES = 'devicetaintrules.resource.k8s.io';
const DEVICES = ['gpu-0', 'gpu-1', 'gpu-2', 'gpu-3'];

const procs = new CliProcesses();
let cluster: E2eCluster;
let evictedNow: Workload;
let tolerating: Workload;
let forever: Workload;
let taintedAt: number;

beforeAll(async () => {
  cluster = await startCluster();
  const sim = cluster.sim;
  addNodeSlice(sim, 'node-a', DEVICES);
  addNodeSlice(sim, 'node-b', DEVICES);
  evictedNow = addWorkload(sim, { namespace: 'team-a', name: 'evicted-now', node: 'node-a', device: 'gpu-0' });
  tolerating = addWorkload(sim, {
    namespace: 'team-a',
    name: 'tolerating',
    node: 'node-a',
    device: 'gpu-1',
    tolerations: [{ key: TAINT_KEY, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 3600 }],
  });
  forever = addWorkload(sim, {
    namespace: 'team-b',
    name: 'forever',
    node: 'node-a',
    device: 'gpu-2',
    tolerations: [{ key: TAINT_KEY, operator: 'Exists', effect: 'NoExecute' }],
  });
  setDeviceTaints(sim, 'node-a', DEVICES, { 'gpu-0': [unhealthy], 'gpu-1': [unhealthy], 'gpu-2': [unhealthy] });
  taintedAt = taintTimeAdded(sim, 'node-a', 'gpu-1');
  // node-b: a maintenance rule, None for now, over two namespaces.
  addWorkload(sim, { namespace: 'team-a', name: 'on-b-1', node: 'node-b', device: 'gpu-0' });
  addWorkload(sim, { namespace: 'team-c', name: 'on-b-2', node: 'node-b', device: 'gpu-1' });
  sim.store.create(RULES, {
    apiVersion: 'resource.k8s.io/v1',
    kind: 'DeviceTaintRule',
    metadata: { name: 'maintenance-node-b', annotations: { 'device-taint-evictor.io/max-evictions-per-minute': '6' } },
    spec: { deviceSelector: { driver: DRIVER, pool: 'node-b' }, taint: { key: 'maintenance', effect: 'None' } },
  });
  // Everything so far was written through the store, not HTTP: from here on the log is explain's.
  sim.requests.reset();
});

afterAll(async () => {
  await procs.stopAll();
  await cluster?.close();
});

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: readonly string[];
}

async function explain(args: readonly string[], kubeconfig = cluster.kubeconfig): Promise<Run> {
  const p = procs.start({ args: ['explain', ...args, '--kubeconfig', kubeconfig], label: `explain ${args.join(' ')}` });
  const status = await p.exited;
  // Every stdout line is kept verbatim (as `msg`) unless it is a JSON object with a msg: never here.
  return { code: status.code, stdout: p.logs.map((l) => l.msg).join('\n'), stderr: p.stderrLines };
}

describe('explain', () => {
  test('explain pod (human): the verdict, the claim, the device taint and the toleration that delays it', async () => {
    const run = await explain(['pod', 'team-a/tolerating']);
    expect(run.stderr).toEqual([]);
    expect(run.code).toBe(0);
    const due = new Date(taintedAt + 3600_000).toISOString().replace(/\.000Z$/, 'Z');
    expect(run.stdout).toContain(`Pod team-a/tolerating  uid ${tolerating.uid}  node node-a`);
    expect(run.stdout).toMatch(
      new RegExp(`\\nVERDICT {2}evicted at ${due} \\(in (59 min \\d+ s|1 h)\\) because of slice`),
    );
    expect(run.stdout).toMatch(/\nCLAIMS\n {2}ENTRY +CLAIM +STATUS/);
    expect(run.stdout).toMatch(new RegExp(`\\n {2}gpu +${tolerating.claim} +used `));
    expect(run.stdout).toContain(`${TAINT_KEY}=79:NoExecute`);
    expect(run.stdout).toContain(`${TAINT_KEY}:NoExecute op=Exists for 3600s`);
    expect(run.stdout).toContain('WHAT THE BRAKES WOULD DO');
  });

  test('explain pod -o json: evicted now; tolerated forever, naming the toleration', async () => {
    const now = JSON.parse((await explain(['pod', 'team-a/evicted-now', '-o', 'json'])).stdout);
    expect(now).toMatchObject({
      apiVersion: 'explain.device-taint-evictor.io/v1alpha1',
      kind: 'PodExplanation',
      pod: { namespace: 'team-a', name: 'evicted-now', uid: evictedNow.uid, nodeName: 'node-a' },
      verdict: { kind: 'evict', due: true, terminating: false },
      claims: [{ entry: 'gpu', claim: evictedNow.claim, status: 'used' }],
    });
    expect(now.verdict.reasons).toEqual([`slice:${DRIVER}/node-a/node-a-${DRIVER}/gpu-0#0`]);
    expect(now.claims[0].devices[0].taints[0]).toMatchObject({ source: 'slice', outcome: 'evicts', toleratedBy: null });
    const tolerated = JSON.parse((await explain(['pod', `team-b/${forever.name}`, '-o', 'json'])).stdout);
    expect(tolerated.verdict).toEqual({
      kind: 'toleratedForever',
      by: [
        {
          claim: forever.claim,
          device: `${DRIVER}/node-a/gpu-2`,
          taint: `${TAINT_KEY}=79:NoExecute`,
          toleration: `${TAINT_KEY}:NoExecute op=Exists`,
        },
      ],
    });
  });

  test('explain rule --effect NoExecute -o json: a None rule previewed, pods by namespace, agreeing with the dry run', async () => {
    const run = await explain(['rule', 'maintenance-node-b', '--effect', 'NoExecute', '-o', 'json']);
    expect(run.code).toBe(0);
    const e = JSON.parse(run.stdout);
    expect(e).toMatchObject({
      kind: 'RuleExplanation',
      rule: { name: 'maintenance-node-b', text: 'maintenance:None', maxEvictionsPerMinute: 6 },
      preview: { effect: 'NoExecute', simulated: true, dryRun: { pods: 2, namespaces: 2 } },
      evictions: { pods: 2, namespaces: 2 },
      protected: { pods: 0 },
    });
    expect(e.preview.method).toContain('copy of the rule with effect NoExecute');
    expect(e.devices.published).toHaveLength(4);
    expect(
      e.evictions.byNamespace.map((g: { namespace: string; pods: { name: string }[] }) => [
        g.namespace,
        g.pods.map((p) => p.name),
      ]),
    ).toEqual([
      ['team-a', ['on-b-1']],
      ['team-c', ['on-b-2']],
    ]);
    // 6 per minute: the second of its evictions starts no earlier than 10 s after the first.
    const starts = e.evictions.byNamespace
      .flatMap((g: { pods: { start: { inSeconds: number } }[] }) => g.pods.map((p) => p.start.inSeconds))
      .sort((a: number, b: number) => a - b);
    expect(starts).toEqual([0, 10]);
    // The rule itself did not change: still None.
    const stored = cluster.sim.store.get(RULES, '', 'maintenance-node-b') as { spec: { taint: { effect: string } } };
    expect(stored.spec.taint.effect).toBe('None');
  });

  test('the breaker state comes from its ConfigMap', async () => {
    cluster.sim.store.ensureNamespace('kube-system');
    cluster.sim.store.create('configmaps', {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'device-taint-evictor-breaker', namespace: 'kube-system' },
      data: { state: 'open', openedAt: '2025-01-01T10:00:00Z', reason: 'too many evictions' },
    });
    try {
      const e = JSON.parse((await explain(['pod', 'team-a/evicted-now', '-o', 'json'])).stdout);
      expect(e.brakes.breaker).toMatchObject({
        state: 'open',
        configMap: 'kube-system/device-taint-evictor-breaker',
        openedAt: '2025-01-01T10:00:00Z',
        reason: 'too many evictions',
      });
      expect(e.brakes.start).toMatchObject({ heldByBreaker: true, startAt: null });
      const elsewhere = JSON.parse(
        (await explain(['pod', 'team-a/evicted-now', '-o', 'json', '--breaker-namespace', 'other'])).stdout,
      );
      expect(elsewhere.brakes.breaker).toMatchObject({
        state: 'closed',
        configMap: 'other/device-taint-evictor-breaker',
      });
    } finally {
      cluster.sim.store.delete('configmaps', 'kube-system', 'device-taint-evictor-breaker');
    }
  });

  test('an unknown pod: exit 2 and one line naming it', async () => {
    const run = await explain(['pod', 'team-a/nope']);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toEqual(['device-taint-evictor: pod team-a/nope not found']);
  });

  test('an unreachable API server: exit 1 and one line', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    if (address === null || typeof address === 'string') throw new Error('no port');
    const kubeconfig = path.join(path.dirname(cluster.kubeconfig), 'closed-port');
    await writeFile(kubeconfig, buildKubeconfig(`http://127.0.0.1:${address.port}`));
    const run = await explain(['pod', 'team-a/evicted-now'], kubeconfig);
    expect(run.code).toBe(1);
    expect(run.stderr).toHaveLength(1);
    expect(run.stderr[0]).toMatch(new RegExp(`^device-taint-evictor: API server http://127.0.0.1:${address.port}: `));
  });

  test('the API server saw reads only: discovery, gets and paginated lists, no watch and no write', () => {
    const requests = cluster.sim.requests.recent();
    expect(requests.length).toBeGreaterThan(0);
    expect(requests.filter((r) => r.method !== 'GET' || !['get', 'list', 'discovery'].includes(r.verb))).toEqual([]);
    for (const verb of ['create', 'update', 'patch', 'delete', 'watch'] as const)
      expect(cluster.sim.requests.count({ verb })).toBe(0);
    const listed = new Set(requests.filter((r) => r.verb === 'list').map((r) => r.resource));
    expect([...listed].sort()).toEqual(['devicetaintrules', 'pods', 'resourceclaims', 'resourceslices']);
    expect(requests.every((r) => r.userAgent.includes('(explain)'))).toBe(true);
  });

  test('deploy/explain-role.yaml allows every request explain sent, and grants nothing explain does not use', async () => {
    const roles = await loadRoles(fileURLToPath(new URL('../../deploy/explain-role.yaml', import.meta.url)));
    const used: Access[] = cluster.sim.requests.recent().flatMap((r) => {
      const a = accessOf(r);
      return a === null ? [] : [a];
    });
    const kinds = new Set(used.map((a) => grantKey(a.verb, a.apiGroup, a.resource)));
    expect([...kinds].sort()).toEqual(
      [
        'get /configmaps',
        'get /pods',
        'list /pods',
        'list resource.k8s.io/devicetaintrules',
        'list resource.k8s.io/resourceclaims',
        'list resource.k8s.io/resourceslices',
        // explain rule GETs the rule asked about first.
        'get resource.k8s.io/devicetaintrules',
      ].sort(),
    );
    // The Role lives in the controller's namespace, which these runs name with --breaker-namespace (or
    // its default): judged in the namespace each read went to, it must still name the ConfigMap.
    const denied = used.filter(
      (a) =>
        !allows(
          roles.map((role) => (role.kind === 'Role' ? { ...role, namespace: a.namespace } : role)),
          a,
        ),
    );
    expect(denied).toEqual([]);
    const granted = new Set(roles.flatMap(grants));
    // --workload-claims lists PodGroups; these runs do not use it.
    const unused = [...granted].filter((g) => !kinds.has(g) && g !== 'list scheduling.k8s.io/podgroups');
    expect(unused).toEqual([]);
    expect(roles.find((r) => r.kind === 'Role')?.rules[0]?.resourceNames).toEqual(['device-taint-evictor-breaker']);
  });
});
