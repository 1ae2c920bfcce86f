// Engine behaviour beyond upstream's scenarios: selector safety, the missing-timeAdded policy,
// results from executors, pending-count bookkeeping, PodGroup claims, incremental re-evaluation.

import { describe, expect, test } from 'vitest';
import { EvictionEngine } from '../../../src/main/engine/engine.js';
import { FakeClock } from '../../../src/shared/clock.js';
import type { EvictionSink, ReasonId } from '../../../src/shared/decisions.js';
import { RecordingLogger } from '../../../src/shared/logger.js';
import { ruleReason, sliceReason } from '../../../src/shared/reasons.js';
import type {
  ClaimRecord,
  PodGroupRecord,
  PodRecord,
  PodRef,
  RuleRecord,
  SliceRecord,
} from '../../../src/shared/types.js';
import * as f from '../../engine/fixtures.js';

const { S, taintTime: t0 } = f;

type SinkCall =
  | { op: 'schedule'; pod: PodRef; fireAt: number; reasons: readonly ReasonId[] }
  | { op: 'cancel'; pod: PodRef; emitEvent: boolean };

function setup(opts: { workloadClaims?: boolean } = {}) {
  const clock = new FakeClock(t0);
  const log = new RecordingLogger();
  const calls: SinkCall[] = [];
  const statusQueue: [string, number][] = [];
  const sink: EvictionSink = {
    schedule: (pod, fireAt, reasons) => calls.push({ op: 'schedule', pod, fireAt, reasons }),
    cancel: (pod, emitEvent) => calls.push({ op: 'cancel', pod, emitEvent }),
  };
  const engine = new EvictionEngine({
    clock,
    sink,
    ruleStatus: { enqueue: (name, delay) => statusQueue.push([name, delay]) },
    log,
    workloadClaims: opts.workloadClaims ?? false,
  });
  return { clock, log, calls, statusQueue, engine };
}

const otherDriverClaim: ClaimRecord = {
  ...f.inUseClaim,
  allocation: [{ request: 'r', driver: 'gpu.example.com', pool: 'node-9', device: 'gpu-0', tolerations: [] }],
};

describe('DeviceTaintRule selectors', () => {
  test('{} selects every device and is logged loudly once per rule generation', () => {
    const { engine, log } = setup();
    const everything: RuleRecord = { ...f.ruleEvict, selector: {} };
    engine.claimAdded(otherDriverClaim);
    engine.podAdded(f.podWithClaimName);
    engine.ruleAdded(everything);
    expect(engine.pendingEviction(f.podWithClaimName)?.reasons).toEqual([ruleReason('evict', '1234')]);
    const warnings = () => log.lines.filter((l) => l.level === 'warn' && l.fields.rule === 'evict');
    expect(warnings()).toHaveLength(1);
    expect(warnings()[0]?.msg).toMatch(/EVERY device/);

    // A status-only update (same generation) does not repeat the warning...
    engine.ruleUpdated(everything, { ...everything, resourceVersion: '2' });
    expect(warnings()).toHaveLength(1);
    // ...a new generation that still selects everything does.
    const gen2: RuleRecord = { ...everything, generation: 2, taint: { ...everything.taint, value: 'v2' } };
    engine.ruleUpdated(everything, gen2);
    expect(warnings()).toHaveLength(2);
  });

  test('an absent selector selects nothing and is not warned about', () => {
    const { engine, log, calls } = setup();
    engine.claimAdded(f.inUseClaim);
    engine.podAdded(f.podWithClaimName);
    engine.ruleAdded({ ...f.ruleEvict, selector: null });
    expect(engine.claimEvictionOf(f.namespace, f.claimName)).toBeNull();
    expect(calls).toEqual([]);
    expect(log.lines.filter((l) => l.level === 'warn')).toEqual([]);
  });
});

