// Flag value parsers for commander: they reject bad values with one clear line instead of letting a
// NaN travel into the runtime.

import { InvalidArgumentError } from 'commander';

export const parseNonNegativeInt = (value: string): number => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`expected a whole number ≥ 0, got "${value}"`);
  return n;
};

export const parsePositiveInt = (value: string): number => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`expected a whole number ≥ 1, got "${value}"`);
  return n;
};

export const parseNonNegativeNumber = (value: string): number => {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new InvalidArgumentError(`expected a number ≥ 0, got "${value}"`);
  return n;
};

export const parseRatio = (value: string): number => {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0 || n > 1)
    throw new InvalidArgumentError(`expected a ratio from 0 to 1, got "${value}"`);
  return n;
};

/** A percentage above 0 and at most 100. */
export const parsePercent = (value: string): number => {
  const n = Number(value.trim().replace(/%$/, ''));
  if (!Number.isFinite(n) || n <= 0 || n > 100)
    throw new InvalidArgumentError(`expected a percentage above 0 and at most 100, got "${value}"`);
  return n;
};

export const oneOf =
  <T extends string>(allowed: readonly T[]) =>
  (value: string): T => {
    if ((allowed as readonly string[]).includes(value)) return value as T;
    throw new InvalidArgumentError(`expected one of ${allowed.join(', ')}, got "${value}"`);
  };

const DURATION_UNITS_MS: Readonly<Record<string, number>> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };

/**
 * A Go duration as kube-controller-manager's flags take it (`15s`, `1m30s`, `500ms`, `2h`), in
 * milliseconds. A bare number is rejected, as Go's flag package does: "15" is ambiguous.
 */
export const parseDurationMs = (value: string): number => {
  const text = value.trim();
  const parts = /^(?:\d+(?:\.\d+)?(?:ms|s|m|h))+$/.test(text) ? text.match(/\d+(?:\.\d+)?(?:ms|s|m|h)/g) : null;
  if (parts === null) throw new InvalidArgumentError(`expected a duration like 15s, 2m or 500ms, got "${value}"`);
  let ms = 0;
  for (const part of parts) {
    const unit = /(ms|s|m|h)$/.exec(part)?.[1] ?? 's';
    ms += Number.parseFloat(part) * (DURATION_UNITS_MS[unit] ?? 1_000);
  }
  return Math.round(ms);
};

/** A Go duration, or `0` for "none/never". */
export const parseDurationOrZeroMs = (value: string): number => (value.trim() === '0' ? 0 : parseDurationMs(value));

/** A positive Go duration. */
export const parsePositiveDurationMs = (value: string): number => {
  const ms = parseDurationMs(value);
  if (ms <= 0) throw new InvalidArgumentError(`expected a duration > 0, got "${value}"`);
  return ms;
};

/** A usage mistake found after parsing (a bad combination, a bad config file): one line, exit 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}
