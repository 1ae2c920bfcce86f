// Keeps one worker thread per shard alive: one state machine per shard slot (starting → running →
// restarting → … → stopping → stopped), kept in one file on purpose.
//
// A worker that throws or exits is replaced, and the new one is given its shard's pending evictions
// from the main thread's source of truth (the engine's `deletePodAt`), so a crash loses no scheduled
// eviction. Results the main thread already received are not replayed: the engine removes finished
// entries when it gets them, and Node delivers every message a worker posted before its 'exit' event,
// so the replay is computed after the last result arrived.
// An eviction that was in flight when the worker died runs again; against the API server the second run
// finds the pod gone (UID precondition) and reports 'gone', so no pod UID is deleted twice.
//
// The shard's pending entries are taken from the source of truth when the crash is detected (after the
// dead worker's last results arrived) and ops the router sends meanwhile are held back. The replacement
// gets that snapshot, then the held ops in order: exactly the state the dead worker would have reached,
// including the "Cancelling deletion" events that only a cancel of a still-queued entry records. If too
// many ops pile up, they are dropped and the replay is recomputed from the source of truth at ready time.

import { MessageChannel, type MessagePort, type Worker } from 'node:worker_threads';
import type { Remote } from 'comlink';
import type { SharedCredentialSource } from '../../kube/connection.js';
import { type BackoffOptions, ItemExponentialBackoff } from '../../shared/backoff.js';
import type { EvictionResult, PendingEviction } from '../../shared/decisions.js';
import type { Logger } from '../../shared/logger.js';
import { type ScheduleOp, scheduleOp } from '../../shared/messages/ops.js';
import type {
  ApiCredentials,
  BrakeEventData,
  MainToWorkerMessage,
  OpsMessage,
  RuleRate,
  WorkerToMainMessage,
} from '../../shared/messages/types.js';
import { validateWorkerToMain } from '../../shared/messages/validate.js';
import type { ShardWorkerData } from '../../shared/messages/workerData.js';
import type { MetricsDelta } from '../../shared/metricsDelta.js';
import { shardOf } from '../../shared/shardHash.js';
import { connectControl } from '../../workers/control.js';
import type { WorkerControlApi, WorkerStats } from '../../workers/controlApi.js';
import type { ShardTransport } from './router.js';
import type { WorkerHeapLimits } from './workerHeap.js';
import { type SpawnOptions, spawnShardWorker } from './workerSpawn.js';

export type { PendingEviction };

/** All pending evictions right now; the supervisor keeps the ones of the shard it replays. */
export type PendingEvictionSource = () => Iterable<PendingEviction>;

/** `workerData` minus the fields the supervisor fills in per shard (and per start: the credentials). */
export type CommonWorkerData = Omit<ShardWorkerData, 'shard' | 'shardCount' | 'controlPort' | 'credentials'>;

export interface SupervisorOptions {
  readonly shardCount: number;
  readonly workerData: CommonWorkerData;
  readonly pending: PendingEvictionSource;
  readonly onResults: (results: readonly EvictionResult[], shard: number) => void;
  /** API-call counts from a worker's executor (merged into /metrics). */
  readonly onMetrics?: (delta: MetricsDelta, shard: number) => void;
  readonly log: Logger;
  /** Delay before restarting a crashed worker: base doubling per consecutive crash, up to max. */
  readonly restartBackoff?: BackoffOptions;
  /** Deadline of one control-plane call; a worker that does not answer is reported as unavailable. */
  readonly controlTimeoutMs?: number;
  /** Ops held for a restarting shard beyond this are dropped (the replay still carries the truth). */
  readonly maxHeldOps?: number;
  /** Starts a worker thread; tests may wrap it. */
  readonly spawn?: (options: SpawnOptions) => Worker;
  /**
   * The main thread's API credentials, for workers whose executor calls the API: each worker starts
   * with the newest, gets every change, and is answered when it asks after a 401.
   */
  readonly credentials?: SharedCredentialSource;
  /** A worker's brake started or stopped holding its evictions back. */
  readonly onBrake?: (event: BrakeEventData, shard: number) => void;
  /** Every worker's V8 heap caps (workerHeap.ts); V8's defaults when absent. */
  readonly heapLimits?: WorkerHeapLimits;
}

