// "What the brakes would do": the controller's admission (global rate, per-rule rates, breaker) run
// over pending evictions in virtual time, the breaker's limit held to the controller keeper's, and how
// `explain` reports it.

import { describe, expect, test } from 'vitest';
import { BreakerKeeper } from '../../../src/main/app/breakerKeeper.js';
import { breakerLimit, NO_BRAKES, simulateStarts } from '../../../src/main/explain/brakes.js';
import { explainPod } from '../../../src/main/explain/podExplanation.js';
import { explainRule } from '../../../src/main/explain/ruleExplanation.js';
import type { PendingEviction } from '../../../src/shared/decisions.js';
import { EvictionBreaker } from '../../../src/shared/evictionBreaker.js';
import { silentLogger } from '../../../src/shared/logger.js';
import { ruleReason } from '../../../src/shared/reasons.js';
import { podUidKey } from '../../../src/shared/types.js';
import { DRIVER, inputOf, nodeSlice, rule, S, snapshotOf, T0, workload } from './world.js';

const pending = (name: string, fireAt: number, reasons: string[] = []): PendingEviction => ({
  pod: { namespace: 'ns', name, uid: `uid-${name}` },
  fireAt,
  reasons,
});

const startsOf = (result: ReturnType<typeof simulateStarts>, items: readonly PendingEviction[]) =>
  items.map((p) => {
    const s = result.get(podUidKey(p.pod))!;
    return s.startAt === null ? 'held' : (s.startAt - T0) / S;
  });

describe('simulateStarts', () => {
  test('no brakes: every eviction starts when due', () => {
    const items = [pending('a', T0), pending('b', T0 + 5 * S)];
    const r = simulateStarts(items, {
      now: T0,
      flags: NO_BRAKES,
      breakerOpen: false,
      breakerLimit: null,
      ruleRates: new Map(),
    });
    expect(startsOf(r, items)).toEqual([0, 5]);
  });

  test('a global rate of 2/s, burst 1, spreads five due evictions 500 ms apart', () => {
    const items = ['a', 'b', 'c', 'd', 'e'].map((n) => pending(n, T0));
    const flags = { ...NO_BRAKES, maxEvictionsPerSecond: 2, maxEvictionsBurst: 1 };
    const r = simulateStarts(items, { now: T0, flags, breakerOpen: false, breakerLimit: null, ruleRates: new Map() });
    expect(startsOf(r, items)).toEqual([0, 0.5, 1, 1.5, 2]);
    expect([...r.get(podUidKey(items[4]!.pod))!.delayedBy]).toEqual(['global']);
  });

  test('a rule at 1 per minute delays only its own evictions', () => {
    const limited = ruleReason('drain', 'uid-drain');
    const items = [
      pending('a1', T0, [limited]),
      pending('a2', T0, [limited]),
      pending('a3', T0, [limited]),
      pending('b', T0),
    ];
    const r = simulateStarts(items, {
      now: T0,
      flags: NO_BRAKES,
      breakerOpen: false,
      breakerLimit: null,
      ruleRates: new Map([['uid-drain', 1]]),
    });
    expect(startsOf(r, items)).toEqual([0, 60, 120, 0]);
  });

  test('the breaker holds everything past its limit, and everything while it is open', () => {
    const items = ['a', 'b', 'c'].map((n, i) => pending(n, T0 + i * S));
    const limited = simulateStarts(items, {
      now: T0,
      flags: NO_BRAKES,
      breakerOpen: false,
      breakerLimit: 2,
      ruleRates: new Map(),
    });
    expect(startsOf(limited, items)).toEqual([0, 1, 'held']);
    const open = simulateStarts(items, {
      now: T0,
      flags: NO_BRAKES,
      breakerOpen: true,
      breakerLimit: null,
      ruleRates: new Map(),
    });
    expect(startsOf(open, items)).toEqual(['held', 'held', 'held']);
  });
});

