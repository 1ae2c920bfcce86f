// The informer store's map: read like a Map keyed by namespace/name (or name), keyed inside by the
// records' own strings; iteration keeps namespace-then-insertion order.

import { describe, expect, it } from 'vitest';
import { RecordMap } from '../../src/kube/recordMap.js';

const rec = (namespace: string, name: string, resourceVersion = '1') =>
  namespace === '' ? { name, resourceVersion } : { namespace, name, resourceVersion };

describe('RecordMap', () => {
  it('stores, replaces, reads and deletes by namespace/name keys and by record', () => {
    const m = new RecordMap<{ namespace?: string; name: string; resourceVersion: string }>();
    expect(m.set(rec('a', 'x'))).toBeUndefined();
    m.set(rec('b', 'y'));
    m.set(rec('', 'cluster'));
    expect(m.set(rec('a', 'x', '2'))?.resourceVersion).toBe('1');
    expect(m.size).toBe(3);
    expect(m.get('a/x')?.resourceVersion).toBe('2');
    expect(m.get('cluster')?.name).toBe('cluster');
    expect(m.getByName('b', 'y')?.name).toBe('y');
    expect(m.getLike(rec('', 'cluster'))).toBeDefined();
    expect(m.has('b/y')).toBe(true);
    expect(m.has('b/x')).toBe(false);
    expect([...m.keys()]).toEqual(['a/x', 'b/y', 'cluster']);
    expect(new Map(m)).toEqual(new Map([...m.entries()]));
    expect(m.delete('b/y')?.name).toBe('y');
    expect(m.delete('b/y')).toBeUndefined();
    expect(m.deleteByName('', 'cluster')?.name).toBe('cluster');
    expect(m.size).toBe(1);
    const seen: string[] = [];
    m.forEach((v, k) => {
      seen.push(`${k}@${v.resourceVersion}`);
    });
    expect(seen).toEqual(['a/x@2']);
  });

  it('iterates a key-sorted list in list order', () => {
    const list = [rec('ns1', 'a'), rec('ns1', 'b'), rec('ns2', 'a'), rec('ns3', 'c')];
    expect([...RecordMap.of(list).values()]).toEqual(list);
  });
});
