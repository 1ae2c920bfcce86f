// The data plane between the main thread and the shard workers. Messages are compact (flat pod ref
// strings, fire times, reason ids — never whole objects) and batched: the router sends at most one
// `ops` message per shard per macrotask, the worker at most one `results` message per macrotask.
// An `ops` batch is columnar (see OpBatch): structured clone pays per object and per property key, so
// 100k small op objects cost the main thread several times what a few typed arrays and string arrays do.
//
// Both directions are validated at the receiving end with hand-written guards: structured clone
// guarantees plain data but not its shape, and a malformed message must be logged and dropped, never
// crash a thread that holds thousands of pending evictions. The guards walk every field once and
// allocate nothing on success, so validating a 1,000-op batch costs about as much as cloning it.

import type { MessagePort } from 'node:worker_threads';
import type { CachedPodState, EvictionOutcome, EvictionResult, ReasonId } from './decisions.js';
import { isMetricsDelta, type MetricsDelta } from './metricsDelta.js';
import type { SharedSlotsSpec } from './sharedSlots.js';
import type { SharedTokenBucketSpec } from './tokenBucket.js';
import type { PodRef } from './types.js';
import type { WriteFenceSpec } from './writeFence.js';

/** Evict the pod at `fireAt` (replaces an earlier schedule for the same pod). */
export interface ScheduleOp {
  readonly k: 'schedule';
  readonly namespace: string;
  readonly name: string;
  readonly uid: string;
  readonly fireAt: number;
  readonly reasons: readonly ReasonId[];
  /** What the cache knew about the pod (CachedPodState bits); 0 when absent. */
  readonly podState?: CachedPodState;
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

/** Op kinds in `OpBatch.kinds`; a cancel's `emitEvent` is folded into its kind. */
export const OP_SCHEDULE = 0;
export const OP_CANCEL = 1;
export const OP_CANCEL_WITH_EVENT = 2;
/** Highest valid CachedPodState value in `OpBatch.podStates`. */
const MAX_POD_STATE = 3;

/**
 * A sequence of ShardOps in columns: op `i` is `kinds[i]` on pod
 * `namespaceTable[namespaceIndexes[i]]/names[i]` (`uids[i]`); a schedule also has `fireAts[i]` and
 * `reasonTable[reasonIndexes[i]]` and `podStates[i]`. Namespaces and reason lists repeat across a storm,
 * so each is sent once per batch and referenced by index; a cancel's fire time, reason index and pod
 * state are 0 and meaningless.
 */
export interface OpBatch {
  readonly length: number;
  readonly kinds: Uint8Array;
  readonly fireAts: Float64Array;
  readonly podStates: Uint8Array;
  readonly namespaceTable: readonly string[];
  readonly namespaceIndexes: Uint32Array;
  readonly names: readonly string[];
  readonly uids: readonly string[];
  readonly reasonTable: readonly (readonly ReasonId[])[];
  readonly reasonIndexes: Uint32Array;
}

/** main → worker: schedule/cancel decisions for pods of this shard, in decision order. */
export interface OpsMessage {
  readonly t: 'ops';
  readonly ops: OpBatch;
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

/**
 * main → worker: leadership is lost; cut every write in flight now. (The shared write fence already
 * stops new writes; this aborts the ones a request is waiting on.)
 */
export interface AbortWritesMessage {
  readonly t: 'abortWrites';
  readonly reason: string;
}

/**
 * Request headers that authenticate a thread's API calls (`authorization`, `impersonate-user`, …), as the
 * main thread resolved them from the kubeconfig. `generation` grows with every refresh the main thread
 * completes, so a thread can tell whether the headers a request was sent with are still the newest.
 */
export interface ApiCredentials {
  readonly generation: number;
  readonly headers: Readonly<Record<string, string>>;
}

/**
 * main → worker: newer credentials (the main thread re-resolved them: a rotated token, an exec plugin's
 * fresh one), or the answer to the worker's `credentialsRequest`.
 */
export interface CredentialsMessage {
  readonly t: 'credentials';
  readonly credentials: ApiCredentials;
}

export type MainToWorkerMessage =
  | OpsMessage
  | ReplayMessage
  | TimeMessage
  | ShutdownMessage
  | AbortWritesMessage
  | CredentialsMessage;

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

/**
 * worker → main: a request sent with credentials of `generation` was answered 401. The main thread
 * refreshes them (unless it already has newer ones) and answers with a `credentials` message.
 */
export interface CredentialsRequestMessage {
  readonly t: 'credentialsRequest';
  readonly generation: number;
}

export type WorkerToMainMessage =
  | ReadyMessage
  | ResultsMessage
  | MetricsMessage
  | FatalMessage
  | StoppedMessage
  | CredentialsRequestMessage;

export const scheduleOp = (
  pod: PodRef,
  fireAt: number,
  reasons: readonly ReasonId[],
  podState: CachedPodState = 0,
): ScheduleOp => ({
  k: 'schedule',
  namespace: pod.namespace,
  name: pod.name,
  uid: pod.uid,
  fireAt,
  reasons,
  ...(podState === 0 ? {} : { podState }),
});

export const cancelOp = (pod: PodRef, emitEvent: boolean): CancelOp => ({
  k: 'cancel',
  namespace: pod.namespace,
  name: pod.name,
  uid: pod.uid,
  emitEvent,
});

export const opPodRef = (op: ShardOp): PodRef => ({ namespace: op.namespace, name: op.name, uid: op.uid });

const INITIAL_BATCH_CAPACITY = 64;

/**
 * Appends ops to one shard's columns and hands out a finished OpBatch. The typed columns grow by
 * doubling and are reused across batches (take() copies the used prefix): a storm then allocates per
 * batch, not per op. Reason lists are deduplicated by identity because the engine shares one array per
 * distinct reason set; an equal but distinct array just costs a table slot.
 */
export class OpBatchBuilder {
  private kinds = new Uint8Array(INITIAL_BATCH_CAPACITY);
  private fireAts = new Float64Array(INITIAL_BATCH_CAPACITY);
  private podStates = new Uint8Array(INITIAL_BATCH_CAPACITY);
  private namespaceIndexes = new Uint32Array(INITIAL_BATCH_CAPACITY);
  private reasonIndexes = new Uint32Array(INITIAL_BATCH_CAPACITY);
  private names: string[] = [];
  private uids: string[] = [];
  private namespaceTable: string[] = [];
  private namespaceSlots = new Map<string, number>();
  private reasonTable: (readonly ReasonId[])[] = [];
  private reasonSlots = new Map<readonly ReasonId[], number>();
  private count = 0;

