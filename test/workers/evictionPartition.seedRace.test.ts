// Regression test for the seed race (docs/behaviour.md §3.2, upstream issue #130940): while an immediate eviction is
// in flight, more events for the same pod arrive. Upstream's UpdateWork dereferenced the nil "running"
// placeholder and panicked. Here an update, a cancel and a cancel+re-add are injected at every await
// point of an eviction (before PATCH, before the event, before DELETE, after DELETE but before the
// queue saw the result, after it did), alone and in every ordered pair, with the DELETE succeeding or
// failing once. Each scenario checks: no crash, no concurrent or double DELETE of one UID, no lost
// update, no resurrection of a cancelled entry, a replacement surviving the stale completion, and no
// "Cancelling deletion" event for a pod that is being deleted.

import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/shared/clock.js';
import type { EvictionResult, ReasonId } from '../../src/shared/decisions.js';
import type { PodRef } from '../../src/shared/types.js';
import { QueuedEvictionPartition } from '../../src/workers/evictionPartition.js';
import { flushMicrotasks, SteppedExecutor, virtualDefer } from './helpers.js';

const T0 = Date.UTC(2025, 2, 18, 12, 0, 0);
const POD: PodRef = { namespace: 'ns', name: 'pod', uid: 'uid-1' };
/** A same-name replacement pod (new UID). */
const NEW_POD: PodRef = { namespace: 'ns', name: 'pod', uid: 'uid-2' };
const REASONS_A: readonly ReasonId[] = ['slice:driver/pool/slice/dev#0'];
const REASONS_B: readonly ReasonId[] = ['rule:broken:r-1', 'slice:driver/pool/slice/dev#0'];

const OPS = [
  'updateSame',
  'updateLater',
  'updateEarlier',
  'cancel',
  'cancelSilently',
  'cancelAndReaddLater',
  'cancelAndReaddNow',
  'replaceWithNewUid',
] as const;
type Op = (typeof OPS)[number];

/** Where an op is injected: 0 before PATCH … 3 after DELETE but before completion, 4 after completion. */
const POINTS = [0, 1, 2, 3, 4] as const;
type Point = (typeof POINTS)[number];

type DeleteOutcome = 'succeeds' | 'failsOnce';

interface Injection {
  readonly op: Op;
  readonly point: Point;
}

/** What the engine last asked for about POD: evict at `fireAt` with `reasons`, or nothing (null). */
type Intent = { readonly fireAt: number; readonly reasons: readonly ReasonId[] } | null;

/** The intent an op leaves for POD, given the one before it. */
function intentAfter(op: Op, previous: Intent): Intent {
  switch (op) {
    case 'updateSame':
      return { fireAt: T0, reasons: REASONS_B };
    case 'updateLater':
      return { fireAt: T0 + 60_000, reasons: REASONS_B };
    case 'updateEarlier':
      return { fireAt: T0 - 1_000, reasons: REASONS_B };
    case 'cancel':
    case 'cancelSilently':
    case 'replaceWithNewUid':
      return null;
    case 'cancelAndReaddLater':
      return { fireAt: T0 + 30_000, reasons: REASONS_A };
    case 'cancelAndReaddNow':
      return previous === null ? { fireAt: T0, reasons: REASONS_A } : { fireAt: T0, reasons: previous.reasons };
  }
}

function apply(partition: QueuedEvictionPartition, op: Op, intent: Intent): void {
  switch (op) {
    case 'updateSame':
    case 'updateLater':
    case 'updateEarlier':
      partition.schedule(POD, intent!.fireAt, intent!.reasons);
      return;
    case 'cancel':
      partition.cancel(POD, true);
      return;
    case 'cancelSilently':
      partition.cancel(POD, false);
      return;
    case 'cancelAndReaddLater':
    case 'cancelAndReaddNow':
      partition.cancel(POD, true);
      partition.schedule(POD, intent!.fireAt, intent!.reasons);
      return;
    case 'replaceWithNewUid':
      // The pod was deleted and recreated under the same name: the old incarnation's entry goes without
      // an event, the new one is due at once.
      partition.cancel(POD, false);
      partition.schedule(NEW_POD, T0, REASONS_A);
      return;
  }
}

