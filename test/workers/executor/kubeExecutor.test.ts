// The eviction executor against the simulated API server: calls per eviction, their order, outcomes
// for vanished, replaced and terminating pods, retryable failures and the API budget.
import { KubeConfig } from '@kubernetes/client-node';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type ApiClient, ApiError, type ApiRequest } from '../../../src/kube/apiClient.js';
import { ApiConnection, PushedCredentials } from '../../../src/kube/connection.js';
import { KeepAliveApiClient } from '../../../src/kube/keepAlive.js';
import type { ApiBudget } from '../../../src/shared/apiBudget.js';
import { FakeClock } from '../../../src/shared/clock.js';
import { POD_HAS_DISRUPTION_TARGET, POD_STATE_NONE, POD_TERMINATING } from '../../../src/shared/decisions.js';
import type { EvictionAttempt } from '../../../src/shared/executor.js';
import { RecordingLogger } from '../../../src/shared/logger.js';
import { ApiCallCounter } from '../../../src/shared/metricsDelta.js';
import type { PodRef } from '../../../src/shared/types.js';
import { FenceClosedError, WriteFence } from '../../../src/shared/writeFence.js';
import { type SimServer, startSimServer } from '../../../src/sim/server.js';
import { DryRunEvictionExecutor, KubeEvictionExecutor } from '../../../src/workers/executor/kubeExecutor.js';
import {
  buildKubeExecutor,
  isKubeExecutorWorkerOptions,
  kubeExecutorWorkerOptions,
} from '../../../src/workers/executor/kubeExecutorSpec.js';
import { waitFor } from '../../support/waitFor.js';

class CountingBudget implements ApiBudget {
  taken = 0;
  acquire(): Promise<void> {
    this.taken++;
    return Promise.resolve();
  }
  tryAcquire(): boolean {
    this.taken++;
    return true;
  }
}

const podObject = (name: string, namespace = 'default') => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace },
  spec: { nodeName: 'worker', containers: [{ name: 'c', image: 'busybox' }] },
  status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] },
});

interface Ctx {
  sim: SimServer;
  api: KeepAliveApiClient;
  budget: CountingBudget;
  log: RecordingLogger;
  clock: FakeClock;
}

async function setup(podDeletion?: { gracePeriodMs: number }): Promise<Ctx> {
  const sim = await startSimServer({ port: 0, ruleVersions: ['v1'], podDeletion });
  const kc = new KubeConfig();
  kc.loadFromString(sim.kubeconfigYaml());
  const api = await KeepAliveApiClient.fromKubeConfig(kc);
  return {
    sim,
    api,
    budget: new CountingBudget(),
    log: new RecordingLogger(),
    clock: new FakeClock(Date.UTC(2026, 0, 1)),
  };
}

// A short call deadline: the sim's injected 429/503 carry Retry-After (as kube-apiserver's do), and a
// wait that does not fit in the deadline surfaces the error at once instead of retrying for seconds.
const executorOf = (c: Ctx, api: ApiClient = c.api) =>
  new KubeEvictionExecutor({
    api,
    budget: c.budget,
    clock: c.clock,
    log: c.log,
    reportingInstance: 'test-1',
    requestTimeoutMs: 900,
  });

function createPod(c: Ctx, name: string): PodRef {
  const created = c.sim.store.create('pods', podObject(name), { keepStatus: true });
  const meta = created.metadata as { uid: string };
  return { namespace: 'default', name, uid: meta.uid };
}

/** Writes (not reads/watches) the executor sent, in order, as `VERB resource[/sub]`. */
const writes = (sim: SimServer): string[] =>
  sim.requests
    .recent()
    .filter((r) => r.verb === 'create' || r.verb === 'update' || r.verb === 'patch' || r.verb === 'delete')
    .map((r) => `${r.verb} ${r.resource}${r.subresource ? `/${r.subresource}` : ''} ${r.code}`);

interface Metadata {
  name?: string;
  uid?: string;
  deletionTimestamp?: string;
}
const metadataOf = (obj: { metadata?: unknown } | undefined): Metadata => (obj?.metadata ?? {}) as Metadata;

const events = (sim: SimServer) => sim.store.list('events');

