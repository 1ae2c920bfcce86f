// The served types as the apiserver knows them (its Go structs, in kube-openapi's terms), compiled from
// a compact text form. One description drives everything that needs the shape of an object:
// OpenAPI v2/v3, unknown-field pruning and strict validation, strategic-merge keys, server-side
// apply and managedFields field sets, and protobuf decoding (hence the field numbers).
//
// A type is one string of space-separated tokens:
//   name:TYPE        a field; `!name:` marks it required (Go: no omitempty, not +optional)
//   @atomic          the struct is replaced as a whole (x-kubernetes-map-type: atomic)
//   @inline=T#n      T's fields are embedded (json ",inline"; protobuf field n holds T)
// TYPE is `[]T` (list), `{}T` (map with string keys) or a single type, then optional suffixes:
//   /map:k1,k2 /set /atomic    x-kubernetes-list-type (and list-map keys); `/atomic` on a map type
//   ~strategy[:key]            x-kubernetes-patch-strategy (and patch-merge-key)
//   #n                         protobuf field number
// A leading `=` marks a field the apiserver always serializes, at its zero value when unset (no
// omitempty, or a struct held by value); `^` one always serialized as null (a pointer without
// omitempty); `*` a pointer to a scalar, whose zero value is meaningful (`false` is not "unset"). Field sets are computed on objects completed that way, as the Go structs would be.
// Single types: s (string), i32, i64, b (bool), f64, bytes (base64 string), time (metav1.Time),
// mtime (MicroTime), dur (Duration, a string), qty (Quantity), ios (IntOrString), raw
// (RawExtension), fieldsV1, a type of the same package (`PodSpec`) or of another (`meta.ObjectMeta`).

import type { JsonObject, JsonValue } from '../json.js';

export type Scalar = 'string' | 'int32' | 'int64' | 'bool' | 'double' | 'bytes' | 'duration';
export type Special = 'time' | 'mtime' | 'qty' | 'ios' | 'raw' | 'fieldsV1';
export type ListType = 'atomic' | 'set' | 'map';

export type TypeNode =
  | { readonly kind: 'scalar'; readonly scalar: Scalar }
  | { readonly kind: 'special'; readonly special: Special }
  | { readonly kind: 'struct'; readonly def: string }
  | {
      readonly kind: 'list';
      readonly items: TypeNode;
      /** As declared; undefined = no x-kubernetes-list-type (then the patch strategy decides, see listRelation). */
      readonly listType: ListType | undefined;
      readonly keys: readonly string[];
    }
  | { readonly kind: 'map'; readonly values: TypeNode; readonly atomic: boolean };

export interface FieldDef {
  readonly name: string;
  /** Present even when unset: at the type's zero value ('zero') or as null ('null'). */
  readonly alwaysPresent: 'zero' | 'null' | undefined;
  /** A pointer to a scalar: an explicit zero value is kept (protobuf decoding). */
  readonly pointer: boolean;
  readonly type: TypeNode;
  readonly required: boolean;
  readonly proto: number | undefined;
  readonly patchStrategy: string | undefined;
  readonly patchMergeKey: string | undefined;
}

export interface GroupVersionKind {
  readonly group: string;
  readonly version: string;
  readonly kind: string;
}

export interface StructDef {
  /** Full OpenAPI name, e.g. io.k8s.api.core.v1.PodSpec. */
  readonly name: string;
  readonly fields: ReadonlyMap<string, FieldDef>;
  readonly atomic: boolean;
  /** Embedded type whose fields are part of this one (protobuf keeps it as a nested message). */
  readonly inline: { readonly def: string; readonly proto: number } | undefined;
  readonly description: string;
  /** Set on top-level kinds (x-kubernetes-group-version-kind). */
  gvks: GroupVersionKind[];
}

/** OpenAPI names of the special definitions. */
export const SPECIAL_DEFS: Readonly<Record<Special, string>> = {
  time: 'io.k8s.apimachinery.pkg.apis.meta.v1.Time',
  mtime: 'io.k8s.apimachinery.pkg.apis.meta.v1.MicroTime',
  qty: 'io.k8s.apimachinery.pkg.api.resource.Quantity',
  ios: 'io.k8s.apimachinery.pkg.util.intstr.IntOrString',
  raw: 'io.k8s.apimachinery.pkg.runtime.RawExtension',
  fieldsV1: 'io.k8s.apimachinery.pkg.apis.meta.v1.FieldsV1',
};

const SCALARS: Readonly<Record<string, Scalar>> = {
  s: 'string',
  i32: 'int32',
  i64: 'int64',
  b: 'bool',
  f64: 'double',
  bytes: 'bytes',
  dur: 'duration',
};

/** Package aliases usable in type references. */
export const PACKAGE_ALIASES: Readonly<Record<string, string>> = {
  meta: 'io.k8s.apimachinery.pkg.apis.meta.v1',
  core: 'io.k8s.api.core.v1',
};

const registry = new Map<string, StructDef>();

function parseType(text: string, pkg: string): TypeNode {
  if (text.startsWith('[]') || text.startsWith('{}')) {
    let inner = text.slice(2);
    let suffix = '';
    const slash = inner.indexOf('/');
    if (slash >= 0) {
      suffix = inner.slice(slash + 1);
      inner = inner.slice(0, slash);
    }
    if (text.startsWith('{}')) return { kind: 'map', values: parseType(inner, pkg), atomic: suffix === 'atomic' };
    let listType: ListType | undefined;
    let keys: string[] = [];
    if (suffix.startsWith('map:')) {
      listType = 'map';
      keys = suffix.slice(4).split(',');
    } else if (suffix === 'set' || suffix === 'atomic') listType = suffix;
    return { kind: 'list', items: parseType(inner, pkg), listType, keys };
  }
  const scalar = SCALARS[text];
  if (scalar !== undefined) return { kind: 'scalar', scalar };
  if (text in SPECIAL_DEFS) return { kind: 'special', special: text as Special };
  const dot = text.indexOf('.');
  if (dot > 0) {
    const alias = PACKAGE_ALIASES[text.slice(0, dot)];
    if (alias === undefined) throw new Error(`schema: unknown package in ${text}`);
    return { kind: 'struct', def: `${alias}.${text.slice(dot + 1)}` };
  }
  return { kind: 'struct', def: `${pkg}.${text}` };
}

