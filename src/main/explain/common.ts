// What the pod and the rule explanations share: their input, the claims a pod really uses, and the
// brakes section.

import { podClaimReferences } from '../../shared/claimResolution.js';
import type { PendingEviction } from '../../shared/decisions.js';
import { ruleOfReason } from '../../shared/reasons.js';
import type { ClaimRecord, PodRecord } from '../../shared/types.js';
import { podUidKey } from '../../shared/types.js';
import type { EvictionEngine } from '../engine/engine.js';
import { type BrakeFlags, breakerLimit, type SimulatedStart, simulateStarts } from './brakes.js';
import { durationText, iso, secondsFrom } from './format.js';
import type { ClusterSnapshot } from './snapshot.js';
import type { BrakesView, StartView } from './types.js';

export interface ExplainInput {
  readonly snapshot: ClusterSnapshot;
  /** The moment of the explanation: the engine's clock stands still there. */
  readonly now: number;
  /** As `run --workload-claims`. */
  readonly workloadClaims: boolean;
  readonly brakes: BrakeFlags;
}

/** A pod or rule `explain` was asked about does not exist: a usage error (exit 2). */
export class ExplainNotFoundError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ExplainNotFoundError';
  }
}

/** Anything else that keeps `explain` from answering (exit 1, one line). */
export class ExplainError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ExplainError';
  }
}

/** The claims the pod really uses, as the engine decides it (allocated, owned where needed, reserved for it). */
export function usedClaims(engine: EvictionEngine, pod: PodRecord, workloadClaims: boolean): ClaimRecord[] {
  const used: ClaimRecord[] = [];
  for (const ref of podClaimReferences(pod, engine.podGroupOf(pod), workloadClaims)) {
    const claim = engine.allocatedClaim(pod.namespace, ref.claimName);
    if (claim !== null && !used.includes(claim) && engine.podUsesClaim(pod, claim)) used.push(claim);
  }
  return used;
}

/** Scheduled pods, not being deleted, that use at least one allocated claim: the base of --breaker-max-percent. */
export function podsUsingClaims(engine: EvictionEngine, snapshot: ClusterSnapshot, workloadClaims: boolean): number {
  let n = 0;
  for (const listed of snapshot.pods) {
    const pod = engine.getPod(listed.namespace, listed.name);
    if (pod === null || pod.nodeName === '' || pod.deletionTimestamp !== null) continue;
    if (usedClaims(engine, pod, workloadClaims).length > 0) n++;
  }
  return n;
}

export interface BrakesEstimate {
  readonly view: BrakesView;
  readonly starts: ReadonlyMap<string, SimulatedStart>;
}

/**
 * The brakes section: the breaker's recorded state, the limits given, and when each pending eviction
 * would start. `rules`: the rule names this explanation involves (their annotations are listed).
 */
export function estimateBrakes(
  input: ExplainInput,
  engine: EvictionEngine,
  pending: readonly PendingEviction[],
  rules: readonly string[],
): BrakesEstimate {
  const { snapshot, now, brakes } = input;
  const { limit, basis } = breakerLimit(brakes, podsUsingClaims(engine, snapshot, input.workloadClaims));
  const ruleRates = new Map<string, number>();
  for (const [name, perMinute] of snapshot.ruleRates) {
    const rule = engine.getRule(name);
    if (rule !== null) ruleRates.set(rule.uid, perMinute);
  }
  const breaker = snapshot.breaker;
  const starts = simulateStarts(pending, {
    now,
    flags: brakes,
    breakerOpen: breaker.state === 'open',
    breakerLimit: limit,
    ruleRates,
  });
  const window = durationText(brakes.breakerWindowMs);
  const summary: string[] = [];
  if (breaker.state === 'unknown')
    summary.push(`breaker: unknown (ConfigMap ${breaker.configMap}: ${breaker.error}); estimated as closed`);
  else if (breaker.state === 'open')
    summary.push(
      `breaker: OPEN${breaker.openedAt === null ? '' : ` since ${iso(breaker.openedAt)}`}${breaker.reason === '' ? '' : ` (${breaker.reason})`}: no eviction starts until it is reset (ConfigMap ${breaker.configMap})`,
    );
  else summary.push(`breaker: closed (ConfigMap ${breaker.configMap}${breaker.recorded ? '' : ' not created yet'})`);
  summary.push(
    limit === null
      ? 'breaker limit: none (--breaker-max-evictions / --breaker-max-percent not given)'
      : `breaker limit: ${limit} evictions per ${window} (${basis}); opens at the next one`,
  );
  summary.push(
    brakes.maxEvictionsPerSecond === null || brakes.maxEvictionsPerSecond <= 0
      ? 'global start rate: unlimited (--max-evictions-per-second not given)'
      : `global start rate: ${brakes.maxEvictionsPerSecond} per second, burst ${Math.max(1, brakes.maxEvictionsBurst ?? 1)}`,
  );
  const involved = [...new Set(rules)].sort().flatMap((rule) => {
    const perMinute = snapshot.ruleRates.get(rule);
    return perMinute === undefined ? [] : [{ rule, perMinute }];
  });
  for (const r of involved)
    summary.push(
      `rule ${r.rule}: at most ${r.perMinute} eviction${r.perMinute === 1 ? '' : 's'} per minute start (annotation)`,
    );
  return {
    view: {
      breaker: {
        state: breaker.state,
        configMap: breaker.configMap,
        openedAt: breaker.state === 'unknown' || breaker.openedAt === null ? null : iso(breaker.openedAt),
        reason: breaker.state === 'unknown' ? '' : breaker.reason,
        error: breaker.state === 'unknown' ? breaker.error : null,
        limit,
        windowSeconds: Math.round(brakes.breakerWindowMs / 1000),
        basis,
      },
      globalRate:
        brakes.maxEvictionsPerSecond === null || brakes.maxEvictionsPerSecond <= 0
          ? null
          : { perSecond: brakes.maxEvictionsPerSecond, burst: Math.max(1, brakes.maxEvictionsBurst ?? 1) },
      ruleRates: involved,
      pendingEvictions: pending.length,
      summary,
    },
    starts,
  };
}

export function startView(
  starts: ReadonlyMap<string, SimulatedStart>,
  p: PendingEviction,
  now: number,
): StartView | null {
  const s = starts.get(podUidKey(p.pod));
  if (s === undefined) return null;
  return {
    startAt: s.startAt === null ? null : iso(s.startAt),
    inSeconds: s.startAt === null ? null : secondsFrom(s.startAt, now),
    heldByBreaker: s.heldByBreaker,
    delayedBy: [...s.delayedBy].sort(),
    order: s.order,
  };
}

/** The rule names among reason ids. */
export const rulesOf = (reasons: readonly string[]): string[] =>
  reasons.flatMap((r) => {
    const rule = ruleOfReason(r);
    return rule === null ? [] : [rule.ruleName];
  });
