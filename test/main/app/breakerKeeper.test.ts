// The breaker's keeper against the simulated API server: an opening is persisted once (and announced
// once), a record that says open opens a fresh process's breaker before its first eviction, an
// operator's reset releases what was held, the auto-reset closes it by itself but lets only a limit's
// worth more start, a standby writes nothing, and a reset made between the keeper's read and its write
// is never overwritten.

import { KubeConfig } from '@kubernetes/client-node';
import { afterEach, beforeEach, describe, expect, it, test } from 'vitest';
import { ApiError } from '../../../src/kube/apiClient.js';
import { type BreakerRecord, BreakerRecordStore, breakerRecordOf } from '../../../src/kube/breakerRecord.js';
import { KeepAliveApiClient } from '../../../src/kube/keepAlive.js';
import { BreakerKeeper, type BreakerLimits, type HeldEvictions } from '../../../src/main/app/breakerKeeper.js';
import { FakeClock } from '../../../src/shared/clock.js';
import { EvictionBreaker } from '../../../src/shared/evictionBreaker.js';
import { RecordingLogger, silentLogger } from '../../../src/shared/logger.js';
import { type SimServer, startSimServer } from '../../../src/sim/server.js';

const NS = 'dte';
const NAME = 'device-taint-evictor-breaker';
const WINDOW_MS = 600_000;

let sim: SimServer;
let api: KeepAliveApiClient;

beforeEach(async () => {
  sim = await startSimServer({ port: 0 });
  sim.store.ensureNamespace(NS);
  const kc = new KubeConfig();
  kc.loadFromString(sim.kubeconfigYaml());
  api = await KeepAliveApiClient.fromKubeConfig(kc);
});

afterEach(async () => {
  await api.close();
  await sim.close();
});

interface Setup {
  readonly keeper: BreakerKeeper;
  readonly breaker: EvictionBreaker;
  readonly clock: FakeClock;
  readonly announced: HeldEvictions[];
  mayWrite: boolean;
  podsUsingClaims: number;
}

const held: HeldEvictions = {
  pods: 7,
  causes: ['rule runaway (all devices, taint example.com/x:NoExecute): 7 pods'],
  rules: ['runaway'],
  podNames: ['a/p0', 'a/p1'],
};

function setup(limits: Partial<BreakerLimits> = {}, clock = new FakeClock(Date.UTC(2026, 11, 5))): Setup {
  const breaker = new EvictionBreaker(EvictionBreaker.createSpec(WINDOW_MS, clock.now()));
  const s: Setup = {
    breaker,
    clock,
    announced: [],
    mayWrite: true,
    podsUsingClaims: 100,
    keeper: null as unknown as BreakerKeeper,
  };
  (s as { keeper: BreakerKeeper }).keeper = new BreakerKeeper({
    breaker,
    store: new BreakerRecordStore(api, NS, NAME),
    limits: { maxEvictions: null, maxPercent: null, autoResetAfterMs: null, ...limits },
    clock,
    log: silentLogger,
    mayWrite: () => s.mayWrite,
    podsUsingClaims: () => s.podsUsingClaims,
    held: async () => held,
    announce: (h) => {
      s.announced.push(h);
      return Promise.resolve();
    },
  });
  return s;
}

const record = () => breakerRecordOf(sim.store.get('configmaps', NS, NAME) ?? null);
const configMapWrites = () =>
  sim.requests.recent().filter((r) => r.resource === 'configmaps' && r.method !== 'GET' && r.code < 300).length;

/** Starts evictions due at `now` until the breaker refuses one; returns how many started. */
function startUntilHeld(s: Setup): number {
  let started = 0;
  for (;;) {
    const verdict = s.breaker.tryStart(s.clock.now(), s.clock.now());
    if (verdict !== 'counted') return started;
    started++;
    if (started > 10_000) throw new Error('breaker never opened');
  }
}

