// Shared, frozen `Eviction` values. A taint storm gives 100k claims the very same result (one rule
// reason, one or two distinct times); building a reasons array, a reason string and an Eviction per
// claim made the flip allocation-bound (measured: ~40% of the flip in GC and allocation). Interning
// makes equal results identical, so `evictionsEqual` and `mergeEvictions` short-cut on identity and
// 100k pending pods hold one reasons array between them.
//
// Only single-reason evictions are interned (the storm shape); several reasons on one claim are rare
// and get their own sorted array. Bounded: a churn of distinct times or reasons only costs sharing.

import type { ReasonId } from '../../shared/decisions.js';
import { type Eviction, makeEviction } from '../../shared/evictionTime.js';
import { ruleOfReason } from '../../shared/reasons.js';

const MAX_INTERNED = 65_536;

export class EvictionInterner {
  /** Reason → its one-element reasons array and, per fire time, the one Eviction with both. */
  private byReason = new Map<ReasonId, InternedReason>();
  private count = 0;

  /** The eviction for `reasons` (unsorted, possibly duplicated, not kept) firing at `when`. */
  eviction(when: number, reasons: readonly ReasonId[]): Eviction {
    if (reasons.length !== 1) return freeze(makeEviction(when, reasons));
    return this.single(when, reasons[0] as ReasonId);
  }

  /** The eviction for the one `reason` firing at `when`. */
  single(when: number, reason: ReasonId): Eviction {
    let interned = this.byReason.get(reason);
    if (interned === undefined) {
      if (this.count >= MAX_INTERNED) this.clear();
      // Shared across fire times too: pods with different tolerations still share their reasons.
      interned = { reasons: Object.freeze([reason]), byWhen: new Map() };
      this.byReason.set(reason, interned);
    }
    let eviction = interned.byWhen.get(when);
    if (eviction === undefined) {
      eviction = Object.freeze({ when, reasons: interned.reasons });
      if (this.count >= MAX_INTERNED) return eviction;
      interned.byWhen.set(when, eviction);
      this.count++;
    }
    return eviction;
  }

  private clear(): void {
    this.byReason = new Map();
    this.count = 0;
  }
}

interface InternedReason {
  readonly reasons: readonly ReasonId[];
  readonly byWhen: Map<number, Eviction>;
}

function freeze(e: Eviction): Eviction {
  Object.freeze(e.reasons);
  return Object.freeze(e);
}

/** Rule names and UIDs named by a reasons array. */
export interface ReasonRules {
  /** One per rule reason, in reason order. */
  readonly names: readonly string[];
  /** Distinct: a pod counts once per rule UID (see PendingByRule). */
  readonly uids: readonly string[];
}

const NO_RULES: ReasonRules = Object.freeze({ names: Object.freeze([]), uids: Object.freeze([]) });

/**
 * Rule names and UIDs of `reasons`, computed once per reasons array: with interned evictions,
 * 100k pending pods share a handful of arrays, and every one of them needs its rules for the
 * pending-by-rule counts and the status refresh.
 */
export class ReasonRulesCache {
  private readonly cache = new WeakMap<readonly ReasonId[], ReasonRules>();

  /** The last answer: a storm asks for the same array 100k times in a row. */
  private lastReasons: readonly ReasonId[] | null = null;
  private lastRules: ReasonRules = NO_RULES;

  of(reasons: readonly ReasonId[]): ReasonRules {
    if (reasons === this.lastReasons) return this.lastRules;
    const rules = this.lookup(reasons);
    this.lastReasons = reasons;
    this.lastRules = rules;
    return rules;
  }

  private lookup(reasons: readonly ReasonId[]): ReasonRules {
    const cached = this.cache.get(reasons);
    if (cached !== undefined) return cached;
    const names: string[] = [];
    const uids: string[] = [];
    for (const reason of reasons) {
      const rule = ruleOfReason(reason);
      if (rule === null) continue;
      names.push(rule.ruleName);
      if (!uids.includes(rule.ruleUid)) uids.push(rule.ruleUid);
    }
    const rules = names.length === 0 ? NO_RULES : Object.freeze({ names, uids });
    this.cache.set(reasons, rules);
    return rules;
  }
}
