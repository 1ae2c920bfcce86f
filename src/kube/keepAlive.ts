// The keep-alive transport behind `ApiClient`: one undici Pool per process (or per worker thread) to the
// kubeconfig's server, with the TLS material and credentials that client-node's KubeConfig resolves.
// client-node 1.4.0 opens a new connection per request, and sharing a keep-alive agent with it trips
// node-fetch's false "Premature close" on chunked responses; undici reuses connections and has no such bug.
// bench/http.ts measures the difference.

import type { RequestOptions as HttpsRequestOptions } from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';
import { Pool } from 'undici';
import type { Clock } from '../shared/clock.js';
import { RealClock } from '../shared/clock.js';
import {
  type ApiCallObserver,
  type ApiClient,
  type ApiRequest,
  type ApiResponse,
  errorFromResponse,
  isRetryAfterResponse,
  MAX_RETRY_AFTER_ATTEMPTS,
  MAX_RETRY_AFTER_WAIT_MS,
  parseRetryAfter,
  transportError,
} from './apiClient.js';

export interface KeepAliveClientOptions {
  /** Upper bound on open connections; requests beyond it queue inside the pool. */
  readonly connections?: number;
  /** Default per-request deadline when a request sets none. */
  readonly timeoutMs?: number;
  /**
   * Credentials (tokens from exec/OIDC plugins) can rotate: headers are re-resolved through the
   * KubeConfig at most this often, and immediately after a 401.
   */
  readonly authRefreshMs?: number;
  readonly onCall?: ApiCallObserver;
  readonly clock?: Clock;
  readonly userAgent?: string;
}

interface ResolvedAuth {
  readonly headers: Record<string, string>;
  readonly at: number;
}

type TlsOptions = Pick<HttpsRequestOptions, 'ca' | 'cert' | 'key' | 'rejectUnauthorized' | 'servername'>;

/** Resolves TLS material and auth headers exactly as client-node would for its own requests. */
async function resolveFromKubeConfig(kc: KubeConfig): Promise<{ tls: TlsOptions; headers: Record<string, string> }> {
  const opts: HttpsRequestOptions = { headers: {} };
  await kc.applyToHTTPSOptions(opts);
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(opts.headers ?? {})) {
    if (typeof value === 'string') headers[name.toLowerCase()] = value;
    else if (typeof value === 'number') headers[name.toLowerCase()] = String(value);
    else if (Array.isArray(value)) headers[name.toLowerCase()] = value.join(', ');
  }
  if (opts.auth) headers.authorization = `Basic ${Buffer.from(opts.auth).toString('base64')}`;
  const tls: TlsOptions = {
    ca: opts.ca,
    cert: opts.cert,
    key: opts.key,
    rejectUnauthorized: opts.rejectUnauthorized,
    servername: opts.servername,
  };
  return { tls, headers };
}

export class KeepAliveApiClient implements ApiClient {
  private auth: ResolvedAuth;
  private refreshing: Promise<ResolvedAuth> | null = null;
  private readonly clock: Clock;
  private readonly timeoutMs: number;
  private readonly authRefreshMs: number;

  private constructor(
    private readonly kc: KubeConfig,
    private readonly pool: Pool,
    private readonly basePath: string,
    auth: Record<string, string>,
    private readonly options: KeepAliveClientOptions,
  ) {
    this.clock = options.clock ?? new RealClock();
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.authRefreshMs = options.authRefreshMs ?? 60_000;
    this.auth = { headers: auth, at: this.clock.now() };
  }

  /** Connects to the current context's cluster of `kc`. */
  static async fromKubeConfig(kc: KubeConfig, options: KeepAliveClientOptions = {}): Promise<KeepAliveApiClient> {
    const cluster = kc.getCurrentCluster();
    if (cluster === null) throw new Error('kubeconfig has no current cluster');
    const server = new URL(cluster.server);
    if (server.protocol === 'http:' && !cluster.skipTLSVerify)
      // Same rule as client-node: plain http only when the kubeconfig explicitly skips TLS verification.
      throw new Error('HTTP protocol is not allowed when skipTLSVerify is not set or false');
    const { tls, headers } = await resolveFromKubeConfig(kc);
    const pool = new Pool(server.origin, {
      connections: options.connections ?? 16,
      pipelining: 1,
      keepAliveTimeout: 30_000,
      connect: server.protocol === 'https:' ? { ...tls } : undefined,
    });
    const basePath = server.pathname.replace(/\/+$/, '');
    return new KeepAliveApiClient(kc, pool, basePath, headers, options);
  }

