// The one per-item retry backoff of this project: client-go's ItemExponentialFailureRateLimiter
// (k8s.io/client-go/util/workqueue). Each item counts its consecutive failures; the n-th failure waits
// base·2^(n−1), capped at max; `forget` (a success, or the item going away) starts the item over at the
// base delay. There is no retry cap: upstream keeps retrying a failed pod deletion until the eviction
// is cancelled (docs/behaviour.md §2.7 step 5), unlike the first generation's five attempts. The overall QPS
// bucket of client-go's default controller rate limiter is not here: writes take API tokens instead.
//
// Used by the timed queue (eviction retries), the rule status updater (failed condition writes), the
// supervisor (restarting a crashed worker) and the load generator's watch loop (reconnects, with its
// own jitter on top). Not to be confused with jitteredBackoff.ts: that is client-go's *other* backoff,
// `wait.Backoff` with jitter and a reset after quiet periods, which the reflectors use for list/watch.

export interface BackoffOptions {
  readonly baseMs: number;
  readonly maxMs: number;
}

/** client-go's default controller rate limiter: 5 ms doubling per failure, capped at 1000 s. */
export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 5, maxMs: 1_000_000 };

/** Delay before the retry that follows the `failures`-th consecutive failure (1-based). */
export function backoffDelay(failures: number, options: BackoffOptions = DEFAULT_BACKOFF): number {
  const exponent = Math.max(0, failures - 1);
  // 2^exponent overflows to Infinity long after it has passed any sane cap; Math.min keeps it finite.
  return Math.min(options.baseMs * 2 ** exponent, options.maxMs);
}

export function validateBackoff(options: BackoffOptions): BackoffOptions {
  if (!(options.baseMs > 0) || !Number.isFinite(options.baseMs))
    throw new RangeError(`backoff baseMs must be a positive number, got ${options.baseMs}`);
  if (!(options.maxMs >= options.baseMs) || !Number.isFinite(options.maxMs))
    throw new RangeError(`backoff maxMs must be ≥ baseMs (${options.baseMs}), got ${options.maxMs}`);
  return options;
}

/** Failure counts per item; `when` records one more failure and says how long to wait. */
export class ItemExponentialBackoff<K = string> {
  private readonly failuresByKey = new Map<K, number>();
  readonly options: BackoffOptions;

  constructor(options: BackoffOptions = DEFAULT_BACKOFF) {
    this.options = validateBackoff(options);
  }

  /** Records a failure of `key` and returns the delay before its next attempt (client-go's `When`). */
  when(key: K): number {
    const failures = (this.failuresByKey.get(key) ?? 0) + 1;
    this.failuresByKey.set(key, failures);
    return backoffDelay(failures, this.options);
  }

  /** Consecutive failures recorded for `key` since it was last forgotten (client-go's `NumRequeues`). */
  failures(key: K): number {
    return this.failuresByKey.get(key) ?? 0;
  }

  /** Forgets `key` (success or cancellation), so a later failure starts again at the base delay. */
  forget(key: K): void {
    this.failuresByKey.delete(key);
  }

  /** Number of keys with recorded failures. */
  get size(): number {
    return this.failuresByKey.size;
  }
}
