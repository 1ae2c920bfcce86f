// docs/behaviour.md §4.3 at the engine level: upstream's end-to-end controller tests, driven through the harness
// (fake API server, virtual time, rule status fed back into the cache like a running informer).
// Left out: the `slow` variant of TestDeviceTaintRule (it measures deletion latency in the metrics
// histogram, which is not the engine's concern), TestParallelPodDeletion/TestRetry/TestEvictionFailure
// (they test the executor and its retries, which live in the worker partitions).

import { describe, expect, test } from 'vitest';
import { podKey, type RuleRecord } from '../../src/shared/types.js';
import * as f from './fixtures.js';
import { add, Harness, remove, update } from './harness.js';

const { S, taintTime: t0 } = f;

describe('TestEviction (docs/behaviour.md §4.3 #56): four ways to the same end state', () => {
  const expectEvicted = async (h: Harness) => {
    await h.process();
    expect(h.api.gets).toBe(1);
    expect(h.api.patches).toBe(1);
    expect(h.api.deletes).toBe(1);
    expect(h.api.pods.has(podKey(f.podWithClaimName))).toBe(false);
    expect(h.clock.now()).toBe(t0); // zero elapsed virtual time
    expect(h.queue.state()).toEqual({ ready: [], later: [] });
    expect(h.eventList()).toEqual(['Marking for deletion default/my-pod/1234']);
    expect([...h.engine.pendingEvictions()]).toEqual([]);
  };

  test('initial', async () => {
    const h = new Harness();
    h.applyAll([add('slice', f.sliceTainted), add('claim', f.inUseClaim), add('pod', f.podWithClaimName)]);
    await expectEvicted(h);
  });

  test('add', async () => {
    const h = new Harness();
    h.applyAll([add('pod', f.podWithClaimName), add('slice', f.sliceTainted), add('claim', f.inUseClaim)]);
    await expectEvicted(h);
  });

  test('update', async () => {
    const h = new Harness();
    h.applyAll([add('slice', f.slice), add('claim', f.claim), add('pod', f.unscheduledPodWithClaimName)]);
    await h.process();
    expect(h.api.gets).toBe(0);
    h.applyAll([
      update('pod', f.unscheduledPodWithClaimName, f.podWithClaimName),
      update('slice', f.slice, f.sliceTainted),
      update('claim', f.claim, f.inUseClaim),
    ]);
    await expectEvicted(h);
  });

  test('delete', async () => {
    const shadow: typeof f.slice = {
      ...f.slice,
      name: 'shadow',
      uid: 'uid-shadow',
      generation: f.slice.generation + 100,
    };
    const h = new Harness();
    h.applyAll([
      add('slice', f.sliceTainted),
      add('slice', shadow),
      add('claim', f.claim),
      add('pod', f.podWithClaimName),
    ]);
    await h.process();
    expect(h.api.gets).toBe(0);
    h.applyAll([remove('slice', shadow), remove('claim', f.claim), add('claim', f.inUseClaim)]);
    await expectEvicted(h);
  });
});

describe('TestDeviceTaintRule (docs/behaviour.md §4.3 #57): None → NoExecute → Completed', () => {
  const noEffect =
    '0 published devices selected. 1 allocated device selected. 1 pod would be evicted in 1 namespace if the effect was NoExecute. This information will not be updated again. Recreate the DeviceTaintRule to trigger an update.';

  for (const variant of ['immediate', 'delayed'] as const) {
    test(variant, async () => {
      const claim =
        variant === 'delayed'
          ? f.inUseClaimTolerating(f.toleration({ value: f.taintValue, effect: 'NoExecute', tolerationSeconds: 30 }))
          : f.inUseClaim;
      const h = new Harness({ ruleStatusFeedback: true });
      h.applyAll([add('pod', f.podWithClaimName), add('claim', claim), add('rule', f.ruleNone)]);
      await h.process();
      const start = t0;
      expect(h.rules()).toEqual({
        evict: { status: 'False', reason: 'NoEffect', message: noEffect, lastTransitionTime: start },
      });
      expect(h.api.podNames()).toEqual(['default/my-pod']);

      // Later, the administrator escalates to NoExecute (the apiserver sets a new timeAdded).
      h.advance(20 * S);
      await h.process();
      const updated = h.clock.now();
      const old = h.engine.getRule('evict') as RuleRecord;
      h.apply(
        update('rule', old, {
          ...old,
          resourceVersion: '3',
          taint: { ...old.taint, effect: 'NoExecute', timeAdded: updated },
        }),
      );
      await h.process();
      const pendingCondition = {
        status: 'True',
        reason: 'PodsPendingEviction',
        message: '1 pod needs to be evicted in 1 namespace.',
        lastTransitionTime: updated,
      };
      expect(h.rules()).toEqual({ evict: pendingCondition });
      expect(h.api.podNames()).toEqual(variant === 'delayed' ? ['default/my-pod'] : []);

      if (variant === 'delayed') {
        h.advance(30 * S);
        await h.process();
        // Pod deleted; the status is refreshed only 10 s later (it would still see the pod in caches).
        expect(h.api.podNames()).toEqual([]);
        expect(h.rules()).toEqual({ evict: pendingCondition });
      }

      h.advance(10 * S);
      await h.process();
      const done = h.clock.now();
      expect(h.rules()).toEqual({
        evict: {
          status: 'False',
          reason: 'Completed',
          message: '1 pod evicted since starting the controller.',
          lastTransitionTime: done,
        },
      });
      expect(h.ruleStats()).toEqual({ [f.ruleNone.uid]: 1 });
      expect(h.eventList()).toEqual(['Marking for deletion default/my-pod/1234']);

      // Deleting the rule drops its stats (no leak).
      h.apply(remove('rule', h.engine.getRule('evict') as RuleRecord));
      await h.process();
      expect(h.ruleStats()).toEqual({});
      h.advance(60 * S);
      await h.process();
      expect(h.queue.state()).toEqual({ ready: [], later: [] });
    });
  }
});

describe('TestCancelEviction (docs/behaviour.md §4.3 #58)', () => {
  for (const what of ['pod-deleted', 'slice-deleted'] as const) {
    test(what, async () => {
      const h = new Harness();
      const slice = f.sliceTainted;
      const claim = f.inUseClaimTolerating(
        f.toleration({ operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 60 }),
      );
      h.applyAll([add('slice', slice), add('claim', claim), add('pod', f.podWithClaimName)]);
      await h.process();
      expect(h.engine.pendingEviction(f.podWithClaimName)?.fireAt).toBe(t0 + 60 * S);

      if (what === 'pod-deleted') h.apply(remove('pod', f.podWithClaimName));
      else h.apply(remove('slice', slice));
      expect(h.engine.pendingEviction(f.podWithClaimName)).toBeUndefined();
      expect(h.scheduled.size).toBe(0);

      h.advance(600 * S);
      await h.process();
      expect(h.queue.state()).toEqual({ ready: [], later: [] });
      expect(h.api.gets).toBe(0);
      expect(h.api.patches).toBe(0);
      expect(h.api.deletes).toBe(0);
      expect(h.podItemsProcessed).toBe(1); // The stale item was looked at exactly once.
      expect(h.eventList()).toEqual(what === 'pod-deleted' ? [] : ['Cancelling deletion default/my-pod/1234']);
      expect(h.api.podNames()).toEqual(what === 'pod-deleted' ? [] : ['default/my-pod']);
    });
  }
});
