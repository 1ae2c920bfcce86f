// The decision engine (docs/behaviour.md §2): the main thread's model of pools, allocated claims,
// DeviceTaintRules and pods, and the one place that decides which pod must be evicted when and why.
// Everything here is synchronous and free of I/O; decisions leave through two small seams:
// - `EvictionSink.schedule/cancel` for pod evictions (worker partitions execute them), and
// - `RuleStatusScheduler.enqueue` for DeviceTaintRule status refreshes.
// Results of executed evictions come back through `evictionFinished`.
//
// This file holds the informer event handlers: they keep the caches and find which claims and pods a
// change touches. What is decided for them lives next to it: claimEviction.ts (a claim's eviction),
// podClaims.ts (which claims are a pod's; the pod's eviction), podDecisions.ts (deletePodAt, the sink,
// bursts), ruleCounts.ts and dryRun.ts (what a rule's status counts), knownRules.ts (the rule cache).
//
// Compared to upstream, the handlers are incremental (claims are indexed by device, so slice and rule
// changes touch only the claims on affected devices) and recompute all affected claims before
// re-evaluating their pods, so a pod never sees a half-updated set of claims. Final states are the
// same as upstream's; the order-independence tests check that.

import type { Clock } from '../../shared/clock.js';
import type { EvictionResult, EvictionSink, PendingEviction } from '../../shared/decisions.js';
import { type Eviction, evictionsEqual } from '../../shared/evictionTime.js';
import type { Logger } from '../../shared/logger.js';
import { parseReason, type ReasonId, ruleOfReason } from '../../shared/reasons.js';
import { selectorsEqual } from '../../shared/selector.js';
import { stampRule, stampSlice } from '../../shared/timeAdded.js';
import { NO_EXECUTE } from '../../shared/tolerations.js';
import type {
  ClaimRecord,
  DeviceSelector,
  DeviceTaint,
  PodGroupRecord,
  PodRecord,
  PodRef,
  RuleCondition,
  RuleRecord,
  SliceDevice,
  SliceRecord,
} from '../../shared/types.js';
import { type AllocatedClaim, AllocatedClaims } from './allocatedClaims.js';
import { claimEviction } from './claimEviction.js';
import { simulateNoExecute } from './dryRun.js';
import { claimStatusesEqual, reservedForEqual, sameAllocation, taintsEqual } from './equality.js';
import { EvictionInterner, ReasonRulesCache } from './evictionIntern.js';
import { KnownRules } from './knownRules.js';
import { PodCache } from './podCache.js';
import { PodClaims } from './podClaims.js';
import { type DecisionSlicing, PodDecisions } from './podDecisions.js';
import { PoolIndex, poolKey } from './pools.js';
import { RuleCounts } from './ruleCounts.js';
import { buildRuleCondition, RULE_STATUS_PERIOD_MS } from './ruleStatus.js';
import type { RuleStatusScheduler, RuleStatusSource } from './ruleStatusUpdater.js';
import { shareWithClaims, shareWithPods } from './sharedStrings.js';

export interface EvictionEngineOptions {
  readonly clock: Clock;
  readonly sink: EvictionSink;
  readonly ruleStatus: RuleStatusScheduler;
  readonly log: Logger;
  /** DRAWorkloadResourceClaims: claims reserved for / owned by PodGroups. Default off. */
  readonly workloadClaims?: boolean;
  /** Spreads the decisions owed at the end of a large burst over event-loop turns; default: none. */
  readonly decisionSlicing?: DecisionSlicing | null;
  /** See PodDecisionsOptions.onBurstDecided. */
  readonly onBurstDecided?: ((ops: number, startedAt: number) => void) | null;
}

export type { PendingEviction };

/** One reason of an eviction, for people: which devices, which taint, which rule. */
export interface ReasonDescription {
  /** The DeviceTaintRule's name, or null for a taint published in a ResourceSlice. */
  readonly rule: string | null;
  /** `driver/pool/device`, or a rule's selector (`driver=…,pool=…`; `all devices` for `{}`). */
  readonly devices: string | null;
  /** `key=value:effect`. */
  readonly taint: string | null;
}

export interface RuleMetrics {
  readonly name: string;
  readonly effect: string;
  readonly pendingPods: number;
  readonly evictedPods: number;
  readonly devicesSelected: number;
}

const describeTaint = (t: DeviceTaint): string => `${t.key}${t.value ? `=${t.value}` : ''}:${t.effect}`;

