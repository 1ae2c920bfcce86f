// The reflector's quarantine of malformed objects (src/kube/reflector.ts header), resource by resource,
// against a scripted transport: what the store holds and which events the handlers see when an object
// stops projecting — from a watch event or in a relist — and when it projects again. Pods, claims and
// rules have no fallback and are dropped; a slice is cached as a device-less placeholder that keeps its
// pool and generation. Every malformed occurrence is counted and logged.

import { afterEach, describe, expect, it } from 'vitest';
import { Reflector } from '../../src/kube/reflector.js';
import {
  claimsResource,
  podsResource,
  type ResourceDescriptor,
  rulesResource,
  type StoredRecord,
  slicesResource,
} from '../../src/kube/resources.js';
import { FakeClock } from '../../src/shared/clock.js';
import { RecordingLogger } from '../../src/shared/logger.js';
import type { SliceRecord } from '../../src/shared/types.js';
import { MALFORMED_TAINT, rawClaim, rawPod, rawRule, rawSlice } from '../support/rawObjects.js';
import { sliceRecord } from '../support/records.js';
import { waitFor } from '../support/waitFor.js';
import { FakeReadTransport } from './reflector.fakeTransport.js';

const T0 = Date.UTC(2026, 0, 1);
const DROPPED = 'malformed object: dropped from the cache until a readable version arrives';
const DEGRADED = 'malformed object: caching it without its devices until a readable version arrives';

const withRv = (raw: object, rv: string) => {
  const o = structuredClone(raw) as { metadata: Record<string, unknown> };
  o.metadata.resourceVersion = rv;
  return o;
};

interface Case {
  readonly resource: ResourceDescriptor<StoredRecord>;
  readonly name: string;
  readonly key: string;
  readonly good: object;
  readonly broken: object;
  readonly error: string;
  /** Another, well-formed object of the same resource, named `q`. */
  readonly other: object;
}

const dropped: Record<'pod' | 'claim' | 'rule', Case> = {
  pod: {
    resource: podsResource,
    name: 'p',
    key: 'default/p',
    good: rawPod({ name: 'p', uid: 'u-p', claimName: 'p-gpu' }),
    broken: rawPod({ name: 'p', uid: 'u-p', claimName: 'p-gpu', malformed: true }),
    error: '$.spec.resourceClaims: expected array, got string',
    other: rawPod({ name: 'q', uid: 'u-q', claimName: 'q-gpu' }),
  },
  claim: {
    resource: claimsResource('v1'),
    name: 'p-gpu',
    key: 'default/p-gpu',
    good: rawClaim({ name: 'p-gpu', uid: 'u-c', pod: { name: 'p', uid: 'u-p' }, pool: 'n1', device: 'gpu-0' }),
    broken: rawClaim({
      name: 'p-gpu',
      uid: 'u-c',
      pod: { name: 'p', uid: 'u-p' },
      pool: 'n1',
      device: 'gpu-0',
      malformed: true,
    }),
    error: '$.status.reservedFor: expected array, got string',
    other: rawClaim({ name: 'q', uid: 'u-cq', pod: { name: 'q', uid: 'u-q' }, pool: 'n1', device: 'gpu-1' }),
  },
  rule: {
    resource: rulesResource('v1'),
    name: 'r',
    key: 'r',
    good: rawRule({ name: 'r', uid: 'u-r', effect: 'NoExecute', timeAdded: T0 }),
    broken: rawRule({ name: 'r', uid: 'u-r', effect: 'NoExecute', timeAdded: T0, malformed: true }),
    error: '$.spec.taint: expected object, got string',
    other: rawRule({ name: 'q', uid: 'u-q', effect: 'None', timeAdded: T0 }),
  },
};

const taintedSlice = (generation?: number) =>
  rawSlice({
    name: 's',
    pool: 'n1',
    ...(generation === undefined ? {} : { generation }),
    devices: [{ name: 'gpu-0', taints: [{ effect: 'NoExecute', timeAdded: T0 }] }],
  });

