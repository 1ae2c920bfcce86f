// The informer's store and its event dispatch (client-go's thread-safe store and processor, minus the
// threads): the projected records by key, the registered handlers, and the burst hooks that bracket a
// relist or a watch chunk. The reflector (reflector.ts) decides what to store; this module applies it
// and tells every handler what changed, synchronously and in event order. A throwing handler is a bug
// in the consumer: it is logged and counted, and never takes the informer down.

import type { Logger } from '../shared/logger.js';
import { describeError } from './httpErrors.js';
import { RecordMap } from './recordMap.js';
import type { StoredRecord } from './resources.js';

export interface ReflectorHandlers<T> {
  added?(rec: T): void;
  /** `old` is the reflector's previous projection of the object. */
  updated?(old: T, cur: T): void;
  /** The last projection the reflector held (the deleted object itself may be a bare tombstone). */
  deleted?(rec: T): void;
}

/**
 * Brackets a burst of handler calls (see the header). `end` is called once per `begin`. `list` is true
 * for a list's burst (initial sync, relist), whose decisions a consumer may spread over event-loop
 * turns; a watch chunk's burst (a taint storm) is better decided and handed on in one go.
 */
export interface BurstHooks {
  begin(list?: boolean): void;
  end(): void;
}

/**
 * How a large relist's handler calls are spread over event-loop turns (see `replaceInSlices`): after
 * `sliceMs` of handler work, the rest waits for `yieldTurn`, so timers (lease renewals), other
 * informers and the ops server run in between. The burst stays open across the turns.
 */
export interface HandlerSlicing {
  readonly sliceMs: number;
  /** Resolves on a later event-loop turn (setImmediate in the controller). */
  readonly yieldTurn: () => Promise<void>;
  /** Lists smaller than this are handled in one go (no turn is worth yielding for them). */
  readonly minRecords?: number;
}

export class InformerStore<T extends StoredRecord> {
  private store = new RecordMap<T>();
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
  get records(): RecordMap<T> {
    return this.store;
  }

  /**
   * client-go's Store.Replace: swap in the listed state and emit what changed against the old one, in
   * DeltaFIFO.Replace's order (listed objects first, deletions after; see reflector.ts), as one burst.
   */
  replace(fresh: RecordMap<T> | ReadonlyMap<string, T>): void {
    const { old, listed } = this.swap(fresh);
    this.burstHooks.begin(true);
    try {
      for (const cur of listed.values()) this.emitListed(old, cur);
      for (const prev of old.values()) if (!listed.hasLike(prev)) this.emitDeleted(prev);
    } finally {
      this.burstHooks.end();
    }
  }

  /**
   * `replace`, with the handler calls of a large list spread over event-loop turns (HandlerSlicing).
   * The store is swapped at once and the burst spans every turn, so a consumer that decides at the end
   * of a burst still decides from the state after the whole list; what runs in between (timers, other
   * informers' events, which open nested bursts) sees the consumer mid-burst, as during any burst.
   */
  async replaceInSlices(fresh: RecordMap<T>, slicing: HandlerSlicing): Promise<void> {
    if (fresh.size + this.store.size < (slicing.minRecords ?? 0)) {
      this.replace(fresh);
      return;
    }
    const { old, listed } = this.swap(fresh);
    this.burstHooks.begin(true);
    try {
      let sliceStart = performance.now();
      let n = 0;
      const due = async (): Promise<void> => {
        // Checking the clock every 64 calls keeps its cost out of the handler work.
        if ((++n & 63) !== 0 || performance.now() - sliceStart < slicing.sliceMs) return;
        await slicing.yieldTurn();
        sliceStart = performance.now();
      };
      for (const cur of listed.values()) {
        this.emitListed(old, cur);
        await due();
      }
      for (const prev of old.values())
        if (!listed.hasLike(prev)) {
          this.emitDeleted(prev);
          await due();
        }
    } finally {
      this.burstHooks.end();
    }
  }

  private swap(fresh: RecordMap<T> | ReadonlyMap<string, T>): { old: RecordMap<T>; listed: RecordMap<T> } {
    const old = this.store;
    const listed = fresh instanceof RecordMap ? fresh : RecordMap.of(fresh.values());
    this.store = listed;
    return { old, listed };
  }

  private emitListed(old: RecordMap<T>, cur: T): void {
    const prev = old.getLike(cur);
    if (prev === undefined) this.emitAdded(cur);
    else if (prev !== cur && prev.resourceVersion !== cur.resourceVersion) this.emitUpdated(prev, cur);
  }

  /** Stores `cur` (added or updated); the same resourceVersion again is the same object again. */
  upsert(cur: T): void {
    const prev = this.store.getLike(cur);
    // A resumed watch replaying its start.
    if (prev !== undefined && prev.resourceVersion === cur.resourceVersion && cur.resourceVersion !== '') return;
    this.store.set(cur);
    if (prev === undefined) this.emitAdded(cur);
    else this.emitUpdated(prev, cur);
  }

  /** Removes the object under `key`, if stored, and tells the handlers. */
  delete(key: string): void {
    const prev = this.store.delete(key);
    if (prev !== undefined) this.emitDeleted(prev);
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
