// The report's SVG charts (bench/charts/*.svg): evictions/s by worker count, the latency CDFs, memory
// against cluster size, and the runtime's execution rates, drawn from the results by bench/svg.ts.

import type { BenchResult } from '../harness.js';
import { barChart, cdfChart, lineChart } from '../svg.js';
import { runtimeExecution, scaleRuns } from './goals.js';
import { arr, field, num } from './results.js';

export interface Chart {
  readonly file: string;
  readonly title: string;
  readonly svg: string;
}

export function charts(results: Map<string, BenchResult>): Chart[] {
  const out: Chart[] = [];
  const e2e = results.get('e2e');
  const unthrottled = arr(field(e2e, 'raw', 'unthrottled'));
  if (unthrottled.length > 0) {
    const groups = unthrottled.map((r) => ({
      label: `${num(field(r, 'workers'))} worker${num(field(r, 'workers')) === 1 ? '' : 's'}`,
      values: [num(field(r, 'evictionsPerSec')) ?? 0],
    }));
    out.push({
      file: 'evictions-vs-workers.svg',
      title: 'Evictions/s vs workers',
      svg: barChart({
        title: 'End-to-end evictions/s vs workers (unthrottled)',
        xLabel: 'worker threads',
        yLabel: 'evictions per second',
        seriesNames: ['through the simulated API server'],
        groups,
        reference: { value: 1000, label: 'goal 1,000/s' },
      }),
    });
    const series = unthrottled.map((r) => ({
      name: `unthrottled, ${num(field(r, 'workers'))} workers`,
      points: arr(field(r, 'cdf')).map((p) => ({
        percentile: num(field(p, 'percentile')) ?? 0,
        ms: num(field(p, 'ms')) ?? 0,
      })),
    }));
    const paced = field(e2e, 'raw', 'paced');
    if (paced !== null && paced !== undefined)
      series.push({
        name: 'paced 200/s, taint write → DELETE',
        points: arr(field(paced, 'cdf')).map((p) => ({
          percentile: num(field(p, 'percentile')) ?? 0,
          ms: num(field(p, 'ms')) ?? 0,
        })),
      });
    out.push({
      file: 'latency-cdf.svg',
      title: 'Latency distribution',
      svg: cdfChart({ title: 'Due → DELETE acknowledged (CDF)', xLabel: 'latency (ms, log scale)', series }),
    });
  }
  const runtimeRows = runtimeExecution(results.get('runtime'));
  if (runtimeRows.length > 0) {
    out.push({
      file: 'runtime-execution.svg',
      title: 'Runtime execution (CPU-bound fake executor)',
      svg: barChart({
        title: 'CPU-bound fake executor: evictions/s by mode',
        xLabel: 'where evictions execute',
        yLabel: 'evictions per second',
        seriesNames: ['bench/runtime.ts'],
        groups: runtimeRows.map((r) => ({ label: r.mode, values: [r.evictionsPerSec] })),
      }),
    });
  }
  const runs = arr(field(results.get('ingest'), 'raw', 'runs'));
  if (runs.length > 0) {
    out.push({
      file: 'memory-vs-pods.svg',
      title: 'Memory vs pods',
      svg: lineChart({
        title: 'Retained heap after initial sync vs cached pods',
        xLabel: 'pods (each with a claim; slices scale with pods)',
        yLabel: 'MB',
        series: [
          {
            name: 'retained heap (MB)',
            points: [
              { x: 0, y: 0 },
              ...runs.map((r) => ({
                x: num(field(r, 'pods')) ?? 0,
                y: ((num(field(r, 'heapBytesPerPod')) ?? 0) * (num(field(r, 'pods')) ?? 0)) / 2 ** 20,
              })),
            ],
          },
        ],
      }),
    });
  }
  const scale = [...scaleRuns(results.get('scale')).values()];
  if (scale.length > 0) {
    const series = (name: string, key: string) => ({
      name,
      points: [
        { x: 0, y: 0 },
        ...scale.map((r) => ({ x: num(field(r, 'pods')) ?? 0, y: num(field(r, key)) ?? 0 })).sort((a, b) => a.x - b.x),
      ],
    });
    out.push({
      file: 'rss-vs-pods.svg',
      title: 'Resident memory vs pods (built CLI, up to 1M)',
      svg: lineChart({
        title: 'Controller resident memory vs pods (bench/scale.ts)',
        xLabel: 'pods (each with a claim; one 8-device slice per node)',
        yLabel: 'MB',
        series: [series('peak RSS (initial list)', 'peakRssMb'), series('steady RSS after sync', 'steadyRssMb')],
      }),
    });
  }
  return out;
}
