// The running controller: its parts as fields (built by bootstrap.ts), and the lifecycle that connects
// them, in the order upstream starts its own (spec: docs/behaviour.md "Startup"):
//
//   reflectors ──records──▶ engine (decisions) ──gate──▶ router ──▶ worker partitions ──▶ API
//        ▲                       ▲   │ rule status (main thread, SSA; paused until active)  │
//        └──────── list/watch    └───┴──────────── results (evictionFinished, metrics) ◀────┘
//
// Nothing is written before two things hold: every informer has synced (upstream starts its workers
// only then), and this process holds the right to write — always without leader election, while the
// lease is valid with it. Both are checked at the gate (no decision reaches a worker before) and the
// second again before every single write, through the shared write fence (src/shared/writeFence.ts),
// whose deadline expires by itself when renewals stop: a leader frozen by SIGSTOP, whose worker timers
// fire first on SIGCONT, writes nothing until the main thread has renewed the lease.
//
// Hot standby: without the lease, a replica still syncs its caches, decides, and keeps its worker threads
// running, so that after winning the lease its first eviction follows within about a second. On losing
// the lease it revokes the fence, aborts writes in flight, and exits non-zero at once (kube-controller-
// manager exits too; a restart is the simplest way back to a clean state) — it never campaigns again.

import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { ApiClient } from '../../kube/apiClient.js';
import type { DiscoveredApis } from '../../kube/discovery.js';
import type { InformerSet } from '../../kube/informers.js';
import type { KubeConfigLike } from '../../kube/kubeConfigCore.js';
import { describeEndReason, type LeadershipEndReason } from '../../kube/leaderElection.js';
import type { LeaseLeaderElector } from '../../kube/leaderElector.js';
import type { PooledPageDecoder } from '../../kube/pageDecode/pool.js';
import type { HttpReadTransport } from '../../kube/readTransport.js';
import type { ApiBudget } from '../../shared/apiBudget.js';
import type { Clock } from '../../shared/clock.js';
import type { EvictionResult } from '../../shared/decisions.js';
import type { Logger } from '../../shared/logger.js';
import type { WriteFence } from '../../shared/writeFence.js';
import type { EvictionEngine } from '../engine/engine.js';
import type { RuleStatusUpdater } from '../engine/ruleStatusUpdater.js';
import type { EvictionRuntime } from '../runtime/evictionRuntime.js';
import type { GatedSink } from '../runtime/gatedSink.js';
import type { ShardedRuntime } from '../runtime/shardedRuntime.js';
import type { Brakes } from './brakes.js';
import type { Disposer } from './disposer.js';
import { describeReasonText } from './heldEvictions.js';
import type { BreakerSnapshot, ControllerMetrics } from './metrics.js';
import type { OpsServer } from './opsServer.js';
import type { ControllerOptions } from './options.js';

export interface ControllerHooks {
  /** Logger to use instead of building one from the options (tests, the demo). */
  readonly log?: Logger;
  /** Called once per finished eviction, after the engine and metrics saw it (the demo prints these). */
  readonly onEviction?: (result: EvictionResult) => void;
  /** How long startup waits for the caches before giving up (default: forever, logging progress). */
  readonly syncTimeoutMs?: number;
  /** How long a graceful stop lets in-flight API calls finish. */
  readonly drainTimeoutMs?: number;
}

/** A startup problem the CLI reports as one line and exit code 1 (bad kubeconfig, unreachable server, RBAC). */
export class StartupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StartupError';
  }
}

/** Everything a running controller is made of. */
export interface ControllerParts {
  readonly options: ControllerOptions;
  readonly log: Logger;
  readonly clock: Clock;
  /** The API server URL, for messages. */
  readonly server: string;
  readonly kubeconfig: KubeConfigLike;
  readonly readTransport: HttpReadTransport;
  /** Keep-alive client for the main thread's writes (rule status, Lease). */
  readonly api: ApiClient;
  readonly apis: DiscoveredApis;
  readonly metrics: ControllerMetrics;
  readonly ops: OpsServer | null;
  /** The process's write permission, shared with every worker thread. */
  readonly fence: WriteFence;
  readonly budget: ApiBudget;
  readonly engine: EvictionEngine;
  readonly ruleStatus: RuleStatusUpdater;
  /** Where the engine's decisions wait until the controller is active. */
  readonly gate: GatedSink;
  readonly informers: InformerSet;
  readonly pageDecoder: PooledPageDecoder | null;
  readonly runtime: ShardedRuntime;
  /** Rate limits and the blast-radius breaker (main thread's side). */
  readonly brakes: Brakes;
  readonly elector: LeaseLeaderElector | null;
  /** Releases whatever the parts hold, newest first. */
  readonly disposer: Disposer;
}

