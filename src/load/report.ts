// Turns a run's verdicts and observations into the summary: a printed table for people and a JSON
// document (`--output`) for scripts and the benchmark history. Latency percentiles come from an HDR
// histogram, as in the end-to-end benchmarks, so numbers are comparable between the two. Where the
// latency went (toleration waits, the controller's API budget, the controller itself) and whether the
// budget bounded throughput is worked out in budget.ts.

import { writeFile } from 'node:fs/promises';
import {
  analyseTiming,
  type BudgetVerdict,
  type EvictionTiming,
  type TimingBreakdown,
  type WriteBudget,
} from './budget.js';
import type { ClientBudgetStats } from './clientBudget.js';
import type { ApiWriteCounts } from './controllerMetrics.js';
import { type LatencySummary, latencySummary } from './latency.js';
import type { ObservedCounts } from './observer.js';
import type { StormResult } from './storms/index.js';
import type { LoadToleration } from './types.js';
import { isWrongful, type PodOutcome, type PodVerdict } from './verdict.js';

export { type LatencySummary, latencySummary } from './latency.js';

/** Writes per eviction assumed when nothing was measured (condition patch, event, delete). */
export const DEFAULT_WRITES_PER_EVICTION = 3;

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
    /**
     * Evictions / time with at least one eviction due and not yet seen deleted (the union of every
     * evicted pod's [due, deleted]): toleration waits, when nothing was due, are not in it.
     */
    readonly evictionsPerSecond: number | null;
    readonly windowSeconds: number;
  };
  /** The latency split: toleration waits (before due), API budget queue (modelled), controller (the rest). */
  readonly timing: TimingBreakdown;
  /** Whether the controller's API write budget was what limited throughput, and how that was judged. */
  readonly apiBudget: BudgetVerdict;
  /** The load generator's own client budget (--qps/--burst); null when unlimited. */
  readonly client: ClientBudgetStats | null;
  /** The controller's API writes during the run from its /metrics (--controller-metrics); null when not scraped. */
  readonly controllerMetrics:
    | (ApiWriteCounts & { readonly url: string })
    | { readonly url: string; readonly error: string }
    | null;
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
  /** When each controller condition patch and eviction event was seen (deletions come from the verdicts). */
  readonly conditionAndEventTimes?: readonly number[];
  /** The controller's write budget as assumed (--controller-qps/--controller-burst). */
  readonly controllerBudget?: WriteBudget;
  readonly client?: ClientBudgetStats | null;
  readonly controllerMetrics?: LoadSummary['controllerMetrics'];
}

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());
const round3 = (n: number): number => Math.round(n * 1000) / 1000;

