// The stage the demo's acts play on: the simulated cluster and the real controller started against it
// through a kubeconfig, the observer that watches what the cluster shows, the ledger that judges every
// deletion, and the machinery of an act — deadlines, waits that end when something happens, per-act
// API-call accounting, and interrupts (Ctrl-C). The acts themselves are in acts.ts, their order in
// story.ts, what is printed as things happen in narration.ts, the final report in report.ts.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DEFAULT_BREAKER_NAME } from '../kube/breakerRecord.js';
import {
  BREAKER_CLI_USER_AGENT,
  type ResetOutcome,
  resetBreaker,
  statusOutput,
  statusText,
  withBreakerStore,
} from '../kube/breakerStatus.js';
import { startController } from '../main/app/bootstrap.js';
import type { Controller, ControllerHooks } from '../main/app/controller.js';
import { type ControllerOptions, defaultControllerOptions } from '../main/app/options.js';
import type { EvictionResult } from '../shared/decisions.js';
import type { LogFields, Logger } from '../shared/logger.js';
import { type RequestFilter, type SimServer, startSimServer } from '../sim/index.js';
import { type DemoPod, type DemoTaint, seedDemoCluster, taintDevice } from './cluster.js';
import { EvictionLedger } from './ledger.js';
import { type BreakerRecordRef, ClusterObserver, type Happening, type RuleConditionSeen } from './observer.js';
import {
  DEMO_DEVICES_PER_NODE,
  DEMO_DRIVER,
  DEMO_NAMESPACES,
  DEMO_NODES,
  type DemoPodPlan,
  demoPlan,
  describeToleration,
  deviceName,
  nodeName,
  podLabel,
  podsOn,
  XID_TAINT_KEY,
} from './plan.js';
import type { StoryPrinter } from './printer.js';
import { type ActEviction, type ActSummary, VERBS, type VerbCounts, verbDelta, zeroVerbs } from './summary.js';

export interface DemoOptions {
  readonly printer: StoryPrinter;
  /** Worker threads of the controller (default 2). */
  readonly workers?: number;
  /** How long the tolerating pods tolerate the GPU taint (default 5 s). */
  readonly tolerationSeconds?: number;
  /** Print the controller's info logs and per-eviction reports too. */
  readonly verbose?: boolean;
  /** Pause between acts so a person can read along; 0 in tests. Default 0. */
  readonly pauseMs?: number;
  /** Multiplies every deadline (slow machines). Default 1. */
  readonly timeoutScale?: number;
  /** Aborting ends the story early (Ctrl-C); the cluster and controller are still shut down cleanly. */
  readonly signal?: AbortSignal;
  /**
   * Wall-clock ms the printer counts its stamps from, so that times named in the story (`+8.4s`) and
   * the report's duration agree with the stamped lines. Default: when the stage is built.
   */
  readonly startedAt?: number;
  /** Starts the controller; tests swap in a misbehaving one to see the demo fail. Default: the real one. */
  readonly startController?: (options: ControllerOptions, hooks: ControllerHooks) => Promise<DemoController>;
}

/** What the demo needs of a controller (a test may hand it a rogue one without an engine). */
export type DemoController = Pick<Controller, 'opsAddress' | 'done' | 'stop'> & {
  engine(): ReturnType<Controller['engine']> | null;
  /** The breaker's state (act 5); absent on a rogue controller. */
  breaker?(): ReturnType<Controller['breaker']>;
};

/** An act's expectation that was not met: the message says what was expected and what happened. */
export class DemoFailure extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DemoFailure';
  }
}

export const RULE_NAME = 'drain-gpu-node-0003';
export const RULE_NODE = 3;
/** Upstream refreshes a rule's status 10 s after its evictions (docs/behaviour.md §2.7 step 6). */
export const RULE_STATUS_DELAY_MS = 10_000;
/** Act 5's rule: meant for one node, written with `deviceSelector: {}`. */
export const RUNAWAY_RULE = 'drain-gpu-node-0000';
export const RUNAWAY_NODE = 0;

