// The brakes on starting evictions, through a real timed queue in virtual time: a global start rate
// that spreads starts, a per-rule rate that holds only that rule's evictions, the breaker that holds
// everything and a reset that releases it — never dropping, never starting early, always cancellable.

import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/shared/clock.js';
import { EvictionBreaker } from '../../src/shared/evictionBreaker.js';
import { ruleReason } from '../../src/shared/reasons.js';
import { SharedTokenBucket } from '../../src/shared/tokenBucket.js';
import { EvictionAdmission, ruleUidsOf } from '../../src/workers/admission.js';
import { type BrakeEvent, TimedQueue } from '../../src/workers/timedQueue.js';
import { ControlledRunner, settle, virtualDefer } from './helpers.js';

interface Work {
  readonly reasons: readonly string[];
}

/** A queue in virtual time whose admission is built from `parts` (given the queue's clock). */
function rig(parts: (clock: FakeClock) => ConstructorParameters<typeof EvictionAdmission>[0], concurrency = 100) {
  const clock = new FakeClock();
  const runner = new ControlledRunner<Work>(() => clock.now());
  const events: BrakeEvent[] = [];
  const admission = new EvictionAdmission(parts(clock));
  const queue = new TimedQueue<Work>({
    clock,
    concurrency,
    run: async (payload, info) => {
      void runner.run(payload, info);
    },
    defer: virtualDefer(clock),
    admit: (fireAt, payload, now) => admission.admit(now, fireAt, payload.reasons),
    onBrake: (e) => events.push(e),
  });
  return { clock, runner, queue, events };
}

const bucket = (clock: FakeClock, qps: number, burst: number) =>
  new SharedTokenBucket(SharedTokenBucket.createSpec({ qps, burst }), () => clock.now());