/** Node's error code for a worker that exceeded its resourceLimits (or the process's heap flags). */
const WORKER_OUT_OF_MEMORY = 'ERR_WORKER_OUT_OF_MEMORY';

export type ShardState = 'starting' | 'running' | 'restarting' | 'stopping' | 'stopped';

export interface ShardStatus {
  readonly shard: number;
  readonly state: ShardState;
  /** Times this shard's worker was replaced after a crash. */
  readonly restarts: number;
  /** Data-plane messages posted to the current worker (compare with its `messagesHandled`). */
  readonly messagesSent: number;
  /** `null` while the worker is down or did not answer in time. */
  readonly worker: WorkerStats | null;
}

export interface SupervisorStats {
  readonly restarts: number;
  readonly invalidMessages: number;
  /** Main-thread time spent validating and dispatching incoming results. */
  readonly receiveMs: number;
  readonly resultsReceived: number;
  readonly replayedEntries: number;
}

/** A crashed worker running for longer than this before dying starts the restart backoff afresh. */
const HEALTHY_RUN_MS = 30_000;

class ShardSlot {
  worker: Worker | null = null;
  control: Remote<WorkerControlApi> | null = null;
  controlPort: MessagePort | null = null;
  state: ShardState = 'starting';
  restarts = 0;
  /** Messages posted to the current worker. */
  messagesSent = 0;
  readyAt = 0;
  restartTimer: NodeJS.Timeout | null = null;
  /** Shard contents taken when the crash was detected; `null` when there is no replay to send. */
  replaySnapshot: ScheduleOp[] | null = null;
  /** Ops routed while a replacement starts; sent after its replay. */
  held: OpsMessage[] = [];
  heldOps = 0;
  heldOverflow = false;
  lastProblem = '';
  onReady: (() => void) | null = null;
  onStartFailed: ((error: Error) => void) | null = null;
  onStopped: (() => void) | null = null;
  onExit: (() => void) | null = null;

  constructor(readonly shard: number) {}
}

export class WorkerSupervisor implements ShardTransport {
  readonly shardCount: number;
  private readonly slots: ShardSlot[];
  private readonly spawn: (options: SpawnOptions) => Worker;
  private readonly controlTimeoutMs: number;
  private readonly maxHeldOps: number;
  /** Consecutive crashes per shard (shared/backoff.ts), forgotten after a healthy run. */
  private readonly restartBackoff: ItemExponentialBackoff<number>;
  private totalRestarts = 0;
  private invalidMessages = 0;
  private receiveMs = 0;
  private resultsReceived = 0;
  private replayedEntries = 0;
  private ruleRates: readonly RuleRate[] = [];
  private unsubscribeCredentials: (() => void) | null = null;

  constructor(private readonly options: SupervisorOptions) {
    if (!Number.isInteger(options.shardCount) || options.shardCount < 1)
      throw new RangeError(`shardCount must be ≥ 1, got ${options.shardCount}`);
    this.shardCount = options.shardCount;
    this.slots = Array.from({ length: options.shardCount }, (_, shard) => new ShardSlot(shard));
    this.spawn = options.spawn ?? spawnShardWorker;
    this.controlTimeoutMs = options.controlTimeoutMs ?? 5_000;
    this.maxHeldOps = options.maxHeldOps ?? 1_000_000;
    this.restartBackoff = new ItemExponentialBackoff(options.restartBackoff ?? { baseMs: 50, maxMs: 10_000 });
  }

  /** Starts every worker; resolves when all are ready, rejects if one cannot start. */
  async start(): Promise<void> {
    this.unsubscribeCredentials =
      this.options.credentials?.subscribe((credentials) => this.sendCredentials(credentials)) ?? null;
    await Promise.all(
      this.slots.map(
        (slot) =>
          new Promise<void>((resolve, reject) => {
            slot.onReady = resolve;
            slot.onStartFailed = reject;
            this.startWorker(slot, false);
          }),
      ),
    );
  }

  send(shard: number, message: OpsMessage): void {
    const slot = this.slots[shard];
    if (slot === undefined) return;
    switch (slot.state) {
      case 'starting':
      case 'running':
        this.post(slot, message);
        return;
      case 'restarting':
        this.hold(slot, message);
        return;
      default:
        // Stopping: routing has ended; the engine's state is what a successor replays.
        return;
    }
  }

