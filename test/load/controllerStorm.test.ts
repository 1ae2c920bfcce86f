// The load generator against the real controller: a small storm of each kind through the simulated API
// server on 127.0.0.1, with the controller started exactly as `device-taint-evictor run` starts it
// (kubeconfig, discovery, informers, worker threads, the Kubernetes executor). The generator judges the
// outcome from the outside: every due pod evicted, no tolerated pod evicted.

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runLoad } from '../../src/load/runLoad.js';
import { startController } from '../../src/main/app/bootstrap.js';
import { type ControllerOptions, defaultControllerOptions } from '../../src/main/app/options.js';
import { RecordingLogger } from '../../src/shared/logger.js';
import { startLoadSim, testOptions } from './loadSim.js';

/** The assembled controller against a load sim, with `overrides` on its options; `close` undoes both. */
async function controllerOnLoadSim(tmpPrefix: string, overrides: Partial<ControllerOptions>) {
  const log = new RecordingLogger();
  const env = await startLoadSim({ bookmarkIntervalMs: 200 });
  const dir = await mkdtemp(path.join(tmpdir(), tmpPrefix));
  const kubeconfig = path.join(dir, 'kubeconfig');
  await writeFile(kubeconfig, env.sim.kubeconfigYaml());
  const controller = await startController(
    { ...defaultControllerOptions(2), kubeconfig, workers: 2, logLevel: 'warn', ...overrides },
    { log, syncTimeoutMs: 20_000, drainTimeoutMs: 2_000 },
  ).catch(async (error: unknown) => {
    await env.close();
    await rm(dir, { recursive: true, force: true });
    throw error;
  });
  const close = async (): Promise<void> => {
    await controller.stop('test finished');
    await env.close();
    await rm(dir, { recursive: true, force: true });
  };
  return { env, controller, log, close };
}

describe('load storms against the running controller', () => {
  let setup: Awaited<ReturnType<typeof controllerOnLoadSim>>;

  beforeAll(async () => {
    setup = await controllerOnLoadSim('dte-storm-', { kubeApiQps: 0, metricsBindAddress: '0' });
  });

  afterAll(async () => {
    await setup?.close();
  });

  it.each([
    ['gpu-lost', { storm: 'gpu-lost', lostNodes: 2 }],
    ['cluster-rule', { storm: 'cluster-rule' }],
    ['rolling', { storm: 'rolling', rate: 40 }],
  ] as const)('%s: every due pod evicted, zero wrongful evictions', async (_name, storm) => {
    const summary = await runLoad(
      testOptions({
        pods: 24,
        nodes: 3,
        tolerationRatio: 0.25,
        tolerationSeconds: 1,
        foreverRatio: 0.25,
        createNodes: true,
        timeout: 60,
        settle: 0.5,
        ...storm,
      }),
      { kubeConfig: setup.env.kc, print: null },
    );
    expect(summary.timedOut).toBe(false);
    expect(summary.evictions.expected).toBeGreaterThan(0);
    expect(summary.evictions.observed).toBe(summary.evictions.expected);
    expect(summary.evictions.missed).toBe(0);
    expect(summary.evictions.wrongful).toBe(0);
    // Every eviction kept its condition and event: 3 writes seen per eviction, no more.
    expect(summary.evictions.withDisruptionCondition).toBe(summary.evictions.observed);
    expect(summary.apiCalls.perEviction).toBe(3);
    expect(setup.log.lines.filter((l) => l.level === 'error')).toEqual([]);
    // This controller has no API budget (--kube-api-qps 0): whatever the verdict, the budget is not the bound.
    expect(summary.apiBudget.bound).not.toBe(true);
  });
});

describe('the load summary judges the real controller held back by its API budget', () => {
  let setup: Awaited<ReturnType<typeof controllerOnLoadSim>>;

  beforeAll(async () => {
    setup = await controllerOnLoadSim('dte-budget-', {
      // A small budget, so 24 evictions × 3 writes take ≈ 3 s after the burst.
      kubeApiQps: 20,
      kubeApiBurst: 6,
      metricsBindAddress: '127.0.0.1:0',
    });
  });

  afterAll(async () => {
    await setup?.close();
  });

  it("gpu-lost at --kube-api-qps 20: budget-bound, from the controller's own /metrics count of its writes", async () => {
    const ops = setup.controller.opsAddress;
    if (ops === null) throw new Error('the controller serves no /metrics');
    const summary = await runLoad(
      testOptions({
        pods: 24,
        nodes: 3,
        storm: 'gpu-lost',
        lostNodes: 3,
        createNodes: true,
        timeout: 60,
        controllerQps: 20,
        controllerBurst: 6,
        controllerMetrics: `http://${ops.host}:${ops.port}/metrics`,
        // Worker threads report their API call counts once a second: settle past that.
        settle: 1.5,
      }),
      { kubeConfig: setup.env.kc, print: null },
    );
    expect(summary.evictions).toMatchObject({ expected: 24, observed: 24, wrongful: 0 });
    // 72 writes (3 per eviction); a loaded machine may delay the workers' last report past the scrape.
    const scraped = summary.controllerMetrics as { evictionWrites: number; throttledByServer: number };
    expect(scraped.throttledByServer).toBe(0);
    expect(scraped.evictionWrites).toBeGreaterThanOrEqual(60);
    expect(scraped.evictionWrites).toBeLessThanOrEqual(72);
    expect(summary.apiBudget).toMatchObject({ writesSource: 'controller-metrics', bound: true });
    expect(summary.apiBudget.verdict).toMatch(/raise --kube-api-qps on the controller/);
    expect(setup.log.lines.filter((l) => l.level === 'error')).toEqual([]);
  });
});
