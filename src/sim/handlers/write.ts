// CREATE, UPDATE (PUT), PATCH and DELETE: options (dryRun, fieldManager, fieldValidation, force),
// decoding, the store's semantics, and the answer (201/200, the object or a Status).

import { parse as parseYaml } from 'yaml';
import {
  dryRunParam,
  fieldValidationParam,
  goFormat,
  pruneUnknown,
  strictDecodingError,
  unknownFields,
  unknownFieldWarnings,
} from '../decode.js';
import { readBody, warningHeaders } from '../http.js';
import { isObject, type JsonObject, type JsonValue, parseJson } from '../json.js';
import { PATCH_CONTENT_TYPES } from '../patch.js';
import { apiVersionOf } from '../resources.js';
import { gvkString } from '../schema/index.js';
import { badRequest, invalid, SimApiError } from '../status.js';
import { type DeleteOptions, kindNode } from '../store.js';
import { readObject, readValue } from './body.js';
import { inRequestVersion, namespaceOf, outputOf, type ResourceRequest, respondObject } from './context.js';

/**
 * managerOrUserAgent (handlers/patch.go): ?fieldManager, else the User-Agent up to its first "/",
 * printable characters only, at most 128 bytes.
 */
export function managerOf(r: ResourceRequest): string {
  const explicit = r.q.get('fieldManager');
  if (explicit !== null && explicit !== '') return explicit;
  const ua = (r.req.headers['user-agent'] ?? '').split('/')[0]!;
  let out = '';
  for (const ch of ua) {
    if (!/\p{L}|\p{M}|\p{N}|\p{P}|\p{S}|\p{Zs}/u.test(ch)) continue;
    if (Buffer.byteLength(out + ch) > 128) break;
    out += ch;
  }
  return out;
}

const subresourceOf = (r: ResourceRequest): 'status' | undefined =>
  r.route.subresource === 'status' ? 'status' : undefined;

export async function createObject(r: ResourceRequest): Promise<void> {
  const { def, version } = r.route;
  if (r.route.subresource !== '')
    throw new SimApiError(405, 'MethodNotAllowed', 'create is not supported on subresources');
  const dryRun = dryRunParam(r.q.getAll('dryRun'), 'CreateOptions');
  const validation = fieldValidationParam(r.q, 'CreateOptions');
  const media = outputOf(r);
  const { object, warnings } = await readObject(r, validation);
  const meta = isObject(object.metadata) ? object.metadata : {};
  if (def.namespaced) {
    if (r.route.namespace === undefined) throw badRequest('namespace is required for namespaced resources');
    if (typeof meta.namespace === 'string' && meta.namespace !== '' && meta.namespace !== r.route.namespace) {
      throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
    }
    object.metadata = { ...meta, namespace: r.route.namespace };
  }
  const created = r.store.create(def.id, toStorageShape(r, object), {
    dryRun,
    fieldManager: { manager: managerOf(r), apiVersion: apiVersionOf(def.group, version) },
  });
  respondObject(r, 201, inRequestVersion(r, created), media, warningHeaders(warnings));
}

export async function updateObject(r: ResourceRequest): Promise<void> {
  const { def, version, name } = r.route;
  const namespace = namespaceOf(r);
  const dryRun = dryRunParam(r.q.getAll('dryRun'), 'UpdateOptions');
  const validation = fieldValidationParam(r.q, 'UpdateOptions');
  const media = outputOf(r);
  const { object, warnings } = await readObject(r, validation);
  const meta = isObject(object.metadata) ? object.metadata : {};
  // checkName (handlers/rest.go)
  if (typeof meta.name === 'string' && meta.name !== name) {
    throw badRequest(`the name of the object (${meta.name}) does not match the name on the URL (${name})`);
  }
  object.metadata = def.namespaced ? { ...meta, name: name!, namespace } : { ...meta, name: name! };
  const updated = r.store.update(def.id, toStorageShape(r, object), {
    subresource: subresourceOf(r),
    dryRun,
    fieldManager: { manager: managerOf(r), apiVersion: apiVersionOf(def.group, version) },
  });
  respondObject(r, 200, inRequestVersion(r, updated), media, warningHeaders(warnings));
}

