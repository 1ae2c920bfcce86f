import { ShardedRuntime, type ShardedRuntimeOptions } from '../../src/main/runtime/shardedRuntime.js';
import { silentLogger } from '../../src/shared/logger.js';
import type { FakeExecutorSpec } from '../../src/workers/executor/fakeExecutor.js';
// Shared pieces of the runtime tests: a stand-in for the engine's `deletePodAt` (the source of truth a
// restarted worker is replayed from), pod refs and the settings of the differential tests. Condition
// waits use test/support/waitFor.ts (never sleeps for correctness).

import type { PendingEviction } from '../../src/main/runtime/supervisor.js';
import type { EvictionResult, ReasonId } from '../../src/shared/decisions.js';
import type { PodRef } from '../../src/shared/types.js';

/**
 * The engine's contract with the runtime, reduced to its bookkeeping: a schedule or cancel updates the
 * pending table, and a finished eviction removes the entry of that pod incarnation.
 */
export class PendingTable {
  readonly entries = new Map<string, PendingEviction>();

  schedule(pod: PodRef, fireAt: number, reasons: readonly ReasonId[]): void {
    this.entries.set(pod.uid, { pod, fireAt, reasons });
  }

  cancel(pod: PodRef): void {
    this.entries.delete(pod.uid);
  }

  finished(results: readonly EvictionResult[]): void {
    for (const result of results) this.entries.delete(result.pod.uid);
  }

  readonly source = (): Iterable<PendingEviction> => this.entries.values();
}

export const nextMacrotask = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export const podRef = (namespace: string, i: number, incarnation = 0): PodRef => ({
  namespace,
  name: `pod-${i}`,
  uid: `${namespace}-pod-${i}-uid-${incarnation}`,
});

/** Settings shared by the two differential tests (sharded runtime vs the inline reference). */
export const DIFFERENTIAL_BACKOFF = { baseMs: 5, maxMs: 1_000 };
// Concurrency is a per-partition bound, so with N workers N× as many evictions start at once; entries
// that wait for a free slot pick up later updates (new reasons) and the runtimes would legitimately
// differ. A bound nothing reaches keeps the comparison about routing, ordering and replay.
export const DIFFERENTIAL_CONCURRENCY = 1_000;

/** A failing-sometimes fake executor spec, identical for both runtimes under comparison. */
export const differentialExecutorSpec = (
  ledger: SharedArrayBuffer,
  failureRate: number,
  seed: number,
): FakeExecutorSpec => ({
  kind: 'fake',
  failureRate,
  seed,
  ledger,
});

/**
 * The sharded side of a differential test: 3 workers on virtual time (driven by `advanceVirtualTime`),
 * the shared differential settings, and the caller's source of truth for replays.
 */
export function startDifferentialSharded(
  executor: FakeExecutorSpec,
  startMs: number,
  pending: ShardedRuntimeOptions['pending'],
): Promise<ShardedRuntime> {
  return ShardedRuntime.start({
    workers: 3,
    executor,
    budget: null,
    concurrency: DIFFERENTIAL_CONCURRENCY,
    backoff: DIFFERENTIAL_BACKOFF,
    clock: { kind: 'virtual', startMs },
    pending,
    log: silentLogger,
    workerLog: { level: 'error', format: 'json' },
  });
}
