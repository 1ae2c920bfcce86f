// What kube-apiserver's REST strategies and generic rest hooks do to an object on its way into
// storage, as pure functions: name checks and system fields on create (rest.BeforeCreate), the
// preconditions and metadata rules of an update (Store.Update, rest.BeforeUpdate,
// ValidateObjectMetaAccessorUpdate), status resets, timeAdded defaulting and the validation the
// controller's inputs depend on. The store (store.ts) decides when each runs.

import { randomBytes, randomUUID } from 'node:crypto';
import type { StoredEntry } from './entry.js';
import { etcdKey, metaOf } from './entry.js';
import { getPath, isObject, type JsonObject, type JsonValue, jsonEqual } from './json.js';
import { EMPTY_STATUS, PDB, validatePdbSpec, validatePdbStatus } from './pdb.js';
import type { ResourceDef } from './resources.js';
import { badRequest, conflict, type FieldError, invalid, storageInvalidObj } from './status.js';

const NAME_RE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
// validation.IsDNS1123Subdomain's message (apimachinery/pkg/util/validation/validation.go).
const DNS1123_SUBDOMAIN_MESSAGE =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";

/** metav1.Time: RFC 3339 with second precision. */
export const formatTime = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

/**
 * The name of an object being created: generateName gets a random suffix; the result must be a
 * DNS subdomain (ValidateObjectMeta, apimachinery/pkg/api/validation/objectmeta.go).
 */
export function assignName(def: ResourceDef, meta: JsonObject): string {
  if (typeof meta.name !== 'string' || meta.name === '') {
    if (typeof meta.generateName === 'string' && meta.generateName !== '') {
      meta.name = meta.generateName + randomBytes(4).toString('hex').slice(0, 5);
    } else {
      throw invalid(def.kind, def.group, '', [
        { type: 'FieldValueRequired', field: 'metadata.name', detail: 'name or generateName is required' },
      ]);
    }
  }
  const name = meta.name as string;
  if (name.length > 253 || !NAME_RE.test(name)) {
    throw invalid(def.kind, def.group, name, [
      { type: 'FieldValueInvalid', field: 'metadata.name', value: name, detail: DNS1123_SUBDOMAIN_MESSAGE },
    ]);
  }
  return name;
}

/** rest.FillObjectMetaSystemFields and the create-time resets of rest.BeforeCreate. */
export function fillSystemFields(meta: JsonObject, now: number): void {
  meta.uid = randomUUID();
  meta.generation = 1;
  meta.creationTimestamp = formatTime(now);
  delete meta.deletionTimestamp;
  delete meta.deletionGracePeriodSeconds;
}

/**
 * The checks an update makes before it looks at the new object: the name must be the URL's
 * (checkName, endpoints/handlers/rest.go), the namespace the request's
 * (rest.EnsureObjectNamespaceMatchesRequestNamespace), a PUT's UID is a storage precondition
 * (storage.Preconditions.Check inside GuaranteedUpdate: errors.NewConflict prints the whole
 * StorageError) and a resourceVersion must be current (Store.Update's OptimisticLockErrorMsg).
 */
export function checkUpdate(def: ResourceDef, prev: StoredEntry, inMeta: JsonObject, uidPrecondition: boolean): void {
  const name = prev.name;
  if (typeof inMeta.name === 'string' && inMeta.name !== name) {
    throw badRequest(`the name of the object (${inMeta.name}) does not match the name on the URL (${name})`);
  }
  if (def.namespaced && typeof inMeta.namespace === 'string' && inMeta.namespace !== '') {
    if (inMeta.namespace !== prev.namespace) {
      throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
    }
  }
  if (uidPrecondition && typeof inMeta.uid === 'string' && inMeta.uid !== '' && inMeta.uid !== prev.uid) {
    throw conflict(
      def.plural,
      def.group,
      name,
      storageInvalidObj(
        etcdKey(def, prev.namespace, name),
        `Precondition failed: UID in precondition: ${inMeta.uid}, UID in object meta: ${prev.uid}`,
      ),
    );
  }
  if (typeof inMeta.resourceVersion === 'string' && inMeta.resourceVersion !== '') {
    if (inMeta.resourceVersion !== String(prev.rv)) {
      throw conflict(
        def.plural,
        def.group,
        name,
        'the object has been modified; please apply your changes to the latest version and try again',
      );
    }
  }
}