function describeSelector(selector: DeviceSelector | null): string | null {
  if (selector === null) return null;
  const parts = (['driver', 'pool', 'device'] as const).flatMap((k) =>
    selector[k] === undefined ? [] : [`${k}=${selector[k]}`],
  );
  return parts.length === 0 ? 'all devices' : parts.join(',');
}

export class EvictionEngine implements RuleStatusSource {
  private readonly clock: Clock;
  private readonly ruleStatus: RuleStatusScheduler;
  private readonly workloadClaims: boolean;

  private readonly pools = new PoolIndex();
  private readonly claims = new AllocatedClaims();
  private readonly pods = new PodCache();
  private readonly podGroups = new Map<string, PodGroupRecord>();
  private readonly rules: KnownRules;
  private readonly evictions = new EvictionInterner();
  private readonly counts: RuleCounts;
  private readonly podClaims: PodClaims;
  private readonly decisions: PodDecisions;

  constructor(opts: EvictionEngineOptions) {
    this.clock = opts.clock;
    this.ruleStatus = opts.ruleStatus;
    this.workloadClaims = opts.workloadClaims ?? false;
    this.rules = new KnownRules(opts.log);
    const reasonRules = new ReasonRulesCache();
    this.counts = new RuleCounts(reasonRules);
    this.podClaims = new PodClaims(this.claims, this.podGroups, this.workloadClaims);
    this.decisions = new PodDecisions({
      slicing: opts.decisionSlicing ?? null,
      onBurstDecided: opts.onBurstDecided ?? null,
      sink: opts.sink,
      ruleStatus: opts.ruleStatus,
      pods: this.pods,
      podClaims: this.podClaims,
      reasonRules,
      counts: this.counts,
      clock: opts.clock,
    });
  }

  // ---- Bursts -----------------------------------------------------------------------------------

  /**
   * Applies a burst of informer events (a relist, a watch chunk) as one: claims, pools and rules are
   * updated as the events arrive, but every pod decision they call for is made once, from the state
   * after all of them. Nests; decisions are made when the outermost batch ends.
   */
  batch<T>(apply: () => T): T {
    this.beginBatch();
    try {
      return apply();
    } finally {
      this.endBatch();
    }
  }

  /** `batch` in two halves, for a burst that is delivered over several calls (a watch chunk). */
  beginBatch(list = false): void {
    this.decisions.beginBatch(list);
  }

  endBatch(): void {
    this.decisions.endBatch();
  }

  // ---- Pods -------------------------------------------------------------------------------------

  podAdded(pod: PodRecord): void {
    shareWithClaims(pod, this.claims);
    this.pods.set(pod);
    this.decisions.decide(pod);
  }

  podUpdated(old: PodRecord, cur: PodRecord): void {
    if (old.uid !== cur.uid) {
      // A missed delete (relist): the old incarnation is gone, a new one took its name.
      this.podDeleted(old);
      this.podAdded(cur);
      return;
    }
    shareWithClaims(cur, this.claims);
    this.pods.set(cur);
    // Pods change often (not least by our own DisruptionTarget patch): only scheduling and claim
    // resolution can change the decision.
    if (
      old.nodeName === cur.nodeName &&
      claimStatusesEqual(old.resourceClaimStatuses, cur.resourceClaimStatuses) &&
      old.extendedResourceClaimName === cur.extendedResourceClaimName &&
      old.podGroupName === cur.podGroupName
    ) {
      if (old.deletionTimestamp !== cur.deletionTimestamp || old.disruptionTargetSet !== cur.disruptionTargetSet)
        this.decisions.refresh(cur);
      return;
    }
    this.decisions.decide(cur);
  }

  podDeleted(pod: PodRecord): void {
    const cached = this.pods.get(pod.namespace, pod.name);
    if (cached !== undefined && cached.uid === pod.uid) this.pods.delete(pod);
    // Gone: no "Cancelling deletion" event.
    this.decisions.drop(pod, false);
  }

  // ---- PodGroups (workload claims) --------------------------------------------------------------

  podGroupAdded(group: PodGroupRecord): void {
    this.podGroups.set(`${group.namespace}/${group.name}`, group);
    this.decisions.decideGroup(group);
  }

  podGroupUpdated(_old: PodGroupRecord, cur: PodGroupRecord): void {
    this.podGroupAdded(cur);
  }

  podGroupDeleted(group: PodGroupRecord): void {
    const key = `${group.namespace}/${group.name}`;
    if (this.podGroups.get(key)?.uid === group.uid) this.podGroups.delete(key);
    this.decisions.decideGroup(group);
  }

  // ---- ResourceClaims ---------------------------------------------------------------------------

