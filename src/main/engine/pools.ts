// ResourceSlices grouped into pools (docs/behaviour.md §2.2). Only slices of a pool's highest generation are
// "current"; older ones may be stale leftovers of a driver update and are ignored completely.
// Pool completeness (`resourceSliceCount`) is deliberately not checked, as upstream.

import { type ReasonId, sliceReason } from '../../shared/reasons.js';
import { NO_EXECUTE } from '../../shared/tolerations.js';
import type { DeviceSelector, SliceDevice, SliceRecord } from '../../shared/types.js';

export interface PublishedDevice {
  readonly slice: SliceRecord;
  readonly device: SliceDevice;
  /**
   * Reason id per taint index, built on first use: a taint storm asks for the same device's reasons
   * once per claim on it, and a pool's published devices are rebuilt whenever one of its slices changes.
   */
  sliceReasons: (ReasonId | undefined)[] | null;
}

interface Pool {
  readonly slices: Map<string, SliceRecord>;
  maxGeneration: number;
  /** Device name → first device of that name in a current slice; rebuilt lazily after changes. */
  current: ReadonlyMap<string, PublishedDevice> | null;
}

/** The published devices of a pool without any taint: none worth a lookup (see currentDevices). */
const NO_DEVICES: ReadonlyMap<string, PublishedDevice> = new Map();

export const poolKey = (driver: string, pool: string): string => `${driver}/${pool}`;

/**
 * The slices of a pool's newest generation (only they publish devices), by name. A device is looked up
 * as "the first device with that name" in them (docs/behaviour.md §2.2), so their order decides which
 * copy counts when two current slices publish the same name: a driver mid-update, or a relist that
 * applies a slice's new generation before it deletes the old slice that still has the name. By name,
 * that copy is the same whatever order the slices arrived in; in arrival order, an updated slice would
 * move behind the others and the answer would depend on the watch's history.
 */
function currentSlices(p: Pool): SliceRecord[] {
  const out: SliceRecord[] = [];
  for (const s of p.slices.values()) if (s.generation === p.maxGeneration) out.push(s);
  if (out.length > 1) out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return out;
}

/** The reason id of taint `index` of a published device, built once per published device. */
export function publishedTaintReason(published: PublishedDevice, index: number): ReasonId {
  let reasons = published.sliceReasons;
  if (reasons === null) {
    reasons = new Array<ReasonId | undefined>(published.device.taints.length);
    published.sliceReasons = reasons;
  }
  const cached = reasons[index];
  if (cached !== undefined) return cached;
  const { slice, device } = published;
  const reason = sliceReason(slice.driver, slice.pool, slice.name, device.name, index);
  reasons[index] = reason;
  return reason;
}

export class PoolIndex {
  /**
   * Pools by driver, then pool name: `lookup` runs once per allocated device on every claim
   * evaluation, and a concatenated key would be built and hashed each time; and 130k pools would
   * hold 130k "driver/pool" key strings (~64 bytes each). A `poolKey` argument is split instead (a
   * driver name has no slash; a pool name may).
   */
  private readonly byDriver = new Map<string, Map<string, Pool>>();
  private changes = 0;

  /** Changes with every `replace`: a `lookup` result stays valid while the version does. */
  get version(): number {
    return this.changes;
  }

  /** The stored slice `name` of pool `key`, if any. */
  slice(key: string, name: string): SliceRecord | null {
    return this.poolOf(key)?.slices.get(name) ?? null;
  }

