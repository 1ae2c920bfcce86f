// client-go's EventCorrelator (tools/record/events_cache.go), which upstream's event recorder runs before
// every write, so that a pod's repeated events do not become one Event object each:
// - Counting: an event identical to one already written (same source, object, type, reason, message)
//   becomes a strategic-merge patch of that Event (`count`, `lastTimestamp`, `message`); `kubectl
//   describe` then shows "(x5 over 20s)". A patch answered 404 (the Event expired, or its create had
//   failed) falls back to a create, as client-go's recordEvent does.
// - Spam filter: per source and object (and type), a token bucket of 25 events refilled with one every
//   5 minutes; an event beyond it is not written, but it is still counted, so the next write carries
//   the whole count.
// Where repeats come from here: `--eviction-mode evict` re-sends "Marking for deletion" on every attempt
// a disruption budget refuses (every 5 s, up to --eviction-timeout), and a taint added and removed
// again and again repeats "Cancelling deletion".
// Not taken over: client-go's aggregation of events that differ only by message, which needs 10
// distinct messages with one reason within 10 minutes; our events have at most two per reason.
// Each worker keeps its own correlator: it owns its pods' events, as one process's recorder does.

import { LruMap } from '../shared/lruMap.js';
import type { CoreEvent } from './podEvents.js';

/** client-go's maxLruCacheEntries, defaultSpamBurst and defaultSpamQPS. */
export const EVENT_CACHE_ENTRIES = 4096;
export const EVENT_SPAM_BURST = 25;
export const EVENT_SPAM_REFILL_MS = 300_000;

/** The fields of an existing Event a repeat changes: client-go's two-way merge patch of the same three. */
export interface EventRepeatPatch {
  readonly count: number;
  readonly lastTimestamp: string;
  readonly message: string;
}

export interface CorrelatedEvent {
  /**
   * The Event to create. For a repeat it carries the first occurrence's name and firstTimestamp and the
   * new count: what is created when the patch finds no Event.
   */
  readonly event: CoreEvent;
  /** For a repeat, the patch of the existing Event named `event.metadata.name`; null for a new event. */
  readonly patch: EventRepeatPatch | null;
}

interface Observation {
  readonly name: string;
  readonly firstTimestamp: string;
  readonly count: number;
}

export interface EventCorrelatorOptions {
  readonly cacheEntries?: number;
  readonly spamBurst?: number;
  readonly spamRefillMs?: number;
}

// Keys join their fields with NUL, which no Kubernetes name, UID, reason or message here contains.

/** client-go's getSpamKey: source, object and type. */
const spamKey = (e: CoreEvent): string => {
  const o = e.involvedObject;
  return `${e.source.component}\0${o.kind}\0${o.namespace ?? ''}\0${o.name}\0${o.uid}\0${o.apiVersion}\0${e.type}`;
};

export class EventCorrelator {
  private readonly observed: LruMap<string, Observation>;
  /**
   * Spam key → the time at which its bucket is full again (the generic cell rate algorithm's
   * "theoretical arrival time", as in shared/tokenBucket.ts): one number per object instead of a bucket.
   */
  private readonly spamFullAt: LruMap<string, number>;
  private readonly spamBurst: number;
  private readonly spamRefillMs: number;

  constructor(
    private readonly now: () => number,
    options: EventCorrelatorOptions = {},
  ) {
    const entries = options.cacheEntries ?? EVENT_CACHE_ENTRIES;
    this.observed = new LruMap(entries);
    this.spamFullAt = new LruMap(entries);
    this.spamBurst = options.spamBurst ?? EVENT_SPAM_BURST;
    this.spamRefillMs = options.spamRefillMs ?? EVENT_SPAM_REFILL_MS;
  }

  /** What to write for `event`, or null when the spam filter drops it. */
  correlate(event: CoreEvent): CorrelatedEvent | null {
    const objectKey = spamKey(event);
    // client-go's getEventKey: what makes two events the same event.
    const key = `${objectKey}\0${event.reason}\0${event.message}`;
    const last = this.observed.get(key);
    let correlated: CorrelatedEvent;
    if (last === undefined) {
      this.observed.set(key, { name: event.metadata.name, firstTimestamp: event.firstTimestamp, count: event.count });
      correlated = { event, patch: null };
    } else {
      const count = last.count + 1;
      this.observed.set(key, { ...last, count });
      correlated = {
        event: {
          ...event,
          metadata: { ...event.metadata, name: last.name },
          firstTimestamp: last.firstTimestamp,
          count,
        },
        patch: { count, lastTimestamp: event.lastTimestamp, message: event.message },
      };
    }
    return this.spamAllows(objectKey) ? correlated : null;
  }

  private spamAllows(key: string): boolean {
    const now = this.now();
    const fullAt = Math.max(this.spamFullAt.get(key) ?? now, now) + this.spamRefillMs;
    if (fullAt - now > this.spamBurst * this.spamRefillMs) return false;
    this.spamFullAt.set(key, fullAt);
    return true;
  }
}
