// deletePodAt is keyed by UID; two different pods sharing a UID (synthetic data) must stay apart.

import { describe, expect, test } from 'vitest';
import { PendingEvictions } from '../../../src/main/engine/pendingEvictions.js';
import type { PodRef } from '../../../src/shared/types.js';

interface Entry {
  readonly pod: PodRef;
  readonly fireAt: number;
}

const pod = (name: string, uid: string, namespace = 'ns'): PodRef => ({ namespace, name, uid });

describe('PendingEvictions', () => {
  test('one entry per incarnation, replaced in place', () => {
    const pending = new PendingEvictions<Entry>();
    pending.set({ pod: pod('a', 'u1'), fireAt: 1 });
    pending.set({ pod: pod('a', 'u1'), fireAt: 2 });
    pending.set({ pod: pod('a', 'u2'), fireAt: 3 });
    expect(pending.size).toBe(2);
    expect(pending.get(pod('a', 'u1'))?.fireAt).toBe(2);
    expect(pending.get(pod('a', 'u2'))?.fireAt).toBe(3);
    expect(pending.get(pod('a', 'u3'))).toBeUndefined();
    pending.delete(pod('a', 'u1'));
    expect([...pending.values()].map((e) => e.fireAt)).toEqual([3]);
  });

  test('different pods with one UID never alias, whatever the order of updates', () => {
    const pending = new PendingEvictions<Entry>();
    const first = pod('a', 'same');
    const second = pod('b', 'same');
    const third = pod('a', 'same', 'other-ns');
    pending.set({ pod: first, fireAt: 1 });
    pending.set({ pod: second, fireAt: 2 });
    pending.set({ pod: third, fireAt: 3 });
    expect(pending.size).toBe(3);
    expect([pending.get(first)?.fireAt, pending.get(second)?.fireAt, pending.get(third)?.fireAt]).toEqual([1, 2, 3]);

    // The UID's slot frees up; the waiting incarnations stay reachable, and re-setting one moves it.
    pending.delete(first);
    expect(pending.get(first)).toBeUndefined();
    expect(pending.get(second)?.fireAt).toBe(2);
    pending.set({ pod: second, fireAt: 4 });
    expect(pending.size).toBe(2);
    expect(pending.get(second)?.fireAt).toBe(4);
    expect([...pending.values()].map((e) => e.fireAt).sort()).toEqual([3, 4]);
    pending.delete(third);
    pending.delete(second);
    expect(pending.size).toBe(0);
    expect([...pending.values()]).toEqual([]);
  });
});
