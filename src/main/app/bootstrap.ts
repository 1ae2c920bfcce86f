// Builds a Controller's parts in dependency order — kubeconfig → transports → discovery → ops server →
// engine → informers → worker runtime → leadership — registering each with a Disposer as it is built,
// so that a failure in any step releases exactly what the earlier steps created (no leaked connection
// pool, listening socket or worker thread) and surfaces as one StartupError line.
//
// Worker threads take about a second to start; they start while discovery runs, not after it.

import os from 'node:os';
import { ApiConnection } from '../../kube/connection.js';
import { DiscoveryError, discoverApis, resourcesFor } from '../../kube/discovery.js';
import { InformerSet } from '../../kube/informers.js';
import { KeepAliveApiClient } from '../../kube/keepAlive.js';
import { loadKubeconfig } from '../../kube/kubeconfig.js';
import { defaultIdentity } from '../../kube/leaderElection.js';
import { LeaseLeaderElector } from '../../kube/leaderElector.js';
import type { PooledPageDecoder } from '../../kube/pageDecode/pool.js';
import { HttpReadTransport } from '../../kube/readTransport.js';
import { KubeRuleStatusWriter } from '../../kube/ruleStatusWriter.js';
import { type ApiBudget, unlimitedBudget } from '../../shared/apiBudget.js';
import { type Clock, RealClock } from '../../shared/clock.js';
import type { EvictionSink } from '../../shared/decisions.js';
import { createLogger } from '../../shared/log.js';
import type { Logger } from '../../shared/logger.js';
import { SharedSlots } from '../../shared/sharedSlots.js';
import { SharedTokenBucket, type SharedTokenBucketSpec } from '../../shared/tokenBucket.js';
import { WriteFence } from '../../shared/writeFence.js';
import { kubeExecutorWorkerOptions } from '../../workers/executor/kubeExecutorSpec.js';
import type { EvictionEngine } from '../engine/engine.js';
import type { RuleStatusWriter } from '../engine/ruleStatusUpdater.js';
import { createEngineWithRuleStatus } from '../engine/wiring.js';
import { GatedSink } from '../runtime/gatedSink.js';
import { ShardedRuntime } from '../runtime/shardedRuntime.js';
import { Brakes, createBrakeSpecs } from './brakes.js';
import { Controller, type ControllerHooks, StartupError } from './controller.js';
import { DelegatedAuth } from './delegatedAuth.js';
import { Disposer } from './disposer.js';
import { ControllerMetrics } from './metrics.js';
import { type OpsServer, parseBindAddress, startOpsServer } from './opsServer.js';
import type { ControllerOptions } from './options.js';
import { servingCertificate } from './servingCert.js';
import { userAgent, VERSION } from './version.js';

/** How long start-up tries to reach the API server before it reports one line and exits 1. */
const STARTUP_DISCOVERY_DEADLINE_MS = 3_000;

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

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** The leader identity: the pod name when in a cluster (downward API), plus a unique suffix. */
function leaderIdentity(): string {
  const unique = defaultIdentity();
  const podName = process.env.POD_NAME;
  return podName ? `${podName}_${unique.split('_').pop()}` : unique;
}

/**
 * Builds a controller (not started). Everything built is released again if a later step fails.
 * Throws StartupError with one line an operator can act on.
 */

/**
 * Handler work of a large list (a million pods: seconds of it) and the decisions owed at the end of a
 * burst run in slices of this many milliseconds, with a setImmediate turn in between, so that lease
 * renewals, watches and the ops server never wait behind them for much longer (issue 12: no stall over
 * 50 ms during a sync; the longest one is exported as a metric).
 */
const HANDLER_SLICE_MS = 10;
const HANDLER_SLICING = {
  sliceMs: HANDLER_SLICE_MS,
  yieldTurn: () => new Promise<void>((resolve) => setImmediate(resolve)),
  defer: (fn: () => void) => {
    setImmediate(fn);
  },
  minRecords: 20_000,
};

