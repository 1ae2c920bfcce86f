// Flag parsers: each rejects a bad value with one clear line (commander's InvalidArgumentError) rather
// than letting NaN into the runtime; durations are Go durations, as kube-controller-manager takes them.

import { InvalidArgumentError } from 'commander';
import { describe, expect, it } from 'vitest';
import {
  oneOf,
  parseDurationMs,
  parseNonNegativeInt,
  parseNonNegativeNumber,
  parsePositiveDurationMs,
  parsePositiveInt,
  parseRatio,
} from '../../src/cli/parseFlags.js';

describe('flag parsers', () => {
  it('accept what they promise', () => {
    expect(parseNonNegativeInt('0')).toBe(0);
    expect(parsePositiveInt('8')).toBe(8);
    expect(parseNonNegativeNumber('2.5')).toBe(2.5);
    expect(parseRatio('0.25')).toBe(0.25);
    expect(oneOf(['json', 'text'] as const)('text')).toBe('text');
  });

  it.each([
    ['parseNonNegativeInt', () => parseNonNegativeInt('-1')],
    ['parseNonNegativeInt (fraction)', () => parseNonNegativeInt('1.5')],
    ['parsePositiveInt', () => parsePositiveInt('0')],
    ['parseNonNegativeNumber', () => parseNonNegativeNumber('abc')],
    ['parseRatio', () => parseRatio('1.1')],
    ['oneOf', () => oneOf(['json', 'text'])('yaml')],
  ])('%s rejects a bad value with InvalidArgumentError', (_name, parse) => {
    expect(parse).toThrow(InvalidArgumentError);
  });

  it('reads Go durations, compound ones included, and rejects a bare number', () => {
    expect(parseDurationMs('15s')).toBe(15_000);
    expect(parseDurationMs('1m30s')).toBe(90_000);
    expect(parseDurationMs('500ms')).toBe(500);
    expect(parseDurationMs('2h')).toBe(7_200_000);
    expect(parseDurationMs('1.5s')).toBe(1_500);
    expect(() => parseDurationMs('15')).toThrow(InvalidArgumentError);
    expect(() => parseDurationMs('15 s')).toThrow(InvalidArgumentError);
    expect(parseDurationMs('0s')).toBe(0);
    expect(() => parsePositiveDurationMs('0s')).toThrow('expected a duration > 0');
  });
});
