// Turns a run's verdicts and observations into the summary: a printed table for people and a JSON
// document (`--output`) for scripts and the benchmark history. Latency percentiles come from an HDR
// histogram, as in the end-to-end benchmarks, so numbers are comparable between the two.

import { writeFile } from 'node:fs/promises';
import hdr from 'hdr-histogram-js';
import type { ObservedCounts } from './observer.js';
import type { StormResult } from './storms/index.js';
import type { LoadToleration } from './types.js';
import { isWrongful, type PodOutcome, type PodVerdict } from './verdict.js';

export interface LatencySummary {
  readonly count: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly max: number;
  readonly mean: number;
}

export interface WrongfulPod {
  readonly namespace: string;
  readonly name: string;
  readonly uid: string;
  readonly outcome: PodOutcome;
  readonly toleration: LoadToleration['kind'];
  readonly dueAt: string | null;
  readonly deletedAt: string | null;
}

export interface LoadSummary {
  readonly runId: string;
  readonly storm: string;
  readonly server: string;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly durationSeconds: number;
  /** The run hit `--timeout` before every expected eviction was seen. */
  readonly timedOut: boolean;
  readonly population: {
    readonly pods: number;
    readonly nodes: number;
    readonly devicesPerNode: number;
    readonly tolerations: { readonly none: number; readonly seconds: number; readonly forever: number };
    readonly createSeconds: number;
    readonly createPodsPerSecond: number;
  };
  readonly stormResult: {
    readonly startedAt: string;
    readonly finishedAt: string;
    readonly operations: number;
    readonly devicesTainted: number;
    readonly taintsRecorded: number;
    /** Taints whose time came from the local clock because the server returned no `timeAdded`. */
    readonly taintsWithoutServerTime: number;
    readonly details: Readonly<Record<string, string | number | boolean | null>>;
  };
  readonly evictions: {
    /** Pods due for eviction by the end of the run. */
    readonly expected: number;
    readonly observed: number;
    readonly missed: number;
    readonly notYetDue: number;
    readonly spared: number;
    readonly selfDeleted: number;
    /** Must be 0. */
    readonly wrongful: number;
    readonly wrongfulForever: number;
    readonly wrongfulEarly: number;
    readonly wrongfulUntainted: number;
    /** Evicted pods seen carrying the DisruptionTarget condition before deletion. */
    readonly withDisruptionCondition: number;
  };
  /** Deletion observed − (taint time + tolerationSeconds), milliseconds; `null` without evictions. */
  readonly latencyMs: LatencySummary | null;
  readonly apiCalls: ObservedCounts & {
    /** Deletions of this run's pods the generator did not make itself (its own churn deletions excluded). */
    readonly controllerDeletions: number;
    /** (condition patches + eviction events + controller deletions) / evictions; `null` without evictions. */
    readonly perEviction: number | null;
  };
  readonly throughput: {
    /** Evictions / (last eviction − first due time). */
    readonly evictionsPerSecond: number | null;
    readonly windowSeconds: number;
  };
  /** First 50 wrongful deletions, for debugging. */
  readonly wrongfulPods: readonly WrongfulPod[];
}

export interface SummaryInput {
  readonly runId: string;
  readonly storm: StormResult;
  readonly server: string;
  readonly startedAt: number;
  readonly finishedAt: number;
  readonly timedOut: boolean;
  readonly nodes: number;
  readonly devicesPerNode: number;
  readonly createdPods: number;
  readonly createMs: number;
  readonly verdicts: readonly PodVerdict[];
  readonly counts: ObservedCounts;
  readonly podsWithCondition: ReadonlySet<string>;
  readonly taintsRecorded: number;
  readonly taintsWithoutServerTime: number;
}

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());
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