describe('KubeEvictionExecutor', () => {
  let c: Ctx;
  beforeEach(async () => {
    c = await setup();
  });
  afterEach(async () => {
    await c.api.close();
    await c.sim.close();
  });

  it('evicts with exactly 3 writes: condition patch, event, delete — condition applied before deletion', async () => {
    const pod = createPod(c, 'my-pod');
    const seen: { type: string; conditions: unknown }[] = [];
    const watch = c.sim.store.watch('pods', {}, c.sim.store.resourceVersion, (type, entry) => {
      const obj = JSON.parse(entry.json.toString('utf8')) as { status?: { conditions?: unknown } };
      seen.push({ type, conditions: obj.status?.conditions });
    });
    c.sim.requests.reset();

    const outcome = await executorOf(c).evict(pod, ['slice:some-driver/worker/slice/instance#0']);

    watch.stop();
    await executorOf(c).settle(5_000);
    expect(outcome).toBe('deleted');
    // The event is sent after the patch proved the pod exists, beside the DELETE (never delaying it).
    const sent = writes(c.sim);
    expect(sent[0]).toBe('patch pods/status 200');
    expect(sent.slice(1).sort()).toEqual(['create events 201', 'delete pods 200']);
    expect(c.sim.requests.count()).toBe(3); // no GET
    expect(c.budget.taken).toBe(3);
    expect(c.sim.store.get('pods', 'default', 'my-pod')).toBeUndefined();

    // The watch saw the condition land (MODIFIED) before the pod went away (DELETED).
    expect(seen.map((s) => s.type)).toEqual(['MODIFIED', 'DELETED']);
    expect(seen[0]?.conditions).toEqual([
      { type: 'Ready', status: 'True' },
      {
        type: 'DisruptionTarget',
        status: 'True',
        reason: 'DeletionByDeviceTaintManager',
        message: 'Device Taint manager: deleting due to NoExecute taint',
        lastTransitionTime: '2026-01-01T00:00:00Z',
      },
    ]);

    const [event, ...more] = events(c.sim);
    expect(more).toHaveLength(0);
    expect(event).toMatchObject({
      type: 'Normal',
      reason: 'DeviceTaintManagerEviction',
      message: 'Marking for deletion',
      involvedObject: { apiVersion: 'v1', kind: 'Pod', namespace: 'default', name: 'my-pod', uid: pod.uid },
      source: { component: 'device-taint-eviction-controller' },
      reportingComponent: 'device-taint-eviction-controller',
      reportingInstance: 'test-1',
      firstTimestamp: '2026-01-01T00:00:00Z',
      lastTimestamp: '2026-01-01T00:00:00Z',
      count: 1,
    });
    expect(metadataOf(event).name).toMatch(/^my-pod\..+/);
  });

  it('reports a vanished pod as gone after one call, with no event and no delete', async () => {
    const outcome = await executorOf(c).evict({ namespace: 'default', name: 'nope', uid: 'u-1' }, []);
    expect(outcome).toBe('gone');
    expect(writes(c.sim)).toEqual(['patch pods/status 404']);
    expect(events(c.sim)).toHaveLength(0);
    expect(c.budget.taken).toBe(1);
  });

  it('leaves a same-name replacement (other UID) untouched and reports gone', async () => {
    const old = createPod(c, 'my-pod');
    c.sim.store.delete('pods', 'default', 'my-pod', {});
    const replacement = createPod(c, 'my-pod');
    expect(replacement.uid).not.toBe(old.uid);
    const before = JSON.stringify(c.sim.store.get('pods', 'default', 'my-pod'));
    c.sim.requests.reset();

    expect(await executorOf(c).evict(old, [])).toBe('gone');
    expect(writes(c.sim)).toEqual(['patch pods/status 422']);
    expect(JSON.stringify(c.sim.store.get('pods', 'default', 'my-pod'))).toBe(before);
    expect(events(c.sim)).toHaveLength(0);
  });

  it('reports gone when the pod is replaced between condition patch and delete (DELETE UID precondition)', async () => {
    const pod = createPod(c, 'my-pod');
    let replacementUid = '';
    // Replace the pod right after the PATCH succeeds, as a controller recreating it would.
    const racing: ApiClient = {
      request: async (req: ApiRequest) => {
        const res = await c.api.request(req);
        if (req.method === 'PATCH') {
          c.sim.store.delete('pods', 'default', 'my-pod', { gracePeriodSeconds: 0 });
          replacementUid = createPod(c, 'my-pod').uid;
        }
        return res;
      },
      close: () => c.api.close(),
    };
    c.sim.requests.reset();
    expect(await executorOf(c, racing).evict(pod, [])).toBe('gone');
    expect(writes(c.sim)).toEqual(['patch pods/status 200', 'create events 201', 'delete pods 409']);
    const survivor = c.sim.store.get('pods', 'default', 'my-pod') as { metadata: { uid: string } };
    expect(survivor.metadata.uid).toBe(replacementUid);
  });

  it('throws retryable errors for 500 and 429, then succeeds once the API recovers', async () => {
    const pod = createPod(c, 'my-pod');
    const executor = executorOf(c);

    c.sim.setFaults({ verbs: { patch: { errorRate: 1, code: 500, resources: ['pods'] } } });
    const e500 = await executor.evict(pod, []).catch((e: unknown) => e);
    expect(e500).toBeInstanceOf(ApiError);
    expect((e500 as ApiError).code).toBe(500);

    c.sim.setFaults({ verbs: { delete: { errorRate: 1, code: 429, retryAfterSeconds: 2 } } });
    const e429 = await executor.evict(pod, []).catch((e: unknown) => e);
    expect(e429).toBeInstanceOf(ApiError);
    expect(e429).toMatchObject({ code: 429, retryAfterSeconds: 2 });
    expect(c.sim.store.get('pods', 'default', 'my-pod')).toBeDefined();

    c.sim.setFaults({});
    expect(await executor.evict(pod, [])).toBe('deleted');
    // One event per attempt that got past the condition patch (as upstream re-emits on retries),
    // correlated as upstream's recorder does: the second is a count on the first Event.
    expect(events(c.sim).map((e) => [e.message, e.count])).toEqual([['Marking for deletion', 2]]);
    expect(c.sim.requests.count({ verb: 'patch', resource: 'events', code: 200 })).toBe(1);
    expect(c.budget.taken).toBe(1 + 3 + 3);
  });

  it('creates a repeated event again, with its count, when the Event it would count on is gone', async () => {
    const pod = createPod(c, 'my-pod');
    const executor = executorOf(c);
    await executor.recordCancellation(pod);
    const name = String((events(c.sim)[0]?.metadata as { name?: string } | undefined)?.name);
    expect(name).toMatch(/^my-pod\.[0-9a-f]+$/);
    await executor.recordCancellation(pod);
    expect(events(c.sim).map((e) => e.count)).toEqual([2]);
    // Events expire (kube-apiserver's --event-ttl); the next repeat finds none to patch.
    c.sim.store.delete('events', 'default', name);
    await executor.recordCancellation(pod);
    expect(events(c.sim)).toEqual([
      expect.objectContaining({
        metadata: expect.objectContaining({ name }),
        count: 3,
        message: 'Cancelling deletion',
      }),
    ]);
    expect(c.sim.requests.count({ verb: 'patch', resource: 'events', code: 404 })).toBe(1);
    expect(c.budget.taken).toBe(1 + 1 + 2);
  });

  it('does not let a failing Event block the eviction', async () => {
    const pod = createPod(c, 'my-pod');
    c.sim.setFaults({ verbs: { create: { errorRate: 1, code: 500, resources: ['events'] } } });
    expect(await executorOf(c).evict(pod, [])).toBe('deleted');
    expect(c.sim.store.get('pods', 'default', 'my-pod')).toBeUndefined();
    expect(c.log.lines.some((l) => l.level === 'warn' && l.msg === 'failed to record event')).toBe(true);
  });

  it('records "Cancelling deletion" for a cancelled eviction, best effort', async () => {
    const pod = createPod(c, 'my-pod');
    const executor = executorOf(c);
    await executor.recordCancellation(pod);
    expect(events(c.sim).map((e) => [e.message, (e.involvedObject as { uid: string }).uid])).toEqual([
      ['Cancelling deletion', pod.uid],
    ]);
    expect(c.budget.taken).toBe(1);
    c.sim.setFaults({ verbs: { create: { errorRate: 1, code: 503 } } });
    await expect(executor.recordCancellation(pod)).resolves.toBeUndefined();
    expect(c.sim.store.get('pods', 'default', 'my-pod')).toBeDefined();
  });

  it('dry run writes nothing', async () => {
    const pod = createPod(c, 'my-pod');
    c.sim.requests.reset();
    const log = new RecordingLogger();
    const dry = new DryRunEvictionExecutor(log);
    expect(await dry.evict(pod, ['rule:evict:1'])).toBe('gone');
    await dry.recordCancellation(pod);
    expect(c.sim.requests.count()).toBe(0);
    expect(c.sim.store.get('pods', 'default', 'my-pod')).toBeDefined();
    expect(log.lines.map((l) => l.msg)).toEqual([
      'dry run: would add DisruptionTarget condition, record event and delete pod',
      'dry run: would record event',
    ]);
  });
});