  /** Sends a control message (virtual time) to every live worker, after anything already sent. */
  broadcast(message: MainToWorkerMessage): void {
    for (const slot of this.slots) if (slot.state === 'running' || slot.state === 'starting') this.post(slot, message);
  }

  /** Calls the control plane of one worker; `null` when it is down or does not answer in time. */
  async callControl<T>(shard: number, call: (control: Remote<WorkerControlApi>) => Promise<T>): Promise<T | null> {
    const slot = this.slots[shard];
    const control = slot?.control;
    if (slot === undefined || control === null || control === undefined || slot.state !== 'running') return null;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<null>((resolve) => {
      timer = setTimeout(() => resolve(null), this.controlTimeoutMs);
    });
    try {
      return await Promise.race([call(control), timeout]);
    } catch (error) {
      this.options.log.warn('Shard worker control call failed', { shard, error: errorMessage(error) });
      return null;
    } finally {
      clearTimeout(timer);
    }
  }

  async shardStatuses(): Promise<ShardStatus[]> {
    return Promise.all(
      this.slots.map(async (slot) => ({
        shard: slot.shard,
        state: slot.state,
        restarts: slot.restarts,
        messagesSent: slot.messagesSent,
        worker: await this.callControl(slot.shard, (control) => control.stats()),
      })),
    );
  }

  stats(): SupervisorStats {
    return {
      restarts: this.totalRestarts,
      invalidMessages: this.invalidMessages,
      receiveMs: this.receiveMs,
      resultsReceived: this.resultsReceived,
      replayedEntries: this.replayedEntries,
    };
  }

  /** The thread serving `shard` right now: for diagnostics and fault-injection tests. */
  workerOf(shard: number): Worker | null {
    return this.slots[shard]?.worker ?? null;
  }

  /**
   * Graceful stop: every worker stops starting evictions, waits at most `drainMs` for in-flight ones and
   * reports their results; whatever has not finished by then is cut off by terminating the thread.
   */
  async stop(drainMs: number): Promise<void> {
    this.unsubscribeCredentials?.();
    this.unsubscribeCredentials = null;
    await Promise.all(this.slots.map((slot) => this.stopSlot(slot, drainMs)));
  }

  /** New credentials to every worker that is alive (starting, running or replacing a dead one). */
  private sendCredentials(credentials: ApiCredentials, only?: ShardSlot): void {
    for (const slot of only === undefined ? this.slots : [only])
      if (slot.state === 'starting' || slot.state === 'running' || slot.state === 'restarting')
        this.post(slot, { t: 'credentials', credentials });
  }

  /** A worker got a 401 with credentials of `generation`: refresh unless newer exist, and answer it. */
  private async answerCredentials(slot: ShardSlot, worker: Worker, generation: number): Promise<void> {
    const source = this.options.credentials;
    if (source === undefined) return;
    try {
      const credentials = await source.afterUnauthorized(generation);
      if (slot.worker === worker) this.sendCredentials(credentials, slot);
    } catch (error) {
      this.options.log.warn('Refreshing credentials for a shard worker failed', {
        shard: slot.shard,
        error: errorMessage(error),
      });
    }
  }

  private async stopSlot(slot: ShardSlot, drainMs: number): Promise<void> {
    if (slot.restartTimer !== null) {
      clearTimeout(slot.restartTimer);
      slot.restartTimer = null;
    }
    const worker = slot.worker;
    const wasLive = slot.state === 'running';
    slot.state = 'stopping';
    slot.held = [];
    if (worker !== null) {
      const exited = new Promise<void>((resolve) => {
        slot.onExit = resolve;
      });
      if (wasLive) {
        const stopped = new Promise<void>((resolve) => {
          slot.onStopped = resolve;
        });
        this.post(slot, { t: 'shutdown', drainMs });
        // Grace beyond drainMs for the worker to flush its results and answer.
        await raceTimeout(Promise.race([stopped, exited]), drainMs + 1_000);
      }
      await worker.terminate();
      await raceTimeout(exited, 1_000);
    }
    slot.state = 'stopped';
  }

