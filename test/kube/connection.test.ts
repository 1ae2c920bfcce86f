// The connection module: what it resolves from a kubeconfig (headers, TLS material, the plain-http
// rule), how credentials are refreshed (interval, 401, one at a time, token file rotation), how a
// worker's pushed credentials ask for fresh ones, and that the TLS material reaches a real handshake.

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TLSSocket } from 'node:tls';
import { KubeConfig } from '@kubernetes/client-node';
import { afterEach, describe, expect, it } from 'vitest';
import {
  ApiConnection,
  checkConnectionTarget,
  PushedCredentials,
  RefreshingCredentials,
  tokenFileOf,
} from '../../src/kube/connection.js';
import { KeepAliveApiClient } from '../../src/kube/keepAlive.js';
import { HttpReadTransport } from '../../src/kube/readTransport.js';
import { FakeClock } from '../../src/shared/clock.js';
import { RecordingLogger } from '../../src/shared/logger.js';
import type { ApiCredentials } from '../../src/shared/messages/types.js';

const cleanups: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function tempDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'dte-connection-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A kubeconfig in kubectl's own format, parsed by client-node (JSON is YAML). */
function kubeconfig(cluster: Record<string, unknown>, user: Record<string, unknown>): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromString(
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'c', cluster }],
      users: [{ name: 'u', user }],
      contexts: [{ name: 'x', context: { cluster: 'c', user: 'u' } }],
      'current-context': 'x',
    }),
  );
  return kc;
}

const insecure = (server = 'http://127.0.0.1:1') => ({ server, 'insecure-skip-tls-verify': true });

/** A promise with its resolve exposed. */
function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

