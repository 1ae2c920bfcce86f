// The simulated cluster's state: one table per resource, one global resourceVersion counter (as
// etcd's revision), a bounded event history and synchronous watch fan-out. Everything the HTTP layer
// does goes through here, so in-process seeding and assertions see exactly what clients see.
//
// Objects are kept in their storage version as serialized JSON (StoredEntry.json): 150k pods stay a
// few hundred MB and a full list is written to the socket without re-serializing.

import { randomBytes, randomUUID } from 'node:crypto';
import { fromStorage, toStorage } from './conversion.js';
import { applyCreateDefaults, ClusterIPAllocator } from './defaults.js';
import type { StoredEntry } from './entry.js';
import { type FieldManagerContext, trackApply, trackUpdate } from './fields/managedFields.js';
import { EventHistory, type EventType, type StoreEvent } from './history.js';
import { clone, ensureObject, getPath, isObject, type JsonObject, type JsonValue, jsonEqual } from './json.js';
import { jsonPatch, mergePatch, type PatchType } from './patch.js';
import { apiVersionOf, RESOURCES, type ResourceDef, resourceDef, type SimResource } from './resources.js';
import { kindSchema, type TypeNode } from './schema/index.js';
import {
  type FieldRequirement,
  type LabelRequirement,
  type Labels,
  matchFields,
  matchLabels,
  parseFieldSelector,
  parseLabelSelector,
} from './selectors.js';
import { compareKeys, lowerBound, SortedKeys } from './sortedKeys.js';
import {
  alreadyExists,
  badRequest,
  conflict,
  expired,
  type FieldError,
  invalid,
  notFound,
  SimApiError,
  storageInvalidObj,
} from './status.js';
import { strategicMerge } from './strategic.js';

export interface SimStoreOptions {
  /** Events kept for watch resumption and paginated snapshots (default 10,000). */
  readonly watchHistory?: number;
  /** Milliseconds since epoch for creationTimestamp, deletionTimestamp and timeAdded defaulting. */
  readonly clock?: () => number;
  /** When set, deleting a pod sets deletionTimestamp and removes it `gracePeriodMs` later (a kubelet stand-in). */
  readonly podDeletion?: { readonly gracePeriodMs: number };
  /** Namespaces that exist from the start (default: default, kube-system, kube-public, kube-node-lease). */
  readonly initialNamespaces?: readonly string[];
}

/** Which objects a list or watch selects. */
export interface EntryFilter {
  /** Restrict to one namespace; undefined = all. */
  readonly namespace?: string;
  readonly labels?: readonly LabelRequirement[];
  readonly fields?: readonly FieldRequirement[];
}

export interface ListPage {
  readonly items: readonly StoredEntry[];
  /** The snapshot's resourceVersion. */
  readonly resourceVersion: number;
  /** Key of the last item when more may follow (feed back as `startAfter`). */
  readonly continueAfter: string | undefined;
  /** Objects after this page when nothing filters them (as `remainingItemCount`). */
  readonly remaining: number | undefined;
}

export interface ListOptions extends EntryFilter {
  readonly limit?: number;
  /** List as of this resourceVersion (must be ≥ the compacted revision) instead of now. */
  readonly atRv?: number;
  /** Continue after this key. */
  readonly startAfter?: string;
}

export type WatchListener = (type: EventType, entry: StoredEntry) => void;

export interface WatchHandle {
  stop(): void;
}

/**
 * Who is writing, for metadata.managedFields. Writes without one (in-process seeding and test
 * fixtures) leave managedFields as they are, as the apiserver has no such path.
 */
export interface FieldManagerOptions {
  /** Field manager name (?fieldManager=, else the User-Agent prefix). */
  readonly manager: string;
  /** apiVersion of the request, recorded in the entry (default: the storage version). */
  readonly apiVersion?: string;
}

export interface WriteOptions {
  readonly subresource?: 'status';
  /** ?dryRun=All: admission, defaulting and validation run, the result is returned, nothing is stored. */
  readonly dryRun?: boolean;
  readonly fieldManager?: FieldManagerOptions;
}

interface ReplaceOptions {
  readonly subresource: 'status' | undefined;
  /** A PUT: metadata.uid of the body is a storage precondition (rest.defaultUpdatedObjectInfo.Preconditions). */
  readonly uidPrecondition: boolean;
  readonly dryRun: boolean;
  /** Track the write as an Update by this manager (apply patches track themselves). */
  readonly fieldManager: FieldManagerOptions | undefined;
}

