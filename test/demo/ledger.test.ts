// The eviction ledger's verdicts: due, late or wrongful, judged against timeAdded + tolerationSeconds.

import { describe, expect, test } from 'vitest';
import { EARLY_SLACK_MS, EvictionLedger } from '../../src/demo/ledger.js';
import type { PodDeletion } from '../../src/demo/observer.js';
import { demoPlan, podsOn } from '../../src/demo/plan.js';

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

  test('a taint with another key than the XID one is tolerated by no pod, not even the forever ones', () => {
    const ledger = new EvictionLedger(pods);
    const due = ledger.markDue(podsOn(pods, 3), t0, t0, { source: 'rule drain-all', key: 'example.com/maintenance' });
    expect(due.map((p) => p.name)).toEqual(['trainer-n3-g0', 'trainer-n3-g1', 'trainer-n3-g2', 'trainer-n3-g3']);
    // No tolerationSeconds either: the tolerating pods tolerate the XID key only.
    expect(ledger.get(pod('trainer-n3-g2')).dueAt).toBe(t0);
    expect(ledger.get(pod('trainer-n3-g3')).dueAt).toBe(t0);
  });

  test('withdrawing a taint: pods due only for it must stay again; an eviction already judged stays judged', () => {
    const ledger = new EvictionLedger(pods);
    const rule = { source: 'rule drain-all', key: 'example.com/maintenance' };
    ledger.markDue(podsOn(pods, 0), t0, t0, rule);
    // A real fault on one of them too, later.
    ledger.markDue(podsOn(pods, 0, 3), t0 + 3_000, t0 + 3_000, { source: 'device gpu-node-0000/gpu-3', key: 'x' });
    expect(ledger.record(deletion('trainer-n0-g0', t0 + 20))).toMatchObject({ kind: 'expected', latencyMs: 20 });
    const spared = ledger.withdraw('rule drain-all');
    expect(spared.map((p) => p.name)).toEqual(['trainer-n0-g1', 'trainer-n0-g2']);
    // The faulty GPU's pod is due for its own taint now (the earlier rule no longer decides).
    expect(ledger.get(pod('trainer-n0-g3'))).toMatchObject({ dueAt: t0 + 3_000, taintWrittenAt: t0 + 3_000 });
    expect(ledger.get(pod('trainer-n0-g0'))).toMatchObject({ dueAt: t0, latencyMs: 20 });
    expect(ledger.mustStay().map((p) => p.name)).toContain('trainer-n0-g1');
    expect(ledger.mustStay().map((p) => p.name)).not.toContain('trainer-n0-g0');
    // Evicting a spared pod now is wrongful.
    expect(ledger.record(deletion('trainer-n0-g1', t0 + 5_000))).toMatchObject({
      kind: 'wrongful',
      reason: 'evicted although untainted',
    });
    expect(ledger.record(deletion('trainer-n0-g3', t0 + 9_000))).toMatchObject({ kind: 'expected', latencyMs: 6_000 });
  });
});
