// Does decoding list pages in a piscina pool help the initial sync? (issue 3 item 7)
//
// Part 1, decode only. Pages are the real bytes the simulated apiserver sends for a seeded GPU cluster
// (pods, claims, slices; 500 objects a page), fetched once over 127.0.0.1 and replayed from memory, so
// the numbers cover decode + projection + storing and nothing of the network or the server. Modes:
//   inline    — what the reflector does by default: UTF-8 decode, JSON.parse, project, store, per page;
//   pool T×W  — PooledPageDecoder (src/kube/pageDecode/pool.ts) with T threads and W pages in flight (W=1: one
//               reflector listing alone; W=3: pods, claims and slices listing at once): bytes
//               transferred in, records cloned back, re-interned and stored on the main thread.
// Part 2, a profile of where the inline time goes and what the pool leaves on the main thread.
// Part 3, end to end: InformerSet syncing from the sim in a child process, with and without the pool.
// Each reports wall time, main-thread CPU time (what the main thread cannot spend on handlers and watch
// events), CPU of the other threads, and the event-loop delay p99/max during the sync.
//
//   npx tsx --expose-gc bench/piscina.ts [--quick] [--pods N] [--reps R]

import { KubeConfig } from '@kubernetes/client-node';
import { request } from 'undici';
import { decodeListPage, type PageDecoder, projectorNameOf } from '../src/kube/pageDecode/pageDecoder.js';
import { PooledPageDecoder } from '../src/kube/pageDecode/pool.js';
import { reinternRecords } from '../src/kube/pageDecode/reintern.js';
import {
  claimsResource,
  keyOf,
  podsResource,
  type ResourceDescriptor,
  type StoredRecord,
  slicesResource,
} from '../src/kube/resources.js';
import type { EvictionSink } from '../src/shared/decisions.js';
import { seedCluster, startSimServer } from '../src/sim/index.js';
import {
  collectGarbage,
  mainThreadCpuMs,
  mb,
  measureSection,
  median,
  parseBenchFlags,
  type ResultTable,
  type SectionCost,
  writeResult,
} from './harness.js';
import { startReadSide } from './readSide.js';
import { SimProcess } from './simProcess.js';

const flags = parseBenchFlags();
const argAfter = (name: string): number | undefined => {
  const at = process.argv.indexOf(name);
  const v = at >= 0 ? Number(process.argv[at + 1]) : Number.NaN;
  return Number.isFinite(v) && v > 0 ? v : undefined;
};
const pods = argAfter('--pods') ?? (flags.quick ? 15_000 : 150_000);
const nodes = Math.ceil(pods / 7.5);
const reps = argAfter('--reps') ?? (flags.quick ? 1 : 3);
const pageSize = 500;

interface PageSet {
  readonly resource: ResourceDescriptor<StoredRecord>;
  readonly pages: Buffer[];
  readonly objects: number;
}

// --------------------------------------------------------------------------------------- the pages

async function fetchPages(base: string, resource: ResourceDescriptor<StoredRecord>): Promise<PageSet> {
  const path =
    resource.group === ''
      ? `/api/${resource.version}/${resource.plural}`
      : `/apis/${resource.group}/${resource.version}/${resource.plural}`;
  const pages: Buffer[] = [];
  let objects = 0;
  let cont = '';
  do {
    const q = new URLSearchParams({ limit: String(pageSize), ...(cont ? { continue: cont } : {}) });
    const res = await request(`${base}${path}?${q}`);
    const bytes = Buffer.from(await res.body.arrayBuffer());
    if (res.statusCode !== 200) throw new Error(`GET ${path}: ${res.statusCode}`);
    const page = decodeListPage(bytes, resource.project);
    if (!page.ok) throw new Error(`GET ${path}: ${page.reason}`);
    pages.push(bytes);
    objects += page.items.length;
    cont = page.continueToken;
  } while (cont !== '');
  return { resource, pages, objects };
}

const started = performance.now();
const sim = await startSimServer({ port: 0 });
const seeded = seedCluster(sim.store, { nodes, pods, noneTaintRatio: 0.01, toleratingRatio: 0.1 });
const sets: PageSet[] = [];
for (const r of [podsResource, claimsResource('v1'), slicesResource('v1')] as ResourceDescriptor<StoredRecord>[])
  sets.push(await fetchPages(sim.url, r));
await sim.close();
collectGarbage();
const totalPages = sets.reduce((n, s) => n + s.pages.length, 0);
const totalObjects = sets.reduce((n, s) => n + s.objects, 0);
const totalBytes = sets.reduce((n, s) => n + s.pages.reduce((b, p) => b + p.byteLength, 0), 0);
console.log(
  `seeded ${seeded.pods} pods / ${seeded.claims} claims / ${seeded.slices} slices; ${totalPages} pages, ` +
    `${mb(totalBytes).toFixed(0)} MiB in ${((performance.now() - started) / 1000).toFixed(1)} s`,
);