  get length(): number {
    return this.count;
  }

  schedule(pod: PodRef, fireAt: number, reasons: readonly ReasonId[], podState: CachedPodState = 0): void {
    const i = this.append(OP_SCHEDULE, pod);
    this.fireAts[i] = fireAt;
    this.podStates[i] = podState;
    let reasonSlot = this.reasonSlots.get(reasons);
    if (reasonSlot === undefined) {
      reasonSlot = this.reasonTable.length;
      this.reasonTable.push(reasons);
      this.reasonSlots.set(reasons, reasonSlot);
    }
    this.reasonIndexes[i] = reasonSlot;
  }

  cancel(pod: PodRef, emitEvent: boolean): void {
    const i = this.append(emitEvent ? OP_CANCEL_WITH_EVENT : OP_CANCEL, pod);
    this.fireAts[i] = 0;
    this.podStates[i] = 0;
    this.reasonIndexes[i] = 0;
  }

  /** The batch so far; the builder starts empty again. */
  take(): OpBatch {
    const n = this.count;
    const batch: OpBatch = {
      length: n,
      kinds: this.kinds.slice(0, n),
      fireAts: this.fireAts.slice(0, n),
      podStates: this.podStates.slice(0, n),
      namespaceTable: this.namespaceTable,
      namespaceIndexes: this.namespaceIndexes.slice(0, n),
      names: this.names,
      uids: this.uids,
      reasonTable: this.reasonTable,
      reasonIndexes: this.reasonIndexes.slice(0, n),
    };
    this.count = 0;
    this.names = [];
    this.uids = [];
    this.namespaceTable = [];
    this.namespaceSlots = new Map();
    this.reasonTable = [];
    this.reasonSlots = new Map();
    return batch;
  }

  private append(kind: number, pod: PodRef): number {
    const i = this.count;
    if (i === this.kinds.length) this.grow();
    this.kinds[i] = kind;
    let namespaceSlot = this.namespaceSlots.get(pod.namespace);
    if (namespaceSlot === undefined) {
      namespaceSlot = this.namespaceTable.length;
      this.namespaceTable.push(pod.namespace);
      this.namespaceSlots.set(pod.namespace, namespaceSlot);
    }
    this.namespaceIndexes[i] = namespaceSlot;
    this.names.push(pod.name);
    this.uids.push(pod.uid);
    this.count = i + 1;
    return i;
  }

