// The keep-alive transport under the executor, against a plain node:http server on 127.0.0.1.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import { afterEach, describe, expect, it } from 'vitest';
import { ApiError } from '../../src/kube/apiClient.js';
import { KeepAliveApiClient } from '../../src/kube/keepAlive.js';
import { FakeClock } from '../../src/shared/clock.js';
import { waitFor } from '../support/waitFor.js';

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

type Handler = (req: Seen, res: ServerResponse) => void;

async function startServer(
  handler: Handler,
): Promise<{ server: Server; url: string; seen: Seen[]; connections: () => number }> {
  const seen: Seen[] = [];
  let connections = 0;
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => {
      body += c;
    });
    req.on('end', () => {
      const s = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body };
      seen.push(s);
      handler(s, res);
    });
  });
  server.on('connection', () => {
    connections++;
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { server, url: `http://127.0.0.1:${port}`, seen, connections: () => connections };
}

function kubeconfig(server: string, token: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'c', server, skipTLSVerify: true }],
    users: [{ name: 'u', token }],
    contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
    currentContext: 'x',
  });
  return kc;
}

const json = (res: ServerResponse, code: number, body: unknown, headers: Record<string, string> = {}): void => {
  res.writeHead(code, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
};

describe('KeepAliveApiClient', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  it('reuses connections across PATCH and DELETE-with-body, sends the bearer token, JSON body and content type, prefixes the server path', async () => {
    const srv = await startServer((_req, res) => json(res, 200, { kind: 'Pod', metadata: { name: 'p' } }));
    cleanups.push(() => new Promise((r) => srv.server.close(() => r())));
    const api = await KeepAliveApiClient.fromKubeConfig(kubeconfig(`${srv.url}/prefix/`, 'sekret'), { connections: 4 });
    cleanups.push(() => api.close());

    for (let i = 0; i < 50; i++) {
      const res = await api.request({
        method: 'PATCH',
        path: `/api/v1/namespaces/ns/pods/p${i}/status`,
        query: { fieldManager: 'm' },
        contentType: 'application/strategic-merge-patch+json',
        body: { metadata: { uid: `u${i}` } },
      });
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ kind: 'Pod', metadata: { name: 'p' } });
      // A DELETE with a DeleteOptions body: undici would close the connection after it by default.
      await api.request({
        method: 'DELETE',
        path: `/api/v1/namespaces/ns/pods/p${i}`,
        body: { preconditions: { uid: 'u' } },
      });
    }
    expect(srv.seen).toHaveLength(100);
    // Pool may open a second connection while the first is being released; never one per request.
    expect(srv.connections()).toBeLessThanOrEqual(2);
    const first = srv.seen[0];
    expect(first?.url).toBe('/prefix/api/v1/namespaces/ns/pods/p0/status?fieldManager=m');
    expect(first?.headers.authorization).toBe('Bearer sekret');
    expect(first?.headers['content-type']).toBe('application/strategic-merge-patch+json');
    expect(JSON.parse(first?.body ?? '')).toEqual({ metadata: { uid: 'u0' } });
  });

  it('maps a Kubernetes Status error into ApiError with code, reason and Retry-After', async () => {
    const srv = await startServer((req, res) => {
      if (req.url.includes('missing'))
        json(res, 404, {
          kind: 'Status',
          status: 'Failure',
          reason: 'NotFound',
          message: 'pods "missing" not found',
          code: 404,
        });
      else
        json(
          res,
          429,
          { kind: 'Status', reason: 'TooManyRequests', message: 'slow down', code: 429 },
          { 'retry-after': '3' },
        );
    });
    cleanups.push(() => new Promise((r) => srv.server.close(() => r())));
    const observed: [string, string, number][] = [];
    const api = await KeepAliveApiClient.fromKubeConfig(kubeconfig(srv.url, 't'), {
      onCall: (m, p, c) => observed.push([m, p, c]),
    });
    cleanups.push(() => api.close());

    const notFound = await api
      .request({ method: 'DELETE', path: '/api/v1/namespaces/ns/pods/missing' })
      .catch((e: unknown) => e);
    expect(notFound).toBeInstanceOf(ApiError);
    expect(notFound).toMatchObject({
      code: 404,
      reason: 'NotFound',
      message: 'pods "missing" not found',
      retryAfterSeconds: null,
    });
    // The server's 3 s wait does not fit in a 1 s deadline: surfaced at once, as client-go does.
    const throttled = await api
      .request({ method: 'POST', path: '/api/v1/namespaces/ns/events', body: {}, timeoutMs: 1_000 })
      .catch((e: unknown) => e);
    expect(throttled).toMatchObject({ code: 429, reason: 'TooManyRequests', retryAfterSeconds: 3 });
    expect(observed).toEqual([
      ['DELETE', '/api/v1/namespaces/ns/pods/missing', 404],
      ['POST', '/api/v1/namespaces/ns/events', 429],
    ]);
  });

  it('does not parse a successful body the caller ignores, but still reads an error from one', async () => {
    const srv = await startServer((req, res) => {
      if (req.url.includes('replaced'))
        json(res, 409, { kind: 'Status', reason: 'Conflict', message: 'uid precondition', code: 409 });
      else json(res, 200, { kind: 'Pod', metadata: { name: 'p' } });
    });
    cleanups.push(() => new Promise((r) => srv.server.close(() => r())));
    const api = await KeepAliveApiClient.fromKubeConfig(kubeconfig(srv.url, 't'));
    cleanups.push(() => api.close());
    const path = '/api/v1/namespaces/ns/pods/p';
    expect(await api.request({ method: 'DELETE', path, ignoreResponseBody: true })).toEqual({
      status: 200,
      body: null,
    });
    expect(await api.request({ method: 'DELETE', path })).toMatchObject({ body: { kind: 'Pod' } });
    const conflict = await api
      .request({ method: 'DELETE', path: '/api/v1/namespaces/ns/pods/replaced', ignoreResponseBody: true })
      .catch((e: unknown) => e);
    expect(conflict).toMatchObject({ code: 409, reason: 'Conflict' });
    // The ignored bodies are read off their connections, which stay open for the next calls.
    for (let i = 0; i < 6; i++) await api.request({ method: 'DELETE', path, ignoreResponseBody: true });
    expect(srv.connections()).toBeLessThanOrEqual(2);
  });

  it('waits for Retry-After on 429 and on a 5xx that carries it, then sends again (client-go rest.Request)', async () => {
    const answers = [
      { code: 429, retryAfter: '2' },
      { code: 503, retryAfter: '5' },
      { code: 200, retryAfter: null },
    ];
    const srv = await startServer((_req, res) => {
      const next = answers.shift() ?? { code: 200, retryAfter: null };
      json(
        res,
        next.code,
        next.code === 200 ? { kind: 'Pod' } : { kind: 'Status', code: next.code },
        next.retryAfter === null ? {} : { 'retry-after': next.retryAfter },
      );
    });
    cleanups.push(() => new Promise((r) => srv.server.close(() => r())));
    const clock = new FakeClock();
    const observed: number[] = [];
    const api = await KeepAliveApiClient.fromKubeConfig(kubeconfig(srv.url, 't'), {
      clock,
      onCall: (_m, _p, c) => observed.push(c),
    });
    cleanups.push(() => api.close());
    let asked = 0;
    const call = api.request({
      method: 'PATCH',
      path: '/api/v1/namespaces/ns/pods/p/status',
      body: {},
      timeoutMs: 30_000,
      mayRetry: () => {
        asked++;
        return true;
      },
    });
    await waitFor(
      () => observed.length === 1,
      5_000,
      () => 'the 429',
    );
    clock.advance(1_999);
    await new Promise((r) => setImmediate(r));
    expect(observed).toEqual([429]);
    clock.advance(1);
    await waitFor(
      () => observed.length === 2,
      5_000,
      () => 'the 503',
    );
    clock.advance(5_000);
    await expect(call).resolves.toMatchObject({ status: 200 });
    expect(observed).toEqual([429, 503, 200]);
    expect(asked).toBeGreaterThanOrEqual(2);

    // A caller that says stop (cancelled eviction, expired lease) gets the server's answer instead.
    answers.push({ code: 429, retryAfter: '1' });
    const refused = await api
      .request({ method: 'DELETE', path: '/api/v1/namespaces/ns/pods/p', mayRetry: () => false })
      .catch((e: unknown) => e);
    expect(refused).toMatchObject({ code: 429, retryAfterSeconds: 1 });
    // A 500 without Retry-After is not retried here: the queue's backoff owns that.
    answers.push({ code: 500, retryAfter: null });
    await expect(api.request({ method: 'GET', path: '/x' })).rejects.toMatchObject({ code: 500 });
    expect(observed).toEqual([429, 503, 200, 429, 500]);
  });

  it('reports a refused connection as a retryable ApiError with code 0', async () => {
    const srv = await startServer((_req, res) => json(res, 200, {}));
    const url = srv.url;
    await new Promise<void>((r) => srv.server.close(() => r()));
    const api = await KeepAliveApiClient.fromKubeConfig(kubeconfig(url, 't'));
    cleanups.push(() => api.close());
    const err = await api.request({ method: 'GET', path: '/api/v1/namespaces' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).code).toBe(0);
    expect((err as ApiError).reason).toBe('ECONNREFUSED');
  });

  it('times out a hung request with code 0', async () => {
    const srv = await startServer(() => {
      // Never answers.
    });
    cleanups.push(async () => {
      srv.server.closeAllConnections();
      await new Promise<void>((r) => srv.server.close(() => r()));
    });
    const api = await KeepAliveApiClient.fromKubeConfig(kubeconfig(srv.url, 't'));
    cleanups.push(() => api.close());
    const err = await api
      .request({ method: 'GET', path: '/api/v1/namespaces', timeoutMs: 100 })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).code).toBe(0);
    expect((err as ApiError).reason).toBe('TimeoutError');
  });

  it('re-resolves credentials and retries once after a 401', async () => {
    const srv = await startServer((req, res) => {
      if (req.headers.authorization === 'Bearer new') json(res, 200, { ok: true });
      else json(res, 401, { kind: 'Status', reason: 'Unauthorized', code: 401 });
    });
    cleanups.push(() => new Promise((r) => srv.server.close(() => r())));
    const kc = kubeconfig(srv.url, 'old');
    const api = await KeepAliveApiClient.fromKubeConfig(kc);
    cleanups.push(() => api.close());
    const user = kc.getCurrentUser();
    if (user === null) throw new Error('no user');
    // A rotated token, as an exec plugin or projected service-account token file would produce.
    (user as { token?: string }).token = 'new';
    const res = await api.request({ method: 'GET', path: '/api/v1/namespaces' });
    expect(res.body).toEqual({ ok: true });
    expect(srv.seen.map((s) => s.headers.authorization)).toEqual(['Bearer old', 'Bearer new']);
  });

  it('refuses plain http unless the kubeconfig skips TLS verification, like client-node', async () => {
    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name: 'c', server: 'http://127.0.0.1:1', skipTLSVerify: false }],
      users: [{ name: 'u', token: 't' }],
      contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
      currentContext: 'x',
    });
    await expect(KeepAliveApiClient.fromKubeConfig(kc)).rejects.toThrow(/skipTLSVerify/);
  });
});
