// Allocated ResourceClaims with their computed eviction (docs/behaviour.md §2.1 `allocatedClaims`), indexed by
// allocated device so that a slice or rule change touches only the claims on affected devices
// instead of every claim in the cluster.
//
// Lookups go namespace → name through nested maps: the strings come straight from the records and
// keep their cached hashes, where a concatenated "ns/name" key would be built and hashed per lookup
// (measured: the dominant cost when a rule change re-evaluates 100k claims).

import type { Eviction } from '../../shared/evictionTime.js';
import type { AllocatedDevice, ClaimRecord, DeviceSelector } from '../../shared/types.js';
import { DeviceClaims } from './deviceClaims.js';
import type { PublishedDevice } from './pools.js';

/** One tracked claim. Mutable on purpose: the device index holds these entries, not keys. */
export interface AllocatedClaim {
  claim: ClaimRecord;
  eviction: Eviction | null;
  /**
   * The published device of each allocation result as of PoolIndex version `publishedVersion` (-1:
   * not looked up; engine-maintained): a rule change re-evaluates every claim on the selected devices
   * while the slices stay the same, so the pool lookups of the previous evaluation are still valid.
   * The device itself (or null) for the common single-result claim, else one per result.
   */
  published: PublishedDevice | null | (PublishedDevice | null)[];
  publishedVersion: number;
}

