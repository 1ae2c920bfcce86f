// What every benchmark script shares: the result file format (machine, Node version, parameters, raw
// numbers, printable tables), flag parsing for `--quick`, main-thread CPU time, and latency
// histograms on hdr-histogram-js. Results go to bench/results/<name>.json, where bench/report.ts reads them.

import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { build, type Histogram } from 'hdr-histogram-js';

export const benchDir = dirname(fileURLToPath(import.meta.url));
export const resultsDir = join(benchDir, 'results');

export type Cell = string | number | null;

/** A table as printed and as rendered into the report. */
export interface ResultTable {
  readonly title: string;
  readonly columns: readonly string[];
  readonly rows: readonly (readonly Cell[])[];
}

export interface Machine {
  readonly cpuModel: string;
  readonly cpuCount: number;
  readonly totalMemoryMb: number;
  readonly platform: string;
  readonly arch: string;
  /** 1/5/15-minute load averages when the result was written: other work on a shared machine shows here. */
  readonly loadAverage: readonly number[];
}

export interface BenchResult {
  readonly name: string;
  readonly title: string;
  readonly quick: boolean;
  readonly date: string;
  readonly machine: Machine;
  readonly node: string;
  readonly commit: string | null;
  readonly parameters: Readonly<Record<string, unknown>>;
  readonly tables: readonly ResultTable[];
  /** Benchmark-specific numbers the report draws charts from. */
  readonly raw: Readonly<Record<string, unknown>>;
  readonly notes: readonly string[];
}

export function machine(): Machine {
  const list = cpus();
  return {
    cpuModel: list[0]?.model.trim() ?? 'unknown',
    cpuCount: list.length,
    totalMemoryMb: Math.round(totalmem() / 2 ** 20),
    platform: process.platform,
    arch: process.arch,
    loadAverage: loadavg().map((l) => Math.round(l * 100) / 100),
  };
}

export function gitCommit(): string | null {
  try {
    const head = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: benchDir, stdio: ['ignore', 'pipe', 'ignore'] });
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], {
      cwd: benchDir,
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    return `${head.toString().trim()}${dirty.toString().trim() === '' ? '' : '+dirty'}`;
  } catch {
    return null;
  }
}

export interface BenchFlags {
  readonly quick: boolean;
  /** Where results go (tests point it at a temp dir). */
  readonly outDir: string;
}

/** `--quick` and `--out <dir>`, shared by every script; scripts read their own extra flags from argv. */
export function parseBenchFlags(argv: readonly string[] = process.argv.slice(2)): BenchFlags {
  const outAt = argv.indexOf('--out');
  return {
    quick: argv.includes('--quick'),
    outDir: outAt >= 0 && argv[outAt + 1] !== undefined ? argv[outAt + 1]! : resultsDir,
  };
}

export function writeResult(
  flags: BenchFlags,
  result: Omit<BenchResult, 'date' | 'machine' | 'node' | 'commit' | 'quick'>,
): string {
  for (const table of result.tables)
    for (const row of table.rows)
      if (row.length !== table.columns.length)
        throw new Error(`table "${table.title}": a row has ${row.length} cells for ${table.columns.length} columns`);
  const full: BenchResult = {
    name: result.name,
    title: result.title,
    quick: flags.quick,
    date: new Date().toISOString(),
    machine: machine(),
    node: process.version,
    commit: gitCommit(),
    parameters: result.parameters,
    tables: result.tables,
    raw: result.raw,
    notes: result.notes,
  };
  mkdirSync(flags.outDir, { recursive: true });
  const path = join(flags.outDir, `${result.name}.json`);
  writeFileSync(path, `${JSON.stringify(full, null, 2)}\n`);
  for (const table of result.tables) printTable(table);
  console.log(`wrote ${path}`);
  return path;
}

export function formatCell(cell: Cell): string {
  if (cell === null) return '–';
  if (typeof cell === 'string') return cell;
  if (Number.isInteger(cell)) return cell.toLocaleString('en-US');
  const abs = Math.abs(cell);
  const digits = abs >= 100 ? 0 : abs >= 10 ? 1 : abs >= 1 ? 2 : 3;
  return cell.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

export function printTable(table: ResultTable): void {
  const cells = [table.columns.map(String), ...table.rows.map((r) => r.map(formatCell))];
  const widths = table.columns.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  const line = (r: readonly string[]) =>
    r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  console.log(`\n${table.title}`);
  console.log(line(cells[0]!));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of cells.slice(1)) console.log(line(r));
}

/** Microsecond-resolution histogram up to 10 minutes. */
export const latencyHistogram = (): Histogram =>
  build({ lowestDiscernibleValue: 1, highestTrackableValue: 600_000_000, numberOfSignificantValueDigits: 3 });

export interface LatencySummary {
  readonly count: number;
  readonly p50Ms: number;
  readonly p90Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  readonly meanMs: number;
}

/** Summary of a histogram recorded in µs, in ms. */
export function summarize(h: Histogram): LatencySummary {
  return {
    count: h.totalCount,
    p50Ms: h.getValueAtPercentile(50) / 1000,
    p90Ms: h.getValueAtPercentile(90) / 1000,
    p99Ms: h.getValueAtPercentile(99) / 1000,
    maxMs: h.maxValue / 1000,
    meanMs: h.mean / 1000,
  };
}

