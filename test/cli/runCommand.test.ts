// `run`'s flags as kube-controller-manager users type them: names, aliases, verbosity, feature gates,
// a config file the command line overrides, and the checks made before anything starts.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { parseFeatureGates } from '../../src/cli/featureGates.js';
import { parseDurationMs, UsageError } from '../../src/cli/parseFlags.js';
import { levelOfVerbosity, registerRunCommand } from '../../src/cli/runCommand.js';
import type { ControllerOptions } from '../../src/main/app/options.js';

let dir: string | null = null;
afterEach(() => {
  if (dir !== null) rmSync(dir, { recursive: true, force: true });
  dir = null;
  vi.restoreAllMocks();
});

/** Parses `run <args>` and returns the options the controller would get (or throws the usage error). */
async function optionsOf(args: readonly string[]): Promise<ControllerOptions> {
  const program = new Command('t').exitOverride();
  let got: ControllerOptions | null = null;
  registerRunCommand(program, async (options) => {
    got = options;
  }).exitOverride();
  await program.parseAsync(['node', 't', 'run', ...args]);
  if (got === null) throw new Error('the action did not run');
  return got;
}

function configFile(text: string): string {
  dir ??= mkdtempSync(path.join(tmpdir(), 'dte-cli-'));
  const file = path.join(dir, 'config.yaml');
  writeFileSync(file, text);
  return file;
}

describe('run flags', () => {
  it("defaults as kube-controller-manager's, metrics on loopback only", async () => {
    const o = await optionsOf([]);
    expect(o).toMatchObject({
      concurrentSyncs: 10,
      kubeApiQps: 20,
      kubeApiBurst: 30,
      leaderElectLeaseDurationMs: 15_000,
      leaderElectRenewDeadlineMs: 10_000,
      leaderElectRetryPeriodMs: 2_000,
      leaderElectResourceNamespace: 'kube-system',
      metricsBindAddress: '127.0.0.1:8080',
      metricsSecure: false,
      logLevel: 'info',
      workloadClaims: false,
      deviceTaintRules: true,
    });
    expect(o.workers).toBeGreaterThanOrEqual(1);
    expect(o.workers).toBeLessThanOrEqual(8);
  });

  it('takes the kube-controller-manager names, and the old ones with a deprecation line', async () => {
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const o = await optionsOf([
      '--concurrent-device-taint-eviction-syncs',
      '25',
      '--leader-elect-resource-namespace',
      'ops',
      '--leader-elect-lease-duration',
      '1m30s',
      '--leader-elect-renew-deadline',
      '500ms',
      '--leader-elect-retry-period',
      '100ms',
      '--leader-elect-lease-name',
      'old-name',
    ]);
    expect(o).toMatchObject({
      concurrentSyncs: 25,
      leaderElectResourceNamespace: 'ops',
      leaderElectResourceName: 'old-name',
      leaderElectLeaseDurationMs: 90_000,
      leaderElectRenewDeadlineMs: 500,
      leaderElectRetryPeriodMs: 100,
    });
    expect(stderr).toHaveBeenCalledWith(expect.stringContaining('--leader-elect-lease-name is deprecated'));
    expect((await optionsOf(['--concurrent-syncs', '3'])).concurrentSyncs).toBe(3);
  });

  it('maps -v onto the log levels and refuses -v together with --log-level', async () => {
    expect((await optionsOf(['-v', '2'])).logLevel).toBe('info');
    expect((await optionsOf(['--v', '4'])).logLevel).toBe('debug');
    expect([0, 3, 4, 9].map(levelOfVerbosity)).toEqual(['info', 'info', 'debug', 'debug']);
    await expect(optionsOf(['-v', '4', '--log-level', 'warn'])).rejects.toBeInstanceOf(UsageError);
  });

  it('reads --feature-gates like kube-controller-manager, ignoring (and naming) gates of others', async () => {
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const o = await optionsOf(['--feature-gates', 'DRAWorkloadResourceClaims=true,SomeOtherGate=false']);
    expect(o.workloadClaims).toBe(true);
    expect(stderr).toHaveBeenCalledWith(expect.stringContaining('ignored: SomeOtherGate'));
    expect((await optionsOf(['--feature-gates', 'DRADeviceTaintRules=false'])).deviceTaintRules).toBe(false);
    expect(() => parseFeatureGates('DRADeviceTaints=false')).toThrow(/switches this controller off/);
    expect(() => parseFeatureGates('NoValue')).toThrow(/Name=true\|false/);
    await expect(
      optionsOf(['--workload-claims', '--feature-gates', 'DRAWorkloadResourceClaims=false']),
    ).rejects.toBeInstanceOf(UsageError);
  });

  it('serves metrics securely on :8443 when asked, and checks TLS flag pairs', async () => {
    expect((await optionsOf(['--metrics-secure'])).metricsBindAddress).toBe(':8443');
    expect((await optionsOf(['--metrics-secure', '--metrics-bind-address', ':9443'])).metricsBindAddress).toBe(':9443');
    await expect(optionsOf(['--metrics-secure', '--tls-cert-file', '/nope'])).rejects.toThrow(/go together/);
    const cert = configFile('not really a cert');
    await expect(optionsOf(['--tls-cert-file', cert, '--tls-private-key-file', cert])).rejects.toThrow(
      /needs --metrics-secure/,
    );
  });

  it('refuses leader election timings client-go would refuse', async () => {
    await expect(
      optionsOf(['--leader-elect-lease-duration', '5s', '--leader-elect-renew-deadline', '10s']),
    ).rejects.toThrow(/leaseDuration must be greater than renewDeadline/);
  });

  it('parses Go durations and refuses bare numbers', () => {
    expect(['15s', '2m', '500ms', '1h30m', '1.5s'].map(parseDurationMs)).toEqual([
      15_000, 120_000, 500, 5_400_000, 1_500,
    ]);
    expect(() => parseDurationMs('15')).toThrow(/expected a duration/);
    expect(() => parseDurationMs('15 s')).toThrow(/expected a duration/);
  });
});