describe('missing timeAdded (documented policy: first seen by the engine)', () => {
  const untimed = (s: SliceRecord): SliceRecord => ({
    ...s,
    devices: s.devices.map((d) => ({ ...d, taints: d.taints.map((t) => ({ ...t, timeAdded: null })) })),
  });
  const tolerating60 = f.inUseClaimTolerating(
    f.toleration({ operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 60 }),
  );

  test('a slice taint without timeAdded counts from when it was first seen, and does not slide', () => {
    const { engine, clock } = setup();
    engine.claimAdded(tolerating60);
    engine.podAdded(f.podWithClaimName);
    clock.advance(5 * S);
    const seenAt = clock.now();
    engine.sliceAdded(untimed(f.sliceTainted));
    expect(engine.pendingEviction(f.podWithClaimName)?.fireAt).toBe(seenAt + 60 * S);

    // Later updates of the same slice keep the stamp as long as the taint is unchanged.
    clock.advance(30 * S);
    engine.sliceUpdated(untimed(f.sliceTainted), { ...untimed(f.sliceTaintedExtended), resourceVersion: '2' });
    expect(engine.pendingEviction(f.podWithClaimName)?.fireAt).toBe(seenAt + 60 * S);
    expect(engine.claimEvictionOf(f.namespace, f.claimName)?.when).toBe(seenAt + 60 * S);
  });

  test('a rule without timeAdded (also a None rule for its dry run) never crashes', () => {
    const { engine, clock } = setup();
    engine.claimAdded(f.inUseClaim);
    engine.podAdded(f.podWithClaimName);
    clock.advance(7 * S);
    const none: RuleRecord = { ...f.ruleNone, taint: { ...f.ruleNone.taint, timeAdded: null } };
    engine.ruleAdded(none);
    expect(engine.ruleCondition('evict')?.reason).toBe('NoEffect');
    const evict: RuleRecord = { ...none, taint: { ...none.taint, effect: 'NoExecute' } };
    engine.ruleUpdated(none, evict);
    expect(engine.pendingEviction(f.podWithClaimName)?.fireAt).toBe(t0 + 7 * S);
  });
});

describe('results from executors', () => {
  const evictingSetup = () => {
    const s = setup();
    s.engine.claimAdded(f.inUseClaim);
    s.engine.podAdded(f.podWithClaimName);
    s.engine.ruleAdded(f.ruleEvict);
    return s;
  };
  const result = (outcome: 'deleted' | 'alreadyTerminating' | 'gone', fireAt: number) => ({
    pod: { namespace: f.namespace, name: f.podName, uid: f.podUID },
    outcome,
    fireAt,
    doneAt: fireAt,
    attempts: 1,
    reasons: [ruleReason('evict', '1234')],
  });

  test('deleted: entry dropped, UID remembered, rule counted, status refreshed after 10 s', () => {
    const { engine, statusQueue } = evictingSetup();
    statusQueue.length = 0;
    engine.evictionFinished(result('deleted', t0));
    expect(engine.pendingEviction(f.podWithClaimName)).toBeUndefined();
    expect(engine.wasEvicted(f.podUID)).toBe(true);
    expect(Object.fromEntries(engine.ruleStats())).toEqual({ '1234': 1 });
    expect(statusQueue).toEqual([['evict', 10 * S]]);
  });

  test('alreadyTerminating counts (upstream quirk); gone does not', () => {
    const a = evictingSetup();
    a.engine.evictionFinished(result('alreadyTerminating', t0));
    expect(Object.fromEntries(a.engine.ruleStats())).toEqual({ '1234': 1 });
    const b = evictingSetup();
    b.statusQueue.length = 0;
    b.engine.evictionFinished(result('gone', t0));
    expect(Object.fromEntries(b.engine.ruleStats())).toEqual({});
    expect(b.statusQueue).toEqual([]);
    expect(b.engine.pendingEviction(f.podWithClaimName)).toBeUndefined();
  });

  test('a newer schedule survives the result of an older one', () => {
    const { engine } = evictingSetup();
    engine.evictionFinished(result('deleted', t0 - 1));
    expect(engine.pendingEviction(f.podWithClaimName)?.fireAt).toBe(t0);
  });

  test('an evicted UID is not scheduled again', () => {
    const { engine, calls } = evictingSetup();
    engine.evictionFinished(result('deleted', t0));
    calls.length = 0;
    engine.claimUpdated(f.inUseClaim, { ...f.inUseClaim, resourceVersion: '9' });
    expect(calls).toEqual([]);
    expect(engine.pendingEviction(f.podWithClaimName)).toBeUndefined();
  });

  test('stats of a rule deleted meanwhile are not resurrected', () => {
    const { engine } = evictingSetup();
    engine.ruleDeleted(f.ruleEvict);
    engine.evictionFinished(result('deleted', t0));
    expect(Object.fromEntries(engine.ruleStats())).toEqual({});
  });
});