  private grow(): void {
    const capacity = this.kinds.length * 2;
    const kinds = new Uint8Array(capacity);
    kinds.set(this.kinds);
    this.kinds = kinds;
    const fireAts = new Float64Array(capacity);
    fireAts.set(this.fireAts);
    this.fireAts = fireAts;
    const podStates = new Uint8Array(capacity);
    podStates.set(this.podStates);
    this.podStates = podStates;
    const namespaceIndexes = new Uint32Array(capacity);
    namespaceIndexes.set(this.namespaceIndexes);
    this.namespaceIndexes = namespaceIndexes;
    const reasonIndexes = new Uint32Array(capacity);
    reasonIndexes.set(this.reasonIndexes);
    this.reasonIndexes = reasonIndexes;
  }
}

/** Encodes ops as one batch (tests, tools; the router appends directly). */
export function encodeOps(ops: readonly ShardOp[]): OpBatch {
  const builder = new OpBatchBuilder();
  for (const op of ops)
    if (op.k === 'schedule') builder.schedule(op, op.fireAt, op.reasons, op.podState ?? 0);
    else builder.cancel(op, op.emitEvent);
  return builder.take();
}

/** Op `i` of a validated batch, as a pod ref (the worker's partition keeps it). */
export const batchPodRef = (batch: OpBatch, i: number): PodRef => ({
  namespace: batch.namespaceTable[batch.namespaceIndexes[i] as number] as string,
  name: batch.names[i] as string,
  uid: batch.uids[i] as string,
});

/** Decodes a validated batch back into op objects (tests, debugging; the worker reads the columns). */
export function decodeOps(batch: OpBatch): ShardOp[] {
  const ops: ShardOp[] = [];
  for (let i = 0; i < batch.length; i++) {
    const pod = batchPodRef(batch, i);
    const kind = batch.kinds[i];
    if (kind === OP_SCHEDULE)
      ops.push(
        scheduleOp(
          pod,
          batch.fireAts[i] as number,
          batch.reasonTable[batch.reasonIndexes[i] as number] ?? [],
          batch.podStates[i] as number,
        ),
      );
    else ops.push(cancelOp(pod, kind === OP_CANCEL_WITH_EVENT));
  }
  return ops;
}

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
  if (value.podState !== undefined && !isPodState(value.podState)) return 'podState must be a CachedPodState';
  return null;
}

const isPodState = (value: unknown): boolean =>
  Number.isInteger(value) && (value as number) >= 0 && (value as number) <= MAX_POD_STATE;

const hasLength = (value: { readonly length: number }, length: number): boolean => value.length === length;

function isReasonTable(value: unknown): value is readonly (readonly ReasonId[])[] {
  if (!Array.isArray(value)) return false;
  for (const reasons of value) if (!isStringArray(reasons)) return false;
  return true;
}

/** Columns present, typed and of one length; then each op's kind, indices, strings and fire time. */
function checkOpBatch(value: unknown): string | null {
  if (!isRecord(value)) return 'ops must be an op batch';
  const n = value.length;
  if (!Number.isInteger(n) || (n as number) < 0) return 'ops.length must be an integer ≥ 0';
  const length = n as number;
  const { kinds, fireAts, podStates, namespaceTable, namespaceIndexes, names, uids, reasonTable, reasonIndexes } =
    value;
  if (!(kinds instanceof Uint8Array) || !hasLength(kinds, length)) return 'kinds must be a Uint8Array of ops.length';
  if (!(fireAts instanceof Float64Array) || !hasLength(fireAts, length))
    return 'fireAts must be a Float64Array of ops.length';
  if (!(podStates instanceof Uint8Array) || !hasLength(podStates, length))
    return 'podStates must be a Uint8Array of ops.length';
  if (!(namespaceIndexes instanceof Uint32Array) || !hasLength(namespaceIndexes, length))
    return 'namespaceIndexes must be a Uint32Array of ops.length';
  if (!(reasonIndexes instanceof Uint32Array) || !hasLength(reasonIndexes, length))
    return 'reasonIndexes must be a Uint32Array of ops.length';
  if (!isStringArray(names) || !hasLength(names, length)) return 'names must be strings, one per op';
  if (!isStringArray(uids) || !hasLength(uids, length)) return 'uids must be strings, one per op';
  if (!isStringArray(namespaceTable)) return 'namespaceTable must be an array of strings';
  for (const namespace of namespaceTable) if (namespace.length === 0) return 'namespace must be a non-empty string';
  if (!isReasonTable(reasonTable)) return 'reasons: reasonTable must be an array of string arrays';
  for (let i = 0; i < length; i++) {
    const kind = kinds[i] as number;
    if (kind > OP_CANCEL_WITH_EVENT) return `op ${i}: unknown op kind ${kind}`;
    if ((namespaceIndexes[i] as number) >= namespaceTable.length) return `op ${i}: namespace index out of range`;
    if ((names[i] as string).length === 0) return `op ${i}: name must be a non-empty string`;
    if ((uids[i] as string).length === 0) return `op ${i}: uid must be a non-empty string`;
    if (kind !== OP_SCHEDULE) continue;
    if (!Number.isFinite(fireAts[i])) return `op ${i}: fireAt must be a finite number`;
    if ((podStates[i] as number) > MAX_POD_STATE) return `op ${i}: unknown pod state ${podStates[i]}`;
    if ((reasonIndexes[i] as number) >= reasonTable.length) return `op ${i}: reasons index out of range`;
  }
  return null;
}

function checkOps(ops: unknown, check: (op: unknown) => string | null): string | null {
  if (!Array.isArray(ops)) return 'entries must be an array';
  for (let i = 0; i < ops.length; i++) {
    const error = check(ops[i]);
    if (error !== null) return `op ${i}: ${error}`;
  }
  return null;
}

const checkReplayEntry = (value: unknown): string | null =>
  isRecord(value) && value.k === 'schedule' ? checkScheduleOp(value) : 'replay entries must be schedule ops';

/** An HTTP header name as undici sends it: a lower-case RFC 9110 token. */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9a-z-]+$/;
/** A header value: visible characters, spaces and tabs (no CR, LF or NUL that could split a request). */
const HEADER_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

