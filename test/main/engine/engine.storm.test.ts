// A rule flip over many pods, checked against brute force: the storm path shares evictions between
// claims, batches status refreshes, caches published devices and counts pending pods without per-pod
// bookkeeping; none of that may change what is decided or counted.

import { describe, expect, test } from 'vitest';
import { EvictionEngine } from '../../../src/main/engine/engine.js';
import { FakeClock } from '../../../src/shared/clock.js';
import type { ReasonId } from '../../../src/shared/decisions.js';
import { silentLogger } from '../../../src/shared/logger.js';
import { ruleReason, sliceReason } from '../../../src/shared/reasons.js';
import type { ClaimRecord, PodRecord, RuleRecord, SliceRecord } from '../../../src/shared/types.js';
import {
  allocatedDevice,
  claimReservedFor,
  deviceTaint,
  podUsingClaim,
  ruleRecord,
  sliceDevices,
  sliceRecord,
  toleratesFor,
} from '../../support/records.js';

const t0 = Date.UTC(2026, 0, 1);
const DRIVER = 'gpu.example.com';
const KEY = 'gpu.example.com/xid';
const PODS = 120;
const NODES = 30;

const tolerationOf = (i: number): number | null | undefined => (i % 5 === 0 ? null : i % 7 === 0 ? 60 : undefined);

function cluster() {
  const slices: SliceRecord[] = [];
  for (let n = 0; n < NODES; n++)
    slices.push(
      sliceRecord({
        name: `node-${n}-slice`,
        uid: `slice-${n}`,
        driver: DRIVER,
        pool: `node-${n}`,
        devices: sliceDevices(['gpu-0', 'gpu-1', 'gpu-2', 'gpu-3']),
      }),
    );
  const claims: ClaimRecord[] = [];
  const pods: PodRecord[] = [];
  for (let i = 0; i < PODS; i++) {
    const name = `pod-${i}`;
    const seconds = tolerationOf(i);
    const pod = podUsingClaim(`${name}-gpu`, {
      namespace: `team-${i % 3}`,
      name,
      uid: `uid-${i}`,
      nodeName: `node-${i % NODES}`,
    });
    const device = allocatedDevice({
      driver: DRIVER,
      pool: `node-${i % NODES}`,
      device: `gpu-${Math.floor(i / NODES)}`,
      request: 'gpu',
      tolerations: seconds === undefined ? [] : [toleratesFor(KEY, seconds)],
    });
    claims.push(claimReservedFor(pod, [device], { name: `${name}-gpu`, uid: `claim-${i}` }));
    pods.push(pod);
  }
  return { slices, claims, pods };
}

const rule = (effect: string, generation: number): RuleRecord =>
  ruleRecord({
    name: 'xid',
    uid: 'rule-uid',
    resourceVersion: String(generation),
    generation,
    selector: { driver: DRIVER },
    taint: deviceTaint({ key: KEY, value: '79', effect, timeAdded: t0 }),
  });

function setup() {
  const clock = new FakeClock(t0);
  const scheduled: { pod: string; fireAt: number; reasons: readonly ReasonId[] }[] = [];
  let cancelled = 0;
  const statusQueue: [string, number][] = [];
  const engine = new EvictionEngine({
    clock,
    log: silentLogger,
    sink: {
      schedule: (pod, fireAt, reasons) => scheduled.push({ pod: pod.name, fireAt, reasons }),
      cancel: () => cancelled++,
    },
    ruleStatus: { enqueue: (name, delay) => statusQueue.push([name, delay]) },
  });
  const c = cluster();
  for (const s of c.slices) engine.sliceAdded(s);
  for (const claim of c.claims) engine.claimAdded(claim);
  for (const pod of c.pods) engine.podAdded(pod);
  return { engine, scheduled, statusQueue, cancelled: () => cancelled, ...c };
}

/** Pending pods and namespaces for the rule, from the pending evictions and the pod cache. */
function bruteForceCounts(engine: EvictionEngine, reason: ReasonId): { pods: number; namespaces: number } {
  const namespaces = new Set<string>();
  let pods = 0;
  for (const pending of engine.pendingEvictions()) {
    const pod = engine.getPod(pending.pod.namespace, pending.pod.name);
    if (!pending.reasons.includes(reason) || pod?.deletionTimestamp !== null) continue;
    pods++;
    namespaces.add(pending.pod.namespace);
  }
  return { pods, namespaces: namespaces.size };
}