export interface CreateOptions {
  readonly dryRun?: boolean;
  readonly fieldManager?: FieldManagerOptions;
  /**
   * Keep `status` as given. The apiserver resets status on create for resources with a status
   * subresource (pods start Pending, claims unallocated); seeding a running cluster opts out.
   */
  readonly keepStatus?: boolean;
}

export interface DeleteOptions {
  readonly dryRun?: boolean;
  readonly preconditions?: { readonly uid?: string; readonly resourceVersion?: string };
  readonly gracePeriodSeconds?: number;
}

export interface PatchOptions extends Omit<WriteOptions, 'fieldManager'> {
  /** apiVersion's version the patch is expressed in (default: storage version). */
  readonly version?: string;
  /** Manager name; required for apply patches. */
  readonly fieldManager?: string;
  readonly force?: boolean;
  /**
   * Runs on the patched object (request version) before it is stored: the HTTP layer decodes it
   * into the kind's schema here (unknown fields: reject, warn or drop), as the apiserver decodes a
   * patched object into its Go struct.
   */
  readonly decode?: (patched: JsonObject) => JsonObject;
}

interface Table {
  readonly def: ResourceDef;
  readonly objects: Map<string, StoredEntry>;
  readonly order: SortedKeys;
}

interface Watcher {
  readonly resource: SimResource;
  readonly filter: CompiledFilter;
  readonly listener: WatchListener;
}

interface CompiledFilter {
  readonly namespace: string | undefined;
  readonly labels: readonly LabelRequirement[];
  readonly fields: readonly FieldRequirement[];
}

const DEFAULT_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];
const NAME_RE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
// validation.IsDNS1123Subdomain's message (apimachinery/pkg/util/validation/validation.go).
const DNS1123_SUBDOMAIN_MESSAGE =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";

/** metav1.Time: RFC 3339 with second precision. */
export const formatTime = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

/** Builds the filter of a list/watch request from its query parameters. */
export function compileFilter(
  resource: SimResource,
  namespace: string | undefined,
  labelSelector: string | undefined,
  fieldSelector: string | undefined,
): EntryFilter {
  const def = resourceDef(resource);
  const supported = ['metadata.name', ...(def.namespaced ? ['metadata.namespace'] : []), ...def.fieldKeys];
  return {
    namespace,
    labels: labelSelector ? parseLabelSelector(labelSelector) : [],
    fields: fieldSelector ? parseFieldSelector(fieldSelector, supported) : [],
  };
}

const compile = (f: EntryFilter | undefined): CompiledFilter => ({
  namespace: f?.namespace,
  labels: f?.labels ?? [],
  fields: f?.fields ?? [],
});

function matches(f: CompiledFilter, e: StoredEntry): boolean {
  if (f.namespace !== undefined && e.namespace !== f.namespace) return false;
  if (f.labels.length > 0 && !matchLabels(f.labels, e.labels)) return false;
  if (f.fields.length > 0 && !matchFields(f.fields, e.fields)) return false;
  return true;
}

/** The schema of `def`'s kind at `version` (every served kind has one). */
export function kindNode(def: ResourceDef, version: string): TypeNode {
  const name = kindSchema(def, version);
  if (name === undefined) throw new Error(`no schema for ${def.kind} at ${version}`);
  return { kind: 'struct', def: name };
}

/** Parses a stored entry back into an object (a fresh copy the caller may mutate). */
export const entryObject = (e: StoredEntry): JsonObject => JSON.parse(e.json.toString('utf8')) as JsonObject;

const metaOf = (obj: JsonObject): JsonObject => ensureObject(obj, 'metadata');

/** Everything except metadata and status, the part whose change bumps metadata.generation. */
function specPart(obj: JsonObject): JsonObject {
  const { metadata: _m, status: _s, apiVersion: _a, kind: _k, ...rest } = obj;
  return rest;
}

export class SimStore {
  private readonly tables = new Map<SimResource, Table>();
  private readonly history: EventHistory;
  private readonly watchers = new Set<Watcher>();
  private readonly graceTimers = new Set<NodeJS.Timeout>();
  private rv = 0;
  private readonly clusterIPs = new ClusterIPAllocator();
  readonly clock: () => number;
  private readonly podGraceMs: number | undefined;

