// The embedded demo: a simulated cluster on 127.0.0.1, the real controller connected to it through a
// kubeconfig (HTTP only, like against any cluster), and a short story in four acts that shows what the
// controller does and checks that it did exactly that:
//
//   1. a GPU health event taints one device NoExecute → the pod on it is evicted at once;
//   2. a device used by a pod tolerating the taint for a few seconds is tainted → evicted when that ends;
//   3. an administrator creates a DeviceTaintRule over one node with effect None → its status shows
//      what it would do (the dry-run counts);
//   4. the rule is switched to NoExecute → that node's pods go, except the one tolerating forever, and
//      the rule's status goes PodsPendingEviction → Completed.
//
// Every wait is a wait for something to happen, with a deadline; a missed deadline, a pod evicted that
// should not have been, or one evicted before its grace period ended fails the act and the demo.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startController } from '../main/app/bootstrap.js';
import type { Controller, ControllerHooks } from '../main/app/controller.js';
import { type ControllerOptions, defaultControllerOptions } from '../main/app/options.js';
import type { EvictionResult } from '../shared/decisions.js';
import type { LogFields, Logger } from '../shared/logger.js';
import { type SimServer, startSimServer } from '../sim/index.js';
import { disruptionTargetCondition } from '../workers/executor/kubeExecutor.js';
import {
  createPoolRule,
  type DemoPod,
  type DemoTaint,
  PODS,
  seedDemoCluster,
  setRuleEffect,
  taintDevice,
} from './cluster.js';
import { EvictionLedger } from './ledger.js';
import { ClusterObserver, type Happening, type PodDeletion, type RuleConditionSeen } from './observer.js';
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
  placementOf,
  podLabel,
  podsOn,
  XID_TAINT_KEY,
} from './plan.js';
import type { StoryPrinter } from './printer.js';
import {
  type ActEviction,
  type ActSummary,
  type DemoTotals,
  formatSummaryTable,
  VERBS,
  type VerbCounts,
  verbDelta,
  zeroVerbs,
} from './summary.js';

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
  /** Starts the controller; tests swap in a misbehaving one to see the demo fail. Default: the real one. */
  readonly startController?: (options: ControllerOptions, hooks: ControllerHooks) => Promise<DemoController>;
}

/** What the story needs of a running controller. */
/** What the demo needs of a controller (a test may hand it a rogue one without an engine). */
export type DemoController = Pick<Controller, 'opsAddress' | 'done' | 'stop'> & {
  engine(): ReturnType<Controller['engine']> | null;
};

export type PodFate = 'evicted' | 'running' | 'wrongful' | 'missing';

export interface DemoPodOutcome {
  readonly pod: DemoPod;
  /** When the controller may evict it (taint time + tolerationSeconds); null = must never be evicted. */
  readonly dueAt: number | null;
  /** When the taint that made it due was written (wall-clock ms); null if never due. */
  readonly taintWrittenAt: number | null;
  readonly deletion: PodDeletion | null;
  readonly fate: PodFate;
  /** Why an eviction was wrongful. */
  readonly wrongful: string | null;
}

export interface DemoReport {
  readonly ok: boolean;
  /** Ended early through `DemoOptions.signal`. */
  readonly interrupted: boolean;
  readonly failures: readonly string[];
  readonly acts: readonly ActSummary[];
  readonly pods: readonly DemoPodOutcome[];
  /** Every distinct EvictionInProgress condition of the demo's rule, in order. */
  readonly ruleConditions: readonly RuleConditionSeen[];
  /** What the controller reported for each eviction it finished. */
  readonly controllerResults: readonly EvictionResult[];
  readonly totals: DemoTotals;
  readonly summaryTable: string;
  readonly startedAt: number;
}

/** An act's expectation that was not met: the message says what was expected and what happened. */
export class DemoFailure extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DemoFailure';
  }
}

