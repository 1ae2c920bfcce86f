// The one per-item backoff (client-go's ItemExponentialFailureRateLimiter): the curve, per-item
// counting, forget, and the option checks every user (queue, rule status, supervisor, watch loop) relies on.

import { describe, expect, it } from 'vitest';
import { backoffDelay, DEFAULT_BACKOFF, ItemExponentialBackoff } from '../../src/shared/backoff.js';

describe('backoff', () => {
  it('follows client-go: 5 ms doubling per failure, capped at 1000 s', () => {
    const delays = Array.from({ length: 22 }, (_, i) => backoffDelay(i + 1));
    expect(delays.slice(0, 6)).toEqual([5, 10, 20, 40, 80, 160]);
    // 5 ms · 2^17 = 655.36 s is the last uncapped step; from the 19th failure on it stays at 1000 s.
    expect(delays[17]).toBe(655_360);
    expect(delays.slice(18)).toEqual([1_000_000, 1_000_000, 1_000_000, 1_000_000]);
    expect(backoffDelay(5_000)).toBe(DEFAULT_BACKOFF.maxMs);
  });

  it('counts failures per item and starts over after forget', () => {
    const backoff = new ItemExponentialBackoff();
    expect([backoff.when('a'), backoff.when('a'), backoff.when('b'), backoff.when('a')]).toEqual([5, 10, 5, 20]);
    expect(backoff.failures('a')).toBe(3);
    backoff.forget('a');
    expect(backoff.failures('a')).toBe(0);
    expect(backoff.when('a')).toBe(5);
    expect(backoff.size).toBe(2);
  });

  it('keeps going past upstream G1’s five attempts', () => {
    const backoff = new ItemExponentialBackoff({ baseMs: 5, maxMs: 1_000_000 });
    const delays = Array.from({ length: 30 }, () => backoff.when('pod'));
    expect(delays[5]).toBe(160);
    expect(delays[29]).toBe(1_000_000);
    expect(backoff.failures('pod')).toBe(30);
  });

  it('keys items by any value, e.g. a shard number, each with its own curve and cap', () => {
    const restarts = new ItemExponentialBackoff<number>({ baseMs: 50, maxMs: 10_000 });
    expect([restarts.when(0), restarts.when(0), restarts.when(1), restarts.when(0)]).toEqual([50, 100, 50, 200]);
    for (let i = 0; i < 40; i++) restarts.when(1);
    expect(restarts.when(1)).toBe(10_000);
    restarts.forget(1);
    expect(restarts.when(1)).toBe(50);
    expect(restarts.failures(0)).toBe(3);
  });

  it('rejects nonsense options', () => {
    expect(() => new ItemExponentialBackoff({ baseMs: Number.NaN, maxMs: 10 })).toThrow(RangeError);
    expect(() => new ItemExponentialBackoff({ baseMs: 5, maxMs: Number.POSITIVE_INFINITY })).toThrow(RangeError);
    expect(() => new ItemExponentialBackoff({ baseMs: 0, maxMs: 10 })).toThrow(RangeError);
    expect(() => new ItemExponentialBackoff({ baseMs: 10, maxMs: 5 })).toThrow(RangeError);
  });
});
