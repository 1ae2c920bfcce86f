// Object keys in sorted order (etcd's key order), for paginated lists with stable `continue` tokens.
// Inserts are buffered and merged lazily, so seeding 150k objects costs one sort, not 150k splices.

export class SortedKeys {
  private sorted: string[] = [];
  private readonly inSorted = new Set<string>();
  private pending: string[] = [];
  private removed = 0;

  add(key: string): void {
    if (!this.inSorted.has(key)) {
      this.inSorted.add(key);
      this.pending.push(key);
    }
  }

  /** Marks `key` gone; `exists` is consulted at the next compaction. */
  remove(): void {
    this.removed++;
  }

  /** The sorted keys; `exists` filters keys removed since the last call. */
  keys(exists: (key: string) => boolean): readonly string[] {
    if (this.removed > 0) {
      const kept: string[] = [];
      for (const k of this.sorted) {
        if (exists(k)) kept.push(k);
        else this.inSorted.delete(k);
      }
      this.sorted = kept;
      const pendingKept: string[] = [];
      for (const k of this.pending) {
        if (exists(k)) pendingKept.push(k);
        else this.inSorted.delete(k);
      }
      this.pending = pendingKept;
      this.removed = 0;
    }
    if (this.pending.length > 0) {
      const add = this.pending.sort(compareKeys);
      this.pending = [];
      const merged = new Array<string>(this.sorted.length + add.length);
      let i = 0;
      let j = 0;
      let o = 0;
      while (i < this.sorted.length && j < add.length) {
        merged[o++] = compareKeys(this.sorted[i]!, add[j]!) <= 0 ? this.sorted[i++]! : add[j++]!;
      }
      while (i < this.sorted.length) merged[o++] = this.sorted[i++]!;
      while (j < add.length) merged[o++] = add[j++]!;
      this.sorted = merged;
    }
    return this.sorted;
  }
}

/** Byte-order comparison, as etcd orders keys (not locale order). */
export const compareKeys = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Index of the first key > `after` (or ≥ `from` when `inclusive`). */
export function lowerBound(keys: readonly string[], bound: string, inclusive: boolean): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const k = keys[mid]!;
    if (inclusive ? k < bound : k <= bound) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
