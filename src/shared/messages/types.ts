// The data plane between the main thread and the shard workers (docs/architecture.md §3): every
// message type, in both directions. Messages are compact (flat pod ref strings, fire times, reason ids —
// never whole objects) and batched: the router sends at most one `ops` message per shard per
// macrotask, the worker at most one `results` message per macrotask. The op batch is in ops.ts, the
// guards every receiving end runs in validate.ts, what a worker is started with in workerData.ts.

import type { EvictionResult } from '../decisions.js';
import type { MetricsDelta } from '../metricsDelta.js';
import type { SharedTokenBucketSpec } from '../tokenBucket.js';
import type { OpBatch, ScheduleOp } from './ops.js';

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

/** One DeviceTaintRule's start rate (its max-evictions-per-minute annotation), shared by all threads. */
export interface RuleRate {
  readonly ruleUid: string;
  readonly rate: SharedTokenBucketSpec;
}

/**
 * main → worker: the start rates of every rule that has one, in full (rules are few; the newest list
 * replaces the previous one).
 */
export interface RuleRatesMessage {
  readonly t: 'ruleRates';
  readonly rates: readonly RuleRate[];
}

export type MainToWorkerMessage =
  | OpsMessage
  | ReplayMessage
  | TimeMessage
  | ShutdownMessage
  | AbortWritesMessage
  | CredentialsMessage
  | RuleRatesMessage;

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

/**
 * worker → main: a brake started or stopped holding this worker's evictions back (for the log, once
 * per episode, and — when `opened` — for the breaker to be recorded in the cluster at once).
 */
export interface BrakeMessage {
  readonly t: 'brake';
  readonly event: BrakeEventData;
}

/** What a BrakeMessage says (the timed queue's BrakeEvent, as plain data). */
export type BrakeEventData =
  | { readonly kind: 'throttled' | 'unthrottled'; readonly limit: 'global' | 'rule' }
  | { readonly kind: 'held'; readonly why: 'fence' | 'breaker'; readonly opened: boolean }
  | { readonly kind: 'released'; readonly why: 'fence' | 'breaker' };

export type WorkerToMainMessage =
  | ReadyMessage
  | ResultsMessage
  | MetricsMessage
  | FatalMessage
  | StoppedMessage
  | CredentialsRequestMessage
  | BrakeMessage;
