// Drives the real `kubectl` binary against a simulated apiserver on 127.0.0.1 (one per test file):
// a kubeconfig the sim writes for itself, a private discovery/OpenAPI cache and HOME, and a
// promise-returning runner so independent commands run in parallel. Without kubectl on PATH the
// tier skips with the reason logged (see `kubectlMissing`), never passing silently.

import { execFile, spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type SimServer, type SimServerOptions, startSimServer } from '../../src/sim/index.js';

/** Why the tier cannot run here (kubectl missing or broken), or undefined when it can. */
export const kubectlMissing: string | undefined = (() => {
  const probe = spawnSync('kubectl', ['version', '--client', '--output=json'], { encoding: 'utf8', timeout: 20_000 });
  if (probe.error !== undefined) return `kubectl is not on PATH (${probe.error.message})`;
  if (probe.status !== 0) return `kubectl version --client failed: ${probe.stderr.trim()}`;
  return undefined;
})();

if (kubectlMissing !== undefined) {
  // Visible in the test output: a skipped tier must say why.
  console.warn(`[test/kubectl] skipping the kubectl tier: ${kubectlMissing}`);
}

export interface KubectlResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface KubectlSim {
  readonly sim: SimServer;
  readonly dir: string;
  /** Runs `kubectl <args>` against the sim; resolves with its exit code and output (never rejects). */
  kubectl(args: readonly string[], stdin?: string): Promise<KubectlResult>;
  /** Like `kubectl`, but fails the test with kubectl's stderr unless it exits 0; returns stdout. */
  ok(args: readonly string[], stdin?: string): Promise<string>;
  /** Writes a file into the sim's private directory and returns its path. */
  file(name: string, content: string): Promise<string>;
  close(): Promise<void>;
}

export async function startKubectlSim(opts: SimServerOptions = {}): Promise<KubectlSim> {
  const sim = await startSimServer(opts);
  const dir = await mkdtemp(join(tmpdir(), 'kubectl-sim-'));
  const kubeconfig = join(dir, 'kubeconfig');
  await sim.writeKubeconfig(kubeconfig);
  const env = { ...process.env, HOME: dir, KUBECONFIG: kubeconfig };
  const kubectl = (args: readonly string[], stdin?: string): Promise<KubectlResult> =>
    new Promise((resolve) => {
      const child = execFile(
        'kubectl',
        ['--kubeconfig', kubeconfig, '--cache-dir', join(dir, 'cache'), ...args],
        { env, timeout: 30_000, maxBuffer: 16 * 1024 * 1024 },
        (err, stdout, stderr) => {
          const code = err === null ? 0 : typeof err.code === 'number' ? err.code : 1;
          resolve({ code, stdout, stderr });
        },
      );
      if (stdin !== undefined) child.stdin?.end(stdin);
    });
  return {
    sim,
    dir,
    kubectl,
    async ok(args, stdin) {
      const r = await kubectl(args, stdin);
      if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
      return r.stdout;
    },
    async file(name, content) {
      const path = join(dir, name);
      await writeFile(path, content);
      return path;
    },
    async close() {
      await sim.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Table output as rows of cells (kubectl separates columns by 3+ spaces; cells never hold that). */
export const tableRows = (out: string): string[][] =>
  out
    .trim()
    .split('\n')
    .map((line) => line.trim().split(/\s{3,}/));
