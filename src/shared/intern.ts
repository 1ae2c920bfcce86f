// String interning for values that repeat across hundreds of thousands of records (namespaces, node
// names, drivers, pools, taint keys). JSON.parse allocates a fresh copy of every string value longer
// than 10 characters (V8 internalizes only shorter ones), so without this 150k pods on 20k nodes hold
// 150k copies of 20k node names. Bounded, so a stream of unique values (a bug, or an attack through
// object names) cannot grow it without limit.

const MAX_ENTRIES = 65_536;
let pool = new Map<string, string>();

export function intern(s: string): string {
  const hit = pool.get(s);
  if (hit !== undefined) return hit;
  // Dropping the pool only costs duplicates from here on; correctness never depends on identity.
  if (pool.size >= MAX_ENTRIES) pool = new Map();
  pool.set(s, s);
  return s;
}

/**
 * `intern` behind a one-entry memo, for a field that nearly always holds the same value (a driver
 * name): an equal string compares faster than a pool lookup, which with 20k node names in the pool
 * tends to miss the CPU caches while a list page is being parsed. One memo per call site.
 */
export function memoizedIntern(): (s: string) => string {
  let last = '';
  return (s) => {
    if (s === last) return last;
    last = intern(s);
    return last;
  };
}

/** One shared empty array: most pods have no claim statuses, most devices no taints. */
export const EMPTY: readonly never[] = Object.freeze([]);

/** Maps, but returns the shared `EMPTY` for an empty input so that no per-record `[]` is allocated. */
export function mapOrEmpty<T, U>(items: readonly T[], fn: (item: T, index: number) => U): readonly U[] {
  return items.length === 0 ? EMPTY : items.map(fn);
}

/**
 * Interning for whole sub-records by a structural key: thousands of claims carry the same toleration
 * list and most pods the same `resourceClaims` entry, and one frozen instance can stand for all of them.
 * Values are frozen because they are shared: a consumer that mutated one would change every record
 * holding it. Bounded like `intern`, and for the same reason identity is never needed for correctness.
 */
export class SharedValues<T extends object> {
  private values = new Map<string, T>();

  constructor(private readonly maxEntries = 16_384) {}

  /** The shared instance for `key`, if any. Separate from `add` so that a hit allocates nothing. */
  get(key: string): T | undefined {
    return this.values.get(key);
  }

  /** Freezes `value` and makes it the shared instance for `key`; returns it. */
  add(key: string, value: T): T {
    if (this.values.size >= this.maxEntries) this.values = new Map();
    Object.freeze(value);
    this.values.set(key, value);
    return value;
  }

  get size(): number {
    return this.values.size;
  }
}
