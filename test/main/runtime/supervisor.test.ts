// Fault handling of the sharded runtime on real threads and the real clock. Every wait is a condition
// with a deadline; nothing here asserts how fast something happened.

import { afterEach, describe, expect, it } from 'vitest';
import { ShardedRuntime, type ShardedRuntimeOptions } from '../../../src/main/runtime/shardedRuntime.js';
import type { EvictionResult } from '../../../src/shared/decisions.js';
import { RecordingLogger } from '../../../src/shared/logger.js';
import { FakeClusterLedger, type FakeExecutorSpec } from '../../../src/workers/executor/fakeExecutor.js';
import { PendingTable, podRef } from '../../differential/helpers.js';
import { waitFor } from '../../support/waitFor.js';

const runtimes: ShardedRuntime[] = [];
afterEach(async () => {
  await Promise.all(runtimes.splice(0).map((runtime) => runtime.close(0)));
});

interface Harness {
  runtime: ShardedRuntime;
  table: PendingTable;
  results: EvictionResult[];
  ledger: FakeClusterLedger;
  log: RecordingLogger;
  schedule(namespace: string, i: number, fireAt: number): void;
}

async function startHarness(
  executor: Omit<FakeExecutorSpec, 'kind' | 'ledger'>,
  options: Partial<ShardedRuntimeOptions> = {},
): Promise<Harness> {
  const table = new PendingTable();
  const results: EvictionResult[] = [];
  const ledger = new FakeClusterLedger(FakeClusterLedger.allocate(2_000));
  const log = new RecordingLogger();
  const runtime = await ShardedRuntime.start({
    workers: 3,
    executor: { kind: 'fake', ledger: ledger.buffer, ...executor },
    budget: null,
    concurrency: 4,
    pending: table.source,
    log,
    workerLog: { level: 'error', format: 'json' },
    restartBackoff: { baseMs: 10, maxMs: 100 },
    ...options,
  });
  runtimes.push(runtime);
  // The engine's side of the contract: finished evictions leave deletePodAt.
  runtime.onResults((batch) => {
    results.push(...batch);
    table.finished(batch);
  });
  return {
    runtime,
    table,
    results,
    ledger,
    log,
    schedule(namespace, i, fireAt) {
      const pod = podRef(namespace, i);
      table.schedule(pod, fireAt, [`rule:r:${namespace}`]);
      runtime.sink.schedule(pod, fireAt, [`rule:r:${namespace}`]);
    },
  };
}