/**
 * The blast-radius breaker the demo's controller runs with from the start: at most this many evictions
 * start in any window. Acts 1–4 evict 5 pods, so act 5's runaway rule gets the remaining 3 (rarely 2:
 * see actRunawayRule), then the breaker opens. Half the demo's 16 pods: a bound a real cluster would set
 * far lower, relatively.
 */
export const BREAKER_MAX_EVICTIONS = 8;
export const BREAKER_WINDOW_MS = 10 * 60_000;
/** The controller's default --breaker-namespace, where the operator's commands look too. */
export const BREAKER_NAMESPACE = 'kube-system';

/** How many acts the story has (the report is ok only when every one of them ran and passed). */
export const DEMO_ACTS = 5;

export interface ActState {
  readonly title: string;
  readonly evictions: ActEviction[];
  wrongful: number;
  readonly apiBefore: VerbCounts;
  /** Why a pod's eviction is late on purpose (held by the breaker), by UID: printed with the eviction. */
  readonly lateBecause?: Map<string, string>;
}

/** What act 5 saw of the breaker, for the report and the summary. */
export interface BreakerStory {
  readonly limit: number;
  /** Evictions counted in the window before the runaway rule (acts 1–4). */
  readonly usedBefore: number;
  /**
   * Evictions counted in the window when the breaker had opened (the controller's count, which its
   * breaker_window_evictions gauge shows): `limit`, or a little less when worker threads raced for the
   * last place (src/shared/evictionBreaker.ts).
   */
  readonly windowEvictionsAtOpen: number;
  /** The pods the runaway rule made due (every pod still running). */
  readonly due: readonly string[];
  /** Evicted because of the runaway rule before the breaker opened. */
  readonly evictedBeforeOpen: readonly string[];
  /** Held when the breaker opened, as the controller's record said. */
  readonly heldAtOpen: number;
  readonly reasonAtOpen: string;
  readonly causesAtOpen: readonly string[];
  /** Held evictions cancelled by deleting the rule: those pods kept running. */
  readonly cancelledByRuleDelete: readonly string[];
  /** Held evictions the reset released (a real GPU fault's). */
  readonly releasedByReset: readonly string[];
}

export const plural = (n: number, one: string, many: string): string => `${n} ${n === 1 ? one : many}`;
export const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;
export const formatTaint = (t: DemoTaint): string => `${t.key}=${t.value}:${t.effect}`;

export class DemoStage {
  private readonly plan: readonly DemoPodPlan[];
  readonly print: StoryPrinter;
  private readonly scale: number;
  readonly tolerationMs: number;
  sim: SimServer | null = null;
  controller: DemoController | null = null;
  private controllerExit: number | null = null;
  observer: ClusterObserver | null = null;
  private kubeconfigDir: string | null = null;
  kubeconfig: string | null = null;
  pods: DemoPod[] = [];
  ledger = new EvictionLedger([]);
  readonly acts: ActSummary[] = [];
  current: ActState | null = null;
  readonly failures: string[] = [];
  readonly results: EvictionResult[] = [];
  breakerStory: BreakerStory | null = null;
  readonly breakerRecordRef: BreakerRecordRef = { namespace: BREAKER_NAMESPACE, name: DEFAULT_BREAKER_NAME };
  readonly startedAt: number;

  constructor(readonly options: DemoOptions) {
    this.startedAt = options.startedAt ?? Date.now();
    this.print = options.printer;
    this.scale = options.timeoutScale ?? 1;
    const tolerationSeconds = options.tolerationSeconds ?? 5;
    this.tolerationMs = tolerationSeconds * 1000;
    this.plan = demoPlan({ tolerationSeconds });
  }

  // ---- setup and teardown ----

