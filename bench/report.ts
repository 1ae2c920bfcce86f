// Regenerates bench/REPORT.md and bench/charts/*.svg from bench/results/*.json: how each benchmark
// measures, the machine, every result table, charts, the goals of issue 6 (met or missed, by how much)
// and the comparison with upstream's anchors. Profiles of missed goals (bench/results/profiles/*.json,
// written by `bench/run.ts --profile`) are included as their top frames.
//
//   npx tsx bench/report.ts [resultsDir]

import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { type BenchResult, benchDir, type Cell, formatCell, type ResultTable, resultsDir } from './harness.js';
import type { ThreadProfile } from './profile.js';
import { barChart, cdfChart, lineChart } from './svg.js';

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

function isBenchResult(v: unknown): v is BenchResult {
  return isObject(v) && typeof v.name === 'string' && Array.isArray(v.tables) && isObject(v.machine);
}

/** Reads every well-formed result file; malformed ones are reported and skipped. */
export function loadResults(dir: string): Map<string, BenchResult> {
  const out = new Map<string, BenchResult>();
  if (!existsSync(dir)) return out;
  for (const file of readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()) {
    const parsed: unknown = JSON.parse(readFileSync(join(dir, file), 'utf8'));
    if (isBenchResult(parsed)) out.set(parsed.name, parsed);
    else console.warn(`skipping ${file}: not a benchmark result`);
  }
  return out;
}

function markdownTable(columns: readonly string[], rows: readonly (readonly Cell[])[]): string {
  const esc = (s: string) => s.replace(/\|/g, '\\|');
  return [
    `| ${columns.map(esc).join(' | ')} |`,
    `|${columns.map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`,
    ...rows.map((r) => `| ${r.map((c) => esc(formatCell(c))).join(' | ')} |`),
  ].join('\n');
}

const renderTable = (t: ResultTable): string => `**${t.title}**\n\n${markdownTable(t.columns, t.rows)}`;

// ---- Typed access to the raw numbers the goals and charts need ---------------------------------------------

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const field = (v: unknown, ...path: string[]): unknown => {
  let cur = v;
  for (const key of path) cur = isObject(cur) ? cur[key] : undefined;
  return cur;
};

type GoalKey = 'unthrottled' | 'calls' | 'budget' | 'sync' | 'memory' | 'storm' | 'paced' | 'ratio';

interface Goal {
  readonly key: GoalKey;
  readonly goal: string;
  readonly target: string;
  readonly measured: string;
  readonly status: 'met' | 'missed' | 'not measured';
  readonly margin: string;
}

function goal(
  key: GoalKey,
  name: string,
  target: string,
  value: number | null,
  limit: number,
  higherIsBetter: boolean,
  unit: string,
): Goal {
  if (value === null) return { key, goal: name, target, measured: '–', status: 'not measured', margin: '–' };
  // Exact-equality goals (3 calls per eviction) must not fail on floating-point noise.
  const met = higherIsBetter ? value >= limit - 1e-9 : value <= limit + 1e-9;
  const ratio = higherIsBetter ? value / limit : limit / value;
  return {
    key,
    goal: name,
    target,
    measured: `${formatCell(value)} ${unit}`.trim(),
    status: met ? 'met' : 'missed',
    margin: met
      ? ratio < 1.005
        ? 'exactly at the limit'
        : `${formatCell(ratio)}× better than needed`
      : `needs ${formatCell(1 / ratio)}× better`,
  };
}

/** Evictions/s of the runtime benchmark's execution rows, by mode ('inline (main thread)', '1 worker', …). */
function runtimeExecution(runtime: BenchResult | undefined): { mode: string; evictionsPerSec: number }[] {
  return arr(field(runtime, 'raw', 'execution')).flatMap((r) => {
    const mode = field(r, 'mode');
    const rate = num(field(r, 'evictionsPerSec'));
    return typeof mode === 'string' && rate !== null ? [{ mode, evictionsPerSec: rate }] : [];
  });
}

