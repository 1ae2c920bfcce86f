// The one place that knows how to reach the API server: where it is (server URL and base path), how to
// trust it and prove who we are at the TLS layer (CA, client certificate, tls-server-name, skip-verify),
// which headers authenticate a request and when to re-resolve them, and how to open an undici pool to
// it. The read transport (readTransport.ts) and the write client (keepAlive.ts) both sit on an
// `ApiConnection`; so does every worker thread's executor.
//
// Credentials are resolved on the main thread only, through client-node's KubeConfig code (exec plugins,
// OIDC, tokens, basic auth, client certificates: its rules, not ours; `run` uses it without the API
// clients, kubeConfigCore.ts). What a thread needs to connect is
// plain data — a `ConnectionTarget` (server + TLS material as PEM strings) and `ApiCredentials` (headers
// + generation, src/shared/messages/types.ts) — so a worker thread rebuilds its pool from `workerData` and
// never loads @kubernetes/client-node (about 75 MB and a second of start-up per thread). This module
// imports client-node's types only.
//
// Rotation follows client-go. The main thread re-resolves at most once per refresh interval (and, while
// workers are attached, on a timer, pushing changed headers to them), and at once after a 401 for
// credentials no newer than the ones the rejected request carried — one refresh at a time, shared by all
// callers (client-go's ResetTokenOlderThan and exec plugin `maybeRefreshCredentials`). A failed refresh
// keeps the last good credentials (client-go's cachingTokenSource: "Unable to rotate token"). Workers
// hold `PushedCredentials`: on a 401 they ask the main thread and retry with its answer.
//
// The in-cluster service-account token is a file the kubelet rewrites (about hourly): client-node reads
// it through its `tokenFile` auth provider with a 60 s cache it never resets and does not trim. For that
// provider the token is re-read here on every refresh, trimmed, empty = error (client-go's
// fileTokenSource behind rest.Config.BearerTokenFile), so a 401 picks up a freshly rotated token at once.

import { readFileSync } from 'node:fs';
import type { RequestOptions as HttpsRequestOptions } from 'node:https';
import type { User } from '@kubernetes/client-node';
import type { Clock } from '../shared/clock.js';
import { type Logger, silentLogger } from '../shared/logger.js';
import type { ApiCredentials } from '../shared/messages/types.js';
import type { KubeConfigLike } from './kubeConfigCore.js';
import { Pool } from './undiciPool.js';

// ---------------------------------------------------------------------------------------------------
// Where the server is and how to trust it: plain data, structured-clonable, validated at the boundary.

/** TLS options of the connection, as PEM text (what client-node read from files or base64 data). */
export interface TlsMaterial {
  /** certificate-authority(-data): the CA bundle the server certificate must chain to; absent = Node's. */
  readonly ca?: string;
  /** client-certificate(-data), or an exec plugin's clientCertificateData. */
  readonly cert?: string;
  /** client-key(-data), or an exec plugin's clientKeyData. */
  readonly key?: string;
  /** `false` only when the cluster says insecure-skip-tls-verify. */
  readonly rejectUnauthorized?: boolean;
  /** tls-server-name: the name the server certificate is checked against (and sent as SNI). */
  readonly servername?: string;
}

/** Everything but the credentials a thread needs to open a pool to the API server. */
export interface ConnectionTarget {
  /** The cluster's `server` URL, path included (e.g. a proxy's `https://rancher/k8s/clusters/c-1`). */
  readonly server: string;
  readonly tls: TlsMaterial;
}

const TLS_STRING_FIELDS = ['ca', 'cert', 'key', 'servername'] as const;