  /** Starts the cluster, the observer (reporting to `onHappening`) and the controller. */
  async setUp(onHappening: (h: Happening) => void): Promise<void> {
    this.print.line(
      'device-taint-evictor demo: a simulated cluster on 127.0.0.1, the controller, five acts. No real cluster is touched.',
      'act',
    );
    const sim = await startSimServer({ port: 0, ruleVersions: ['v1'] });
    this.sim = sim;
    this.kubeconfigDir = await mkdtemp(join(tmpdir(), 'device-taint-evictor-demo-'));
    const kubeconfig = join(this.kubeconfigDir, 'kubeconfig');
    await sim.writeKubeconfig(kubeconfig);
    this.kubeconfig = kubeconfig;
    this.print.line(`simulated API server at ${sim.url} (kubeconfig ${kubeconfig})`);

    this.pods = seedDemoCluster(sim.store, this.plan);
    this.ledger = new EvictionLedger(this.pods);
    const byKind = (kind: string) => this.pods.filter((p) => p.toleration.kind === kind).length;
    this.print.line(
      `seeded ${DEMO_NODES} nodes × ${DEMO_DEVICES_PER_NODE} GPUs (${DEMO_DRIVER}, one ResourceSlice per node) and ` +
        `${this.pods.length} running pods in ${DEMO_NAMESPACES.join(', ')}, one allocated GPU claim each:`,
    );
    this.print.line(
      `  ${byKind('none')} without toleration, ${byKind('seconds')} tolerating ${XID_TAINT_KEY} NoExecute for ` +
        `${this.tolerationMs / 1000} s, ${byKind('forever')} tolerating it forever`,
    );

    const observer = new ClusterObserver(sim.store, Date.now, this.breakerRecordRef);
    this.observer = observer;
    observer.onHappening(onHappening);
    observer.start();
    this.options.signal?.addEventListener('abort', () => observer.wake(), { once: true });

    const verbose = this.options.verbose === true;
    const workers = this.options.workers ?? 2;
    const start = this.options.startController ?? startController;
    const controller = await start(
      {
        ...defaultControllerOptions(workers),
        kubeconfig,
        workers,
        // Loopback only, on a free port: the demo must never collide with anything already running.
        metricsBindAddress: '127.0.0.1:0',
        logLevel: verbose ? 'info' : 'warn',
        logFormat: 'text',
        breakerMaxEvictions: BREAKER_MAX_EVICTIONS,
        breakerWindowMs: BREAKER_WINDOW_MS,
        breakerNamespace: this.breakerRecordRef.namespace,
        breakerName: this.breakerRecordRef.name,
      },
      {
        log: this.controllerLogger(verbose),
        // Kept for the report; with --verbose the controller's own "Pod evicted" log line tells the same.
        onEviction: (r) => this.results.push(r),
        syncTimeoutMs: this.deadline(20_000),
        drainTimeoutMs: 5_000,
      },
    );
    this.controller = controller;
    void controller.done.then((code) => {
      this.controllerExit = code;
      observer.wake();
    });
    const ops = controller.opsAddress;
    this.print.line(
      `controller started with ${plural(workers, 'worker thread', 'worker threads')}, talking to the simulated ` +
        `API server only through the kubeconfig` +
        (ops === null ? '' : `; metrics at http://${ops.host}:${ops.port}/metrics`),
      'good',
    );
    this.print.line(
      `  and a blast-radius breaker: --breaker-max-evictions ${BREAKER_MAX_EVICTIONS} ` +
        `--breaker-window ${BREAKER_WINDOW_MS / 60_000}m (at most ${BREAKER_MAX_EVICTIONS} evictions start in any ` +
        `${BREAKER_WINDOW_MS / 60_000} minutes; act 5 shows why)`,
    );
  }

  async tearDown(): Promise<void> {
    this.observer?.stop();
    if (this.controller !== null) {
      await this.controller.stop('demo finished');
      await this.controller.done;
    }
    await this.sim?.close();
    if (this.kubeconfigDir !== null) await rm(this.kubeconfigDir, { recursive: true, force: true });
  }

  private controllerLogger(verbose: boolean): Logger {
    const forward =
      (tone: 'dim' | 'warn' | 'bad', level: string) =>
      (msg: string, fields: LogFields = {}) => {
        const extra = Object.entries(fields)
          .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
          .join(' ');
        this.print.line(`controller ${level}: ${msg}${extra === '' ? '' : ` ${extra}`}`, tone);
      };
    const quiet = () => {};
    return {
      debug: quiet,
      info: verbose ? forward('dim', 'info') : quiet,
      warn: forward('warn', 'warn'),
      error: forward('bad', 'error'),
    };
  }