async function runScenario(injections: readonly Injection[], outcome: DeleteOutcome): Promise<void> {
  const clock = new FakeClock(T0);
  const executor = new SteppedExecutor(() => clock.now());
  const results: EvictionResult[] = [];
  const partition = new QueuedEvictionPartition({
    clock,
    executor,
    concurrency: 4,
    onResult: (result) => results.push(result),
    defer: virtualDefer(clock),
  });

  // What the injected ops did so far (an object, so that reads after the awaits below are not narrowed
  // to the initial values).
  const seen: { intent: Intent; replacedWithNewUid: boolean; removedWithEvent: boolean } = {
    intent: { fireAt: T0, reasons: REASONS_A },
    replacedWithNewUid: false,
    /** The op that last removed a live intent asked for a "Cancelling deletion" event. */
    removedWithEvent: false,
  };
  // The guarantee under test: a DELETE of POD happens only while the newest intent says POD must go now.
  const wrongful: string[] = [];
  executor.onDelete = (deleted) => {
    if (deleted.uid !== POD.uid) return;
    const intent = seen.intent;
    if (intent === null) wrongful.push(`DELETE at +${clock.now() - T0} ms after the eviction was cancelled`);
    else if (intent.fireAt > clock.now())
      wrongful.push(`DELETE at +${clock.now() - T0} ms, but the newest intent says +${intent.fireAt - T0} ms`);
  };
  const injectAt = (point: Point) => {
    for (const injection of injections) {
      if (injection.point !== point) continue;
      if (seen.intent !== null && (injection.op.startsWith('cancel') || injection.op === 'replaceWithNewUid'))
        seen.removedWithEvent = injection.op === 'cancel' || injection.op.startsWith('cancelAndReadd');
      seen.intent = intentAfter(injection.op, seen.intent);
      if (injection.op === 'replaceWithNewUid') seen.replacedWithNewUid = true;
      apply(partition, injection.op, seen.intent);
    }
  };
  const releaseFirst = (ok = true) => {
    if (!first.finished) first.release(ok);
  };

  partition.schedule(POD, T0, REASONS_A);
  clock.advance(0);
  const first = executor.calls[0]!;
  expect(first.pod).toEqual(POD);
  injectAt(0);
  releaseFirst();
  await flushMicrotasks();
  injectAt(1);
  releaseFirst();
  await flushMicrotasks();
  injectAt(2);
  releaseFirst(outcome === 'succeeds');
  injectAt(3);
  await flushMicrotasks();
  expect(first.finished).toBe(true);
  injectAt(4);

  // Let everything else happen: every later DELETE succeeds, time runs until nothing is left.
  for (let round = 0; round < 50; round++) {
    await flushMicrotasks();
    const unfinished = executor.unfinished();
    if (unfinished.length > 0) {
      for (const call of unfinished) call.release();
      continue;
    }
    const next = clock.nextDue();
    if (next === null) break;
    clock.advanceTo(next);
  }

  expect(wrongful).toEqual([]);
  expect(executor.violations).toEqual([]);
  expect(partition.snapshot()).toEqual([]);
  expect(partition.stats()).toMatchObject({ scheduled: 0, running: 0, retrying: 0 });
  expect(clock.pending()).toBe(0);

  // Never a second DELETE for one UID; never a "Cancelling deletion" event for a pod being deleted.
  expect(executor.deletesOf(POD.uid)).toBeLessThanOrEqual(1);
  expect(executor.deletesOf(NEW_POD.uid)).toBe(seen.replacedWithNewUid ? 1 : 0);
  for (const cancellation of executor.cancellations) {
    expect(cancellation.whileEvicting).toBe(false);
    expect(cancellation.afterDelete).toBe(false);
  }

  const podResults = results.filter((result) => result.pod.uid === POD.uid);
  // Every DELETE is reported once, and nothing else is (a superseded attempt reports nothing).
  expect(podResults.map((r) => r.outcome)).toEqual(executor.deletesOf(POD.uid) === 1 ? ['deleted'] : []);
  if (first.outcome === 'deleted') {
    // The first run deleted the pod; whatever came later is a no-op thanks to the evicted-UID cache.
    expect(executor.callsFor(POD.uid)).toHaveLength(1);
    expect(podResults).toEqual([expect.objectContaining({ fireAt: T0, reasons: REASONS_A })]);
    expect(executor.cancellations.filter((c) => c.pod.uid === POD.uid)).toEqual([]);
  } else if (seen.intent !== null) {
    // No lost update: the newest intent is what deleted the pod, with its reasons, not before its time.
    expect(executor.deletesOf(POD.uid)).toBe(1);
    const deleting = executor.callsFor(POD.uid).at(-1)!;
    expect(deleting.startedAt).toBeGreaterThanOrEqual(seen.intent.fireAt);
    expect(podResults[0]?.fireAt).toBe(seen.intent.fireAt);
    if (deleting !== first) expect(deleting.reasons).toEqual(seen.intent.reasons);
  } else {
    // Cancelled for good and the first run did not delete: nothing did.
    expect(executor.deletesOf(POD.uid)).toBe(0);
  }
  // A first run that wrote nothing because it was cancelled owes the pod its "Cancelling deletion" event.
  if (first.outcome === 'superseded' && !first.patched && seen.intent === null && seen.removedWithEvent)
    expect(executor.cancellations.filter((c) => c.pod.uid === POD.uid).length).toBeGreaterThanOrEqual(1);
}

