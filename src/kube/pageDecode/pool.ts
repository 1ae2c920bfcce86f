// List pages decoded off the main thread. During the initial sync of a large cluster the main thread
// spends most of its time in UTF-8 decoding, JSON.parse and projection of 500-object pages; that is
// stateless CPU work, the one kind piscina fits (docs/architecture.md §2.3). Pages go to a piscina pool as transferred
// bytes and come back as compact records, while the main thread keeps running handlers and watches.
// Measured (bench/piscina.ts, 150k pods): main-thread CPU of the sync 2.1× lower, event-loop delay
// p99 ~100 → ~25 ms, for about the same total CPU end to end (up to 30 % more in decode alone: the
// records are cloned back). Watch events stay on the main thread: they are small and order matters.
//
// piscina runs with `atomics: 'disabled'`: with the default 'sync', an idle pool thread blocks in
// Atomics.wait, and idle threads exit after `idleTimeoutMs`, so a synced controller holds no threads.

import { setMaxListeners } from 'node:events';
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import { type Logger, silentLogger } from '../../shared/logger.js';
import type { ResourceDescriptor, StoredRecord } from '../resources.js';
import {
  type DecodedPage,
  decodeListPage,
  type MalformedItem,
  type PageDecoder,
  projectorNameOf,
} from './pageDecoder.js';
import { reinternRecords } from './reintern.js';
import type { DecodeTask } from './task.js';

/** The task file piscina loads: the compiled .js next to this module, or the tsx shim from sources. */
export function decodeTaskFilename(moduleUrl: string = import.meta.url): string {
  return fileURLToPath(
    moduleUrl.endsWith('.ts') ? new URL('./taskShim.mjs', moduleUrl) : new URL('./task.js', moduleUrl),
  );
}

export interface PooledPageDecoderOptions {
  /**
   * Pool threads; default 2. On 2 cores, 2 threads still synced 150k pods fastest (bench/piscina.ts):
   * pods, claims and slices list concurrently, and the shard workers are idle until caches sync.
   */
  readonly threads?: number;
  /** Pages smaller than this are decoded inline: the round trip would cost more than it saves. */
  readonly minPooledBytes?: number;
  /** An idle thread exits after this long; the next large page starts one again. */
  readonly idleTimeoutMs?: number;
  /** The piscina task file; default `decodeTaskFilename()`. */
  readonly taskFilename?: string;
  readonly log?: Logger;
}

export const DEFAULT_MIN_POOLED_BYTES = 64 * 1024;

export class PooledPageDecoder implements PageDecoder {
  /** Pages decoded in the pool and inline, for metrics and tests. */
  readonly counts = { pooled: 0, inline: 0, poolFailures: 0 };
  private readonly pool: Piscina<DecodeTask, unknown>;
  private readonly minPooledBytes: number;
  private readonly log: Logger;
  /** Aborted when the pool fails as a whole, which fails every page waiting for it. */
  private readonly poolFailed = new AbortController();
  private closing: Promise<void> | null = null;
  private broken = false;

  constructor(opts: PooledPageDecoderOptions = {}) {
    const threads = Math.max(1, opts.threads ?? 2);
    this.minPooledBytes = opts.minPooledBytes ?? DEFAULT_MIN_POOLED_BYTES;
    this.pool = new Piscina<DecodeTask, unknown>({
      filename: opts.taskFilename ?? decodeTaskFilename(),
      minThreads: 0,
      maxThreads: threads,
      idleTimeout: opts.idleTimeoutMs ?? 10_000,
      atomics: 'disabled',
    });
    this.log = opts.log ?? silentLogger;
    // A thread that fails while starting (a task file missing from a build) is reported only as an
    // 'error' event — unhandled, it would crash the process — and piscina then stops starting threads,
    // so queued pages would wait forever. Fail them instead, and decode inline from then on.
    this.pool.on('error', (err: unknown) => this.fail(err));
    // Every page in flight listens on the signal; pages in flight are bounded by the callers (one per
    // reflector), not by a leak, so the default warning at 10 listeners is noise.
    setMaxListeners(0, this.poolFailed.signal);
  }

