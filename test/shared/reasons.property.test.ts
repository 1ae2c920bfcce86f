// Reason ids: round trips through build/parse, and the order of docs/behaviour.md §2.5 (rules first by name,
// then slice taints by driver, pool, device, taint index).

import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import {
  compareReasons,
  mergeReasons,
  type ParsedReason,
  parseReason,
  ruleOfReason,
  ruleReason,
  sliceReason,
} from '../../src/shared/reasons.js';

const label = fc.stringMatching(/^[a-z0-9]([a-z0-9-]{0,6}[a-z0-9])?$/);
const subdomain = fc.array(label, { minLength: 1, maxLength: 3 }).map((p) => p.join('.'));
const poolName = fc.array(subdomain, { minLength: 1, maxLength: 3 }).map((p) => p.join('/'));
const uid = fc.uuid();

const ruleArb = fc.record({ kind: fc.constant('rule' as const), ruleName: subdomain, ruleUid: uid });
const sliceArb = fc.record({
  kind: fc.constant('slice' as const),
  driver: subdomain,
  pool: poolName,
  sliceName: subdomain,
  device: label,
  taintIndex: fc.integer({ min: 0, max: 15 }),
});
const parsedArb: fc.Arbitrary<ParsedReason> = fc.oneof(ruleArb, sliceArb);

const build = (p: ParsedReason): string =>
  p.kind === 'rule'
    ? ruleReason(p.ruleName, p.ruleUid)
    : sliceReason(p.driver, p.pool, p.sliceName, p.device, p.taintIndex);

/** The spec's order as a tuple comparison (ties broken by slice name, then text, for a total order). */
function oracleCompare(a: ParsedReason, b: ParsedReason): number {
  const tuple = (p: ParsedReason): (string | number)[] =>
    p.kind === 'rule'
      ? [0, p.ruleName, p.ruleUid, '', 0, '']
      : [1, p.driver, p.pool, p.device, p.taintIndex, p.sliceName];
  const ta = tuple(a);
  const tb = tuple(b);
  for (let i = 0; i < ta.length; i++) {
    const x = ta[i]!;
    const y = tb[i]!;
    if (x < y) return -1;
    if (x > y) return 1;
  }
  return 0;
}

describe('reason ids', () => {
  test('parse(build(x)) === x, including pool names with slashes', () => {
    fc.assert(
      fc.property(parsedArb, (p) => {
        expect(parseReason(build(p))).toEqual(p);
      }),
    );
  });

  test('ruleOfReason only answers for rule reasons', () => {
    expect(ruleOfReason(ruleReason('evict', '1234'))).toEqual({ kind: 'rule', ruleName: 'evict', ruleUid: '1234' });
    expect(ruleOfReason(sliceReason('d', 'p', 's', 'dev', 0))).toBeNull();
    expect(parseReason('garbage')).toBeNull();
    expect(parseReason('slice:d/p#x')).toBeNull();
    expect(parseReason('rule:nouid')).toBeNull();
  });

  test('sorting agrees with the spec order', () => {
    fc.assert(
      fc.property(fc.array(parsedArb, { maxLength: 12 }), (items) => {
        const byImpl = items.map(build).sort(compareReasons);
        const byOracle = [...items].sort((a, b) => oracleCompare(a, b) || (build(a) < build(b) ? -1 : 1)).map(build);
        expect(byImpl).toEqual(byOracle);
      }),
    );
  });

  test('rule reasons sort before slice reasons; slice taints by device then index', () => {
    const ids = [
      sliceReason('d', 'p', 's', 'b', 0),
      sliceReason('d', 'p', 's', 'a', 1),
      ruleReason('z', '1'),
      sliceReason('d', 'p', 's', 'a', 0),
      ruleReason('a', '2'),
    ];
    expect(ids.sort(compareReasons)).toEqual([
      ruleReason('a', '2'),
      ruleReason('z', '1'),
      sliceReason('d', 'p', 's', 'a', 0),
      sliceReason('d', 'p', 's', 'a', 1),
      sliceReason('d', 'p', 's', 'b', 0),
    ]);
  });

  test('merge of sorted lists is the sorted union without duplicates', () => {
    fc.assert(
      fc.property(fc.array(parsedArb, { maxLength: 8 }), fc.array(parsedArb, { maxLength: 8 }), (a, b) => {
        const sa = [...new Set(a.map(build))].sort(compareReasons);
        const sb = [...new Set(b.map(build))].sort(compareReasons);
        expect(mergeReasons(sa, sb)).toEqual([...new Set([...sa, ...sb])].sort(compareReasons));
      }),
    );
  });
});
