// One watch connection: lines of one network chunk bracketed as one burst, a line the caller rejects
// ends the watch as failed, a silent watch ends as silent once the deadline passes since the last line,
// and a watch that closes at once without any event counts as a failure.

import { describe, expect, it } from 'vitest';
import { ApiError } from '../../src/kube/apiClient.js';
import { streamWatch, type WatchEnd } from '../../src/kube/watchStream.js';
import { FakeClock } from '../../src/shared/clock.js';
import { FakeReadTransport } from './reflector.fakeTransport.js';

function open(onLine: (line: string) => unknown = () => null, minHealthyWatchMs = 1_000) {
  const transport = new FakeReadTransport();
  const clock = new FakeClock(0);
  const controller = new AbortController();
  const bursts: string[] = [];
  const ended = streamWatch({
    transport,
    path: '/api/v1/pods',
    query: { watch: 'true' },
    controller,
    clock,
    silentWatchMs: 60_000,
    minHealthyWatchMs,
    burst: { begin: () => bursts.push('begin'), end: () => bursts.push('end') },
    onLine: (line) => {
      bursts.push(line);
      return onLine(line);
    },
  });
  return { transport, clock, controller, bursts, ended };
}

const microtask = () => new Promise<void>((resolve) => queueMicrotask(resolve));

describe('streamWatch', () => {
  it('brackets the lines of one chunk as one burst, and ends as closed when the server closes', async () => {
    const w = open();
    w.clock.advance(5_000);
    w.transport.lastWatch.line('a');
    w.transport.lastWatch.line('b');
    await microtask();
    w.transport.lastWatch.line('c');
    await microtask();
    w.transport.lastWatch.close();
    expect(await w.ended).toEqual({ kind: 'closed' });
    expect(w.bursts).toEqual(['begin', 'a', 'b', 'end', 'begin', 'c', 'end']);
  });

  it('ends as failed with the error a line is rejected with, and aborts the request', async () => {
    const bad = new ApiError(410, 'Expired', 'too old');
    const w = open((line) => (line === 'gone' ? bad : null));
    w.transport.lastWatch.line('ok');
    w.transport.lastWatch.line('gone');
    expect(await w.ended).toEqual({ kind: 'failed', err: bad });
    expect(w.controller.signal.aborted).toBe(true);
  });

  it('ends as silent when nothing arrives for the silence deadline, counted from the last line', async () => {
    const w = open();
    w.clock.advance(50_000);
    w.transport.lastWatch.line('bookmark');
    w.clock.advance(59_999);
    expect(w.transport.lastWatch.ended).toBe(false);
    w.clock.advance(1);
    expect(await w.ended).toEqual({ kind: 'silent' });
  });

  it('counts a watch that closes at once without events as failed, and a broken stream as failed', async () => {
    const quick = open();
    quick.transport.lastWatch.close();
    const end: WatchEnd = await quick.ended;
    expect(end.kind).toBe('failed');
    const broken = open(() => null, 0);
    const cause = new ApiError(0, 'ECONNRESET', 'reset');
    broken.transport.lastWatch.fail(cause);
    expect(await broken.ended).toEqual({ kind: 'failed', err: cause });
  });
});
