// Where the time between "due" and "deleted" went, seen from outside the controller. The load generator
// sees only the API server (and, optionally, the controller's /metrics), so it cannot watch the
// controller wait for API tokens; it works the wait out from what it does see:
//
// - toleration waits: taint time → due time, i.e. the pod's tolerationSeconds. By design, never latency.
// - API budget queue: every controller write to the run's pods is visible on the watch (the
//   DisruptionTarget condition patch, the eviction event, the deletion), with the time it was seen.
//   Replaying those writes through a token bucket at the controller's budget (--kube-api-qps/-burst,
//   the generic cell rate algorithm of src/shared/tokenBucket.ts, full at the start) shows when that
//   bucket was empty: the budget-exhausted time, when any further write had to wait for a token. A
//   pod's budget queue is the part of its due → deleted time that falls in budget-exhausted time. It
//   does not depend on the order the controller served its evictions in (first due first, or many in
//   flight sharing the tokens): while the bucket is empty, every pending eviction waits for it.
// - controller latency: the rest (watch delivery, decisions, queues, HTTP round trips, our own watch).
//
// Was the budget the bound? When the budget queue is at least half of the observed latency (summed over
// the evicted pods). A budget-bound storm also shows it as a rate: while evictions were pending, they
// ran at about qps / w per second (w writes per eviction) once the burst was spent. If the controller's
// writes arrived faster than the assumed bucket could have let them through, the assumption is wrong
// (its --kube-api-qps is higher): the report says so instead of guessing. Writes the watch cannot see
// (retries, failed calls, the Lease, rule status) drain the real bucket too, so the budget queue is a
// lower bound.

import { type LatencySummary, latencySummary } from './latency.js';

/** The controller's write budget as the load generator assumes it (`--controller-qps`/`--controller-burst`). */
export interface WriteBudget {
  /** Tokens per second; 0 = unlimited. */
  readonly qps: number;
  readonly burst: number;
}

/** One evicted pod, in milliseconds since the epoch. */
export interface EvictionTiming {
  readonly dueAt: number;
  readonly deletedAt: number;
  /** tolerationSeconds × 1000 (0 without a toleration). */
  readonly toleratedMs: number;
}

/** The budget is the bound when its queue is at least this share of the summed latency. */
export const BUDGET_BOUND_SHARE = 0.5;
/** More than this share of writes arriving without a token contradicts the assumed budget. */
export const BUDGET_EXCEEDED_SHARE = 0.2;
/** Jitter allowed between a write and when the watch shows it: max(2 token intervals, this), ms. */
const OBSERVATION_SLACK_MS = 100;

export const BUDGET_METHOD =
  'budget-exhausted time = when a token bucket at the controller budget (--controller-qps/--controller-burst, ' +
  "full at the start), drained by the controller's writes as the watch saw them (condition patches, events, " +
  "deletions), has no token left; each seen write takes (controller's /metrics write count ÷ writes seen, at " +
  "least 1) tokens; a pod's API budget queue = the part of its due→deleted time inside it (a lower bound " +
  'without /metrics: writes the watch cannot see drain the bucket too); controller = the rest. ' +
  `Budget-bound when the queue is ≥ ${BUDGET_BOUND_SHARE * 100}% of the summed latency.`;

/** Length of the union of intervals, ms (intervals with end < start count as empty). */
export function unionLengthMs(intervals: readonly (readonly [number, number])[]): number {
  return new IntervalSet(intervals).length;
}

/** Merged, sorted intervals, with the length covered before each one, for overlap queries. */
export class IntervalSet {
  private readonly starts: number[] = [];
  private readonly ends: number[] = [];
  /** Length covered by the intervals before interval i. */
  private readonly before: number[] = [];
  readonly length: number;

  constructor(intervals: readonly (readonly [number, number])[]) {
    let covered = 0;
    for (const [a, b] of [...intervals].filter(([x, y]) => y > x).sort((x, y) => x[0] - y[0])) {
      const last = this.ends.length - 1;
      if (last >= 0 && a <= this.ends[last]!) {
        if (b > this.ends[last]!) {
          covered += b - this.ends[last]!;
          this.ends[last] = b;
        }
        continue;
      }
      this.starts.push(a);
      this.ends.push(b);
      this.before.push(covered);
      covered += b - a;
    }
    this.length = covered;
  }

