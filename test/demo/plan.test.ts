// The demo's plan: which pods sit where, tolerate what, and when each is due.

import { describe, expect, test } from 'vitest';
import { demoPlan, podsOn } from '../../src/demo/plan.js';

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
