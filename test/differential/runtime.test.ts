// The sharded runtime (3 worker threads) must do exactly what the inline reference (one partition on the
// main thread) does, for any sequence of schedule / cancel / time steps.
//
// Time: real threads cannot share a FakeClock object, so the workers run on virtual time driven by
// messages. `advanceVirtualTime(t)` flushes the router's batches and then posts `{t:'time'}` on the same
// port, so each worker applies every decision made before the step and then fires its timers due at or
// before `t` — the order a FakeClock-driven inline partition sees. No real delay is involved, so the
// comparison is deterministic; after each step the test waits (with a deadline) until every worker has
// handled every message sent to it and has nothing in flight, then compares results and queue contents.

import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InlineRuntime } from '../../src/main/runtime/inlineRuntime.js';
import type { ShardedRuntime } from '../../src/main/runtime/shardedRuntime.js';
import { unlimitedBudget } from '../../src/shared/apiBudget.js';
import { FakeClock } from '../../src/shared/clock.js';
import type { EvictionResult } from '../../src/shared/decisions.js';
import { FakeClusterLedger, FakeExecutor } from '../../src/workers/executor/fakeExecutor.js';
import type { PartitionEntrySnapshot } from '../../src/workers/partition.js';
import { waitFor } from '../support/waitFor.js';
import { virtualDefer } from '../workers/helpers.js';
import {
  DIFFERENTIAL_BACKOFF,
  DIFFERENTIAL_CONCURRENCY,
  differentialExecutorSpec,
  nextMacrotask,
  podRef,
  startDifferentialSharded,
} from './helpers.js';

const executorSpec = (ledger: SharedArrayBuffer) => differentialExecutorSpec(ledger, 0.25, 42);

type Command =
  | { k: 'schedule'; pod: number; incarnation: number; delayMs: number; reasons: string[] }
  | { k: 'cancel'; pod: number; incarnation: number; emitEvent: boolean }
  | { k: 'advance'; ms: number };

const commandArb: fc.Arbitrary<Command> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      k: fc.constant('schedule' as const),
      pod: fc.integer({ min: 0, max: 4 }),
      incarnation: fc.oneof({ weight: 3, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.constant(1) }),
      delayMs: fc.integer({ min: -2_000, max: 4_000 }),
      reasons: fc.subarray(['rule:a:uid-a', 'rule:b:uid-b', 'slice:gpu.nvidia.com/node-1/s/gpu-0#0']),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      k: fc.constant('cancel' as const),
      pod: fc.integer({ min: 0, max: 4 }),
      incarnation: fc.oneof({ weight: 3, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.constant(1) }),
      emitEvent: fc.boolean(),
    }),
  },
  { weight: 2, arbitrary: fc.record({ k: fc.constant('advance' as const), ms: fc.integer({ min: 0, max: 3_000 }) }) },
);

const resultKeys = (results: readonly EvictionResult[], namespace: string): string[] =>
  results
    .filter((r) => r.pod.namespace === namespace)
    .map((r) => `${r.pod.uid} ${r.outcome} fireAt=${r.fireAt} reasons=${r.reasons.join(',')}`)
    .sort();

const snapshotKeys = (entries: readonly PartitionEntrySnapshot[], namespace: string): string[] =>
  entries
    .filter((e) => e.pod.namespace === namespace)
    .map((e) => `${e.pod.uid} ${e.state} fireAt=${e.fireAt}`)
    .sort();