  claimAdded(claim: ClaimRecord): void {
    if (claim.allocation === null) return;
    shareWithPods(claim, this.pods);
    const entry = this.claims.set(claim, null);
    entry.eviction = this.claimEviction(entry);
    this.decisions.decideConsumers([claim]);
  }

  claimUpdated(old: ClaimRecord, cur: ClaimRecord): void {
    if (old.uid !== cur.uid) {
      this.claimDeleted(old);
      this.claimAdded(cur);
      return;
    }
    if (cur.allocation !== null) {
      shareWithPods(cur, this.pods);
      // The allocation is immutable: keep the computed eviction unless the devices differ (or the
      // claim was never seen allocated).
      const previous = this.claims.get(cur.namespace, cur.name);
      const sameDevices = previous !== undefined && old.allocation !== null && sameAllocation(previous, cur);
      const entry = this.claims.set(cur, sameDevices ? previous.eviction : null);
      if (!sameDevices) entry.eviction = this.claimEviction(entry);
    } else if (old.allocation !== null) {
      // Deallocated (pod terminated, or forced): cancel, never "fix" the cluster by evicting.
      this.claims.delete(cur.namespace, cur.name);
    } else {
      return;
    }
    this.decisions.decideConsumers(reservedForEqual(old, cur) ? [cur] : [old, cur]);
  }

  claimDeleted(claim: ClaimRecord): void {
    if (this.claims.get(claim.namespace, claim.name)?.claim.uid === claim.uid)
      this.claims.delete(claim.namespace, claim.name);
    this.decisions.decideConsumers([claim]);
  }

  // ---- ResourceSlices ---------------------------------------------------------------------------

  sliceAdded(slice: SliceRecord): void {
    this.sliceChanged(null, slice);
  }

  sliceUpdated(old: SliceRecord, cur: SliceRecord): void {
    if (poolKey(old.driver, old.pool) !== poolKey(cur.driver, cur.pool)) {
      this.sliceChanged(old, null);
      this.sliceChanged(null, cur);
      return;
    }
    this.sliceChanged(old, cur);
  }

  sliceDeleted(slice: SliceRecord): void {
    this.sliceChanged(slice, null);
  }

  private sliceChanged(old: SliceRecord | null, cur: SliceRecord | null): void {
    const slice = cur ?? old;
    if (slice === null) return;
    const key = poolKey(slice.driver, slice.pool);
    const stamped = cur !== null ? stampSlice(cur, this.pools.slice(key, cur.name), this.clock.now()) : null;
    const modified = this.pools.replace(key, old, stamped);
    if (modified.size === 0) return;
    this.reevaluateClaims(this.claims.usingDevices(slice.driver, slice.pool, modified));
  }

  // ---- DeviceTaintRules -------------------------------------------------------------------------

  ruleAdded(rule: RuleRecord): void {
    // An add for a name we already hold (a relist after a missed delete) replaces the old rule.
    const previous = this.rules.get(rule.name) ?? null;
    const stamped = this.rules.store(rule, previous?.uid === rule.uid ? previous : null, this.clock.now());
    this.rules.warnIfSelectsEverything(stamped);
    // Status first, immediately, before any pod gets evicted because of the rule.
    this.ruleStatus.enqueue(rule.name, 0);
    this.applyRuleChange(previous, stamped);
  }

  ruleUpdated(old: RuleRecord, cur: RuleRecord): void {
    if (old.uid !== cur.uid) {
      // Deliberate deviation from upstream, which ignores the UID change here (no immediate status for
      // the new rule, stale stats for the old one): a replaced rule is a delete plus an add.
      this.ruleDeleted(old);
      this.ruleAdded(cur);
      return;
    }
    const previous = this.rules.get(cur.name) ?? null;
    // Always store: status-only updates carry the conditions that pace status writes.
    const stamped = this.rules.store(cur, previous, this.clock.now());
    if (selectorsEqual(old.selector, cur.selector) && taintsEqual(old.taint, cur.taint)) return;
    this.rules.warnIfSelectsEverything(stamped);
    this.ruleStatus.enqueue(cur.name, 0);
    this.applyRuleChange(previous ?? stampRule(old, null, this.clock.now()), stamped);
  }

  ruleDeleted(rule: RuleRecord): void {
    this.counts.forgetRule(rule.uid);
    const previous = this.rules.get(rule.name);
    if (previous !== undefined && previous.uid !== rule.uid) return; // A late tombstone of an older incarnation.
    this.rules.remove(rule.name);
    this.applyRuleChange(previous ?? rule, null);
  }