export async function buildController(options: ControllerOptions, hooks: ControllerHooks = {}): Promise<Controller> {
  const log: Logger = hooks.log ?? createLogger({ format: options.logFormat, level: options.logLevel });
  const clock = new RealClock();
  const disposer = new Disposer();
  try {
    return await build(options, hooks, log, clock, disposer);
  } catch (error) {
    for (const failure of await disposer.releaseAll())
      log.warn('Releasing a part after a failed start failed', { part: failure.what, error: messageOf(failure.error) });
    throw error instanceof StartupError ? error : new StartupError(messageOf(error));
  }
}

async function build(
  options: ControllerOptions,
  hooks: ControllerHooks,
  log: Logger,
  clock: Clock,
  disposer: Disposer,
): Promise<Controller> {
  // Checked before any network call: a typo must not cost a discovery round trip.
  try {
    parseBindAddress(options.metricsBindAddress);
  } catch (error) {
    throw new StartupError(`--metrics-bind-address: ${messageOf(error)}`);
  }
  let loaded: ReturnType<typeof loadKubeconfig>;
  try {
    loaded = loadKubeconfig({ kubeconfig: options.kubeconfig, context: options.context });
  } catch (error) {
    throw new StartupError(messageOf(error));
  }
  const { kc, server } = loaded;
  // One line that says what this process is about to do, before it does anything.
  log.info('Starting device-taint-evictor', {
    version: VERSION,
    server,
    workers: options.workers,
    concurrentSyncs: options.concurrentSyncs,
    kubeApiQps: options.kubeApiQps,
    mode: options.dryRun ? 'dry-run' : options.evictionMode === 'evict' ? 'evict (eviction API)' : 'delete',
    leaderElect: options.leaderElect,
    metrics:
      options.metricsBindAddress === '0'
        ? 'off'
        : `${options.metricsSecure ? 'https' : 'http'}://${options.metricsBindAddress}`,
    workloadClaims: options.workloadClaims,
    deviceTaintRules: options.deviceTaintRules,
  });
  const failedAt = (error: unknown): StartupError =>
    new StartupError(
      error instanceof DiscoveryError
        ? `API server ${server}: ${error.message}`
        : `API server ${server}: ${messageOf(error)}`,
    );

  // Parts the runtime's closures need before they exist.
  let engine: EvictionEngine | null = null;
  let controller: Controller | null = null;

  const metrics = new ControllerMetrics({
    clock,
    processMetrics: true,
    shardStats: async () => {
      const stats = await runtime.stats();
      return new Map(stats.shards.flatMap((s) => (s.worker === null ? [] : [[s.shard, s.worker.partition] as const])));
    },
  });
  const fenceSpec = WriteFence.createSpec();
  const fence = new WriteFence(fenceSpec);
  const budgetSpec: SharedTokenBucketSpec | null =
    options.kubeApiQps > 0
      ? SharedTokenBucket.createSpec({ qps: options.kubeApiQps, burst: options.kubeApiBurst })
      : null;
  const budget: ApiBudget = budgetSpec === null ? unlimitedBudget : new SharedTokenBucket(budgetSpec);

  const identity = leaderIdentity();
  const agent = userAgent(identity);
  // One connection (TLS material, credentials and their refresh) for the read transport, the write
  // client and every worker thread: workers get it as plain data and never load client-node.
  const connection = disposer.add(
    'API connection',
    await ApiConnection.fromKubeConfig(kc, { log }).catch((e: unknown) => {
      throw failedAt(e);
    }),
    (c) => c.credentials.close(),
  );
  const readTransport = disposer.add('read transport', new HttpReadTransport(connection, { userAgent: agent }), (t) =>
    t.close(),
  );
  const api = disposer.add(
    'API client',
    new KeepAliveApiClient(connection, { onCall: metrics.observeApiCall, userAgent: agent }),
    (c) => c.close(),
  );

  // Worker threads start while discovery runs.
  const brakeSpecs = createBrakeSpecs(options);
  let brakes: Brakes | null = null;
  const runtimeStarting = ShardedRuntime.start({
    workers: options.workers,
    executor: {
      kind: 'kube',
      options: {
        ...kubeExecutorWorkerOptions(connection, {
          dryRun: options.dryRun,
          reportingInstance: os.hostname(),
          userAgent: agent,
          evictionMode: options.evictionMode,
          evictionTimeoutMs: options.evictionTimeoutMs,
        }),
      },
    },
    budget: budgetSpec,
    fence: fenceSpec,
    // One global bound, like kube-controller-manager's N workers: any worker may use all of it.
    slots: SharedSlots.createSpec(options.concurrentSyncs),
    startRate: brakeSpecs.startRate,
    breaker: brakeSpecs.breaker,
    onBrake: (event, shard) => brakes?.episodes.onBrake(event, shard),
    concurrency: options.concurrentSyncs,
    pending: () => engine?.pendingEvictions() ?? [],
    onMetrics: (delta) => metrics.mergeDelta(delta),
    log,
    workerLog: { level: options.logLevel, format: options.logFormat },
    heapLimits: {
      maxOldGenerationMb: options.workerMaxOldSpaceMb,
      maxYoungGenerationMb: options.workerMaxYoungGenerationMb,
    },
    credentials: connection.credentials,
  });
  const [discovered, started] = await Promise.allSettled([
    discoverApis(readTransport, { log, podGroups: options.workloadClaims, deadlineMs: STARTUP_DISCOVERY_DEADLINE_MS }),
    runtimeStarting,
  ]);
  if (started.status === 'fulfilled') disposer.add('worker threads', started.value, (r) => r.close(0));
  if (discovered.status === 'rejected') throw failedAt(discovered.reason);
  if (started.status === 'rejected') throw new StartupError(`worker threads: ${messageOf(started.reason)}`);
  // DRADeviceTaintRules=false: the rule API may be served, this controller ignores it (upstream builds
  // no rule informer then).
  const apis = options.deviceTaintRules ? discovered.value : { ...discovered.value, ruleVersion: null };
  const runtime = started.value;
  log.info('Discovered API versions', {
    server,
    dra: `resource.k8s.io/${apis.draVersion}`,
    deviceTaintRules: apis.ruleVersion === null ? 'not served' : `resource.k8s.io/${apis.ruleVersion}`,
    ...(options.workloadClaims ? { podGroups: apis.podGroupVersion ?? 'not served' } : {}),
  });

  let ops: OpsServer | null;
  try {
    const secure = options.metricsSecure
      ? {
          tls: await servingCertificate({
            ...(options.tlsCertFile !== undefined ? { certFile: options.tlsCertFile } : {}),
            ...(options.tlsPrivateKeyFile !== undefined ? { keyFile: options.tlsPrivateKeyFile } : {}),
          }),
          auth: new DelegatedAuth(api, clock),
        }
      : undefined;
    ops = await startOpsServer({
      bindAddress: options.metricsBindAddress,
      metrics,
      isReady: () => controller?.isReady() ?? false,
      log,
      ...(secure === undefined ? {} : { secure }),
    });
  } catch (error) {
    throw new StartupError(`metrics endpoint ${options.metricsBindAddress}: ${messageOf(error)}`);
  }
  if (ops !== null) disposer.add('ops server', ops, (o) => o.close());

  const gate = new GatedSink();
  // A storm makes 100k decisions in one handler call: build their debug fields only when they are logged.
  const traceDecisions = options.logLevel === 'debug';
  const sink: EvictionSink = {
    schedule(pod, fireAt, reasons, podState) {
      if (traceDecisions)
        log.debug('Eviction scheduled', {
          pod: `${pod.namespace}/${pod.name}`,
          uid: pod.uid,
          fireAt: new Date(fireAt).toISOString(),
          reasons,
        });
      gate.schedule(pod, fireAt, reasons, podState);
    },
    cancel(pod, emitEvent) {
      // Without an event the pod is gone already (deleted by us or by someone else): nothing to tell.
      if (emitEvent && gate.isOpen)
        log.info('Eviction cancelled', { pod: `${pod.namespace}/${pod.name}`, uid: pod.uid });
      else if (traceDecisions)
        log.debug('Pending eviction dropped', { pod: `${pod.namespace}/${pod.name}`, uid: pod.uid });
      gate.cancel(pod, emitEvent);
    },
  };
  const writer: RuleStatusWriter = options.dryRun
    ? dryRunRuleWriter(log)
    : new KubeRuleStatusWriter({ api, budget, fence, apiVersion: `resource.k8s.io/${apis.ruleVersion ?? 'v1'}`, log });
  const built = createEngineWithRuleStatus({
    clock,
    sink,
    writer,
    log,
    workloadClaims: options.workloadClaims,
    ruleStatusPaused: true,
    decisionSlicing: HANDLER_SLICING,
    // The ops of a burst's last decisions leave with the router's flush, an immediate queued before
    // this one: the time taken here is when the burst's last op was handed to the worker queues.
    onBurstDecided: (ops, startedAt) =>
      setImmediate(() => metrics.recordDecisionBurst(ops, (performance.now() - startedAt) / 1000)),
  });
  engine = built.engine;

  // With spare cores, list pages (initial sync, relists) are decoded and projected in a small piscina
  // pool: the main thread's CPU during a 150k-pod sync halves and its event-loop delay p99 drops ~4×.
  // On 2 cores shared with the API server it costs memory and gains no time (bench/ingest.ts).
  // piscina is imported only when there is a pool (a process keeps every module it loaded).
  const pageDecoder: PooledPageDecoder | null =
    options.decodeThreads > 0
      ? disposer.add(
          'page decoder',
          new (await import('../../kube/pageDecode/pool.js')).PooledPageDecoder({
            log,
            threads: options.decodeThreads,
          }),
          (d) => d.close(),
        )
      : null;
  const informers = disposer.add(
    'informers',
    new InformerSet(readTransport, resourcesFor(apis), {
      log,
      clock,
      handlerSlicing: HANDLER_SLICING,
      ...(pageDecoder === null ? {} : { decoder: pageDecoder }),
    }),
    (i) => i.stop(),
  );
  informers.attach(engine);
  const decided = engine;
  brakes = new Brakes({
    settings: options,
    specs: brakeSpecs,
    engine: decided,
    api,
    mayWrite: () => fence.isOpen() && !options.dryRun,
    clock,
    log,
    ruleApiVersion: `resource.k8s.io/${apis.ruleVersion ?? 'v1'}`,
    reportingInstance: os.hostname(),
    publishRuleRates: (rates) => runtime.setRuleRates(rates),
    queued: (filter) => runtime.snapshot(filter),
  });
  informers.rules?.addEventHandler(brakes.ruleRates);
  const brakesNow = brakes;
  metrics.observeBreaker(() => brakesNow.snapshot());
  metrics.observeRules(() => decided.ruleMetrics());
  for (const r of informers.all()) {
    const seen = () => metrics.recordInformerEvent(r.id);
    r.addEventHandler({ added: seen, updated: seen, deleted: seen });
  }
  metrics.countMalformedFrom(() => informers.all().map((r) => [r.id, r.counters.malformedSkipped] as const));

  const elector = options.leaderElect
    ? new LeaseLeaderElector({
        api,
        namespace: options.leaderElectResourceNamespace,
        name: options.leaderElectResourceName,
        identity,
        leaseDurationMs: options.leaderElectLeaseDurationMs,
        renewDeadlineMs: options.leaderElectRenewDeadlineMs,
        retryPeriodMs: options.leaderElectRetryPeriodMs,
        log,
        metrics: metrics.leaderElection,
        callbacks: {
          onRenewed: (until) => controller?.onRenewed(until),
          onStartedLeading: () => controller?.onStartedLeading(),
          onStoppedLeading: (reason) => controller?.onStoppedLeading(reason),
          onNewLeader: (holder) => log.info('Observed leader', { holder }),
        },
      })
    : null;
  if (elector !== null) disposer.add('leader elector', elector, (e) => e.stop());

  controller = new Controller(
    {
      options,
      log,
      clock,
      server,
      kubeconfig: kc,
      readTransport,
      api,
      apis,
      metrics,
      ops,
      fence,
      budget,
      engine,
      ruleStatus: built.ruleStatus,
      gate,
      informers,
      pageDecoder,
      runtime,
      brakes,
      elector,
      disposer,
    },
    hooks,
  );
  return controller;
}

/** Builds and starts a controller; resolves once its caches have synced. */
export async function startController(options: ControllerOptions, hooks: ControllerHooks = {}): Promise<Controller> {
  const controller = await buildController(options, hooks);
  try {
    await controller.start();
  } catch (error) {
    await controller.shutDown('startup failed', 1, 0);
    throw new StartupError(`API server: ${messageOf(error)}`);
  }
  return controller;
}
