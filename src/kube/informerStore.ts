// The informer's store and its event dispatch (client-go's thread-safe store and processor, minus the
// threads): the projected records by key, the registered handlers, and the burst hooks that bracket a
// relist or a watch chunk. The reflector (reflector.ts) decides what to store; this module applies it
// and tells every handler what changed, synchronously and in event order. A throwing handler is a bug
// in the consumer: it is logged and counted, and never takes the informer down.

import type { Logger } from '../shared/logger.js';
import { describeError } from './httpErrors.js';
import { keyOf, type StoredRecord } from './resources.js';

export interface ReflectorHandlers<T> {
  added?(rec: T): void;
  /** `old` is the reflector's previous projection of the object. */
  updated?(old: T, cur: T): void;
  /** The last projection the reflector held (the deleted object itself may be a bare tombstone). */
  deleted?(rec: T): void;
}

/** Brackets a burst of handler calls (see the header). `end` is called once per `begin`. */
export interface BurstHooks {
  begin(): void;
  end(): void;
}

export class InformerStore<T extends StoredRecord> {
  private store = new Map<string, T>();
  private readonly handlers: ReflectorHandlers<T>[] = [];
  /** Bracket every burst of handler calls; no-ops until a consumer sets them. */
  private burstHooks: BurstHooks = { begin: () => {}, end: () => {} };
  constructor(
    /** `group/version/plural`, for logs. */
    private readonly id: string,
    private readonly log: Logger,
    /** Counts a handler call that threw. */
    private readonly onHandlerError: () => void,
  ) {}

  /** Registers handlers; with `replay`, they first get an `added` for every stored object. */
  addEventHandler(h: ReflectorHandlers<T>, replay: boolean): void {
    this.handlers.push(h);
    if (replay) for (const rec of this.store.values()) this.call('added', () => h.added?.(rec));
  }

  setBurstHooks(hooks: BurstHooks): void {
    this.burstHooks = hooks;
  }

  beginBurst(): void {
    this.burstHooks.begin();
  }

  endBurst(): void {
    this.burstHooks.end();
  }

  /** The stored records by key (the current map: a relist replaces it; read it, never keep it). */
  get records(): ReadonlyMap<string, T> {
    return this.store;
  }

  /**
   * client-go's Store.Replace: swap in the listed state and emit what changed against the old one, in
   * DeltaFIFO.Replace's order (listed objects first, deletions after; see reflector.ts), as one burst.
   */
  replace(fresh: Map<string, T>): void {
    const old = this.store;
    this.store = fresh;
    this.burstHooks.begin();
    try {
      for (const [key, cur] of fresh) {
        const prev = old.get(key);
        if (prev === undefined) this.emitAdded(cur);
        else if (prev !== cur && prev.resourceVersion !== cur.resourceVersion) this.emitUpdated(prev, cur);
      }
      for (const [key, prev] of old) if (!fresh.has(key)) this.emitDeleted(prev);
    } finally {
      this.burstHooks.end();
    }
  }

  /** Stores `cur` (added or updated); the same resourceVersion again is the same object again. */
  upsert(cur: T): void {
    const key = keyOf(cur);
    const prev = this.store.get(key);
    // A resumed watch replaying its start.
    if (prev !== undefined && prev.resourceVersion === cur.resourceVersion && cur.resourceVersion !== '') return;
    this.store.set(key, cur);
    if (prev === undefined) this.emitAdded(cur);
    else this.emitUpdated(prev, cur);
  }

  /** Removes the object under `key`, if stored, and tells the handlers. */
  delete(key: string): void {
    const prev = this.store.get(key);
    if (prev === undefined) return;
    this.store.delete(key);
    this.emitDeleted(prev);
  }

  private emitAdded(rec: T): void {
    for (const h of this.handlers) if (h.added) this.call('added', () => h.added?.(rec));
  }

  private emitUpdated(prev: T, cur: T): void {
    for (const h of this.handlers) if (h.updated) this.call('updated', () => h.updated?.(prev, cur));
  }

  private emitDeleted(rec: T): void {
    for (const h of this.handlers) if (h.deleted) this.call('deleted', () => h.deleted?.(rec));
  }

  private call(kind: string, fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.onHandlerError();
      this.log.error('event handler threw', { resource: this.id, handler: kind, error: describeError(err) });
    }
  }
}
