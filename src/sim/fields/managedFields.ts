// metadata.managedFields as kube-apiserver's field manager keeps them (apimachinery
// pkg/util/managedfields/internal and structured-merge-diff merge/update.go): one entry per manager
// and operation (Update entries also per apiVersion), each with the FieldsV1 set it owns.
// - Update (create, PUT, and every non-apply patch): the manager gains what it added or changed;
//   every manager loses what was changed or removed under it; the entry's time moves when it gains.
// - Apply: the manager owns exactly what it applied; fields it applied before but no longer, owned
//   by no one else, are removed; fields another manager owns and the apply changes are conflicts
//   (409) unless forced.

import { isObject, type JsonObject, type JsonValue, jsonEqual } from '../json.js';
import type { TypeNode } from '../schema/index.js';
import { SimApiError } from '../status.js';
import {
  asSerialized,
  compareValues,
  fromFieldsV1,
  type PathKey,
  pathString,
  toFieldSet,
  toFieldsV1,
} from './fieldSet.js';
import { applyMerge, removePaths } from './merge.js';

export interface ManagerEntry {
  manager: string;
  operation: 'Apply' | 'Update';
  apiVersion: string;
  time: string | undefined;
  subresource: string | undefined;
  set: Set<PathKey>;
}

/** What a write is: who writes, in which version, on which endpoint, at what time. */
export interface FieldManagerContext {
  readonly manager: string;
  /** apiVersion of the request (group/version). */
  readonly apiVersion: string;
  readonly subresource: 'status' | undefined;
  /** The kind has a status subresource: main-resource writers never own status. */
  readonly hasStatus: boolean;
  /** Schema of the kind at the request's version. */
  readonly node: TypeNode;
  /** metav1.Time of now. */
  readonly now: string;
}

// stripMetaManager (internal/stripmeta.go): fields nobody owns.
const STRIPPED = new Set<PathKey>(
  [
    'apiVersion',
    'kind',
    'metadata',
    'metadata.name',
    'metadata.namespace',
    'metadata.creationTimestamp',
    'metadata.selfLink',
    'metadata.uid',
    'metadata.clusterName',
    'metadata.generation',
    'metadata.managedFields',
    'metadata.resourceVersion',
  ].map((p) =>
    p
      .split('.')
      .map((e) => `f:${e}`)
      .join('\n'),
  ),
);

/** Strategy reset fields: status belongs to the status endpoint, everything else to the main one. */
function ignored(path: PathKey, ctx: FieldManagerContext): boolean {
  if (STRIPPED.has(path)) return true;
  const underStatus = path === 'f:status' || path.startsWith('f:status\n');
  if (ctx.subresource === 'status') return !underStatus;
  return ctx.hasStatus && underStatus;
}

const filtered = (paths: Iterable<PathKey>, ctx: FieldManagerContext): Set<PathKey> => {
  const out = new Set<PathKey>();
  for (const p of paths) if (!ignored(p, ctx)) out.add(p);
  return out;
};

export function decodeManagedFields(value: JsonValue | undefined): ManagerEntry[] {
  if (!Array.isArray(value)) return [];
  return value.filter(isObject).map((e) => ({
    manager: typeof e.manager === 'string' ? e.manager : '',
    operation: e.operation === 'Apply' ? 'Apply' : 'Update',
    apiVersion: typeof e.apiVersion === 'string' ? e.apiVersion : '',
    // metav1.Time has second precision: a client that re-sends a time with milliseconds sends the same time.
    time: typeof e.time === 'string' && !Number.isNaN(Date.parse(e.time)) ? secondPrecision(e.time) : undefined,
    subresource: typeof e.subresource === 'string' && e.subresource !== '' ? e.subresource : undefined,
    set: fromFieldsV1(e.fieldsV1),
  }));
}

const secondPrecision = (t: string): string => new Date(Date.parse(t)).toISOString().replace(/\.\d{3}Z$/, 'Z');

// sortEncodedManagedFields: Apply before Update, then by time, manager, apiVersion, subresource.
export function encodeManagedFields(entries: readonly ManagerEntry[]): JsonValue[] {
  const seconds = (t: string | undefined) => (t === undefined ? 0 : Math.floor(Date.parse(t) / 1000));
  const sorted = [...entries].sort(
    (a, b) =>
      cmp(a.operation, b.operation) ||
      seconds(a.time) - seconds(b.time) ||
      cmp(a.manager, b.manager) ||
      cmp(a.apiVersion, b.apiVersion) ||
      cmp(a.subresource ?? '', b.subresource ?? ''),
  );
  return sorted.map((e) => {
    const out: JsonObject = { manager: e.manager, operation: e.operation, apiVersion: e.apiVersion };
    if (e.time !== undefined) out.time = e.time;
    out.fieldsType = 'FieldsV1';
    out.fieldsV1 = toFieldsV1(e.set);
    if (e.subresource !== undefined) out.subresource = e.subresource;
    return out;
  });
}

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

