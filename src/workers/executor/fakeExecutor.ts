// A fake eviction executor for tests and benchmarks, built inside any thread from a serializable spec.
// It models what matters for the runtime: API latency, retryable failures, CPU cost per call, the shared
// API budget, and — through an optional shared ledger — the cluster's memory of which pod UIDs are
// already deleted, so that a replayed eviction after a worker crash finds the pod gone, as it would
// against a real API server.

import type { ApiBudget } from '../../shared/apiBudget.js';
import type { Clock } from '../../shared/clock.js';
import type { EvictionOutcome, ReasonId } from '../../shared/decisions.js';
import type { EvictionExecutor } from '../../shared/executor.js';
import { randomOf } from '../../shared/random.js';
import { fnv1a32 } from '../../shared/shardHash.js';
import type { PodRef } from '../../shared/types.js';

export interface FakeExecutorSpec {
  readonly kind: 'fake';
  /** Time each eviction takes after its tokens, on the executor's clock. Default 0. */
  readonly latencyMs?: number;
  /** Probability in [0, 1] that an attempt fails with a retryable error. Default 0. */
  readonly failureRate?: number;
  /** Seed for the failure decisions. Default 1. */
  readonly seed?: number;
  /** Busy-loop this many µs per API call: models the CPU cost of building and parsing requests. Default 0. */
  readonly cpuMicrosPerCall?: number;
  /** API calls (budget tokens) per eviction; upstream makes ~4 (GET, PATCH, DELETE, Event). Default 1. */
  readonly apiCallsPerEviction?: number;
  /** A `FakeClusterLedger` buffer shared by every thread; without one each thread counts alone. */
  readonly ledger?: SharedArrayBuffer;
  /**
   * Fault injection: the thread that makes the N-th eviction attempt (counted across all threads through
   * the ledger, 1-based) throws an uncaught error right after that attempt deleted the pod and before
   * its result could be reported. Needs `ledger`. Fires once.
   */
  readonly crashAtAttempt?: number;
}

/** Counters kept in the ledger, readable from any thread. */
export interface FakeLedgerCounts {
  /** `evict()` calls. */
  readonly attempts: number;
  /** Budget tokens taken (API calls). */
  readonly apiCalls: number;
  /** Attempts that deleted a pod UID for the first time. */
  readonly deleted: number;
  /** Attempts that found the UID already deleted. */
  readonly gone: number;
  /** Injected failures. */
  readonly failures: number;
  /** `recordCancellation()` calls. */
  readonly cancellations: number;
}

/** Slots of the ledger's Int32 counter block. */
const Counter = {
  Attempts: 0,
  ApiCalls: 1,
  Deleted: 2,
  Gone: 3,
  Failures: 4,
  Cancellations: 5,
  CallLogLength: 6,
  CrashFired: 7,
} as const;
type Counter = (typeof Counter)[keyof typeof Counter];
const COUNTER_SLOTS = 8;

/**
 * Shared memory that stands in for the API server's state across threads: counters, a log of API call
 * times (for budget checks) and the set of deleted pod UIDs (open addressing over 64-bit UID hashes).
 */
export class FakeClusterLedger {
  private readonly counters: Int32Array;
  private readonly callTimes: Float64Array;
  private readonly deletedUids: BigInt64Array;

  /** Allocates a ledger for up to `maxPods` deleted UIDs and `maxLoggedCalls` call timestamps. */
  static allocate(maxPods: number, maxLoggedCalls = 0): SharedArrayBuffer {
    const slots = nextPowerOfTwo(Math.max(16, maxPods * 2));
    const buffer = new SharedArrayBuffer(8 + 4 * COUNTER_SLOTS + 8 * maxLoggedCalls + 8 * slots);
    new Float64Array(buffer, 0, 1)[0] = maxLoggedCalls;
    return buffer;
  }

