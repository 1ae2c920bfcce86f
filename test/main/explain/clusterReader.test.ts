// Reading a cluster for `explain` against the simulated apiserver in-process: every object across
// list pages, the rules' rate annotations (projected), the breaker's ConfigMap (absent, open, unreadable), and the
// object asked about checked first.

import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { readCluster } from '../../../src/main/explain/clusterReader.js';
import { ExplainError, ExplainNotFoundError } from '../../../src/main/explain/common.js';
import {
  addNodeSlice,
  addWorkload,
  DRIVER,
  type E2eCluster,
  setDeviceTaints,
  startCluster,
  unhealthy,
} from '../../support/simCluster.js';

let cluster: E2eCluster;

beforeAll(async () => {
  cluster = await startCluster();
  addNodeSlice(cluster.sim, 'node-1', ['gpu-0', 'gpu-1', 'gpu-2']);
  addNodeSlice(cluster.sim, 'node-2', ['gpu-0']);
  setDeviceTaints(cluster.sim, 'node-1', ['gpu-0', 'gpu-1', 'gpu-2'], { 'gpu-0': [unhealthy] });
  for (let i = 0; i < 3; i++)
    addWorkload(cluster.sim, { namespace: `ns-${i % 2}`, name: `p${i}`, node: 'node-1', device: `gpu-${i}` });
  cluster.sim.store.create('devicetaintrules.resource.k8s.io', {
    apiVersion: 'resource.k8s.io/v1',
    kind: 'DeviceTaintRule',
    metadata: { name: 'limited', annotations: { 'device-taint-evictor.io/max-evictions-per-minute': '12' } },
    spec: { deviceSelector: { driver: DRIVER }, taint: { key: 'k', effect: 'None' } },
  });
  cluster.sim.store.create('devicetaintrules.resource.k8s.io', {
    apiVersion: 'resource.k8s.io/v1',
    kind: 'DeviceTaintRule',
    metadata: { name: 'plain' },
    spec: { deviceSelector: { driver: DRIVER, pool: 'node-2' }, taint: { key: 'k', effect: 'NoExecute' } },
  });
});

afterAll(async () => {
  await cluster?.close();
});

const read = (extra: Partial<Parameters<typeof readCluster>[0]> = {}) =>
  readCluster({
    kubeconfig: cluster.kubeconfig,
    workloadClaims: false,
    breakerNamespace: 'kube-system',
    target: { kind: 'pod', namespace: 'ns-0', name: 'p0' },
    ...extra,
  });

describe('readCluster', () => {
  test('every object, one per page, projected as the informers project them', async () => {
    cluster.sim.requests.reset();
    const s = await read({ pageSize: 1 });
    expect(s.pods.map((p) => `${p.namespace}/${p.name}`).sort()).toEqual(['ns-0/p0', 'ns-0/p2', 'ns-1/p1']);
    expect(s.claims).toHaveLength(3);
    expect(s.slices.map((x) => x.pool).sort()).toEqual(['node-1', 'node-2']);
    expect(s.slices.find((x) => x.pool === 'node-1')?.devices[0]?.taints[0]).toMatchObject({ effect: 'NoExecute' });
    expect(s.rules.map((r) => r.name).sort()).toEqual(['limited', 'plain']);
    // The rate annotation, as the rule projection reads it.
    expect(s.rules.find((r) => r.name === 'limited')?.startLimit).toEqual({ perMinute: 12, invalid: null });
    expect(s.rules.find((r) => r.name === 'plain')?.startLimit).toBeNull();
    expect(s.rulesServed).toBe(true);
    expect(s.skipped).toEqual([]);
    expect(s.server).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    // Pages: 3 pods and 3 claims take 3 pages each, with continue tokens.
    const podLists = cluster.sim.requests.recent({ verb: 'list', resource: 'pods' });
    expect(podLists.length).toBeGreaterThanOrEqual(3);
    expect(cluster.sim.requests.count({ verb: 'watch' })).toBe(0);
  });

  test('the breaker: closed without a ConfigMap, open as recorded, unknown when unreadable', async () => {
    expect((await read()).breaker).toEqual({
      state: 'closed',
      configMap: 'kube-system/device-taint-evictor-breaker',
      recorded: false,
      openedAt: null,
      reason: '',
    });
    cluster.sim.store.ensureNamespace('dte');
    cluster.sim.store.create('configmaps', {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'my-breaker', namespace: 'dte' },
      data: { state: 'open', openedAt: '2025-01-01T10:00:00Z', reason: 'r' },
    });
    expect((await read({ breakerNamespace: 'dte', breakerName: 'my-breaker' })).breaker).toEqual({
      state: 'open',
      configMap: 'dte/my-breaker',
      recorded: true,
      openedAt: Date.UTC(2025, 0, 1, 10),
      reason: 'r',
    });
    cluster.sim.setFaults({ verbs: { get: { errorRate: 1, code: 403, resources: ['configmaps'] } } });
    try {
      const breaker = (await read({ breakerNamespace: 'dte', breakerName: 'my-breaker' })).breaker;
      expect(breaker).toMatchObject({ state: 'unknown', configMap: 'dte/my-breaker' });
      expect(breaker.state === 'unknown' && breaker.error).toMatch(/^HTTP 403/);
    } finally {
      cluster.sim.setFaults({});
    }
  });

  test('the object asked about comes first: unknown pod or rule is ExplainNotFoundError, before any list', async () => {
    cluster.sim.requests.reset();
    await expect(read({ target: { kind: 'pod', namespace: 'ns-0', name: 'nope' } })).rejects.toThrow(
      new ExplainNotFoundError('pod ns-0/nope not found'),
    );
    await expect(read({ target: { kind: 'rule', name: 'nope' } })).rejects.toThrow(
      new ExplainNotFoundError('DeviceTaintRule nope not found'),
    );
    expect(cluster.sim.requests.count({ verb: 'list' })).toBe(0);
  });

  test('a forbidden GET of the pod is no verdict: the lists decide (a role may grant list without get)', async () => {
    cluster.sim.setFaults({ verbs: { get: { errorRate: 1, code: 403, resources: ['pods'] } } });
    try {
      const s = await read({ target: { kind: 'pod', namespace: 'ns-0', name: 'p0' } });
      expect(s.pods.some((p) => p.name === 'p0')).toBe(true);
    } finally {
      cluster.sim.setFaults({});
    }
  });

  test('a list the server refuses is one ExplainError line naming the server', async () => {
    cluster.sim.setFaults({ verbs: { list: { errorRate: 1, code: 403, resources: ['resourceclaims'] } } });
    try {
      const error = await read().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ExplainError);
      expect((error as Error).message).toMatch(/^API server http:\/\/127\.0\.0\.1:\d+: HTTP 403 /);
      expect((error as Error).message).not.toContain('\n');
    } finally {
      cluster.sim.setFaults({});
    }
  });
});