/** Checks a `ConnectionTarget` (e.g. from `workerData`); `null` when valid. */
export function checkConnectionTarget(value: unknown): string | null {
  if (typeof value !== 'object' || value === null) return 'connection must be an object';
  const v = value as Record<string, unknown>;
  if (typeof v.server !== 'string') return 'connection.server must be a string';
  const tls = v.tls;
  if (typeof tls !== 'object' || tls === null) return 'connection.tls must be an object';
  const t = tls as Record<string, unknown>;
  for (const field of TLS_STRING_FIELDS)
    if (t[field] !== undefined && typeof t[field] !== 'string') return `connection.tls.${field} must be a string`;
  if (t.rejectUnauthorized !== undefined && typeof t.rejectUnauthorized !== 'boolean')
    return 'connection.tls.rejectUnauthorized must be a boolean';
  try {
    serverUrl(v as unknown as ConnectionTarget);
  } catch (error) {
    return `connection: ${error instanceof Error ? error.message : String(error)}`;
  }
  return null;
}

/**
 * The server URL, with client-node's rule for plain http: allowed only when the cluster skips TLS
 * verification (so every client of one kubeconfig accepts the same servers). Throws otherwise.
 */
function serverUrl(target: ConnectionTarget): URL {
  let url: URL;
  try {
    url = new URL(target.server);
  } catch {
    throw new Error(`invalid server URL ${JSON.stringify(target.server)}`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw new Error(`unsupported server URL scheme ${JSON.stringify(url.protocol)}`);
  if (url.protocol === 'http:' && target.tls.rejectUnauthorized !== false)
    throw new Error('HTTP protocol is not allowed when skipTLSVerify is not set or false');
  return url;
}

// ---------------------------------------------------------------------------------------------------
// Credentials: who resolves them, who refreshes them, who is told.

/** Where a client gets the headers to send, and fresh ones after a 401. */
export interface CredentialSource {
  /** Credentials to send now (on the main thread: re-resolved first when older than the interval). */
  current(): Promise<ApiCredentials>;
  /**
   * A request sent with credentials of `generation` was answered 401. Resolves with the credentials to
   * retry with: newer ones if there are any, else the outcome of one refresh shared by every caller.
   * `signal` stops waiting (the current credentials are returned).
   */
  afterUnauthorized(generation: number, signal?: AbortSignal): Promise<ApiCredentials>;
}

/** The main thread's credentials, lent to worker threads (see WorkerSupervisor). */
export interface SharedCredentialSource extends CredentialSource {
  /** The newest credentials, without refreshing (for a starting worker's `workerData`). */
  latest(): ApiCredentials;
  /**
   * Calls `listener` with the credentials whenever the headers change, and keeps them fresh on a timer
   * (the refresh interval) until the last listener unsubscribes.
   */
  subscribe(listener: (credentials: ApiCredentials) => void): () => void;
}

export interface RefreshingCredentialsOptions {
  /** Re-resolve at most this often (except after a 401). Default 60 s, client-go's token file period. */
  readonly refreshMs?: number;
  /** Time for the interval and its timer; default the real clock with an unref'd timer. */
  readonly clock?: Clock;
  readonly log?: Logger;
}

const DEFAULT_REFRESH_MS = 60_000;

/**
 * Credentials re-resolved by `resolve` (client-node's KubeConfig on the main thread): at most once per
 * interval on use, on a timer while subscribed, and after a 401 unless a newer generation exists. One
 * resolution runs at a time; every caller in the meantime shares it.
 */
export class RefreshingCredentials implements SharedCredentialSource {
  private value: ApiCredentials;
  private refreshedAt: number;
  private inFlight: Promise<ApiCredentials> | null = null;
  private readonly listeners = new Set<(credentials: ApiCredentials) => void>();
  private cancelTimer: (() => void) | null = null;
  private readonly refreshMs: number;
  private readonly log: Logger;
  private closed = false;
  /** Resolutions started after the first one (for tests and diagnostics). */
  refreshes = 0;

  constructor(
    private readonly resolve: () => Promise<Record<string, string>>,
    initial: Readonly<Record<string, string>>,
    private readonly options: RefreshingCredentialsOptions = {},
  ) {
    this.refreshMs = options.refreshMs ?? DEFAULT_REFRESH_MS;
    this.log = options.log ?? silentLogger;
    this.value = { generation: 0, headers: Object.freeze({ ...initial }) };
    this.refreshedAt = this.now();
  }

  latest(): ApiCredentials {
    return this.value;
  }

  current(): Promise<ApiCredentials> {
    if (this.now() - this.refreshedAt >= this.refreshMs) return this.refresh();
    return Promise.resolve(this.value);
  }

  afterUnauthorized(generation: number): Promise<ApiCredentials> {
    // Someone refreshed after these credentials were handed out: retry with the result (client-go
    // resets only a token older than the failed request).
    if (this.value.generation > generation) return Promise.resolve(this.value);
    return this.refresh();
  }

  /** Re-resolves now, or joins the resolution already running. */
  refresh(): Promise<ApiCredentials> {
    this.inFlight ??= this.runRefresh().finally(() => {
      this.inFlight = null;
    });
    return this.inFlight;
  }

  subscribe(listener: (credentials: ApiCredentials) => void): () => void {
    this.listeners.add(listener);
    if (this.cancelTimer === null) this.arm();
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0) this.disarm();
    };
  }

  /** Stops the timer and forgets the listeners. */
  close(): void {
    this.closed = true;
    this.listeners.clear();
    this.disarm();
  }

  private async runRefresh(): Promise<ApiCredentials> {
    this.refreshes++;
    let headers: Record<string, string> | null = null;
    try {
      headers = await this.resolve();
    } catch (error) {
      this.log.warn('Refreshing API credentials failed; keeping the current ones', {
        error: error instanceof Error ? error.message : String(error),
      });
    }
    // Every finished attempt counts as a refresh, so a 401 wave after a failed one retries once with
    // what we have instead of running a failing exec plugin once per rejected request.
    const changed = headers !== null && !sameHeaders(headers, this.value.headers);
    this.value = {
      generation: this.value.generation + 1,
      headers: changed && headers !== null ? Object.freeze({ ...headers }) : this.value.headers,
    };
    this.refreshedAt = this.now();
    if (changed)
      for (const listener of [...this.listeners]) {
        try {
          listener(this.value);
        } catch (error) {
          this.log.error('Credentials listener failed', {
            error: error instanceof Error ? error.message : String(error),
          });
        }
      }
    if (this.listeners.size > 0) this.arm();
    return this.value;
  }

  private now(): number {
    return this.options.clock?.now() ?? Date.now();
  }

  /** (Re)starts the timer for the next periodic refresh. */
  private arm(): void {
    this.disarm();
    if (this.closed) return;
    const delay = Math.max(0, this.refreshedAt + this.refreshMs - this.now());
    const fire = (): void => {
      this.cancelTimer = null;
      void this.refresh();
    };
    const clock = this.options.clock;
    if (clock !== undefined) {
      const handle = clock.setTimer(fire, delay);
      this.cancelTimer = () => clock.clearTimer(handle);
    } else {
      // The process's lifetime is its owner's business, not a credentials timer's.
      const timer = setTimeout(fire, delay).unref();
      this.cancelTimer = () => clearTimeout(timer);
    }
  }

  private disarm(): void {
    this.cancelTimer?.();
    this.cancelTimer = null;
  }
}