function cpuBoundRatio(runtime: BenchResult | undefined): number | null {
  const rows = runtimeExecution(runtime);
  const one = rows.find((r) => r.mode === '1 worker');
  const two = rows.find((r) => r.mode === '2 workers');
  return one === undefined || two === undefined ? null : two.evictionsPerSec / one.evictionsPerSec;
}

function goals(results: Map<string, BenchResult>): Goal[] {
  const e2e = results.get('e2e');
  const ingest = results.get('ingest');
  const storm = results.get('storm');
  const runtime = results.get('runtime');
  const unthrottled = arr(field(e2e, 'raw', 'unthrottled'));
  const bestRate = unthrottled.reduce<number | null>((best, r) => {
    const v = num(field(r, 'evictionsPerSec'));
    return v === null ? best : Math.max(best ?? 0, v);
  }, null);
  const callsPerEviction = unthrottled.reduce<number | null>((worst, r) => {
    const v = num(field(r, 'apiCallsPerEviction'));
    return v === null ? worst : Math.max(worst ?? 0, v);
  }, null);
  const budgetRate = num(field(e2e, 'raw', 'budget', 'evictionsPerSec'));
  const budgetQps = num(field(e2e, 'parameters', 'budgetQps')) ?? 20;
  const runs = arr(field(ingest, 'raw', 'runs'));
  const headlinePods = num(field(ingest, 'parameters', 'pods'));
  const headline = runs.find((r) => num(field(r, 'pods')) === headlinePods);
  const plainStorm = arr(field(storm, 'raw', 'runs')).find((r) => num(field(r, 'tolerating')) === 0);
  const rate1 = unthrottled.find((r) => num(field(r, 'workers')) === 1);
  const rate2 = unthrottled.find((r) => num(field(r, 'workers')) === 2);
  const e2eRatio =
    rate1 !== undefined && rate2 !== undefined
      ? (num(field(rate2, 'evictionsPerSec')) ?? 0) / (num(field(rate1, 'evictionsPerSec')) ?? 1)
      : null;
  // bench/runtime.ts measures the CPU-bound executor directly (fake executor burning CPU per call).
  const runtimeRatio = cpuBoundRatio(runtime);
  const ratio = runtimeRatio ?? e2eRatio;
  const quick = [...results.values()].some((r) => r.quick);
  const scale = quick ? ' (quick run: reduced sizes)' : '';
  return [
    goal(
      'unthrottled',
      `Unthrottled evictions/s (best of 1/2/4 workers)${scale}`,
      '≥ 1,000/s',
      bestRate,
      1000,
      true,
      '/s',
    ),
    goal('calls', 'API calls per eviction, every event and condition kept', '≤ 3', callsPerEviction, 3, false, ''),
    goal(
      'budget',
      `Evictions/s at ${budgetQps} QPS`,
      `≥ q/3 = ${formatCell(budgetQps / 3)}/s`,
      budgetRate,
      budgetQps / 3,
      true,
      '/s',
    ),
    goal(
      'sync',
      `Initial sync of ${formatCell(headlinePods ?? 0)} pods${scale}`,
      '< 5 s',
      headline === undefined ? null : (num(field(headline, 'syncMs')) ?? 0) / 1000,
      5,
      false,
      's',
    ),
    goal(
      'memory',
      `Resident memory after that sync${scale}`,
      '≤ 300 MB',
      headline === undefined ? null : num(field(headline, 'rssMb')),
      300,
      false,
      'MB',
    ),
    goal(
      'storm',
      `Storm of ${formatCell(num(field(storm, 'parameters', 'pods')) ?? 0)} pods scheduled${scale}`,
      '< 0.5 s',
      plainStorm === undefined ? null : (num(field(plainStorm, 'scheduledMs')) ?? 0) / 1000,
      0.5,
      false,
      's',
    ),
    goal(
      'paced',
      'Due → DELETE p99 at 200 evictions/s (taint write → DELETE, stricter)',
      '≤ 20 ms',
      num(field(e2e, 'raw', 'paced', 'latency', 'p99Ms')),
      20,
      false,
      'ms',
    ),
    goal(
      'ratio',
      `2 workers vs 1 where the executor is CPU-bound${runtimeRatio === null ? ' (from e2e: the executor there is I/O-bound)' : ' (bench/runtime.ts)'}`,
      '≥ 1.7×',
      ratio,
      1.7,
      true,
      '×',
    ),
  ];
}

