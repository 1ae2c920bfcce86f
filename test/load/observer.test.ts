import { afterEach, describe, expect, it } from 'vitest';
import { TaintLedger } from '../../src/load/ledger.js';
import { runSelector } from '../../src/load/manifests.js';
import { LoadObserver } from '../../src/load/observer.js';
import { createPopulation, planPopulation } from '../../src/load/population.js';
import { buildSummary } from '../../src/load/report.js';
import type { LoadPod, LoadToleration } from '../../src/load/types.js';
import { judgePods } from '../../src/load/verdict.js';
import { FakeClock } from '../../src/shared/clock.js';
import { silentLogger } from '../../src/shared/logger.js';
import type { SimServerOptions } from '../../src/sim/index.js';
import { waitFor } from '../support/waitFor.js';
import { type LoadSim, startLoadSim, testOptions } from './loadSim.js';

const T0 = Date.UTC(2030, 0, 1, 12, 0, 0);
const none: LoadToleration = { kind: 'none' };
const thirty: LoadToleration = { kind: 'seconds', seconds: 30 };
const forever: LoadToleration = { kind: 'forever' };

interface Setup {
  readonly env: LoadSim;
  readonly clock: FakeClock;
  readonly observer: LoadObserver;
  readonly pods: readonly LoadPod[];
  readonly ledger: TaintLedger;
}

let cleanup: (() => Promise<void>) | null = null;
afterEach(async () => {
  await cleanup?.();
  cleanup = null;
});

/** One node, pod i on device gpu-i with `tolerations[i]`; devices in `tainted` carry a NoExecute taint since T0. */
async function setup(
  tolerations: readonly LoadToleration[],
  tainted: readonly number[],
  sim: SimServerOptions = {},
): Promise<Setup> {
  const env = await startLoadSim(sim);
  const clock = new FakeClock(T0);
  const opts = testOptions({ pods: tolerations.length, nodes: 1 });
  const base = planPopulation(opts, 'obs');
  const plan = { ...base, pods: base.pods.map((p, i) => ({ ...p, toleration: tolerations[i] ?? none })) };
  const observer = new LoadObserver(env.cluster, {
    namespace: plan.namespace,
    labelSelector: runSelector(plan.runId),
    clock,
    log: silentLogger,
  });
  await env.cluster.ensureNamespace(plan.namespace, {});
  await observer.start();
  cleanup = async () => {
    observer.stop();
    await env.close();
  };
  const { pods } = await createPopulation(env.cluster, plan, { concurrency: 4 });
  const ledger = new TaintLedger();
  const slice = plan.slices[0];
  if (slice === undefined) throw new Error('no slice');
  ledger.record({
    source: `slice/${slice.name}`,
    key: opts.taintKey,
    value: opts.taintValue,
    timeAdded: T0,
    serverStamped: true,
    scope: {
      kind: 'devices',
      devices: tainted.map((i) => ({ driver: slice.driver, pool: slice.pool, device: `gpu-${i}` })),
    },
  });
  return { env, clock, observer, pods, ledger };
}

/** Plays the controller: deletes `pod` at virtual time `at` and waits until the observer has seen it. */
async function deleteAt(s: Setup, pod: LoadPod | undefined, at: number): Promise<void> {
  if (pod === undefined) throw new Error('no such pod');
  s.clock.advanceTo(at);
  await s.env.cluster.deletePod(pod.namespace, pod.name);
  await waitFor(
    () => s.observer.deletedAt.has(pod.uid),
    5000,
    () => `observer to see ${pod.name} deleted`,
  );
}

