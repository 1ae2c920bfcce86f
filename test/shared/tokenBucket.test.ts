import { describe, expect, it } from 'vitest';
import { SharedTokenBucket } from '../../src/shared/tokenBucket.js';

/** A manual millisecond clock: the bucket's arithmetic is tested without waiting. */
function manualClock(start = 1_700_000_000_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

describe('SharedTokenBucket', () => {
  it('allows a burst, then refills at qps', () => {
    const clock = manualClock();
    const bucket = new SharedTokenBucket(SharedTokenBucket.createSpec({ qps: 10, burst: 3 }), clock.now);
    expect([bucket.tryAcquire(), bucket.tryAcquire(), bucket.tryAcquire(), bucket.tryAcquire()]).toEqual([
      true,
      true,
      true,
      false,
    ]);
    clock.advance(99);
    expect(bucket.tryAcquire()).toBe(false);
    clock.advance(1);
    expect(bucket.tryAcquire()).toBe(true);
    expect(bucket.tryAcquire()).toBe(false);
    // Idle long enough and the bucket is full again, but never beyond burst.
    clock.advance(10_000);
    expect(bucket.available()).toBeCloseTo(3, 5);
    let taken = 0;
    while (bucket.tryAcquire()) taken++;
    expect(taken).toBe(3);
  });

  it('is one budget for every instance over the same buffer', () => {
    const clock = manualClock();
    const spec = SharedTokenBucket.createSpec({ qps: 5, burst: 2 });
    const a = new SharedTokenBucket(spec, clock.now);
    const b = new SharedTokenBucket(structuredClone(spec), clock.now);
    expect(a.tryAcquire()).toBe(true);
    expect(b.tryAcquire()).toBe(true);
    expect(a.tryAcquire()).toBe(false);
    expect(b.tryAcquire()).toBe(false);
  });

  it('acquire() reserves slots in order and waits only for its own', async () => {
    const spec = SharedTokenBucket.createSpec({ qps: 200, burst: 1 });
    const bucket = new SharedTokenBucket(spec);
    const started = Date.now();
    const order: number[] = [];
    await Promise.all([0, 1, 2, 3, 4].map((i) => bucket.acquire().then(() => order.push(i))));
    expect(order).toEqual([0, 1, 2, 3, 4]);
    // Five tokens at 200/s with a burst of one: the last one is due 4 × 5 ms after the first.
    expect(Date.now() - started).toBeGreaterThanOrEqual(19);
    expect(bucket.tryAcquire()).toBe(false);
  });

  it('treats qps 0 as unlimited', async () => {
    const bucket = new SharedTokenBucket(SharedTokenBucket.createSpec({ qps: 0, burst: 0 }));
    for (let i = 0; i < 10_000; i++) expect(bucket.tryAcquire()).toBe(true);
    await bucket.acquire();
    expect(bucket.available()).toBe(Number.POSITIVE_INFINITY);
  });

  it('rejects nonsensical settings', () => {
    expect(() => SharedTokenBucket.createSpec({ qps: -1, burst: 1 })).toThrow(RangeError);
    expect(() => SharedTokenBucket.createSpec({ qps: 5, burst: 0 })).toThrow(RangeError);
    expect(() => new SharedTokenBucket({ qps: 1, burst: 1, buffer: new SharedArrayBuffer(4) })).toThrow(RangeError);
  });
});
