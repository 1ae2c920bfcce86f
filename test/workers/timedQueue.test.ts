// TimedQueue semantics: upstream's TimedWorkerQueue scenarios (docs/behaviour.md §4.4, 62–66) in virtual time, then
// the behaviour we add on top (explicit states, one timer, bounded concurrency, retries, drain).

import { describe, expect, it } from 'vitest';
import { FakeClock, RealClock } from '../../src/shared/clock.js';
import { type RunFailure, type RunInfo, TimedQueue } from '../../src/workers/timedQueue.js';
import { waitFor } from '../support/waitFor.js';
import { ControlledRunner, settle, virtualDefer } from './helpers.js';

const SECOND = 1_000;

/** A queue whose runs succeed at once and are counted per key. */
function countingQueue(clock: FakeClock, concurrency = 10) {
  const executions: string[] = [];
  const queue = new TimedQueue<string>({
    clock,
    concurrency,
    defer: virtualDefer(clock),
    run: async (payload) => {
      executions.push(payload);
    },
  });
  return { queue, executions };
}

function controlledQueue(clock: FakeClock, concurrency = 10, onRunFailed?: (failure: RunFailure<string>) => void) {
  const runner = new ControlledRunner<string>(() => clock.now());
  const queue = new TimedQueue<string>({
    clock,
    concurrency,
    defer: virtualDefer(clock),
    run: runner.run,
    ...(onRunFailed === undefined ? {} : { onRunFailed }),
  });
  return { queue, runner };
}

describe('upstream TimedWorkerQueue scenarios (docs/behaviour.md §4.4)', () => {
  it('62 TestExecute: five immediate items run once each, re-adds while running are no-ops', async () => {
    const clock = new FakeClock();
    const { queue, executions } = countingQueue(clock);
    const now = clock.now();
    for (const key of ['1', '2', '3', '4', '5']) expect(queue.upsert(key, now, key)).toBe('added');
    // The older upstream test re-added them; that was only a no-op while the first runs were in flight
    // (a latent flake there). Here nothing starts inside `upsert`: a re-add before the queue's turn is the
    // same intent again, and one in flight is satisfied by the run that is already happening.
    for (const key of ['1', '2', '3', '4', '5']) expect(queue.upsert(key, now, key)).toBe('unchanged');
    clock.advance(0);
    for (const key of ['1', '2', '3', '4', '5']) expect(queue.upsert(key, now, key)).toBe('deferred');
    await settle(clock);
    expect(executions.sort()).toEqual(['1', '2', '3', '4', '5']);
    expect(queue.size).toBe(0);
    expect(clock.pending()).toBe(0);
  });

  it('63 TestExecuteDelayed: items added twice for now+10s run once each when the clock passes 11s', async () => {
    const clock = new FakeClock();
    const { queue, executions } = countingQueue(clock);
    const then = clock.now() + 10 * SECOND;
    for (const key of ['1', '2', '3', '4', '5', '1', '2', '3', '4', '5']) queue.upsert(key, then, key);
    expect(clock.pending()).toBe(1);
    clock.advance(10 * SECOND - 1);
    await settle(clock);
    expect(executions).toEqual([]);
    clock.advance(SECOND + 1);
    await settle(clock);
    expect(executions).toEqual(['1', '2', '3', '4', '5']);
    expect(queue.size).toBe(0);
  });

  it('64 TestCancel: cancelling two of five delayed items leaves three executions', async () => {
    const clock = new FakeClock();
    const { queue, executions } = countingQueue(clock);
    const then = clock.now() + 10 * SECOND;
    for (const key of ['1', '2', '3', '4', '5', '1', '2', '3', '4', '5']) queue.upsert(key, then, key);
    expect(queue.cancel('2')).toBe(true);
    expect(queue.cancel('4')).toBe(true);
    expect(queue.cancel('4')).toBe(false);
    clock.advance(11 * SECOND);
    await settle(clock);
    expect(executions).toEqual(['1', '3', '5']);
  });

  it('65 TestCancelAndReadd: a cancelled item added again runs', async () => {
    const clock = new FakeClock();
    const { queue, executions } = countingQueue(clock);
    const then = clock.now() + 10 * SECOND;
    for (const key of ['1', '2', '3', '4', '5', '1', '2', '3', '4', '5']) queue.upsert(key, then, key);
    queue.cancel('2');
    queue.cancel('4');
    expect(queue.upsert('2', then, '2')).toBe('added');
    clock.advance(11 * SECOND);
    await settle(clock);
    expect(executions.sort()).toEqual(['1', '2', '3', '5']);
  });

  // Upstream expects CancelWork to return true in the timer-fired case only because its map still holds
  // the fired timer's entry while the worker runs. Here both are the same state, `running`, so cancel
  // reports false in both: nothing that was going to run was prevented. What matters is the same in both
  // sub-cases: the replacement survives the stale completion and can be cancelled afterwards.
  for (const subCase of ['immediate worker', 'scheduled worker already firing'] as const) {
    it(`66 TestRunningWorkerCompletionDoesNotRemoveReplacement: ${subCase}`, async () => {
      const clock = new FakeClock();
      const { queue, runner } = controlledQueue(clock);
      const now = clock.now();
      if (subCase === 'immediate worker') {
        queue.upsert('namespace/pod', now, 'first');
        clock.advance(0);
      } else {
        queue.upsert('namespace/pod', now + SECOND, 'first');
        clock.advance(SECOND);
      }
      const first = runner.runningFor('namespace/pod');
      expect(queue.get('namespace/pod')?.state).toBe('running');

      expect(queue.cancel('namespace/pod')).toBe(false);
      expect(queue.has('namespace/pod')).toBe(false);

      const replacementFireAt = now + 10 * SECOND;
      expect(queue.upsert('namespace/pod', replacementFireAt, 'replacement')).toBe('added');
      expect(queue.get('namespace/pod')).toMatchObject({ state: 'scheduled', fireAt: replacementFireAt });

      first.deferred.resolve();
      await settle(clock);

      expect(queue.get('namespace/pod')).toMatchObject({
        state: 'scheduled',
        fireAt: replacementFireAt,
        payload: 'replacement',
      });
      expect(queue.cancel('namespace/pod')).toBe(true);
      expect(queue.has('namespace/pod')).toBe(false);
      clock.advance(20 * SECOND);
      await settle(clock);
      expect(runner.runs.map((run) => run.payload)).toEqual(['first']);
    });
  }
});

