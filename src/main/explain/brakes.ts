// "What the brakes would do": when the controller's brakes on starting evictions (docs/behaviour.md
// §6.14) would let the pending evictions start — the blast-radius breaker, the global start rate and
// the per-rule start rates — estimated from the flags `explain` is given (`run`'s brake flags) and the
// rules' annotations (as the rule projection reads them: RuleRecord.startLimit). The estimate runs the
// controller's own admission (src/workers/admission.ts) with its token buckets and breaker over the
// pending evictions in virtual time, starting each as soon as it is due and the brakes allow. It
// assumes the brakes are idle now: no tokens spent, nothing counted in the breaker's window yet, no
// other eviction in flight; what the running controller has counted is not visible from outside. The
// breaker's open state, however, is read from the cluster.

import { FakeClock } from '../../shared/clock.js';
import type { PendingEviction } from '../../shared/decisions.js';
import { EvictionBreaker } from '../../shared/evictionBreaker.js';
import { ruleOfReason } from '../../shared/reasons.js';
import { SharedTokenBucket } from '../../shared/tokenBucket.js';
import { podUidKey } from '../../shared/types.js';
import { EvictionAdmission, type StartRate } from '../../workers/admission.js';
import { MinHeap, NOT_IN_HEAP, type TimedNode } from '../../workers/minHeap.js';
import type { BrakeSettings } from '../app/brakes.js';
import { defaultControllerOptions } from '../app/options.js';

/**
 * The brake flags, as `run` takes them (src/main/app/brakes.ts): 0 evictions per second is unlimited,
 * null breaker bounds are no breaker.
 */
export type BrakeFlags = Pick<
  BrakeSettings,
  'maxEvictionsPerSecond' | 'maxEvictionsBurst' | 'breakerMaxEvictions' | 'breakerMaxPercent' | 'breakerWindowMs'
>;

const RUN_DEFAULTS = defaultControllerOptions(1);

/** `run`'s defaults: every brake off. */
export const NO_BRAKES: BrakeFlags = {
  maxEvictionsPerSecond: RUN_DEFAULTS.maxEvictionsPerSecond,
  maxEvictionsBurst: RUN_DEFAULTS.maxEvictionsBurst,
  breakerMaxEvictions: RUN_DEFAULTS.breakerMaxEvictions,
  breakerMaxPercent: RUN_DEFAULTS.breakerMaxPercent,
  breakerWindowMs: RUN_DEFAULTS.breakerWindowMs,
};

/**
 * The breaker's limit for one window, as the controller's keeper computes it (BreakerKeeper.limit in
 * src/main/app/breakerKeeper.ts; a test holds the two together): the lower of the two bounds, a
 * percentage allowing at least one eviction.
 */
export function breakerLimit(flags: BrakeFlags, podsUsingClaims: number): { limit: number | null; basis: string } {
  const byCount = flags.breakerMaxEvictions;
  const byPercent =
    flags.breakerMaxPercent === null
      ? null
      : Math.max(1, Math.floor((flags.breakerMaxPercent / 100) * podsUsingClaims));
  const percentText = `${flags.breakerMaxPercent}% of ${podsUsingClaims} pods using ResourceClaims`;
  if (byCount === null && byPercent === null) return { limit: null, basis: 'no limit given' };
  if (byPercent === null) return { limit: byCount, basis: '--breaker-max-evictions' };
  if (byCount === null || byPercent < byCount) return { limit: byPercent, basis: percentText };
  return { limit: byCount, basis: `--breaker-max-evictions (lower than ${percentText})` };
}

export interface SimulatedStart {
  /** ms; null while held by the breaker. */
  readonly startAt: number | null;
  readonly heldByBreaker: boolean;
  readonly delayedBy: ReadonlySet<'global' | 'rule'>;
  /** 1-based, in the order the estimate starts (or holds) them. */
  readonly order: number;
}

export interface SimulationInput {
  readonly now: number;
  readonly flags: BrakeFlags;
  readonly breakerOpen: boolean;
  readonly breakerLimit: number | null;
  /** Rule UID → evictions per minute. */
  readonly ruleRates: ReadonlyMap<string, number>;
}

interface Item extends TimedNode {
  readonly pending: PendingEviction;
  readonly delayedBy: Set<'global' | 'rule'>;
}

