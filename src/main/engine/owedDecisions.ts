// The decisions a burst owes (podDecisions.ts): one per pod incarnation, made once the burst is applied,
// in the order they were first owed.
//
// Why not one Map: the initial list of a million pods owes a million decisions, and a Map that doubles
// its table past 2^19 and 2^20 entries rehashes every entry in one synchronous step — one `set` took
// 97 ms at 524,288 entries and 530 ms at 1,048,576 (measured), with the event loop, and so the lease
// renewals, stalled meanwhile. Here the entries spread over CHUNKS maps, each growing by a sixty-fourth
// of the whole, and the order lives in a plain array, whose growth only copies pointers.

import { type PodRef, podUidKey } from '../../shared/types.js';

const CHUNKS = 64;

/**
 * The chunk of a key from its last two characters: keys end with the pod's UID (random hex in a real
 * cluster), so these spread evenly, and reading two characters is cheaper than hashing the key.
 */
const chunkOf = (key: string): number =>
  (key.charCodeAt(key.length - 1) + 31 * key.charCodeAt(key.length - 2)) & (CHUNKS - 1);

export class OwedDecisions {
  /**
   * Made on first use: most bursts are one watch event owing one or two decisions, and 64 maps built for
   * each of them were 4 % of the main thread's time in the unthrottled eviction profile.
   */
  private readonly chunks: (Map<string, PodRef> | undefined)[] = new Array(CHUNKS);
  /** Keys in the order first owed; `take` reads from `head`. Each key appears once. */
  private order: string[] = [];
  private head = 0;
  private count = 0;

  get size(): number {
    return this.count;
  }

  /**
   * Owes a decision to `pod`'s incarnation. Keyed by the UID string the record already holds: a relist
   * of a million pods would otherwise build a million "namespace/name/uid" keys (~100 bytes each with
   * their map entries, all alive until the burst ends). UIDs are unique in a cluster; should another pod
   * hold the same UID (synthetic data, tests), that incarnation goes under its full key, which cannot
   * equal a UID (it has slashes); if it is owed again after the UID's holder was taken, it may be owed
   * twice and decided twice, which changes nothing (the second decision finds the first in place).
   * Owing again keeps the first place in the order.
   */
  owe(pod: PodRef): void {
    // One lookup decides the common cases (a new pod; the same incarnation owed again): at a million pods
    // every Map access is a cache miss, and this runs for every pod and claim of a list.
    const uidChunk = this.chunkFor(pod.uid);
    const held = uidChunk.get(pod.uid);
    if (held === undefined) {
      this.order.push(pod.uid);
      this.count++;
    } else if (held.name !== pod.name || held.namespace !== pod.namespace) {
      this.oweUnderFullKey(pod);
      return;
    }
    uidChunk.set(pod.uid, pod);
  }

  /** Another pod holds this UID: this one goes under its full key (see `owe`). */
  private oweUnderFullKey(pod: PodRef): void {
    const key = podUidKey(pod);
    const chunk = this.chunkFor(key);
    if (!chunk.has(key)) {
      this.order.push(key);
      this.count++;
    }
    chunk.set(key, pod);
  }

  private chunkFor(key: string): Map<string, PodRef> {
    const at = chunkOf(key);
    let chunk = this.chunks[at];
    if (chunk === undefined) {
      chunk = new Map();
      this.chunks[at] = chunk;
    }
    return chunk;
  }

  /** Removes and returns the earliest owed decision (the pod as last owed), or undefined when none is. */
  take(): PodRef | undefined {
    while (this.head < this.order.length) {
      const key = this.order[this.head] as string;
      this.head++;
      const chunk = this.chunks[chunkOf(key)];
      const pod = chunk?.get(key);
      if (chunk === undefined || pod === undefined) continue;
      chunk.delete(key);
      this.count--;
      if (this.count === 0) {
        // Drained: let the million keys go now, not when the next burst replaces this object.
        this.order = [];
        this.head = 0;
      }
      return pod;
    }
    return undefined;
  }
}
