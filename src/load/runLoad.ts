// One load run, start to finish: populate, start watching, storm, wait for the evictions that are due,
// settle, judge, report, clean up. Every phase is bounded by `--timeout`; cleanup runs on every exit.

import { KubeConfig } from '@kubernetes/client-node';
import { loadKubeconfig } from '../kube/kubeconfig.js';
import { type Clock, RealClock } from '../shared/clock.js';
import { type Logger, silentLogger } from '../shared/logger.js';
import { seededRandom } from '../shared/random.js';
import { cleanupRun } from './cleanup.js';
import { ThrottledLoadCluster } from './clientBudget.js';
import { KubeLoadCluster, type LoadCluster } from './cluster.js';
import { type ApiWriteCounts, diffWrites, type MetricsScraper, metricsScraper } from './controllerMetrics.js';
import { TaintLedger } from './ledger.js';
import { runLabels, runSelector } from './manifests.js';
import { LoadObserver } from './observer.js';
import type { LoadOptions } from './options.js';
import { createPopulation, planPopulation } from './population.js';
import { createProgress, type Progress } from './progress.js';
import { buildSummary, formatSummary, type LoadSummary, writeSummary } from './report.js';
import { STORM_RUNNERS } from './storms/index.js';
import { SliceTainter } from './storms/sliceTainter.js';
import type { LoadPod } from './types.js';
import { judgePods } from './verdict.js';

export interface RunLoadDeps {
  /** Defaults to a client-node cluster from `opts.kubeconfig`/`opts.context`. */
  readonly cluster?: LoadCluster;
  readonly kubeConfig?: KubeConfig;
  readonly clock?: Clock;
  readonly log?: Logger;
  readonly progress?: Progress;
  /** Where the table goes; defaults to stdout. Pass `null` to print nothing. */
  readonly print?: ((text: string) => void) | null;
  /** Fixed run id (tests); defaults to a time-derived one. */
  readonly runId?: string;
}

const newRunId = (): string => Date.now().toString(36).slice(-6);

class RunTimeout extends Error {
  constructor(phase: string) {
    super(`load run timed out during ${phase}`);
    this.name = 'RunTimeout';
  }
}

/**
 * Waits until the observer has seen every pod in `due` deleted, or the deadline passes; `true` when all were.
 * Counted incrementally: at 100k pods, rescanning on every watch event would be quadratic.
 */
async function awaitDeletions(
  observer: LoadObserver,
  due: readonly LoadPod[],
  deadline: number,
  progress: Progress,
): Promise<boolean> {
  const pending = new Set(due.map((p) => p.uid));
  const phase = progress.phase('evictions', pending.size);
  let seen = 0;
  const unsubscribe = observer.onDeletion((uid) => {
    if (pending.delete(uid)) phase.update(++seen);
  });
  for (const uid of [...pending]) if (observer.deletedAt.has(uid) && pending.delete(uid)) seen++;
  phase.update(seen);
  try {
    return await observer.waitUntil(() => pending.size === 0, deadline - Date.now());
  } finally {
    unsubscribe();
    phase.done();
  }
}

/**
 * Runs a load scenario against the cluster in `opts.kubeconfig` (or `deps.cluster`) and returns the summary.
 * Waiting for evictions past `--timeout` yields a summary with `timedOut: true`; setup failures
 * (unreachable cluster, refused storm) and a timeout while still creating the population throw.
 */
