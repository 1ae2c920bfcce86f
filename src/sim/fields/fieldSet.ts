// Field sets as server-side apply computes them (sigs.k8s.io/structured-merge-diff typed.ToFieldSet),
// keyed by the path elements managedFields' FieldsV1 uses: `f:name` for a field, `k:{"type":"Ready"}`
// for an item of a list-map, `v:"x"` for an item of a set. Which paths are members follows
// tofieldset.go: every scalar and atomic value; every list item; every map entry; a struct field only
// when it is null or an empty object.

import { isObject, type JsonObject, type JsonValue, jsonEqual } from '../json.js';
import { type FieldDef, fieldsOf, listRelation, structDef, type TypeNode, zeroValue } from '../schema/index.js';

/** Path elements joined by '\n' (never inside a serialized element: JSON escapes newlines). */
export type PathKey = string;

/** Marks a member that is not a leaf (a list item, a map entry holding an object). */
export const CONTAINER = Symbol('container');
export type MemberValue = JsonValue | typeof CONTAINER;

/** Members of a field set with their leaf values (what Compare needs). */
export type FieldValues = Map<PathKey, MemberValue>;

const join = (path: PathKey, element: string): PathKey => (path === '' ? element : `${path}\n${element}`);

export const fieldElement = (name: string): string => `f:${name}`;

/** The path element of a list item: `k:` + its key fields (sorted by name) or `v:` + the value. */
export function itemElement(item: JsonValue, relation: { type: string; keys: readonly string[] }): string {
  if (relation.type === 'map' && isObject(item)) {
    const key: JsonObject = {};
    for (const k of [...relation.keys].sort()) if (item[k] !== undefined) key[k] = item[k]!;
    return `k:${JSON.stringify(key)}`;
  }
  return `v:${JSON.stringify(item)}`;
}

/** The type of field `name` inside a value of type `node` (undefined: not declared). */
export function childField(node: TypeNode, name: string): { type: TypeNode; field: FieldDef | undefined } | undefined {
  if (node.kind === 'struct') {
    const f = fieldsOf(node.def).get(name);
    return f === undefined ? undefined : { type: f.type, field: f };
  }
  if (node.kind === 'map') return { type: node.values, field: undefined };
  return undefined;
}

/** A struct or map (not a list) whose entries are tracked one by one. */
const isGranular = (node: TypeNode): boolean =>
  (node.kind === 'struct' && !structDef(node.def).atomic) || (node.kind === 'map' && !node.atomic);

/**
 * `value` as the apiserver's Go structs would serialize it: fields without omitempty and structs
 * held by value are present at their zero value. Field sets are computed on this form, so that
 * e.g. a container's `resources: {}` is owned as kube-apiserver records it.
 */
export function asSerialized(value: JsonValue, node: TypeNode): JsonValue {
  if (node.kind === 'list' && Array.isArray(value)) return value.map((v) => asSerialized(v, node.items));
  if (node.kind === 'map' && isObject(value)) {
    const out: JsonObject = {};
    for (const [k, v] of Object.entries(value)) out[k] = asSerialized(v, node.values);
    return out;
  }
  if (node.kind === 'struct' && isObject(value)) {
    const out: JsonObject = {};
    const fields = fieldsOf(node.def);
    for (const [k, v] of Object.entries(value)) {
      const f = fields.get(k);
      out[k] = f === undefined ? v : asSerialized(v, f.type);
    }
    for (const f of fields.values()) {
      if (out[f.name] !== undefined) continue;
      if (f.alwaysPresent === 'zero') out[f.name] = zeroValue(f.type);
      else if (f.alwaysPresent === 'null') out[f.name] = null;
    }
    return out;
  }
  return value;
}

/** typed.ToFieldSet of `value` (already in its serialized form, see asSerialized). */
export function toFieldSet(value: JsonValue, node: TypeNode): FieldValues {
  const out: FieldValues = new Map();
  walk(value, node, undefined, '', out);
  return out;
}

function walk(value: JsonValue, node: TypeNode, field: FieldDef | undefined, path: PathKey, out: FieldValues): void {
  if (node.kind === 'list') {
    const relation = listRelation(node, field);
    if (relation.type === 'atomic' || !Array.isArray(value)) {
      out.set(path, value);
      return;
    }
    const seen = new Map<string, number>();
    for (const item of value) {
      const pe = itemElement(item, relation);
      seen.set(pe, (seen.get(pe) ?? 0) + 1);
    }
    for (const item of value) {
      const pe = itemElement(item, relation);
      const itemPath = join(path, pe);
      // A duplicated item is owned as a whole (visitListItems).
      if (seen.get(pe)! > 1) {
        out.set(itemPath, CONTAINER);
        continue;
      }
      walk(item, node.items, undefined, itemPath, out);
      if (!out.has(itemPath)) out.set(itemPath, CONTAINER);
    }
    return;
  }
  if (isGranular(node) && isObject(value)) {
    for (const [k, v] of Object.entries(value)) {
      const child = childField(node, k);
      const childPath = join(path, fieldElement(k));
      if (child === undefined) {
        // Not in the schema: owned as one opaque value.
        out.set(childPath, v);
        continue;
      }
      walk(v, child.type, child.field, childPath, out);
      const emptyObject = isObject(v) && Object.keys(v).length === 0;
      if (v === null || emptyObject) out.set(childPath, v);
      else if (node.kind === 'map' && !out.has(childPath)) out.set(childPath, CONTAINER);
    }
    return;
  }
  out.set(path, value);
}