  /** Length covered before time t. */
  private coveredBefore(t: number): number {
    let lo = 0;
    let hi = this.starts.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.starts[mid]! <= t) lo = mid + 1;
      else hi = mid;
    }
    const i = lo - 1;
    if (i < 0) return 0;
    return this.before[i]! + Math.min(t, this.ends[i]!) - this.starts[i]!;
  }

  /** Length of [a, b] inside the set. */
  overlap(a: number, b: number): number {
    return b > a ? this.coveredBefore(b) - this.coveredBefore(a) : 0;
  }
}

export interface BucketReplay {
  /** Intervals during which the bucket held less than one token. */
  readonly exhausted: IntervalSet;
  /** Writes seen when the bucket could not have had a token for them (beyond the observation slack). */
  readonly exceeded: number;
}

/**
 * Replays write times through a GCRA bucket as SharedTokenBucket implements it: a write at `t` moves the
 * theoretical arrival time to max(tat, t) + 1/qps; a token is available while tat − t ≤ (burst − 1)/qps,
 * so after a write the bucket is empty until tat − (burst − 1)/qps. `tokensPerWrite` > 1 stands for
 * writes the watch cannot see (the controller's own count divided by the writes seen).
 */
export function replayBucket(writeTimes: readonly number[], budget: WriteBudget, tokensPerWrite = 1): BucketReplay {
  if (budget.qps <= 0) return { exhausted: new IntervalSet([]), exceeded: 0 };
  const intervalMs = 1000 / budget.qps;
  const costMs = intervalMs * Math.max(1, tokensPerWrite);
  const burst = Math.max(1, Math.floor(budget.burst));
  const slackMs = Math.max(2 * intervalMs, OBSERVATION_SLACK_MS);
  const empty: [number, number][] = [];
  let tat = Number.NEGATIVE_INFINITY;
  let exceeded = 0;
  for (const t of [...writeTimes].sort((a, b) => a - b)) {
    if (tat - t > (burst - 1) * intervalMs + slackMs) exceeded++;
    tat = Math.max(tat, t) + costMs;
    const emptyUntil = tat - (burst - 1) * intervalMs;
    if (emptyUntil > t) empty.push([t, emptyUntil]);
  }
  return { exhausted: new IntervalSet(empty), exceeded };
}

export interface TimingBreakdown {
  /** Pods that tolerated the taint for a while before they were due (evicted ones). */
  readonly toleration: { readonly pods: number; readonly meanSeconds: number; readonly maxSeconds: number } | null;
  /** Part of each pod's due → deleted time in budget-exhausted time, ms. */
  readonly budgetQueueMs: LatencySummary | null;
  /** Observed latency minus the budget queue, ms. */
  readonly controllerMs: LatencySummary | null;
  /** Σ budget queue / Σ observed latency; null without latency. */
  readonly budgetShareOfLatency: number | null;
}

export interface BudgetVerdict {
  readonly qps: number;
  readonly burst: number;
  /** Writes per eviction (for the rate the budget sustains), and where it came from. */
  readonly writesPerEviction: number;
  readonly writesSource: 'observed' | 'controller-metrics' | 'default';
  /** Controller writes replayed through the bucket (seen on the watch). */
  readonly writesReplayed: number;
  /** Tokens each replayed write took (> 1 when /metrics counted writes the watch cannot see). */
  readonly tokensPerWrite: number;
  /** Of those, writes the assumed bucket could not have let through. */
  readonly writesOverBudget: number;
  /** Time with at least one eviction due and not yet seen deleted, s. */
  readonly backlogSeconds: number;
  /** Time the bucket had no token left, s. */
  readonly budgetExhaustedSeconds: number;
  /** Evictions / backlog. */
  readonly evictionsPerSecondWhilePending: number | null;
  /** What the budget sustains after its burst: qps / writes per eviction. */
  readonly budgetEvictionsPerSecond: number | null;
  /** Evicted pods that spent some of their latency waiting for the budget. */
  readonly queuedEvictions: number;
  /** true: the budget limited throughput; false: it did not; null: cannot tell (see verdict). */
  readonly bound: boolean | null;
  readonly verdict: string;
  readonly method: string;
}

export interface TimingAnalysis {
  readonly timing: TimingBreakdown;
  readonly apiBudget: BudgetVerdict;
}

export interface AnalysisInput {
  readonly evicted: readonly EvictionTiming[];
  /** When each controller write (condition patch, event, deletion) was seen. */
  readonly writeTimes: readonly number[];
  /** Tokens each seen write stands for (≥ 1): the controller's own write count / writes seen, when known. */
  readonly tokensPerWrite?: number;
  readonly budget: WriteBudget;
  readonly writesPerEviction: number;
  readonly writesSource: BudgetVerdict['writesSource'];
}