describe('buildKubeExecutor (worker-side construction)', () => {
  let c: Ctx;
  beforeEach(async () => {
    c = await setup();
  });
  afterEach(async () => {
    await c.api.close();
    await c.sim.close();
  });

  it('rebuilds a working executor from structured-cloned options and counts its calls', async () => {
    const kc = new KubeConfig();
    kc.loadFromString(c.sim.kubeconfigYaml());
    const connection = await ApiConnection.fromKubeConfig(kc);
    const options = structuredClone(kubeExecutorWorkerOptions(connection, { reportingInstance: 'shard-0' }));
    expect(isKubeExecutorWorkerOptions(options)).toBe(true);
    expect(isKubeExecutorWorkerOptions({ ...options, connections: 0 })).toBe(false);
    expect(isKubeExecutorWorkerOptions({ ...options, connection: { server: 'http://x', tls: {} } })).toBe(false);
    const counter = new ApiCallCounter();
    // What a worker holds: the main thread's credentials as structured-cloned plain data.
    const credentials = new PushedCredentials(structuredClone(connection.credentials.latest()), () => {});
    const built = await buildKubeExecutor(options, {
      clock: c.clock,
      budget: c.budget,
      log: c.log,
      onCall: counter.observe,
      credentials,
    });
    try {
      const pod = createPod(c, 'my-pod');
      expect(await built.executor.evict(pod, [])).toBe('deleted');
      expect(c.sim.store.get('pods', 'default', 'my-pod')).toBeUndefined();
      const calls = counter.take().apiCalls.map((a) => `${a.verb} ${a.resource} ${a.code} x${a.count}`);
      expect(calls.sort()).toEqual(['DELETE pods 200 x1', 'PATCH pods/status 200 x1', 'POST events 201 x1']);
    } finally {
      await built.close();
    }
  });

  it('builds a dry-run executor that never touches the API', async () => {
    const kc = new KubeConfig();
    kc.loadFromString(c.sim.kubeconfigYaml());
    const connection = await ApiConnection.fromKubeConfig(kc);
    const built = await buildKubeExecutor(kubeExecutorWorkerOptions(connection, { dryRun: true }), {
      clock: c.clock,
      budget: c.budget,
      log: c.log,
    });
    const pod = createPod(c, 'my-pod');
    c.sim.requests.reset();
    expect(await built.executor.evict(pod, [])).toBe('gone');
    expect(c.sim.requests.count()).toBe(0);
    expect(c.budget.taken).toBe(0);
  });
});