  async decode<T extends StoredRecord>(resource: ResourceDescriptor<T>, page: ArrayBuffer): Promise<DecodedPage<T>> {
    const projector = projectorNameOf(resource);
    if (projector === null || page.byteLength < this.minPooledBytes || this.closing !== null || this.broken) {
      this.counts.inline++;
      return decodeListPage(page, resource.project);
    }
    let out: DecodedPage<StoredRecord>;
    try {
      const result = await this.pool.run({ projector, page }, { transferList: [page], signal: this.poolFailed.signal });
      out = parseDecodedPage(result);
    } catch (err) {
      // A failing pool must not keep the informers from syncing. The page went with the transfer, so
      // this list fails (the reflector backs off and relists) and every later page is decoded inline.
      this.fail(err);
      throw err;
    }
    this.counts.pooled++;
    if (out.ok) {
      reinternRecords(projector, out.items);
      // A malformed item's fallback is cached like any record (the reflector's quarantine): share it too.
      const fallbacks: StoredRecord[] = [];
      for (const m of out.malformed) if (m.fallback !== null) fallbacks.push(m.fallback);
      if (fallbacks.length > 0) reinternRecords(projector, fallbacks);
    }
    // The pool ran the projector that `resource` names (projectorNameOf), so the records are Ts.
    return out as DecodedPage<T>;
  }

  private fail(err: unknown): void {
    this.counts.poolFailures++;
    if (this.broken) return;
    this.broken = true;
    this.log.error('list page decoder pool failed; decoding list pages on the main thread', {
      error: err instanceof Error ? err.message : String(err),
    });
    this.poolFailed.abort(err);
  }

  /** Waits for pages in flight, then stops the threads. Later pages are decoded inline. */
  close(): Promise<void> {
    this.closing ??= this.pool.close();
    return this.closing;
  }
}

/**
 * Checks the envelope of a result from a pool thread. The records themselves are not re-validated:
 * they were built by our own projector, and checking them field by field here would spend on the main
 * thread the time the pool exists to save.
 */
export function parseDecodedPage(v: unknown): DecodedPage<StoredRecord> {
  if (typeof v !== 'object' || v === null) throw new TypeError('decoded page: not an object');
  const ok: unknown = Reflect.get(v, 'ok');
  if (ok === false) {
    const reason: unknown = Reflect.get(v, 'reason');
    if (reason === 'notJson' || reason === 'notList') return { ok: false, reason };
    throw new TypeError(`decoded page: unknown failure ${String(reason)}`);
  }
  const items: unknown = Reflect.get(v, 'items');
  const malformed: unknown = Reflect.get(v, 'malformed');
  const continueToken: unknown = Reflect.get(v, 'continueToken');
  const resourceVersion: unknown = Reflect.get(v, 'resourceVersion');
  if (
    ok !== true ||
    !Array.isArray(items) ||
    !Array.isArray(malformed) ||
    typeof continueToken !== 'string' ||
    (typeof resourceVersion !== 'string' && resourceVersion !== null)
  )
    throw new TypeError('decoded page: malformed envelope');
  if (!items.every(isStoredRecord)) throw new TypeError('decoded page: item without name/resourceVersion');
  if (!malformed.every(isMalformedItem)) throw new TypeError('decoded page: malformed error entry');
  return { ok: true, items, malformed, continueToken, resourceVersion };
}

const isStoredRecord = (r: unknown): r is StoredRecord =>
  typeof r === 'object' &&
  r !== null &&
  typeof Reflect.get(r, 'name') === 'string' &&
  typeof Reflect.get(r, 'resourceVersion') === 'string';

const isMalformedItem = (m: unknown): m is MalformedItem<StoredRecord> =>
  typeof m === 'object' &&
  m !== null &&
  typeof Reflect.get(m, 'error') === 'string' &&
  (typeof Reflect.get(m, 'key') === 'string' || Reflect.get(m, 'key') === null) &&
  (Reflect.get(m, 'fallback') === null || isStoredRecord(Reflect.get(m, 'fallback')));
