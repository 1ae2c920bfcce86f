// String interning for values that repeat across hundreds of thousands of records (namespaces, node
// names, drivers, pools, taint keys). JSON.parse allocates a fresh copy of every string value, so
// without this 150k pods hold 150k copies of a handful of namespace names. Bounded, so a stream of
// unique values (a bug, or an attack through object names) cannot grow it without limit.

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

/** One shared empty array: most pods have no claim statuses, most devices no taints. */
export const EMPTY: readonly never[] = Object.freeze([]);

/** Maps, but returns the shared `EMPTY` for an empty input so that no per-record `[]` is allocated. */
export function mapOrEmpty<T, U>(items: readonly T[], fn: (item: T, index: number) => U): readonly U[] {
  return items.length === 0 ? EMPTY : items.map(fn);
}
