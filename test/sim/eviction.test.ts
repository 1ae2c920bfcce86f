// The eviction subresource (pkg/registry/core/pod/storage/eviction.go) and PodDisruptionBudget
// status as the disruption controller computes it (pkg/controller/disruption/disruption.go), driven
// over HTTP: the exact answers (code, reason, message, causes, Retry-After) and the status after
// each step.

import { afterEach, describe, expect, it } from 'vitest';
import type { JsonObject, SimServer, SimServerOptions } from '../../src/sim/index.js';
import { raw, startHarness } from './helpers.js';

const PDBS = 'poddisruptionbudgets.policy';
const NS = 'default';
const pdbPath = (ns = NS) => `/apis/policy/v1/namespaces/${ns}/poddisruptionbudgets`;
const evictPath = (name: string, ns = NS) => `/api/v1/namespaces/${ns}/pods/${name}/eviction`;

let sim: SimServer | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

async function start(opts: SimServerOptions = {}): Promise<SimServer> {
  sim = (await startHarness(opts)).server;
  return sim;
}

interface PodOpts {
  labels?: Record<string, string>;
  ready?: boolean;
  phase?: string;
  owner?: JsonObject;
  finalizers?: string[];
}

/** A pod as a kubelet would have reported it (status kept as given). */
function addPod(s: SimServer, name: string, o: PodOpts = {}): JsonObject {
  return s.store.create(
    'pods',
    {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name,
        namespace: NS,
        labels: o.labels ?? { app: 'web' },
        ...(o.owner !== undefined ? { ownerReferences: [o.owner] } : {}),
        ...(o.finalizers !== undefined ? { finalizers: o.finalizers } : {}),
      },
      spec: { containers: [{ name: 'main', image: 'busybox' }] },
      status: {
        phase: o.phase ?? 'Running',
        conditions: [{ type: 'Ready', status: o.ready === false ? 'False' : 'True' }],
      },
    },
    { keepStatus: true },
  );
}

async function addPdb(s: SimServer, name: string, spec: JsonObject): Promise<JsonObject> {
  const res = await raw(s, 'POST', pdbPath(), {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: { name },
    spec: { selector: { matchLabels: { app: 'web' } }, ...spec },
  });
  expect(res.status, JSON.stringify(res.json)).toBe(201);
  return res.json as JsonObject;
}

const pdbStatus = (s: SimServer, name: string) => s.store.get(PDBS, NS, name)!.status as JsonObject;

const eviction = (name: string, deleteOptions?: JsonObject, apiVersion = 'policy/v1') => ({
  apiVersion,
  kind: 'Eviction',
  metadata: { name, namespace: NS },
  ...(deleteOptions !== undefined ? { deleteOptions } : {}),
});

const evict = (s: SimServer, name: string, deleteOptions?: JsonObject, query = '') =>
  raw(s, 'POST', evictPath(name) + query, eviction(name, deleteOptions));

const condition = (status: string, reason: string, observedGeneration = 1) => ({
  type: 'DisruptionAllowed',
  status,
  observedGeneration,
  lastTransitionTime: expect.any(String),
  reason,
  message: '',
});

const SUCCESS = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 };
const VIOLATION = "Cannot evict pod as it would violate the pod's disruption budget.";

