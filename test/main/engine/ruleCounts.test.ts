// The counts behind a rule's status: pending pods per rule and namespace follow the pending entries
// (a terminating pod is not pending), and evicted pods are counted until the rule goes.

import { describe, expect, it } from 'vitest';
import { ReasonRulesCache } from '../../../src/main/engine/evictionIntern.js';
import { RuleCounts } from '../../../src/main/engine/ruleCounts.js';
import type { PendingEviction } from '../../../src/shared/decisions.js';
import { ruleReason, sliceReason } from '../../../src/shared/reasons.js';

const A = ruleReason('a', 'a-uid');
const B = ruleReason('b', 'b-uid');
const SLICE = sliceReason('d', 'p', 's', 'gpu-0', 0);
const entry = (name: string, namespace: string, reasons: string[]): PendingEviction => ({
  pod: { namespace, name, uid: `${name}-uid` },
  fireAt: 0,
  reasons,
});

describe('RuleCounts', () => {
  it('counts a pending pod under every rule among its reasons, per namespace', () => {
    const rules = new ReasonRulesCache();
    const counts = new RuleCounts(rules);
    const p1 = entry('p1', 'ns-1', [A, B, SLICE]);
    const p2 = entry('p2', 'ns-2', [A]);
    counts.recount(undefined, p1, rules.of(p1.reasons).uids, false);
    counts.recount(undefined, p2, rules.of(p2.reasons).uids, false);
    expect(counts.pending('a-uid')).toEqual({ pods: 2, namespaces: 2 });
    expect(counts.pending('b-uid')).toEqual({ pods: 1, namespaces: 1 });
    // p1 loses rule b: moved, not double counted.
    const p1b = entry('p1', 'ns-1', [A]);
    counts.recount(p1, p1b, rules.of(p1b.reasons).uids, false);
    expect(counts.pending('a-uid')).toEqual({ pods: 2, namespaces: 2 });
    expect(counts.pending('b-uid')).toEqual({ pods: 0, namespaces: 0 });
    counts.uncount(p2);
    expect(counts.pending('a-uid')).toEqual({ pods: 1, namespaces: 1 });
  });

  it('holds a terminating pod aside until it is pending again or gone', () => {
    const rules = new ReasonRulesCache();
    const counts = new RuleCounts(rules);
    const p = entry('p', 'ns', [A]);
    counts.recount(undefined, p, rules.of(p.reasons).uids, false);
    const terminating = { ...p };
    counts.recount(p, terminating, rules.of(p.reasons).uids, true);
    expect(counts.pending('a-uid').pods).toBe(0);
    counts.uncount(terminating);
    expect(counts.pending('a-uid').pods).toBe(0);
    const back = { ...p };
    counts.recount(undefined, terminating, rules.of(p.reasons).uids, true);
    counts.recount(terminating, back, rules.of(p.reasons).uids, false);
    expect(counts.pending('a-uid').pods).toBe(1);
  });

  it('counts evictions per rule until the rule is forgotten', () => {
    const counts = new RuleCounts(new ReasonRulesCache());
    counts.countEviction('a-uid');
    counts.countEviction('a-uid');
    expect(counts.evicted('a-uid')).toBe(2);
    expect([...counts.evictedCounts]).toEqual([['a-uid', 2]]);
    counts.forgetRule('a-uid');
    expect(counts.evicted('a-uid')).toBe(0);
  });
});
