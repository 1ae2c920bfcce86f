// The machinery every projector shares: raw API JSON → the compact records of ../types.ts, pure and
// total. Every projector returns a result value and never throws, whatever it is given, because it
// runs inside the reflector's watch loop and one malformed object must cost one log line, not the
// informer. One file per kind next to this one (pod.ts, claim.ts, slice.ts, rule.ts, podGroup.ts,
// deviceClass.ts).
//
// What counts as malformed: a missing name/uid/namespace, a field of the wrong JSON type, a list that
// is not a list, an unparseable timestamp. What does NOT: unknown taint effects or toleration
// operators (kept verbatim; the decision code treats them like upstream does), unknown extra fields.
//
// Memory and speed (bench/ingestProfile.ts): the initial sync projects 300k objects, and what the
// projectors return is what the caches hold. So records are built as single object literals with a
// fixed property order (one hidden class per record type, every property in-object: a spread of a
// partial object would add an out-of-object property array to each record), optional fields are
// `null` rather than absent, sub-records that repeat across objects are shared (strings through
// `intern`, empty lists through `EMPTY`, identical toleration lists and claim sources through
// `SharedValues`), and the error paths that readers need are not built per element.

import { EMPTY, intern } from '../intern.js';
import {
  asObject,
  field,
  isObject,
  type JsonObject,
  optTimestamp,
  reqString,
  ShapeError,
  strOrEmpty,
} from '../jsonShape.js';
import type { DeviceTaint } from '../types.js';

export type Projection<T> =
  | { readonly ok: true; readonly value: T }
  /**
   * `key` is the object's cache key when it could still be read. `fallback` is what to cache instead of
   * the object, when a degraded record can be built that never causes an eviction (see the
   * quarantine policy in src/kube/reflector.ts); absent when the object is best dropped altogether.
   */
  | { readonly ok: false; readonly error: string; readonly key: string | null; readonly fallback?: T };

export type Projector<T> = (raw: unknown) => Projection<T>;

/** Best-effort cache key of an object that failed projection (never throws). */
export function keyOfRaw(raw: unknown, namespaced: boolean): string | null {
  if (!isObject(raw)) return null;
  const m = field(raw, 'metadata');
  if (!isObject(m)) return null;
  const name = field(m, 'name');
  if (typeof name !== 'string' || name === '') return null;
  if (!namespaced) return name;
  const ns = field(m, 'namespace');
  return typeof ns === 'string' && ns !== '' ? `${ns}/${name}` : null;
}

function failure(err: unknown, raw: unknown, namespaced: boolean): Projection<never> {
  // Only shape errors are expected; anything else (a bug in a projector) is reported the same way so
  // that the watch keeps running, but with a marker that makes it stand out in the logs.
  const error = err instanceof ShapeError ? err.message : `unexpected projection failure: ${String(err)}`;
  return { ok: false, error, key: keyOfRaw(raw, namespaced) };
}

/**
 * Makes a total projector of a reader that throws on malformed input (no closure per object).
 * `fallbackOf` builds the degraded record to cache instead of a malformed object, or null.
 */
export function projector<T>(
  read: (raw: unknown) => T,
  namespaced: boolean,
  fallbackOf?: (raw: unknown) => T | null,
): Projector<T> {
  return (raw) => {
    try {
      return { ok: true, value: read(raw) };
    } catch (err) {
      const failed = failure(err, raw, namespaced);
      if (fallbackOf === undefined || failed.ok) return failed;
      let fallback: T | null = null;
      try {
        fallback = fallbackOf(raw);
      } catch {
        fallback = null;
      }
      return fallback === null ? failed : { ...failed, fallback };
    }
  };
}

/**
 * `intern` for strings read from JSON.parse output. V8's JSON parser already returns values of up to
 * 10 characters internalized (one shared copy per content: namespaces, "gpu", "NoExecute", "pods"), so
 * looking them up again would only cost a hash probe per field; longer ones are fresh copies. If an
 * engine did not do that, the only cost would be duplicate short strings, never a wrong result.
 */
export const internParsed = (s: string): string => (s.length <= 10 ? s : intern(s));

export const metadataOf = (obj: JsonObject): JsonObject => asObject(field(obj, 'metadata'), '$.metadata');

export interface Meta {
  readonly namespace: string;
  readonly name: string;
  readonly uid: string;
  readonly resourceVersion: string;
}

/** Identity fields of the rarely listed kinds (rules, PodGroups, classes); pods, claims and slices inline this. */
export function readMeta(raw: unknown, namespaced: boolean): { meta: Meta; obj: JsonObject } {
  const obj = asObject(raw, '$');
  const m = metadataOf(obj);
  const name = reqString(m, 'name', '$.metadata');
  const namespace = namespaced ? internParsed(reqString(m, 'namespace', '$.metadata')) : '';
  const uid = reqString(m, 'uid', '$.metadata');
  const resourceVersion = strOrEmpty(m, 'resourceVersion', '$.metadata');
  return { meta: { namespace, name, uid, resourceVersion }, obj };
}

/**
 * Self-delimiting part of a structural key (length prefix), so that no choice of field values can
 * make two different sub-records share a key; `null` and "" stay distinct.
 */
export const keyPart = (s: string | null): string => (s === null ? '-' : `${s.length}:${s}`);

/** Reads every element of `items`; the shared `EMPTY` when there are none. Sized once, no `map` closure. */
export function readList<T>(
  items: readonly unknown[],
  paths: (index: number) => string,
  read: (v: unknown, path: string) => T,
): readonly T[] {
  const n = items.length;
  if (n === 0) return EMPTY;
  const out = new Array<T>(n);
  for (let i = 0; i < n; i++) out[i] = read(items[i], paths(i));
  return out;
}

export function readTaint(v: unknown, path: string): DeviceTaint {
  const t = asObject(v, path);
  return {
    key: internParsed(reqString(t, 'key', path)),
    value: internParsed(strOrEmpty(t, 'value', path)),
    // Effect is required by validation, but a missing one is "unknown", which behaves like None.
    effect: internParsed(strOrEmpty(t, 'effect', path)),
    timeAdded: optTimestamp(t, 'timeAdded', path),
  };
}
