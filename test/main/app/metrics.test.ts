import { describe, expect, it } from 'vitest';
import { ControllerMetrics } from '../../../src/main/app/metrics.js';
import { FakeClock } from '../../../src/shared/clock.js';
import type { EvictionOutcome, EvictionResult } from '../../../src/shared/decisions.js';
import { ApiCallCounter, isMetricsDelta, resourceOfPath } from '../../../src/shared/metricsDelta.js';
import type { PartitionStats } from '../../../src/workers/partition.js';

const pod = { namespace: 'default', name: 'p', uid: 'u1' };

const result = (outcome: EvictionOutcome, fireAt: number, doneAt: number): EvictionResult => ({
  pod,
  outcome,
  fireAt,
  doneAt,
  attempts: 1,
  reasons: ['rule:evict:1234'],
});

/** Value of one sample in the Prometheus text, or undefined when absent. */
function sample(text: string, series: string): number | undefined {
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    if (line.slice(0, at) === series) return Number(line.slice(at + 1));
  }
  return undefined;
}

const stats = (scheduled: number, running: number, retrying: number): PartitionStats => ({
  scheduled,
  running,
  retrying,
  completed: 0,
  failedAttempts: retrying,
  throttled: 0,
  throttledGlobalTotal: 0,
  throttledRuleTotal: 0,
});

