// The read side's HTTP: GETs returning JSON (list pages, discovery) and long-lived watch streams,
// over one undici keep-alive pool with the TLS material and credentials client-node's KubeConfig
// resolves. Not client-node's Watch: it swallows undecodable lines silently, hides the error body of
// a non-200 watch (so a 410 Status is indistinguishable from a 500), and rides node-fetch, whose
// keep-alive handling fails on chunked responses (design.md). The reflector only sees this interface.

import type { RequestOptions as HttpsRequestOptions } from 'node:https';
import { StringDecoder } from 'node:string_decoder';
import type { KubeConfig } from '@kubernetes/client-node';
import { Pool } from 'undici';
import { ApiError, errorFromResponse, parseRetryAfter, transportError } from './apiClient.js';

export type Query = Readonly<Record<string, string>>;

export interface ReadTransport {
  /** GET `path` and parse the JSON body. Rejects with `ApiError` (code 0 = no response). */
  getJson(path: string, query?: Query, signal?: AbortSignal): Promise<unknown>;
  /**
   * GET `path` and return the undecoded 200 body, an ArrayBuffer the caller owns (it may transfer it
   * to another thread: see PageDecoder). Errors as `getJson`. Optional: without it lists use `getJson`.
   */
  getBytes?(path: string, query?: Query, signal?: AbortSignal): Promise<ArrayBuffer>;
  /**
   * Opens a streaming GET and hands every complete line to `onLine` as it arrives. Resolves when the
   * server ends the stream or `signal` aborts; rejects with `ApiError` on a non-200 answer (the body's
   * Status is decoded, so a 410 is recognisable) or a broken connection.
   */
  stream(path: string, query: Query, onLine: (line: string) => void, signal: AbortSignal): Promise<void>;
  close(): Promise<void>;
}

export interface HttpReadTransportOptions {
  /** Per-GET deadline. Streams have none: the reflector's silence watchdog bounds them. */
  readonly requestTimeoutMs?: number;
  readonly userAgent?: string;
}

type TlsOptions = Pick<HttpsRequestOptions, 'ca' | 'cert' | 'key' | 'rejectUnauthorized' | 'servername'>;

async function resolveAuth(kc: KubeConfig): Promise<{ tls: TlsOptions; headers: Record<string, string> }> {
  const opts: HttpsRequestOptions = { headers: {} };
  await kc.applyToHTTPSOptions(opts);
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(opts.headers ?? {})) {
    if (typeof value === 'string' || typeof value === 'number') headers[name.toLowerCase()] = String(value);
    else if (Array.isArray(value)) headers[name.toLowerCase()] = value.join(', ');
  }
  if (opts.auth) headers.authorization = `Basic ${Buffer.from(opts.auth).toString('base64')}`;
  return {
    tls: {
      ca: opts.ca,
      cert: opts.cert,
      key: opts.key,
      rejectUnauthorized: opts.rejectUnauthorized,
      servername: opts.servername,
    },
    headers,
  };
}

const AUTH_REFRESH_MS = 60_000;

export class HttpReadTransport implements ReadTransport {
  private headers: Record<string, string>;
  private headersAt = Date.now();

  private constructor(
    private readonly kc: KubeConfig,
    private readonly pool: Pool,
    private readonly basePath: string,
    headers: Record<string, string>,
    private readonly options: HttpReadTransportOptions,
  ) {
    this.headers = headers;
  }

  static async fromKubeConfig(kc: KubeConfig, options: HttpReadTransportOptions = {}): Promise<HttpReadTransport> {
    const cluster = kc.getCurrentCluster();
    if (cluster === null) throw new Error('kubeconfig has no current cluster');
    const server = new URL(cluster.server);
    if (server.protocol === 'http:' && !cluster.skipTLSVerify)
      // client-node's rule, kept so every client of one kubeconfig accepts the same servers.
      throw new Error('HTTP protocol is not allowed when skipTLSVerify is not set or false');
    const { tls, headers } = await resolveAuth(kc);
    const pool = new Pool(server.origin, {
      // Each watch holds a connection for its lifetime; lists and discovery share the rest.
      connections: 32,
      keepAliveTimeout: 30_000,
      connect: server.protocol === 'https:' ? { ...tls } : undefined,
    });
    return new HttpReadTransport(kc, pool, server.pathname.replace(/\/+$/, ''), headers, options);
  }

