// Ingest: the controller's read side against a seeded simulated cluster in another process.
//  1. Initial sync of P pods (with one claim each) and S slices of 8 devices: discovery + paginated lists +
//     projection + the engine's device→claim→pod index, until every informer has synced. Reports wall
//     time, main-thread CPU time, resident memory and retained heap per cached pod.
//  2. Steady churn at R pod events/s (create / relabel / delete, in equal parts) for D seconds on top of
//     the synced caches: main-thread CPU share (event loop utilization) and event lag (creation in the
//     server → handler ran in the controller) p50/p99.
//  3. Retained heap at smaller sizes, for the memory-vs-pods chart (after the headline size, whose
//     resident memory is measured first in this fresh process).
// The workers are not started: with no taints nothing is routed to them, and this measures the thread
// that does the ingest. The sim runs in a child process so its memory and CPU are not ours.
//
//   node --expose-gc --import tsx bench/ingest.ts [--quick] [--out dir] [--decode-threads n|auto]

import os from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { KubeConfig } from '@kubernetes/client-node';
import type { InformerSet } from '../src/kube/informers.js';
import { autoDecodeThreads } from '../src/main/app/options.js';
import type { EvictionSink } from '../src/shared/decisions.js';
import { waitFor } from '../test/support/waitFor.js';
import {
  collectGarbage,
  heapProfiled,
  type LatencySummary,
  latencyHistogram,
  mb,
  parseBenchFlags,
  profileDirFlag,
  profiled,
  summarize,
  writeResult,
} from './harness.js';
import { type ReadSide, startReadSide } from './readSide.js';
import { SimProcess } from './simProcess.js';

const flags = parseBenchFlags();
// Like the controller's --decode-threads: `auto` (the default) is what `run` picks on this machine.
const decodeThreadsAt = process.argv.indexOf('--decode-threads');
const decodeThreadsArg = decodeThreadsAt >= 0 ? process.argv[decodeThreadsAt + 1] : undefined;
const decodeThreads =
  decodeThreadsArg === undefined || decodeThreadsArg === 'auto'
    ? autoDecodeThreads(os.availableParallelism())
    : Number(decodeThreadsArg);
const profileDir = profileDirFlag();
const headline = flags.quick ? { pods: 15_000, slices: 2_000 } : { pods: 150_000, slices: 20_000 };
const curveSizes = flags.quick ? [5_000] : [25_000, 75_000];
const churn = { ratePerSec: 1_000, durationMs: flags.quick ? 5_000 : 20_000 };

interface SyncRun {
  readonly pods: number;
  readonly slices: number;
  readonly claims: number;
  readonly syncMs: number;
  readonly cpuMs: number;
  readonly rssMb: number;
  /** RSS before the sync started (runtime, tsx, libraries). */
  readonly baselineRssMb: number;
  readonly peakRssMb: number;
  readonly heapUsedMb: number;
  readonly heapBytesPerPod: number;
  readonly listPages: number;
}

interface ChurnRun {
  readonly ratePerSec: number;
  readonly seconds: number;
  readonly events: number;
  readonly eventsPerSec: number;
  readonly eventLoopUtilization: number;
  readonly cpuShare: number;
  readonly lag: LatencySummary;
  readonly eventLoopDelayP99Ms: number;
}

interface Running {
  readonly sim: SimProcess;
  readonly informers: InformerSet;
  readonly readSide: ReadSide;
  readonly run: SyncRun;
}

let decisions = 0;
const countingSink: EvictionSink = {
  schedule: () => {
    decisions++;
  },
  cancel: () => {
    decisions++;
  },
};

async function syncOnce(pods: number, slices: number, profileName: string | null = null): Promise<Running> {
  const sim = await SimProcess.start({ pods, nodes: slices });
  console.log(`sim seeded ${pods} pods, ${slices} slices in ${Math.round(sim.seedMs)} ms`);
  collectGarbage();
  const before = process.memoryUsage();
  const heapBefore = before.heapUsed;
  const cpuBefore = process.cpuUsage();
  const started = performance.now();

  const kc = new KubeConfig();
  kc.loadFromFile(sim.kubeconfigPath);
  const readSide = await startReadSide(kc, { sink: countingSink, decodeThreads });
  const { informers, decoder } = readSide;
  informers.start();
  const name = profileName ?? '';
  const sync = () => informers.waitForSync(600_000);
  // The headline run is profiled twice over when asked: CPU of the sync, and what the retained heap is.
  await (profileName === null
    ? sync()
    : heapProfiled(profileDir, `${name}-heap`, () => profiled(profileDir, `${name}-cpu`, sync)));
  const syncMs = performance.now() - started;
  const cpu = process.cpuUsage(cpuBefore);
  // The pool's threads exit when idle (10 s) in the controller; close them now so the memory below is
  // the steady state after the sync.
  await decoder?.close();
  const peakRssMb = process.resourceUsage().maxRSS / 1024;
  collectGarbage();
  const memory = process.memoryUsage();
  const run: SyncRun = {
    pods: informers.pods.size,
    slices: informers.slices.size,
    claims: informers.claims.size,
    syncMs,
    cpuMs: (cpu.user + cpu.system) / 1000,
    rssMb: mb(memory.rss),
    baselineRssMb: mb(before.rss),
    peakRssMb,
    heapUsedMb: mb(memory.heapUsed),
    heapBytesPerPod: (memory.heapUsed - heapBefore) / Math.max(1, informers.pods.size),
    listPages: informers.all().reduce((n, r) => n + r.counters.listPages, 0),
  };
  if (run.pods !== pods || run.slices !== slices) throw new Error(`synced ${run.pods} pods / ${run.slices} slices`);
  console.log(`synced ${pods} pods in ${syncMs.toFixed(0)} ms, rss ${run.rssMb.toFixed(0)} MB`);
  return { sim, informers, readSide, run };
}

