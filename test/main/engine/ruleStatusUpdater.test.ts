// The rule status queue (docs/behaviour.md §2.8 steps 1-5) on virtual time: dedup with earliest due time, pacing
// by lastTransitionTime, writing only real changes, retries with per-item exponential backoff.

import { describe, expect, test } from 'vitest';
import { buildRuleCondition, conditionsEquivalent } from '../../../src/main/engine/ruleStatus.js';
import {
  type RuleStatusSource,
  RuleStatusUpdater,
  type RuleStatusWriter,
} from '../../../src/main/engine/ruleStatusUpdater.js';
import { createEngineWithRuleStatus } from '../../../src/main/engine/wiring.js';
import { FakeClock } from '../../../src/shared/clock.js';
import { RecordingLogger } from '../../../src/shared/logger.js';
import type { RuleCondition, RuleRecord } from '../../../src/shared/types.js';
import * as f from '../../engine/fixtures.js';

const { S, taintTime: t0 } = f;

/** A source whose rule cache is updated by the writer, like a running informer. */
function setup(opts: { failures?: number } = {}) {
  const clock = new FakeClock(t0);
  const rules = new Map<string, RuleRecord>([['evict', f.ruleEvict]]);
  let pendingPods = 1;
  const writes: { at: number; condition: RuleCondition }[] = [];
  const attempts: number[] = [];
  let failuresLeft = opts.failures ?? 0;
  const source: RuleStatusSource = {
    getRule: (name) => rules.get(name) ?? null,
    ruleCondition: (name) => {
      const rule = rules.get(name);
      if (rule === undefined) return null;
      return buildRuleCondition(
        {
          effect: rule.taint.effect,
          generation: rule.generation,
          pendingPods,
          pendingNamespaces: pendingPods > 0 ? 1 : 0,
          publishedDevices: 0,
          allocatedDevices: 0,
          evictedPods: pendingPods > 0 ? 0 : 1,
        },
        clock.now(),
      );
    },
  };
  const writer: RuleStatusWriter = {
    apply: async (rule, condition) => {
      attempts.push(clock.now());
      if (failuresLeft > 0) {
        failuresLeft--;
        throw new Error('apiserver unavailable');
      }
      writes.push({ at: clock.now(), condition });
      rules.set(rule.name, { ...rule, conditions: [condition] });
    },
  };
  const log = new RecordingLogger();
  const updater = new RuleStatusUpdater({ clock, source, writer, log });
  const setPending = (n: number) => {
    pendingPods = n;
  };
  return { clock, rules, writes, attempts, updater, log, setPending };
}

describe('RuleStatusUpdater', () => {
  test('an item is queued once; the earliest due time wins', async () => {
    const { clock, updater, writes } = setup();
    updater.enqueue('evict', 30 * S);
    updater.enqueue('evict', 10 * S);
    updater.enqueue('evict', 20 * S);
    expect(updater.length).toBe(1);
    clock.advance(9 * S);
    await updater.whenIdle();
    expect(writes).toEqual([]);
    clock.advance(1 * S);
    await updater.whenIdle();
    expect(writes.map((w) => w.at)).toEqual([t0 + 10 * S]);
    clock.advance(60 * S);
    await updater.whenIdle();
    expect(writes).toHaveLength(1);
    expect(updater.length).toBe(0);
  });

  test('immediate enqueues of one burst are processed once', async () => {
    const { updater, writes } = setup();
    updater.enqueue('evict', 0);
    updater.enqueue('evict', 0);
    updater.enqueue('evict', 10 * S);
    await updater.whenIdle();
    expect(writes).toHaveLength(1);
    expect(writes[0]?.condition).toMatchObject({
      status: 'True',
      reason: 'PodsPendingEviction',
      message: '1 pod needs to be evicted in 1 namespace.',
      lastTransitionTime: t0,
    });
  });

  test('writes are paced to one per 10 s and skipped when nothing changed', async () => {
    const { clock, updater, writes, setPending } = setup();
    updater.enqueue('evict', 0);
    await updater.whenIdle();
    expect(writes).toHaveLength(1);

    // 3 s later the counts changed, but the last write is too recent: requeued for the remaining 7 s.
    clock.advance(3 * S);
    setPending(0);
    updater.enqueue('evict', 0);
    await updater.whenIdle();
    expect(writes).toHaveLength(1);
    expect(updater.length).toBe(1);
    clock.advance(7 * S - 1);
    await updater.whenIdle();
    expect(writes).toHaveLength(1);
    clock.advance(1);
    await updater.whenIdle();
    expect(writes.map((w) => [w.at, w.condition.reason])).toEqual([
      [t0, 'PodsPendingEviction'],
      [t0 + 10 * S, 'Completed'],
    ]);

    // Unchanged condition: no write, even much later.
    clock.advance(60 * S);
    updater.enqueue('evict', 0);
    await updater.whenIdle();
    expect(writes).toHaveLength(2);
  });

  test('a new generation is written without waiting for the period', async () => {
    const { clock, updater, writes, rules } = setup();
    updater.enqueue('evict', 0);
    await updater.whenIdle();
    clock.advance(1 * S);
    const rule = rules.get('evict') as RuleRecord;
    rules.set('evict', { ...rule, generation: 2 });
    updater.enqueue('evict', 0);
    await updater.whenIdle();
    expect(writes.map((w) => [w.at, w.condition.observedGeneration])).toEqual([
      [t0, 1],
      [t0 + 1 * S, 2],
    ]);
  });

  test('failed writes are retried with per-item exponential backoff', async () => {
    const { clock, updater, writes, attempts, log } = setup({ failures: 3 });
    updater.enqueue('evict', 0);
    await updater.whenIdle();
    for (const step of [5, 10, 20]) {
      clock.advance(step);
      await updater.whenIdle();
    }
    expect(attempts).toEqual([t0, t0 + 5, t0 + 15, t0 + 35]);
    expect(writes.map((w) => w.at)).toEqual([t0 + 35]);
    expect(log.lines.filter((l) => l.level === 'warn')).toHaveLength(3);
    expect(updater.writeAttempts).toBe(4);
  });

  test('a deleted rule is dropped without a write', async () => {
    const { updater, writes, rules } = setup();
    rules.clear();
    updater.enqueue('evict', 0);
    await updater.whenIdle();
    expect(writes).toEqual([]);
    expect(updater.length).toBe(0);
  });

  test('stop cancels delayed items', async () => {
    const { clock, updater, writes } = setup();
    updater.enqueue('evict', 5 * S);
    await updater.stop();
    clock.advance(10 * S);
    await updater.whenIdle();
    expect(writes).toEqual([]);
    expect(clock.pending()).toBe(0);
  });
});