describe('brake inputs', () => {
  test('the breaker limit: the lower of the count and the percentage, a percentage allowing at least one', () => {
    expect(breakerLimit(NO_BRAKES, 100)).toEqual({ limit: null, basis: 'no limit given' });
    expect(breakerLimit({ ...NO_BRAKES, breakerMaxEvictions: 50 }, 100).limit).toBe(50);
    expect(breakerLimit({ ...NO_BRAKES, breakerMaxPercent: 10 }, 300)).toEqual({
      limit: 30,
      basis: '10% of 300 pods using ResourceClaims',
    });
    expect(breakerLimit({ ...NO_BRAKES, breakerMaxEvictions: 20, breakerMaxPercent: 10 }, 300).limit).toBe(20);
    expect(breakerLimit({ ...NO_BRAKES, breakerMaxPercent: 10 }, 3).limit).toBe(1);
  });

  test('… is the controller keeper’s limit, for every combination', () => {
    const keeperLimit = (maxEvictions: number | null, maxPercent: number | null, pods: number): number | null =>
      new BreakerKeeper({
        breaker: new EvictionBreaker(EvictionBreaker.createSpec(600_000, T0)),
        limits: { maxEvictions, maxPercent, autoResetAfterMs: null },
        podsUsingClaims: () => pods,
        // Not used to compute the limit.
        store: {} as never,
        clock: {} as never,
        log: silentLogger,
        mayWrite: () => false,
        held: () => {
          throw new Error('not used');
        },
        announce: async () => {},
      }).limit();
    for (const maxEvictions of [null, 1, 7, 1000])
      for (const maxPercent of [null, 0.5, 10, 100])
        for (const pods of [0, 3, 150, 150_000])
          expect(
            breakerLimit({ ...NO_BRAKES, breakerMaxEvictions: maxEvictions, breakerMaxPercent: maxPercent }, pods)
              .limit,
          ).toBe(keeperLimit(maxEvictions, maxPercent, pods));
  });
});

describe('explain reports the brakes', () => {
  const workloads = [0, 1, 2, 3].map((i) => workload('team-a', `p${i}`, 'node-1', `gpu-${i}`));
  const drain = rule('drain-node-1', {
    selector: { driver: DRIVER, pool: 'node-1' },
    startLimit: { perMinute: 2, invalid: null },
  });
  const snapshot = snapshotOf({
    workloads,
    slices: [nodeSlice('node-1', ['gpu-0', 'gpu-1', 'gpu-2', 'gpu-3'])],
    rules: [drain],
  });

  test('a rule with the annotation: at most N per minute, so its 4th pod starts no earlier than 90 s later', () => {
    const e = explainRule(inputOf(snapshot), 'drain-node-1');
    expect(e.rule.maxEvictionsPerMinute).toBe(2);
    expect(e.brakes.ruleRates).toEqual([{ rule: 'drain-node-1', perMinute: 2 }]);
    const starts = e.evictions.byNamespace[0]!.pods.map((p) => p.start?.inSeconds).sort((a, b) => (a ?? 0) - (b ?? 0));
    expect(starts).toEqual([0, 30, 60, 90]);
    expect(e.brakes.summary).toContain('rule drain-node-1: at most 2 evictions per minute start (annotation)');
    expect(e.brakes.summary.at(-1)).toBe(
      'rule drain-node-1: at most 2 per minute, so the 4th of its 4 evictions to start starts no earlier than 2025-01-01T10:01:30Z (in 1 min 30 s)',
    );
  });

  test('explain pod: the breaker state from the cluster, and the pod’s estimated start', () => {
    const open = {
      ...snapshot,
      breaker: {
        state: 'open' as const,
        configMap: 'kube-system/device-taint-evictor-breaker',
        recorded: true,
        openedAt: T0 - 60 * S,
        reason: 'starting one more eviction would exceed 10 evictions in 600 s',
      },
    };
    const e = explainPod(inputOf(open), 'team-a', 'p0');
    expect(e.brakes.breaker).toMatchObject({ state: 'open', openedAt: '2025-01-01T09:59:00Z', limit: null });
    expect(e.brakes.start).toMatchObject({ heldByBreaker: true, startAt: null });
    expect(e.brakes.summary[0]).toMatch(
      /^breaker: OPEN since 2025-01-01T09:59:00Z .*no eviction starts until it is reset/,
    );
    const unknown = {
      ...snapshot,
      breaker: {
        state: 'unknown' as const,
        configMap: 'kube-system/device-taint-evictor-breaker',
        error: 'HTTP 403 Forbidden: no',
      },
    };
    const e2 = explainPod(inputOf(unknown, T0, { brakes: { ...NO_BRAKES, breakerMaxPercent: 50 } }), 'team-a', 'p0');
    expect(e2.brakes.breaker).toMatchObject({ state: 'unknown', error: 'HTTP 403 Forbidden: no', limit: 2 });
    expect(e2.brakes.summary[1]).toBe(
      'breaker limit: 2 evictions per 10 min (50% of 4 pods using ResourceClaims); opens at the next one',
    );
  });

  test('an annotation that is not a number: the controller’s most cautious reading, and a line saying so', () => {
    const typo = { ...snapshot, rules: [{ ...drain, startLimit: { perMinute: 1, invalid: 'ten' } }] };
    const e = explainRule(inputOf(typo), 'drain-node-1');
    expect(e.rule.maxEvictionsPerMinute).toBe(1);
    expect(e.brakes.summary).toContain(
      'rule drain-node-1: its annotation "ten" is not a positive number: the controller uses the most cautious 1 per minute',
    );
  });
});