// ------------------------------------------------------------------------------------------ a sync

interface Run extends SectionCost {
  readonly mode: string;
}

/** Fresh transferable copies of every page (a transfer detaches them), made outside the timed part. */
const copies = (): ArrayBuffer[][] =>
  sets.map((s) => s.pages.map((p) => p.buffer.slice(p.byteOffset, p.byteOffset + p.byteLength) as ArrayBuffer));

/**
 * Lists every set like the reflectors would: each set's pages in order, one awaited page at a time per
 * set, `window` sets listing concurrently. Between pages the loop yields (the next page would be
 * fetched there), so the event-loop delay shows the longest block a watch event could have waited.
 */
async function sync(mode: string, decoder: PageDecoder, window: number): Promise<Run> {
  const pages = copies();
  const stores = sets.map(() => new Map<string, StoredRecord>());
  const listSet = async (i: number): Promise<void> => {
    const set = sets[i]!;
    const store = stores[i]!;
    for (const page of pages[i]!) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      const out = await decoder.decode(set.resource, page);
      if (!out.ok) throw new Error(`decode failed: ${out.reason}`);
      for (const rec of out.items) store.set(keyOf(rec), rec);
    }
  };
  const cost = await measureSection(async () => {
    let next = 0;
    const lanes = Array.from({ length: window }, async () => {
      while (next < sets.length) await listSet(next++);
    });
    await Promise.all(lanes);
  });
  const stored = stores.reduce((n, s) => n + s.size, 0);
  if (stored !== totalObjects) throw new Error(`${mode}: stored ${stored} of ${totalObjects}`);
  return { mode, ...cost };
}

const inlineDecoder: PageDecoder = {
  decode: async (resource, page) => decodeListPage(page, resource.project),
  close: async () => {},
};

/** The median of each cost over a mode's runs. */
interface ModeSummary extends SectionCost {
  readonly mode: string;
  readonly runs: readonly Run[];
}

async function measure(mode: string, make: () => PageDecoder, window: number): Promise<ModeSummary> {
  const runs: Run[] = [];
  const decoder = make();
  // Warm-up: JIT on main and in the pool threads, and thread start-up, are not part of a sync's cost.
  await sync(`${mode} warm-up`, decoder, window);
  for (let i = 0; i < reps; i++) {
    const run = await sync(mode, decoder, window);
    runs.push(run);
    console.log(
      `${mode.padEnd(16)} wall ${run.wallMs.toFixed(0).padStart(6)} ms  main cpu ${run.mainCpuMs.toFixed(0).padStart(6)} ms  ` +
        `other cpu ${run.otherCpuMs.toFixed(0).padStart(6)} ms  main busy ${run.mainBusyMs.toFixed(0).padStart(6)} ms  ` +
        `lag p99 ${run.lagP99Ms.toFixed(1)} ms max ${run.lagMaxMs.toFixed(1)} ms`,
    );
  }
  await decoder.close();
  return {
    mode,
    runs,
    wallMs: median(runs.map((r) => r.wallMs)),
    mainCpuMs: median(runs.map((r) => r.mainCpuMs)),
    otherCpuMs: median(runs.map((r) => r.otherCpuMs)),
    mainBusyMs: median(runs.map((r) => r.mainBusyMs)),
    lagP99Ms: median(runs.map((r) => r.lagP99Ms)),
    lagMaxMs: median(runs.map((r) => r.lagMaxMs)),
  };
}

const pooled = (threads: number) => () => new PooledPageDecoder({ threads, minPooledBytes: 0, idleTimeoutMs: 60_000 });
const summaries: ModeSummary[] = [];
summaries.push(await measure('inline', () => inlineDecoder, 1));
summaries.push(await measure('pool 1 thr ×1', pooled(1), 1));
summaries.push(await measure('pool 1 thr ×3', pooled(1), 3));
summaries.push(await measure('pool 2 thr ×1', pooled(2), 1));
summaries.push(await measure('pool 2 thr ×3', pooled(2), 3));

// ------------------------------------------------------------------------------------------ profile

/**
 * Main-thread CPU milliseconds of one pass of `fn` over `inputs` (wall clock where /proc is missing),
 * median of `reps`. CPU, not wall: other work on the shared machine must not inflate a step.
 */
function step<T>(inputs: readonly T[], fn: (input: T) => void): number {
  const times: number[] = [];
  for (let r = 0; r < reps; r++) {
    collectGarbage();
    const cpu0 = mainThreadCpuMs();
    const t0 = performance.now();
    for (const input of inputs) fn(input);
    const cpu1 = mainThreadCpuMs();
    times.push(cpu0 === null || cpu1 === null ? performance.now() - t0 : cpu1 - cpu0);
  }
  return median(times);
}

