// Allocated ResourceClaims with their computed eviction (spec §2.1 `allocatedClaims`), indexed by
// allocated device so that a slice or rule change touches only the claims on affected devices
// instead of every claim in the cluster.
//
// Lookups go namespace → name through nested maps: the strings come straight from the records and
// keep their cached hashes, where a concatenated "ns/name" key would be built and hashed per lookup
// (measured: the dominant cost when a rule change re-evaluates 100k claims).

import type { Eviction } from '../../shared/evictionTime.js';
import { selectorMatchesDevice } from '../../shared/selector.js';
import type { AllocatedDevice, ClaimRecord, DeviceSelector } from '../../shared/types.js';

/** One tracked claim. Mutable on purpose: the device index holds these entries, not keys. */
export interface AllocatedClaim {
  claim: ClaimRecord;
  eviction: Eviction | null;
}

interface DeviceEntry {
  readonly driver: string;
  readonly pool: string;
  readonly device: string;
  /** Claim entry → number of its allocation results on this device. */
  readonly claims: Map<AllocatedClaim, number>;
}

const deviceKey = (driver: string, pool: string, device: string): string => `${driver}/${pool}/${device}`;

function sameDevices(a: readonly AllocatedDevice[], b: readonly AllocatedDevice[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  return a.every((d, i) => d.driver === b[i]!.driver && d.pool === b[i]!.pool && d.device === b[i]!.device);
}

export class AllocatedClaims {
  private readonly byNamespace = new Map<string, Map<string, AllocatedClaim>>();
  private readonly byDevice = new Map<string, DeviceEntry>();
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
      const created: AllocatedClaim = { claim, eviction };
      claims.set(claim.name, created);
      this.count++;
      this.index(created);
      return created;
    }
    if (!sameDevices(entry.claim.allocation ?? [], claim.allocation ?? [])) {
      this.unindex(entry);
      entry.claim = claim;
      this.index(entry);
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
    for (const device of devices) {
      const entry = this.byDevice.get(deviceKey(driver, pool, device));
      if (entry !== undefined) for (const claim of entry.claims.keys()) into.add(claim);
    }
    return into;
  }

  /** Claims with an allocation result selected by `selector` (absent selector: none). */
  matching(selector: DeviceSelector | null, into = new Set<AllocatedClaim>()): Set<AllocatedClaim> {
    if (selector === null) return into;
    for (const entry of this.devicesMatching(selector)) for (const claim of entry.claims.keys()) into.add(claim);
    return into;
  }

  /** Number of allocation results (over all claims) selected by `selector`. */
  countAllocatedDevices(selector: DeviceSelector | null): number {
    if (selector === null) return 0;
    let n = 0;
    for (const entry of this.devicesMatching(selector)) for (const count of entry.claims.values()) n += count;
    return n;
  }

  private *devicesMatching(selector: DeviceSelector): Iterable<DeviceEntry> {
    // A fully specified selector is one lookup; otherwise scan the distinct allocated devices, which
    // are far fewer than claims × devices and only scanned on (rare) rule changes.
    if (selector.driver !== undefined && selector.pool !== undefined && selector.device !== undefined) {
      const entry = this.byDevice.get(deviceKey(selector.driver, selector.pool, selector.device));
      if (entry !== undefined) yield entry;
      return;
    }
    for (const entry of this.byDevice.values())
      if (selectorMatchesDevice(selector, entry.driver, entry.pool, entry.device)) yield entry;
  }

  private index(entry: AllocatedClaim): void {
    for (const d of entry.claim.allocation ?? []) {
      const dk = deviceKey(d.driver, d.pool, d.device);
      let device = this.byDevice.get(dk);
      if (device === undefined) {
        device = { driver: d.driver, pool: d.pool, device: d.device, claims: new Map() };
        this.byDevice.set(dk, device);
      }
      device.claims.set(entry, (device.claims.get(entry) ?? 0) + 1);
    }
  }

  private unindex(entry: AllocatedClaim): void {
    for (const d of entry.claim.allocation ?? []) {
      const dk = deviceKey(d.driver, d.pool, d.device);
      const device = this.byDevice.get(dk);
      if (device === undefined) continue;
      device.claims.delete(entry);
      if (device.claims.size === 0) this.byDevice.delete(dk);
    }
  }
}