const DEFAULT_DRAIN_MS = 10_000;

export class Controller {
  /** Resolves with the process exit code once the controller has stopped (signal, lost lease, fatal error). */
  readonly done: Promise<number>;
  private resolveDone: (code: number) => void = () => {};
  private synced = false;
  private leading = false;
  private active = false;
  /** Reading the breaker's record before the gate opens. */
  private activating = false;
  private stopping: Promise<void> | null = null;

  constructor(
    private readonly parts: ControllerParts,
    private readonly hooks: ControllerHooks = {},
  ) {
    this.done = new Promise<number>((resolve) => {
      this.resolveDone = resolve;
    });
    parts.runtime.onResults(this.onResults);
  }

  get metrics(): ControllerMetrics {
    return this.parts.metrics;
  }

  get opsAddress(): { readonly host: string; readonly port: number } | null {
    return this.parts.ops?.address ?? null;
  }

  /** True once decisions flow to the workers: caches synced and (with leader election) leading. */
  isRunning(): boolean {
    return this.active;
  }

  /** Ready for traffic: caches synced. A standby is ready too, or rolling updates would stall on it. */
  isReady(): boolean {
    return this.synced;
  }

  engine(): EvictionEngine {
    return this.parts.engine;
  }

  runtime(): EvictionRuntime {
    return this.parts.runtime;
  }

  /** The breaker now, as the gauges on /metrics show it (without their render cache); null without one. */
  breaker(): BreakerSnapshot | null {
    return this.parts.brakes.snapshot();
  }

  /**
   * Starts informers and campaigning together, and resolves once the caches have synced (evictions may
   * not flow yet: a standby waits for the lease). Rejects when the caches cannot sync in time.
   */
  async start(): Promise<void> {
    const { informers, elector, fence, log, clock, metrics, options } = this.parts;
    const syncStarted = clock.now();
    const stalls = this.watchStalls();
    informers.start();
    if (elector === null) fence.openForever();
    else elector.start();
    await informers.waitForSync(this.hooks.syncTimeoutMs);
    for (const r of informers.all()) metrics.setInformerSynced(r.id, true);
    this.synced = true;
    log.info('Caches synced', {
      syncMs: clock.now() - syncStarted,
      pods: informers.pods.size,
      claims: informers.claims.size,
      slices: informers.slices.size,
      rules: informers.rules?.size ?? 0,
      pendingEvictions: this.parts.engine.pendingCount,
      longestStallMs: Math.round(stalls()),
      workers: options.workers,
      ...(elector === null ? {} : { leading: this.leading }),
    });
    if (elector === null) this.activate();
    else if (this.leading) this.activate();
  }

  /**
   * Measures event-loop stalls from now on (monitorEventLoopDelay) and exports the longest; returns
   * a reader of it in milliseconds. The histogram counts each sampling interval in the delay, so that
   * interval is taken off.
   */
  private watchStalls(): () => number {
    const resolutionMs = 5;
    const delay = monitorEventLoopDelay({ resolution: resolutionMs });
    delay.enable();
    this.stopStallWatch = () => delay.disable();
    const longest = (): number => (delay.count === 0 ? 0 : Math.max(0, delay.max / 1e6 - resolutionMs));
    this.parts.metrics.observeLongestStall(longest);
    return longest;
  }

  private stopStallWatch: () => void = () => {};

  /** Graceful stop: no new decisions, in-flight calls drained, lease released. */
  stop(reason: string): Promise<void> {
    return this.shutDown(reason, 0, this.hooks.drainTimeoutMs ?? DEFAULT_DRAIN_MS);
  }

  // ---- Leadership (LeaderCallbacks of the elector, wired by bootstrap) ----------------------------

  /** The elector's `onRenewed`: writes are allowed until `validUntilMono` on the process's monotonic clock. */
  readonly onRenewed = (validUntilMono: number): void => {
    this.parts.fence.openUntil(validUntilMono);
  };

  readonly onStartedLeading = (): void => {
    this.leading = true;
    if (this.synced) this.activate();
  };

