// The etcd stand-in behind the simulated apiserver: one table of entries per resource in key order,
// one global resourceVersion counter (etcd's revision), a bounded event history, lists at past
// revisions (consistent pages for continue tokens) and synchronous watch fan-out. It stores what
// it is given; what an object may become is the store's and the strategies' business.

import { buildEntry, entryObject, metaOf, type StoredEntry } from './entry.js';
import { type CompiledFilter, compile, type EntryFilter, matches } from './entryFilter.js';
import { EventHistory, type StoreEvent } from './history.js';
import type { JsonObject } from './json.js';
import { RESOURCES, type ResourceDef, resourceDef, type SimResource } from './resources.js';
import { compareKeys, lowerBound, SortedKeys } from './sortedKeys.js';
import { expired } from './status.js';
import type { ListOptions, ListPage, WatchHandle, WatchListener } from './storeOptions.js';

/** A resource's objects: entries by key, and the keys in order. */
export interface Table {
  readonly def: ResourceDef;
  readonly objects: Map<string, StoredEntry>;
  readonly order: SortedKeys;
}

interface Watcher {
  readonly resource: SimResource;
  readonly filter: CompiledFilter;
  readonly listener: WatchListener;
}

export class Storage {
  private readonly tables = new Map<SimResource, Table>();
  private readonly history: EventHistory;
  private readonly watchers = new Set<Watcher>();
  private readonly settleHooks = new Set<() => void>();
  private emitting = 0;
  private rv = 0;

  constructor(watchHistory: number) {
    this.history = new EventHistory(watchHistory);
    for (const def of RESOURCES) this.tables.set(def.id, { def, objects: new Map(), order: new SortedKeys() });
  }

  /** The newest resourceVersion (etcd revision). */
  get resourceVersion(): number {
    return this.rv;
  }

  get compactedResourceVersion(): number {
    return this.history.compactedRv;
  }

  compactHistory(): void {
    this.history.compactTo(this.rv);
  }

  table(resource: SimResource): Table {
    const t = this.tables.get(resource);
    if (t === undefined) throw new Error(`unknown simulated resource ${resource}`);
    return t;
  }

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
      listener('DELETED', buildEntry(resourceDef(ev.resource), gone, ev.rv));
    }
  }

  /** Stores `obj` as a new revision (ADDED, or MODIFIED when it replaces `prev`). */
  persist(t: Table, obj: JsonObject, prev: StoredEntry | undefined): JsonObject {
    const rv = ++this.rv;
    metaOf(obj).resourceVersion = String(rv);
    const entry = buildEntry(t.def, obj, rv);
    t.objects.set(entry.key, entry);
    if (prev === undefined) t.order.add(entry.key);
    this.emit({ rv, resource: t.def.id, type: prev === undefined ? 'ADDED' : 'MODIFIED', entry, prev });
    return obj;
  }

  /** Removes `prev` as a new revision (DELETED, carrying `obj` or the last stored state). */
  remove(t: Table, prev: StoredEntry, obj?: JsonObject): JsonObject {
    const rv = ++this.rv;
    const last = obj ?? entryObject(prev);
    metaOf(last).resourceVersion = String(rv);
    const entry = buildEntry(t.def, last, rv);
    t.objects.delete(prev.key);
    t.order.remove();
    this.emit({ rv, resource: t.def.id, type: 'DELETED', entry, prev });
    return last;
  }

  /**
   * Runs `hook` after each write once every watcher has its event, outside any other delivery: what a
   * hook writes becomes the next revision and reaches every watcher after the write that caused it.
   */
  onSettled(hook: () => void): () => void {
    this.settleHooks.add(hook);
    return () => this.settleHooks.delete(hook);
  }

  /** Ends every watch. */
  close(): void {
    this.watchers.clear();
    this.settleHooks.clear();
  }

  private emit(ev: StoreEvent): void {
    this.history.push(ev);
    this.emitting++;
    try {
      for (const w of this.watchers) {
        if (w.resource === ev.resource) this.deliver(w.filter, ev, w.listener);
      }
    } finally {
      this.emitting--;
    }
    if (this.emitting === 0) for (const hook of this.settleHooks) hook();
  }
}
