// Readers for untrusted JSON: own properties only, absent and null alike for optionals, shape errors
// that name the JSON path, strict RFC 3339 timestamps.

import { describe, expect, it } from 'vitest';
import {
  asObject,
  elementPaths,
  field,
  optArray,
  optBoolean,
  optInteger,
  optObject,
  optString,
  optTimestamp,
  parseTimestamp,
  reqString,
  ShapeError,
  strOrEmpty,
} from '../../src/shared/jsonShape.js';

const shapeError = (fn: () => unknown): string => {
  try {
    fn();
  } catch (err) {
    if (err instanceof ShapeError) return err.message;
    throw err;
  }
  throw new Error('expected a ShapeError');
};

describe('jsonShape', () => {
  it('reads own properties only, so inherited names and __proto__ keys are just keys', () => {
    const parsed = asObject(JSON.parse('{"__proto__": {"x": 1}, "a": 2}'), '$');
    expect(field(parsed, 'a')).toBe(2);
    expect(field(parsed, '__proto__')).toEqual({ x: 1 });
    expect(field(parsed, 'toString')).toBeUndefined();
    expect(field({}, 'constructor')).toBeUndefined();
  });

  it('treats absent and null alike for optionals, and names the path of a wrong type', () => {
    const o = { s: 'x', n: null, i: 3, b: true, a: [1], obj: {} };
    expect([optString(o, 'n', '$'), optString(o, 'missing', '$'), strOrEmpty(o, 'n', '$')]).toEqual([null, null, '']);
    expect(optInteger(o, 'i', '$')).toBe(3);
    expect(optBoolean(o, 'b', '$')).toBe(true);
    expect(optArray(o, 'n', '$')).toEqual([]);
    expect(optObject(o, 'obj', '$')).toEqual({});
    expect(shapeError(() => optString(o, 'i', '$.spec'))).toBe('$.spec.i: expected string, got number');
    expect(shapeError(() => optInteger({ f: 1.5 }, 'f', '$'))).toBe('$.f: expected integer, got number');
    expect(shapeError(() => optArray(o, 'obj', '$'))).toBe('$.obj: expected array, got object');
    expect(shapeError(() => asObject([], '$.metadata'))).toBe('$.metadata: expected object, got array');
  });

  it('requires non-empty strings where they are required', () => {
    expect(reqString({ name: 'a' }, 'name', '$.metadata')).toBe('a');
    expect(shapeError(() => reqString({}, 'name', '$.metadata'))).toBe('$.metadata.name: required');
    expect(shapeError(() => reqString({ name: '' }, 'name', '$.metadata'))).toContain('expected non-empty string');
  });

  it('accepts RFC 3339 timestamps only, with fractions and offsets', () => {
    expect(parseTimestamp('2000-01-01T00:00:00Z')).toBe(Date.UTC(2000, 0, 1));
    expect(parseTimestamp('2000-01-01T01:00:00.5+01:00')).toBe(Date.UTC(2000, 0, 1) + 500);
    for (const bad of ['1', 'March 7', '2000-01-01', '2000-01-01T00:00:00']) expect(parseTimestamp(bad)).toBeNull();
    expect(optTimestamp({ t: '' }, 't', '$')).toBeNull();
    expect(shapeError(() => optTimestamp({ t: 'yesterday' }, 't', '$'))).toContain('not an RFC 3339 timestamp');
  });

  it('builds element paths, cached for the first few indexes', () => {
    const paths = elementPaths('$.items');
    expect(paths(0)).toBe('$.items[0]');
    expect(paths(0)).toBe(paths(0));
    expect(paths(12)).toBe('$.items[12]');
  });
});
