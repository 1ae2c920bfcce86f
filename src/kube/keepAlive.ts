// The keep-alive transport behind `ApiClient`: one undici Pool per process (or per worker thread) to the
// server of an `ApiConnection` (connection.ts: TLS material, credentials and their refresh live there).
// client-node 1.4.0 opens a new connection per request, and sharing a keep-alive agent with it trips
// node-fetch's false "Premature close" on chunked responses; undici reuses connections and has no such bug.
// bench/http.ts measures the difference.

import type { Pool } from 'undici';
import type { Clock } from '../shared/clock.js';
import { RealClock } from '../shared/clock.js';
import { deadlineSignal } from '../shared/deadline.js';
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
import { ApiConnection } from './connection.js';
import type { KubeConfigLike } from './kubeConfigCore.js';

export interface KeepAliveClientOptions {
  /** Upper bound on open connections; requests beyond it queue inside the pool. */
  readonly connections?: number;
  /** Default per-request deadline when a request sets none. */
  readonly timeoutMs?: number;
  /**
   * Only for `fromKubeConfig`, which builds its own connection: credentials (tokens from exec/OIDC
   * plugins, a rotated token file) are re-resolved at most this often, and immediately after a 401.
   */
  readonly authRefreshMs?: number;
  readonly onCall?: ApiCallObserver;
  readonly clock?: Clock;
  readonly userAgent?: string;
}

/** An object in etcd is at most 1.5 MiB; its JSON may be larger. */
const MAX_IGNORED_BODY_BYTES = 8 * 1024 * 1024;

export class KeepAliveApiClient implements ApiClient {
  private readonly clock: Clock;
  private readonly timeoutMs: number;
  private readonly pool: Pool;

  constructor(
    private readonly connection: ApiConnection,
    private readonly options: KeepAliveClientOptions = {},
  ) {
    this.clock = options.clock ?? new RealClock();
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.pool = connection.createPool({ connections: options.connections ?? 16, pipelining: 1 });
  }

  /** Connects to the current context's cluster of `kc` over a connection of its own. */
  static async fromKubeConfig(kc: KubeConfigLike, options: KeepAliveClientOptions = {}): Promise<KeepAliveApiClient> {
    const connection = await ApiConnection.fromKubeConfig(kc, {
      ...(options.authRefreshMs === undefined ? {} : { refreshMs: options.authRefreshMs }),
      ...(options.clock === undefined ? {} : { clock: options.clock }),
    });
    return new KeepAliveApiClient(connection, options);
  }

  /**
   * One API call. Like client-go's rest.Request, a 429 or a 5xx with Retry-After is sent again after the
   * server's wait (up to 10 attempts, each wait at most 60 s), all within the call's one deadline; the
   * error surfaces (with its retryAfterSeconds) when the deadline, the signal or `mayRetry` says stop.
   */
  async request(req: ApiRequest): Promise<ApiResponse> {
    const timeoutMs = req.timeoutMs ?? this.timeoutMs;
    const deadlineAt = this.clock.now() + timeoutMs;
    const deadline = deadlineSignal(timeoutMs, req.signal);
    try {
      return await this.attempts(req, deadlineAt, deadline.signal);
    } finally {
      deadline.dispose();
    }
  }

  private async attempts(req: ApiRequest, deadlineAt: number, signal: AbortSignal): Promise<ApiResponse> {
    const credentials = this.connection.credentials;
    for (let attempt = 1; ; attempt++) {
      const sent = await credentials.current();
      let response = await this.send(req, sent.headers, signal);
      // An expired rotating token: credentials newer than the rejected ones (one refresh shared by every
      // request that got this 401), and one more try.
      if (response.status === 401)
        response = await this.send(req, (await credentials.afterUnauthorized(sent.generation, signal)).headers, signal);
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
    auth: Readonly<Record<string, string>>,
    signal: AbortSignal,
  ): Promise<{ status: number; body: unknown; retryAfter: number | null }> {
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
        path: this.connection.requestPath(req.path, req.query),
        headers,
        body: payload,
        // undici closes the connection after a DELETE with a body ("may confuse some servers"); the
        // apiserver reads DeleteOptions bodies fine, and closing would cost a connection per eviction.
        reset: false,
        signal,
      });
      if (req.ignoreResponseBody === true && res.statusCode >= 200 && res.statusCode < 300) {
        // Read off the connection to keep it; dump's default (128 KiB) would close it for a large pod.
        await res.body.dump({ limit: MAX_IGNORED_BODY_BYTES });
        return { status: res.statusCode, body: null, retryAfter: null };
      }
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
}