/**
 * rest.BeforeDelete (apiserver/pkg/registry/rest/delete.go) checks DELETE's preconditions early,
 * against the object it just read, and names the resource by its Kind.
 */
export function checkDeletePreconditions(
  def: ResourceDef,
  prev: StoredEntry,
  pre: { readonly uid?: string; readonly resourceVersion?: string } | undefined,
): void {
  if (pre?.uid !== undefined && pre.uid !== prev.uid) {
    throw conflict(
      def.kind,
      def.group,
      prev.name,
      `the UID in the precondition (${pre.uid}) does not match the UID in record (${prev.uid}). The object might have been deleted and then recreated`,
    );
  }
  if (pre?.resourceVersion !== undefined && pre.resourceVersion !== String(prev.rv)) {
    throw conflict(
      def.kind,
      def.group,
      prev.name,
      `the ResourceVersion in the precondition (${pre.resourceVersion}) does not match the ResourceVersion in record (${prev.rv}). The object might have been modified`,
    );
  }
}

/**
 * The object an update would store, before the strategy's own changes. A status write keeps
 * everything but status (and managedFields, which an apply to /status updates); a main-resource
 * write keeps the stored status, and rest.BeforeUpdate takes generation, uid, creationTimestamp,
 * deletionTimestamp and deletionGracePeriodSeconds from the stored object (what is left different
 * is reported by immutableMetaErrors).
 */
export function updatedObject(
  def: ResourceDef,
  prev: StoredEntry,
  old: JsonObject,
  input: JsonObject,
  subresource: 'status' | undefined,
): JsonObject {
  const oldMeta = metaOf(old);
  const inMeta = metaOf(input);
  if (subresource === 'status') {
    const next: JsonObject = { ...old, metadata: { ...oldMeta } };
    if (input.status === undefined) delete next.status;
    else next.status = input.status;
    if (inMeta.managedFields !== undefined) metaOf(next).managedFields = inMeta.managedFields;
    return next;
  }
  const next: JsonObject = { ...input, apiVersion: def.storageVersion, kind: def.kind };
  if (def.hasStatus) {
    if (old.status === undefined) delete next.status;
    else next.status = old.status;
  }
  const meta: JsonObject = { ...inMeta };
  for (const k of ['uid', 'creationTimestamp', 'generation', 'deletionTimestamp', 'deletionGracePeriodSeconds']) {
    if (oldMeta[k] === undefined) delete meta[k];
    else meta[k] = oldMeta[k]!;
  }
  meta.name = prev.name;
  if (def.namespaced) meta.namespace = prev.namespace;
  else delete meta.namespace;
  next.metadata = meta;
  return next;
}

/** Everything except metadata and status, the part whose change bumps metadata.generation. */
function specPart(obj: JsonObject): JsonObject {
  const { metadata: _m, status: _s, apiVersion: _a, kind: _k, ...rest } = obj;
  return rest;
}

/** PrepareForUpdate of the strategies: a spec change bumps metadata.generation. */
export function bumpGeneration(next: JsonObject, old: JsonObject): void {
  if (!jsonEqual(specPart(next), specPart(old))) metaOf(next).generation = (Number(metaOf(old).generation) || 0) + 1;
}

/** metav1.Time fields: kube-apiserver re-encodes them with second precision (MicroTime fields keep theirs). */
const TIME_FIELDS = new Set([
  'timeAdded',
  'lastTransitionTime',
  'creationTimestamp',
  'deletionTimestamp',
  'startTime',
  'lastProbeTime',
  'lastUpdateTime',
  'firstTimestamp',
  'lastTimestamp',
  'startedAt',
  'finishedAt',
]);
const FRACTIONAL_TIME = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)\.\d+(Z|[+-]\d\d:\d\d)$/;

export function normalizeTimes(v: JsonValue): void {
  if (Array.isArray(v)) {
    for (const e of v) if (typeof e === 'object' && e !== null) normalizeTimes(e);
    return;
  }
  if (!isObject(v)) return;
  for (const k in v) {
    const val = v[k];
    if (typeof val === 'string') {
      if (val.length > 20 && TIME_FIELDS.has(k)) {
        const m = FRACTIONAL_TIME.exec(val);
        if (m !== null) v[k] = m[2] === 'Z' ? `${m[1]}Z` : formatTime(Date.parse(val));
      }
    } else if (typeof val === 'object' && val !== null) normalizeTimes(val);
  }
}

