// `device-taint-evictor run`: wires the pieces into one controller, in the order upstream starts its
// own (spec §2.11): discover API versions, build informers, register the engine's handlers, wait for
// every cache to sync, then let decisions reach the worker partitions that execute them.
//
//   reflectors ──records──▶ engine (decisions) ──gate──▶ router ──▶ worker partitions ──▶ API
//        ▲                       ▲   │ rule status (main thread, SSA)                      │
//        └──────── list/watch    └───┴──────────── results (evictionFinished, metrics) ◀───┘
//
// With leader election the controller does nothing but campaign until it holds the Lease, and exits
// when it loses it (kube-controller-manager does the same: a deposed leader must not keep evicting,
// and a restart is the simplest way to come back with clean state).

import os from 'node:os';
import type { KubeConfig } from '@kubernetes/client-node';
import type { ApiClient } from '../kube/apiClient.js';
import { DiscoveryError, discoverApis, resourcesFor } from '../kube/discovery.js';
import { kubeExecutorWorkerOptions } from '../kube/executorSpec.js';
import { InformerSet } from '../kube/informers.js';
import { KeepAliveApiClient } from '../kube/keepAlive.js';
import { loadKubeconfig } from '../kube/kubeconfig.js';
import { defaultIdentity, LeaseLeaderElector } from '../kube/leaderElection.js';
import { HttpReadTransport } from '../kube/readTransport.js';
import { KubeRuleStatusWriter } from '../kube/ruleStatusWriter.js';
import type { ApiBudget } from '../shared/apiBudget.js';
import { unlimitedBudget } from '../shared/apiBudget.js';
import { RealClock } from '../shared/clock.js';
import type { EvictionResult, EvictionSink, ReasonId } from '../shared/decisions.js';
import type { Logger } from '../shared/logger.js';
import { SharedTokenBucket, type SharedTokenBucketSpec } from '../shared/tokenBucket.js';
import type { PodRef } from '../shared/types.js';
import type { ControllerOptions } from './controllerOptions.js';
import { PooledPageDecoder } from './decodePool.js';
import type { EvictionEngine } from './engine/engine.js';
import type { RuleStatusUpdater, RuleStatusWriter } from './engine/ruleStatusUpdater.js';
import { createEngineWithRuleStatus } from './engine/wiring.js';
import type { EvictionRuntime } from './evictionRuntime.js';
import { GatedSink } from './gatedSink.js';
import { createLogger } from './log.js';
import { ControllerMetrics } from './metrics.js';
import { type OpsServer, startOpsServer } from './opsServer.js';
import { ShardedRuntime } from './shardedRuntime.js';

/** A startup problem the CLI reports as one line and exit code 1 (bad kubeconfig, unreachable server, RBAC). */
export class StartupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StartupError';
  }
}

export interface ControllerHooks {
  /** Logger to use instead of building one from the options (tests, the demo). */
  readonly log?: Logger;
  /** Called once per finished eviction, after the engine and metrics saw it (the demo prints these). */
  readonly onEviction?: (result: EvictionResult) => void;
  /** How long startup waits for the caches before giving up (default: forever, logging progress). */
  readonly syncTimeoutMs?: number;
  /** How long shutdown lets in-flight API calls finish. */
  readonly drainTimeoutMs?: number;
}

export interface RunningController {
  readonly metrics: ControllerMetrics;
  readonly opsAddress: { readonly host: string; readonly port: number } | null;
  /** Resolves with the process exit code once the controller has stopped (signal, lost leadership, fatal error). */
  readonly done: Promise<number>;
  /** True once caches are synced and decisions flow to the workers. */
  isRunning(): boolean;
  /** Graceful stop: no new decisions, in-flight calls drained, lease released. */
  stop(reason: string): Promise<void>;
  /** For tests and the demo: the live engine once started, else null. */
  engine(): EvictionEngine | null;
  runtime(): EvictionRuntime | null;
}

const DEFAULT_DRAIN_MS = 10_000;

/** A writer that only logs, for --dry-run. */
const dryRunRuleWriter = (log: Logger): RuleStatusWriter => ({
  apply(rule, condition) {
    log.info('dry run: would apply DeviceTaintRule status', {
      rule: rule.name,
      reason: condition.reason,
      message: condition.message,
    });
    return Promise.resolve();
  },
});

function describeStartupFailure(server: string, error: unknown): string {
  if (error instanceof DiscoveryError) return `API server ${server}: ${error.message}`;
  const message = error instanceof Error ? error.message : String(error);
  return `API server ${server}: ${message}`;
}