async function stopRunning(r: Running): Promise<void> {
  await r.readSide.close();
  await r.sim.stop();
}

async function measureChurn(r: Running): Promise<ChurnRun> {
  const lag = latencyHistogram();
  let events = 0;
  r.informers.pods.addEventHandler({
    added: (pod) => {
      events++;
      const match = /^churn-\d+-(\d+)$/.exec(pod.name);
      if (match !== null)
        lag.recordValue(
          Math.max(1, Math.round((performance.timeOrigin + performance.now()) * 1000 - Number(match[1]))),
        );
    },
    updated: () => {
      events++;
    },
    deleted: () => {
      events++;
    },
  });
  // Late handlers get the cache replayed as adds (like client-go): count only what follows.
  events = 0;
  const expected = Math.round((churn.ratePerSec * churn.durationMs) / 1000);
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  const elu = performance.eventLoopUtilization();
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  await r.sim.request({ op: 'churn', ratePerSec: churn.ratePerSec, durationMs: churn.durationMs });
  await waitFor(
    () => events >= expected,
    60_000,
    () => 'every churn event',
    10,
  );
  const seconds = (performance.now() - started) / 1000;
  const used = performance.eventLoopUtilization(elu);
  const cpu = process.cpuUsage(cpuBefore);
  delay.disable();
  const result: ChurnRun = {
    ratePerSec: churn.ratePerSec,
    seconds,
    events,
    eventsPerSec: events / seconds,
    eventLoopUtilization: used.utilization,
    cpuShare: (cpu.user + cpu.system) / 1000 / (seconds * 1000),
    lag: summarize(lag),
    eventLoopDelayP99Ms: delay.percentile(99) / 1e6,
  };
  lag.destroy();
  return result;
}

const runs: SyncRun[] = [];
const first = await syncOnce(headline.pods, headline.slices, profileDir === null ? null : 'ingest-sync');
runs.push(first.run);
const churnRun = await measureChurn(first);
await stopRunning(first);
for (const pods of curveSizes) {
  collectGarbage();
  const r = await syncOnce(pods, Math.round((pods * headline.slices) / headline.pods));
  runs.push(r.run);
  await stopRunning(r);
}
runs.sort((a, b) => a.pods - b.pods);
const head = first.run;

writeResult(flags, {
  name: 'ingest',
  title: 'Ingest: initial sync and steady churn',
  parameters: {
    ...headline,
    devicesPerSlice: 8,
    curveSizes,
    churn,
    gcExposed: collectGarbage(),
    listPageDecoding: decodeThreads > 0 ? `piscina pool of ${decodeThreads}` : 'main thread',
  },
  tables: [
    {
      title: `Initial sync (sim in a child process; headline run first in a fresh process)`,
      columns: [
        'pods',
        'slices',
        'sync ms',
        'CPU ms',
        'RSS MB',
        'RSS before MB',
        'peak RSS MB',
        'heap MB',
        'heap B/pod',
        'list pages',
      ],
      rows: runs.map((r) => [
        r.pods,
        r.slices,
        r.syncMs,
        r.cpuMs,
        r.pods === head.pods ? r.rssMb : null,
        r.pods === head.pods ? r.baselineRssMb : null,
        r.pods === head.pods ? r.peakRssMb : null,
        r.heapUsedMb,
        r.heapBytesPerPod,
        r.listPages,
      ]),
    },
    {
      title: `Steady churn on ${head.pods.toLocaleString('en-US')} cached pods`,
      columns: [
        'target ev/s',
        'seen ev/s',
        'main-thread ELU',
        'CPU share',
        'lag p50 ms',
        'lag p99 ms',
        'lag max ms',
        'loop delay p99 ms',
      ],
      rows: [
        [
          churnRun.ratePerSec,
          churnRun.eventsPerSec,
          churnRun.eventLoopUtilization,
          churnRun.cpuShare,
          churnRun.lag.p50Ms,
          churnRun.lag.p99Ms,
          churnRun.lag.maxMs,
          churnRun.eventLoopDelayP99Ms,
        ],
      ],
    },
  ],
  raw: { runs, churn: churnRun, decisions },
  notes: [
    'Sync time runs from discovery to every informer synced with the engine index built (handlers run synchronously).',
    'Heap per pod = retained heap after sync and GC minus before, divided by cached pods: it includes claims and slices.',
    'RSS is only meaningful for the headline run, which goes first in a fresh process (bench/run.ts). "RSS before" is what the process holds before the first list: Node itself (≈ 40 MB), @kubernetes/client-node (≈ 65 MB) and tsx (≈ 30 MB, absent from a built controller).',
    'Churn lag: pod names carry their creation time in the server; lag = handler time − creation time (same host clock).',
  ],
});
