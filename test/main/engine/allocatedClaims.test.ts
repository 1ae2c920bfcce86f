// The device index behind incremental re-evaluation: which claims sit on which devices, counted per
// allocation result, across the one-claim and the shared-device representations.

import { describe, expect, test } from 'vitest';
import { AllocatedClaims } from '../../../src/main/engine/allocatedClaims.js';
import type { AllocatedDevice, ClaimRecord } from '../../../src/shared/types.js';
import { allocatedDevice, claimRecord } from '../../support/records.js';

const device = (driver: string, pool: string, name: string): AllocatedDevice =>
  allocatedDevice({ driver, pool, device: name });

const claim = (name: string, devices: AllocatedDevice[]): ClaimRecord =>
  claimRecord({ namespace: 'ns', name, allocation: devices });

const names = (set: Iterable<{ claim: ClaimRecord }>): string[] => [...set].map((e) => e.claim.name);

describe('AllocatedClaims device index', () => {
  test('shared devices, repeated results and deletions are counted per allocation result', () => {
    const claims = new AllocatedClaims();
    const a = device('d1', 'p1', 'gpu-0');
    const b = device('d1', 'p1', 'gpu-1');
    const other = device('d2', 'p1', 'gpu-0');
    claims.set(claim('one', [a]), null);
    claims.set(claim('two', [a, a, b]), null);
    claims.set(claim('three', [other]), null);

    expect(names(claims.matching({ driver: 'd1' }))).toEqual(['one', 'two']);
    expect(names(claims.matching({ pool: 'p1', device: 'gpu-0' }))).toEqual(['one', 'two', 'three']);
    expect(names(claims.matching({}))).toEqual(['one', 'two', 'three']);
    expect(names(claims.matching(null))).toEqual([]);
    expect(claims.countAllocatedDevices({ driver: 'd1', pool: 'p1', device: 'gpu-0' })).toBe(3);
    expect(claims.countAllocatedDevices({})).toBe(5);
    expect(names(claims.usingDevices('d1', 'p1', ['gpu-1']))).toEqual(['two']);
    // Once per allocation result, in the order `matching` adds them; null selectors select nothing.
    expect(names(claims.matchingWithRepeats([{ driver: 'd1' }, null, { driver: 'd2' }]))).toEqual([
      'one',
      'two',
      'two',
      'two',
      'three',
    ]);

    claims.delete('ns', 'one');
    expect(names(claims.matching({ driver: 'd1', device: 'gpu-0' }))).toEqual(['two']);
    expect(claims.countAllocatedDevices({ driver: 'd1' })).toBe(3);

    // Moving a claim to other devices re-indexes it.
    claims.set(claim('two', [other]), null);
    expect(names(claims.matching({ driver: 'd1' }))).toEqual([]);
    expect(claims.countAllocatedDevices({ driver: 'd2' })).toBe(2);
    claims.delete('ns', 'two');
    claims.delete('ns', 'three');
    expect(claims.size).toBe(0);
    expect(claims.countAllocatedDevices({})).toBe(0);
  });
});
