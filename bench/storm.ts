// Taint storm: one DeviceTaintRule flips from None to NoExecute over every device of a cluster whose
// P pods each hold one claim. Measured: time from the flip until every decision sits in a worker's queue
// partition (decide on the main thread, batch per shard, postMessage, insert into each worker's heap).
// Workers run on a virtual clock that stays before the taint, so nothing fires while we count; the
// variant with tolerating pods then advances virtual time to 1 s before their toleration ends and checks
// that every other pod was evicted and none of the tolerating ones was, then past it.
// Records are fed to the engine directly (bench/ingest.ts measures getting them there).
//
//   node --expose-gc --import tsx bench/storm.ts [--quick] [--workers 2] [--out dir]

import { createEngineWithRuleStatus } from '../src/main/engine/wiring.js';
import { ShardedRuntime } from '../src/main/runtime/shardedRuntime.js';
import { RealClock } from '../src/shared/clock.js';
import { silentLogger } from '../src/shared/logger.js';
import type { PartitionStats } from '../src/workers/partition.js';
import { waitFor } from '../test/support/waitFor.js';
import { collectGarbage, parseBenchFlags, processCpuMs, profileDirFlag, profiled, writeResult } from './harness.js';
import { buildRecordCluster, xidRule } from './records.js';

const flags = parseBenchFlags();
const workersAt = process.argv.indexOf('--workers');
const workers = workersAt >= 0 ? Number(process.argv[workersAt + 1]) : 2;
const pods = flags.quick ? 15_000 : 100_000;
const toleratingPods = flags.quick ? 1_500 : 10_000;
const tolerationSeconds = 60;
const profileDir = profileDirFlag();

interface StormRun {
  readonly variant: string;
  readonly pods: number;
  readonly tolerating: number;
  readonly workers: number;
  /** The engine's synchronous work for the flip (decide + batch). */
  readonly decideMs: number;
  /** Flip → every decision counted in a worker partition. */
  readonly scheduledMs: number;
  /**
   * CPU time of the whole process (every thread) from the flip until scheduled: the work the storm
   * costs, which other load on the machine inflates far less than the wall time.
   */
  readonly cpuMs: number;
  readonly decisionsPerSec: number;
  readonly messagingMs: number;
  readonly opsRouted: number;
  /** Tolerating variant: completions 1 s before the toleration ends (must equal pods − tolerating). */
  readonly completedBeforeToleration: number | null;
  readonly scheduledBeforeToleration: number | null;
  readonly completedAfterToleration: number | null;
  readonly early: number | null;
}

const inQueues = (t: PartitionStats): number => t.scheduled + t.running + t.completed;

