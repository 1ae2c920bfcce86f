// Conversion between the stored form (resource.k8s.io/v1, which v1beta2 shares field for field) and
// the other served versions. v1beta1 differs in two places the controller cares about: slice devices
// wrap their fields in `basic`, and claim requests hold the "exactly" fields inline.

import { isObject, type JsonObject, type JsonValue } from './json.js';
import { apiVersionOf, type ResourceDef } from './resources.js';

const mapArray = (v: JsonValue | undefined, fn: (o: JsonObject) => JsonObject): JsonValue | undefined =>
  Array.isArray(v) ? v.map((e) => (isObject(e) ? fn(e) : e)) : v;

/** v1 device → v1beta1 device: everything but the name moves under `basic`. */
function deviceToV1beta1(d: JsonObject): JsonObject {
  const { name, ...rest } = d;
  const out: JsonObject = {};
  if (name !== undefined) out.name = name;
  out.basic = rest;
  return out;
}

/** v1beta1 device → v1: `basic` flattened; a device without `basic` keeps only its name (unknown type). */
function deviceFromV1beta1(d: JsonObject): JsonObject {
  const out: JsonObject = {};
  if (d.name !== undefined) out.name = d.name;
  if (isObject(d.basic)) Object.assign(out, d.basic);
  return out;
}

const SUB_REQUEST_KEYS = new Set(['name', 'firstAvailable']);

/** v1 request {name, exactly:{...}, firstAvailable} → v1beta1 {name, ...exactly, firstAvailable}. */
function requestToV1beta1(r: JsonObject): JsonObject {
  const { exactly, ...rest } = r;
  return isObject(exactly) ? { ...rest, ...exactly } : rest;
}

function requestFromV1beta1(r: JsonObject): JsonObject {
  const out: JsonObject = {};
  const exactly: JsonObject = {};
  for (const [k, v] of Object.entries(r)) {
    if (SUB_REQUEST_KEYS.has(k)) out[k] = v;
    else exactly[k] = v;
  }
  if (Object.keys(exactly).length > 0 && out.firstAvailable === undefined) out.exactly = exactly;
  return out;
}

function convertSpec(def: ResourceDef, obj: JsonObject, toV1beta1: boolean): JsonObject {
  const spec = obj.spec;
  if (!isObject(spec)) return obj;
  if (def.id === 'resourceslices.resource.k8s.io') {
    const devices = mapArray(spec.devices, toV1beta1 ? deviceToV1beta1 : deviceFromV1beta1);
    return devices === undefined ? obj : { ...obj, spec: { ...spec, devices } };
  }
  if (def.id === 'resourceclaims.resource.k8s.io') {
    const devices = spec.devices;
    if (!isObject(devices)) return obj;
    const requests = mapArray(devices.requests, toV1beta1 ? requestToV1beta1 : requestFromV1beta1);
    return requests === undefined ? obj : { ...obj, spec: { ...spec, devices: { ...devices, requests } } };
  }
  return obj;
}

/** Converts an object received at `version` to its stored form. */
export function toStorage(def: ResourceDef, version: string, obj: JsonObject): JsonObject {
  const converted = version === 'v1beta1' ? convertSpec(def, obj, false) : obj;
  return { ...converted, apiVersion: def.storageVersion, kind: def.kind };
}

/** Converts a stored object to `version` (a shallow copy; stored sub-objects are shared, never mutated). */
export function fromStorage(def: ResourceDef, version: string, obj: JsonObject): JsonObject {
  const converted = version === 'v1beta1' ? convertSpec(def, obj, true) : obj;
  return { ...converted, apiVersion: apiVersionOf(def.group, version), kind: def.kind };
}

/** True when objects of `def` at `version` are byte-identical to the stored form. */
export const isStorageVersion = (def: ResourceDef, version: string): boolean =>
  apiVersionOf(def.group, version) === def.storageVersion;
