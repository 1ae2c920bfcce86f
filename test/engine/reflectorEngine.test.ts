// The engine as production feeds it: raw objects from an apiserver (ScriptedApi) through the real
// InformerSet and Reflectors (projection, quarantine of malformed objects, relist order) into the
// EvictionEngine, whose decisions go to the production InlineRuntime with a recording executor
// (test/support/reflectedEngine.ts). Each case is a way the controller could act on a state the cluster
// never had; each asserts on what reaches the sink and the executor, not on reflector internals.

import { afterEach, beforeEach, describe, expect, it, type MockInstance, vi } from 'vitest';
import type { PodRef } from '../../src/shared/types.js';
import {
  DRIVER,
  MALFORMED_TAINT,
  type RawDevice,
  type RawToleration,
  rawClaim,
  rawPod,
  rawRule,
  rawSlice,
} from '../support/rawObjects.js';
import { PATHS, ReflectedEngine, type Resource } from '../support/reflectedEngine.js';

const S = 1_000;
/** When the taints were added; the engine's clock starts a second later. */
const T0 = Date.UTC(2026, 0, 1);
const POOL = 'node-1';
const noExecute = [{ effect: 'NoExecute', timeAdded: T0 }] as const;

const podRef = (name: string): PodRef => ({ namespace: 'default', name, uid: `uid-${name}` });

