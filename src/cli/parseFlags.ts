// Flag value parsers for commander: they reject bad values with one clear line instead of letting a
// NaN travel into the runtime.

import { InvalidArgumentError } from 'commander';

export const parseNonNegativeInt = (value: string): number => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`expected a whole number ≥ 0, got "${value}"`);
  return n;
};

export const parsePositiveInt = (value: string): number => {
  const n = parseNonNegativeInt(value);
  if (n < 1) throw new InvalidArgumentError(`expected a whole number ≥ 1, got "${value}"`);
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

export const oneOf =
  <T extends string>(allowed: readonly T[]) =>
  (value: string): T => {
    if ((allowed as readonly string[]).includes(value)) return value as T;
    throw new InvalidArgumentError(`expected one of ${allowed.join(', ')}, got "${value}"`);
  };
