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
  current: Map<string, PublishedDevice> | null;
}

export const poolKey = (driver: string, pool: string): string => `${driver}/${pool}`;

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
  private readonly pools = new Map<string, Pool>();
  /**
   * The same pools by driver, then pool name: `lookup` runs once per allocated device on every claim
   * evaluation, and a concatenated key would be built and hashed each time.
   */
  private readonly byDriver = new Map<string, Map<string, Pool>>();
  private changes = 0;

  /** Changes with every `replace`: a `lookup` result stays valid while the version does. */
  get version(): number {
    return this.changes;
  }

  /** The stored slice `name` of pool `key`, if any. */
  slice(key: string, name: string): SliceRecord | null {
    return this.pools.get(key)?.slices.get(name) ?? null;
  }

  /**
   * Replaces `oldSlice` by `newSlice` (either may be null) within pool `key` and returns the names of
   * devices whose NoExecute taints changed in the current slices: only claims on those devices can
   * change their eviction. A device counts as changed also when it moved to another slice, because
   * slice reasons name the slice.
   */
  replace(key: string, oldSlice: SliceRecord | null, newSlice: SliceRecord | null): Set<string> {
    this.changes++;
    const pool = this.pools.get(key);
    const before = pool !== undefined ? this.evictingTaints(pool) : new Map<string, string>();
    let target = pool;
    if (oldSlice !== null && target !== undefined) target.slices.delete(oldSlice.name);
    if (newSlice !== null) {
      if (target === undefined) {
        target = { slices: new Map(), maxGeneration: Number.NEGATIVE_INFINITY, current: null };
        this.pools.set(key, target);
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
      this.pools.delete(key);
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

  /** The device as published by a current slice of its pool, or null when no current slice has it. */
  lookup(driver: string, pool: string, device: string): PublishedDevice | null {
    const p = this.byDriver.get(driver)?.get(pool);
    if (p === undefined) return null;
    return this.currentDevices(p).get(device) ?? null;
  }

  /**
   * Number of devices in current slices that `selector` selects (a `None` rule's status): walks only
   * the selected driver's and pool's slices, and builds nothing per device.
   */
  countPublished(selector: DeviceSelector): number {
    let n = 0;
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
    return n;
  }

  /** Every stored slice (current or not). */
  *slices(): Iterable<SliceRecord> {
    for (const p of this.pools.values()) yield* p.slices.values();
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
    return [...this.pools.entries()].map(([key, p]) => ({
      key,
      maxGeneration: p.maxGeneration,
      slices: [...p.slices.keys()].sort(),
    }));
  }

  private currentDevices(p: Pool): Map<string, PublishedDevice> {
    if (p.current !== null) return p.current;
    const current = new Map<string, PublishedDevice>();
    for (const s of p.slices.values()) {
      if (s.generation !== p.maxGeneration) continue;
      for (const device of s.devices)
        if (!current.has(device.name)) current.set(device.name, { slice: s, device, sliceReasons: null });
    }
    p.current = current;
    return current;
  }

  /** Device name → comparable text of its hosting slice and NoExecute taints; untainted devices are absent. */
  private evictingTaints(p: Pool): Map<string, string> {
    const out = new Map<string, string>();
    for (const s of p.slices.values()) {
      if (s.generation !== p.maxGeneration) continue;
      for (const device of s.devices) {
        let signature = '';
        device.taints.forEach((t, i) => {
          if (t.effect === NO_EXECUTE) signature += `${JSON.stringify([i, t.key, t.value, t.timeAdded])};`;
        });
        if (signature === '') continue;
        const prefix = out.get(device.name);
        out.set(device.name, `${prefix ?? ''}${s.name}:${signature}|`);
      }
    }
    return out;
  }
}