  // ---- act machinery ----

  async act(title: string, body: () => Promise<void>): Promise<void> {
    if (this.acts.length > 0) await this.pause(this.options.pauseMs ?? 0);
    this.failIfInterrupted();
    this.print.line('');
    this.print.line(`== Act ${title} ==`, 'act');
    const state: ActState = {
      title,
      evictions: [],
      wrongful: 0,
      apiBefore: this.verbCounts(),
      lateBecause: new Map(),
    };
    this.current = state;
    let ok = false;
    try {
      await body();
      if (state.wrongful > 0) {
        throw new DemoFailure(`act "${title}": ${plural(state.wrongful, 'wrongful eviction', 'wrongful evictions')}`);
      }
      ok = true;
    } catch (error) {
      if (error instanceof DemoFailure) this.failures.push(error.message);
      throw error;
    } finally {
      await this.settleRequests();
      this.acts.push({
        title,
        evictions: [...state.evictions],
        wrongful: state.wrongful,
        apiCalls: verbDelta(this.verbCounts(), state.apiBefore),
        ok,
      });
      this.current = null;
    }
  }

  /**
   * The sim counts a request when its response is finished, a moment after the write the observer saw:
   * wait (briefly, bounded) until every write seen so far is counted, so each act is charged its own calls.
   */
  private async settleRequests(): Promise<void> {
    const sim = this.sim;
    const observer = this.observer;
    if (sim === null || observer === null) return;
    const counted = () =>
      sim.requests.count({ verb: 'delete', resource: 'pods' }) >= observer.deleted.size &&
      sim.requests.count({ verb: 'create', resource: 'events' }) >= observer.eventCount + observer.otherEvents.length &&
      sim.requests.count({ verb: 'patch', resource: 'devicetaintrules', subresource: 'status' }) >=
        observer.ruleConditions(RULE_NAME).length + observer.ruleConditions(RUNAWAY_RULE).length;
    const deadline = Date.now() + 2_000;
    while (!counted() && Date.now() < deadline) await sleep(5);
  }

  /** Taints a device; the pods on it that do not tolerate forever become due. Returns those. */
  taintDevice(node: number, device: number, taint: DemoTaint): DemoPod[] {
    const written = Date.now();
    const timeAdded = taintDevice(this.requireSim().store, node, device, taint);
    return this.ledger.markDue(podsOn(this.pods, node, device), timeAdded, written, {
      source: `device ${nodeName(node)}/${deviceName(device)}`,
      key: taint.key,
    });
  }

  /**
   * `timeAdded` has second precision (metav1.Time), and the controller counts tolerationSeconds from it.
   * Writing a taint just after a second boundary makes "due" and "written" the same moment, so the
   * latencies and delays printed are what a reader expects. Presentation only: correctness is judged
   * against timeAdded either way.
   */
  async alignToSecond(): Promise<void> {
    await this.pause(1000 - (Date.now() % 1000) + 5);
  }

  /** A pause for presentation, cut short by an interrupt. */
  async pause(ms: number): Promise<void> {
    if (ms <= 0) return;
    try {
      await sleep(ms, undefined, this.options.signal === undefined ? {} : { signal: this.options.signal });
    } catch {
      this.failIfInterrupted();
    }
  }

  async expectEvicted(pods: readonly DemoPod[], timeoutMs: number): Promise<void> {
    const observer = this.requireObserver();
    const done = await observer.waitUntil(
      () => this.stopWaiting() || pods.every((p) => observer.deletionOf(p.uid) !== undefined),
      timeoutMs,
    );
    this.failIfControllerStopped();
    if (!done) {
      const left = pods.filter((p) => observer.deletionOf(p.uid) === undefined);
      throw new DemoFailure(`${this.describePods(left)} not evicted within ${seconds(timeoutMs)}`);
    }
  }

