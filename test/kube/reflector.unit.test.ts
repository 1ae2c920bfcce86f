// Reflector behaviour against a scripted transport in virtual time: every backoff, watchdog and
// relist is driven by FakeClock, so nothing here depends on real timing.

import { afterEach, describe, expect, it } from 'vitest';
import { ApiError } from '../../src/kube/apiClient.js';
import { Reflector, type ReflectorOptions } from '../../src/kube/reflector.js';
import { podsResource } from '../../src/kube/resources.js';
import { FakeClock } from '../../src/shared/clock.js';
import { RecordingLogger } from '../../src/shared/logger.js';
import type { PodRecord } from '../../src/shared/types.js';
import { waitFor } from '../support/waitFor.js';
import { FakeReadTransport, httpError } from './reflector.fakeTransport.js';

const podObj = (name: string, rv: string, nodeName = 'n1') => ({
  metadata: { name, namespace: 'ns', uid: `uid-${name}`, resourceVersion: rv },
  spec: { nodeName },
});

type Ev = [string, string, string?];

function recorder() {
  const events: Ev[] = [];
  return {
    events,
    handlers: {
      added: (p: PodRecord) => events.push(['added', p.name]),
      updated: (o: PodRecord, c: PodRecord) =>
        events.push(['updated', `${o.name}@${o.resourceVersion}`, c.resourceVersion]),
      deleted: (p: PodRecord) => events.push(['deleted', p.name]),
    },
  };
}