/** Checks an `ApiCredentials` value; `null` when valid. */
export function checkApiCredentials(value: unknown): string | null {
  if (!isRecord(value)) return 'credentials must be an object';
  if (!Number.isInteger(value.generation) || (value.generation as number) < 0)
    return 'credentials.generation must be an integer ≥ 0';
  const headers = value.headers;
  if (!isRecord(headers)) return 'credentials.headers must be an object';
  for (const [name, header] of Object.entries(headers)) {
    if (!HEADER_NAME.test(name)) return `credentials.headers: invalid header name ${JSON.stringify(name)}`;
    if (typeof header !== 'string' || !HEADER_VALUE.test(header))
      return `credentials.headers.${name} must be a header value string`;
  }
  return null;
}

/** Validates a message received by a worker. */
export function validateMainToWorker(data: unknown): Validated<MainToWorkerMessage> {
  if (!isRecord(data)) return reject('message must be an object');
  switch (data.t) {
    case 'ops': {
      const error = checkOpBatch(data.ops);
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
    case 'abortWrites':
      return typeof data.reason === 'string'
        ? { ok: true, message: { t: 'abortWrites', reason: data.reason } }
        : reject('reason must be a string');
    case 'credentials': {
      const error = checkApiCredentials(data.credentials);
      return error === null ? { ok: true, message: data as unknown as CredentialsMessage } : reject(error);
    }
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
    case 'credentialsRequest':
      return Number.isInteger(data.generation) && (data.generation as number) >= 0
        ? { ok: true, message: { t: 'credentialsRequest', generation: data.generation as number } }
        : reject('generation must be an integer ≥ 0');
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
  /** The process's write permission (leader lease); `null` = always open (no leader election). */
  readonly fence: WriteFenceSpec | null;
  /** The process-wide bound on evictions in flight; `null` = only `concurrency` per worker. */
  readonly slots: SharedSlotsSpec | null;
  /** Bound on in-flight evictions in this worker. */
  readonly concurrency: number;
  readonly backoff: { readonly baseMs: number; readonly maxMs: number } | null;
  readonly clock: WorkerClockSpec;
  readonly log: { readonly level: 'debug' | 'info' | 'warn' | 'error'; readonly format: 'json' | 'text' };
  /**
   * The newest API credentials when the worker was started (later ones arrive as `credentials`
   * messages); `null` when the executor makes no API calls (fake executor).
   */
  readonly credentials: ApiCredentials | null;
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
  const fence = data.fence;
  if (fence !== null && (!isRecord(fence) || !(fence.buffer instanceof SharedArrayBuffer)))
    return reject('fence must be null or { buffer: SharedArrayBuffer }');
  const slots = data.slots;
  if (slots !== null && (!isRecord(slots) || !(slots.buffer instanceof SharedArrayBuffer)))
    return reject('slots must be null or { buffer: SharedArrayBuffer }');
  const backoff = data.backoff;
  if (backoff !== null && (!isRecord(backoff) || !isFiniteNumber(backoff.baseMs) || !isFiniteNumber(backoff.maxMs)))
    return reject('backoff must be null or { baseMs, maxMs }');
  const clock = data.clock;
  if (!isRecord(clock) || !(clock.kind === 'real' || (clock.kind === 'virtual' && isFiniteNumber(clock.startMs))))
    return reject('clock must be { kind: "real" } or { kind: "virtual", startMs }');
  const log = data.log;
  if (!isRecord(log) || !LOG_LEVELS.has(log.level) || !(log.format === 'json' || log.format === 'text'))
    return reject('log must be { level, format }');
  if (data.credentials !== null) {
    const error = checkApiCredentials(data.credentials);
    if (error !== null) return reject(error);
  }
  // Duck-typed so this module stays free of runtime imports; a transferred port arrives as a MessagePort.
  const port = data.controlPort;
  if (!isRecord(port) || typeof port.postMessage !== 'function' || typeof port.on !== 'function')
    return reject('controlPort must be a MessagePort');
  return { ok: true, message: data as unknown as ShardWorkerData };
}