/**
 * A worker thread's credentials: the main thread's, as last pushed. After a 401 it asks the main
 * thread (`request`) once per generation and waits for the next `update`.
 */
export class PushedCredentials implements CredentialSource {
  private value: ApiCredentials;
  private waiters = new Set<() => void>();
  /** Generation a refresh was asked for and not yet answered; -1 when none. */
  private asked = -1;
  private answerTimer: NodeJS.Timeout | null = null;
  /** Credentials received from the main thread after the initial ones. */
  updates = 0;

  constructor(
    initial: ApiCredentials,
    private readonly request: (generation: number) => void,
    /** Gives up waiting for an answer after this long (returns the current credentials). */
    private readonly answerTimeoutMs = 10_000,
  ) {
    this.value = initial;
  }

  latest(): ApiCredentials {
    return this.value;
  }

  current(): Promise<ApiCredentials> {
    return Promise.resolve(this.value);
  }

  /** Newer credentials from the main thread (pushed, or the answer to a request). */
  update(credentials: ApiCredentials): void {
    this.updates++;
    if (credentials.generation >= this.value.generation) this.value = credentials;
    this.answered();
  }

  afterUnauthorized(generation: number, signal?: AbortSignal): Promise<ApiCredentials> {
    if (this.value.generation > generation || signal?.aborted) return Promise.resolve(this.value);
    return new Promise((resolve) => {
      const done = (): void => {
        this.waiters.delete(done);
        signal?.removeEventListener('abort', done);
        resolve(this.value);
      };
      this.waiters.add(done);
      signal?.addEventListener('abort', done, { once: true });
      if (this.asked < generation) {
        this.asked = generation;
        this.request(generation);
        if (this.answerTimer !== null) clearTimeout(this.answerTimer);
        this.answerTimer = setTimeout(() => this.answered(), this.answerTimeoutMs);
        this.answerTimer.unref();
      }
    });
  }

