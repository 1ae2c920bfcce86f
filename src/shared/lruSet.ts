// Bounded set with least-recently-added eviction. Used for `evictedPods` (docs/behaviour.md §2.1: capacity 500):
// remembers pod UIDs that were already evicted so a pod queued twice under rapid informer events
// costs no second round of API calls.

export class LruSet<T> {
  // Map iteration order is insertion order, so the first key is the oldest.
  private readonly items = new Map<T, true>();

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1)
      throw new RangeError(`LruSet capacity must be ≥ 1, got ${capacity}`);
  }

  has(item: T): boolean {
    return this.items.has(item);
  }

  add(item: T): void {
    if (this.items.has(item)) this.items.delete(item);
    this.items.set(item, true);
    if (this.items.size > this.capacity) {
      const oldest = this.items.keys().next();
      if (!oldest.done) this.items.delete(oldest.value);
    }
  }

  delete(item: T): boolean {
    return this.items.delete(item);
  }

  get size(): number {
    return this.items.size;
  }
}
