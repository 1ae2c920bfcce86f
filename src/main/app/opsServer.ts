// The operations endpoint (`--metrics-bind-address`): /metrics for Prometheus, /healthz for liveness and
// /readyz for readiness. Plain HTTP (on loopback by default), or with --metrics-secure HTTPS where
// /metrics needs a bearer token the API server authenticates and authorizes, like kube-controller-
// manager's secure port. Liveness must not depend on the API server (a restart loop would not fix an
// unreachable apiserver); readiness does: it turns 200 only once every informer cache has synced.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { type Clock, RealClock } from '../../shared/clock.js';
import type { Logger } from '../../shared/logger.js';
import { SharedTokenBucket } from '../../shared/tokenBucket.js';
import type { AuthDecision } from './delegatedAuth.js';

export interface BindAddress {
  /** `undefined` = all interfaces. */
  readonly host: string | undefined;
  readonly port: number;
}

/**
 * Parses `host:port`, `:port` (all interfaces), `[v6]:port`; returns `null` for `0` (disabled).
 * Throws on anything else, so a typo fails at startup instead of silently disabling metrics.
 */
export function parseBindAddress(value: string): BindAddress | null {
  const text = value.trim();
  if (text === '0') return null;
  const match = /^(?:\[([^\]]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(text);
  if (match === null) throw new Error(`invalid bind address "${value}": want host:port, :port or 0`);
  const port = Number(match[3]);
  if (port > 65_535) throw new Error(`invalid bind address "${value}": port out of range`);
  const host = match[1] ?? match[2];
  return { host: host === '' || host === undefined ? undefined : host, port };
}

export interface OpsServerOptions {
  readonly bindAddress: string;
  /** Prometheus text and its content type. */
  readonly metrics: { render(): Promise<string>; readonly contentType: string };
  /** True once caches have synced (and, with leader election, regardless of leadership). */
  readonly isReady: () => boolean;
  readonly log: Logger;
  /**
   * HTTPS with delegated authentication and authorization for /metrics (kube-controller-manager's
   * secure port); absent: plain HTTP, no authentication (bind it to loopback).
   */
  readonly secure?: {
    readonly tls: { readonly cert: string; readonly key: string };
    /** Decides whether a request may read `path`. */
    readonly auth: { check(authorization: string | undefined, path: string): Promise<AuthDecision> };
  };
  /** Renders of /metrics per second beyond which scrapes get 429 (default 5, burst 10). */
  readonly scrapesPerSecond?: number;
  readonly clock?: Clock;
}

export interface OpsServer {
  /** Where it listens (the real port when bound to port 0). */
  readonly address: { readonly host: string; readonly port: number };
  readonly scheme: 'http' | 'https';
  close(): Promise<void>;
}

/**
 * Paths anyone may read, as kube-controller-manager's --authorization-always-allow-paths default: the
 * kubelet's probes carry no token.
 */
const ALWAYS_ALLOWED = new Set(['/healthz', '/readyz', '/livez']);
/** How long a rendered /metrics is served again: a scrape storm costs one render per second at most. */
const RENDER_REUSE_MS = 1_000;
/** Connections held open at once: an abusive scraper must not exhaust sockets or TLS handshakes. */
const MAX_CONNECTIONS = 64;

/** Starts the server, or returns `null` when the bind address is `0`. */
export async function startOpsServer(options: OpsServerOptions): Promise<OpsServer | null> {
  const bind = parseBindAddress(options.bindAddress);
  if (bind === null) return null;
  const clock = options.clock ?? new RealClock();
  const rate = options.scrapesPerSecond ?? 5;
  // Scraping must never starve the controller: a token bucket on /metrics (429 beyond it) and a
  // rendered body reused for a second. Probes are exempt (and cheap).
  const scrapes = new SharedTokenBucket(SharedTokenBucket.createSpec({ qps: rate, burst: rate * 2 }), () =>
    clock.now(),
  );
  let rendered: { readonly body: string; readonly at: number } | null = null;

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    if (req.method !== 'GET' && req.method !== 'HEAD') return reply(res, 405, 'method not allowed\n');
    if (options.secure !== undefined && !ALWAYS_ALLOWED.has(path)) {
      const decision = await options.secure.auth.check(req.headers.authorization, path);
      if (!decision.allowed) {
        if (decision.status === 401) res.setHeader('www-authenticate', 'Bearer');
        return reply(
          res,
          decision.status,
          `${decision.status === 401 ? 'Unauthorized' : 'Forbidden'}: ${decision.reason}\n`,
        );
      }
    }
    switch (path) {
      case '/metrics': {
        if (!scrapes.tryAcquire()) {
          res.setHeader('retry-after', '1');
          return reply(res, 429, 'too many scrapes; try again later\n');
        }
        const now = clock.now();
        if (rendered === null || now - rendered.at >= RENDER_REUSE_MS)
          rendered = { body: await options.metrics.render(), at: now };
        return reply(res, 200, rendered.body, options.metrics.contentType);
      }
      case '/healthz':
      case '/livez':
        return reply(res, 200, 'ok\n');
      case '/readyz':
        return options.isReady() ? reply(res, 200, 'ok\n') : reply(res, 503, 'informer caches not synced\n');
      default:
        return reply(res, 404, 'not found\n');
    }
  };

  const listener = (req: IncomingMessage, res: ServerResponse): void => {
    handle(req, res).catch((err: unknown) => {
      options.log.error('ops request failed', { url: req.url, error: String(err) });
      if (!res.headersSent) reply(res, 500, 'internal error\n');
      else res.destroy();
    });
  };
  const server: Server =
    options.secure === undefined
      ? createServer(listener)
      : createHttpsServer({ cert: options.secure.tls.cert, key: options.secure.tls.key }, listener);
  // A scrape or probe connection must never keep the process from exiting.
  server.keepAliveTimeout = 5_000;
  server.maxConnections = MAX_CONNECTIONS;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(bind.port, bind.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const info = server.address() as AddressInfo;
  const scheme = options.secure === undefined ? 'http' : 'https';
  options.log.info('ops server listening', { address: info.address, port: info.port, scheme });

  return {
    address: { host: info.address, port: info.port },
    scheme,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}

function reply(res: ServerResponse, status: number, body: string, contentType = 'text/plain; charset=utf-8'): void {
  res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}
