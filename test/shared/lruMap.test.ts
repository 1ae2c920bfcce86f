// The LRU map behind the event correlator: a get or set makes a key the most recent; past capacity the
// least recent goes.

import { describe, expect, it } from 'vitest';
import { LruMap } from '../../src/shared/lruMap.js';

describe('LruMap', () => {
  it('forgets the least recently used key, where reading a key counts as using it', () => {
    const m = new LruMap<string, number>(2);
    m.set('a', 1);
    m.set('b', 2);
    expect(m.get('a')).toBe(1);
    m.set('c', 3);
    expect(m.get('b')).toBeUndefined();
    expect(m.get('a')).toBe(1);
    expect(m.get('c')).toBe(3);
    expect(m.size).toBe(2);
    // Setting an existing key replaces its value and makes it the most recent.
    m.set('a', 10);
    m.set('d', 4);
    expect(m.get('c')).toBeUndefined();
    expect(m.get('a')).toBe(10);
  });

  it('has() only looks: the key it finds is not made more recent', () => {
    const m = new LruMap<string, number>(2);
    m.set('a', 1);
    m.set('b', 2);
    expect(m.has('a')).toBe(true);
    m.set('c', 3);
    expect(m.has('a')).toBe(false);
    expect(m.delete('b')).toBe(true);
    expect(m.size).toBe(1);
  });

  it('refuses a capacity below one', () => {
    expect(() => new LruMap(0)).toThrow(RangeError);
    expect(() => new LruMap(1.5)).toThrow(RangeError);
  });
});