export async function runLoad(opts: LoadOptions, deps: RunLoadDeps = {}): Promise<LoadSummary> {
  const clock = deps.clock ?? new RealClock();
  const log = deps.log ?? silentLogger;
  const print = deps.print === undefined ? (text: string) => process.stdout.write(text) : deps.print;
  const progress = deps.progress ?? createProgress(opts.progress);
  let server = 'in-process';
  let cluster = deps.cluster;
  if (cluster === undefined) {
    // client-node's own KubeConfig: the generator's clients are client-node's (makeApiClient).
    const kc =
      deps.kubeConfig ??
      loadKubeconfig({ kubeconfig: opts.kubeconfig, context: opts.context }, () => new KubeConfig()).kc;
    server = kc.getCurrentCluster()?.server ?? 'unknown';
    cluster = new KubeLoadCluster(kc);
  }
  // The generator's own client budget (--qps/--burst), around whatever cluster it talks to.
  const throttled = opts.qps > 0 ? new ThrottledLoadCluster(cluster, { qps: opts.qps, burst: opts.burst }) : null;
  if (throttled !== null) cluster = throttled;
  const scraper: MetricsScraper | null =
    opts.controllerMetrics === undefined
      ? null
      : metricsScraper({
          url: opts.controllerMetrics,
          ...(opts.controllerMetricsTokenFile !== undefined ? { tokenFile: opts.controllerMetricsTokenFile } : {}),
          insecure: opts.controllerMetricsInsecure,
        });
  let metricsBefore: ApiWriteCounts | null = null;
  let metricsError: string | null = null;
  const scrape = async (): Promise<ApiWriteCounts | null> => {
    if (scraper === null || metricsError !== null) return null;
    try {
      return await scraper.scrape();
    } catch (err) {
      metricsError = err instanceof Error ? err.message : String(err);
      log.warn('controller metrics not available; judging from the watch alone', { error: metricsError });
      return null;
    }
  };

  const startedAt = Date.now();
  const deadline = startedAt + opts.timeout * 1000;
  const runId = deps.runId ?? newRunId();
  const plan = planPopulation(opts, runId);
  const ledger = new TaintLedger();
  const selfDeleted = new Set<string>();
  const pods: LoadPod[] = [];
  const allPods: LoadPod[] = [];
  const observer = new LoadObserver(cluster, {
    namespace: plan.namespace,
    labelSelector: runSelector(runId),
    clock,
    log,
  });
  let timedOut = false;
  let createdNamespace = false;
  let createMs = 0;
  const guard = (phase: string) => {
    if (Date.now() > deadline) throw new RunTimeout(phase);
  };

  try {
    createdNamespace = await cluster.ensureNamespace(plan.namespace, runLabels(runId));
    await observer.start();

    const createPhase = progress.phase('create', plan.pods.length);
    const createStart = Date.now();
    let ready = 0;
    try {
      const population = await createPopulation(cluster, plan, {
        concurrency: opts.concurrency,
        onPodReady: () => {
          createPhase.update(++ready);
          guard('create');
        },
      });
      pods.push(...population.pods);
    } finally {
      createMs = Date.now() - createStart;
      createPhase.done();
    }
    allPods.push(...pods);
    log.info('load population ready', { runId, pods: pods.length, slices: plan.slices.length });

    metricsBefore = await scrape();
    const stormPhase = progress.phase(opts.storm, 1);
    let stormDone = 0;
    const stormResult = await STORM_RUNNERS[opts.storm]({
      cluster,
      plan,
      pods,
      ledger,
      tainter: new SliceTainter(cluster, ledger, clock),
      opts,
      clock,
      log,
      random: seededRandom(opts.seed ^ 0x5f3759df),
      deadline,
      markSelfDeleted: (uid) => selfDeleted.add(uid),
      tick: (total) => stormPhase.update(++stormDone, total),
    });
    stormPhase.done();
    // Churn creates pods while it runs; everything it ever created is judged.
    const judged = new Set(allPods.map((p) => p.uid));
    for (const pod of pods) if (!judged.has(pod.uid)) allPods.push(pod);

    // Pods tolerating longer than the run lasts are not waited for; they are reported "not yet due".
    const due = allPods.filter((p) => {
      const at = ledger.dueTime(p);
      return at !== null && at <= deadline && !selfDeleted.has(p.uid);
    });
    timedOut = !(await awaitDeletions(observer, due, deadline, progress));
    // Wrongful deletions may trail the expected ones: keep looking a little longer.
    if (opts.settle > 0 && Date.now() < deadline)
      await observer.waitUntil(() => false, Math.min(opts.settle * 1000, deadline - Date.now()));

    const metricsAfter = await scrape();
    const finishedAt = Date.now();
    observer.stop();
    const controllerMetrics: LoadSummary['controllerMetrics'] =
      opts.controllerMetrics === undefined
        ? null
        : metricsBefore !== null && metricsAfter !== null
          ? { url: opts.controllerMetrics, ...diffWrites(metricsBefore, metricsAfter) }
          : { url: opts.controllerMetrics, error: metricsError ?? 'no scrape' };
    const verdicts = judgePods({
      pods: allPods,
      ledger,
      deletedAt: observer.deletedAt,
      selfDeleted,
      skewMs: opts.skewMs,
      now: clock.now(),
    });
    const summary = buildSummary({
      runId,
      storm: stormResult,
      server,
      startedAt,
      finishedAt,
      timedOut,
      nodes: plan.slices.length,
      devicesPerNode: opts.devicesPerNode,
      createdPods: plan.pods.length,
      createMs,
      verdicts,
      counts: observer.counts(),
      podsWithCondition: observer.podsWithCondition,
      conditionAndEventTimes: observer.conditionAndEventTimes,
      taintsRecorded: ledger.taints().length,
      taintsWithoutServerTime: ledger.taints().filter((t) => !t.serverStamped).length,
      controllerBudget: { qps: opts.controllerQps, burst: opts.controllerBurst },
      client: throttled?.stats() ?? null,
      controllerMetrics,
    });
    progress.stop();
    print?.(formatSummary(summary));
    if (opts.output !== undefined) await writeSummary(opts.output, summary);
    return summary;
  } finally {
    observer.stop();
    progress.stop();
    await scraper?.close();
    if (opts.cleanup)
      await cleanupRun(cluster, plan, { deleteNamespace: createdNamespace, concurrency: opts.concurrency, log });
  }
}
