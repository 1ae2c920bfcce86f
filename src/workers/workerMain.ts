// Entry point of a shard worker thread: one eviction queue partition, fed by `ops` batches from the main
// thread's router, reporting finished evictions back in `results` batches. The main thread owns every
// decision; this thread only times and executes them, so losing it loses nothing the main thread cannot
// replay.

import { parentPort, workerData } from 'node:worker_threads';
import type { PushedCredentials } from '../kube/connection.js';
import { unlimitedBudget } from '../shared/apiBudget.js';
import { type Clock, FakeClock, RealClock } from '../shared/clock.js';
import type { EvictionResult } from '../shared/decisions.js';
import { EvictionBreaker } from '../shared/evictionBreaker.js';
import { createLogger } from '../shared/log.js';
import type { Logger } from '../shared/logger.js';
import {
  batchPodRef,
  OP_CANCEL_WITH_EVENT,
  OP_SCHEDULE,
  type OpBatch,
  opPodRef,
  type ScheduleOp,
} from '../shared/messages/ops.js';
import type { MainToWorkerMessage, RuleRate, WorkerToMainMessage } from '../shared/messages/types.js';
import { validateMainToWorker } from '../shared/messages/validate.js';
import { type ShardWorkerData, validateShardWorkerData } from '../shared/messages/workerData.js';
import { ApiCallCounter } from '../shared/metricsDelta.js';
import { SharedSlots } from '../shared/sharedSlots.js';
import { SharedTokenBucket } from '../shared/tokenBucket.js';
import { WriteFence } from '../shared/writeFence.js';
import { EvictionAdmission, type StartRate } from './admission.js';
import { serveControl } from './control.js';
import type { WorkerControlApi } from './controlApi.js';
import { QueuedEvictionPartition } from './evictionPartition.js';
import { createExecutor, type ExecutorHandle, isExecutorSpec } from './executor/factory.js';
import type { EvictionPartition } from './partition.js';

/** A partition that can change its concurrency bound at run time (optional capability). */
interface Reconfigurable {
  setConcurrency(concurrency: number): void;
}
const isReconfigurable = (partition: EvictionPartition): partition is EvictionPartition & Reconfigurable =>
  typeof (partition as Partial<Reconfigurable>).setConcurrency === 'function';

/** How often a worker ships its API-call counts to the main thread. */
const METRICS_FLUSH_MS = 1_000;

const port = parentPort;
if (port === null) throw new Error('workerMain.ts must run in a worker thread');

function post(message: WorkerToMainMessage): void {
  port?.postMessage(message);
}

/**
 * Least time between two result messages. A message costs the same whether it carries one result or a
 * hundred, and finished evictions trickle in one per response while the queue runs flat out (each on its
 * own macrotask), so batching per macrotask alone still sent about one message per eviction. Results
 * report what already happened (logs, metrics, and the engine forgetting a finished deletePodAt entry);
 * they already reach the main thread at any time relative to the pod's watch events, which the engine
 * handles, so holding them up to this long changes nothing but the number of messages.
 */
const RESULT_FLUSH_INTERVAL_MS = 5;

/** Collects results and sends them in one message per burst, at most one every RESULT_FLUSH_INTERVAL_MS. */
class ResultBatcher {
  private pending: EvictionResult[] = [];
  private flushScheduled = false;
  private lastFlushAt = Number.NEGATIVE_INFINITY;
  sent = 0;

  add(result: EvictionResult): void {
    this.pending.push(result);
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    const waitMs = this.lastFlushAt + RESULT_FLUSH_INTERVAL_MS - performance.now();
    if (waitMs > 0) setTimeout(this.flush, waitMs);
    else setImmediate(this.flush);
  }

  readonly flush = (): void => {
    this.flushScheduled = false;
    if (this.pending.length === 0) return;
    this.lastFlushAt = performance.now();
    const results = this.pending;
    this.pending = [];
    this.sent += results.length;
    post({ t: 'results', results });
  };
}

/** The rules' start rates as the main thread last sent them, joined to their shared buckets. */
class RuleRates {
  private rates = new Map<string, StartRate>();

  constructor(private readonly now: () => number) {}

  replace(rates: readonly RuleRate[]): void {
    this.rates = new Map(rates.map((r) => [r.ruleUid, new SharedTokenBucket(r.rate, this.now)]));
  }

