// The cluster observer the demo waits on: deletions with their condition, events, rule conditions.

import { describe, expect, test } from 'vitest';
import { CONFIGMAPS, createPoolRule, EVENTS, PODS, RULES, seedDemoCluster } from '../../src/demo/cluster.js';
import { ClusterObserver, type Happening } from '../../src/demo/observer.js';
import { demoPlan } from '../../src/demo/plan.js';
import { SimStore } from '../../src/sim/index.js';

const xid = (effect: 'None' | 'NoExecute') => ({ key: 'gpu.nvidia.com/xid', value: '79', effect }) as const;

describe('cluster observer', () => {
  test('records a deletion with the DisruptionTarget condition the pod carried, once', () => {
    const store = new SimStore();
    const [pod] = seedDemoCluster(store, demoPlan()).filter((p) => p.name === 'trainer-n1-g3');
    if (pod === undefined) throw new Error('plan changed');
    const observer = new ClusterObserver(store, () => 1234);
    const seen: Happening[] = [];
    observer.onHappening((h) => seen.push(h));
    observer.start();
    store.patch(
      PODS,
      pod.namespace,
      pod.name,
      'strategic',
      {
        status: { conditions: [{ type: 'DisruptionTarget', status: 'True', reason: 'DeletionByDeviceTaintManager' }] },
      },
      { subresource: 'status' },
    );
    store.delete(PODS, pod.namespace, pod.name);
    expect(seen.map((h) => h.kind)).toEqual(['podDeleted']);
    expect(observer.deletionOf(pod.uid)).toMatchObject({
      name: 'trainer-n1-g3',
      at: 1234,
      disruptionTarget: { status: 'True', reason: 'DeletionByDeviceTaintManager' },
    });
    observer.stop();
  });

  test('reports each distinct rule condition once and wakes waiters', async () => {
    const store = new SimStore();
    const observer = new ClusterObserver(store);
    observer.start();
    createPoolRule(store, 'drain', 3, xid('None'));
    const status = (reason: string, message: string) => ({
      status: { conditions: [{ type: 'EvictionInProgress', status: 'False', reason, message }] },
    });
    const waiting = observer.waitUntil(() => observer.latestRuleCondition('drain')?.reason === 'Completed', 5_000);
    store.patch(RULES, '', 'drain', 'merge', status('NoEffect', 'counts'), { subresource: 'status' });
    store.patch(RULES, '', 'drain', 'merge', { metadata: { labels: { touched: 'yes' } } });
    store.patch(RULES, '', 'drain', 'merge', status('Completed', '1 pod evicted'), { subresource: 'status' });
    await expect(waiting).resolves.toBe(true);
    expect(observer.ruleConditions('drain').map((c) => c.reason)).toEqual(['NoEffect', 'Completed']);
    await expect(observer.waitUntil(() => false, 10)).resolves.toBe(false);
    observer.stop();
  });

  test('follows the breaker record (each distinct state once) and events about objects other than pods', () => {
    const store = new SimStore();
    const observer = new ClusterObserver(store, () => 7, { namespace: 'kube-system', name: 'breaker' });
    const seen: Happening[] = [];
    observer.onHappening((h) => seen.push(h));
    observer.start();
    const data = (state: string, heldPods: number) => ({ data: { state, heldPods: String(heldPods) } });
    store.create(CONFIGMAPS, {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'breaker', namespace: 'kube-system' },
      ...data('open', 8),
    });
    store.create(CONFIGMAPS, {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'someone-else', namespace: 'kube-system' },
      ...data('open', 1),
    });
    store.patch(CONFIGMAPS, 'kube-system', 'breaker', 'merge', { metadata: { labels: { touched: 'yes' } } });
    store.patch(CONFIGMAPS, 'kube-system', 'breaker', 'merge', data('open', 1));
    store.patch(CONFIGMAPS, 'kube-system', 'breaker', 'merge', data('closed', 1));
    expect(observer.breakerRecords.map((r) => [r.record.state, r.record.heldPods, r.at])).toEqual([
      ['open', 8, 7],
      ['open', 1, 7],
      ['closed', 1, 7],
    ]);
    expect(observer.breakerRecord?.state).toBe('closed');
    store.create(EVENTS, {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: 'breaker.1', namespace: 'kube-system' },
      involvedObject: { kind: 'ConfigMap', namespace: 'kube-system', name: 'breaker' },
      type: 'Warning',
      reason: 'EvictionBreakerOpen',
      message: 'Eviction breaker open',
    });
    expect(observer.otherEvents).toEqual([
      {
        kind: 'ConfigMap',
        object: 'kube-system/breaker',
        type: 'Warning',
        reason: 'EvictionBreakerOpen',
        message: 'Eviction breaker open',
        at: 7,
      },
    ]);
    expect(observer.eventCount).toBe(0);
    expect(seen.map((h) => h.kind)).toEqual(['breakerRecord', 'breakerRecord', 'breakerRecord', 'objectEvent']);
    observer.stop();
  });
});