export function resetStatus(def: ResourceDef, obj: JsonObject): void {
  if (def.id === 'pods') obj.status = { phase: 'Pending' };
  else if (def.id === 'namespaces') obj.status = { phase: 'Active' };
  // podDisruptionBudgetStrategy.PrepareForCreate (pkg/registry/policy/poddisruptionbudget/strategy.go):
  // Status = PodDisruptionBudgetStatus{}, whose four counters have no omitempty.
  else if (def.id === PDB) obj.status = { ...EMPTY_STATUS };
  else delete obj.status;
}

/** The apiserver fills in `timeAdded` of device taints; a rule whose effect changes gets a fresh one. */
export function defaultTaintTimes(def: ResourceDef, obj: JsonObject, old: JsonObject | undefined, now: number): void {
  const stamp = formatTime(now);
  if (def.id === 'resourceslices.resource.k8s.io') {
    const devices = getPath(obj, 'spec', 'devices');
    if (!Array.isArray(devices)) return;
    for (const d of devices) {
      const taints = isObject(d) ? d.taints : undefined;
      if (!Array.isArray(taints)) continue;
      for (const taint of taints) if (isObject(taint) && taint.timeAdded == null) taint.timeAdded = stamp;
    }
  } else if (def.id === 'devicetaintrules.resource.k8s.io') {
    const taint = getPath(obj, 'spec', 'taint');
    if (!isObject(taint)) return;
    const oldTaint = old === undefined ? undefined : getPath(old, 'spec', 'taint');
    if (taint.timeAdded == null) taint.timeAdded = stamp;
    else if (isObject(oldTaint) && oldTaint.effect !== taint.effect && oldTaint.timeAdded === taint.timeAdded) {
      taint.timeAdded = stamp;
    }
  }
}

const TAINT_EFFECTS = ['None', 'NoSchedule', 'NoExecute'];

/** HighestUserDefinablePriority (pkg/apis/scheduling/types.go); values above are for system classes. */
const HIGHEST_USER_DEFINABLE_PRIORITY = 1_000_000_000;
/** SystemPriorityClasses: the only classes allowed the `system-` prefix, with their fixed values. */
const SYSTEM_PRIORITY_CLASSES: Readonly<Record<string, number>> = {
  'system-node-critical': 2_000_001_000,
  'system-cluster-critical': 2_000_000_000,
};

/**
 * ValidatePriorityClass (pkg/apis/scheduling/validation): a `system-` name must be one of the system
 * classes with its value (and not the global default); any other class may not go above
 * HighestUserDefinablePriority. What deploy/ relies on to keep its own class in the user range.
 */
function validatePriorityClass(obj: JsonObject, errors: FieldError[]): void {
  const rawName = getPath(obj, 'metadata', 'name');
  const name = typeof rawName === 'string' ? rawName : '';
  const value = obj.value;
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    errors.push({ type: 'FieldValueRequired', field: 'value' });
    return;
  }
  if (name.startsWith('system-')) {
    const known = SYSTEM_PRIORITY_CLASSES[name];
    const problem =
      known === undefined
        ? `${name} is not a known system priority class`
        : value !== known
          ? `value of ${name} PriorityClass must be ${known}`
          : obj.globalDefault === true
            ? `globalDefault of ${name} PriorityClass must be false`
            : undefined;
    if (problem !== undefined) {
      errors.push({
        type: 'FieldValueForbidden',
        field: 'metadata.name',
        detail: `priority class names with 'system-' prefix are reserved for system use only. error: ${problem}`,
      });
    }
  } else if (value > HIGHEST_USER_DEFINABLE_PRIORITY) {
    errors.push({
      type: 'FieldValueForbidden',
      field: 'value',
      detail: `maximum allowed value of a user defined priority is ${HIGHEST_USER_DEFINABLE_PRIORITY}`,
    });
  }
}

/**
 * The validation the controller's inputs depend on; everything else is accepted as is. `subresource`
 * picks the status strategy's ValidateUpdate where a kind has its own.
 */
