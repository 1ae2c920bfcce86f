// Published-device lookups and counts, including the nested driver → pool index they go through.

import { describe, expect, test } from 'vitest';
import { PoolIndex, poolKey, publishedTaintReason } from '../../../src/main/engine/pools.js';
import { sliceReason } from '../../../src/shared/reasons.js';
import type { SliceRecord } from '../../../src/shared/types.js';
import { deviceTaint, sliceRecord } from '../../support/records.js';

const slice = (name: string, driver: string, pool: string, generation: number, devices: string[]): SliceRecord =>
  sliceRecord({
    name,
    driver,
    pool,
    generation,
    devices: devices.map((d) => ({ name: d, taints: [deviceTaint({ key: 'k', timeAdded: 1 })] })),
  });

function add(index: PoolIndex, s: SliceRecord): void {
  index.replace(poolKey(s.driver, s.pool), null, s);
}

describe('PoolIndex', () => {
  test('counts devices of current slices only, narrowed by every selector field', () => {
    const index = new PoolIndex();
    add(index, slice('old', 'd1', 'p1', 1, ['a', 'b', 'c']));
    add(index, slice('new', 'd1', 'p1', 2, ['a', 'b']));
    add(index, slice('new-2', 'd1', 'p1', 2, ['a']));
    add(index, slice('other-pool', 'd1', 'p2', 1, ['a']));
    add(index, slice('other-driver', 'd2', 'p1', 1, ['a', 'z']));
    expect(index.countPublished({})).toBe(3 + 1 + 2);
    expect(index.countPublished({ driver: 'd1' })).toBe(4);
    expect(index.countPublished({ driver: 'd1', pool: 'p1' })).toBe(3);
    expect(index.countPublished({ device: 'a' })).toBe(4);
    expect(index.countPublished({ pool: 'p1', device: 'z' })).toBe(1);
    expect(index.countPublished({ driver: 'nope' })).toBe(0);
  });

  test('a count asked again with the same selector follows every slice change in between', () => {
    const index = new PoolIndex();
    const selector = { driver: 'd1' };
    add(index, slice('s1', 'd1', 'p1', 1, ['a', 'b']));
    expect(index.countPublished(selector)).toBe(2);
    expect(index.countPublished(selector)).toBe(2);
    add(index, slice('s2', 'd1', 'p2', 1, ['a']));
    expect(index.countPublished(selector)).toBe(3);
    // A newer generation makes the older slice stale.
    add(index, slice('s3', 'd1', 'p1', 2, ['c']));
    expect(index.countPublished(selector)).toBe(2);
    index.replace(poolKey('d1', 'p2'), slice('s2', 'd1', 'p2', 1, ['a']), null);
    expect(index.countPublished(selector)).toBe(1);
  });

  test('lookups follow slice changes; reasons are built per published device', () => {
    const index = new PoolIndex();
    const first = slice('s1', 'd1', 'pool/with/slashes', 1, ['gpu-0']);
    add(index, first);
    const found = index.lookup('d1', 'pool/with/slashes', 'gpu-0');
    expect(found?.slice.name).toBe('s1');
    expect(index.lookup('d1', 'pool', 'gpu-0')).toBeNull();
    const reason = publishedTaintReason(found!, 0);
    expect(reason).toBe(sliceReason('d1', 'pool/with/slashes', 's1', 'gpu-0', 0));
    expect(publishedTaintReason(found!, 0)).toBe(reason);

    const version = index.version;
    const moved = slice('s2', 'd1', 'pool/with/slashes', 2, ['gpu-0']);
    index.replace(poolKey('d1', 'pool/with/slashes'), first, moved);
    expect(index.version).not.toBe(version);
    const again = index.lookup('d1', 'pool/with/slashes', 'gpu-0');
    expect(again?.slice.name).toBe('s2');
    expect(publishedTaintReason(again!, 0)).toBe(sliceReason('d1', 'pool/with/slashes', 's2', 'gpu-0', 0));

    index.replace(poolKey('d1', 'pool/with/slashes'), moved, null);
    expect(index.lookup('d1', 'pool/with/slashes', 'gpu-0')).toBeNull();
    expect(index.countPublished({})).toBe(0);
  });

  test('a pool without any taint publishes nothing worth a lookup, until a taint appears', () => {
    const index = new PoolIndex();
    const clean = sliceRecord({
      name: 's',
      driver: 'd',
      pool: 'p',
      generation: 1,
      devices: [
        { name: 'gpu-0', taints: [] },
        { name: 'gpu-1', taints: [] },
      ],
    });
    add(index, clean);
    expect(index.lookup('d', 'p', 'gpu-0')).toBeNull();
    // Explanations still see the untainted device as published.
    expect(index.published('d', 'p', 'gpu-0')?.device).toBe(clean.devices[0]);
    expect(index.published('d', 'p', 'gpu-9')).toBeNull();
    expect(index.countPublished({ device: 'gpu-0' })).toBe(1);
    const tainted = slice('s', 'd', 'p', 2, ['gpu-0']);
    const cleanDevice = { name: 'gpu-1', taints: [] };
    const mixed = { ...tainted, devices: [...tainted.devices, cleanDevice] };
    index.replace(poolKey('d', 'p'), clean, mixed);
    expect(index.lookup('d', 'p', 'gpu-0')?.device.taints).toHaveLength(1);
    expect(index.lookup('d', 'p', 'gpu-1')?.device).toBe(cleanDevice);
    index.replace(poolKey('d', 'p'), mixed, { ...clean, generation: 3 });
    expect(index.lookup('d', 'p', 'gpu-0')).toBeNull();
  });

  // Found by fuzzing test/engine/reflectorBurst.property.test.ts (seed 905913015): a slice relist applied
  // a slice's new generation, which took over a device name, before deleting the old slice that still
  // published the name untainted. The delete exposed the tainted copy, but `replace` compared the taints
  // of every copy, saw none change and reported nothing, so the claim on the device was never evaluated
  // again and its pod was never evicted.
  test('deleting the copy of a device that lookups saw reports the device when it exposes a tainted copy', () => {
    const index = new PoolIndex();
    const key = poolKey('d1', 'p1');
    const untainted = (name: string, generation: number, devices: string[]): SliceRecord =>
      sliceRecord({
        name,
        driver: 'd1',
        pool: 'p1',
        generation,
        devices: devices.map((d) => ({ name: d, taints: [] })),
      });
    const old = untainted('s-a', 1, ['gpu-0']);
    add(index, old);
    add(index, untainted('s-b', 2, []));
    const leaving = sliceRecord({
      name: 's-c',
      driver: 'd1',
      pool: 'p1',
      generation: 3,
      devices: [{ name: 'gpu-2', taints: [deviceTaint({ key: 'k', effect: 'None', timeAdded: 1 })] }],
    });
    add(index, leaving);
    const successor = slice('s-a', 'd1', 'p1', 3, ['gpu-2']);
    expect(index.replace(key, old, successor)).toEqual(new Set(['gpu-2']));
    // Both current slices publish gpu-2 now; the first by name (s-a) is the one claims see.
    expect(index.lookup('d1', 'p1', 'gpu-2')?.slice.name).toBe('s-a');
    expect(index.replace(key, leaving, null)).toEqual(new Set());
    expect(index.lookup('d1', 'p1', 'gpu-2')?.slice.name).toBe('s-a');
  });

  test('which copy of a duplicated device name counts does not depend on the order slices arrived in', () => {
    const copyIn = (name: string, effect: string): SliceRecord =>
      sliceRecord({
        name,
        driver: 'd1',
        pool: 'p1',
        generation: 1,
        devices: [{ name: 'gpu-0', taints: [deviceTaint({ key: 'k', effect, timeAdded: 1 })] }],
      });
    const a = copyIn('s-a', 'NoExecute');
    const b = copyIn('s-b', 'None');
    for (const order of [
      [a, b],
      [b, a],
    ]) {
      const index = new PoolIndex();
      for (const s of order) add(index, s);
      expect(index.lookup('d1', 'p1', 'gpu-0')?.slice.name).toBe('s-a');
      expect(index.published('d1', 'p1', 'gpu-0')?.slice.name).toBe('s-a');
    }
    // An update of s-a (which moves it behind s-b in the pool's map) changes nothing about which counts,
    // and taking s-a's copy away exposes s-b's untainted one: reported, so its claims are evaluated again.
    const index = new PoolIndex();
    add(index, a);
    add(index, b);
    const a2 = { ...a, resourceVersion: 'a2' };
    expect(index.replace(poolKey('d1', 'p1'), a, a2)).toEqual(new Set());
    expect(index.lookup('d1', 'p1', 'gpu-0')?.slice.name).toBe('s-a');
    expect(index.replace(poolKey('d1', 'p1'), a2, null)).toEqual(new Set(['gpu-0']));
    expect(index.lookup('d1', 'p1', 'gpu-0')?.slice.name).toBe('s-b');

    // The other way round: the copy that counts is untainted and a later one is tainted. Taking the
    // untainted one away exposes the taint, although the taints of all copies together stay the same.
    const shadowed = new PoolIndex();
    const clean = copyIn('s-a', 'None');
    add(shadowed, clean);
    add(shadowed, copyIn('s-b', 'NoExecute'));
    expect(shadowed.replace(poolKey('d1', 'p1'), clean, null)).toEqual(new Set(['gpu-0']));
  });
});
