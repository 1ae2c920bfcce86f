// Decoding a request body into a typed object, as the apiserver's serializers do for built-in
// kinds: fields the Go struct does not have are dropped, and with ?fieldValidation=Strict (kubectl's
// default) or Warn they are reported the way sigs.k8s.io/json's strict decoder names them
// (`unknown field "spec.foo"`, `unknown field "spec.containers[0].bar"`).

import { isObject, type JsonObject, type JsonValue } from './json.js';
import { fieldsOf, type TypeNode } from './schema/index.js';
import { invalid } from './status.js';

export type FieldValidation = 'Strict' | 'Warn' | 'Ignore';

const VALIDATIONS = ['', 'Ignore', 'Strict', 'Warn'];

/**
 * ?fieldValidation (validation.ValidateFieldValidation); unset means Warn (handlers' fieldValidation).
 * `optionsKind` names the options type in the error: CreateOptions, UpdateOptions, PatchOptions.
 */
export function fieldValidationParam(q: URLSearchParams, optionsKind: string): FieldValidation {
  const v = q.get('fieldValidation') ?? '';
  if (!VALIDATIONS.includes(v)) {
    throw invalid(optionsKind, 'meta.k8s.io', '', [
      {
        type: 'FieldValueNotSupported',
        field: 'fieldValidation',
        value: v,
        detail: `supported values: ${VALIDATIONS.map((x) => JSON.stringify(x)).join(', ')}`,
      },
    ]);
  }
  return v === '' ? 'Warn' : (v as FieldValidation);
}

/** ?dryRun (validation.ValidateDryRun): absent, or exactly "All". */
export function dryRunParam(values: readonly string[], optionsKind: string): boolean {
  if (values.length === 0) return false;
  if (values.length === 1 && values[0] === 'All') return true;
  throw invalid(optionsKind, 'meta.k8s.io', '', [
    { type: 'FieldValueNotSupported', field: 'dryRun', value: [...values], detail: 'supported values: "All"' },
  ]);
}

/** Paths of the fields in `value` that its type does not declare, in the strict decoder's form. */
export function unknownFields(value: JsonValue, node: TypeNode): string[] {
  const out: string[] = [];
  visit(value, node, '', out);
  return out;
}

function visit(value: JsonValue, node: TypeNode, path: string, out: string[]): void {
  if (node.kind === 'struct' && isObject(value)) {
    const fields = fieldsOf(node.def);
    for (const [k, v] of Object.entries(value)) {
      const f = fields.get(k);
      const p = path === '' ? k : `${path}.${k}`;
      if (f === undefined) out.push(p);
      else visit(v, f.type, p, out);
    }
  } else if (node.kind === 'list' && Array.isArray(value)) {
    value.forEach((item, i) => {
      visit(item, node.items, `${path}[${i}]`, out);
    });
  } else if (node.kind === 'map' && isObject(value)) {
    for (const [k, v] of Object.entries(value)) visit(v, node.values, `${path}[${k}]`, out);
  }
}

/** `value` without the fields its type does not declare (what decoding into the Go struct keeps). */
export function pruneUnknown(value: JsonValue, node: TypeNode): JsonValue {
  if (node.kind === 'struct' && isObject(value)) {
    const fields = fieldsOf(node.def);
    const out: JsonObject = {};
    for (const [k, v] of Object.entries(value)) {
      const f = fields.get(k);
      if (f !== undefined) out[k] = pruneUnknown(v, f.type);
    }
    return out;
  }
  if (node.kind === 'list' && Array.isArray(value)) return value.map((v) => pruneUnknown(v, node.items));
  if (node.kind === 'map' && isObject(value)) {
    const out: JsonObject = {};
    for (const [k, v] of Object.entries(value)) out[k] = pruneUnknown(v, node.values);
    return out;
  }
  return value;
}

/** runtime.strictDecodingError's text. */
export const strictDecodingError = (paths: readonly string[]): string =>
  `strict decoding error: ${paths.map((p) => `unknown field ${JSON.stringify(p)}`).join(', ')}`;

/** The `Warning` header values the apiserver adds for each unknown field (Warn). */
export const unknownFieldWarnings = (paths: readonly string[]): string[] =>
  paths.map((p) => `unknown field ${JSON.stringify(p)}`);

/** Go's %+v of a decoded JSON value (map[k:v], [a b]), as patch errors print the patch. */
export function goFormat(v: JsonValue | undefined): string {
  if (v === null || v === undefined) return '<nil>';
  if (Array.isArray(v)) return `[${v.map(goFormat).join(' ')}]`;
  if (isObject(v)) {
    return `map[${Object.keys(v)
      .sort()
      .map((k) => `${k}:${goFormat(v[k])}`)
      .join(' ')}]`;
  }
  return String(v);
}
