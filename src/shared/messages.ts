// The data plane between the main thread and the shard workers. Messages are compact (flat pod ref
// strings, fire times, reason ids — never whole objects) and batched: the router sends at most one
// `ops` message per shard per macrotask, the worker at most one `results` message per macrotask.
//
// Both directions are validated at the receiving end with hand-written guards: structured clone
// guarantees plain data but not its shape, and a malformed message must be logged and dropped, never
// crash a thread that holds thousands of pending evictions. The guards walk every field once and
// allocate nothing on success, so validating a 1,000-op batch costs about as much as cloning it.

import type { MessagePort } from 'node:worker_threads';
import type { EvictionOutcome, EvictionResult, ReasonId } from './decisions.js';
import { isMetricsDelta, type MetricsDelta } from './metricsDelta.js';
import type { SharedTokenBucketSpec } from './tokenBucket.js';
import type { PodRef } from './types.js';

/** Evict the pod at `fireAt` (replaces an earlier schedule for the same pod). */
export interface ScheduleOp {
  readonly k: 'schedule';
  readonly namespace: string;
  readonly name: string;
  readonly uid: string;
  readonly fireAt: number;
  readonly reasons: readonly ReasonId[];
}

/** Forget the pod's pending eviction; `emitEvent` records "Cancelling deletion". */
export interface CancelOp {
  readonly k: 'cancel';
  readonly namespace: string;
  readonly name: string;
  readonly uid: string;
  readonly emitEvent: boolean;
}

export type ShardOp = ScheduleOp | CancelOp;

/** main → worker: schedule/cancel decisions for pods of this shard, in decision order. */
export interface OpsMessage {
  readonly t: 'ops';
  readonly ops: readonly ShardOp[];
}

/** main → worker: the full pending contents of this shard, sent once to a freshly (re)started worker. */
export interface ReplayMessage {
  readonly t: 'replay';
  readonly entries: readonly ScheduleOp[];
}

/** main → worker: virtual time moved to `now` (only for workers started with a virtual clock). */
export interface TimeMessage {
  readonly t: 'time';
  readonly now: number;
}

/** main → worker: stop starting evictions, wait at most `drainMs` for in-flight ones, flush results, exit. */
export interface ShutdownMessage {
  readonly t: 'shutdown';
  readonly drainMs: number;
}

export type MainToWorkerMessage = OpsMessage | ReplayMessage | TimeMessage | ShutdownMessage;

/** worker → main: the partition is built and listening. */
export interface ReadyMessage {
  readonly t: 'ready';
  readonly shard: number;
}

/** worker → main: finished evictions since the last batch. */
export interface ResultsMessage {
  readonly t: 'results';
  readonly results: readonly EvictionResult[];
}

/** worker → main: API calls the worker's executor made since the last delta (for /metrics). */
export interface MetricsMessage {
  readonly t: 'metrics';
  readonly delta: MetricsDelta;
}

/** worker → main: the worker cannot continue (bad workerData, executor construction failed, …). */
export interface FatalMessage {
  readonly t: 'fatal';
  readonly message: string;
}

/** worker → main: shutdown drain finished (`drained: false` when the timeout hit first). */
export interface StoppedMessage {
  readonly t: 'stopped';
  readonly drained: boolean;
}

export type WorkerToMainMessage = ReadyMessage | ResultsMessage | MetricsMessage | FatalMessage | StoppedMessage;

export const scheduleOp = (pod: PodRef, fireAt: number, reasons: readonly ReasonId[]): ScheduleOp => ({
  k: 'schedule',
  namespace: pod.namespace,
  name: pod.name,
  uid: pod.uid,
  fireAt,
  reasons,
});

export const cancelOp = (pod: PodRef, emitEvent: boolean): CancelOp => ({
  k: 'cancel',
  namespace: pod.namespace,
  name: pod.name,
  uid: pod.uid,
  emitEvent,
});

export const opPodRef = (op: ShardOp): PodRef => ({ namespace: op.namespace, name: op.name, uid: op.uid });

/** Outcome of validating a message: the typed message, or why it was rejected (for the log line). */
export type Validated<T> = { readonly ok: true; readonly message: T } | { readonly ok: false; readonly error: string };

const reject = (error: string): { readonly ok: false; readonly error: string } => ({ ok: false, error });

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const isFiniteNumber = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value);