/** typed.Comparison: the paths an update added, removed and changed. */
export interface Comparison {
  readonly added: Set<PathKey>;
  readonly removed: Set<PathKey>;
  readonly modified: Set<PathKey>;
}

const isEmptyValue = (v: JsonValue | undefined): boolean =>
  v === undefined || v === null || (Array.isArray(v) && v.length === 0) || (isObject(v) && Object.keys(v).length === 0);

/**
 * typed.TypedValue.Compare (structured-merge-diff typed/compare.go): leaves (scalars, atomic values,
 * and containers empty on both sides) are added, removed or modified; a container present on one
 * side only is itself added or removed, along with everything in it. Both values must be in their
 * serialized form (asSerialized).
 */
export function compareValues(lhs: JsonValue | undefined, rhs: JsonValue | undefined, node: TypeNode): Comparison {
  const c: Comparison = { added: new Set(), removed: new Set(), modified: new Set() };
  compareWalk(lhs, rhs, node, undefined, '', c);
  return c;
}

function compareLeaf(lhs: JsonValue | undefined, rhs: JsonValue | undefined, path: PathKey, c: Comparison): void {
  if (lhs === undefined) c.added.add(path);
  else if (rhs === undefined) c.removed.add(path);
  else if (!jsonEqual(lhs, rhs)) c.modified.add(path);
}

function compareWalk(
  lhs: JsonValue | undefined,
  rhs: JsonValue | undefined,
  node: TypeNode,
  field: FieldDef | undefined,
  path: PathKey,
  c: Comparison,
): void {
  const bothEmpty = isEmptyValue(lhs) && isEmptyValue(rhs);
  if (node.kind === 'list' && !bothEmpty) {
    const relation = listRelation(node, field);
    if (relation.type === 'atomic') {
      compareLeaf(lhs, rhs, path, c);
      return;
    }
    const index = (v: JsonValue | undefined) => {
      const m = new Map<string, JsonValue>();
      if (Array.isArray(v))
        for (const item of v) if (!m.has(itemElement(item, relation))) m.set(itemElement(item, relation), item);
      return m;
    };
    const l = index(lhs);
    const r = index(rhs);
    for (const pe of new Set([...l.keys(), ...r.keys()]))
      compareWalk(l.get(pe), r.get(pe), node.items, undefined, join(path, pe), c);
  } else if (isGranular(node) && !bothEmpty && (isObject(lhs) || isObject(rhs))) {
    const l = isObject(lhs) ? lhs : {};
    const r = isObject(rhs) ? rhs : {};
    for (const k of new Set([...Object.keys(l), ...Object.keys(r)])) {
      const child = childField(node, k);
      const childPath = join(path, fieldElement(k));
      if (child === undefined) compareLeaf(l[k], r[k], childPath, c);
      else compareWalk(l[k], r[k], child.type, child.field, childPath, c);
    }
  } else {
    compareLeaf(lhs, rhs, path, c);
    return;
  }
  if (path === '') return;
  if (lhs === undefined) c.added.add(path);
  else if (rhs === undefined) c.removed.add(path);
}

// fieldpath.PathElement ordering: field names, then keys, then values, then indices.
const ELEMENT_RANK: Readonly<Record<string, number>> = { f: 0, k: 1, v: 2, i: 3 };
function compareElements(a: string, b: string): number {
  const ra = ELEMENT_RANK[a[0]!] ?? 4;
  const rb = ELEMENT_RANK[b[0]!] ?? 4;
  if (ra !== rb) return ra - rb;
  return a < b ? -1 : a > b ? 1 : 0;
}

interface TreeNode {
  member: boolean;
  readonly children: Map<string, TreeNode>;
}

/** FieldsV1 JSON of a set: each member is `{}`, a member with children also lists itself as ".". */
export function toFieldsV1(members: Iterable<PathKey>): JsonObject {
  const root: TreeNode = { member: false, children: new Map() };
  for (const key of members) {
    let node = root;
    for (const element of key.split('\n')) {
      let next = node.children.get(element);
      if (next === undefined) {
        next = { member: false, children: new Map() };
        node.children.set(element, next);
      }
      node = next;
    }
    node.member = true;
  }
  const render = (node: TreeNode): JsonObject => {
    const out: JsonObject = {};
    if (node.member && node.children.size > 0) out['.'] = {};
    for (const element of [...node.children.keys()].sort(compareElements))
      out[element] = render(node.children.get(element)!);
    return out;
  };
  return render(root);
}

/** The members of a FieldsV1 object. */
export function fromFieldsV1(fields: JsonValue | undefined): Set<PathKey> {
  const out = new Set<PathKey>();
  const visit = (node: JsonValue, path: PathKey) => {
    if (!isObject(node)) return;
    const keys = Object.keys(node);
    if (path !== '' && (keys.length === 0 || keys.includes('.'))) out.add(path);
    for (const k of keys) if (k !== '.') visit(node[k]!, join(path, k));
  };
  if (fields !== undefined) visit(fields, '');
  return out;
}

/** fieldpath.Path.String(): `.spec.containers[name="main"].image`, `.metadata.finalizers[="x"]`. */
export function pathString(key: PathKey): string {
  return key
    .split('\n')
    .map((e) => {
      const body = e.slice(2);
      if (e.startsWith('f:')) return `.${body}`;
      if (e.startsWith('k:')) {
        const fields = JSON.parse(body) as JsonObject;
        return `[${Object.entries(fields)
          .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
          .join(',')}]`;
      }
      if (e.startsWith('v:')) return `[=${body}]`;
      return `[${body}]`;
    })
    .join('');
}