function sameDevices(a: readonly AllocatedDevice[], b: readonly AllocatedDevice[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  return a.every((d, i) => d.driver === b[i]!.driver && d.pool === b[i]!.pool && d.device === b[i]!.device);
}

export class AllocatedClaims {
  private readonly byNamespace = new Map<string, Map<string, AllocatedClaim>>();
  /**
   * Driver → pool → device → claims on it. Nested rather than keyed by a "driver/pool/device" string:
   * 100k such strings cost more heap than 12.5k per-pool maps, and a driver selector only walks its
   * own driver's pools.
   */
  private readonly byDevice = new Map<string, Map<string, Map<string, OnDevice>>>();
  private count = 0;

  get size(): number {
    return this.count;
  }

  get(namespace: string, name: string): AllocatedClaim | undefined {
    return this.byNamespace.get(namespace)?.get(name);
  }

  *values(): Iterable<AllocatedClaim> {
    for (const claims of this.byNamespace.values()) yield* claims.values();
  }

  /** Stores an allocated claim (`claim.allocation` must be non-null) and returns its entry. */
  set(claim: ClaimRecord, eviction: Eviction | null): AllocatedClaim {
    let claims = this.byNamespace.get(claim.namespace);
    if (claims === undefined) {
      claims = new Map();
      this.byNamespace.set(claim.namespace, claims);
    }
    const entry = claims.get(claim.name);
    if (entry === undefined) {
      const created: AllocatedClaim = { claim, eviction, published: null, publishedVersion: -1 };
      claims.set(claim.name, created);
      this.count++;
      this.index(created);
      return created;
    }
    if (!sameDevices(entry.claim.allocation ?? [], claim.allocation ?? [])) {
      this.unindex(entry);
      entry.claim = claim;
      this.index(entry);
      entry.published = null;
      entry.publishedVersion = -1;
    } else {
      entry.claim = claim;
    }
    entry.eviction = eviction;
    return entry;
  }

  delete(namespace: string, name: string): AllocatedClaim | undefined {
    const claims = this.byNamespace.get(namespace);
    const entry = claims?.get(name);
    if (claims === undefined || entry === undefined) return undefined;
    this.unindex(entry);
    claims.delete(name);
    if (claims.size === 0) this.byNamespace.delete(namespace);
    this.count--;
    return entry;
  }

  /** Claims with an allocation result on one of `devices` of pool (driver, pool). */
  usingDevices(
    driver: string,
    pool: string,
    devices: Iterable<string>,
    into = new Set<AllocatedClaim>(),
  ): Set<AllocatedClaim> {
    const byName = this.byDevice.get(driver)?.get(pool);
    if (byName === undefined) return into;
    for (const device of devices) {
      const claims = byName.get(device);
      if (claims !== undefined) addClaims(claims, into);
    }
    return into;
  }

  /** Claims with an allocation result selected by `selector` (absent selector: none). */
  matching(selector: DeviceSelector | null, into = new Set<AllocatedClaim>()): Set<AllocatedClaim> {
    if (selector === null) return into;
    for (const claims of this.devicesMatching(selector)) addClaims(claims, into);
    return into;
  }

  /**
   * Claims with an allocation result selected by one of `selectors`, in the order `matching` would
   * add them to a Set, but possibly more than once: for callers whose work is idempotent per claim,
   * which then save a Set of every selected claim (100k for a driver-wide rule).
   */
  *matchingWithRepeats(selectors: readonly (DeviceSelector | null)[]): Iterable<AllocatedClaim> {
    for (const selector of selectors) {
      if (selector === null) continue;
      for (const claims of this.devicesMatching(selector)) {
        if (claims instanceof DeviceClaims) yield* claims.values();
        else yield claims;
      }
    }
  }

  /** Number of allocation results (over all claims) selected by `selector`. */
  countAllocatedDevices(selector: DeviceSelector | null): number {
    if (selector === null) return 0;
    let n = 0;
    for (const claims of this.devicesMatching(selector)) n += claims instanceof DeviceClaims ? claims.allocations : 1;
    return n;
  }

  private *devicesMatching(selector: DeviceSelector): Iterable<OnDevice> {
    // Only allocated devices are scanned, far fewer than claims × devices, and only on (rare) rule
    // changes; set selector fields narrow the walk to one driver, pool or device.
    const drivers = selector.driver === undefined ? this.byDevice.entries() : oneEntry(selector.driver, this.byDevice);
    for (const [, pools] of drivers) {
      const poolEntries = selector.pool === undefined ? pools.entries() : oneEntry(selector.pool, pools);
      for (const [, devices] of poolEntries) {
        if (selector.device === undefined) yield* devices.values();
        else {
          const claims = devices.get(selector.device);
          if (claims !== undefined) yield claims;
        }
      }
    }
  }

  private index(entry: AllocatedClaim): void {
    for (const d of entry.claim.allocation ?? []) {
      let pools = this.byDevice.get(d.driver);
      if (pools === undefined) {
        pools = new Map();
        this.byDevice.set(d.driver, pools);
      }
      let devices = pools.get(d.pool);
      if (devices === undefined) {
        devices = new Map();
        pools.set(d.pool, devices);
      }
      const claims = devices.get(d.device);
      if (claims === undefined) devices.set(d.device, entry);
      else if (claims instanceof DeviceClaims) claims.add(entry);
      else {
        const shared = new DeviceClaims(claims);
        shared.add(entry);
        devices.set(d.device, shared);
      }
    }
  }

  private unindex(entry: AllocatedClaim): void {
    for (const d of entry.claim.allocation ?? []) {
      const pools = this.byDevice.get(d.driver);
      const devices = pools?.get(d.pool);
      const claims = devices?.get(d.device);
      if (pools === undefined || devices === undefined || claims === undefined) continue;
      if (claims instanceof DeviceClaims) {
        claims.delete(entry);
        if (!claims.isEmpty) continue;
      } else if (claims !== entry) continue;
      devices.delete(d.device);
      if (devices.size > 0) continue;
      pools.delete(d.pool);
      if (pools.size === 0) this.byDevice.delete(d.driver);
    }
  }
}

/**
 * What a device holds: its only claim with one allocation result on it (nearly every device; no
 * wrapper object for 100k devices), or the DeviceClaims of anything more.
 */
type OnDevice = AllocatedClaim | DeviceClaims<AllocatedClaim>;

function addClaims(claims: OnDevice, into: Set<AllocatedClaim>): void {
  if (claims instanceof DeviceClaims) claims.addTo(into);
  else into.add(claims);
}

function oneEntry<V>(key: string, map: Map<string, V>): [string, V][] {
  const value = map.get(key);
  return value === undefined ? [] : [[key, value]];
}