describe('BreakerKeeper', () => {
  it('uses the lower limit; a percentage allows at least one eviction', () => {
    const s = setup({ maxEvictions: 50, maxPercent: 10 });
    s.podsUsingClaims = 200;
    expect(s.keeper.limit()).toBe(20);
    s.podsUsingClaims = 10_000;
    expect(s.keeper.limit()).toBe(50);
    s.podsUsingClaims = 3;
    expect(s.keeper.limit()).toBe(1);
    expect(setup().keeper.limit()).toBeNull();
  });

  it('persists an opening once, announces it once, and keeps holding', async () => {
    const s = setup({ maxEvictions: 5 });
    await s.keeper.restore();
    expect(startUntilHeld(s)).toBe(5);
    expect(s.breaker.isOpen()).toBe(true);
    await s.keeper.tick();
    expect(record()).toMatchObject({ state: 'open', heldPods: 7, causes: held.causes, heldPodNames: held.podNames });
    expect(record()?.reason).toMatch(/exceed 5 evictions in 600 s/);
    expect(s.announced).toHaveLength(1);
    const writes = configMapWrites();
    await s.keeper.tick();
    await s.keeper.tick();
    expect(configMapWrites()).toBe(writes);
    expect(s.announced).toHaveLength(1);
    expect(s.breaker.tryStart(s.clock.now(), s.clock.now())).toBe('hold');
  });

  it('opens a fresh process from the record before its first eviction (restart, failover)', async () => {
    const first = setup({ maxEvictions: 2 });
    await first.keeper.restore();
    startUntilHeld(first);
    await first.keeper.tick();
    expect(record()?.state).toBe('open');

    const second = setup({ maxEvictions: 2 });
    expect(second.breaker.isOpen()).toBe(false);
    await second.keeper.restore();
    expect(second.breaker.isOpen()).toBe(true);
    expect(second.breaker.tryStart(second.clock.now(), second.clock.now())).toBe('hold');
    // Already recorded: the new process writes no second opening.
    const writes = configMapWrites();
    await second.keeper.tick();
    expect(configMapWrites()).toBe(writes);
    expect(second.announced).toHaveLength(0);
  });

  it('releases what was held when an operator closes the record; the window counts afresh', async () => {
    const s = setup({ maxEvictions: 3 });
    await s.keeper.restore();
    const dueBeforeReset = s.clock.now();
    startUntilHeld(s);
    await s.keeper.tick();
    s.clock.advance(60_000);
    sim.store.patch('configmaps', NS, NAME, 'merge', { data: { state: 'closed', resetBy: 'alice' } });
    await s.keeper.tick();
    expect(s.breaker.isOpen()).toBe(false);
    // Everything due before the reset starts, uncounted, however much it is.
    for (let i = 0; i < 20; i++) expect(s.breaker.tryStart(s.clock.now(), dueBeforeReset)).toBe('start');
    // What becomes due later counts from zero: three more, then it opens again.
    s.clock.advance(1);
    expect(startUntilHeld(s)).toBe(3);
    await s.keeper.tick();
    expect(record()).toMatchObject({ state: 'open', resetBy: 'alice' });
  });

  it('closes by itself after --breaker-auto-reset-after, records who closed it, and releases only a limit more', async () => {
    const s = setup({ maxEvictions: 2, autoResetAfterMs: 30 * 60_000 });
    await s.keeper.restore();
    const dueBeforeReset = s.clock.now();
    startUntilHeld(s);
    await s.keeper.tick();
    s.clock.advance(29 * 60_000);
    await s.keeper.tick();
    expect(s.breaker.isOpen()).toBe(true);
    s.clock.advance(60_000);
    await s.keeper.tick();
    expect(s.breaker.isOpen()).toBe(false);
    expect(record()).toMatchObject({ state: 'closed', resetBy: 'auto-reset' });
    // Nobody acknowledged the held evictions: they count, two start, the third opens it again.
    expect(s.breaker.tryStart(s.clock.now(), dueBeforeReset)).toBe('counted');
    expect(s.breaker.tryStart(s.clock.now(), dueBeforeReset)).toBe('counted');
    expect(s.breaker.tryStart(s.clock.now(), dueBeforeReset)).toBe('opened');
    await s.keeper.tick();
    expect(record()).toMatchObject({ state: 'open', openedAt: s.clock.now() });
    expect(s.announced).toHaveLength(2);
  });

  it('a new leader that reads an auto-reset record releases nothing uncounted either', async () => {
    const first = setup({ maxEvictions: 1, autoResetAfterMs: 60_000 });
    await first.keeper.restore();
    startUntilHeld(first);
    await first.keeper.tick();
    expect(record()?.state).toBe('open');
    // The next leader restores the opening, then reads the closed record the old leader's auto-reset wrote.
    const second = setup({ maxEvictions: 1 }, first.clock);
    await second.keeper.restore();
    expect(second.breaker.isOpen()).toBe(true);
    sim.store.patch('configmaps', NS, NAME, 'merge', { data: { state: 'closed', resetBy: 'auto-reset' } });
    await second.keeper.tick();
    expect(second.breaker.isOpen()).toBe(false);
    const dueBefore = second.clock.now() - 1;
    expect(second.breaker.tryStart(second.clock.now(), dueBefore)).toBe('counted');
    expect(second.breaker.tryStart(second.clock.now(), dueBefore)).toBe('opened');
  });

  it('writes nothing without the right to write (a standby), and persists once it has it', async () => {
    const s = setup({ maxEvictions: 1 });
    s.mayWrite = false;
    await s.keeper.restore();
    startUntilHeld(s);
    await s.keeper.tick();
    expect(record()).toBeNull();
    expect(configMapWrites()).toBe(0);
    s.mayWrite = true;
    await s.keeper.tick();
    expect(record()?.state).toBe('open');
  });

  it('never overwrites a reset made after the record was read', async () => {
    const s = setup({ maxEvictions: 1 });
    await s.keeper.restore();
    startUntilHeld(s);
    await s.keeper.tick();
    const store = new BreakerRecordStore(api, NS, NAME);
    const read = await store.read();
    sim.store.patch('configmaps', NS, NAME, 'merge', { data: { state: 'closed', resetBy: 'bob' } });
    const stale = store.write({ ...read!, heldPods: 99 }, () => true, store.resourceVersion);
    await expect(stale).rejects.toSatisfy((e) => e instanceof ApiError && e.code === 409);
    expect(record()).toMatchObject({ state: 'closed', resetBy: 'bob' });
  });

  it('fails restore loudly when the record cannot be read (the caller retries; nothing starts meanwhile)', async () => {
    const s = setup({ maxEvictions: 1 });
    sim.setFaults({ verbs: { get: { errorRate: 1, code: 500, resources: ['configmaps'] } } });
    await expect(s.keeper.restore()).rejects.toBeInstanceOf(ApiError);
    sim.setFaults({});
    await s.keeper.restore();
    expect(s.breaker.isOpen()).toBe(false);
  });
});

// The breaker's keeper against a record store in memory: it writes an opening with what it holds, keeps
// that account current (fewer held at once, more at most every 10 s), and releases on an operator's reset.
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

function memorySetup() {
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

describe('BreakerKeeper against a record in memory', () => {
  test('records an opening, fewer held at once, more held at most every 10 s, and releases on reset', async () => {
    const { clock, breaker, store, log, keeper, hold } = memorySetup();
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
