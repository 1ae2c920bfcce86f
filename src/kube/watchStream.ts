// One watch connection of a reflector, from open to end: the request (cut by the caller's abort
// controller), a silence watchdog (a watch that delivers nothing, not even a bookmark, for
// `silentWatchMs` is half-open or stuck and ends as 'silent'), bursts bracketed per network chunk, and
// the rule that a watch closing at once without any event counts as a failure (so a server that closes
// every watch immediately is backed off from, not hammered). What each line means is the caller's
// (`onLine`); when the watch resumes or relists is the reflector's loop.

import type { Clock, TimerHandle } from '../shared/clock.js';
import { ApiError } from './apiClient.js';
import type { BurstHooks } from './informerStore.js';
import type { Query, ReadTransport } from './readTransport.js';

/** Why a watch ended, as decided inside the event callback (which must not throw into the transport). */
export type WatchEnd =
  | { readonly kind: 'closed' }
  | { readonly kind: 'silent' }
  | { readonly kind: 'failed'; readonly err: unknown };

export interface WatchStreamOptions {
  readonly transport: ReadTransport;
  readonly path: string;
  readonly query: Query;
  /** Aborting it ends the watch (the reflector's stop); the stream aborts it itself when it ends. */
  readonly controller: AbortController;
  readonly clock: Clock;
  readonly silentWatchMs: number;
  readonly minHealthyWatchMs: number;
  /** Brackets the lines of one network chunk. */
  readonly burst: BurstHooks;
  /** Applies one line; an error returned ends the watch as 'failed'. */
  readonly onLine: (line: string) => unknown;
}

export async function streamWatch(o: WatchStreamOptions): Promise<WatchEnd> {
  const { controller, clock } = o;
  let end: WatchEnd = { kind: 'closed' };
  const finish = (e: WatchEnd) => {
    if (end.kind === 'closed') end = e;
    controller.abort();
  };
  const openedAt = clock.now();
  let lastActivity = openedAt;
  let delivered = 0;
  // One timer per watch, re-armed lazily: resetting a timer per event would cost more than the event.
  let watchdog: TimerHandle | null = null;
  const arm = (delay: number) => {
    watchdog = clock.setTimer(() => {
      const idle = clock.now() - lastActivity;
      if (idle >= o.silentWatchMs) finish({ kind: 'silent' });
      else arm(o.silentWatchMs - idle);
    }, delay);
  };
  arm(o.silentWatchMs);
  // The lines of one network chunk arrive in one synchronous loop: the burst opens at its first line
  // and closes in a microtask, which runs right after that loop.
  let inBurst = false;
  const endBurst = (): void => {
    if (!inBurst) return;
    inBurst = false;
    o.burst.end();
  };
  try {
    await o.transport.stream(
      o.path,
      o.query,
      (line) => {
        if (controller.signal.aborted) return;
        lastActivity = clock.now();
        delivered++;
        if (!inBurst) {
          inBurst = true;
          o.burst.begin();
          queueMicrotask(endBurst);
        }
        const failure = o.onLine(line);
        if (failure !== null) finish({ kind: 'failed', err: failure });
      },
      controller.signal,
    );
  } catch (err) {
    if (end.kind === 'closed') end = { kind: 'failed', err };
  } finally {
    endBurst();
    if (watchdog !== null) clock.clearTimer(watchdog);
  }
  if (end.kind === 'closed' && delivered === 0 && clock.now() - openedAt < o.minHealthyWatchMs)
    return { kind: 'failed', err: new ApiError(0, 'WatchClosed', 'watch closed immediately without events') };
  return end;
}
