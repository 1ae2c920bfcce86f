// The production executor inside worker threads: every worker rebuilds the Kubernetes executor from the
// serializable spec and evicts against the simulated API server on 127.0.0.1.

import { KubeConfig } from '@kubernetes/client-node';
import { afterEach, describe, expect, it } from 'vitest';
import { ShardedRuntime } from '../../../src/main/runtime/shardedRuntime.js';
import type { EvictionResult } from '../../../src/shared/decisions.js';
import { silentLogger } from '../../../src/shared/logger.js';
import type { ApiCallCount } from '../../../src/shared/metricsDelta.js';
import type { PodRef } from '../../../src/shared/types.js';
import { type SimServer, startSimServer } from '../../../src/sim/index.js';
import { kubeExecutorWorkerOptions } from '../../../src/workers/executor/kubeExecutorSpec.js';
import { waitFor } from '../../support/waitFor.js';

let server: SimServer | undefined;
let runtime: ShardedRuntime | undefined;
afterEach(async () => {
  await runtime?.close(1_000);
  await server?.close();
});

describe('sharded runtime with the Kubernetes executor', () => {
  it('evicts pods in the API server from every worker, and reports a replaced pod as gone', async () => {
    server = await startSimServer();
    server.store.ensureNamespace('team-a');
    const pods: PodRef[] = [];
    for (let i = 0; i < 12; i++) {
      const created = server.store.create('pods', {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: `trainer-${i}`, namespace: 'team-a' },
        spec: { nodeName: 'node-1', containers: [{ name: 'c', image: 'busybox' }] },
      }) as { metadata: { uid: string } };
      pods.push({ namespace: 'team-a', name: `trainer-${i}`, uid: created.metadata.uid });
    }
    const kc = new KubeConfig();
    kc.loadFromString(server.kubeconfigYaml());
    const deltas: ApiCallCount[] = [];
    runtime = await ShardedRuntime.start({
      workers: 2,
      executor: { kind: 'kube', options: { ...kubeExecutorWorkerOptions(kc, { requestTimeoutMs: 5_000 }) } },
      budget: null,
      concurrency: 4,
      pending: () => [],
      onMetrics: (delta) => deltas.push(...delta.apiCalls),
      log: silentLogger,
      workerLog: { level: 'error', format: 'json' },
    });
    const results: EvictionResult[] = [];
    runtime.onResults((batch) => results.push(...batch));

    // The last one is an older incarnation: the name now belongs to a pod with another UID.
    const stale = { ...pods[11]!, uid: 'uid-of-an-earlier-incarnation' };
    for (const pod of pods.slice(0, 11)) runtime.sink.schedule(pod, Date.now(), ['rule:gpu-xid:uid-1']);
    runtime.sink.schedule(stale, Date.now(), ['rule:gpu-xid:uid-1']);

    await waitFor(
      () => results.length === 12,
      20_000,
      () => `${results.length}/12 results`,
    );
    const outcomes = new Map(results.map((r) => [r.pod.uid, r.outcome]));
    for (const pod of pods.slice(0, 11)) {
      expect(outcomes.get(pod.uid)).toBe('deleted');
      expect(server.store.get('pods', 'team-a', pod.name)).toBeUndefined();
    }
    expect(outcomes.get(stale.uid)).toBe('gone');
    expect(server.store.get('pods', 'team-a', 'trainer-11')).toBeDefined();
    const stats = await runtime.stats();
    // Both workers executed evictions (each built its own executor from the spec).
    expect(stats.shards.every((s) => (s.worker?.partition.completed ?? 0) > 0)).toBe(true);

    // Every API call the workers made reaches the main thread as a metrics delta (sent at least once a
    // second): 11 evictions × (status patch, event, delete) + the stale pod's patch, rejected with 422 (its UID is immutable).
    const total = (verb: string, resource: string, code: number): number =>
      deltas
        .filter((d) => d.verb === verb && d.resource === resource && d.code === code)
        .reduce((n, d) => n + d.count, 0);
    await waitFor(
      () => total('DELETE', 'pods', 200) === 11,
      5_000,
      () => JSON.stringify(deltas),
    );
    expect(total('PATCH', 'pods/status', 200)).toBe(11);
    expect(total('POST', 'events', 201)).toBe(11);
    expect(total('PATCH', 'pods/status', 422)).toBe(1);
  });
});