export function validate(def: ResourceDef, obj: JsonObject, subresource?: 'status'): FieldError[] {
  const errors: FieldError[] = [];
  if (def.id === PDB) {
    // podDisruptionBudgetStrategy.Validate / ValidateUpdate: ValidatePodDisruptionBudget;
    // podDisruptionBudgetStatusStrategy.ValidateUpdate: ValidatePodDisruptionBudgetStatusUpdate.
    return subresource === 'status' ? validatePdbStatus(obj) : validatePdbSpec(obj);
  }
  // ValidateDeviceTaint (pkg/apis/resource/validation): key required, effect one of the supported values.
  const checkTaint = (taint: JsonValue | undefined, field: string) => {
    if (!isObject(taint)) {
      errors.push({ type: 'FieldValueRequired', field });
      return;
    }
    if (typeof taint.key !== 'string' || taint.key === '')
      errors.push({ type: 'FieldValueRequired', field: `${field}.key` });
    if (typeof taint.effect !== 'string' || !TAINT_EFFECTS.includes(taint.effect)) {
      errors.push({
        type: 'FieldValueNotSupported',
        field: `${field}.effect`,
        value: taint.effect ?? '',
        detail: `supported values: ${TAINT_EFFECTS.map((e) => JSON.stringify(e)).join(', ')}`,
      });
    }
  };
  if (def.id === 'priorityclasses.scheduling.k8s.io') {
    validatePriorityClass(obj, errors);
  } else if (def.id === 'devicetaintrules.resource.k8s.io') {
    checkTaint(getPath(obj, 'spec', 'taint'), 'spec.taint');
  } else if (def.id === 'resourceslices.resource.k8s.io') {
    const devices = getPath(obj, 'spec', 'devices');
    if (!Array.isArray(devices)) return errors;
    devices.forEach((d, i) => {
      const taints = isObject(d) ? d.taints : undefined;
      if (!Array.isArray(taints)) return;
      taints.forEach((t, j) => {
        checkTaint(t, `spec.devices[${i}].taints[${j}]`);
      });
    });
  }
  return errors;
}

/**
 * ValidateObjectMetaAccessorUpdate (apimachinery/pkg/api/validation/objectmeta.go) for the fields
 * rest.BeforeUpdate does not reset: a changed uid, a deletionTimestamp or grace period an update tries
 * to set, finalizers added to an object being deleted. A status write first takes deletionTimestamp
 * and finalizers from the stored object (metav1.ResetObjectMetaForStatus), so only uid and the grace
 * period can differ there.
 */
export function immutableMetaErrors(
  inMeta: JsonObject,
  oldMeta: JsonObject,
  subresource: 'status' | undefined,
): FieldError[] {
  const errors: FieldError[] = [];
  const immutable = (field: string, value: JsonValue) =>
    errors.push({ type: 'FieldValueInvalid', field: `metadata.${field}`, value, detail: 'field is immutable' });
  if (subresource === undefined && oldMeta.deletionTimestamp !== undefined) {
    const oldFinalizers = Array.isArray(oldMeta.finalizers) ? oldMeta.finalizers : [];
    const added = (Array.isArray(inMeta.finalizers) ? inMeta.finalizers : [])
      .filter((f): f is string => typeof f === 'string' && !oldFinalizers.includes(f))
      .sort();
    if (added.length > 0) {
      errors.push({
        type: 'FieldValueForbidden',
        field: 'metadata.finalizers',
        detail: `no new finalizers can be added if the object is being deleted, found new finalizers []string{${[...new Set(added)].map((f) => JSON.stringify(f)).join(', ')}}`,
      });
    }
  }
  if (typeof inMeta.uid === 'string' && inMeta.uid !== '' && inMeta.uid !== oldMeta.uid) immutable('uid', inMeta.uid);
  if (
    subresource === undefined &&
    oldMeta.deletionTimestamp === undefined &&
    typeof inMeta.deletionTimestamp === 'string'
  ) {
    immutable('deletionTimestamp', inMeta.deletionTimestamp);
  }
  const grace = inMeta.deletionGracePeriodSeconds;
  if (typeof grace === 'number' && grace !== oldMeta.deletionGracePeriodSeconds)
    immutable('deletionGracePeriodSeconds', grace);
  return errors;
}
