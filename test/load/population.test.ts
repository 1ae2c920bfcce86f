import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KubeLoadCluster } from '../../src/load/cluster.js';
import { field, stringField } from '../../src/load/json.js';
import { RUN_LABEL, TOLERATION_LABEL } from '../../src/load/manifests.js';
import { createPopulation, drawToleration, planPopulation, planTolerations } from '../../src/load/population.js';
import { seededRandom } from '../../src/shared/random.js';
import { type LoadSim, startLoadSim, testOptions } from './loadSim.js';

describe('planTolerations', () => {
  it('assigns exactly round(n × ratio) pods to each class', () => {
    const classes = planTolerations(101, 0.2, 30, 0.1, 7);
    expect(classes).toHaveLength(101);
    expect(classes.filter((c) => c.kind === 'seconds')).toHaveLength(20);
    expect(classes.filter((c) => c.kind === 'forever')).toHaveLength(10);
    expect(classes.filter((c) => c.kind === 'none')).toHaveLength(71);
    for (const c of classes) if (c.kind === 'seconds') expect(c.seconds).toBe(30);
  });

  it('is reproducible from the seed and differs between seeds', () => {
    const kinds = (seed: number) => planTolerations(50, 0.3, 5, 0.3, seed).map((c) => c.kind);
    expect(kinds(1)).toEqual(kinds(1));
    expect(kinds(1)).not.toEqual(kinds(2));
  });
});

describe('drawToleration', () => {
  it('follows the ratios over many draws', () => {
    const random = seededRandom(3);
    const kinds = Array.from({ length: 10_000 }, () =>
      drawToleration(random, { tolerationRatio: 0.2, tolerationSeconds: 7, foreverRatio: 0.1 }),
    );
    const share = (kind: string) => kinds.filter((k) => k.kind === kind).length / kinds.length;
    expect(share('seconds')).toBeCloseTo(0.2, 1);
    expect(share('forever')).toBeCloseTo(0.1, 1);
    expect(kinds.find((k) => k.kind === 'seconds')).toEqual({ kind: 'seconds', seconds: 7 });
  });
});