const isNonEmptyString = (value: unknown): value is string => typeof value === 'string' && value.length > 0;

function isStringArray(value: unknown): value is readonly string[] {
  if (!Array.isArray(value)) return false;
  for (const item of value) if (typeof item !== 'string') return false;
  return true;
}

/** Pod identity fields; `uid` may be empty only because informer tombstones can lack one — it cannot here. */
function checkPodFields(value: Record<string, unknown>): string | null {
  if (!isNonEmptyString(value.namespace)) return 'namespace must be a non-empty string';
  if (!isNonEmptyString(value.name)) return 'name must be a non-empty string';
  if (!isNonEmptyString(value.uid)) return 'uid must be a non-empty string';
  return null;
}

function checkScheduleOp(value: Record<string, unknown>): string | null {
  const podError = checkPodFields(value);
  if (podError !== null) return podError;
  if (!isFiniteNumber(value.fireAt)) return 'fireAt must be a finite number';
  if (!isStringArray(value.reasons)) return 'reasons must be an array of strings';
  return null;
}

function checkOp(value: unknown): string | null {
  if (!isRecord(value)) return 'op must be an object';
  if (value.k === 'schedule') return checkScheduleOp(value);
  if (value.k === 'cancel') {
    const podError = checkPodFields(value);
    if (podError !== null) return podError;
    return typeof value.emitEvent === 'boolean' ? null : 'emitEvent must be a boolean';
  }
  return `unknown op kind ${JSON.stringify(value.k)}`;
}

function checkOps(ops: unknown, check: (op: unknown) => string | null): string | null {
  if (!Array.isArray(ops)) return 'ops/entries must be an array';
  for (let i = 0; i < ops.length; i++) {
    const error = check(ops[i]);
    if (error !== null) return `op ${i}: ${error}`;
  }
  return null;
}

const checkReplayEntry = (value: unknown): string | null =>
  isRecord(value) && value.k === 'schedule' ? checkScheduleOp(value) : 'replay entries must be schedule ops';

/** Validates a message received by a worker. */
export function validateMainToWorker(data: unknown): Validated<MainToWorkerMessage> {
  if (!isRecord(data)) return reject('message must be an object');
  switch (data.t) {
    case 'ops': {
      const error = checkOps(data.ops, checkOp);
      return error === null ? { ok: true, message: data as unknown as OpsMessage } : reject(error);
    }
    case 'replay': {
      const error = checkOps(data.entries, checkReplayEntry);
      return error === null ? { ok: true, message: data as unknown as ReplayMessage } : reject(error);
    }
    case 'time':
      return isFiniteNumber(data.now)
        ? { ok: true, message: { t: 'time', now: data.now } }
        : reject('now must be a finite number');
    case 'shutdown':
      return isFiniteNumber(data.drainMs) && data.drainMs >= 0
        ? { ok: true, message: { t: 'shutdown', drainMs: data.drainMs } }
        : reject('drainMs must be a number ≥ 0');
    default:
      return reject(`unknown message type ${JSON.stringify(data.t)}`);
  }
}

const OUTCOMES: ReadonlySet<string> = new Set<EvictionOutcome>(['deleted', 'alreadyTerminating', 'gone']);

function checkResult(value: unknown): string | null {
  if (!isRecord(value)) return 'result must be an object';
  if (!isRecord(value.pod)) return 'pod must be an object';
  const podError = checkPodFields(value.pod);
  if (podError !== null) return `pod: ${podError}`;
  if (typeof value.outcome !== 'string' || !OUTCOMES.has(value.outcome)) return 'outcome is not a known outcome';
  if (!isFiniteNumber(value.fireAt)) return 'fireAt must be a finite number';
  if (!isFiniteNumber(value.doneAt)) return 'doneAt must be a finite number';
  if (!Number.isInteger(value.attempts) || (value.attempts as number) < 1) return 'attempts must be an integer ≥ 1';
  if (!isStringArray(value.reasons)) return 'reasons must be an array of strings';
  return null;
}

