// Raw API JSON → the compact records of types.ts. Pure and total: every projector returns a result
// value and never throws, whatever it is given, because it runs inside the reflector's watch loop and
// one malformed object must cost one log line, not the informer.
//
// What counts as malformed: a missing name/uid/namespace, a field of the wrong JSON type, a list that
// is not a list, an unparseable timestamp. What does NOT: unknown taint effects or toleration
// operators (kept verbatim; the decision code treats them like upstream does), unknown extra fields.

import { intern, mapOrEmpty } from './intern.js';
import {
  asObject,
  field,
  isObject,
  type JsonObject,
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

export type Projection<T> =
  | { readonly ok: true; readonly value: T }
  /** `key` is the object's cache key when it could still be read, so a relist does not treat it as vanished. */
  | { readonly ok: false; readonly error: string; readonly key: string | null };

export type Projector<T> = (raw: unknown) => Projection<T>;

/** Resource API versions whose device layout differs: v1beta1 wraps device fields in `basic`. */
export type DeviceLayoutVersion = 'v1' | 'v1beta2' | 'v1beta1';

interface Meta {
  readonly namespace: string;
  readonly name: string;
  readonly uid: string;
  readonly resourceVersion: string;
}

function readMeta(raw: unknown, namespaced: boolean): { meta: Meta; obj: JsonObject } {
  const obj = asObject(raw, '$');
  const m = asObject(field(obj, 'metadata'), '$.metadata');
  const name = reqString(m, 'name', '$.metadata');
  const namespace = namespaced ? intern(reqString(m, 'namespace', '$.metadata')) : '';
  const uid = reqString(m, 'uid', '$.metadata');
  const resourceVersion = strOrEmpty(m, 'resourceVersion', '$.metadata');
  return { meta: { namespace, name, uid, resourceVersion }, obj };
}

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

function guard<T>(raw: unknown, namespaced: boolean, project: () => T): Projection<T> {
  try {
    return { ok: true, value: project() };
  } catch (err) {
    // Only shape errors are expected; anything else (a bug in a projector) is reported the same way so
    // that the watch keeps running, but with a marker that makes it stand out in the logs.
    const error = err instanceof ShapeError ? err.message : `unexpected projection failure: ${String(err)}`;
    return { ok: false, error, key: keyOfRaw(raw, namespaced) };
  }
}

function readTaint(v: unknown, path: string): DeviceTaint {
  const t = asObject(v, path);
  return {
    key: intern(reqString(t, 'key', path)),
    value: intern(strOrEmpty(t, 'value', path)),
    // Effect is required by validation, but a missing one is "unknown", which behaves like None.
    effect: intern(strOrEmpty(t, 'effect', path)),
    timeAdded: optTimestamp(t, 'timeAdded', path),
  };
}

function readToleration(v: unknown, path: string): DeviceToleration {
  const t = asObject(v, path);
  return {
    key: strOrEmpty(t, 'key', path),
    operator: strOrEmpty(t, 'operator', path),
    value: strOrEmpty(t, 'value', path),
    effect: strOrEmpty(t, 'effect', path),
    tolerationSeconds: optInteger(t, 'tolerationSeconds', path),
  };
}

// ---------------------------------------------------------------------------------------------- pods

function readPodClaimSource(v: unknown, path: string): PodClaimSource {
  const c = asObject(v, path);
  return {
    name: reqString(c, 'name', path),
    resourceClaimName: optString(c, 'resourceClaimName', path),
    resourceClaimTemplateName: optString(c, 'resourceClaimTemplateName', path),
    podGroupResourceClaim: optString(c, 'podGroupResourceClaim', path),
  };
}

function readPodClaimStatus(v: unknown, path: string): PodClaimStatus {
  const s = asObject(v, path);
  return { name: reqString(s, 'name', path), resourceClaimName: optString(s, 'resourceClaimName', path) };
}

export const projectPod: Projector<PodRecord> = (raw) =>
  guard(raw, true, () => {
    const { meta, obj } = readMeta(raw, true);
    const m = asObject(field(obj, 'metadata'), '$.metadata');
    const spec = optObject(obj, 'spec', '$') ?? {};
    const status = optObject(obj, 'status', '$') ?? {};
    const extended = optObject(status, 'extendedResourceClaimStatus', '$.status');
    const group = optObject(spec, 'schedulingGroup', '$.spec');
    return {
      ...meta,
      nodeName: intern(strOrEmpty(spec, 'nodeName', '$.spec')),
      deletionTimestamp: optTimestamp(m, 'deletionTimestamp', '$.metadata'),
      resourceClaims: mapOrEmpty(optArray(spec, 'resourceClaims', '$.spec'), (c, i) =>
        readPodClaimSource(c, `$.spec.resourceClaims[${i}]`),
      ),
      resourceClaimStatuses: mapOrEmpty(optArray(status, 'resourceClaimStatuses', '$.status'), (s, i) =>
        readPodClaimStatus(s, `$.status.resourceClaimStatuses[${i}]`),
      ),
      extendedResourceClaimName:
        extended === null
          ? null
          : optString(extended, 'resourceClaimName', '$.status.extendedResourceClaimStatus') || null,
      podGroupName: group === null ? null : optString(group, 'podGroupName', '$.spec.schedulingGroup') || null,
    };
  });

// -------------------------------------------------------------------------------------------- claims

function readAllocatedDevice(v: unknown, path: string): AllocatedDevice {
  const r = asObject(v, path);
  return {
    request: strOrEmpty(r, 'request', path),
    driver: intern(reqString(r, 'driver', path)),
    pool: intern(reqString(r, 'pool', path)),
    device: reqString(r, 'device', path),
    tolerations: mapOrEmpty(optArray(r, 'tolerations', path), (t, i) => readToleration(t, `${path}.tolerations[${i}]`)),
  };
}

function readConsumer(v: unknown, path: string): ConsumerRef {
  const c = asObject(v, path);
  return {
    apiGroup: strOrEmpty(c, 'apiGroup', path),
    resource: reqString(c, 'resource', path),
    name: reqString(c, 'name', path),
    uid: reqString(c, 'uid', path),
  };
}

function readControllerOwnerUid(m: JsonObject): string | null {
  const owners = optArray(m, 'ownerReferences', '$.metadata');
  for (let i = 0; i < owners.length; i++) {
    const path = `$.metadata.ownerReferences[${i}]`;
    const o = asObject(owners[i], path);
    if (optBoolean(o, 'controller', path) === true) return reqString(o, 'uid', path);
  }
  return null;
}

/** The same for resource.k8s.io v1, v1beta2 and v1beta1: allocation results never had a `basic` wrapper. */
export const projectClaim: Projector<ClaimRecord> = (raw) =>
  guard(raw, true, () => {
    const { meta, obj } = readMeta(raw, true);
    const m = asObject(field(obj, 'metadata'), '$.metadata');
    const status = optObject(obj, 'status', '$') ?? {};
    const allocation = optObject(status, 'allocation', '$.status');
    let devices: AllocatedDevice[] | null = null;
    if (allocation !== null) {
      const d = optObject(allocation, 'devices', '$.status.allocation') ?? {};
      devices = optArray(d, 'results', '$.status.allocation.devices').map((r, i) =>
        readAllocatedDevice(r, `$.status.allocation.devices.results[${i}]`),
      );
    }
    return {
      ...meta,
      controllerOwnerUid: readControllerOwnerUid(m),
      allocation: devices,
      reservedFor: mapOrEmpty(optArray(status, 'reservedFor', '$.status'), (c, i) =>
        readConsumer(c, `$.status.reservedFor[${i}]`),
      ),
    };
  });

// -------------------------------------------------------------------------------------------- slices

function readSliceDevice(v: unknown, path: string, layout: DeviceLayoutVersion): SliceDevice | null {
  const d = asObject(v, path);
  const name = reqString(d, 'name', path);
  if (layout !== 'v1beta1') {
    return { name, taints: mapOrEmpty(optArray(d, 'taints', path), (t, i) => readTaint(t, `${path}.taints[${i}]`)) };
  }
  // v1beta1: fields live under `basic`; a device without it is of a type this client does not know,
  // and upstream ignores such devices entirely (spec §1.2).
  const basic = optObject(d, 'basic', path);
  if (basic === null) return null;
  const bpath = `${path}.basic`;
  return {
    name,
    taints: mapOrEmpty(optArray(basic, 'taints', bpath), (t, i) => readTaint(t, `${bpath}.taints[${i}]`)),
  };
}

export function makeSliceProjector(layout: DeviceLayoutVersion): Projector<SliceRecord> {
  return (raw) =>
    guard(raw, false, () => {
      const { meta, obj } = readMeta(raw, false);
      const spec = asObject(field(obj, 'spec'), '$.spec');
      const pool = asObject(field(spec, 'pool'), '$.spec.pool');
      const devices: SliceDevice[] = [];
      const rawDevices = optArray(spec, 'devices', '$.spec');
      for (let i = 0; i < rawDevices.length; i++) {
        const d = readSliceDevice(rawDevices[i], `$.spec.devices[${i}]`, layout);
        if (d !== null) devices.push(d);
      }
      return {
        name: meta.name,
        uid: meta.uid,
        resourceVersion: meta.resourceVersion,
        driver: intern(reqString(spec, 'driver', '$.spec')),
        pool: intern(reqString(pool, 'name', '$.spec.pool')),
        generation: optInteger(pool, 'generation', '$.spec.pool') ?? 0,
        nodeName: intern(strOrEmpty(spec, 'nodeName', '$.spec')),
        devices,
      };
    });
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
export const projectRule: Projector<RuleRecord> = (raw) =>
  guard(raw, false, () => {
    const { meta, obj } = readMeta(raw, false);
    const m = asObject(field(obj, 'metadata'), '$.metadata');
    const spec = asObject(field(obj, 'spec'), '$.spec');
    const status = optObject(obj, 'status', '$') ?? {};
    return {
      name: meta.name,
      uid: meta.uid,
      resourceVersion: meta.resourceVersion,
      generation: optInteger(m, 'generation', '$.metadata') ?? 0,
      selector: readSelector(spec),
      taint: readTaint(field(spec, 'taint'), '$.spec.taint'),
      conditions: mapOrEmpty(optArray(status, 'conditions', '$.status'), (c, i) =>
        readCondition(c, `$.status.conditions[${i}]`),
      ),
    };
  });

// ------------------------------------------------------------------------------ PodGroups, classes

/**
 * scheduling.k8s.io PodGroup. A group claim names a ResourceClaim directly or a template whose
 * generated claim is recorded in `status.resourceClaimStatuses`; the record holds the resolved name
 * (`null` while not generated yet), so the decision code never needs the template indirection.
 */
export const projectPodGroup: Projector<PodGroupRecord> = (raw) =>
  guard(raw, true, () => {
    const { meta, obj } = readMeta(raw, true);
    const spec = optObject(obj, 'spec', '$') ?? {};
    const status = optObject(obj, 'status', '$') ?? {};
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
  });

export const projectDeviceClass: Projector<DeviceClassRecord> = (raw) =>
  guard(raw, false, () => {
    const { meta } = readMeta(raw, false);
    return { name: meta.name, uid: meta.uid, resourceVersion: meta.resourceVersion };
  });
