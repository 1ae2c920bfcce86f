// OpenAPI schemas of the served types, in kube-openapi's two dialects: v2 (`#/definitions/`,
// plain $ref) and v3 (`#/components/schemas/`, references wrapped in allOf so that a property can
// add its own description and default), with the x-kubernetes-* extensions kubectl reads for
// strategic merge patches, list-map keys and explain.

import type { JsonObject, JsonValue } from '../json.js';
import {
  type FieldDef,
  fieldsOf,
  hasStructDef,
  SPECIAL_DEFS,
  type Special,
  structDef,
  type TypeNode,
} from '../schema/index.js';

export type Dialect = 'v2' | 'v3';

const refTo = (name: string, dialect: Dialect): string =>
  dialect === 'v2' ? `#/definitions/${name}` : `#/components/schemas/${name}`;

/** A reference, wrapped for v3 the way kube-openapi does (allOf, so siblings are allowed). */
function ref(name: string, dialect: Dialect, extra: JsonObject = {}): JsonObject {
  if (dialect === 'v2') return { $ref: refTo(name, dialect), ...extra };
  return { allOf: [{ $ref: refTo(name, dialect) }], ...extra };
}

function typeSchema(node: TypeNode, dialect: Dialect, field: FieldDef | undefined): JsonObject {
  switch (node.kind) {
    case 'scalar':
      switch (node.scalar) {
        case 'string':
        case 'duration':
          return { type: 'string' };
        case 'bytes':
          return { type: 'string', format: 'byte' };
        case 'bool':
          return { type: 'boolean' };
        case 'double':
          return { type: 'number', format: 'double' };
        default:
          return { type: 'integer', format: node.scalar };
      }
    case 'special':
      return ref(SPECIAL_DEFS[node.special], dialect);
    case 'struct':
      return ref(node.def, dialect, field?.alwaysPresent === 'zero' && dialect === 'v3' ? { default: {} } : {});
    case 'list': {
      const items = typeSchema(node.items, dialect, undefined);
      if (dialect === 'v3' && node.items.kind === 'struct') items.default = {};
      if (dialect === 'v3' && node.items.kind === 'scalar' && node.items.scalar === 'string') items.default = '';
      const out: JsonObject = { type: 'array', items };
      if (node.listType !== undefined) out['x-kubernetes-list-type'] = node.listType;
      if (node.listType === 'map') out['x-kubernetes-list-map-keys'] = [...node.keys];
      return out;
    }
    case 'map': {
      const values = typeSchema(node.values, dialect, undefined);
      if (dialect === 'v3' && node.values.kind === 'scalar' && node.values.scalar === 'string') values.default = '';
      const out: JsonObject = { type: 'object', additionalProperties: values };
      if (node.atomic) out['x-kubernetes-map-type'] = 'atomic';
      return out;
    }
  }
}

function propertySchema(f: FieldDef, dialect: Dialect): JsonObject {
  const out = typeSchema(f.type, dialect, f);
  if (f.patchStrategy !== undefined) out['x-kubernetes-patch-strategy'] = f.patchStrategy;
  if (f.patchMergeKey !== undefined) out['x-kubernetes-patch-merge-key'] = f.patchMergeKey;
  return out;
}

const SPECIAL_SCHEMAS: Readonly<Record<Special, (d: Dialect) => JsonObject>> = {
  time: () => ({
    description: 'Time is a wrapper around time.Time which supports correct marshaling to YAML and JSON.',
    type: 'string',
    format: 'date-time',
  }),
  mtime: () => ({
    description: 'MicroTime is version of Time with microsecond level precision.',
    type: 'string',
    format: 'date-time',
  }),
  qty: (d): JsonObject =>
    d === 'v2'
      ? { description: 'Quantity is a fixed-point representation of a number.', type: 'string' }
      : {
          description: 'Quantity is a fixed-point representation of a number.',
          oneOf: [{ type: 'string' }, { type: 'number' }],
        },
  ios: (d): JsonObject =>
    d === 'v2'
      ? {
          description: 'IntOrString is a type that can hold an int32 or a string.',
          type: 'string',
          format: 'int-or-string',
        }
      : {
          description: 'IntOrString is a type that can hold an int32 or a string.',
          format: 'int-or-string',
          oneOf: [{ type: 'integer' }, { type: 'string' }],
        },
  raw: () => ({ description: 'RawExtension is used to hold extensions in external versions.', type: 'object' }),
  fieldsV1: () => ({
    description: 'FieldsV1 stores a set of fields in a data structure like a Trie, in JSON format.',
    type: 'object',
  }),
};

/** The schema of one definition (a struct of the registry, or a special type). */
export function definitionSchema(name: string, dialect: Dialect): JsonObject {
  const special = (Object.keys(SPECIAL_DEFS) as Special[]).find((s) => SPECIAL_DEFS[s] === name);
  if (special !== undefined) return SPECIAL_SCHEMAS[special](dialect);
  const def = structDef(name);
  const properties: JsonObject = {};
  const required: string[] = [];
  const fields = fieldsOf(name);
  for (const key of [...fields.keys()].sort()) {
    const f = fields.get(key)!;
    properties[key] = propertySchema(f, dialect);
    if (f.required) required.push(key);
  }
  const out: JsonObject = {};
  if (def.description !== '') out.description = def.description;
  out.type = 'object';
  if (Object.keys(properties).length > 0) out.properties = properties;
  if (required.length > 0) out.required = required;
  if (def.gvks.length > 0) out['x-kubernetes-group-version-kind'] = def.gvks.map((g) => ({ ...g }));
  if (def.atomic) out['x-kubernetes-map-type'] = 'atomic';
  return out;
}

/** Every definition reachable from `roots` (structs and special types). */
export function reachable(roots: Iterable<string>): string[] {
  const seen = new Set<string>();
  const queue = [...roots];
  const visitNode = (node: TypeNode) => {
    if (node.kind === 'struct') queue.push(node.def);
    else if (node.kind === 'special') queue.push(SPECIAL_DEFS[node.special]);
    else if (node.kind === 'list') visitNode(node.items);
    else if (node.kind === 'map') visitNode(node.values);
  };
  while (queue.length > 0) {
    const name = queue.pop()!;
    if (seen.has(name)) continue;
    seen.add(name);
    if (!hasStructDef(name)) continue;
    for (const f of fieldsOf(name).values()) visitNode(f.type);
  }
  return [...seen].sort();
}

/** The XList definition of a kind (kube-openapi generates one per kind). */
export function listSchema(itemName: string, kind: string, gvk: JsonValue, dialect: Dialect): JsonObject {
  const items = ref(itemName, dialect);
  if (dialect === 'v3') items.default = {};
  return {
    description: `${kind}List is a list of ${kind} objects.`,
    type: 'object',
    properties: {
      apiVersion: { type: 'string' },
      items: { type: 'array', items },
      kind: { type: 'string' },
      metadata: ref('io.k8s.apimachinery.pkg.apis.meta.v1.ListMeta', dialect, dialect === 'v3' ? { default: {} } : {}),
    },
    required: ['items'],
    'x-kubernetes-group-version-kind': gvk,
  };
}