describe('worker supervision', () => {
  it('replaces a worker that crashes mid-run; every due pod UID is deleted exactly once', async () => {
    // The 40th attempt (process-wide) deletes its pod and then throws an uncaught error in its worker
    // before the result is reported: the pod is deleted, the engine still lists it as pending.
    const h = await startHarness({ latencyMs: 2, crashAtAttempt: 40 });
    const now = Date.now();
    for (let i = 0; i < 150; i++) h.schedule('crash', i, now - 1_000);
    // Not yet due when the crash happens: these exist only in the crashed worker's queue and the table.
    for (let i = 150; i < 200; i++) h.schedule('crash', i, now + 1_500);

    await waitFor(
      () => h.table.entries.size === 0,
      20_000,
      () => `all evictions to finish (${h.table.entries.size} pending, ${JSON.stringify(h.ledger.counts())})`,
    );
    const stats = await h.runtime.stats();
    expect(stats.workerRestarts).toBe(1);
    expect(stats.shards.filter((s) => s.restarts === 1)).toHaveLength(1);
    expect(h.log.lines.some((l) => l.level === 'error' && l.msg === 'Shard worker died, restarting it')).toBe(true);

    const counts = h.ledger.counts();
    expect(counts.deleted).toBe(200);
    for (let i = 0; i < 200; i++) expect(h.ledger.isDeleted(podRef('crash', i).uid)).toBe(true);
    // The crashed attempt's pod was replayed and found gone: replay happened, and no UID was deleted twice.
    expect(counts.gone).toBeGreaterThanOrEqual(1);
    const deletedResults = h.results.filter((r) => r.outcome === 'deleted').map((r) => r.pod.uid);
    expect(new Set(deletedResults).size).toBe(deletedResults.length);
    const reported = new Set(h.results.map((r) => r.pod.uid));
    expect(reported.size).toBe(200);
  });

  it('replays the shard of a worker that exits (terminated from outside)', async () => {
    const h = await startHarness({});
    const fireAt = Date.now() + 800;
    for (let i = 0; i < 60; i++) h.schedule('exit', i, fireAt);
    await waitFor(
      async () => (await h.runtime.snapshot()).length === 60,
      10_000,
      () => 'all 60 entries to reach the workers',
    );
    const victim = h.runtime.supervisor.workerOf(1);
    expect(victim).not.toBeNull();
    await victim?.terminate();

    await waitFor(
      () => h.table.entries.size === 0,
      15_000,
      () => `${h.table.entries.size} evictions pending`,
    );
    expect(h.ledger.counts()).toMatchObject({ deleted: 60, gone: 0 });
    const stats = await h.runtime.stats();
    expect(stats.workerRestarts).toBe(1);
    expect(stats.shards[1]?.restarts).toBe(1);
    expect(stats.shards[1]?.state).toBe('running');
    expect(h.runtime.supervisor.workerOf(1)).not.toBe(victim);
  });

  it('holds ops routed while a worker restarts and applies them after the replay', async () => {
    const h = await startHarness({}, { restartBackoff: { baseMs: 300, maxMs: 300 } });
    const later = Date.now() + 60_000;
    for (let i = 0; i < 30; i++) h.schedule('hold', i, later);
    await waitFor(async () => (await h.runtime.snapshot()).length === 30, 10_000);
    await h.runtime.supervisor.workerOf(0)?.terminate();
    // While shard 0 is down: cancel everything (with events) and make one pod due now.
    for (let i = 0; i < 30; i++) {
      const pod = podRef('hold', i);
      h.table.cancel(pod);
      h.runtime.sink.cancel(pod, true);
    }
    h.schedule('hold', 0, Date.now());
    await waitFor(
      () => h.table.entries.size === 0,
      10_000,
      () => 'pod 0 to be evicted',
    );
    await waitFor(
      async () => (await h.runtime.snapshot()).length === 0,
      10_000,
      () => 'queues to empty',
    );
    expect((await h.runtime.stats()).workerRestarts).toBe(1);
    expect(h.ledger.counts().deleted).toBe(1);
    // Cancellation events are recorded for every pod that was still waiting, including shard 0's.
    await waitFor(
      () => h.ledger.counts().cancellations === 30,
      5_000,
      () => JSON.stringify(h.ledger.counts()),
    );
  });

  it('falls back to a replay of the current truth when too many ops pile up for a restarting shard', async () => {
    const h = await startHarness({}, { restartBackoff: { baseMs: 300, maxMs: 300 }, maxHeldOps: 2 });
    const later = Date.now() + 60_000;
    for (let i = 0; i < 30; i++) h.schedule('overflow', i, later);
    await waitFor(async () => (await h.runtime.snapshot()).length === 30, 10_000);
    await h.runtime.supervisor.workerOf(0)?.terminate();
    for (let i = 0; i < 30; i++) {
      const pod = podRef('overflow', i);
      h.table.cancel(pod);
      h.runtime.sink.cancel(pod, false);
    }
    h.schedule('overflow', 0, Date.now());
    h.schedule('overflow', 1, later);
    await waitFor(
      () => h.table.entries.size === 1,
      10_000,
      () => 'pod 0 to be evicted',
    );
    // Shard 0 came back with exactly what the source of truth holds: at most pod 1, nothing cancelled.
    await waitFor(
      async () => (await h.runtime.stats()).shards[0]?.state === 'running',
      10_000,
      () => 'shard 0 to run again',
    );
    const queued = (await h.runtime.snapshot()).map((e) => e.pod.name);
    expect(queued).toEqual(['pod-1']);
    expect(h.ledger.counts().deleted).toBe(1);
    expect(h.log.lines.some((l) => l.msg === 'Too many ops for a restarting shard; relying on the replay alone')).toBe(
      true,
    );
  });

  it('drops invalid data-plane messages in the worker and keeps working', async () => {
    const h = await startHarness({});
    const worker = h.runtime.supervisor.workerOf(2);
    worker?.postMessage({ t: 'bogus' });
    worker?.postMessage({ t: 'ops', ops: [{ k: 'schedule', namespace: 'x' }] });
    worker?.postMessage('not even an object');
    await waitFor(
      async () => (await h.runtime.stats()).shards[2]?.worker?.invalidMessages === 3,
      5_000,
      () => 'the worker to count 3 invalid messages',
    );
    for (let i = 0; i < 30; i++) h.schedule('valid', i, Date.now());
    await waitFor(() => h.table.entries.size === 0, 10_000);
    expect((await h.runtime.stats()).workerRestarts).toBe(0);
  });

  it('reconfigures the per-worker concurrency bound over the control plane', async () => {
    const h = await startHarness({ latencyMs: 1 });
    expect(await h.runtime.reconfigure({ concurrency: 9 })).toEqual([9, 9, 9]);
    const stats = await h.runtime.stats();
    expect(stats.shards.map((s) => s.worker?.concurrency)).toEqual([9, 9, 9]);
    // An invalid bound is refused by every worker and the old one stays in effect.
    expect(await h.runtime.reconfigure({ concurrency: 0 })).toEqual([9, 9, 9]);
  });

  it('fails to start with a clear error when a worker cannot build its executor', async () => {
    await expect(
      ShardedRuntime.start({
        workers: 2,
        executor: { kind: 'fake', failureRate: 2 },
        budget: null,
        concurrency: 1,
        pending: () => [],
        log: new RecordingLogger(),
        workerLog: { level: 'error', format: 'json' },
      }),
    ).rejects.toThrow(/failureRate/);
  });
});

