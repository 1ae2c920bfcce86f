// The cluster observer the demo waits on: deletions with their condition, events, rule conditions.

import { describe, expect, test } from 'vitest';
import { createPoolRule, PODS, RULES, seedDemoCluster } from '../../src/demo/cluster.js';
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
});
