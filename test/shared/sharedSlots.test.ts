// The process-wide bound on evictions in flight: several queues (as in several worker threads) share
// `--concurrent-device-taint-eviction-syncs` slots; a queue that finds none waits to be told, no spin.

import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/shared/clock.js';
import { SharedSlots } from '../../src/shared/sharedSlots.js';
import { TimedQueue } from '../../src/workers/timedQueue.js';
import { waitFor } from '../support/waitFor.js';
import { ControlledRunner, settle, virtualDefer } from '../workers/helpers.js';

describe('SharedSlots', () => {
  it('hands out at most `limit` slots and takes them back', () => {
    const slots = new SharedSlots(SharedSlots.createSpec(2));
    expect([slots.tryAcquire(), slots.tryAcquire(), slots.tryAcquire()]).toEqual([true, true, false]);
    expect(slots.inUse()).toBe(2);
    slots.release();
    expect(slots.tryAcquire()).toBe(true);
    expect(() => SharedSlots.createSpec(0)).toThrow(RangeError);
  });

  it('wakes a waiter when a slot frees, and when the limit is raised', async () => {
    const spec = SharedSlots.createSpec(1);
    const slots = new SharedSlots(spec);
    expect(slots.tryAcquire()).toBe(true);
    let woken = 0;
    slots.whenFree(() => woken++);
    await new Promise((r) => setImmediate(r));
    expect(woken).toBe(0);
    new SharedSlots(spec).release();
    await waitFor(
      () => woken === 1,
      2_000,
      () => 'woken by a release',
    );
    expect(slots.tryAcquire()).toBe(true);
    slots.whenFree(() => woken++);
    new SharedSlots(spec).setLimit(2);
    await waitFor(
      () => woken === 2,
      2_000,
      () => 'woken by a raised limit',
    );
    expect(slots.tryAcquire()).toBe(true);
  });

  it('is one bound across threads: a slot released in another thread wakes this one', async () => {
    const spec = SharedSlots.createSpec(1);
    const slots = new SharedSlots(spec);
    expect(slots.tryAcquire()).toBe(true);
    let woken = false;
    slots.whenFree(() => {
      woken = true;
    });
    // Another thread sees the slot taken, then gives it back.
    const worker = new Worker(
      `const { workerData, parentPort } = require('node:worker_threads');
       const a = new Int32Array(workerData.buffer, 0, 2);
       parentPort.postMessage(Atomics.load(a, 0));
       Atomics.sub(a, 0, 1); Atomics.notify(a, 0);`,
      { eval: true, workerData: spec },
    );
    const seen = await new Promise<number>((resolve) => worker.once('message', resolve));
    expect(seen).toBe(1);
    await waitFor(
      () => woken,
      2_000,
      () => 'woken by the other thread',
    );
    await worker.terminate();
    expect(slots.inUse()).toBe(0);
  });

  it('loses no wake-up across threads though a release notifies only when someone waits', async () => {
    const spec = SharedSlots.createSpec(1);
    // Three threads contend for one slot, each 300 times, waiting with whenFree when it is taken and
    // holding it for a timer's turn. A lost wake-up leaves a thread waiting forever.
    const source = `
      const { workerData, parentPort } = require('node:worker_threads');
      import('tsx/esm/api').then(({ register }) => { register(); return import(workerData.url); }).then(({ SharedSlots }) => {
        const slots = new SharedSlots(workerData.spec);
        let done = 0, waits = 0, over = 0;
        const next = () => {
          if (done === 300) return parentPort.postMessage({ done, waits, over });
          if (!slots.tryAcquire()) { waits++; return slots.whenFree(next); }
          if (slots.inUse() > 1) over++;
          setTimeout(() => { done++; slots.release(); next(); }, 1);
        };
        parentPort.postMessage('ready');
        // A pending Atomics.waitAsync does not keep a thread alive; a listening port does (as in workerMain).
        parentPort.on('message', next);
      });`;
    const url = new URL('../../src/shared/sharedSlots.ts', import.meta.url).href;
    const workers = Array.from({ length: 3 }, () => new Worker(source, { eval: true, workerData: { spec, url } }));
    // All three start together once each has loaded the module.
    await Promise.all(workers.map((w) => new Promise((resolve) => w.once('message', resolve))));
    for (const w of workers) w.postMessage('go');
    const results = await Promise.all(
      workers.map(
        (w) =>
          new Promise<{ done: number; waits: number; over: number }>((resolve, reject) => {
            const timer = setTimeout(() => reject(new Error('a thread never got its slot back: lost wake-up')), 30_000);
            w.once('message', (m: { done: number; waits: number; over: number }) => {
              clearTimeout(timer);
              resolve(m);
            });
            w.once('error', reject);
            w.once('exit', () => reject(new Error('a thread exited before it finished')));
          }),
      ),
    );
    await Promise.all(workers.map((w) => w.terminate()));
    expect(results.map((r) => r.done)).toEqual([300, 300, 300]);
    expect(results.reduce((n, r) => n + r.over, 0)).toBe(0);
    // They really contended (otherwise the test says nothing about wake-ups).
    expect(results.reduce((n, r) => n + r.waits, 0)).toBeGreaterThan(0);
    expect(new SharedSlots(spec).inUse()).toBe(0);
  });

  it('two queues sharing 3 slots never run more than 3 at once, and use them all', async () => {
    const clock = new FakeClock();
    const slots = new SharedSlots(SharedSlots.createSpec(3));
    const runners = [new ControlledRunner<string>(() => clock.now()), new ControlledRunner<string>(() => clock.now())];
    const queues = runners.map(
      (runner) =>
        new TimedQueue<string>({ clock, concurrency: 10, run: runner.run, defer: virtualDefer(clock), slots }),
    );
    for (let i = 0; i < 5; i++) for (const [q, queue] of queues.entries()) queue.upsert(`${q}-${i}`, clock.now(), 'p');
    await settle(clock);
    const inFlight = () => runners.reduce((n, r) => n + r.inFlight().length, 0);
    expect(inFlight()).toBe(3);
    expect(slots.inUse()).toBe(3);
    // Finishing runs lets the waiting ones start, in whichever queue: the freed slot wakes them.
    for (let round = 0; round < 20 && runners.reduce((n, r) => n + r.runs.length, 0) < 10; round++) {
      runners.flatMap((r) => r.inFlight())[0]?.deferred.resolve();
      await settle(clock);
      await new Promise((r) => setImmediate(r)); // the waitAsync wake-up, then the pump it asks for
      await settle(clock);
      expect(inFlight()).toBeLessThanOrEqual(3);
      expect(slots.inUse()).toBe(inFlight());
    }
    for (const run of runners.flatMap((r) => r.inFlight())) run.deferred.resolve();
    await settle(clock);
    expect(slots.inUse()).toBe(0);
    expect(runners.map((r) => r.runs.length)).toEqual([5, 5]);
  });
});
