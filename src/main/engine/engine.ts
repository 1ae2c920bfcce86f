// The decision engine (spec §2): the main thread's model of pools, allocated claims, DeviceTaintRules
// and pods, and the one place that decides which pod must be evicted when and why. Everything here is
// synchronous and free of I/O; decisions leave through two small seams:
// - `EvictionSink.schedule/cancel` for pod evictions (worker partitions execute them), and
// - `RuleStatusScheduler.enqueue` for DeviceTaintRule status refreshes.
// Results of executed evictions come back through `evictionFinished`.
//
// Compared to upstream, the handlers are incremental (claims are indexed by device, so slice and rule
// changes touch only the claims on affected devices) and recompute all affected claims before
// re-evaluating their pods, so a pod never sees a half-updated set of claims. Final states are the
// same as upstream's; the order-independence tests check that.

import {
  claimIsForPod,
  claimIsReservedForPod,
  isPodConsumer,
  isPodGroupConsumer,
  sourceClaimName,
  sourceMustCheckOwner,
} from '../../shared/claimResolution.js';
import type { Clock } from '../../shared/clock.js';
import {
  type CachedPodState,
  type EvictionResult,
  type EvictionSink,
  type PendingEviction,
  POD_HAS_DISRUPTION_TARGET,
  POD_STATE_NONE,
  POD_TERMINATING,
  type ReasonId,
} from '../../shared/decisions.js';
import { type Eviction, evictionsEqual, mergeEvictions, taintEvictionTime } from '../../shared/evictionTime.js';
import { EMPTY } from '../../shared/intern.js';
import type { Logger } from '../../shared/logger.js';
import { LruSet } from '../../shared/lruSet.js';
import { ruleOfReason, ruleReason } from '../../shared/reasons.js';
import { selectorMatchesDevice, selectorsEqual, selectsEverything } from '../../shared/selector.js';
import { stampRule, stampSlice } from '../../shared/timeAdded.js';
import { NO_EXECUTE } from '../../shared/tolerations.js';
import type {
  AllocatedDevice,
  ClaimRecord,
  DeviceSelector,
  DeviceTaint,
  DeviceToleration,
  PodClaimStatus,
  PodGroupRecord,
  PodRecord,
  PodRef,
  RuleCondition,
  RuleRecord,
  SliceRecord,
} from '../../shared/types.js';
import { podUidKey } from '../../shared/types.js';
import { type AllocatedClaim, AllocatedClaims } from './allocatedClaims.js';
import { EvictionInterner, ReasonRulesCache } from './evictionIntern.js';
import { PendingByRule } from './pendingByRule.js';
import { PendingEvictions } from './pendingEvictions.js';
import { PodCache } from './podCache.js';
import { PoolIndex, type PublishedDevice, poolKey, publishedTaintReason } from './pools.js';
import { buildRuleCondition, RULE_STATUS_PERIOD_MS } from './ruleStatus.js';
import type { RuleStatusScheduler, RuleStatusSource } from './ruleStatusUpdater.js';

/** Capacity of the evicted-UID cache (upstream `maxUIDCacheEntries`). */
export const EVICTED_PODS_CAPACITY = 500;

export interface EvictionEngineOptions {
  readonly clock: Clock;
  readonly sink: EvictionSink;
  readonly ruleStatus: RuleStatusScheduler;
  readonly log: Logger;
  /** DRAWorkloadResourceClaims: claims reserved for / owned by PodGroups. Default off. */
  readonly workloadClaims?: boolean;
}

export type { PendingEviction };

const podRefOf = (p: PodRef): PodRef => ({ namespace: p.namespace, name: p.name, uid: p.uid });

/** What the executor should know from the cache about the pod (see CachedPodState). */
const podStateOf = (pod: PodRecord): CachedPodState =>
  (pod.deletionTimestamp !== null ? POD_TERMINATING : POD_STATE_NONE) |
  (pod.disruptionTargetSet ? POD_HAS_DISRUPTION_TARGET : POD_STATE_NONE);

