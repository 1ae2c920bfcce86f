// The production executor inside worker threads: every worker builds the Kubernetes executor from the
// serializable spec and the main thread's credentials, and evicts against the simulated API server on
// 127.0.0.1. The workers here run behind a module hook that throws if anything resolves
// @kubernetes/client-node, so a worker that loads it again fails to start.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { KubeConfig } from '@kubernetes/client-node';
import { afterEach, describe, expect, it } from 'vitest';
import { ApiConnection, type RefreshingCredentials } from '../../../src/kube/connection.js';
import { ShardedRuntime } from '../../../src/main/runtime/shardedRuntime.js';
import type { SpawnOptions } from '../../../src/main/runtime/workerSpawn.js';
import type { EvictionResult } from '../../../src/shared/decisions.js';
import { silentLogger } from '../../../src/shared/logger.js';
import type { ApiCallCount } from '../../../src/shared/metricsDelta.js';
import type { PodRef } from '../../../src/shared/types.js';
import { type SimServer, startSimServer } from '../../../src/sim/index.js';
import { kubeExecutorWorkerOptions } from '../../../src/workers/executor/kubeExecutorSpec.js';
import { waitFor } from '../../support/waitFor.js';

let server: SimServer | undefined;
let runtime: ShardedRuntime | undefined;
let connection: ApiConnection<RefreshingCredentials> | undefined;
const cleanups: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  await runtime?.close(1_000);
  runtime = undefined;
  connection?.credentials.close();
  connection = undefined;
  await server?.close();
  server = undefined;
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Starts shard workers whose module loader refuses @kubernetes/client-node. */
const spawnWithoutClientNode = (options: SpawnOptions): Worker =>
  new Worker(new URL('../../support/noClientNodeWorker.mjs', import.meta.url), {
    workerData: options.workerData,
    transferList: [...(options.transferList ?? [])],
    stdout: false,
    stderr: false,
  });

function createPods(sim: SimServer, namespace: string, prefix: string, count: number): PodRef[] {
  sim.store.ensureNamespace(namespace);
  return Array.from({ length: count }, (_, i) => {
    const name = `${prefix}-${i}`;
    const created = sim.store.create('pods', {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, namespace },
      spec: { nodeName: 'node-1', containers: [{ name: 'c', image: 'busybox' }] },
    }) as { metadata: { uid: string } };
    return { namespace, name, uid: created.metadata.uid };
  });
}

/** A kubeconfig whose user authenticates with a token file, as `loadFromCluster` sets one up. */
function tokenFileKubeConfig(serverUrl: string, tokenFile: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'sim', server: serverUrl, skipTLSVerify: true }],
    users: [{ name: 'sa', authProvider: { name: 'tokenFile', config: { tokenFile } } }],
    contexts: [{ name: 'sim', cluster: 'sim', user: 'sa' }],
    currentContext: 'sim',
  });
  return kc;
}

function tempDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'dte-credentials-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

async function startKubeRuntime(conn: ApiConnection<RefreshingCredentials>, workers: number): Promise<ShardedRuntime> {
  return ShardedRuntime.start({
    workers,
    executor: { kind: 'kube', options: { ...kubeExecutorWorkerOptions(conn, { requestTimeoutMs: 5_000 }) } },
    credentials: conn.credentials,
    budget: null,
    concurrency: 4,
    pending: () => [],
    log: silentLogger,
    workerLog: { level: 'error', format: 'json' },
    spawn: spawnWithoutClientNode,
  });
}

/** Schedules `pods` for eviction now and waits for their results. */
async function evict(rt: ShardedRuntime, pods: readonly PodRef[]): Promise<Map<string, EvictionResult['outcome']>> {
  const results: EvictionResult[] = [];
  const stop = rt.onResults((batch) => results.push(...batch));
  try {
    for (const pod of pods) rt.sink.schedule(pod, Date.now(), ['rule:gpu-xid:uid-1']);
    await waitFor(
      () => results.length >= pods.length,
      20_000,
      () => `${results.length}/${pods.length} results`,
    );
  } finally {
    stop();
  }
  return new Map(results.map((r) => [r.pod.uid, r.outcome]));
}

/** Users the sim recorded for the writes (PATCH, POST, DELETE) to `pods`' namespace. */
const writeUsers = (sim: SimServer, namespace: string): string[] =>
  sim.requests
    .recent({ namespace })
    .filter((r) => r.method !== 'GET')
    .map((r) => r.user);