function parseField(token: string, pkg: string): FieldDef {
  const colon = token.indexOf(':');
  let name = token.slice(0, colon);
  let rest = token.slice(colon + 1);
  const required = name.startsWith('!');
  if (required) name = name.slice(1);
  let alwaysPresent: FieldDef['alwaysPresent'];
  if (rest.startsWith('=')) alwaysPresent = 'zero';
  else if (rest.startsWith('^')) alwaysPresent = 'null';
  if (alwaysPresent !== undefined) rest = rest.slice(1);
  const pointer = rest.startsWith('*');
  if (pointer) rest = rest.slice(1);
  let proto: number | undefined;
  const hash = rest.lastIndexOf('#');
  if (hash >= 0) {
    proto = Number(rest.slice(hash + 1));
    rest = rest.slice(0, hash);
  }
  let patchStrategy: string | undefined;
  let patchMergeKey: string | undefined;
  const tilde = rest.indexOf('~');
  if (tilde >= 0) {
    const [strategy, key] = rest.slice(tilde + 1).split(':');
    patchStrategy = strategy;
    patchMergeKey = key;
    rest = rest.slice(0, tilde);
  }
  return { name, alwaysPresent, pointer, type: parseType(rest, pkg), required, proto, patchStrategy, patchMergeKey };
}

/**
 * Registers the types of one Go package. `descriptions` gives kinds (and any type) a description;
 * fields carry none, which `kubectl explain` shows as an empty description.
 */
export function definePackage(
  pkg: string,
  types: Readonly<Record<string, string>>,
  descriptions: Readonly<Record<string, string>> = {},
): void {
  for (const [short, spec] of Object.entries(types)) {
    const fields = new Map<string, FieldDef>();
    let atomic = false;
    let inline: StructDef['inline'];
    for (const token of spec.split(' ')) {
      if (token === '') continue;
      if (token === '@atomic') atomic = true;
      else if (token.startsWith('@inline=')) {
        const [ref, n] = token.slice('@inline='.length).split('#');
        const node = parseType(ref!, pkg);
        if (node.kind !== 'struct') throw new Error(`schema: inline ${ref} is not a struct`);
        inline = { def: node.def, proto: Number(n) };
      } else {
        const f = parseField(token, pkg);
        fields.set(f.name, f);
      }
    }
    const name = `${pkg}.${short}`;
    registry.set(name, { name, fields, atomic, inline, description: descriptions[short] ?? '', gvks: [] });
  }
}

export function structDef(name: string): StructDef {
  const def = registry.get(name);
  if (def === undefined) throw new Error(`schema: no definition ${name}`);
  return def;
}

export const hasStructDef = (name: string): boolean => registry.has(name);

export const allStructDefs = (): IterableIterator<StructDef> => registry.values();

const flattened = new Map<string, ReadonlyMap<string, FieldDef>>();

/** The JSON fields of a struct, inline members included. */
export function fieldsOf(name: string): ReadonlyMap<string, FieldDef> {
  let fields = flattened.get(name);
  if (fields === undefined) {
    const def = structDef(name);
    const all = new Map<string, FieldDef>();
    if (def.inline !== undefined) for (const [k, f] of fieldsOf(def.inline.def)) all.set(k, f);
    for (const [k, f] of def.fields) all.set(k, f);
    fields = all;
    flattened.set(name, fields);
  }
  return fields;
}

/**
 * How server-side apply treats a list (kube-openapi schemaconv getListElementRelationship): an
 * explicit list type wins; otherwise a `merge` patch strategy makes it associative (keyed by the
 * merge key, or a set without one); anything else is atomic.
 */
export function listRelation(
  list: Extract<TypeNode, { kind: 'list' }>,
  field: FieldDef | undefined,
): {
  readonly type: ListType;
  readonly keys: readonly string[];
} {
  if (list.listType !== undefined) return { type: list.listType, keys: list.keys };
  const strategy = field?.patchStrategy;
  if (strategy === 'merge' || strategy === 'merge,retainKeys') {
    return field?.patchMergeKey !== undefined
      ? { type: 'map', keys: [field.patchMergeKey] }
      : { type: 'set', keys: [] };
  }
  return { type: 'atomic', keys: [] };
}

/**
 * What the apiserver's Go struct serializes for a zero value of `node` (runtime.ToUnstructured):
 * structs list their always-present fields, times and raw extensions are null, quantities "0".
 */
export function zeroValue(node: TypeNode): JsonValue {
  switch (node.kind) {
    case 'scalar':
      switch (node.scalar) {
        case 'string':
          return '';
        case 'bool':
          return false;
        case 'bytes':
          return null;
        case 'duration':
          return '0s';
        default:
          return 0;
      }
    case 'special':
      return node.special === 'qty' ? '0' : node.special === 'ios' ? 0 : null;
    case 'struct': {
      const out: JsonObject = {};
      for (const f of fieldsOf(node.def).values()) {
        if (f.alwaysPresent === 'zero') out[f.name] = zeroValue(f.type);
        else if (f.alwaysPresent === 'null') out[f.name] = null;
      }
      return out;
    }
    default:
      return null;
  }
}