  constructor(opts: SimStoreOptions = {}) {
    this.history = new EventHistory(opts.watchHistory ?? 10_000);
    this.clock = opts.clock ?? Date.now;
    this.podGraceMs = opts.podDeletion?.gracePeriodMs;
    for (const def of RESOURCES) this.tables.set(def.id, { def, objects: new Map(), order: new SortedKeys() });
    for (const ns of opts.initialNamespaces ?? DEFAULT_NAMESPACES) this.ensureNamespace(ns);
  }

  /** `obj` (at `version`) converted to the stored form of `resource`. */
  toStorage(resource: SimResource, version: string, obj: JsonObject): JsonObject {
    return toStorage(this.table(resource).def, version, obj);
  }

  /** The newest resourceVersion (etcd revision) of the whole store. */
  get resourceVersion(): number {
    return this.rv;
  }

  /** Events with a resourceVersion ≤ this are no longer available for watch resume or continue tokens. */
  get compactedResourceVersion(): number {
    return this.history.compactedRv;
  }

  /** Forgets all history: every watch resume and continue token from before now gets 410 Expired. */
  compactHistory(): void {
    this.history.compactTo(this.rv);
  }

  count(resource: SimResource): number {
    return this.table(resource).objects.size;
  }

  getEntry(resource: SimResource, namespace: string, name: string): StoredEntry | undefined {
    const t = this.table(resource);
    return t.objects.get(this.keyOf(t.def, namespace, name));
  }

  /** The stored object (a copy), or undefined. */
  get(resource: SimResource, namespace: string, name: string): JsonObject | undefined {
    const e = this.getEntry(resource, namespace, name);
    return e === undefined ? undefined : entryObject(e);
  }

  /** Every object of a resource (copies), in key order; for tests and small resources. */
  list(resource: SimResource, filter?: EntryFilter): JsonObject[] {
    return this.listPage(resource, filter ?? {}).items.map(entryObject);
  }

