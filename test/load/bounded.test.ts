// Bounded fan-out: never more than `limit` calls pending, every item once, and the first failure stops
// new calls and is rethrown after the running ones finish.

import { describe, expect, it } from 'vitest';
import { runBounded } from '../../src/load/bounded.js';

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('runBounded', () => {
  it('calls every item once with at most `limit` in flight', async () => {
    let inFlight = 0;
    let peak = 0;
    const seen: number[] = [];
    await runBounded([1, 2, 3, 4, 5, 6, 7], 3, async (item, index) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      await tick();
      seen.push(item * 10 + index);
      inFlight--;
    });
    expect(peak).toBe(3);
    expect(seen.sort((a, b) => a - b)).toEqual([10, 21, 32, 43, 54, 65, 76]);
  });

  it('stops starting calls after the first failure, waits for running ones, then throws it', async () => {
    const started: number[] = [];
    let finished = 0;
    const run = runBounded([0, 1, 2, 3, 4, 5], 2, async (item) => {
      started.push(item);
      await tick();
      if (item === 1) throw new Error('first');
      if (item === 2) throw new Error('second');
      finished++;
    });
    await expect(run).rejects.toThrow('first');
    expect(started).toEqual([0, 1, 2]);
    expect(finished).toBe(1);
  });

  it('does nothing for no items, and runs one lane for a limit below one', async () => {
    await expect(runBounded([], 4, async () => {})).resolves.toBeUndefined();
    let inFlight = 0;
    await runBounded([1, 2], 0, async () => {
      inFlight++;
      expect(inFlight).toBe(1);
      await tick();
      inFlight--;
    });
  });
});
