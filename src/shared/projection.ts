// Raw API JSON → the compact records of types.ts. Pure and total: every projector returns a result
// value and never throws, whatever it is given, because it runs inside the reflector's watch loop and
// one malformed object must cost one log line, not the informer.
//
// What counts as malformed: a missing name/uid/namespace, a field of the wrong JSON type, a list that
// is not a list, an unparseable timestamp. What does NOT: unknown taint effects or toleration
// operators (kept verbatim; the decision code treats them like upstream does), unknown extra fields.

import { EMPTY, intern, memoizedIntern, SharedValues } from './intern.js';
import {
  asObject,
  elementPaths,
  field,
  isObject,
  type JsonObject,
  NO_FIELDS,
  optArray,
  optBoolean,
  optInteger,
  optObject,
  optString,
  optTimestamp,
  reqString,
  ShapeError,
  strOrEmpty,
} from './jsonShape.js';
import type {
  AllocatedDevice,
  ClaimRecord,
  ConsumerRef,
  DeviceClassRecord,
  DeviceSelector,
  DeviceTaint,
  DeviceToleration,
  PodClaimSource,
  PodClaimStatus,
  PodGroupRecord,
  PodRecord,
  RuleCondition,
  RuleRecord,
  SliceDevice,
  SliceRecord,
} from './types.js';

// Memory and speed (bench/ingestProfile.ts): the initial sync projects 300k objects, and what the
// projectors return is what the caches hold. So records are built as single object literals with a
// fixed property order (one hidden class per record type, every property in-object: a spread of a
// partial object would add an out-of-object property array to each record), optional fields are
// `null` rather than absent, sub-records that repeat across objects are shared (strings through
// `intern`, empty lists through `EMPTY`, identical toleration lists and claim sources through
// `SharedValues`), and the error paths that readers need are not built per element.

export type Projection<T> =
  | { readonly ok: true; readonly value: T }
  /**
   * `key` is the object's cache key when it could still be read. `fallback` is what to cache instead of
   * the object, when a degraded record can be built that never causes an eviction (see the
   * quarantine policy in src/kube/reflector.ts); absent when the object is best dropped altogether.
   */
  | { readonly ok: false; readonly error: string; readonly key: string | null; readonly fallback?: T };

export type Projector<T> = (raw: unknown) => Projection<T>;

/** Resource API versions whose device layout differs: v1beta1 wraps device fields in `basic`. */
export type DeviceLayoutVersion = 'v1' | 'v1beta2' | 'v1beta1';

/** Best-effort cache key of an object that failed projection (never throws). */
export function keyOfRaw(raw: unknown, namespaced: boolean): string | null {
  if (!isObject(raw)) return null;
  const m = field(raw, 'metadata');
  if (!isObject(m)) return null;
  const name = field(m, 'name');
  if (typeof name !== 'string' || name === '') return null;
  if (!namespaced) return name;
  const ns = field(m, 'namespace');
  return typeof ns === 'string' && ns !== '' ? `${ns}/${name}` : null;
}

function failure(err: unknown, raw: unknown, namespaced: boolean): Projection<never> {
  // Only shape errors are expected; anything else (a bug in a projector) is reported the same way so
  // that the watch keeps running, but with a marker that makes it stand out in the logs.
  const error = err instanceof ShapeError ? err.message : `unexpected projection failure: ${String(err)}`;
  return { ok: false, error, key: keyOfRaw(raw, namespaced) };
}

/**
 * Makes a total projector of a reader that throws on malformed input (no closure per object).
 * `fallbackOf` builds the degraded record to cache instead of a malformed object, or null.
 */
function projector<T>(
  read: (raw: unknown) => T,
  namespaced: boolean,
  fallbackOf?: (raw: unknown) => T | null,
): Projector<T> {
  return (raw) => {
    try {
      return { ok: true, value: read(raw) };
    } catch (err) {
      const failed = failure(err, raw, namespaced);
      if (fallbackOf === undefined || failed.ok) return failed;
      let fallback: T | null = null;
      try {
        fallback = fallbackOf(raw);
      } catch {
        fallback = null;
      }
      return fallback === null ? failed : { ...failed, fallback };
    }
  };
}

