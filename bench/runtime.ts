// The multi-core runtime on its own, without informers or an API server:
//  1. Routing: one DeviceTaintRule flip makes the engine decide 100,000 pods; how fast do those decisions
//     reach the worker queues (engine → router → postMessage → partition.schedule), and how much of the
//     main thread's time goes into messaging? The claims tolerate the taint for an hour, so nothing
//     executes: this is the decision/transport path alone. Workers 1, 2, 4.
//  2. Execution: P pods due at once, executed by the fake executor with a fixed CPU cost per API call
//     (3 calls per eviction, as our Kubernetes executor makes) and no API budget: evictions/s inline
//     (main thread) and with 1, 2, 4 workers, with ratios to 1 worker. On a 2-core machine the ceiling is
//     ~2× (the main thread is mostly idle while workers execute).
//
//   npm run bench:runtime [-- --quick] [--only routing,execution] [--out dir]

import { EvictionEngine } from '../src/main/engine/engine.js';
import { InlineRuntime } from '../src/main/runtime/inlineRuntime.js';
import { ShardedRuntime } from '../src/main/runtime/shardedRuntime.js';
import { unlimitedBudget } from '../src/shared/apiBudget.js';
import { RealClock } from '../src/shared/clock.js';
import type { EvictionSink, ReasonId } from '../src/shared/decisions.js';
import { silentLogger } from '../src/shared/logger.js';
import type { PodRef, RuleRecord } from '../src/shared/types.js';
import { FakeExecutor, type FakeExecutorSpec } from '../src/workers/executor/fakeExecutor.js';
import { waitFor } from '../test/support/waitFor.js';
import { type Cell, parseBenchFlags, writeResult } from './harness.js';
import { buildRecordCluster, xidRule } from './records.js';

const flags = parseBenchFlags();
const onlyAt = process.argv.indexOf('--only');
const only = new Set(onlyAt >= 0 ? (process.argv[onlyAt + 1] ?? '').split(',') : ['routing', 'execution']);
const P = {
  routedPods: flags.quick ? 20_000 : 100_000,
  gpusPerNode: 8,
  executedPods: flags.quick ? 4_000 : 20_000,
  workerCounts: [1, 2, 4],
  cpuMicrosPerCall: 100,
  apiCallsPerEviction: 3,
  latencyMs: 1,
  concurrency: 64,
};

/** Lets the engine be built once and pointed at each runtime in turn. */
class SwitchableSink implements EvictionSink {
  target: EvictionSink | null = null;
  schedule(pod: PodRef, fireAt: number, reasons: readonly ReasonId[]): void {
    this.target?.schedule(pod, fireAt, reasons);
  }
  cancel(pod: PodRef, emitEvent: boolean): void {
    this.target?.cancel(pod, emitEvent);
  }
}

/** A KWOK-style cluster: one pool per node with 8 GPUs, one pod per GPU, each with its own claim. */
function buildEngine(pods: number, sink: EvictionSink): EvictionEngine {
  const engine = new EvictionEngine({ clock: new RealClock(), sink, ruleStatus: { enqueue() {} }, log: silentLogger });
  // Every pod tolerates the rule's taint for an hour: the flip queues every pod, none runs during the bench.
  const cluster = buildRecordCluster({
    pods,
    nodes: Math.ceil(pods / P.gpusPerNode),
    devicesPerNode: P.gpusPerNode,
    toleratingEvery: 1,
    tolerationSeconds: 3600,
    namespaces: 50,
  });
  for (const slice of cluster.slices) engine.sliceAdded(slice);
  for (let i = 0; i < pods; i++) {
    engine.claimAdded(cluster.claims[i]!);
    engine.podAdded(cluster.pods[i]!);
  }
  return engine;
}

const flipRule = (uid: string): RuleRecord => xidRule('NoExecute', Date.now(), 1, uid);

const fakeSpec: FakeExecutorSpec = {
  kind: 'fake',
  cpuMicrosPerCall: P.cpuMicrosPerCall,
  apiCallsPerEviction: P.apiCallsPerEviction,
  latencyMs: P.latencyMs,
};

async function startRuntime(workers: number): Promise<ShardedRuntime> {
  return ShardedRuntime.start({
    workers,
    executor: fakeSpec,
    budget: null,
    concurrency: P.concurrency,
    // Nothing crashes here, so there is nothing to replay.
    pending: () => [],
    log: silentLogger,
    workerLog: { level: 'error', format: 'json' },
  });
}

interface RoutingRun {
  readonly workers: number;
  readonly decisions: number;
  readonly engineMs: number;
  readonly totalMs: number;
  readonly decisionsPerSec: number;
  readonly sendMs: number;
  readonly batches: number;
  readonly messagingShare: number;
}

async function routing(
  engine: EvictionEngine,
  sink: SwitchableSink,
  workers: number,
  round: number,
): Promise<RoutingRun> {
  const runtime = await startRuntime(workers);
  try {
    sink.target = runtime.sink;
    const rule = flipRule(`rule-uid-${round}`);
    const started = performance.now();
    engine.ruleAdded(rule);
    const engineMs = performance.now() - started;
    const decisions = engine.pendingCount;
    await waitFor(
      async () => (await runtime.stats()).shards.reduce((n, s) => n + (s.worker?.opsApplied ?? 0), 0) >= decisions,
      120_000,
      () => 'every decision to reach a worker queue',
      5,
    );
    const totalMs = performance.now() - started;
    const router = runtime.sink.stats();
    // Undo the flip with the runtime detached, so the next round starts from the same untainted state.
    sink.target = null;
    engine.ruleDeleted(rule);
    return {
      workers,
      decisions,
      engineMs,
      totalMs,
      decisionsPerSec: decisions / (totalMs / 1000),
      sendMs: router.sendMs,
      batches: router.batchesSent,
      messagingShare: router.sendMs / totalMs,
    };
  } finally {
    sink.target = null;
    await runtime.close(0);
  }
}

