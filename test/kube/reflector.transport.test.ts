// The read transport on a hand-rolled HTTP server on 127.0.0.1: credentials from the kubeconfig,
// line framing across arbitrary chunk boundaries (including a split multi-byte character), Status
// decoding of non-200 watches and aborts.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import { afterEach, describe, expect, it } from 'vitest';
import { ApiError } from '../../src/kube/apiClient.js';
import { isGone } from '../../src/kube/httpErrors.js';
import { HttpReadTransport } from '../../src/kube/readTransport.js';
import { waitFor } from '../support/waitFor.js';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

describe('HttpReadTransport', () => {
  let server: Server | null = null;
  let transport: HttpReadTransport | null = null;
  afterEach(async () => {
    await transport?.close();
    server?.closeAllConnections();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    server = null;
    transport = null;
  });

  async function serve(handler: Handler, skipTLSVerify = true): Promise<HttpReadTransport> {
    server = createServer(handler);
    await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name: 'c', server: `http://127.0.0.1:${port}/prefix`, skipTLSVerify }],
      users: [{ name: 'u', token: 'secret-token' }],
      contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
      currentContext: 'x',
    });
    transport = await HttpReadTransport.fromKubeConfig(kc);
    return transport;
  }

  it('sends the kubeconfig credentials and the server path prefix, and parses JSON', async () => {
    const seen: { url?: string; auth?: string } = {};
    const t = await serve((req, res) => {
      seen.url = req.url;
      seen.auth = req.headers.authorization;
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ items: [], metadata: { resourceVersion: '5' } }));
    });
    expect(await t.getJson('/api/v1/pods', { limit: '500', continue: 'a b' })).toEqual({
      items: [],
      metadata: { resourceVersion: '5' },
    });
    expect(seen).toEqual({ url: '/prefix/api/v1/pods?limit=500&continue=a+b', auth: 'Bearer secret-token' });
  });

  it('turns a non-2xx answer into an ApiError with the Status reason and Retry-After', async () => {
    const t = await serve((_req, res) => {
      res.writeHead(429, { 'content-type': 'application/json', 'retry-after': '3' });
      res.end(JSON.stringify({ kind: 'Status', code: 429, reason: 'TooManyRequests', message: 'slow down' }));
    });
    const err = await t.getJson('/api/v1/pods').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ code: 429, reason: 'TooManyRequests', message: 'slow down', retryAfterSeconds: 3 });
  });

  it('frames lines across arbitrary chunk boundaries, including inside a UTF-8 character', async () => {
    const lines = [
      JSON.stringify({ type: 'ADDED', object: { metadata: { name: 'zürich-€' } } }),
      JSON.stringify({ type: 'BOOKMARK', object: { metadata: { resourceVersion: '9' } } }),
      JSON.stringify({ type: 'DELETED', object: { metadata: { name: 'last-without-newline' } } }),
    ];
    const bytes = Buffer.from(`${lines[0]}\n\n${lines[1]}\n${lines[2]}`, 'utf8');
    const t = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      // 3-byte chunks split "€" (3 bytes) and "ü" (2 bytes) at some offset.
      let i = 0;
      const pump = () => {
        if (i >= bytes.length) {
          res.end();
          return;
        }
        res.write(bytes.subarray(i, i + 3));
        i += 3;
        setImmediate(pump);
      };
      pump();
    });
    const got: string[] = [];
    await t.stream('/api/v1/pods', { watch: 'true' }, (l) => got.push(l), new AbortController().signal);
    expect(got).toEqual(lines);
  });

  it('decodes a 410 watch answer so the reflector can tell it from other failures', async () => {
    const t = await serve((_req, res) => {
      res.writeHead(410, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({ kind: 'Status', code: 410, reason: 'Expired', message: 'too old resource version: 1 (5)' }),
      );
    });
    const err = await t.stream('/api/v1/pods', {}, () => {}, new AbortController().signal).catch((e: unknown) => e);
    expect(isGone(err)).toBe(true);
    expect(err).toMatchObject({ message: 'too old resource version: 1 (5)' });
  });

  it('resolves quietly when aborted mid-stream', async () => {
    let open = 0;
    const t = await serve((_req, res) => {
      open++;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write(`${JSON.stringify({ type: 'BOOKMARK', object: {} })}\n`);
    });
    const ctl = new AbortController();
    const got: string[] = [];
    const done = t.stream('/api/v1/pods', {}, (l) => got.push(l), ctl.signal);
    await waitFor(() => got.length === 1);
    ctl.abort();
    await expect(done).resolves.toBeUndefined();
    expect(open).toBe(1);
  });

  it('refuses plain http unless the kubeconfig skips TLS verification (client-node rule)', async () => {
    await expect(serve(() => {}, false)).rejects.toThrow(/HTTP protocol is not allowed/);
  });

  it('a refused connection is an ApiError with code 0', async () => {
    const t = await serve((_req, res) => res.end('{}'));
    server?.closeAllConnections();
    await new Promise<void>((resolve) => server?.close(() => resolve()));
    server = null;
    const err = await t.getJson('/api').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).code).toBe(0);
  });
});
