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

    const table = formatSummary(summary);
    expect(table).toMatch(/evictions\s+2 of 2 expected \(missed 0\)/);
    expect(table).toMatch(/wrongful\s+1 \(forever 1, early 0, untainted 0\)/);
    expect(table).toMatch(/api calls\s+4\.5 per eviction/);
    expect(table).toMatch(/throughput\s+1 evictions\/s over 2 s/);
  });
});
