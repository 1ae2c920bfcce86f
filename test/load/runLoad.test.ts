import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadExitCode } from '../../src/load/command.js';
import type { LoadSummary } from '../../src/load/report.js';
import { runLoad } from '../../src/load/runLoad.js';
import { type FakeEvictor, startFakeEvictor } from './fakeEvictor.js';
import { type LoadSim, startLoadSim, testOptions } from './loadSim.js';

describe('runLoad end to end against the simulated API server', () => {
  let env: LoadSim;
  let evictor: FakeEvictor | null = null;
  let dir: string;
  beforeEach(async () => {
    env = await startLoadSim();
    dir = await mkdtemp(path.join(tmpdir(), 'dte-load-'));
  });
  afterEach(async () => {
    evictor?.stop();
    evictor = null;
    await env.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('reports every due eviction, no wrongful ones, latency and API calls, and cleans up', async () => {
    evictor = startFakeEvictor(env.sim);
    const output = path.join(dir, 'summary.json');
    const printed: string[] = [];
    const summary = await runLoad(
      testOptions({
        pods: 16,
        nodes: 2,
        storm: 'gpu-lost',
        lostNodes: 1,
        tolerationRatio: 0.25,
        tolerationSeconds: 1,
        foreverRatio: 0.25,
        settle: 0.2,
        createNodes: true,
        output,
      }),
      { kubeConfig: env.kc, print: (t) => printed.push(t), runId: 'e2e' },
    );

    // 8 pods on the lost node, minus its forever-tolerating ones, are due; the rest are spared.
    expect(summary.evictions.expected + summary.evictions.spared).toBe(16);
    expect(summary.evictions.expected).toBeGreaterThanOrEqual(4);
    expect(summary.evictions.expected).toBeLessThanOrEqual(8);
    expect(summary.evictions.observed).toBe(summary.evictions.expected);
    expect(summary.evictions.observed).toBe(evictor.evicted.length);
    expect(summary.evictions.wrongful).toBe(0);
    expect(summary.evictions.missed).toBe(0);
    expect(summary.timedOut).toBe(false);
    expect(summary.evictions.withDisruptionCondition).toBe(summary.evictions.observed);
    expect(summary.latencyMs?.count).toBe(summary.evictions.observed);
    // One condition patch, one event, one delete per eviction.
    expect(summary.apiCalls.perEviction).toBe(3);
    expect(summary.population.tolerations).toEqual({ none: 8, seconds: 4, forever: 4 });
    expect(loadExitCode(summary)).toBe(0);

    const written = JSON.parse(await readFile(output, 'utf8')) as LoadSummary;
    expect(written).toEqual(JSON.parse(JSON.stringify(summary)));
    expect(Object.keys(written).sort()).toEqual(
      [
        'apiBudget',
        'apiCalls',
        'client',
        'controllerMetrics',
        'durationSeconds',
        'evictions',
        'finishedAt',
        'latencyMs',
        'population',
        'runId',
        'server',
        'startedAt',
        'storm',
        'stormResult',
        'throughput',
        'timedOut',
        'timing',
        'wrongfulPods',
      ].sort(),
    );
    expect(Object.keys(written.latencyMs ?? {}).sort()).toEqual(['count', 'max', 'mean', 'p50', 'p90', 'p99']);
    expect(printed.join('')).toMatch(/wrongful\s+0 /);

    const { store } = env.sim;
    expect(store.count('pods')).toBe(0);
    expect(store.count('resourceclaims.resource.k8s.io')).toBe(0);
    expect(store.count('resourceslices.resource.k8s.io')).toBe(0);
    expect(store.count('nodes')).toBe(0);
    expect(store.get('namespaces', '', 'dte-load')).toBeUndefined();
  });

  it('counts a controller that evicts forever-tolerating pods as wrongful', async () => {
    evictor = startFakeEvictor(env.sim, { evictForever: true });
    const summary = await runLoad(
      testOptions({ pods: 8, nodes: 1, storm: 'gpu-lost', foreverRatio: 0.25, settle: 0.5 }),
      { kubeConfig: env.kc, print: null, runId: 'bad' },
    );
    expect(summary.evictions.wrongfulForever).toBe(2);
    expect(summary.evictions.observed).toBe(6);
    expect(summary.wrongfulPods.map((p) => p.toleration)).toEqual(['forever', 'forever']);
    expect(loadExitCode(summary)).toBe(3);
  });

  it("judges the API budget from the controller's own /metrics (write counts, writes per eviction)", async () => {
    // The stand-in controller writes through 30 tokens/s, burst 3: 24 evictions × 3 writes take ≈ 2.3 s.
    const fake = startFakeEvictor(env.sim, { budget: { qps: 30, burst: 3 } });
    evictor = fake;
    const metrics = createServer((_req, res) => {
      const lines = [...fake.writes].map(([what, n]) => {
        const [verb, resource] = what.split(' ');
        return `device_taint_evictor_api_calls_total{verb="${verb}",resource="${resource}",code="200"} ${n}`;
      });
      res.writeHead(200, { 'content-type': 'text/plain' }).end(`${lines.join('\n')}\n`);
    });
    await new Promise<void>((resolve) => metrics.listen(0, '127.0.0.1', resolve));
    try {
      const port = (metrics.address() as AddressInfo).port;
      const printed: string[] = [];
      const summary = await runLoad(
        testOptions({
          pods: 24,
          nodes: 3,
          storm: 'gpu-lost',
          lostNodes: 3,
          controllerQps: 30,
          controllerBurst: 3,
          controllerMetrics: `http://127.0.0.1:${port}/metrics`,
          qps: 500,
          burst: 20,
        }),
        { kubeConfig: env.kc, print: (t) => printed.push(t), runId: 'budget' },
      );
      expect(summary.evictions).toMatchObject({ expected: 24, observed: 24, wrongful: 0 });
      expect(summary.controllerMetrics).toEqual({
        url: `http://127.0.0.1:${port}/metrics`,
        writes: 72,
        evictionWrites: 72,
        throttledByServer: 0,
      });
      expect(summary.apiBudget).toMatchObject({
        qps: 30,
        burst: 3,
        writesPerEviction: 3,
        writesSource: 'controller-metrics',
        budgetEvictionsPerSecond: 10,
      });
      // The verdict itself depends on when the writes were seen, which a busy machine shifts: it is
      // checked on fixed timestamps in budget.test.ts. Here: that it is printed.
      expect(summary.client).toMatchObject({ qps: 500, burst: 20 });
      expect(summary.client?.requests).toBeGreaterThan(24 * 3);
      expect(printed.join('')).toMatch(/api budget\s+\S/);
    } finally {
      await new Promise<void>((resolve) => metrics.close(() => resolve()));
    }
  });

  it('stops at --timeout and reports the due evictions it never saw as missed', async () => {
    const summary = await runLoad(testOptions({ pods: 8, nodes: 1, storm: 'gpu-lost', timeout: 1.5 }), {
      kubeConfig: env.kc,
      print: null,
      runId: 'tmo',
    });
    expect(summary.timedOut).toBe(true);
    expect(summary.evictions).toMatchObject({ expected: 8, observed: 0, missed: 8, wrongful: 0 });
    expect(summary.latencyMs).toBeNull();
    expect(summary.apiCalls.perEviction).toBeNull();
    expect(loadExitCode(summary)).toBe(4);
    expect(env.sim.store.count('pods')).toBe(0);
  });
});