describe('KubeEvictionExecutor with graceful pod deletion', () => {
  let c: Ctx;
  beforeEach(async () => {
    c = await setup({ gracePeriodMs: 60_000 });
  });
  afterEach(async () => {
    await c.api.close();
    await c.sim.close();
  });

  it('reports an already terminating pod as alreadyTerminating with no event and no delete', async () => {
    const pod = createPod(c, 'my-pod');
    c.sim.store.delete('pods', 'default', 'my-pod', {});
    expect(metadataOf(c.sim.store.get('pods', 'default', 'my-pod')).deletionTimestamp).toBeTruthy();
    c.sim.requests.reset();
    expect(await executorOf(c).evict(pod, [])).toBe('alreadyTerminating');
    expect(writes(c.sim)).toEqual(['patch pods/status 200']);
    expect(events(c.sim)).toHaveLength(0);
  });

  it('reports deleted when its own DELETE starts graceful termination', async () => {
    const pod = createPod(c, 'my-pod');
    expect(await executorOf(c).evict(pod, [])).toBe('deleted');
    expect(metadataOf(c.sim.store.get('pods', 'default', 'my-pod')).deletionTimestamp).toBeTruthy();
  });
});

/** An ApiClient whose answers the test scripts per request; records what was sent. */
class ScriptedApi implements ApiClient {
  readonly sent: ApiRequest[] = [];
  constructor(private readonly answer: (req: ApiRequest) => Promise<unknown>) {}
  async request(req: ApiRequest) {
    this.sent.push(req);
    return { status: 200, body: await this.answer(req) };
  }
  async close() {}
  get lines(): string[] {
    return this.sent.map((r) => `${r.method} ${r.path.replace('/api/v1/namespaces/default/', '')}`);
  }
}