describe('TimedQueue states', () => {
  it('reports what upsert did in each state and keeps payload-only updates in place', async () => {
    const clock = new FakeClock();
    const { queue, runner } = controlledQueue(clock);
    const t0 = clock.now();
    expect(queue.upsert('k', t0 + 100, 'a')).toBe('added');
    expect(queue.upsert('k', t0 + 100, 'b')).toBe('unchanged');
    expect(queue.get('k')).toMatchObject({ state: 'scheduled', fireAt: t0 + 100, payload: 'b' });
    expect(queue.upsert('k', t0 + 50, 'c')).toBe('rescheduled');
    expect(clock.nextDue()).toBe(t0 + 50);
    clock.advance(50);
    expect(runner.runningFor('k').payload).toBe('c');
    expect(queue.upsert('k', t0 + 500, 'd')).toBe('deferred');
    expect(queue.get('k')).toMatchObject({ state: 'running', pendingFireAt: t0 + 500 });
    expect(() => queue.upsert('x', Number.NaN, 'nan')).toThrow(RangeError);
  });

  it('applies an update that arrived during a successful run when it asks for a different time', async () => {
    const clock = new FakeClock();
    const { queue, runner } = controlledQueue(clock);
    const t0 = clock.now();
    queue.upsert('k', t0, 'first');
    clock.advance(0);
    queue.upsert('k', t0 + 60 * SECOND, 'later');
    runner.runningFor('k').deferred.resolve();
    await settle(clock);
    expect(queue.get('k')).toMatchObject({ state: 'scheduled', fireAt: t0 + 60 * SECOND, payload: 'later' });
    clock.advance(60 * SECOND - 1);
    expect(runner.inFlight()).toHaveLength(0);
    clock.advance(1);
    expect(runner.runningFor('k').payload).toBe('later');
  });

  it('drops an update with the running fire time once the run succeeded', async () => {
    const clock = new FakeClock();
    const { queue, runner } = controlledQueue(clock);
    const t0 = clock.now();
    queue.upsert('k', t0, 'first');
    clock.advance(0);
    queue.upsert('k', t0 + 5, 'moved');
    queue.upsert('k', t0, 'same-again');
    runner.runningFor('k').deferred.resolve();
    await settle(clock);
    expect(queue.has('k')).toBe(false);
    clock.advance(60 * SECOND);
    expect(runner.runs).toHaveLength(1);
  });

  it('does not retry a run cancelled while in flight and drops the update it carried', async () => {
    const clock = new FakeClock();
    const failures: RunFailure<string>[] = [];
    const { queue, runner } = controlledQueue(clock, 10, (failure) => failures.push(failure));
    queue.upsert('k', clock.now(), 'first');
    clock.advance(0);
    queue.upsert('k', clock.now() + SECOND, 'update');
    expect(queue.cancel('k')).toBe(false);
    runner.runningFor('k').deferred.reject(new Error('conflict'));
    await settle(clock);
    expect(queue.has('k')).toBe(false);
    clock.advance(3_600 * SECOND);
    expect(runner.runs).toHaveLength(1);
    expect(failures).toEqual([expect.objectContaining({ key: 'k', attempt: 1, retryAt: null, retryDelayMs: null })]);
    expect(queue.stats()).toMatchObject({ scheduled: 0, running: 0, failedRuns: 1 });
  });

  it('lets a replacement that is due wait until the cancelled run of its key has finished', async () => {
    const clock = new FakeClock();
    const { queue, runner } = controlledQueue(clock);
    queue.upsert('k', clock.now(), 'first');
    clock.advance(0);
    queue.cancel('k');
    queue.upsert('k', clock.now(), 'replacement');
    clock.advance(0);
    expect(runner.inFlight()).toHaveLength(1);
    expect(queue.get('k')).toMatchObject({ state: 'scheduled', waitingForStaleRun: true });
    expect(queue.stats()).toMatchObject({ scheduled: 1, running: 1 });
    expect(queue.isRunInFlight('k')).toBe(true);
    runner.runningFor('k').deferred.resolve();
    await settle(clock);
    expect(runner.runningFor('k').payload).toBe('replacement');
    expect(queue.get('k')?.state).toBe('running');
  });

  it('survives a run function that throws synchronously and retries it', async () => {
    const clock = new FakeClock();
    let calls = 0;
    const queue = new TimedQueue<string>({
      clock,
      concurrency: 1,
      run: (): Promise<void> => {
        calls++;
        if (calls === 1) throw new Error('sync boom');
        return Promise.resolve();
      },
    });
    queue.upsert('k', clock.now(), 'p');
    await settle(clock);
    expect(queue.get('k')).toMatchObject({ state: 'scheduled', failures: 1, dueAt: clock.now() + 5 });
    clock.advance(5);
    await settle(clock);
    expect(calls).toBe(2);
    expect(queue.has('k')).toBe(false);
  });

  it('tolerates runs that call back into the queue synchronously', async () => {
    const clock = new FakeClock();
    const started: string[] = [];
    const queue: TimedQueue<string> = new TimedQueue<string>({
      clock,
      concurrency: 2,
      run: async (payload, info: RunInfo) => {
        started.push(payload);
        if (payload === 'a') {
          queue.upsert('b', clock.now(), 'b');
          queue.cancel(info.key);
        }
      },
    });
    queue.upsert('a', clock.now(), 'a');
    await settle(clock);
    expect(started).toEqual(['a', 'b']);
    expect(queue.size).toBe(0);
  });
});