/** Percentile points (ms) for CDF charts: p0…p100 in 2 % steps plus the tail. */
export function cdfPoints(h: Histogram): { readonly percentile: number; readonly ms: number }[] {
  const percentiles = [...Array.from({ length: 50 }, (_, i) => i * 2), 99, 99.9, 100];
  return percentiles.map((p) => ({ percentile: p, ms: h.getValueAtPercentile(p) / 1000 }));
}

export const mb = (bytes: number): number => bytes / 2 ** 20;

/** `global.gc` when started with --expose-gc (bench/run.ts does), else a no-op. */
export function collectGarbage(): boolean {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) return false;
  gc();
  gc();
  return true;
}

/**
 * Runs `section` under the V8 CPU profiler of this thread and writes `<dir>/<name>.cpuprofile`, so a
 * profile covers exactly the measured phase (not setup). Without `dir` it just runs `section`.
 */
export async function profiled<T>(dir: string | null, name: string, section: () => Promise<T>): Promise<T> {
  if (dir === null) return section();
  const { Session } = await import('node:inspector/promises');
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 100 });
  await session.post('Profiler.start');
  try {
    return await section();
  } finally {
    const { profile } = await session.post('Profiler.stop');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, `${name}.cpuprofile`), JSON.stringify(profile));
    session.disconnect();
  }
}

/** `--profile <dir>` from argv, or null. */
export function profileDirFlag(argv: readonly string[] = process.argv.slice(2)): string | null {
  const at = argv.indexOf('--profile');
  return at >= 0 && argv[at + 1] !== undefined ? argv[at + 1]! : null;
}

/**
 * Runs `section` under V8's sampling heap profiler and writes `<dir>/<name>.heapprofile`: the objects
 * still alive at the end, by the stack that allocated them (what holds the memory, measured).
 */
export async function heapProfiled<T>(dir: string | null, name: string, section: () => Promise<T>): Promise<T> {
  if (dir === null) return section();
  const { Session } = await import('node:inspector/promises');
  const session = new Session();
  session.connect();
  await session.post('HeapProfiler.enable');
  await session.post('HeapProfiler.startSampling', { samplingInterval: 16_384 });
  try {
    return await section();
  } finally {
    collectGarbage();
    const { profile } = await session.post('HeapProfiler.stopSampling');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, `${name}.heapprofile`), JSON.stringify(profile));
    session.disconnect();
  }
}

/** CPU time (user + system, ms) of the whole process: every thread, pool threads and GC helpers included. */
export function processCpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/** The middle value (the upper one of the two middles for an even count); NaN for none. */
export function median(xs: readonly number[]): number {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

let clockTicksPerSecond: number | null = null;

/**
 * CPU time (user + system, ms) of this process's main thread alone, from /proc (Linux), or null elsewhere.
 * Event loop utilization is wall time and inflates when other processes hold the cores; this does not, and
 * unlike processCpuMs it leaves out worker and pool threads. Ticks are the kernel's CLK_TCK, not assumed.
 */
export function mainThreadCpuMs(): number | null {
  try {
    clockTicksPerSecond ??= Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
    const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
    // Fields after "(comm)": state is [0], utime [11], stime [12].
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / clockTicksPerSecond;
  } catch {
    return null;
  }
}

/**
 * What one section cost the main thread and the process: wall time, main-thread CPU, the CPU of every
 * other thread (pools, GC helpers), event-loop busy time and event-loop delay. Collects garbage first.
 */
export interface SectionCost {
  readonly wallMs: number;
  /** Main thread CPU time, or NaN where /proc is unavailable. */
  readonly mainCpuMs: number;
  /** CPU of every other thread of the process: pool threads, plus GC and libuv helpers. */
  readonly otherCpuMs: number;
  /** Event-loop utilization active time (wall clock). */
  readonly mainBusyMs: number;
  /** Event-loop delay: how long a timer or a watch event could have waited. */
  readonly lagP99Ms: number;
  readonly lagMaxMs: number;
}

export async function measureSection(section: () => Promise<void>): Promise<SectionCost> {
  collectGarbage();
  const lag = monitorEventLoopDelay({ resolution: 1 });
  const elu0 = performance.eventLoopUtilization();
  const main0 = mainThreadCpuMs();
  const proc0 = processCpuMs();
  const t0 = performance.now();
  lag.enable();
  await section();
  const wallMs = performance.now() - t0;
  lag.disable();
  const elu = performance.eventLoopUtilization(elu0);
  const main1 = mainThreadCpuMs();
  const mainCpuMs = main0 === null || main1 === null ? Number.NaN : main1 - main0;
  return {
    wallMs,
    mainCpuMs,
    otherCpuMs: processCpuMs() - proc0 - mainCpuMs,
    mainBusyMs: elu.active,
    lagP99Ms: lag.percentile(99) / 1e6,
    lagMaxMs: lag.max / 1e6,
  };
}