async function storm(variant: string, tolerating: number): Promise<StormRun> {
  const cluster = buildRecordCluster({
    pods,
    nodes: Math.ceil(pods / 8),
    toleratingEvery: tolerating > 0 ? Math.round(pods / tolerating) : 0,
    tolerationSeconds,
  });
  const clock = new RealClock();
  // `runtime` is assigned before any decision can be made: the engine only decides on events.
  let runtime: ShardedRuntime | null = null;
  const { engine, ruleStatus } = createEngineWithRuleStatus({
    clock,
    log: silentLogger,
    writer: { apply: async () => {} },
    sink: {
      schedule: (pod, fireAt, reasons, podState) => runtime?.sink.schedule(pod, fireAt, reasons, podState),
      cancel: (pod, emitEvent) => runtime?.sink.cancel(pod, emitEvent),
    },
  });
  runtime = await ShardedRuntime.start({
    workers,
    executor: { kind: 'fake' },
    budget: null,
    concurrency: 10,
    clock: { kind: 'virtual', startMs: 0 },
    pending: () => engine.pendingEvictions(),
    log: silentLogger,
  });
  const rt = runtime;
  rt.onResults((results) => {
    for (const r of results) engine.evictionFinished(r);
  });
  for (const s of cluster.slices) engine.sliceAdded(s);
  for (const c of cluster.claims) engine.claimAdded(c);
  for (const p of cluster.pods) engine.podAdded(p);
  // Whole seconds, like the apiserver stores timeAdded.
  const timeAdded = Math.floor(Date.now() / 1000) * 1000;
  const none = xidRule('None', timeAdded);
  engine.ruleAdded(none);
  if (engine.pendingCount !== 0) throw new Error('a None rule must not evict');
  collectGarbage();

  let totals = (await rt.stats()).totals;
  let started = 0;
  let decideMs = 0;
  let scheduledMs = 0;
  let cpuMs = 0;
  await profiled(profileDir, `storm-main-${tolerating > 0 ? 'tolerating' : 'plain'}`, async () => {
    const cpuStarted = processCpuMs();
    started = performance.now();
    engine.ruleUpdated(none, xidRule('NoExecute', timeAdded, 2));
    decideMs = performance.now() - started;
    const pending: number = engine.pendingCount;
    if (pending !== pods) throw new Error(`${pending} pending, expected ${pods}`);
    await waitFor(
      async () => {
        totals = (await rt.stats()).totals;
        return inQueues(totals) >= pods;
      },
      120_000,
      () => 'every decision in a worker queue',
      1,
    );
    scheduledMs = performance.now() - started;
    cpuMs = processCpuMs() - cpuStarted;
  });
  if (totals.completed !== 0) throw new Error(`${totals.completed} evictions ran before virtual time moved`);
  const stats = await rt.stats();

  let completedBefore: number | null = null;
  let scheduledBefore: number | null = null;
  let completedAfter: number | null = null;
  let early: number | null = null;
  if (cluster.tolerating > 0) {
    const evicting = pods - cluster.tolerating;
    // Virtual time: the queues start runs (and start more as runs end) when time moves, so each poll
    // moves it again to the same instant (src/workers/workerMain.ts, `defer`).
    const before1s = timeAdded + (tolerationSeconds - 1) * 1000;
    rt.advanceVirtualTime(before1s);
    await waitFor(
      async () => {
        rt.advanceVirtualTime(before1s);
        return (await rt.stats()).totals.completed >= evicting;
      },
      120_000,
      () => 'the non-tolerating evictions',
      5,
    );
    const before = (await rt.stats()).totals;
    completedBefore = before.completed;
    scheduledBefore = before.scheduled;
    early = before.completed - evicting;
    const after1s = timeAdded + (tolerationSeconds + 1) * 1000;
    rt.advanceVirtualTime(after1s);
    await waitFor(
      async () => {
        rt.advanceVirtualTime(after1s);
        return (await rt.stats()).totals.completed >= pods;
      },
      120_000,
      () => 'every eviction',
      5,
    );
    completedAfter = (await rt.stats()).totals.completed;
  }
  await rt.close(1_000);
  // Its pacing timer (one status pass per 10 s) would otherwise keep the process alive.
  ruleStatus.stop();
  return {
    variant,
    pods,
    tolerating: cluster.tolerating,
    workers,
    decideMs,
    scheduledMs,
    cpuMs,
    decisionsPerSec: pods / (scheduledMs / 1000),
    messagingMs: stats.messagingMs,
    opsRouted: stats.opsRouted,
    completedBeforeToleration: completedBefore,
    scheduledBeforeToleration: scheduledBefore,
    completedAfterToleration: completedAfter,
    early,
  };
}

const runs = [
  await storm('no tolerations', 0),
  await storm(`${toleratingPods} tolerate ${tolerationSeconds} s`, toleratingPods),
];
for (const r of runs)
  console.log(
    `${r.variant}: decide ${r.decideMs.toFixed(0)} ms, scheduled in ${r.scheduledMs.toFixed(0)} ms, CPU ${r.cpuMs.toFixed(0)} ms`,
  );

writeResult(flags, {
  name: 'storm',
  title: 'Taint storm: a DeviceTaintRule flips to NoExecute',
  parameters: { pods, toleratingPods, tolerationSeconds, workers, devicesPerNode: 8 },
  tables: [
    {
      title: `Rule flip None → NoExecute over ${pods.toLocaleString('en-US')} pods, ${workers} workers`,
      columns: ['variant', 'decide ms', 'in worker queues ms', 'CPU ms', 'decisions/s', 'messaging ms', 'ops routed'],
      rows: runs.map((r) => [
        r.variant,
        r.decideMs,
        r.scheduledMs,
        r.cpuMs,
        r.decisionsPerSec,
        r.messagingMs,
        r.opsRouted,
      ]),
    },
    {
      title: 'Tolerating pods: virtual time advanced to 1 s before, then 1 s after the toleration ends',
      columns: ['variant', 'evicted before', 'still queued before', 'evicted early', 'evicted after'],
      rows: runs
        .filter((r) => r.tolerating > 0)
        .map((r) => [
          r.variant,
          r.completedBeforeToleration,
          r.scheduledBeforeToleration,
          r.early,
          r.completedAfterToleration,
        ]),
    },
  ],
  raw: { runs },
  notes: [
    'Records are fed to the engine directly; the flip is one ruleUpdated call, timed until the summed partition stats (scheduled + running + completed) reach the pod count.',
    'CPU ms: user + system time of every thread of the process from the flip until scheduled (includes the 1 ms stats polling).',
    'Workers run on a virtual clock before the taint time, so the count is of queued decisions, not evictions.',
    '"Evicted early" = evictions 1 s before the toleration ends minus the non-tolerating pods (must be 0).',
  ],
});
