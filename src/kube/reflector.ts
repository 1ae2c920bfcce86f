// The informer we own (client-go's Reflector; its store and handler dispatch are informerStore.ts, one
// watch connection watchStream.ts). One state machine — list → watch → resume, relist or back off —
// kept in one file on purpose. client-node's ListWatch has no pagination, no bookmarks, no
// timeoutSeconds, no backoff, stops for good on the first non-410 error and reports updates without the
// old object (docs/architecture.md §5).
//
// Loop: paginated list → replace the store (emitting adds/updates/deletes against what we had) →
// watch from the list's resourceVersion with bookmarks → on a normal close resume from the last
// resourceVersion seen → on 410 relist → on any other error back off with jitter and retry, forever.
// Objects are projected the moment they are decoded; full objects are never stored. Handlers run
// synchronously in event order and are never awaited, so the decision engine sees a consistent store.
//
// Bursts: a relist, and all the watch events of one network chunk, reach the handlers between one
// `begin` and one `end` of the consumer's burst hooks (the engine's beginBatch/endBatch): handlers still
// run synchronously, event by event, but a consumer can decide once from the state after the burst
// instead of after each event: a burst can pass through states the cluster never had (a relist
// removing several slices of a pool one by one; a taint added and removed within one chunk).
// Within a relist the listed objects come first (adds and updates, in list order) and the deletions of
// objects missing from the list after them, as client-go's DeltaFIFO.Replace delivers them (its
// RealFIFO and AtomicFIFO deliver deletions first): removing the newest slice of a pool before its
// successor arrives would make an older, stale generation current, even if only inside the burst.
//
// Quarantine of malformed objects (an object whose projection fails, from a list or a watch): the
// reflector never keeps an outdated copy whose taints or allocations would still act. It caches the
// projector's degraded fallback when there is one (a slice keeps its pool and generation but no devices,
// so neither its stale taints nor an older generation of its pool act), and otherwise drops the object
// (a pod, claim or rule that cannot be read cannot justify an eviction). Each case is logged and counted
// (`counters.malformedSkipped`, exported per resource in /metrics). No relist follows: the server would
// return the same object, and the watch is still consistent.

import { type Clock, RealClock, type TimerHandle } from '../shared/clock.js';
import { JitteredBackoff, type JitteredBackoffOptions, REFLECTOR_BACKOFF } from '../shared/jitteredBackoff.js';
import { field, isObject } from '../shared/jsonShape.js';
import { type LogFields, type Logger, silentLogger } from '../shared/logger.js';
import { keyOfRaw } from '../shared/projection/projector.js';
import { ApiError } from './apiClient.js';
import { describeError, errorFromWatchStatus, isGone } from './httpErrors.js';
import { type BurstHooks, type HandlerSlicing, InformerStore, type ReflectorHandlers } from './informerStore.js';
import { type DecodedPage, decodeListPage, type PageDecoder, projectListBody } from './pageDecode/pageDecoder.js';
import type { Query, ReadTransport } from './readTransport.js';
import { RecordMap } from './recordMap.js';
import { collectionPath, type ResourceDescriptor, resourceId, type StoredRecord } from './resources.js';
import { streamWatch, type WatchEnd } from './watchStream.js';

export interface ReflectorCounters {
  /** Complete lists, the initial one included. */
  lists: number;
  /** Lists after the first (410 Gone, or a list that failed half way). */
  relists: number;
  listPages: number;
  watchStarts: number;
  /** Watches that ended for any reason and were opened again. */
  watchRestarts: number;
  /** Watches restarted because nothing (not even a bookmark) arrived within the silence deadline. */
  silentWatchRestarts: number;
  /** 410 Gone, as an HTTP status or as an ERROR watch event. */
  goneErrors: number;
  /** Failed lists/watches other than 410; each is followed by a backoff. */
  errors: number;
  /** Objects that failed projection and were skipped. */
  malformedSkipped: number;
  handlerErrors: number;
  bookmarks: number;
  events: number;
}

