// The engine's `deletePodAt`: pending evictions by pod incarnation (namespace, name and UID).
//
// Keyed by UID instead of a "namespace/name/uid" string: a rule flip inserts 100k entries, and
// building, flattening and hashing a fresh key string per pod was the largest single cost left in
// the flip (measured: ~15% of its CPU) and 11 MB of the 26 MB the pending entries took. UIDs are
// unique in a real cluster; should two different pods ever share one (synthetic data, tests), the
// second goes into a small map keyed the old way, so nothing is conflated.

import { type PodRef, podUidKey } from '../../shared/types.js';

export interface PendingEvictionEntry {
  readonly pod: PodRef;
}

const samePod = (a: PodRef, b: PodRef): boolean => a.name === b.name && a.namespace === b.namespace;

export class PendingEvictions<E extends PendingEvictionEntry> {
  private readonly byUid = new Map<string, E>();
  /** Incarnations whose UID `byUid` already holds for another namespace/name, by podUidKey. */
  private readonly sharedUid = new Map<string, E>();

  get size(): number {
    return this.byUid.size + this.sharedUid.size;
  }

  get(pod: PodRef): E | undefined {
    const entry = this.byUid.get(pod.uid);
    if (entry !== undefined && samePod(entry.pod, pod)) return entry;
    return this.sharedUid.size === 0 ? undefined : this.sharedUid.get(podUidKey(pod));
  }

  /** Stores `entry` for `entry.pod`, replacing any entry of the same incarnation. */
  set(entry: E): void {
    const pod = entry.pod;
    const held = this.byUid.get(pod.uid);
    if (held === undefined || samePod(held.pod, pod)) {
      this.byUid.set(pod.uid, entry);
      // The UID slot may have been freed while this incarnation waited in the overflow map.
      if (held === undefined && this.sharedUid.size > 0) this.sharedUid.delete(podUidKey(pod));
      return;
    }
    this.sharedUid.set(podUidKey(pod), entry);
  }

  delete(pod: PodRef): void {
    const held = this.byUid.get(pod.uid);
    if (held !== undefined && samePod(held.pod, pod)) this.byUid.delete(pod.uid);
    else if (this.sharedUid.size > 0) this.sharedUid.delete(podUidKey(pod));
  }

  *values(): IterableIterator<E> {
    yield* this.byUid.values();
    yield* this.sharedUid.values();
  }
}