  readonly onStoppedLeading = (reason: LeadershipEndReason): void => {
    this.leading = false;
    if (this.stopping !== null && reason.kind === 'stopped') return;
    const { fence, runtime, gate, ruleStatus, log } = this.parts;
    // Revoke first: from this instant no thread starts a write; then cut the ones in flight.
    fence.close();
    runtime.abortWrites(`leadership lost: ${describeEndReason(reason)}`);
    gate.close();
    ruleStatus.pause();
    this.active = false;
    log.error('Leadership lost; exiting', { why: describeEndReason(reason), reason: reason.kind });
    // Abort, never drain: the writes in flight are already cut, and a deposed leader must not linger.
    void this.shutDown('leadership lost', 1, 0);
  };

  /**
   * Lets decisions reach the workers, replaying every pending eviction, and lets rule status write —
   * after the breaker's record was read: an open breaker, persisted by a previous leader or before a
   * restart, holds evictions from the first one on.
   */
  private activate(): void {
    if (this.active || this.activating || this.stopping !== null) return;
    const { brakes, elector } = this.parts;
    if (brakes.keeper === null) {
      this.openGate();
      return;
    }
    this.activating = true;
    const cancelled = () => this.stopping !== null || (elector !== null && !this.leading);
    void brakes.restore(cancelled).then((restored) => {
      this.activating = false;
      if (restored && !cancelled()) this.openGate();
    });
  }

  private openGate(): void {
    const { gate, runtime, engine, ruleStatus, brakes, log } = this.parts;
    this.active = true;
    const replayed = gate.open(runtime.sink, engine.pendingEvictions());
    ruleStatus.resume();
    brakes.start();
    log.info('Evicting', { pendingEvictions: replayed, ...brakeFields(brakes) });
  }

  private readonly onResults = (results: readonly EvictionResult[]): void => {
    const { engine, metrics, log, options } = this.parts;
    for (const r of results) {
      engine.evictionFinished(r);
      metrics.recordResult(r);
      const fields = {
        pod: `${r.pod.namespace}/${r.pod.name}`,
        uid: r.pod.uid,
        outcome: r.outcome,
        reasons: r.reasons,
        // Which devices, taints and rules: what an operator needs to tell a fault from a runaway rule.
        because: r.reasons.map((reason) => describeReasonText(reason, engine.describeReason(reason))),
        attempts: r.attempts,
        latencyMs: r.doneAt - r.fireAt,
      };
      // The dry-run executor writes nothing and reports 'gone' so that nothing is counted as deleted.
      if (options.dryRun) log.info('Dry run: would have evicted pod', fields);
      else if (r.outcome === 'gone') log.info('Pod vanished before eviction', fields);
      else if (r.outcome === 'alreadyTerminating') log.info('Pod already terminating; nothing written', fields);
      else log.info('Pod evicted', fields);
      this.hooks.onEviction?.(r);
    }
  };

  /** Stops everything once; `drainMs` bounds how long in-flight evictions may finish. */
  shutDown(reason: string, code: number, drainMs: number): Promise<void> {
    if (this.stopping !== null) return this.stopping;
    this.stopping = (async () => {
      const { log, gate, informers, pageDecoder, ruleStatus, runtime, elector, fence, disposer } = this.parts;
      log.info('Shutting down', { reason });
      this.stopStallWatch();
      this.active = false;
      gate.close();
      await informers.stop();
      await pageDecoder?.close();
      await ruleStatus.stop();
      await this.parts.brakes.stop();
      await runtime.close(drainMs);
      // Released while the fence still allows it (a graceful stop of the leader hands the lease over).
      if (elector !== null && code === 0)
        await elector.release().catch((e: unknown) => log.warn('Releasing the lease failed', { error: String(e) }));
      else await elector?.stop();
      fence.close();
      for (const failure of await disposer.releaseAll())
        log.warn('Releasing a part failed', { part: failure.what, error: String(failure.error) });
      log.info('Stopped', { reason });
      this.resolveDone(code);
    })();
    return this.stopping;
  }
}

/** What the startup line says about the brakes (nothing when none is configured). */
function brakeFields(brakes: Brakes): Record<string, unknown> {
  const breaker = brakes.snapshot();
  return breaker === null ? {} : { breaker: breaker.open ? 'open' : 'closed', breakerLimit: breaker.limit };
}
