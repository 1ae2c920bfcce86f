// Micro benchmarks of the synchronous hot paths, on the `benchmark` package (its timing of sync
// functions is sound; async is not, so nothing here awaits):
//  - BenchmarkTaintUntaint exactly as upstream's (docs/behaviour.md §4.5): 1 slice of 3 devices, 1 claim with a 1 h
//    toleration, 1 pod; taint → pending, untaint → none, then delete everything;
//  - the same cycle with 10,000 pods (each with its own claim) on one tainted pool;
//  - toleration matching and per-taint eviction time;
//  - timed queue and queue partition operations on a FakeClock over a queue already holding 10,000 entries;
//  - the admission of one eviction start with no brake and with every brake on (none binding);
//  - one API call's abort signal (a deadline joined to a long-lived parent): Node's AbortSignal.any +
//    AbortSignal.timeout against src/shared/deadline.ts.
//
//   npx tsx bench/micro.ts [--quick] [--out dir]

import Benchmark from 'benchmark';
import { EvictionEngine } from '../src/main/engine/engine.js';
import { FakeClock } from '../src/shared/clock.js';
import { deadlineSignal } from '../src/shared/deadline.js';
import type { EvictionSink } from '../src/shared/decisions.js';
import { EvictionBreaker } from '../src/shared/evictionBreaker.js';
import { taintEvictionTime } from '../src/shared/evictionTime.js';
import { silentLogger } from '../src/shared/logger.js';
import { ruleReason } from '../src/shared/reasons.js';
import { SharedTokenBucket } from '../src/shared/tokenBucket.js';
import { evictionTolerationMatches } from '../src/shared/tolerations.js';
import type { ClaimRecord, DeviceTaint, DeviceToleration, PodRecord, PodRef } from '../src/shared/types.js';
import { EvictionAdmission } from '../src/workers/admission.js';
import { QueuedEvictionPartition } from '../src/workers/evictionPartition.js';
import { TimedQueue } from '../src/workers/timedQueue.js';
import { inUseClaimWithToleration, podWithClaimName, slice, sliceTainted, taintTime } from '../test/engine/fixtures.js';
import { podConsumer } from '../test/support/records.js';
import { type Cell, parseBenchFlags, type ResultTable, writeResult } from './harness.js';

const flags = parseBenchFlags();

/** Upstream's mock queue: decisions go nowhere, the engine's own `deletePodAt` is what the asserts read. */
const noopSink: EvictionSink = { schedule: () => {}, cancel: () => {} };

function newEngine(clock: FakeClock): EvictionEngine {
  return new EvictionEngine({ clock, sink: noopSink, ruleStatus: { enqueue: () => {} }, log: silentLogger });
}

function check(condition: boolean, what: string): void {
  if (!condition) throw new Error(`assertion failed: ${what}`);
}

// ---- BenchmarkTaintUntaint (docs/behaviour.md §4.5) ------------------------------------------------------------

const clock = new FakeClock(taintTime);
const engine = newEngine(clock);

function taintUntaintCycle(): void {
  engine.sliceAdded(slice);
  engine.claimAdded(inUseClaimWithToleration);
  engine.podAdded(podWithClaimName);
  check(engine.pendingCount === 0, 'no pending eviction before the taint');
  engine.sliceUpdated(slice, sliceTainted);
  check(engine.pendingCount === 1, 'pending eviction after the taint');
  engine.sliceUpdated(sliceTainted, slice);
  check(engine.pendingCount === 0, 'no pending eviction after the untaint');
  engine.podDeleted(podWithClaimName);
  engine.claimDeleted(inUseClaimWithToleration);
  engine.sliceDeleted(slice);
}

// ---- The same cycle with 10,000 pods on one tainted pool -------------------------------------------

const MANY = 10_000;
const manyPods: PodRecord[] = [];
const manyClaims: ClaimRecord[] = [];
for (let i = 0; i < MANY; i++) {
  const name = `pod-${i}`;
  const uid = `uid-${i}`;
  const claimName = `${name}-claim`;
  manyPods.push({
    ...podWithClaimName,
    name,
    uid,
    resourceClaims: [{ ...podWithClaimName.resourceClaims[0]!, resourceClaimName: claimName }],
  });
  manyClaims.push({
    ...inUseClaimWithToleration,
    name: claimName,
    uid: `claim-${i}`,
    controllerOwnerUid: uid,
    reservedFor: [podConsumer(name, uid)],
  });
}
const manyEngine = newEngine(new FakeClock(taintTime));

