// Strategic merge patch (k8s.io/apimachinery/pkg/util/strategicpatch), driven by the schema's patch
// strategies: a list whose field says `merge` with a merge key merges item by item (`$patch: delete`
// removes one), `merge` without a key merges primitives as a set, any other list is replaced.
// Directives: `$patch: replace|delete` on a map, `$retainKeys`, `$setElementOrder/<list>`,
// `$deleteFromPrimitiveList/<list>`.

import { childField } from './fields/fieldSet.js';
import { clone, isObject, type JsonObject, type JsonValue, jsonEqual } from './json.js';
import type { FieldDef, TypeNode } from './schema/index.js';

const DELETE_FROM = '$deleteFromPrimitiveList/';
const SET_ORDER = '$setElementOrder/';

/** Applies `patch` to `target` (neither is modified). `node` is the type of both. */
export function strategicMerge(target: JsonValue | undefined, patch: JsonObject, node: TypeNode): JsonObject {
  if (patch.$patch === 'replace') {
    const { $patch: _directive, ...rest } = patch;
    return stripDirectives(rest);
  }
  const out: JsonObject = isObject(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (k === '$patch' || k === '$retainKeys' || k.startsWith(SET_ORDER)) continue;
    if (k.startsWith(DELETE_FROM)) {
      const field = k.slice(DELETE_FROM.length);
      const cur = out[field];
      if (Array.isArray(cur) && Array.isArray(v)) out[field] = cur.filter((e) => !v.some((d) => jsonEqual(d, e)));
      continue;
    }
    if (v === null) {
      delete out[k];
      continue;
    }
    const child = childField(node, k);
    if (isObject(v) && v.$patch === 'delete') {
      delete out[k];
      continue;
    }
    out[k] = mergeValue(out[k], v, child?.type, child?.field);
  }
  for (const [k, v] of Object.entries(patch)) {
    if (!k.startsWith(SET_ORDER) || !Array.isArray(v)) continue;
    const field = k.slice(SET_ORDER.length);
    const child = childField(node, field);
    if (Array.isArray(out[field])) out[field] = reorder(out[field] as JsonValue[], v, child?.field?.patchMergeKey);
  }
  if (Array.isArray(patch.$retainKeys)) {
    const keep = new Set(patch.$retainKeys.filter((x): x is string => typeof x === 'string'));
    for (const k of Object.keys(out)) if (!keep.has(k) && patch[k] === undefined) delete out[k];
  }
  return out;
}

function mergeValue(
  cur: JsonValue | undefined,
  v: JsonValue,
  type: TypeNode | undefined,
  field: FieldDef | undefined,
): JsonValue {
  const strategy = field?.patchStrategy ?? '';
  if (Array.isArray(v) && type?.kind === 'list' && strategy.split(',').includes('merge')) {
    if (v.some((e) => isObject(e) && e.$patch === 'replace')) {
      return v
        .filter((e) => !(isObject(e) && e.$patch === 'replace'))
        .map((e) => (isObject(e) ? stripDirectives(e) : e));
    }
    const base = Array.isArray(cur) ? cur : [];
    const key = field?.patchMergeKey;
    if (key !== undefined) return mergeKeyed(base, v, key, type.items);
    return [...base, ...v.filter((e) => !base.some((c) => jsonEqual(c, e)))];
  }
  if (isObject(v) && (type === undefined || type.kind === 'struct' || type.kind === 'map')) {
    return strategicMerge(cur, v, type ?? { kind: 'map', values: { kind: 'scalar', scalar: 'string' }, atomic: false });
  }
  return Array.isArray(v) || isObject(v) ? stripDirectives(v) : v;
}

function mergeKeyed(base: JsonValue[], patch: JsonValue[], key: string, items: TypeNode): JsonValue[] {
  const out = [...base];
  for (const item of patch) {
    if (!isObject(item)) {
      out.push(item);
      continue;
    }
    const idx = out.findIndex((e) => isObject(e) && jsonEqual(e[key], item[key]));
    if (item.$patch === 'delete') {
      if (idx >= 0) out.splice(idx, 1);
      continue;
    }
    if (idx >= 0) out[idx] = strategicMerge(out[idx], item, items);
    else out.push(strategicMerge(undefined, item, items));
  }
  return out;
}

/** `$setElementOrder`: the listed items first, in that order, then the others as they were. */
function reorder(list: JsonValue[], order: JsonValue[], key: string | undefined): JsonValue[] {
  const id = (e: JsonValue) => (key !== undefined && isObject(e) ? e[key] : e);
  const wanted = order.map(id);
  const ordered: JsonValue[] = [];
  for (const w of wanted) {
    const found = list.find((e) => jsonEqual(id(e), w));
    if (found !== undefined) ordered.push(found);
  }
  return [...ordered, ...list.filter((e) => !wanted.some((w) => jsonEqual(id(e), w)))];
}

function stripDirectives<T extends JsonValue>(v: T): T {
  if (Array.isArray(v)) return v.map(stripDirectives) as T;
  if (!isObject(v)) return clone(v);
  const out: JsonObject = {};
  for (const [k, x] of Object.entries(v)) if (!k.startsWith('$')) out[k] = stripDirectives(x);
  return out as T;
}
