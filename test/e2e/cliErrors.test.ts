// End to end: what an operator sees when `run` cannot start — exit code 1 and one line on stderr
// naming the problem, never a stack trace, within about 3 s for an unreachable server — and that a
// bad flag value or config file is a usage error (exit 2, one line and a hint, no help dump) refused
// before any connection is attempted.

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, test } from 'vitest';
import { buildKubeconfig } from '../../src/sim/kubeconfig.js';
import { startSimServer } from '../../src/sim/server.js';
import { CliProcesses } from '../support/cliProcess.js';

const procs = new CliProcesses();
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'dte-e2e-cli-'));
});

// The cases run concurrently (the unreachable-server case waits out discovery retries), so children
// are reaped once for the file rather than after each case; each case awaits its own child's exit.
afterAll(async () => {
  await procs.stopAll();
  await rm(dir, { recursive: true, force: true });
});

/** A port nothing listens on: bound by the OS, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return address.port;
}

async function runToExit(args: readonly string[]) {
  const p = procs.start({ args, label: `cli ${args.join(' ')}` });
  const status = await p.exited;
  return { status, stderr: p.stderrLines, stdout: p.logs };
}

describe.concurrent('run refuses to start with one clear line', () => {
  test('a missing kubeconfig', async ({ expect }) => {
    const missing = path.join(dir, 'does-not-exist', 'kubeconfig');
    const { status, stderr } = await runToExit(['run', '--kubeconfig', missing, '--metrics-bind-address', '0']);
    expect(status.code).toBe(1);
    expect(stderr).toHaveLength(1);
    expect(stderr[0]).toMatch(/^device-taint-evictor: /);
    expect(stderr[0]).toContain(missing);
  });

  test('a kubeconfig that is not a kubeconfig', async ({ expect }) => {
    const garbage = path.join(dir, 'garbage.yaml');
    await writeFile(garbage, 'clusters: [this is: not, a kubeconfig\n');
    const { status, stderr } = await runToExit(['run', '--kubeconfig', garbage, '--metrics-bind-address', '0']);
    expect(status.code).toBe(1);
    expect(stderr).toHaveLength(1);
    expect(stderr[0]).toMatch(/^device-taint-evictor: \S/);
    expect(stderr[0]).not.toMatch(/\n|^\s+at /);
  });

  test('an API server that is not there: one line naming it and the cause, nothing louder before it', async ({
    expect,
  }) => {
    const port = await closedPort();
    const kubeconfig = path.join(dir, 'closed-port');
    await writeFile(kubeconfig, buildKubeconfig(`http://127.0.0.1:${port}`));
    const { status, stderr, stdout } = await runToExit([
      'run',
      '--kubeconfig',
      kubeconfig,
      '--metrics-bind-address',
      '0',
    ]);
    expect(status.code).toBe(1);
    expect(stderr).toHaveLength(1);
    expect(stderr[0]).toMatch(/^device-taint-evictor: /);
    expect(stderr[0]).toContain(`127.0.0.1:${port}`);
    expect(stderr[0]).toContain('ECONNREFUSED');
    // The start-up line, and no warnings: retries are routine, only the verdict matters.
    expect(stdout.map((l) => l.msg)).toEqual(['Starting device-taint-evictor']);
  }, 90_000);

  test('an invalid flag value (--workers 0)', async ({ expect }) => {
    const { status, stderr, stdout } = await runToExit([
      'run',
      '--kubeconfig',
      path.join(dir, 'unused'),
      '--workers',
      '0',
    ]);
    expect(status.code).toBe(2);
    const text = stderr.join('\n');
    expect(text).toContain('--workers');
    expect(text).toContain('expected a whole number ≥ 1, got "0"');
    expect(text).toContain('(see --help)');
    // One error line and the hint, not the whole help text.
    expect(stderr.length).toBeLessThanOrEqual(2);
    // Refused while parsing flags: the controller never started, so it never logged anything.
    expect(stdout).toEqual([]);
  });

  test('a bad metrics address is refused before any connection', async ({ expect }) => {
    const sim = await startSimServer({ port: 0 });
    try {
      const kubeconfig = path.join(dir, 'bad-metrics');
      await writeFile(kubeconfig, sim.kubeconfigYaml());
      const { status, stderr } = await runToExit([
        'run',
        '--kubeconfig',
        kubeconfig,
        '--metrics-bind-address',
        'nonsense',
      ]);
      expect(status.code).toBe(1);
      expect(stderr).toEqual([expect.stringContaining('--metrics-bind-address')]);
      // Not even discovery was attempted.
      expect(sim.requests.count()).toBe(0);
    } finally {
      await sim.close();
    }
  });

  test('a config file with an unknown key, and one with a bad value, are usage errors', async ({ expect }) => {
    const unknown = path.join(dir, 'unknown.yaml');
    await writeFile(unknown, 'kube-api-qps: 50\nfast-mode: true\n');
    const a = await runToExit(['run', '--config', unknown]);
    expect(a.status.code).toBe(2);
    expect(a.stderr).toEqual([expect.stringMatching(/unknown key "fast-mode".*\(see --help\)$/)]);
    const bad = path.join(dir, 'bad.yaml');
    await writeFile(bad, 'leader-elect-lease-duration: 15\n');
    const b = await runToExit(['run', '--config', bad]);
    expect(b.status.code).toBe(2);
    expect(b.stderr.join('\n')).toContain('"leader-elect-lease-duration": expected a duration like 15s');
  });
});
