import { describe, expect, it } from 'vitest';
import {
  analyseTiming,
  BUDGET_METHOD,
  type EvictionTiming,
  replayBucket,
  unionLengthMs,
  type WriteBudget,
} from '../../src/load/budget.js';

const T0 = Date.UTC(2030, 0, 1);

/**
 * A controller as the load generator sees it: every eviction starts `ownMs` after its due time and makes
 * three writes, each taking the next token of a GCRA bucket (`budget`; qps 0 = none), the next write
 * asked for as soon as the previous one went out. Requests are served in arrival order, so evictions in
 * flight share the tokens (round robin), as the real executor's concurrent syncs do.
 */
function simulate(
  dues: readonly { dueAt: number; toleratedMs?: number }[],
  budget: WriteBudget,
  ownMs: number,
): { evicted: EvictionTiming[]; writeTimes: number[] } {
  const interval = budget.qps > 0 ? 1000 / budget.qps : 0;
  let tat = Number.NEGATIVE_INFINITY;
  const requests = dues.map((d, i) => ({ t: d.dueAt + ownMs, i, write: 0 }));
  const deletedAt: number[] = [];
  const writeTimes: number[] = [];
  while (requests.length > 0) {
    requests.sort((a, b) => a.t - b.t || a.i - b.i);
    const r = requests.shift()!;
    let granted = r.t;
    if (interval > 0) {
      tat = Math.max(tat, r.t) + interval;
      granted = Math.max(r.t, tat - budget.burst * interval);
    }
    writeTimes.push(granted);
    if (r.write === 2) deletedAt[r.i] = granted;
    else requests.push({ t: granted, i: r.i, write: r.write + 1 });
  }
  return {
    evicted: dues.map((d, i) => ({ dueAt: d.dueAt, deletedAt: deletedAt[i]!, toleratedMs: d.toleratedMs ?? 0 })),
    writeTimes,
  };
}

const dueAll = (n: number, dueAt = T0, toleratedMs = 0) => Array.from({ length: n }, () => ({ dueAt, toleratedMs }));

describe('replayBucket (the controller writes seen on the watch, through the assumed budget)', () => {
  it('finds when the bucket had no token left', () => {
    // 10 tokens/s (100 ms each), burst 2: the second write empties it for 100 ms, each further one
    // for another 100 ms.
    expect(replayBucket([T0, T0], { qps: 10, burst: 2 }).exhausted.length).toBe(100);
    expect(replayBucket([T0, T0, T0 + 100, T0 + 200], { qps: 10, burst: 2 }).exhausted.length).toBe(300);
    // Writes slower than the budget never empty it.
    expect(replayBucket([T0, T0 + 500, T0 + 1000], { qps: 10, burst: 2 }).exhausted.length).toBe(0);
  });

  it('counts writes the assumed bucket could not have let through, beyond the observation slack', () => {
    // 10 at once through burst 2 at 10/s: the 5th onwards arrive 300+ ms "in debt" (slack: 200 ms).
    expect(replayBucket(Array(10).fill(T0), { qps: 10, burst: 2 }).exceeded).toBe(6);
    expect(replayBucket(Array(10).fill(T0), { qps: 0, burst: 2 })).toMatchObject({ exceeded: 0 });
  });

  it('unionLengthMs merges overlapping intervals and skips gaps', () => {
    expect(
      unionLengthMs([
        [0, 100],
        [50, 150],
        [1000, 1010],
      ]),
    ).toBe(160);
    expect(unionLengthMs([[10, 5]])).toBe(0);
  });
});

