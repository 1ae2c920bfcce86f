// ResourceClaims → ClaimRecord: the controller owner, the allocation results with the tolerations
// copied into them (the only tolerations eviction looks at), and `status.reservedFor`. Identical
// toleration lists are shared across claims (a workload's claims all carry the same).

import { EMPTY, memoizedIntern, SharedValues } from '../intern.js';
import {
  asObject,
  elementPaths,
  type JsonObject,
  NO_FIELDS,
  optArray,
  optBoolean,
  optInteger,
  optObject,
  reqString,
  strOrEmpty,
} from '../jsonShape.js';
import type { AllocatedDevice, ClaimRecord, ConsumerRef, DeviceToleration } from '../types.js';
import { internParsed, keyPart, metadataOf, type Projector, projector } from './projector.js';

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

/** Drivers: one or two per cluster, so almost every lookup is a memo hit. */
const internClaimDriver = memoizedIntern();

/**
 * Claims allocated the same device in turn (a device that serves one job after another, or a cluster
 * with more pods than devices, like the simulated one: 150k claims on 16k GPUs) carry equal allocation
 * results: one frozen list stands for all of them (120 bytes per claim: the list, its backing store and
 * the result). Bounded like every shared table; where each claim has a device of its own the table
 * only turns over.
 */
const sharedAllocations = new SharedValues<readonly AllocatedDevice[]>(32_768);

/** The shared instance of an allocation result list equal to `list`. Exported like `shareTolerations`. */
export function shareAllocation(list: readonly AllocatedDevice[]): readonly AllocatedDevice[] {
  if (list.length === 0) return list;
  let key = '';
  for (const d of list) {
    // Toleration lists are shared instances already (readTolerations), so their identity is their content.
    key += `${keyPart(d.driver)}${keyPart(d.pool)}${keyPart(d.device)}${keyPart(d.request)}${tolerationsId(d.tolerations)};`;
  }
  const hit = sharedAllocations.get(key);
  if (hit !== undefined) return hit;
  for (const d of list) Object.freeze(d);
  return sharedAllocations.add(key, list);
}

/** A number per distinct shared toleration list (EMPTY is 0), for allocation keys. */
const tolerationIds = new WeakMap<readonly DeviceToleration[], number>();
let nextTolerationId = 1;
function tolerationsId(list: readonly DeviceToleration[]): number {
  if (list.length === 0) return 0;
  let id = tolerationIds.get(list);
  if (id === undefined) {
    id = nextTolerationId++;
    tolerationIds.set(list, id);
  }
  return id;
}

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
    devices = shareAllocation(list);
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