  constructor(readonly buffer: SharedArrayBuffer) {
    const maxLoggedCalls = new Float64Array(buffer, 0, 1)[0] ?? 0;
    this.counters = new Int32Array(buffer, 8, COUNTER_SLOTS);
    const callsOffset = 8 + 4 * COUNTER_SLOTS;
    this.callTimes = new Float64Array(buffer, callsOffset, maxLoggedCalls);
    const setOffset = callsOffset + 8 * maxLoggedCalls;
    this.deletedUids = new BigInt64Array(buffer, setOffset, (buffer.byteLength - setOffset) / 8);
  }

  counts(): FakeLedgerCounts {
    const c = this.counters;
    return {
      attempts: Atomics.load(c, Counter.Attempts),
      apiCalls: Atomics.load(c, Counter.ApiCalls),
      deleted: Atomics.load(c, Counter.Deleted),
      gone: Atomics.load(c, Counter.Gone),
      failures: Atomics.load(c, Counter.Failures),
      cancellations: Atomics.load(c, Counter.Cancellations),
    };
  }

  /** Times (ms since epoch) of the logged API calls, in the order their slots were taken. */
  callTimesMs(): number[] {
    const n = Math.min(Atomics.load(this.counters, Counter.CallLogLength), this.callTimes.length);
    return Array.from(this.callTimes.subarray(0, n));
  }

  /** Whether the UID was deleted (by any thread). */
  isDeleted(uid: string): boolean {
    const key = uidKey(uid);
    const mask = this.deletedUids.length - 1;
    for (let i = Number(key & BigInt(mask)), probes = 0; probes <= mask; i = (i + 1) & mask, probes++) {
      const slot = Atomics.load(this.deletedUids, i);
      if (slot === key) return true;
      if (slot === 0n) return false;
    }
    return false;
  }

  /** Marks the UID deleted; false if it already was (the pod is gone). */
  markDeleted(uid: string): boolean {
    const key = uidKey(uid);
    const mask = this.deletedUids.length - 1;
    for (let i = Number(key & BigInt(mask)), probes = 0; probes <= mask; i = (i + 1) & mask, probes++) {
      const previous = Atomics.compareExchange(this.deletedUids, i, 0n, key);
      if (previous === 0n) return true;
      if (previous === key) return false;
    }
    throw new RangeError('FakeClusterLedger is full: allocate it for more pods');
  }

  /** @internal */ bump(counter: Counter): number {
    return Atomics.add(this.counters, counter, 1) + 1;
  }

  /** @internal */ logCall(atMs: number): void {
    const slot = Atomics.add(this.counters, Counter.CallLogLength, 1);
    if (slot < this.callTimes.length) this.callTimes[slot] = atMs;
  }

  /** @internal */ claimCrash(): boolean {
    return Atomics.compareExchange(this.counters, Counter.CrashFired, 0, 1) === 0;
  }
}

/** 64-bit UID key from two independent FNV-1a hashes; never 0 (0 marks an empty slot). */
function uidKey(uid: string): bigint {
  const high = BigInt(fnv1a32(uid));
  const low = BigInt(fnv1a32(uid, 0x050c5d1f));
  const key = BigInt.asIntN(64, (high << 32n) | low);
  return key === 0n ? 1n : key;
}

function nextPowerOfTwo(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}

export interface FakeExecutorContext {
  readonly clock: Clock;
  readonly budget: ApiBudget;
  /** Called with the fault-injection error; by default it is thrown from a fresh macrotask (uncaught). */
  readonly crash?: (error: Error) => void;
}

export class FakeExecutor implements EvictionExecutor {
  private readonly ledger: FakeClusterLedger | null;
  /** Attempts per pod UID in this executor, so failure decisions are a function of (seed, uid, attempt). */
  private readonly attemptsByUid = new Map<string, number>();
  private localAttempts = 0;
  private localCancellations = 0;

  constructor(
    private readonly spec: FakeExecutorSpec,
    private readonly context: FakeExecutorContext,
  ) {
    validateFakeExecutorSpec(spec);
    this.ledger = spec.ledger === undefined ? null : new FakeClusterLedger(spec.ledger);
  }

  /** Attempts made by this executor instance (one thread). */
  get attempts(): number {
    return this.localAttempts;
  }

  get cancellations(): number {
    return this.localCancellations;
  }