function anchors(results: Map<string, BenchResult>): (readonly Cell[])[] {
  const e2e = results.get('e2e');
  const ingest = results.get('ingest');
  const unthrottled = arr(field(e2e, 'raw', 'unthrottled'));
  const best = unthrottled.reduce<number>((b, r) => Math.max(b, num(field(r, 'evictionsPerSec')) ?? 0), 0);
  const budget = field(e2e, 'raw', 'budget');
  const runs = arr(field(ingest, 'raw', 'runs'));
  const largest = runs.reduce<unknown>(
    (b, r) => ((num(field(r, 'pods')) ?? 0) > (num(field(b, 'pods')) ?? -1) ? r : b),
    undefined,
  );
  const perPod = num(field(largest, 'heapBytesPerPod'));
  return [
    [
      'Upstream integration test: 1,000 pods evicted',
      '< 30 s',
      best > 0 ? `${formatCell(1000 / best)} s (unthrottled rate ${formatCell(best)}/s)` : '–',
    ],
    [
      'Evictions/s at 20 QPS / burst 30',
      '≈ 5/s (≈ 4 calls each)',
      budget === undefined
        ? '–'
        : `${formatCell(num(field(budget, 'evictionsPerSec')) ?? 0)}/s (${formatCell(num(field(budget, 'apiCallsPerEviction')) ?? 0)} calls each)`,
    ],
    [
      'Memory for 100k pods',
      '≈ 2.2 GB (Go informers, full objects)',
      perPod === null
        ? '–'
        : `${formatCell((perPod * 100_000) / 2 ** 20)} MB retained heap (pods + claims + slices, compact records)`,
    ],
  ];
}

// ---- Charts ----------------------------------------------------------------------------------------------

interface Chart {
  readonly file: string;
  readonly title: string;
  readonly svg: string;
}

function charts(results: Map<string, BenchResult>): Chart[] {
  const out: Chart[] = [];
  const e2e = results.get('e2e');
  const unthrottled = arr(field(e2e, 'raw', 'unthrottled'));
  if (unthrottled.length > 0) {
    const groups = unthrottled.map((r) => ({
      label: `${num(field(r, 'workers'))} worker${num(field(r, 'workers')) === 1 ? '' : 's'}`,
      values: [num(field(r, 'evictionsPerSec')) ?? 0],
    }));
    out.push({
      file: 'evictions-vs-workers.svg',
      title: 'Evictions/s vs workers',
      svg: barChart({
        title: 'End-to-end evictions/s vs workers (unthrottled)',
        xLabel: 'worker threads',
        yLabel: 'evictions per second',
        seriesNames: ['through the simulated API server'],
        groups,
        reference: { value: 1000, label: 'goal 1,000/s' },
      }),
    });
    const series = unthrottled.map((r) => ({
      name: `unthrottled, ${num(field(r, 'workers'))} workers`,
      points: arr(field(r, 'cdf')).map((p) => ({
        percentile: num(field(p, 'percentile')) ?? 0,
        ms: num(field(p, 'ms')) ?? 0,
      })),
    }));
    const paced = field(e2e, 'raw', 'paced');
    if (paced !== null && paced !== undefined)
      series.push({
        name: 'paced 200/s, taint write → DELETE',
        points: arr(field(paced, 'cdf')).map((p) => ({
          percentile: num(field(p, 'percentile')) ?? 0,
          ms: num(field(p, 'ms')) ?? 0,
        })),
      });
    out.push({
      file: 'latency-cdf.svg',
      title: 'Latency distribution',
      svg: cdfChart({ title: 'Due → DELETE acknowledged (CDF)', xLabel: 'latency (ms, log scale)', series }),
    });
  }
  const runtimeRows = runtimeExecution(results.get('runtime'));
  if (runtimeRows.length > 0) {
    out.push({
      file: 'runtime-execution.svg',
      title: 'Runtime execution (CPU-bound fake executor)',
      svg: barChart({
        title: 'CPU-bound fake executor: evictions/s by mode',
        xLabel: 'where evictions execute',
        yLabel: 'evictions per second',
        seriesNames: ['bench/runtime.ts'],
        groups: runtimeRows.map((r) => ({ label: r.mode, values: [r.evictionsPerSec] })),
      }),
    });
  }
  const runs = arr(field(results.get('ingest'), 'raw', 'runs'));
  if (runs.length > 0) {
    out.push({
      file: 'memory-vs-pods.svg',
      title: 'Memory vs pods',
      svg: lineChart({
        title: 'Retained heap after initial sync vs cached pods',
        xLabel: 'pods (each with a claim; slices scale with pods)',
        yLabel: 'MB',
        series: [
          {
            name: 'retained heap (MB)',
            points: [
              { x: 0, y: 0 },
              ...runs.map((r) => ({
                x: num(field(r, 'pods')) ?? 0,
                y: ((num(field(r, 'heapBytesPerPod')) ?? 0) * (num(field(r, 'pods')) ?? 0)) / 2 ** 20,
              })),
            ],
          },
        ],
      }),
    });
  }
  return out;
}