  private applyRuleChange(old: RuleRecord | null, cur: RuleRecord | null): void {
    // Only claims on devices selected by the old or the new selector can change; upstream re-evaluates
    // every claim with the same outcome.
    const selectors = this.rules.replaceEvicting(old, cur);
    // No de-duplicating Set of 100k claims: a claim met again (several selected devices, or both
    // selectors) evaluates to the eviction it already got and is skipped, so the first meeting
    // decides the order, as with the Set.
    this.reevaluateClaims(this.claims.matchingWithRepeats(selectors));
  }

  // ---- Re-evaluation ----------------------------------------------------------------------------

  private claimEviction(entry: AllocatedClaim): Eviction | null {
    return claimEviction(entry, this.pools, this.rules.evicting, this.evictions, this.clock.now());
  }

  /** Recomputes the claims first, then their pods once each: pods never see half-updated claims. */
  private reevaluateClaims(claims: Iterable<AllocatedClaim>): void {
    const changed: AllocatedClaim[] = [];
    for (const allocated of claims) {
      const eviction = this.claimEviction(allocated);
      if (evictionsEqual(eviction, allocated.eviction)) continue;
      allocated.eviction = eviction;
      changed.push(allocated);
    }
    if (changed.length > 0)
      this.decisions.decideConsumers(
        changed.map((c) => c.claim),
        changed,
      );
  }

  // ---- Results from the executors ---------------------------------------------------------------

  evictionFinished(result: EvictionResult): void {
    this.decisions.finished(result);
    // Someone else removed the pod: not our eviction, not counted.
    if (result.outcome === 'gone') return;
    for (const reason of result.reasons) {
      const rule = ruleOfReason(reason);
      if (rule === null) continue;
      // Only count for rules we still know: a deleted rule's stats would otherwise leak.
      if (this.rules.get(rule.ruleName)?.uid === rule.ruleUid) this.counts.countEviction(rule.ruleUid);
      // Not immediately: the status counts from the caches, which may still show the pod.
      this.ruleStatus.enqueue(rule.ruleName, RULE_STATUS_PERIOD_MS);
    }
  }

  // ---- Rule status ------------------------------------------------------------------------------

  /** The rule's `EvictionInProgress` condition as of now (docs/behaviour.md §2.8 steps 3-4); null if unknown. */
  ruleCondition(ruleName: string): RuleCondition | null {
    const rule = this.rules.get(ruleName);
    if (rule === undefined) return null;
    let pending = { pods: 0, namespaces: 0 };
    let publishedDevices = 0;
    let allocatedDevices = 0;
    if (rule.taint.effect === NO_EXECUTE) {
      pending = this.counts.pending(rule.uid);
    } else if (rule.taint.effect === 'None') {
      pending = simulateNoExecute(rule, this.claims, this.pods, this.podClaims, this.clock.now());
      publishedDevices = rule.selector === null ? 0 : this.pools.countPublished(rule.selector);
      allocatedDevices = this.claims.countAllocatedDevices(rule.selector);
    }
    return buildRuleCondition(
      {
        effect: rule.taint.effect,
        generation: rule.generation,
        pendingPods: pending.pods,
        pendingNamespaces: pending.namespaces,
        publishedDevices,
        allocatedDevices,
        evictedPods: this.counts.evicted(rule.uid),
      },
      this.clock.now(),
    );
  }

  // ---- Read access ------------------------------------------------------------------------------

  /** Every pending eviction, e.g. to replay a restarted worker's shard. */
  pendingEvictions(): Iterable<PendingEviction> {
    return this.decisions.values();
  }

  pendingEviction(pod: PodRef): PendingEviction | undefined {
    return this.decisions.get(pod);
  }

  get pendingCount(): number {
    return this.decisions.size;
  }

  /** Cached pods that use ResourceClaims. */
  get podsUsingClaims(): number {
    return this.pods.usingClaims;
  }

  getRule(ruleName: string): RuleRecord | null {
    return this.rules.get(ruleName) ?? null;
  }

  getPod(namespace: string, name: string): PodRecord | null {
    return this.pods.get(namespace, name) ?? null;
  }

  /** Eviction of an allocated claim: `null` = untainted, `undefined` = not tracked (absent or unallocated). */
  claimEvictionOf(namespace: string, name: string): Eviction | null | undefined {
    return this.claims.get(namespace, name)?.eviction;
  }

  allocatedClaimKeys(): string[] {
    return [...this.claims.values()].map((c) => `${c.claim.namespace}/${c.claim.name}`);
  }

