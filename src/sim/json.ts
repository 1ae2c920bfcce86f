// Plain JSON values as the simulated apiserver stores and patches them. Objects arrive from the
// network as `unknown`; everything here narrows instead of casting.

export type JsonValue = null | boolean | number | string | JsonValue[] | JsonObject;
export interface JsonObject {
  [key: string]: JsonValue;
}

export const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

export const asObject = (v: unknown): JsonObject | undefined => (isObject(v) ? v : undefined);

export const asString = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** Deep copy of a JSON value; several times faster than structuredClone for API-object-sized values. */
export function clone<T extends JsonValue>(v: T): T {
  return copyValue(v) as T;
}

function copyValue(v: JsonValue): JsonValue {
  if (typeof v !== 'object' || v === null) return v;
  if (Array.isArray(v)) {
    const out = new Array<JsonValue>(v.length);
    for (let i = 0; i < v.length; i++) out[i] = copyValue(v[i]!);
    return out;
  }
  const out: JsonObject = {};
  for (const k in v) {
    const e = v[k];
    if (e !== undefined) out[k] = copyValue(e);
  }
  return out;
}

/** Structural equality of two JSON values (key order ignored). */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!jsonEqual(a[i], b[i])) return false;
    return true;
  }
  if (isObject(a)) {
    if (!isObject(b)) return false;
    const ak = Object.keys(a);
    if (ak.length !== Object.keys(b).length) return false;
    for (const k of ak) if (!(k in b) || !jsonEqual(a[k], b[k])) return false;
    return true;
  }
  return false;
}

/** `obj[k1][k2]...`, or undefined when any step is missing or not an object. */
export function getPath(obj: unknown, ...path: string[]): JsonValue | undefined {
  let cur: unknown = obj;
  for (const k of path) {
    if (!isObject(cur)) return undefined;
    cur = cur[k];
  }
  return cur as JsonValue | undefined;
}

/** The object at `obj[k]`, created when absent (or replaced when not an object). */
export function ensureObject(obj: JsonObject, key: string): JsonObject {
  const cur = obj[key];
  if (isObject(cur)) return cur;
  const fresh: JsonObject = {};
  obj[key] = fresh;
  return fresh;
}

/** Parses untrusted JSON text; `undefined` when it is not valid JSON. */
export function parseJson(text: string): JsonValue | undefined {
  try {
    return JSON.parse(text) as JsonValue;
  } catch {
    return undefined;
  }
}