export const RULE_NAME = 'drain-gpu-node-0003';
const RULE_NODE = 3;
/** Upstream refreshes a rule's status 10 s after its evictions (spec §2.7 step 6). */
const RULE_STATUS_DELAY_MS = 10_000;

interface ActState {
  readonly title: string;
  readonly evictions: ActEviction[];
  wrongful: number;
  readonly apiBefore: VerbCounts;
}

const plural = (n: number, one: string, many: string): string => `${n} ${n === 1 ? one : many}`;
const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;
const formatTaint = (t: DemoTaint): string => `${t.key}=${t.value}:${t.effect}`;

class DemoStory {
  private readonly plan: readonly DemoPodPlan[];
  private readonly print: StoryPrinter;
  private readonly scale: number;
  private readonly tolerationMs: number;
  private sim: SimServer | null = null;
  private controller: DemoController | null = null;
  private controllerExit: number | null = null;
  private observer: ClusterObserver | null = null;
  private kubeconfigDir: string | null = null;
  private pods: DemoPod[] = [];
  private ledger = new EvictionLedger([]);
  private readonly acts: ActSummary[] = [];
  private current: ActState | null = null;
  private readonly failures: string[] = [];
  private readonly results: EvictionResult[] = [];
  private readonly startedAt = Date.now();

  constructor(private readonly options: DemoOptions) {
    this.print = options.printer;
    this.scale = options.timeoutScale ?? 1;
    const tolerationSeconds = options.tolerationSeconds ?? 5;
    this.tolerationMs = tolerationSeconds * 1000;
    this.plan = demoPlan({ tolerationSeconds });
  }

  async run(): Promise<DemoReport> {
    try {
      await this.setUp();
      await this.act('1. XID 79 on gpu-node-0001/gpu-3', () => this.actImmediate());
      await this.act(`2. XID 48 on a GPU tolerated ${this.tolerationMs / 1000} s`, () => this.actDelayed());
      await this.act('3. DeviceTaintRule, effect None', () => this.actRuleNone());
      await this.act('4. DeviceTaintRule → NoExecute', () => this.actRuleNoExecute());
      this.finalChecks();
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if (!(error instanceof DemoFailure)) this.failures.push(message);
      if (this.options.signal?.aborted === true) {
        this.print.line('interrupted: stopping the controller and the simulated cluster', 'warn');
      } else {
        this.print.line(`FAILED: ${message}`, 'bad');
      }
    } finally {
      await this.tearDown();
    }
    return this.report();
  }

  // ---- setup and teardown ----

  private async setUp(): Promise<void> {
    this.print.line(
      'device-taint-evictor demo: a simulated cluster on 127.0.0.1, the controller, four acts. No real cluster is touched.',
      'act',
    );
    const sim = await startSimServer({ port: 0, ruleVersions: ['v1'] });
    this.sim = sim;
    this.kubeconfigDir = await mkdtemp(join(tmpdir(), 'device-taint-evictor-demo-'));
    const kubeconfig = join(this.kubeconfigDir, 'kubeconfig');
    await sim.writeKubeconfig(kubeconfig);
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

    const observer = new ClusterObserver(sim.store);
    this.observer = observer;
    observer.onHappening((h) => this.onHappening(h));
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
      },
      {
        log: this.controllerLogger(verbose),
        onEviction: (r) => this.onControllerResult(r),
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
  }

