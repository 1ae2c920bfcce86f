// Test doubles for the queue partition: promises the test settles by hand, a run function whose runs
// the test completes or fails one by one, and a microtask flush that needs no timers.

import type { ReasonId } from '../../src/shared/decisions.js';
import {
  type AttemptOutcome,
  type EvictionAttempt,
  type EvictionExecutor,
  standaloneAttempt,
} from '../../src/shared/executor.js';
import type { PodRef } from '../../src/shared/types.js';
import type { RunInfo, RunResult } from '../../src/workers/timedQueue.js';

export class Deferred<T> {
  readonly promise: Promise<T>;
  resolve!: (value: T) => void;
  reject!: (error: unknown) => void;
  settled = false;

  constructor() {
    this.promise = new Promise<T>((resolve, reject) => {
      this.resolve = (value) => {
        this.settled = true;
        resolve(value);
      };
      this.reject = (error) => {
        this.settled = true;
        reject(error);
      };
    });
  }
}

/**
 * Lets every queued promise continuation run. setImmediate fires only after the microtask queue is
 * empty, so one turn settles any chain of already-resolved promises; no wall-clock time is involved.
 */
export const flushMicrotasks = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export interface ControlledRun<P> {
  readonly payload: P;
  readonly info: RunInfo;
  readonly startedAt: number;
  readonly deferred: Deferred<RunResult>;
}

/** A `RunFunction` whose runs stay in flight until the test completes or fails them. */
export class ControlledRunner<P> {
  readonly runs: ControlledRun<P>[] = [];

  constructor(private readonly now: () => number) {}

  readonly run = (payload: P, info: RunInfo): Promise<RunResult> => {
    const deferred = new Deferred<RunResult>();
    this.runs.push({ payload, info, startedAt: this.now(), deferred });
    return deferred.promise;
  };

  inFlight(): ControlledRun<P>[] {
    return this.runs.filter((run) => !run.deferred.settled);
  }

  inFlightKeys(): string[] {
    return this.inFlight().map((run) => run.info.key);
  }

  /** The single in-flight run of `key`; fails the test when there is none or more than one. */
  runningFor(key: string): ControlledRun<P> {
    const runs = this.inFlight().filter((run) => run.info.key === key);
    if (runs.length !== 1) throw new Error(`expected exactly one run in flight for ${key}, found ${runs.length}`);
    return runs[0]!;
  }

  startedKeys(): string[] {
    return this.runs.map((run) => run.info.key);
  }
}

/** Steps of one eviction attempt at which the seed race was observed (docs/behaviour.md §3.2). */
export type EvictStep = 'patch' | 'event' | 'delete';

/**
 * One `evict()` call that advances only when the test releases it, step by step. Like the real executor
 * it checks `attempt.isCurrent()` right before its two guarded writes (the status PATCH and the DELETE)
 * and ends as 'superseded' when its intent went stale while it waited.
 */
export class SteppedEviction {
  readonly result: Promise<AttemptOutcome>;
  step: EvictStep = 'patch';
  finished = false;
  /** Whether the status PATCH was written. */
  patched = false;
  outcome: AttemptOutcome | null = null;
  private readonly gates: Record<EvictStep, Deferred<void>> = {
    patch: new Deferred(),
    event: new Deferred(),
    delete: new Deferred(),
  };

  constructor(
    readonly pod: PodRef,
    readonly reasons: readonly ReasonId[],
    readonly startedAt: number,
    private readonly onDeleted: (pod: PodRef) => void,
    private readonly attempt: EvictionAttempt = standaloneAttempt,
  ) {
    this.result = this.run();
  }

  /**
   * Lets the call pass its current step. At DELETE, `ok` decides between the pod being deleted (recorded
   * at once, as the API server would) and a retryable server error.
   */
  release(ok = true): void {
    const gate = this.gates[this.step];
    if (gate.settled) throw new Error(`step ${this.step} of ${this.pod.uid} already released`);
    if (this.step !== 'delete') gate.resolve();
    else if (!this.attempt.isCurrent()) gate.resolve();
    else if (ok) {
      this.onDeleted(this.pod);
      this.deleted = true;
      gate.resolve();
    } else gate.reject(new Error('DELETE: 500 Internal Server Error'));
  }