describe('bookkeeping', () => {
  test('pendingEvictions lists every entry for replaying a worker shard', () => {
    const { engine } = setup();
    engine.ruleAdded(f.ruleEvict);
    for (const [claim, pod] of [
      [f.inUseClaim, f.podWithClaimName],
      [f.inUseClaimOtherNamespace, f.podWithClaimNameOtherNamespace],
    ] as const) {
      engine.claimAdded(claim);
      engine.podAdded(pod);
    }
    expect([...engine.pendingEvictions()].map((e) => e.pod.uid).sort()).toEqual(['1234', '1234-2']);
  });

  test('a pod with a deletionTimestamp is no longer pending for the rule status', () => {
    const { engine } = setup();
    engine.claimAdded(f.inUseClaim);
    engine.podAdded(f.podWithClaimName);
    engine.ruleAdded(f.ruleEvict);
    expect(engine.ruleCondition('evict')?.reason).toBe('PodsPendingEviction');
    const terminating: PodRecord = { ...f.podWithClaimName, deletionTimestamp: t0, resourceVersion: '2' };
    engine.podUpdated(f.podWithClaimName, terminating);
    expect(engine.ruleCondition('evict')).toMatchObject({ reason: 'NotStarted', status: 'False', message: '' });
  });

  test('other effects report OtherEffect', () => {
    const { engine } = setup();
    engine.ruleAdded({ ...f.ruleEvict, taint: { ...f.ruleEvict.taint, effect: 'NoSchedule' } });
    expect(engine.ruleCondition('evict')).toMatchObject({
      reason: 'OtherEffect',
      message: 'Eviction only happens for the NoExecute effect.',
    });
    expect(engine.ruleCondition('missing')).toBeNull();
  });

  test('a rule replaced under the same name (new UID) is a delete plus an add', () => {
    const { engine, statusQueue } = setup();
    engine.claimAdded(f.inUseClaim);
    engine.podAdded(f.podWithClaimName);
    engine.ruleAdded(f.ruleEvict);
    statusQueue.length = 0;
    const replacement: RuleRecord = { ...f.ruleEvict, uid: 'new-uid' };
    engine.ruleUpdated(f.ruleEvict, replacement);
    expect(statusQueue[0]).toEqual(['evict', 0]);
    expect(engine.pendingEviction(f.podWithClaimName)?.reasons).toEqual([ruleReason('evict', 'new-uid')]);
  });

  test('a slice change on an unused device does not touch pods', () => {
    const { engine, calls } = setup();
    engine.sliceAdded(f.sliceTainted);
    engine.claimAdded(f.inUseClaim);
    engine.podAdded(f.podWithClaimName);
    calls.length = 0;
    engine.sliceUpdated(f.sliceTainted, f.sliceTaintedExtended);
    expect(calls).toEqual([]);
  });

  test('a rule on other devices does not re-schedule the pod', () => {
    const { engine, calls } = setup();
    engine.sliceAdded(f.sliceTainted);
    engine.claimAdded(f.inUseClaim);
    engine.podAdded(f.podWithClaimName);
    calls.length = 0;
    engine.ruleAdded({ ...f.ruleEvict, selector: { device: 'instance-no-execute' } });
    expect(calls).toEqual([]);
    expect(engine.pendingEviction(f.podWithClaimName)?.reasons).toEqual([
      sliceReason(f.driver, f.nodeName, f.sliceTainted.name, 'instance', 0),
    ]);
  });

  test('a device published by no slice is still tainted by a rule', () => {
    const { engine } = setup();
    engine.claimAdded(f.inUseClaim);
    engine.podAdded(f.podWithClaimName);
    engine.ruleAdded(f.ruleEvictOther);
    expect(engine.pendingEviction(f.podWithClaimName)?.fireAt).toBe(t0);
  });
});