describe('Reflector (scripted transport, virtual time)', () => {
  const reflectors: Reflector<PodRecord>[] = [];
  afterEach(async () => {
    await Promise.all(reflectors.map((r) => r.stop()));
    reflectors.length = 0;
  });

  function setup(extra: Partial<ReflectorOptions<PodRecord>> = {}) {
    const transport = new FakeReadTransport();
    const clock = new FakeClock();
    const log = new RecordingLogger();
    const rec = recorder();
    const reflector = new Reflector<PodRecord>({
      transport,
      resource: podsResource,
      handlers: rec.handlers,
      clock,
      log,
      random: () => 0,
      pageSize: 2,
      ...extra,
    });
    reflectors.push(reflector);
    return { transport, clock, log, reflector, events: rec.events };
  }

  it('lists page by page, syncs, then watches from the list resourceVersion with bookmarks', async () => {
    const { transport, reflector, events } = setup();
    transport.onList = (q) => {
      const pages: Record<string, unknown> = {
        '': { metadata: { resourceVersion: '10', continue: 'p2' }, items: [podObj('a', '1'), podObj('b', '2')] },
        p2: { metadata: { resourceVersion: '10', continue: 'p3' }, items: [podObj('c', '3'), podObj('d', '4')] },
        p3: { metadata: { resourceVersion: '10' }, items: [podObj('e', '5')] },
      };
      return pages[q.continue ?? ''];
    };
    expect(reflector.hasSynced()).toBe(false);
    reflector.start();
    await reflector.synced;
    expect(reflector.hasSynced()).toBe(true);
    expect(transport.listQueries).toEqual([
      { limit: '2' },
      { limit: '2', continue: 'p2' },
      { limit: '2', continue: 'p3' },
    ]);
    expect(events.map((e) => e[1])).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(reflector.size).toBe(5);
    expect(reflector.get('ns/c')?.uid).toBe('uid-c');
    expect(reflector.lastSyncResourceVersion).toBe('10');
    await waitFor(() => transport.watches.length === 1);
    expect(transport.lastWatch.query).toMatchObject({
      watch: 'true',
      allowWatchBookmarks: 'true',
      resourceVersion: '10',
      timeoutSeconds: '300',
    });
    expect(reflector.counters).toMatchObject({ lists: 1, relists: 0, listPages: 3, watchStarts: 1 });
  });

  it('applies watch events with old/new pairs, tracks bookmarks and ignores replays', async () => {
    const { transport, reflector, events } = setup();
    reflector.start();
    await waitFor(() => transport.watches.length === 1);
    const w = transport.lastWatch;
    w.send('ADDED', podObj('a', '11'));
    w.send('MODIFIED', podObj('a', '12', 'n2'));
    w.send('ADDED', podObj('a', '12', 'n2')); // same resourceVersion: a replay, not a change
    w.send('BOOKMARK', { metadata: { resourceVersion: '20' } });
    expect(reflector.lastSyncResourceVersion).toBe('20');
    w.send('DELETED', { metadata: { name: 'a', namespace: 'ns', resourceVersion: '21' } });
    w.send('DELETED', podObj('never-seen', '22'));
    expect(events).toEqual([
      ['added', 'a'],
      ['updated', 'a@11', '12'],
      ['deleted', 'a'],
    ]);
    expect(reflector.size).toBe(0);
    expect(reflector.lastSyncResourceVersion).toBe('22');
    expect(reflector.counters.bookmarks).toBe(1);
  });

  it('the deleted handler receives the stored projection, even for a bare tombstone', async () => {
    const { transport, reflector } = setup();
    const deleted: PodRecord[] = [];
    reflector.addEventHandler({ deleted: (p) => deleted.push(p) });
    reflector.start();
    await waitFor(() => transport.watches.length === 1);
    transport.lastWatch.send('ADDED', podObj('a', '11', 'node-x'));
    transport.lastWatch.send('DELETED', { metadata: { name: 'a', namespace: 'ns' } });
    expect(deleted).toHaveLength(1);
    expect(deleted[0]).toMatchObject({ name: 'a', nodeName: 'node-x', resourceVersion: '11' });
  });

  it('resumes from the last resourceVersion after a normal close, without relisting', async () => {
    const { transport, reflector, clock } = setup();
    reflector.start();
    await waitFor(() => transport.watches.length === 1);
    transport.lastWatch.send('ADDED', podObj('a', '15'));
    clock.advance(5_000); // a watch that lived a while is healthy: no backoff
    transport.lastWatch.close();
    await waitFor(() => transport.watches.length === 2);
    expect(transport.lastWatch.query.resourceVersion).toBe('15');
    expect(transport.listQueries).toHaveLength(1);
    expect(reflector.counters.watchRestarts).toBe(1);
  });

  it('410 as an ERROR event relists: updates and adds in list order first, then deletes for vanished objects', async () => {
    const { transport, reflector, events, clock } = setup();
    transport.onList = () => ({
      metadata: { resourceVersion: '10' },
      items: [podObj('keep', '1'), podObj('change', '2'), podObj('vanish', '3')],
    });
    reflector.start();
    await waitFor(() => transport.watches.length === 1);
    events.length = 0;
    transport.onList = () => ({
      metadata: { resourceVersion: '50' },
      items: [podObj('keep', '1'), podObj('change', '40'), podObj('new', '41')],
    });
    clock.advance(60_000); // the watch ran a while: its 410 is answered by an immediate relist
    transport.lastWatch.send('ERROR', {
      kind: 'Status',
      code: 410,
      reason: 'Expired',
      message: 'too old resource version',
    });
    await waitFor(() => transport.watches.length === 2);
    // client-go's DeltaFIFO.Replace order (see src/kube/reflector.ts): the listed objects, then the
    // deletions of those missing from the list; the unchanged object produces nothing.
    expect(events).toEqual([
      ['updated', 'change@2', '40'],
      ['added', 'new'],
      ['deleted', 'vanish'],
    ]);
    expect(transport.lastWatch.query.resourceVersion).toBe('50');
    expect(reflector.counters).toMatchObject({ lists: 2, relists: 1, goneErrors: 1, errors: 0 });
  });

  it('410 as an HTTP status on the watch request relists at once; a 410 right after a list backs off', async () => {
    const { transport, reflector, clock } = setup();
    reflector.start();
    await waitFor(() => transport.watches.length === 1);
    clock.advance(2_000);
    transport.watchError = httpError(410, 'Expired');
    transport.lastWatch.close();
    // The reconnect is refused with 410: relist immediately (no virtual time passes).
    await waitFor(() => transport.listQueries.length === 2);
    // The watch after that relist is refused with 410 again: relisting at once would only repeat it.
    await waitFor(() => reflector.counters.goneErrors === 2);
    await new Promise((r) => setImmediate(r));
    expect(transport.listQueries).toHaveLength(2);
    transport.watchError = null;
    clock.advance(800);
    await waitFor(() => transport.watches.length === 2);
    expect(transport.listQueries).toHaveLength(3);
    expect(reflector.counters).toMatchObject({ relists: 2, errors: 0 });
  });

  it('backs off exponentially with jitter on errors and never gives up', async () => {
    const random = 0.5;
    const { transport, reflector, clock, log } = setup({ random: () => random });
    let failures = 0;
    transport.onList = () => {
      if (failures < 8) {
        failures++;
        throw httpError(failures % 2 ? 500 : 429, failures % 2 ? 'InternalError' : 'TooManyRequests');
      }
      return { metadata: { resourceVersion: '5' }, items: [podObj('a', '1')] };
    };
    reflector.start();
    // client-go's curve: 800 ms doubling to 30 s, each delay stretched by jitter (here +50 %).
    const expected = [800, 1600, 3200, 6400, 12800, 25600, 30000, 30000].map((d) => Math.min(30_000, d * 1.5));
    for (const [i, delay] of expected.entries()) {
      await waitFor(() => reflector.counters.errors === i + 1);
      clock.advance(delay - 1);
      await new Promise((r) => setImmediate(r));
      expect(transport.listQueries).toHaveLength(i + 1);
      clock.advance(1);
    }
    await reflector.synced;
    expect(reflector.counters.errors).toBe(8);
    expect(log.lines.filter((l) => l.msg === 'list/watch failed; backing off')).toHaveLength(8);
  });

  it('accepts `items: null` as an empty list, but backs off on a body that is not a list', async () => {
    const { transport, reflector, clock } = setup();
    const bodies: unknown[] = [
      { kind: 'Status', message: 'not a list' },
      { metadata: { resourceVersion: '3' }, items: null },
    ];
    transport.onList = () => bodies.shift();
    reflector.start();
    await waitFor(() => reflector.counters.errors === 1);
    expect(reflector.hasSynced()).toBe(false);
    clock.advance(800);
    await reflector.synced;
    expect(reflector.size).toBe(0);
    expect(reflector.lastSyncResourceVersion).toBe('3');
  });

  it('waits at least as long as a 429 Retry-After asks', async () => {
    const { transport, reflector, clock } = setup();
    let calls = 0;
    transport.onList = () => {
      calls++;
      if (calls === 1) throw new ApiError(429, 'TooManyRequests', 'slow down', 5);
      return { metadata: { resourceVersion: '1' }, items: [] };
    };
    reflector.start();
    await waitFor(() => reflector.counters.errors === 1);
    clock.advance(4_999);
    await new Promise((r) => setImmediate(r));
    expect(calls).toBe(1);
    clock.advance(1);
    await reflector.synced;
    expect(calls).toBe(2);
  });

  it('restarts a watch that stays silent past the deadline', async () => {
    const { transport, reflector, clock } = setup({ silentWatchMs: 10_000 });
    reflector.start();
    await waitFor(() => transport.watches.length === 1);
    const first = transport.lastWatch;
    clock.advance(6_000);
    first.send('BOOKMARK', { metadata: { resourceVersion: '3' } }); // activity pushes the deadline out
    clock.advance(6_000);
    expect(first.signal.aborted).toBe(false);
    clock.advance(4_000);
    expect(first.signal.aborted).toBe(true);
    await waitFor(() => transport.watches.length === 2);
    expect(transport.lastWatch.query.resourceVersion).toBe('3');
    expect(reflector.counters.silentWatchRestarts).toBe(1);
    expect(transport.listQueries).toHaveLength(1);
  });

  it('a malformed pod from the watch is not cached (pods have no fallback), is logged and counted, and the watch keeps delivering', async () => {
    const { transport, reflector, events, log } = setup();
    reflector.start();
    await waitFor(() => transport.watches.length === 1);
    const w = transport.lastWatch;
    w.send('ADDED', { metadata: { name: 'bad', namespace: 'ns', resourceVersion: '5' }, spec: { nodeName: 7 } });
    w.send('ADDED', podObj('good', '6'));
    expect(events).toEqual([['added', 'good']]);
    expect(reflector.counters.malformedSkipped).toBe(1);
    expect(reflector.lastSyncResourceVersion).toBe('6');
    expect(reflector.get('ns/bad')).toBeUndefined();
    const line = log.lines.find(
      (l) => l.msg === 'malformed object: dropped from the cache until a readable version arrives',
    );
    expect(line?.fields).toMatchObject({ key: 'ns/bad', phase: 'watch', error: '$.metadata.uid: required' });
    expect(w.ended).toBe(false);
  });

  it('a relist drops an object that is now malformed (pods have no fallback): deleted like a vanished one, never kept as the last good copy', async () => {
    // Quarantine policy (src/kube/reflector.ts header): a pod that cannot be read cannot justify an
    // eviction, so its last good copy must not keep acting either.
    const { transport, reflector, events, clock, log } = setup();
    transport.onList = () => ({ metadata: { resourceVersion: '10' }, items: [podObj('a', '1'), podObj('b', '2')] });
    reflector.start();
    await waitFor(() => transport.watches.length === 1);
    events.length = 0;
    transport.onList = () => ({
      metadata: { resourceVersion: '20' },
      items: [{ metadata: { name: 'a', namespace: 'ns', uid: 'uid-a', resourceVersion: '9' }, spec: 'garbage' }],
    });
    clock.advance(60_000);
    transport.lastWatch.send('ERROR', { code: 410, reason: 'Expired' });
    await waitFor(() => transport.watches.length === 2);
    expect(events).toEqual([
      ['deleted', 'a'],
      ['deleted', 'b'],
    ]);
    expect(reflector.get('ns/a')).toBeUndefined();
    expect(reflector.size).toBe(0);
    expect(reflector.counters.malformedSkipped).toBe(1);
    expect(log.lines.find((l) => l.msg.startsWith('malformed object'))?.fields).toMatchObject({
      key: 'ns/a',
      phase: 'list',
      error: '$.spec: expected object, got string',
    });
  });

  it('an undecodable line ends the watch and it resumes from the last good resourceVersion', async () => {
    const { transport, reflector, clock } = setup();
    reflector.start();
    await waitFor(() => transport.watches.length === 1);
    transport.lastWatch.send('ADDED', podObj('a', '7'));
    transport.lastWatch.line('{"type":"ADDED","object":{"metad');
    expect(transport.watches[0]!.signal.aborted).toBe(true);
    await waitFor(() => reflector.counters.errors === 1);
    clock.advance(800);
    await waitFor(() => transport.watches.length === 2);
    expect(transport.lastWatch.query.resourceVersion).toBe('7');
  });

  it('backs off when the server closes every watch at once instead of spinning', async () => {
    const { transport, reflector, clock } = setup();
    reflector.start();
    for (let i = 1; i <= 3; i++) {
      await waitFor(() => transport.watches.length === i);
      transport.lastWatch.close();
      await waitFor(() => reflector.counters.errors === i);
      await new Promise((r) => setImmediate(r));
      expect(transport.watches).toHaveLength(i);
      clock.advance(800 * 2 ** (i - 1));
    }
    await waitFor(() => transport.watches.length === 4);
  });

  it('a throwing handler is contained: other handlers still run and the reflector keeps going', async () => {
    const { transport, reflector, events } = setup();
    reflector.addEventHandler({
      added: () => {
        throw new Error('consumer bug');
      },
    });
    reflector.start();
    await waitFor(() => transport.watches.length === 1);
    transport.lastWatch.send('ADDED', podObj('a', '2'));
    transport.lastWatch.send('ADDED', podObj('b', '3'));
    expect(events.map((e) => e[1])).toEqual(['a', 'b']);
    expect(reflector.counters.handlerErrors).toBe(2);
  });

  it('a handler added after sync is replayed the current store', async () => {
    const { transport, reflector } = setup();
    transport.onList = () => ({ metadata: { resourceVersion: '10' }, items: [podObj('a', '1'), podObj('b', '2')] });
    reflector.start();
    await reflector.synced;
    const late: string[] = [];
    reflector.addEventHandler({ added: (p) => late.push(p.name) });
    expect(late.sort()).toEqual(['a', 'b']);
  });

  it('stop() interrupts a backoff sleep and an open watch', async () => {
    const { transport, reflector } = setup();
    transport.onList = () => {
      throw httpError(503, 'ServiceUnavailable');
    };
    reflector.start();
    await waitFor(() => reflector.counters.errors === 1);
    await reflector.stop(); // would hang on the (virtual) 800 ms sleep if stop did not wake it
    const second = setup();
    second.reflector.start();
    await waitFor(() => second.transport.watches.length === 1);
    await second.reflector.stop();
    expect(second.transport.lastWatch.signal.aborted).toBe(true);
  });
});
