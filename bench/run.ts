// `npm run bench`: runs every benchmark in a FRESH child process (`node --expose-gc --import tsx`), so
// one benchmark's heap, JIT state and threads never colour another's numbers, collects
// bench/results/<name>.json and regenerates bench/REPORT.md with its charts.
//
//   npm run bench [-- --quick] [--only micro,storm] [--no-report] [--profile] [--out dir]
//
// `--profile` passes `--profile <tmp dir>` to benchmarks that support it (they profile only their
// measured phase) and stores the top frames in <out>/profiles/<name>.json for the report. A profiled
// run's own numbers are discarded (profiling slows it down): results of the last plain run stay.

import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { benchDir, parseBenchFlags, printTable, resultsDir, writeResult } from './harness.js';
import { summarizeProfileDir } from './profile.js';
import { writeReport } from './report.js';

interface BenchSpec {
  readonly name: string;
  /** Script under bench/. */
  readonly script: string;
  readonly args: (quick: boolean) => string[];
  /** Scripts of other areas that print JSON instead of writing a result: wrapped here. */
  readonly wrap?: (stdout: string, quick: boolean) => Parameters<typeof writeResult>[1];
  readonly profile?: boolean;
  /** Extra arguments when profiling (e.g. skip phases that only wait on the API budget). */
  readonly profileArgs?: readonly string[];
}

interface HttpRow {
  readonly transport: string;
  readonly scheme: string;
  readonly concurrency: number;
  readonly calls: number;
  readonly seconds: number;
  readonly callsPerSecond: number;
  readonly evictionP50Ms: number;
  readonly evictionP99Ms: number;
  readonly connections: number;
  readonly errors: number;
}

const isHttpRows = (v: unknown): v is HttpRow[] =>
  Array.isArray(v) && v.every((r) => typeof r === 'object' && r !== null && typeof r.callsPerSecond === 'number');

const BENCHES: readonly BenchSpec[] = [
  { name: 'micro', script: 'micro.ts', args: (q) => (q ? ['--quick'] : []) },
  { name: 'ingest', script: 'ingest.ts', args: (q) => (q ? ['--quick'] : []), profile: true },
  { name: 'storm', script: 'storm.ts', args: (q) => (q ? ['--quick'] : []), profile: true },
  {
    name: 'e2e',
    script: 'e2e.ts',
    args: (q) => (q ? ['--quick'] : []),
    profile: true,
    profileArgs: ['--only', 'unthrottled,paced'],
  },
  { name: 'runtime', script: 'runtime.ts', args: (q) => (q ? ['--quick'] : []) },
  // Issue 12: the built CLI at 150k and 1M pods (needs `npm run build`; the 1M size is left out of --quick).
  { name: 'scale', script: 'scale.ts', args: (q) => (q ? ['--quick'] : []), profile: true },
  { name: 'bytes', script: 'bytes.ts', args: (q) => (q ? ['--quick'] : []) },
  // Issue 12: the built CLI's fixed cost by worker count and CPU per eviction as deployed; a worker's bytes
  // per queued eviction (what --worker-max-old-space-mb is sized from); start-up and kill -9 failover.
  { name: 'footprint', script: 'footprint.ts', args: (q) => (q ? ['--quick'] : []) },
  { name: 'workerQueueBytes', script: 'workerQueueBytes.ts', args: (q) => (q ? ['--quick'] : []) },
  { name: 'failover', script: 'failover.ts', args: (q) => (q ? ['--quick'] : []) },
  { name: 'piscina', script: 'piscina.ts', args: (q) => (q ? ['--quick'] : []) },
  {
    name: 'http',
    script: 'http.ts',
    args: (q) => ['--json', '--pods', q ? '100' : '400'],
    wrap: (stdout, quick) => {
      const parsed: unknown = JSON.parse(stdout.slice(stdout.indexOf('[')));
      if (!isHttpRows(parsed)) throw new Error('bench/http.ts --json printed no rows');
      return {
        name: 'http',
        title: 'HTTP: eviction calls through client-node vs the keep-alive pool',
        parameters: { pods: quick ? 100 : 400, concurrency: [1, 16], schemes: ['http', 'https'] },
        tables: [
          {
            title: 'PATCH status + DELETE per pod against the sim behind a connection-counting proxy',
            columns: [
              'transport',
              'scheme',
              'in flight',
              'calls/s',
              'eviction p50 ms',
              'eviction p99 ms',
              'TCP connections',
              'errors',
            ],
            rows: parsed.map((r) => [
              r.transport,
              r.scheme,
              r.concurrency,
              r.callsPerSecond,
              r.evictionP50Ms,
              r.evictionP99Ms,
              r.connections,
              r.errors,
            ]),
          },
        ],
        raw: { rows: parsed },
        notes: ['Run by bench/http.ts --json (kube area), wrapped into this result by bench/run.ts.'],
      };
    },
  },
];