  /**
   * Replaces `oldSlice` by `newSlice` (either may be null) within pool `key` and returns the names of
   * devices whose NoExecute taints changed in the current slices: only claims on those devices can
   * change their eviction. A device counts as changed also when it moved to another slice, because
   * slice reasons name the slice.
   */
  replace(key: string, oldSlice: SliceRecord | null, newSlice: SliceRecord | null): Set<string> {
    this.changes++;
    const pool = this.poolOf(key);
    const before = pool !== undefined ? this.evictingTaints(pool) : new Map<string, string>();
    let target = pool;
    if (oldSlice !== null && target !== undefined) target.slices.delete(oldSlice.name);
    if (newSlice !== null) {
      if (target === undefined) {
        target = { slices: new Map(), maxGeneration: Number.NEGATIVE_INFINITY, current: null };
        let pools = this.byDriver.get(newSlice.driver);
        if (pools === undefined) {
          pools = new Map();
          this.byDriver.set(newSlice.driver, pools);
        }
        pools.set(newSlice.pool, target);
      }
      target.slices.set(newSlice.name, newSlice);
    }
    const modified = new Set<string>();
    if (target === undefined) return modified;
    if (target.slices.size === 0) {
      const gone = oldSlice ?? newSlice;
      if (gone !== null) {
        const pools = this.byDriver.get(gone.driver);
        pools?.delete(gone.pool);
        if (pools?.size === 0) this.byDriver.delete(gone.driver);
      }
    } else {
      let max = Number.NEGATIVE_INFINITY;
      for (const s of target.slices.values()) if (s.generation > max) max = s.generation;
      target.maxGeneration = max;
      target.current = null;
    }
    const after = target.slices.size === 0 ? new Map<string, string>() : this.evictingTaints(target);
    for (const [device, signature] of before) if (after.get(device) !== signature) modified.add(device);
    for (const device of after.keys()) if (!before.has(device)) modified.add(device);
    return modified;
  }

  private poolOf(key: string): Pool | undefined {
    const slash = key.indexOf('/');
    return slash < 0 ? undefined : this.byDriver.get(key.slice(0, slash))?.get(key.slice(slash + 1));
  }

  /**
   * The device as published by a current slice of its pool, or null when no current slice has it — or
   * when no device of the pool's current slices has a taint at all, where a published device would be
   * looked at only to find that it has none (see currentDevices).
   */
  lookup(driver: string, pool: string, device: string): PublishedDevice | null {
    const p = this.byDriver.get(driver)?.get(pool);
    if (p === undefined) return null;
    return this.currentDevices(p).get(device) ?? null;
  }

  /**
   * The device as a current slice of its pool publishes it, tainted or not (for explanations: a
   * walk over the pool's slices, nothing cached, unlike `lookup`, which leaves untainted pools out).
   */
  published(driver: string, pool: string, device: string): { slice: SliceRecord; device: SliceDevice } | null {
    const p = this.byDriver.get(driver)?.get(pool);
    if (p === undefined) return null;
    for (const s of currentSlices(p)) for (const d of s.devices) if (d.name === device) return { slice: s, device: d };
    return null;
  }

  /**
   * Number of devices in current slices that `selector` selects (a `None` rule's status, every rule's
   * metric): walks only the selected driver's and pool's slices, and builds nothing per device. A rule
   * over every device of 130k pools makes it a walk of a million devices, once per /metrics scrape and
   * status refresh (hundreds of ms at 1M, bench/trace/stalls.ts): the count is kept per selector until
   * the next slice change (`version`).
   */
  countPublished(selector: DeviceSelector): number {
    const memo = this.counted.get(selector);
    if (memo !== undefined && memo.version === this.changes) return memo.count;
    let n = 0;
    // Plain loops: a generator per pool (selectedPools) or an array of its current slices cost more than
    // the counting, which does not depend on their order.
    for (const [driver, pools] of this.byDriver) {
      if (selector.driver !== undefined && selector.driver !== driver) continue;
      for (const [pool, p] of pools) {
        if (selector.pool !== undefined && selector.pool !== pool) continue;
        for (const s of p.slices.values()) {
          if (s.generation !== p.maxGeneration) continue;
          if (selector.device === undefined) n += s.devices.length;
          else for (const d of s.devices) if (d.name === selector.device) n++;
        }
      }
    }
    this.counted.set(selector, { version: this.changes, count: n });
    return n;
  }
  /** countPublished's results by selector (a rule record's own object), valid while `version` is. */
  private readonly counted = new WeakMap<DeviceSelector, { version: number; count: number }>();

