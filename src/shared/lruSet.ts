// Bounded set with least-recently-added eviction. Used for `evictedPods` (docs/behaviour.md §2.1: capacity 500):
// remembers pod UIDs that were already evicted so a pod queued twice under rapid informer events
// costs no second round of API calls. An LruMap whose reads (`has`) do not count as use.

import { LruMap } from './lruMap.js';

export class LruSet<T> {
  private readonly items: LruMap<T, true>;

  constructor(readonly capacity: number) {
    this.items = new LruMap(capacity);
  }

  has(item: T): boolean {
    return this.items.has(item);
  }

  add(item: T): void {
    this.items.set(item, true);
  }

  delete(item: T): boolean {
    return this.items.delete(item);
  }

  get size(): number {
    return this.items.size;
  }
}
