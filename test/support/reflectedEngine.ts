// The controller's read and decide path end to end, without HTTP: a ScriptedApi feeds the production
// InformerSet (real Reflectors, real projection and quarantine, the production `attach` wiring) into an
// EvictionEngine. As in src/main/app/controller.ts, the engine's decisions pass a GatedSink that opens once
// every informer has synced (replaying what is pending then); past the gate they are recorded and,
// unless told otherwise, handed to the production InlineRuntime (one QueuedEvictionPartition, default
// deferral: setImmediate) with a recording executor. The engine and the runtime share one FakeClock;
// the reflectors get one of their own that never moves, so watchdogs and backoffs stay out of the way.

import { InformerSet } from '../../src/kube/informers.js';
import type { ReadTransport } from '../../src/kube/readTransport.js';
import {
  claimsResource,
  collectionPath,
  podsResource,
  rulesResource,
  slicesResource,
} from '../../src/kube/resources.js';
import { EvictionEngine } from '../../src/main/engine/engine.js';
import { GatedSink } from '../../src/main/runtime/gatedSink.js';
import { InlineRuntime } from '../../src/main/runtime/inlineRuntime.js';
import { FakeClock } from '../../src/shared/clock.js';
import type { CachedPodState, EvictionOutcome, EvictionSink, ReasonId } from '../../src/shared/decisions.js';
import type { EvictionAttempt, EvictionExecutor } from '../../src/shared/executor.js';
import { RecordingLogger, silentLogger } from '../../src/shared/logger.js';
import {
  type ClaimRecord,
  type PodRecord,
  type PodRef,
  podUidKey,
  type RuleRecord,
  type SliceRecord,
} from '../../src/shared/types.js';
import { ScriptedApi } from './scriptedApi.js';
import { flush } from './virtualTime.js';

export const RESOURCES = {
  pods: podsResource,
  claims: claimsResource('v1'),
  slices: slicesResource('v1'),
  deviceClasses: null,
  rules: rulesResource('v1'),
  podGroups: null,
} as const;

export const PATHS = {
  pods: collectionPath(RESOURCES.pods),
  claims: collectionPath(RESOURCES.claims),
  slices: collectionPath(RESOURCES.slices),
  rules: collectionPath(RESOURCES.rules),
} as const;

export type Resource = keyof typeof PATHS;

export type SinkOp =
  | { readonly op: 'schedule'; readonly pod: PodRef; readonly fireAt: number; readonly at: number }
  | { readonly op: 'cancel'; readonly pod: PodRef; readonly emitEvent: boolean; readonly at: number };

/** Deletes nothing: records what it was asked to do and answers like a successful DELETE. */
export class RecordingExecutor implements EvictionExecutor {
  readonly evictions: { readonly pod: PodRef; readonly at: number }[] = [];
  readonly cancellationEvents: PodRef[] = [];
  /** Called synchronously when an eviction is asked for, before it is recorded (the property test's oracle). */
  onEvict: (pod: PodRef) => void = () => {};

  constructor(private readonly clock: FakeClock) {}

  async evict(pod: PodRef, _reasons: readonly ReasonId[], attempt?: EvictionAttempt): Promise<EvictionOutcome> {
    // The production executor checks this right before its first write; nothing is in between here.
    if (attempt !== undefined && !attempt.isCurrent()) throw new Error('attempt started from a stale intent');
    this.onEvict(pod);
    this.evictions.push({ pod, at: this.clock.now() });
    return 'deleted';
  }

  async recordCancellation(pod: PodRef): Promise<void> {
    this.cancellationEvents.push(pod);
  }

  evictedNames(): string[] {
    return this.evictions.map((e) => e.pod.name);
  }
}

export interface ReflectedEngineOptions {
  /** Engine and runtime clock start. */
  readonly now: number;
  /** `false`: the engine's decisions are only recorded, nothing executes them. Default true. */
  readonly runtime?: boolean;
  /** The partition's deferral; leave undefined for the production default (setImmediate). */
  readonly defer?: (fn: () => void) => void;
  /** List page size of every reflector (the relist is then assembled from several pages). */
  readonly pageSize?: number;
}

export class ReflectedEngine {
  readonly api = new ScriptedApi(Object.values(PATHS));
  readonly clock: FakeClock;
  readonly reflectorLog = new RecordingLogger();
  readonly informers: InformerSet;
  readonly engine: EvictionEngine;
  readonly runtime: InlineRuntime | null;
  readonly executor: RecordingExecutor;
  /** Every decision that passed the sync gate (the replay on opening included), in order. */
  readonly ops: SinkOp[] = [];
  private readonly gate = new GatedSink();
  private readonly recorder: EvictionSink;