/** Evictions estimated per pod incarnation (`podUidKey`). */
export function simulateStarts(
  pending: Iterable<PendingEviction>,
  input: SimulationInput,
): Map<string, SimulatedStart> {
  const { now, flags } = input;
  const clock = new FakeClock(now);
  const at = () => clock.now();
  const globalRate =
    flags.maxEvictionsPerSecond > 0
      ? new SharedTokenBucket(
          SharedTokenBucket.createSpec({
            qps: flags.maxEvictionsPerSecond,
            burst: Math.max(1, flags.maxEvictionsBurst),
          }),
          at,
        )
      : undefined;
  const ruleBuckets = new Map<string, SharedTokenBucket>();
  const ruleRate = (uid: string): StartRate | undefined => {
    const perMinute = input.ruleRates.get(uid);
    if (perMinute === undefined) return undefined;
    let bucket = ruleBuckets.get(uid);
    if (bucket === undefined) {
      bucket = new SharedTokenBucket(SharedTokenBucket.createSpec({ qps: perMinute / 60, burst: 1 }), at);
      ruleBuckets.set(uid, bucket);
    }
    return bucket;
  };
  let breaker: EvictionBreaker | undefined;
  if (input.breakerLimit !== null || input.breakerOpen) {
    breaker = new EvictionBreaker(EvictionBreaker.createSpec(flags.breakerWindowMs, now));
    breaker.setLimit(input.breakerLimit);
    if (input.breakerOpen) breaker.open(now);
  }
  const admission = new EvictionAdmission({
    ...(globalRate !== undefined ? { globalRate } : {}),
    ...(input.ruleRates.size > 0 ? { ruleRate } : {}),
    ...(breaker !== undefined ? { breaker } : {}),
  });

  const heap = new MinHeap<Item>();
  let seq = 0;
  const sorted = [...pending].sort((a, b) => a.fireAt - b.fireAt || (podUidKey(a.pod) < podUidKey(b.pod) ? -1 : 1));
  for (const p of sorted)
    heap.push({ dueAt: Math.max(p.fireAt, now), seq: seq++, heapIndex: NOT_IN_HEAP, pending: p, delayedBy: new Set() });

  // A rule's throttled evictions wait in line behind the one that waits for its next token, so that
  // each token costs one retry instead of one per waiting eviction.
  const inLine = new Map<string, Item[]>();
  const waitingForToken = new Map<string, Item>();
  const releaseLine = (item: Item): void => {
    for (const reason of item.pending.reasons) {
      const uid = ruleOfReason(reason)?.ruleUid;
      if (uid === undefined || waitingForToken.get(uid) !== item) continue;
      waitingForToken.delete(uid);
      const next = inLine.get(uid)?.shift();
      if (next === undefined) continue;
      waitingForToken.set(uid, next);
      next.dueAt = clock.now();
      next.seq = seq++;
      heap.push(next);
    }
  };

  const starts = new Map<string, SimulatedStart>();
  let order = 0;
  for (let item = heap.pop(); item !== undefined; item = heap.pop()) {
    if (item.dueAt > clock.now()) clock.advanceTo(item.dueAt);
    let admitted = admission.admit(clock.now(), item.pending.fireAt, item.pending.reasons);
    // The global rate holds every start: time moves on for all of them.
    while (admitted.kind === 'delay' && admitted.limit === 'global') {
      item.delayedBy.add('global');
      clock.advanceTo(Math.max(admitted.untilMs, clock.now() + 1));
      admitted = admission.admit(clock.now(), item.pending.fireAt, item.pending.reasons);
    }
    if (admitted.kind === 'delay') {
      item.delayedBy.add('rule');
      const uid = item.pending.reasons
        .map((r) => ruleOfReason(r)?.ruleUid)
        .find((u) => u !== undefined && (ruleRate(u)?.waitMs() ?? 0) > 0);
      const first = uid === undefined ? undefined : waitingForToken.get(uid);
      if (uid !== undefined && first !== undefined && first !== item) {
        let line = inLine.get(uid);
        if (line === undefined) {
          line = [];
          inLine.set(uid, line);
        }
        line.push(item);
      } else {
        if (uid !== undefined) waitingForToken.set(uid, item);
        item.dueAt = Math.max(admitted.untilMs, clock.now() + 1);
        item.seq = seq++;
        heap.push(item);
      }
      continue;
    }
    const held = admitted.kind === 'hold';
    starts.set(podUidKey(item.pending.pod), {
      startAt: held ? null : clock.now(),
      heldByBreaker: held,
      delayedBy: item.delayedBy,
      order: ++order,
    });
    releaseLine(item);
  }
  return starts;
}