describe('PodDisruptionBudget status (the disruption controller, run synchronously by the sim)', () => {
  it('creates with the zero status, then shows the computed one with the DisruptionAllowed condition', async () => {
    const s = await start();
    for (const n of ['a', 'b', 'c']) addPod(s, n);
    const created = await addPdb(s, 'web', { minAvailable: 2 });
    // PrepareForCreate: Status{} (the counters have no omitempty); the controller writes after.
    expect(created.status).toEqual({ disruptionsAllowed: 0, currentHealthy: 0, desiredHealthy: 0, expectedPods: 0 });
    expect(pdbStatus(s, 'web')).toEqual({
      observedGeneration: 1,
      disruptionsAllowed: 1,
      currentHealthy: 3,
      desiredHealthy: 2,
      expectedPods: 3,
      conditions: [condition('True', 'SufficientPods')],
    });
    const managers = (s.store.get(PDBS, NS, 'web')!.metadata as { managedFields: JsonObject[] }).managedFields;
    expect(managers.map((m) => [m.manager, m.operation, m.subresource])).toContainEqual([
      'kube-controller-manager',
      'Update',
      'status',
    ]);
    // A pod turning unready, and one appearing, re-sync the budget.
    s.store.patch(
      'pods',
      NS,
      'a',
      'merge',
      { status: { conditions: [{ type: 'Ready', status: 'False' }] } },
      {
        subresource: 'status',
      },
    );
    expect(pdbStatus(s, 'web')).toMatchObject({ disruptionsAllowed: 0, currentHealthy: 2, expectedPods: 3 });
    expect(pdbStatus(s, 'web').conditions).toEqual([condition('False', 'InsufficientPods')]);
    addPod(s, 'd');
    expect(pdbStatus(s, 'web')).toMatchObject({ disruptionsAllowed: 1, currentHealthy: 3, expectedPods: 4 });
    // A spec change bumps generation; the status follows it (observedGeneration 2).
    await raw(s, 'PATCH', `${pdbPath()}/web`, { spec: { minAvailable: 3 } }, 'application/merge-patch+json');
    expect(pdbStatus(s, 'web')).toMatchObject({ observedGeneration: 2, disruptionsAllowed: 0, desiredHealthy: 3 });
  });

  it('percentages and maxUnavailable scale by the controller (a Deployment), rounding up', async () => {
    const s = await start();
    const d = s.store.create('deployments.apps', {
      metadata: { name: 'web', namespace: NS },
      spec: {
        replicas: 3,
        selector: { matchLabels: { app: 'web' } },
        template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'i' }] } },
      },
    });
    const owner = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      name: 'web',
      uid: (d.metadata as JsonObject).uid as string,
      controller: true,
    };
    for (const n of ['a', 'b', 'c']) addPod(s, n, { owner });
    // minAvailable 50% of 3 → ceil(1.5) = 2 desired.
    await addPdb(s, 'min', { minAvailable: '50%' });
    expect(pdbStatus(s, 'min')).toMatchObject({ expectedPods: 3, desiredHealthy: 2, disruptionsAllowed: 1 });
    await raw(s, 'DELETE', `${pdbPath()}/min`);
    // maxUnavailable 34% of 3 → ceil(1.02) = 2 unavailable → 1 desired.
    await addPdb(s, 'max', { maxUnavailable: '34%' });
    expect(pdbStatus(s, 'max')).toMatchObject({ expectedPods: 3, desiredHealthy: 1, disruptionsAllowed: 2 });
    // Scaling the Deployment changes the expectation at the next sync (here: a pod change).
    s.store.patch('deployments.apps', NS, 'web', 'merge', { spec: { replicas: 10 } });
    addPod(s, 'd', { owner });
    expect(pdbStatus(s, 'max')).toMatchObject({ expectedPods: 10, desiredHealthy: 6, disruptionsAllowed: 0 });
  });

  it('pods without a controller: an int minAvailable counts them; percentages and maxUnavailable expect 0', async () => {
    const s = await start();
    for (const n of ['a', 'b', 'c']) addPod(s, n);
    await addPdb(s, 'pct', { minAvailable: '50%', selector: { matchLabels: { app: 'web' } } });
    expect(pdbStatus(s, 'pct')).toMatchObject({
      expectedPods: 0,
      desiredHealthy: 0,
      currentHealthy: 3,
      disruptionsAllowed: 0,
    });
    const blocked = await evict(s, 'a');
    expect(blocked.status).toBe(429);
    expect(blocked.json.details).toEqual({
      causes: [
        { reason: 'DisruptionBudget', message: 'The disruption budget pct needs 0 healthy pods and has 3 currently' },
      ],
    });
  });

  it('a controller the sim cannot resolve fails the sync (failSafe): SyncFailed, and evictions wait', async () => {
    const s = await start();
    const owner = { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-1', uid: 'u-1', controller: true };
    for (const n of ['a', 'b']) addPod(s, n, { owner });
    await addPdb(s, 'web', { maxUnavailable: 1 });
    expect(pdbStatus(s, 'web')).toEqual({
      disruptionsAllowed: 0,
      currentHealthy: 0,
      desiredHealthy: 0,
      expectedPods: 0,
      conditions: [
        {
          type: 'DisruptionAllowed',
          status: 'False',
          lastTransitionTime: expect.any(String),
          reason: 'SyncFailed',
          message: 'found no controllers for pod "a"',
        },
      ],
    });
    // observedGeneration (0) < generation (1): createTooManyRequestsError, with Retry-After 10.
    const res = await evict(s, 'a');
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('10');
    expect(res.json).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: VIOLATION,
      reason: 'TooManyRequests',
      details: {
        causes: [
          { reason: 'DisruptionBudget', message: 'The disruption budget web is still being processed by the server.' },
        ],
        retryAfterSeconds: 10,
      },
      code: 429,
    });
  });

  it('policy/v1 selectors: {} selects every pod of the namespace, no selector none', async () => {
    const s = await start();
    addPod(s, 'a', { labels: { app: 'x' } });
    addPod(s, 'b', { labels: {} });
    const all = await raw(s, 'POST', pdbPath(), {
      metadata: { name: 'all' },
      spec: { minAvailable: 0, selector: {} },
    });
    expect(all.status).toBe(201);
    expect(pdbStatus(s, 'all')).toMatchObject({ expectedPods: 2, currentHealthy: 2, disruptionsAllowed: 2 });
    await raw(s, 'POST', pdbPath(), { metadata: { name: 'none' }, spec: { minAvailable: 0 } });
    expect(pdbStatus(s, 'none')).toMatchObject({ expectedPods: 0, currentHealthy: 0, disruptionsAllowed: 0 });
  });

  it('validates the spec as pkg/apis/policy/validation does', async () => {
    const s = await start();
    const post = (name: string, spec: JsonObject) => raw(s, 'POST', pdbPath(), { metadata: { name }, spec });
    const pct = await post('pct', { minAvailable: '150%' });
    expect(pct.status).toBe(422);
    expect(pct.json.message).toBe(
      'PodDisruptionBudget.policy "pct" is invalid: spec.minAvailable: Invalid value: 150%: must not be greater than 100%',
    );
    const neg = await post('neg', { maxUnavailable: -1 });
    expect(neg.json.message).toBe(
      'PodDisruptionBudget.policy "neg" is invalid: spec.maxUnavailable: Invalid value: -1: must be greater than or equal to 0',
    );
    const str = await post('str', { minAvailable: 'half' });
    expect(str.json.message).toBe(
      "PodDisruptionBudget.policy \"str\" is invalid: spec.minAvailable: Invalid value: half: a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')",
    );
    const both = await post('both', { minAvailable: 1, maxUnavailable: 1 });
    expect(both.status).toBe(422);
    expect(both.json.details).toMatchObject({
      causes: [
        {
          reason: 'FieldValueInvalid',
          field: 'spec',
          message: expect.stringContaining('minAvailable and maxUnavailable cannot be both set'),
        },
      ],
    });
    const policy = await post('policy', { minAvailable: 1, unhealthyPodEvictionPolicy: 'Sometimes' });
    expect(policy.json.message).toBe(
      'PodDisruptionBudget.policy "policy" is invalid: spec.unhealthyPodEvictionPolicy: Unsupported value: "Sometimes": supported values: "AlwaysAllow", "IfHealthyBudget"',
    );
    const op = await post('op', { minAvailable: 1, selector: { matchExpressions: [{ key: 'a', operator: 'In' }] } });
    expect(op.json.message).toBe(
      "PodDisruptionBudget.policy \"op\" is invalid: spec.selector.matchExpressions[0].values: Required value: must be specified when `operator` is 'In' or 'NotIn'",
    );
    expect(s.store.list(PDBS)).toEqual([]);
    // The status subresource (ValidatePodDisruptionBudgetStatusUpdate): counters are non-negative.
    await raw(s, 'POST', pdbPath(), { metadata: { name: 'ok' }, spec: { minAvailable: 1 } });
    const current = s.store.get(PDBS, NS, 'ok')!;
    const put = await raw(s, 'PUT', `${pdbPath()}/ok/status`, {
      ...current,
      status: { ...(current.status as JsonObject), disruptionsAllowed: -1 },
    });
    expect(put.status).toBe(422);
    expect(put.json.message).toBe(
      'PodDisruptionBudget.policy "ok" is invalid: status.disruptionsAllowed: Invalid value: -1: must be greater than or equal to 0',
    );
  });
});