/**
 * `intern` for strings read from JSON.parse output. V8's JSON parser already returns values of up to
 * 10 characters internalized (one shared copy per content: namespaces, "gpu", "NoExecute", "pods"), so
 * looking them up again would only cost a hash probe per field; longer ones are fresh copies. If an
 * engine did not do that, the only cost would be duplicate short strings, never a wrong result.
 */
const internParsed = (s: string): string => (s.length <= 10 ? s : intern(s));

/** Drivers: one or two per cluster, so almost every lookup is a memo hit. */
const internClaimDriver = memoizedIntern();
const internSliceDriver = memoizedIntern();

const metadataOf = (obj: JsonObject): JsonObject => asObject(field(obj, 'metadata'), '$.metadata');

interface Meta {
  readonly namespace: string;
  readonly name: string;
  readonly uid: string;
  readonly resourceVersion: string;
}

/** Identity fields of the rarely listed kinds (rules, PodGroups, classes); pods, claims and slices inline this. */
function readMeta(raw: unknown, namespaced: boolean): { meta: Meta; obj: JsonObject } {
  const obj = asObject(raw, '$');
  const m = metadataOf(obj);
  const name = reqString(m, 'name', '$.metadata');
  const namespace = namespaced ? internParsed(reqString(m, 'namespace', '$.metadata')) : '';
  const uid = reqString(m, 'uid', '$.metadata');
  const resourceVersion = strOrEmpty(m, 'resourceVersion', '$.metadata');
  return { meta: { namespace, name, uid, resourceVersion }, obj };
}

/**
 * Self-delimiting part of a structural key (length prefix), so that no choice of field values can
 * make two different sub-records share a key; `null` and "" stay distinct.
 */
const keyPart = (s: string | null): string => (s === null ? '-' : `${s.length}:${s}`);

/** Reads every element of `items`; the shared `EMPTY` when there are none. Sized once, no `map` closure. */
function readList<T>(
  items: readonly unknown[],
  paths: (index: number) => string,
  read: (v: unknown, path: string) => T,
): readonly T[] {
  const n = items.length;
  if (n === 0) return EMPTY;
  const out = new Array<T>(n);
  for (let i = 0; i < n; i++) out[i] = read(items[i], paths(i));
  return out;
}

function readTaint(v: unknown, path: string): DeviceTaint {
  const t = asObject(v, path);
  return {
    key: internParsed(reqString(t, 'key', path)),
    value: internParsed(strOrEmpty(t, 'value', path)),
    // Effect is required by validation, but a missing one is "unknown", which behaves like None.
    effect: internParsed(strOrEmpty(t, 'effect', path)),
    timeAdded: optTimestamp(t, 'timeAdded', path),
  };
}

function readToleration(v: unknown, path: string): DeviceToleration {
  const t = asObject(v, path);
  return {
    key: internParsed(strOrEmpty(t, 'key', path)),
    operator: internParsed(strOrEmpty(t, 'operator', path)),
    value: internParsed(strOrEmpty(t, 'value', path)),
    effect: internParsed(strOrEmpty(t, 'effect', path)),
    tolerationSeconds: optInteger(t, 'tolerationSeconds', path),
  };
}

/** Claims of one workload carry the same tolerations: one frozen list stands for all of them. */
const sharedTolerations = new SharedValues<readonly DeviceToleration[]>();

/**
 * The shared instance of a toleration list equal to `list` (which becomes it if there is none yet).
 * Exported for records that were not projected on this thread (kube/pageDecode/reintern.ts).
 */
export function shareTolerations(list: readonly DeviceToleration[]): readonly DeviceToleration[] {
  if (list.length === 0) return EMPTY;
  let key = '';
  for (const t of list)
    key += `${keyPart(t.key)}${keyPart(t.operator)}${keyPart(t.value)}${keyPart(t.effect)}${t.tolerationSeconds ?? '-'};`;
  return sharedTolerations.get(key) ?? sharedTolerations.add(key, list);
}

function readTolerations(items: readonly unknown[], path: string): readonly DeviceToleration[] {
  if (items.length === 0) return EMPTY;
  const list = new Array<DeviceToleration>(items.length);
  for (let i = 0; i < items.length; i++) list[i] = readToleration(items[i], `${path}.tolerations[${i}]`);
  return shareTolerations(list);
}

// ---------------------------------------------------------------------------------------------- pods

const podClaimPaths = elementPaths('$.spec.resourceClaims');
const podClaimStatusPaths = elementPaths('$.status.resourceClaimStatuses');

