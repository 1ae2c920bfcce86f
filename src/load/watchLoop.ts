// List, then watch from the list's resourceVersion, and keep watching until stopped: the reflector
// pattern in its smallest form. client-node's own ListWatch gives up on the first non-410 error and has
// no backoff (docs/architecture.md §5); a load run must not lose deletions because one watch connection dropped.

import { ItemExponentialBackoff } from '../shared/backoff.js';
import type { Logger } from '../shared/logger.js';
import { errorCode, type ListResult, type LoadCluster, type WatchEvent, type WatchHandle } from './cluster.js';
import { field, stringField } from './json.js';

export interface WatchLoopOptions {
  readonly path: string;
  readonly query?: Readonly<Record<string, string>>;
  readonly list: () => Promise<ListResult>;
  /** Called with every listed object (after the first list and after each relist, once per list). */
  readonly onList: (items: readonly unknown[]) => void;
  readonly onEvent: (event: WatchEvent) => void;
  readonly log: Logger;
}

export interface WatchLoop {
  /** Resolves once the first list has been delivered; rejects if that list fails. */
  readonly ready: Promise<void>;
  stop(): void;
}

/** Reconnect delays: 100 ms doubling to 5 s per consecutive failure (shared/backoff.ts), then jittered. */
const RECONNECT_BACKOFF = { baseMs: 100, maxMs: 5_000 };
/** Server-side watch timeout; a fresh watch every few minutes keeps idle connections honest. */
const WATCH_TIMEOUT_SECONDS = 300;

export function startWatchLoop(cluster: LoadCluster, opts: WatchLoopOptions): WatchLoop {
  let stopped = false;
  let handle: WatchHandle | null = null;
  let resourceVersion = '';
  // One item (this loop); a watch event proves the connection healthy and forgets the failures.
  const backoff = new ItemExponentialBackoff(RECONNECT_BACKOFF);
  let retryTimer: NodeJS.Timeout | null = null;
  let resolveReady: () => void = () => {};
  let rejectReady: (err: unknown) => void = () => {};
  let readySettled = false;
  const ready = new Promise<void>((resolve, reject) => {
    resolveReady = resolve;
    rejectReady = reject;
  });

  const relist = async (): Promise<void> => {
    const list = await opts.list();
    resourceVersion = list.resourceVersion;
    opts.onList(list.items);
  };

  const retry = (needRelist: boolean): void => {
    if (stopped) return;
    // Jitter (½ to 1 of the delay) keeps the load generator's watches from reconnecting in lock-step.
    const delay = backoff.when(opts.path) * (0.5 + Math.random() / 2);
    retryTimer = setTimeout(() => {
      retryTimer = null;
      void cycle(needRelist);
    }, delay);
  };

  const cycle = async (needRelist: boolean): Promise<void> => {
    if (stopped) return;
    try {
      if (needRelist || resourceVersion === '') await relist();
      // Ready once listed: the watch resumes from the list's resourceVersion, so nothing after it is
      // lost, and some servers send the watch's response headers only with its first event.
      if (!readySettled) {
        readySettled = true;
        resolveReady();
      }
      let expired = false;
      const opened = await cluster.watch(
        opts.path,
        {
          ...opts.query,
          resourceVersion,
          allowWatchBookmarks: true,
          timeoutSeconds: WATCH_TIMEOUT_SECONDS,
        },
        (event) => {
          const rv = stringField(event.object, 'metadata', 'resourceVersion');
          if (event.type === 'ERROR') {
            // 410 Gone: our resourceVersion fell out of the server's window; only a relist recovers.
            if (field(event.object, 'code') === 410) expired = true;
            return;
          }
          backoff.forget(opts.path);
          if (rv !== '') resourceVersion = rv;
          if (event.type !== 'BOOKMARK') opts.onEvent(event);
        },
        (err) => {
          handle = null;
          if (stopped) return;
          if (err !== null && err !== undefined)
            opts.log.debug('load watch ended', { path: opts.path, code: errorCode(err), err: String(err) });
          retry(expired || errorCode(err) === 410);
        },
      );
      if (stopped) {
        opened.stop();
        return;
      }
      handle = opened;
    } catch (err) {
      if (!readySettled) {
        // The first list failing is a configuration problem (RBAC, wrong server): surface it.
        readySettled = true;
        rejectReady(err);
        stopped = true;
        return;
      }
      opts.log.debug('load watch retry', { path: opts.path, err: String(err) });
      retry(true);
    }
  };

  void cycle(true);
  return {
    ready,
    stop() {
      stopped = true;
      if (retryTimer !== null) clearTimeout(retryTimer);
      handle?.stop();
      handle = null;
    },
  };
}