describe('Reflector quarantine of malformed objects', () => {
  const reflectors: Reflector<StoredRecord>[] = [];
  afterEach(async () => {
    await Promise.all(reflectors.splice(0).map((r) => r.stop()));
  });

  async function start(resource: ResourceDescriptor<StoredRecord>, items: object[]) {
    const transport = new FakeReadTransport();
    const log = new RecordingLogger();
    const events: string[] = [];
    const seen: { kind: string; rec: StoredRecord; old?: StoredRecord }[] = [];
    transport.onList = () => ({ metadata: { resourceVersion: '10' }, items });
    const reflector = new Reflector<StoredRecord>({
      transport,
      resource,
      clock: new FakeClock(T0),
      log,
      random: () => 0,
      // A 410 is answered by an immediate relist (the clock never moves).
      minHealthyWatchMs: 0,
      handlers: {
        added: (r) => {
          events.push(`added ${r.name}@${r.resourceVersion}`);
          seen.push({ kind: 'added', rec: r });
        },
        updated: (o, c) => {
          events.push(`updated ${o.name}@${o.resourceVersion}->${c.resourceVersion}`);
          seen.push({ kind: 'updated', rec: c, old: o });
        },
        deleted: (r) => {
          events.push(`deleted ${r.name}@${r.resourceVersion}`);
          seen.push({ kind: 'deleted', rec: r });
        },
      },
    });
    reflectors.push(reflector);
    reflector.start();
    await waitFor(() => transport.watches.length === 1);
    const relist = async (next: object[]) => {
      const watches = transport.watches.length;
      transport.onList = () => ({ metadata: { resourceVersion: '50' }, items: next });
      transport.lastWatch.send('ERROR', { code: 410, reason: 'Expired' });
      await waitFor(() => transport.watches.length === watches + 1);
    };
    const slice = (key: string) => reflector.get(key) as SliceRecord | undefined;
    return { transport, reflector, log, events, seen, relist, slice };
  }

  describe.each(Object.entries(dropped))('%s (no fallback)', (_kind, c) => {
    it('a MODIFIED that no longer projects deletes the cached copy; the next readable version adds it back', async () => {
      const { transport, reflector, log, events, seen } = await start(c.resource, [withRv(c.good, '1')]);
      const name = c.name;
      expect(events).toEqual([`added ${name}@1`]);
      transport.lastWatch.send('MODIFIED', withRv(c.broken, '11'));
      // The handler gets the last projection it was given, so the consumer can undo what it did with it.
      expect(events.at(-1)).toBe(`deleted ${name}@1`);
      expect(seen.at(-1)?.rec).toBe(seen[0]?.rec);
      expect(reflector.get(c.key)).toBeUndefined();
      expect(reflector.lastSyncResourceVersion).toBe('11');
      expect(log.lines.filter((l) => l.level === 'warn').map((l) => [l.msg, l.fields])).toEqual([
        [DROPPED, { resource: reflector.id, phase: 'watch', error: c.error, key: c.key }],
      ]);
      // Still unreadable: nothing more to drop, but every occurrence is counted.
      transport.lastWatch.send('MODIFIED', withRv(c.broken, '12'));
      expect(events).toHaveLength(2);
      expect(reflector.counters.malformedSkipped).toBe(2);
      transport.lastWatch.send('MODIFIED', withRv(c.good, '13'));
      expect(events.at(-1)).toBe(`added ${name}@13`);
      expect(reflector.get(c.key)?.resourceVersion).toBe('13');
      expect(reflector.counters.malformedSkipped).toBe(2);
      expect(transport.watches).toHaveLength(1); // no relist for a malformed object
    });

    it('in a relist an object that no longer projects is deleted after the listed ones; the next relist adds it back', async () => {
      const { reflector, log, events, relist } = await start(c.resource, [withRv(c.good, '1'), withRv(c.other, '2')]);
      const name = c.name;
      events.length = 0;
      await relist([withRv(c.broken, '20'), withRv(c.other, '21')]);
      expect(events).toEqual(['updated q@2->21', `deleted ${name}@1`]);
      expect(reflector.get(c.key)).toBeUndefined();
      expect(reflector.counters.malformedSkipped).toBe(1);
      expect(log.lines.find((l) => l.msg === DROPPED)?.fields).toMatchObject({ phase: 'list', key: c.key });
      events.length = 0;
      await relist([withRv(c.good, '30'), withRv(c.other, '21')]);
      expect(events).toEqual([`added ${name}@30`]);
      expect(reflector.counters.malformedSkipped).toBe(1);
    });
  });

  it('an unreadable object never seen before is counted and logged, and produces no event', async () => {
    const { transport, reflector, events } = await start(podsResource, []);
    transport.lastWatch.send('ADDED', withRv(dropped.pod.broken, '11'));
    transport.lastWatch.send('ADDED', { metadata: { namespace: 'default' }, spec: {} }); // no name: no key
    expect(events).toEqual([]);
    expect(reflector.size).toBe(0);
    expect(reflector.counters.malformedSkipped).toBe(2);
    expect(reflector.lastSyncResourceVersion).toBe('11');
  });

  describe('slices (placeholder fallback)', () => {
    const placeholder = (generation: number, resourceVersion: string): SliceRecord =>
      sliceRecord({ name: 's', resourceVersion, driver: 'gpu.example.com', pool: 'n1', generation });
    const broken = (generation: unknown, rv: string) => {
      const o = withRv(
        rawSlice({ name: 's', pool: 'n1', devices: [{ name: 'gpu-0', taints: [MALFORMED_TAINT] }] }),
        rv,
      );
      const pool = (o as unknown as { spec: { pool: Record<string, unknown> } }).spec.pool;
      if (generation === undefined) delete pool.generation;
      else pool.generation = generation;
      return o;
    };

    it('a MODIFIED that no longer projects replaces the cached copy by a placeholder without devices', async () => {
      const { transport, reflector, log, events, seen, slice } = await start(slicesResource('v1'), [
        withRv(taintedSlice(4), '1'),
      ]);
      transport.lastWatch.send('MODIFIED', broken(4, '11'));
      expect(events).toEqual(['added s@1', 'updated s@1->11']);
      expect(seen.at(-1)?.rec).toEqual(placeholder(4, '11'));
      expect(reflector.get('s')).toEqual(placeholder(4, '11'));
      expect(log.lines.find((l) => l.msg === DEGRADED)?.fields).toMatchObject({
        phase: 'watch',
        key: 's',
        error: '$.spec.devices[0].taints[0].timeAdded: not an RFC 3339 timestamp: "yesterday"',
      });
      transport.lastWatch.send('MODIFIED', withRv(taintedSlice(5), '12'));
      expect(events.at(-1)).toBe('updated s@11->12');
      expect(slice('s')?.devices.map((d) => d.name)).toEqual(['gpu-0']);
      expect(reflector.counters.malformedSkipped).toBe(1);
    });

    it('in a relist an unreadable slice is listed as its placeholder, in place of the cached copy', async () => {
      const { reflector, events, relist } = await start(slicesResource('v1'), [withRv(taintedSlice(4), '1')]);
      await relist([broken(5, '20')]);
      expect(events).toEqual(['added s@1', 'updated s@1->20']);
      expect(reflector.get('s')).toEqual(placeholder(5, '20'));
      expect(reflector.counters.malformedSkipped).toBe(1);
    });

    it.each([
      ['an int64 beyond 2^53', 2 ** 60, 2 ** 60],
      ['absent (the projector reads 0)', undefined, 0],
    ])('the placeholder keeps a generation that is %s', async (_what, generation, expected) => {
      const { transport, reflector, slice } = await start(slicesResource('v1'), [
        withRv(taintedSlice(generation), '1'),
      ]);
      expect(slice('s')?.generation).toBe(expected);
      transport.lastWatch.send('MODIFIED', broken(generation, '11'));
      expect(reflector.get('s')).toEqual(placeholder(expected, '11'));
    });

    it('a slice whose generation itself cannot be read has no placeholder and is dropped', async () => {
      const { transport, reflector, events, log } = await start(slicesResource('v1'), [withRv(taintedSlice(4), '1')]);
      transport.lastWatch.send('MODIFIED', broken('4', '11'));
      expect(events).toEqual(['added s@1', 'deleted s@1']);
      expect(reflector.get('s')).toBeUndefined();
      expect(log.lines.find((l) => l.msg === DROPPED)?.fields).toMatchObject({
        key: 's',
        error: '$.spec.devices[0].taints[0].timeAdded: not an RFC 3339 timestamp: "yesterday"',
      });
    });
  });
});
