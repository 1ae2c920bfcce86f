// Issue 12's goals in the report, from a bench/scale.ts result: each measured size lands on its goal,
// a missing million-pod run is "not measured" (never "met"), and a quick run's small size stands in
// for 150k. Synthetic numbers; nothing here measures anything.

import { describe, expect, it } from 'vitest';
import type { BenchResult } from '../../bench/harness.js';
import { charts } from '../../bench/report/charts.js';
import { goals } from '../../bench/report/goals.js';

const run = (pods: number, extra: Record<string, unknown> = {}) => ({
  pods,
  readyMs: 4_000,
  steadyRssMb: 280,
  peakRssMb: 320,
  longestStallMs: 30,
  storm: null,
  ...extra,
});

const result = (runs: unknown[], quick = false): Map<string, BenchResult> =>
  new Map([
    [
      'scale',
      {
        name: 'scale',
        title: 'Scale',
        quick,
        date: new Date(0).toISOString(),
        machine: { cpuModel: 'x', cpuCount: 2, totalMemoryMb: 1, platform: 'linux', arch: 'x64', loadAverage: [] },
        node: process.version,
        commit: null,
        parameters: {},
        tables: [],
        raw: { runs },
        notes: [],
      },
    ],
  ]);

const byKey = (list: ReturnType<typeof goals>) => new Map(list.map((g) => [g.key, g]));

describe('issue 12 goals', () => {
  it('reads 150k and 1M runs onto their goals', () => {
    const g = byKey(
      goals(
        result([
          run(0),
          run(150_000),
          run(1_000_000, {
            readyMs: 50_000,
            peakRssMb: 1_100,
            longestStallMs: 80,
            storm: { pods: 130_000, ops: 130_000, seconds: 0.4 },
          }),
        ]),
      ),
    );
    expect(g.get('scaleReady')?.status).toBe('met');
    expect(g.get('scaleSteady')?.status).toBe('met');
    expect(g.get('scalePeak')?.status).toBe('missed');
    expect(g.get('millionSync')?.status).toBe('missed');
    expect(g.get('millionRss')?.status).toBe('met');
    expect(g.get('millionStall')?.status).toBe('missed');
    expect(g.get('millionStorm')).toMatchObject({ status: 'met', goal: expect.stringContaining('130,000') });
    expect(charts(result([run(0), run(150_000)])).map((c) => c.file)).toContain('rss-vs-pods.svg');
  });

  it('leaves the million goals unmeasured without that run, and lets a quick run stand in for 150k', () => {
    const g = byKey(goals(result([run(0), run(15_000)], true)));
    expect(g.get('scaleSteady')).toMatchObject({ status: 'met', goal: expect.stringContaining('15,000') });
    for (const key of ['millionSync', 'millionRss', 'millionStall', 'millionStorm'] as const)
      expect(g.get(key)?.status).toBe('not measured');
  });
});