function readPodClaimSource(v: unknown, path: string): PodClaimSource {
  const c = asObject(v, path);
  return {
    name: reqString(c, 'name', path),
    resourceClaimName: optString(c, 'resourceClaimName', path),
    resourceClaimTemplateName: optString(c, 'resourceClaimTemplateName', path),
    podGroupResourceClaim: optString(c, 'podGroupResourceClaim', path),
  };
}

/**
 * Every pod of a workload has the same `spec.resourceClaims` when its claims come from templates or
 * from its PodGroup; only lists naming a claim directly tend to be per pod, and those are not shared
 * (they would only churn the table).
 */
const sharedPodClaims = new SharedValues<readonly PodClaimSource[]>();

/** The shared instance of `list` when it may be shared (see above), else `list`. Exported like `shareTolerations`. */
export function sharePodClaimSources(list: readonly PodClaimSource[]): readonly PodClaimSource[] {
  if (list.length === 0) return EMPTY;
  let key = '';
  for (const c of list) {
    if (c.resourceClaimName !== null) return list;
    key += `${keyPart(c.name)}${keyPart(c.resourceClaimTemplateName)}${keyPart(c.podGroupResourceClaim)};`;
  }
  return sharedPodClaims.get(key) ?? sharedPodClaims.add(key, list);
}

const readPodClaimSources = (items: readonly unknown[]): readonly PodClaimSource[] =>
  sharePodClaimSources(readList(items, podClaimPaths, readPodClaimSource));

function readPodClaimStatus(v: unknown, path: string): PodClaimStatus {
  const s = asObject(v, path);
  return { name: reqString(s, 'name', path), resourceClaimName: optString(s, 'resourceClaimName', path) };
}

/** Our DisruptionTarget condition; read leniently (a malformed condition list is not ours to judge). */
function hasOurDisruptionTarget(status: Readonly<Record<string, unknown>>): boolean {
  const conditions = status.conditions;
  if (!Array.isArray(conditions)) return false;
  for (const c of conditions)
    if (
      typeof c === 'object' &&
      c !== null &&
      (c as Record<string, unknown>).type === 'DisruptionTarget' &&
      (c as Record<string, unknown>).status === 'True' &&
      (c as Record<string, unknown>).reason === DISRUPTION_TARGET_REASON
    )
      return true;
  return false;
}

/** The reason of the DisruptionTarget condition this controller writes. */
export const DISRUPTION_TARGET_REASON = 'DeletionByDeviceTaintManager';

function readPod(raw: unknown): PodRecord {
  const obj = asObject(raw, '$');
  const m = metadataOf(obj);
  const name = reqString(m, 'name', '$.metadata');
  const namespace = internParsed(reqString(m, 'namespace', '$.metadata'));
  const uid = reqString(m, 'uid', '$.metadata');
  const resourceVersion = strOrEmpty(m, 'resourceVersion', '$.metadata');
  const spec = optObject(obj, 'spec', '$') ?? NO_FIELDS;
  const status = optObject(obj, 'status', '$') ?? NO_FIELDS;
  const extended = optObject(status, 'extendedResourceClaimStatus', '$.status');
  const group = optObject(spec, 'schedulingGroup', '$.spec');
  return {
    namespace,
    name,
    uid,
    resourceVersion,
    nodeName: internParsed(strOrEmpty(spec, 'nodeName', '$.spec')),
    deletionTimestamp: optTimestamp(m, 'deletionTimestamp', '$.metadata'),
    disruptionTargetSet: hasOurDisruptionTarget(status),
    resourceClaims: readPodClaimSources(optArray(spec, 'resourceClaims', '$.spec')),
    resourceClaimStatuses: readList(
      optArray(status, 'resourceClaimStatuses', '$.status'),
      podClaimStatusPaths,
      readPodClaimStatus,
    ),
    extendedResourceClaimName:
      extended === null
        ? null
        : optString(extended, 'resourceClaimName', '$.status.extendedResourceClaimStatus') || null,
    podGroupName: group === null ? null : optString(group, 'podGroupName', '$.spec.schedulingGroup') || null,
  };
}

export const projectPod: Projector<PodRecord> = projector(readPod, true);

// -------------------------------------------------------------------------------------------- claims

