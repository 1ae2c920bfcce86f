// Property tests: toleration matching and per-taint eviction time against brute-force oracles written
// straight from the words of docs/behaviour.md §2.4/§2.5, independently of the implementation.

import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { evictionsEqual, makeEviction, mergeEvictions, taintEvictionTime } from '../../src/shared/evictionTime.js';
import { evictionTolerationMatches, tolerationMatchesTaint } from '../../src/shared/tolerations.js';
import type { DeviceTaint, DeviceToleration } from '../../src/shared/types.js';

const keys = fc.constantFrom('', 'example.com/taint', 'example.com/other', 'Example.com/taint');
const values = fc.constantFrom('', 'something', 'other', 'Something');
const effects = fc.constantFrom('', 'NoExecute', 'NoSchedule', 'None', 'noexecute', 'unknown-effect');
const operators = fc.constantFrom('', 'Equal', 'Exists', 'exists', 'In', 'NotEqual', 'garbage');
const seconds = fc.oneof(fc.constant(null), fc.constant(0), fc.integer({ min: -1_000, max: 1_000_000 }));
const times = fc.oneof(fc.constant(null), fc.integer({ min: 0, max: 4_102_444_800_000 }));

const taintArb: fc.Arbitrary<DeviceTaint> = fc.record({ key: keys, value: values, effect: effects, timeAdded: times });
const tolerationArb: fc.Arbitrary<DeviceToleration> = fc.record({
  key: keys,
  operator: operators,
  value: values,
  effect: effects,
  tolerationSeconds: seconds,
});

// ---- Oracles, from the spec text ----

/** §2.4 "same rules as node taints". */
function oracleGenericMatch(tol: DeviceToleration, taint: DeviceTaint): boolean {
  const effectOk = tol.effect === '' || tol.effect === taint.effect;
  const keyOk = tol.key === '' || tol.key === taint.key;
  let valueOk = false;
  if (tol.operator === '' || tol.operator === 'Equal') valueOk = tol.value === taint.value;
  else if (tol.operator === 'Exists') valueOk = true;
  return effectOk && keyOk && valueOk;
}

/** §2.4 "only considers tolerations whose effect is literally NoExecute". */
const oracleEvictionMatch = (tol: DeviceToleration, taint: DeviceTaint): boolean =>
  tol.effect === 'NoExecute' && oracleGenericMatch(tol, taint);

/** §2.5 per taint, with the documented fallback for a missing timeAdded. */
function oracleEvictionTime(taint: DeviceTaint, tols: DeviceToleration[], firstSeen: number): number | null {
  const matching = tols.filter((t) => oracleEvictionMatch(t, taint));
  const origin = taint.timeAdded === null ? firstSeen : taint.timeAdded;
  if (matching.some((t) => t.tolerationSeconds === null)) return null; // any forever wins
  if (matching.length === 0) return origin;
  let min = Number.POSITIVE_INFINITY;
  for (const t of matching) {
    const s = t.tolerationSeconds === null || t.tolerationSeconds < 0 ? 0 : t.tolerationSeconds;
    if (s < min) min = s;
  }
  return origin + min * 1000;
}

describe('toleration matching', () => {
  test('generic matcher equals the node-taint rules', () => {
    fc.assert(
      fc.property(tolerationArb, taintArb, (tol, taint) => {
        expect(tolerationMatchesTaint(tol, taint)).toBe(oracleGenericMatch(tol, taint));
      }),
      { numRuns: 5000 },
    );
  });

  test('eviction matcher ignores every toleration whose effect is not literally NoExecute', () => {
    fc.assert(
      fc.property(tolerationArb, taintArb, (tol, taint) => {
        expect(evictionTolerationMatches(tol, taint)).toBe(oracleEvictionMatch(tol, taint));
      }),
      { numRuns: 5000 },
    );
  });

  test('an empty-effect toleration matches generically but never for eviction', () => {
    const taint: DeviceTaint = { key: 'k', value: 'v', effect: 'NoExecute', timeAdded: 0 };
    const tol: DeviceToleration = { key: 'k', operator: 'Exists', value: '', effect: '', tolerationSeconds: null };
    expect(tolerationMatchesTaint(tol, taint)).toBe(true);
    expect(evictionTolerationMatches(tol, taint)).toBe(false);
  });
});

describe('eviction time per taint', () => {
  test('equals the oracle on random taints and tolerations', () => {
    fc.assert(
      fc.property(
        taintArb,
        fc.array(tolerationArb, { maxLength: 6 }),
        fc.integer({ min: 0, max: 4_102_444_800_000 }),
        (taint, tols, firstSeen) => {
          expect(taintEvictionTime(taint, tols, firstSeen)).toBe(oracleEvictionTime(taint, tols, firstSeen));
        },
      ),
      { numRuns: 5000 },
    );
  });

  test('a forever toleration wins even next to a finite one; negatives clamp to zero', () => {
    const taint: DeviceTaint = { key: 'k', value: 'v', effect: 'NoExecute', timeAdded: 1_000 };
    const exists = (s: number | null): DeviceToleration => ({
      key: '',
      operator: 'Exists',
      value: '',
      effect: 'NoExecute',
      tolerationSeconds: s,
    });
    expect(taintEvictionTime(taint, [exists(60), exists(null)], 0)).toBeNull();
    expect(taintEvictionTime(taint, [exists(60), exists(-5)], 0)).toBe(1_000);
    expect(taintEvictionTime(taint, [exists(60), exists(30)], 0)).toBe(31_000);
    expect(taintEvictionTime(taint, [], 0)).toBe(1_000);
  });

  test('a missing timeAdded uses the caller-supplied first-seen time instead of crashing', () => {
    const taint: DeviceTaint = { key: 'k', value: '', effect: 'NoExecute', timeAdded: null };
    const tol: DeviceToleration = {
      key: 'k',
      operator: 'Exists',
      value: '',
      effect: 'NoExecute',
      tolerationSeconds: 60,
    };
    expect(taintEvictionTime(taint, [], 5_000)).toBe(5_000);
    expect(taintEvictionTime(taint, [tol], 5_000)).toBe(65_000);
  });
});

describe('combining evictions', () => {
  const reasonArb = fc.constantFrom(
    'rule:a:1',
    'rule:b:2',
    'slice:d/p/s/dev0#0',
    'slice:d/p/s/dev0#1',
    'slice:d/p/s/dev1#0',
    'slice:e/p/s/dev0#0',
  );
  const evictionArb = fc.option(
    fc
      .record({ when: fc.integer({ min: 0, max: 1e6 }), reasons: fc.array(reasonArb, { maxLength: 6 }) })
      .map((e) => makeEviction(e.when, e.reasons)),
    { nil: null },
  );

  test('merge is the earlier time and the sorted union, independent of argument order', () => {
    fc.assert(
      fc.property(evictionArb, evictionArb, (a, b) => {
        const ab = mergeEvictions(a, b);
        const ba = mergeEvictions(b, a);
        expect(evictionsEqual(ab, ba) || (ab === null && ba === null)).toBe(true);
        if (a === null || b === null) {
          expect(ab).toBe(a ?? b);
          return;
        }
        expect(ab?.when).toBe(Math.min(a.when, b.when));
        expect(ab?.reasons).toEqual(makeEviction(0, [...a.reasons, ...b.reasons]).reasons);
      }),
    );
  });
});