  private async tearDown(): Promise<void> {
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

  // ---- the acts ----

  /** Act 1: an untolerated NoExecute taint evicts the pod on that device at once. */
  private async actImmediate(): Promise<void> {
    const node = 1;
    const device = 3;
    const taint: DemoTaint = { key: XID_TAINT_KEY, value: '79', effect: 'NoExecute' };
    await this.alignToSecond();
    this.print.line(
      `The GPU driver sees XID 79 (GPU fallen off the bus) and republishes ${nodeName(node)}'s ResourceSlice ` +
        `with ${deviceName(device)} tainted ${formatTaint(taint)}`,
    );
    const victims = this.taintDevice(node, device, taint);
    const neighbours = this.pods.filter((p) => p.node === node && p.device !== device);
    this.print.line(
      `${this.describePods(victims)} must go now; the ${plural(neighbours.length, 'other pod', 'other pods')} on ` +
        `${nodeName(node)} use untainted GPUs and must stay`,
    );
    await this.expectEvicted(victims, this.deadline(15_000));
  }

  /** Act 2: a tolerated taint evicts only once tolerationSeconds have passed. */
  private async actDelayed(): Promise<void> {
    const node = 2;
    const device = 1;
    const taint: DemoTaint = { key: XID_TAINT_KEY, value: '48', effect: 'NoExecute' };
    await this.alignToSecond();
    this.print.line(
      `XID 48 (double-bit ECC error) on ${nodeName(node)}/${deviceName(device)}: the driver taints it ${formatTaint(taint)}`,
    );
    const victims = this.taintDevice(node, device, taint);
    const victim = victims[0];
    if (victim === undefined) throw new DemoFailure(`no pod on ${nodeName(node)}/${deviceName(device)}`);
    const due = this.ledger.get(victim).dueAt ?? 0;
    this.print.line(
      `${podLabel(victim)} ${describeToleration(victim.toleration)}: it keeps running until ` +
        `${this.stamp(due)}, then it is evicted`,
    );
    // The countdown is for the reader; correctness is checked when the deletion lands (never early).
    const countdown = setInterval(() => {
      if (this.observer?.deletionOf(victim.uid) !== undefined) return;
      const left = due - Date.now();
      if (left > 300) this.print.line(`  ${podLabel(victim)} still running, due in ${seconds(left)}`, 'dim');
    }, 1000);
    try {
      await this.expectEvicted(victims, this.tolerationMs + this.deadline(15_000));
    } finally {
      clearInterval(countdown);
    }
    const deletion = this.observer?.deletionOf(victim.uid);
    const written = this.ledger.get(victim).taintWrittenAt;
    if (deletion !== undefined && written !== null) {
      this.print.line(
        `${podLabel(victim)} ran ${seconds(deletion.at - written)} after the taint ` +
          `(tolerationSeconds ${this.tolerationMs / 1000}); not a moment before`,
        'good',
      );
    }
  }

  /** Act 3: a DeviceTaintRule with effect None changes nothing but reports what NoExecute would do. */
  private async actRuleNone(): Promise<void> {
    const taint: DemoTaint = { key: XID_TAINT_KEY, value: '79', effect: 'None' };
    this.print.line(
      `An administrator wants ${nodeName(RULE_NODE)} out of service. First a dry run: DeviceTaintRule ${RULE_NAME} ` +
        `selects pool ${nodeName(RULE_NODE)} of ${DEMO_DRIVER}, taint ${formatTaint(taint)}`,
    );
    const sim = this.requireSim();
    createPoolRule(sim.store, RULE_NAME, RULE_NODE, taint);
    const onNode = podsOn(this.pods, RULE_NODE);
    const wouldGo = onNode.filter((p) => p.toleration.kind !== 'forever');
    const namespaces = new Set(wouldGo.map((p) => p.namespace)).size;
    const expected =
      `${plural(DEMO_DEVICES_PER_NODE, 'published device', 'published devices')} selected. ` +
      `${plural(onNode.length, 'allocated device', 'allocated devices')} selected. ` +
      `${plural(wouldGo.length, 'pod', 'pods')} would be evicted in ` +
      `${namespaces === 1 ? '1 namespace' : `${namespaces} different namespaces`} if the effect was NoExecute.`;
    const seen = await this.waitForRule(
      'the rule status NoEffect with the dry-run counts',
      (c) => c.reason === 'NoEffect',
      this.deadline(15_000),
    );
    if (!seen.message.startsWith(expected)) {
      throw new DemoFailure(`rule ${RULE_NAME}: expected the dry-run counts "${expected}", got "${seen.message}"`);
    }
    this.print.line(
      `The counts match the cluster: ${DEMO_DEVICES_PER_NODE} GPUs published in the pool, ${onNode.length} allocated, ` +
        `${wouldGo.length} of their pods do not tolerate the taint forever. A None rule evicts nothing.`,
      'good',
    );
  }

  /** Act 4: the rule becomes NoExecute; its node's pods go (the forever-tolerating one stays). */
  private async actRuleNoExecute(): Promise<void> {
    const sim = this.requireSim();
    const onNode = podsOn(this.pods, RULE_NODE);
    await this.alignToSecond();
    this.print.line(`Convinced, the administrator switches ${RULE_NAME} to effect NoExecute`);
    const written = Date.now();
    const timeAdded = setRuleEffect(sim.store, RULE_NAME, 'NoExecute');
    const victims = this.ledger.markDue(onNode, timeAdded, written);
    const spared = onNode.filter((p) => !victims.includes(p));
    this.print.line(`${this.describePods(victims)} must go; ${this.describePods(spared)} stays`);
    await this.waitForRule(
      'the rule status PodsPendingEviction',
      (c) => c.reason === 'PodsPendingEviction',
      this.deadline(15_000),
    );
    await this.expectEvicted(victims, this.tolerationMs + this.deadline(15_000));
    const completed = `${plural(victims.length, 'pod', 'pods')} evicted since starting the controller.`;
    this.print.line(
      `The rule status is refreshed ${RULE_STATUS_DELAY_MS / 1000} s after each of its evictions (as upstream: ` +
        'the caches must first see the pods gone)…',
      'dim',
    );
    await this.waitForRule(
      `the rule status Completed "${completed}"`,
      (c) => c.reason === 'Completed' && c.message === completed,
      RULE_STATUS_DELAY_MS + this.deadline(15_000),
    );
    for (const p of spared) {
      const alive = sim.store.get(PODS, p.namespace, p.name) !== undefined;
      if (!alive) throw new DemoFailure(`${podLabel(p)} ${describeToleration(p.toleration)} but is gone`);
      this.print.line(`${podLabel(p)} ${describeToleration(p.toleration)}: still running`, 'good');
    }
  }

  /** After the story: every pod that had to stay is still there, and the controller has nothing left to do. */
  private finalChecks(): void {
    const sim = this.requireSim();
    const stayed = this.ledger.mustStay();
    // Same name and same UID: a replacement pod with the name of an evicted one would not count.
    const missing = stayed.filter((p) => sim.store.getEntry(PODS, p.namespace, p.name)?.uid !== p.uid);
    if (missing.length > 0) {
      throw new DemoFailure(`pods that had to keep running are gone: ${missing.map(podLabel).join(', ')}`);
    }
    const pending = [...(this.controller?.engine()?.pendingEvictions() ?? [])];
    if (pending.length > 0) {
      throw new DemoFailure(
        `the controller still plans evictions nobody expects: ${pending.map((p) => podLabel(p.pod)).join(', ')}`,
      );
    }
    const evicted = this.ledger.all().filter((e) => e.latencyMs !== null).length;
    this.print.line(
      `All checks passed: ${evicted} pods evicted as expected, ${stayed.length} still running ` +
        `(${this.pods.filter((p) => p.toleration.kind === 'forever').length} of them tolerate forever), ` +
        `0 wrongful evictions, no evictions left pending in the controller`,
      'good',
    );
  }

  // ---- act machinery ----

  private async act(title: string, body: () => Promise<void>): Promise<void> {
    if (this.acts.length > 0) await this.pause(this.options.pauseMs ?? 0);
    this.failIfInterrupted();
    this.print.line('');
    this.print.line(`== Act ${title} ==`, 'act');
    const state: ActState = { title, evictions: [], wrongful: 0, apiBefore: this.verbCounts() };
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
      sim.requests.count({ verb: 'create', resource: 'events' }) >= observer.eventCount &&
      sim.requests.count({ verb: 'patch', resource: 'devicetaintrules', subresource: 'status' }) >=
        observer.ruleConditions(RULE_NAME).length;
    const deadline = Date.now() + 2_000;
    while (!counted() && Date.now() < deadline) await sleep(5);
  }

  /** Taints a device; the pods on it that do not tolerate forever become due. Returns those. */
  private taintDevice(node: number, device: number, taint: DemoTaint): DemoPod[] {
    const written = Date.now();
    const timeAdded = taintDevice(this.requireSim().store, node, device, taint);
    return this.ledger.markDue(podsOn(this.pods, node, device), timeAdded, written);
  }

  /**
   * `timeAdded` has second precision (metav1.Time), and the controller counts tolerationSeconds from it.
   * Writing a taint just after a second boundary makes "due" and "written" the same moment, so the
   * latencies and delays printed are what a reader expects. Presentation only: correctness is judged
   * against timeAdded either way.
   */
  private async alignToSecond(): Promise<void> {
    await this.pause(1000 - (Date.now() % 1000) + 5);
  }

  /** A pause for presentation, cut short by an interrupt. */
  private async pause(ms: number): Promise<void> {
    if (ms <= 0) return;
    try {
      await sleep(ms, undefined, this.options.signal === undefined ? {} : { signal: this.options.signal });
    } catch {
      this.failIfInterrupted();
    }
  }

  private async expectEvicted(pods: readonly DemoPod[], timeoutMs: number): Promise<void> {
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

  private async waitForRule(
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

  private stopWaiting(): boolean {
    return this.controllerExit !== null || this.options.signal?.aborted === true;
  }

  private failIfInterrupted(): void {
    if (this.options.signal?.aborted === true) throw new DemoFailure('interrupted');
  }

  private failIfControllerStopped(): void {
    this.failIfInterrupted();
    if (this.controllerExit !== null) {
      throw new DemoFailure(`the controller stopped unexpectedly (exit code ${this.controllerExit})`);
    }
  }

  // ---- what happens, as it happens ----

  private onHappening(h: Happening): void {
    switch (h.kind) {
      case 'podDeleted':
        this.onDeletion(h.deletion);
        return;
      case 'podEvent':
        // "Marking for deletion" is printed with the eviction; a cancellation is news on its own.
        if (h.event.message !== 'Marking for deletion') {
          const pod = this.pods.find((p) => p.uid === h.event.uid);
          this.print.line(
            `event on ${pod === undefined ? h.event.uid : podLabel(pod)}: ${h.event.reason} "${h.event.message}"`,
            'dim',
          );
        }
        return;
      case 'ruleCondition': {
        const c = h.condition;
        this.print.line(
          `rule ${c.rule}: EvictionInProgress=${c.status} ${c.reason}${c.message === '' ? '' : ` "${c.message}"`}`,
          c.reason === 'Completed' ? 'good' : 'plain',
        );
        return;
      }
    }
  }

  private onDeletion(d: PodDeletion): void {
    const verdict = this.ledger.record(d);
    if (verdict === undefined) return;
    const act = this.current;
    const where = `${podLabel(verdict.pod)} from ${placementOf(verdict.pod)}`;
    if (verdict.kind === 'wrongful') {
      if (act !== null) act.wrongful++;
      this.print.line(`WRONGFUL eviction of ${where}: ${verdict.reason}`, 'bad');
      return;
    }
    act?.evictions.push({ pod: podLabel(verdict.pod), latencyMs: verdict.latencyMs });
    this.print.line(
      `evicted ${where} (${describeToleration(verdict.pod.toleration)}), ${Math.round(verdict.latencyMs)} ms after it was due`,
      'good',
    );
    const c = d.disruptionTarget;
    this.print.line(
      c === null
        ? '  without a DisruptionTarget condition'
        : `  condition ${c.type}=${c.status} reason ${c.reason}: "${c.message}"`,
      c !== null && c.reason === disruptionTargetCondition.reason ? 'plain' : 'warn',
    );
    const events = this.observer?.eventsFor(d.uid) ?? [];
    for (const ev of events) this.print.line(`  event ${ev.reason}: "${ev.message}"`);
  }

  /** Kept for the report; with --verbose the controller's own "Pod evicted" log line tells the same. */
  private onControllerResult(r: EvictionResult): void {
    this.results.push(r);
  }

  // ---- helpers ----

  private describePods(pods: readonly DemoPod[]): string {
    if (pods.length === 0) return 'no pod';
    return pods.map((p) => `${podLabel(p)} (${describeToleration(p.toleration)})`).join(', ');
  }

  private stamp(ms: number): string {
    return `+${((ms - this.startedAt) / 1000).toFixed(1)}s`;
  }

  private deadline(ms: number): number {
    return Math.round(ms * this.scale);
  }

  private verbCounts(): VerbCounts {
    const counts = zeroVerbs();
    if (this.sim === null) return counts;
    for (const v of VERBS) counts[v] = this.sim.requests.count({ verb: v });
    return counts;
  }

  private requireSim(): SimServer {
    if (this.sim === null) throw new Error('simulated API server not started');
    return this.sim;
  }

  private requireObserver(): ClusterObserver {
    if (this.observer === null) throw new Error('cluster observer not started');
    return this.observer;
  }

  private report(): DemoReport {
    const outcomes: DemoPodOutcome[] = this.pods.map((pod) => {
      const e = this.ledger.get(pod);
      const deletion = this.observer?.deletionOf(pod.uid) ?? null;
      const fate: PodFate =
        e.wrongful !== null ? 'wrongful' : deletion !== null ? 'evicted' : e.dueAt === null ? 'running' : 'missing';
      return { pod, dueAt: e.dueAt, taintWrittenAt: e.taintWrittenAt, deletion, fate, wrongful: e.wrongful };
    });
    const evictions = outcomes.filter((o) => o.fate === 'evicted').length;
    const wrongful = outcomes.filter((o) => o.fate === 'wrongful').length;
    const requests = this.sim?.requests;
    const writes =
      requests === undefined
        ? 0
        : requests.count({ verb: 'patch', resource: 'pods', subresource: 'status' }) +
          requests.count({ verb: 'create', resource: 'events' }) +
          requests.count({ verb: 'delete', resource: 'pods' });
    const totals: DemoTotals = {
      apiCalls: this.verbCounts(),
      writesPerEviction: evictions > 0 ? writes / evictions : null,
      evictions,
      wrongful,
      durationMs: Date.now() - this.startedAt,
    };
    const summaryTable = formatSummaryTable(this.acts, totals);
    this.print.line('');
    this.print.line('Summary', 'act');
    this.print.block(summaryTable);
    // Name every wrongful eviction, wherever it happened (also outside an act, e.g. at startup).
    const failures = [
      ...this.failures,
      ...outcomes.filter((o) => o.wrongful !== null).map((o) => `${podLabel(o.pod)} ${o.wrongful}`),
    ];
    const ok = failures.length === 0 && this.acts.length === 4 && this.acts.every((a) => a.ok);
    return {
      ok,
      interrupted: this.options.signal?.aborted === true,
      failures,
      acts: [...this.acts],
      pods: outcomes,
      ruleConditions: [...(this.observer?.ruleConditions(RULE_NAME) ?? [])],
      controllerResults: [...this.results],
      totals,
      summaryTable,
      startedAt: this.startedAt,
    };
  }
}

/** Plays the whole story; never throws for an unmet expectation (see `DemoReport.ok` / `failures`). */
export function runDemo(options: DemoOptions): Promise<DemoReport> {
  return new DemoStory(options).run();
}