const resultPaths = elementPaths('$.status.allocation.devices.results');
const reservedForPaths = elementPaths('$.status.reservedFor');
const ownerPaths = elementPaths('$.metadata.ownerReferences');

function readAllocatedDevice(v: unknown, path: string): AllocatedDevice {
  const r = asObject(v, path);
  return {
    request: strOrEmpty(r, 'request', path),
    driver: internClaimDriver(reqString(r, 'driver', path)),
    pool: internParsed(reqString(r, 'pool', path)),
    device: reqString(r, 'device', path),
    tolerations: readTolerations(optArray(r, 'tolerations', path), path),
  };
}

function readControllerOwnerUid(m: JsonObject): string | null {
  const owners = optArray(m, 'ownerReferences', '$.metadata');
  for (let i = 0; i < owners.length; i++) {
    const path = ownerPaths(i);
    const o = asObject(owners[i], path);
    if (optBoolean(o, 'controller', path) === true) return reqString(o, 'uid', path);
  }
  return null;
}

/**
 * A claim generated for a pod is owned by that pod and reserved for it: two copies of the same UID in
 * one record unless the reservation reuses the owner's string.
 */
function readConsumers(items: readonly unknown[], ownerUid: string | null): readonly ConsumerRef[] {
  if (items.length === 0) return EMPTY;
  const out = new Array<ConsumerRef>(items.length);
  for (let i = 0; i < items.length; i++) {
    const path = reservedForPaths(i);
    const c = asObject(items[i], path);
    const apiGroup = internParsed(strOrEmpty(c, 'apiGroup', path));
    const resource = internParsed(reqString(c, 'resource', path));
    const name = reqString(c, 'name', path);
    const uid = reqString(c, 'uid', path);
    out[i] = { apiGroup, resource, name, uid: uid === ownerUid ? ownerUid : uid };
  }
  return out;
}

function readClaim(raw: unknown): ClaimRecord {
  const obj = asObject(raw, '$');
  const m = metadataOf(obj);
  const name = reqString(m, 'name', '$.metadata');
  const namespace = internParsed(reqString(m, 'namespace', '$.metadata'));
  const uid = reqString(m, 'uid', '$.metadata');
  const resourceVersion = strOrEmpty(m, 'resourceVersion', '$.metadata');
  const status = optObject(obj, 'status', '$') ?? NO_FIELDS;
  const allocation = optObject(status, 'allocation', '$.status');
  let devices: readonly AllocatedDevice[] | null = null;
  if (allocation !== null) {
    const d = optObject(allocation, 'devices', '$.status.allocation') ?? NO_FIELDS;
    // Not EMPTY-shared when empty: an allocation with no results is kept as its own (rare) list.
    const results = optArray(d, 'results', '$.status.allocation.devices');
    const list = new Array<AllocatedDevice>(results.length);
    for (let i = 0; i < results.length; i++) list[i] = readAllocatedDevice(results[i], resultPaths(i));
    devices = list;
  }
  const controllerOwnerUid = readControllerOwnerUid(m);
  return {
    namespace,
    name,
    uid,
    resourceVersion,
    controllerOwnerUid,
    allocation: devices,
    reservedFor: readConsumers(optArray(status, 'reservedFor', '$.status'), controllerOwnerUid),
  };
}

/** The same for resource.k8s.io v1, v1beta2 and v1beta1: allocation results never had a `basic` wrapper. */
export const projectClaim: Projector<ClaimRecord> = projector(readClaim, true);

// -------------------------------------------------------------------------------------------- slices

const devicePaths = elementPaths('$.spec.devices');

/** Untainted devices are just a name, and every node publishes the same names (gpu-0 … gpu-7). */
const untaintedDevices = new SharedValues<SliceDevice>();

function sliceDevice(name: string, taints: readonly DeviceTaint[]): SliceDevice {
  if (taints.length > 0) return { name, taints };
  return untaintedDevices.get(name) ?? untaintedDevices.add(name, { name, taints: EMPTY });
}

/** The shared instance of an untainted `device`, else `device`. Exported like `shareTolerations`. */
export const shareSliceDevice = (device: SliceDevice): SliceDevice =>
  device.taints.length > 0 ? device : sliceDevice(device.name, EMPTY);

/** Paths are built per taint, not per device: most devices have none. */
function readTaints(items: readonly unknown[], devicePath: string): readonly DeviceTaint[] {
  if (items.length === 0) return EMPTY;
  const out = new Array<DeviceTaint>(items.length);
  for (let i = 0; i < items.length; i++) out[i] = readTaint(items[i], `${devicePath}.taints[${i}]`);
  return out;
}