interface ExecutionRun {
  readonly mode: string;
  readonly evictions: number;
  readonly ms: number;
  readonly evictionsPerSec: number;
  readonly messagingMs: number;
}

async function execution(workers: number): Promise<ExecutionRun> {
  const pods = Array.from({ length: P.executedPods }, (_, i) => ({
    namespace: `team-${i % 50}`,
    name: `job-${i}`,
    uid: `exec-uid-${workers}-${i}`,
  }));
  const clock = new RealClock();
  const runtime =
    workers === 0
      ? new InlineRuntime({
          clock,
          executor: new FakeExecutor(fakeSpec, { clock, budget: unlimitedBudget }),
          concurrency: P.concurrency,
        })
      : await startRuntime(workers);
  try {
    let done = 0;
    runtime.onResults((results) => {
      done += results.length;
    });
    const started = performance.now();
    const now = Date.now();
    for (const pod of pods) runtime.sink.schedule(pod, now, ['rule:xid-79-escalation:uid']);
    await waitFor(
      () => done >= pods.length,
      300_000,
      () => 'every eviction to finish',
      5,
    );
    const ms = performance.now() - started;
    const stats = await runtime.stats();
    return {
      mode: workers === 0 ? 'inline (main thread)' : `${workers} worker${workers === 1 ? '' : 's'}`,
      evictions: done,
      ms,
      evictionsPerSec: done / (ms / 1000),
      messagingMs: stats.messagingMs,
    };
  } finally {
    await runtime.close(1_000);
  }
}

async function main(): Promise<void> {
  const routingRuns: RoutingRun[] = [];
  if (only.has('routing')) {
    console.log(`building an engine with ${P.routedPods.toLocaleString('en-US')} pods …`);
    const sink = new SwitchableSink();
    const buildStarted = performance.now();
    const engine = buildEngine(P.routedPods, sink);
    console.log(`built in ${Math.round(performance.now() - buildStarted)} ms`);
    for (const [round, workers] of P.workerCounts.entries()) {
      const run = await routing(engine, sink, workers, round);
      routingRuns.push(run);
      console.log(
        `routing, ${workers} worker(s): ${Math.round(run.decisionsPerSec).toLocaleString('en-US')} decisions/s`,
      );
    }
  }

  const executionRuns: ExecutionRun[] = [];
  for (const workers of only.has('execution') ? [0, ...P.workerCounts] : []) {
    const run = await execution(workers);
    executionRuns.push(run);
    console.log(`execution, ${run.mode}: ${Math.round(run.evictionsPerSec).toLocaleString('en-US')} evictions/s`);
  }
  const oneWorker = executionRuns.find((r) => r.mode === '1 worker')?.evictionsPerSec ?? Number.NaN;

  const routingRows: Cell[][] = routingRuns.map((r) => [
    r.workers,
    r.decisions,
    r.engineMs,
    r.totalMs,
    Math.round(r.decisionsPerSec),
    r.batches,
    r.sendMs,
    `${(r.messagingShare * 100).toFixed(1)} %`,
  ]);
  const executionRows: Cell[][] = executionRuns.map((r) => [
    r.mode,
    r.evictions,
    r.ms,
    Math.round(r.evictionsPerSec),
    r.mode.startsWith('inline') ? null : Number((r.evictionsPerSec / oneWorker).toFixed(2)),
    r.messagingMs,
  ]);

  writeResult(flags, {
    name: 'runtime',
    title: 'Multi-core runtime: routing decisions to worker queues and executing evictions',
    parameters: P,
    tables: [
      {
        title: `One rule flip → ${P.routedPods.toLocaleString('en-US')} decisions routed into worker queues`,
        columns: [
          'workers',
          'decisions',
          'engine ms (sync)',
          'flip → all queued ms',
          'decisions/s',
          'batches',
          'postMessage ms',
          'messaging share',
        ],
        rows: routingRows,
      },
      {
        title: `Executing ${P.executedPods.toLocaleString('en-US')} due evictions (fake executor, ${P.apiCallsPerEviction} calls × ${P.cpuMicrosPerCall} µs CPU + ${P.latencyMs} ms latency)`,
        columns: ['mode', 'evictions', 'ms', 'evictions/s', 'ratio to 1 worker', 'main-thread messaging ms'],
        rows: executionRows,
      },
    ],
    raw: { routing: routingRuns, execution: executionRuns },
    notes: [
      'Routing: "engine ms" is the synchronous ruleAdded() call (decisions + router batching); "flip → all queued" ends when the workers report every op applied (polled over the control plane every 5 ms, so it overstates by up to ~5 ms). "messaging share" = main-thread postMessage time / flip → all queued.',
      'Execution: schedule() of every pod with fireAt = now, until every result is back on the main thread. The fake executor busy-loops its CPU cost, so the ratio to 1 worker shows how much of the work moved to other cores.',
      'Measured on a shared 2-core machine: expect ±30 % between runs.',
    ],
  });
}

await main();
