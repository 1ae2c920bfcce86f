import { describe, expect, it } from 'vitest';
import { unlimitedBudget } from '../../../src/shared/apiBudget.js';
import { FakeClock } from '../../../src/shared/clock.js';
import { silentLogger } from '../../../src/shared/logger.js';
import { SharedTokenBucket } from '../../../src/shared/tokenBucket.js';
import { WriteFence } from '../../../src/shared/writeFence.js';
import { createExecutor, isExecutorSpec } from '../../../src/workers/executor/factory.js';
import { FakeClusterLedger, FakeExecutor, type FakeExecutorSpec } from '../../../src/workers/executor/fakeExecutor.js';
import { podRef } from '../../differential/helpers.js';

const outcomeOf = (promise: Promise<unknown>) =>
  promise.then(
    (value) => `ok:${String(value)}`,
    () => 'failed',
  );

describe('FakeExecutor', () => {
  it('fails the same pods on the same attempts for a given seed, in any executor instance', async () => {
    const spec: FakeExecutorSpec = { kind: 'fake', failureRate: 0.5, seed: 9 };
    const run = async () => {
      const clock = new FakeClock();
      const executor = new FakeExecutor(spec, { clock, budget: unlimitedBudget });
      const outcomes: string[] = [];
      for (let i = 0; i < 40; i++) {
        const pod = podRef('seeded', i);
        outcomes.push(await outcomeOf(executor.evict(pod, [])));
        outcomes.push(await outcomeOf(executor.evict(pod, [])));
      }
      return outcomes;
    };
    const first = await run();
    expect(await run()).toEqual(first);
    const failures = first.filter((o) => o === 'failed').length;
    // 80 coin flips at p = 0.5: both outcomes occur (a seeded, fixed sequence).
    expect(failures).toBeGreaterThan(10);
    expect(failures).toBeLessThan(70);
  });

  it('reports a UID deleted twice as gone through a shared ledger', async () => {
    const ledger = new FakeClusterLedger(FakeClusterLedger.allocate(8));
    const spec: FakeExecutorSpec = { kind: 'fake', ledger: ledger.buffer };
    const clock = new FakeClock();
    const a = new FakeExecutor(spec, { clock, budget: unlimitedBudget });
    const b = new FakeExecutor(structuredClone(spec), { clock, budget: unlimitedBudget });
    const pod = podRef('ledger', 1);
    expect(await a.evict(pod, [])).toBe('deleted');
    expect(await b.evict(pod, [])).toBe('gone');
    expect(await b.evict(podRef('ledger', 2), [])).toBe('deleted');
    await a.recordCancellation(pod);
    expect(ledger.counts()).toEqual({ attempts: 3, apiCalls: 4, deleted: 2, gone: 1, failures: 0, cancellations: 1 });
    expect(ledger.isDeleted(pod.uid)).toBe(true);
    expect(ledger.isDeleted(podRef('ledger', 3).uid)).toBe(false);
  });

  it('takes one budget token per API call and waits on its clock for latency', async () => {
    const clock = new FakeClock();
    const budget = new SharedTokenBucket(SharedTokenBucket.createSpec({ qps: 1, burst: 3 }), () => clock.now());
    const executor = new FakeExecutor({ kind: 'fake', apiCallsPerEviction: 3, latencyMs: 100 }, { clock, budget });
    let done = false;
    const evicted = executor.evict(podRef('tokens', 1), []).then((outcome) => {
      done = true;
      return outcome;
    });
    await new Promise((resolve) => setImmediate(resolve));
    expect(budget.tryAcquire()).toBe(false);
    expect(done).toBe(false);
    clock.advance(100);
    expect(await evicted).toBe('deleted');
    expect(done).toBe(true);
  });

  it('hands an injected crash to the crash hook and never settles that attempt', async () => {
    const ledger = new FakeClusterLedger(FakeClusterLedger.allocate(8));
    const crashes: Error[] = [];
    const executor = new FakeExecutor(
      { kind: 'fake', ledger: ledger.buffer, crashAtAttempt: 2 },
      { clock: new FakeClock(), budget: unlimitedBudget, crash: (e) => crashes.push(e) },
    );
    expect(await executor.evict(podRef('crash', 1), [])).toBe('deleted');
    let settled = false;
    void executor.evict(podRef('crash', 2), []).finally(() => {
      settled = true;
    });
    await new Promise((resolve) => setImmediate(resolve));
    expect(crashes).toHaveLength(1);
    expect(settled).toBe(false);
    expect(ledger.isDeleted(podRef('crash', 2).uid)).toBe(true);
    expect(await executor.evict(podRef('crash', 3), [])).toBe('deleted');
    expect(crashes).toHaveLength(1);
  });

  it('validates its spec', () => {
    const context = { clock: new FakeClock(), budget: unlimitedBudget };
    expect(() => new FakeExecutor({ kind: 'fake', failureRate: 1.5 }, context)).toThrow(/failureRate/);
    expect(() => new FakeExecutor({ kind: 'fake', latencyMs: -1 }, context)).toThrow(/latencyMs/);
    expect(() => new FakeExecutor({ kind: 'fake', crashAtAttempt: 1 }, context)).toThrow(/ledger/);
  });
});

describe('executorFactory', () => {
  it('builds fake executors and refuses invalid specs', async () => {
    const context = {
      clock: new FakeClock(),
      budget: unlimitedBudget,
      fence: WriteFence.alwaysOpen(),
      log: silentLogger,
      shard: 0,
    };
    expect((await createExecutor({ kind: 'fake' }, context)).executor).toBeInstanceOf(FakeExecutor);
    await expect(createExecutor({ kind: 'kube', options: {} }, context)).rejects.toThrow(
      /invalid kube executor options/,
    );
    expect(isExecutorSpec({ kind: 'fake' })).toBe(true);
    expect(isExecutorSpec({ kind: 'kube', options: {} })).toBe(true);
    expect(isExecutorSpec({ kind: 'kube' })).toBe(false);
    expect(isExecutorSpec({ kind: 'dry' })).toBe(false);
    expect(isExecutorSpec(null)).toBe(false);
  });
});
