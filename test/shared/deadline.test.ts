// deadlineSignal: AbortSignal.any([parent, AbortSignal.timeout(ms)]) without their cost — the same
// aborts, with the same reasons, and nothing left behind after dispose().

import { describe, expect, it } from 'vitest';
import { deadlineSignal } from '../../src/shared/deadline.js';

const abortedWith = (signal: AbortSignal): Promise<unknown> =>
  new Promise((resolve) => signal.addEventListener('abort', () => resolve(signal.reason), { once: true }));

describe('deadlineSignal', () => {
  it('aborts after the time with the reason AbortSignal.timeout gives', async () => {
    const { signal } = deadlineSignal(10);
    const [ours, node] = await Promise.all([abortedWith(signal), abortedWith(AbortSignal.timeout(10))]);
    expect(ours).toBeInstanceOf(DOMException);
    expect((ours as DOMException).name).toBe('TimeoutError');
    expect((ours as DOMException).name).toBe((node as DOMException).name);
    expect((ours as DOMException).message).toBe((node as DOMException).message);
  });

  it('aborts with the parent’s reason when the parent aborts first', async () => {
    const parent = new AbortController();
    const { signal } = deadlineSignal(60_000, parent.signal);
    const reason = new Error('leadership lost');
    parent.abort(reason);
    expect(signal.aborted).toBe(true);
    expect(signal.reason).toBe(reason);
    expect(AbortSignal.any([parent.signal]).reason).toBe(reason);
  });

  it('starts aborted when the parent already is', () => {
    const parent = new AbortController();
    parent.abort('gone');
    const { signal, dispose } = deadlineSignal(60_000, parent.signal);
    expect(signal.aborted).toBe(true);
    expect(signal.reason).toBe('gone');
    dispose();
  });

  it('after dispose neither the time nor the parent aborts it', async () => {
    const parent = new AbortController();
    const { signal, dispose } = deadlineSignal(5, parent.signal);
    dispose();
    await new Promise((resolve) => setTimeout(resolve, 30));
    parent.abort(new Error('later'));
    expect(signal.aborted).toBe(false);
  });

  it('does not keep the process alive (an unref’d timer, like AbortSignal.timeout)', () => {
    // hasRef is on the Timeout; reach it through a deadline that is not disposed.
    const realSetTimeout = globalThis.setTimeout;
    let timer: NodeJS.Timeout | undefined;
    globalThis.setTimeout = ((fn: () => void, ms: number) => {
      timer = realSetTimeout(fn, ms);
      return timer;
    }) as typeof setTimeout;
    try {
      deadlineSignal(60_000).dispose();
    } finally {
      globalThis.setTimeout = realSetTimeout;
    }
    expect(timer?.hasRef()).toBe(false);
  });
});