  /** The devices in current slices that `selector` selects: what `countPublished` counts, listed (explanations). */
  publishedMatching(selector: DeviceSelector): { slice: SliceRecord; device: SliceDevice }[] {
    const out: { slice: SliceRecord; device: SliceDevice }[] = [];
    for (const p of this.selectedPools(selector))
      for (const s of currentSlices(p))
        for (const d of s.devices)
          if (selector.device === undefined || d.name === selector.device) out.push({ slice: s, device: d });
    return out;
  }

  /** Every stored slice (current or not). */
  *slices(): Iterable<SliceRecord> {
    for (const pools of this.byDriver.values()) for (const p of pools.values()) yield* p.slices.values();
  }

  /** Every stored slice, sorted by driver, pool, then name (for tests and debugging). */
  sortedSlices(): SliceRecord[] {
    const order = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
    return [...this.slices()].sort(
      (a, b) => order(a.driver, b.driver) || order(a.pool, b.pool) || order(a.name, b.name),
    );
  }

  /** For tests and debugging: pools with their max generation and slice names. */
  snapshot(): { key: string; maxGeneration: number; slices: string[] }[] {
    const entries = [...this.byDriver].flatMap(([driver, pools]) =>
      [...pools].map(([pool, p]) => [poolKey(driver, pool), p] as const),
    );
    return entries.map(([key, p]) => ({
      key,
      maxGeneration: p.maxGeneration,
      slices: [...p.slices.keys()].sort(),
    }));
  }

  /** The pools whose driver and pool name `selector` selects (its device is the caller's to match). */
  private *selectedPools(selector: DeviceSelector): Iterable<Pool> {
    for (const [driver, pools] of this.byDriver) {
      if (selector.driver !== undefined && selector.driver !== driver) continue;
      for (const [pool, p] of pools) if (selector.pool === undefined || selector.pool === pool) yield p;
    }
  }

  /**
   * Device name → first device of that name in a current slice. A pool none of whose current devices
   * has a taint (nearly every pool, nearly always) gets the shared empty map: its reader (lookup, for
   * claimEviction) finds no taints on an unpublished device either, and a 130k-slice cluster would
   * otherwise hold a map and 8 published-device entries per pool (~650 bytes each, 85 MB).
   */
  private currentDevices(p: Pool): ReadonlyMap<string, PublishedDevice> {
    if (p.current !== null) return p.current;
    const slices = currentSlices(p);
    let tainted = false;
    for (const s of slices) if (s.devices.some((device) => device.taints.length > 0)) tainted = true;
    if (!tainted) {
      p.current = NO_DEVICES;
      return NO_DEVICES;
    }
    const current = new Map<string, PublishedDevice>();
    for (const s of slices)
      for (const device of s.devices)
        if (!current.has(device.name)) current.set(device.name, { slice: s, device, sliceReasons: null });
    p.current = current;
    return current;
  }

  /**
   * Device name → comparable text of its hosting slice and NoExecute taints, for the copy `lookup`
   * answers with; devices whose copy has no NoExecute taint are absent. Read from the very map lookups
   * read (currentDevices), so a change is what claims see change: comparing the taints of every copy of a
   * name instead let a relist that deleted the untainted copy claims saw, exposing a tainted one
   * elsewhere, look unchanged, and the claims on the device were never evaluated again.
   */
  private evictingTaints(p: Pool): Map<string, string> {
    const out = new Map<string, string>();
    for (const [name, { slice, device }] of this.currentDevices(p)) {
      let signature = '';
      device.taints.forEach((t, i) => {
        if (t.effect === NO_EXECUTE) signature += `${JSON.stringify([i, t.key, t.value, t.timeAdded])};`;
      });
      if (signature !== '') out.set(name, `${slice.name}:${signature}`);
    }
    return out;
  }
}
