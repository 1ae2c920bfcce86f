// Bounded map that forgets the least recently used key, like the groupcache `lru.Cache` client-go's
// event correlator keeps its records in: a `get` or `set` makes a key the most recent.

export class LruMap<K, V> {
  // Map iteration order is insertion order: re-inserting on use keeps the least recent first.
  private readonly items = new Map<K, V>();

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1)
      throw new RangeError(`LruMap capacity must be ≥ 1, got ${capacity}`);
  }

  get(key: K): V | undefined {
    const value = this.items.get(key);
    if (value === undefined) return undefined;
    this.items.delete(key);
    this.items.set(key, value);
    return value;
  }

  set(key: K, value: V): void {
    this.items.delete(key);
    this.items.set(key, value);
    if (this.items.size > this.capacity) {
      const oldest = this.items.keys().next();
      if (!oldest.done) this.items.delete(oldest.value);
    }
  }

  get size(): number {
    return this.items.size;
  }
}
