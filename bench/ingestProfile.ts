// Where the initial sync's CPU and memory go, in-process and without HTTP: the raw list pages the
// simulated apiserver would send are built once (and cached on disk, seeding 150k pods is slow), then
// each resource is (a) JSON.parsed page by page, (b) projected into the reflector-like store, and
// finally (c) fed into the EvictionEngine. Heap is measured after a full GC between stages, so the
// per-record numbers are what the caches retain, not what the parse churned through.
//
//   node --expose-gc --import tsx bench/ingestProfile.ts [--pods N] [--slices N] [--profile dir] [--out dir]
//
// With --profile, stages (a)–(c) run under the CPU profiler and the top self-time frames are printed;
// the full GCs between stages are skipped then (they would dominate the profile), so heap columns are empty.

import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { keyOf, type StoredRecord } from '../src/kube/resources.js';
import { EvictionEngine } from '../src/main/engine/engine.js';
import { FakeClock } from '../src/shared/clock.js';
import type { EvictionSink } from '../src/shared/decisions.js';
import { silentLogger } from '../src/shared/logger.js';
import { projectClaim } from '../src/shared/projection/claim.js';
import { projectPod } from '../src/shared/projection/pod.js';
import type { Projector } from '../src/shared/projection/projector.js';
import { makeSliceProjector } from '../src/shared/projection/slice.js';
import type { ClaimRecord, PodRecord, SliceRecord } from '../src/shared/types.js';
import { seedCluster } from '../src/sim/index.js';
import type { SimResource } from '../src/sim/resources.js';
import { SimStore } from '../src/sim/store.js';
import {
  type Cell,
  collectGarbage,
  mb,
  parseBenchFlags,
  processCpuMs,
  profiled,
  type ResultTable,
  writeResult,
} from './harness.js';
import { summarizeProfile } from './profile.js';

const flags = parseBenchFlags();
const argv = process.argv.slice(2);
const intFlag = (name: string, fallback: number): number => {
  const at = argv.indexOf(name);
  const v = at >= 0 ? Number.parseInt(argv[at + 1] ?? '', 10) : Number.NaN;
  return Number.isFinite(v) && v > 0 ? v : fallback;
};
const pods = intFlag('--pods', flags.quick ? 15_000 : 150_000);
const slices = intFlag('--slices', flags.quick ? 2_000 : 20_000);
const profileAt = argv.indexOf('--profile');
const profileDir = profileAt >= 0 ? (argv[profileAt + 1] ?? null) : null;
const PAGE_SIZE = 500; // the reflector's default `limit`

/** Full GCs between stages only when measuring memory: in a CPU profile they would be most of the samples. */
const measureHeap = profileDir === null;
const heapNow = (): number => {
  if (measureHeap) collectGarbage();
  return process.memoryUsage().heapUsed;
};

if (!collectGarbage()) throw new Error('run with node --expose-gc: heap numbers need a full GC between stages');

// ---- Raw pages --------------------------------------------------------------------------------------

interface ResourcePages {
  readonly resource: SimResource;
  readonly pages: readonly Buffer[];
}

const RESOURCES: readonly { readonly resource: SimResource; readonly kind: string; readonly apiVersion: string }[] = [
  { resource: 'resourceslices.resource.k8s.io', kind: 'ResourceSliceList', apiVersion: 'resource.k8s.io/v1' },
  { resource: 'resourceclaims.resource.k8s.io', kind: 'ResourceClaimList', apiVersion: 'resource.k8s.io/v1' },
  { resource: 'pods', kind: 'PodList', apiVersion: 'v1' },
];

/** The list bodies the sim server writes (server.ts `list`): head, stored JSON joined by commas, tail. */
function buildPages(): ResourcePages[] {
  const store = new SimStore({ watchHistory: 1 });
  const seeded = seedCluster(store, { pods, nodes: slices });
  console.log(`seeded ${pods} pods, ${slices} slices in ${seeded.durationMs.toFixed(0)} ms`);
  const comma = Buffer.from(',');
  return RESOURCES.map(({ resource, kind, apiVersion }) => {
    const pages: Buffer[] = [];
    let startAfter: string | undefined;
    do {
      const page = store.listPage(resource, { limit: PAGE_SIZE, startAfter });
      startAfter = page.continueAfter;
      const meta = { resourceVersion: String(page.resourceVersion), ...(startAfter ? { continue: 'x' } : {}) };
      const parts: Buffer[] = [Buffer.from(`{"kind":"${kind}","apiVersion":"${apiVersion}","metadata":`)];
      parts.push(Buffer.from(`${JSON.stringify(meta)},"items":[`));
      page.items.forEach((e, i) => {
        if (i > 0) parts.push(comma);
        parts.push(e.json);
      });
      parts.push(Buffer.from(']}'));
      pages.push(Buffer.concat(parts));
    } while (startAfter !== undefined);
    return { resource, pages };
  });
}

