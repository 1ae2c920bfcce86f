// Drives a FakeClock from async tests. `FakeClock.advance` fires due timers synchronously, so promise
// continuations scheduled by one timer (a request settling, an elector reacting) would only run after
// the whole advance. These helpers step timer by timer and drain the microtask queue in between, so
// virtual time passes the way real time would for code that mixes timers and promises.

import type { Clock, FakeClock, TimerHandle } from '../../src/shared/clock.js';

/** Lets every queued promise continuation run (the microtask queue drains fully before setImmediate). */
export const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Advances to `target`, firing each due timer at its time and flushing promises after each. */
export async function advanceTo(clock: FakeClock, target: number): Promise<void> {
  await flush();
  for (;;) {
    const next = clock.nextDue();
    if (next === null || next > target) break;
    clock.advanceTo(next);
    await flush();
  }
  clock.advanceTo(target);
  await flush();
}

export const advance = (clock: FakeClock, ms: number): Promise<void> => advanceTo(clock, clock.now() + ms);

/**
 * Steps timer by timer until `cond()` holds, at most until `limit` (absolute virtual time). Returns the
 * virtual time at which it first held; throws if it did not.
 */
export async function stepUntil(
  clock: FakeClock,
  cond: () => boolean,
  limit: number,
  what = 'condition',
): Promise<number> {
  await flush();
  for (;;) {
    if (cond()) return clock.now();
    const next = clock.nextDue();
    if (next === null || next > limit) break;
    clock.advanceTo(next);
    await flush();
  }
  if (cond()) return clock.now();
  throw new Error(`stepUntil: ${what} did not happen by virtual time +${limit - clock.now()} ms (now ${clock.now()})`);
}

/**
 * The same timers as `inner`, but `now()` reads `skewMs` off: a process whose wall clock is wrong.
 * Used as the elector's only clock it models a host whose Date.now() is off (the elector's monotonic
 * "now" is then off by the same constant, which is harmless: only differences of it are used).
 */
export class SkewedClock implements Clock {
  constructor(
    private readonly inner: Clock,
    public skewMs: number,
  ) {}
  now(): number {
    return this.inner.now() + this.skewMs;
  }
  setTimer(fn: () => void, delayMs: number): TimerHandle {
    return this.inner.setTimer(fn, delayMs);
  }
  clearTimer(handle: TimerHandle): void {
    this.inner.clearTimer(handle);
  }
}