function manyPodCycle(): void {
  manyEngine.sliceAdded(slice);
  for (const c of manyClaims) manyEngine.claimAdded(c);
  for (const p of manyPods) manyEngine.podAdded(p);
  check(manyEngine.pendingCount === 0, 'no pending eviction before the taint');
  manyEngine.sliceUpdated(slice, sliceTainted);
  check(manyEngine.pendingCount === MANY, `${MANY} pending evictions after the taint`);
  manyEngine.sliceUpdated(sliceTainted, slice);
  check(manyEngine.pendingCount === 0, 'no pending eviction after the untaint');
  for (const p of manyPods) manyEngine.podDeleted(p);
  for (const c of manyClaims) manyEngine.claimDeleted(c);
  manyEngine.sliceDeleted(slice);
}

// ---- Toleration matching ------------------------------------------------------------------------------

const xidTaint: DeviceTaint = { key: 'gpu.nvidia.com/xid', value: '79', effect: 'NoExecute', timeAdded: taintTime };
const tolerations: DeviceToleration[] = [
  { key: 'example.com/other', operator: 'Exists', value: '', effect: 'NoExecute', tolerationSeconds: null },
  { key: 'gpu.nvidia.com/xid', operator: 'Equal', value: '48', effect: 'NoExecute', tolerationSeconds: 60 },
  { key: 'gpu.nvidia.com/xid', operator: 'Exists', value: '', effect: 'NoExecute', tolerationSeconds: 300 },
];
let sink = 0;

function matchTolerations(): void {
  for (const t of tolerations) if (evictionTolerationMatches(t, xidTaint)) sink++;
}

function evictionTime(): void {
  const when = taintEvictionTime(xidTaint, tolerations, taintTime);
  check(when === taintTime + 300_000, 'eviction time is timeAdded + 300 s');
}

// ---- Queue operations (FakeClock: nothing fires, only the data structures are measured) --------------

const QUEUED = 10_000;
const queueClock = new FakeClock(taintTime);
const queue = new TimedQueue<number>({ clock: queueClock, concurrency: 10, run: async () => {} });
for (let i = 0; i < QUEUED; i++) queue.upsert(`default/filler-${i}/uid`, taintTime + 3_600_000 + i * 10, i);
let queueSeq = 0;

function queueAddUpdateCancel(): void {
  const key = `default/op-${queueSeq++ & 1023}/uid`;
  const at = taintTime + 60_000 + (queueSeq % 5000) * 7;
  check(queue.upsert(key, at, 1) === 'added', 'upsert adds');
  queue.upsert(key, at + 1_000, 2);
  check(queue.cancel(key), 'cancel removes');
}

const partition = new QueuedEvictionPartition({
  clock: new FakeClock(taintTime),
  executor: { evict: async () => 'deleted', recordCancellation: async () => {} },
  concurrency: 10,
  onResult: () => {},
});
const partitionPods: PodRef[] = Array.from({ length: 1024 }, (_, i) => ({
  namespace: 'default',
  name: `op-${i}`,
  uid: `uid-${i}`,
}));
for (let i = 0; i < QUEUED; i++)
  partition.schedule({ namespace: 'default', name: `filler-${i}`, uid: `f-${i}` }, taintTime + 3_600_000 + i, []);
const reasons = ['rule:evict:1234'];
let partitionSeq = 0;

function partitionScheduleCancel(): void {
  const pod = partitionPods[partitionSeq++ & 1023]!;
  partition.schedule(pod, taintTime + 60_000, reasons);
  partition.schedule(pod, taintTime + 61_000, reasons);
  partition.cancel(pod, true);
}

// ---- The brakes every eviction start passes (src/workers/admission.ts) ---------------------------------

const admissionReasons = [ruleReason('runaway', 'rule-uid'), 'slice:d/p/s/gpu-0#0'];
const fenceOnly = new EvictionAdmission({ fence: { isOpen: () => true } });
// Every brake configured, none of them binding: what a start costs when all are on and nothing is held
// (the breaker sums its 60 window slots; the buckets are one compare-and-swap each).
const brakeBreaker = new EvictionBreaker(EvictionBreaker.createSpec(600_000, taintTime));
brakeBreaker.setLimit(2_000_000_000);
const generous = { qps: 1e9, burst: 1e9 };
const ruleBucket = new SharedTokenBucket(SharedTokenBucket.createSpec(generous));
const allBrakes = new EvictionAdmission({
  fence: { isOpen: () => true },
  breaker: brakeBreaker,
  globalRate: new SharedTokenBucket(SharedTokenBucket.createSpec(generous)),
  ruleRate: (uid) => (uid === 'rule-uid' ? ruleBucket : undefined),
});
let admitted = 0;

