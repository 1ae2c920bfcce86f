// The operations endpoint (`--metrics-bind-address`): /metrics for Prometheus, /healthz for liveness and
// /readyz for readiness, like kube-controller-manager's secure serving minus TLS. Liveness must not
// depend on the API server (a restart loop would not fix an unreachable apiserver); readiness does:
// it turns 200 only once every informer cache has synced.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../../shared/logger.js';

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
}

export interface OpsServer {
  /** Where it listens (the real port when bound to port 0). */
  readonly address: { readonly host: string; readonly port: number };
  close(): Promise<void>;
}

/** Starts the server, or returns `null` when the bind address is `0`. */
export async function startOpsServer(options: OpsServerOptions): Promise<OpsServer | null> {
  const bind = parseBindAddress(options.bindAddress);
  if (bind === null) return null;

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') return reply(res, 405, 'method not allowed\n');
    switch (path) {
      case '/metrics': {
        const body = await options.metrics.render();
        return reply(res, 200, body, options.metrics.contentType);
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

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      options.log.error('ops request failed', { url: req.url, error: String(err) });
      if (!res.headersSent) reply(res, 500, 'internal error\n');
      else res.destroy();
    });
  });
  // A scrape or probe connection must never keep the process from exiting.
  server.keepAliveTimeout = 5_000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(bind.port, bind.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const info = server.address() as AddressInfo;
  options.log.info('ops server listening', { address: info.address, port: info.port });

  return {
    address: { host: info.address, port: info.port },
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