describe('analyseTiming', () => {
  const budget = { qps: 30, burst: 3 };

  it('calls a storm held back by the budget budget-bound, whatever order the evictions were served in', () => {
    // 30 evictions × 3 writes through 30/s burst 3, with 10 ms of the controller's own before each start:
    // ≈ 2.9 s, the evictions in flight sharing the tokens.
    const run = simulate(dueAll(30), budget, 10);
    const { timing, apiBudget } = analyseTiming({ ...run, budget, writesPerEviction: 3, writesSource: 'observed' });
    expect(apiBudget.bound).toBe(true);
    expect(apiBudget.verdict).toMatch(
      /^the API budget was the bound: waiting for --kube-api-qps 30 \(burst 3\) is (9\d|100)% of the latency/,
    );
    expect(apiBudget.verdict).toMatch(/raise --kube-api-qps on the controller$/);
    expect(apiBudget).toMatchObject({ writesReplayed: 90, writesOverBudget: 0 });
    expect(apiBudget.queuedEvictions).toBeGreaterThanOrEqual(29);
    expect(apiBudget.budgetExhaustedSeconds).toBeCloseTo(2.9, 1);
    // ≈ 10 evictions/s = qps / 3 writes.
    expect(apiBudget.budgetEvictionsPerSecond).toBe(10);
    expect(apiBudget.evictionsPerSecondWhilePending).toBeGreaterThan(9);
    expect(apiBudget.evictionsPerSecondWhilePending).toBeLessThan(11);
    expect(apiBudget.method).toBe(BUDGET_METHOD);
    // Only the 10 ms before the first writes are the controller's own.
    expect(timing.controllerMs?.max).toBeLessThanOrEqual(10);
    expect(timing.budgetQueueMs?.max).toBeGreaterThan(2800);
    expect(timing.budgetShareOfLatency).toBeGreaterThan(0.9);
    expect(timing.toleration).toBeNull();
  });

  it('calls a slow controller with budget to spare not budget-bound', () => {
    const generous = { qps: 1000, burst: 10 };
    const run = simulate(dueAll(30), generous, 2000);
    const { timing, apiBudget } = analyseTiming({
      ...run,
      budget: generous,
      writesPerEviction: 3,
      writesSource: 'observed',
    });
    expect(apiBudget.bound).toBe(false);
    expect(apiBudget.verdict).toMatch(
      /^not budget-bound: waiting for --kube-api-qps 1000 \(burst 10\) is \d% of the latency/,
    );
    expect(timing.budgetShareOfLatency).toBeLessThan(0.05);
    expect(timing.controllerMs?.p50).toBeGreaterThanOrEqual(2000);
  });

  it('does not pretend when the controller wrote faster than the assumed budget allows', () => {
    // The controller has no budget at all; the generator assumed 30/s.
    const run = simulate(dueAll(30), { qps: 0, burst: 1 }, 5);
    const { apiBudget } = analyseTiming({ ...run, budget, writesPerEviction: 3, writesSource: 'observed' });
    expect(apiBudget.bound).toBeNull();
    expect(apiBudget.writesOverBudget).toBeGreaterThan(80);
    expect(apiBudget.verdict).toMatch(
      /^\d+ of 90 controller writes came faster than the assumed --kube-api-qps 30 \(burst 3\) allows: the controller's budget is larger; pass its --kube-api-qps as --controller-qps/,
    );
  });

  it('says a storm the burst absorbed was not bound by the budget', () => {
    const roomy = { qps: 20, burst: 30 };
    const run = simulate(dueAll(5), roomy, 40);
    const { apiBudget, timing } = analyseTiming({
      ...run,
      budget: roomy,
      writesPerEviction: 3,
      writesSource: 'default',
    });
    expect(apiBudget).toMatchObject({
      bound: false,
      queuedEvictions: 0,
      writesSource: 'default',
      budgetExhaustedSeconds: 0,
    });
    expect(apiBudget.verdict).toMatch(/^the budget never ran out while evictions were pending/);
    expect(timing.budgetQueueMs).toMatchObject({ max: 0 });
    expect(timing.controllerMs).toMatchObject({ max: 40 });
  });

  it('keeps toleration waits out of latency and throughput: only the time pending counts', () => {
    // 10 pods due at once, 10 more tolerating 30 s; each eviction 50 ms after its due time.
    const run = simulate([...dueAll(10), ...dueAll(10, T0 + 30_000, 30_000)], { qps: 0, burst: 1 }, 50);
    const { timing, apiBudget } = analyseTiming({
      ...run,
      budget: { qps: 0, burst: 1 },
      writesPerEviction: 3,
      writesSource: 'observed',
    });
    expect(timing.toleration).toEqual({ pods: 10, meanSeconds: 30, maxSeconds: 30 });
    expect(apiBudget.backlogSeconds).toBe(0.1);
    expect(apiBudget.evictionsPerSecondWhilePending).toBe(200);
    expect(apiBudget.bound).toBe(false);
    expect(apiBudget.verdict).toMatch(/unlimited/);
  });

  it('has nothing to judge without evictions', () => {
    const { timing, apiBudget } = analyseTiming({
      evicted: [],
      writeTimes: [],
      budget,
      writesPerEviction: 3,
      writesSource: 'default',
    });
    expect(apiBudget.bound).toBeNull();
    expect(timing).toEqual({ toleration: null, budgetQueueMs: null, controllerMs: null, budgetShareOfLatency: null });
  });
});