describe('POST pods/{name}/eviction', () => {
  it('minAvailable 2 over 3 ready pods: one eviction passes (201 Success), the next is refused (429)', async () => {
    const s = await start();
    for (const n of ['a', 'b', 'c']) addPod(s, n);
    await addPdb(s, 'web', { minAvailable: 2 });
    const uid = (s.store.get('pods', NS, 'a')!.metadata as JsonObject).uid as string;

    const ok = await evict(s, 'a', { preconditions: { uid } });
    expect(ok.status).toBe(201);
    expect(ok.json).toEqual(SUCCESS);
    expect(ok.headers.get('retry-after')).toBeNull();
    expect(s.store.get('pods', NS, 'a')).toBeUndefined();
    // The pod is gone, so the controller dropped it from disruptedPods again.
    expect(pdbStatus(s, 'web')).toEqual({
      observedGeneration: 1,
      disruptionsAllowed: 0,
      currentHealthy: 2,
      desiredHealthy: 2,
      expectedPods: 2,
      conditions: [condition('False', 'InsufficientPods')],
    });
    const managers = (s.store.get(PDBS, NS, 'web')!.metadata as { managedFields: JsonObject[] }).managedFields;
    expect(managers.map((m) => m.manager)).toContain('kube-apiserver');

    const refused = await evict(s, 'b');
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBeNull();
    expect(refused.json).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: VIOLATION,
      reason: 'TooManyRequests',
      details: {
        causes: [
          { reason: 'DisruptionBudget', message: 'The disruption budget web needs 2 healthy pods and has 2 currently' },
        ],
      },
      code: 429,
    });
    // Refused: the pod is untouched (no DisruptionTarget condition).
    const b = s.store.get('pods', NS, 'b')!;
    expect((b.status as { conditions: JsonObject[] }).conditions).toEqual([{ type: 'Ready', status: 'True' }]);
    expect(s.requests.count({ verb: 'create', resource: 'pods', subresource: 'eviction' })).toBe(2);
  });

  it('graceful deletion: DisruptionTarget=True (EvictionByEvictionAPI), the terminating pod counts as unhealthy', async () => {
    const s = await start({ podDeletion: { gracePeriodMs: 60_000 } });
    for (const n of ['a', 'b', 'c']) addPod(s, n);
    await addPdb(s, 'web', { minAvailable: 1 });
    expect(pdbStatus(s, 'web')).toMatchObject({ disruptionsAllowed: 2 });
    const res = await evict(s, 'a', { gracePeriodSeconds: 30 });
    expect(res.json).toEqual(SUCCESS);
    const a = s.store.get('pods', NS, 'a')!;
    expect(a.metadata).toMatchObject({ deletionTimestamp: expect.any(String), deletionGracePeriodSeconds: 30 });
    expect((a.status as { conditions: JsonObject[] }).conditions).toEqual([
      { type: 'Ready', status: 'True' },
      {
        type: 'DisruptionTarget',
        status: 'True',
        lastProbeTime: null,
        lastTransitionTime: expect.any(String),
        reason: 'EvictionByEvictionAPI',
        message: 'Eviction API: evicting',
      },
    ]);
    expect(pdbStatus(s, 'web')).toEqual({
      observedGeneration: 1,
      disruptionsAllowed: 1,
      currentHealthy: 2,
      desiredHealthy: 1,
      expectedPods: 3,
      conditions: [condition('True', 'SufficientPods')],
    });
    // Evicting the terminating pod again skips the budget (canIgnorePDB) and succeeds.
    expect((await evict(s, 'a')).json).toEqual(SUCCESS);
  });

  it('with the disruption controller stopped, the eviction writes disruptedPods and the decremented budget', async () => {
    const s = await start({ disruptionController: false });
    for (const n of ['a', 'b', 'c']) addPod(s, n);
    s.store.create(
      PDBS,
      {
        metadata: { name: 'web', namespace: NS },
        spec: { minAvailable: 2, selector: { matchLabels: { app: 'web' } } },
        status: { observedGeneration: 1, disruptionsAllowed: 1, currentHealthy: 3, desiredHealthy: 2, expectedPods: 3 },
      },
      { keepStatus: true },
    );
    const rv = s.store.resourceVersion;
    expect((await evict(s, 'a', undefined, '?dryRun=All')).json).toEqual(SUCCESS);
    expect(s.store.resourceVersion).toBe(rv);
    expect((await evict(s, 'a')).json).toEqual(SUCCESS);
    expect(pdbStatus(s, 'web')).toEqual({
      observedGeneration: 1,
      disruptedPods: { a: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/) },
      disruptionsAllowed: 0,
      currentHealthy: 3,
      desiredHealthy: 2,
      expectedPods: 3,
      conditions: [condition('False', 'InsufficientPods')],
    });
  });

  it('unready pods: deleted without spending the budget while it is healthy, else checked; AlwaysAllow always', async () => {
    const s = await start();
    addPod(s, 'a');
    addPod(s, 'b');
    addPod(s, 'sick', { ready: false });
    await addPdb(s, 'web', { minAvailable: 1 });
    expect(pdbStatus(s, 'web')).toMatchObject({ currentHealthy: 2, desiredHealthy: 1, disruptionsAllowed: 1 });
    // currentHealthy (2) >= desiredHealthy (1) > 0: IfHealthyBudget lets it go, nothing decremented.
    expect((await evict(s, 'sick')).json).toEqual(SUCCESS);
    expect(pdbStatus(s, 'web')).toMatchObject({ currentHealthy: 2, expectedPods: 2, disruptionsAllowed: 1 });

    // A budget that is not met: the unready pod goes through checkAndDecrement and is refused.
    addPod(s, 'sick2', { ready: false });
    await raw(s, 'PATCH', `${pdbPath()}/web`, { spec: { minAvailable: 3 } }, 'application/merge-patch+json');
    expect(pdbStatus(s, 'web')).toMatchObject({ currentHealthy: 2, desiredHealthy: 3, disruptionsAllowed: 0 });
    const refused = await evict(s, 'sick2');
    expect(refused.status).toBe(429);
    expect((refused.json.details as JsonObject).causes).toEqual([
      { reason: 'DisruptionBudget', message: 'The disruption budget web needs 3 healthy pods and has 2 currently' },
    ]);
    await raw(
      s,
      'PATCH',
      `${pdbPath()}/web`,
      { spec: { unhealthyPodEvictionPolicy: 'AlwaysAllow' } },
      'application/merge-patch+json',
    );
    expect((await evict(s, 'sick2')).json).toEqual(SUCCESS);
    // …but a ready pod still needs the budget.
    expect((await evict(s, 'a')).status).toBe(429);
  });

  it('more than one PodDisruptionBudget: 500 without a reason', async () => {
    const s = await start();
    addPod(s, 'a');
    await addPdb(s, 'one', { minAvailable: 0 });
    await addPdb(s, 'two', { maxUnavailable: '100%' });
    const res = await evict(s, 'a');
    expect(res.status).toBe(500);
    expect(res.json).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.',
      code: 500,
    });
    expect(s.store.get('pods', NS, 'a')).toBeDefined();
  });

  it('UID precondition mismatch: 409; with a budget, the budget is spent first (upstream order)', async () => {
    const s = await start();
    for (const n of ['a', 'b', 'c']) addPod(s, n);
    const uid = (s.store.get('pods', NS, 'a')!.metadata as JsonObject).uid as string;
    const noBudget = await evict(s, 'a', { preconditions: { uid: 'not-the-uid' } });
    expect(noBudget.status).toBe(409);
    expect(noBudget.json).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: `Operation cannot be fulfilled on Pod "a": the UID in the precondition (not-the-uid) does not match the UID in record (${uid}). The object might have been deleted and then recreated`,
      reason: 'Conflict',
      details: { name: 'a', kind: 'Pod' },
      code: 409,
    });
    await addPdb(s, 'web', { minAvailable: 2 });
    const withBudget = await evict(s, 'a', { preconditions: { uid: 'not-the-uid' } });
    expect(withBudget.status).toBe(409);
    // checkAndDecrement ran before the pod update failed: 'a' is listed as disrupted for
    // DeletionTimeout (2 min), so it does not count as healthy and the budget is exhausted.
    expect(pdbStatus(s, 'web')).toMatchObject({
      disruptedPods: { a: expect.any(String) },
      disruptionsAllowed: 0,
      currentHealthy: 2,
      expectedPods: 3,
    });
    expect((await evict(s, 'b')).status).toBe(429);
    const rvMismatch = await evict(s, 'a', { preconditions: { resourceVersion: '1' } });
    expect(rvMismatch.status).toBe(429);
  });

  it('a disruptedPods entry expires after DeletionTimeout (2 min) and the pod counts as healthy again', async () => {
    let now = Date.parse('2026-01-01T00:00:00Z');
    const s = await start({ clock: () => now });
    for (const n of ['a', 'b', 'c']) addPod(s, n);
    await addPdb(s, 'web', { minAvailable: 2 });
    // The refused update after checkAndDecrement leaves 'a' recorded as disrupted.
    expect((await evict(s, 'a', { preconditions: { uid: 'stale' } })).status).toBe(409);
    expect(pdbStatus(s, 'web')).toMatchObject({
      disruptedPods: { a: '2026-01-01T00:00:00Z' },
      currentHealthy: 2,
      disruptionsAllowed: 0,
    });
    now += 120_000;
    s.store.patch('pods', NS, 'b', 'merge', { metadata: { annotations: { touched: 'yes' } } });
    // expectedDeletion is not yet before now: still disrupted.
    expect(pdbStatus(s, 'web')).toMatchObject({ disruptedPods: { a: '2026-01-01T00:00:00Z' } });
    now += 1000;
    s.store.patch('pods', NS, 'b', 'merge', { metadata: { annotations: { touched: 'again' } } });
    expect(pdbStatus(s, 'web')).not.toHaveProperty('disruptedPods');
    expect(pdbStatus(s, 'web')).toMatchObject({ currentHealthy: 3, disruptionsAllowed: 1 });
  });

  it("replaces a DisruptionTarget condition set before (the device taint controller's) but keeps its transition time", async () => {
    const s = await start({ podDeletion: { gracePeriodMs: 60_000 } });
    addPod(s, 'a');
    s.store.patch(
      'pods',
      NS,
      'a',
      'strategic',
      {
        status: {
          conditions: [
            {
              type: 'DisruptionTarget',
              status: 'True',
              reason: 'DeletionByDeviceTaintManager',
              message: 'Device Taint manager: deleting due to NoExecute taint',
              lastTransitionTime: '2026-01-01T00:00:00Z',
            },
          ],
        },
      },
      { subresource: 'status' },
    );
    expect((await evict(s, 'a')).json).toEqual(SUCCESS);
    const conditions = (s.store.get('pods', NS, 'a')!.status as { conditions: JsonObject[] }).conditions;
    expect(conditions.find((c) => c.type === 'DisruptionTarget')).toEqual({
      type: 'DisruptionTarget',
      status: 'True',
      lastProbeTime: null,
      lastTransitionTime: '2026-01-01T00:00:00Z',
      reason: 'EvictionByEvictionAPI',
      message: 'Eviction API: evicting',
    });
  });

  it('a Pending pod skips the budget; a conflicting UID is retried (EvictionsRetry) before the 409', async () => {
    const s = await start({ evictionRetry: { steps: 3, intervalMs: 20 } });
    addPod(s, 'p', { phase: 'Pending', ready: false });
    addPod(s, 'q', { phase: 'Pending', ready: false });
    await addPdb(s, 'web', { minAvailable: 5 });
    expect(pdbStatus(s, 'web')).toMatchObject({ disruptionsAllowed: 0 });
    const started = Date.now();
    const res = await evict(s, 'p', { preconditions: { uid: 'stale' } });
    expect(res.status).toBe(409);
    expect(Date.now() - started).toBeGreaterThanOrEqual(40);
    expect((await evict(s, 'p')).json).toEqual(SUCCESS);
    expect(s.store.get('pods', NS, 'p')).toBeUndefined();
    // A resourceVersion precondition is not retried.
    const stale = await evict(s, 'q', { preconditions: { resourceVersion: '1' } });
    expect(stale.status).toBe(409);
    expect(stale.json.message).toMatch(
      /^Operation cannot be fulfilled on Pod "q": the ResourceVersion in the precondition \(1\) does not match the ResourceVersion in record \(\d+\)\. The object might have been modified$/,
    );
  });

  it('a terminating pod (finalizer held) is deleted without a budget check', async () => {
    const s = await start();
    addPod(s, 'a', { finalizers: ['example.com/hold'] });
    await addPdb(s, 'web', { minAvailable: 1 });
    expect(pdbStatus(s, 'web')).toMatchObject({ disruptionsAllowed: 0 });
    await raw(s, 'DELETE', `/api/v1/namespaces/${NS}/pods/a`);
    expect((s.store.get('pods', NS, 'a')!.metadata as JsonObject).deletionTimestamp).toBeDefined();
    const res = await evict(s, 'a');
    expect(res.json).toEqual(SUCCESS);
    expect(pdbStatus(s, 'web')).not.toHaveProperty('disruptedPods');
  });

  it('dry run (?dryRun=All or deleteOptions.dryRun) writes nothing; differing dry runs are a 500', async () => {
    const s = await start();
    for (const n of ['a', 'b', 'c']) addPod(s, n);
    await addPdb(s, 'web', { minAvailable: 2 });
    const rv = s.store.resourceVersion;
    const before = s.store.get(PDBS, NS, 'web');
    expect((await evict(s, 'a', undefined, '?dryRun=All')).json).toEqual(SUCCESS);
    expect((await evict(s, 'a', { dryRun: ['All'] })).json).toEqual(SUCCESS);
    expect(s.store.resourceVersion).toBe(rv);
    expect(s.store.get(PDBS, NS, 'web')).toEqual(before);
    expect(s.store.get('pods', NS, 'a')).toBeDefined();
    const mismatch = await evict(s, 'a', { dryRun: ['Other'] }, '?dryRun=All');
    expect(mismatch.status).toBe(500);
    expect(mismatch.json).toMatchObject({
      reason: 'Unknown',
      message: 'Non-matching dry-run options in request and content: [All] and [Other]',
    });
  });

  it('missing pod 404; name, namespace and apiVersion checks; policy/v1beta1 accepted', async () => {
    const s = await start();
    const missing = await evict(s, 'nope');
    expect(missing.status).toBe(404);
    expect(missing.json).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'pods "nope" not found',
      reason: 'NotFound',
      details: { name: 'nope', kind: 'pods' },
      code: 404,
    });
    addPod(s, 'a');
    const wrongName = await raw(s, 'POST', evictPath('a'), eviction('b'));
    expect(wrongName.status).toBe(400);
    expect(wrongName.json.message).toBe('name in URL does not match name in Eviction object');
    const wrongNs = await raw(s, 'POST', evictPath('a'), { ...eviction('a'), metadata: { name: 'a', namespace: 'x' } });
    expect(wrongNs.json.message).toBe(
      'the namespace of the provided object does not match the namespace sent on the request',
    );
    const wrongVersion = await raw(s, 'POST', evictPath('a'), eviction('a', undefined, 'v1'));
    expect(wrongVersion.json.message).toBe(
      'the API version in the data (v1) does not match the expected API version (policy/v1)',
    );
    const beta = await raw(s, 'POST', evictPath('a'), eviction('a', undefined, 'policy/v1beta1'));
    expect(beta.json).toEqual(SUCCESS);
  });

  it('is served in discovery as pods/eviction (policy/v1 Eviction, create only)', async () => {
    const s = await start();
    const list = await raw(s, 'GET', '/api/v1');
    const names = (list.json.resources as JsonObject[]).map((r) => r.name);
    expect(names.indexOf('pods/eviction')).toBe(names.indexOf('pods') + 1);
    expect((list.json.resources as JsonObject[]).find((r) => r.name === 'pods/eviction')).toEqual({
      name: 'pods/eviction',
      singularName: '',
      namespaced: true,
      group: 'policy',
      version: 'v1',
      kind: 'Eviction',
      verbs: ['create'],
    });
    addPod(s, 'a');
    expect((await raw(s, 'GET', evictPath('a'))).status).toBe(405);
    // OpenAPI: createCoreV1NamespacedPodEviction, body and responses policy/v1 Eviction.
    const v2 = (await raw(s, 'GET', '/openapi/v2')).json as { paths: Record<string, { post: JsonObject }> };
    expect(v2.paths['/api/v1/namespaces/{namespace}/pods/{name}/eviction']!.post).toMatchObject({
      operationId: 'createCoreV1NamespacedPodEviction',
      'x-kubernetes-action': 'post',
      'x-kubernetes-group-version-kind': { group: 'policy', kind: 'Eviction', version: 'v1' },
      parameters: expect.arrayContaining([
        { in: 'body', name: 'body', required: true, schema: { $ref: '#/definitions/io.k8s.api.policy.v1.Eviction' } },
      ]),
    });
  });
});