  /**
   * One API call. Like client-go's rest.Request, a 429 or a 5xx with Retry-After is sent again after the
   * server's wait (up to 10 attempts, each wait at most 60 s), all within the call's one deadline; the
   * error surfaces (with its retryAfterSeconds) when the deadline, the signal or `mayRetry` says stop.
   */
  async request(req: ApiRequest): Promise<ApiResponse> {
    const timeoutMs = req.timeoutMs ?? this.timeoutMs;
    const deadlineAt = this.clock.now() + timeoutMs;
    const deadline = AbortSignal.timeout(timeoutMs);
    const signal = req.signal === undefined ? deadline : AbortSignal.any([req.signal, deadline]);
    for (let attempt = 1; ; attempt++) {
      let response = await this.send(req, await this.currentAuth(false), signal);
      // An expired rotating token: resolve credentials again and retry once.
      if (response.status === 401) response = await this.send(req, await this.currentAuth(true), signal);
      this.options.onCall?.(req.method, req.path, response.status);
      if (response.status >= 200 && response.status < 300) return { status: response.status, body: response.body };
      const error = errorFromResponse(response.status, response.body, response.retryAfter);
      if (
        !isRetryAfterResponse(response.status, response.retryAfter) ||
        attempt >= MAX_RETRY_AFTER_ATTEMPTS ||
        (req.mayRetry !== undefined && !req.mayRetry())
      )
        throw error;
      const waitMs = Math.min((response.retryAfter ?? 0) * 1_000, MAX_RETRY_AFTER_WAIT_MS);
      // Like client-go's rate-limited wait, give up at once when the wait cannot fit in the deadline.
      if (this.clock.now() + waitMs >= deadlineAt || !(await this.wait(waitMs, signal))) throw error;
      if (req.mayRetry !== undefined && !req.mayRetry()) throw error;
    }
  }

  /** Sleeps `ms` on the client's clock; false when `signal` aborted first (the caller surfaces its error). */
  private wait(ms: number, signal: AbortSignal): Promise<boolean> {
    if (signal.aborted) return Promise.resolve(false);
    if (ms <= 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const onAbort = (): void => {
        this.clock.clearTimer(timer);
        resolve(false);
      };
      const timer = this.clock.setTimer(() => {
        signal.removeEventListener('abort', onAbort);
        resolve(true);
      }, ms);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  async close(): Promise<void> {
    await this.pool.close();
  }

  private async send(
    req: ApiRequest,
    auth: Record<string, string>,
    signal: AbortSignal,
  ): Promise<{ status: number; body: unknown; retryAfter: number | null }> {
    const search = req.query ? `?${new URLSearchParams(req.query).toString()}` : '';
    const headers: Record<string, string> = { ...auth, accept: 'application/json' };
    if (this.options.userAgent) headers['user-agent'] = this.options.userAgent;
    let payload: string | undefined;
    if (req.body !== undefined) {
      payload = JSON.stringify(req.body);
      headers['content-type'] = req.contentType ?? 'application/json';
    }
    try {
      const res = await this.pool.request({
        method: req.method,
        path: `${this.basePath}${req.path}${search}`,
        headers,
        body: payload,
        // undici closes the connection after a DELETE with a body ("may confuse some servers"); the
        // apiserver reads DeleteOptions bodies fine, and closing would cost a connection per eviction.
        reset: false,
        signal,
      });
      const text = await res.body.text();
      let body: unknown = null;
      if (text !== '') {
        try {
          body = JSON.parse(text);
        } catch {
          body = null;
        }
      }
      return { status: res.statusCode, body, retryAfter: parseRetryAfter(res.headers['retry-after']) };
    } catch (err) {
      this.options.onCall?.(req.method, req.path, 0);
      throw transportError(err);
    }
  }

  private async currentAuth(force: boolean): Promise<Record<string, string>> {
    if (!force && this.clock.now() - this.auth.at < this.authRefreshMs) return this.auth.headers;
    // One refresh at a time: a burst of evictions must not run the exec plugin once per request.
    this.refreshing ??= resolveFromKubeConfig(this.kc)
      .then(({ headers }) => ({ headers, at: this.clock.now() }))
      .finally(() => {
        this.refreshing = null;
      });
    this.auth = await this.refreshing;
    return this.auth.headers;
  }
}
