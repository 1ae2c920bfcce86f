// Whether a due eviction may start now: the brakes every start goes through, in one place, in the
// order that wastes nothing. All of them are process-wide (shared memory), so N workers together obey
// one limit, never N times it.
//
//   1. the write fence: no valid leader lease, no start (hold; the queue looks again shortly);
//   2. the blast-radius breaker: open, no start (hold); a start that would exceed it opens it. A retry
//      of an eviction that failed (a disruption budget's 429, a 5xx) is the same eviction, counted
//      when it first started: it is held while the breaker is open but not counted again — else one
//      pod that a budget blocks for ten minutes, retried every 5 s, would open a breaker on its own;
//   3. the global start rate (--max-evictions-per-second/--max-evictions-burst): wait for a token;
//   4. per-rule start rates (annotation device-taint-evictor.io/max-evictions-per-minute): an eviction
//      caused by such a rule waits for that rule's token.
//
// A throttled eviction is delayed, never dropped, and never starts before its due time: the queue
// keeps it scheduled (so a cancellation still removes it) and asks again when the limit allows. The
// breaker is asked last among the holds so that a throttled start is not counted against it; rate
// tokens are taken only for a start that will happen.

import type { ReasonId } from '../shared/decisions.js';
import type { BreakerVerdict } from '../shared/evictionBreaker.js';
import { ruleOfReason } from '../shared/reasons.js';

/** Which limit held an eviction back (metrics label). */
export type ThrottleLimit = 'global' | 'rule';

export type Admission =
  /**
   * Start it. `undo`: gives back what the start took (its count in the breaker's window), for a run that
   * turns out to do nothing.
   */
  | { readonly kind: 'start'; readonly undo?: () => void }
  /** A rate limit: ask again at `untilMs`. `global` holds every start; `rule` only this eviction's. */
  | { readonly kind: 'delay'; readonly untilMs: number; readonly limit: ThrottleLimit }
  /** No start at all for now (no lease, or the breaker is open). `opened`: this start opened the breaker. */
  | { readonly kind: 'hold'; readonly why: 'fence' | 'breaker'; readonly opened?: boolean };

/** A rate limit as the admission needs it (SharedTokenBucket implements it). */
export interface StartRate {
  tryAcquire(): boolean;
  /** Milliseconds until a token could be taken. */
  waitMs(): number;
}

export interface AdmissionParts {
  /** The write fence (leader lease); absent: always open. */
  readonly fence?: { isOpen(): boolean };
  /** The shared breaker; absent: none. `count` false: a retry, held when open but not counted. */
  readonly breaker?: {
    tryStart(now: number, dueSince: number, count?: boolean): BreakerVerdict;
    uncount(startedAt: number): void;
  };
  /** The global start rate; absent: unlimited. */
  readonly globalRate?: StartRate;
  /** The start rate of a rule (by UID) that has one, else undefined. */
  readonly ruleRate?: (ruleUid: string) => StartRate | undefined;
}

/** The rule UIDs among an eviction's reasons. */
export function ruleUidsOf(reasons: readonly ReasonId[]): string[] {
  const uids: string[] = [];
  for (const reason of reasons) {
    const rule = ruleOfReason(reason);
    if (rule !== null) uids.push(rule.ruleUid);
  }
  return uids;
}

/** The verdicts that carry nothing of their own, shared (one admission per due entry, in a pump loop). */
export const START: Admission = { kind: 'start' };
export const HOLD_FOR_FENCE: Admission = { kind: 'hold', why: 'fence' };

export class EvictionAdmission {
  constructor(private readonly parts: AdmissionParts) {}

  /**
   * `dueSince`: when the eviction became due as its queue knows it (see TimedQueueOptions.admit).
   * `attempt`: 1 for the eviction's first start, more for a retry after a failed attempt.
   */
  admit(now: number, dueSince: number, reasons: readonly ReasonId[], attempt = 1): Admission {
    const { fence, breaker, globalRate, ruleRate } = this.parts;
    if (fence !== undefined && !fence.isOpen()) return HOLD_FOR_FENCE;
    // Peek at every rate first: a token is taken only when the start will really happen.
    if (globalRate !== undefined) {
      const wait = globalRate.waitMs();
      if (wait > 0) return { kind: 'delay', untilMs: now + wait, limit: 'global' };
    }
    const rates: StartRate[] = [];
    if (ruleRate !== undefined)
      for (const uid of ruleUidsOf(reasons)) {
        const rate = ruleRate(uid);
        if (rate === undefined) continue;
        const wait = rate.waitMs();
        if (wait > 0) return { kind: 'delay', untilMs: now + wait, limit: 'rule' };
        rates.push(rate);
      }
    let counted = false;
    if (breaker !== undefined) {
      const verdict = breaker.tryStart(now, dueSince, attempt <= 1);
      if (verdict === 'hold' || verdict === 'opened')
        return { kind: 'hold', why: 'breaker', opened: verdict === 'opened' };
      counted = verdict === 'counted';
    }
    // Another thread may have taken the token between the peek and now: then wait for the next one,
    // and give back the breaker's count for a start that did not happen.
    if (globalRate !== undefined && !globalRate.tryAcquire()) {
      if (counted) breaker?.uncount(now);
      return { kind: 'delay', untilMs: now + Math.max(1, globalRate.waitMs()), limit: 'global' };
    }
    for (const rate of rates)
      if (!rate.tryAcquire()) {
        if (counted) breaker?.uncount(now);
        return { kind: 'delay', untilMs: now + Math.max(1, rate.waitMs()), limit: 'rule' };
      }
    return counted && breaker !== undefined ? { kind: 'start', undo: () => breaker.uncount(now) } : START;
  }
}
