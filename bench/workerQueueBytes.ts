// Bytes per scheduled eviction in a shard worker's queue partition (issue 12: cap the worker heaps, sized
// from a measurement). One real shard worker (the built dist/workers/workerMain.js, fake executor,
// virtual clock, so nothing ever falls due) gets N schedules through the router in batches, as a storm
// delivers them; its V8 heap is read after two full collections (bench/trace/heapProbeWorker.mjs) before
// and after. Then the worker is killed and the supervisor replays the whole partition into its
// replacement in one message, as after a crash: the replacement's heap is read again once it applied
// the replay. The per-entry cost sizes --worker-max-old-space-mb's default (src/main/app/options.ts).
//
//   npm run build && node --expose-gc --import tsx bench/workerQueueBytes.ts [--entries 200000] [--out dir]

import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { ShardedRuntime } from '../src/main/runtime/shardedRuntime.js';
import type { PendingEviction } from '../src/main/runtime/supervisor.js';
import { silentLogger } from '../src/shared/logger.js';
import { ruleReason } from '../src/shared/reasons.js';
import { benchDir, parseBenchFlags, writeResult } from './harness.js';

const flags = parseBenchFlags();
const argv = process.argv.slice(2);
const at = argv.indexOf('--entries');
const entries = at >= 0 ? Number(argv[at + 1]) : flags.quick ? 20_000 : 200_000;
/** `--cap MB`: every worker's old-generation cap, to find the smallest that survives the fill and the replay. */
const capAt = argv.indexOf('--cap');
const capMb = capAt >= 0 ? Number(argv[capAt + 1]) : null;
const workerEntry = pathToFileURL(join(benchDir, '..', 'dist', 'workers', 'workerMain.js')).href;
const probeUrl = new URL('./trace/heapProbeWorker.mjs', import.meta.url);

interface HeapProbe {
  readonly used: number;
  readonly total: number;
  readonly limit: number;
}

const workers: Worker[] = [];
function probe(worker: Worker): Promise<HeapProbe> {
  return new Promise((resolve) => {
    const on = (m: unknown) => {
      if (typeof m === 'object' && m !== null && (m as { t?: unknown }).t === 'heapProbe') {
        worker.off('message', on);
        resolve(m as HeapProbe);
      }
    };
    worker.on('message', on);
    worker.postMessage({ t: 'heapProbe' });
  });
}

// Realistic keys: namespaces of a few tenants, generated pod names, UUIDs.
const reasons = [ruleReason('gpu-xid-79', randomUUID())];
const pending: PendingEviction[] = [];
for (let i = 0; i < entries; i++)
  pending.push({
    pod: { namespace: `team-${i % 40}`, name: `train-job-${(i / 8) | 0}-worker-${i % 8}`, uid: randomUUID() },
    fireAt: 4_000_000_000_000 + i,
    reasons,
  });

const restartLog = {
  ...silentLogger,
  error: (msg: string, fields?: Record<string, unknown>) => {
    if (msg.includes('out of heap memory')) console.log(`worker out of memory (${capMb} MB cap)`, fields?.error);
  },
};
const runtime = await ShardedRuntime.start({
  workers: 1,
  executor: { kind: 'fake' },
  budget: null,
  concurrency: 10,
  clock: { kind: 'virtual', startMs: 0 },
  pending: () => pending,
  log: restartLog,
  restartBackoff: { baseMs: 1, maxMs: 1 },
  spawn: (o) => {
    const w = new Worker(probeUrl, {
      workerData: o.workerData,
      transferList: o.transferList === undefined ? [] : [...o.transferList],
      argv: [workerEntry],
      ...(capMb === null ? {} : { resourceLimits: { maxOldGenerationSizeMb: capMb } }),
      stdout: false,
      stderr: false,
    });
    workers.push(w);
    return w;
  },
});

const opsApplied = async (): Promise<number> =>
  (await runtime.supervisor.callControl(0, async (c) => (await c.stats()).opsApplied)) ?? -1;
async function until(cond: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = performance.now() + 300_000;
  while (!(await cond())) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const first = workers[0];
if (first === undefined) throw new Error('no worker spawned');
const empty = await probe(first);
const batch = 10_000;
for (let i = 0; i < entries; i += batch) {
  for (const p of pending.slice(i, i + batch)) runtime.sink.schedule(p.pod, p.fireAt, p.reasons);
  runtime.sink.flush();
}
await until(async () => (await opsApplied()) >= entries, 'every schedule applied');
const full = await probe(first);
const perEntry = (full.used - empty.used) / entries;

// A crash: the replacement gets the whole partition back in one replay message.
await first.terminate();
await until(async () => {
  if (workers.length > 2) throw new Error(`the replay of ${entries} entries does not fit a ${capMb} MB cap`);
  return workers.length > 1 && (await opsApplied()) >= entries;
}, 'the replay applied');
const second = workers[1];
if (second === undefined) throw new Error('no replacement spawned');
const replayed = await probe(second);
await runtime.close(0);
for (const w of workers) await w.terminate();

const mbOf = (b: number) => Math.round((b / 2 ** 20) * 10) / 10;
console.log(
  `${entries} entries: ${perEntry.toFixed(0)} B/entry retained in the worker heap (empty ${mbOf(empty.used)} MB, full ${mbOf(full.used)} MB, after a replay ${mbOf(replayed.used)} MB; heap limit ${mbOf(empty.limit)} MB)`,
);
writeResult(flags, {
  name: 'workerQueueBytes',
  title: 'Bytes per scheduled eviction in a shard worker',
  parameters: { entries, batch },
  tables: [
    {
      title: 'One shard worker (built), fake executor, virtual clock: heap after two full collections',
      columns: ['entries', 'empty MB', 'full MB', 'after replay MB', 'B per entry', 'heap committed full MB'],
      rows: [[entries, mbOf(empty.used), mbOf(full.used), mbOf(replayed.used), Math.round(perEntry), mbOf(full.total)]],
    },
  ],
  raw: { empty, full, replayed },
  notes: [
    'B per entry = (heap used full − empty) / entries: the partition entry, its heap node, the pod key and strings, as the worker keeps them.',
    'After replay = the replacement worker once it applied the supervisor’s replay of the whole partition (one message).',
  ],
});