  /** Every stored slice (after `timeAdded` stamping), sorted by pool then name. */
  storedSlices(): SliceRecord[] {
    return this.pools.sortedSlices();
  }

  poolSnapshot(): { key: string; maxGeneration: number; slices: string[] }[] {
    return this.pools.snapshot();
  }

  /** Rule UID → pods evicted because of it since start. */
  ruleStats(): ReadonlyMap<string, number> {
    return this.counts.evictedCounts;
  }

  /**
   * What a reason stands for, in the words of an eviction log line: the device(s), the taint
   * (key=value:effect) and the rule, if any; `null` when the rule or slice is no longer known.
   */
  describeReason(reason: ReasonId): ReasonDescription | null {
    const parsed = parseReason(reason);
    if (parsed === null) return null;
    if (parsed.kind === 'rule') {
      const rule = this.rules.get(parsed.ruleName);
      if (rule === undefined || rule.uid !== parsed.ruleUid)
        return { rule: parsed.ruleName, devices: null, taint: null };
      return { rule: rule.name, devices: describeSelector(rule.selector), taint: describeTaint(rule.taint) };
    }
    const device = `${parsed.driver}/${parsed.pool}/${parsed.device}`;
    const slice = this.pools.slice(poolKey(parsed.driver, parsed.pool), parsed.sliceName);
    const taint = slice?.devices.find((d) => d.name === parsed.device)?.taints[parsed.taintIndex];
    return { rule: null, devices: device, taint: taint === undefined ? null : describeTaint(taint) };
  }

  /** Per DeviceTaintRule: pods pending eviction, pods evicted since start, devices its selector selects. */
  ruleMetrics(): RuleMetrics[] {
    const out: RuleMetrics[] = [];
    for (const rule of this.rules.values())
      out.push({
        name: rule.name,
        effect: rule.taint.effect,
        pendingPods: rule.taint.effect === NO_EXECUTE ? this.counts.pending(rule.uid).pods : 0,
        evictedPods: this.counts.evicted(rule.uid),
        devicesSelected: rule.selector === null ? 0 : this.pools.countPublished(rule.selector),
      });
    return out;
  }

  wasEvicted(uid: string): boolean {
    return this.decisions.wasEvicted(uid);
  }

  // ---- Read access for explanations (src/main/explain): what the decisions above read, unchanged --

  /** Every known rule (a `None` one too), with `timeAdded` stamped as the engine uses it. */
  knownRules(): RuleRecord[] {
    return [...this.rules.values()];
  }

  /** The rules that evict (effect NoExecute), in the order claim evaluation loops over them. */
  evictingRules(): RuleRecord[] {
    return this.rules.evicting.map((e) => e.rule);
  }

  /** The device as a current slice of its pool publishes it (taints stamped), or null. */
  publishedDevice(driver: string, pool: string, device: string): { slice: SliceRecord; device: SliceDevice } | null {
    return this.pools.published(driver, pool, device);
  }

  /** Every device in a current slice that `selector` selects (what a `None` rule's status counts). */
  publishedDevicesSelectedBy(selector: DeviceSelector | null): { slice: SliceRecord; device: SliceDevice }[] {
    return selector === null ? [] : this.pools.publishedMatching(selector);
  }

  /** The tracked (allocated) claim, or null. */
  allocatedClaim(namespace: string, name: string): ClaimRecord | null {
    return this.claims.get(namespace, name)?.claim ?? null;
  }

  /** The allocated claims with an allocation result `selector` selects. */
  claimsSelectedBy(selector: DeviceSelector | null): ClaimRecord[] {
    return [...this.claims.matching(selector)].map((c) => c.claim);
  }

  /** The pod's PodGroup as claim resolution sees it (workload claims on and the group known), or null. */
  podGroupOf(pod: PodRecord): PodGroupRecord | null {
    return this.podClaims.groupOf(pod);
  }

  /** Whether `claim` is one of the claims the pod really uses (docs/behaviour.md §2.5 steps 2–5). */
  podUsesClaim(pod: PodRecord, claim: ClaimRecord): boolean {
    return this.podClaims.usesClaim(pod, claim);
  }

  /** The dry run a `None` rule's status counts (dryRun.ts), for any known rule; null if unknown. */
  dryRunCounts(ruleName: string): { pods: number; namespaces: number } | null {
    const rule = this.rules.get(ruleName);
    if (rule === undefined) return null;
    return simulateNoExecute(rule, this.claims, this.pods, this.podClaims, this.clock.now());
  }
}
