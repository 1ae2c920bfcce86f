// Connection reuse on the eviction hot path: PATCH pods/status + DELETE for N pods, through
// client-node 1.4.0's generated CoreV1Api versus our keep-alive undici pool (src/kube/keepAlive.ts),
// against the simulated API server behind a loopback proxy that counts TCP connections. The `https`
// scheme terminates TLS in the proxy with a throw-away self-signed certificate, because a connection per
// request costs a TLS handshake per request against a real apiserver.
//
//   npx tsx bench/http.ts [--pods 400] [--concurrency 1,16] [--schemes http,https] [--json]

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer as createTlsServer } from 'node:tls';
import { CoreV1Api, KubeConfig, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { Command } from 'commander';
import { build } from 'hdr-histogram-js';
import { contentTypes } from '../src/kube/apiClient.js';
import { KeepAliveApiClient } from '../src/kube/keepAlive.js';
import type { PodRef } from '../src/shared/types.js';
import { startSimServer } from '../src/sim/server.js';

type Scheme = 'http' | 'https';
type Transport = 'client-node' | 'undici';

interface Row {
  transport: Transport;
  scheme: Scheme;
  concurrency: number;
  calls: number;
  seconds: number;
  callsPerSecond: number;
  evictionP50Ms: number;
  evictionP99Ms: number;
  connections: number;
  errors: number;
}

interface CountingProxy {
  readonly url: string;
  readonly caPem: string | null;
  connections: number;
  close(): Promise<void>;
}

function selfSignedCert(): { key: string; cert: string } {
  const dir = mkdtempSync(join(tmpdir(), 'bench-http-'));
  try {
    execFileSync(
      'openssl',
      ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1']
        .concat(['-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'])
        .concat(['-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')]),
      { stdio: 'ignore' },
    );
    return { key: readFileSync(join(dir, 'key.pem'), 'utf8'), cert: readFileSync(join(dir, 'cert.pem'), 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Forwards 127.0.0.1:<random> to the sim, counting client connections; optionally terminating TLS. */
async function startProxy(targetPort: number, scheme: Scheme): Promise<CountingProxy> {
  const pipe = (client: Socket): void => {
    proxy.connections++;
    const upstream = connect(targetPort, '127.0.0.1');
    client.pipe(upstream).pipe(client);
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end);
    upstream.on('error', end);
    client.on('close', end);
    upstream.on('close', end);
  };
  let server: Server;
  let caPem: string | null = null;
  if (scheme === 'https') {
    const { key, cert } = selfSignedCert();
    caPem = cert;
    server = createTlsServer({ key, cert }, pipe);
  } else {
    server = createServer(pipe);
  }
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  const proxy: CountingProxy = {
    url: `${scheme}://127.0.0.1:${port}`,
    caPem,
    connections: 0,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
      }),
  };
  return proxy;
}

function kubeConfigFor(proxy: CountingProxy): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [
      proxy.caPem === null
        ? { name: 'sim', server: proxy.url, skipTLSVerify: true }
        : { name: 'sim', server: proxy.url, skipTLSVerify: false, caData: Buffer.from(proxy.caPem).toString('base64') },
    ],
    users: [{ name: 'u', token: 'sim-token' }],
    contexts: [{ name: 'sim', cluster: 'sim', user: 'u' }],
    currentContext: 'sim',
  });
  return kc;
}

type EvictCalls = (pod: PodRef) => Promise<void>;

const conditionPatch = (pod: PodRef) => ({
  metadata: { uid: pod.uid },
  status: {
    conditions: [
      {
        type: 'DisruptionTarget',
        status: 'True',
        reason: 'DeletionByDeviceTaintManager',
        message: 'Device Taint manager: deleting due to NoExecute taint',
        lastTransitionTime: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
      },
    ],
  },
});

