// The bounded event log behind watch resumption and consistent paginated lists: etcd's revision
// history in miniature. Events older than the ring are "compacted": resuming from them answers 410.

import type { StoredEntry } from './entry.js';
import type { SimResource } from './resources.js';

export type EventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface StoreEvent {
  readonly rv: number;
  readonly resource: SimResource;
  readonly type: EventType;
  /** The object after the change (for DELETED: its last state, carrying the deletion's resourceVersion). */
  readonly entry: StoredEntry;
  /** The object before the change; undefined for ADDED. */
  readonly prev: StoredEntry | undefined;
}

export class EventHistory {
  private readonly ring: (StoreEvent | undefined)[];
  private head = 0;
  private size = 0;
  /** Every event with rv ≤ compactedRv is gone. */
  private compacted = 0;

  constructor(readonly capacity: number) {
    this.ring = new Array<StoreEvent | undefined>(Math.max(1, capacity));
  }

  get compactedRv(): number {
    return this.compacted;
  }

  push(ev: StoreEvent): void {
    const cap = this.ring.length;
    if (this.size === cap) {
      const dropped = this.ring[this.head]!;
      this.compacted = dropped.rv;
      this.ring[this.head] = ev;
      this.head = (this.head + 1) % cap;
      return;
    }
    this.ring[(this.head + this.size) % cap] = ev;
    this.size++;
  }

  /** Forgets everything up to `rv` (a forced compaction). */
  compactTo(rv: number): void {
    while (this.size > 0) {
      const first = this.ring[this.head]!;
      if (first.rv > rv) break;
      this.ring[this.head] = undefined;
      this.head = (this.head + 1) % this.ring.length;
      this.size--;
    }
    if (rv > this.compacted) this.compacted = rv;
  }

  /** Events with rv > `afterRv`, oldest first. Caller checks `afterRv >= compactedRv` first. */
  *since(afterRv: number, resource?: SimResource): Generator<StoreEvent> {
    // Binary search the first event newer than afterRv: rvs in the ring are strictly increasing.
    let lo = 0;
    let hi = this.size;
    const cap = this.ring.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.ring[(this.head + mid) % cap]!.rv <= afterRv) lo = mid + 1;
      else hi = mid;
    }
    for (let i = lo; i < this.size; i++) {
      const ev = this.ring[(this.head + i) % cap]!;
      if (resource === undefined || ev.resource === resource) yield ev;
    }
  }
}
