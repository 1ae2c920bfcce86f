// Request bodies: the negotiated encoding (JSON, YAML, protobuf) decoded into the kind's schema,
// with unknown fields handled per ?fieldValidation the way create.go/update.go do.

import { parse as parseYaml } from 'yaml';
import {
  type FieldValidation,
  pruneUnknown,
  strictDecodingError,
  unknownFields,
  unknownFieldWarnings,
} from '../decode.js';
import { readBody } from '../http.js';
import { isObject, type JsonObject, type JsonValue, parseJson } from '../json.js';
import { negotiateInput } from '../negotiation.js';
import { decodeProtobuf } from '../protobuf.js';
import { apiVersionOf } from '../resources.js';
import { kindSchemaName } from '../schema/index.js';
import { badRequest } from '../status.js';
import { kindNode } from '../store.js';
import type { ResourceRequest } from './context.js';

/** The body as a JSON value, whatever encoding it came in. `expectKind` is the kind protobuf must carry. */
export async function readValue(r: ResourceRequest, contentType: string | undefined): Promise<JsonValue> {
  const encoding = negotiateInput(contentType);
  const raw = await readBody(r.req);
  if (encoding === 'protobuf') {
    const { def } = r.route;
    return decodeProtobuf(raw, (apiVersion, kind) => {
      const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
      // pods/eviction takes a policy Eviction (v1 or v1beta1, one shape: the v1 schema serves both).
      if (r.route.subresource === 'eviction' && kind === 'Eviction' && group === 'policy') {
        return version === 'v1' || version === 'v1beta1' ? kindSchemaName('policy', 'v1', 'Eviction') : undefined;
      }
      const name = kindSchemaName(group!, version!, kind);
      return group === def.group || kind === 'DeleteOptions' ? name : undefined;
    }).object;
  }
  const text = raw.toString('utf8');
  if (encoding === 'yaml') {
    try {
      return (parseYaml(text) as JsonValue) ?? null;
    } catch (err: unknown) {
      throw badRequest(`error converting YAML to JSON: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  if (text.trim() === '') return null;
  const parsed = parseJson(text);
  if (parsed === undefined) throw badRequest('the request body is not valid JSON');
  return parsed;
}

export interface DecodedObject {
  /** In the request's version, unknown fields removed. */
  readonly object: JsonObject;
  readonly warnings: string[];
}

/**
 * Decodes a create/update body of the route's kind: the apiVersion must be the route's, and unknown
 * fields fail (Strict: "X in version "v" cannot be handled as a X: strict decoding error: …"),
 * become warnings (Warn) or vanish (Ignore).
 */
export async function readObject(r: ResourceRequest, validation: FieldValidation): Promise<DecodedObject> {
  const { def, version } = r.route;
  const value = await readValue(r, r.req.headers['content-type']);
  if (!isObject(value)) throw badRequest('the request body must be a JSON object');
  const expected = apiVersionOf(def.group, version);
  if (value.apiVersion !== undefined && value.apiVersion !== expected) {
    throw badRequest(
      `the API version in the data (${String(value.apiVersion)}) does not match the expected API version (${expected})`,
    );
  }
  const node = kindNode(def, version);
  const unknown = unknownFields(value, node);
  if (unknown.length > 0 && validation === 'Strict') {
    throw badRequest(
      `${def.kind} in version "${version}" cannot be handled as a ${def.kind}: ${strictDecodingError(unknown)}`,
    );
  }
  return {
    object: unknown.length > 0 ? (pruneUnknown(value, node) as JsonObject) : value,
    warnings: validation === 'Warn' ? unknownFieldWarnings(unknown) : [],
  };
}