export async function patchObject(r: ResourceRequest): Promise<void> {
  const { def, version, name } = r.route;
  const namespace = namespaceOf(r);
  // PatchResource: the content type is checked first (NewUnsupportedMediaTypeError(patchTypes)).
  const contentType = (r.req.headers['content-type'] ?? '').split(';')[0]!.trim();
  const type = PATCH_CONTENT_TYPES[contentType];
  if (type === undefined) {
    throw new SimApiError(
      415,
      'UnsupportedMediaType',
      `the body of the request was in an unknown format - accepted media types include: ${Object.keys(PATCH_CONTENT_TYPES).join(', ')}`,
    );
  }
  const dryRun = dryRunParam(r.q.getAll('dryRun'), 'PatchOptions');
  const validation = fieldValidationParam(r.q, 'PatchOptions');
  const forceParam = r.q.get('force');
  // ValidatePatchOptions: force only makes sense for apply.
  if (forceParam !== null && type !== 'apply') {
    throw invalid('PatchOptions', 'meta.k8s.io', '', [
      { type: 'FieldValueForbidden', field: 'force', detail: 'may not be specified for non-apply patch' },
    ]);
  }
  const media = outputOf(r);
  const text = (await readBody(r.req)).toString('utf8');
  const body = type === 'apply' ? parseApplyBody(text) : parseJson(text);
  if (body === undefined)
    throw badRequest(type === 'apply' ? 'error decoding patch: invalid YAML' : 'the request body is not valid JSON');
  const node = kindNode(def, version);
  const warnings: string[] = [];
  if (type === 'apply' && isObject(body)) {
    // structuredMergeManager.Apply: the configuration must fit the schema, whatever fieldValidation says.
    const unknown = unknownFields(body, node);
    if (unknown.length > 0) {
      const meta = isObject(body.metadata) ? body.metadata : {};
      throw new SimApiError(
        500,
        'Unknown',
        `failed to create typed patch object (${String(meta.namespace ?? namespace)}/${String(meta.name ?? name)}; ${gvkString(def.group, version, def.kind)}): ${unknown.map((u) => `.${u}: field not declared in schema`).join(', ')}`,
      );
    }
  }
  // jsonPatcher / smpPatcher: the patched object is decoded into the Go struct, strictly if asked.
  const decode = (patched: JsonObject): JsonObject => {
    const unknown = unknownFields(patched, node);
    if (unknown.length === 0) return patched;
    if (validation === 'Strict') {
      const shown = type === 'strategic' ? goFormat(body) : JSON.stringify(patched);
      throw invalid('', '', '', [
        { type: 'FieldValueInvalid', field: 'patch', value: shown, detail: strictDecodingError(unknown) },
      ]);
    }
    if (validation === 'Warn') warnings.push(...unknownFieldWarnings(unknown));
    return pruneUnknown(patched, node) as JsonObject;
  };
  const existed = r.store.getEntry(def.id, namespace, name!) !== undefined;
  const result = r.store.patch(def.id, namespace, name!, type, body, {
    version,
    subresource: subresourceOf(r),
    // ValidatePatchOptions: apply needs an explicit ?fieldManager; other patches fall back to the User-Agent.
    fieldManager: type === 'apply' ? (r.q.get('fieldManager') ?? undefined) : managerOf(r),
    force: forceParam === 'true' || forceParam === '1',
    dryRun,
    decode,
  });
  respondObject(r, existed ? 200 : 201, inRequestVersion(r, result), media, warningHeaders(warnings));
}

export async function deleteObject(r: ResourceRequest): Promise<void> {
  const { def, name } = r.route;
  const namespace = namespaceOf(r);
  if (name === undefined) throw new SimApiError(405, 'MethodNotAllowed', 'deletecollection is not supported');
  const media = outputOf(r);
  const body = await readValue(r, r.req.headers['content-type']);
  const opts = deleteOptions(body ?? {}, r.q);
  const { object, deleted } = r.store.deleteWithOutcome(def.id, namespace, name, opts);
  // Store.finalizeDelete: most kinds answer a deletion that completed with a Status, not the object.
  if (deleted && def.returnsDeleted !== true) {
    const meta = isObject(object.metadata) ? object.metadata : {};
    const details: JsonObject = { name, kind: def.plural, uid: String(meta.uid ?? '') };
    if (def.group !== '') details.group = def.group;
    respondObject(r, 200, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', details }, media);
    return;
  }
  respondObject(r, 200, inRequestVersion(r, object), media);
}

/** The body converted to the stored form (the store works in storage versions). */
function toStorageShape(r: ResourceRequest, obj: JsonObject): JsonObject {
  return r.store.toStorage(r.route.def.id, r.route.version, obj);
}

/** Server-side apply bodies are YAML (JSON is YAML too). */
function parseApplyBody(text: string): JsonValue | undefined {
  try {
    const v: unknown = parseYaml(text);
    return isObject(v) ? v : undefined;
  } catch {
    return undefined;
  }
}

function deleteOptions(body: JsonValue, q: URLSearchParams): DeleteOptions {
  if (!isObject(body)) throw badRequest('DeleteOptions must be a JSON object');
  const pre = isObject(body.preconditions) ? body.preconditions : {};
  const graceQ = q.get('gracePeriodSeconds');
  const grace =
    typeof body.gracePeriodSeconds === 'number'
      ? body.gracePeriodSeconds
      : graceQ !== null
        ? Number(graceQ)
        : undefined;
  const dryRunValues = [
    ...q.getAll('dryRun'),
    ...(Array.isArray(body.dryRun) ? body.dryRun.filter((x): x is string => typeof x === 'string') : []),
  ];
  return {
    preconditions: {
      uid: typeof pre.uid === 'string' ? pre.uid : undefined,
      resourceVersion: typeof pre.resourceVersion === 'string' ? pre.resourceVersion : undefined,
    },
    gracePeriodSeconds: grace !== undefined && Number.isFinite(grace) ? grace : undefined,
    dryRun: dryRunParam([...new Set(dryRunValues)], 'DeleteOptions'),
  };
}