export function buildSummary(input: SummaryInput): LoadSummary {
  const byOutcome = (o: PodOutcome) => input.verdicts.filter((v) => v.outcome === o).length;
  const evicted = input.verdicts.filter((v) => v.outcome === 'evicted');
  const wrongful = input.verdicts.filter((v) => isWrongful(v.outcome));
  const tolerations = { none: 0, seconds: 0, forever: 0 };
  for (const v of input.verdicts) tolerations[v.pod.toleration.kind]++;

  const timings: EvictionTiming[] = evicted.map((v) => ({
    dueAt: v.dueAt ?? 0,
    deletedAt: v.deletedAt ?? v.dueAt ?? 0,
    toleratedMs: v.pod.toleration.kind === 'seconds' ? v.pod.toleration.seconds * 1000 : 0,
  }));
  const callsSeen = input.counts.conditionPatches + input.counts.markingEvents + input.counts.cancellingEvents;
  const controllerDeletions = evicted.length + wrongful.length;
  const perEviction = evicted.length > 0 ? round3((callsSeen + controllerDeletions) / evicted.length) : null;
  const scraped = input.controllerMetrics ?? null;
  const scrapedWrites = scraped !== null && 'evictionWrites' in scraped ? scraped.evictionWrites : 0;
  // The controller's own count beats what the watch shows; a scrape of a standby (no writes) does not.
  const [writesPerEviction, writesSource]: [number, BudgetVerdict['writesSource']] =
    scrapedWrites > 0 && evicted.length > 0
      ? [scrapedWrites / evicted.length, 'controller-metrics']
      : perEviction !== null
        ? [perEviction, 'observed']
        : [DEFAULT_WRITES_PER_EVICTION, 'default'];
  const budget = input.controllerBudget ?? { qps: 20, burst: 30 };
  // The controller's writes as the watch saw them: condition patches, events, and its deletions.
  const writeTimes = [...(input.conditionAndEventTimes ?? [])];
  for (const v of [...evicted, ...wrongful]) if (v.deletedAt !== null) writeTimes.push(v.deletedAt);
  // Writes the controller counted but the watch could not see (retries, failures) drain its bucket too.
  const tokensPerWrite = scrapedWrites > 0 && writeTimes.length > 0 ? scrapedWrites / writeTimes.length : 1;
  const { timing, apiBudget } = analyseTiming({
    evicted: timings,
    writeTimes,
    tokensPerWrite,
    budget,
    writesPerEviction,
    writesSource,
  });
  // A window of at least 1 ms: a single instant eviction is still a finite rate.
  const windowMs = evicted.length > 0 ? Math.max(1, apiBudget.backlogSeconds * 1000) : 0;

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
      perEviction,
    },
    throughput: {
      evictionsPerSecond: evicted.length > 0 ? round3(evicted.length / (windowMs / 1000)) : null,
      windowSeconds: round3(windowMs / 1000),
    },
    timing,
    apiBudget,
    client: input.client ?? null,
    controllerMetrics: scraped,
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
  const percentiles = (l: LatencySummary | null) =>
    l === null ? '-' : `p50 ${ms(l.p50)}  p90 ${ms(l.p90)}  p99 ${ms(l.p99)}  max ${ms(l.max)}`;
  const { timing, apiBudget } = s;
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
      'toleration waits',
      timing.toleration === null
        ? 'none (no evicted pod tolerated the taint for a while)'
        : `${timing.toleration.pods} evicted pods tolerated the taint for up to ${timing.toleration.maxSeconds} s ` +
          `(mean ${timing.toleration.meanSeconds} s) before they were due: by design, not in latency or throughput`,
    ],
    ['latency', `${percentiles(s.latencyMs)}  (due → deletion seen)`],
    ['  api budget queue', `${percentiles(timing.budgetQueueMs)}  (budget exhausted, see method)`],
    ['  controller', `${percentiles(timing.controllerMs)}  (latency − budget queue)`],
    [
      'api calls',
      `${s.apiCalls.perEviction ?? '-'} per eviction (conditions ${s.apiCalls.conditionPatches}, ` +
        `events ${s.apiCalls.markingEvents}+${s.apiCalls.cancellingEvents}, deletions ${s.apiCalls.controllerDeletions})`,
    ],
    [
      'throughput',
      s.throughput.evictionsPerSecond === null
        ? '-'
        : `${s.throughput.evictionsPerSecond} evictions/s over ${s.throughput.windowSeconds} s with evictions pending ` +
          '(toleration waits excluded)',
    ],
    ['api budget', apiBudget.verdict],
    [
      '  model',
      `controller budget ${apiBudget.qps}/s burst ${apiBudget.burst} (assumed: --controller-qps/--controller-burst), ` +
        `${apiBudget.writesPerEviction} writes per eviction (${apiBudget.writesSource}); ` +
        `${apiBudget.writesReplayed} writes seen × ${apiBudget.tokensPerWrite} tokens replayed, ` +
        `${apiBudget.writesOverBudget} over budget; budget exhausted ${apiBudget.budgetExhaustedSeconds} s of ` +
        `${apiBudget.backlogSeconds} s pending; budget share of latency ` +
        `${timing.budgetShareOfLatency === null ? '-' : `${Math.round(timing.budgetShareOfLatency * 100)}%`}`,
    ],
    ['  method', apiBudget.method],
  ];
  const cm = s.controllerMetrics;
  if (cm !== null) {
    rows.push([
      'controller /metrics',
      'error' in cm
        ? `${cm.url}: not used (${cm.error})`
        : `${cm.writes} writes during the run (${cm.evictionWrites} for evictions), ${cm.throttledByServer} answered 429 by the API server` +
          (cm.throttledByServer > 0 ? ' (API Priority and Fairness throttled the controller)' : ''),
    ]);
  }
  const c = s.client;
  rows.push([
    'load client',
    c === null
      ? 'own budget unlimited (--qps 0)'
      : `own budget --qps ${c.qps} --burst ${c.burst}: ${c.requests} requests, ${c.throttled} waited, ` +
        `${round3(c.waitMs / 1000)} s waiting in total`,
  ]);
  const width = Math.max(...rows.map(([k]) => k.length));
  return `${rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join('\n')}\n`;
}

export async function writeSummary(path: string, summary: LoadSummary): Promise<void> {
  await writeFile(path, `${JSON.stringify(summary, null, 2)}\n`, 'utf8');
}