describe('ApiConnection.fromKubeConfig', () => {
  it('resolves a bearer token, the server, its base path and skip-verify into plain, clonable data', async () => {
    const conn = await ApiConnection.fromKubeConfig(
      kubeconfig(insecure('http://127.0.0.1:8080/k8s/clusters/c-1/'), { token: 'sekret', as: 'ops-admin' }),
    );
    expect(conn.credentials.latest()).toEqual({
      generation: 0,
      headers: { authorization: 'Bearer sekret', 'impersonate-user': 'ops-admin' },
    });
    // (client-node drops the trailing slash of `server` when it parses the kubeconfig.)
    expect(conn.target).toEqual({
      server: 'http://127.0.0.1:8080/k8s/clusters/c-1',
      tls: { rejectUnauthorized: false },
    });
    expect(conn.origin).toBe('http://127.0.0.1:8080');
    expect(conn.basePath).toBe('/k8s/clusters/c-1');
    expect(conn.requestPath('/api/v1/pods', { limit: '5', continue: 'a b' })).toBe(
      '/k8s/clusters/c-1/api/v1/pods?limit=5&continue=a+b',
    );
    // What crosses to a worker is plain data: a structured clone is equal and passes validation.
    const cloned = structuredClone({ target: conn.target, credentials: conn.credentials.latest() });
    expect(cloned).toEqual({ target: conn.target, credentials: conn.credentials.latest() });
    expect(checkConnectionTarget(cloned.target)).toBeNull();
  });

  it('turns username and password into a Basic authorization header', async () => {
    const conn = await ApiConnection.fromKubeConfig(kubeconfig(insecure(), { username: 'admin', password: 'p@ss:w' }));
    expect(conn.credentials.latest().headers).toEqual({
      authorization: `Basic ${Buffer.from('admin:p@ss:w').toString('base64')}`,
    });
  });

  it('refuses plain http unless the cluster skips TLS verification (client-node rule), here and at the worker boundary', async () => {
    await expect(
      ApiConnection.fromKubeConfig(kubeconfig({ server: 'http://127.0.0.1:8080' }, { token: 't' })),
    ).rejects.toThrow(/skipTLSVerify/);
    const creds = new PushedCredentials({ generation: 0, headers: {} }, () => {});
    expect(() => new ApiConnection({ server: 'http://127.0.0.1:8080', tls: {} }, creds)).toThrow(/skipTLSVerify/);
    expect(checkConnectionTarget({ server: 'http://127.0.0.1:8080', tls: {} })).toMatch(/skipTLSVerify/);
    expect(checkConnectionTarget({ server: 'ftp://x', tls: { rejectUnauthorized: false } })).toMatch(/scheme/);
    expect(checkConnectionTarget({ server: 'not a url', tls: {} })).toMatch(/invalid server URL/);
    expect(checkConnectionTarget({ server: 'https://x', tls: { ca: Buffer.from('x') } })).toMatch(/tls.ca/);
    expect(checkConnectionTarget({ server: 'https://x', tls: { rejectUnauthorized: 'no' } })).toMatch(
      /rejectUnauthorized/,
    );
    expect(checkConnectionTarget({ server: 'https://x' })).toMatch(/tls/);
    expect(checkConnectionTarget('https://x')).toMatch(/object/);
  });

  it("finds the token file of client-node's tokenFile provider (in-cluster), not when a static token or exec wins", () => {
    const provider = { name: 'tokenFile', config: { tokenFile: '/var/run/secrets/token' } };
    expect(tokenFileOf({ name: 'u', authProvider: provider })).toBe('/var/run/secrets/token');
    expect(tokenFileOf({ name: 'u', authProvider: provider, token: 'static' })).toBeNull();
    expect(tokenFileOf({ name: 'u', authProvider: { name: 'gcp', config: { tokenFile: '/x' } } })).toBeNull();
    expect(
      tokenFileOf({ name: 'u', authProvider: provider, exec: { command: 'x' } } as Parameters<typeof tokenFileOf>[0]),
    ).toBeNull();
    expect(tokenFileOf({ name: 'u', token: 'static' })).toBeNull();
    expect(tokenFileOf(null)).toBeNull();
  });

  it('re-reads a rotated token file at most once per interval, trims it, and keeps the last good token when it is empty', async () => {
    const dir = tempDir();
    const tokenFile = path.join(dir, 'token');
    writeFileSync(tokenFile, 'first\n');
    const clock = new FakeClock(Date.UTC(2026, 0, 1));
    const log = new RecordingLogger();
    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name: 'c', server: 'https://127.0.0.1:6443', skipTLSVerify: false }],
      users: [{ name: 'sa', authProvider: { name: 'tokenFile', config: { tokenFile } } }],
      contexts: [{ name: 'x', cluster: 'c', user: 'sa' }],
      currentContext: 'x',
    });
    const conn = await ApiConnection.fromKubeConfig(kc, { clock, refreshMs: 60_000, log });
    const creds = conn.credentials;
    expect((await creds.current()).headers.authorization).toBe('Bearer first');

    // The kubelet rotates the token: nobody re-reads before the interval is up…
    writeFileSync(tokenFile, 'second');
    clock.advance(59_999);
    expect((await creds.current()).headers.authorization).toBe('Bearer first');
    expect(creds.refreshes).toBe(0);
    // …and the first use after it does, once.
    clock.advance(1);
    const rotated = await creds.current();
    expect(rotated).toEqual({ generation: 1, headers: { authorization: 'Bearer second' } });
    expect(await creds.current()).toBe(rotated);
    expect(creds.refreshes).toBe(1);

    // An empty file is an error (client-go's fileTokenSource); the last good token stays in use.
    writeFileSync(tokenFile, '  \n');
    clock.advance(60_000);
    const kept = await creds.current();
    expect(kept.headers.authorization).toBe('Bearer second');
    expect(kept.generation).toBe(2);
    expect(log.lines.map((l) => l.msg)).toContain('Refreshing API credentials failed; keeping the current ones');
    expect(JSON.stringify(log.lines)).toContain('read empty token');
  });
});