  readonly of = (ruleUid: string): StartRate | undefined => this.rates.get(ruleUid);
}

class ShardWorker {
  private readonly results = new ResultBatcher();
  private readonly partition: EvictionPartition;
  private readonly ruleRates = new RuleRates(() => this.clock.now());
  private concurrency: number;
  private invalidMessages = 0;
  private opsApplied = 0;
  private messagesHandled = 0;
  private stopping = false;

  constructor(
    private readonly data: ShardWorkerData,
    private readonly clock: Clock,
    private readonly executor: ExecutorHandle,
    private readonly log: Logger,
    fence: WriteFence,
    private readonly credentials: PushedCredentials | null,
    private readonly onStopping: () => void = () => {},
  ) {
    const now = () => clock.now();
    const admission = new EvictionAdmission({
      fence,
      ...(data.breaker === null ? {} : { breaker: new EvictionBreaker(data.breaker) }),
      ...(data.startRate === null ? {} : { globalRate: new SharedTokenBucket(data.startRate, now) }),
      ruleRate: this.ruleRates.of,
    });
    this.concurrency = data.concurrency;
    this.partition = new QueuedEvictionPartition({
      clock,
      executor: executor.executor,
      concurrency: data.concurrency,
      onResult: (result) => this.results.add(result),
      ...(data.backoff === null ? {} : { backoff: data.backoff }),
      log,
      // Without a valid lease (e.g. right after a SIGSTOP/SIGCONT), with the breaker open or above a start
      // rate, due evictions wait in the queue (src/workers/admission.ts).
      admission,
      // The main thread logs each episode once and records a breaker opening in the cluster at once.
      onBrake: (event) => post({ t: 'brake', event }),
      ...(data.slots === null ? {} : { slots: new SharedSlots(data.slots) }),
      // In virtual time the queue's deferred starts are virtual too: they happen when time next moves,
      // before any timer of the new time, so a run of the same ops and time steps is deterministic.
      ...(clock instanceof FakeClock ? { defer: (fn: () => void) => void clock.setTimer(fn, 0) } : {}),
    });
  }

  readonly onMessage = (data: unknown): void => {
    this.messagesHandled++;
    const validated = validateMainToWorker(data);
    if (!validated.ok) {
      this.invalidMessages++;
      this.log.warn('Dropping invalid message from main thread', { error: validated.error });
      return;
    }
    this.handle(validated.message);
  };

  private handle(message: MainToWorkerMessage): void {
    switch (message.t) {
      case 'ops':
        if (this.stopping) return;
        this.applyBatch(message.ops);
        return;
      case 'replay':
        if (this.stopping) return;
        for (const entry of message.entries) this.applySchedule(entry);
        this.log.info('Replayed shard contents', { entries: message.entries.length });
        return;
      case 'time':
        if (this.clock instanceof FakeClock) this.clock.advanceTo(message.now);
        else {
          this.invalidMessages++;
          this.log.warn('Ignoring virtual time message: this worker runs on the real clock');
        }
        return;
      case 'shutdown':
        void this.shutdown(message.drainMs);
        return;
      case 'abortWrites':
        this.partition.abortWrites(message.reason);
        this.log.warn('Aborted writes in flight', { reason: message.reason });
        return;
      case 'ruleRates':
        this.ruleRates.replace(message.rates);
        return;
      case 'credentials':
        if (this.credentials === null) {
          this.invalidMessages++;
          this.log.warn('Ignoring credentials: this worker makes no API calls');
        } else this.credentials.update(message.credentials);
        return;
    }
  }

  private applyBatch(batch: OpBatch): void {
    for (let i = 0; i < batch.length; i++) {
      const kind = batch.kinds[i];
      if (kind === OP_SCHEDULE)
        this.partition.schedule(
          batchPodRef(batch, i),
          batch.fireAts[i] as number,
          batch.reasonTable[batch.reasonIndexes[i] as number] ?? [],
          batch.podStates[i] as number,
        );
      else this.partition.cancel(batchPodRef(batch, i), kind === OP_CANCEL_WITH_EVENT);
    }
    this.opsApplied += batch.length;
  }

