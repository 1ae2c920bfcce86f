// A claim's eviction from the taints of its allocated devices: published NoExecute taints and evicting
// rules (also for devices no slice publishes), weighed against the allocation's tolerations; the
// earliest time wins and every untolerated taint is a reason, rules first.

import { describe, expect, it } from 'vitest';
import { AllocatedClaims } from '../../../src/main/engine/allocatedClaims.js';
import { claimEviction, evictingRuleList } from '../../../src/main/engine/claimEviction.js';
import { EvictionInterner } from '../../../src/main/engine/evictionIntern.js';
import { PoolIndex, poolKey } from '../../../src/main/engine/pools.js';
import { ruleReason, sliceReason } from '../../../src/shared/reasons.js';
import type { DeviceToleration, RuleRecord, SliceRecord } from '../../../src/shared/types.js';
import {
  allocatedDevice,
  claimRecord,
  deviceTaint,
  ruleRecord,
  sliceDevices,
  sliceRecord,
  toleratesFor,
} from '../../support/records.js';

const T = Date.UTC(2026, 0, 1);
const S = 1000;
const DRIVER = 'gpu.example.com';
const KEY = 'gpu.example.com/xid';

const untainted = sliceRecord({ driver: DRIVER, pool: 'node-1', devices: sliceDevices(['gpu-0', 'gpu-1']) });
const tainted = (effect: string, timeAdded = T): SliceRecord => ({
  ...untainted,
  resourceVersion: '2',
  devices: [{ name: 'gpu-0', taints: [deviceTaint({ key: KEY, effect, timeAdded })] }, untainted.devices[1]!],
});
const rule = (r: Partial<RuleRecord> = {}): RuleRecord =>
  ruleRecord({
    name: 'xid',
    uid: 'rule-uid',
    selector: { driver: DRIVER },
    taint: deviceTaint({ key: KEY, timeAdded: T + 5 * S }),
    ...r,
  });

function setup(slice: SliceRecord | null, devices: string[], tolerations: DeviceToleration[] = []) {
  const pools = new PoolIndex();
  if (slice !== null) pools.replace(poolKey(DRIVER, 'node-1'), null, slice);
  const claims = new AllocatedClaims();
  const allocation = devices.map((device) => allocatedDevice({ driver: DRIVER, pool: 'node-1', device, tolerations }));
  const entry = claims.set(claimRecord({ name: 'c', allocation }), null);
  return { pools, entry, interner: new EvictionInterner() };
}

const gpu0Reason = sliceReason(DRIVER, 'node-1', untainted.name, 'gpu-0', 0);

describe('claimEviction', () => {
  it('is null for untainted devices and for effects that never evict', () => {
    for (const slice of [untainted, tainted('None'), tainted('NoSchedule'), tainted('unknown-effect')]) {
      const { pools, entry, interner } = setup(slice, ['gpu-0']);
      expect(claimEviction(entry, pools, [], interner, T)).toBeNull();
    }
  });

  it('evicts at timeAdded for an untolerated NoExecute taint, naming the slice taint', () => {
    const { pools, entry, interner } = setup(tainted('NoExecute'), ['gpu-0', 'gpu-1']);
    expect(claimEviction(entry, pools, [], interner, T)).toEqual({ when: T, reasons: [gpu0Reason] });
  });

  it('honours tolerationSeconds, and a forever toleration skips the taint altogether', () => {
    const later = setup(tainted('NoExecute'), ['gpu-0'], [toleratesFor(KEY, 60)]);
    expect(claimEviction(later.entry, later.pools, [], later.interner, T)?.when).toBe(T + 60 * S);
    const never = setup(tainted('NoExecute'), ['gpu-0'], [toleratesFor(KEY, null)]);
    expect(claimEviction(never.entry, never.pools, [], never.interner, T)).toBeNull();
  });

  it('applies evicting rules to the allocated device even when no slice publishes it', () => {
    const { pools, entry, interner } = setup(null, ['gpu-7']);
    const rules = evictingRuleList([rule()]);
    expect(claimEviction(entry, pools, rules, interner, T)).toEqual({
      when: T + 5 * S,
      reasons: [ruleReason('xid', 'rule-uid')],
    });
    const elsewhere = evictingRuleList([rule({ selector: { driver: DRIVER, pool: 'node-2' } })]);
    expect(claimEviction(entry, pools, elsewhere, interner, T)).toBeNull();
  });

  it('takes the earliest time and keeps every untolerated taint as a reason, rules first', () => {
    const { pools, entry, interner } = setup(tainted('NoExecute', T + 9 * S), ['gpu-0']);
    const eviction = claimEviction(entry, pools, evictingRuleList([rule()]), interner, T);
    expect(eviction).toEqual({ when: T + 5 * S, reasons: [ruleReason('xid', 'rule-uid'), gpu0Reason] });
  });

  it('looks the published devices up again after a slice change, not before', () => {
    const { pools, entry, interner } = setup(untainted, ['gpu-0']);
    expect(claimEviction(entry, pools, [], interner, T)).toBeNull();
    const cached = entry.published;
    expect(claimEviction(entry, pools, [], interner, T)).toBeNull();
    expect(entry.published).toBe(cached);
    pools.replace(poolKey(DRIVER, 'node-1'), untainted, tainted('NoExecute'));
    expect(claimEviction(entry, pools, [], interner, T)).toEqual({ when: T, reasons: [gpu0Reason] });
  });

  it('gives equal results the same interned eviction', () => {
    const a = setup(tainted('NoExecute'), ['gpu-0']);
    const first = claimEviction(a.entry, a.pools, [], a.interner, T);
    a.entry.publishedVersion = -1;
    expect(claimEviction(a.entry, a.pools, [], a.interner, T)).toBe(first);
  });
});
