// The assembled controller, in process against the simulated cluster: what it writes before its caches
// have synced (nothing), and that a DeviceTaintRule's one-shot `None` counts come from complete caches.

import { afterEach, expect, test } from 'vitest';
import { startController } from '../../../src/main/app/bootstrap.js';
import type { Controller } from '../../../src/main/app/controller.js';
import { defaultControllerOptions } from '../../../src/main/app/options.js';
import { RecordingLogger } from '../../../src/shared/logger.js';
import type { JsonObject } from '../../../src/sim/index.js';
import {
  addNodeSlice,
  addWorkload,
  DRIVER,
  type E2eCluster,
  startCluster,
  TAINT_KEY,
} from '../../support/simCluster.js';
import { waitFor } from '../../support/waitFor.js';

const RULES = 'devicetaintrules.resource.k8s.io';
let cluster: E2eCluster | null = null;
let controller: Controller | null = null;

afterEach(async () => {
  await controller?.stop('test over');
  controller = null;
  await cluster?.close();
  cluster = null;
});

const conditionOf = (c: E2eCluster, name: string): JsonObject | undefined => {
  const status = c.sim.store.get(RULES, '', name)?.status as JsonObject | undefined;
  return (status?.conditions as JsonObject[] | undefined)?.find((x) => x.type === 'EvictionInProgress');
};

test('writes no rule status before every informer has synced: a None rule counts from complete caches', async () => {
  const c = await startCluster();
  cluster = c;
  addNodeSlice(c.sim, 'node-1', ['gpu-0', 'gpu-1', 'gpu-2']);
  for (const device of ['gpu-0', 'gpu-1', 'gpu-2'])
    addWorkload(c.sim, { namespace: 'team', name: `pod-${device}`, node: 'node-1', device });
  c.sim.store.create(RULES, {
    apiVersion: 'resource.k8s.io/v1',
    kind: 'DeviceTaintRule',
    metadata: { name: 'dry-run' },
    spec: { deviceSelector: { driver: DRIVER, pool: 'node-1' }, taint: { key: TAINT_KEY, effect: 'None' } },
  });
  // The claims list keeps failing: every other informer syncs, the claims informer cannot.
  c.sim.setFaults({ verbs: { list: { errorRate: 1, code: 500, resources: ['resourceclaims'] } } });

  const options = {
    ...defaultControllerOptions(2),
    kubeconfig: c.kubeconfig,
    workers: 1,
    metricsBindAddress: '0',
    kubeApiQps: 0,
  };
  const starting = startController(options, { log: new RecordingLogger() });
  const failedClaimLists = () => c.sim.requests.count({ verb: 'list', resource: 'resourceclaims', code: 500 });
  await waitFor(
    () =>
      failedClaimLists() >= 3 && c.sim.requests.count({ verb: 'list', resource: 'devicetaintrules', code: 200 }) >= 1,
    20_000,
    () => `rules listed, claims list failing (${failedClaimLists()} failures)`,
  );
  // Rules and slices are in the caches; the claims are not. Nothing may be written yet.
  const writes = c.sim.requests
    .recent()
    .filter((r) => r.verb === 'patch' || r.verb === 'create' || r.verb === 'update' || r.verb === 'delete');
  expect(writes).toEqual([]);
  expect(conditionOf(c, 'dry-run')).toBeUndefined();

  c.sim.setFaults({});
  controller = await starting;
  await waitFor(
    () => conditionOf(c, 'dry-run') !== undefined,
    20_000,
    () => 'the rule status once synced',
  );
  expect(conditionOf(c, 'dry-run')).toMatchObject({
    reason: 'NoEffect',
    message:
      '3 published devices selected. 3 allocated devices selected. 3 pods would be evicted in 1 namespace if the effect was NoExecute. This information will not be updated again. Recreate the DeviceTaintRule to trigger an update.',
  });
}, 60_000);

test('with --metrics-secure, the assembled controller serves HTTPS: probes open, /metrics behind a token', async () => {
  const c = await startCluster();
  cluster = c;
  c.sim.authorizer = ({ user }) => user === 'scraper';
  controller = await startController(
    {
      ...defaultControllerOptions(1),
      kubeconfig: c.kubeconfig,
      metricsSecure: true,
      metricsBindAddress: '127.0.0.1:0',
      kubeApiQps: 0,
    },
    { log: new RecordingLogger() },
  );
  const port = controller.opsAddress?.port ?? 0;
  const get = async (path: string, token?: string) => {
    const { request } = await import('node:https');
    return new Promise<number>((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port,
          path,
          rejectUnauthorized: false,
          headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
        },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        },
      );
      req.on('error', reject);
      req.end();
    });
  };
  expect(await get('/healthz')).toBe(200);
  expect(await get('/metrics')).toBe(401);
  expect(await get('/metrics', 'sim-token:someone-else')).toBe(403);
  expect(await get('/metrics', 'sim-token:scraper')).toBe(200);
}, 60_000);