describe('ControllerMetrics', () => {
  it('counts deleted and already-terminating pods with their latency, but not vanished ones', async () => {
    const metrics = new ControllerMetrics({ clock: new FakeClock() });
    metrics.recordResult(result('deleted', 1_000, 1_003)); // 3 ms
    metrics.recordResult(result('alreadyTerminating', 1_000, 4_000)); // 3 s
    metrics.recordResult(result('gone', 1_000, 500_000));
    const text = await metrics.render();
    expect(text).toContain(
      '# HELP device_taint_eviction_controller_pod_deletions_total Total number of Pods deleted by DeviceTaintEvictionController since its start.',
    );
    expect(sample(text, 'device_taint_eviction_controller_pod_deletions_total')).toBe(2);
    const h = 'device_taint_eviction_controller_pod_deletion_duration_seconds';
    expect(sample(text, `${h}_count`)).toBe(2);
    expect(sample(text, `${h}_sum`)).toBeCloseTo(3.003, 6);
    expect(sample(text, `${h}_bucket{le="0.005"}`)).toBe(1);
    expect(sample(text, `${h}_bucket{le="2.5"}`)).toBe(1);
    expect(sample(text, `${h}_bucket{le="10"}`)).toBe(2);
    expect(sample(text, `${h}_bucket{le="240"}`)).toBe(2);
    const buckets = text
      .split('\n')
      .filter((l) => l.startsWith(`${h}_bucket`))
      .map((l) => /le="([^"]+)"/.exec(l)?.[1]);
    expect(buckets).toEqual([
      '0.005',
      '0.025',
      '0.1',
      '0.5',
      '1',
      '2.5',
      '10',
      '30',
      '60',
      '120',
      '180',
      '240',
      '+Inf',
    ]);
  });

  it('fills per-shard queue gauges from the stats callback at scrape time', async () => {
    let current: PartitionStats[] = [stats(5, 1, 0), stats(0, 2, 3)];
    let pulls = 0;
    const metrics = new ControllerMetrics({
      clock: new FakeClock(),
      shardStats: async () => {
        pulls++;
        return current;
      },
    });
    let text = await metrics.render();
    expect(sample(text, 'device_taint_evictor_queue_depth{shard="0"}')).toBe(5);
    expect(sample(text, 'device_taint_evictor_queue_running{shard="1"}')).toBe(2);
    expect(sample(text, 'device_taint_evictor_queue_retrying{shard="1"}')).toBe(3);
    current = [stats(1, 0, 0)];
    text = await metrics.render();
    expect(sample(text, 'device_taint_evictor_queue_depth{shard="0"}')).toBe(1);
    // A shard that no longer reports disappears instead of keeping a stale value.
    expect(sample(text, 'device_taint_evictor_queue_depth{shard="1"}')).toBeUndefined();
    // One stats round trip per scrape, shared by all queue gauges.
    expect(pulls).toBe(2);
  });

  it('accepts shard stats keyed by shard number', async () => {
    const metrics = new ControllerMetrics({ clock: new FakeClock(), shardStats: () => new Map([[4, stats(7, 0, 0)]]) });
    expect(sample(await metrics.render(), 'device_taint_evictor_queue_depth{shard="4"}')).toBe(7);
  });

  it('merges API call deltas from workers with main-thread calls', async () => {
    const metrics = new ControllerMetrics({ clock: new FakeClock() });
    const worker = new ApiCallCounter();
    worker.observe('PATCH', '/api/v1/namespaces/ns/pods/p/status', 200);
    worker.observe('DELETE', '/api/v1/namespaces/ns/pods/p', 200);
    worker.observe('DELETE', '/api/v1/namespaces/ns/pods/q', 200);
    worker.observe('DELETE', '/api/v1/namespaces/ns/pods/r', 0);
    const delta = worker.take();
    expect(isMetricsDelta(structuredClone(delta))).toBe(true);
    expect(worker.take().apiCalls).toEqual([]);
    metrics.mergeDelta(delta);
    metrics.mergeDelta(delta);
    metrics.recordApiCall('PUT', 'leases', 409);
    metrics.observeApiCall('PATCH', '/apis/resource.k8s.io/v1/devicetaintrules/r/status', 200);
    const text = await metrics.render();
    const c = 'device_taint_evictor_api_calls_total';
    expect(sample(text, `${c}{verb="DELETE",resource="pods",code="200"}`)).toBe(4);
    expect(sample(text, `${c}{verb="PATCH",resource="pods/status",code="200"}`)).toBe(2);
    expect(sample(text, `${c}{verb="DELETE",resource="pods",code="0"}`)).toBe(2);
    expect(sample(text, `${c}{verb="PUT",resource="leases",code="409"}`)).toBe(1);
    expect(sample(text, `${c}{verb="PATCH",resource="devicetaintrules/status",code="200"}`)).toBe(1);
  });

  it('rejects malformed deltas at the thread boundary', () => {
    expect(isMetricsDelta(null)).toBe(false);
    expect(isMetricsDelta({ apiCalls: [{ verb: 'GET', resource: 'pods', code: '200', count: 1 }] })).toBe(false);
    expect(isMetricsDelta({ apiCalls: [{ verb: 'GET', resource: 'pods', code: 200, count: -1 }] })).toBe(false);
    expect(isMetricsDelta({ apiCalls: [] })).toBe(true);
  });

  it('reports informer last-event age from the injected clock, worker restarts and sync state', async () => {
    const clock = new FakeClock();
    const metrics = new ControllerMetrics({ clock });
    metrics.recordInformerEvent('pods');
    clock.advance(2_500);
    metrics.recordInformerEvent('resourceslices');
    clock.advance(500);
    metrics.setInformerSynced('pods', true);
    metrics.setInformerSynced('resourceslices', false);
    metrics.recordWorkerRestart(1);
    metrics.recordWorkerRestart(1);
    const text = await metrics.render();
    expect(sample(text, 'device_taint_evictor_informer_last_event_age_seconds{resource="pods"}')).toBe(3);
    expect(sample(text, 'device_taint_evictor_informer_last_event_age_seconds{resource="resourceslices"}')).toBe(0.5);
    expect(sample(text, 'device_taint_evictor_informer_synced{resource="pods"}')).toBe(1);
    expect(sample(text, 'device_taint_evictor_informer_synced{resource="resourceslices"}')).toBe(0);
    expect(sample(text, 'device_taint_evictor_worker_restarts_total{shard="1"}')).toBe(2);
  });

  it('keeps separate registries per instance', async () => {
    const a = new ControllerMetrics({ clock: new FakeClock() });
    const b = new ControllerMetrics({ clock: new FakeClock() });
    a.recordResult(result('deleted', 0, 0));
    expect(sample(await b.render(), 'device_taint_eviction_controller_pod_deletions_total')).toBe(0);
  });
});

describe('resourceOfPath', () => {
  it.each([
    ['/api/v1/namespaces/ns/pods/p/status', 'pods/status'],
    ['/api/v1/namespaces/ns/pods/p', 'pods'],
    ['/api/v1/namespaces/ns/events', 'events'],
    ['/apis/resource.k8s.io/v1/devicetaintrules/r/status', 'devicetaintrules/status'],
    ['/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/l?x=1', 'leases'],
    ['/api/v1/namespaces', 'namespaces'],
    ['/api/v1/namespaces/ns', 'namespaces'],
  ])('%s → %s', (path, resource) => {
    expect(resourceOfPath(path)).toBe(resource);
  });
});