export interface ReflectorOptions<T extends StoredRecord> {
  readonly transport: ReadTransport;
  readonly resource: ResourceDescriptor<T>;
  readonly handlers?: ReflectorHandlers<T>;
  readonly log?: Logger;
  /** Drives backoff sleeps and the silence watchdog. */
  readonly clock?: Clock;
  readonly random?: () => number;
  /** `limit` of each list page (client-go uses 500). */
  readonly pageSize?: number;
  /** Server-side watch timeout, drawn uniformly from [min, max] seconds per watch (client-go: 5–10 min). */
  readonly watchTimeoutSeconds?: { readonly min: number; readonly max: number };
  /**
   * Restart a watch that delivered nothing, not even a bookmark, for this long. The apiserver sends a
   * bookmark about once a minute, so a longer silence means a half-open connection or a stuck server.
   */
  readonly silentWatchMs?: number;
  readonly backoff?: JitteredBackoffOptions;
  /**
   * A watch that closes sooner than this without delivering anything counts as a failure and is
   * retried with backoff: a server that closes every watch at once must not be hammered in a loop.
   */
  readonly minHealthyWatchMs?: number;
  readonly labelSelector?: string;
  readonly fieldSelector?: string;
  /**
   * Decodes list pages from their raw bytes (e.g. in a thread pool: src/kube/pageDecode/pool.ts). Used only
   * when the transport has `getBytes`; otherwise, and by default, pages are parsed and projected here.
   * Watch events are always decoded here: they are small and their order matters.
   */
  readonly decoder?: PageDecoder;
  /**
   * Spreads the handler calls of a large list over event-loop turns (see InformerStore.replaceInSlices);
   * without it a list's handlers run in one turn, which for a million pods stalls the loop for seconds.
   */
  readonly handlerSlicing?: HandlerSlicing;
}

const rvOfRaw = (obj: unknown): string | null => {
  if (!isObject(obj)) return null;
  const m = field(obj, 'metadata');
  if (!isObject(m)) return null;
  const rv = field(m, 'resourceVersion');
  return typeof rv === 'string' && rv !== '' ? rv : null;
};

export class Reflector<T extends StoredRecord> {
  readonly counters: ReflectorCounters = {
    lists: 0,
    relists: 0,
    listPages: 0,
    watchStarts: 0,
    watchRestarts: 0,
    silentWatchRestarts: 0,
    goneErrors: 0,
    errors: 0,
    malformedSkipped: 0,
    handlerErrors: 0,
    bookmarks: 0,
    events: 0,
  };
  /** Resolves once the first list has been stored and its handlers have run. Never rejects. */
  readonly synced: Promise<void>;
  /** `group/version/plural`, for logs and metrics. */
  readonly id: string;

  private readonly store: InformerStore<T>;
  private readonly transport: ReadTransport;
  private readonly resource: ResourceDescriptor<T>;
  private readonly log: Logger;
  private readonly clock: Clock;
  private readonly random: () => number;
  private readonly backoff: JitteredBackoff;
  private readonly path: string;
  private readonly pageSize: number;
  private readonly watchTimeout: { readonly min: number; readonly max: number };
  private readonly silentWatchMs: number;
  private readonly minHealthyWatchMs: number;
  private readonly selectors: Record<string, string> = {};
  private readonly decoder: PageDecoder | null;
  private readonly handlerSlicing: HandlerSlicing | null;

  private lastRV = '';
  private lastListAt = Number.NEGATIVE_INFINITY;
  /** 410s since the last complete list: more than one in a row means relisting alone does not help. */
  private goneSinceList = 0;
  private isSynced = false;
  private resolveSynced: () => void = () => {};
  private running: Promise<void> | null = null;
  private stopped = false;
  private inflight: AbortController | null = null;
  private sleepTimer: TimerHandle | null = null;
  private wake: (() => void) | null = null;

  constructor(opts: ReflectorOptions<T>) {
    this.transport = opts.transport;
    this.resource = opts.resource;
    this.log = opts.log ?? silentLogger;
    this.clock = opts.clock ?? new RealClock();
    this.random = opts.random ?? Math.random;
    this.backoff = new JitteredBackoff(opts.backoff ?? REFLECTOR_BACKOFF, this.random);
    this.path = collectionPath(opts.resource);
    this.id = resourceId(opts.resource);
    this.pageSize = opts.pageSize ?? 500;
    this.watchTimeout = opts.watchTimeoutSeconds ?? { min: 300, max: 600 };
    this.silentWatchMs = opts.silentWatchMs ?? 150_000;
    this.minHealthyWatchMs = opts.minHealthyWatchMs ?? 1_000;
    if (opts.labelSelector) this.selectors.labelSelector = opts.labelSelector;
    if (opts.fieldSelector) this.selectors.fieldSelector = opts.fieldSelector;
    this.store = new InformerStore(this.id, this.log, () => this.counters.handlerErrors++);
    if (opts.handlers) this.store.addEventHandler(opts.handlers, false);
    this.decoder = opts.decoder ?? null;
    this.handlerSlicing = opts.handlerSlicing ?? null;
    this.synced = new Promise((resolve) => {
      this.resolveSynced = resolve;
    });
  }

  /**
   * Registers more handlers. Like client-go's AddEventHandler, a handler added after sync first gets
   * an `added` for every stored object, so late subscribers start from the same state.
   */
  addEventHandler(h: ReflectorHandlers<T>): void {
    this.store.addEventHandler(h, this.isSynced);
  }

