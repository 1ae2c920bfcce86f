// The read side's HTTP: GETs returning JSON (list pages, discovery) and long-lived watch streams,
// over one undici keep-alive pool to an `ApiConnection` (connection.ts: TLS material, credentials and
// their refresh). Not client-node's Watch: it swallows undecodable lines silently, hides the error body of
// a non-200 watch (so a 410 Status is indistinguishable from a 500), and rides node-fetch, whose
// keep-alive handling fails on chunked responses. The reflector only sees this interface.

import { StringDecoder } from 'node:string_decoder';
import type { Pool } from 'undici';
import { ApiError, errorFromResponse, parseRetryAfter, transportError } from './apiClient.js';
import { ApiConnection } from './connection.js';
import type { KubeConfigLike } from './kubeConfigCore.js';

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

export class HttpReadTransport implements ReadTransport {
  private readonly pool: Pool;

  constructor(
    private readonly connection: ApiConnection,
    private readonly options: HttpReadTransportOptions = {},
  ) {
    // Each watch holds a connection for its lifetime; lists and discovery share the rest.
    this.pool = connection.createPool({ connections: 32 });
  }

  /** Connects to the current context's cluster of `kc` over a connection of its own. */
  static async fromKubeConfig(kc: KubeConfigLike, options: HttpReadTransportOptions = {}): Promise<HttpReadTransport> {
    return new HttpReadTransport(await ApiConnection.fromKubeConfig(kc), options);
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
    const credentials = this.connection.credentials;
    const sent = await credentials.current();
    let res: Awaited<ReturnType<Pool['request']>>;
    try {
      res = await this.pool.request({
        method: 'GET',
        path: this.connection.requestPath(path, query),
        headers: {
          ...sent.headers,
          accept: 'application/json',
          ...(this.options.userAgent ? { 'user-agent': this.options.userAgent } : {}),
        },
        signal,
        // A watch can legitimately stay quiet between bookmarks; the reflector's watchdog decides.
        bodyTimeout: streaming ? 0 : undefined,
      });
    } catch (err) {
      throw transportError(err);
    }
    // A rotating token expired: refresh now (once for every request that got this 401), so the caller's
    // next attempt carries the new one. The 401 itself still surfaces; the reflector retries.
    if (res.statusCode === 401) await credentials.afterUnauthorized(sent.generation, signal);
    return res;
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