function readSliceDevice(v: unknown, path: string, layout: DeviceLayoutVersion): SliceDevice | null {
  const d = asObject(v, path);
  const name = reqString(d, 'name', path);
  if (layout !== 'v1beta1') {
    return sliceDevice(name, readTaints(optArray(d, 'taints', path), path));
  }
  // v1beta1: fields live under `basic`; a device without it is of a type this client does not know,
  // and upstream ignores such devices entirely (spec §1.2).
  const basic = optObject(d, 'basic', path);
  if (basic === null) return null;
  const bpath = `${path}.basic`;
  return sliceDevice(name, readTaints(optArray(basic, 'taints', bpath), bpath));
}

/**
 * A malformed slice still says which pool generation it belongs to. Dropping it could make an older,
 * stale generation of its pool current again, whose taints would then act; keeping a stale copy would
 * keep taints the object no longer has. So the slice stays as a placeholder with its pool and
 * generation and no devices: its devices are unknown, which never evicts (rules still apply by
 * selector, as for any unpublished device).
 */
function sliceWithoutDevices(raw: unknown): SliceRecord | null {
  if (!isObject(raw)) return null;
  const m = field(raw, 'metadata');
  const spec = field(raw, 'spec');
  if (!isObject(m) || !isObject(spec)) return null;
  const pool = field(spec, 'pool');
  const name = field(m, 'name');
  const driver = field(spec, 'driver');
  if (!isObject(pool) || typeof name !== 'string' || name === '' || typeof driver !== 'string') return null;
  const poolName = field(pool, 'name');
  // Read exactly as the projector reads it (optInteger, absent = 0): an int64 beyond 2^53 is still a
  // readable generation, and dropping the slice for it would make an older generation current.
  const rawGeneration = field(pool, 'generation');
  const generation = rawGeneration === undefined || rawGeneration === null ? 0 : rawGeneration;
  if (typeof poolName !== 'string' || typeof generation !== 'number' || !Number.isInteger(generation)) return null;
  const uid = field(m, 'uid');
  const rv = field(m, 'resourceVersion');
  const nodeName = field(spec, 'nodeName');
  return {
    name,
    uid: typeof uid === 'string' ? uid : '',
    resourceVersion: typeof rv === 'string' ? rv : '',
    driver: internSliceDriver(driver),
    pool: internParsed(poolName),
    generation,
    nodeName: typeof nodeName === 'string' ? internParsed(nodeName) : '',
    devices: EMPTY,
  };
}

export function makeSliceProjector(layout: DeviceLayoutVersion): Projector<SliceRecord> {
  return projector(
    (raw) => {
      const obj = asObject(raw, '$');
      const m = metadataOf(obj);
      const name = reqString(m, 'name', '$.metadata');
      const uid = reqString(m, 'uid', '$.metadata');
      const resourceVersion = strOrEmpty(m, 'resourceVersion', '$.metadata');
      const spec = asObject(field(obj, 'spec'), '$.spec');
      const pool = asObject(field(spec, 'pool'), '$.spec.pool');
      const rawDevices = optArray(spec, 'devices', '$.spec');
      const devices = new Array<SliceDevice>(rawDevices.length);
      let kept = 0;
      for (let i = 0; i < rawDevices.length; i++) {
        const d = readSliceDevice(rawDevices[i], devicePaths(i), layout);
        if (d !== null) devices[kept++] = d;
      }
      devices.length = kept;
      const driver = reqString(spec, 'driver', '$.spec');
      const poolName = internParsed(reqString(pool, 'name', '$.spec.pool'));
      const nodeName = strOrEmpty(spec, 'nodeName', '$.spec');
      return {
        name,
        uid,
        resourceVersion,
        driver: internSliceDriver(driver),
        pool: poolName,
        generation: optInteger(pool, 'generation', '$.spec.pool') ?? 0,
        // Node-local pools are named after their node: one lookup for both.
        nodeName: nodeName === poolName ? poolName : internParsed(nodeName),
        devices,
      };
    },
    false,
    sliceWithoutDevices,
  );
}

export const projectSlice: Projector<SliceRecord> = makeSliceProjector('v1');

