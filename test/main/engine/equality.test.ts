// The change tests of the handlers: each compares exactly the fields that can change a decision.

import { describe, expect, it } from 'vitest';
import { AllocatedClaims } from '../../../src/main/engine/allocatedClaims.js';
import {
  claimStatusesEqual,
  reservedForEqual,
  sameAllocation,
  sameReasons,
  taintsEqual,
} from '../../../src/main/engine/equality.js';
import { allocatedDevice, claimRecord, deviceTaint, podConsumer } from '../../support/records.js';

describe('equality', () => {
  it('claim statuses: same names and claim names, in order', () => {
    const a = [{ name: 'x', resourceClaimName: 'c' }];
    expect(claimStatusesEqual(a, [{ name: 'x', resourceClaimName: 'c' }])).toBe(true);
    expect(claimStatusesEqual(a, [{ name: 'x', resourceClaimName: null }])).toBe(false);
    expect(claimStatusesEqual(a, [])).toBe(false);
  });

  it('reservedFor: every consumer field, UID included', () => {
    const a = claimRecord({ reservedFor: [podConsumer('p', 'u1')] });
    expect(reservedForEqual(a, claimRecord({ reservedFor: [podConsumer('p', 'u1')] }))).toBe(true);
    expect(reservedForEqual(a, claimRecord({ reservedFor: [podConsumer('p', 'u2')] }))).toBe(false);
    expect(reservedForEqual(a, claimRecord({ reservedFor: [] }))).toBe(false);
  });

  it('taints: key, value, effect and timeAdded', () => {
    const t = deviceTaint({ key: 'k', value: 'v', timeAdded: 1 });
    expect(taintsEqual(t, { ...t })).toBe(true);
    for (const change of [{ key: 'x' }, { value: 'x' }, { effect: 'None' }, { timeAdded: 2 }])
      expect(taintsEqual(t, { ...t, ...change })).toBe(false);
  });

  it('reasons: identity short-cuts, otherwise element by element', () => {
    const r = ['a', 'b'];
    expect(sameReasons(r, r)).toBe(true);
    expect(sameReasons(r, ['a', 'b'])).toBe(true);
    expect(sameReasons(r, ['b', 'a'])).toBe(false);
    expect(sameReasons(r, ['a'])).toBe(false);
  });

  it('allocation: the same devices in the same order, whatever the tolerations', () => {
    const d0 = allocatedDevice({ driver: 'd', pool: 'p', device: 'gpu-0' });
    const d1 = allocatedDevice({ driver: 'd', pool: 'p', device: 'gpu-1' });
    const tracked = new AllocatedClaims().set(claimRecord({ allocation: [d0, d1] }), null);
    expect(sameAllocation(tracked, claimRecord({ allocation: [{ ...d0, tolerations: [] }, d1] }))).toBe(true);
    expect(sameAllocation(tracked, claimRecord({ allocation: [d1, d0] }))).toBe(false);
    expect(sameAllocation(tracked, claimRecord({ allocation: [d0] }))).toBe(false);
  });
});
