// Decision-engine storm, engine only (no workers, no messaging): how long the main thread needs to
// turn one DeviceTaintRule flip over every GPU of a 100k-pod cluster into 100k `schedule` calls, and
// what the engine's state costs in heap. Variants: a no-op sink, a sink that keeps every decision in
// an array (the router's shape: it buffers per shard), and 10% of the pods tolerating the taint for
// 60 s. Also measures the `None` dry run (the rule status counts of a NoEffect rule).
//
// Wall times move with other load on a shared machine; "CPU ms" (process user + system, GC helper
// threads included) much less so. The first flip is cold (JIT); re-flips go None → NoExecute again on
// the same engine.
//
//   node --expose-gc --import tsx bench/engineStorm.ts [--pods 100000] [--rounds 3] [--reflips 3]
//   node --expose-gc --import tsx bench/engineStorm.ts --rounds 1 --reflips 0 --profile-dir /tmp/prof
//   npx tsx bench/profile.ts /tmp/prof       (top self-time frames per profiled phase)

import { mkdirSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { join } from 'node:path';
import { PerformanceObserver } from 'node:perf_hooks';
import { EvictionEngine } from '../src/main/engine/engine.js';
import type { RuleStatusScheduler } from '../src/main/engine/ruleStatusUpdater.js';
import { FakeClock } from '../src/shared/clock.js';
import type { EvictionSink, ReasonId } from '../src/shared/decisions.js';
import { silentLogger } from '../src/shared/logger.js';
import type { PodRef } from '../src/shared/types.js';
import { type Cell, collectGarbage, mb, printTable } from './harness.js';
import { buildRecordCluster, xidRule } from './records.js';

const flag = (name: string, fallback: number): number => {
  const at = process.argv.indexOf(name);
  return at >= 0 ? Number(process.argv[at + 1]) : fallback;
};
const pods = flag('--pods', 100_000);
const rounds = flag('--rounds', 3);
/** Further None → NoExecute flips after the first, on the same engine: the best one shows warm cost. */
const reflips = flag('--reflips', 3);
const profileAt = process.argv.indexOf('--profile-dir');
/** Profiles only the load, dry-run and flip phases (one .cpuprofile each), for `bench/profile.ts`. */
const profileDir = profileAt >= 0 ? (process.argv[profileAt + 1] ?? null) : null;
const devicesPerNode = 8;

// GC pauses are the cost that the engine's author blamed for the 2 s flip: count them per phase.
// Entries arrive asynchronously and carry their start time: attribute them to a phase by time.
const gcPauses: { start: number; duration: number }[] = [];
const gcObserver = new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) gcPauses.push({ start: entry.startTime, duration: entry.duration });
});
gcObserver.observe({ entryTypes: ['gc'] });

const flushGc = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 20));

function gcWithin(start: number, end: number): number {
  let ms = 0;
  for (const p of gcPauses) if (p.start >= start && p.start < end) ms += p.duration;
  return ms;
}

interface Decision {
  readonly pod: PodRef;
  readonly fireAt: number;
  readonly reasons: readonly ReasonId[];
}

class CountingSink implements EvictionSink {
  scheduled = 0;
  cancelled = 0;
  readonly decisions: Decision[] | null;
  constructor(keep: boolean) {
    this.decisions = keep ? [] : null;
  }
  schedule(pod: PodRef, fireAt: number, reasons: readonly ReasonId[]): void {
    this.scheduled++;
    this.decisions?.push({ pod, fireAt, reasons });
  }
  cancel(): void {
    this.cancelled++;
  }
}

/** Counts enqueues but never runs a status pass: the bench measures decisions, not status writes. */
class CountingRuleStatus implements RuleStatusScheduler {
  enqueued = 0;
  enqueue(): void {
    this.enqueued++;
  }
}

interface Phase {
  ms: number;
  /** User + system CPU of the process: unlike wall time, barely moved by other load on a shared machine. */
  cpuMs: number;
  gcMs: number;
}

async function profiledPhase(name: string, fn: () => void): Promise<Phase> {
  if (profileDir === null) return timed(fn);
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 100 });
  await session.post('Profiler.start');
  const phase = await timed(fn);
  const { profile } = await session.post('Profiler.stop');
  mkdirSync(profileDir, { recursive: true });
  writeFileSync(join(profileDir, `${name.replace(/[^a-z0-9]+/gi, '-')}.cpuprofile`), JSON.stringify(profile));
  session.disconnect();
  return phase;
}

async function timed(fn: () => void): Promise<Phase> {
  const cpu = process.cpuUsage();
  const start = performance.now();
  fn();
  const end = performance.now();
  const used = process.cpuUsage(cpu);
  // Lets the observer deliver the phase's entries (not a correctness wait: a late entry only
  // under-reports GC time, and 20 ms is far more than delivery takes).
  await flushGc();
  return { ms: end - start, cpuMs: (used.user + used.system) / 1000, gcMs: gcWithin(start, end) };
}

const heapMb = (): number => {
  collectGarbage();
  return mb(process.memoryUsage().heapUsed);
};

