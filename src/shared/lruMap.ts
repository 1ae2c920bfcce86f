// Bounded map that forgets the least recently used key, like the groupcache `lru.Cache` client-go's
// event correlator keeps its records in: a `get` or `set` makes a key the most recent; `has` only looks.

export class LruMap<K, V> {
  // Map iteration order is insertion order: re-inserting on use keeps the least recent first.
  private readonly items = new Map<K, V>();

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`LRU capacity must be ≥ 1, got ${capacity}`);
  }

  get(key: K): V | undefined {
    const value = this.items.get(key);
    if (value === undefined) return undefined;
    this.items.delete(key);
    this.items.set(key, value);
    return value;
  }

  /** Whether `key` is held, without making it more recent. */
  has(key: K): boolean {
    return this.items.has(key);
  }

  set(key: K, value: V): void {
    this.items.delete(key);
    this.items.set(key, value);
    if (this.items.size > this.capacity) {
      const oldest = this.items.keys().next();
      if (!oldest.done) this.items.delete(oldest.value);
    }
  }

  delete(key: K): boolean {
    return this.items.delete(key);
  }

  get size(): number {
    return this.items.size;
  }
}
