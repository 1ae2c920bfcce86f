// JSON merge patch and JSON patch, and the PATCH content types kube-apiserver accepts for built-in
// kinds (handlers/rest.go). Strategic merge patch is schema-driven (strategic.ts); apply is
// server-side apply (fields/).

import { clone, isObject, type JsonObject, type JsonValue, jsonEqual } from './json.js';
import type { TypeNode } from './schema/index.js';
import { badRequest, SimApiError } from './status.js';
import { strategicMerge } from './strategic.js';

export type PatchType = 'json' | 'merge' | 'strategic' | 'apply';

export const PATCH_CONTENT_TYPES: Readonly<Record<string, PatchType>> = {
  'application/json-patch+json': 'json',
  'application/merge-patch+json': 'merge',
  'application/strategic-merge-patch+json': 'strategic',
  'application/apply-patch+yaml': 'apply',
};

/** The object a non-apply patch turns `current` (in the patch's version, of type `node`) into. */
export function applyPatch(
  type: Exclude<PatchType, 'apply'>,
  current: JsonObject,
  body: JsonValue,
  node: TypeNode,
): JsonValue {
  switch (type) {
    case 'merge':
      if (!isObject(body)) throw badRequest('merge patch must be a JSON object');
      return mergePatch(current, body);
    case 'strategic':
      if (!isObject(body)) throw badRequest('strategic merge patch must be a JSON object');
      return strategicMerge(current, body, node);
    case 'json':
      return jsonPatch(current, body);
  }
}

/** RFC 7386 JSON merge patch. */
export function mergePatch(target: JsonValue | undefined, patch: JsonValue): JsonValue {
  if (!isObject(patch)) return clone(patch);
  const out: JsonObject = isObject(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

/** RFC 6901 pointer → path segments. */
function parsePointer(pointer: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) throw badRequest(`invalid JSON pointer "${pointer}"`);
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

const patchFailed = (message: string): SimApiError => new SimApiError(422, 'Invalid', message);

function getAt(doc: JsonValue, path: readonly string[]): JsonValue | undefined {
  let cur: JsonValue | undefined = doc;
  for (const seg of path) {
    if (Array.isArray(cur)) cur = cur[Number(seg)];
    else if (isObject(cur)) cur = cur[seg];
    else return undefined;
  }
  return cur;
}

function parentOf(doc: JsonValue, path: readonly string[], op: string): JsonValue {
  const parent = getAt(doc, path.slice(0, -1));
  if (parent === undefined || (!Array.isArray(parent) && !isObject(parent))) {
    throw patchFailed(`jsonpatch ${op} operation does not apply: doc is missing path: "/${path.join('/')}"`);
  }
  return parent;
}

function arrayIndex(arr: JsonValue[], seg: string, allowEnd: boolean, op: string): number {
  if (seg === '-' && allowEnd) return arr.length;
  const idx = /^(0|[1-9][0-9]*)$/.test(seg) ? Number(seg) : Number.NaN;
  if (Number.isNaN(idx) || idx > arr.length || (!allowEnd && idx === arr.length)) {
    throw patchFailed(`jsonpatch ${op} operation does not apply: index out of range: ${seg}`);
  }
  return idx;
}

function addAt(doc: JsonValue, path: readonly string[], value: JsonValue, op: string): JsonValue {
  if (path.length === 0) return value;
  const parent = parentOf(doc, path, op);
  const last = path[path.length - 1]!;
  if (Array.isArray(parent)) parent.splice(arrayIndex(parent, last, true, op), 0, value);
  else if (isObject(parent)) parent[last] = value;
  return doc;
}

function removeAt(doc: JsonValue, path: readonly string[], op: string): JsonValue {
  const parent = parentOf(doc, path, op);
  const last = path[path.length - 1]!;
  if (Array.isArray(parent)) parent.splice(arrayIndex(parent, last, false, op), 1);
  else if (isObject(parent)) {
    if (!Object.hasOwn(parent, last)) {
      throw patchFailed(`jsonpatch ${op} operation does not apply: doc is missing key: /${path.join('/')}`);
    }
    delete parent[last];
  }
  return doc;
}

/** RFC 6902 JSON patch (add, remove, replace, move, copy, test). */
export function jsonPatch(target: JsonValue, ops: JsonValue): JsonValue {
  if (!Array.isArray(ops)) throw badRequest('json patch must be an array of operations');
  let doc = clone(target);
  for (const raw of ops) {
    if (!isObject(raw) || typeof raw.op !== 'string' || typeof raw.path !== 'string') {
      throw badRequest('json patch operation needs "op" and "path"');
    }
    const op = raw.op;
    const path = parsePointer(raw.path);
    switch (op) {
      case 'add':
        doc = addAt(doc, path, clone(raw.value ?? null), op);
        break;
      case 'remove':
        doc = removeAt(doc, path, op);
        break;
      case 'replace':
        if (getAt(doc, path) === undefined) {
          throw patchFailed(`jsonpatch replace operation does not apply: doc is missing key: ${raw.path}`);
        }
        doc =
          path.length === 0
            ? clone(raw.value ?? null)
            : addAt(removeAt(doc, path, op), path, clone(raw.value ?? null), op);
        break;
      case 'move':
      case 'copy': {
        if (typeof raw.from !== 'string') throw badRequest(`json patch ${op} needs "from"`);
        const from = parsePointer(raw.from);
        const value = getAt(doc, from);
        if (value === undefined)
          throw patchFailed(`jsonpatch ${op} operation does not apply: missing "from" ${raw.from}`);
        if (op === 'move') doc = removeAt(doc, from, op);
        doc = addAt(doc, path, clone(value), op);
        break;
      }
      case 'test':
        if (!jsonEqual(getAt(doc, path), raw.value ?? null)) {
          throw patchFailed(`testing value ${raw.path} failed`);
        }
        break;
      default:
        throw badRequest(`unsupported json patch operation "${op}"`);
    }
  }
  return doc;
}
