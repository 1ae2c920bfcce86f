import { describe, expect, test } from 'vitest';
import { EvictionInterner, ReasonRulesCache } from '../../../src/main/engine/evictionIntern.js';
import { makeEviction } from '../../../src/shared/evictionTime.js';
import { ruleReason, sliceReason } from '../../../src/shared/reasons.js';

const ruleA = ruleReason('a', 'uid-a');
const ruleB = ruleReason('b', 'uid-b');
const slice = sliceReason('d', 'p', 's', 'dev', 0);

describe('EvictionInterner', () => {
  test('equal single-reason results are one frozen object, different ones are not', () => {
    const interner = new EvictionInterner();
    const first = interner.eviction(1000, [ruleA]);
    expect(interner.eviction(1000, [`rule:a:${'uid-a'}`])).toBe(first);
    expect(interner.eviction(2000, [ruleA])).not.toBe(first);
    expect(interner.eviction(1000, [ruleB])).not.toBe(first);
    expect(first).toEqual({ when: 1000, reasons: [ruleA] });
    expect(Object.isFrozen(first)).toBe(true);
    expect(Object.isFrozen(first.reasons)).toBe(true);
  });

  test('the caller may reuse its reasons array afterwards', () => {
    const interner = new EvictionInterner();
    const scratch = [ruleA];
    const e = interner.eviction(5, scratch);
    scratch[0] = ruleB;
    expect(e.reasons).toEqual([ruleA]);
  });

  test('several reasons are sorted and de-duplicated like makeEviction', () => {
    const interner = new EvictionInterner();
    const reasons = [slice, ruleB, ruleA, ruleB];
    expect(interner.eviction(7, reasons)).toEqual(makeEviction(7, reasons));
  });
});

describe('ReasonRulesCache', () => {
  test('rule names in reason order, distinct UIDs, slices skipped, one result per array', () => {
    const cache = new ReasonRulesCache();
    const reasons = [ruleReason('a', 'same'), ruleReason('b', 'same'), slice];
    const rules = cache.of(reasons);
    expect(rules).toEqual({ names: ['a', 'b'], uids: ['same'] });
    expect(cache.of(reasons)).toBe(rules);
    expect(cache.of([slice])).toEqual({ names: [], uids: [] });
  });
});
