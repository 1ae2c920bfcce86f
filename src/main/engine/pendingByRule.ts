// Rule UID → pods pending eviction because of that rule, with per-namespace counts, so that the
// DeviceTaintRule status (spec §2.8 step 3) is O(1) instead of re-evaluating every pod in the cache.
// A pod counts while it has a `deletePodAt` entry naming the rule and no deletionTimestamp.

export interface PendingCounts {
  readonly pods: number;
  readonly namespaces: number;
}

interface RulePending {
  readonly pods: Set<string>;
  readonly namespaces: Map<string, number>;
}

export class PendingByRule {
  private readonly rules = new Map<string, RulePending>();
  /** Pod uid-key → what it is counted under, so that removal needs no reasons. */
  private readonly pods = new Map<string, { readonly namespace: string; readonly ruleUids: readonly string[] }>();

  /** Sets the rules `podUidKey` is pending for (empty = none). */
  set(podUidKey: string, namespace: string, ruleUids: readonly string[]): void {
    this.delete(podUidKey);
    if (ruleUids.length === 0) return;
    this.pods.set(podUidKey, { namespace, ruleUids });
    for (const uid of ruleUids) {
      let r = this.rules.get(uid);
      if (r === undefined) {
        r = { pods: new Set(), namespaces: new Map() };
        this.rules.set(uid, r);
      }
      if (r.pods.has(podUidKey)) continue;
      r.pods.add(podUidKey);
      r.namespaces.set(namespace, (r.namespaces.get(namespace) ?? 0) + 1);
    }
  }

  delete(podUidKey: string): void {
    const entry = this.pods.get(podUidKey);
    if (entry === undefined) return;
    this.pods.delete(podUidKey);
    for (const uid of entry.ruleUids) {
      const r = this.rules.get(uid);
      if (r === undefined || !r.pods.delete(podUidKey)) continue;
      const n = (r.namespaces.get(entry.namespace) ?? 1) - 1;
      if (n <= 0) r.namespaces.delete(entry.namespace);
      else r.namespaces.set(entry.namespace, n);
      if (r.pods.size === 0) this.rules.delete(uid);
    }
  }

  counts(ruleUid: string): PendingCounts {
    const r = this.rules.get(ruleUid);
    return r === undefined ? { pods: 0, namespaces: 0 } : { pods: r.pods.size, namespaces: r.namespaces.size };
  }
}