/** Pages cached under the OS temp dir: the seed is deterministic for a size, so a rerun can skip it. */
function loadPages(): ResourcePages[] {
  const dir = join(tmpdir(), `ingest-profile-pages-${pods}-${slices}`);
  if (existsSync(join(dir, 'done'))) {
    return RESOURCES.map(({ resource }) => {
      const files = readdirSync(dir)
        .filter((f) => f.startsWith(`${resource}.`))
        .sort((a, b) => Number(a.split('.').at(-2)) - Number(b.split('.').at(-2)));
      return { resource, pages: files.map((f) => readFileSync(join(dir, f))) };
    });
  }
  const built = buildPages();
  mkdirSync(dir, { recursive: true });
  for (const { resource, pages } of built)
    pages.forEach((p, i) => {
      writeFileSync(join(dir, `${resource}.${i}.json`), p);
    });
  writeFileSync(join(dir, 'done'), '');
  return built;
}

// ---- Stages ---------------------------------------------------------------------------------------------

interface StageResult {
  readonly resource: string;
  readonly records: number;
  readonly bytes: number;
  readonly parseMs: number;
  readonly projectMs: number;
  /** Retained heap growth of the store (records + keys) per record, after a full GC; null when profiling. */
  readonly bytesPerRecord: number | null;
}

const utf8 = new TextDecoder();

// Stages are timed in process CPU (processCpuMs) rather than wall time: the machines this runs on are
// shared, and wall time there measures the neighbours as much as the code.
const cpuNow = processCpuMs;

/** Its own frame, so that a profile tells parsing (JSON.parse is attributed to its caller) from projecting. */
function parsePage(page: Buffer): { items: unknown[] } {
  return JSON.parse(utf8.decode(page)) as { items: unknown[] };
}

function ingest<T extends StoredRecord>(
  name: string,
  pages: readonly Buffer[],
  project: Projector<T>,
  store: Map<string, T>,
): StageResult {
  const heapBefore = heapNow();
  let parseMs = 0;
  let projectMs = 0;
  let bytes = 0;
  for (const page of pages) {
    bytes += page.length;
    const t0 = cpuNow();
    const body = parsePage(page);
    const t1 = cpuNow();
    for (const item of body.items) {
      const r = project(item);
      if (!r.ok) throw new Error(`${name}: ${r.error}`);
      store.set(keyOf(r.value), r.value);
    }
    projectMs += cpuNow() - t1;
    parseMs += t1 - t0;
  }
  const retained = heapNow() - heapBefore;
  const bytesPerRecord = measureHeap ? retained / store.size : null;
  return { resource: name, records: store.size, bytes, parseMs, projectMs, bytesPerRecord };
}

const noopSink: EvictionSink = { schedule: () => {}, cancel: () => {} };

interface EngineResult {
  readonly feedMs: number;
  readonly bytesPerPod: number | null;
}

function feedEngine(
  sliceStore: ReadonlyMap<string, SliceRecord>,
  claimStore: ReadonlyMap<string, ClaimRecord>,
  podStore: ReadonlyMap<string, PodRecord>,
): { engine: EvictionEngine; result: EngineResult } {
  const heapBefore = heapNow();
  const t0 = cpuNow();
  const engine = new EvictionEngine({
    clock: new FakeClock(Date.UTC(2026, 0, 1)),
    sink: noopSink,
    ruleStatus: { enqueue: () => {} },
    log: silentLogger,
  });
  // Informers start together, but slices and claims (fewer, smaller pages) usually sync first.
  for (const s of sliceStore.values()) engine.sliceAdded(s);
  for (const c of claimStore.values()) engine.claimAdded(c);
  for (const p of podStore.values()) engine.podAdded(p);
  const feedMs = cpuNow() - t0;
  const retained = heapNow() - heapBefore;
  return { engine, result: { feedMs, bytesPerPod: measureHeap ? retained / podStore.size : null } };
}