/** Validates a message received from a worker. */
export function validateWorkerToMain(data: unknown): Validated<WorkerToMainMessage> {
  if (!isRecord(data)) return reject('message must be an object');
  switch (data.t) {
    case 'results': {
      if (!Array.isArray(data.results)) return reject('results must be an array');
      for (let i = 0; i < data.results.length; i++) {
        const error = checkResult(data.results[i]);
        if (error !== null) return reject(`result ${i}: ${error}`);
      }
      return { ok: true, message: data as unknown as ResultsMessage };
    }
    case 'metrics':
      return isMetricsDelta(data.delta)
        ? { ok: true, message: { t: 'metrics', delta: data.delta } }
        : reject('delta is not a metrics delta');
    case 'ready':
      return Number.isInteger(data.shard) && (data.shard as number) >= 0
        ? { ok: true, message: { t: 'ready', shard: data.shard as number } }
        : reject('shard must be an integer ≥ 0');
    case 'fatal':
      return typeof data.message === 'string'
        ? { ok: true, message: { t: 'fatal', message: data.message } }
        : reject('fatal message must be a string');
    case 'stopped':
      return typeof data.drained === 'boolean'
        ? { ok: true, message: { t: 'stopped', drained: data.drained } }
        : reject('drained must be a boolean');
    default:
      return reject(`unknown message type ${JSON.stringify(data.t)}`);
  }
}

/** How a worker tells time: the real clock, or virtual time driven by `time` messages (tests, simulations). */
export type WorkerClockSpec = { readonly kind: 'real' } | { readonly kind: 'virtual'; readonly startMs: number };

/** Everything a shard worker is started with (`workerData`); structured-clonable. */
export interface ShardWorkerData {
  readonly shard: number;
  readonly shardCount: number;
  /** Serializable executor spec (see src/workers/executorFactory.ts); validated by the worker. */
  readonly executor: unknown;
  /** The shared API budget; `null` = unlimited. */
  readonly budget: SharedTokenBucketSpec | null;
  /** Bound on in-flight evictions in this worker. */
  readonly concurrency: number;
  readonly backoff: { readonly baseMs: number; readonly maxMs: number } | null;
  readonly clock: WorkerClockSpec;
  readonly log: { readonly level: 'debug' | 'info' | 'warn' | 'error'; readonly format: 'json' | 'text' };
  /** Port for the comlink control plane (transferred). */
  readonly controlPort: MessagePort;
}

const LOG_LEVELS: ReadonlySet<unknown> = new Set(['debug', 'info', 'warn', 'error']);

/** Validates `workerData` inside the worker; the executor spec is checked by the executor factory. */
export function validateShardWorkerData(data: unknown): Validated<ShardWorkerData> {
  if (!isRecord(data)) return reject('workerData must be an object');
  if (!Number.isInteger(data.shardCount) || (data.shardCount as number) < 1)
    return reject('shardCount must be an integer ≥ 1');
  if (
    !Number.isInteger(data.shard) ||
    (data.shard as number) < 0 ||
    (data.shard as number) >= (data.shardCount as number)
  )
    return reject('shard must be an integer in [0, shardCount)');
  if (!Number.isInteger(data.concurrency) || (data.concurrency as number) < 1)
    return reject('concurrency must be an integer ≥ 1');
  const budget = data.budget;
  if (budget !== null) {
    if (!isRecord(budget) || !(budget.buffer instanceof SharedArrayBuffer))
      return reject('budget.buffer must be a SharedArrayBuffer');
    if (!isFiniteNumber(budget.qps) || !isFiniteNumber(budget.burst)) return reject('budget qps/burst must be numbers');
  }
  const backoff = data.backoff;
  if (backoff !== null && (!isRecord(backoff) || !isFiniteNumber(backoff.baseMs) || !isFiniteNumber(backoff.maxMs)))
    return reject('backoff must be null or { baseMs, maxMs }');
  const clock = data.clock;
  if (!isRecord(clock) || !(clock.kind === 'real' || (clock.kind === 'virtual' && isFiniteNumber(clock.startMs))))
    return reject('clock must be { kind: "real" } or { kind: "virtual", startMs }');
  const log = data.log;
  if (!isRecord(log) || !LOG_LEVELS.has(log.level) || !(log.format === 'json' || log.format === 'text'))
    return reject('log must be { level, format }');
  // Duck-typed so this module stays free of runtime imports; a transferred port arrives as a MessagePort.
  const port = data.controlPort;
  if (!isRecord(port) || typeof port.postMessage !== 'function' || typeof port.on !== 'function')
    return reject('controlPort must be a MessagePort');
  return { ok: true, message: data as unknown as ShardWorkerData };
}