describe('PodGroup claims (workloadClaims)', () => {
  const group: PodGroupRecord = {
    namespace: f.namespace,
    name: f.podGroupName,
    uid: f.podGroupUID,
    resourceVersion: '1',
    resourceClaims: [{ name: 'shared', resourceClaimName: f.claimName }],
  };
  const podUsingGroupClaim: PodRecord = {
    ...f.podWithPodGroup,
    resourceClaims: [
      { name: 'shared', resourceClaimName: null, resourceClaimTemplateName: null, podGroupResourceClaim: 'shared' },
    ],
  };

  test('a podGroupResourceClaim resolves through the PodGroup, in any order', () => {
    const { engine } = setup({ workloadClaims: true });
    engine.sliceAdded(f.sliceTainted);
    engine.claimAdded(f.inUseClaimByPodGroup);
    engine.podAdded(podUsingGroupClaim);
    expect(engine.pendingEviction(podUsingGroupClaim)).toBeUndefined(); // group unknown yet
    engine.podGroupAdded(group);
    expect(engine.pendingEviction(podUsingGroupClaim)?.fireAt).toBe(t0);
  });

  test('a re-created PodGroup (other UID) does not inherit the old reservation', () => {
    const { engine, calls } = setup({ workloadClaims: true });
    engine.sliceAdded(f.sliceTainted);
    engine.claimAdded(f.inUseClaimByPodGroup);
    engine.podAdded(f.podWithPodGroupClaim);
    expect(engine.pendingEviction(f.podWithPodGroupClaim)).toBeDefined();
    engine.podGroupAdded({ ...group, uid: 'recreated' });
    expect(engine.pendingEviction(f.podWithPodGroupClaim)).toBeUndefined();
    expect(calls.at(-1)).toEqual({ op: 'cancel', pod: expect.objectContaining({ uid: f.podUID }), emitEvent: true });
  });

  test('without the option PodGroup reservations are ignored', () => {
    const { engine } = setup({ workloadClaims: false });
    engine.sliceAdded(f.sliceTainted);
    engine.claimAdded(f.inUseClaimByPodGroup);
    engine.podAdded(f.podWithPodGroupClaim);
    expect(engine.pendingEviction(f.podWithPodGroupClaim)).toBeUndefined();
  });
});

describe('bursts (batch)', () => {
  test('a state that exists only inside a burst is never decided on: no schedule, no cancel', () => {
    const { engine, calls } = setup();
    engine.sliceAdded(f.slice);
    engine.claimAdded(f.inUseClaim);
    engine.podAdded(f.podWithClaimName);
    engine.batch(() => {
      engine.sliceUpdated(f.slice, f.sliceTainted);
      engine.sliceUpdated(f.sliceTainted, f.slice);
    });
    expect(calls).toEqual([]);
    // The same two events outside a burst: decided on each, evict-now then a cancellation.
    engine.sliceUpdated(f.slice, f.sliceTainted);
    engine.sliceUpdated(f.sliceTainted, f.slice);
    expect(calls.map((c) => c.op)).toEqual(['schedule', 'cancel']);
  });

  test('decides each pod once, at the end of the outermost burst, from the final state', () => {
    const { engine, calls } = setup();
    engine.batch(() => {
      engine.sliceAdded(f.sliceTainted);
      engine.claimAdded(f.inUseClaim);
      engine.batch(() => engine.podAdded(f.podWithClaimName));
      expect(calls).toEqual([]);
      engine.claimDeleted(f.inUseClaim);
      engine.claimAdded(f.inUseClaimWithToleration);
    });
    expect(calls).toEqual([
      {
        op: 'schedule',
        pod: { namespace: 'default', name: 'my-pod', uid: f.podWithClaimName.uid },
        fireAt: t0 + 3_600 * S,
        reasons: expect.any(Array),
      },
    ]);
  });

  test('a pod deleted during the burst is not decided on afterwards', () => {
    const { engine, calls } = setup();
    engine.sliceAdded(f.sliceTainted);
    engine.claimAdded(f.inUseClaim);
    engine.batch(() => {
      engine.podAdded(f.podWithClaimName);
      engine.podDeleted(f.podWithClaimName);
    });
    expect(calls).toEqual([]);
    expect(engine.pendingCount).toBe(0);
  });

  test('ends in the same state as the events one by one, for every order of a scenario', () => {
    const events: (() => (e: EvictionEngine) => void)[] = [
      () => (e) => e.sliceAdded(f.sliceTainted),
      () => (e) => e.claimAdded(f.inUseClaim),
      () => (e) => e.podAdded(f.podWithClaimName),
      () => (e) => e.ruleAdded(f.ruleEvict),
    ];
    const permutations = (xs: number[]): number[][] =>
      xs.length <= 1
        ? [xs]
        : xs.flatMap((x, i) => permutations([...xs.slice(0, i), ...xs.slice(i + 1)]).map((p) => [x, ...p]));
    for (const order of permutations([0, 1, 2, 3])) {
      const one = setup();
      for (const i of order) events[i]!()(one.engine);
      const burst = setup();
      burst.engine.batch(() => {
        for (const i of order) events[i]!()(burst.engine);
      });
      expect([...burst.engine.pendingEvictions()]).toEqual([...one.engine.pendingEvictions()]);
      // One decision for the pod, the final one.
      expect(burst.calls).toEqual([one.calls.filter((c) => c.op === 'schedule').at(-1)]);
    }
  });
});
