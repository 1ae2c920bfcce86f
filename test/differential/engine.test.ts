// The same comparison as differential.test.ts, one level up: random pod / claim / slice / rule events go
// through two EvictionEngines, one wired to the inline reference runtime and one to the sharded runtime
// (3 workers, virtual time — see differential.test.ts for how time is kept in lockstep). Both engines get
// their runtime's results back through `evictionFinished`, as in production. After every time step the
// evictions, cancellation events, queue contents and the engines' pending tables must agree.

import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EvictionEngine } from '../../src/main/engine/engine.js';
import { InlineRuntime } from '../../src/main/runtime/inlineRuntime.js';
import type { ShardedRuntime } from '../../src/main/runtime/shardedRuntime.js';
import { unlimitedBudget } from '../../src/shared/apiBudget.js';
import { FakeClock } from '../../src/shared/clock.js';
import type { EvictionResult } from '../../src/shared/decisions.js';
import { silentLogger } from '../../src/shared/logger.js';
import type {
  ClaimRecord,
  DeviceTaint,
  DeviceToleration,
  PodRecord,
  RuleRecord,
  SliceRecord,
} from '../../src/shared/types.js';
import { FakeClusterLedger, FakeExecutor } from '../../src/workers/executor/fakeExecutor.js';
import {
  allocatedDevice,
  claimReservedFor,
  deviceTaint,
  podUsingClaim,
  ruleRecord,
  sliceDevices,
  sliceRecord,
  toleratesFor,
} from '../support/records.js';
import { waitFor } from '../support/waitFor.js';
import { virtualDefer } from '../workers/helpers.js';
import {
  DIFFERENTIAL_BACKOFF,
  DIFFERENTIAL_CONCURRENCY,
  differentialExecutorSpec,
  nextMacrotask,
  startDifferentialSharded,
} from './helpers.js';

const DRIVER = 'gpu.nvidia.com';
const POOL = 'node-1';
const DEVICES = ['gpu-0', 'gpu-1', 'gpu-2', 'gpu-3'];
const PODS = 6;
const executorSpec = (ledger: SharedArrayBuffer) => differentialExecutorSpec(ledger, 0.2, 3);

type Event =
  | { k: 'taint'; device: number; effect: 'NoExecute' | 'None'; ageMs: number }
  | { k: 'untaint'; device: number }
  | { k: 'rule'; device: number | null; ageMs: number }
  | { k: 'deleteRule' }
  | { k: 'deletePod'; pod: number }
  | { k: 'recreatePod'; pod: number }
  | { k: 'deleteClaim'; pod: number }
  | { k: 'advance'; ms: number };

