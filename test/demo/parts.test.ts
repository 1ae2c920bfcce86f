// The demo's pieces without the controller: the plan it checks against, its writes to the simulated
// cluster, the observer it waits on, and what it prints.

import { describe, expect, test } from 'vitest';
import {
  CLAIMS,
  createPoolRule,
  PODS,
  RULES,
  seedDemoCluster,
  setRuleEffect,
  taintDevice,
} from '../../src/demo/cluster.js';
import { EARLY_SLACK_MS, EvictionLedger } from '../../src/demo/ledger.js';
import { ClusterObserver, type Happening, type PodDeletion } from '../../src/demo/observer.js';
import { demoPlan, podsOn, sliceName } from '../../src/demo/plan.js';
import { elapsedStamp, TimestampedPrinter, wantsColor } from '../../src/demo/printer.js';
import { formatSummaryTable, formatTable, zeroVerbs } from '../../src/demo/summary.js';
import { SimStore } from '../../src/sim/index.js';

const xid = (effect: 'None' | 'NoExecute') => ({ key: 'gpu.nvidia.com/xid', value: '79', effect }) as const;

describe('demo plan', () => {
  test('16 pods on 4 nodes in 2 namespaces; the rule node holds one pod of every kind', () => {
    const plan = demoPlan({ tolerationSeconds: 7 });
    expect(plan).toHaveLength(16);
    expect(new Set(plan.map((p) => p.namespace))).toEqual(new Set(['team-00', 'team-01']));
    expect(new Set(plan.map((p) => `${p.node}/${p.device}`)).size).toBe(16);
    const kinds = (pods: typeof plan) => pods.map((p) => p.toleration.kind).sort();
    expect(kinds(plan).filter((k) => k === 'none')).toHaveLength(11);
    expect(kinds(podsOn(plan, 3))).toEqual(['forever', 'none', 'none', 'seconds']);
    expect(podsOn(plan, 2, 1)[0]?.toleration).toEqual({ kind: 'seconds', seconds: 7 });
    expect(podsOn(plan, 1, 3)[0]?.toleration).toEqual({ kind: 'none' });
    // The pods the rule would evict span both namespaces (the "2 different namespaces" of the story).
    expect(
      new Set(
        podsOn(plan, 3)
          .filter((p) => p.toleration.kind !== 'forever')
          .map((p) => p.namespace),
      ).size,
    ).toBe(2);
  });
});

describe('demo cluster writes', () => {
  test('seeds allocated, reserved claims whose allocation carries the planned tolerations', () => {
    const store = new SimStore();
    const pods = seedDemoCluster(store, demoPlan());
    expect(store.count(PODS)).toBe(16);
    const tolerating = pods.find((p) => p.name === 'trainer-n2-g1');
    expect(tolerating).toBeDefined();
    const claim = store.get(CLAIMS, tolerating?.namespace ?? '', 'trainer-n2-g1-gpu');
    expect(claim?.status).toMatchObject({
      allocation: {
        devices: {
          results: [
            {
              pool: 'gpu-node-0002',
              device: 'gpu-1',
              tolerations: [
                { key: 'gpu.nvidia.com/xid', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 5 },
              ],
            },
          ],
        },
      },
      reservedFor: [{ resource: 'pods', name: 'trainer-n2-g1', uid: tolerating?.uid }],
    });
    const forever = store.get(CLAIMS, 'team-00', 'trainer-n3-g3-gpu');
    expect(JSON.stringify(forever)).not.toContain('tolerationSeconds');
  });

  test('taintDevice adds a taint to one device and returns the timeAdded the apiserver stamped', () => {
    const now = Date.parse('2026-01-01T00:00:07.600Z');
    const store = new SimStore({ clock: () => now });
    seedDemoCluster(store, demoPlan());
    const timeAdded = taintDevice(store, 1, 3, xid('NoExecute'));
    expect(timeAdded).toBe(Date.parse('2026-01-01T00:00:07Z'));
    const slice = store.get('resourceslices.resource.k8s.io', '', sliceName(1));
    const devices = (slice?.spec as { devices: { name: string; taints?: unknown[] }[] } | undefined)?.devices ?? [];
    expect(devices.filter((d) => d.taints !== undefined).map((d) => d.name)).toEqual(['gpu-3']);
    expect(devices[3]?.taints).toEqual([{ ...xid('NoExecute'), timeAdded: '2026-01-01T00:00:07Z' }]);
  });

  test('switching a rule to NoExecute gets a fresh timeAdded', () => {
    let now = Date.parse('2026-01-01T00:00:00Z');
    const store = new SimStore({ clock: () => now });
    const created = createPoolRule(store, 'drain', 3, xid('None'));
    now += 20_000;
    const switched = setRuleEffect(store, 'drain', 'NoExecute');
    expect(switched - created).toBe(20_000);
    expect(store.get(RULES, '', 'drain')?.spec).toMatchObject({
      deviceSelector: { driver: 'gpu.nvidia.com', pool: 'gpu-node-0003' },
      taint: { effect: 'NoExecute' },
    });
  });
});