describe('reflector → engine → inline runtime', () => {
  const rigs: ReflectedEngine[] = [];
  afterEach(async () => {
    await Promise.all(rigs.splice(0).map((r) => r.stop()));
  });

  function rig(opts: Partial<ConstructorParameters<typeof ReflectedEngine>[0]> = {}): ReflectedEngine {
    const r = new ReflectedEngine({ now: T0 + S, ...opts });
    rigs.push(r);
    return r;
  }

  /** A pod named `name` whose claim is allocated on `device` of the pool, tolerating the taint as told. */
  function podOn(r: ReflectedEngine, name: string, device: string, toleration?: RawToleration): void {
    const pod = { name, uid: `uid-${name}` };
    r.api.put(
      PATHS.claims,
      rawClaim({
        name: `${name}-gpu`,
        uid: `claim-${name}`,
        pod,
        pool: POOL,
        device,
        ...(toleration ? { toleration } : {}),
      }),
    );
    r.api.put(PATHS.pods, rawPod({ ...pod, claimName: `${name}-gpu` }));
  }

  const slice = (name: string, generation: number, devices: RawDevice[]) =>
    rawSlice({ name, pool: POOL, generation, devices });

  /** Delivers `write`s either as one watch chunk or, missed by the watch, through a relist of `resource`. */
  async function deliver(r: ReflectedEngine, via: 'watch' | 'relist', resource: Resource, write: () => unknown) {
    const line = write();
    if (via === 'watch') {
      r.api.chunk([line as Parameters<typeof r.api.chunk>[0][number]]);
      await r.settle();
    } else {
      await r.relist(resource);
    }
  }

  describe('relist order', () => {
    // Why listed objects come before deletions. kubernetes/client-go tools/cache/delta_fifo.go,
    // `func (f *DeltaFIFO) Replace` (read at 32ce75a7d6bc, the newest stored snapshot): it first queues a
    // Replaced/Sync delta for every listed item ("Add Sync/Replaced action for each new item"), then a
    // Deleted(DeletedFinalStateUnknown) for every known key missing from the list ("Delete pre-existing
    // items not in the new list"). Not every client-go FIFO does so: RealFIFO (InOrderInformers, on by
    // default since 1.33) queues the synthetic deletions first (the_real_fifo.go, reconcileReplacement:
    // "We cannot add the items until after the synthetic deletes have been created"), and with AtomicFIFO
    // (1.36) controller.go's processReplacedAllInfo replaces the whole store before it calls OnDelete for
    // the deletions and then OnAdd/OnUpdate. Our handlers feed an engine that re-decides after every
    // event, so the order matters here, and this test is the reason for the one we use.
    it.each([
      ['one list page', undefined],
      ['one slice per list page', 1],
    ])(
      'a relist that swaps the newest slice of a pool never makes the older, tainted generation current (%s)',
      async (_name, pageSize) => {
        const r = rig(pageSize === undefined ? {} : { pageSize });
        // Generation 1 is a stale leftover whose device still carries a NoExecute taint; generation 2 is current.
        r.api.put(PATHS.slices, slice('node-1-a', 1, [{ name: 'gpu-0', taints: noExecute }]));
        r.api.put(PATHS.slices, slice('node-1-b', 2, [{ name: 'gpu-0' }]));
        podOn(r, 'pod', 'gpu-0');
        await r.start();
        expect(r.ops).toEqual([]);

        // The driver republished the pool under a new slice name at generation 3, then removed generation 2.
        // The watch missed both (say its history expired), so the controller learns of them from a relist.
        r.api.put(PATHS.slices, slice('node-1-c', 3, [{ name: 'gpu-0' }]));
        r.api.remove(PATHS.slices, 'node-1-b');
        await r.relist('slices');
        await r.advance(60 * S);

        // Deleting node-1-b before adding node-1-c would have made generation 1 current for a moment:
        // schedule "evict now", then cancel — and a "Cancelling deletion" event on a pod never marked.
        expect(r.ops).toEqual([]);
        expect(r.executor.evictions).toEqual([]);
        expect(r.executor.cancellationEvents).toEqual([]);
        expect(r.engine.poolSnapshot()).toEqual([
          { key: `${DRIVER}/${POOL}`, maxGeneration: 3, slices: ['node-1-a', 'node-1-c'] },
        ]);
        expect(r.reflectorCounters('slices')).toMatchObject({ lists: 2, relists: 1 });
      },
    );

    // The relist order alone cannot prevent this one: deletions of objects missing from the list are
    // emitted one by one in store order. When one relist removes several slices of a pool, removing the
    // newest first makes an older one that the same relist also removes current for a moment. The engine
    // applies a relist as one batch (decisions from the state after it), so nothing reaches the runtime.
    it('a relist that removes a pool with a stale tainted slice shows no transient eviction', async () => {
      const r = rig();
      r.api.put(PATHS.slices, slice('node-1-a', 3, [{ name: 'gpu-0' }]));
      r.api.put(PATHS.slices, slice('node-1-b', 2, [{ name: 'gpu-0', taints: noExecute }]));
      podOn(r, 'pod', 'gpu-0');
      await r.start();
      expect(r.ops).toEqual([]);
      // The driver removed the pool (say its node left); the watch missed both deletions.
      r.api.remove(PATHS.slices, 'node-1-a');
      r.api.remove(PATHS.slices, 'node-1-b');
      await r.relist('slices');
      expect(r.engine.poolSnapshot()).toEqual([]);
      expect(r.ops).toEqual([]);
    });
  });

  describe('several watch events in one network chunk', () => {
    /** Returns the number of setImmediate calls made while the chunk was delivered. */
    async function taintAndHealInOneChunk(r: ReflectedEngine): Promise<number> {
      r.api.put(PATHS.slices, slice('node-1-a', 1, [{ name: 'gpu-0' }]));
      podOn(r, 'pod', 'gpu-0');
      await r.start();
      const tainted = r.api.put(PATHS.slices, slice('node-1-a', 1, [{ name: 'gpu-0', taints: noExecute }]));
      const healed = r.api.put(PATHS.slices, slice('node-1-a', 1, [{ name: 'gpu-0' }]));
      // Both lines in one synchronous loop, as the transport hands over a chunk that holds both.
      const before = immediates.mock.calls.length;
      r.api.chunk([tainted, healed]);
      return immediates.mock.calls.length - before;
    }

    // Installed before each rig is built, so the queue's default (`options.defer ?? setImmediate`) is this spy.
    let immediates: MockInstance<typeof setImmediate>;
    beforeEach(() => {
      immediates = vi.spyOn(globalThis, 'setImmediate');
    });
    afterEach(() => {
      immediates.mockRestore();
    });

    it('a NoExecute taint added and removed in one chunk is never decided on, let alone executed', async () => {
      const r = rig(); // no `defer`: the partition's production default
      const deferred = await taintAndHealInOneChunk(r);
      // The chunk is one burst for the engine: it decides once, from the state after both events.
      expect(r.ops).toEqual([]);
      expect(deferred).toBe(0);
      await r.settle();
      await r.advance(60 * S);
      expect(r.executor.evictions).toEqual([]);
      expect(r.executor.cancellationEvents).toEqual([]);
    });

    it('even a queue that started runs synchronously would delete nothing: the decision never existed', async () => {
      const r = rig({ defer: (fn) => fn() });
      expect(await taintAndHealInOneChunk(r)).toBe(0);
      await r.settle();
      expect(r.executor.evictedNames()).toEqual([]);
    });

    it('the same two events in separate chunks: evict-now decided, then cancelled before any run starts', async () => {
      const r = rig();
      r.api.put(PATHS.slices, slice('node-1-a', 1, [{ name: 'gpu-0' }]));
      podOn(r, 'pod', 'gpu-0');
      await r.start();
      const tainted = r.api.put(PATHS.slices, slice('node-1-a', 1, [{ name: 'gpu-0', taints: noExecute }]));
      const healed = r.api.put(PATHS.slices, slice('node-1-a', 1, [{ name: 'gpu-0' }]));
      r.api.chunk([tainted]);
      await Promise.resolve(); // the first chunk's burst ends in a microtask
      r.api.chunk([healed]);
      await Promise.resolve();
      expect(r.ops.map((o) => [o.op, o.pod.name])).toEqual([
        ['schedule', 'pod'],
        ['cancel', 'pod'],
      ]);
      // The queue's start waits for its own macrotask (setImmediate): the cancel arrived first.
      await r.settle();
      await r.advance(60 * S);
      expect(r.executor.evictions).toEqual([]);
      // The pod really was due for a moment, so telling its owner the deletion was cancelled is true.
      expect(r.executor.cancellationEvents.map((p) => p.name)).toEqual(['pod']);
    });
  });

  describe('quarantine of malformed objects', () => {
    it.each(['watch', 'relist'] as const)(
      "the operator's report (%s): a slice update that lifts the taint of device X but has a malformed timeAdded on device Y does not delete the pod on X",
      async (via) => {
        const r = rig();
        r.api.put(PATHS.slices, slice('node-1-a', 1, [{ name: 'gpu-x', taints: noExecute }, { name: 'gpu-y' }]));
        podOn(r, 'pod', 'gpu-x', { seconds: 5 });
        await r.start();
        expect(r.engine.pendingEviction(podRef('pod'))?.fireAt).toBe(T0 + 5 * S);

        await deliver(r, via, 'slices', () =>
          r.api.put(
            PATHS.slices,
            slice('node-1-a', 1, [{ name: 'gpu-x' }, { name: 'gpu-y', taints: [MALFORMED_TAINT] }]),
          ),
        );
        await r.advance(30 * S); // well past the end of the 5 s toleration
        expect(r.executor.evictions).toEqual([]);
        // Cached without its devices: neither the lifted taint nor anything else of the old copy acts.
        expect(r.informers.slices.get('node-1-a')).toMatchObject({ pool: POOL, generation: 1, devices: [] });
        expect(r.reflectorCounters('slices')?.malformedSkipped).toBe(1);
        expect(r.engine.pendingEviction(podRef('pod'))).toBeUndefined();
        expect(r.ops.map((o) => o.op)).toEqual(['schedule', 'cancel']);

        // The driver fixes the timestamp: the slice is read again, and X is still untainted.
        await deliver(r, via, 'slices', () =>
          r.api.put(
            PATHS.slices,
            slice('node-1-a', 1, [{ name: 'gpu-x' }, { name: 'gpu-y', taints: [{ effect: 'None', timeAdded: T0 }] }]),
          ),
        );
        expect(r.informers.slices.get('node-1-a')?.devices.map((d) => d.name)).toEqual(['gpu-x', 'gpu-y']);
        await r.advance(30 * S);
        expect(r.executor.evictions).toEqual([]);
      },
    );

    // The eviction comes from a DeviceTaintRule tolerated for 60 s; then the pod, its claim or the rule
    // turns malformed. Whatever cannot be read is dropped, so the pending eviction is cancelled — even
    // past its fire time nothing runs — and the next readable version brings it back.
    const objects: Record<'pod' | 'claim' | 'rule', { resource: Resource; key: string; broken: object; good: object }> =
      {
        pod: {
          resource: 'pods',
          key: 'default/pod',
          broken: rawPod({ name: 'pod', uid: 'uid-pod', claimName: 'pod-gpu', malformed: true }),
          good: rawPod({ name: 'pod', uid: 'uid-pod', claimName: 'pod-gpu' }),
        },
        claim: {
          resource: 'claims',
          key: 'default/pod-gpu',
          broken: rawClaim({
            name: 'pod-gpu',
            uid: 'claim-pod',
            pod: { name: 'pod', uid: 'uid-pod' },
            pool: POOL,
            device: 'gpu-0',
            toleration: { seconds: 60 },
            malformed: true,
          }),
          good: rawClaim({
            name: 'pod-gpu',
            uid: 'claim-pod',
            pod: { name: 'pod', uid: 'uid-pod' },
            pool: POOL,
            device: 'gpu-0',
            toleration: { seconds: 60 },
          }),
        },
        rule: {
          resource: 'rules',
          key: 'unhealthy',
          broken: rawRule({ name: 'unhealthy', uid: 'rule-1', effect: 'NoExecute', timeAdded: T0, malformed: true }),
          good: rawRule({ name: 'unhealthy', uid: 'rule-1', effect: 'NoExecute', timeAdded: T0, device: 'gpu-0' }),
        },
      };

    it.each([
      ['pod', 'watch'],
      ['pod', 'relist'],
      ['claim', 'watch'],
      ['claim', 'relist'],
      ['rule', 'watch'],
      ['rule', 'relist'],
    ] as const)(
      'a malformed %s (%s) is dropped: its pending eviction is cancelled, and its next readable version restores it',
      async (kind, via) => {
        const o = objects[kind];
        const r = rig();
        r.api.put(PATHS.slices, slice('node-1-a', 1, [{ name: 'gpu-0' }]));
        r.api.put(PATHS.rules, objects.rule.good);
        podOn(r, 'pod', 'gpu-0', { seconds: 60 });
        await r.start();
        expect(r.engine.pendingEviction(podRef('pod'))?.fireAt).toBe(T0 + 60 * S);

        await deliver(r, via, o.resource, () => r.api.put(PATHS[o.resource], o.broken));
        await r.advance(70 * S); // past the fire time while the object cannot be read
        expect(r.executor.evictions).toEqual([]);
        expect(r.informers[o.resource]?.get(o.key)).toBeUndefined();
        expect(r.reflectorCounters(o.resource)?.malformedSkipped).toBe(1);
        expect(r.engine.pendingEviction(podRef('pod'))).toBeUndefined();
        expect(r.ops.at(-1)).toMatchObject({ op: 'cancel', pod: podRef('pod') });
        expect(
          r.reflectorLog.lines.find(
            (l) => l.msg === 'malformed object: dropped from the cache until a readable version arrives',
          )?.fields,
        ).toMatchObject({ key: o.key, phase: via === 'watch' ? 'watch' : 'list' });

        await deliver(r, via, o.resource, () => r.api.put(PATHS[o.resource], o.good));
        expect(r.informers[o.resource]?.get(o.key)).toBeDefined();
        expect(r.reflectorCounters(o.resource)?.malformedSkipped).toBe(1);
        // Readable again, the cluster says the pod is past its toleration: now it is evicted.
        expect(r.executor.evictedNames()).toEqual(['pod']);
        expect(r.executor.evictions[0]?.at).toBe(T0 + 71 * S);
      },
    );

    it.each(['watch', 'relist'] as const)(
      'a malformed generation bump of the current slice (%s) keeps the pool generation: neither its stale taints nor the older generation act',
      async (via) => {
        const r = rig();
        // Generation 1 (another name) is a leftover whose gpu-0 is tainted; generation 2 is current and taints gpu-1.
        r.api.put(PATHS.slices, slice('node-1-old', 1, [{ name: 'gpu-0', taints: noExecute }]));
        r.api.put(PATHS.slices, slice('node-1', 2, [{ name: 'gpu-0' }, { name: 'gpu-1', taints: noExecute }]));
        podOn(r, 'pod-0', 'gpu-0');
        podOn(r, 'pod-1', 'gpu-1', { seconds: 5 });
        await r.start();
        expect(r.engine.pendingEviction(podRef('pod-0'))).toBeUndefined();
        expect(r.engine.pendingEviction(podRef('pod-1'))?.fireAt).toBe(T0 + 5 * S);

        // Generation 3 lifts gpu-1's taint, but a malformed timestamp on gpu-2 makes the slice unreadable.
        await deliver(r, via, 'slices', () =>
          r.api.put(
            PATHS.slices,
            slice('node-1', 3, [{ name: 'gpu-0' }, { name: 'gpu-1' }, { name: 'gpu-2', taints: [MALFORMED_TAINT] }]),
          ),
        );
        await r.advance(30 * S);
        // Keeping the last good copy would have deleted pod-1 at T0+5s; dropping the slice would have
        // made generation 1 current and deleted pod-0 at once.
        expect(r.executor.evictions).toEqual([]);
        expect(r.schedulesFor('pod-0')).toEqual([]);
        expect(r.engine.pendingEviction(podRef('pod-1'))).toBeUndefined();
        expect(r.informers.slices.get('node-1')).toMatchObject({ generation: 3, devices: [] });
        expect(r.engine.poolSnapshot()).toEqual([
          { key: `${DRIVER}/${POOL}`, maxGeneration: 3, slices: ['node-1', 'node-1-old'] },
        ]);
      },
    );

    it.each(['watch', 'relist'] as const)(
      'a malformed slice whose pool generation is an int64 beyond 2^53 keeps that generation (%s): the older, tainted one stays stale',
      async (via) => {
        // The API's generation is an int64; the slice projector reads any integer (so does the fallback).
        const big = 2 ** 60;
        const r = rig();
        r.api.put(PATHS.slices, slice('node-1-old', 1, [{ name: 'gpu-0', taints: noExecute }]));
        r.api.put(PATHS.slices, slice('node-1', big, [{ name: 'gpu-0' }]));
        podOn(r, 'pod-0', 'gpu-0');
        await r.start();
        expect(r.informers.slices.get('node-1')?.generation).toBe(big);

        await deliver(r, via, 'slices', () =>
          r.api.put(
            PATHS.slices,
            slice('node-1', big, [{ name: 'gpu-0' }, { name: 'gpu-1', taints: [MALFORMED_TAINT] }]),
          ),
        );
        await r.advance(30 * S);
        // Dropping node-1 (no placeholder) would make generation 1 current and delete pod-0 at once.
        expect(r.executor.evictions).toEqual([]);
        expect(r.schedulesFor('pod-0')).toEqual([]);
        expect(r.informers.slices.get('node-1')).toMatchObject({ generation: big, devices: [] });
      },
    );
  });
});