  ensureNamespace(name: string): void {
    if (this.getEntry('namespaces', '', name) === undefined) {
      this.create('namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
    }
  }

  // ---- reads with snapshots ----

  /**
   * One page of a list as of `atRv` (default: now). Older snapshots are rebuilt from the event
   * history, the way etcd serves a range at a past revision; too old → 410 Expired.
   */
  listPage(resource: SimResource, opts: ListOptions): ListPage {
    const t = this.table(resource);
    const atRv = opts.atRv ?? this.rv;
    if (atRv < this.rv && atRv < this.history.compactedRv) {
      throw expired(
        `The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.`,
      );
    }
    const filter = compile(opts);
    const limit = opts.limit !== undefined && opts.limit > 0 ? opts.limit : Number.POSITIVE_INFINITY;
    // State at atRv = current state overlaid with the pre-images of later changes.
    const overlay = new Map<string, StoredEntry | null>();
    if (atRv < this.rv) {
      for (const ev of this.history.since(atRv, resource)) {
        if (!overlay.has(ev.entry.key)) overlay.set(ev.entry.key, ev.prev ?? null);
      }
    }
    const keys = t.order.keys((k) => t.objects.has(k));
    const vanished = [...overlay.keys()].filter((k) => !t.objects.has(k)).sort(compareKeys);
    const prefix = filter.namespace !== undefined && t.def.namespaced ? `${filter.namespace}/` : '';
    const startBound = opts.startAfter !== undefined && opts.startAfter >= prefix ? opts.startAfter : prefix;
    const inclusive = opts.startAfter === undefined || opts.startAfter < prefix;
    let i = lowerBound(keys, startBound, inclusive);
    let j = lowerBound(vanished, startBound, inclusive);
    const items: StoredEntry[] = [];
    let continueAfter: string | undefined;
    for (;;) {
      let key: string;
      if (i < keys.length && (j >= vanished.length || keys[i]! < vanished[j]!)) key = keys[i++]!;
      else if (j < vanished.length) key = vanished[j++]!;
      else break;
      if (prefix !== '' && !key.startsWith(prefix)) break;
      const entry = overlay.has(key) ? overlay.get(key) : t.objects.get(key);
      if (entry === null || entry === undefined || !matches(filter, entry)) continue;
      if (items.length === limit) {
        continueAfter = items[items.length - 1]!.key;
        break;
      }
      items.push(entry);
    }
    // Like etcd's count of the rest of the range: only exact when nothing filters the keys.
    const unfiltered = filter.labels.length === 0 && filter.fields.length === 0 && overlay.size === 0;
    const rangeEnd = prefix === '' ? keys.length : lowerBound(keys, `${prefix.slice(0, -1)}0`, true);
    const remaining =
      continueAfter !== undefined && unfiltered ? rangeEnd - lowerBound(keys, continueAfter, false) : undefined;
    return { items, resourceVersion: atRv, continueAfter, remaining };
  }

  /**
   * Subscribes to changes. `sinceRv` undefined: synthetic ADDED for every current object first (a
   * watch without resourceVersion); otherwise replays history after it, or throws 410 Expired.
   * Events are delivered synchronously inside the write that causes them.
   */
  watch(resource: SimResource, filter: EntryFilter, sinceRv: number | undefined, listener: WatchListener): WatchHandle {
    const compiled = compile(filter);
    if (sinceRv === undefined) {
      for (const e of this.listPage(resource, filter).items) listener('ADDED', e);
    } else if (sinceRv < this.history.compactedRv) {
      throw expired(`too old resource version: ${sinceRv} (${this.history.compactedRv + 1})`);
    } else {
      for (const ev of this.history.since(sinceRv, resource)) this.deliver(compiled, ev, listener);
    }
    const w: Watcher = { resource, filter: compiled, listener };
    this.watchers.add(w);
    return { stop: () => this.watchers.delete(w) };
  }

  /** Applies selector transitions: an object that starts (stops) matching is ADDED (DELETED) for this watcher. */
  private deliver(f: CompiledFilter, ev: StoreEvent, listener: WatchListener): void {
    const now = matches(f, ev.entry);
    const before = ev.prev !== undefined && matches(f, ev.prev);
    if (ev.type === 'ADDED') {
      if (now) listener('ADDED', ev.entry);
    } else if (ev.type === 'DELETED') {
      if (now) listener('DELETED', ev.entry);
    } else if (now && before) listener('MODIFIED', ev.entry);
    else if (now) listener('ADDED', ev.entry);
    else if (before && ev.prev !== undefined) {
      const gone = entryObject(ev.prev);
      metaOf(gone).resourceVersion = String(ev.rv);
      listener('DELETED', this.buildEntry(resourceDef(ev.resource), gone, ev.rv));
    }
  }

  // ---- writes ----

  create(resource: SimResource, input: JsonObject, opts: CreateOptions = {}): JsonObject {
    const t = this.table(resource);
    const def = t.def;
    const obj = clone(input);
    obj.apiVersion = def.storageVersion;
    obj.kind = def.kind;
    const meta = metaOf(obj);
    if (typeof meta.name !== 'string' || meta.name === '') {
      if (typeof meta.generateName === 'string' && meta.generateName !== '') {
        meta.name = meta.generateName + randomBytes(4).toString('hex').slice(0, 5);
      } else {
        // ValidateObjectMeta (apimachinery/pkg/api/validation/objectmeta.go)
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
    let namespace = '';
    if (def.namespaced) {
      namespace = typeof meta.namespace === 'string' && meta.namespace !== '' ? meta.namespace : 'default';
      meta.namespace = namespace;
      if (this.getEntry('namespaces', '', namespace) === undefined) throw notFound('namespaces', '', namespace);
    } else delete meta.namespace;
    const key = this.keyOf(def, namespace, name);
    if (t.objects.has(key)) throw alreadyExists(def.plural, def.group, name);
    normalizeTimes(obj);
    // The create handler runs FieldManager.UpdateNoErrors (against a new, empty object) before
    // rest.BeforeCreate: the manager owns what it sent, not what the strategy fills in.
    if (opts.fieldManager !== undefined)
      trackUpdate(undefined, obj, this.managerContext(def, opts.fieldManager, undefined));
    const now = this.clock();
    meta.uid = randomUUID();
    meta.generation = 1;
    meta.creationTimestamp = formatTime(now);
    delete meta.deletionTimestamp;
    delete meta.deletionGracePeriodSeconds;
    if (def.hasStatus && opts.keepStatus !== true) resetStatus(def, obj);
    applyCreateDefaults(def, obj, this.clusterIPs, opts.dryRun === true);
    defaultTaintTimes(def, obj, undefined, now);
    // rest.BeforeCreate → strategy.Validate → errors.NewInvalid
    const errors = validate(def, obj);
    if (errors.length > 0) throw invalid(def.kind, def.group, name, errors);
    if (opts.dryRun === true) {
      // DryRunnableStorage.Create: the object as it would be stored, without a resourceVersion.
      delete meta.resourceVersion;
      return obj;
    }
    return this.persist(t, obj, undefined);
  }

  /** PUT: optimistic concurrency on metadata.resourceVersion, UID precondition on metadata.uid. */
  update(resource: SimResource, input: JsonObject, opts: WriteOptions = {}): JsonObject {
    const t = this.table(resource);
    const def = t.def;
    const meta = isObject(input.metadata) ? input.metadata : {};
    const name = typeof meta.name === 'string' ? meta.name : '';
    const namespace = def.namespaced && typeof meta.namespace === 'string' ? meta.namespace : '';
    const prev = t.objects.get(this.keyOf(def, namespace || 'default', name));
    if (prev === undefined) throw notFound(def.plural, def.group, name);
    return this.replace(t, prev, clone(input), {
      subresource: opts.subresource,
      uidPrecondition: true,
      dryRun: opts.dryRun === true,
      fieldManager: opts.fieldManager,
    });
  }

  patch(
    resource: SimResource,
    namespace: string,
    name: string,
    type: PatchType,
    body: JsonValue,
    opts: PatchOptions = {},
  ): JsonObject {
    const t = this.table(resource);
    const def = t.def;
    const version = opts.version ?? def.storageVersion.split('/').pop()!;
    const prev = t.objects.get(this.keyOf(def, namespace, name));
    if (type === 'apply') {
      if (!opts.fieldManager) {
        // validation.ValidatePatchOptions (apimachinery/pkg/apis/meta/v1/validation)
        throw invalid('PatchOptions', 'meta.k8s.io', '', [
          { type: 'FieldValueRequired', field: 'fieldManager', detail: 'is required for apply patch' },
        ]);
      }
      if (!isObject(body)) throw badRequest('apply patch must be an object');
    }
    if (prev === undefined) {
      if (type === 'apply' && opts.subresource === undefined && isObject(body)) {
        const created = toStorage(def, version, clone(body));
        const meta = metaOf(created);
        // patcher.applyPatch (endpoints/handlers/patch.go): an apply that would create an object
        // but names a UID conflicts, as there is nothing with that UID.
        if (typeof meta.uid === 'string' && meta.uid !== '') {
          throw conflict(
            def.plural,
            def.group,
            name,
            `uid mismatch: the provided object specified uid ${meta.uid}, and no existing object was found`,
          );
        }
        meta.name = name;
        if (def.namespaced) meta.namespace = namespace;
        const ctx = this.managerContext(
          def,
          { manager: opts.fieldManager!, apiVersion: apiVersionOf(def.group, version) },
          undefined,
        );
        return this.create(resource, trackApply(undefined, created, opts.force === true, ctx), { dryRun: opts.dryRun });
      }
      throw notFound(def.plural, def.group, name);
    }
    const current = fromStorage(def, version, entryObject(prev));
    let patched: JsonValue;
    switch (type) {
      case 'merge':
        if (!isObject(body)) throw badRequest('merge patch must be a JSON object');
        patched = mergePatch(current, body);
        break;
      case 'strategic':
        if (!isObject(body)) throw badRequest('strategic merge patch must be a JSON object');
        patched = strategicMerge(current, body, kindNode(def, version));
        break;
      case 'json':
        patched = jsonPatch(current, body);
        break;
      case 'apply': {
        const ctx = this.managerContext(
          def,
          { manager: opts.fieldManager!, apiVersion: apiVersionOf(def.group, version) },
          opts.subresource,
        );
        patched = trackApply(entryObject(prev), toStorage(def, version, body as JsonObject), opts.force === true, ctx);
        break;
      }
    }
    if (!isObject(patched)) throw badRequest('patch result is not an object');
    if (type !== 'apply' && opts.decode !== undefined) patched = opts.decode(patched);
    // A patch has no storage preconditions (patch.go: rest.DefaultUpdatedObjectInfo(nil, …)); a
    // changed metadata.uid in the patched object is caught by update validation instead (422).
    return this.replace(t, prev, type === 'apply' ? patched : toStorage(def, version, patched), {
      subresource: opts.subresource,
      uidPrecondition: false,
      dryRun: opts.dryRun === true,
      fieldManager:
        type === 'apply' || opts.fieldManager === undefined
          ? undefined
          : { manager: opts.fieldManager, apiVersion: apiVersionOf(def.group, version) },
    });
  }

  delete(resource: SimResource, namespace: string, name: string, opts: DeleteOptions = {}): JsonObject {
    return this.deleteWithOutcome(resource, namespace, name, opts).object;
  }

  /**
   * DELETE, telling whether the object is gone (or would be, in a dry run) or only marked for
   * deletion (graceful deletion, pending finalizers): the apiserver answers the two differently.
   */
  deleteWithOutcome(
    resource: SimResource,
    namespace: string,
    name: string,
    opts: DeleteOptions = {},
  ): { readonly object: JsonObject; readonly deleted: boolean } {
    const t = this.table(resource);
    const def = t.def;
    const prev = t.objects.get(this.keyOf(def, namespace, name));
    if (prev === undefined) throw notFound(def.plural, def.group, name);
    // rest.BeforeDelete (apiserver/pkg/registry/rest/delete.go) checks the preconditions early,
    // against the object it just read, and names the resource by its Kind.
    const pre = opts.preconditions;
    if (pre?.uid !== undefined && pre.uid !== prev.uid) {
      throw conflict(
        def.kind,
        def.group,
        name,
        `the UID in the precondition (${pre.uid}) does not match the UID in record (${prev.uid}). The object might have been deleted and then recreated`,
      );
    }
    if (pre?.resourceVersion !== undefined && pre.resourceVersion !== String(prev.rv)) {
      throw conflict(
        def.kind,
        def.group,
        name,
        `the ResourceVersion in the precondition (${pre.resourceVersion}) does not match the ResourceVersion in record (${prev.rv}). The object might have been modified`,
      );
    }
    const obj = entryObject(prev);
    const meta = metaOf(obj);
    const finalizers = Array.isArray(meta.finalizers) ? meta.finalizers : [];
    const grace =
      resource === 'pods' && this.podGraceMs !== undefined && opts.gracePeriodSeconds !== 0
        ? opts.gracePeriodSeconds !== undefined
          ? opts.gracePeriodSeconds * 1000
          : this.podGraceMs
        : 0;
    if (finalizers.length > 0 || grace > 0) {
      // Deletion already in progress.
      if (meta.deletionTimestamp !== undefined) return { object: obj, deleted: false };
      const now = this.clock();
      meta.deletionTimestamp = formatTime(now + grace);
      meta.deletionGracePeriodSeconds = Math.round(grace / 1000);
      // rest.BeforeDelete: the first graceful deletion bumps a set generation.
      if (grace > 0 && typeof meta.generation === 'number' && meta.generation > 0) meta.generation += 1;
      // Dry run: the object as the deletion would leave it, nothing stored or scheduled.
      if (opts.dryRun === true) return { object: obj, deleted: false };
      const result = this.persist(t, obj, prev);
      if (grace > 0) this.scheduleRemoval(t, namespace, name, prev.uid, grace);
      return { object: result, deleted: false };
    }
    if (opts.dryRun === true) return { object: obj, deleted: true };
    return { object: this.remove(t, prev), deleted: true };
  }

  /** Stops pending graceful-deletion timers and all watchers. */
  close(): void {
    for (const timer of this.graceTimers) clearTimeout(timer);
    this.graceTimers.clear();
    this.watchers.clear();
  }

  // ---- internals ----

  private scheduleRemoval(t: Table, namespace: string, name: string, uid: string, delayMs: number): void {
    const timer = setTimeout(() => {
      this.graceTimers.delete(timer);
      const cur = t.objects.get(this.keyOf(t.def, namespace, name));
      if (cur === undefined || cur.uid !== uid) return;
      const meta = metaOf(entryObject(cur));
      // Finalizers still hold the object; their removal completes the deletion (see replace).
      if (Array.isArray(meta.finalizers) && meta.finalizers.length > 0) return;
      this.remove(t, cur);
    }, delayMs);
    timer.unref();
    this.graceTimers.add(timer);
  }

  private replace(t: Table, prev: StoredEntry, input: JsonObject, opts: ReplaceOptions): JsonObject {
    const def = t.def;
    const inMeta = metaOf(input);
    const name = prev.name;
    // checkName (endpoints/handlers/rest.go)
    if (typeof inMeta.name === 'string' && inMeta.name !== name) {
      throw badRequest(`the name of the object (${inMeta.name}) does not match the name on the URL (${name})`);
    }
    // rest.EnsureObjectNamespaceMatchesRequestNamespace (registry/rest/meta.go): an empty namespace
    // takes the request's, a cluster-scoped object loses any, any other difference is rejected.
    if (def.namespaced && typeof inMeta.namespace === 'string' && inMeta.namespace !== '') {
      if (inMeta.namespace !== prev.namespace) {
        throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
      }
    }
    // storage.Preconditions.Check inside GuaranteedUpdate (storage/interfaces.go, etcd3/store.go): only
    // a PUT has a UID precondition, and errors.NewConflict prints the whole StorageError.
    if (opts.uidPrecondition && typeof inMeta.uid === 'string' && inMeta.uid !== '' && inMeta.uid !== prev.uid) {
      throw conflict(
        def.plural,
        def.group,
        name,
        storageInvalidObj(
          this.etcdKey(def, prev.namespace, name),
          `Precondition failed: UID in precondition: ${inMeta.uid}, UID in object meta: ${prev.uid}`,
        ),
      );
    }
    // Store.Update (registry/generic/registry/store.go): OptimisticLockErrorMsg.
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
    const old = entryObject(prev);
    const oldMeta = metaOf(old);
    const errors = immutableMetaErrors(inMeta, oldMeta, opts.subresource);
    let next: JsonObject;
    if (opts.subresource === 'status') {
      next = { ...old, metadata: { ...oldMeta } };
      if (input.status === undefined) delete next.status;
      else next.status = input.status;
      // managedFields are the one piece of metadata an apply to /status updates.
      if (inMeta.managedFields !== undefined) metaOf(next).managedFields = inMeta.managedFields;
      normalizeTimes(next);
      this.trackUpdate(def, old, next, opts);
    } else {
      next = { ...input, apiVersion: def.storageVersion, kind: def.kind };
      if (def.hasStatus) {
        if (old.status === undefined) delete next.status;
        else next.status = old.status;
      }
      const meta: JsonObject = { ...inMeta };
      // rest.BeforeUpdate (registry/rest/update.go): generation, uid (when empty), creationTimestamp,
      // deletionTimestamp and deletionGracePeriodSeconds (when unset) come from the stored object;
      // what is left different was caught by immutableMetaErrors above.
      for (const k of ['uid', 'creationTimestamp', 'generation', 'deletionTimestamp', 'deletionGracePeriodSeconds']) {
        if (oldMeta[k] === undefined) delete meta[k];
        else meta[k] = oldMeta[k]!;
      }
      meta.name = name;
      if (def.namespaced) meta.namespace = prev.namespace;
      else delete meta.namespace;
      next.metadata = meta;
      normalizeTimes(next);
      // The field manager sees the object as the client sent it, before the strategy's changes.
      this.trackUpdate(def, old, next, opts);
      const now = this.clock();
      defaultTaintTimes(def, next, old, now);
      if (!jsonEqual(specPart(next), specPart(old))) meta.generation = (Number(oldMeta.generation) || 0) + 1;
    }
    normalizeTimes(next);
    errors.push(...validate(def, next));
    // rest.BeforeUpdate returns every field error at once: errors.NewInvalid(kind, name, errs).
    if (errors.length > 0) throw invalid(def.kind, def.group, name, errors);
    const nextMeta = metaOf(next);
    nextMeta.resourceVersion = oldMeta.resourceVersion ?? String(prev.rv);
    // A no-op write changes nothing and emits no event, as in kube-apiserver.
    if (jsonEqual(next, old)) return old;
    // DryRunnableStorage.GuaranteedUpdate: the would-be object, still at the current resourceVersion.
    if (opts.dryRun) return next;
    const finalizers = nextMeta.finalizers;
    const pendingGrace =
      nextMeta.deletionTimestamp !== undefined &&
      typeof nextMeta.deletionTimestamp === 'string' &&
      Date.parse(nextMeta.deletionTimestamp) > this.clock();
    if (
      nextMeta.deletionTimestamp !== undefined &&
      (!Array.isArray(finalizers) || finalizers.length === 0) &&
      !pendingGrace
    ) {
      // The last finalizer is gone: the deletion that was waiting for it completes now.
      return this.remove(t, prev, next);
    }
    return this.persist(t, next, prev);
  }

  private remove(t: Table, prev: StoredEntry, obj?: JsonObject): JsonObject {
    const rv = ++this.rv;
    const last = obj ?? entryObject(prev);
    metaOf(last).resourceVersion = String(rv);
    const entry = this.buildEntry(t.def, last, rv);
    t.objects.delete(prev.key);
    t.order.remove();
    this.emit({ rv, resource: t.def.id, type: 'DELETED', entry, prev });
    return last;
  }

  private persist(t: Table, obj: JsonObject, prev: StoredEntry | undefined): JsonObject {
    const rv = ++this.rv;
    metaOf(obj).resourceVersion = String(rv);
    const entry = this.buildEntry(t.def, obj, rv);
    t.objects.set(entry.key, entry);
    if (prev === undefined) t.order.add(entry.key);
    this.emit({ rv, resource: t.def.id, type: prev === undefined ? 'ADDED' : 'MODIFIED', entry, prev });
    return obj;
  }

  private emit(ev: StoreEvent): void {
    this.history.push(ev);
    for (const w of this.watchers) {
      if (w.resource === ev.resource) this.deliver(w.filter, ev, w.listener);
    }
  }

  private buildEntry(def: ResourceDef, obj: JsonObject, rv: number): StoredEntry {
    const meta = metaOf(obj);
    const name = String(meta.name ?? '');
    const namespace = def.namespaced ? String(meta.namespace ?? '') : '';
    const fields: Record<string, string> = { 'metadata.name': name };
    if (def.namespaced) fields['metadata.namespace'] = namespace;
    for (const k of def.fieldKeys) {
      const v = getPath(obj, ...k.split('.'));
      if (v !== undefined && v !== null) fields[k] = typeof v === 'object' ? JSON.stringify(v) : String(v);
    }
    const labels = isObject(meta.labels) ? (meta.labels as Labels) : undefined;
    return {
      key: this.keyOf(def, namespace, name),
      namespace,
      name,
      uid: String(meta.uid ?? ''),
      rv,
      json: exactBuffer(JSON.stringify(obj)),
      labels,
      fields,
    };
  }

  private trackUpdate(def: ResourceDef, old: JsonObject, next: JsonObject, opts: ReplaceOptions): void {
    if (opts.fieldManager !== undefined)
      trackUpdate(old, next, this.managerContext(def, opts.fieldManager, opts.subresource));
  }

  /**
   * The field manager's view of a write. Field sets are computed on the stored form; the entry
   * records the request's apiVersion (the apiserver would convert between versions first).
   */
  private managerContext(
    def: ResourceDef,
    fm: FieldManagerOptions,
    subresource: 'status' | undefined,
  ): FieldManagerContext {
    return {
      manager: fm.manager,
      apiVersion: fm.apiVersion ?? def.storageVersion,
      subresource,
      hasStatus: def.hasStatus,
      node: kindNode(def, def.storageVersion.split('/').pop()!),
      now: formatTime(this.clock()),
    };
  }

  /** The etcd key kube-apiserver would use (named in StorageError messages). */
  private etcdKey(def: ResourceDef, namespace: string, name: string): string {
    const prefix = `/registry/${def.etcdPrefix ?? def.plural}`;
    return def.namespaced ? `${prefix}/${namespace}/${name}` : `${prefix}/${name}`;
  }

  private keyOf(def: ResourceDef, namespace: string, name: string): string {
    return def.namespaced ? `${namespace}/${name}` : name;
  }

  private table(resource: SimResource): Table {
    const t = this.tables.get(resource);
    if (t === undefined) throw new Error(`unknown simulated resource ${resource}`);
    return t;
  }
}

/**
 * A Buffer with its own exact-size allocation. Buffer.from would carve ~1 KB objects out of shared
 * 8 KB pool slabs, which measured ~45 % more memory for a seeded cluster and pins whole slabs.
 */
function exactBuffer(text: string): Buffer {
  const buf = Buffer.allocUnsafeSlow(Buffer.byteLength(text));
  buf.write(text);
  return buf;
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

function normalizeTimes(v: JsonValue): void {
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

function resetStatus(def: ResourceDef, obj: JsonObject): void {
  if (def.id === 'pods') obj.status = { phase: 'Pending' };
  else if (def.id === 'namespaces') obj.status = { phase: 'Active' };
  else delete obj.status;
}

/** The apiserver fills in `timeAdded` of device taints; a rule whose effect changes gets a fresh one. */
function defaultTaintTimes(def: ResourceDef, obj: JsonObject, old: JsonObject | undefined, now: number): void {
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

/** The validation the controller's inputs depend on; everything else is accepted as is. */
function validate(def: ResourceDef, obj: JsonObject): FieldError[] {
  const errors: FieldError[] = [];
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
  if (def.id === 'devicetaintrules.resource.k8s.io') {
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
function immutableMetaErrors(inMeta: JsonObject, oldMeta: JsonObject, subresource: 'status' | undefined): FieldError[] {
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

export { SimApiError };
