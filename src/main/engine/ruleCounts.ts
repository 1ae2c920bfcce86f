// The counts a DeviceTaintRule's `EvictionInProgress` condition is built from (docs/behaviour.md §2.8
// steps 3–4), kept as decisions are made so that a status pass costs O(1) per rule:
// - pending: pods with a `deletePodAt` entry naming the rule and no deletionTimestamp, per namespace
//   (PendingByRule); a pending entry whose pod is terminating is held aside and not counted;
// - evicted: pods evicted because of the rule since the controller started (upstream `numEvictedPods`).
// What an entry is counted under follows from its reasons (ReasonRulesCache), so the caller passes
// the entries, never rule lists of its own.

import type { PendingEviction } from '../../shared/decisions.js';
import type { ReasonRulesCache } from './evictionIntern.js';
import { PendingByRule, type PendingCounts } from './pendingByRule.js';

export class RuleCounts {
  private readonly pendingByRule = new PendingByRule();
  /**
   * `deletePodAt` entries whose pod had a deletionTimestamp when last seen: they are not counted in
   * `pendingByRule`. Every other entry counts under the rules of its reasons.
   */
  private readonly terminatingPods = new Set<PendingEviction>();
  /** Rule UID → pods evicted because of it since start. */
  private readonly evictedByRule = new Map<string, number>();

  constructor(private readonly reasonRules: ReasonRulesCache) {}

  /**
   * Moves a pod from what its `previous` entry counted under to `next` (which replaces it, or is it)
   * counting under `ruleUids`, or under nothing while `terminating`.
   */
  recount(
    previous: PendingEviction | undefined,
    next: PendingEviction,
    ruleUids: readonly string[],
    terminating: boolean,
  ): void {
    const wasTerminating = previous !== undefined && this.terminatingPods.delete(previous);
    if (previous !== undefined && !wasTerminating) {
      const counted = this.reasonRules.of(previous.reasons).uids;
      // Interned reasons share their rule lists: an unchanged list needs no count updates.
      if (!terminating && counted === ruleUids && previous.pod.namespace === next.pod.namespace) return;
      this.pendingByRule.remove(previous.pod.namespace, counted);
    }
    if (terminating) this.terminatingPods.add(next);
    else this.pendingByRule.add(next.pod.namespace, ruleUids);
  }

  /** The entry left `deletePodAt`. */
  uncount(entry: PendingEviction): void {
    if (this.terminatingPods.delete(entry)) return;
    this.pendingByRule.remove(entry.pod.namespace, this.reasonRules.of(entry.reasons).uids);
  }

  pending(ruleUid: string): PendingCounts {
    return this.pendingByRule.counts(ruleUid);
  }

  /** One more pod evicted because of the rule. */
  countEviction(ruleUid: string): void {
    this.evictedByRule.set(ruleUid, (this.evictedByRule.get(ruleUid) ?? 0) + 1);
  }

  evicted(ruleUid: string): number {
    return this.evictedByRule.get(ruleUid) ?? 0;
  }

  /** The rule is gone: its eviction count goes with it. */
  forgetRule(ruleUid: string): void {
    this.evictedByRule.delete(ruleUid);
  }

  /** Rule UID → pods evicted because of it since start. */
  get evictedCounts(): ReadonlyMap<string, number> {
    return this.evictedByRule;
  }
}
