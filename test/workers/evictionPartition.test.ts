import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/shared/clock.js';
import type { EvictionOutcome, EvictionResult, ReasonId } from '../../src/shared/decisions.js';
import type { EvictionExecutor } from '../../src/shared/executor.js';
import { RecordingLogger } from '../../src/shared/logger.js';
import type { PodRef } from '../../src/shared/types.js';
import { QueuedEvictionPartition } from '../../src/workers/evictionPartition.js';
import { SteppedExecutor, settle, virtualDefer } from './helpers.js';

const pod = (name: string, uid = `uid-${name}`): PodRef => ({ namespace: 'default', name, uid });
const REASONS: readonly ReasonId[] = ['rule:gpu-broken:r-1', 'slice:gpu.nvidia.com/node-1/slice-1/gpu-0#0'];

function setup(concurrency = 4) {
  const clock = new FakeClock();
  const executor = new SteppedExecutor(() => clock.now());
  const results: EvictionResult[] = [];
  const log = new RecordingLogger();
  const partition = new QueuedEvictionPartition({
    clock,
    executor,
    concurrency,
    onResult: (result) => results.push(result),
    log,
    defer: virtualDefer(clock),
  });
  /** Runs every step of every unfinished eviction, successfully unless `ok` says otherwise. */
  const finishAll = async (ok = true) => {
    for (const call of executor.unfinished()) {
      for (let step = 0; step < 3 && !call.finished; step++) {
        call.release(ok);
        await settle(clock);
      }
    }
  };
  return { clock, executor, results, log, partition, finishAll };
}

/** Resolves or rejects evictions immediately, per a script of outcomes. */
class ScriptedExecutor implements EvictionExecutor {
  readonly evicted: PodRef[] = [];
  constructor(private readonly script: (pod: PodRef, attempt: number) => EvictionOutcome | Error) {}
  async evict(target: PodRef): Promise<EvictionOutcome> {
    this.evicted.push(target);
    const next = this.script(target, this.evicted.filter((p) => p.uid === target.uid).length);
    if (next instanceof Error) throw next;
    return next;
  }
  async recordCancellation(): Promise<void> {}
}