const utf8 = new TextDecoder();
const pageInputs = sets.flatMap((set) => set.pages.map((page) => ({ set, page })));
const texts = pageInputs.map(({ set, page }) => ({ set, text: utf8.decode(page) }));
const parsed = texts.map(({ set, text }) => ({ set, items: (JSON.parse(text) as { items: unknown[] }).items }));
const records = parsed.map(({ set, items }) => ({
  projector: projectorNameOf(set.resource)!,
  records: items.flatMap((item) => {
    const r = set.resource.project(item);
    return r.ok ? [r.value] : [];
  }),
}));
const clones = records.map((r) => ({ projector: r.projector, records: structuredClone(r.records) }));
const profile = {
  utf8DecodeMs: step(pageInputs, ({ page }) => utf8.decode(page)),
  jsonParseMs: step(texts, ({ text }) => JSON.parse(text)),
  projectMs: step(parsed, ({ set, items }) => {
    for (const item of items) set.resource.project(item);
  }),
  // What a pooled page still costs the main thread: deserializing the cloned records (structuredClone
  // pays serialize + deserialize, of which the main thread does the deserialize) and re-interning.
  structuredCloneMs: step(records, (r) => structuredClone(r.records)),
  reinternMs: step(clones, (c) => reinternRecords(c.projector, c.records)),
};

// The second candidate, bulk re-evaluation after a cluster-wide rule change: a pool thread would need
// the state the decision reads — every allocated claim and every pod — and that state lives in the
// main thread's informers and index. Shipping it once costs the main thread the serialize half of a
// structured clone of all pod and claim records; compare with the engine's whole decision pass for a
// rule flip over 100k pods in bench/results/storm.json ("decide ms").
const decisionState = records.filter((r) => r.projector === 'pod' || r.projector === 'claim').flatMap((r) => r.records);
const stateCloneMs = step([decisionState], (state) => structuredClone(state));

// ------------------------------------------------------------------------------------ end to end

// The same question for the real read side: InformerSet (every reflector, discovery, the engine's
// handlers) syncing from the simulated apiserver in a child process over HTTP, with and without the
// pooled decoder. The sim shares the 2 cores here, as an apiserver would not, so wall time is pessimistic
// for both; main-thread CPU is the number that carries over.

interface E2eRun extends Run {
  readonly retainedHeapMb: number;
  readonly pooledPages: number;
}

const e2eSim = await SimProcess.start({ pods, nodes });
const kc = new KubeConfig();
kc.loadFromFile(e2eSim.kubeconfigPath);
const noDecisions: EvictionSink = { schedule: () => {}, cancel: () => {} };

async function e2eSync(mode: string, threads: number | null): Promise<E2eRun> {
  const { informers, decoder, close } = await startReadSide(kc, { sink: noDecisions, decodeThreads: threads ?? 0 });
  collectGarbage();
  const heapBefore = process.memoryUsage().heapUsed;
  const cost = await measureSection(async () => {
    informers.start();
    await informers.waitForSync(600_000);
  });
  collectGarbage();
  const retainedHeapMb = mb(process.memoryUsage().heapUsed - heapBefore);
  const run: E2eRun = { mode, ...cost, retainedHeapMb, pooledPages: decoder?.counts.pooled ?? 0 };
  if (informers.pods.size !== pods) throw new Error(`${mode}: synced ${informers.pods.size} pods`);
  await close();
  console.log(
    `e2e ${mode.padEnd(12)} wall ${run.wallMs.toFixed(0).padStart(6)} ms  main cpu ${run.mainCpuMs.toFixed(0).padStart(6)} ms  ` +
      `other cpu ${run.otherCpuMs.toFixed(0).padStart(6)} ms  lag p99 ${run.lagP99Ms.toFixed(1)} ms max ${run.lagMaxMs.toFixed(1)} ms  ` +
      `heap ${run.retainedHeapMb.toFixed(0)} MiB  pooled pages ${run.pooledPages}`,
  );
  return run;
}

const e2eModes: readonly [string, number | null][] = [
  ['inline', null],
  ['pool 1 thr', 1],
  ['pool 2 thr', 2],
];
await e2eSync('warm-up', null);
const e2eRuns: E2eRun[] = [];
// Interleaved, so drift in the machine's load hits every mode alike.
for (let r = 0; r < reps; r++) for (const [mode, threads] of e2eModes) e2eRuns.push(await e2eSync(mode, threads));
await e2eSim.stop();
const e2eSummaries = e2eModes.map(([mode]) => {
  const runs = e2eRuns.filter((r) => r.mode === mode);
  const med = (f: (r: E2eRun) => number) => median(runs.map(f));
  return {
    mode,
    wallMs: med((r) => r.wallMs),
    mainCpuMs: med((r) => r.mainCpuMs),
    otherCpuMs: med((r) => r.otherCpuMs),
    mainBusyMs: med((r) => r.mainBusyMs),
    lagP99Ms: med((r) => r.lagP99Ms),
    lagMaxMs: med((r) => r.lagMaxMs),
    retainedHeapMb: med((r) => r.retainedHeapMb),
    pooledPages: med((r) => r.pooledPages),
  };
});

