// The simulated cluster's API objects: what kube-apiserver's generic registry (Store) does between a
// request and etcd — creates, updates, patches and deletes with their preconditions, strategies,
// dry runs and managedFields — on top of Storage (storage.ts: tables, revisions, history, watch).
// Everything the HTTP layer does goes through here, so in-process seeding and assertions see
// exactly what clients see.
//
// Objects are kept in their storage version as serialized JSON (StoredEntry.json): 150k pods stay a
// few hundred MB and a full list is written to the socket without re-serializing.

import { fromStorage, toStorage } from './conversion.js';
import { applyCreateDefaults, ClusterIPAllocator } from './defaults.js';
import { DisruptionController } from './disruption.js';
import { entryObject, keyOf, metaOf, type StoredEntry } from './entry.js';
import { type FieldManagerContext, trackApply, trackUpdate } from './fields/managedFields.js';
import { clone, isObject, type JsonObject, type JsonValue, jsonEqual } from './json.js';
import { applyPatch, type PatchType } from './patch.js';
import { apiVersionOf, type ResourceDef, type SimResource } from './resources.js';
import { kindSchema, type TypeNode } from './schema/index.js';
import { alreadyExists, badRequest, conflict, invalid, notFound, SimApiError } from './status.js';
import { Storage, type Table } from './storage.js';
import type {
  CreateOptions,
  DeleteOptions,
  EntryFilter,
  FieldManagerOptions,
  ListOptions,
  ListPage,
  PatchOptions,
  SimStoreOptions,
  WatchHandle,
  WatchListener,
  WriteOptions,
} from './storeOptions.js';
import {
  assignName,
  bumpGeneration,
  checkDeletePreconditions,
  checkUpdate,
  defaultTaintTimes,
  fillSystemFields,
  formatTime,
  immutableMetaErrors,
  normalizeTimes,
  resetStatus,
  updatedObject,
  validate,
} from './strategy.js';

export { entryObject } from './entry.js';
export { compileFilter } from './entryFilter.js';
export type * from './storeOptions.js';
export { formatTime } from './strategy.js';

interface ReplaceOptions {
  readonly subresource: 'status' | undefined;
  /** A PUT: metadata.uid of the body is a storage precondition (rest.defaultUpdatedObjectInfo.Preconditions). */
  readonly uidPrecondition: boolean;
  readonly dryRun: boolean;
  /** Track the write as an Update by this manager (apply patches track themselves). */
  readonly fieldManager: FieldManagerOptions | undefined;
}

const DEFAULT_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

/** The schema of `def`'s kind at `version` (every served kind has one). */
export function kindNode(def: ResourceDef, version: string): TypeNode {
  const name = kindSchema(def, version);
  if (name === undefined) throw new Error(`no schema for ${def.kind} at ${version}`);
  return { kind: 'struct', def: name };
}

export class SimStore {
  private readonly storage: Storage;
  private readonly graceTimers = new Set<NodeJS.Timeout>();
  private readonly clusterIPs = new ClusterIPAllocator();
  readonly clock: () => number;
  private readonly podGraceMs: number | undefined;
  private readonly disruption: DisruptionController | undefined;

  constructor(opts: SimStoreOptions = {}) {
    this.storage = new Storage(opts.watchHistory ?? 10_000);
    this.clock = opts.clock ?? Date.now;
    this.podGraceMs = opts.podDeletion?.gracePeriodMs;
    for (const ns of opts.initialNamespaces ?? DEFAULT_NAMESPACES) this.ensureNamespace(ns);
    this.disruption = opts.disruptionController === false ? undefined : new DisruptionController(this);
  }

  /** `obj` (at `version`) converted to the stored form of `resource`. */
  toStorage(resource: SimResource, version: string, obj: JsonObject): JsonObject {
    return toStorage(this.table(resource).def, version, obj);
  }

  /** The newest resourceVersion (etcd revision) of the whole store. */
  get resourceVersion(): number {
    return this.storage.resourceVersion;
  }

  /** Events with a resourceVersion ≤ this are no longer available for watch resume or continue tokens. */
  get compactedResourceVersion(): number {
    return this.storage.compactedResourceVersion;
  }

  /** Forgets all history: every watch resume and continue token from before now gets 410 Expired. */
  compactHistory(): void {
    this.storage.compactHistory();
  }

  count(resource: SimResource): number {
    return this.table(resource).objects.size;
  }