// ---- Profiles --------------------------------------------------------------------------------------------

function profileSections(dir: string): string[] {
  const profilesDir = join(dir, 'profiles');
  if (!existsSync(profilesDir)) return [];
  const out: string[] = [];
  for (const file of readdirSync(profilesDir)
    .filter((f) => f.endsWith('.json'))
    .sort()) {
    const parsed: unknown = JSON.parse(readFileSync(join(profilesDir, file), 'utf8'));
    if (!Array.isArray(parsed)) continue;
    out.push(`### Profile: ${file.replace(/\.json$/, '')}\n`);
    for (const t of parsed as ThreadProfile[]) {
      if (!isObject(t) || !Array.isArray(t.top)) continue;
      out.push(
        t.unit === 'MB'
          ? `**${t.thread}**: ${formatCell(t.totalMs)} MB live\n`
          : `**${t.thread}**: ${formatCell(t.totalMs)} ms sampled, ${formatCell(t.busyPercent)} % busy\n`,
        markdownTable(
          t.unit === 'MB'
            ? ['allocated by (still live)', 'MB', '% of live heap']
            : ['frame (self time)', 'ms', '% of busy samples'],
          t.top.map((f) => [f.frame, f.selfMs, f.percent]),
        ),
        '',
      );
    }
  }
  return out;
}

// ---- What limits the missed goals -------------------------------------------------------------------------

function loadProfiles(dir: string): ThreadProfile[] {
  const profilesDir = join(dir, 'profiles');
  if (!existsSync(profilesDir)) return [];
  return readdirSync(profilesDir)
    .filter((f) => f.endsWith('.json'))
    .flatMap((f) => {
      const parsed: unknown = JSON.parse(readFileSync(join(profilesDir, f), 'utf8'));
      return Array.isArray(parsed) ? (parsed as ThreadProfile[]) : [];
    });
}

/** "frame (12 %), frame (9 %)" for the first profile whose label starts with `prefix`. */
function topFrames(profiles: readonly ThreadProfile[], prefix: string, n = 4): string {
  const p = profiles.find((t) => t.thread.startsWith(prefix));
  if (p === undefined) return '(no profile yet: `npm run bench -- --profile`)';
  return p.top
    .slice(0, n)
    .map((f) => `\`${f.frame}\` ${formatCell(f.percent)} %`)
    .join(', ');
}

