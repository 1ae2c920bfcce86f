// Time source for everything that schedules: the queue partitions, rule status pacing, retries.
// Production uses the real clock; tests use `FakeClock` and advance virtual time explicitly.

export interface TimerHandle {
  readonly id: number;
}

export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
  /** Calls `fn` once after `delayMs` (clamped to ≥ 0). */
  setTimer(fn: () => void, delayMs: number): TimerHandle;
  clearTimer(handle: TimerHandle): void;
}

export class RealClock implements Clock {
  private nextId = 1;
  private readonly timers = new Map<number, NodeJS.Timeout>();

  now(): number {
    return Date.now();
  }

  setTimer(fn: () => void, delayMs: number): TimerHandle {
    const id = this.nextId++;
    // setTimeout overflows above 2^31-1 ms (~24.8 days) and would fire immediately: chain instead.
    const MAX = 2_147_483_647;
    const arm = (remaining: number) => {
      const step = Math.min(Math.max(0, remaining), MAX);
      const t = setTimeout(() => {
        if (remaining > MAX) {
          arm(remaining - MAX);
          return;
        }
        this.timers.delete(id);
        fn();
      }, step);
      this.timers.set(id, t);
    };
    arm(delayMs);
    return { id };
  }

  clearTimer(handle: TimerHandle): void {
    const t = this.timers.get(handle.id);
    if (t !== undefined) {
      clearTimeout(t);
      this.timers.delete(handle.id);
    }
  }
}

interface FakeTimer {
  readonly id: number;
  readonly at: number;
  readonly seq: number;
  readonly fn: () => void;
}

/**
 * Virtual time for tests and simulations. Timers fire only inside `advance`/`step`, in due-time order
 * (ties in creation order), with `now()` set to each timer's due time while it runs.
 */
export class FakeClock implements Clock {
  private current: number;
  private nextId = 1;
  private seq = 0;
  private readonly timers = new Map<number, FakeTimer>();

  constructor(startMs = Date.UTC(2000, 0, 1)) {
    this.current = startMs;
  }

  now(): number {
    return this.current;
  }

  setTimer(fn: () => void, delayMs: number): TimerHandle {
    const id = this.nextId++;
    this.timers.set(id, { id, at: this.current + Math.max(0, delayMs), seq: this.seq++, fn });
    return { id };
  }

  clearTimer(handle: TimerHandle): void {
    this.timers.delete(handle.id);
  }

  /** Number of armed timers. */
  pending(): number {
    return this.timers.size;
  }

  /** Due time of the earliest armed timer, or `null`. */
  nextDue(): number | null {
    let best: FakeTimer | null = null;
    for (const t of this.timers.values())
      if (best === null || t.at < best.at || (t.at === best.at && t.seq < best.seq)) best = t;
    return best === null ? null : best.at;
  }

  /** Moves time forward by `ms`, firing every timer that becomes due (including ones armed meanwhile). */
  advance(ms: number): void {
    this.advanceTo(this.current + ms);
  }

  advanceTo(target: number): void {
    for (;;) {
      let best: FakeTimer | null = null;
      for (const t of this.timers.values()) {
        if (t.at > target) continue;
        if (best === null || t.at < best.at || (t.at === best.at && t.seq < best.seq)) best = t;
      }
      if (best === null) break;
      this.timers.delete(best.id);
      if (best.at > this.current) this.current = best.at;
      best.fn();
    }
    if (target > this.current) this.current = target;
  }
}