export function buildSummary(input: SummaryInput): LoadSummary {
  const byOutcome = (o: PodOutcome) => input.verdicts.filter((v) => v.outcome === o).length;
  const evicted = input.verdicts.filter((v) => v.outcome === 'evicted');
  const wrongful = input.verdicts.filter((v) => isWrongful(v.outcome));
  const tolerations = { none: 0, seconds: 0, forever: 0 };
  for (const v of input.verdicts) tolerations[v.pod.toleration.kind]++;

  // Loops, not Math.min(...spread): spreading 100k arguments overflows the stack.
  let firstDue = Number.POSITIVE_INFINITY;
  let lastDeletion = Number.NEGATIVE_INFINITY;
  for (const v of evicted) {
    firstDue = Math.min(firstDue, v.dueAt ?? firstDue);
    lastDeletion = Math.max(lastDeletion, v.deletedAt ?? lastDeletion);
  }
  // A window of at least 1 ms: a single instant eviction is still a finite rate.
  const windowMs = evicted.length > 0 ? Math.max(1, lastDeletion - firstDue) : 0;
  const callsSeen = input.counts.conditionPatches + input.counts.markingEvents + input.counts.cancellingEvents;
  const controllerDeletions = evicted.length + wrongful.length;

  return {
    runId: input.runId,
    storm: input.storm.name,
    server: input.server,
    startedAt: iso(input.startedAt) ?? '',
    finishedAt: iso(input.finishedAt) ?? '',
    durationSeconds: round3((input.finishedAt - input.startedAt) / 1000),
    timedOut: input.timedOut,
    population: {
      pods: input.createdPods,
      nodes: input.nodes,
      devicesPerNode: input.devicesPerNode,
      tolerations,
      createSeconds: round3(input.createMs / 1000),
      createPodsPerSecond: input.createMs > 0 ? round3(input.createdPods / (input.createMs / 1000)) : 0,
    },
    stormResult: {
      startedAt: iso(input.storm.startedAt) ?? '',
      finishedAt: iso(input.storm.finishedAt) ?? '',
      operations: input.storm.operations,
      devicesTainted: input.storm.devicesTainted,
      taintsRecorded: input.taintsRecorded,
      taintsWithoutServerTime: input.taintsWithoutServerTime,
      details: input.storm.details,
    },
    evictions: {
      expected: evicted.length + byOutcome('missed') + byOutcome('wrongful-early'),
      observed: evicted.length,
      missed: byOutcome('missed'),
      notYetDue: byOutcome('not-yet-due'),
      spared: byOutcome('spared'),
      selfDeleted: byOutcome('self-deleted'),
      wrongful: wrongful.length,
      wrongfulForever: byOutcome('wrongful-forever'),
      wrongfulEarly: byOutcome('wrongful-early'),
      wrongfulUntainted: byOutcome('wrongful-untainted'),
      withDisruptionCondition: evicted.filter((v) => input.podsWithCondition.has(v.pod.uid)).length,
    },
    latencyMs: latencySummary(evicted.map((v) => v.latencyMs ?? 0)),
    apiCalls: {
      ...input.counts,
      controllerDeletions,
      perEviction: evicted.length > 0 ? round3((callsSeen + controllerDeletions) / evicted.length) : null,
    },
    throughput: {
      evictionsPerSecond: evicted.length > 0 ? round3(evicted.length / (windowMs / 1000)) : null,
      windowSeconds: round3(windowMs / 1000),
    },
    wrongfulPods: wrongful.slice(0, 50).map((v) => ({
      namespace: v.pod.namespace,
      name: v.pod.name,
      uid: v.pod.uid,
      outcome: v.outcome,
      toleration: v.pod.toleration.kind,
      dueAt: iso(v.dueAt),
      deletedAt: iso(v.deletedAt),
    })),
  };
}

/** The human table printed at the end of a run. */
export function formatSummary(s: LoadSummary): string {
  const ms = (v: number | undefined) => (v === undefined ? '-' : `${v} ms`);
  const rows: [string, string][] = [
    ['run', `${s.runId} (${s.storm}) against ${s.server}`],
    ['duration', `${s.durationSeconds} s${s.timedOut ? ' (TIMED OUT)' : ''}`],
    [
      'population',
      `${s.population.pods} pods on ${s.population.nodes} nodes × ${s.population.devicesPerNode} devices; ` +
        `tolerations none=${s.population.tolerations.none} seconds=${s.population.tolerations.seconds} ` +
        `forever=${s.population.tolerations.forever}; created in ${s.population.createSeconds} s`,
    ],
    ['storm', `${s.stormResult.operations} writes, ${s.stormResult.devicesTainted} devices tainted`],
    ...Object.entries(s.stormResult.details)
      .filter(([, v]) => v !== null && v !== '')
      .map(([k, v]): [string, string] => [`  ${k}`, String(v)]),
    ['evictions', `${s.evictions.observed} of ${s.evictions.expected} expected (missed ${s.evictions.missed})`],
    [
      'wrongful',
      `${s.evictions.wrongful} (forever ${s.evictions.wrongfulForever}, early ${s.evictions.wrongfulEarly}, ` +
        `untainted ${s.evictions.wrongfulUntainted})`,
    ],
    [
      'latency',
      s.latencyMs === null
        ? '-'
        : `p50 ${ms(s.latencyMs.p50)}  p90 ${ms(s.latencyMs.p90)}  p99 ${ms(s.latencyMs.p99)}  max ${ms(s.latencyMs.max)}`,
    ],
    [
      'api calls',
      `${s.apiCalls.perEviction ?? '-'} per eviction (conditions ${s.apiCalls.conditionPatches}, ` +
        `events ${s.apiCalls.markingEvents}+${s.apiCalls.cancellingEvents}, deletions ${s.apiCalls.controllerDeletions})`,
    ],
    [
      'throughput',
      s.throughput.evictionsPerSecond === null
        ? '-'
        : `${s.throughput.evictionsPerSecond} evictions/s over ${s.throughput.windowSeconds} s`,
    ],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  return `${rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join('\n')}\n`;
}

export async function writeSummary(path: string, summary: LoadSummary): Promise<void> {
  await writeFile(path, `${JSON.stringify(summary, null, 2)}\n`, 'utf8');
}