  constructor(opts: ReflectedEngineOptions) {
    this.clock = new FakeClock(opts.now);
    this.executor = new RecordingExecutor(this.clock);
    this.runtime =
      opts.runtime === false
        ? null
        : new InlineRuntime({
            clock: this.clock,
            executor: this.executor,
            concurrency: 4,
            log: silentLogger,
            ...(opts.defer === undefined ? {} : { defer: opts.defer }),
          });
    const forward: EvictionSink | null = this.runtime?.sink ?? null;
    this.recorder = {
      schedule: (pod: PodRef, fireAt: number, reasons: readonly ReasonId[], podState?: CachedPodState) => {
        this.ops.push({ op: 'schedule', pod, fireAt, at: this.clock.now() });
        forward?.schedule(pod, fireAt, reasons, podState);
      },
      cancel: (pod: PodRef, emitEvent: boolean) => {
        this.ops.push({ op: 'cancel', pod, emitEvent, at: this.clock.now() });
        forward?.cancel(pod, emitEvent);
      },
    };
    this.engine = new EvictionEngine({
      clock: this.clock,
      sink: this.gate,
      ruleStatus: { enqueue: () => {} },
      log: silentLogger,
    });
    this.runtime?.onResults((results) => {
      for (const r of results) this.engine.evictionFinished(r);
    });
    const transport: ReadTransport = this.api;
    this.informers = new InformerSet(transport, RESOURCES, {
      clock: new FakeClock(opts.now),
      log: this.reflectorLog,
      // A 410 is answered by an immediate relist (the reflector's clock never moves).
      minHealthyWatchMs: 0,
      ...(opts.pageSize === undefined ? {} : { pageSize: opts.pageSize }),
    });
    this.informers.attach(this.engine);
  }

  /**
   * Starts the informers on what the api holds now; once every cache synced, opens the gate (as the
   * controller does) and waits for every watch to be open.
   */
  async start(): Promise<void> {
    this.informers.start();
    await this.informers.waitForSync();
    this.gate.open(this.recorder, this.engine.pendingEvictions());
    await Promise.all(Object.values(PATHS).map((p) => this.api.watching(p)));
    await this.settle();
  }

  async stop(): Promise<void> {
    await this.informers.stop();
    await this.runtime?.close(0);
  }

  /** Relists `resource` (410 Gone on its watch) and lets the runtime run whatever became due. */
  async relist(resource: Resource): Promise<void> {
    await this.api.expire(PATHS[resource]);
    await this.settle();
  }

  /** A few macrotask turns at the current virtual time: deferred pumps run, runs finish, results arrive. */
  async settle(): Promise<void> {
    for (let i = 0; i < 4; i++) await flush();
  }

  /** Moves virtual time forward (firing the queue's timer) and settles. */
  async advance(ms: number): Promise<void> {
    this.clock.advance(ms);
    await this.settle();
  }

  schedulesFor(podName: string): SinkOp[] {
    return this.ops.filter((o) => o.op === 'schedule' && o.pod.name === podName);
  }

  reflectorCounters(resource: Resource) {
    return this.informers[resource]?.counters;
  }

  /** What the reflectors hold now: the cluster as the controller knows it. */
  storeContents(): Snapshot {
    return {
      slices: this.informers.slices.list(),
      rules: this.informers.rules?.list() ?? [],
      claims: this.informers.claims.list(),
      pods: this.informers.pods.list(),
    };
  }
}

export interface Snapshot {
  readonly slices: readonly SliceRecord[];
  readonly rules: readonly RuleRecord[];
  readonly claims: readonly ClaimRecord[];
  readonly pods: readonly PodRecord[];
}

/**
 * What a fresh engine decides for `snapshot` at `now`: pod incarnation (`podUidKey`) → fire time of its
 * eviction. Fed objects in an order of its own (the engine's decisions do not depend on event order).
 */
export function decide(snapshot: Snapshot, now: number): Map<string, number> {
  const engine = new EvictionEngine({
    clock: new FakeClock(now),
    sink: { schedule: () => {}, cancel: () => {} },
    ruleStatus: { enqueue: () => {} },
    log: silentLogger,
  });
  for (const s of snapshot.slices) engine.sliceAdded(s);
  for (const r of snapshot.rules) engine.ruleAdded(r);
  for (const c of snapshot.claims) engine.claimAdded(c);
  for (const p of snapshot.pods) engine.podAdded(p);
  const out = new Map<string, number>();
  for (const e of engine.pendingEvictions()) out.set(podUidKey(e.pod), e.fireAt);
  return out;
}
