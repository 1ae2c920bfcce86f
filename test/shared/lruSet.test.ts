// The evicted-UID cache: bounded, the least recently added goes first, and adding again refreshes.

import { describe, expect, it } from 'vitest';
import { LruSet } from '../../src/shared/lruSet.js';

describe('LruSet', () => {
  it('drops the least recently added item beyond its capacity', () => {
    const set = new LruSet<string>(2);
    set.add('a');
    set.add('b');
    set.add('c');
    expect([set.has('a'), set.has('b'), set.has('c')]).toEqual([false, true, true]);
    expect(set.size).toBe(2);
  });

  it('treats adding again as the newest, so a busy item survives', () => {
    const set = new LruSet<string>(2);
    set.add('a');
    set.add('b');
    set.add('a');
    set.add('c');
    expect([set.has('a'), set.has('b'), set.has('c')]).toEqual([true, false, true]);
    expect(set.delete('a')).toBe(true);
    expect(set.delete('a')).toBe(false);
  });

  it('holds upstream’s 500 UIDs and rejects a capacity below one', () => {
    const set = new LruSet<number>(500);
    for (let i = 0; i < 501; i++) set.add(i);
    expect(set.has(0)).toBe(false);
    expect(set.has(1)).toBe(true);
    expect(() => new LruSet(0)).toThrow(RangeError);
    expect(() => new LruSet(1.5)).toThrow(RangeError);
  });
});
