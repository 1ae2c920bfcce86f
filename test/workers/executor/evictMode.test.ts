// --eviction-mode evict against the simulated API server's PodDisruptionBudgets and eviction
// subresource: a budget that allows it evicts (3 writes: status patch, event, eviction); a budget that
// does not is retried by the queue no sooner than kubectl drain would; after --eviction-timeout the
// device taint wins and the pod is deleted, with a Warning event that says so.

import { KubeConfig } from '@kubernetes/client-node';
import { afterEach, describe, expect, it } from 'vitest';
import { ApiError } from '../../../src/kube/apiClient.js';
import { KeepAliveApiClient } from '../../../src/kube/keepAlive.js';
import { unlimitedBudget } from '../../../src/shared/apiBudget.js';
import { FakeClock } from '../../../src/shared/clock.js';
import { POD_STATE_NONE } from '../../../src/shared/decisions.js';
import type { EvictionAttempt } from '../../../src/shared/executor.js';
import { RecordingLogger } from '../../../src/shared/logger.js';
import type { PodRef } from '../../../src/shared/types.js';
import { type SimServer, startSimServer } from '../../../src/sim/server.js';
import { BUDGET_RETRY_SECONDS, KubeEvictionExecutor } from '../../../src/workers/executor/kubeExecutor.js';

const T0 = Date.UTC(2030, 0, 1);
let sim: SimServer | null = null;
let api: KeepAliveApiClient | null = null;
afterEach(async () => {
  await api?.close();
  await sim?.close();
  api = null;
  sim = null;
});

async function setup(readyPods: number, minAvailable: number) {
  sim = await startSimServer({ port: 0 });
  sim.store.ensureNamespace('team');
  const pods: PodRef[] = [];
  for (let i = 0; i < readyPods; i++) {
    const created = sim.store.create(
      'pods',
      {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: `trainer-${i}`, namespace: 'team', labels: { app: 'trainer' } },
        spec: { nodeName: 'node-1', containers: [{ name: 'c', image: 'busybox' }] },
        status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] },
      },
      { keepStatus: true },
    ) as { metadata: { uid: string } };
    pods.push({ namespace: 'team', name: `trainer-${i}`, uid: created.metadata.uid });
  }
  sim.store.create('poddisruptionbudgets.policy', {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: { name: 'trainers', namespace: 'team' },
    spec: { minAvailable, selector: { matchLabels: { app: 'trainer' } } },
  });
  const kc = new KubeConfig();
  kc.loadFromString(sim.kubeconfigYaml());
  api = await KeepAliveApiClient.fromKubeConfig(kc);
  const clock = new FakeClock(T0);
  const log = new RecordingLogger();
  const executor = new KubeEvictionExecutor({
    api,
    budget: unlimitedBudget,
    clock,
    log,
    evictionMode: 'evict',
    evictionTimeoutMs: 600_000,
    requestTimeoutMs: 5_000,
  });
  return { sim, pods, clock, executor };
}

const attempt = (dueAt: number): EvictionAttempt => ({
  isCurrent: () => true,
  signal: new AbortController().signal,
  podState: POD_STATE_NONE,
  dueAt,
});

const writes = (s: SimServer) =>
  s.requests
    .recent()
    .filter((r) => r.verb === 'create' || r.verb === 'patch' || r.verb === 'delete')
    .map((r) => `${r.verb} ${r.resource}${r.subresource === '' ? '' : `/${r.subresource}`} ${r.code}`);