const messageCounts = (message: string | undefined): string | undefined =>
  /(\d+) pods (?:need to be evicted|would be evicted) in (\d+) different namespaces/
    .exec(message ?? '')
    ?.slice(1)
    .join('/');

describe('rule flip over many pods', () => {
  test('decisions, shared reasons, batched status refreshes and pending counts match brute force', () => {
    const { engine, scheduled, statusQueue, pods, slices } = setup();
    const reason = ruleReason('xid', 'rule-uid');
    const forever = pods.filter((_, i) => tolerationOf(i) === null).length;
    const delayed = pods.filter((_, i) => tolerationOf(i) === 60).length;

    engine.ruleAdded(rule('None', 1));
    expect(scheduled).toHaveLength(0);
    const dryRun = messageCounts(engine.ruleCondition('xid')?.message);
    expect(dryRun).toBe(`${PODS - forever}/3`);

    statusQueue.length = 0;
    engine.ruleUpdated(rule('None', 1), rule('NoExecute', 2));
    expect(scheduled).toHaveLength(PODS - forever);
    expect(scheduled.filter((s) => s.fireAt === t0 + 60_000)).toHaveLength(delayed);
    expect(scheduled.filter((s) => s.fireAt === t0)).toHaveLength(PODS - forever - delayed);
    for (const s of scheduled) expect(s.reasons).toEqual([reason]);
    // One reasons array for every pod: 100k pending pods must not hold 100k copies.
    expect(new Set(scheduled.map((s) => s.reasons)).size).toBe(1);
    // The immediate refresh of the rule change, then one delayed refresh for the whole batch.
    expect(statusQueue).toEqual([
      ['xid', 0],
      ['xid', 10_000],
    ]);
    expect(messageCounts(engine.ruleCondition('xid')?.message)).toBe(dryRun);
    expect(engine.ruleCondition('xid')?.message).toMatch(/need to be evicted/);

    // Terminating pods leave the counts; a second update of the same pod changes nothing more.
    for (const pod of pods.slice(0, 12)) {
      const terminating = { ...pod, resourceVersion: '2', deletionTimestamp: t0 };
      engine.podUpdated(pod, terminating);
      engine.podUpdated(terminating, { ...terminating, resourceVersion: '3' });
    }
    const afterTerminating = bruteForceCounts(engine, reason);
    expect(afterTerminating.pods).toBeLessThan(PODS - forever);
    expect(messageCounts(engine.ruleCondition('xid')?.message)).toBe(
      `${afterTerminating.pods}/${afterTerminating.namespaces}`,
    );

    // A slice taint after the flip: the cached published devices must see it.
    const node3 = slices[3]!;
    const tainted: SliceRecord = {
      ...node3,
      resourceVersion: '2',
      devices: node3.devices.map((d) => ({
        ...d,
        taints: [deviceTaint({ key: 'other', timeAdded: t0 + 5_000 })],
      })),
    };
    engine.sliceUpdated(node3, tainted);
    const onNode3 = pods.find((p, i) => p.nodeName === 'node-3' && tolerationOf(i) === undefined)!;
    const device = `gpu-${Math.floor(Number(onNode3.name.slice(4)) / NODES)}`;
    expect(engine.pendingEviction(onNode3)).toMatchObject({
      fireAt: t0,
      reasons: [reason, sliceReason(DRIVER, 'node-3', tainted.name, device, 0)],
    });
    const afterSlice = bruteForceCounts(engine, reason);
    expect(messageCounts(engine.ruleCondition('xid')?.message)).toBe(`${afterSlice.pods}/${afterSlice.namespaces}`);

    // Back to None: only the slice-tainted pods stay pending, none of them for the rule.
    engine.ruleUpdated(rule('NoExecute', 2), rule('None', 3));
    for (const pending of engine.pendingEvictions()) {
      expect(pending.pod.name).toMatch(/^pod-/);
      expect(pending.reasons).not.toContain(reason);
    }
    expect(engine.pendingCount).toBe(pods.filter((p) => p.nodeName === 'node-3').length);
  });
});
