// Deciding for pods (docs/behaviour.md §2.6 handlePod): from a pod's eviction to the engine's
// `deletePodAt` (the source of truth for pending evictions) and the sink — schedule, reschedule,
// cancel with or without "Cancelling deletion" — with the rule-condition counts kept in step and
// status refreshes requested for the rules involved. Also the fan-out from changed claims to the pods
// that consume them (upstream handlePods), and bursts: inside a batch, decisions are owed and made
// once, from the state after the whole burst.

import { isPodConsumer, isPodGroupConsumer } from '../../shared/claimResolution.js';
import type { Clock } from '../../shared/clock.js';
import {
  type CachedPodState,
  EVICTED_PODS_CAPACITY,
  type EvictionResult,
  type EvictionSink,
  type PendingEviction,
  POD_HAS_DISRUPTION_TARGET,
  POD_STATE_NONE,
  POD_TERMINATING,
} from '../../shared/decisions.js';
import { LruSet } from '../../shared/lruSet.js';
import type { ClaimRecord, PodGroupRecord, PodRecord, PodRef } from '../../shared/types.js';
import type { AllocatedClaim } from './allocatedClaims.js';
import { sameReasons } from './equality.js';
import type { ReasonRulesCache } from './evictionIntern.js';
import { OwedDecisions } from './owedDecisions.js';
import { PendingEvictions } from './pendingEvictions.js';
import type { PodCache } from './podCache.js';
import type { PodClaims } from './podClaims.js';
import type { RuleCounts } from './ruleCounts.js';
import { RULE_STATUS_PERIOD_MS } from './ruleStatus.js';
import type { RuleStatusScheduler } from './ruleStatusUpdater.js';

/**
 * True when the cached pod state gained only the DisruptionTarget condition, for an eviction due at or
 * before `now`: that condition is the eviction's own first write, seen back through the watch.
 */
function echoOfOwnCondition(before: CachedPodState, after: CachedPodState, fireAt: number, now: number): boolean {
  return fireAt <= now && after === (before | POD_HAS_DISRUPTION_TARGET) && before !== after;
}

const podRefOf = (p: PodRef): PodRef => ({ namespace: p.namespace, name: p.name, uid: p.uid });

/** What the executor should know from the cache about the pod (see CachedPodState). */
const podStateOf = (pod: PodRecord): CachedPodState =>
  (pod.deletionTimestamp !== null ? POD_TERMINATING : POD_STATE_NONE) |
  (pod.disruptionTargetSet ? POD_HAS_DISRUPTION_TARGET : POD_STATE_NONE);

/**
 * How the decisions owed at the end of a large burst are spread over event-loop turns: after `sliceMs`
 * of deciding, the rest waits for `defer` (setImmediate in the controller). Without it (tests, tools)
 * a burst's decisions are all made when it ends.
 */
export interface DecisionSlicing {
  readonly sliceMs: number;
  readonly defer: (fn: () => void) => void;
}

export interface PodDecisionsOptions {
  readonly slicing?: DecisionSlicing | null;
  /**
   * Called when a burst's decisions are all made, with how many schedule/cancel ops they sent and when
   * (performance.now()) the burst began: a taint storm's time from its event to its last op.
   */
  readonly onBurstDecided?: ((ops: number, startedAt: number) => void) | null;
  readonly sink: EvictionSink;
  readonly ruleStatus: RuleStatusScheduler;
  readonly pods: PodCache;
  readonly podClaims: PodClaims;
  readonly reasonRules: ReasonRulesCache;
  readonly counts: RuleCounts;
  readonly clock: Clock;
}

export class PodDecisions {
  /** Source of truth for pending evictions, by pod incarnation. */
  private readonly deletePodAt = new PendingEvictions<PendingEviction>();
  private readonly evictedPods = new LruSet<string>(EVICTED_PODS_CAPACITY);
  /**
   * Rules whose status refresh was already requested in the running batch of pod evaluations: a rule
   * change re-evaluates 100k pods and would ask 100k times for the same idempotent refresh.
   */
  private statusRequested: Set<string> | null = null;
  /**
   * Inside a batch: pods whose decision is owed once the burst is applied (by pod incarnation key), or
   * null outside a batch. A burst can pass through states the cluster never had (a relist removing
   * several slices of a pool, one by one; a taint added and removed in one watch chunk): deciding only
   * at its end means no schedule, and no "Cancelling deletion", for a state that never existed.
   */
  private owedDecisions: OwedDecisions | null = null;
  /**
   * Decisions owed by bursts that have ended, still to be made (sliced: see DecisionSlicing). Made only
   * while no burst is open: a burst that begins meanwhile takes them over, so they are decided from
   * the state after it, never from a half-applied one.
   */
  private pendingOwed: OwedDecisions | null = null;
  private drainScheduled = false;
  private batchDepth = 0;
  private readonly slicing: DecisionSlicing | null;
  private readonly onBurstDecided: ((ops: number, startedAt: number) => void) | null;
  /** Ops sent to the sink since the running burst began, and when it began. */
  private burstOps = 0;
  private burstStartedAt = 0;
  /** A list's burst is (or was merged into) the running one: its decisions may be sliced. */
  private burstFromList = false;