  private deleted = false;

  private async run(): Promise<AttemptOutcome> {
    try {
      await this.gates.patch.promise;
      if (!this.attempt.isCurrent()) return this.end('superseded');
      this.patched = true;
      this.step = 'event';
      await this.gates.event.promise;
      this.step = 'delete';
      await this.gates.delete.promise;
      return this.end(this.deleted ? 'deleted' : 'superseded');
    } finally {
      this.finished = true;
    }
  }

  private end(outcome: AttemptOutcome): AttemptOutcome {
    this.outcome = outcome;
    return outcome;
  }
}

export interface RecordedCancellation {
  readonly pod: PodRef;
  readonly at: number;
  /** An eviction of this UID was in flight when the event was recorded. */
  readonly whileEvicting: boolean;
  /** This UID had already been deleted when the event was recorded. */
  readonly afterDelete: boolean;
}

/** An executor whose evictions the test drives step by step, recording every side effect. */
export class SteppedExecutor implements EvictionExecutor {
  readonly calls: SteppedEviction[] = [];
  readonly deletes: { readonly uid: string; readonly at: number }[] = [];
  readonly cancellations: RecordedCancellation[] = [];
  /** Problems that must never happen, e.g. two evictions of one UID at once. */
  readonly violations: string[] = [];
  failCancellations = false;

  constructor(private readonly now: () => number) {}

  /** Called at each DELETE, before it is recorded: lets a test check the intent at that moment. */
  onDelete: (pod: PodRef) => void = () => {};

  evict(pod: PodRef, reasons: readonly ReasonId[], attempt?: EvictionAttempt): Promise<AttemptOutcome> {
    if (this.inFlightFor(pod.uid).length > 0) this.violations.push(`concurrent evict of ${pod.uid}`);
    const call = new SteppedEviction(
      pod,
      reasons,
      this.now(),
      (deleted) => {
        this.onDelete(deleted);
        this.deletes.push({ uid: deleted.uid, at: this.now() });
      },
      attempt,
    );
    this.calls.push(call);
    return call.result;
  }

  recordCancellation(pod: PodRef): Promise<void> {
    this.cancellations.push({
      pod,
      at: this.now(),
      whileEvicting: this.inFlightFor(pod.uid).length > 0,
      afterDelete: this.deletes.some((d) => d.uid === pod.uid),
    });
    return this.failCancellations ? Promise.reject(new Error('events: 403 Forbidden')) : Promise.resolve();
  }

  inFlightFor(uid: string): SteppedEviction[] {
    return this.calls.filter((call) => call.pod.uid === uid && !call.finished);
  }

  unfinished(): SteppedEviction[] {
    return this.calls.filter((call) => !call.finished);
  }

  callsFor(uid: string): SteppedEviction[] {
    return this.calls.filter((call) => call.pod.uid === uid);
  }

  deletesOf(uid: string): number {
    return this.deletes.filter((d) => d.uid === uid).length;
  }
}

/**
 * The queue's deferred pump in virtual time: a zero-delay timer of the fake clock. `clock.advance(0)`
 * is then "the event loop turns": every intent applied before it is in, and due entries start.
 */
export const virtualDefer =
  (clock: { setTimer(fn: () => void, delayMs: number): unknown }) =>
  (fn: () => void): void => {
    clock.setTimer(fn, 0);
  };

/**
 * Lets a queue on `virtualDefer` reach quiescence at the current virtual time: deferred pumps run
 * (`advance(0)`), runs started by them and their completions settle, and so on a few turns deep.
 */
export async function settle(clock: { advance(ms: number): void }, turns = 4): Promise<void> {
  for (let i = 0; i < turns; i++) {
    clock.advance(0);
    await flushMicrotasks();
  }
}
