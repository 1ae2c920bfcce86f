// The reflectors' backoff (client-go's wait.Backoff with jitter): 800 ms doubling to 30 s, each delay
// stretched by up to 100 % jitter but never past the cap, starting over after two quiet minutes.

import { describe, expect, it } from 'vitest';
import { JitteredBackoff, REFLECTOR_BACKOFF } from '../../src/shared/jitteredBackoff.js';

describe('JitteredBackoff', () => {
  it('doubles from the initial delay to the cap without jitter', () => {
    const backoff = new JitteredBackoff(REFLECTOR_BACKOFF, () => 0);
    const delays = Array.from({ length: 8 }, (_, i) => backoff.next(i));
    expect(delays).toEqual([800, 1_600, 3_200, 6_400, 12_800, 25_600, 30_000, 30_000]);
  });

  it('adds up to jitter·delay on top, capped at the maximum', () => {
    const backoff = new JitteredBackoff(REFLECTOR_BACKOFF, () => 0.5);
    expect(backoff.next(0)).toBe(1_200);
    expect(backoff.next(1)).toBe(2_400);
    const capped = new JitteredBackoff(REFLECTOR_BACKOFF, () => 0.99);
    for (let i = 0; i < 10; i++) expect(capped.next(i)).toBeLessThanOrEqual(30_000);
  });

  it('starts over after a quiet period, or when reset', () => {
    const backoff = new JitteredBackoff(REFLECTOR_BACKOFF, () => 0);
    backoff.next(0);
    backoff.next(1_000);
    expect(backoff.next(2_000)).toBe(3_200);
    expect(backoff.next(2_000 + 120_000)).toBe(800);
    backoff.next(200_000);
    backoff.reset();
    expect(backoff.next(200_001)).toBe(800);
  });

  it('rejects options that cannot back off', () => {
    expect(() => new JitteredBackoff({ ...REFLECTOR_BACKOFF, initialMs: 0 })).toThrow(RangeError);
    expect(() => new JitteredBackoff({ ...REFLECTOR_BACKOFF, maxMs: 10 })).toThrow(RangeError);
    expect(() => new JitteredBackoff({ ...REFLECTOR_BACKOFF, factor: 0.5 })).toThrow(RangeError);
  });
});