function admitFenceOnly(): void {
  if (fenceOnly.admit(taintTime, taintTime, admissionReasons).kind === 'start') admitted++;
}

function admitAllBrakes(): void {
  if (allBrakes.admit(taintTime, taintTime, admissionReasons).kind === 'start') admitted++;
}

// ---- One API call's abort signal (src/shared/deadline.ts) -------------------------------------------------

// The parent lives as long as a queue partition (its abort-all-writes signal), as on the write path.
const partitionWrites = new AbortController();
let signals = 0;

function nodeAnyTimeout(): void {
  const signal = AbortSignal.any([partitionWrites.signal, AbortSignal.timeout(30_000)]);
  if (!signal.aborted) signals++;
}

function ownDeadline(): void {
  const deadline = deadlineSignal(30_000, partitionWrites.signal);
  if (!deadline.signal.aborted) signals++;
  deadline.dispose();
}

// ---- Run ---------------------------------------------------------------------------------------------------

interface Case {
  readonly name: string;
  readonly fn: () => void;
  /** What one op is, for the table. */
  readonly op: string;
}

const cases: Case[] = [
  { name: 'BenchmarkTaintUntaint', fn: taintUntaintCycle, op: '1 pod taint/untaint cycle' },
  { name: 'TaintUntaint10kPods', fn: manyPodCycle, op: `${MANY.toLocaleString('en-US')}-pod cycle` },
  { name: 'TolerationMatch', fn: matchTolerations, op: '3 tolerations vs 1 taint' },
  { name: 'TaintEvictionTime', fn: evictionTime, op: 'eviction time, 3 tolerations' },
  { name: 'TimedQueueAddUpdateCancel', fn: queueAddUpdateCancel, op: `add+update+cancel (${QUEUED / 1000}k queued)` },
  { name: 'PartitionScheduleCancel', fn: partitionScheduleCancel, op: `schedule×2+cancel (${QUEUED / 1000}k queued)` },
  { name: 'AdmitFenceOnly', fn: admitFenceOnly, op: 'one start, no brake configured' },
  { name: 'AdmitAllBrakes', fn: admitAllBrakes, op: 'one start: fence, breaker, global + rule rate' },
  // Ours first: Node's leaves weak references and armed timers behind that the next case would pay for.
  { name: 'DeadlineSignal', fn: ownDeadline, op: 'deadlineSignal(30 s, parent) + dispose' },
  { name: 'AbortSignalAnyTimeout', fn: nodeAnyTimeout, op: 'AbortSignal.any([parent, AbortSignal.timeout(30 s)])' },
];

// Run every case once outside the timer: a broken assertion fails loudly here, not as a silent NaN.
for (const c of cases) c.fn();

interface MicroRow {
  readonly name: string;
  readonly op: string;
  readonly opsPerSec: number;
  readonly microsPerOp: number;
  readonly rmePercent: number;
  readonly samples: number;
}

const rows: MicroRow[] = [];
const maxTime = flags.quick ? 0.3 : 3;
for (const c of cases) {
  const bench = new Benchmark(c.name, c.fn, { maxTime, minSamples: flags.quick ? 3 : 10 });
  bench.run();
  const error = (bench as unknown as { error?: unknown }).error;
  if (error !== undefined) throw error instanceof Error ? error : new Error(String(error));
  rows.push({
    name: c.name,
    op: c.op,
    opsPerSec: bench.hz,
    microsPerOp: bench.stats.mean * 1e6,
    rmePercent: bench.stats.rme,
    samples: bench.stats.sample.length,
  });
  console.log(String(bench));
}
if (sink < 0 || admitted < 0 || signals < 0) console.log(sink, admitted, signals); // keeps results observable, so nothing is optimized away

const table: ResultTable = {
  title: 'Micro benchmarks (benchmark.js)',
  columns: ['benchmark', 'one op', 'ops/s', 'µs/op', '±%', 'samples'],
  rows: rows.map((r): Cell[] => [r.name, r.op, r.opsPerSec, r.microsPerOp, r.rmePercent, r.samples]),
};

writeResult(flags, {
  name: 'micro',
  title: 'Micro: engine cycles, toleration matching, queue operations',
  parameters: { maxTimeSeconds: maxTime, manyPods: MANY, queuedEntries: QUEUED },
  tables: [table],
  raw: { rows },
  notes: [
    'BenchmarkTaintUntaint follows docs/behaviour.md §4.5 (fixtures of test/engine/fixtures.ts, no-op sink, silent logger).',
    'Queue cases run on a FakeClock: no timer fires, so only the heap and map operations are timed.',
  ],
});
