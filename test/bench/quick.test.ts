// `npm run bench -- --quick` must keep working: this runs the smallest path through the real runner
// (a fresh child process, the micro suite with its quick time budget) and checks the result file it
// writes and the report generated from it. No timing is asserted: speed lives in the benchmarks.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { BenchResult } from '../../bench/harness.js';
import { writeReport } from '../../bench/report.js';

const outDir = mkdtempSync(join(tmpdir(), 'bench-quick-test-'));
afterAll(() => rmSync(outDir, { recursive: true, force: true }));

describe('bench/run.ts --quick', () => {
  it('runs the micro suite in a child process and writes a well-formed result', () => {
    const run = spawnSync(
      process.execPath,
      ['--import', 'tsx', 'bench/run.ts', '--quick', '--only', 'micro', '--no-report', '--out', outDir],
      { cwd: join(import.meta.dirname, '..', '..'), encoding: 'utf8', timeout: 60_000 },
    );
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toContain('BenchmarkTaintUntaint');

    const result = JSON.parse(readFileSync(join(outDir, 'micro.json'), 'utf8')) as BenchResult;
    expect(result.name).toBe('micro');
    expect(result.quick).toBe(true);
    expect(result.node).toBe(process.version);
    expect(result.machine.cpuCount).toBeGreaterThan(0);
    expect(result.machine.totalMemoryMb).toBeGreaterThan(0);
    expect(Number.isNaN(Date.parse(result.date))).toBe(false);
    expect(result.parameters).toMatchObject({ manyPods: 10_000, queuedEntries: 10_000 });

    const [table] = result.tables;
    expect(table?.columns).toEqual(['benchmark', 'one op', 'ops/s', 'µs/op', '±%', 'samples']);
    const names = table?.rows.map((r) => r[0]);
    expect(names).toEqual([
      'BenchmarkTaintUntaint',
      'TaintUntaint10kPods',
      'TolerationMatch',
      'TaintEvictionTime',
      'TimedQueueAddUpdateCancel',
      'PartitionScheduleCancel',
      'AdmitFenceOnly',
      'AdmitAllBrakes',
      'DeadlineSignal',
      'AbortSignalAnyTimeout',
    ]);
    for (const row of table?.rows ?? []) {
      const opsPerSec = row[2];
      expect(typeof opsPerSec === 'number' && Number.isFinite(opsPerSec) && opsPerSec > 0, String(row[0])).toBe(true);
    }
  });

  it('regenerates a report from that result', () => {
    const path = writeReport(outDir, outDir);
    const report = readFileSync(path, 'utf8');
    expect(report).toContain('**Quick run**');
    expect(report).toContain('| BenchmarkTaintUntaint |');
    // Benchmarks that did not run are reported as such, not as met.
    expect(report).toMatch(/\| Unthrottled evictions\/s[^\n]*\| not measured \|/);
  });
});