  private startWorker(slot: ShardSlot, replay: boolean): void {
    const channel = new MessageChannel();
    const workerData: ShardWorkerData = {
      ...this.options.workerData,
      shard: slot.shard,
      shardCount: this.shardCount,
      credentials: this.options.credentials?.latest() ?? null,
      controlPort: channel.port2,
    };
    let worker: Worker;
    try {
      worker = this.spawn({
        workerData,
        transferList: [channel.port2],
        name: `evictor-shard-${slot.shard}`,
        ...(this.options.heapLimits === undefined ? {} : { heapLimits: this.options.heapLimits }),
      });
    } catch (error) {
      channel.port1.close();
      this.crashed(slot, `spawn failed: ${errorMessage(error)}`);
      return;
    }
    slot.worker = worker;
    slot.messagesSent = 0;
    slot.controlPort = channel.port1;
    slot.control = connectControl(channel.port1);
    slot.state = replay ? 'restarting' : 'starting';
    slot.lastProblem = '';

    worker.on('message', (data: unknown) => this.onWorkerMessage(slot, worker, data, replay));
    worker.on('messageerror', (error: Error) => {
      this.invalidMessages++;
      this.options.log.warn('Undeserializable message from shard worker', { shard: slot.shard, error: error.message });
    });
    worker.on('error', (error: Error) => {
      // 'exit' follows; restart happens there, after the worker's last messages were delivered.
      slot.lastProblem = error.message;
      if ((error as NodeJS.ErrnoException).code === WORKER_OUT_OF_MEMORY) {
        // Its partition outgrew the cap: the replacement gets the same partition back (the replay), so
        // a cap below what the queue needs repeats this, with backoff, until the flag is raised.
        slot.lastProblem = `${WORKER_OUT_OF_MEMORY}: ${error.message}`;
        this.options.log.error('Shard worker ran out of heap memory (ERR_WORKER_OUT_OF_MEMORY)', {
          shard: slot.shard,
          code: WORKER_OUT_OF_MEMORY,
          error: error.message,
          maxOldGenerationMb: this.options.heapLimits?.maxOldGenerationMb ?? null,
          hint: 'raise --worker-max-old-space-mb (and the memory limit) if this repeats',
        });
        return;
      }
      this.options.log.error('Shard worker threw', { shard: slot.shard, error: error.message, stack: error.stack });
    });
    worker.on('exit', (code: number) => this.onWorkerExit(slot, worker, code));
  }

  private onWorkerMessage(slot: ShardSlot, worker: Worker, data: unknown, replay: boolean): void {
    if (slot.worker !== worker) return;
    const started = performance.now();
    const validated = validateWorkerToMain(data);
    if (!validated.ok) {
      this.invalidMessages++;
      this.options.log.warn('Dropping invalid message from shard worker', {
        shard: slot.shard,
        error: validated.error,
      });
      return;
    }
    const message: WorkerToMainMessage = validated.message;
    switch (message.t) {
      case 'results':
        this.resultsReceived += message.results.length;
        this.receiveMs += performance.now() - started;
        try {
          this.options.onResults(message.results, slot.shard);
        } catch (error) {
          this.options.log.error('Eviction results handler failed', { shard: slot.shard, error: errorMessage(error) });
        }
        return;
      case 'metrics':
        this.options.onMetrics?.(message.delta, slot.shard);
        return;
      case 'ready':
        this.onWorkerReady(slot, replay);
        return;
      case 'fatal':
        slot.lastProblem = message.message;
        this.options.log.error('Shard worker cannot start', { shard: slot.shard, error: message.message });
        return;
      case 'stopped':
        slot.onStopped?.();
        slot.onStopped = null;
        return;
      case 'credentialsRequest':
        void this.answerCredentials(slot, worker, message.generation);
        return;
      case 'brake':
        this.options.onBrake?.(message.event, slot.shard);
        return;
    }
  }

  /** The start rates of the rules that have one, to every live worker now and to every worker that starts later. */
  setRuleRates(rates: readonly RuleRate[]): void {
    this.ruleRates = rates;
    this.broadcast({ t: 'ruleRates', rates });
  }