describe('eviction ledger', () => {
  const pods = demoPlan({ tolerationSeconds: 5 }).map((p, i) => ({ ...p, uid: `uid-${i}` }));
  const pod = (name: string) => {
    const p = pods.find((x) => x.name === name);
    if (p === undefined) throw new Error(name);
    return p;
  };
  const deletion = (name: string, at: number): PodDeletion => {
    const p = pod(name);
    return { namespace: p.namespace, name: p.name, uid: p.uid, at, disruptionTarget: null };
  };
  const t0 = 1_000_000;

  test('a pod on a tainted device is due after its tolerationSeconds; forever never', () => {
    const ledger = new EvictionLedger(pods);
    const due = ledger.markDue(podsOn(pods, 3), t0, t0 + 7);
    expect(due.map((p) => p.name)).toEqual(['trainer-n3-g0', 'trainer-n3-g1', 'trainer-n3-g2']);
    expect(ledger.get(pod('trainer-n3-g2')).dueAt).toBe(t0 + 5000);
    expect(ledger.get(pod('trainer-n3-g3')).dueAt).toBeNull();
    expect(ledger.mustStay()).toHaveLength(13);
    // A later taint does not postpone an eviction that is already due earlier.
    ledger.markDue([pod('trainer-n3-g0')], t0 + 60_000, t0 + 60_000);
    expect(ledger.get(pod('trainer-n3-g0')).dueAt).toBe(t0);
  });

  test('judges deletions: on time, too early, untainted, tolerating forever', () => {
    const ledger = new EvictionLedger(pods);
    ledger.markDue(podsOn(pods, 3), t0, t0 + 7);
    expect(ledger.record(deletion('trainer-n3-g0', t0 + 50))).toEqual({
      kind: 'expected',
      pod: pod('trainer-n3-g0'),
      latencyMs: 43, // from the write, which came after timeAdded
    });
    expect(ledger.record(deletion('trainer-n3-g2', t0 + 5000 - EARLY_SLACK_MS + 1))).toMatchObject({
      kind: 'expected',
    });
    const early = new EvictionLedger(pods);
    early.markDue(podsOn(pods, 3), t0, t0);
    expect(early.record(deletion('trainer-n3-g2', t0 + 2000))).toEqual({
      kind: 'wrongful',
      pod: pod('trainer-n3-g2'),
      reason: 'evicted 3.0 s before its grace period ended',
    });
    expect(ledger.record(deletion('trainer-n3-g3', t0))).toMatchObject({
      kind: 'wrongful',
      reason: 'evicted although it tolerates the taint forever',
    });
    expect(ledger.record(deletion('trainer-n0-g0', t0))).toMatchObject({
      kind: 'wrongful',
      reason: 'evicted although untainted',
    });
    expect(ledger.get(pod('trainer-n0-g0')).wrongful).toBe('evicted although untainted');
    expect(
      ledger.record({ namespace: 'x', name: 'not-ours', uid: 'other', at: t0, disruptionTarget: null }),
    ).toBeUndefined();
  });
});