  /** Lets a consumer apply each burst of events as one (e.g. the engine's beginBatch/endBatch). */
  setBurstHooks(hooks: BurstHooks): void {
    this.store.setBurstHooks(hooks);
  }

  start(): void {
    if (this.running !== null) return;
    this.stopped = false;
    this.running = this.run();
  }

  /** Aborts the current request and waits for the loop to exit. The store stays readable. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.inflight?.abort();
    if (this.sleepTimer !== null) this.clock.clearTimer(this.sleepTimer);
    this.sleepTimer = null;
    this.wake?.();
    await this.running;
    this.running = null;
  }

  hasSynced(): boolean {
    return this.isSynced;
  }

  /** The resourceVersion the next watch resumes from ("" before the first list). */
  get lastSyncResourceVersion(): string {
    return this.lastRV;
  }

  get(key: string): T | undefined {
    return this.store.records.get(key);
  }

  list(): T[] {
    return [...this.store.records.values()];
  }

  /** Iterates the store without copying it (150k pods); do not hold across event-loop turns. */
  values(): IterableIterator<T> {
    return this.store.records.values();
  }

  keys(): IterableIterator<string> {
    return this.store.records.keys();
  }

  get size(): number {
    return this.store.records.size;
  }

  // ------------------------------------------------------------------------------------------ loop

  private async run(): Promise<void> {
    let needList = true;
    while (!this.stopped) {
      try {
        if (needList) {
          await this.listAndReplace();
          needList = false;
        }
        const end = await this.watchOnce();
        if (this.stopped) break;
        this.counters.watchRestarts++;
        if (end.kind === 'failed') throw end.err;
        if (end.kind === 'silent') {
          this.counters.silentWatchRestarts++;
          this.log.warn('watch silent past deadline; restarting', { resource: this.id, silentMs: this.silentWatchMs });
        }
      } catch (err) {
        if (this.stopped) break;
        if (isGone(err)) {
          this.counters.goneErrors++;
          this.goneSinceList++;
          needList = true;
          this.log.info('resourceVersion expired; relisting', { resource: this.id, resourceVersion: this.lastRV });
          // A relist is the cure, so no wait — unless the 410 follows a fresh list (or another 410),
          // where relisting at once would only repeat it: then back off like any other error.
          const sinceList = this.clock.now() - this.lastListAt;
          if (this.goneSinceList === 1 && sinceList >= this.minHealthyWatchMs) continue;
        } else {
          this.counters.errors++;
          this.log.warn('list/watch failed; backing off', { resource: this.id, error: describeError(err) });
        }
        let delay = this.backoff.next(this.clock.now());
        // An overloaded apiserver says when to come back (429/503 Retry-After); asking sooner only adds load.
        if (err instanceof ApiError && err.retryAfterSeconds !== null)
          delay = Math.max(delay, Math.min(err.retryAfterSeconds * 1_000, this.backoff.options.maxMs));
        await this.sleep(delay);
      }
    }
  }

  private async listAndReplace(): Promise<void> {
    const fresh = new RecordMap<T>();
    let cont = '';
    let listRV = '';
    do {
      const query: Record<string, string> = { ...this.selectors, limit: String(this.pageSize) };
      if (cont !== '') query.continue = cont;
      const page = await this.listPage(query);
      if (this.stopped) return;
      // An undecodable body is what getJson rejects with (before a page is counted).
      if (!page.ok && page.reason === 'notJson')
        throw new ApiError(0, 'Decode', `GET ${this.path}: response is not JSON`);
      this.counters.listPages++;
      if (!page.ok) throw new ApiError(0, 'Decode', `list ${this.path}: response is not a list`);
      for (const rec of page.items) fresh.set(rec);
      for (const bad of page.malformed) {
        this.skipMalformed(bad.error, bad.key, 'list', bad.fallback !== null);
        // Quarantine (see the header): the degraded fallback, or nothing — never the last good copy.
        if (bad.fallback !== null) fresh.set(bad.fallback);
      }
      cont = page.continueToken;
      listRV = page.resourceVersion ?? listRV;
    } while (cont !== '');
    await this.replace(fresh, listRV);
  }

  /**
   * One list page, decoded from raw bytes by the configured decoder, or here item by item
   * (decodeListPage: a page's parsed objects never all live at once); parsed whole only from a
   * transport that cannot hand out bytes.
   */
  private async listPage(query: Query): Promise<DecodedPage<T>> {
    const getBytes = this.transport.getBytes?.bind(this.transport);
    if (getBytes !== undefined) {
      const bytes = await this.request((signal) => getBytes(this.path, query, signal));
      return this.decoder === null
        ? decodeListPage(bytes, this.resource.project)
        : this.decoder.decode(this.resource, bytes);
    }
    const body = await this.request((signal) => this.transport.getJson(this.path, query, signal));
    return projectListBody(body, this.resource.project);
  }

