// The blast-radius breaker's shared state: counting in a sliding window, opening exactly at the limit,
// holding while open, and a reset that releases what was held and counts afresh.

import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { EvictionBreaker } from '../../src/shared/evictionBreaker.js';

const T0 = Date.UTC(2030, 0, 1);
const MIN = 60_000;

describe('EvictionBreaker', () => {
  it('starts evictions up to the limit, opens on the one that would exceed it, then holds everything', () => {
    const b = new EvictionBreaker(EvictionBreaker.createSpec(10 * MIN, T0));
    b.setLimit(3);
    expect([1, 2, 3].map((i) => b.tryStart(T0 + i, T0))).toEqual(['counted', 'counted', 'counted']);
    expect(b.tryStart(T0 + 4, T0)).toBe('opened');
    expect(b.isOpen()).toBe(true);
    expect(b.openedAt()).toBe(T0 + 4);
    expect(b.tryStart(T0 + 5, T0)).toBe('hold');
    expect(b.countAt(T0 + 5)).toBe(3);
  });

  it('forgets evictions once they fall out of the window (a slot late at most)', () => {
    const b = new EvictionBreaker(EvictionBreaker.createSpec(10 * MIN, T0));
    b.setLimit(2);
    expect(b.tryStart(T0, T0)).toBe('counted');
    expect(b.tryStart(T0 + MIN, T0)).toBe('counted');
    expect(b.countAt(T0 + 9 * MIN)).toBe(2);
    // Eleven minutes on, the first is out; 10 s slots, so it may linger one slot past the window.
    expect(b.countAt(T0 + 10 * MIN + 10_001)).toBe(1);
    expect(b.tryStart(T0 + 10 * MIN + 10_001, T0)).toBe('counted');
    expect(b.countAt(T0 + 25 * MIN)).toBe(0);
  });

  it('gives back the count of a start that did nothing, in the slot it was counted in; never below zero', () => {
    const b = new EvictionBreaker(EvictionBreaker.createSpec(10 * MIN, T0));
    b.setLimit(2);
    expect(b.tryStart(T0, T0)).toBe('counted');
    expect(b.tryStart(T0 + MIN, T0)).toBe('counted');
    b.uncount(T0);
    expect(b.countAt(T0 + MIN)).toBe(1);
    expect(b.tryStart(T0 + MIN + 1, T0)).toBe('counted');
    expect(b.tryStart(T0 + MIN + 2, T0)).toBe('opened');
    // A slot that turned over (its start is out of the window) keeps the newer period's count.
    b.reset(T0 + 2 * MIN, true);
    expect(b.tryStart(T0 + 20 * MIN, T0 + 20 * MIN)).toBe('counted');
    b.uncount(T0 + 20 * MIN - 10 * MIN);
    expect(b.countAt(T0 + 20 * MIN)).toBe(1);
    b.uncount(T0 + 20 * MIN);
    b.uncount(T0 + 20 * MIN);
    expect(b.countAt(T0 + 20 * MIN)).toBe(0);
  });

  it('without a limit never counts or opens', () => {
    const b = new EvictionBreaker(EvictionBreaker.createSpec(MIN, T0));
    for (let i = 0; i < 1_000; i++) expect(b.tryStart(T0 + i, T0)).toBe('start');
    expect(b.isOpen()).toBe(false);
  });

  it("an operator's reset releases what was due by then, uncounted, and counts afresh after it", () => {
    const b = new EvictionBreaker(EvictionBreaker.createSpec(10 * MIN, T0));
    b.setLimit(1);
    expect(b.tryStart(T0, T0)).toBe('counted');
    expect(b.tryStart(T0 + 1, T0)).toBe('opened');
    b.reset(T0 + MIN, true);
    expect(b.isOpen()).toBe(false);
    // Held while open (due before the reset): all released, none counted.
    for (let i = 0; i < 50; i++) expect(b.tryStart(T0 + MIN + i, T0 + 1)).toBe('start');
    expect(b.countAt(T0 + MIN + 100)).toBe(0);
    // Due after the reset: counted from zero.
    expect(b.tryStart(T0 + 2 * MIN, T0 + 2 * MIN)).toBe('counted');
    expect(b.tryStart(T0 + 2 * MIN + 1, T0 + 2 * MIN)).toBe('opened');
  });

  it('the auto-reset releases nothing uncounted: what was held counts in the fresh window and opens it again', () => {
    const b = new EvictionBreaker(EvictionBreaker.createSpec(10 * MIN, T0));
    b.setLimit(2);
    expect(b.tryStart(T0, T0)).toBe('counted');
    expect(b.tryStart(T0 + 1, T0)).toBe('counted');
    expect(b.tryStart(T0 + 2, T0)).toBe('opened');
    b.reset(T0 + MIN, false);
    expect(b.isOpen()).toBe(false);
    expect(b.countAt(T0 + MIN)).toBe(0);
    // A runaway's held evictions, all due before the reset: two start (counted), then it opens again.
    expect(b.tryStart(T0 + MIN + 1, T0 + 2)).toBe('counted');
    expect(b.tryStart(T0 + MIN + 2, T0 + 2)).toBe('counted');
    expect(b.tryStart(T0 + MIN + 3, T0 + 2)).toBe('opened');
    expect(b.tryStart(T0 + MIN + 4, T0 + 2)).toBe('hold');
    expect(b.openedAt()).toBe(T0 + MIN + 3);
  });

  it('never lets threads together start more than the limit', async () => {
    const spec = EvictionBreaker.createSpec(10 * MIN);
    const b = new EvictionBreaker(spec);
    b.setLimit(500);
    // Four threads racing over the same words; each counts what it started.
    const source = `
      const { workerData, parentPort } = require('node:worker_threads');
      import('tsx/esm/api').then(({ register }) => { register(); return import(workerData.url); }).then(({ EvictionBreaker }) => {
        const b = new EvictionBreaker(workerData.spec);
        let started = 0;
        for (let i = 0; i < 400; i++) if (b.tryStart(Date.now(), Date.now()) === 'counted') started++;
        parentPort.postMessage(started);
      });`;
    const url = new URL('../../src/shared/evictionBreaker.ts', import.meta.url).href;
    const workers = Array.from({ length: 4 }, () => new Worker(source, { eval: true, workerData: { spec, url } }));
    const counts = await Promise.all(
      workers.map(
        (w) =>
          new Promise<number>((resolve, reject) => {
            w.once('message', resolve);
            w.once('error', reject);
          }),
      ),
    );
    await Promise.all(workers.map((w) => w.terminate()));
    const total = counts.reduce((a, c) => a + c, 0);
    expect(total).toBeLessThanOrEqual(500);
    expect(total).toBeGreaterThanOrEqual(497);
    expect(b.isOpen()).toBe(true);
  });
});
