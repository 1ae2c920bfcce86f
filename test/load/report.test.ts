import { describe, expect, it } from 'vitest';
import { TaintLedger } from '../../src/load/ledger.js';
import { buildSummary, formatSummary, latencySummary } from '../../src/load/report.js';
import type { LoadPod, LoadToleration } from '../../src/load/types.js';
import { judgePods } from '../../src/load/verdict.js';

const T0 = Date.UTC(2030, 0, 1);

const pod = (i: number, toleration: LoadToleration, device = `gpu-${i}`): LoadPod => ({
  namespace: 'ns',
  name: `p${i}`,
  uid: `u${i}`,
  claimName: `p${i}-gpu`,
  nodeName: 'n0',
  device: { driver: 'gpu.nvidia.com', pool: 'n0', device },
  toleration,
});

describe('latencySummary', () => {
  it('gives HDR percentiles and the exact max', () => {
    const values = Array.from({ length: 100 }, (_, i) => (i + 1) * 10); // 10 .. 1000 ms
    const s = latencySummary(values);
    expect(s).toMatchObject({ count: 100, p50: 500, p90: 900, p99: 990, max: 1000, mean: 505 });
  });

  it('counts early-within-skew (negative) latencies as 0 and is null without samples', () => {
    expect(latencySummary([-300, 200])).toMatchObject({ count: 2, p50: 0, max: 200, mean: 100 });
    expect(latencySummary([])).toBeNull();
  });
});

describe('TaintLedger and judging', () => {
  it('uses the earliest of slice and rule taints, plus tolerationSeconds', () => {
    const ledger = new TaintLedger();
    ledger.record({
      source: 'slice/s',
      key: 'k',
      value: 'v',
      timeAdded: T0 + 5000,
      serverStamped: true,
      scope: { kind: 'devices', devices: [{ driver: 'gpu.nvidia.com', pool: 'n0', device: 'gpu-0' }] },
    });
    expect(ledger.dueTime(pod(0, { kind: 'none' }))).toBe(T0 + 5000);
    expect(ledger.dueTime(pod(1, { kind: 'none' }))).toBeNull();
    ledger.record({
      source: 'rule/r',
      key: 'k',
      value: 'v',
      timeAdded: T0 + 1000,
      serverStamped: true,
      scope: { kind: 'driver', driver: 'gpu.nvidia.com' },
    });
    expect(ledger.dueTime(pod(0, { kind: 'seconds', seconds: 30 }))).toBe(T0 + 31_000);
    expect(ledger.dueTime(pod(1, { kind: 'none' }))).toBe(T0 + 1000);
    expect(ledger.dueTime(pod(1, { kind: 'forever' }))).toBeNull();
  });

  it('excludes pods the generator deleted itself and separates missed from not yet due', () => {
    const ledger = new TaintLedger();
    ledger.record({
      source: 'rule/r',
      key: 'k',
      value: 'v',
      timeAdded: T0,
      serverStamped: true,
      scope: { kind: 'driver', driver: 'gpu.nvidia.com' },
    });
    const pods = [pod(0, { kind: 'none' }), pod(1, { kind: 'seconds', seconds: 600 }), pod(2, { kind: 'none' })];
    const verdicts = judgePods({
      pods,
      ledger,
      deletedAt: new Map([['u2', T0 + 5]]),
      selfDeleted: new Set(['u2']),
      skewMs: 0,
      now: T0 + 60_000,
    });
    expect(verdicts.map((v) => v.outcome)).toEqual(['missed', 'not-yet-due', 'self-deleted']);
  });
});

