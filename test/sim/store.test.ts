import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { type JsonObject, runSimCommand, SimApiError, SimStore, seedCluster } from '../../src/sim/index.js';
import { waitFor } from '../support/waitFor.js';

const pod = (name: string, labels: Record<string, string> = {}): JsonObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'default', labels },
  spec: { containers: [{ name: 'c', image: 'i' }] },
});

describe('SimStore (in-process)', () => {
  it('delivers the same events to in-process watchers as writes cause, in resourceVersion order', () => {
    const store = new SimStore();
    const seen: string[] = [];
    const handle = store.watch('pods', {}, store.resourceVersion, (type, e) => seen.push(`${type} ${e.name} ${e.rv}`));
    const a = store.create('pods', pod('a'));
    store.patch('pods', 'default', 'a', 'merge', { metadata: { labels: { x: 'y' } } });
    store.delete('pods', 'default', 'a', { preconditions: { uid: String((a.metadata as JsonObject).uid) } });
    handle.stop();
    store.create('pods', pod('b'));
    expect(seen).toEqual([
      `ADDED a ${store.resourceVersion - 3}`,
      `MODIFIED a ${store.resourceVersion - 2}`,
      `DELETED a ${store.resourceVersion - 1}`,
    ]);
  });

  it('throws Kubernetes-shaped errors', () => {
    const store = new SimStore();
    store.create('pods', pod('a'));
    const err = (() => {
      try {
        store.create('pods', pod('a'));
      } catch (e: unknown) {
        return e;
      }
      return undefined;
    })();
    expect(err).toBeInstanceOf(SimApiError);
    expect((err as SimApiError).toStatus()).toMatchObject({ kind: 'Status', code: 409, reason: 'AlreadyExists' });
    expect(() => store.delete('pods', 'default', 'a', { preconditions: { uid: 'x' } })).toThrow(
      /does not match the UID in record/,
    );
    expect(() => store.get('pods', 'default', 'nope')).not.toThrow();
    expect(() => store.patch('pods', 'default', 'nope', 'merge', {})).toThrow(/not found/);
  });

  it('seeds NVIDIA-shaped slices, allocated and reserved claims and running pods that reference them', () => {
    const store = new SimStore();
    const summary = seedCluster(store, {
      nodes: 4,
      devicesPerNode: 8,
      pods: 40,
      toleratingRatio: 0.5,
      templateRatio: 0.5,
      seed: 3,
    });
    expect(summary).toMatchObject({ nodes: 4, slices: 4, devices: 32, pods: 40, claims: 40 });
    expect(summary.toleratingPods).toBeGreaterThan(0);
    expect(summary.toleratingPods).toBeLessThan(40);
    expect(store.count('deviceclasses.resource.k8s.io')).toBe(1);

    const slice = store.list('resourceslices.resource.k8s.io')[0] as {
      spec: { driver: string; pool: { name: string }; nodeName: string; devices: { name: string }[] };
    };
    expect(slice.spec.driver).toBe('gpu.nvidia.com');
    expect(slice.spec.pool.name).toBe(slice.spec.nodeName);
    expect(slice.spec.devices.map((d) => d.name)).toEqual([
      'gpu-0',
      'gpu-1',
      'gpu-2',
      'gpu-3',
      'gpu-4',
      'gpu-5',
      'gpu-6',
      'gpu-7',
    ]);

    let templated = 0;
    for (const p of store.list('pods') as unknown as k8s.V1Pod[]) {
      expect(p.status?.phase).toBe('Running');
      const ref = p.spec!.resourceClaims![0]!;
      const claimName =
        ref.resourceClaimName ?? p.status?.resourceClaimStatuses?.find((s) => s.name === ref.name)?.resourceClaimName;
      expect(claimName).toBeTruthy();
      const claim = store.get(
        'resourceclaims.resource.k8s.io',
        p.metadata!.namespace!,
        claimName!,
      ) as unknown as k8s.ResourceV1ResourceClaim;
      expect(claim.status?.reservedFor).toEqual([{ resource: 'pods', name: p.metadata!.name, uid: p.metadata!.uid }]);
      const result = claim.status!.allocation!.devices!.results![0]!;
      expect(result.pool).toBe(p.spec!.nodeName);
      if (ref.resourceClaimTemplateName !== undefined) {
        templated++;
        expect(claim.metadata?.ownerReferences?.[0]).toMatchObject({
          uid: p.metadata!.uid,
          controller: true,
          kind: 'Pod',
        });
      }
    }
    expect(templated).toBe(summary.templatePods);
    expect(summary.noneTaintedDevices).toBe(0);

    const tainted = new SimStore();
    const taintedSummary = seedCluster(tainted, { nodes: 10, pods: 0, noneTaintRatio: 0.5 });
    const taints = (
      tainted.list('resourceslices.resource.k8s.io') as {
        spec: { devices: { taints?: { effect: string; timeAdded?: string }[] }[] };
      }[]
    )
      .flatMap((s) => s.spec.devices)
      .flatMap((d) => d.taints ?? []);
    expect(taints.length).toBe(taintedSummary.noneTaintedDevices);
    expect(taints.length).toBeGreaterThan(10);
    expect(taints.length).toBeLessThan(70);
    expect(taints.every((t) => t.effect === 'None' && typeof t.timeAdded === 'string')).toBe(true);
  });
});

describe('runSimCommand', () => {
  it('serves a seeded cluster, writes a usable kubeconfig and stops when told to', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sim-'));
    const kubeconfigOut = join(dir, 'kubeconfig');
    const lines: string[] = [];
    let stop: () => void = () => {};
    const until = new Promise<void>((resolve) => {
      stop = resolve;
    });
    const running = runSimCommand({ nodes: 3, pods: 9, kubeconfigOut, print: (l) => lines.push(l), until });
    try {
      await waitFor(
        () => lines.some((l) => l.startsWith('kubeconfig written')),
        5000,
        () => 'the command to start',
      );
      expect(lines[0]).toMatch(/^simulated apiserver listening on http:\/\/127\.0\.0\.1:\d+$/);
      const kc = new k8s.KubeConfig();
      kc.loadFromString(await readFile(kubeconfigOut, 'utf8'));
      const pods = await kc.makeApiClient(k8s.CoreV1Api).listPodForAllNamespaces();
      expect(pods.items).toHaveLength(9);
    } finally {
      stop();
      await running;
      await rm(dir, { recursive: true, force: true });
    }
  });
});
