// Runs the model and property tests whose inputs come from a seed again and again, each time with a
// new random seed, for as long as asked. `npm test` runs each with one fixed seed, so a run is
// reproducible but most of their input space is never tried; this is how the rest gets tried. It found
// the duplicated-device-name bug that test/main/engine/pools.test.ts now pins (4 failures in 38,000
// runs of reflectorBurst.property).
//
//   npm run fuzz -- [--minutes 30] [--runs 1000] [--out fuzz-failures]
//
// A failing iteration's vitest output is kept as <out>/<seed>.log; fast-check prints the counterexample
// and the path to replay it. Replay: FC_SEED=<seed> FC_RUNS=<runs> npx vitest run <the failing file>.

import { spawnSync } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

/** Tests that take FC_SEED (and FC_RUNS where they say so) from the environment. */
const SEEDED = [
  'test/workers/timedQueue.model.test.ts',
  'test/engine/reflectorBurst.property.test.ts',
  'test/workers/minHeap.test.ts',
  // No fixed seed: fast-check picks a new one each run.
  'test/differential/engine.test.ts',
  'test/differential/runtime.test.ts',
];

const argv = process.argv.slice(2);
const option = (name: string, fallback: string): string => {
  const at = argv.indexOf(name);
  return at >= 0 && argv[at + 1] !== undefined ? argv[at + 1]! : fallback;
};
const minutes = Number(option('--minutes', '30'));
const runs = Number(option('--runs', '1000'));
const out = path.resolve(option('--out', 'fuzz-failures'));
if (!(minutes > 0) || !Number.isInteger(runs) || runs < 1)
  throw new Error('usage: npm run fuzz -- [--minutes M > 0] [--runs N ≥ 1] [--out dir]');

// vitest's CLI entry (its package exports do not include it).
const vitest = path.join(path.dirname(createRequire(import.meta.url).resolve('vitest/package.json')), 'vitest.mjs');
const deadline = Date.now() + minutes * 60_000;
const failures: number[] = [];
let iterations = 0;
while (Date.now() < deadline) {
  const seed = randomInt(2 ** 31);
  iterations++;
  const started = Date.now();
  const result = spawnSync(process.execPath, [vitest, 'run', ...SEEDED], {
    env: { ...process.env, FC_SEED: String(seed), FC_RUNS: String(runs) },
    encoding: 'utf8',
    maxBuffer: 64 * 2 ** 20,
  });
  const seconds = ((Date.now() - started) / 1000).toFixed(0);
  if (result.status === 0) {
    console.log(`#${iterations} seed ${seed}: passed (${seconds} s)`);
    continue;
  }
  failures.push(seed);
  mkdirSync(out, { recursive: true });
  const file = path.join(out, `${seed}.log`);
  writeFileSync(file, `${result.stdout}\n${result.stderr}`);
  console.log(`#${iterations} seed ${seed}: FAILED (${seconds} s), output in ${file}`);
}
console.log(
  `${iterations} iterations of ${SEEDED.length} files, ${runs} runs per seeded property: ${failures.length === 0 ? 'no failure' : `failing seeds ${failures.join(', ')}`}`,
);
process.exit(failures.length === 0 ? 0 : 1);