function parseArgs(argv: readonly string[]) {
  const at = (flag: string) => argv.indexOf(flag);
  const onlyAt = at('--only');
  return {
    only: onlyAt >= 0 ? new Set((argv[onlyAt + 1] ?? '').split(',').filter((s) => s !== '')) : null,
    report: !argv.includes('--no-report'),
    profile: argv.includes('--profile'),
  };
}

function runChild(args: readonly string[], capture: boolean): Promise<{ code: number; stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', ...args], {
      cwd: join(benchDir, '..'),
      stdio: ['ignore', capture ? 'pipe' : 'inherit', 'inherit'],
    });
    let stdout = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => resolve({ code: code ?? (signal === null ? 1 : 128), stdout }));
  });
}

const flags = parseBenchFlags();
const options = parseArgs(process.argv.slice(2));
const selected = BENCHES.filter((b) => (options.only === null ? true : options.only.has(b.name)));
if (options.only !== null)
  for (const name of options.only)
    if (!BENCHES.some((b) => b.name === name))
      throw new Error(`unknown benchmark ${name}: ${BENCHES.map((b) => b.name).join(', ')}`);

const summary: { benchmark: string; status: string; seconds: number }[] = [];
const started = performance.now();
for (const bench of selected) {
  const script = join(benchDir, bench.script);
  if (!existsSync(script)) {
    summary.push({ benchmark: bench.name, status: 'skipped (script missing)', seconds: 0 });
    continue;
  }
  console.log(`\n=== ${bench.name}${flags.quick ? ' (quick)' : ''} ===`);
  const t0 = performance.now();
  const args = [script, ...bench.args(flags.quick)];
  let profileDir: string | null = null;
  if (options.profile) {
    if (bench.profile !== true) {
      summary.push({ benchmark: bench.name, status: 'skipped (no --profile support)', seconds: 0 });
      continue;
    }
    profileDir = mkdtempSync(join(tmpdir(), `bench-prof-${bench.name}-`));
    args.push('--profile', profileDir, '--out', join(profileDir, 'discarded-results'), ...(bench.profileArgs ?? []));
  } else if (bench.wrap === undefined) args.push('--out', flags.outDir);
  const { code, stdout } = await runChild(args, bench.wrap !== undefined);
  let status = code === 0 ? 'ok' : `failed (exit ${code})`;
  if (code === 0 && bench.wrap !== undefined && profileDir === null) {
    try {
      writeResult(flags, bench.wrap(stdout, flags.quick));
    } catch (error) {
      status = `failed: ${error instanceof Error ? error.message : String(error)}`;
    }
  }
  if (profileDir !== null) {
    if (code === 0) {
      const profiles = summarizeProfileDir(profileDir);
      mkdirSync(join(flags.outDir, 'profiles'), { recursive: true });
      writeFileSync(join(flags.outDir, 'profiles', `${bench.name}.json`), `${JSON.stringify(profiles, null, 2)}\n`);
    }
    rmSync(profileDir, { recursive: true, force: true });
  }
  summary.push({ benchmark: bench.name, status, seconds: (performance.now() - t0) / 1000 });
}

printTable({
  title: `bench/run.ts${flags.quick ? ' --quick' : ''}: ${((performance.now() - started) / 1000).toFixed(0)} s`,
  columns: ['benchmark', 'status', 'seconds'],
  rows: summary.map((s) => [s.benchmark, s.status, s.seconds]),
});
// A run into another directory (tests, experiments) must not overwrite the committed report.
if (options.report) writeReport(flags.outDir, flags.outDir === resultsDir ? benchDir : flags.outDir);
if (summary.some((s) => s.status !== 'ok' && !s.status.startsWith('skipped'))) process.exitCode = 1;
