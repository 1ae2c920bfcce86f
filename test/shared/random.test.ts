// The one seeded PRNG: the same seed gives the same sequence (load reports, the simulated cluster's
// seeding and its fault draws are compared run to run), draws stay in [0, 1) and spread evenly, and
// the one-shot roll equals the first draw of a generator.

import { describe, expect, it } from 'vitest';
import { randomOf, seededRandom, shuffled } from '../../src/shared/random.js';

describe('seededRandom (mulberry32)', () => {
  it('produces mulberry32’s published sequence, so seeded runs stay comparable across versions', () => {
    const random = seededRandom(1);
    expect([random(), random(), random()]).toEqual([0.6270739405881613, 0.002735721180215478, 0.5274470399599522]);
  });

  it('repeats a sequence for the same seed and differs for another', () => {
    const draw = (seed: number) => {
      const random = seededRandom(seed);
      return Array.from({ length: 20 }, () => random());
    };
    expect(draw(7)).toEqual(draw(7));
    expect(draw(7)).not.toEqual(draw(8));
    // Seeds are taken modulo 2^32, as the load generator's `seed ^ constant` relies on.
    expect(draw(-1)).toEqual(draw(2 ** 32 - 1));
  });

  it('draws floats in [0, 1) spread evenly over ten buckets', () => {
    const random = seededRandom(12345);
    const buckets = new Array<number>(10).fill(0);
    for (let i = 0; i < 100_000; i++) {
      const x = random();
      expect(x >= 0 && x < 1).toBe(true);
      buckets[Math.floor(x * 10)]! += 1;
    }
    for (const n of buckets) expect(Math.abs(n - 10_000)).toBeLessThan(500);
  });

  it('rolls once without a generator: the first draw for that seed', () => {
    for (const seed of [0, 1, 99, 0xffffffff, -5]) expect(randomOf(seed)).toBe(seededRandom(seed)());
  });
});

describe('shuffled', () => {
  it('returns a permutation in a new array and leaves the input alone', () => {
    const items = Array.from({ length: 50 }, (_, i) => i);
    const out = shuffled(items, seededRandom(3));
    expect(out).not.toBe(items);
    expect(items).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect([...out].sort((a, b) => a - b)).toEqual(items);
    expect(out).not.toEqual(items);
    expect(shuffled(items, seededRandom(3))).toEqual(out);
  });

  it('puts every item first about equally often', () => {
    const random = seededRandom(9);
    const firsts = [0, 0, 0, 0];
    for (let i = 0; i < 40_000; i++) firsts[shuffled([0, 1, 2, 3], random)[0]!]! += 1;
    for (const n of firsts) expect(Math.abs(n - 10_000)).toBeLessThan(600);
  });
});