describe('QueuedEvictionPartition', () => {
  it('evicts an overdue pod at once and reports the result', async () => {
    const { clock, executor, results, partition, finishAll } = setup();
    const fireAt = clock.now() - 2_000;
    partition.schedule(pod('a'), fireAt, REASONS);
    clock.advance(0);
    expect(executor.calls).toHaveLength(1);
    expect(executor.calls[0]!.reasons).toEqual(REASONS);
    expect(partition.stats()).toMatchObject({ running: 1, scheduled: 0 });
    expect(partition.snapshot()).toEqual([{ pod: pod('a'), fireAt, state: 'running', attempts: 1 }]);
    clock.advance(30);
    await finishAll();
    expect(results).toEqual([
      { pod: pod('a'), outcome: 'deleted', fireAt, doneAt: clock.now(), attempts: 1, reasons: REASONS },
    ]);
    expect(partition.stats()).toEqual({
      scheduled: 0,
      running: 0,
      retrying: 0,
      completed: 1,
      failedAttempts: 0,
      throttled: 0,
      throttledGlobalTotal: 0,
      throttledRuleTotal: 0,
    });
    expect(partition.hasEvicted('uid-a')).toBe(true);
  });

  it('lists the entries a snapshot filter selects: running, or scheduled and due', async () => {
    const { clock, partition, finishAll } = setup(1);
    const now = clock.now();
    partition.schedule(pod('a'), now - 1_000, REASONS);
    partition.schedule(pod('b'), now - 500, REASONS);
    partition.schedule(pod('c'), now + 60_000, REASONS);
    clock.advance(0);
    expect(partition.snapshot().map((e) => [e.pod.name, e.state])).toEqual([
      ['a', 'running'],
      ['b', 'scheduled'],
      ['c', 'scheduled'],
    ]);
    expect(partition.snapshot({ state: 'running' }).map((e) => e.pod.name)).toEqual(['a']);
    // Due but waiting (here for the one slot; with the breaker open, for a reset): what a queue holds.
    expect(partition.snapshot({ state: 'scheduled', dueBy: clock.now() }).map((e) => e.pod.name)).toEqual(['b']);
    expect(partition.snapshot({ dueBy: now + 60_000 }).map((e) => e.pod.name)).toEqual(['a', 'b', 'c']);
    await finishAll();
  });

  it('waits for the fire time of a tolerated taint', async () => {
    const { clock, executor, partition } = setup();
    const fireAt = clock.now() + 300_000;
    partition.schedule(pod('a'), fireAt, REASONS);
    clock.advance(0);
    expect(partition.snapshot()).toEqual([{ pod: pod('a'), fireAt, state: 'scheduled', attempts: 0 }]);
    clock.advance(299_999);
    expect(executor.calls).toHaveLength(0);
    clock.advance(1);
    expect(executor.calls).toHaveLength(1);
    expect(executor.calls[0]!.startedAt).toBe(fireAt);
  });

  it('keys entries by UID: a same-name replacement pod is a different entry', async () => {
    const { clock, executor, partition, finishAll } = setup();
    partition.schedule(pod('a', 'uid-1'), clock.now(), REASONS);
    clock.advance(0);
    await finishAll();
    partition.schedule(pod('a', 'uid-2'), clock.now(), REASONS);
    clock.advance(0);
    await finishAll();
    expect(executor.deletes.map((d) => d.uid)).toEqual(['uid-1', 'uid-2']);
  });

  it('does not evict a UID twice when it is scheduled again after its eviction succeeded', async () => {
    const { clock, executor, results, partition, finishAll } = setup();
    partition.schedule(pod('a'), clock.now(), REASONS);
    clock.advance(0);
    await finishAll();
    partition.schedule(pod('a'), clock.now() + 10, REASONS);
    clock.advance(0);
    clock.advance(10);
    await settle(clock);
    expect(executor.calls).toHaveLength(1);
    expect(results).toHaveLength(1);
    expect(partition.snapshot()).toEqual([]);
  });

  it('remembers gone and already-terminating pods as evicted too', async () => {
    const clock = new FakeClock();
    const outcomes: Record<string, EvictionOutcome> = { 'uid-g': 'gone', 'uid-t': 'alreadyTerminating' };
    const executor = new ScriptedExecutor((target) => outcomes[target.uid] ?? 'deleted');
    const results: EvictionResult[] = [];
    const partition = new QueuedEvictionPartition({
      clock,
      executor,
      defer: virtualDefer(clock),
      concurrency: 2,
      onResult: (r) => results.push(r),
    });
    partition.schedule(pod('g', 'uid-g'), clock.now(), REASONS);
    partition.schedule(pod('t', 'uid-t'), clock.now(), REASONS);
    clock.advance(0);
    await settle(clock);
    expect(results.map((r) => r.outcome).sort()).toEqual(['alreadyTerminating', 'gone']);
    partition.schedule(pod('g', 'uid-g'), clock.now(), REASONS);
    partition.schedule(pod('t', 'uid-t'), clock.now(), REASONS);
    clock.advance(0);
    await settle(clock);
    expect(executor.evicted).toHaveLength(2);
  });

  it('tells a retry that an earlier attempt already set the condition and sent the event', async () => {
    const clock = new FakeClock();
    const seen: (boolean | undefined)[] = [];
    const executor: EvictionExecutor = {
      async evict(_target, _reasons, attempt) {
        seen.push(attempt?.alreadyMarked);
        if (seen.length === 1) {
          attempt?.onMarked?.();
          throw new Error('429: the disruption budget says no');
        }
        return 'deleted';
      },
      async recordCancellation() {},
    };
    const partition = new QueuedEvictionPartition({
      clock,
      executor,
      defer: virtualDefer(clock),
      concurrency: 2,
      onResult: () => {},
      log: new RecordingLogger(),
    });
    partition.schedule(pod('p'), clock.now(), REASONS);
    clock.advance(0);
    await settle(clock);
    for (let i = 0; i < 20 && seen.length < 2; i++) {
      clock.advance(1_000);
      await settle(clock);
    }
    expect(seen).toEqual([false, true]);
    // Done: a later eviction of another incarnation starts unmarked.
    partition.schedule(pod('p', 'uid-p2'), clock.now(), REASONS);
    clock.advance(0);
    await settle(clock);
    expect(seen).toEqual([false, true, false]);
  });

  it('forgets the oldest evicted UIDs beyond the cache capacity', async () => {
    const clock = new FakeClock();
    const executor = new ScriptedExecutor(() => 'deleted');
    const partition = new QueuedEvictionPartition({
      clock,
      executor,
      defer: virtualDefer(clock),
      concurrency: 2,
      onResult: () => {},
      evictedPodsCapacity: 2,
    });
    for (const name of ['a', 'b', 'c']) {
      partition.schedule(pod(name), clock.now(), REASONS);
      clock.advance(0);
      await settle(clock);
    }
    expect([partition.hasEvicted('uid-a'), partition.hasEvicted('uid-b'), partition.hasEvicted('uid-c')]).toEqual([
      false,
      true,
      true,
    ]);
  });

  it('retries failed evictions with backoff until they succeed, logging each retry', async () => {
    const clock = new FakeClock();
    const executor = new ScriptedExecutor((_, attempt) =>
      attempt <= 6 ? new Error(`conflict #${attempt}`) : 'deleted',
    );
    const results: EvictionResult[] = [];
    const log = new RecordingLogger();
    const partition = new QueuedEvictionPartition({
      clock,
      executor,
      defer: virtualDefer(clock),
      concurrency: 1,
      onResult: (r) => results.push(r),
      log,
    });
    const t0 = clock.now();
    partition.schedule(pod('a'), t0, REASONS);
    clock.advance(0);
    for (let i = 0; i < 10; i++) {
      await settle(clock);
      const next = clock.nextDue();
      if (next !== null) clock.advanceTo(next);
    }
    expect(executor.evicted).toHaveLength(7);
    expect(results).toEqual([expect.objectContaining({ outcome: 'deleted', attempts: 7, fireAt: t0 })]);
    // 5 + 10 + 20 + 40 + 80 + 160 ms of backoff before the seventh attempt.
    expect(results[0]!.doneAt).toBe(t0 + 315);
    const retries = log.lines.filter((line) => line.level === 'warn');
    expect(retries.map((line) => line.fields)).toEqual(
      [1, 2, 3, 4, 5, 6].map((attempt) =>
        expect.objectContaining({
          pod: 'default/a',
          uid: 'uid-a',
          attempt,
          error: `conflict #${attempt}`,
          retryDelayMs: 5 * 2 ** (attempt - 1),
        }),
      ),
    );
    expect(partition.stats()).toMatchObject({ completed: 1, failedAttempts: 6, retrying: 0 });
  });

  it('counts an entry backing off as scheduled and retrying', async () => {
    const { clock, executor, partition } = setup();
    partition.schedule(pod('a'), clock.now(), REASONS);
    clock.advance(0);
    for (let i = 0; i < 3; i++) {
      executor.calls[0]!.release(false);
      await settle(clock);
    }
    expect(partition.stats()).toMatchObject({ scheduled: 1, running: 0, retrying: 1, failedAttempts: 1 });
    expect(partition.snapshot()).toEqual([{ pod: pod('a'), fireAt: clock.now(), state: 'scheduled', attempts: 1 }]);
  });

  describe('cancel', () => {
    it('records a cancellation event for a pending eviction when asked to', async () => {
      const { clock, executor, partition } = setup();
      partition.schedule(pod('a'), clock.now() + 60_000, REASONS);
      partition.schedule(pod('b'), clock.now() + 60_000, REASONS);
      partition.cancel(pod('a'), true);
      partition.cancel(pod('b'), false);
      clock.advance(120_000);
      expect(executor.calls).toHaveLength(0);
      expect(executor.cancellations.map((c) => c.pod.uid)).toEqual(['uid-a']);
    });

    it('never runs a due eviction cancelled in the same batch; the cancellation is told as for any pending one', async () => {
      const { clock, executor, partition } = setup();
      partition.schedule(pod('a'), clock.now() - 5_000, REASONS);
      partition.cancel(pod('a'), true);
      partition.schedule(pod('b'), clock.now() - 5_000, REASONS);
      partition.schedule(pod('b'), clock.now() + 60_000, REASONS);
      await settle(clock);
      expect(executor.calls).toHaveLength(0);
      expect(executor.cancellations.map((c) => c.pod.uid)).toEqual(['uid-a']);
      expect(partition.snapshot()).toEqual([
        { pod: pod('b'), fireAt: clock.now() + 60_000, state: 'scheduled', attempts: 0 },
      ]);
    });

    it('stops a run cancelled between its status patch and its DELETE, and then tells the pod', async () => {
      const { clock, executor, partition, finishAll } = setup();
      partition.schedule(pod('a'), clock.now(), REASONS);
      clock.advance(0);
      executor.calls[0]!.release(); // the status PATCH is written
      await settle(clock);
      partition.cancel(pod('a'), true);
      // Nothing is told while the run may still delete the pod.
      expect(executor.cancellations).toHaveLength(0);
      await finishAll();
      expect(executor.calls[0]).toMatchObject({ patched: true, outcome: 'superseded' });
      expect(executor.deletesOf('uid-a')).toBe(0);
      expect(executor.cancellations).toEqual([expect.objectContaining({ whileEvicting: false, afterDelete: false })]);
    });

    it('records no event for an eviction that has finished', async () => {
      const { clock, executor, partition, finishAll } = setup();
      partition.schedule(pod('a'), clock.now(), REASONS);
      clock.advance(0);
      await finishAll();
      expect(executor.deletesOf('uid-a')).toBe(1);
      partition.schedule(pod('a'), clock.now() + 1_000, REASONS);
      partition.cancel(pod('a'), true);
      partition.cancel(pod('unknown'), true);
      await settle(clock);
      expect(executor.cancellations).toHaveLength(0);
    });

    it('records an event for an eviction that is backing off after a failure', async () => {
      const { clock, executor, partition } = setup();
      partition.schedule(pod('a'), clock.now(), REASONS);
      clock.advance(0);
      for (let i = 0; i < 3; i++) {
        executor.calls[0]!.release(false);
        await settle(clock);
      }
      partition.cancel(pod('a'), true);
      clock.advance(60_000);
      expect(executor.calls).toHaveLength(1);
      expect(executor.cancellations).toEqual([expect.objectContaining({ whileEvicting: false, afterDelete: false })]);
    });

    it('logs a failed cancellation event instead of failing', async () => {
      const { clock, executor, log, partition } = setup();
      executor.failCancellations = true;
      partition.schedule(pod('a'), clock.now() + 1_000, REASONS);
      partition.cancel(pod('a'), true);
      await settle(clock);
      expect(log.lines).toEqual([
        expect.objectContaining({
          level: 'warn',
          msg: 'Failed to record cancellation event',
          fields: expect.objectContaining({ pod: 'default/a', error: 'events: 403 Forbidden' }),
        }),
      ]);
    });
  });

  it('does not retry a finished eviction when the result handler throws', async () => {
    const clock = new FakeClock();
    const executor = new ScriptedExecutor(() => 'deleted');
    const log = new RecordingLogger();
    const partition = new QueuedEvictionPartition({
      clock,
      executor,
      defer: virtualDefer(clock),
      concurrency: 1,
      onResult: () => {
        throw new Error('handler bug');
      },
      log,
    });
    partition.schedule(pod('a'), clock.now(), REASONS);
    clock.advance(0);
    await settle(clock);
    clock.advance(60_000);
    await settle(clock);
    expect(executor.evicted).toHaveLength(1);
    expect(log.lines.filter((line) => line.level === 'error')).toHaveLength(1);
    expect(partition.stats()).toMatchObject({ completed: 1, failedAttempts: 0 });
  });

  it('bounds evictions in flight and drains them', async () => {
    const { clock, executor, partition, finishAll } = setup(3);
    for (let i = 0; i < 10; i++) partition.schedule(pod(`p${i}`), clock.now(), REASONS);
    clock.advance(0);
    expect(executor.unfinished()).toHaveLength(3);
    expect(partition.stats()).toMatchObject({ running: 3, scheduled: 7 });
    let drained = false;
    const draining = partition.drain(10_000).then(() => {
      drained = true;
    });
    await finishAll();
    await draining;
    expect(drained).toBe(true);
    expect(executor.calls).toHaveLength(3);
    expect(partition.stats()).toMatchObject({ running: 0, scheduled: 7, completed: 3 });
  });

  it('warns when draining times out', async () => {
    const { clock, log, partition } = setup();
    partition.schedule(pod('a'), clock.now(), REASONS);
    clock.advance(0);
    const draining = partition.drain(1_000);
    clock.advance(1_000);
    await draining;
    expect(log.lines).toEqual([
      expect.objectContaining({ level: 'warn', msg: 'Evictions still in flight after drain timeout' }),
    ]);
  });
});