  async getJson(path: string, query: Query = {}, signal?: AbortSignal): Promise<unknown> {
    const timeout = AbortSignal.timeout(this.options.requestTimeoutMs ?? 60_000);
    const res = await this.send(path, query, signal ? AbortSignal.any([signal, timeout]) : timeout, false);
    const text = await res.body.text().catch((err: unknown) => {
      throw transportError(err);
    });
    const body = parseJson(text);
    if (res.statusCode !== 200)
      throw errorFromResponse(res.statusCode, body, parseRetryAfter(res.headers['retry-after']));
    if (body === undefined) throw new ApiError(0, 'Decode', `GET ${path}: response is not JSON`);
    return body;
  }

  async getBytes(path: string, query: Query = {}, signal?: AbortSignal): Promise<ArrayBuffer> {
    const timeout = AbortSignal.timeout(this.options.requestTimeoutMs ?? 60_000);
    const res = await this.send(path, query, signal ? AbortSignal.any([signal, timeout]) : timeout, false);
    if (res.statusCode !== 200) {
      const text = await res.body.text().catch((err: unknown) => {
        throw transportError(err);
      });
      throw errorFromResponse(res.statusCode, parseJson(text), parseRetryAfter(res.headers['retry-after']));
    }
    // undici copies the body into a fresh, exactly sized ArrayBuffer (never a pooled slab): ours to transfer.
    return res.body.arrayBuffer().catch((err: unknown) => {
      throw transportError(err);
    });
  }

  async stream(path: string, query: Query, onLine: (line: string) => void, signal: AbortSignal): Promise<void> {
    const res = await this.send(path, query, signal, true).catch((err: unknown) => {
      if (signal.aborted) return null;
      throw err;
    });
    if (res === null) return;
    if (res.statusCode !== 200) {
      const text = await res.body.text().catch(() => '');
      throw errorFromResponse(res.statusCode, parseJson(text) ?? null, parseRetryAfter(res.headers['retry-after']));
    }
    const decoder = new StringDecoder('utf8');
    let pending = '';
    try {
      for await (const chunk of res.body) {
        pending += decoder.write(chunk as Buffer);
        let nl = pending.indexOf('\n');
        while (nl >= 0) {
          const line = pending.slice(0, nl);
          pending = pending.slice(nl + 1);
          if (line.trim() !== '') onLine(line);
          if (signal.aborted) return;
          nl = pending.indexOf('\n');
        }
      }
      pending += decoder.end();
      if (pending.trim() !== '') onLine(pending);
    } catch (err) {
      if (signal.aborted) return;
      throw transportError(err);
    }
  }

  async close(): Promise<void> {
    await this.pool.destroy();
  }

  private async send(path: string, query: Query, signal: AbortSignal, streaming: boolean) {
    const search = new URLSearchParams(query).toString();
    try {
      const headers = await this.currentHeaders();
      const res = await this.pool.request({
        method: 'GET',
        path: `${this.basePath}${path}${search ? `?${search}` : ''}`,
        headers: {
          ...headers,
          accept: 'application/json',
          ...(this.options.userAgent ? { 'user-agent': this.options.userAgent } : {}),
        },
        signal,
        // A watch can legitimately stay quiet between bookmarks; the reflector's watchdog decides.
        bodyTimeout: streaming ? 0 : undefined,
      });
      if (res.statusCode === 401) this.headersAt = 0; // rotating token expired: re-resolve next time
      return res;
    } catch (err) {
      throw transportError(err);
    }
  }

  private async currentHeaders(): Promise<Record<string, string>> {
    if (Date.now() - this.headersAt >= AUTH_REFRESH_MS) {
      this.headers = (await resolveAuth(this.kc)).headers;
      this.headersAt = Date.now();
    }
    return this.headers;
  }
}

function parseJson(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