describe('buildSummary / formatSummary', () => {
  it('summarises verdicts into counts, latency, API calls per eviction and throughput', () => {
    const ledger = new TaintLedger();
    ledger.record({
      source: 'slice/s',
      key: 'k',
      value: 'v',
      timeAdded: T0,
      serverStamped: false,
      scope: {
        kind: 'devices',
        devices: [0, 1, 2, 3].map((i) => ({ driver: 'gpu.nvidia.com', pool: 'n0', device: `gpu-${i}` })),
      },
    });
    const pods = [
      pod(0, { kind: 'none' }),
      pod(1, { kind: 'none' }),
      pod(2, { kind: 'forever' }),
      pod(3, { kind: 'forever' }),
      pod(4, { kind: 'none' }),
    ];
    const verdicts = judgePods({
      pods,
      ledger,
      deletedAt: new Map([
        ['u0', T0 + 100],
        ['u1', T0 + 2000],
        ['u2', T0 + 3000],
      ]),
      selfDeleted: new Set(),
      skewMs: 1000,
      now: T0 + 10_000,
    });
    const summary = buildSummary({
      runId: 'r',
      storm: { name: 'gpu-lost', startedAt: T0, finishedAt: T0 + 10, operations: 1, devicesTainted: 4, details: {} },
      server: 'http://127.0.0.1:1',
      startedAt: T0 - 5000,
      finishedAt: T0 + 10_000,
      timedOut: false,
      nodes: 1,
      devicesPerNode: 8,
      createdPods: 5,
      createMs: 2500,
      verdicts,
      counts: { conditionPatches: 3, markingEvents: 3, cancellingEvents: 0, deletions: 3 },
      podsWithCondition: new Set(['u0']),
      taintsRecorded: 1,
      taintsWithoutServerTime: 1,
    });
    expect(summary.evictions).toEqual({
      expected: 2,
      observed: 2,
      missed: 0,
      notYetDue: 0,
      spared: 2,
      selfDeleted: 0,
      wrongful: 1,
      wrongfulForever: 1,
      wrongfulEarly: 0,
      wrongfulUntainted: 0,
      withDisruptionCondition: 1,
    });
    expect(summary.latencyMs).toMatchObject({ count: 2, max: 2000 });
    // (3 patches + 3 events + 3 controller deletions incl. the wrongful one) / 2 evictions.
    expect(summary.apiCalls).toMatchObject({ controllerDeletions: 3, perEviction: 4.5 });
    expect(summary.throughput).toEqual({ evictionsPerSecond: 1, windowSeconds: 2 });
    expect(summary.population).toMatchObject({
      pods: 5,
      createPodsPerSecond: 2,
      tolerations: { none: 3, seconds: 0, forever: 2 },
    });
    expect(summary.stormResult.taintsWithoutServerTime).toBe(1);
    expect(summary.wrongfulPods).toEqual([
      {
        namespace: 'ns',
        name: 'p2',
        uid: 'u2',
        outcome: 'wrongful-forever',
        toleration: 'forever',
        dueAt: null,
        deletedAt: new Date(T0 + 3000).toISOString(),
      },
    ]);

    // Nothing measured by /metrics: the writes per eviction the watch saw feed the budget model;
    // 2 evictions × 4.5 writes fit in the default assumed burst of 30.
    expect(summary.apiBudget).toMatchObject({
      qps: 20,
      burst: 30,
      writesPerEviction: 4.5,
      writesSource: 'observed',
      backlogSeconds: 2,
      queuedEvictions: 0,
      bound: false,
    });
    expect(summary.timing).toMatchObject({ toleration: null, budgetShareOfLatency: 0 });
    expect(summary.timing.controllerMs).toMatchObject({ count: 2, max: 2000 });
    expect(summary.client).toBeNull();
    expect(summary.controllerMetrics).toBeNull();

    const table = formatSummary(summary);
    expect(table).toMatch(/evictions\s+2 of 2 expected \(missed 0\)/);
    expect(table).toMatch(/wrongful\s+1 \(forever 1, early 0, untainted 0\)/);
    expect(table).toMatch(/api calls\s+4\.5 per eviction/);
    expect(table).toMatch(/throughput\s+1 evictions\/s over 2 s with evictions pending \(toleration waits excluded\)/);
    expect(table).toMatch(/toleration waits\s+none/);
    expect(table).toMatch(/api budget queue\s+p50 0 ms/);
    expect(table).toMatch(/controller\s+p50 100 ms .* max 2000 ms/);
    expect(table).toMatch(/api budget\s+the budget never ran out while evictions were pending/);
    expect(table).toMatch(/model\s+controller budget 20\/s burst 30 \(assumed/);
    expect(table).toMatch(/method\s+budget-exhausted time = /);
    expect(table).toMatch(/load client\s+own budget unlimited/);
    expect(table).not.toMatch(/controller \/metrics/);
  });

  it("uses the controller's /metrics count of writes and reports a budget-bound storm and the client budget", () => {
    const ledger = new TaintLedger();
    const devices = Array.from({ length: 20 }, (_, i) => ({
      driver: 'gpu.nvidia.com',
      pool: 'n0',
      device: `gpu-${i}`,
    }));
    ledger.record({
      source: 'slice/s',
      key: 'k',
      value: 'v',
      timeAdded: T0,
      serverStamped: true,
      scope: { kind: 'devices', devices },
    });
    // 20 pods; 10 tolerate 5 s. The controller has a 10 writes/s budget with burst 4 and makes 4 writes
    // per eviction by its own count (a retried patch each); the watch sees 3 of them. Each half spends
    // the burst at once, then one write per 100 ms: one eviction per 400 ms.
    const pods = devices.map((_, i) => pod(i, i < 10 ? { kind: 'none' } : { kind: 'seconds', seconds: 5 }));
    const deletedAt = new Map<string, number>();
    const conditionAndEventTimes: number[] = [];
    for (const [offset, first] of [
      [0, 0],
      [5000, 10],
    ] as const) {
      for (let k = 0; k < 40; k++) {
        const at = T0 + offset + Math.max(0, k - 3) * 100;
        const eviction = first + Math.floor(k / 4);
        if (k % 4 === 3) deletedAt.set(`u${eviction}`, at);
        else if (k % 4 !== 2) conditionAndEventTimes.push(at);
      }
    }
    const verdicts = judgePods({ pods, ledger, deletedAt, selfDeleted: new Set(), skewMs: 0, now: T0 + 20_000 });
    const summary = buildSummary({
      runId: 'b',
      storm: { name: 'gpu-lost', startedAt: T0, finishedAt: T0 + 10, operations: 1, devicesTainted: 20, details: {} },
      server: 'https://example:6443',
      startedAt: T0 - 1000,
      finishedAt: T0 + 20_000,
      timedOut: false,
      nodes: 1,
      devicesPerNode: 20,
      createdPods: 20,
      createMs: 1000,
      verdicts,
      counts: { conditionPatches: 20, markingEvents: 20, cancellingEvents: 0, deletions: 20 },
      podsWithCondition: new Set(),
      conditionAndEventTimes,
      taintsRecorded: 1,
      taintsWithoutServerTime: 0,
      controllerBudget: { qps: 10, burst: 4 },
      client: { qps: 50, burst: 100, requests: 140, throttled: 12, waitMs: 2500 },
      controllerMetrics: { url: 'http://127.0.0.1:8080/metrics', writes: 82, evictionWrites: 80, throttledByServer: 0 },
    });
    expect(summary.apiCalls.perEviction).toBe(3);
    expect(summary.apiBudget).toMatchObject({ writesPerEviction: 4, writesSource: 'controller-metrics', bound: true });
    expect(summary.apiBudget.budgetEvictionsPerSecond).toBe(2.5);
    expect(summary.timing.toleration).toEqual({ pods: 10, meanSeconds: 5, maxSeconds: 5 });
    // Pending 3.6 s twice (the tolerating half starts after the first is done): toleration waits excluded.
    expect(summary.throughput).toEqual({ evictionsPerSecond: 2.778, windowSeconds: 7.2 });
    // The watch saw 60 writes, the controller counted 80: each seen write stands for 4/3 tokens.
    expect(summary.apiBudget).toMatchObject({ writesReplayed: 60, tokensPerWrite: 1.333, writesOverBudget: 0 });
    const table = formatSummary(summary);
    expect(table).toMatch(/api budget\s+the API budget was the bound: .* raise --kube-api-qps on the controller/);
    expect(table).toMatch(/toleration waits\s+10 evicted pods tolerated the taint for up to 5 s/);
    expect(table).toMatch(/controller \/metrics\s+82 writes during the run \(80 for evictions\), 0 answered 429/);
    expect(table).toMatch(/load client\s+own budget --qps 50 --burst 100: 140 requests, 12 waited, 2\.5 s waiting/);
  });
});