  private readonly sink: EvictionSink;
  private readonly ruleStatus: RuleStatusScheduler;
  private readonly pods: PodCache;
  private readonly podClaims: PodClaims;
  private readonly reasonRules: ReasonRulesCache;
  private readonly counts: RuleCounts;
  private readonly clock: Clock;

  constructor(o: PodDecisionsOptions) {
    this.slicing = o.slicing ?? null;
    this.onBurstDecided = o.onBurstDecided ?? null;
    this.sink = o.sink;
    this.ruleStatus = o.ruleStatus;
    this.pods = o.pods;
    this.podClaims = o.podClaims;
    this.reasonRules = o.reasonRules;
    this.counts = o.counts;
    this.clock = o.clock;
  }

  // ---- Bursts -----------------------------------------------------------------------------------

  /**
   * `list`: the burst applies a list (sync, relist), whose owed decisions are sliced (DecisionSlicing);
   * a watch chunk's (a rule flip, a taint storm) are made at once, so that its ops reach the workers
   * in one flush, unless a list's burst is merged with it.
   */
  beginBatch(list = false): void {
    if (this.batchDepth === 0) {
      if (this.pendingOwed === null) {
        this.burstOps = 0;
        this.burstStartedAt = performance.now();
        this.burstFromList = false;
      }
      this.owedDecisions = this.pendingOwed ?? new OwedDecisions();
      this.pendingOwed = null;
    }
    if (list) this.burstFromList = true;
    this.batchDepth++;
  }

  endBatch(): void {
    if (this.batchDepth === 0) return;
    this.batchDepth--;
    if (this.batchDepth > 0) return;
    const owed = this.owedDecisions;
    this.owedDecisions = null;
    if (owed !== null && owed.size > 0) this.pendingOwed = owed;
    else this.burstDecided();
    this.decideOwed();
  }

  private burstDecided(): void {
    if (this.burstOps > 0) this.onBurstDecided?.(this.burstOps, this.burstStartedAt);
    this.burstOps = 0;
  }

  /** Decisions owed by ended bursts and not made yet (sliced decisions still running). */
  get owedCount(): number {
    return (this.pendingOwed?.size ?? 0) + (this.owedDecisions?.size ?? 0);
  }

  private decideOwed(): void {
    const owed = this.pendingOwed;
    if (owed === null || this.batchDepth > 0) return;
    const slicing = this.burstFromList ? this.slicing : null;
    const started = slicing === null ? 0 : performance.now();
    let n = 0;
    this.statusRequested = new Set();
    try {
      for (let ref = owed.take(); ref !== undefined; ref = owed.take()) {
        const pod = this.pods.get(ref.namespace, ref.name);
        // Deleted (or replaced) during the burst: its pending eviction went with it.
        if (pod !== undefined && pod.uid === ref.uid) this.decide(pod);
        // The clock is read every 64 decisions, out of the way of the decisions themselves.
        if (slicing !== null && (++n & 63) === 0 && performance.now() - started >= slicing.sliceMs) break;
      }
    } finally {
      this.statusRequested = null;
    }
    if (owed.size === 0) {
      if (this.pendingOwed === owed) this.pendingOwed = null;
      this.burstDecided();
      return;
    }
    if (slicing === null || this.drainScheduled) return;
    this.drainScheduled = true;
    slicing.defer(() => {
      this.drainScheduled = false;
      this.decideOwed();
    });
  }

  // ---- Decisions --------------------------------------------------------------------------------

