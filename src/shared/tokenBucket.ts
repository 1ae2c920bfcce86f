// One API budget (`--kube-api-qps`, `--kube-api-burst`) for the whole process. Every thread constructs a
// `SharedTokenBucket` over the same SharedArrayBuffer, so four workers together stay within the limit one
// client-go process would have, instead of four times it.
//
// The bucket's two variables — tokens and last refill time — are folded into one 64-bit word, the
// "theoretical arrival time" of the generic cell rate algorithm: `tat` is the time at which the bucket
// would be full again. Tokens available at `now` = burst − (tat − now) / interval. Taking a token is
// `tat = max(tat, now) + interval`, allowed while `tat − now ≤ burst × interval`. One word means one
// compare-and-swap updates both, with no lock and no torn reads across threads.
//
// `acquire()` reserves its slot with that CAS and then waits for it with a timer, so waiters are served
// in reservation order and nobody spins. It never uses Atomics.wait: that would block the main thread's
// event loop (and a worker's timers).

import type { ApiBudget } from './apiBudget.js';

/** Layout of the shared state: one BigInt64 slot holding `tat` in microseconds since the epoch. */
const TAT_SLOT = 0;
const SLOTS = 1;

export interface TokenBucketConfig {
  /** Sustained rate; 0 = unlimited (every acquire succeeds at once). */
  readonly qps: number;
  /** Tokens available at once after idling; at least 1 when qps > 0. */
  readonly burst: number;
}

/** What a thread needs to join the shared budget; structured-clonable (the buffer is shared, not copied). */
export interface SharedTokenBucketSpec extends TokenBucketConfig {
  readonly buffer: SharedArrayBuffer;
}

export type MillisecondClock = () => number;

export class SharedTokenBucket implements ApiBudget {
  private readonly state: BigInt64Array;
  /** Microseconds between two tokens; 0 when unlimited. */
  private readonly intervalUs: bigint;
  /** How far `tat` may run ahead of now: burst × interval. */
  private readonly toleranceUs: bigint;

  /** Allocates the shared state for a new budget; pass the result to every thread. */
  static createSpec(config: TokenBucketConfig): SharedTokenBucketSpec {
    validateConfig(config);
    return { qps: config.qps, burst: config.burst, buffer: new SharedArrayBuffer(SLOTS * 8) };
  }

  constructor(
    spec: SharedTokenBucketSpec,
    private readonly now: MillisecondClock = Date.now,
  ) {
    validateConfig(spec);
    if (spec.buffer.byteLength < SLOTS * 8) throw new RangeError('token bucket buffer too small');
    this.state = new BigInt64Array(spec.buffer, 0, SLOTS);
    this.intervalUs = spec.qps > 0 ? BigInt(Math.max(1, Math.round(1_000_000 / spec.qps))) : 0n;
    this.toleranceUs = this.intervalUs * BigInt(Math.max(1, Math.floor(spec.burst)));
  }

  get unlimited(): boolean {
    return this.intervalUs === 0n;
  }

  tryAcquire(): boolean {
    if (this.unlimited) return true;
    for (;;) {
      const nowUs = this.nowUs();
      const tat = Atomics.load(this.state, TAT_SLOT);
      const next = laterOf(tat, nowUs) + this.intervalUs;
      if (next - nowUs > this.toleranceUs) return false;
      if (Atomics.compareExchange(this.state, TAT_SLOT, tat, next) === tat) return true;
    }
  }

  acquire(): Promise<void> {
    if (this.unlimited) return Promise.resolve();
    const waitMs = this.reserve();
    if (waitMs <= 0) return Promise.resolve();
    return new Promise((resolve) => setTimeout(resolve, waitMs));
  }

  /** Milliseconds until `tryAcquire` could succeed (0 = now): when to look again after a refusal. */
  waitMs(): number {
    if (this.unlimited) return 0;
    const nowUs = this.nowUs();
    const tat = Atomics.load(this.state, TAT_SLOT);
    const earlyUs = laterOf(tat, nowUs) + this.intervalUs - nowUs - this.toleranceUs;
    return earlyUs > 0n ? Math.ceil(Number(earlyUs) / 1000) : 0;
  }

  /** Tokens available right now (fractional), for metrics and tests. */
  available(): number {
    if (this.unlimited) return Number.POSITIVE_INFINITY;
    const nowUs = this.nowUs();
    const tat = Atomics.load(this.state, TAT_SLOT);
    const debtUs = tat > nowUs ? tat - nowUs : 0n;
    return Number(this.toleranceUs - debtUs) / Number(this.intervalUs);
  }

  /** Takes the next slot unconditionally; returns how many ms until it is ours. */
  private reserve(): number {
    for (;;) {
      const nowUs = this.nowUs();
      const tat = Atomics.load(this.state, TAT_SLOT);
      const next = laterOf(tat, nowUs) + this.intervalUs;
      if (Atomics.compareExchange(this.state, TAT_SLOT, tat, next) === tat) {
        const earlyUs = next - nowUs - this.toleranceUs;
        // Round up: waking a little late keeps the rate; waking early would exceed it.
        return earlyUs > 0n ? Math.ceil(Number(earlyUs) / 1000) : 0;
      }
    }
  }

  private nowUs(): bigint {
    return BigInt(Math.floor(this.now() * 1000));
  }
}

/** Math.max for bigint (Math.max rejects bigints). */
function laterOf(a: bigint, b: bigint): bigint {
  if (a > b) return a;
  return b;
}

function validateConfig(config: TokenBucketConfig): void {
  if (!Number.isFinite(config.qps) || config.qps < 0) throw new RangeError(`qps must be ≥ 0, got ${config.qps}`);
  if (config.qps > 0 && (!Number.isFinite(config.burst) || config.burst < 1))
    throw new RangeError(`burst must be ≥ 1 when qps > 0, got ${config.burst}`);
}