function limits(results: Map<string, BenchResult>, dir: string, list: readonly Goal[]): string[] {
  const profiles = loadProfiles(dir);
  const e2e = results.get('e2e');
  const out: string[] = [];
  const cores = [...results.values()][0]?.machine.cpuCount ?? 2;
  for (const g of list.filter((x) => x.status === 'missed')) {
    switch (g.key) {
      case 'unthrottled': {
        const runs = arr(field(e2e, 'raw', 'unthrottled'));
        const best = runs.reduce<unknown>(
          (b, r) => ((num(field(r, 'evictionsPerSec')) ?? 0) > (num(field(b, 'evictionsPerSec')) ?? -1) ? r : b),
          undefined,
        );
        const controller = num(field(best, 'controllerCpuMicrosPerEviction')) ?? 0;
        const main = num(field(best, 'mainThreadMicrosPerEviction')) ?? 0;
        const sim = num(field(best, 'simCpuMicrosPerEviction')) ?? 0;
        const ceiling = controller + sim > 0 ? (cores * 1e6) / (controller + sim) : null;
        out.push(
          `- **Unthrottled evictions/s** — CPU-bound on this ${cores}-core machine, not waiting on anything: one eviction costs ${formatCell(controller)} µs of controller CPU (${formatCell(main)} µs on the main thread, the rest in the worker threads' HTTP client) plus ${formatCell(sim)} µs in the simulated API server (3 requests, watch fan-out of the pod update and deletion). ${cores} cores ÷ ${formatCell(controller + sim)} µs ⇒ a ceiling of ≈ ${ceiling === null ? '–' : formatCell(ceiling)} evictions/s before any other load (load average in the machine table). API server thread: ${topFrames(profiles, 'e2e-unthrottled-2w-sim')}. Controller main thread: ${topFrames(profiles, 'e2e-unthrottled-2w-controller-main')}. More workers than cores only add contention (the 4-worker row).`,
        );
        break;
      }
      case 'sync': {
        const ingest = results.get('ingest');
        const headPods = num(field(ingest, 'parameters', 'pods'));
        const head = arr(field(ingest, 'raw', 'runs')).find((r) => num(field(r, 'pods')) === headPods);
        const cpuMs = num(field(head, 'cpuMs')) ?? 0;
        const wallMs = num(field(head, 'syncMs')) ?? 0;
        out.push(
          `- **Initial sync** — ${formatCell(wallMs / 1000)} s of wall time for ${formatCell(cpuMs / 1000)} s of CPU in this process: the rest is waiting for the API server (in its own process, serializing ${formatCell(headPods ?? 0)} pods) and for the cores other work held (load average in the machine table). Even uncontended, the CPU time alone ${cpuMs > 5000 ? 'exceeds' : 'fits'} the 5 s budget. Where it goes (main thread): ${topFrames(profiles, 'ingest-sync-cpu', 6)}.`,
        );
        break;
      }
      case 'memory': {
        const ingest = results.get('ingest');
        const headPods = num(field(ingest, 'parameters', 'pods'));
        // Only the headline run goes first in a fresh process: its RSS is the meaningful one.
        const head = arr(field(ingest, 'raw', 'runs')).find((r) => num(field(r, 'pods')) === headPods);
        const perPod = num(field(head, 'heapBytesPerPod')) ?? 0;
        const baseline = num(field(head, 'baselineRssMb')) ?? 0;
        const rss = num(field(head, 'rssMb')) ?? 0;
        const retained = (perPod * (headPods ?? 0)) / 2 ** 20;
        out.push(
          `- **Resident memory** — ${formatCell(rss)} MB = ${formatCell(baseline)} MB resident before the first list (Node ≈ 40 MB, \`@kubernetes/client-node\` ≈ 65 MB, tsx ≈ 30 MB, measured separately; the rest is code, the sim's IPC and discovery) + ${formatCell(retained)} MB of caches retained on the heap (${formatCell(perPod)} B per pod, its claim and slices included) + ${formatCell(Math.max(0, rss - baseline - retained))} MB that V8 keeps committed after the list pages were parsed (peak ${formatCell(num(field(head, 'peakRssMb')) ?? 0)} MB). The caches alone fit; the fixed cost of the runtime and client library does not. What holds the heap, by allocating function: ${topFrames(profiles, 'ingest-sync-heap', 5)}.`,
        );
        break;
      }
      case 'storm': {
        const plain = arr(field(results.get('storm'), 'raw', 'runs')).find((r) => num(field(r, 'tolerating')) === 0);
        out.push(
          `- **Storm scheduling** — ${formatCell(num(field(plain, 'decideMs')) ?? 0)} ms of the ${formatCell(num(field(plain, 'scheduledMs')) ?? 0)} ms are the engine's synchronous decisions on the main thread, ${formatCell(num(field(plain, 'messagingMs')) ?? 0)} ms posting the batches; the rest is the workers inserting into their heaps. Main thread: ${topFrames(profiles, 'storm-main-plain', 6)}.`,
        );
        break;
      }
      case 'paced':
        out.push(
          `- **Due → DELETE p99 at 200/s** — measured from the taint's write in the server, so it includes watch delivery and the decision; the median is low and the tail comes from CPU contention between the API server, the controller's threads and other load on ${cores} cores (see the load averages). API server: ${topFrames(profiles, 'e2e-paced-2w-sim')}. Controller main thread: ${topFrames(profiles, 'e2e-paced-2w-controller-main')}.`,
        );
        break;
      case 'ratio':
        out.push(
          `- **2 workers vs 1 (CPU-bound executor)** — with ${cores} cores, two CPU-bound workers share them with the main thread (routing, results) and everything else running on the machine; the ratio cannot exceed ${cores}× and drops with the load average.`,
        );
        break;
      default:
        out.push(`- **${g.goal}** — see the tables below.`);
    }
  }
  return out;
}