describe('cluster observer', () => {
  test('records a deletion with the DisruptionTarget condition the pod carried, once', () => {
    const store = new SimStore();
    const [pod] = seedDemoCluster(store, demoPlan()).filter((p) => p.name === 'trainer-n1-g3');
    if (pod === undefined) throw new Error('plan changed');
    const observer = new ClusterObserver(store, () => 1234);
    const seen: Happening[] = [];
    observer.onHappening((h) => seen.push(h));
    observer.start();
    store.patch(
      PODS,
      pod.namespace,
      pod.name,
      'strategic',
      {
        status: { conditions: [{ type: 'DisruptionTarget', status: 'True', reason: 'DeletionByDeviceTaintManager' }] },
      },
      { subresource: 'status' },
    );
    store.delete(PODS, pod.namespace, pod.name);
    expect(seen.map((h) => h.kind)).toEqual(['podDeleted']);
    expect(observer.deletionOf(pod.uid)).toMatchObject({
      name: 'trainer-n1-g3',
      at: 1234,
      disruptionTarget: { status: 'True', reason: 'DeletionByDeviceTaintManager' },
    });
    observer.stop();
  });

  test('reports each distinct rule condition once and wakes waiters', async () => {
    const store = new SimStore();
    const observer = new ClusterObserver(store);
    observer.start();
    createPoolRule(store, 'drain', 3, xid('None'));
    const status = (reason: string, message: string) => ({
      status: { conditions: [{ type: 'EvictionInProgress', status: 'False', reason, message }] },
    });
    const waiting = observer.waitUntil(() => observer.latestRuleCondition('drain')?.reason === 'Completed', 5_000);
    store.patch(RULES, '', 'drain', 'merge', status('NoEffect', 'counts'), { subresource: 'status' });
    store.patch(RULES, '', 'drain', 'merge', { metadata: { labels: { touched: 'yes' } } });
    store.patch(RULES, '', 'drain', 'merge', status('Completed', '1 pod evicted'), { subresource: 'status' });
    await expect(waiting).resolves.toBe(true);
    expect(observer.ruleConditions('drain').map((c) => c.reason)).toEqual(['NoEffect', 'Completed']);
    await expect(observer.waitUntil(() => false, 10)).resolves.toBe(false);
    observer.stop();
  });
});

describe('printing', () => {
  test('lines carry the time since the start, colour only when asked for', () => {
    let out = '';
    let now = 1_000;
    const plain = new TimestampedPrinter({ write: (t) => (out += t), color: false, startedAt: 1_000, now: () => now });
    now = 13_340;
    plain.line('evicted team-00/trainer-n1-g3', 'good');
    expect(out).toBe(' +12.3s  evicted team-00/trainer-n1-g3\n');
    out = '';
    new TimestampedPrinter({ write: (t) => (out += t), color: true, startedAt: 0, now: () => 0 }).line('x', 'bad');
    expect(out).toContain('\u001b[31mx\u001b[39m');
    expect(elapsedStamp(-5)).toBe('+0.0s');
  });

  test('colour follows the terminal, NO_COLOR and FORCE_COLOR', () => {
    expect(wantsColor({ isTTY: true }, {})).toBe(true);
    expect(wantsColor({ isTTY: false }, {})).toBe(false);
    expect(wantsColor({ isTTY: true }, { NO_COLOR: '1' })).toBe(false);
    expect(wantsColor({ isTTY: false }, { FORCE_COLOR: '1' })).toBe(true);
    expect(wantsColor({ isTTY: true }, { TERM: 'dumb' })).toBe(false);
  });

  test('the summary table aligns columns and flags wrongful evictions', () => {
    expect(
      formatTable(
        ['a', 'n'],
        [
          ['xyz', '5'],
          ['q', '12'],
        ],
        ['l', 'r'],
      ),
    ).toBe('a     n\n---  --\nxyz   5\nq    12');
    const apiCalls = { ...zeroVerbs(), patch: 2, delete: 2, create: 2 };
    const table = formatSummaryTable(
      [
        {
          title: 'act one',
          evictions: [
            { pod: 'a', latencyMs: 10 },
            { pod: 'b', latencyMs: 30 },
          ],
          wrongful: 1,
          apiCalls,
          ok: false,
        },
      ],
      { apiCalls, writesPerEviction: 3, evictions: 2, wrongful: 1, durationMs: 12_345 },
    );
    expect(table).toMatch(/^act one\s+2\s+1\s+10 ms\s+30 ms\s+create 2, patch 2, delete 2\s+FAILED$/m);
    expect(table).toContain('Wrongful evictions: 1 (MUST BE 0)');
    expect(table).toContain('3.0 writes per eviction');
    expect(table).toContain('Finished in 12.3 s');
  });
});