  private answered(): void {
    this.asked = -1;
    if (this.answerTimer !== null) clearTimeout(this.answerTimer);
    this.answerTimer = null;
    for (const waiter of [...this.waiters]) waiter();
  }
}

function sameHeaders(a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>): boolean {
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  for (const key of keys) if (a[key] !== b[key]) return false;
  return true;
}

// ---------------------------------------------------------------------------------------------------
// Resolution through client-node's KubeConfig (main thread only: `kc` is passed in, never imported).

interface Resolved {
  readonly tls: TlsMaterial;
  readonly headers: Record<string, string>;
}

const pem = (value: unknown): string | undefined => {
  if (typeof value === 'string') return value;
  if (Buffer.isBuffer(value)) return value.toString('utf8');
  return undefined;
};

/** TLS material and headers exactly as client-node applies them to its own requests. */
export async function resolveKubeConfig(kc: KubeConfigLike): Promise<Resolved> {
  const opts: HttpsRequestOptions = { headers: {} };
  await kc.applyToHTTPSOptions(opts);
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(opts.headers ?? {})) {
    if (typeof value === 'string' || typeof value === 'number') headers[name.toLowerCase()] = String(value);
    else if (Array.isArray(value)) headers[name.toLowerCase()] = value.join(', ');
  }
  if (opts.auth) headers.authorization = `Basic ${Buffer.from(opts.auth).toString('base64')}`;
  const tls: { -readonly [K in keyof TlsMaterial]: TlsMaterial[K] } = {};
  const ca = pem(opts.ca);
  const cert = pem(opts.cert);
  const key = pem(opts.key);
  if (ca !== undefined) tls.ca = ca;
  if (cert !== undefined) tls.cert = cert;
  if (key !== undefined) tls.key = key;
  if (opts.rejectUnauthorized !== undefined) tls.rejectUnauthorized = opts.rejectUnauthorized;
  if (opts.servername !== undefined) tls.servername = opts.servername;
  return { tls, headers };
}

/** Names of the auth providers client-node tries before its file provider (azure, gcp, exec). */
const PROVIDERS_BEFORE_FILE = new Set(['azure', 'gcp', 'exec']);

/**
 * The token file of client-node's `tokenFile` auth provider (what `loadFromCluster` configures for the
 * service-account token), when that provider is the one client-node uses for `user`: no static token
 * (client-node lets `token` win), no exec plugin, no earlier provider.
 */
export function tokenFileOf(user: User | null): string | null {
  if (user === null || user.token || user.exec) return null;
  const provider = user.authProvider as { name?: unknown; config?: Record<string, unknown> } | undefined | null;
  const file = provider?.config?.tokenFile;
  if (typeof file !== 'string' || file === '' || provider?.config?.exec) return null;
  if (typeof provider?.name === 'string' && PROVIDERS_BEFORE_FILE.has(provider.name)) return null;
  return file;
}