export async function startController(
  options: ControllerOptions,
  hooks: ControllerHooks = {},
): Promise<RunningController> {
  const log: Logger = hooks.log ?? createLogger({ format: options.logFormat, level: options.logLevel });
  const clock = new RealClock();

  let loaded: { kc: KubeConfig; server: string };
  try {
    loaded = loadKubeconfig({
      ...(options.kubeconfig !== undefined ? { kubeconfig: options.kubeconfig } : {}),
      ...(options.context !== undefined ? { context: options.context } : {}),
    });
  } catch (error) {
    throw new StartupError(error instanceof Error ? error.message : String(error));
  }
  const { kc, server } = loaded;

  let transport: HttpReadTransport;
  let apis: Awaited<ReturnType<typeof discoverApis>>;
  try {
    transport = await HttpReadTransport.fromKubeConfig(kc, { userAgent: 'device-taint-evictor' });
    apis = await discoverApis(transport, { log });
  } catch (error) {
    throw new StartupError(describeStartupFailure(server, error));
  }
  log.info('Discovered API versions', {
    server,
    dra: `resource.k8s.io/${apis.draVersion}`,
    deviceTaintRules: apis.ruleVersion === null ? 'not served' : `resource.k8s.io/${apis.ruleVersion}`,
    podGroups: apis.podGroupVersion,
  });

  let runtime: ShardedRuntime | null = null;
  let engine: EvictionEngine | null = null;
  let ruleStatus: RuleStatusUpdater | null = null;
  let informers: InformerSet | null = null;
  let pageDecoder: PooledPageDecoder | null = null;
  let running = false;
  let stopping: Promise<void> | null = null;
  let resolveDone: (code: number) => void = () => {};
  const done = new Promise<number>((resolve) => {
    resolveDone = resolve;
  });

  const metrics = new ControllerMetrics({
    clock,
    processMetrics: true,
    shardStats: async () => {
      if (runtime === null) return [];
      const stats = await runtime.stats();
      return new Map(stats.shards.flatMap((s) => (s.worker === null ? [] : [[s.shard, s.worker.partition] as const])));
    },
  });

  const api: ApiClient = await KeepAliveApiClient.fromKubeConfig(kc, { onCall: metrics.observeApiCall });
  const budgetSpec: SharedTokenBucketSpec | null =
    options.kubeApiQps > 0
      ? SharedTokenBucket.createSpec({ qps: options.kubeApiQps, burst: options.kubeApiBurst })
      : null;
  const mainBudget: ApiBudget = budgetSpec === null ? unlimitedBudget : new SharedTokenBucket(budgetSpec);

  let elector: LeaseLeaderElector | null = null;
  let ops: OpsServer | null = null;
  try {
    ops = await startOpsServer({
      bindAddress: options.metricsBindAddress,
      metrics,
      // A standby replica (leader election on, not leading) is ready: it is healthy and waiting, and an
      // unready standby would stall every rolling update of a two-replica Deployment.
      isReady: () => (elector !== null && !elector.isLeader() ? true : (informers?.hasSynced() ?? false)),
      log,
    });
  } catch (error) {
    await api.close();
    await transport.close();
    throw new StartupError(
      `metrics endpoint ${options.metricsBindAddress}: ${error instanceof Error ? error.message : String(error)}`,
    );
  }

  const gate = new GatedSink();
  // A storm makes 100k decisions in one handler call: build their debug fields only when they are logged.
  const traceDecisions = options.logLevel === 'debug';
  const sink: EvictionSink = {
    schedule(pod: PodRef, fireAt: number, reasons: readonly ReasonId[]) {
      if (traceDecisions)
        log.debug('Eviction scheduled', {
          pod: `${pod.namespace}/${pod.name}`,
          uid: pod.uid,
          fireAt: new Date(fireAt).toISOString(),
          reasons,
        });
      gate.schedule(pod, fireAt, reasons);
    },
    cancel(pod: PodRef, emitEvent: boolean) {
      // Without an event the pod is gone already (deleted by us or by someone else): nothing to tell.
      if (emitEvent) log.info('Eviction cancelled', { pod: `${pod.namespace}/${pod.name}`, uid: pod.uid });
      else if (traceDecisions)
        log.debug('Pending eviction dropped: pod deleted', { pod: `${pod.namespace}/${pod.name}`, uid: pod.uid });
      gate.cancel(pod, emitEvent);
    },
  };

  const onResults = (results: readonly EvictionResult[]): void => {
    for (const r of results) {
      engine?.evictionFinished(r);
      metrics.recordResult(r);
      const fields = {
        pod: `${r.pod.namespace}/${r.pod.name}`,
        uid: r.pod.uid,
        outcome: r.outcome,
        reasons: r.reasons,
        attempts: r.attempts,
        latencyMs: r.doneAt - r.fireAt,
      };
      // The dry-run executor writes nothing and reports 'gone' so that nothing is counted as deleted.
      if (options.dryRun) log.info('Dry run: would have evicted pod', fields);
      else if (r.outcome === 'gone') log.info('Pod vanished before eviction', fields);
      else log.info('Pod evicted', fields);
      hooks.onEviction?.(r);
    }
  };

  const start = async (): Promise<void> => {
    runtime = await ShardedRuntime.start({
      workers: options.workers,
      executor: {
        kind: 'kube',
        options: { ...kubeExecutorWorkerOptions(kc, { dryRun: options.dryRun, reportingInstance: os.hostname() }) },
      },
      budget: budgetSpec,
      concurrency: options.concurrentSyncs,
      pending: () => engine?.pendingEvictions() ?? [],
      onMetrics: (delta) => metrics.mergeDelta(delta),
      log,
      workerLog: { level: options.logLevel, format: options.logFormat },
    });
    runtime.onResults(onResults);

    const writer: RuleStatusWriter = options.dryRun
      ? dryRunRuleWriter(log)
      : new KubeRuleStatusWriter({
          api,
          budget: mainBudget,
          apiVersion: `resource.k8s.io/${apis.ruleVersion ?? 'v1'}`,
          log,
        });
    const built = createEngineWithRuleStatus({ clock, sink, writer, log, workloadClaims: options.workloadClaims });
    engine = built.engine;
    ruleStatus = built.ruleStatus;

    // With spare cores, list pages (initial sync, relists) are decoded and projected in a small piscina
    // pool: the main thread's CPU during a 150k-pod sync halves and its event-loop delay p99 drops ~4×.
    // On 2 cores shared with the API server it costs memory and gains no time (bench/ingest.ts).
    if (options.decodeThreads > 0) pageDecoder = new PooledPageDecoder({ log, threads: options.decodeThreads });
    informers = new InformerSet(transport, resourcesFor(apis), {
      log,
      clock,
      ...(pageDecoder === null ? {} : { decoder: pageDecoder }),
    });
    informers.attach(engine);
    for (const r of informers.all()) {
      r.addEventHandler({
        added: () => metrics.recordInformerEvent(r.id),
        updated: () => metrics.recordInformerEvent(r.id),
        deleted: () => metrics.recordInformerEvent(r.id),
      });
    }
    const syncStarted = clock.now();
    informers.start();
    await informers.waitForSync(hooks.syncTimeoutMs);
    for (const r of informers.all()) metrics.setInformerSynced(r.id, true);
    const replayed = gate.open(runtime.sink, engine.pendingEvictions());
    running = true;
    log.info('Caches synced; evicting', {
      syncMs: clock.now() - syncStarted,
      pods: informers.pods.size,
      claims: informers.claims.size,
      slices: informers.slices.size,
      rules: informers.rules?.size ?? 0,
      pendingEvictions: replayed,
      workers: options.workers,
    });
  };

  const stop = (reason: string, code = 0): Promise<void> => {
    if (stopping !== null) return stopping;
    stopping = (async () => {
      log.info('Shutting down', { reason });
      running = false;
      gate.close();
      await informers?.stop();
      await pageDecoder?.close();
      ruleStatus?.stop();
      await runtime?.close(hooks.drainTimeoutMs ?? DEFAULT_DRAIN_MS);
      if (elector !== null)
        await elector.release().catch((e: unknown) => log.warn('Releasing the lease failed', { error: String(e) }));
      await ops?.close();
      await api.close();
      await transport.close();
      log.info('Stopped', { reason });
      resolveDone(code);
    })();
    return stopping;
  };

  const fail = (what: string, error: unknown): void => {
    log.error(what, { error: error instanceof Error ? error.message : String(error) });
    void stop(what, 1);
  };

  if (options.leaderElect) {
    const identity = process.env.POD_NAME
      ? `${process.env.POD_NAME}_${defaultIdentity().split('_').pop()}`
      : defaultIdentity();
    elector = new LeaseLeaderElector({
      api,
      namespace: options.leaderElectNamespace,
      name: options.leaderElectLeaseName,
      identity,
      clock,
      log,
      callbacks: {
        onStartedLeading: () => {
          log.info('Became leader', {
            lease: `${options.leaderElectNamespace}/${options.leaderElectLeaseName}`,
            identity,
          });
          start().catch((e: unknown) => fail('Controller failed to start', e));
        },
        onStoppedLeading: () => {
          if (stopping === null) fail('Leader election lost', new Error('lease not renewed within the renew deadline'));
        },
        onNewLeader: (holder) => {
          if (holder !== identity) log.info('Observed leader', { holder });
        },
      },
    });
    elector.start();
  } else {
    try {
      await start();
    } catch (error) {
      await stop('startup failed', 1);
      throw new StartupError(describeStartupFailure(server, error));
    }
  }

  return {
    metrics,
    opsAddress: ops?.address ?? null,
    done,
    isRunning: () => running,
    stop: (reason) => stop(reason, 0),
    engine: () => engine,
    runtime: () => runtime,
  };
}