interface Run {
  readonly variant: string;
  readonly load: Phase;
  readonly dryRun: Phase;
  readonly dryRunMessage: string;
  readonly flip: Phase;
  /** Fastest of the re-flips (warm JIT, same heap), or null without re-flips. */
  readonly bestReflip: Phase | null;
  readonly scheduled: number;
  readonly heapRecordsMb: number;
  readonly heapLoadedMb: number;
  readonly heapFlippedMb: number;
}

async function run(variant: string, keep: boolean, toleratingEvery: number): Promise<Run> {
  const heapStart = heapMb();
  const cluster = buildRecordCluster({
    pods,
    nodes: Math.ceil(pods / devicesPerNode),
    devicesPerNode,
    toleratingEvery,
    tolerationSeconds: 60,
  });
  const heapRecordsMb = heapMb() - heapStart;
  const clock = new FakeClock(Date.UTC(2026, 0, 1));
  const sink = new CountingSink(keep);
  const engine = new EvictionEngine({ clock, sink, ruleStatus: new CountingRuleStatus(), log: silentLogger });
  const load = await profiledPhase(`load-${variant}`, () => {
    for (const s of cluster.slices) engine.sliceAdded(s);
    for (const c of cluster.claims) engine.claimAdded(c);
    for (const p of cluster.pods) engine.podAdded(p);
  });
  const noneRule = xidRule('None', clock.now(), 1);
  engine.ruleAdded(noneRule);
  let dryRunMessage = '';
  const dryRun = await profiledPhase(`dryrun-${variant}`, () => {
    dryRunMessage = engine.ruleCondition(noneRule.name)?.message ?? '';
  });
  const heapLoadedMb = heapMb() - heapStart;
  const flip = await profiledPhase(`flip-${variant}`, () =>
    engine.ruleUpdated(noneRule, xidRule('NoExecute', clock.now(), 2)),
  );
  if (sink.scheduled !== pods) throw new Error(`expected ${pods} decisions, got ${sink.scheduled}`);
  const heapFlippedMb = heapMb() - heapStart;
  // Keep everything alive until the heap was measured.
  if (cluster.pods.length !== pods || engine.pendingCount !== pods) throw new Error('lost pods');
  let bestReflip: Phase | null = null;
  let generation = 2;
  for (let i = 0; i < reflips; i++) {
    engine.ruleUpdated(xidRule('NoExecute', clock.now(), generation), xidRule('None', clock.now(), generation + 1));
    if (engine.pendingCount !== 0) throw new Error('flip back to None left pending evictions');
    sink.decisions?.splice(0);
    const before = sink.scheduled;
    const reflip = await timed(() =>
      engine.ruleUpdated(
        xidRule('None', clock.now(), generation + 1),
        xidRule('NoExecute', clock.now(), generation + 2),
      ),
    );
    generation += 2;
    if (sink.scheduled - before !== pods) throw new Error(`re-flip scheduled ${sink.scheduled - before}`);
    if (bestReflip === null || reflip.ms < bestReflip.ms) bestReflip = reflip;
  }
  return {
    variant,
    load,
    dryRun,
    dryRunMessage,
    flip,
    bestReflip,
    scheduled: sink.scheduled,
    heapRecordsMb,
    heapLoadedMb,
    heapFlippedMb,
  };
}

const variants: [string, boolean, number][] = [
  ['no-op sink', false, 0],
  ['array sink', true, 0],
  ['array sink, 10% tolerate 60 s', true, 10],
];
const rows: Cell[][] = [];
for (let round = 0; round < rounds; round++)
  for (const [variant, keep, toleratingEvery] of variants) {
    const r = await run(variant, keep, toleratingEvery);
    rows.push([
      r.variant,
      round + 1,
      r.load.ms,
      r.load.gcMs,
      r.dryRun.ms,
      r.dryRun.cpuMs,
      r.flip.ms,
      r.flip.cpuMs,
      r.flip.gcMs,
      Math.round(pods / (r.flip.ms / 1000)),
      r.bestReflip?.ms ?? null,
      r.bestReflip?.cpuMs ?? null,
      r.heapRecordsMb,
      r.heapLoadedMb - r.heapRecordsMb,
      r.heapFlippedMb - r.heapLoadedMb,
    ]);
    if (round === 0 && variant === 'no-op sink') console.log(`dry run: ${r.dryRunMessage}`);
  }
gcObserver.disconnect();
printTable({
  title: `Engine storm: ${pods.toLocaleString('en-US')} pods/claims, ${Math.ceil(pods / devicesPerNode)} nodes × ${devicesPerNode} GPUs, one rule over the driver (node ${process.version})`,
  columns: [
    'variant',
    'round',
    'load ms',
    'load GC ms',
    'None dry run ms',
    'dry run CPU ms',
    'flip ms',
    'flip CPU ms',
    'flip GC ms',
    'decisions/s',
    'best re-flip ms',
    're-flip CPU ms',
    'records MB',
    'engine state MB',
    'pending MB',
  ],
  rows,
});