// ------------------------------------------------------------------------------------------- report

const inline = summaries[0]!;
const fmt = (n: number, d = 0): number => Number(n.toFixed(d));
const tables: ResultTable[] = [
  {
    title: `Initial sync decode: ${totalPages} pages (${pods} pods, ${seeded.claims} claims, ${seeded.slices} slices; ${mb(totalBytes).toFixed(0)} MiB), median of ${reps}`,
    columns: [
      'mode',
      'wall ms',
      'main CPU ms',
      'main CPU ÷ inline',
      'main busy ms',
      'other threads CPU ms',
      'wall ÷ inline',
      'objects/s',
      'lag p99 ms',
      'lag max ms',
    ],
    rows: summaries.map((s) => [
      s.mode,
      fmt(s.wallMs),
      fmt(s.mainCpuMs),
      fmt(s.mainCpuMs / inline.mainCpuMs, 2),
      fmt(s.mainBusyMs),
      fmt(s.otherCpuMs),
      fmt(s.wallMs / inline.wallMs, 2),
      fmt((totalObjects / s.wallMs) * 1000),
      fmt(s.lagP99Ms, 1),
      fmt(s.lagMaxMs, 1),
    ]),
  },
  {
    title: `End to end: InformerSet initial sync from the sim (child process) over HTTP, median of ${reps}`,
    columns: [
      'mode',
      'wall ms',
      'main CPU ms',
      'main CPU ÷ inline',
      'other threads CPU ms',
      'lag p99 ms',
      'lag max ms',
      'retained heap MiB',
      'pooled pages',
    ],
    rows: e2eSummaries.map((s) => [
      s.mode,
      fmt(s.wallMs),
      fmt(s.mainCpuMs),
      fmt(s.mainCpuMs / e2eSummaries[0]!.mainCpuMs, 2),
      fmt(s.otherCpuMs),
      fmt(s.lagP99Ms, 1),
      fmt(s.lagMaxMs, 1),
      fmt(s.retainedHeapMb),
      s.pooledPages,
    ]),
  },
  {
    title: 'Second candidate: shipping the decision state (all pods + claims) to a pool thread once',
    columns: ['records', 'structuredClone ms (main-thread CPU, both halves)'],
    rows: [[decisionState.length, fmt(stateCloneMs)]],
  },
  {
    title:
      'Where the inline main-thread time goes (all pages, main-thread CPU ms; every page held parsed at once, so GC is heavier than in a sync)',
    columns: ['step', 'ms', 'share of inline steps'],
    rows: (() => {
      const inlineSteps = profile.utf8DecodeMs + profile.jsonParseMs + profile.projectMs;
      return [
        ['UTF-8 decode', fmt(profile.utf8DecodeMs), `${fmt((profile.utf8DecodeMs / inlineSteps) * 100)} %`],
        ['JSON.parse', fmt(profile.jsonParseMs), `${fmt((profile.jsonParseMs / inlineSteps) * 100)} %`],
        ['projection', fmt(profile.projectMs), `${fmt((profile.projectMs / inlineSteps) * 100)} %`],
        ['pool only: structuredClone of the records (both sides)', fmt(profile.structuredCloneMs), ''],
        ['pool only: re-interning on main', fmt(profile.reinternMs), ''],
      ];
    })(),
  },
];

writeResult(flags, {
  name: 'piscina',
  title: 'piscina: list-page decoding off the main thread',
  parameters: { pods, nodes, pageSize, reps, pages: totalPages, objects: totalObjects, bytes: totalBytes },
  tables,
  raw: {
    summaries,
    profile,
    stateClone: { records: decisionState.length, ms: stateCloneMs },
    seeded,
    e2e: { summaries: e2eSummaries, runs: e2eRuns },
  },
  notes: [
    'main CPU = CPU time of the main thread (/proc, 10 ms ticks); main busy = its event-loop utilization active time (wall clock, so it also counts time descheduled on a loaded machine).',
    'other threads CPU = process CPU minus main thread: the pool threads plus GC/libuv helper threads.',
    'pool T thr ×W: PooledPageDecoder with T piscina threads (atomics disabled) and W reflectors listing at once.',
    'The machine has 2 cores shared with other work; expect ±30 % noise.',
  ],
});
