// Latency percentiles from an HDR histogram, as in the end-to-end benchmarks, so numbers are comparable
// between the two.

import hdr from 'hdr-histogram-js';

export interface LatencySummary {
  readonly count: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly max: number;
  readonly mean: number;
}

const round3 = (n: number): number => Math.round(n * 1000) / 1000;

/** p50/p90/p99/max of millisecond latencies. Negative values (early within skew) count as 0. */
export function latencySummary(latenciesMs: readonly number[]): LatencySummary | null {
  if (latenciesMs.length === 0) return null;
  const histogram = hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 3_600_000,
    numberOfSignificantValueDigits: 3,
    autoResize: true,
  });
  let max = 0;
  let sum = 0;
  for (const raw of latenciesMs) {
    const v = Math.max(0, Math.round(raw));
    histogram.recordValue(v);
    max = Math.max(max, v);
    sum += v;
  }
  const summary = {
    count: latenciesMs.length,
    p50: histogram.getValueAtPercentile(50),
    p90: histogram.getValueAtPercentile(90),
    p99: histogram.getValueAtPercentile(99),
    // The histogram's max is bucket-rounded; the exact one is known.
    max,
    mean: round3(sum / latenciesMs.length),
  };
  histogram.destroy();
  return summary;
}
