// The merge step of server-side apply (structured-merge-diff typed/merge.go) and the removal of
// fields an applier stopped applying (merge/update.go prune): both walk the object with its schema,
// so list-maps merge by their keys, sets by value, and atomic values are replaced whole.

import { clone, isObject, type JsonObject, type JsonValue } from '../json.js';
import { type FieldDef, listRelation, structDef, type TypeNode } from '../schema/index.js';
import { childField, itemElement, type PathKey } from './fieldSet.js';

/** A struct or map merged entry by entry (not x-kubernetes-map-type: atomic). */
const isGranular = (node: TypeNode): boolean =>
  node.kind === 'map' ? !node.atomic : node.kind === 'struct' && !structDef(node.def).atomic;

/** live merged with the applied configuration; the configuration wins every leaf it sets. */
export function applyMerge(
  live: JsonValue | undefined,
  config: JsonValue,
  node: TypeNode,
  field?: FieldDef,
): JsonValue {
  if (node.kind === 'list' && Array.isArray(config) && Array.isArray(live)) {
    const relation = listRelation(node, field);
    if (relation.type !== 'atomic') return mergeLists(live, config, node.items, relation);
    return clone(config);
  }
  if (isGranular(node) && isObject(config) && isObject(live)) {
    const out: JsonObject = { ...live };
    for (const [k, v] of Object.entries(config)) {
      if (v === null) {
        delete out[k];
        continue;
      }
      const child = childField(node, k);
      out[k] = child === undefined ? clone(v) : applyMerge(live[k], v, child.type, child.field);
    }
    return out;
  }
  return clone(config);
}

/**
 * mergingWalker.visitListItems: items keep the live order, each matched item merged in place; new
 * items from the configuration come in the configuration's order, placed relative to the items
 * both sides share.
 */
function mergeLists(
  live: JsonValue[],
  config: JsonValue[],
  items: TypeNode,
  relation: { type: string; keys: readonly string[] },
): JsonValue[] {
  const pe = (v: JsonValue) => itemElement(v, relation);
  const lhsPEs = live.map(pe);
  const rhsPEs = config.map(pe);
  const lhsBy = new Map<string, JsonValue>();
  lhsPEs.forEach((p, i) => {
    if (!lhsBy.has(p)) lhsBy.set(p, live[i]!);
  });
  const rhsBy = new Map<string, JsonValue>();
  rhsPEs.forEach((p, i) => {
    if (!rhsBy.has(p)) rhsBy.set(p, config[i]!);
  });
  const shared = rhsPEs.filter((p) => lhsBy.has(p));
  let nextShared: string | undefined = shared.shift();
  const merged = new Set<string>();
  const out: JsonValue[] = [];
  const mergeItem = (p: string) => {
    const l = lhsBy.get(p);
    const r = rhsBy.get(p);
    out.push(r === undefined ? clone(l!) : applyMerge(l, r, items));
  };
  let li = 0;
  let ri = 0;
  while (li < lhsPEs.length || ri < rhsPEs.length) {
    if (li < lhsPEs.length && ri < rhsPEs.length) {
      const p = lhsPEs[li]!;
      if (p === rhsPEs[ri]) {
        merged.add(p);
        mergeItem(p);
        li++;
        ri++;
        nextShared = shared.shift();
        continue;
      }
      if (rhsBy.has(p) && nextShared !== undefined && nextShared !== p) {
        li++;
        continue;
      }
    }
    if (li < lhsPEs.length) {
      const p = lhsPEs[li]!;
      if (!rhsBy.has(p)) {
        out.push(clone(live[li]!));
        li++;
        continue;
      }
      if (merged.has(p)) li++;
    }
    if (ri < rhsPEs.length) {
      const p = rhsPEs[ri]!;
      merged.add(p);
      mergeItem(p);
      ri++;
      if (nextShared === p) nextShared = shared.shift();
    }
  }
  return out;
}

/** Removes each path in `paths` from `obj` (in place): a field, a map entry or a list item. */
export function removePaths(obj: JsonObject, paths: Iterable<PathKey>, node: TypeNode): void {
  for (const path of paths) removePath(obj, path.split('\n'), node, undefined);
}

function removePath(value: JsonValue, elements: string[], node: TypeNode, field: FieldDef | undefined): void {
  const [head, ...rest] = elements;
  if (head === undefined) return;
  if (head.startsWith('f:') && isObject(value)) {
    const name = head.slice(2);
    if (rest.length === 0) {
      delete value[name];
      return;
    }
    const child = childField(node, name);
    const next = value[name];
    if (child !== undefined && next !== undefined) removePath(next, rest, child.type, child.field);
    return;
  }
  if ((head.startsWith('k:') || head.startsWith('v:')) && Array.isArray(value) && node.kind === 'list') {
    const relation = listRelation(node, field);
    const idx = value.findIndex((item) => itemElement(item, relation) === head);
    if (idx < 0) return;
    if (rest.length === 0) value.splice(idx, 1);
    else removePath(value[idx]!, rest, node.items, undefined);
  }
}