describe('graceful shutdown', () => {
  it('drains in-flight evictions before terminating the workers', async () => {
    const h = await startHarness({ latencyMs: 400 }, { concurrency: 10 });
    for (let i = 0; i < 12; i++) h.schedule('drain', i, Date.now());
    h.schedule('drain', 99, Date.now() + 60_000);
    await waitFor(
      async () => (await h.runtime.stats()).totals.running === 12,
      10_000,
      () => 'all 12 evictions to be in flight',
    );
    await h.runtime.close(10_000);
    // Every in-flight call finished and its result reached the main thread before close() resolved.
    expect(h.results.map((r) => r.pod.name).sort()).toEqual(Array.from({ length: 12 }, (_, i) => `pod-${i}`).sort());
    expect(h.ledger.counts().deleted).toBe(12);
    // Routing stopped: later decisions go nowhere, and the not-yet-due eviction never ran.
    h.runtime.sink.schedule(podRef('drain', 100), Date.now(), []);
    expect(h.runtime.sink.stats().droppedAfterStop).toBe(1);
    expect(h.ledger.isDeleted(podRef('drain', 99).uid)).toBe(false);
    expect(h.runtime.supervisor.workerOf(0)).toBeNull();
  });

  it('cuts off evictions that outlast the drain timeout', async () => {
    const h = await startHarness({ latencyMs: 30_000 });
    h.schedule('slow', 1, Date.now());
    await waitFor(async () => (await h.runtime.stats()).totals.running === 1, 10_000);
    await h.runtime.close(50);
    expect(h.results).toEqual([]);
    expect(h.ledger.counts().deleted).toBe(0);
    expect((await h.runtime.stats()).shards.every((s) => s.state === 'stopped')).toBe(true);
  });
});