describe('QueuedEvictionPartition: the server and the lease decide when', () => {
  it('never retries sooner than a Retry-After the server sent (the backoff alone would say 5 ms)', async () => {
    const clock = new FakeClock();
    let attempts = 0;
    const executor: EvictionExecutor = {
      evict: async () => {
        attempts++;
        if (attempts === 1) throw Object.assign(new Error('429 TooManyRequests'), { retryAfterSeconds: 30 });
        return 'deleted';
      },
      recordCancellation: async () => {},
    };
    const partition = new QueuedEvictionPartition({
      clock,
      executor,
      concurrency: 1,
      onResult: () => {},
      defer: virtualDefer(clock),
    });
    partition.schedule(pod('a'), clock.now(), REASONS);
    await settle(clock);
    expect(attempts).toBe(1);
    expect(partition.snapshot()).toEqual([{ pod: pod('a'), fireAt: clock.now(), state: 'scheduled', attempts: 1 }]);
    clock.advance(29_999);
    await settle(clock);
    expect(attempts).toBe(1);
    clock.advance(1);
    await settle(clock);
    expect(attempts).toBe(2);
  });

  it('starts nothing while the process may not write, and everything due once it may again', async () => {
    const clock = new FakeClock();
    const { executor } = setup();
    let mayWrite = false;
    const partition = new QueuedEvictionPartition({
      clock,
      executor,
      concurrency: 4,
      onResult: () => {},
      defer: virtualDefer(clock),
      canStart: () => mayWrite,
    });
    partition.schedule(pod('a'), clock.now() - 1_000, REASONS);
    partition.schedule(pod('b'), clock.now() + 1_000, REASONS);
    clock.advance(5_000);
    await settle(clock);
    expect(executor.calls).toHaveLength(0);
    expect(partition.stats()).toMatchObject({ scheduled: 2, running: 0 });
    mayWrite = true;
    // The queue looks again on its own (every 100 ms while held back), no new op needed.
    clock.advance(100);
    await settle(clock);
    expect(executor.calls.map((c) => c.pod.name).sort()).toEqual(['a', 'b']);
  });
});