describe('RefreshingCredentials', () => {
  it('refreshes exactly once for a burst of 401s, one resolution at a time, and not again for stale generations', async () => {
    let resolutions = 0;
    let gate = deferred<void>();
    const creds = new RefreshingCredentials(
      async () => {
        resolutions++;
        await gate.promise;
        return { authorization: `Bearer token-${resolutions}` };
      },
      { authorization: 'Bearer token-0' },
      { refreshMs: 60_000, clock: new FakeClock() },
    );
    // Twenty requests sent with generation 0 were all rejected.
    const answers = Array.from({ length: 20 }, () => creds.afterUnauthorized(0));
    // The interval check joins the running refresh too.
    const joined = creds.refresh();
    gate.resolve();
    const results = await Promise.all([...answers, joined]);
    expect(resolutions).toBe(1);
    for (const r of results) expect(r).toEqual({ generation: 1, headers: { authorization: 'Bearer token-1' } });

    // A late 401 for a request that still carried generation 0: newer credentials exist, no refresh.
    expect(await creds.afterUnauthorized(0)).toBe(results[0]);
    expect(resolutions).toBe(1);
    // A 401 for the newest generation refreshes again.
    gate = deferred<void>();
    const again = creds.afterUnauthorized(1);
    gate.resolve();
    expect((await again).headers.authorization).toBe('Bearer token-2');
    expect(resolutions).toBe(2);
  });

  it('while subscribed, refreshes on a timer every interval and tells listeners only about changed headers', async () => {
    const clock = new FakeClock();
    let token = 'a';
    const creds = new RefreshingCredentials(
      async () => ({ authorization: `Bearer ${token}` }),
      { authorization: 'Bearer a' },
      {
        refreshMs: 1_000,
        clock,
      },
    );
    const seen: ApiCredentials[] = [];
    const unsubscribe = creds.subscribe((c) => seen.push(c));
    const settle = () => new Promise((resolve) => setImmediate(resolve));

    clock.advance(1_000);
    await settle();
    expect(creds.refreshes).toBe(1);
    expect(seen).toEqual([]); // same headers: nothing to push
    token = 'b';
    clock.advance(1_000);
    await settle();
    expect(creds.refreshes).toBe(2);
    expect(seen).toEqual([{ generation: 2, headers: { authorization: 'Bearer b' } }]);

    unsubscribe();
    token = 'c';
    clock.advance(5_000);
    await settle();
    expect(creds.refreshes).toBe(2); // no listener, no timer
  });

  it('keeps the last good headers when the resolver throws (an exec plugin that fails)', async () => {
    const log = new RecordingLogger();
    const creds = new RefreshingCredentials(
      async () => {
        throw new Error('exec: plugin exited 1');
      },
      { authorization: 'Bearer good' },
      { log, clock: new FakeClock() },
    );
    const after = await creds.afterUnauthorized(0);
    expect(after).toEqual({ generation: 1, headers: { authorization: 'Bearer good' } });
    expect(log.lines[0]?.fields).toEqual({ error: 'exec: plugin exited 1' });
  });
});

describe('PushedCredentials (a worker thread)', () => {
  it('asks the main thread once per generation, however many requests got the 401, and hands them its answer', async () => {
    const asked: number[] = [];
    const creds = new PushedCredentials({ generation: 4, headers: { authorization: 'Bearer old' } }, (g) =>
      asked.push(g),
    );
    const waiting = Array.from({ length: 5 }, () => creds.afterUnauthorized(4));
    expect(asked).toEqual([4]);
    creds.update({ generation: 5, headers: { authorization: 'Bearer new' } });
    for (const c of await Promise.all(waiting)) expect(c.headers.authorization).toBe('Bearer new');
    // A request that went out with generation 4 after the update: retry with 5 at once, no question.
    expect((await creds.afterUnauthorized(4)).generation).toBe(5);
    expect(asked).toEqual([4]);
    // An older generation pushed late never replaces a newer one.
    creds.update({ generation: 3, headers: { authorization: 'Bearer older' } });
    expect((await creds.current()).headers.authorization).toBe('Bearer new');
  });

  it('stops waiting when the request is aborted or the main thread does not answer', async () => {
    const asked: number[] = [];
    const creds = new PushedCredentials({ generation: 0, headers: {} }, (g) => asked.push(g), 50);
    const abort = new AbortController();
    const aborted = creds.afterUnauthorized(0, abort.signal);
    abort.abort();
    expect((await aborted).generation).toBe(0);
    // No answer within the timeout: the current credentials, and the next 401 asks again.
    expect((await creds.afterUnauthorized(0)).generation).toBe(0);
    void creds.afterUnauthorized(0);
    expect(asked).toEqual([0, 0]);
  });
});