  /** A complete list arrived: it becomes the store (InformerStore.replace), and the first one syncs. */
  private async replace(fresh: RecordMap<T>, listRV: string): Promise<void> {
    this.lastRV = listRV;
    this.goneSinceList = 0;
    this.counters.lists++;
    if (this.counters.lists > 1) this.counters.relists++;
    if (this.handlerSlicing === null) this.store.replace(fresh);
    else await this.store.replaceInSlices(fresh, this.handlerSlicing);
    this.lastListAt = this.clock.now();
    this.log.debug('listed', { resource: this.id, objects: fresh.size, resourceVersion: listRV });
    if (!this.isSynced) {
      this.isSynced = true;
      this.resolveSynced();
    }
  }

  private async watchOnce(): Promise<WatchEnd> {
    const span = Math.max(0, this.watchTimeout.max - this.watchTimeout.min);
    const query: Query = {
      ...this.selectors,
      watch: 'true',
      allowWatchBookmarks: 'true',
      resourceVersion: this.lastRV,
      timeoutSeconds: String(Math.round(this.watchTimeout.min + this.random() * span)),
    };
    this.counters.watchStarts++;
    const controller = new AbortController();
    this.inflight = controller;
    try {
      return await streamWatch({
        transport: this.transport,
        path: this.path,
        query,
        controller,
        clock: this.clock,
        silentWatchMs: this.silentWatchMs,
        minHealthyWatchMs: this.minHealthyWatchMs,
        burst: { begin: () => this.store.beginBurst(), end: () => this.store.endBurst() },
        onLine: (line) => this.onWatchLine(line),
      });
    } finally {
      this.inflight = null;
    }
  }

  /** Applies one watch line. Returns an error when the watch must end (410, ERROR event, garbage). */
  private onWatchLine(line: string): unknown {
    let ev: unknown;
    try {
      ev = JSON.parse(line);
    } catch {
      // A torn stream (proxy truncation) may have lost an event; resuming from the last RV refetches it.
      return new ApiError(0, 'Decode', `watch ${this.path}: undecodable line (${line.length} bytes)`);
    }
    if (!isObject(ev)) return new ApiError(0, 'Decode', `watch ${this.path}: event is not an object`);
    const type = field(ev, 'type');
    const obj = field(ev, 'object');
    this.counters.events++;
    switch (type) {
      case 'ADDED':
      case 'MODIFIED':
        this.upsert(obj);
        break;
      case 'DELETED':
        this.remove(obj);
        break;
      case 'BOOKMARK':
        this.counters.bookmarks++;
        break;
      case 'ERROR':
        return errorFromWatchStatus(obj);
      default:
        this.log.warn('unknown watch event type; ignored', { resource: this.id, type: String(type) });
        return null;
    }
    const rv = rvOfRaw(obj);
    if (rv !== null) this.lastRV = rv;
    return null;
  }

  private upsert(obj: unknown): void {
    const r = this.resource.project(obj);
    let cur: T;
    if (r.ok) cur = r.value;
    else {
      this.skipMalformed(r.error, r.key, 'watch', r.fallback !== undefined);
      if (r.fallback !== undefined) cur = r.fallback;
      else {
        // Quarantine (see the header): drop our copy, it no longer says what the cluster holds.
        if (r.key !== null) this.store.delete(r.key);
        return;
      }
    }
    this.store.upsert(cur);
  }

  private remove(obj: unknown): void {
    // The old projection comes from our store, so a DELETED event only needs to be keyable.
    const key = keyOfRaw(obj, this.resource.namespaced);
    if (key === null) {
      this.skipMalformed('DELETED event without metadata.name/namespace', null, 'watch', false);
      return;
    }
    this.store.delete(key);
  }

  private skipMalformed(error: string, key: string | null, phase: 'list' | 'watch', degraded: boolean): void {
    this.counters.malformedSkipped++;
    const fields: LogFields = { resource: this.id, phase, error };
    if (key !== null) fields.key = key;
    this.log.warn(
      degraded
        ? 'malformed object: caching it without its devices until a readable version arrives'
        : 'malformed object: dropped from the cache until a readable version arrives',
      fields,
    );
  }

  // --------------------------------------------------------------------------------------- helpers

  private async request<R>(fn: (signal: AbortSignal) => Promise<R>): Promise<R> {
    const controller = new AbortController();
    this.inflight = controller;
    try {
      return await fn(controller.signal);
    } finally {
      if (this.inflight === controller) this.inflight = null;
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      if (this.stopped) {
        resolve();
        return;
      }
      this.wake = resolve;
      this.sleepTimer = this.clock.setTimer(() => {
        this.sleepTimer = null;
        this.wake = null;
        resolve();
      }, ms);
    });
  }
}
