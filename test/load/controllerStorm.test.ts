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
import type { Controller } from '../../src/main/app/controller.js';
import { defaultControllerOptions } from '../../src/main/app/options.js';
import { RecordingLogger } from '../../src/shared/logger.js';
import { type LoadSim, startLoadSim, testOptions } from './loadSim.js';

describe('load storms against the running controller', () => {
  let env: LoadSim;
  let controller: Controller;
  let dir: string;
  const log = new RecordingLogger();

  beforeAll(async () => {
    env = await startLoadSim({ bookmarkIntervalMs: 200 });
    dir = await mkdtemp(path.join(tmpdir(), 'dte-storm-'));
    const kubeconfig = path.join(dir, 'kubeconfig');
    await writeFile(kubeconfig, env.sim.kubeconfigYaml());
    controller = await startController(
      {
        ...defaultControllerOptions(2),
        kubeconfig,
        workers: 2,
        kubeApiQps: 0,
        metricsBindAddress: '0',
        logLevel: 'warn',
      },
      { log, syncTimeoutMs: 20_000, drainTimeoutMs: 2_000 },
    );
  });

  afterAll(async () => {
    await controller?.stop('test finished');
    await env?.close();
    await rm(dir, { recursive: true, force: true });
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
      { kubeConfig: env.kc, print: null },
    );
    expect(summary.timedOut).toBe(false);
    expect(summary.evictions.expected).toBeGreaterThan(0);
    expect(summary.evictions.observed).toBe(summary.evictions.expected);
    expect(summary.evictions.missed).toBe(0);
    expect(summary.evictions.wrongful).toBe(0);
    // Every eviction kept its condition and event: 3 writes seen per eviction, no more.
    expect(summary.evictions.withDisruptionCondition).toBe(summary.evictions.observed);
    expect(summary.apiCalls.perEviction).toBe(3);
    expect(log.lines.filter((l) => l.level === 'error')).toEqual([]);
  });
});
