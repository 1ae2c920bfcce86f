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
});