/** client-go's fileTokenSource: the file's content, trimmed; an empty file is an error. */
export function readTokenFile(file: string): string {
  const token = readFileSync(file, 'utf8').trim();
  if (token === '') throw new Error(`read empty token from file ${JSON.stringify(file)}`);
  return token;
}

// ---------------------------------------------------------------------------------------------------
// The connection itself.

export interface PoolOptions {
  /** Upper bound on open connections; requests beyond it queue inside the pool. */
  readonly connections: number;
  /** Requests in flight per connection (undici's default 1). */
  readonly pipelining?: number;
  /** How long an idle connection stays open. Default 30 s. */
  readonly keepAliveTimeoutMs?: number;
}

export class ApiConnection<C extends CredentialSource = CredentialSource> {
  /** Scheme, host and port: what a pool connects to. */
  readonly origin: string;
  /** The server URL's path without a trailing slash ('' for most clusters), prefixed to every API path. */
  readonly basePath: string;
  private readonly https: boolean;

  /** Throws when the target is unusable (bad URL, plain http without skip-TLS-verify). */
  constructor(
    readonly target: ConnectionTarget,
    readonly credentials: C,
  ) {
    const url = serverUrl(target);
    this.origin = url.origin;
    this.basePath = url.pathname.replace(/\/+$/, '');
    this.https = url.protocol === 'https:';
  }

  /**
   * Connects to the current context's cluster of `kc`, with TLS material and headers as client-node
   * resolves them, re-resolved through `kc` when they may have rotated.
   */
  static async fromKubeConfig(
    kc: KubeConfigLike,
    options: RefreshingCredentialsOptions = {},
  ): Promise<ApiConnection<RefreshingCredentials>> {
    const cluster = kc.getCurrentCluster();
    if (cluster === null) throw new Error('kubeconfig has no current cluster');
    if (new URL(cluster.server).protocol === 'http:' && !cluster.skipTLSVerify)
      // Same rule as client-node: plain http only when the kubeconfig explicitly skips TLS verification.
      throw new Error('HTTP protocol is not allowed when skipTLSVerify is not set or false');
    const tokenFile = tokenFileOf(kc.getCurrentUser());
    const withTokenFile = (headers: Record<string, string>): Record<string, string> =>
      tokenFile === null ? headers : { ...headers, authorization: `Bearer ${readTokenFile(tokenFile)}` };
    const { tls, headers } = await resolveKubeConfig(kc);
    // client-node sets rejectUnauthorized only when there is a user; skip-verify is the cluster's call.
    const target: ConnectionTarget = {
      server: cluster.server,
      tls: cluster.skipTLSVerify ? { ...tls, rejectUnauthorized: false } : tls,
    };
    const credentials = new RefreshingCredentials(
      async () => withTokenFile((await resolveKubeConfig(kc)).headers),
      withTokenFile(headers),
      options,
    );
    return new ApiConnection(target, credentials);
  }

  /** A keep-alive pool to the server with this connection's TLS options. */
  createPool(options: PoolOptions): Pool {
    const tls = this.target.tls;
    return new Pool(this.origin, {
      connections: options.connections,
      ...(options.pipelining === undefined ? {} : { pipelining: options.pipelining }),
      keepAliveTimeout: options.keepAliveTimeoutMs ?? 30_000,
      connect: this.https
        ? {
            ...(tls.ca === undefined ? {} : { ca: tls.ca }),
            ...(tls.cert === undefined ? {} : { cert: tls.cert }),
            ...(tls.key === undefined ? {} : { key: tls.key }),
            ...(tls.rejectUnauthorized === undefined ? {} : { rejectUnauthorized: tls.rejectUnauthorized }),
            ...(tls.servername === undefined ? {} : { servername: tls.servername }),
          }
        : undefined,
    });
  }

  /** The request path for an API path: base path prefixed, query appended. */
  requestPath(path: string, query?: Readonly<Record<string, string>>): string {
    const search = query === undefined ? '' : new URLSearchParams(query).toString();
    return `${this.basePath}${path}${search === '' ? '' : `?${search}`}`;
  }
}