const round3 = (n: number): number => Math.round(n * 1000) / 1000;
const pct = (share: number): string => `${Math.round(share * 100)}%`;

export function analyseTiming(input: AnalysisInput): TimingAnalysis {
  const { budget, evicted, writesPerEviction } = input;
  const tolerating = evicted.filter((e) => e.toleratedMs > 0);
  let maxTolerated = 0;
  let sumTolerated = 0;
  for (const e of tolerating) {
    maxTolerated = Math.max(maxTolerated, e.toleratedMs);
    sumTolerated += e.toleratedMs;
  }

  const tokensPerWrite = Math.max(1, input.tokensPerWrite ?? 1);
  const { exhausted, exceeded } = replayBucket(input.writeTimes, budget, tokensPerWrite);
  const queue: number[] = [];
  const rest: number[] = [];
  let sumWait = 0;
  let sumLatency = 0;
  let queued = 0;
  for (const e of evicted) {
    const latency = Math.max(0, e.deletedAt - e.dueAt);
    const wait = Math.min(latency, exhausted.overlap(e.dueAt, e.dueAt + latency));
    queue.push(wait);
    rest.push(latency - wait);
    sumWait += wait;
    sumLatency += latency;
    if (wait > 0) queued++;
  }
  const share = sumLatency > 0 ? sumWait / sumLatency : null;
  const timing: TimingBreakdown = {
    toleration:
      tolerating.length === 0
        ? null
        : {
            pods: tolerating.length,
            meanSeconds: round3(sumTolerated / tolerating.length / 1000),
            maxSeconds: round3(maxTolerated / 1000),
          },
    budgetQueueMs: latencySummary(queue),
    controllerMs: latencySummary(rest),
    budgetShareOfLatency: share === null ? null : round3(share),
  };

  const backlogMs = unionLengthMs(evicted.map((e) => [e.dueAt, e.deletedAt] as const));
  const rate = backlogMs > 0 ? evicted.length / (backlogMs / 1000) : null;
  const budgetRate = budget.qps > 0 ? budget.qps / Math.max(1, writesPerEviction) : null;
  const result = (bound: boolean | null, verdict: string): TimingAnalysis => ({
    timing,
    apiBudget: {
      qps: budget.qps,
      burst: budget.burst,
      writesPerEviction: round3(writesPerEviction),
      writesSource: input.writesSource,
      writesReplayed: input.writeTimes.length,
      tokensPerWrite: round3(tokensPerWrite),
      writesOverBudget: exceeded,
      backlogSeconds: round3(backlogMs / 1000),
      budgetExhaustedSeconds: round3(exhausted.length / 1000),
      evictionsPerSecondWhilePending: rate === null ? null : round3(rate),
      budgetEvictionsPerSecond: budgetRate === null ? null : round3(budgetRate),
      queuedEvictions: queued,
      bound,
      verdict,
      method: BUDGET_METHOD,
    },
  });
  const budgetText = `--kube-api-qps ${budget.qps} (burst ${budget.burst})`;
  const rates =
    rate === null || budgetRate === null
      ? ''
      : `; evictions ran at ${round3(rate)}/s while pending, the budget sustains ${round3(budgetRate)}/s after its burst`;
  if (evicted.length === 0) return result(null, 'no evictions, nothing to judge');
  if (budget.qps <= 0) return result(false, 'the controller budget is unlimited (--controller-qps 0): not the bound');
  if (exceeded > BUDGET_EXCEEDED_SHARE * input.writeTimes.length)
    return result(
      null,
      `${exceeded} of ${input.writeTimes.length} controller writes came faster than the assumed ${budgetText} ` +
        `allows: the controller's budget is larger; pass its --kube-api-qps as --controller-qps${rates}`,
    );
  if (queued === 0)
    return result(
      false,
      `the budget never ran out while evictions were pending (${input.writeTimes.length} writes within ` +
        `${budgetText}): the API budget did not limit this storm${rates}`,
    );
  if (share !== null && share >= BUDGET_BOUND_SHARE)
    return result(
      true,
      `the API budget was the bound: waiting for ${budgetText} is ${pct(share)} of the latency${rates}; ` +
        'raise --kube-api-qps on the controller',
    );
  return result(
    false,
    `not budget-bound: waiting for ${budgetText} is ${pct(share ?? 0)} of the latency, the rest is the ` +
      `controller's own${rates}`,
  );
}
