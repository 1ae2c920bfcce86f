// The secure metrics endpoint, as kube-controller-manager's secure port behaves: HTTPS, /metrics only
// for a bearer token the API server authenticates (TokenReview) and authorizes (SubjectAccessReview),
// probes open to all; and scraping that cannot starve the controller.

import { request } from 'node:https';
import { KubeConfig } from '@kubernetes/client-node';
import { afterEach, describe, expect, it } from 'vitest';
import { KeepAliveApiClient } from '../../../src/kube/keepAlive.js';
import { DelegatedAuth } from '../../../src/main/app/delegatedAuth.js';
import { type OpsServer, startOpsServer } from '../../../src/main/app/opsServer.js';
import { servingCertificate } from '../../../src/main/app/servingCert.js';
import { FakeClock } from '../../../src/shared/clock.js';
import { silentLogger } from '../../../src/shared/logger.js';
import { type SimServer, startSimServer } from '../../../src/sim/server.js';

/** GET over HTTPS trusting the self-signed certificate it was given. */
function get(port: number, path: string, ca: string, token?: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path,
        ca,
        servername: 'localhost',
        headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          body += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

let sim: SimServer | null = null;
let ops: OpsServer | null = null;
let api: KeepAliveApiClient | null = null;
afterEach(async () => {
  await ops?.close();
  await api?.close();
  await sim?.close();
  ops = null;
  api = null;
  sim = null;
});

describe('--metrics-secure', () => {
  it('authenticates with TokenReview, authorizes with SubjectAccessReview, leaves probes open', async () => {
    sim = await startSimServer({ port: 0 });
    sim.authorizer = ({ user, path, verb }) => user === 'prometheus' && path === '/metrics' && verb === 'get';
    const kc = new KubeConfig();
    kc.loadFromString(sim.kubeconfigYaml());
    api = await KeepAliveApiClient.fromKubeConfig(kc);
    const tls = await servingCertificate({});
    expect(tls.selfSigned).toBe(true);
    let renders = 0;
    ops = await startOpsServer({
      bindAddress: '127.0.0.1:0',
      metrics: {
        render: async () => {
          renders++;
          return 'device_taint_eviction_controller_pod_deletions_total 3\n';
        },
        contentType: 'text/plain; version=0.0.4',
      },
      isReady: () => true,
      log: silentLogger,
      secure: { tls, auth: new DelegatedAuth(api, new FakeClock()) },
    });
    expect(ops?.scheme).toBe('https');
    const port = ops?.address.port ?? 0;

    expect(await get(port, '/healthz', tls.cert)).toEqual({ status: 200, body: 'ok\n' });
    expect((await get(port, '/readyz', tls.cert)).status).toBe(200);
    expect((await get(port, '/metrics', tls.cert)).status).toBe(401);
    expect((await get(port, '/metrics', tls.cert, 'not-a-sim-token')).status).toBe(401);
    const denied = await get(port, '/metrics', tls.cert, 'sim-token:intruder');
    expect(denied.status).toBe(403);
    expect(denied.body).toContain('intruder');
    expect(renders).toBe(0);

    const reviewsBefore = sim.requests.count({ verb: 'create' });
    const allowed = await get(port, '/metrics', tls.cert, 'sim-token:prometheus');
    expect(allowed).toEqual({ status: 200, body: 'device_taint_eviction_controller_pod_deletions_total 3\n' });
    expect(sim.requests.count({ verb: 'create' }) - reviewsBefore).toBe(2); // one TokenReview, one SAR
    // The answers are cached: the next scrape costs no review.
    expect((await get(port, '/metrics', tls.cert, 'sim-token:prometheus')).status).toBe(200);
    expect(sim.requests.count({ verb: 'create' }) - reviewsBefore).toBe(2);
  });

  it('answers a scrape flood with 429 beyond a few renders a second', async () => {
    const clock = new FakeClock();
    let renders = 0;
    const plain = await startOpsServer({
      bindAddress: '127.0.0.1:0',
      metrics: {
        render: async () => {
          renders++;
          return 'x 1\n';
        },
        contentType: 'text/plain',
      },
      isReady: () => true,
      log: silentLogger,
      scrapesPerSecond: 5,
      clock,
    });
    ops = plain;
    const url = `http://127.0.0.1:${plain?.address.port}/metrics`;
    const codes: number[] = [];
    for (let i = 0; i < 40; i++) codes.push((await fetch(url)).status);
    // The burst (2 × 5) is served, from one render reused within the second; the rest get 429.
    expect(codes.filter((c) => c === 200)).toHaveLength(10);
    expect(codes.filter((c) => c === 429)).toHaveLength(30);
    expect(renders).toBe(1);
    clock.advance(1_000);
    expect((await fetch(url)).status).toBe(200);
    expect(renders).toBe(2);
    // Probes are never rate-limited.
    for (let i = 0; i < 20; i++)
      expect((await fetch(`http://127.0.0.1:${plain?.address.port}/healthz`)).status).toBe(200);
  });
});