describe('LoadObserver with a test playing the controller', () => {
  it('computes latency from taint time + tolerationSeconds and flags every kind of wrongful deletion', async () => {
    const s = await setup([none, thirty, thirty, forever, none, none, thirty], [0, 1, 2, 3, 5, 6]);
    const [p0, p1, p2, p3, p4, p5, p6] = s.pods;
    await deleteAt(s, p0, T0 + 400); // evicted, 400 ms late
    await deleteAt(s, p1, T0 + 10_000); // 20 s before its toleration ends: wrongful-early
    await deleteAt(s, p6, T0 + 29_500); // 500 ms early, inside the 1 s skew allowance: evicted
    await deleteAt(s, p2, T0 + 31_000); // evicted, 1 s late
    await deleteAt(s, p3, T0 + 40_000); // tolerates forever: wrongful
    await deleteAt(s, p4, T0 + 41_000); // its device was never tainted: wrongful
    s.clock.advanceTo(T0 + 60_000);

    expect(s.observer.deletedAt.get(p0?.uid ?? '')).toBe(T0 + 400);
    const verdicts = judgePods({
      pods: s.pods,
      ledger: s.ledger,
      deletedAt: s.observer.deletedAt,
      selfDeleted: new Set(),
      skewMs: 1000,
      now: s.clock.now(),
    });
    const outcome = (p: LoadPod | undefined) => verdicts.find((v) => v.pod.uid === p?.uid);
    expect(outcome(p0)).toMatchObject({ outcome: 'evicted', latencyMs: 400 });
    expect(outcome(p1)?.outcome).toBe('wrongful-early');
    expect(outcome(p2)).toMatchObject({ outcome: 'evicted', latencyMs: 1000, dueAt: T0 + 30_000 });
    expect(outcome(p3)?.outcome).toBe('wrongful-forever');
    expect(outcome(p4)?.outcome).toBe('wrongful-untainted');
    expect(outcome(p5)?.outcome).toBe('missed');
    expect(outcome(p6)).toMatchObject({ outcome: 'evicted', latencyMs: -500 });
  });

  it('counts DisruptionTarget patches and eviction events, including aggregated repeats', async () => {
    const s = await setup([none, none], [0, 1]);
    const [p0, p1] = s.pods;
    if (p0 === undefined || p1 === undefined) throw new Error('pods missing');
    const { store } = s.env.sim;
    const condition = {
      type: 'DisruptionTarget',
      status: 'True',
      reason: 'DeletionByDeviceTaintManager',
      message: 'Device Taint manager: deleting due to NoExecute taint',
      lastTransitionTime: '2030-01-01T12:00:01Z',
    };
    const event = (pod: LoadPod, name: string, message: string, count: number) => ({
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { namespace: pod.namespace, name },
      involvedObject: { apiVersion: 'v1', kind: 'Pod', namespace: pod.namespace, name: pod.name, uid: pod.uid },
      reason: 'DeviceTaintManagerEviction',
      message,
      type: 'Normal',
      count,
      source: { component: 'device-taint-eviction-controller' },
    });
    for (const pod of [p0, p1]) {
      store.create('events', event(pod, `${pod.name}.mark`, 'Marking for deletion', 1));
      store.patch(
        'pods',
        pod.namespace,
        pod.name,
        'merge',
        { status: { conditions: [condition] } },
        { subresource: 'status' },
      );
    }
    // An unrelated event (other reason) and one for a pod outside the run must not count.
    store.create('events', { ...event(p0, 'other', 'Marking for deletion', 1), reason: 'Scheduled' });
    store.create('events', {
      ...event(p0, 'stranger', 'Marking for deletion', 1),
      involvedObject: { kind: 'Pod', namespace: p0.namespace, name: 'x', uid: 'not-ours' },
    });
    // A retry of p1's eviction: the recorder aggregates it into count 2 of the same event.
    store.patch('events', p1.namespace, `${p1.name}.mark`, 'merge', { count: 2 });
    store.create('events', event(p1, `${p1.name}.cancel`, 'Cancelling deletion', 1));
    await deleteAt(s, p0, T0 + 100);
    await deleteAt(s, p1, T0 + 300);
    await waitFor(
      () => s.observer.counts().markingEvents === 3 && s.observer.counts().cancellingEvents === 1,
      5000,
      () => JSON.stringify(s.observer.counts()),
    );
    expect(s.observer.counts()).toEqual({ conditionPatches: 2, markingEvents: 3, cancellingEvents: 1, deletions: 2 });
    expect([...s.observer.podsWithCondition].sort()).toEqual([p0.uid, p1.uid].sort());

    const verdicts = judgePods({
      pods: s.pods,
      ledger: s.ledger,
      deletedAt: s.observer.deletedAt,
      selfDeleted: new Set(),
      skewMs: 1000,
      now: T0 + 1000,
    });
    const summary = buildSummary({
      runId: 'obs',
      storm: { name: 'gpu-lost', startedAt: T0, finishedAt: T0, operations: 1, devicesTainted: 2, details: {} },
      server: s.env.sim.url,
      startedAt: T0 - 1000,
      finishedAt: T0 + 1000,
      timedOut: false,
      nodes: 1,
      devicesPerNode: 8,
      createdPods: 2,
      createMs: 500,
      verdicts,
      counts: s.observer.counts(),
      podsWithCondition: s.observer.podsWithCondition,
      taintsRecorded: 1,
      taintsWithoutServerTime: 0,
    });
    // (2 condition patches + 4 events + 2 deletions) / 2 evictions.
    expect(summary.apiCalls.perEviction).toBe(4);
    expect(summary.evictions).toMatchObject({ observed: 2, wrongful: 0, withDisruptionCondition: 2 });
    expect(summary.latencyMs).toMatchObject({ count: 2, max: 300 });
    // Two evictions 200 ms apart after the first was due at T0 + 100 → 2 / 0.3 s.
    expect(summary.throughput).toEqual({ evictionsPerSecond: 6.667, windowSeconds: 0.3 });
  });

  it('takes a graceful deletion (deletionTimestamp) as the eviction moment', async () => {
    const s = await setup([none], [0], { podDeletion: { gracePeriodMs: 60_000 } });
    const [p0] = s.pods;
    await deleteAt(s, p0, T0 + 250);
    // Still stored (terminating), yet observed as deleted when the deletionTimestamp appeared.
    expect(s.env.sim.store.list('pods', { namespace: p0?.namespace })).toHaveLength(1);
    expect(s.observer.deletedAt.get(p0?.uid ?? '')).toBe(T0 + 250);
  });

  it('keeps observing after the server drops its watches', async () => {
    const s = await setup([none, none], [0, 1]);
    const [p0, p1] = s.pods;
    await deleteAt(s, p0, T0 + 100);
    s.env.sim.dropWatches();
    await deleteAt(s, p1, T0 + 200);
    expect(s.observer.counts().deletions).toBe(2);
  });

  it('relists after 410 Expired and records pods that vanished meanwhile', async () => {
    const s = await setup([none, none], [0, 1]);
    const [p0, p1] = s.pods;
    if (p0 === undefined || p1 === undefined) throw new Error('pods missing');
    const listsBefore = s.env.sim.requests.count({ verb: 'list', resource: 'pods' });
    // All synchronous: the observer's watch is gone, the pod is deleted, and the history it would
    // resume from is compacted before the client can reconnect.
    s.env.sim.dropWatches();
    s.clock.advanceTo(T0 + 700);
    s.env.sim.store.delete('pods', p0.namespace, p0.name);
    s.env.sim.store.compactHistory();
    await waitFor(
      () => s.observer.deletedAt.has(p0.uid),
      5000,
      () => 'relist to notice the vanished pod',
    );
    expect(s.observer.deletedAt.get(p0.uid)).toBe(T0 + 700);
    expect(s.env.sim.requests.count({ verb: 'list', resource: 'pods' })).toBeGreaterThan(listsBefore);
    // Still watching afterwards.
    await deleteAt(s, p1, T0 + 900);
    expect(s.observer.deletedAt.get(p1.uid)).toBe(T0 + 900);
  });
});