describe('createPopulation against the simulated API server', () => {
  let env: LoadSim;
  beforeEach(async () => {
    env = await startLoadSim();
  });
  afterEach(async () => {
    await env.close();
  });

  it('creates N bound pods with allocated, reserved claims and one slice per node', async () => {
    const opts = testOptions({ pods: 30, tolerationRatio: 0.2, tolerationSeconds: 30, foreverRatio: 0.1 });
    const plan = planPopulation(opts, 'r1');
    const ready: string[] = [];
    const population = await createPopulation(env.cluster, plan, {
      concurrency: 8,
      onPodReady: (p) => ready.push(p.name),
    });
    expect(ready).toHaveLength(30);

    const { store } = env.sim;
    const slices = store.list('resourceslices.resource.k8s.io');
    expect(slices).toHaveLength(4); // ceil(30 / 8)
    for (const slice of slices) {
      const node = stringField(slice, 'spec', 'nodeName');
      expect(stringField(slice, 'spec', 'pool', 'name')).toBe(node);
      expect(stringField(slice, 'spec', 'driver')).toBe('gpu.nvidia.com');
      expect(stringField(slice, 'metadata', 'labels', RUN_LABEL)).toBe('r1');
      const devices = field(slice, 'spec', 'devices');
      expect(Array.isArray(devices) ? devices.map((d) => stringField(d, 'name')) : []).toEqual(
        Array.from({ length: 8 }, (_, i) => `gpu-${i}`),
      );
    }

    const pods = store.list('pods', { namespace: opts.namespace });
    const claims = store.list('resourceclaims.resource.k8s.io', { namespace: opts.namespace });
    expect(pods).toHaveLength(30);
    expect(claims).toHaveLength(30);
    const podUid = new Map(pods.map((p) => [stringField(p, 'metadata', 'name'), stringField(p, 'metadata', 'uid')]));

    const tolerationSeconds: (number | 'forever' | 'none')[] = [];
    for (const claim of claims) {
      const results = field(claim, 'status', 'allocation', 'devices', 'results');
      expect(Array.isArray(results) && results.length === 1).toBe(true);
      const result = Array.isArray(results) ? results[0] : undefined;
      const pod = population.pods.find((p) => p.claimName === stringField(claim, 'metadata', 'name'));
      expect(pod).toBeDefined();
      expect(stringField(result, 'device')).toBe(pod?.device.device);
      expect(stringField(result, 'pool')).toBe(pod?.nodeName);
      const reserved = field(claim, 'status', 'reservedFor');
      expect(Array.isArray(reserved) ? reserved.map((r) => stringField(r, 'uid')) : []).toEqual([
        podUid.get(pod?.name ?? ''),
      ]);
      const tolerations = field(result, 'tolerations');
      if (!Array.isArray(tolerations) || tolerations.length === 0) tolerationSeconds.push('none');
      else {
        expect(tolerations).toHaveLength(1);
        expect(stringField(tolerations[0], 'key')).toBe('gpu.nvidia.com/xid');
        expect(stringField(tolerations[0], 'effect')).toBe('NoExecute');
        expect(stringField(tolerations[0], 'operator')).toBe('Exists');
        const seconds = field(tolerations[0], 'tolerationSeconds');
        tolerationSeconds.push(typeof seconds === 'number' ? seconds : 'forever');
      }
      expect(stringField(claim, 'metadata', 'labels', TOLERATION_LABEL)).toBe(pod?.toleration.kind);
    }
    expect(tolerationSeconds.filter((t) => t === 30)).toHaveLength(6);
    expect(tolerationSeconds.filter((t) => t === 'forever')).toHaveLength(3);
    expect(tolerationSeconds.filter((t) => t === 'none')).toHaveLength(21);

    for (const pod of pods) {
      const name = stringField(pod, 'metadata', 'name');
      const planned = population.pods.find((p) => p.name === name);
      expect(stringField(pod, 'spec', 'nodeName')).toBe(planned?.nodeName);
      expect(field(pod, 'spec', 'resourceClaims')).toEqual([{ name: 'gpu', resourceClaimName: planned?.claimName }]);
    }
    // Status went through the status subresource, as a scheduler writes it.
    expect(env.sim.requests.count({ verb: 'patch', resource: 'resourceclaims', subresource: 'status' })).toBe(30);
  });

  it('creates KWOK-annotated Nodes first when asked, and leaves existing ones alone', async () => {
    env.sim.store.create('nodes', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'load-node-0' } });
    const plan = planPopulation(testOptions({ pods: 16, createNodes: true }), 'r3');
    await createPopulation(env.cluster, plan, { concurrency: 4 });
    const nodes = env.sim.store.list('nodes');
    expect(nodes.map((n) => stringField(n, 'metadata', 'name')).sort()).toEqual(['load-node-0', 'load-node-1']);
    expect(
      stringField(env.sim.store.get('nodes', '', 'load-node-1'), 'metadata', 'annotations', 'kwok.x-k8s.io/node'),
    ).toBe('fake');
    // The pre-existing node was not relabelled, so cleanup will not delete it.
    expect(stringField(env.sim.store.get('nodes', '', 'load-node-0'), 'metadata', 'labels', RUN_LABEL)).toBe('');
  });

  it('fails loudly when the API server drops allocation tolerations (feature gate off)', async () => {
    // A server without DRADeviceTaints accepts the status write but strips the tolerations.
    class DroppingCluster extends KubeLoadCluster {
      override async patchClaimStatus(namespace: string, name: string, patch: object): Promise<unknown> {
        const stored = await super.patchClaimStatus(namespace, name, patch);
        return JSON.parse(JSON.stringify(stored).replace(/"tolerations":\[[^\]]*\]/g, '"tolerations":[]')) as unknown;
      }
    }
    const plan = planPopulation(testOptions({ pods: 4, foreverRatio: 0.5 }), 'r4');
    await expect(createPopulation(new DroppingCluster(env.kc), plan, { concurrency: 1 })).rejects.toThrow(
      /dropped the allocation tolerations.*DRADeviceTaints/,
    );
  });

  it('spreads pods over nodes round-robin without reusing a device while devices last', () => {
    const plan = planPopulation(testOptions({ pods: 16, nodes: 4 }), 'r2');
    const devices = plan.pods.map((p) => `${p.device.pool}/${p.device.device}`);
    expect(new Set(devices).size).toBe(16);
    expect(plan.pods.filter((p) => p.nodeName === 'load-node-0')).toHaveLength(4);
  });
});
