// The claims allocated on one device, in first-allocation order, with multiplicity (a claim may have
// several allocation results on one device). Nearly every device has exactly one claim, and a cluster
// has 100k devices: a Map per device was the largest part of the engine's heap (~180 bytes each). So
// small sets are a plain array that holds a claim once per allocation result; a device shared by many
// claims (admin access, consumable capacity) switches to a counting Map to keep updates O(1).
// The limit is 32, not 8: a device that serves claims one after another (a cluster of 150k pods on
// 16k GPUs holds ~9 per device) would otherwise pay a Map of ~50 bytes per claim, and deleting from an
// array of 32 is still a short scan.

const ARRAY_LIMIT = 32;

export class DeviceClaims<T> {
  private items: T[] | Map<T, number>;

  constructor(first: T) {
    this.items = [first];
  }

  get isEmpty(): boolean {
    return Array.isArray(this.items) ? this.items.length === 0 : this.items.size === 0;
  }

  /** Number of allocation results on the device, over all claims. */
  get allocations(): number {
    if (Array.isArray(this.items)) return this.items.length;
    let n = 0;
    for (const count of this.items.values()) n += count;
    return n;
  }

  add(claim: T): void {
    const items = this.items;
    if (!Array.isArray(items)) {
      items.set(claim, (items.get(claim) ?? 0) + 1);
      return;
    }
    if (items.length < ARRAY_LIMIT) {
      items.push(claim);
      return;
    }
    // Insertion order of the Map = order of first occurrence in the array, as before the switch.
    const counted = new Map<T, number>();
    for (const c of items) counted.set(c, (counted.get(c) ?? 0) + 1);
    counted.set(claim, (counted.get(claim) ?? 0) + 1);
    this.items = counted;
  }

  /** Forgets every allocation result of `claim`. */
  delete(claim: T): void {
    const items = this.items;
    if (!Array.isArray(items)) {
      items.delete(claim);
      return;
    }
    let kept = 0;
    for (let i = 0; i < items.length; i++) {
      const c = items[i] as T;
      if (c !== claim) items[kept++] = c;
    }
    items.length = kept;
  }

  /** Every claim in first-allocation order, some possibly repeated. */
  values(): Iterable<T> {
    return Array.isArray(this.items) ? this.items : this.items.keys();
  }

  /** Adds every claim (once) to `into`, in first-allocation order. */
  addTo(into: Set<T>): void {
    const items = this.items;
    if (Array.isArray(items)) for (const c of items) into.add(c);
    else for (const c of items.keys()) into.add(c);
  }
}