async function transportCalls(
  transport: Transport,
  kc: KubeConfig,
): Promise<{ evict: EvictCalls; close(): Promise<void> }> {
  if (transport === 'client-node') {
    const core = kc.makeApiClient(CoreV1Api);
    const patchOptions = setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch);
    return {
      evict: async (pod) => {
        await core.patchNamespacedPodStatus(
          { name: pod.name, namespace: pod.namespace, body: conditionPatch(pod) },
          patchOptions,
        );
        await core.deleteNamespacedPod({
          name: pod.name,
          namespace: pod.namespace,
          body: { preconditions: { uid: pod.uid } },
        });
      },
      close: async () => {},
    };
  }
  const api = await KeepAliveApiClient.fromKubeConfig(kc, { connections: 16 });
  const path = (pod: PodRef) => `/api/v1/namespaces/${pod.namespace}/pods/${pod.name}`;
  return {
    evict: async (pod) => {
      await api.request({
        method: 'PATCH',
        path: `${path(pod)}/status`,
        contentType: contentTypes.strategicMerge,
        body: conditionPatch(pod),
      });
      await api.request({ method: 'DELETE', path: path(pod), body: { preconditions: { uid: pod.uid } } });
    },
    close: () => api.close(),
  };
}

async function runOne(transport: Transport, scheme: Scheme, concurrency: number, pods: number): Promise<Row> {
  const sim = await startSimServer({ port: 0, requestLogCapacity: 0 });
  const proxy = await startProxy(sim.port, scheme);
  const refs: PodRef[] = [];
  for (let i = 0; i < pods; i++) {
    const created = sim.store.create(
      'pods',
      {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: `pod-${i}`, namespace: 'default' },
        spec: { nodeName: 'worker', containers: [{ name: 'c', image: 'x' }] },
      },
      { keepStatus: true },
    );
    refs.push({ namespace: 'default', name: `pod-${i}`, uid: String((created.metadata as { uid: unknown }).uid) });
  }
  const calls = await transportCalls(transport, kubeConfigFor(proxy));
  const histogram = build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 60_000_000,
    numberOfSignificantValueDigits: 3,
  });
  let next = 0;
  let errors = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (;;) {
        const i = next++;
        const pod = refs[i];
        if (pod === undefined) return;
        const t0 = performance.now();
        try {
          await calls.evict(pod);
        } catch (err) {
          errors++;
          if (errors <= 3) console.error(`${transport} ${scheme}: ${err instanceof Error ? err.message : String(err)}`);
        }
        histogram.recordValue(Math.round((performance.now() - t0) * 1000));
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const remaining = sim.store.count('pods');
  if (remaining !== errors) console.error(`${transport} ${scheme}: ${remaining} pods left, ${errors} errors`);
  await calls.close();
  const row: Row = {
    transport,
    scheme,
    concurrency,
    calls: pods * 2,
    seconds,
    callsPerSecond: (pods * 2) / seconds,
    evictionP50Ms: histogram.getValueAtPercentile(50) / 1000,
    evictionP99Ms: histogram.getValueAtPercentile(99) / 1000,
    connections: proxy.connections,
    errors,
  };
  histogram.destroy();
  await proxy.close();
  await sim.close();
  return row;
}

async function main(): Promise<void> {
  const opts = new Command()
    .option('--pods <n>', 'pods evicted per run (2 calls each)', '400')
    .option('--concurrency <list>', 'evictions in flight', '1,16')
    .option('--schemes <list>', 'http and/or https (TLS terminated in the proxy)', 'http,https')
    .option('--json', 'print rows as JSON')
    .parse()
    .opts<{ pods: string; concurrency: string; schemes: string; json?: boolean }>();
  const pods = Number(opts.pods);
  const rows: Row[] = [];
  for (const scheme of opts.schemes.split(',') as Scheme[])
    for (const concurrency of opts.concurrency.split(',').map(Number))
      for (const transport of ['client-node', 'undici'] as Transport[])
        rows.push(await runOne(transport, scheme, concurrency, pods));
  if (opts.json) {
    console.log(JSON.stringify(rows, null, 2));
    return;
  }
  console.log('transport    scheme conc  calls   secs   calls/s  evict p50 ms  evict p99 ms  TCP conns  errors');
  for (const r of rows)
    console.log(
      [
        r.transport.padEnd(12),
        r.scheme.padEnd(6),
        String(r.concurrency).padStart(4),
        String(r.calls).padStart(6),
        r.seconds.toFixed(2).padStart(6),
        r.callsPerSecond.toFixed(0).padStart(9),
        r.evictionP50Ms.toFixed(2).padStart(13),
        r.evictionP99Ms.toFixed(2).padStart(13),
        String(r.connections).padStart(10),
        String(r.errors).padStart(7),
      ].join(' '),
    );
}

await main();