  async waitForRule(
    what: string,
    match: (c: RuleConditionSeen) => boolean,
    timeoutMs: number,
  ): Promise<RuleConditionSeen> {
    const observer = this.requireObserver();
    const find = () => observer.ruleConditions(RULE_NAME).find(match);
    await observer.waitUntil(() => this.stopWaiting() || find() !== undefined, timeoutMs);
    this.failIfControllerStopped();
    const seen = find();
    if (seen === undefined) {
      const last = observer.latestRuleCondition(RULE_NAME);
      throw new DemoFailure(
        `${what} not seen within ${seconds(timeoutMs)}; last status: ` +
          (last === undefined ? 'none' : `${last.reason} "${last.message}"`),
      );
    }
    return seen;
  }

  /**
   * Waits for something only the controller's memory shows (its pending evictions), looking every
   * 10 ms until `timeoutMs`: no write in the cluster announces it.
   */
  async waitForController(what: string, done: () => boolean, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!done() && !this.stopWaiting() && Date.now() < deadline) await sleep(10);
    this.failIfControllerStopped();
    if (!done()) throw new DemoFailure(`${what} not seen within ${seconds(timeoutMs)}`);
  }

  // ---- the operator's side of the breaker: the same code as `device-taint-evictor breaker status|reset` ----

  private breakerClient() {
    if (this.kubeconfig === null) throw new Error('no kubeconfig written');
    return { kubeconfig: this.kubeconfig, ...this.breakerRecordRef };
  }

  /** What `device-taint-evictor breaker status` prints now (it reads the record over HTTP). */
  async breakerStatus(): Promise<string> {
    return withBreakerStore(this.breakerClient(), async (store) =>
      statusText(statusOutput(`${store.namespace}/${store.name}`, await store.read())),
    );
  }

  /** `device-taint-evictor breaker reset`, against the simulated cluster. */
  async resetBreaker(): Promise<ResetOutcome> {
    return withBreakerStore(this.breakerClient(), (store, user) => resetBreaker(store, user));
  }

  /**
   * The controller's breaker now: what its gauges on /metrics show (…_breaker_open, …_breaker_limit,
   * …_breaker_window_evictions), read directly, since a scrape may serve a render up to 1 s old.
   */
  breakerState(): { open: number; limit: number; windowEvictions: number } {
    const b = this.controller?.breaker?.() ?? null;
    if (b === null) throw new DemoFailure('the controller runs without a breaker');
    return { open: b.open ? 1 : 0, limit: b.limit ?? Number.NaN, windowEvictions: b.windowEvictions };
  }

  private stopWaiting(): boolean {
    return this.controllerExit !== null || this.options.signal?.aborted === true;
  }

  failIfInterrupted(): void {
    if (this.options.signal?.aborted === true) throw new DemoFailure('interrupted');
  }

  private failIfControllerStopped(): void {
    this.failIfInterrupted();
    if (this.controllerExit !== null) {
      throw new DemoFailure(`the controller stopped unexpectedly (exit code ${this.controllerExit})`);
    }
  }

  // ---- helpers ----

  describePods(pods: readonly DemoPod[]): string {
    if (pods.length === 0) return 'no pod';
    return pods.map((p) => `${podLabel(p)} (${describeToleration(p.toleration)})`).join(', ');
  }

  stamp(ms: number): string {
    return `+${((ms - this.startedAt) / 1000).toFixed(1)}s`;
  }

  deadline(ms: number): number {
    return Math.round(ms * this.scale);
  }

  /** Requests the controller made, by verb: the operator's `breaker status|reset` calls are not its own. */
  verbCounts(): VerbCounts {
    const counts = zeroVerbs();
    for (const v of VERBS) counts[v] = this.controllerRequests({ verb: v });
    return counts;
  }

  /** Requests matching `filter` that the controller made (not the operator's `breaker` commands). */
  controllerRequests(filter: RequestFilter): number {
    if (this.sim === null) return 0;
    const operator = this.sim.requests.recent(filter).filter((r) => r.userAgent === BREAKER_CLI_USER_AGENT).length;
    return this.sim.requests.count(filter) - operator;
  }

  requireSim(): SimServer {
    if (this.sim === null) throw new Error('simulated API server not started');
    return this.sim;
  }

  requireObserver(): ClusterObserver {
    if (this.observer === null) throw new Error('cluster observer not started');
    return this.observer;
  }
}