  async evict(pod: PodRef, _reasons: readonly ReasonId[]): Promise<EvictionOutcome> {
    this.localAttempts++;
    const attempt = (this.attemptsByUid.get(pod.uid) ?? 0) + 1;
    this.attemptsByUid.set(pod.uid, attempt);
    const globalAttempt = this.ledger?.bump(Counter.Attempts) ?? this.localAttempts;

    for (let call = 0; call < (this.spec.apiCallsPerEviction ?? 1); call++) await this.apiCall();
    const latency = this.spec.latencyMs ?? 0;
    if (latency > 0) await new Promise<void>((resolve) => this.context.clock.setTimer(resolve, latency));

    if (failureRoll(this.spec.seed ?? 1, pod.uid, attempt) < (this.spec.failureRate ?? 0)) {
      this.ledger?.bump(Counter.Failures);
      throw new Error(`injected failure for ${pod.namespace}/${pod.name} (attempt ${attempt})`);
    }
    this.attemptsByUid.delete(pod.uid);
    let outcome: EvictionOutcome = 'deleted';
    if (this.ledger !== null) {
      outcome = this.ledger.markDeleted(pod.uid) ? 'deleted' : 'gone';
      this.ledger.bump(outcome === 'deleted' ? Counter.Deleted : Counter.Gone);
      if (this.spec.crashAtAttempt === globalAttempt && this.ledger.claimCrash()) {
        const error = new Error(`injected crash after attempt ${globalAttempt} deleted ${pod.namespace}/${pod.name}`);
        const crash =
          this.context.crash ??
          ((e: Error) => {
            setImmediate(() => {
              throw e;
            });
          });
        crash(error);
        // Never settle: the pod is deleted but its result must not reach the partition.
        return new Promise<EvictionOutcome>(() => {});
      }
    }
    return outcome;
  }

  async recordCancellation(_pod: PodRef): Promise<void> {
    this.localCancellations++;
    this.ledger?.bump(Counter.Cancellations);
    await this.apiCall();
  }

  private async apiCall(): Promise<void> {
    await this.context.budget.acquire();
    this.ledger?.bump(Counter.ApiCalls);
    this.ledger?.logCall(Date.now());
    const cpuMicros = this.spec.cpuMicrosPerCall ?? 0;
    if (cpuMicros > 0) burnCpu(cpuMicros);
  }
}

/** Deterministic uniform [0, 1) from (seed, uid, attempt): the same pod fails the same way in every runtime. */
function failureRoll(seed: number, uid: string, attempt: number): number {
  return randomOf(fnv1a32(uid) ^ Math.imul(seed | 0, 0x9e3779b1) ^ Math.imul(attempt, 0x85ebca6b));
}

/** Busy-waits: the benchmark wants CPU-bound work that a second core can take over. */
function burnCpu(micros: number): void {
  const until = process.hrtime.bigint() + BigInt(Math.round(micros * 1000));
  while (process.hrtime.bigint() < until) {
    // spin
  }
}

export function validateFakeExecutorSpec(spec: FakeExecutorSpec): void {
  const nonNegative = (name: string, value: number | undefined) => {
    if (value !== undefined && (!Number.isFinite(value) || value < 0))
      throw new RangeError(`fake executor: ${name} must be a number ≥ 0, got ${value}`);
  };
  nonNegative('latencyMs', spec.latencyMs);
  nonNegative('cpuMicrosPerCall', spec.cpuMicrosPerCall);
  nonNegative('apiCallsPerEviction', spec.apiCallsPerEviction);
  if (spec.failureRate !== undefined && !(spec.failureRate >= 0 && spec.failureRate <= 1))
    throw new RangeError(`fake executor: failureRate must be in [0, 1], got ${spec.failureRate}`);
  if (spec.ledger !== undefined && !(spec.ledger instanceof SharedArrayBuffer))
    throw new TypeError('fake executor: ledger must be a SharedArrayBuffer');
  if (spec.crashAtAttempt !== undefined && spec.ledger === undefined)
    throw new RangeError('fake executor: crashAtAttempt needs a shared ledger');
}
