// Validation at the receiving end of every thread message. Structured clone guarantees plain data but
// not its shape, and a malformed message must be logged and dropped, never crash a thread that holds
// thousands of pending evictions. The guards are hand-written: they walk every field once and allocate
// nothing on success, so validating a 1,000-op batch costs about as much as cloning it.

import type { EvictionOutcome, ReasonId } from '../decisions.js';
import { isMetricsDelta } from '../metricsDelta.js';
import { MAX_POD_STATE, OP_CANCEL_WITH_EVENT, OP_SCHEDULE } from './ops.js';
import type {
  BrakeMessage,
  CredentialsMessage,
  MainToWorkerMessage,
  OpsMessage,
  ReplayMessage,
  ResultsMessage,
  RuleRatesMessage,
  WorkerToMainMessage,
} from './types.js';

/** Outcome of validating a message: the typed message, or why it was rejected (for the log line). */
export type Validated<T> = { readonly ok: true; readonly message: T } | { readonly ok: false; readonly error: string };

export const reject = (error: string): { readonly ok: false; readonly error: string } => ({ ok: false, error });

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export const isFiniteNumber = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value);

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

/** A SharedTokenBucketSpec as it crosses a thread boundary. */
export function checkBucketSpec(value: unknown): string | null {
  if (!isRecord(value) || !(value.buffer instanceof SharedArrayBuffer)) return 'buffer must be a SharedArrayBuffer';
  if (!isFiniteNumber(value.qps) || value.qps < 0 || !isFiniteNumber(value.burst))
    return 'qps/burst must be numbers (qps ≥ 0)';
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
    case 'ruleRates': {
      if (!Array.isArray(data.rates)) return reject('rates must be an array');
      for (const r of data.rates) {
        if (!isRecord(r) || !isNonEmptyString(r.ruleUid)) return reject('rates[].ruleUid must be a non-empty string');
        const error = checkBucketSpec(r.rate);
        if (error !== null) return reject(`rates[].rate: ${error}`);
      }
      return { ok: true, message: data as unknown as RuleRatesMessage };
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
    case 'brake': {
      const e = data.event;
      const ok =
        isRecord(e) &&
        (((e.kind === 'throttled' || e.kind === 'unthrottled') && (e.limit === 'global' || e.limit === 'rule')) ||
          (e.kind === 'held' && (e.why === 'fence' || e.why === 'breaker') && typeof e.opened === 'boolean') ||
          (e.kind === 'released' && (e.why === 'fence' || e.why === 'breaker')));
      return ok ? { ok: true, message: data as unknown as BrakeMessage } : reject('event is not a brake event');
    }
    default:
      return reject(`unknown message type ${JSON.stringify(data.t)}`);
  }
}