describe('--eviction-mode evict', () => {
  it('evicts through the eviction API when the budget allows it', async () => {
    const { sim: s, pods, clock, executor } = await setup(2, 1);
    s.requests.reset();
    expect(await executor.evict(pods[0]!, [], attempt(clock.now()))).toBe('deleted');
    await executor.settle(2_000);
    expect(s.store.get('pods', 'team', 'trainer-0')).toBeUndefined();
    const sent = writes(s);
    expect(sent[0]).toBe('patch pods/status 200');
    expect(sent.slice(1).sort()).toEqual(['create events 201', 'create pods/eviction 201']);
    expect(s.requests.count({ verb: 'delete', resource: 'pods' })).toBe(0);
  });

  it('leaves a pod its budget protects, asking to be retried in 5 s, until the timeout; then deletes it', async () => {
    const { sim: s, pods, clock, executor } = await setup(1, 1);
    const dueAt = clock.now();
    const refused = await executor.evict(pods[0]!, [], attempt(dueAt)).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ApiError);
    expect(refused).toMatchObject({ code: 429, retryAfterSeconds: BUDGET_RETRY_SECONDS });
    expect(s.store.get('pods', 'team', 'trainer-0')).toBeDefined();

    clock.advance(599_999);
    await expect(executor.evict(pods[0]!, [], attempt(dueAt))).rejects.toMatchObject({ code: 429 });
    expect(s.requests.count({ verb: 'delete', resource: 'pods' })).toBe(0);

    clock.advance(1);
    s.requests.reset();
    expect(await executor.evict(pods[0]!, [], attempt(dueAt))).toBe('deleted');
    await executor.settle(2_000);
    expect(s.store.get('pods', 'team', 'trainer-0')).toBeUndefined();
    expect(s.requests.count({ verb: 'create', resource: 'pods', subresource: 'eviction' })).toBe(0);
    expect(s.requests.count({ verb: 'delete', resource: 'pods', code: 200 })).toBe(1);
    const warning = s.store.list('events', { namespace: 'team' }).find((e) => e.type === 'Warning');
    expect(warning).toMatchObject({
      reason: 'DeviceTaintEvictionTimeout',
      involvedObject: { name: 'trainer-0', uid: pods[0]!.uid },
    });
    expect(String(warning?.message)).toContain('600s');
  });

  it("a retry after a budget's refusal does not patch the condition again; the event is counted again, as upstream", async () => {
    const { sim: s, pods, clock, executor } = await setup(1, 1);
    let marked = 0;
    const first = { ...attempt(clock.now()), onMarked: () => marked++ };
    s.requests.reset();
    await expect(executor.evict(pods[0]!, [], first)).rejects.toMatchObject({ code: 429 });
    await executor.settle(2_000);
    expect(marked).toBe(1);
    expect(writes(s).sort()).toEqual(['create events 201', 'create pods/eviction 429', 'patch pods/status 200']);
    const condition = JSON.stringify(s.store.get('pods', 'team', 'trainer-0')?.status);
    s.requests.reset();
    clock.advance(5_000);
    const retry = { ...attempt(T0), alreadyMarked: true, onMarked: () => marked++ };
    await expect(executor.evict(pods[0]!, [], retry)).rejects.toMatchObject({ code: 429 });
    await executor.settle(2_000);
    // Upstream's recorder correlates the repeated event: a count on the first Event, not a new one.
    expect(writes(s).sort()).toEqual(['create pods/eviction 429', 'patch events 200']);
    expect(marked).toBe(1);
    // The condition's lastTransitionTime is the first attempt's.
    expect(JSON.stringify(s.store.get('pods', 'team', 'trainer-0')?.status)).toBe(condition);
    s.store.patch('poddisruptionbudgets.policy', 'team', 'trainers', 'merge', { spec: { minAvailable: 0 } });
    s.requests.reset();
    expect(await executor.evict(pods[0]!, [], retry)).toBe('deleted');
    await executor.settle(2_000);
    expect(writes(s).sort()).toEqual(['create pods/eviction 201', 'patch events 200']);
    const marking = s.store.list('events', { namespace: 'team' }).filter((e) => e.message === 'Marking for deletion');
    expect(marking).toHaveLength(1);
    expect(marking[0]).toMatchObject({ count: 3, firstTimestamp: '2030-01-01T00:00:00Z' });
  });

  it('treats an eviction of a replaced pod as gone', async () => {
    const { pods, clock, executor } = await setup(2, 1);
    const stale = { ...pods[0]!, uid: 'an-older-incarnation' };
    expect(await executor.evict(stale, [], { ...attempt(clock.now()), podState: 2 })).toBe('gone');
  });
});