describe('eviction admission', () => {
  it('a global start rate spreads due evictions out, in due order, without dropping any', async () => {
    const r = rig((clock) => ({ globalRate: bucket(clock, 2, 1) }));
    const t0 = r.clock.now();
    for (let i = 0; i < 5; i++) r.queue.upsert(`p${i}`, t0 - 10 + i, { reasons: [] });
    await settle(r.clock);
    expect(r.runner.startedKeys()).toEqual(['p0']);
    expect(r.queue.stats()).toMatchObject({ throttled: 4 });
    expect(r.events).toContainEqual({ kind: 'throttled', limit: 'global' });
    const startedAt: number[] = [];
    for (let step = 0; step < 10 && r.runner.runs.length < 5; step++) {
      r.clock.advance(250);
      await settle(r.clock);
    }
    for (const run of r.runner.runs) startedAt.push(run.startedAt - t0);
    expect(r.runner.startedKeys()).toEqual(['p0', 'p1', 'p2', 'p3', 'p4']);
    // 2 per second: one every 500 ms.
    expect(startedAt).toEqual([0, 500, 1_000, 1_500, 2_000]);
    expect(r.queue.stats().throttledTotal.global).toBe(4);
    expect(r.events.at(-1)).toEqual({ kind: 'unthrottled', limit: 'global' });
  });

  it("a rule's start rate holds only that rule's evictions; a throttled one can still be cancelled", async () => {
    const limited = ruleReason('drain-all', 'uid-drain');
    const r = rig((clock) => {
      const perMinute = bucket(clock, 1 / 60, 1);
      return { ruleRate: (uid) => (uid === 'uid-drain' ? perMinute : undefined) };
    });
    const t0 = r.clock.now();
    r.queue.upsert('a1', t0, { reasons: [limited] });
    r.queue.upsert('a2', t0, { reasons: [limited] });
    r.queue.upsert('a3', t0, { reasons: [limited] });
    r.queue.upsert('b1', t0, { reasons: [ruleReason('other', 'uid-other')] });
    await settle(r.clock);
    expect(r.runner.startedKeys().sort()).toEqual(['a1', 'b1']);
    expect(r.queue.stats()).toMatchObject({ throttled: 2, throttledTotal: { rule: 2, global: 0 } });
    expect(r.queue.get('a2')).toMatchObject({ state: 'scheduled', fireAt: t0 });
    // Cancelled while waiting for its rule's token: gone, never runs.
    expect(r.queue.cancel('a2')).toBe(true);
    r.clock.advance(60_000);
    await settle(r.clock);
    expect(r.runner.startedKeys().sort()).toEqual(['a1', 'a3', 'b1']);
    expect(r.queue.stats().throttled).toBe(0);
  });

  it('never starts a throttled eviction before its own due time', async () => {
    const r = rig(() => ({ globalRate: { tryAcquire: () => true, waitMs: () => 0 } }));
    const t0 = r.clock.now();
    r.queue.upsert('later', t0 + 30_000, { reasons: [] });
    r.clock.advance(29_999);
    await settle(r.clock);
    expect(r.runner.runs).toHaveLength(0);
    r.clock.advance(1);
    await settle(r.clock);
    expect(r.runner.startedKeys()).toEqual(['later']);
  });

  it('the breaker holds every start once the limit is reached, and a reset releases the held ones', async () => {
    const made: EvictionBreaker[] = [];
    const r = rig((clock) => {
      const b = new EvictionBreaker(EvictionBreaker.createSpec(600_000, clock.now()));
      b.setLimit(2);
      made.push(b);
      return { breaker: b };
    });
    const breaker = made[0] as EvictionBreaker;
    const t0 = r.clock.now();
    for (let i = 0; i < 6; i++) r.queue.upsert(`p${i}`, t0, { reasons: [] });
    await settle(r.clock);
    expect(r.runner.startedKeys()).toEqual(['p0', 'p1']);
    expect(breaker.isOpen()).toBe(true);
    expect(r.events).toContainEqual({ kind: 'held', why: 'breaker', opened: true });
    expect(r.queue.stats()).toMatchObject({ held: 'breaker', scheduled: 4 });
    r.clock.advance(60_000);
    await settle(r.clock);
    expect(r.runner.runs).toHaveLength(2);
    // Cancellations still apply while held.
    expect(r.queue.cancel('p5')).toBe(true);
    breaker.reset(r.clock.now(), true);
    r.clock.advance(100); // the held queue looks again every 100 ms
    await settle(r.clock);
    expect(r.runner.startedKeys()).toEqual(['p0', 'p1', 'p2', 'p3', 'p4']);
    expect(r.events).toContainEqual({ kind: 'released', why: 'breaker' });
    expect(breaker.countAt(r.clock.now())).toBe(0);
  });

  it('a run that did nothing (its intent went stale before its first write) gives its count back', async () => {
    const clock = new FakeClock();
    const breaker = new EvictionBreaker(EvictionBreaker.createSpec(600_000, clock.now()));
    breaker.setLimit(2);
    const admission = new EvictionAdmission({ breaker });
    const runner = new ControlledRunner<Work>(() => clock.now());
    const queue = new TimedQueue<Work>({
      clock,
      concurrency: 10,
      run: runner.run,
      defer: virtualDefer(clock),
      admit: (fireAt, payload, now, attempt) => admission.admit(now, fireAt, payload.reasons, attempt),
    });
    const t0 = clock.now();
    queue.upsert('p0', t0, { reasons: [] });
    await settle(clock);
    expect(breaker.countAt(clock.now())).toBe(1);
    // A toleration arrives while the run waits for its first write: the intent moves 60 s on.
    queue.upsert('p0', t0 + 60_000, { reasons: [] });
    runner.runningFor('p0').deferred.resolve('superseded');
    await settle(clock);
    expect(breaker.countAt(clock.now())).toBe(0);
    // The newest intent runs and acts: counted once, and kept.
    clock.advance(60_000);
    await settle(clock);
    runner.runningFor('p0').deferred.resolve(undefined);
    await settle(clock);
    expect(breaker.countAt(clock.now())).toBe(1);
    expect(breaker.isOpen()).toBe(false);
  });

  it('a reset releases what was held, not an eviction learned of after it whose fire time (whole seconds) is earlier', async () => {
    const made: EvictionBreaker[] = [];
    const r = rig((clock) => {
      const b = new EvictionBreaker(EvictionBreaker.createSpec(600_000, clock.now()));
      b.setLimit(1);
      made.push(b);
      return { breaker: b };
    });
    const breaker = made[0] as EvictionBreaker;
    const t0 = r.clock.now();
    r.queue.upsert('first', t0, { reasons: [] });
    r.queue.upsert('held', t0, { reasons: [] });
    await settle(r.clock);
    expect(breaker.isOpen()).toBe(true);
    r.clock.advance(5_700);
    breaker.reset(r.clock.now(), true);
    // A taint added 200 ms after the reset: its timeAdded, truncated to the second, is before the reset.
    r.clock.advance(200);
    const timeAdded = Math.floor(r.clock.now() / 1000) * 1000;
    expect(timeAdded).toBeLessThan(r.clock.now() - 200);
    r.queue.upsert('new-1', timeAdded, { reasons: [] });
    r.queue.upsert('new-2', timeAdded, { reasons: [] });
    r.clock.advance(100);
    await settle(r.clock);
    // 'held' is released uncounted; of the new ones, the first is counted, the second opens it again.
    expect(r.runner.startedKeys()).toEqual(['first', 'held', 'new-1']);
    expect(breaker.isOpen()).toBe(true);
  });

  it('a start a rate limit turns back after the breaker counted it is not counted', () => {
    const clock = new FakeClock();
    const breaker = new EvictionBreaker(EvictionBreaker.createSpec(600_000, clock.now()));
    breaker.setLimit(5);
    // The peek says a token is there; another thread takes it before this one does.
    const raced = { waitMs: () => 0, tryAcquire: () => false };
    const admission = new EvictionAdmission({ breaker, globalRate: raced });
    expect(admission.admit(clock.now(), clock.now(), [])).toMatchObject({ kind: 'delay', limit: 'global' });
    expect(breaker.countAt(clock.now())).toBe(0);
  });

  it('a retry after a failed attempt is held while the breaker is open, but not counted again', async () => {
    const clock = new FakeClock();
    const breaker = new EvictionBreaker(EvictionBreaker.createSpec(600_000, clock.now()));
    breaker.setLimit(2);
    const admission = new EvictionAdmission({ breaker });
    const attempts: string[] = [];
    const queue = new TimedQueue<Work>({
      clock,
      concurrency: 10,
      // A disruption budget refuses `blocked` every time (the executor's 429, retried after 5 s).
      run: async (_payload, info) => {
        attempts.push(`${info.key}#${info.attempt}`);
        if (info.key === 'blocked') throw Object.assign(new Error('429'), { retryAfterSeconds: 5 });
      },
      minRetryDelayMs: () => 5_000,
      defer: virtualDefer(clock),
      admit: (fireAt, payload, now, attempt) => admission.admit(now, fireAt, payload.reasons, attempt),
    });
    const t0 = clock.now();
    queue.upsert('blocked', t0, { reasons: [] });
    await settle(clock);
    for (let i = 0; i < 5; i++) {
      clock.advance(5_000);
      await settle(clock);
    }
    // Six attempts of one eviction: one count, the breaker stays closed.
    expect(attempts).toEqual(['blocked#1', 'blocked#2', 'blocked#3', 'blocked#4', 'blocked#5', 'blocked#6']);
    expect(breaker.countAt(clock.now())).toBe(1);
    expect(breaker.isOpen()).toBe(false);

    // Two more evictions: the second exceeds the limit of 2 and opens it; the retry is held meanwhile.
    queue.upsert('p1', clock.now(), { reasons: [] });
    queue.upsert('p2', clock.now(), { reasons: [] });
    await settle(clock);
    expect(attempts.slice(6)).toEqual(['p1#1']);
    expect(breaker.isOpen()).toBe(true);
    clock.advance(5_000);
    await settle(clock);
    expect(attempts.slice(6)).toEqual(['p1#1']);
    breaker.reset(clock.now(), true);
    clock.advance(100);
    await settle(clock);
    expect(attempts.slice(7).sort()).toEqual(['blocked#7', 'p2#1']);
  });

  it('reads the rule UIDs out of reasons', () => {
    expect(ruleUidsOf([ruleReason('a', 'u1'), 'slice:d/p/s/dev#0', ruleReason('b', 'u2')])).toEqual(['u1', 'u2']);
  });
});
