import { describe, expect, test } from 'vitest';
import { PendingByRule } from '../../../src/main/engine/pendingByRule.js';

describe('PendingByRule', () => {
  test('counts pods and distinct namespaces per rule; remove undoes add', () => {
    const pending = new PendingByRule();
    pending.add('ns-a', ['r1', 'r2']);
    pending.add('ns-a', ['r1']);
    pending.add('ns-b', ['r1']);
    expect(pending.counts('r1')).toEqual({ pods: 3, namespaces: 2 });
    expect(pending.counts('r2')).toEqual({ pods: 1, namespaces: 1 });
    pending.remove('ns-a', ['r1']);
    expect(pending.counts('r1')).toEqual({ pods: 2, namespaces: 2 });
    pending.remove('ns-b', ['r1']);
    expect(pending.counts('r1')).toEqual({ pods: 1, namespaces: 1 });
    pending.remove('ns-a', ['r1', 'r2']);
    expect(pending.counts('r1')).toEqual({ pods: 0, namespaces: 0 });
    expect(pending.counts('r2')).toEqual({ pods: 0, namespaces: 0 });
  });
});
