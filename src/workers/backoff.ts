// Per-item exponential backoff, the same curve as client-go's ItemExponentialFailureRateLimiter inside
// the default controller rate limiter: 5 ms after the first failure, doubling per failure, capped at
// 1000 s, reset when the item succeeds (Forget). There is deliberately no retry cap: upstream G2+ keeps
// retrying a failed pod deletion until the eviction is cancelled (spec §2.7 step 5), unlike G1's five
// attempts. The overall QPS bucket of that limiter is not here: the executor takes API tokens.

export interface BackoffOptions {
  readonly baseMs: number;
  readonly maxMs: number;
}

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

/** Failure counts per item key; `when` records one more failure and says how long to wait. */
export class ItemExponentialBackoff {
  private readonly failuresByKey = new Map<string, number>();
  readonly options: BackoffOptions;

  constructor(options: BackoffOptions = DEFAULT_BACKOFF) {
    this.options = validateBackoff(options);
  }

  /** Records a failure of `key` and returns the delay before its next attempt. */
  when(key: string): number {
    const failures = (this.failuresByKey.get(key) ?? 0) + 1;
    this.failuresByKey.set(key, failures);
    return backoffDelay(failures, this.options);
  }

  /** Consecutive failures recorded for `key` since it was last forgotten. */
  failures(key: string): number {
    return this.failuresByKey.get(key) ?? 0;
  }

  /** Forgets `key` (success or cancellation), so a later failure starts again at the base delay. */
  forget(key: string): void {
    this.failuresByKey.delete(key);
  }

  /** Number of keys with recorded failures. */
  get size(): number {
    return this.failuresByKey.size;
  }
}