describe('TimedQueue retries', () => {
  it('retries with 5 ms doubling backoff past five attempts, then forgets on success', async () => {
    const clock = new FakeClock();
    const failures: RunFailure<string>[] = [];
    const { queue, runner } = controlledQueue(clock, 1, (failure) => failures.push(failure));
    const t0 = clock.now();
    queue.upsert('k', t0, 'p');
    clock.advance(0);
    const failedAt: number[] = [];
    for (let attempt = 1; attempt <= 8; attempt++) {
      const run = runner.runningFor('k');
      expect(run.info.attempt).toBe(attempt);
      expect(run.info.fireAt).toBe(t0);
      failedAt.push(clock.now());
      run.deferred.reject(new Error(`attempt ${attempt}`));
      await settle(clock);
      const delay = 5 * 2 ** (attempt - 1);
      expect(queue.get('k')).toMatchObject({ state: 'scheduled', failures: attempt, dueAt: clock.now() + delay });
      expect(queue.stats().retrying).toBe(1);
      clock.advance(delay - 1);
      expect(runner.inFlight()).toHaveLength(0);
      clock.advance(1);
    }
    expect(failures.map((f) => f.retryDelayMs)).toEqual([5, 10, 20, 40, 80, 160, 320, 640]);
    expect(failures.map((f) => f.attempt)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    runner.runningFor('k').deferred.resolve();
    await settle(clock);
    expect(queue.stats()).toMatchObject({ scheduled: 0, running: 0, retrying: 0, succeededRuns: 1, failedRuns: 8 });

    // Forgotten on success: the next failure of the same key starts at 5 ms again.
    queue.upsert('k', clock.now(), 'again');
    clock.advance(0);
    runner.runningFor('k').deferred.reject(new Error('again'));
    await settle(clock);
    expect(queue.get('k')).toMatchObject({ failures: 1, dueAt: clock.now() + 5 });
  });

  it('forgets the backoff of a cancelled key, so a re-added entry starts over', async () => {
    const clock = new FakeClock();
    const { queue, runner } = controlledQueue(clock);
    queue.upsert('k', clock.now(), 'p');
    clock.advance(0);
    runner.runningFor('k').deferred.reject(new Error('x'));
    await settle(clock);
    clock.advance(5);
    runner.runningFor('k').deferred.reject(new Error('x'));
    await settle(clock);
    expect(queue.get('k')).toMatchObject({ failures: 2 });
    expect(queue.cancel('k')).toBe(true);
    queue.upsert('k', clock.now(), 'fresh');
    clock.advance(0);
    expect(runner.runningFor('k').info.attempt).toBe(1);
    runner.runningFor('k').deferred.reject(new Error('x'));
    await settle(clock);
    expect(queue.get('k')).toMatchObject({ failures: 1, dueAt: clock.now() + 5 });
  });

  it('caps the retry delay at the configured maximum', async () => {
    const clock = new FakeClock();
    const runner = new ControlledRunner<string>(() => clock.now());
    const queue = new TimedQueue<string>({
      clock,
      concurrency: 1,
      run: runner.run,
      backoff: { baseMs: 5, maxMs: 30 },
      defer: virtualDefer(clock),
    });
    queue.upsert('k', clock.now(), 'p');
    clock.advance(0);
    const delays: number[] = [];
    for (let attempt = 1; attempt <= 6; attempt++) {
      runner.runningFor('k').deferred.reject(new Error('x'));
      await settle(clock);
      const entry = queue.get('k');
      if (entry?.state !== 'scheduled') throw new Error('expected a scheduled retry');
      delays.push(entry.dueAt - clock.now());
      clock.advance(entry.dueAt - clock.now());
    }
    expect(delays).toEqual([5, 10, 20, 30, 30, 30]);
  });

  it('lets an update that arrived during a failed run win: its payload, the later of its time and the backoff', async () => {
    const clock = new FakeClock();
    const { queue, runner } = controlledQueue(clock);
    const t0 = clock.now();

    // Update earlier than the backoff: the retry waits for the backoff, with the new payload.
    queue.upsert('early', t0, 'old');
    clock.advance(0);
    queue.upsert('early', t0 - SECOND, 'new');
    runner.runningFor('early').deferred.reject(new Error('x'));
    // Update later than the backoff: the retry waits for the update's time.
    queue.upsert('late', t0, 'old');
    clock.advance(0);
    queue.upsert('late', t0 + 60 * SECOND, 'new');
    runner.runningFor('late').deferred.reject(new Error('x'));
    await settle(clock);

    expect(queue.get('early')).toMatchObject({ fireAt: t0 - SECOND, dueAt: t0 + 5, payload: 'new', failures: 1 });
    expect(queue.get('late')).toMatchObject({ fireAt: t0 + 60 * SECOND, dueAt: t0 + 60 * SECOND, payload: 'new' });
    clock.advance(5);
    expect(runner.runningFor('early')).toMatchObject({ payload: 'new', info: { attempt: 2, fireAt: t0 - SECOND } });
    clock.advance(60 * SECOND);
    expect(runner.runningFor('late')).toMatchObject({ payload: 'new', startedAt: t0 + 60 * SECOND });
  });

  it('keeps the backoff when a retrying entry is rescheduled to an earlier time', async () => {
    const clock = new FakeClock();
    const { queue, runner } = controlledQueue(clock);
    const t0 = clock.now();
    queue.upsert('k', t0, 'p');
    clock.advance(0);
    runner.runningFor('k').deferred.reject(new Error('x'));
    await settle(clock);
    runner.runs.length = 0;
    expect(queue.upsert('k', t0 - 10 * SECOND, 'q')).toBe('rescheduled');
    expect(queue.get('k')).toMatchObject({ dueAt: t0 + 5, failures: 1 });
    clock.advance(4);
    expect(runner.inFlight()).toHaveLength(0);
    clock.advance(1);
    expect(runner.runningFor('k').payload).toBe('q');
  });
});

describe('TimedQueue timer and concurrency', () => {
  it('keeps one clock timer armed to the earliest entry', () => {
    const clock = new FakeClock();
    const { queue } = controlledQueue(clock);
    const t0 = clock.now();
    for (let i = 0; i < 1_000; i++) queue.upsert(`k${i}`, t0 + 10_000 + i, `p${i}`);
    expect(clock.pending()).toBe(1);
    expect(clock.nextDue()).toBe(t0 + 10_000);
    queue.upsert('early', t0 + 500, 'e');
    expect(clock.pending()).toBe(1);
    expect(queue.nextTimerAt()).toBe(t0 + 500);
    expect(clock.nextDue()).toBe(t0 + 500);
    queue.cancel('early');
    queue.cancel('k0');
    expect(clock.pending()).toBe(1);
    expect(clock.nextDue()).toBe(t0 + 10_001);
    for (let i = 1; i < 1_000; i++) queue.cancel(`k${i}`);
    expect(clock.pending()).toBe(0);
    expect(queue.nextTimerAt()).toBeNull();
  });

  it('setConcurrency: raising starts waiting due entries at once, lowering never interrupts runs', async () => {
    const clock = new FakeClock();
    const { queue, runner } = controlledQueue(clock, 2);
    const t0 = clock.now();
    for (let i = 0; i < 10; i++) queue.upsert(`k${i}`, t0, `p${i}`);
    clock.advance(0);
    expect(runner.inFlightKeys()).toEqual(['k0', 'k1']);
    queue.setConcurrency(5);
    clock.advance(0);
    expect(runner.inFlightKeys()).toEqual(['k0', 'k1', 'k2', 'k3', 'k4']);
    queue.setConcurrency(1);
    // The five in flight keep running; nothing new starts until fewer than one is left.
    expect(runner.inFlight()).toHaveLength(5);
    for (const run of runner.inFlight().slice(0, 4)) run.deferred.resolve();
    await settle(clock);
    expect(runner.inFlightKeys()).toEqual(['k4']);
    runner.runningFor('k4').deferred.resolve();
    await settle(clock);
    expect(runner.inFlightKeys()).toEqual(['k5']);
    expect(() => queue.setConcurrency(0)).toThrow(RangeError);
  });

  it('runs at most N at once; 1,000 due entries start in fire-time order as runs finish', async () => {
    const clock = new FakeClock();
    const concurrency = 7;
    const { queue, runner } = controlledQueue(clock, concurrency);
    const t0 = clock.now();
    // Entries due on arrival start at once while there is capacity: fill it first, so that every one of
    // the 1,000 has to wait for a slot.
    const expectedOrder: string[] = [];
    for (let i = 0; i < concurrency; i++) {
      queue.upsert(`blocker${i}`, t0, 'blocker');
      expectedOrder.push(`blocker${i}`);
    }
    clock.advance(0);
    // Fire times in the past, inserted in a scrambled order (i * 389 mod 1000 is a permutation).
    for (let i = 0; i < 1_000; i++) expectedOrder.push(`k${i}`);
    for (let i = 0; i < 1_000; i++) {
      const n = (i * 389) % 1_000;
      queue.upsert(`k${n}`, t0 - 1_000 + n, `p${n}`);
    }
    let maxInFlight = 0;
    while (runner.runs.length < 1_000 + concurrency || runner.inFlight().length > 0) {
      const inFlight = runner.inFlight();
      maxInFlight = Math.max(maxInFlight, inFlight.length);
      expect(inFlight.length).toBeLessThanOrEqual(concurrency);
      expect(queue.stats().running).toBe(inFlight.length);
      // Saturated: nothing to wake up for, a finishing run starts the next one.
      if (inFlight.length === concurrency) expect(clock.pending()).toBe(0);
      // Finish a varying number per round so the queue refills from partial capacity.
      for (const run of inFlight.slice(0, 1 + (runner.runs.length % concurrency))) run.deferred.resolve();
      await settle(clock);
    }
    expect(maxInFlight).toBe(concurrency);
    expect(runner.startedKeys()).toEqual(expectedOrder);
    expect(queue.size).toBe(0);
    expect(queue.stats().succeededRuns).toBe(1_000 + concurrency);
  });

  it('re-arms the timer after a saturated queue frees capacity', async () => {
    const clock = new FakeClock();
    const { queue, runner } = controlledQueue(clock, 1);
    const t0 = clock.now();
    queue.upsert('a', t0, 'a');
    queue.upsert('b', t0 + 100, 'b');
    clock.advance(0);
    expect(runner.inFlight().map((run) => run.payload)).toEqual(['a']);
    expect(clock.pending()).toBe(0);
    clock.advance(200);
    expect(runner.inFlight().map((run) => run.payload)).toEqual(['a']);
    runner.runningFor('a').deferred.resolve();
    await settle(clock);
    expect(runner.runningFor('b').startedAt).toBe(t0 + 200);
    queue.upsert('c', t0 + 1_000, 'c');
    expect(clock.pending()).toBe(0);
    runner.runningFor('b').deferred.resolve();
    await settle(clock);
    expect(clock.nextDue()).toBe(t0 + 1_000);
  });
});

describe('TimedQueue drain', () => {
  it('stops starting runs and resolves once the runs in flight finish', async () => {
    const clock = new FakeClock();
    const { queue, runner } = controlledQueue(clock, 2);
    const t0 = clock.now();
    queue.upsert('a', t0, 'a');
    queue.upsert('b', t0 + 10, 'b');
    clock.advance(0);
    let drained: boolean | null = null;
    void queue.drain(60 * SECOND).then((finished) => {
      drained = finished;
    });
    expect(queue.nextTimerAt()).toBeNull();
    clock.advance(20);
    queue.upsert('c', t0, 'c');
    expect(runner.inFlight().map((run) => run.payload)).toEqual(['a']);
    await settle(clock);
    expect(drained).toBeNull();
    runner.runningFor('a').deferred.resolve();
    await settle(clock);
    expect(drained).toBe(true);
    expect(runner.runs).toHaveLength(1);
    expect(queue.stats().scheduled).toBe(2);
    expect(clock.pending()).toBe(0);
  });

  it('gives up waiting after the timeout', async () => {
    const clock = new FakeClock();
    const { queue, runner } = controlledQueue(clock);
    queue.upsert('a', clock.now(), 'a');
    clock.advance(0);
    let drained: boolean | null = null;
    void queue.drain(1_000).then((finished) => {
      drained = finished;
    });
    clock.advance(999);
    await settle(clock);
    expect(drained).toBeNull();
    clock.advance(1);
    await settle(clock);
    expect(drained).toBe(false);
    expect(runner.inFlight()).toHaveLength(1);
    expect(await queue.drain(0)).toBe(false);
  });

  it('resolves at once when nothing is in flight', async () => {
    const clock = new FakeClock();
    const { queue } = controlledQueue(clock);
    expect(await queue.drain(1_000)).toBe(true);
  });
});

it('rejects an invalid concurrency', () => {
  const clock = new FakeClock();
  expect(() => new TimedQueue<string>({ clock, concurrency: 0, run: async () => {} })).toThrow(RangeError);
});

describe('TimedQueue on the real clock', () => {
  it('fires through the real timer (condition wait with a deadline, no sleep)', async () => {
    const clock = new RealClock();
    const started: number[] = [];
    const queue = new TimedQueue<string>({
      clock,
      concurrency: 1,
      run: async () => {
        started.push(clock.now());
      },
    });
    const fireAt = clock.now() + 20;
    queue.upsert('k', fireAt, 'p');
    queue.upsert('never', clock.now() + 3_600_000, 'p');
    await waitFor(
      () => started.length === 1,
      5_000,
      () => 'the timed run',
    );
    expect(started[0]).toBeGreaterThanOrEqual(fireAt);
    // Leave no real timer behind.
    queue.cancel('never');
    expect(queue.nextTimerAt()).toBeNull();
  });
});
