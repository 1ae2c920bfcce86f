// The engine's DeviceTaintRules: every known rule by name (a `None` rule's status needs it too), with
// `timeAdded` stamped where the object lacks it (docs/behaviour.md §6.3), and the subset with effect
// NoExecute that evicts (upstream `evictingRules`), kept as the list claim evaluation loops over. Also
// the loud warning for a rule whose empty selector selects every device (docs/behaviour.md §6.6).

import type { Logger } from '../../shared/logger.js';
import { selectsEverything } from '../../shared/selector.js';
import { stampRule } from '../../shared/timeAdded.js';
import { NO_EXECUTE } from '../../shared/tolerations.js';
import type { DeviceSelector, RuleRecord } from '../../shared/types.js';
import { type EvictingRule, evictingRuleList } from './claimEviction.js';

export class KnownRules {
  /** Every known rule by name, with `timeAdded` stamped. */
  private readonly rules = new Map<string, RuleRecord>();
  /** Rules with effect NoExecute, by name. */
  private readonly evictingRules = new Map<string, RuleRecord>();
  private evictingList: readonly EvictingRule[] = [];
  /** Rule name → `uid/generation` for which the select-everything warning was logged. */
  private readonly warnedSelectors = new Map<string, string>();

  constructor(private readonly log: Logger) {}

  get(name: string): RuleRecord | undefined {
    return this.rules.get(name);
  }

  /** Stores `rule` with a missing `timeAdded` stamped (kept from `stampedBefore`, else `now`); returns it. */
  store(rule: RuleRecord, stampedBefore: RuleRecord | null, now: number): RuleRecord {
    const stamped = stampRule(rule, stampedBefore, now);
    this.rules.set(rule.name, stamped);
    return stamped;
  }

  /** Every known rule. */
  values(): IterableIterator<RuleRecord> {
    return this.rules.values();
  }

  remove(name: string): void {
    this.rules.delete(name);
    this.warnedSelectors.delete(name);
  }

  /** The evicting rules (in the order they became evicting) with their reasons: what claim evaluation loops over. */
  get evicting(): readonly EvictingRule[] {
    return this.evictingList;
  }

  /**
   * Moves the evicting set from `old` to `cur` (either may be absent or not NoExecute) and returns the
   * selectors whose devices' claims may now evict differently.
   */
  replaceEvicting(old: RuleRecord | null, cur: RuleRecord | null): (DeviceSelector | null)[] {
    const selectors: (DeviceSelector | null)[] = [];
    if (old !== null && old.taint.effect === NO_EXECUTE) {
      if (this.evictingRules.get(old.name)?.uid === old.uid) this.evictingRules.delete(old.name);
      selectors.push(old.selector);
    }
    if (cur !== null && cur.taint.effect === NO_EXECUTE) {
      this.evictingRules.set(cur.name, cur);
      selectors.push(cur.selector);
    }
    this.evictingList = evictingRuleList(this.evictingRules.values());
    return selectors;
  }

  /** Logs once per rule generation when the rule's empty selector selects every device. */
  warnIfSelectsEverything(rule: RuleRecord): void {
    if (!selectsEverything(rule.selector)) return;
    const seen = `${rule.uid}/${rule.generation}`;
    if (this.warnedSelectors.get(rule.name) === seen) return;
    this.warnedSelectors.set(rule.name, seen);
    this.log.warn('DeviceTaintRule has an empty device selector and selects EVERY device in the cluster', {
      rule: rule.name,
      uid: rule.uid,
      generation: rule.generation,
      effect: rule.taint.effect,
      hint: 'set spec.deviceSelector.driver/pool/device; with effect NoExecute every pod using a DRA device is evicted',
    });
  }
}
