// What a shard worker is started with (`workerData`), and its validation inside the worker: the shared
// buffers (API budget, write fence), the executor spec, the clock, the log settings and the port of the
// comlink control plane. Structured-clonable by construction.

import type { MessagePort } from 'node:worker_threads';
import type { BackoffOptions } from '../backoff.js';
import type { EvictionBreakerSpec } from '../evictionBreaker.js';
import type { SharedSlotsSpec } from '../sharedSlots.js';
import type { SharedTokenBucketSpec } from '../tokenBucket.js';
import type { WriteFenceSpec } from '../writeFence.js';
import type { ApiCredentials } from './types.js';
import { checkApiCredentials, checkBucketSpec, isFiniteNumber, isRecord, reject, type Validated } from './validate.js';

/** How a worker tells time: the real clock, or virtual time driven by `time` messages (tests, simulations). */
export type WorkerClockSpec = { readonly kind: 'real' } | { readonly kind: 'virtual'; readonly startMs: number };

/** Everything a shard worker is started with (`workerData`); structured-clonable. */
export interface ShardWorkerData {
  readonly shard: number;
  readonly shardCount: number;
  /** Serializable executor spec (see src/workers/executor/factory.ts); validated by the worker. */
  readonly executor: unknown;
  /** The shared API budget; `null` = unlimited. */
  readonly budget: SharedTokenBucketSpec | null;
  /** The process's write permission (leader lease); `null` = always open (no leader election). */
  readonly fence: WriteFenceSpec | null;
  /** The process-wide bound on evictions in flight; `null` = only `concurrency` per worker. */
  readonly slots: SharedSlotsSpec | null;
  /** The global start rate (--max-evictions-per-second); `null` = unlimited. */
  readonly startRate: SharedTokenBucketSpec | null;
  /** The blast-radius breaker; `null` = none configured. */
  readonly breaker: EvictionBreakerSpec | null;
  /** Bound on in-flight evictions in this worker. */
  readonly concurrency: number;
  readonly backoff: BackoffOptions | null;
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
  if (data.startRate !== null) {
    const error = checkBucketSpec(data.startRate);
    if (error !== null) return reject(`startRate: ${error}`);
  }
  const breaker = data.breaker;
  if (breaker !== null && (!isRecord(breaker) || !(breaker.buffer instanceof SharedArrayBuffer)))
    return reject('breaker must be null or { buffer: SharedArrayBuffer }');
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