const livePod = { metadata: { name: 'my-pod', namespace: 'default' } };
const attempt = (overrides: Partial<EvictionAttempt> = {}): EvictionAttempt => ({
  isCurrent: () => true,
  signal: new AbortController().signal,
  podState: POD_STATE_NONE,
  dueAt: Number.POSITIVE_INFINITY,
  ...overrides,
});
const POD: PodRef = { namespace: 'default', name: 'my-pod', uid: 'u-1' };

describe('KubeEvictionExecutor: what it writes in each case', () => {
  const make = (api: ApiClient, fence?: WriteFence) => {
    const budget = new CountingBudget();
    const executor = new KubeEvictionExecutor({
      api,
      budget,
      clock: new FakeClock(Date.UTC(2026, 0, 1)),
      log: new RecordingLogger(),
      ...(fence === undefined ? {} : { fence }),
    });
    return { executor, budget };
  };

  it('writes nothing at all for a pod the cache shows terminating (not even the condition)', async () => {
    const api = new ScriptedApi(async () => livePod);
    const { executor, budget } = make(api);
    expect(await executor.evict(POD, [], attempt({ podState: POD_TERMINATING }))).toBe('alreadyTerminating');
    expect(api.sent).toEqual([]);
    expect(budget.taken).toBe(0);
  });

  it('does not rewrite our DisruptionTarget condition: DELETE, then the event (2 writes)', async () => {
    const api = new ScriptedApi(async () => livePod);
    const { executor, budget } = make(api);
    expect(await executor.evict(POD, [], attempt({ podState: POD_HAS_DISRUPTION_TARGET }))).toBe('deleted');
    await executor.settle(1_000);
    expect(api.lines).toEqual(['DELETE pods/my-pod', 'POST events']);
    expect(budget.taken).toBe(2);
  });

  it('does nothing when its intent went stale while it waited for a token', async () => {
    const api = new ScriptedApi(async () => livePod);
    const { executor } = make(api);
    expect(await executor.evict(POD, [], attempt({ isCurrent: () => false }))).toBe('superseded');
    expect(api.sent).toEqual([]);
  });

  it('stops before the DELETE when cancelled after the status patch', async () => {
    let current = true;
    const api = new ScriptedApi(async (req) => {
      if (req.method === 'PATCH') current = false; // the cancel arrives while the patch is in flight
      return livePod;
    });
    const { executor } = make(api);
    expect(await executor.evict(POD, [], attempt({ isCurrent: () => current }))).toBe('superseded');
    await executor.settle(1_000);
    expect(api.lines.filter((l) => !l.startsWith('POST events'))).toEqual(['PATCH pods/my-pod/status']);
  });

  it('classifies 422 on metadata.uid (the patch met a same-name replacement) as gone, never as an error', async () => {
    const api = new ScriptedApi(async () => {
      throw new ApiError(
        422,
        'Invalid',
        'Pod "my-pod" is invalid: metadata.uid: Invalid value: "u-1": field is immutable',
        null,
        ['metadata.uid'],
      );
    });
    const { executor } = make(api);
    expect(await executor.evict(POD, [], attempt())).toBe('gone');
    expect(api.lines).toEqual(['PATCH pods/my-pod/status']);
    // Any other 422 is a real error, retried by the queue.
    const other = new ScriptedApi(async () => {
      throw new ApiError(422, 'Invalid', 'status.conditions: bad', null, ['status.conditions']);
    });
    await expect(make(other).executor.evict(POD, [], attempt())).rejects.toMatchObject({ code: 422 });
  });

  it('records no event without a valid lease, not even the create that follows a patch answered 404', async () => {
    const fence = new WriteFence(WriteFence.createSpec());
    fence.openForever();
    const api = new ScriptedApi(async (req) => {
      if (req.method !== 'PATCH') return {};
      // The repeat's Event is gone, and leadership is lost while the patch is answered.
      fence.close();
      throw new ApiError(404, 'NotFound', 'events "my-pod.1" not found', null);
    });
    const { executor } = make(api, fence);
    await executor.recordCancellation(POD);
    await executor.recordCancellation(POD);
    expect(api.lines).toEqual(['POST events', expect.stringMatching(/^PATCH events\/my-pod\.[0-9a-f]+$/)]);
    await executor.recordCancellation(POD);
    expect(api.sent).toHaveLength(2);
  });

  it('refuses to write without a valid lease, and cuts writes in flight when leadership is lost', async () => {
    const closed = new WriteFence(WriteFence.createSpec());
    const api = new ScriptedApi(async () => livePod);
    await expect(make(api, closed).executor.evict(POD, [], attempt())).rejects.toBeInstanceOf(FenceClosedError);
    expect(api.sent).toEqual([]);

    const lost = new AbortController();
    const hanging = new ScriptedApi(
      (req) =>
        new Promise((_resolve, reject) => {
          req.signal?.addEventListener('abort', () => reject(new ApiError(0, 'AbortError', 'aborted')));
        }),
    );
    const evicting = make(hanging, WriteFence.alwaysOpen()).executor.evict(POD, [], attempt({ signal: lost.signal }));
    await waitFor(
      () => hanging.sent.length === 1,
      2_000,
      () => 'the status patch is in flight',
    );
    lost.abort(new Error('leadership lost'));
    await expect(evicting).rejects.toMatchObject({ code: 0 });
    expect(hanging.lines).toEqual(['PATCH pods/my-pod/status']);
  });

  it("bounds each write's deadline by the lease's: a write cannot outlive the permission it started under", async () => {
    // A fence open for 2 s more (a leader that renewed 2 s before its renew deadline).
    const fence = new WriteFence(WriteFence.createSpec(), () => 1_000);
    fence.openUntil(3_000);
    const api = new ScriptedApi(async () => livePod);
    const executor = new KubeEvictionExecutor({
      api,
      budget: new CountingBudget(),
      clock: new FakeClock(Date.UTC(2026, 0, 1)),
      log: new RecordingLogger(),
      fence,
      requestTimeoutMs: 30_000,
    });
    expect(await executor.evict(POD, [], attempt())).toBe('deleted');
    await executor.settle(1_000);
    const writes = api.sent.filter((r) => r.method !== 'POST');
    expect(writes.map((r) => r.timeoutMs)).toEqual([2_000, 2_000]);

    // Without leader election the call's own deadline applies.
    const open = new ScriptedApi(async () => livePod);
    await make(open, WriteFence.alwaysOpen()).executor.evict(POD, [], attempt());
    expect(open.sent.filter((r) => r.method !== 'POST').map((r) => r.timeoutMs)).toEqual([30_000, 30_000]);
  });

  it('never lets a slow Event delay the DELETE', async () => {
    let releaseEvent: () => void = () => {};
    const api = new ScriptedApi((req) =>
      req.path.endsWith('/events')
        ? new Promise((resolve) => {
            releaseEvent = () => resolve({});
          })
        : Promise.resolve(livePod),
    );
    const { executor } = make(api);
    expect(await executor.evict(POD, [], attempt())).toBe('deleted');
    expect(api.lines).toEqual(['PATCH pods/my-pod/status', 'POST events', 'DELETE pods/my-pod']);
    releaseEvent();
    await executor.settle(1_000);
  });
});