// ---- Run ----------------------------------------------------------------------------------------------

const pagesByResource = loadPages();
const pagesOf = (r: SimResource): readonly Buffer[] => pagesByResource.find((p) => p.resource === r)?.pages ?? [];
collectGarbage();
const baseline = process.memoryUsage();

const sliceStore = new Map<string, SliceRecord>();
const claimStore = new Map<string, ClaimRecord>();
const podStore = new Map<string, PodRecord>();
const cpuBefore = process.cpuUsage();
const { stages, engineResult, engine } = await profiled(profileDir, 'ingest-profile', async () => {
  const stages = [
    ingest('slices', pagesOf('resourceslices.resource.k8s.io'), makeSliceProjector('v1'), sliceStore),
    ingest('claims', pagesOf('resourceclaims.resource.k8s.io'), projectClaim, claimStore),
    ingest('pods', pagesOf('pods'), projectPod, podStore),
  ];
  const { engine, result } = feedEngine(sliceStore, claimStore, podStore);
  return { stages, engineResult: result, engine };
});
const cpu = process.cpuUsage(cpuBefore);
collectGarbage();
const after = process.memoryUsage();
if (engine.pendingCount !== 0) throw new Error('no taints were seeded, yet evictions are pending');

const round = (n: number, digits = 0): number => Math.round(n * 10 ** digits) / 10 ** digits;
const stageTable: ResultTable = {
  title: `Ingest stages, ${pods} pods / ${pods} claims / ${slices} slices (pages of ${PAGE_SIZE})`,
  columns: ['resource', 'records', 'page MB', 'parse CPU ms', 'project CPU ms', 'retained B/record'],
  rows: stages.map((s): Cell[] => [
    s.resource,
    s.records,
    round(mb(s.bytes), 1),
    round(s.parseMs),
    round(s.projectMs),
    s.bytesPerRecord === null ? null : round(s.bytesPerRecord),
  ]),
};
const orNull = (n: number | null | undefined): number | null => (n === null || n === undefined ? null : round(n));
const claimBytes = stages[1]?.bytesPerRecord ?? null;
const podBytes = stages[2]?.bytesPerRecord ?? null;
// Stage times are CPU ms (see cpuNow).
const totals = {
  parseMs: round(stages.reduce((n, s) => n + s.parseMs, 0)),
  projectMs: round(stages.reduce((n, s) => n + s.projectMs, 0)),
  engineMs: round(engineResult.feedMs),
  engineBytesPerPod: orNull(engineResult.bytesPerPod),
  storeBytesPerPodAndClaim: claimBytes === null || podBytes === null ? null : round(claimBytes + podBytes),
  heapGrowthMb: round(mb(after.heapUsed - baseline.heapUsed), 1),
  heapUsedMb: round(mb(after.heapUsed), 1),
  rssMb: round(mb(after.rss), 1),
  cpuMs: round((cpu.user + cpu.system) / 1000),
};
const totalTable: ResultTable = {
  title: 'Totals',
  columns: Object.keys(totals),
  rows: [Object.values(totals)],
};
const tables: ResultTable[] = [stageTable, totalTable];

if (profileDir !== null) {
  const parsed: unknown = JSON.parse(readFileSync(join(profileDir, 'ingest-profile.cpuprofile'), 'utf8'));
  const top = summarizeProfile(parsed as Parameters<typeof summarizeProfile>[0], 'main', 20);
  tables.push({
    title: `Top self-time frames (${round(top.totalMs)} ms profiled)`,
    columns: ['self ms', '%', 'frame'],
    rows: top.top.map((f): Cell[] => [round(f.selfMs), round(f.percent, 1), f.frame]),
  });
}

writeResult(flags, {
  name: 'ingestProfile',
  title: 'Initial sync in-process: parse, projection, engine',
  parameters: { pods, slices, pageSize: PAGE_SIZE },
  tables,
  raw: { stages, engine: engineResult, totals },
  notes: [
    'Heap per record is measured after a full GC, so it is what the caches retain; page text is not retained.',
    'The store mirrors the reflector: one Map per resource keyed by keyOf(record).',
  ],
});