describe('sharded runtime vs inline reference', () => {
  const START = Date.UTC(2030, 0, 1);
  const ledger = FakeClusterLedger.allocate(10_000);
  const sharedLedger = new FakeClusterLedger(ledger);
  const shardedResults: EvictionResult[] = [];
  let sharded: ShardedRuntime;
  let virtualNow = START;
  let run = 0;

  beforeAll(async () => {
    sharded = await startDifferentialSharded(executorSpec(ledger), START, () => []);
    sharded.onResults((results) => shardedResults.push(...results));
  });

  afterAll(async () => {
    await sharded?.close(1_000);
  });

  /** Waits until every worker handled everything sent to it and reported every finished eviction. */
  async function settleSharded(): Promise<void> {
    let last = '';
    await waitFor(
      async () => {
        const stats = await sharded.stats();
        last = JSON.stringify(stats.shards.map((s) => [s.messagesSent, s.worker?.messagesHandled]));
        return (
          stats.shards.every((s) => s.worker !== null && s.worker.messagesHandled === s.messagesSent) &&
          stats.totals.running === 0 &&
          stats.totals.completed === stats.resultsReceived
        );
      },
      10_000,
      () => `workers to settle (sent/handled ${last})`,
    );
  }

  it('produces the same evictions, cancellations and queue contents for random operation sequences', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(commandArb, { minLength: 1, maxLength: 40 }), async (commands) => {
        const namespace = `run-${run++}`;
        // Each run starts far after the previous one, so no timer of an earlier run is still due.
        virtualNow += 10_000_000;
        sharded.advanceVirtualTime(virtualNow);
        const clock = new FakeClock(virtualNow);
        const inlineLedger = new FakeClusterLedger(FakeClusterLedger.allocate(64));
        const inline = new InlineRuntime({
          clock,
          executor: new FakeExecutor(executorSpec(inlineLedger.buffer), { clock, budget: unlimitedBudget }),
          concurrency: DIFFERENTIAL_CONCURRENCY,
          backoff: DIFFERENTIAL_BACKOFF,
          // Starts deferred in virtual time, as in the virtual-time workers (see workerMain).
          defer: virtualDefer(clock),
        });
        const inlineResults: EvictionResult[] = [];
        inline.onResults((results) => inlineResults.push(...results));
        const cancellationsBefore = sharedLedger.counts().cancellations;

        const compare = async (when: string) => {
          await nextMacrotask();
          await settleSharded();
          expect(resultKeys(shardedResults, namespace), `results ${when}`).toEqual(
            resultKeys(inlineResults, namespace),
          );
          expect(snapshotKeys(await sharded.snapshot(), namespace), `queue ${when}`).toEqual(
            snapshotKeys(await inline.snapshot(), namespace),
          );
          expect(sharedLedger.counts().cancellations - cancellationsBefore, `cancellations ${when}`).toBe(
            inlineLedger.counts().cancellations,
          );
        };

        for (const [step, command] of commands.entries()) {
          if (command.k === 'schedule') {
            const pod = podRef(namespace, command.pod, command.incarnation);
            inline.sink.schedule(pod, virtualNow + command.delayMs, command.reasons);
            sharded.sink.schedule(pod, virtualNow + command.delayMs, command.reasons);
          } else if (command.k === 'cancel') {
            const pod = podRef(namespace, command.pod, command.incarnation);
            inline.sink.cancel(pod, command.emitEvent);
            sharded.sink.cancel(pod, command.emitEvent);
          } else {
            // A worker handles the ops batch and the time step as two messages, draining microtasks in
            // between (an immediate eviction that fails schedules its retry before time moves on); the
            // inline driver yields once to get the same order.
            await nextMacrotask();
            virtualNow += command.ms;
            clock.advanceTo(virtualNow);
            sharded.advanceVirtualTime(virtualNow);
            await compare(`after step ${step}`);
          }
        }
        // Let everything due run, including retries (backoff ≤ 1 s): steps of 5 s until both queues are empty.
        for (let round = 0; round < 40; round++) {
          await nextMacrotask();
          virtualNow += 5_000;
          clock.advanceTo(virtualNow);
          sharded.advanceVirtualTime(virtualNow);
          await compare(`after settling round ${round}`);
          if ((await inline.snapshot()).length === 0) break;
        }
        expect(await inline.snapshot()).toEqual([]);
      }),
      { numRuns: 60 },
    );
    // The property must have exercised the interesting paths, not just empty sequences.
    const outcomes = new Set(shardedResults.map((r) => r.outcome));
    expect(outcomes.has('deleted')).toBe(true);
    expect(sharedLedger.counts().failures).toBeGreaterThan(0);
    expect(sharedLedger.counts().cancellations).toBeGreaterThan(0);
  });
});
