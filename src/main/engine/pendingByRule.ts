// Rule UID → pods pending eviction because of that rule, with per-namespace counts, so that the
// DeviceTaintRule status (docs/behaviour.md §2.8 step 3) is O(1) instead of re-evaluating every pod in the cache.
// A pod counts while it has a `deletePodAt` entry naming the rule and no deletionTimestamp.
//
// Only counts live here: what a pod is counted under follows from its `deletePodAt` entry (the
// engine keeps that), so a rule flip over 100k pods costs no per-pod map entries and key lookups
// in this structure on top of `deletePodAt` itself.

export interface PendingCounts {
  readonly pods: number;
  readonly namespaces: number;
}

interface RulePending {
  pods: number;
  readonly namespaces: Map<string, number>;
}

export class PendingByRule {
  private readonly rules = new Map<string, RulePending>();

  /** Counts one pod of `namespace` under each of `ruleUids` (distinct UIDs). */
  add(namespace: string, ruleUids: readonly string[]): void {
    for (const uid of ruleUids) {
      let r = this.rules.get(uid);
      if (r === undefined) {
        r = { pods: 0, namespaces: new Map() };
        this.rules.set(uid, r);
      }
      r.pods++;
      r.namespaces.set(namespace, (r.namespaces.get(namespace) ?? 0) + 1);
    }
  }

  /** Undoes one `add(namespace, ruleUids)`. */
  remove(namespace: string, ruleUids: readonly string[]): void {
    for (const uid of ruleUids) {
      const r = this.rules.get(uid);
      if (r === undefined) continue;
      const n = (r.namespaces.get(namespace) ?? 1) - 1;
      if (n <= 0) r.namespaces.delete(namespace);
      else r.namespaces.set(namespace, n);
      if (--r.pods <= 0) this.rules.delete(uid);
    }
  }

  counts(ruleUid: string): PendingCounts {
    const r = this.rules.get(ruleUid);
    return r === undefined ? { pods: 0, namespaces: 0 } : { pods: r.pods, namespaces: r.namespaces.size };
  }
}
