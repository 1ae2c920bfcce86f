// deploy/Dockerfile without Docker (there is no Docker engine here or in CI): the image's runtime stage
// holds package.json, the production dependencies its build stage leaves (`npm ci`, then `npm prune
// --omit=dev`: the same tree as `npm ci --omit=dev`) and dist/. This test assembles exactly that in an
// empty directory outside the repository, from npm's cache (`--offline`: the suite's own `npm ci` filled
// it), and runs the controller from there as the image's ENTRYPOINT and CMD do. It must evict a pod
// through the simulated cluster. That catches what only the image would show, at run time: an import of
// a devDependency, or of any file the image does not carry (src/, test/, bench/, the repository's
// node_modules). The Node.js 24 pass of `npm test` runs it on the image's runtime.
//
// The Dockerfile itself is read, so a change to what the runtime stage copies or starts fails here until
// this test assembles it too.

import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type CliProcess, CliProcesses, runArgs } from '../support/cliProcess.js';
import {
  addNodeSlice,
  addWorkload,
  type E2eCluster,
  podExists,
  setDeviceTaints,
  startCluster,
  unhealthy,
} from '../support/simCluster.js';
import { waitFor } from '../support/waitFor.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const dockerfile = readFileSync(join(ROOT, 'deploy', 'Dockerfile'), 'utf8');

/** The runtime stage: everything after the last FROM. */
function runtimeStage(text: string): string {
  const at = text.lastIndexOf('\nFROM ');
  if (at < 0) throw new Error('deploy/Dockerfile has no FROM');
  return text.slice(at);
}

/** `COPY --from=build /src/<from> ./<to>` lines of the runtime stage, as [from, to]. */
function copiesOf(stage: string): [string, string][] {
  return [...stage.matchAll(/^COPY --from=build \/src\/(\S+) \.\/(\S*)$/gm)].map((m) => [m[1]!, m[2]!]);
}

/** A JSON-array instruction (ENTRYPOINT, CMD) of the runtime stage. */
function execForm(stage: string, instruction: string): string[] {
  const m = new RegExp(`^${instruction} (\\[.*\\])$`, 'm').exec(stage);
  if (m === null) throw new Error(`deploy/Dockerfile's runtime stage has no ${instruction} in exec form`);
  return JSON.parse(m[1]!) as string[];
}

const stage = runtimeStage(dockerfile);
const procs = new CliProcesses();
let app: string;
let cluster: E2eCluster;
let controller: CliProcess;

beforeAll(async () => {
  app = mkdtempSync(join(tmpdir(), 'dte-image-'));
  cpSync(join(ROOT, 'package.json'), join(app, 'package.json'));
  cpSync(join(ROOT, 'package-lock.json'), join(app, 'package-lock.json'));
  const npm = spawnSync('npm', ['ci', '--omit=dev', '--offline', '--no-audit', '--no-fund'], {
    cwd: app,
    encoding: 'utf8',
    timeout: 120_000,
  });
  if (npm.status !== 0) throw new Error(`npm ci --omit=dev --offline failed (${npm.status}): ${npm.stderr}`);
  cpSync(join(ROOT, 'dist'), join(app, 'dist'), { recursive: true });
  // What the image does not carry must not be needed: the lockfile is only the build stage's input.
  rmSync(join(app, 'package-lock.json'));
  cluster = await startCluster();
}, 150_000);

afterAll(async () => {
  await procs.stopAll();
  await cluster?.close();
  if (app !== undefined) rmSync(app, { recursive: true, force: true });
});

describe('the image, assembled as deploy/Dockerfile does', () => {
  test('its runtime stage copies package.json, node_modules and dist, and starts dist/cli/main.js run', () => {
    expect(copiesOf(stage)).toEqual([
      ['package.json', ''],
      ['node_modules', 'node_modules'],
      ['dist', 'dist'],
    ]);
    expect(execForm(stage, 'ENTRYPOINT')).toEqual(['/nodejs/bin/node', 'dist/cli/main.js']);
    expect(execForm(stage, 'CMD')).toEqual(['run']);
  });

  test('holds the production dependencies and none of the packages only development needs', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
    };
    // The lockfile marks what only devDependencies pull in (`dev: true`); a devDependency that is
    // also a production package's dependency (@types/node, of @kubernetes/client-node) stays.
    const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as {
      packages: Record<string, { dev?: boolean }>;
    };
    const devOnly = Object.entries(lock.packages)
      .filter(([path, entry]) => entry.dev === true && /^node_modules\/(@[^/]+\/)?[^/]+$/.test(path))
      .map(([path]) => path.slice('node_modules/'.length));
    expect(devOnly).toEqual(expect.arrayContaining(['vitest', 'typescript', 'tsx', '@biomejs/biome']));
    const installed = (name: string) => existsSync(join(app, 'node_modules', name, 'package.json'));
    for (const name of Object.keys(pkg.dependencies)) expect(installed(name), name).toBe(true);
    for (const name of devOnly) expect(installed(name), name).toBe(false);
  });

  test('runs from there as ENTRYPOINT + CMD and evicts a pod through the simulated cluster', async () => {
    const [, entry] = execForm(stage, 'ENTRYPOINT');
    const [command] = execForm(stage, 'CMD');
    expect(command).toBe(runArgs(cluster.kubeconfig)[0]);
    addNodeSlice(cluster.sim, 'node-image', ['gpu-0', 'gpu-1']);
    const victim = addWorkload(cluster.sim, {
      namespace: 'image',
      name: 'victim',
      node: 'node-image',
      device: 'gpu-0',
    });
    const bystander = addWorkload(cluster.sim, {
      namespace: 'image',
      name: 'bystander',
      node: 'node-image',
      device: 'gpu-1',
    });
    controller = procs.start({
      entry: join(app, entry!),
      cwd: app,
      args: runArgs(cluster.kubeconfig),
      label: 'image controller',
    });
    await controller.waitForMsg('Evicting');
    setDeviceTaints(cluster.sim, 'node-image', ['gpu-0', 'gpu-1'], { 'gpu-0': [unhealthy] });
    await waitFor(
      () => !podExists(cluster.sim, victim),
      30_000,
      () => `victim evicted by the image's controller ${controller.tail()}`,
    );
    expect(podExists(cluster.sim, bystander)).toBe(true);
    expect(await controller.stop()).toEqual({ code: 0, signal: null });
    expect(controller.stderrLines.filter((l) => /Error|Cannot find/.test(l))).toEqual([]);
  });
});