// ---- The report ------------------------------------------------------------------------------------------

const ORDER = ['ingest', 'storm', 'e2e', 'runtime', 'http', 'micro'];

const METHOD: Readonly<Record<string, string>> = {
  ingest:
    'A seeded GPU cluster (one ResourceSlice of 8 devices per node, one allocated claim per pod) in a simulated API server in a child process; this process runs discovery, the reflectors and the engine (no workers: nothing to evict) until every cache has synced, then the server churns pod events.',
  storm:
    'Compact records are fed to the engine, a DeviceTaintRule over every device flips None → NoExecute, and the time is taken until the summed partition stats of the worker threads account for every pod. Workers run on a virtual clock so nothing fires while counting.',
  e2e: 'The whole controller (startController) against the simulated API server in a child process; latency is taken from each eviction result (fire time → DELETE acknowledged) or, when paced, in the server from the taint write to the DELETE.',
  runtime:
    "bench/runtime.ts (runtime engineer's): decisions routed/s, messaging share, fake-executor evictions/s at N workers, CPU-bound executor ratio.",
  http: "bench/http.ts (kube engineer's): PATCH+DELETE through client-node vs our keep-alive undici pool, counting TCP connections.",
  micro: 'benchmark.js suite of synchronous hot paths.',
};

/** Writes REPORT.md and charts/ under `outDir` (bench/ by default; tests use a temp dir). */
export function writeReport(dir: string = resultsDir, outDir: string = benchDir): string {
  const results = loadResults(dir);
  const chartsDir = join(outDir, 'charts');
  mkdirSync(chartsDir, { recursive: true });
  const chartList = charts(results);
  const goalList = goals(results);
  for (const c of chartList) writeFileSync(join(chartsDir, c.file), c.svg);
  const any = [...results.values()][0];
  const quick = [...results.values()].some((r) => r.quick);
  const lines: string[] = [
    '# device-taint-evictor benchmarks',
    '',
    '<!-- Generated by bench/report.ts from bench/results/*.json: edit the generator, not this file. -->',
    '',
    quick
      ? '> **Quick run** (`npm run bench -- --quick`): reduced sizes. The committed report comes from a full `npm run bench`.'
      : '> Full run (`npm run bench`), sizes exactly as issue 6 states them.',
    '',
    '## How to run',
    '',
    '```',
    'npm run bench                 # every benchmark, each in a fresh `node --expose-gc --import tsx` process, then this report',
    'npm run bench -- --quick      # reduced sizes, < 3 min',
    `npm run bench -- --only e2e   # one benchmark (names: ${ORDER.join(', ')})`,
    'npm run bench -- --only storm --profile   # CPU profile of the measured phase into bench/results/profiles/',
    'npm run bench:micro           # the benchmark.js suite alone',
    '```',
    '',
    'Everything runs on 127.0.0.1 against the simulated API server (`src/sim`); no external service is involved.',
    'Speed is only measured here, never asserted in tests (`test/bench/quick.test.ts` only checks that a quick benchmark still runs and writes a well-formed result).',
    '',
    '## Machine',
    '',
  ];
  if (any !== undefined) {
    lines.push(
      markdownTable(
        ['CPU', 'cores', 'memory', 'OS', 'Node', 'commit', 'date'],
        [
          [
            any.machine.cpuModel,
            any.machine.cpuCount,
            `${formatCell(any.machine.totalMemoryMb / 1024)} GB`,
            `${any.machine.platform}/${any.machine.arch}`,
            any.node,
            any.commit ?? '–',
            any.date.slice(0, 16).replace('T', ' '),
          ],
        ],
      ),
      '',
      'The machine is shared and noisy (±30 % run to run is normal here); the simulated API server competes with the controller for the same 2 cores.',
      '',
      markdownTable(
        ['benchmark', 'load average 1/5/15 min when written'],
        [...results.values()].map((r) => [r.name, (r.machine.loadAverage ?? []).join(' / ') || '–']),
      ),
      '',
    );
  }
  lines.push(
    '## Goals (issue 6)',
    '',
    markdownTable(
      ['goal', 'target', 'measured', 'status', 'margin'],
      goalList.map((g) => [g.goal, g.target, g.measured, g.status, g.margin]),
    ),
    '',
    ...(() => {
      const text = limits(results, dir, goalList);
      return text.length === 0 ? [] : ['### What limits the missed goals (measured)', '', ...text, ''];
    })(),
    '## Against the anchors',
    '',
    markdownTable(['anchor', 'upstream / Go', 'device-taint-evictor'], anchors(results)),
    '',
    '## Charts',
    '',
  );
  for (const c of chartList) lines.push(`![${c.title}](${relative(outDir, join(chartsDir, c.file))})`, '');
  for (const name of [...ORDER, ...[...results.keys()].filter((n) => !ORDER.includes(n))]) {
    const r = results.get(name);
    if (r === undefined) continue;
    lines.push(`## ${r.title}`, '');
    const method = METHOD[name];
    if (method !== undefined) lines.push(method, '');
    lines.push(
      `Parameters: \`${JSON.stringify(r.parameters)}\`${r.quick ? ' (quick)' : ''}. Raw numbers: [${relative(outDir, join(dir, `${name}.json`))}](${relative(outDir, join(dir, `${name}.json`))}).`,
      '',
    );
    for (const t of r.tables) lines.push(renderTable(t), '');
    if (r.notes.length > 0) lines.push(...r.notes.map((n) => `- ${n}`), '');
  }
  const profiles = profileSections(dir);
  if (profiles.length > 0)
    lines.push('## Profiles (separate profiled runs; what limits the missed goals)', '', ...profiles);
  const path = join(outDir, 'REPORT.md');
  writeFileSync(path, `${lines.join('\n').trimEnd()}\n`);
  console.log(`wrote ${path} and ${chartList.length} charts`);
  return path;
}

if (import.meta.url === `file://${process.argv[1]}`) writeReport(process.argv[2] ?? resultsDir);