describe('--config', () => {
  it('fills flags from the file; the command line wins over it', async () => {
    const file = configFile(
      [
        'kube-api-qps: 50',
        'leader-elect: true',
        'leader-elect-lease-duration: 30s',
        'leader-elect-renew-deadline: 20s',
        'feature-gates: {DRAWorkloadResourceClaims: true}',
        'workers: 3',
      ].join('\n'),
    );
    const o = await optionsOf(['--config', file, '--kube-api-qps', '7']);
    expect(o).toMatchObject({
      kubeApiQps: 7,
      leaderElect: true,
      leaderElectLeaseDurationMs: 30_000,
      leaderElectRenewDeadlineMs: 20_000,
      workloadClaims: true,
      workers: 3,
    });
  });

  it('checks every value with the flag parser, and refuses unknown keys', async () => {
    await expect(optionsOf(['--config', configFile('workers: zero\n')])).rejects.toThrow(/"workers"/);
    await expect(optionsOf(['--config', configFile('leader-elect: "yes"\n')])).rejects.toThrow(/true or false/);
    await expect(optionsOf(['--config', configFile('turbo: true\n')])).rejects.toThrow(/unknown key "turbo"/);
    await expect(optionsOf(['--config', configFile('- a list\n')])).rejects.toThrow(/expected a map/);
    await expect(optionsOf(['--config', '/no/such/file.yaml'])).rejects.toBeInstanceOf(UsageError);
  });
});

describe('brake flags', () => {
  it('are off by default, as upstream has none', async () => {
    vi.stubEnv('POD_NAMESPACE', '');
    expect(await optionsOf([])).toMatchObject({
      maxEvictionsPerSecond: 0,
      breakerMaxEvictions: null,
      breakerMaxPercent: null,
      breakerWindowMs: 600_000,
      breakerAutoResetAfterMs: null,
      breakerNamespace: 'kube-system',
      breakerName: 'device-taint-evictor-breaker',
    });
    vi.unstubAllEnvs();
  });

  it('read rates, counts, percentages and durations', async () => {
    vi.stubEnv('POD_NAMESPACE', '');
    const o = await optionsOf([
      '--max-evictions-per-second',
      '2.5',
      '--max-evictions-burst',
      '10',
      '--breaker-max-evictions',
      '50',
      '--breaker-max-percent',
      '12.5%',
      '--breaker-window',
      '5m',
      '--breaker-auto-reset-after',
      '1h',
      '--leader-elect-resource-namespace',
      'ops',
    ]);
    expect(o).toMatchObject({
      maxEvictionsPerSecond: 2.5,
      maxEvictionsBurst: 10,
      breakerMaxEvictions: 50,
      breakerMaxPercent: 12.5,
      breakerWindowMs: 300_000,
      breakerAutoResetAfterMs: 3_600_000,
      // The controller's own namespace when nothing else says: the Lease's.
      breakerNamespace: 'ops',
    });
    vi.stubEnv('POD_NAMESPACE', 'dte');
    expect((await optionsOf([])).breakerNamespace).toBe('dte');
    expect((await optionsOf(['--breaker-namespace', 'x'])).breakerNamespace).toBe('x');
    vi.unstubAllEnvs();
  });

  it.each([
    [['--breaker-max-percent', '0'], /percentage/],
    [['--breaker-max-percent', '101'], /percentage/],
    [['--breaker-max-evictions', '0'], /≥ 1/],
    [['--max-evictions-per-second', '-1'], /≥ 0/],
    [['--breaker-window', '10'], /duration/],
    [['--breaker-auto-reset-after', '1h'], /needs --breaker-max-evictions or --breaker-max-percent/],
  ])('refuses %j', async (args, error) => {
    await expect(optionsOf(args)).rejects.toThrow(error);
  });

  it("accepts deploy/deployment.yaml's arguments as they are", async () => {
    const { parse } = await import('yaml');
    const { readFileSync } = await import('node:fs');
    const docs = readFileSync(new URL('../../deploy/deployment.yaml', import.meta.url), 'utf8');
    const deployment = parse(docs) as { spec: { template: { spec: { containers: { args: string[] }[] } } } };
    const [run, ...args] = deployment.spec.template.spec.containers[0]!.args;
    expect(run).toBe('run');
    const o = await optionsOf(args);
    expect(o.breakerMaxEvictions).toBeGreaterThan(0);
    expect(o.breakerMaxPercent).toBeGreaterThan(0);
    expect(o.maxEvictionsPerSecond).toBeGreaterThan(0);
    expect(o.breakerNamespace).toBe(o.leaderElectResourceNamespace);
  });
});