  private onWorkerReady(slot: ShardSlot, replay: boolean): void {
    if (slot.state !== 'starting' && slot.state !== 'restarting') return;
    slot.readyAt = Date.now();
    // The rules' start rates before any eviction the replay brings can fall due.
    if (this.ruleRates.length > 0) this.post(slot, { t: 'ruleRates', rates: this.ruleRates });
    if (replay) {
      const entries =
        slot.heldOverflow || slot.replaySnapshot === null ? this.pendingOf(slot.shard) : slot.replaySnapshot;
      slot.replaySnapshot = null;
      this.post(slot, { t: 'replay', entries });
      this.replayedEntries += entries.length;
      for (const held of slot.held) this.post(slot, held);
      this.options.log.info('Shard worker restarted, shard replayed', {
        shard: slot.shard,
        replayed: entries.length,
        heldOps: slot.heldOps,
        heldOpsDropped: slot.heldOverflow,
        restarts: slot.restarts,
      });
      slot.held = [];
      slot.heldOps = 0;
      slot.heldOverflow = false;
    }
    slot.state = 'running';
    slot.onStartFailed = null;
    slot.onReady?.();
    slot.onReady = null;
  }

  private onWorkerExit(slot: ShardSlot, worker: Worker, code: number): void {
    if (slot.worker !== worker) return;
    slot.worker = null;
    slot.control = null;
    slot.controlPort?.close();
    slot.controlPort = null;
    if (slot.state === 'stopping' || slot.state === 'stopped') {
      slot.onExit?.();
      slot.onExit = null;
      return;
    }
    this.crashed(slot, slot.lastProblem || `exited with code ${code}`);
  }

  private crashed(slot: ShardSlot, problem: string): void {
    if (slot.onStartFailed !== null) {
      // The initial start failed: a configuration problem a restart loop would only hide.
      const fail = slot.onStartFailed;
      slot.onStartFailed = null;
      slot.onReady = null;
      slot.state = 'stopped';
      fail(new Error(`shard ${slot.shard} worker failed to start: ${problem}`));
      return;
    }
    if (slot.readyAt > 0 && Date.now() - slot.readyAt > HEALTHY_RUN_MS) this.restartBackoff.forget(slot.shard);
    const delayMs = this.restartBackoff.when(slot.shard);
    slot.restarts++;
    if (slot.replaySnapshot === null) {
      // The dead worker had everything sent so far: the truth now is what it held, minus nothing.
      slot.replaySnapshot = this.pendingOf(slot.shard);
      slot.held = [];
      slot.heldOps = 0;
      slot.heldOverflow = false;
    }
    this.totalRestarts++;
    slot.state = 'restarting';
    this.options.log.error('Shard worker died, restarting it', {
      shard: slot.shard,
      problem,
      restarts: slot.restarts,
      delayMs,
    });
    slot.restartTimer = setTimeout(() => {
      slot.restartTimer = null;
      if (slot.state === 'restarting') this.startWorker(slot, true);
    }, delayMs);
  }

  private pendingOf(shard: number): ScheduleOp[] {
    const entries: ScheduleOp[] = [];
    try {
      for (const pending of this.options.pending())
        if (shardOf(pending.pod, this.shardCount) === shard)
          entries.push(scheduleOp(pending.pod, pending.fireAt, pending.reasons, pending.podState ?? 0));
    } catch (error) {
      // Runs inside a worker event handler: throwing here would take the main thread down with it.
      this.options.log.error('Reading pending evictions for a replay failed; the shard starts empty', {
        shard,
        error: errorMessage(error),
      });
    }
    return entries;
  }

  private post(slot: ShardSlot, message: MainToWorkerMessage): void {
    if (slot.worker === null) return;
    slot.messagesSent++;
    slot.worker.postMessage(message);
  }

  private hold(slot: ShardSlot, message: OpsMessage): void {
    if (slot.heldOverflow) return;
    if (slot.heldOps + message.ops.length > this.maxHeldOps) {
      slot.held = [];
      slot.heldOps = 0;
      slot.heldOverflow = true;
      this.options.log.warn('Too many ops for a restarting shard; relying on the replay alone', {
        shard: slot.shard,
        maxHeldOps: this.maxHeldOps,
      });
      return;
    }
    slot.held.push(message);
    slot.heldOps += message.ops.length;
  }
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

async function raceTimeout(promise: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([promise, new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}
