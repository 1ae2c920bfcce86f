import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import { afterEach, describe, expect, it } from 'vitest';
import { LOAD_EXIT, registerLoadCommand, stderrLogger } from '../../src/load/command.js';
import { LOAD_OPTION_DEFINITIONS, type LoadOptions, parseLoadOptions } from '../../src/load/options.js';
import { LineProgress } from '../../src/load/progress.js';
import { startFakeEvictor } from './fakeEvictor.js';
import { startLoadSim } from './loadSim.js';

async function parseCli(args: readonly string[]): Promise<LoadOptions> {
  const program = new Command().exitOverride();
  let captured: Record<string, unknown> = {};
  // Replace the real action: this test is about flag → option mapping, not about running a load.
  registerLoadCommand(program).action((raw: Record<string, unknown>) => {
    captured = raw;
  });
  await program.parseAsync(['node', 'device-taint-evictor', 'load', ...args]);
  return parseLoadOptions(captured);
}

describe('load command options', () => {
  it('maps every flag to its option and applies defaults', async () => {
    const opts = await parseCli([
      '--kubeconfig',
      '/tmp/kc',
      '--pods',
      '500',
      '--storm',
      'rolling',
      '--rate',
      '25',
      '--toleration-ratio',
      '0.2',
      '--toleration-seconds',
      '30',
      '--forever-ratio',
      '0.1',
      '--no-cleanup',
      '--output',
      '/tmp/out.json',
      '--skew-ms',
      '250',
    ]);
    expect(opts).toMatchObject({
      kubeconfig: '/tmp/kc',
      pods: 500,
      storm: 'rolling',
      rate: 25,
      tolerationRatio: 0.2,
      tolerationSeconds: 30,
      foreverRatio: 0.1,
      cleanup: false,
      output: '/tmp/out.json',
      skewMs: 250,
      // defaults
      namespace: 'dte-load',
      devicesPerNode: 8,
      driver: 'gpu.nvidia.com',
      taintKey: 'gpu.nvidia.com/xid',
      concurrency: 32,
    });
    expect((await parseCli([])).cleanup).toBe(true);
  });

  it('maps the client and controller budget flags; both budgets have defaults', async () => {
    const opts = await parseCli([
      '--qps',
      '50',
      '--burst',
      '100',
      '--controller-qps',
      '50',
      '--controller-burst',
      '100',
      '--controller-metrics',
      'https://127.0.0.1:8443/metrics',
      '--controller-metrics-token-file',
      '/tmp/token',
      '--controller-metrics-insecure',
    ]);
    expect(opts).toMatchObject({
      qps: 50,
      burst: 100,
      controllerQps: 50,
      controllerBurst: 100,
      controllerMetrics: 'https://127.0.0.1:8443/metrics',
      controllerMetricsTokenFile: '/tmp/token',
      controllerMetricsInsecure: true,
    });
    // Unlimited own client (as before), and the controller's own defaults (--kube-api-qps 20/30).
    expect(await parseCli([])).toMatchObject({
      qps: 0,
      controllerQps: 20,
      controllerBurst: 30,
      controllerMetricsInsecure: false,
    });
    expect((await parseCli([])).controllerMetrics).toBeUndefined();
    expect(() => parseLoadOptions({ controllerMetrics: 'not a url' })).toThrow(/--controller-metrics/);
    expect(() => parseLoadOptions({ qps: -1 })).toThrow(/--qps/);
  });

  it('documents each option key with exactly one flag', () => {
    const keys = LOAD_OPTION_DEFINITIONS.map((d) => d.key);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('rejects bad values with one readable error', async () => {
    await expect(parseCli(['--storm', 'meteor'])).rejects.toThrow(/storm/);
    expect(() => parseLoadOptions({ tolerationRatio: 0.7, foreverRatio: 0.5 })).toThrow(/must not exceed 1/);
    expect(() => parseLoadOptions({ pods: 0 })).toThrow(/pods/);
    expect(() => parseLoadOptions({ namespace: 'Not_A_Label' })).toThrow(/namespace/);
  });
});

describe('LineProgress', () => {
  it('prints at most one line per interval per phase, plus the final count', () => {
    let now = 0;
    const lines: string[] = [];
    const progress = new LineProgress({ write: (t: string) => lines.push(t) }, 1000, () => now);
    const phase = progress.phase('create', 10);
    for (let i = 1; i <= 10; i++) {
      now += 300;
      phase.update(i);
    }
    phase.done();
    expect(lines).toEqual(['create: 1/10\n', 'create: 5/10\n', 'create: 9/10\n', 'create: 10/10\n']);
  });
});

describe('load command runs', () => {
  const savedExitCode = process.exitCode;
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    process.exitCode = savedExitCode;
    for (const c of cleanups.splice(0)) await c();
  });

  const run = async (args: readonly string[]) => {
    const lines: string[] = [];
    const printed: string[] = [];
    const program = new Command().exitOverride();
    registerLoadCommand(program, { log: stderrLogger((l) => lines.push(l)), print: (t) => printed.push(t) });
    await program.parseAsync(['node', 'device-taint-evictor', 'load', ...args]);
    return { lines, printed, exitCode: process.exitCode };
  };

  it('turns a missing kubeconfig into one error line and exit code 3', async () => {
    const { lines, exitCode } = await run(['--kubeconfig', '/nonexistent/kubeconfig', '--progress', 'off']);
    expect(exitCode).toBe(LOAD_EXIT.failed);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^error load: kubeconfig \/nonexistent\/kubeconfig: file not found/);
  });

  it('runs a storm through a kubeconfig file, writes --output and exits 0', async () => {
    const env = await startLoadSim();
    const evictor = startFakeEvictor(env.sim);
    const dir = await mkdtemp(path.join(tmpdir(), 'dte-load-cli-'));
    cleanups.push(async () => {
      evictor.stop();
      await env.close();
      await rm(dir, { recursive: true, force: true });
    });
    const kubeconfig = path.join(dir, 'kubeconfig');
    await writeFile(kubeconfig, env.sim.kubeconfigYaml());
    const output = path.join(dir, 'summary.json');
    const args = ['--kubeconfig', kubeconfig, '--pods', '8', '--storm', 'gpu-lost', '--settle', '0'];
    const { printed, exitCode } = await run([...args, '--progress', 'off', '--output', output]);
    expect(exitCode).toBe(LOAD_EXIT.ok);
    const summary = JSON.parse(await readFile(output, 'utf8')) as { evictions: { observed: number; wrongful: number } };
    expect(summary.evictions).toMatchObject({ observed: 8, wrongful: 0 });
    expect(printed.join('')).toMatch(/evictions\s+8 of 8 expected/);
  });
});
