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
  // The percentage's base as the controller's keeper takes it.
  const { limit, basis } = breakerLimit(brakes, engine.podsUsingClaims);
  const ruleRates = new Map<string, number>();
  for (const rule of engine.knownRules())
    if (rule.startLimit !== null) ruleRates.set(rule.uid, rule.startLimit.perMinute);
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
      : `breaker limit: ${limit} eviction${limit === 1 ? '' : 's'} per ${window} (${basis}); opens at the next one`,
  );
  summary.push(
    brakes.maxEvictionsPerSecond <= 0
      ? 'global start rate: unlimited (--max-evictions-per-second 0, the default)'
      : `global start rate: ${brakes.maxEvictionsPerSecond} per second, burst ${Math.max(1, brakes.maxEvictionsBurst)}`,
  );
  const involved = [...new Set(rules)].sort().flatMap((name) => {
    const startLimit = engine.getRule(name)?.startLimit ?? null;
    return startLimit === null ? [] : [{ rule: name, perMinute: startLimit.perMinute, invalid: startLimit.invalid }];
  });
  for (const r of involved) {
    if (r.invalid !== null)
      summary.push(
        `rule ${r.rule}: its annotation "${r.invalid}" is not a positive number: the controller uses the most cautious ${r.perMinute} per minute`,
      );
    summary.push(
      `rule ${r.rule}: at most ${r.perMinute} eviction${r.perMinute === 1 ? '' : 's'} per minute start (annotation)`,
    );
  }
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
        brakes.maxEvictionsPerSecond <= 0
          ? null
          : { perSecond: brakes.maxEvictionsPerSecond, burst: Math.max(1, brakes.maxEvictionsBurst) },
      ruleRates: involved.map(({ rule, perMinute }) => ({ rule, perMinute })),
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