function claimStatusesEqual(a: readonly PodClaimStatus[], b: readonly PodClaimStatus[]): boolean {
  if (a.length !== b.length) return false;
  return a.every((s, i) => s.name === b[i]!.name && s.resourceClaimName === b[i]!.resourceClaimName);
}

function reservedForEqual(a: ClaimRecord, b: ClaimRecord): boolean {
  if (a.reservedFor.length !== b.reservedFor.length) return false;
  return a.reservedFor.every((r, i) => {
    const o = b.reservedFor[i]!;
    return r.apiGroup === o.apiGroup && r.resource === o.resource && r.name === o.name && r.uid === o.uid;
  });
}

const taintsEqual = (a: DeviceTaint, b: DeviceTaint): boolean =>
  a.key === b.key && a.value === b.value && a.effect === b.effect && a.timeAdded === b.timeAdded;

function sameReasons(a: readonly ReasonId[], b: readonly ReasonId[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** An evicting rule with its reason id, built once per rule change instead of once per claim. */
interface EvictingRule {
  readonly rule: RuleRecord;
  readonly reason: ReasonId;
}

export class EvictionEngine implements RuleStatusSource {
  private readonly clock: Clock;
  private readonly sink: EvictionSink;
  private readonly ruleStatus: RuleStatusScheduler;
  private readonly log: Logger;
  private readonly workloadClaims: boolean;

  private readonly pools = new PoolIndex();
  private readonly claims = new AllocatedClaims();
  private readonly pods = new PodCache();
  private readonly podGroups = new Map<string, PodGroupRecord>();
  /** Every known rule by name (the status needs None rules too), with `timeAdded` stamped. */
  private readonly rules = new Map<string, RuleRecord>();
  /** Rules with effect NoExecute, by name. */
  private readonly evictingRules = new Map<string, RuleRecord>();
  /** `evictingRules` in the same order with their reasons: what claimEviction loops over. */
  private evictingRuleList: readonly EvictingRule[] = [];
  private readonly evictions = new EvictionInterner();
  private readonly reasonRules = new ReasonRulesCache();
  /**
   * Rules whose status refresh was already requested in the running batch of pod evaluations: a rule
   * change re-evaluates 100k pods and would ask 100k times for the same idempotent refresh.
   */
  private statusRequested: Set<string> | null = null;
  /**
   * Inside `batch`: pods whose decision is owed once the burst is applied (by pod incarnation key), or
   * null outside a batch. A burst can pass through states the cluster never had (a relist removing
   * several slices of a pool, one by one; a taint added and removed in one watch chunk): deciding only
   * at its end means no schedule, and no "Cancelling deletion", for a state that never existed.
   */
  private owedDecisions: Map<string, PodRef> | null = null;
  private batchDepth = 0;
  /** Source of truth for pending evictions, by pod incarnation. */
  private readonly deletePodAt = new PendingEvictions<PendingEviction>();
  private readonly evictedPods = new LruSet<string>(EVICTED_PODS_CAPACITY);
  /** Rule UID → pods evicted because of it since start. */
  private readonly taintRuleStats = new Map<string, number>();
  private readonly pendingByRule = new PendingByRule();
  /**
   * `deletePodAt` entries whose pod had a deletionTimestamp when last seen: they are not counted in
   * `pendingByRule`. Every other entry counts under the rules of its reasons.
   */
  private readonly terminatingPods = new Set<PendingEviction>();
  /** Rule name → `uid/generation` for which the select-everything warning was logged. */
  private readonly warnedSelectors = new Map<string, string>();

  constructor(opts: EvictionEngineOptions) {
    this.clock = opts.clock;
    this.sink = opts.sink;
    this.ruleStatus = opts.ruleStatus;
    this.log = opts.log;
    this.workloadClaims = opts.workloadClaims ?? false;
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
  beginBatch(): void {
    if (this.batchDepth === 0) this.owedDecisions = new Map();
    this.batchDepth++;
  }

  endBatch(): void {
    if (this.batchDepth === 0) return;
    this.batchDepth--;
    if (this.batchDepth === 0) this.decideOwed();
  }

  private decideOwed(): void {
    const owed = this.owedDecisions;
    this.owedDecisions = null;
    if (owed === null || owed.size === 0) return;
    this.statusRequested = new Set();
    try {
      for (const ref of owed.values()) {
        const pod = this.pods.get(ref.namespace, ref.name);
        // Deleted (or replaced) during the burst: its pending eviction went with it.
        if (pod !== undefined && pod.uid === ref.uid) this.handlePod(pod);
      }
    } finally {
      this.statusRequested = null;
    }
  }

  // ---- Pods -------------------------------------------------------------------------------------

  podAdded(pod: PodRecord): void {
    this.pods.set(pod);
    this.handlePod(pod);
  }

  podUpdated(old: PodRecord, cur: PodRecord): void {
    if (old.uid !== cur.uid) {
      // A missed delete (relist): the old incarnation is gone, a new one took its name.
      this.podDeleted(old);
      this.podAdded(cur);
      return;
    }
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
        this.refreshPending(cur);
      return;
    }
    this.handlePod(cur);
  }

  podDeleted(pod: PodRecord): void {
    const cached = this.pods.get(pod.namespace, pod.name);
    if (cached !== undefined && cached.uid === pod.uid) this.pods.delete(pod);
    // Gone: no "Cancelling deletion" event.
    this.dropEviction(pod, false);
  }

  // ---- PodGroups (workload claims) --------------------------------------------------------------

  podGroupAdded(group: PodGroupRecord): void {
    this.podGroups.set(`${group.namespace}/${group.name}`, group);
    this.handleGroupPods(group);
  }

  podGroupUpdated(_old: PodGroupRecord, cur: PodGroupRecord): void {
    this.podGroupAdded(cur);
  }

  podGroupDeleted(group: PodGroupRecord): void {
    const key = `${group.namespace}/${group.name}`;
    if (this.podGroups.get(key)?.uid === group.uid) this.podGroups.delete(key);
    this.handleGroupPods(group);
  }

  // ---- ResourceClaims ---------------------------------------------------------------------------

  claimAdded(claim: ClaimRecord): void {
    if (claim.allocation === null) return;
    const entry = this.claims.set(claim, null);
    entry.eviction = this.claimEviction(entry);
    this.handlePodsOf([claim]);
  }

  claimUpdated(old: ClaimRecord, cur: ClaimRecord): void {
    if (old.uid !== cur.uid) {
      this.claimDeleted(old);
      this.claimAdded(cur);
      return;
    }
    if (cur.allocation !== null) {
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
    this.handlePodsOf(reservedForEqual(old, cur) ? [cur] : [old, cur]);
  }

  claimDeleted(claim: ClaimRecord): void {
    if (this.claims.get(claim.namespace, claim.name)?.claim.uid === claim.uid)
      this.claims.delete(claim.namespace, claim.name);
    this.handlePodsOf([claim]);
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

  // ---- DeviceTaintRules -------------------------------------------------------------------------

  ruleAdded(rule: RuleRecord): void {
    // An add for a name we already hold (a relist after a missed delete) replaces the old rule.
    const previous = this.rules.get(rule.name) ?? null;
    const stamped = stampRule(rule, previous?.uid === rule.uid ? previous : null, this.clock.now());
    this.rules.set(rule.name, stamped);
    this.warnIfSelectsEverything(stamped);
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
    const stamped = stampRule(cur, previous, this.clock.now());
    // Always store: status-only updates carry the conditions that pace status writes.
    this.rules.set(cur.name, stamped);
    if (selectorsEqual(old.selector, cur.selector) && taintsEqual(old.taint, cur.taint)) return;
    this.warnIfSelectsEverything(stamped);
    this.ruleStatus.enqueue(cur.name, 0);
    this.applyRuleChange(previous ?? stampRule(old, null, this.clock.now()), stamped);
  }

  ruleDeleted(rule: RuleRecord): void {
    this.taintRuleStats.delete(rule.uid);
    const previous = this.rules.get(rule.name);
    if (previous !== undefined && previous.uid !== rule.uid) return; // A late tombstone of an older incarnation.
    this.rules.delete(rule.name);
    this.warnedSelectors.delete(rule.name);
    this.applyRuleChange(previous ?? rule, null);
  }

  // ---- Results from the executors ---------------------------------------------------------------

  evictionFinished(result: EvictionResult): void {
    const entry = this.deletePodAt.get(result.pod);
    // A schedule that changed while the eviction ran is newer than this result and must survive.
    if (entry !== undefined && entry.fireAt === result.fireAt) {
      this.deletePodAt.delete(result.pod);
      this.uncount(entry);
    }
    this.evictedPods.add(result.pod.uid);
    // Someone else removed the pod: not our eviction, not counted.
    if (result.outcome === 'gone') return;
    for (const reason of result.reasons) {
      const rule = ruleOfReason(reason);
      if (rule === null) continue;
      // Only count for rules we still know: a deleted rule's stats would otherwise leak.
      if (this.rules.get(rule.ruleName)?.uid === rule.ruleUid)
        this.taintRuleStats.set(rule.ruleUid, (this.taintRuleStats.get(rule.ruleUid) ?? 0) + 1);
      // Not immediately: the status counts from the caches, which may still show the pod.
      this.ruleStatus.enqueue(rule.ruleName, RULE_STATUS_PERIOD_MS);
    }
  }

  // ---- Read access ------------------------------------------------------------------------------

  /** Every pending eviction, e.g. to replay a restarted worker's shard. */
  pendingEvictions(): Iterable<PendingEviction> {
    return this.deletePodAt.values();
  }

  pendingEviction(pod: PodRef): PendingEviction | undefined {
    return this.deletePodAt.get(pod);
  }

  get pendingCount(): number {
    return this.deletePodAt.size;
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
    return [...this.pools.slices()].sort((a, b) =>
      a.driver !== b.driver
        ? a.driver < b.driver
          ? -1
          : 1
        : a.pool !== b.pool
          ? a.pool < b.pool
            ? -1
            : 1
          : a.name < b.name
            ? -1
            : a.name > b.name
              ? 1
              : 0,
    );
  }

  poolSnapshot(): { key: string; maxGeneration: number; slices: string[] }[] {
    return this.pools.snapshot();
  }

  /** Rule UID → pods evicted because of it since start. */
  ruleStats(): ReadonlyMap<string, number> {
    return this.taintRuleStats;
  }

  wasEvicted(uid: string): boolean {
    return this.evictedPods.has(uid);
  }

  /** The rule's `EvictionInProgress` condition as of now (spec §2.8 steps 3-4); null for unknown rules. */
  ruleCondition(ruleName: string): RuleCondition | null {
    const rule = this.rules.get(ruleName);
    if (rule === undefined) return null;
    let pending = { pods: 0, namespaces: 0 };
    let publishedDevices = 0;
    let allocatedDevices = 0;
    if (rule.taint.effect === NO_EXECUTE) {
      pending = this.pendingByRule.counts(rule.uid);
    } else if (rule.taint.effect === 'None') {
      pending = this.simulateNoExecute(rule);
      publishedDevices = this.countPublishedDevices(rule);
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
        evictedPods: this.taintRuleStats.get(rule.uid) ?? 0,
      },
      this.clock.now(),
    );
  }

  // ---- Decisions --------------------------------------------------------------------------------

  /** Eviction of one allocated claim from slice taints and evicting rules (spec §2.3, §2.5). */
  private claimEviction(entry: AllocatedClaim): Eviction | null {
    const allocation = entry.claim.allocation;
    if (allocation === null) return null;
    const published = this.publishedDevicesOf(entry);
    let when = Number.POSITIVE_INFINITY;
    // Nearly every claim has at most one reason: no array unless there are more.
    let first: ReasonId | null = null;
    let more: ReasonId[] | null = null;
    const now = this.clock.now();
    const rules = this.evictingRuleList;
    for (let i = 0; i < allocation.length; i++) {
      const allocated = allocation[i] as AllocatedDevice;
      const device = Array.isArray(published) ? (published[i] ?? null) : published;
      if (device !== null) {
        const taints = device.device.taints;
        for (let index = 0; index < taints.length; index++) {
          const taint = taints[index] as DeviceTaint;
          if (taint.effect !== NO_EXECUTE) continue;
          const at = taintEvictionTime(taint, allocated.tolerations, now);
          if (at === null) continue;
          if (at < when) when = at;
          const reason = publishedTaintReason(device, index);
          if (first === null) first = reason;
          else if (more === null) more = [first, reason];
          else more.push(reason);
        }
      }
      // Rules apply to the allocated device even when no slice publishes it any more.
      for (const { rule, reason } of rules) {
        if (!selectorMatchesDevice(rule.selector, allocated.driver, allocated.pool, allocated.device)) continue;
        const at = taintEvictionTime(rule.taint, allocated.tolerations, now);
        if (at === null) continue;
        if (at < when) when = at;
        if (first === null) first = reason;
        else if (more === null) more = [first, reason];
        else more.push(reason);
      }
    }
    if (first === null) return null;
    return more === null ? this.evictions.single(when, first) : this.evictions.eviction(when, more);
  }

  /** Eviction of one pod: the union over the claims it really uses (spec §2.5 podEviction). */
  private podEviction(pod: PodRecord, hint: AllocatedClaim | null): Eviction | null {
    if (pod.nodeName === '') return null;
    const group = this.groupOf(pod);
    let eviction: Eviction | null = null;
    // The claims of podClaimReferences, in its order, without building the reference list.
    for (const source of pod.resourceClaims) {
      const claimName = sourceClaimName(pod, source, group, this.workloadClaims);
      if (claimName !== null)
        eviction = this.withClaimEviction(eviction, pod, claimName, sourceMustCheckOwner(source), group, hint);
    }
    if (pod.extendedResourceClaimName !== null)
      eviction = this.withClaimEviction(eviction, pod, pod.extendedResourceClaimName, true, group, hint);
    return eviction;
  }

  private withClaimEviction(
    eviction: Eviction | null,
    pod: PodRecord,
    claimName: string,
    mustCheckOwner: boolean,
    group: PodGroupRecord | null,
    hint: AllocatedClaim | null,
  ): Eviction | null {
    const allocated =
      hint !== null && hint.claim.name === claimName && hint.claim.namespace === pod.namespace
        ? hint
        : this.claims.get(pod.namespace, claimName);
    if (allocated === undefined || allocated.eviction === null) return eviction;
    if (!this.claimBelongsToPod(pod, allocated.claim, mustCheckOwner, group)) return eviction;
    return mergeEvictions(eviction, allocated.eviction);
  }

  private claimBelongsToPod(
    pod: PodRecord,
    claim: ClaimRecord,
    mustCheckOwner: boolean,
    group: PodGroupRecord | null,
  ): boolean {
    if (mustCheckOwner && !claimIsForPod(pod, claim, group, this.workloadClaims)) return false;
    // A same-name replacement pod must not inherit the old incarnation's claim.
    return claimIsReservedForPod(pod, claim, group, this.workloadClaims);
  }

  private groupOf(pod: PodRecord): PodGroupRecord | null {
    if (!this.workloadClaims || pod.podGroupName === null) return null;
    return this.podGroups.get(`${pod.namespace}/${pod.podGroupName}`) ?? null;
  }

  /**
   * Decides for one pod. `hint`: a tracked claim entry the pod may use, which saves looking it up
   * (see handlePodsOf). No per-pod logging here: a rule change schedules 100k pods in one handler
   * call, and the executors log what they do with each pod anyway.
   */
  private handlePod(pod: PodRecord, hint: AllocatedClaim | null = null): void {
    if (this.owedDecisions !== null) {
      this.owedDecisions.set(podUidKey(pod), pod);
      return;
    }
    const eviction = this.podEviction(pod, hint);
    if (eviction === null) {
      this.dropEviction(pod, true);
      return;
    }
    // Already evicted (the delete event may not have arrived yet): nothing left to do for this UID.
    if (this.evictedPods.has(pod.uid)) return;
    const existing = this.deletePodAt.get(pod);
    const rules = this.reasonRules.of(eviction.reasons);
    const podState = podStateOf(pod);
    if (
      existing === undefined ||
      existing.fireAt !== eviction.when ||
      !sameReasons(existing.reasons, eviction.reasons) ||
      (existing.podState ?? POD_STATE_NONE) !== podState
    ) {
      // Same incarnation (namespace, name and UID): a reschedule keeps the PodRef it already has.
      const entry: PendingEviction =
        podState === POD_STATE_NONE
          ? { pod: existing?.pod ?? podRefOf(pod), fireAt: eviction.when, reasons: eviction.reasons }
          : { pod: existing?.pod ?? podRefOf(pod), fireAt: eviction.when, reasons: eviction.reasons, podState };
      this.deletePodAt.set(entry);
      this.recount(existing, entry, rules.uids, pod.deletionTimestamp !== null);
      this.sink.schedule(entry.pod, entry.fireAt, entry.reasons, podState);
    }
    // More pod changes may follow: refresh the status of the rules involved a bit later.
    const requested = this.statusRequested;
    for (const ruleName of rules.names) {
      if (requested !== null) {
        if (requested.has(ruleName)) continue;
        requested.add(ruleName);
      }
      this.ruleStatus.enqueue(ruleName, RULE_STATUS_PERIOD_MS);
    }
  }

  private dropEviction(pod: PodRef, podStillExists: boolean): void {
    const existing = this.deletePodAt.get(pod);
    if (existing === undefined) return;
    this.deletePodAt.delete(pod);
    this.uncount(existing);
    this.sink.cancel(existing.pod, podStillExists);
  }

  /**
   * Moves a pod in `pendingByRule` from what its `previous` entry counted under to `next` (which
   * replaces it, or is it) counting under `ruleUids`, or under nothing while `terminating`.
   */
  private recount(
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

  private uncount(entry: PendingEviction): void {
    if (this.terminatingPods.delete(entry)) return;
    this.pendingByRule.remove(entry.pod.namespace, this.reasonRules.of(entry.reasons).uids);
  }

  /** The pod's cached state changed, not its decision: tell the executor, and recount. */
  private refreshPending(pod: PodRecord): void {
    const entry = this.deletePodAt.get(pod);
    if (entry === undefined) return;
    if (this.owedDecisions !== null) {
      // The decision made at the end of the burst refreshes the cached state too.
      this.owedDecisions.set(podUidKey(pod), pod);
      return;
    }
    const podState = podStateOf(pod);
    const next: PendingEviction =
      podState === POD_STATE_NONE
        ? { pod: entry.pod, fireAt: entry.fireAt, reasons: entry.reasons }
        : { pod: entry.pod, fireAt: entry.fireAt, reasons: entry.reasons, podState };
    this.deletePodAt.set(next);
    // A pod already being deleted is no longer "pending" for the rule status.
    this.recount(entry, next, this.reasonRules.of(entry.reasons).uids, pod.deletionTimestamp !== null);
    if ((entry.podState ?? POD_STATE_NONE) !== podState)
      this.sink.schedule(next.pod, next.fireAt, next.reasons, podState);
  }

  /**
   * handlePods: re-evaluates every pod that consumes one of `claims` (each pod once). `entries`, when
   * given, are the live tracked entries of `claims` (same index): each pod gets the entry it was found
   * through, so that evaluating it needs no lookup of that claim.
   */
  private handlePodsOf(claims: readonly ClaimRecord[], entries: readonly AllocatedClaim[] | null = null): void {
    // The cache holds one record per pod, so record identity is pod identity: no key strings needed.
    const consumers = new Map<PodRecord, AllocatedClaim | null>();
    for (let i = 0; i < claims.length; i++) {
      const claim = claims[i] as ClaimRecord;
      const hint = entries === null ? null : (entries[i] ?? null);
      for (const consumer of claim.reservedFor) {
        if (isPodConsumer(consumer)) {
          const pod = this.pods.get(claim.namespace, consumer.name);
          // Continue (not return, an old upstream bug) when a consumer is missing or replaced.
          if (pod !== undefined && pod.uid === consumer.uid && !consumers.has(pod)) consumers.set(pod, hint);
        } else if (this.workloadClaims && isPodGroupConsumer(consumer)) {
          for (const pod of this.pods.inGroup(claim.namespace, consumer.name))
            if (!consumers.has(pod)) consumers.set(pod, hint);
        }
      }
    }
    if (consumers.size === 1) {
      for (const [pod, hint] of consumers) this.handlePod(pod, hint);
      return;
    }
    this.statusRequested = new Set();
    try {
      for (const [pod, hint] of consumers) this.handlePod(pod, hint);
    } finally {
      this.statusRequested = null;
    }
  }

  private handleGroupPods(group: PodGroupRecord): void {
    if (!this.workloadClaims) return;
    for (const pod of this.pods.inGroup(group.namespace, group.name)) this.handlePod(pod);
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

  private applyRuleChange(old: RuleRecord | null, cur: RuleRecord | null): void {
    // Only claims on devices selected by the old or the new selector can change; upstream re-evaluates
    // every claim with the same outcome.
    const selectors: (DeviceSelector | null)[] = [];
    if (old !== null && old.taint.effect === NO_EXECUTE) {
      if (this.evictingRules.get(old.name)?.uid === old.uid) this.evictingRules.delete(old.name);
      selectors.push(old.selector);
    }
    if (cur !== null && cur.taint.effect === NO_EXECUTE) {
      this.evictingRules.set(cur.name, cur);
      selectors.push(cur.selector);
    }
    this.evictingRuleList = [...this.evictingRules.values()].map((rule) => ({
      rule,
      reason: ruleReason(rule.name, rule.uid),
    }));
    // No de-duplicating Set of 100k claims: a claim met again (several selected devices, or both
    // selectors) evaluates to the eviction it already got and is skipped, so the first meeting
    // decides the order, as with the Set.
    this.reevaluateClaims(this.claims.matchingWithRepeats(selectors));
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
      this.handlePodsOf(
        changed.map((c) => c.claim),
        changed,
      );
  }

  /** The claim's published devices (see AllocatedClaim.published), looked up again only after a slice change. */
  private publishedDevicesOf(allocated: AllocatedClaim): PublishedDevice | null | (PublishedDevice | null)[] {
    const version = this.pools.version;
    if (allocated.publishedVersion === version) return allocated.published;
    const allocation = allocated.claim.allocation ?? EMPTY;
    const published =
      allocation.length === 1
        ? this.pools.lookup(allocation[0]!.driver, allocation[0]!.pool, allocation[0]!.device)
        : allocation.map((d) => this.pools.lookup(d.driver, d.pool, d.device));
    allocated.published = published;
    allocated.publishedVersion = version;
    return published;
  }

  private warnIfSelectsEverything(rule: RuleRecord): void {
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

  // ---- None-effect dry run (spec §2.8 step 3) ---------------------------------------------------

  /**
   * Pods (and their namespaces) that would be pending eviction if `rule` had effect NoExecute. Instead
   * of upstream's simulation on a copy of all claims, only the claims on selected devices are looked
   * at: the rule is among a claim's reasons exactly when one of its selected devices does not tolerate
   * the rule's taint forever, and among a pod's reasons when such a claim belongs to the pod.
   */
  private simulateNoExecute(rule: RuleRecord): { pods: number; namespaces: number } {
    const taint: DeviceTaint = { ...rule.taint, effect: NO_EXECUTE };
    const selector = rule.selector;
    const now = this.clock.now();
    // Whether a toleration list lets the taint evict does not depend on time: many claims share one
    // list (or have none), so remember the verdict of the last list seen.
    let lastTolerations: readonly DeviceToleration[] | null = null;
    let lastEvicts = false;
    const pods = new Set<PodRecord>();
    const namespaces = new Set<string>();
    // A claim met twice (several selected devices) finds its pods counted already.
    for (const allocated of this.claims.matchingWithRepeats([selector])) {
      const claim = allocated.claim;
      let affected = false;
      for (const d of claim.allocation ?? EMPTY) {
        if (!selectorMatchesDevice(selector, d.driver, d.pool, d.device)) continue;
        if (d.tolerations !== lastTolerations) {
          lastTolerations = d.tolerations;
          lastEvicts = taintEvictionTime(taint, d.tolerations, now) !== null;
        }
        if (lastEvicts) {
          affected = true;
          break;
        }
      }
      if (!affected) continue;
      for (const consumer of claim.reservedFor) {
        if (isPodConsumer(consumer)) {
          const pod = this.pods.get(claim.namespace, consumer.name);
          if (pod !== undefined && pod.uid === consumer.uid) this.countIfPending(pod, claim, pods, namespaces);
        } else if (this.workloadClaims && isPodGroupConsumer(consumer)) {
          for (const pod of this.pods.inGroup(claim.namespace, consumer.name))
            this.countIfPending(pod, claim, pods, namespaces);
        }
      }
    }
    return { pods: pods.size, namespaces: namespaces.size };
  }

  private countIfPending(pod: PodRecord, claim: ClaimRecord, pods: Set<PodRecord>, namespaces: Set<string>): void {
    if (pod.deletionTimestamp !== null || pod.nodeName === '') return;
    // The cache holds one record per pod: record identity is pod identity.
    if (pods.has(pod) || !this.podUsesClaim(pod, claim)) return;
    pods.add(pod);
    namespaces.add(pod.namespace);
  }

  private podUsesClaim(pod: PodRecord, claim: ClaimRecord): boolean {
    if (claim.namespace !== pod.namespace) return false;
    const group = this.groupOf(pod);
    for (const source of pod.resourceClaims)
      if (
        sourceClaimName(pod, source, group, this.workloadClaims) === claim.name &&
        this.claimBelongsToPod(pod, claim, sourceMustCheckOwner(source), group)
      )
        return true;
    return pod.extendedResourceClaimName === claim.name && this.claimBelongsToPod(pod, claim, true, group);
  }

  private countPublishedDevices(rule: RuleRecord): number {
    return rule.selector === null ? 0 : this.pools.countPublished(rule.selector);
  }
}

function sameAllocation(previous: AllocatedClaim, cur: ClaimRecord): boolean {
  const a = previous.claim.allocation ?? [];
  const b = cur.allocation ?? [];
  if (a.length !== b.length) return false;
  return a.every((d, i) => d.driver === b[i]!.driver && d.pool === b[i]!.pool && d.device === b[i]!.device);
}