function scenarios(): { readonly name: string; readonly injections: Injection[]; readonly outcome: DeleteOutcome }[] {
  const all: { name: string; injections: Injection[]; outcome: DeleteOutcome }[] = [];
  for (const outcome of ['succeeds', 'failsOnce'] as const) {
    all.push({ name: `no injection, DELETE ${outcome}`, injections: [], outcome });
    for (const op of OPS)
      for (const point of POINTS)
        all.push({ name: `${op}@${point}, DELETE ${outcome}`, injections: [{ op, point }], outcome });
    for (const op1 of OPS)
      for (const op2 of OPS)
        for (const p1 of POINTS)
          for (const p2 of POINTS) {
            if (p2 < p1) continue;
            all.push({
              name: `${op1}@${p1} then ${op2}@${p2}, DELETE ${outcome}`,
              injections: [
                { op: op1, point: p1 },
                { op: op2, point: p2 },
              ],
              outcome,
            });
          }
  }
  return all;
}

describe('seed race (issue #130940) at every await point of an immediate eviction', () => {
  const all = scenarios();

  it(`holds in all ${all.length} interleavings`, async () => {
    for (const scenario of all) {
      try {
        await runScenario(scenario.injections, scenario.outcome);
      } catch (error) {
        throw new Error(`scenario "${scenario.name}": ${error instanceof Error ? error.message : String(error)}`, {
          cause: error,
        });
      }
    }
  });

  it('keeps a replacement added while the old run is in flight, and lets it be cancelled afterwards', async () => {
    const clock = new FakeClock(T0);
    const executor = new SteppedExecutor(() => clock.now());
    const partition = new QueuedEvictionPartition({
      clock,
      executor,
      concurrency: 1,
      onResult: () => {},
      defer: virtualDefer(clock),
    });
    partition.schedule(POD, T0, REASONS_A);
    clock.advance(0);
    partition.cancel(POD, true);
    partition.schedule(POD, T0 + 10_000, REASONS_B);
    // The cancelled run finds itself stale before its first write and does nothing.
    executor.calls[0]!.release();
    await flushMicrotasks();
    expect(executor.calls[0]).toMatchObject({ finished: true, outcome: 'superseded', patched: false });
    expect(partition.snapshot()).toEqual([{ pod: POD, fireAt: T0 + 10_000, state: 'scheduled', attempts: 0 }]);
    partition.cancel(POD, true);
    expect(partition.snapshot()).toEqual([]);
    // One "Cancelling deletion" per cancel: the first once its run proved it had written nothing.
    expect(executor.cancellations).toEqual([
      expect.objectContaining({ whileEvicting: false, afterDelete: false }),
      expect.objectContaining({ whileEvicting: false, afterDelete: false }),
    ]);
    clock.advance(60_000);
    expect(executor.calls).toHaveLength(1);
  });
});
