// client-go's reflector backoff (wait.NewExponentialBackoffManager(800ms, 30s, 2m, 2.0, 1.0)):
// exponential with jitter, reset once things have been quiet for a while. Jitter matters here: after
// an apiserver restart every informer of every controller reconnects, and without it they would all
// hit the recovering server in lock-step. Pure: the caller supplies time and randomness.
//
// This is client-go's `wait.Backoff` family, deliberately a different backoff from backoff.ts (the
// workqueue's per-item ItemExponentialFailureRateLimiter, no jitter, reset by `forget`): one instance
// per reflector, jittered, reset by time. The reflectors use this one; everything that retries an item
// uses backoff.ts.

export interface JitteredBackoffOptions {
  readonly initialMs: number;
  readonly maxMs: number;
  readonly factor: number;
  /** A delay d becomes d + random·jitter·d (client-go's wait.Jitter), then is capped at maxMs. */
  readonly jitter: number;
  /** After this long without a failure, the next failure starts again from `initialMs`. */
  readonly resetAfterMs: number;
}

export const REFLECTOR_BACKOFF: JitteredBackoffOptions = {
  initialMs: 800,
  maxMs: 30_000,
  factor: 2,
  jitter: 1,
  resetAfterMs: 120_000,
};

export class JitteredBackoff {
  private nextBaseMs: number;
  private lastFailureAt: number | null = null;

  constructor(
    readonly options: JitteredBackoffOptions = REFLECTOR_BACKOFF,
    private readonly random: () => number = Math.random,
  ) {
    if (!(options.initialMs > 0) || !(options.maxMs >= options.initialMs) || !(options.factor >= 1))
      throw new RangeError('backoff needs 0 < initialMs ≤ maxMs and factor ≥ 1');
    this.nextBaseMs = options.initialMs;
  }

  /** Records a failure at `now` and returns how long to wait before the next attempt. */
  next(now: number): number {
    if (this.lastFailureAt !== null && now - this.lastFailureAt >= this.options.resetAfterMs)
      this.nextBaseMs = this.options.initialMs;
    this.lastFailureAt = now;
    const base = this.nextBaseMs;
    this.nextBaseMs = Math.min(this.options.maxMs, base * this.options.factor);
    return Math.min(this.options.maxMs, base + this.random() * this.options.jitter * base);
  }

  /** Forget past failures (e.g. after a watch that stayed healthy). */
  reset(): void {
    this.nextBaseMs = this.options.initialMs;
    this.lastFailureAt = null;
  }
}