  getEntry(resource: SimResource, namespace: string, name: string): StoredEntry | undefined {
    const t = this.table(resource);
    return t.objects.get(keyOf(t.def, namespace, name));
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

  /** One page of a list, at a past resourceVersion if asked (see Storage.listPage). */
  listPage(resource: SimResource, opts: ListOptions): ListPage {
    return this.storage.listPage(resource, opts);
  }

  /** Subscribes to changes (see Storage.watch); events arrive synchronously inside each write. */
  watch(resource: SimResource, filter: EntryFilter, sinceRv: number | undefined, listener: WatchListener): WatchHandle {
    return this.storage.watch(resource, filter, sinceRv, listener);
  }

  /**
   * Runs `hook` after every write, once all watchers have its event (see Storage.onSettled); the
   * in-process controllers (the disruption controller) react there. Returns the unsubscribe.
   */
  onSettled(hook: () => void): () => void {
    return this.storage.onSettled(hook);
  }

  // ---- writes ----

  create(resource: SimResource, input: JsonObject, opts: CreateOptions = {}): JsonObject {
    const t = this.table(resource);
    const def = t.def;
    const obj = clone(input);
    obj.apiVersion = def.storageVersion;
    obj.kind = def.kind;
    const meta = metaOf(obj);
    const name = assignName(def, meta);
    let namespace = '';
    if (def.namespaced) {
      namespace = typeof meta.namespace === 'string' && meta.namespace !== '' ? meta.namespace : 'default';
      meta.namespace = namespace;
      if (this.getEntry('namespaces', '', namespace) === undefined) throw notFound('namespaces', '', namespace);
    } else delete meta.namespace;
    if (t.objects.has(keyOf(def, namespace, name))) throw alreadyExists(def.plural, def.group, name);
    normalizeTimes(obj);
    // The create handler runs FieldManager.UpdateNoErrors (against a new, empty object) before
    // rest.BeforeCreate: the manager owns what it sent, not what the strategy fills in.
    if (opts.fieldManager !== undefined)
      trackUpdate(undefined, obj, this.managerContext(def, opts.fieldManager, undefined));
    const now = this.clock();
    fillSystemFields(meta, now);
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
    return this.storage.persist(t, obj, undefined);
  }

  /** PUT: optimistic concurrency on metadata.resourceVersion, UID precondition on metadata.uid. */
  update(resource: SimResource, input: JsonObject, opts: WriteOptions = {}): JsonObject {
    const t = this.table(resource);
    const def = t.def;
    const meta = isObject(input.metadata) ? input.metadata : {};
    const name = typeof meta.name === 'string' ? meta.name : '';
    const namespace = def.namespaced && typeof meta.namespace === 'string' ? meta.namespace : '';
    const prev = t.objects.get(keyOf(def, namespace || 'default', name));
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
    const prev = t.objects.get(keyOf(def, namespace, name));
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
    if (type === 'apply') {
      const ctx = this.managerContext(
        def,
        { manager: opts.fieldManager!, apiVersion: apiVersionOf(def.group, version) },
        opts.subresource,
      );
      patched = trackApply(entryObject(prev), toStorage(def, version, body as JsonObject), opts.force === true, ctx);
    } else patched = applyPatch(type, current, body, kindNode(def, version));
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
    const prev = t.objects.get(keyOf(def, namespace, name));
    if (prev === undefined) throw notFound(def.plural, def.group, name);
    checkDeletePreconditions(def, prev, opts.preconditions);
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
      const result = this.storage.persist(t, obj, prev);
      if (grace > 0) this.scheduleRemoval(t, namespace, name, prev.uid, grace);
      return { object: result, deleted: false };
    }
    if (opts.dryRun === true) return { object: obj, deleted: true };
    return { object: this.storage.remove(t, prev), deleted: true };
  }

  /** Stops pending graceful-deletion timers and all watchers. */
  close(): void {
    this.disruption?.close();
    for (const timer of this.graceTimers) clearTimeout(timer);
    this.graceTimers.clear();
    this.storage.close();
  }

  // ---- internals ----

  private scheduleRemoval(t: Table, namespace: string, name: string, uid: string, delayMs: number): void {
    const timer = setTimeout(() => {
      this.graceTimers.delete(timer);
      const cur = t.objects.get(keyOf(t.def, namespace, name));
      if (cur === undefined || cur.uid !== uid) return;
      const meta = metaOf(entryObject(cur));
      // Finalizers still hold the object; their removal completes the deletion (see replace).
      if (Array.isArray(meta.finalizers) && meta.finalizers.length > 0) return;
      this.storage.remove(t, cur);
    }, delayMs);
    timer.unref();
    this.graceTimers.add(timer);
  }

  /** Store.Update: the checks, the strategy, the field manager, then storage (or, dry, nothing). */
  private replace(t: Table, prev: StoredEntry, input: JsonObject, opts: ReplaceOptions): JsonObject {
    const def = t.def;
    const inMeta = metaOf(input);
    checkUpdate(def, prev, inMeta, opts.uidPrecondition);
    const old = entryObject(prev);
    const oldMeta = metaOf(old);
    const errors = immutableMetaErrors(inMeta, oldMeta, opts.subresource);
    const next = updatedObject(def, prev, old, input, opts.subresource);
    normalizeTimes(next);
    // The field manager sees the object as the client sent it, before the strategy's changes.
    if (opts.fieldManager !== undefined)
      trackUpdate(old, next, this.managerContext(def, opts.fieldManager, opts.subresource));
    if (opts.subresource === undefined) {
      defaultTaintTimes(def, next, old, this.clock());
      bumpGeneration(next, old);
    }
    normalizeTimes(next);
    errors.push(...validate(def, next, opts.subresource));
    // rest.BeforeUpdate returns every field error at once: errors.NewInvalid(kind, name, errs).
    if (errors.length > 0) throw invalid(def.kind, def.group, prev.name, errors);
    const nextMeta = metaOf(next);
    nextMeta.resourceVersion = oldMeta.resourceVersion ?? String(prev.rv);
    // A no-op write changes nothing and emits no event, as in kube-apiserver.
    if (jsonEqual(next, old)) return old;
    // DryRunnableStorage.GuaranteedUpdate: the would-be object, still at the current resourceVersion.
    if (opts.dryRun) return next;
    const finalizers = nextMeta.finalizers;
    const pendingGrace =
      typeof nextMeta.deletionTimestamp === 'string' && Date.parse(nextMeta.deletionTimestamp) > this.clock();
    if (
      nextMeta.deletionTimestamp !== undefined &&
      (!Array.isArray(finalizers) || finalizers.length === 0) &&
      !pendingGrace
    ) {
      // The last finalizer is gone: the deletion that was waiting for it completes now.
      return this.storage.remove(t, prev, next);
    }
    return this.storage.persist(t, next, prev);
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

  private table(resource: SimResource): Table {
    return this.storage.table(resource);
  }
}

export { SimApiError };