  private applySchedule(entry: ScheduleOp): void {
    this.opsApplied++;
    this.partition.schedule(opPodRef(entry), entry.fireAt, entry.reasons, entry.podState ?? 0);
  }

  private async shutdown(drainMs: number): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    const started = Date.now();
    await this.partition.drain(drainMs);
    const drained = this.partition.stats().running === 0;
    // Best-effort events sent after a DELETE: give them what is left of the drain time.
    await this.executor.settle(Math.max(0, drainMs - (Date.now() - started)));
    this.results.flush();
    if (drained)
      await this.executor.close().catch((error: unknown) => {
        this.log.warn('Closing the executor failed', { error: error instanceof Error ? error.message : String(error) });
      });
    this.log.debug('Shard worker drained', { drained, tookMs: Date.now() - started });
    this.onStopping();
    post({ t: 'stopped', drained });
  }

  readonly control: WorkerControlApi = {
    stats: () => ({
      shard: this.data.shard,
      partition: this.partition.stats(),
      concurrency: this.concurrency,
      invalidMessages: this.invalidMessages,
      messagesHandled: this.messagesHandled,
      opsApplied: this.opsApplied,
      resultsSent: this.results.sent,
      heapUsedBytes: process.memoryUsage().heapUsed,
    }),
    snapshot: (filter) => this.partition.snapshot(filter),
    drain: async (timeoutMs: number) => {
      this.stopping = true;
      await this.partition.drain(timeoutMs);
      this.results.flush();
    },
    reconfigure: (change) => {
      const wanted = change.concurrency;
      if (wanted !== undefined && Number.isInteger(wanted) && wanted >= 1 && isReconfigurable(this.partition)) {
        this.partition.setConcurrency(wanted);
        this.concurrency = wanted;
      } else if (wanted !== undefined) {
        this.log.warn('Concurrency change not applied', { wanted, concurrency: this.concurrency });
      }
      return { concurrency: this.concurrency };
    },
  };
}

async function start(): Promise<void> {
  const validated = validateShardWorkerData(workerData);
  if (!validated.ok) {
    post({ t: 'fatal', message: `invalid workerData: ${validated.error}` });
    return;
  }
  const data = validated.message;
  const log = createLogger({ level: data.log.level, format: data.log.format, bindings: { shard: data.shard } });
  if (!isExecutorSpec(data.executor)) {
    post({ t: 'fatal', message: 'invalid executor spec in workerData' });
    return;
  }
  // API calls are counted here and shipped to the main thread's /metrics as deltas: at most one small
  // message per second, and a last one when the worker stops.
  const apiCalls = new ApiCallCounter();
  const flushApiCalls = (): void => {
    const delta = apiCalls.take();
    if (delta.apiCalls.length > 0) post({ t: 'metrics', delta });
  };
  setInterval(flushApiCalls, METRICS_FLUSH_MS).unref();
  process.once('beforeExit', flushApiCalls);
  const clock: Clock = data.clock.kind === 'virtual' ? new FakeClock(data.clock.startMs) : new RealClock();
  const budget = data.budget === null ? unlimitedBudget : new SharedTokenBucket(data.budget);
  const fence = data.fence === null ? WriteFence.alwaysOpen() : new WriteFence(data.fence);
  // The main thread's credentials: pushed when they change; asked for when a request gets a 401. (Imported
  // on demand, like the kube executor: a fake-executor thread loads no HTTP client.)
  let credentials: PushedCredentials | null = null;
  if (data.credentials !== null) {
    const { PushedCredentials } = await import('../kube/connection.js');
    credentials = new PushedCredentials(data.credentials, (generation) =>
      post({ t: 'credentialsRequest', generation }),
    );
  }
  let executor: ExecutorHandle;
  try {
    executor = await createExecutor(data.executor, {
      clock,
      budget,
      fence,
      log,
      shard: data.shard,
      onCall: apiCalls.observe,
      ...(credentials === null ? {} : { credentials }),
    });
  } catch (error) {
    post({ t: 'fatal', message: `executor: ${error instanceof Error ? error.message : String(error)}` });
    return;
  }
  const worker = new ShardWorker(data, clock, executor, log, fence, credentials, flushApiCalls);
  port?.on('message', worker.onMessage);
  serveControl(data.controlPort, worker.control);
  post({ t: 'ready', shard: data.shard });
}

void start();
