// The load generator's list-then-watch loop: ready after the first list, resume from the last
// resourceVersion after a normal close, relist after 410, give up (rejecting ready) only when the first
// list fails, and stop for good when stopped.

import { afterEach, describe, expect, it } from 'vitest';
import type { ListResult, LoadCluster, WatchEvent } from '../../src/load/cluster.js';
import { startWatchLoop, type WatchLoop } from '../../src/load/watchLoop.js';
import { silentLogger } from '../../src/shared/logger.js';
import { waitFor } from '../support/waitFor.js';

interface OpenWatch {
  readonly query: Readonly<Record<string, string | number | boolean>>;
  readonly onEvent: (event: WatchEvent) => void;
  readonly onDone: (err: unknown) => void;
  stopped: boolean;
}

function setup(lists: (() => ListResult)[]) {
  const watches: OpenWatch[] = [];
  const listed: (readonly unknown[])[] = [];
  const events: string[] = [];
  const cluster = {
    watch: async (
      _path: string,
      query: OpenWatch['query'],
      onEvent: OpenWatch['onEvent'],
      onDone: OpenWatch['onDone'],
    ) => {
      const w: OpenWatch = { query, onEvent, onDone, stopped: false };
      watches.push(w);
      return {
        stop: () => {
          w.stopped = true;
        },
      };
    },
  } as Partial<LoadCluster> as LoadCluster;
  let calls = 0;
  const loop = startWatchLoop(cluster, {
    path: '/api/v1/pods',
    list: async () => {
      const next = lists[Math.min(calls, lists.length - 1)]!;
      calls++;
      return next();
    },
    onList: (items) => listed.push(items),
    onEvent: (e) => events.push(`${e.type} ${JSON.stringify(e.object)}`),
    log: silentLogger,
  });
  return { loop, watches, listed, events, lists: () => calls };
}

const pod = (name: string, rv: string) => ({ metadata: { name, resourceVersion: rv } });
let running: WatchLoop | null = null;
afterEach(() => running?.stop());

describe('startWatchLoop', () => {
  it('lists, then watches from the list’s resourceVersion, and resumes from the last one seen', async () => {
    const s = setup([() => ({ items: [pod('a', '5')], resourceVersion: '10' })]);
    running = s.loop;
    await s.loop.ready;
    await waitFor(() => s.watches.length === 1);
    expect(s.listed).toEqual([[pod('a', '5')]]);
    expect(s.watches[0]?.query.resourceVersion).toBe('10');
    s.watches[0]?.onEvent({ type: 'ADDED', object: pod('b', '11') });
    s.watches[0]?.onEvent({ type: 'BOOKMARK', object: pod('', '12') });
    s.watches[0]?.onDone(null);
    await waitFor(() => s.watches.length === 2, 2_000);
    expect(s.watches[1]?.query.resourceVersion).toBe('12');
    expect(s.lists()).toBe(1);
    expect(s.events).toEqual([`ADDED ${JSON.stringify(pod('b', '11'))}`]);
  });

  it('relists after a 410 Gone', async () => {
    const s = setup([
      () => ({ items: [], resourceVersion: '10' }),
      () => ({ items: [pod('a', '20')], resourceVersion: '20' }),
    ]);
    running = s.loop;
    await s.loop.ready;
    await waitFor(() => s.watches.length === 1);
    s.watches[0]?.onEvent({ type: 'ERROR', object: { code: 410 } });
    s.watches[0]?.onDone(null);
    await waitFor(() => s.watches.length === 2, 2_000);
    expect(s.lists()).toBe(2);
    expect(s.listed[1]).toEqual([pod('a', '20')]);
    expect(s.watches[1]?.query.resourceVersion).toBe('20');
  });

  it('rejects ready when the first list fails, and opens no watch', async () => {
    const s = setup([
      () => {
        throw new Error('forbidden');
      },
    ]);
    await expect(s.loop.ready).rejects.toThrow('forbidden');
    expect(s.watches).toEqual([]);
  });

  it('stops the open watch and reconnects no more once stopped', async () => {
    const s = setup([() => ({ items: [], resourceVersion: '1' })]);
    await s.loop.ready;
    await waitFor(() => s.watches.length === 1);
    s.loop.stop();
    expect(s.watches[0]?.stopped).toBe(true);
    s.watches[0]?.onDone(new Error('closed'));
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(s.watches).toHaveLength(1);
  });
});
