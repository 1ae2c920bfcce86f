// The real `kubectl drain` against the simulated cluster: it finds the eviction subresource in
// discovery (CheckEvictionSupport), cordons the node, evicts the selected pods through
// pods/{name}/eviction and waits for them to go; a PodDisruptionBudget that allows no more
// disruptions makes it retry the 429 until its timeout, and a pod under two budgets fails it (500).

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { JsonObject } from '../../src/sim/index.js';
import { type KubectlSim, kubectlMissing, startKubectlSim } from './harness.js';

const NS = 'default';
const PDBS = 'poddisruptionbudgets.policy';
// A controller reference, so drain does not ask for --force (the budget's int minAvailable needs no scale).
const OWNER = { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-1', uid: 'rs-uid', controller: true };

describe.skipIf(kubectlMissing !== undefined)('kubectl drain through the eviction subresource', () => {
  let k: KubectlSim;
  beforeEach(async () => {
    k = await startKubectlSim();
    k.sim.store.create('nodes', { metadata: { name: 'n1' } });
    for (const [name, node] of [
      ['web-a', 'n1'],
      ['web-b', 'n1'],
      ['web-c', 'n2'],
    ] as const) {
      k.sim.store.create(
        'pods',
        {
          metadata: { name, namespace: NS, labels: { app: 'web' }, ownerReferences: [OWNER] },
          spec: { nodeName: node, containers: [{ name: 'c', image: 'busybox' }] },
          status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] },
        },
        { keepStatus: true },
      );
    }
  });
  afterEach(async () => {
    await k?.close();
  });

  const budget = (name: string, spec: JsonObject) =>
    k.sim.store.create(PDBS, {
      metadata: { name, namespace: NS },
      spec: { selector: { matchLabels: { app: 'web' } }, ...spec },
    });
  const podsLeft = () => k.sim.store.list('pods').map((p) => (p.metadata as JsonObject).name);

  it('cordons the node and evicts its selected pods while the budget allows', async () => {
    budget('web', { minAvailable: 1 });
    const out = await k.ok(['drain', 'n1', '--pod-selector', 'app=web', '--timeout=20s']);
    expect(out.split('\n').sort()).toEqual(
      [
        '',
        'node/n1 cordoned',
        'evicting pod default/web-a',
        'evicting pod default/web-b',
        'pod/web-a evicted',
        'pod/web-b evicted',
        'node/n1 drained',
      ].sort(),
    );
    expect(podsLeft()).toEqual(['web-c']);
    expect(k.sim.store.get('nodes', '', 'n1')).toMatchObject({ spec: { unschedulable: true } });
    expect(k.sim.store.get(PDBS, NS, 'web')!.status).toMatchObject({
      currentHealthy: 1,
      desiredHealthy: 1,
      expectedPods: 1,
      disruptionsAllowed: 0,
    });
    expect(k.sim.requests.count({ verb: 'create', resource: 'pods', subresource: 'eviction', code: 201 })).toBe(2);
  });

  it('retries a pod the budget protects (429) until --timeout', async () => {
    budget('web', { minAvailable: 2 });
    const r = await k.kubectl(['drain', 'n1', '--pod-selector', 'app=web', '--timeout=2s']);
    expect(r.code).not.toBe(0);
    const left = podsLeft().filter((n) => n !== 'web-c');
    expect(left).toHaveLength(1);
    expect(r.stderr).toContain(
      `error when evicting pods/"${left[0]}" -n "default" (will retry after 5s): Cannot evict pod as it would violate the pod's disruption budget.`,
    );
    expect(r.stderr).toContain(`error when evicting pods/"${left[0]}" -n "default": global timeout reached: 2s`);
    expect(k.sim.requests.count({ verb: 'create', resource: 'pods', subresource: 'eviction', code: 429 })).toBe(1);
  });

  it('fails on a pod covered by two budgets (500)', async () => {
    budget('one', { minAvailable: 0 });
    budget('two', { minAvailable: 0 });
    const r = await k.kubectl(['drain', 'n1', '--pod-selector', 'app=web', '--timeout=20s']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(
      /error when evicting pods\/"web-[ab]" -n "default": This pod has more than one PodDisruptionBudget, which the eviction subresource does not support\./,
    );
    expect(podsLeft()).toEqual(['web-a', 'web-b', 'web-c']);
  });
});
