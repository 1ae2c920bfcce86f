// A shard worker that outgrows its heap cap (resourceLimits) dies with ERR_WORKER_OUT_OF_MEMORY: the
// supervisor says so in one clear log line and replaces it like any crashed worker, replaying its
// shard, so no scheduled eviction is lost. Real threads and clock; waits are conditions with deadlines,
// and nothing here asserts memory or timing.

import { afterEach, describe, expect, it } from 'vitest';
import { ShardedRuntime } from '../../../src/main/runtime/shardedRuntime.js';
import { spawnShardWorker } from '../../../src/main/runtime/workerSpawn.js';
import { RecordingLogger } from '../../../src/shared/logger.js';
import { FakeClusterLedger } from '../../../src/workers/executor/fakeExecutor.js';
import { PendingTable, podRef } from '../../differential/helpers.js';
import { waitFor } from '../../support/waitFor.js';

const runtimes: ShardedRuntime[] = [];
afterEach(async () => {
  await Promise.all(runtimes.splice(0).map((runtime) => runtime.close(0)));
});

/** Far more than a 24 MB heap holds (≈ 0.5 KB each in a partition), far less than an uncapped one. */
const FILLER = 150_000;
const DUE = 40;

describe('a shard worker out of heap memory', () => {
  it('is logged as ERR_WORKER_OUT_OF_MEMORY, replaced, and its shard replayed: every due eviction happens', async () => {
    const table = new PendingTable();
    const ledger = new FakeClusterLedger(FakeClusterLedger.allocate(FILLER + DUE));
    const log = new RecordingLogger();
    let spawned = 0;
    const runtime = await ShardedRuntime.start({
      workers: 1,
      executor: { kind: 'fake', ledger: ledger.buffer },
      budget: null,
      concurrency: 4,
      pending: table.source,
      log,
      workerLog: { level: 'error', format: 'json' },
      restartBackoff: { baseMs: 10, maxMs: 100 },
      // The first worker gets a tiny cap; its replacement gets V8's default, which the shard fits in.
      spawn: (options) =>
        spawnShardWorker(
          spawned++ === 0 ? { ...options, heapLimits: { maxOldGenerationMb: 24, maxYoungGenerationMb: 4 } } : options,
        ),
    });
    runtimes.push(runtime);
    runtime.onResults((batch) => table.finished(batch));

    const reasons = ['rule:r:oom'];
    const later = Date.now() + 3_600_000;
    const soon = Date.now() + 1_500;
    for (let i = 0; i < DUE; i++) {
      const pod = podRef('oom-due', i);
      table.schedule(pod, soon, reasons);
      runtime.sink.schedule(pod, soon, reasons);
    }
    for (let i = 0; i < FILLER; i++) {
      const pod = podRef('oom-filler', i);
      table.schedule(pod, later, reasons);
      runtime.sink.schedule(pod, later, reasons);
      if (i % 5_000 === 0) runtime.sink.flush();
    }
    runtime.sink.flush();

    await waitFor(
      () => log.lines.some((l) => l.msg === 'Shard worker ran out of heap memory (ERR_WORKER_OUT_OF_MEMORY)'),
      30_000,
      () => `the out-of-memory log line (${log.lines.map((l) => l.msg).join(' | ')})`,
    );
    const oom = log.lines.find((l) => l.msg === 'Shard worker ran out of heap memory (ERR_WORKER_OUT_OF_MEMORY)');
    expect(oom?.level).toBe('error');
    expect(oom?.fields).toMatchObject({ shard: 0, code: 'ERR_WORKER_OUT_OF_MEMORY' });
    expect(
      log.lines.some(
        (l) =>
          l.msg === 'Shard worker died, restarting it' &&
          String(l.fields?.problem).includes('ERR_WORKER_OUT_OF_MEMORY'),
      ),
    ).toBe(true);

    // Every due eviction happens, in the replacement.
    await waitFor(
      () => [...table.entries.keys()].every((uid) => !uid.startsWith('oom-due')),
      30_000,
      () => `the due evictions (${JSON.stringify(ledger.counts())})`,
    );
    for (let i = 0; i < DUE; i++) expect(ledger.isDeleted(podRef('oom-due', i).uid)).toBe(true);
    // And the rest is queued in the replacement, none lost, none run.
    await waitFor(
      async () => (await runtime.stats()).totals.scheduled === FILLER,
      30_000,
      () => `${FILLER} entries scheduled in the replacement`,
    );
    expect(ledger.counts().deleted).toBe(DUE);
    const stats = await runtime.stats();
    expect(stats.workerRestarts).toBeGreaterThanOrEqual(1);
    expect(spawned).toBeGreaterThanOrEqual(2);
  });
});
