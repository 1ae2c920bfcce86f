// Narrow readers for untrusted JSON. Projection reads API objects through these instead of casting:
// an apiserver (or a proxy, or a buggy sim) may send anything, and one bad object must be skipped,
// not crash the informer. Readers throw `ShapeError`, which projectors turn into a result value.

export type JsonObject = Readonly<Record<string, unknown>>;

/** A field had the wrong type or a required field was missing. `path` is a JSONPath-like location. */
export class ShapeError extends Error {
  constructor(
    readonly path: string,
    readonly problem: string,
  ) {
    super(`${path}: ${problem}`);
    this.name = 'ShapeError';
  }
}

export const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

const describe = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);

/**
 * Own-property lookup: `o.constructor` or `o.toString` must not be mistaken for fields, and a
 * `__proto__` key parsed from JSON must be treated like any other key.
 */
export const field = (o: JsonObject, key: string): unknown => (Object.hasOwn(o, key) ? o[key] : undefined);

export function asObject(v: unknown, path: string): JsonObject {
  if (!isObject(v)) throw new ShapeError(path, `expected object, got ${describe(v)}`);
  return v;
}

/** Absent and JSON `null` both mean "not set" (the apiserver emits either for omitted optionals). */
export function optObject(o: JsonObject, key: string, path: string): JsonObject | null {
  const v = field(o, key);
  if (v === undefined || v === null) return null;
  return asObject(v, `${path}.${key}`);
}

export function reqString(o: JsonObject, key: string, path: string): string {
  const v = field(o, key);
  if (typeof v !== 'string' || v === '')
    throw new ShapeError(
      `${path}.${key}`,
      v === undefined ? 'required' : `expected non-empty string, got ${describe(v)}`,
    );
  return v;
}

export function optString(o: JsonObject, key: string, path: string): string | null {
  const v = field(o, key);
  if (v === undefined || v === null) return null;
  if (typeof v !== 'string') throw new ShapeError(`${path}.${key}`, `expected string, got ${describe(v)}`);
  return v;
}

/** Optional string where "not set" and "" mean the same to the controller. */
export const strOrEmpty = (o: JsonObject, key: string, path: string): string => optString(o, key, path) ?? '';

/** What an absent object reads as, shared: `optObject(...) ?? NO_FIELDS` must not allocate per record. */
export const NO_FIELDS: JsonObject = Object.freeze({});

const NO_ITEMS: readonly unknown[] = Object.freeze([]);

export function optArray(o: JsonObject, key: string, path: string): readonly unknown[] {
  const v = field(o, key);
  if (v === undefined || v === null) return NO_ITEMS;
  if (!Array.isArray(v)) throw new ShapeError(`${path}.${key}`, `expected array, got ${describe(v)}`);
  return v;
}

export function optInteger(o: JsonObject, key: string, path: string): number | null {
  const v = field(o, key);
  if (v === undefined || v === null) return null;
  if (typeof v !== 'number' || !Number.isInteger(v))
    throw new ShapeError(`${path}.${key}`, `expected integer, got ${describe(v)}`);
  return v;
}

export function optBoolean(o: JsonObject, key: string, path: string): boolean | null {
  const v = field(o, key);
  if (v === undefined || v === null) return null;
  if (typeof v !== 'boolean') throw new ShapeError(`${path}.${key}`, `expected boolean, got ${describe(v)}`);
  return v;
}

/**
 * `base[i]` paths for the elements of a list, built once per index: readers need a path to report,
 * but building `$.status.allocation.devices.results[0]` for every element of every object is most of
 * the garbage a projection makes, and almost every list has fewer than a handful of elements.
 */
export function elementPaths(base: string): (index: number) => string {
  const cached: string[] = [];
  for (let i = 0; i < 8; i++) cached.push(`${base}[${i}]`);
  return (index) => cached[index] ?? `${base}[${index}]`;
}

// RFC 3339 as the apiserver writes metav1.Time / MicroTime. Date.parse alone is too lenient
// (it accepts "1" or "March 7"), and a taint time read wrongly moves an eviction.
const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$/;

/** Parses an RFC 3339 timestamp to ms since epoch, or `null` if it is not one. */
export function parseTimestamp(s: string): number | null {
  if (!RFC3339.test(s)) return null;
  const ms = Date.parse(s);
  return Number.isFinite(ms) ? ms : null;
}

export function optTimestamp(o: JsonObject, key: string, path: string): number | null {
  const s = optString(o, key, path);
  if (s === null || s === '') return null;
  const ms = parseTimestamp(s);
  if (ms === null) throw new ShapeError(`${path}.${key}`, `not an RFC 3339 timestamp: ${JSON.stringify(s)}`);
  return ms;
}
