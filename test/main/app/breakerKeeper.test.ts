// The breaker's keeper against a record store in memory: it writes an opening with what it holds, keeps
// that account current (fewer held at once, more at most every 10 s), and releases on an operator's reset.

import { describe, expect, test } from 'vitest';
import type { BreakerRecord, BreakerRecordStore } from '../../../src/kube/breakerRecord.js';
import { BreakerKeeper, type HeldEvictions } from '../../../src/main/app/breakerKeeper.js';
import { FakeClock } from '../../../src/shared/clock.js';
import { EvictionBreaker } from '../../../src/shared/evictionBreaker.js';
import { RecordingLogger } from '../../../src/shared/logger.js';

class MemoryRecordStore {
  readonly namespace = 'kube-system';
  readonly name = 'device-taint-evictor-breaker';
  uid = 'uid-cm';
  resourceVersion = '';
  record: BreakerRecord | null = null;
  readonly writes: BreakerRecord[] = [];
  async read(): Promise<BreakerRecord | null> {
    return this.record;
  }
  async write(record: BreakerRecord): Promise<void> {
    this.record = record;
    this.writes.push(record);
    this.resourceVersion = String(this.writes.length);
  }
}

const holding = (pods: number, cause: string): HeldEvictions => ({
  pods,
  causes: pods === 0 ? [] : [`${cause}: ${pods} pods`],
  rules: [],
  podNames: Array.from({ length: pods }, (_, i) => `team/p${i}`),
});

function setup() {
  const clock = new FakeClock(1_000_000);
  const breaker = new EvictionBreaker(EvictionBreaker.createSpec(600_000, clock.now()));
  const store = new MemoryRecordStore();
  const log = new RecordingLogger();
  let held = holding(0, '');
  const keeper = new BreakerKeeper({
    breaker,
    store: store as unknown as BreakerRecordStore,
    limits: { maxEvictions: 3, maxPercent: null, autoResetAfterMs: null },
    clock,
    log,
    mayWrite: () => true,
    podsUsingClaims: () => 20,
    held: async () => held,
    announce: async () => {},
  });
  return {
    clock,
    breaker,
    store,
    log,
    keeper,
    hold: (h: HeldEvictions) => {
      held = h;
    },
  };
}

describe('BreakerKeeper', () => {
  test('records an opening, fewer held at once, more held at most every 10 s, and releases on reset', async () => {
    const { clock, breaker, store, log, keeper, hold } = setup();
    const rule = 'rule drain-all (all devices, taint example.com/maintenance=drain:NoExecute)';
    const device = 'device gpu.nvidia.com/node-0/gpu-3 (taint gpu.nvidia.com/xid=79:NoExecute)';
    expect(breaker.limit).toBe(3);
    hold(holding(8, rule));
    breaker.open(clock.now());
    await keeper.tick();
    expect(store.record).toMatchObject({ state: 'open', heldPods: 8, causes: [`${rule}: 8 pods`] });
    expect(log.lines.filter((l) => l.level === 'error').map((l) => l.msg)).toEqual([
      'Eviction breaker OPEN: no eviction starts until an operator resets it',
    ]);

    // The rule is deleted: one held eviction is left, for another cause. Written on the next pass.
    clock.advance(2_000);
    hold(holding(1, device));
    await keeper.tick();
    expect(store.record).toMatchObject({ state: 'open', heldPods: 1, causes: [`${device}: 1 pods`] });
    const writes = store.writes.length;

    // More held: not written before 10 s have passed since the last write.
    clock.advance(2_000);
    hold(holding(5, device));
    await keeper.tick();
    expect(store.writes).toHaveLength(writes);
    clock.advance(8_000);
    await keeper.tick();
    expect(store.record).toMatchObject({ heldPods: 5 });

    // An operator's reset: the keeper releases what it holds and closes the shared breaker.
    store.record = { ...(store.record as BreakerRecord), state: 'closed', resetBy: 'ops (breaker reset)' };
    await keeper.tick();
    expect(breaker.isOpen()).toBe(false);
    expect(log.lines.at(-1)).toMatchObject({
      level: 'warn',
      msg: 'Eviction breaker reset: releasing the held evictions; the window counts afresh',
      fields: { by: 'ops (breaker reset)', released: 5 },
    });
  });
});
