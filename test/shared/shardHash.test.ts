import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fnv1a32, podShardHash, shardOf } from '../../src/shared/shardHash.js';

/** Reference FNV-1a over Node's own UTF-8 encoder: what the hand-rolled encoder must agree with. */
function referenceFnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (const byte of Buffer.from(text, 'utf8')) hash = Math.imul(hash ^ byte, 0x01000193);
  return hash >>> 0;
}

describe('fnv1a32', () => {
  it('matches the published FNV-1a test vectors', () => {
    expect(fnv1a32('')).toBe(0x811c9dc5);
    expect(fnv1a32('a')).toBe(0xe40c292c);
    expect(fnv1a32('foobar')).toBe(0xbf9cf968);
  });

  it('keeps golden values for pod keys (changing them reshuffles every pod across workers)', () => {
    expect(podShardHash('default', 'nginx-0')).toBe(2146394920);
    expect(podShardHash('kube-system', 'coredns-7db6d8ff4d-abcde')).toBe(2987510395);
    expect(podShardHash('ns', 'pöd-ü')).toBe(1973744308);
    expect(podShardHash('ns', 'gpu-🚀')).toBe(1497455497);
    expect(shardOf({ namespace: 'default', name: 'nginx-0' }, 4)).toBe(2146394920 % 4);
  });

  it('equals FNV-1a over the UTF-8 bytes for any string, including astral and lone surrogates', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 40 }), (text) => {
        expect(fnv1a32(text)).toBe(referenceFnv1a(text));
      }),
      { numRuns: 500 },
    );
    expect(fnv1a32('x\ud800y')).toBe(referenceFnv1a('x\ud800y'));
    expect(fnv1a32('x\udc00')).toBe(referenceFnv1a('x\udc00'));
  });

  it('equals FNV-1a of namespace/name for any strings, also once the namespace cache has been cleared', () => {
    for (let i = 0; i < 5_000; i++) expect(podShardHash(`ns-${i}`, 'p')).toBe(fnv1a32(`ns-${i}/p`));
    fc.assert(
      fc.property(
        fc.string({ unit: 'binary', maxLength: 20 }),
        fc.string({ unit: 'binary', maxLength: 20 }),
        (ns, name) => {
          expect(podShardHash(ns, name)).toBe(referenceFnv1a(`${ns}/${name}`));
          expect(podShardHash(ns, name)).toBe(referenceFnv1a(`${ns}/${name}`));
        },
      ),
      { numRuns: 300 },
    );
    expect(podShardHash('default', 'nginx-0')).toBe(2146394920);
  });

  it('hashes namespace/name with its separator, so the split point matters', () => {
    expect(podShardHash('a', 'bc')).toBe(fnv1a32('a/bc'));
    expect(podShardHash('a', 'bc')).not.toBe(podShardHash('ab', 'c'));
  });
});

describe('shardOf', () => {
  it('is always in range and ignores everything but namespace and name', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), fc.string(), fc.integer({ min: 1, max: 64 }), (ns, name, uid, n) => {
        const shard = shardOf({ namespace: ns, name }, n);
        expect(shard).toBeGreaterThanOrEqual(0);
        expect(shard).toBeLessThan(n);
        expect(shardOf({ namespace: ns, name, uid } as { namespace: string; name: string }, n)).toBe(shard);
      }),
    );
  });

  it('spreads realistic pod names evenly (within 3% of the mean per shard)', () => {
    for (const shards of [2, 3, 4, 8]) {
      const counts = new Array<number>(shards).fill(0);
      const pods = 60_000;
      for (let i = 0; i < pods; i++) {
        const ns = `team-${i % 37}`;
        const name = `trainer-${Math.floor(i / 8)}-worker-${i % 8}`;
        counts[shardOf({ namespace: ns, name }, shards)]! += 1;
      }
      const mean = pods / shards;
      for (const count of counts) expect(Math.abs(count - mean) / mean).toBeLessThan(0.03);
    }
  });

  it('rejects a shard count below 1', () => {
    expect(() => shardOf({ namespace: 'a', name: 'b' }, 0)).toThrow(RangeError);
    expect(() => shardOf({ namespace: 'a', name: 'b' }, 1.5)).toThrow(RangeError);
  });
});