  /**
   * Decides for one pod. `hint`: a tracked claim entry the pod may use, which saves looking it up
   * (see decideConsumers). No per-pod logging here: a rule change schedules 100k pods in one handler
   * call, and the executors log what they do with each pod anyway.
   */
  decide(pod: PodRecord, hint: AllocatedClaim | null = null): void {
    if (this.owedDecisions !== null) {
      this.owedDecisions.owe(pod);
      return;
    }
    const eviction = this.podClaims.eviction(pod, hint);
    if (eviction === null) {
      this.drop(pod, true);
      return;
    }
    // Already evicted (the delete event may not have arrived yet): nothing left to do for this UID.
    if (this.evictedPods.has(pod.uid)) return;
    const existing = this.deletePodAt.get(pod);
    const rules = this.reasonRules.of(eviction.reasons);
    const podState = podStateOf(pod);
    const before = existing?.podState ?? POD_STATE_NONE;
    const sameDecision =
      existing !== undefined && existing.fireAt === eviction.when && sameReasons(existing.reasons, eviction.reasons);
    if (sameDecision && echoOfOwnCondition(before, podState, existing.fireAt, this.clock.now())) {
      // The DisruptionTarget condition of an eviction already due: its own status patch coming back.
      // Its worker runs or ran it; a new schedule would reach it after the run, when (past upstream's
      // 500 remembered evictions, in a storm) it may no longer know the pod: a second DELETE, answered
      // 404. Kept for a replay after a worker restart, not sent.
      this.deletePodAt.set({ ...existing, podState });
    } else if (!sameDecision || before !== podState) {
      // Same incarnation (namespace, name and UID): a reschedule keeps the PodRef it already has.
      const entry: PendingEviction =
        podState === POD_STATE_NONE
          ? { pod: existing?.pod ?? podRefOf(pod), fireAt: eviction.when, reasons: eviction.reasons }
          : { pod: existing?.pod ?? podRefOf(pod), fireAt: eviction.when, reasons: eviction.reasons, podState };
      this.deletePodAt.set(entry);
      this.counts.recount(existing, entry, rules.uids, pod.deletionTimestamp !== null);
      this.burstOps++;
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

  /** Cancels the pod's pending eviction, with "Cancelling deletion" when it still exists. */
  drop(pod: PodRef, podStillExists: boolean): void {
    const existing = this.deletePodAt.get(pod);
    if (existing === undefined) return;
    this.deletePodAt.delete(pod);
    this.counts.uncount(existing);
    this.burstOps++;
    this.sink.cancel(existing.pod, podStillExists);
  }

  /** The pod's cached state changed, not its decision: tell the executor, and recount. */
  refresh(pod: PodRecord): void {
    const entry = this.deletePodAt.get(pod);
    if (entry === undefined) return;
    if (this.owedDecisions !== null) {
      // The decision made at the end of the burst refreshes the cached state too.
      this.owedDecisions.owe(pod);
      return;
    }
    const podState = podStateOf(pod);
    const next: PendingEviction =
      podState === POD_STATE_NONE
        ? { pod: entry.pod, fireAt: entry.fireAt, reasons: entry.reasons }
        : { pod: entry.pod, fireAt: entry.fireAt, reasons: entry.reasons, podState };
    this.deletePodAt.set(next);
    // A pod already being deleted is no longer "pending" for the rule status.
    this.counts.recount(entry, next, this.reasonRules.of(entry.reasons).uids, pod.deletionTimestamp !== null);
    const before = entry.podState ?? POD_STATE_NONE;
    if (before !== podState && !echoOfOwnCondition(before, podState, entry.fireAt, this.clock.now())) {
      this.burstOps++;
      this.sink.schedule(next.pod, next.fireAt, next.reasons, podState);
    }
  }

  /**
   * handlePods: re-evaluates every pod that consumes one of `claims` (each pod once). `entries`, when
   * given, are the live tracked entries of `claims` (same index): each pod gets the entry it was found
   * through, so that evaluating it needs no lookup of that claim.
   */
  decideConsumers(claims: readonly ClaimRecord[], entries: readonly AllocatedClaim[] | null = null): void {
    const workloadClaims = this.podClaims.workloadClaims;
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
        } else if (workloadClaims && isPodGroupConsumer(consumer)) {
          for (const pod of this.pods.inGroup(claim.namespace, consumer.name))
            if (!consumers.has(pod)) consumers.set(pod, hint);
        }
      }
    }
    if (consumers.size === 1) {
      for (const [pod, hint] of consumers) this.decide(pod, hint);
      return;
    }
    this.statusRequested = new Set();
    try {
      for (const [pod, hint] of consumers) this.decide(pod, hint);
    } finally {
      this.statusRequested = null;
    }
  }

  /** Re-evaluates the pods of a PodGroup (workload claims only). */
  decideGroup(group: PodGroupRecord): void {
    if (!this.podClaims.workloadClaims) return;
    for (const pod of this.pods.inGroup(group.namespace, group.name)) this.decide(pod);
  }

  /** An executed eviction came back: its entry goes unless a newer schedule replaced it. */
  finished(result: EvictionResult): void {
    const entry = this.deletePodAt.get(result.pod);
    // A schedule that changed while the eviction ran is newer than this result and must survive.
    if (entry !== undefined && entry.fireAt === result.fireAt) {
      this.deletePodAt.delete(result.pod);
      this.counts.uncount(entry);
    }
    this.evictedPods.add(result.pod.uid);
  }

  // ---- Read access ------------------------------------------------------------------------------

  get(pod: PodRef): PendingEviction | undefined {
    return this.deletePodAt.get(pod);
  }

  values(): Iterable<PendingEviction> {
    return this.deletePodAt.values();
  }

  get size(): number {
    return this.deletePodAt.size;
  }

  wasEvicted(uid: string): boolean {
    return this.evictedPods.has(uid);
  }
}