describe('clients on one connection', () => {
  async function serve(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<string> {
    const server = createHttpServer((req, res) => {
      req.resume();
      req.on('end', () => handler(req, res));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  it('the write client retries a burst of 401s once each, after a single refresh; the read transport refreshes without retrying', async () => {
    const seen: string[] = [];
    const url = await serve((req, res) => {
      const auth = req.headers.authorization ?? '';
      seen.push(auth);
      const ok = auth === 'Bearer new';
      res.writeHead(ok ? 200 : 401, { 'content-type': 'application/json' });
      res.end(JSON.stringify(ok ? { kind: 'Pod' } : { kind: 'Status', reason: 'Unauthorized', code: 401 }));
    });
    let token = 'old';
    const creds = new RefreshingCredentials(
      async () => {
        await new Promise((resolve) => setTimeout(resolve, 20));
        return { authorization: `Bearer ${token}` };
      },
      { authorization: 'Bearer old' },
    );
    const conn = new ApiConnection({ server: url, tls: { rejectUnauthorized: false } }, creds);
    const api = new KeepAliveApiClient(conn, { connections: 10 });
    cleanups.push(() => api.close());
    token = 'new';
    const responses = await Promise.all(
      Array.from({ length: 10 }, () => api.request({ method: 'GET', path: '/api/v1/namespaces/a/pods/p' })),
    );
    expect(responses.every((r) => r.status === 200)).toBe(true);
    expect(creds.refreshes).toBe(1);
    expect(seen.filter((s) => s === 'Bearer old')).toHaveLength(10);
    expect(seen.filter((s) => s === 'Bearer new')).toHaveLength(10);

    // The read side on the same connection sends the refreshed token; after a 401 it refreshes (once)
    // and surfaces the error for the reflector to retry.
    const reads = new HttpReadTransport(conn);
    cleanups.push(() => reads.close());
    expect(await reads.getJson('/api/v1/pods')).toEqual({ kind: 'Pod' });
    expect(seen.at(-1)).toBe('Bearer new');
    token = 'newer';
    seen.length = 0;
    const stale = new RefreshingCredentials(async () => ({ authorization: `Bearer ${token}` }), {
      authorization: 'Bearer old',
    });
    const readsStale = new HttpReadTransport(new ApiConnection(conn.target, stale));
    cleanups.push(() => readsStale.close());
    await expect(readsStale.getJson('/api/v1/pods')).rejects.toMatchObject({ code: 401 });
    expect(stale.refreshes).toBe(1);
    expect(stale.latest().headers.authorization).toBe('Bearer newer');
    expect(seen).toEqual(['Bearer old']);
  });
});

describe('TLS material', () => {
  const fixture = (name: string): string => readFileSync(new URL(`fixtures/tls/${name}`, import.meta.url), 'utf8');
  const b64 = (text: string): string => Buffer.from(text).toString('base64');

  it('verifies the server against the kubeconfig CA and tls-server-name, and presents the client certificate (also from a worker-side clone)', async () => {
    const server = createHttpsServer(
      {
        key: fixture('server.key'),
        cert: fixture('server.crt'),
        ca: fixture('ca.crt'),
        requestCert: true,
        rejectUnauthorized: true,
      },
      (req, res) => {
        const peer = (req.socket as TLSSocket).getPeerCertificate();
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ user: peer.subject?.CN, groups: peer.subject?.O }));
      },
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;

    const cluster = { server: url, 'certificate-authority-data': b64(fixture('ca.crt')) };
    const user = {
      'client-certificate-data': b64(fixture('client.crt')),
      'client-key-data': b64(fixture('client.key')),
    };
    const conn = await ApiConnection.fromKubeConfig(
      kubeconfig({ ...cluster, 'tls-server-name': 'kube-apiserver.test' }, user),
    );
    expect(conn.target.tls).toEqual({
      ca: fixture('ca.crt'),
      cert: fixture('client.crt'),
      key: fixture('client.key'),
      servername: 'kube-apiserver.test',
    });
    expect(conn.credentials.latest().headers).toEqual({});
    const api = new KeepAliveApiClient(conn);
    cleanups.push(() => api.close());
    expect((await api.request({ method: 'GET', path: '/version' })).body).toEqual({
      user: 'alice',
      groups: 'evictors',
    });

    // A worker thread gets the target as a structured clone and no KubeConfig: same handshake.
    const worker = new KeepAliveApiClient(
      new ApiConnection(structuredClone(conn.target), new PushedCredentials(conn.credentials.latest(), () => {})),
    );
    cleanups.push(() => worker.close());
    expect((await worker.request({ method: 'GET', path: '/version' })).body).toEqual({
      user: 'alice',
      groups: 'evictors',
    });

    // Without tls-server-name the certificate (issued for kube-apiserver.test only) does not match 127.0.0.1.
    const unnamed = new KeepAliveApiClient(await ApiConnection.fromKubeConfig(kubeconfig(cluster, user)));
    cleanups.push(() => unnamed.close());
    await expect(unnamed.request({ method: 'GET', path: '/version', timeoutMs: 5_000 })).rejects.toMatchObject({
      code: 0,
    });
  });
});