// BuildManagerIdentifier: appliers are one manager whatever version they apply in.
const sameIdentity = (e: ManagerEntry, operation: string, ctx: FieldManagerContext): boolean =>
  e.manager === ctx.manager &&
  e.operation === operation &&
  e.subresource === ctx.subresource &&
  (operation === 'Apply' || e.apiVersion === ctx.apiVersion);

function withoutManagedFields(obj: JsonObject): JsonObject {
  const meta = isObject(obj.metadata) ? { ...obj.metadata } : undefined;
  if (meta === undefined) return obj;
  delete meta.managedFields;
  return { ...obj, metadata: meta };
}

function setManagedFields(obj: JsonObject, entries: readonly ManagerEntry[]): void {
  const meta = isObject(obj.metadata) ? obj.metadata : {};
  obj.metadata = meta;
  const live = entries.filter((e) => e.set.size > 0);
  if (live.length === 0) delete meta.managedFields;
  else meta.managedFields = encodeManagedFields(live);
}

/**
 * FieldManager.Update: `next` (create, update or patch result) gets its managedFields. `live` is
 * undefined for a create (compared against the kind's zero value, as the apiserver compares against
 * a new empty object).
 */
export function trackUpdate(live: JsonObject | undefined, next: JsonObject, ctx: FieldManagerContext): void {
  // decodeLiveOrNew: a request may set managedFields itself (an empty list resets them); a status
  // write, or one that leaves them out, keeps the stored ones.
  const requested = isObject(next.metadata) ? next.metadata.managedFields : undefined;
  let entries: ManagerEntry[];
  const isReset =
    Array.isArray(requested) && (requested.length === 0 || (requested.length === 1 && jsonEqual(requested[0], {})));
  if (ctx.subresource === undefined && isReset) entries = [];
  else {
    const fromRequest = ctx.subresource === undefined ? decodeManagedFields(requested) : [];
    entries = fromRequest.length > 0 ? fromRequest : live === undefined ? [] : decodeManagedFields(getMF(live));
  }
  const c = compareOwned(live === undefined ? {} : withoutManagedFields(live), withoutManagedFields(next), ctx);
  const touched = filtered([...c.added, ...c.modified], ctx);
  const removed = filtered(c.removed, ctx);
  for (const e of entries) {
    for (const p of touched) e.set.delete(p);
    for (const p of removed) e.set.delete(p);
  }
  if (touched.size > 0) {
    let own = entries.find((e) => sameIdentity(e, 'Update', ctx));
    if (own === undefined) {
      own = {
        manager: ctx.manager,
        operation: 'Update',
        apiVersion: ctx.apiVersion,
        time: ctx.now,
        subresource: ctx.subresource,
        set: new Set(),
      };
      entries.push(own);
    }
    for (const p of touched) own.set.add(p);
    own.time = ctx.now;
  }
  setManagedFields(next, entries);
}

/**
 * compareValues restricted to what this endpoint can own: a status write only looks at status, a
 * main-resource write of a kind with a status subresource skips it (the rest would be filtered out
 * anyway; not walking it keeps a pod status patch cheap).
 */
function compareOwned(before: JsonObject, after: JsonObject, ctx: FieldManagerContext) {
  const part = (o: JsonObject): JsonObject => {
    if (ctx.subresource === 'status') return o.status === undefined ? {} : { status: o.status };
    if (!ctx.hasStatus || o.status === undefined) return o;
    const { status: _status, ...rest } = o;
    return rest;
  };
  return compareValues(asSerialized(part(before), ctx.node), asSerialized(part(after), ctx.node), ctx.node);
}

const getMF = (obj: JsonObject): JsonValue | undefined =>
  isObject(obj.metadata) ? obj.metadata.managedFields : undefined;

/**
 * FieldManager.Apply: the merged object with its managedFields, or a 409 naming the conflicts.
 * `live` is undefined when the apply creates the object.
 */