// --------------------------------------------------------------------------------------------- rules

function readSelector(spec: JsonObject): DeviceSelector | null {
  const s = optObject(spec, 'deviceSelector', '$.spec');
  if (s === null) return null;
  // 1.33–1.34 (v1alpha3) selectors could also name a DeviceClass or CEL expressions. Neither can be
  // evaluated against an allocation result; dropping them silently would widen the rule to every
  // device of the driver, so such a rule is rejected as malformed instead (under-evict, never over-evict).
  if (optString(s, 'deviceClassName', '$.spec.deviceSelector'))
    throw new ShapeError('$.spec.deviceSelector.deviceClassName', 'DeviceClass selectors are not supported');
  if (optArray(s, 'selectors', '$.spec.deviceSelector').length > 0)
    throw new ShapeError('$.spec.deviceSelector.selectors', 'CEL selectors are not supported');
  const selector: { driver?: string; pool?: string; device?: string } = {};
  const driver = optString(s, 'driver', '$.spec.deviceSelector');
  const pool = optString(s, 'pool', '$.spec.deviceSelector');
  const device = optString(s, 'device', '$.spec.deviceSelector');
  // An empty string is "unset" in the API (omitempty), so it must not become a match-nothing constraint.
  if (driver) selector.driver = driver;
  if (pool) selector.pool = pool;
  if (device) selector.device = device;
  return selector;
}

const conditionPaths = elementPaths('$.status.conditions');

function readCondition(v: unknown, path: string): RuleCondition {
  const c = asObject(v, path);
  return {
    type: reqString(c, 'type', path),
    status: strOrEmpty(c, 'status', path),
    reason: strOrEmpty(c, 'reason', path),
    message: strOrEmpty(c, 'message', path),
    observedGeneration: optInteger(c, 'observedGeneration', path) ?? 0,
    lastTransitionTime: optTimestamp(c, 'lastTransitionTime', path) ?? 0,
  };
}

/** DeviceTaintRule in v1, v1beta2 or v1alpha3 (same shape for the fields we read). */
export const projectRule: Projector<RuleRecord> = projector((raw) => {
  const { meta, obj } = readMeta(raw, false);
  const m = metadataOf(obj);
  const spec = asObject(field(obj, 'spec'), '$.spec');
  const status = optObject(obj, 'status', '$') ?? NO_FIELDS;
  return {
    name: meta.name,
    uid: meta.uid,
    resourceVersion: meta.resourceVersion,
    generation: optInteger(m, 'generation', '$.metadata') ?? 0,
    selector: readSelector(spec),
    taint: readTaint(field(spec, 'taint'), '$.spec.taint'),
    conditions: readList(optArray(status, 'conditions', '$.status'), conditionPaths, readCondition),
  };
}, false);

// ------------------------------------------------------------------------------ PodGroups, classes

/**
 * scheduling.k8s.io PodGroup. A group claim names a ResourceClaim directly or a template whose
 * generated claim is recorded in `status.resourceClaimStatuses`; the record holds the resolved name
 * (`null` while not generated yet), so the decision code never needs the template indirection.
 */
export const projectPodGroup: Projector<PodGroupRecord> = projector((raw) => {
  const { meta, obj } = readMeta(raw, true);
  const spec = optObject(obj, 'spec', '$') ?? NO_FIELDS;
  const status = optObject(obj, 'status', '$') ?? NO_FIELDS;
  const generated = new Map<string, string | null>();
  optArray(status, 'resourceClaimStatuses', '$.status').forEach((s, i) => {
    const st = readPodClaimStatus(s, `$.status.resourceClaimStatuses[${i}]`);
    generated.set(st.name, st.resourceClaimName);
  });
  const resourceClaims = optArray(spec, 'resourceClaims', '$.spec').map((c, i) => {
    const path = `$.spec.resourceClaims[${i}]`;
    const co = asObject(c, path);
    const name = reqString(co, 'name', path);
    const direct = optString(co, 'resourceClaimName', path);
    return { name, resourceClaimName: direct || (generated.get(name) ?? null) };
  });
  return { ...meta, resourceClaims };
}, true);

export const projectDeviceClass: Projector<DeviceClassRecord> = projector((raw) => {
  const { meta } = readMeta(raw, false);
  return { name: meta.name, uid: meta.uid, resourceVersion: meta.resourceVersion };
}, false);