describe('EvictionInProgress condition texts', () => {
  const base = {
    effect: 'NoExecute',
    generation: 3,
    pendingPods: 0,
    pendingNamespaces: 0,
    publishedDevices: 0,
    allocatedDevices: 0,
    evictedPods: 0,
  };
  test.each([
    [{}, 'False', 'NotStarted', ''],
    [
      { pendingPods: 1, pendingNamespaces: 1 },
      'True',
      'PodsPendingEviction',
      '1 pod needs to be evicted in 1 namespace.',
    ],
    [
      { pendingPods: 3, pendingNamespaces: 2, evictedPods: 1 },
      'True',
      'PodsPendingEviction',
      '3 pods need to be evicted in 2 different namespaces. 1 pod evicted since starting the controller.',
    ],
    [{ evictedPods: 2 }, 'False', 'Completed', '2 pods evicted since starting the controller.'],
    [
      { effect: 'None', publishedDevices: 1, allocatedDevices: 0, pendingPods: 0, pendingNamespaces: 0 },
      'False',
      'NoEffect',
      '1 published device selected. 0 allocated devices selected. 0 pods would be evicted in 0 different namespaces if the effect was NoExecute. This information will not be updated again. Recreate the DeviceTaintRule to trigger an update.',
    ],
    [
      { effect: 'Weird', evictedPods: 1 },
      'False',
      'OtherEffect',
      'Eviction only happens for the NoExecute effect. 1 pod evicted since starting the controller.',
    ],
  ])('%o → %s/%s', (counts, status, reason, message) => {
    const c = buildRuleCondition({ ...base, ...counts }, 42);
    expect(c).toEqual({
      type: 'EvictionInProgress',
      status,
      reason,
      message,
      observedGeneration: 3,
      lastTransitionTime: 42,
    });
    expect(conditionsEquivalent(c, { ...c, lastTransitionTime: 0 })).toBe(true);
    expect(conditionsEquivalent(c, { ...c, message: `${c.message}!` })).toBe(false);
  });
});

describe('createEngineWithRuleStatus', () => {
  test('the engine schedules status refreshes that the updater writes from the engine counts', async () => {
    const clock = new FakeClock(t0);
    const written: RuleCondition[] = [];
    const { engine, ruleStatus } = createEngineWithRuleStatus({
      clock,
      sink: { schedule() {}, cancel() {} },
      log: new RecordingLogger(),
      writer: {
        apply: async (_rule, condition) => {
          written.push(condition);
        },
      },
    });
    engine.claimAdded(f.inUseClaim);
    engine.podAdded(f.podWithClaimName);
    engine.ruleAdded(f.ruleEvict);
    await ruleStatus.whenIdle();
    expect(written.map((c) => c.message)).toEqual(['1 pod needs to be evicted in 1 namespace.']);
    await ruleStatus.stop();
  });
});