export function trackApply(
  live: JsonObject | undefined,
  config: JsonObject,
  force: boolean,
  ctx: FieldManagerContext,
): JsonObject {
  const entries = live === undefined ? [] : decodeManagedFields(getMF(live));
  const liveObj = live === undefined ? {} : withoutManagedFields(live);
  const merged = applyMerge(liveObj, config, ctx.node) as JsonObject;
  const applied = filtered(toFieldSet(config, ctx.node).keys(), ctx);
  let own = entries.find((e) => sameIdentity(e, 'Apply', ctx));
  const lastSet = own?.set;
  if (own === undefined) {
    own = {
      manager: ctx.manager,
      operation: 'Apply',
      apiVersion: ctx.apiVersion,
      time: ctx.now,
      subresource: ctx.subresource,
      set: applied,
    };
    entries.push(own);
  } else {
    own.set = applied;
    own.apiVersion = ctx.apiVersion;
  }
  if (lastSet !== undefined) {
    // Updater.prune: what this manager applied last time and no longer does is removed, unless some
    // manager (this one included) still owns it or something under it (EnsureNamedFieldsAreMembers).
    const owned = new Set<PathKey>();
    for (const e of entries) for (const p of e.set) withNamedAncestors(p, owned);
    const dropped = [...lastSet].filter((p) => !owned.has(p));
    // Shallowest first: a list item is found by its key fields, so it must go before they do.
    const depth = (p: PathKey) => p.split('\n').length;
    removePaths(
      merged,
      dropped.sort((x, y) => depth(x) - depth(y)),
      ctx.node,
    );
  }
  const c = compareOwned(liveObj, merged, ctx);
  const touched = filtered([...c.added, ...c.modified], ctx);
  const removed = filtered(c.removed, ctx);
  const conflicts: { entry: ManagerEntry; path: PathKey }[] = [];
  for (const e of entries) {
    if (e === own) continue;
    for (const p of e.set) if (touched.has(p)) conflicts.push({ entry: e, path: p });
  }
  if (conflicts.length > 0 && !force) throw applyConflict(conflicts);
  for (const { entry, path } of conflicts) entry.set.delete(path);
  for (const e of entries) if (e !== own) for (const p of removed) e.set.delete(p);
  if (!jsonEqual(liveObj, merged)) own.time = ctx.now;
  lastAppliedSync(live, config, merged, ctx);
  setManagedFields(merged, entries);
  return merged;
}

/** `path` and every prefix of it that ends in a field name (fieldpath.Set.EnsureNamedFieldsAreMembers). */
function withNamedAncestors(path: PathKey, into: Set<PathKey>): void {
  into.add(path);
  const elements = path.split('\n');
  for (let i = elements.length - 1; i > 0; i--) {
    if (elements[i - 1]!.startsWith('f:')) into.add(elements.slice(0, i).join('\n'));
  }
}

// lastAppliedUpdater: an apply by kubectl keeps the client-side apply annotation in step.
const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';
function lastAppliedSync(
  live: JsonObject | undefined,
  config: JsonObject,
  merged: JsonObject,
  ctx: FieldManagerContext,
) {
  if (ctx.manager !== 'kubectl' || live === undefined) return;
  const annotations = isObject(live.metadata) && isObject(live.metadata.annotations) ? live.metadata.annotations : {};
  if (annotations[LAST_APPLIED] === undefined) return;
  const cfgMeta = isObject(config.metadata) ? { ...config.metadata } : {};
  if (isObject(cfgMeta.annotations)) {
    const a = { ...cfgMeta.annotations };
    delete a[LAST_APPLIED];
    if (Object.keys(a).length === 0) delete cfgMeta.annotations;
    else cfgMeta.annotations = a;
  }
  // runtime.Encode(unstructured.UnstructuredJSONScheme, …): a Go map, so keys sorted, and a newline.
  const lastApplied = `${JSON.stringify(sortedKeys({ ...config, metadata: cfgMeta }))}\n`;
  const meta = isObject(merged.metadata) ? merged.metadata : {};
  merged.metadata = {
    ...meta,
    annotations: { ...(isObject(meta.annotations) ? meta.annotations : {}), [LAST_APPLIED]: lastApplied },
  };
}

function sortedKeys(v: JsonValue): JsonValue {
  if (Array.isArray(v)) return v.map(sortedKeys);
  if (!isObject(v)) return v;
  const out: JsonObject = {};
  for (const k of Object.keys(v).sort()) out[k] = sortedKeys(v[k]!);
  return out;
}

// printManager and getConflictMessage (internal/conflict.go).
function printManager(e: ManagerEntry): string {
  let s = JSON.stringify(e.manager);
  if (e.subresource !== undefined) s += ` with subresource ${JSON.stringify(e.subresource)}`;
  if (e.operation === 'Update')
    s += e.time === undefined ? ` using ${e.apiVersion}` : ` using ${e.apiVersion} at ${e.time}`;
  return s;
}

function applyConflict(conflicts: readonly { entry: ManagerEntry; path: PathKey }[]): SimApiError {
  const causes = conflicts.map((c) => ({
    reason: 'FieldManagerConflict',
    message: `conflict with ${printManager(c.entry)}`,
    field: pathString(c.path),
  }));
  let message: string;
  if (conflicts.length === 1) {
    message = `Apply failed with 1 conflict: conflict with ${printManager(conflicts[0]!.entry)}: ${pathString(conflicts[0]!.path)}`;
  } else {
    const byManager = new Map<string, { entry: ManagerEntry; paths: string[] }>();
    for (const c of conflicts) {
      const key = printManager(c.entry);
      const group = byManager.get(key) ?? { entry: c.entry, paths: [] };
      group.paths.push(pathString(c.path));
      byManager.set(key, group);
    }
    const lines: string[] = [];
    for (const key of [...byManager.keys()].sort()) {
      lines.push(`conflicts with ${key}`);
      for (const p of byManager.get(key)!.paths) lines.push(`- ${p}`);
    }
    message = `Apply failed with ${conflicts.length} conflicts: ${lines.join('\n')}`;
  }
  return new SimApiError(409, 'Conflict', message, { causes });
}