describe('sharded runtime with the Kubernetes executor', () => {
  it('evicts pods in the API server from every worker without loading client-node there, and reports a replaced pod as gone', async () => {
    server = await startSimServer();
    const pods = createPods(server, 'team-a', 'trainer', 12);
    const kc = new KubeConfig();
    kc.loadFromString(server.kubeconfigYaml());
    connection = await ApiConnection.fromKubeConfig(kc);
    const deltas: ApiCallCount[] = [];
    runtime = await ShardedRuntime.start({
      workers: 2,
      executor: { kind: 'kube', options: { ...kubeExecutorWorkerOptions(connection, { requestTimeoutMs: 5_000 }) } },
      credentials: connection.credentials,
      budget: null,
      concurrency: 4,
      pending: () => [],
      onMetrics: (delta) => deltas.push(...delta.apiCalls),
      log: silentLogger,
      workerLog: { level: 'error', format: 'json' },
      spawn: spawnWithoutClientNode,
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
    // With the main thread's credentials (the sim's kubeconfig authenticates as sim-admin).
    expect(new Set(writeUsers(server, 'team-a'))).toEqual(new Set(['sim-admin']));

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

  it('a worker whose executor imports client-node fails to start under the same hook', async () => {
    // The guard itself: a worker entry that imports client-node must not come up.
    const dir = tempDir();
    const entry = path.join(dir, 'importsClientNode.mjs');
    writeFileSync(
      entry,
      [
        `import { register } from 'node:module';`,
        `register(${JSON.stringify(new URL('../../support/noClientNodeHooks.mjs', import.meta.url).href)});`,
        `await import(${JSON.stringify(new URL('../../../node_modules/@kubernetes/client-node/dist/index.js', import.meta.url).href)});`,
      ].join('\n'),
    );
    const worker = new Worker(entry, { stdout: false, stderr: false });
    const failure = await new Promise<Error | null>((resolve) => {
      worker.once('error', resolve);
      worker.once('exit', () => resolve(null));
    });
    expect(failure?.message).toContain('@kubernetes/client-node loaded in a worker thread');
  });

  it('brings a rotated service-account token to the workers: later pod writes authenticate as the new user', async () => {
    server = await startSimServer();
    const tokenFile = path.join(tempDir(), 'token');
    // kubelet writes the token without a newline; an operator's file may have one (client-go trims it).
    writeFileSync(tokenFile, 'sim-token:alice\n');
    connection = await ApiConnection.fromKubeConfig(tokenFileKubeConfig(server.url, tokenFile), { refreshMs: 100 });
    runtime = await startKubeRuntime(connection, 2);

    const before = createPods(server, 'before', 'p', 6);
    const first = await evict(runtime, before);
    expect([...first.values()].every((o) => o === 'deleted')).toBe(true);
    expect(new Set(writeUsers(server, 'before'))).toEqual(new Set(['alice']));

    // The kubelet rotates the token. The main thread re-reads it on its refresh timer and pushes the new
    // headers to every worker, before any ops scheduled after this point (one ordered port per worker).
    writeFileSync(tokenFile, 'sim-token:bob');
    await waitFor(
      () => connection?.credentials.latest().headers.authorization === 'Bearer sim-token:bob',
      5_000,
      () => `main thread still sends ${connection?.credentials.latest().headers.authorization}`,
    );

    const after = createPods(server, 'after', 'p', 6);
    const second = await evict(runtime, after);
    expect([...second.values()].every((o) => o === 'deleted')).toBe(true);
    const users = writeUsers(server, 'after');
    // A status patch, an event and a delete per pod, from both workers, all as bob.
    expect(users).toHaveLength(18);
    expect(new Set(users)).toEqual(new Set(['bob']));
    const stats = await runtime.stats();
    expect(stats.shards.every((s) => (s.worker?.partition.completed ?? 0) > 0)).toBe(true);
  });

  it('a worker that gets a 401 asks the main thread, which re-reads the token once for all of them, and retries with the new one', async () => {
    server = await startSimServer();
    const sim = server;
    // A front for the sim that rejects revoked tokens, as kube-apiserver rejects an expired one.
    const revoked = new Set<string>();
    let unauthorized = 0;
    const front: Server = createServer((req, res) => {
      if (revoked.has(req.headers.authorization ?? '')) {
        unauthorized++;
        req.resume();
        res.writeHead(401, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'Unauthorized', code: 401 }),
        );
        return;
      }
      const upstream = new URL(sim.url);
      const forward = request(
        { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      req.pipe(forward);
    });
    await new Promise<void>((resolve) => front.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise<void>((resolve) => front.close(() => resolve())));
    front.unref();
    const frontUrl = `http://127.0.0.1:${(front.address() as AddressInfo).port}`;

    const tokenFile = path.join(tempDir(), 'token');
    writeFileSync(tokenFile, 'sim-token:alice');
    // No periodic refresh within the test: only the 401 can make anyone re-read the file.
    connection = await ApiConnection.fromKubeConfig(tokenFileKubeConfig(frontUrl, tokenFile), { refreshMs: 3_600_000 });
    runtime = await startKubeRuntime(connection, 2);

    const warmup = createPods(sim, 'warmup', 'p', 4);
    expect([...(await evict(runtime, warmup)).values()].every((o) => o === 'deleted')).toBe(true);
    expect(connection.credentials.refreshes).toBe(0);

    // alice's token expires and the kubelet has already written bob's.
    revoked.add('Bearer sim-token:alice');
    writeFileSync(tokenFile, 'sim-token:bob');
    const pods = createPods(sim, 'after', 'p', 8);
    const outcomes = await evict(runtime, pods);
    expect([...outcomes.values()].every((o) => o === 'deleted')).toBe(true);
    // Each worker's first write got a 401; after that every write carried bob's token.
    expect(unauthorized).toBeGreaterThanOrEqual(1);
    expect(unauthorized).toBeLessThanOrEqual(2 * 4);
    const users = writeUsers(sim, 'after');
    expect(users).toHaveLength(3 * 8);
    expect(new Set(users)).toEqual(new Set(['bob']));
    // One refresh on the main thread, however many requests and workers hit the 401.
    expect(connection.credentials.refreshes).toBe(1);
    expect(connection.credentials.latest().headers.authorization).toBe('Bearer sim-token:bob');
  });
});