const eventArb: fc.Arbitrary<Event> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({
      k: fc.constant('taint' as const),
      device: fc.integer({ min: 0, max: DEVICES.length - 1 }),
      effect: fc.constantFrom('NoExecute' as const, 'None' as const),
      ageMs: fc.integer({ min: 0, max: 40_000 }),
    }),
  },
  { weight: 2, arbitrary: fc.record({ k: fc.constant('untaint' as const), device: fc.integer({ min: 0, max: 3 }) }) },
  {
    weight: 1,
    arbitrary: fc.record({
      k: fc.constant('rule' as const),
      device: fc.option(fc.integer({ min: 0, max: 3 })),
      ageMs: fc.integer({ min: 0, max: 40_000 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('deleteRule' as const) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('deletePod' as const), pod: fc.integer({ min: 0, max: 5 }) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('recreatePod' as const), pod: fc.integer({ min: 0, max: 5 }) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('deleteClaim' as const), pod: fc.integer({ min: 0, max: 5 }) }) },
  { weight: 3, arbitrary: fc.record({ k: fc.constant('advance' as const), ms: fc.integer({ min: 0, max: 20_000 }) }) },
);

/** Per pod: which device its claim got and how its claim tolerates the taint. */
const worldArb = fc.array(
  fc.record({
    device: fc.integer({ min: 0, max: 3 }),
    tolerationSeconds: fc.option(fc.constantFrom(0, 5, 30), { nil: undefined, freq: 2 }),
    forever: fc.boolean(),
  }),
  { minLength: PODS, maxLength: PODS },
);

type World = { device: number; tolerationSeconds: number | undefined; forever: boolean }[];

/** The cluster's objects for one run, mutated by events and fed identically to both engines. */
class Cluster {
  readonly pods: (PodRecord | null)[] = [];
  readonly claims: (ClaimRecord | null)[] = [];
  slice: SliceRecord;
  rule: RuleRecord | null = null;
  private version = 1;
  private ruleCount = 0;

  constructor(
    readonly namespace: string,
    world: World,
  ) {
    this.slice = sliceRecord({ uid: `${namespace}-slice`, driver: DRIVER, pool: POOL, devices: sliceDevices(DEVICES) });
    world.forEach((w, i) => {
      const pod = this.pod(i, 0);
      this.pods.push(pod);
      const tolerations: DeviceToleration[] =
        w.tolerationSeconds === undefined
          ? []
          : [toleratesFor('gpu.nvidia.com/xid', w.forever ? null : w.tolerationSeconds)];
      const device = allocatedDevice({
        driver: DRIVER,
        pool: POOL,
        device: DEVICES[w.device]!,
        request: 'gpu',
        tolerations,
      });
      this.claims.push(claimReservedFor(pod, [device], { name: `claim-${i}`, uid: `${namespace}-claim-${i}` }));
    });
  }

  pod(i: number, incarnation: number): PodRecord {
    return podUsingClaim(`claim-${i}`, {
      namespace: this.namespace,
      name: `pod-${i}`,
      uid: `${this.namespace}-pod-${i}-${incarnation}`,
      resourceVersion: String(this.version++),
      nodeName: POOL,
    });
  }

  withDeviceTaints(device: number, taints: DeviceTaint[]): SliceRecord {
    return {
      ...this.slice,
      resourceVersion: String(this.version++),
      devices: this.slice.devices.map((d, i) => (i === device ? { name: d.name, taints } : d)),
    };
  }

  newRule(device: number | null, timeAdded: number): RuleRecord {
    this.ruleCount++;
    return ruleRecord({
      name: 'xid-escalation',
      uid: `${this.namespace}-rule-${this.ruleCount}`,
      resourceVersion: String(this.version++),
      selector: device === null ? { driver: DRIVER } : { driver: DRIVER, device: DEVICES[device]! },
      taint: deviceTaint({ key: 'gpu.nvidia.com/xid', value: '79', effect: 'NoExecute', timeAdded }),
    });
  }
}

const resultKeys = (results: readonly EvictionResult[], namespace: string): string[] =>
  results
    .filter((r) => r.pod.namespace === namespace)
    .map((r) => `${r.pod.uid} ${r.outcome} fireAt=${r.fireAt} reasons=${r.reasons.join(',')}`)
    .sort();

const pendingKeys = (engine: EvictionEngine): string[] =>
  [...engine.pendingEvictions()].map((p) => `${p.pod.uid} ${p.fireAt} ${p.reasons.join(',')}`).sort();

describe('engine + sharded runtime vs engine + inline reference', () => {
  const START = Date.UTC(2031, 0, 1);
  const ledger = FakeClusterLedger.allocate(10_000);
  const sharedLedger = new FakeClusterLedger(ledger);
  const shardedResults: EvictionResult[] = [];
  let sharded: ShardedRuntime;
  let shardedEngine: EvictionEngine | null = null;
  let virtualNow = START;
  let run = 0;

  beforeAll(async () => {
    sharded = await startDifferentialSharded(
      executorSpec(ledger),
      START,
      () => shardedEngine?.pendingEvictions() ?? [],
    );
    sharded.onResults((results) => {
      shardedResults.push(...results);
      for (const result of results) shardedEngine?.evictionFinished(result);
    });
  });

  afterAll(async () => {
    await sharded?.close(1_000);
  });

  async function settleSharded(): Promise<void> {
    await waitFor(async () => {
      const stats = await sharded.stats();
      return (
        stats.shards.every((s) => s.worker !== null && s.worker.messagesHandled === s.messagesSent) &&
        stats.totals.running === 0 &&
        stats.totals.completed === stats.resultsReceived
      );
    }, 10_000);
  }

  it('agrees on every eviction for random cluster event sequences', async () => {
    await fc.assert(
      fc.asyncProperty(worldArb, fc.array(eventArb, { minLength: 1, maxLength: 30 }), async (world, events) => {
        const namespace = `engine-run-${run++}`;
        virtualNow += 100_000_000;
        sharded.advanceVirtualTime(virtualNow);
        const inlineClock = new FakeClock(virtualNow);
        const shardedClock = new FakeClock(virtualNow);
        const inlineLedger = new FakeClusterLedger(FakeClusterLedger.allocate(64));
        const inline = new InlineRuntime({
          clock: inlineClock,
          executor: new FakeExecutor(executorSpec(inlineLedger.buffer), {
            clock: inlineClock,
            budget: unlimitedBudget,
          }),
          concurrency: DIFFERENTIAL_CONCURRENCY,
          backoff: DIFFERENTIAL_BACKOFF,
          // Starts deferred in virtual time, as in the virtual-time workers (see workerMain).
          defer: virtualDefer(inlineClock),
        });
        const noStatus = { enqueue: () => {} };
        const inlineEngine = new EvictionEngine({
          clock: inlineClock,
          sink: inline.sink,
          ruleStatus: noStatus,
          log: silentLogger,
        });
        shardedEngine = new EvictionEngine({
          clock: shardedClock,
          sink: sharded.sink,
          ruleStatus: noStatus,
          log: silentLogger,
        });
        const engines = [inlineEngine, shardedEngine];
        const inlineResults: EvictionResult[] = [];
        inline.onResults((results) => {
          inlineResults.push(...results);
          for (const result of results) inlineEngine.evictionFinished(result);
        });
        const cancellationsBefore = sharedLedger.counts().cancellations;

        const cluster = new Cluster(namespace, world);
        const incarnations = new Array<number>(PODS).fill(0);
        for (const engine of engines) {
          engine.sliceAdded(cluster.slice);
          for (const claim of cluster.claims) if (claim !== null) engine.claimAdded(claim);
          for (const pod of cluster.pods) if (pod !== null) engine.podAdded(pod);
        }

        const compare = async (when: string) => {
          await nextMacrotask();
          await settleSharded();
          expect(resultKeys(shardedResults, namespace), `results ${when}`).toEqual(
            resultKeys(inlineResults, namespace),
          );
          expect(pendingKeys(shardedEngine!), `engine pending ${when}`).toEqual(pendingKeys(inlineEngine));
          const queued = (entries: Awaited<ReturnType<typeof inline.snapshot>>) =>
            entries
              .filter((e) => e.pod.namespace === namespace)
              .map((e) => `${e.pod.uid} ${e.fireAt}`)
              .sort();
          expect(queued(await sharded.snapshot()), `queue ${when}`).toEqual(queued(await inline.snapshot()));
          expect(sharedLedger.counts().cancellations - cancellationsBefore, `cancellations ${when}`).toBe(
            inlineLedger.counts().cancellations,
          );
        };
        const advance = async (ms: number, when: string) => {
          await nextMacrotask();
          virtualNow += ms;
          inlineClock.advanceTo(virtualNow);
          shardedClock.advanceTo(virtualNow);
          sharded.advanceVirtualTime(virtualNow);
          await compare(when);
        };

        for (const [step, event] of events.entries()) {
          switch (event.k) {
            case 'taint': {
              const taint = {
                key: 'gpu.nvidia.com/xid',
                value: '48',
                effect: event.effect,
                timeAdded: virtualNow - event.ageMs,
              };
              const next = cluster.withDeviceTaints(event.device, [taint]);
              for (const engine of engines) engine.sliceUpdated(cluster.slice, next);
              cluster.slice = next;
              break;
            }
            case 'untaint': {
              const next = cluster.withDeviceTaints(event.device, []);
              for (const engine of engines) engine.sliceUpdated(cluster.slice, next);
              cluster.slice = next;
              break;
            }
            case 'rule': {
              const next = cluster.newRule(event.device, virtualNow - event.ageMs);
              const previous = cluster.rule;
              for (const engine of engines)
                if (previous === null) engine.ruleAdded(next);
                else engine.ruleUpdated(previous, next);
              cluster.rule = next;
              break;
            }
            case 'deleteRule': {
              const previous = cluster.rule;
              if (previous !== null) for (const engine of engines) engine.ruleDeleted(previous);
              cluster.rule = null;
              break;
            }
            case 'deletePod': {
              const pod = cluster.pods[event.pod];
              if (pod) for (const engine of engines) engine.podDeleted(pod);
              cluster.pods[event.pod] = null;
              break;
            }
            case 'recreatePod': {
              // A replacement with the same name and a new UID; its claim is reserved for the new UID.
              const old = cluster.pods[event.pod];
              const claim = cluster.claims[event.pod];
              incarnations[event.pod] = (incarnations[event.pod] ?? 0) + 1;
              const pod = cluster.pod(event.pod, incarnations[event.pod]!);
              for (const engine of engines) {
                if (old) engine.podDeleted(old);
                engine.podAdded(pod);
              }
              if (claim) {
                const next = {
                  ...claim,
                  reservedFor: [{ apiGroup: '', resource: 'pods', name: pod.name, uid: pod.uid }],
                };
                for (const engine of engines) engine.claimUpdated(claim, next);
                cluster.claims[event.pod] = next;
              }
              cluster.pods[event.pod] = pod;
              break;
            }
            case 'deleteClaim': {
              const claim = cluster.claims[event.pod];
              if (claim) for (const engine of engines) engine.claimDeleted(claim);
              cluster.claims[event.pod] = null;
              break;
            }
            case 'advance':
              await advance(event.ms, `after step ${step} (${JSON.stringify(event)})`);
              break;
          }
        }
        for (let round = 0; round < 40; round++) {
          await advance(40_000, `settling round ${round}`);
          if ((await inline.snapshot()).length === 0) break;
        }
        expect(await inline.snapshot()).toEqual([]);
      }),
      { numRuns: 40 },
    );
    const outcomes = new Set(shardedResults.map((r) => r.outcome));
    expect(outcomes.has('deleted')).toBe(true);
    expect(sharedLedger.counts().failures).toBeGreaterThan(0);
  });
});
