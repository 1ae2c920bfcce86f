// The simulated kube-apiserver: plain node:http on 127.0.0.1. This file holds the server's life
// cycle and dispatch (faults first, then non-resource endpoints or the resource handlers in
// handlers/); object semantics live in the store.

import { writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { handleNonResource } from './endpoints.js';
import { writeInjectedFailure } from './faultResponse.js';
import { type FaultConfig, FaultInjector } from './faults.js';
import type { ResourceRequest, SimAuthorizer } from './handlers/context.js';
import { type EvictionRetry, evictPod } from './handlers/eviction.js';
import { getObject, listObjects } from './handlers/read.js';
import { createReview } from './handlers/reviews.js';
import { type WatchHost, watchObjects } from './handlers/watch.js';
import { createObject, deleteObject, patchObject, updateObject } from './handlers/write.js';
import { readBody, sendJson } from './http.js';
import { buildKubeconfig, type KubeconfigOptions, userOfAuthorization } from './kubeconfig.js';
import { OpenApiDocuments } from './openapi/documents.js';
import { BoundedRequestLog, type RequestLog, type SimVerb } from './requestLog.js';
import { type DraVersion, type PodGroupVersion, type RuleVersion, type ServedVersions, verbsOf } from './resources.js';
import { parseRoute, type Route } from './route.js';
import { SimApiError, statusObject } from './status.js';
import { SimStore } from './store.js';
import type { WatchSession } from './watchSession.js';

export interface SimServerOptions {
  /** Default 0 = random; always binds 127.0.0.1. */
  port?: number;
  /** DeviceTaintRule versions served; default ['v1']; [] = no rule API. */
  ruleVersions?: RuleVersion[];
  /** Claims/slices/classes versions served; default ['v1']; v1beta1 wraps device fields in `basic`. */
  draVersions?: DraVersion[];
  /** scheduling.k8s.io PodGroup versions served (workload claims); default [] = not served. */
  podGroupVersions?: PodGroupVersion[];
  /** Events kept for watch resume; older resourceVersion → 410 Gone (default 10,000). */
  watchHistory?: number;
  /** Bookmark period for watches with allowWatchBookmarks (default 1000). */
  bookmarkIntervalMs?: number;
  /** Default immediate removal; with grace: deletionTimestamp set, removed later. */
  podDeletion?: { gracePeriodMs: number };
  /**
   * Run the disruption controller (PodDisruptionBudget status) in the store (default true); false:
   * PDB status is only what clients and evictions write, as with kube-controller-manager stopped.
   */
  disruptionController?: boolean;
  /**
   * EvictionsRetry of the eviction subresource: attempts and pause for a conflicting delete of a pod
   * that skips the budget (default upstream's 20 × 500 ms, +10 % jitter).
   */
  evictionRetry?: EvictionRetry;
  faults?: FaultConfig;
  /** For timeAdded / creationTimestamp defaulting. */
  clock?: () => number;
  /** Requests kept in `requests.recent()` (default 10,000; 0 = counters only). */
  requestLogCapacity?: number;
}

export interface SimServer {
  /** http://127.0.0.1:PORT */
  readonly url: string;
  readonly port: number;
  kubeconfigYaml(opts?: KubeconfigOptions): string;
  writeKubeconfig(path: string, opts?: KubeconfigOptions): Promise<void>;
  /** In-process access with the same semantics and events as HTTP. */
  readonly store: SimStore;
  readonly requests: RequestLog;
  setFaults(f: FaultConfig): void;
  /** Answers SubjectAccessReviews; allows everything unless a test sets it. */
  authorizer: SimAuthorizer;
  /** Ends every open watch stream now (clients see a clean end of stream). */
  dropWatches(): void;
  /** Open watch streams. */
  readonly activeWatches: number;
  close(): Promise<void>;
}

export class SimApiServer implements SimServer {
  readonly store: SimStore;
  authorizer: SimAuthorizer = () => true;
  private readonly log: BoundedRequestLog;
  private readonly faults = new FaultInjector();
  private readonly served: ServedVersions;
  private readonly bookmarkMs: number;
  private readonly sessions = new Set<WatchSession>();
  private dropTimer: NodeJS.Timeout | undefined;
  private readonly server = createServer((req, res) => {
    this.handle(req, res).catch((err: unknown) => this.fail(res, err));
  });
  private boundPort = 0;
  private watchesToExpire = 0;
  private readonly openapi: OpenApiDocuments;
  private readonly watchHost: WatchHost;
  private readonly evictionRetry: EvictionRetry | undefined;

  constructor(opts: SimServerOptions = {}) {
    this.store = new SimStore({
      watchHistory: opts.watchHistory,
      clock: opts.clock,
      podDeletion: opts.podDeletion,
      disruptionController: opts.disruptionController,
    });
    this.evictionRetry = opts.evictionRetry;
    this.log = new BoundedRequestLog(opts.requestLogCapacity ?? 10_000);
    this.served = {
      ruleVersions: opts.ruleVersions ?? ['v1'],
      draVersions: opts.draVersions ?? ['v1'],
      podGroupVersions: opts.podGroupVersions ?? [],
    };
    this.bookmarkMs = opts.bookmarkIntervalMs ?? 1000;
    this.openapi = new OpenApiDocuments(this.served, verbsOf);
    const server = this;
    this.watchHost = {
      bookmarkMs: this.bookmarkMs,
      sessions: this.sessions,
      takeForcedExpiry() {
        if (server.watchesToExpire <= 0) return false;
        server.watchesToExpire--;
        return true;
      },
    };
    if (opts.faults !== undefined) this.setFaults(opts.faults);
  }

  async listen(port: number): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, '127.0.0.1', () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    this.boundPort = (this.server.address() as AddressInfo).port;
  }

  get port(): number {
    return this.boundPort;
  }

  get url(): string {
    return `http://127.0.0.1:${this.boundPort}`;
  }

  get requests(): RequestLog {
    return this.log;
  }

  get activeWatches(): number {
    return this.sessions.size;
  }

  kubeconfigYaml(opts?: KubeconfigOptions): string {
    return buildKubeconfig(this.url, opts);
  }

  async writeKubeconfig(path: string, opts?: KubeconfigOptions): Promise<void> {
    await writeFile(path, this.kubeconfigYaml(opts), { mode: 0o600 });
  }

  setFaults(f: FaultConfig): void {
    this.faults.set(f);
    if (this.dropTimer !== undefined) clearInterval(this.dropTimer);
    this.dropTimer = undefined;
    if (f.watchDropIntervalMs !== undefined && f.watchDropIntervalMs > 0) {
      this.dropTimer = setInterval(() => this.dropWatches(), f.watchDropIntervalMs);
      this.dropTimer.unref();
    }
    if (f.expireHistory === true) this.store.compactHistory();
    this.watchesToExpire = f.expireWatches ?? 0;
  }

  dropWatches(): void {
    for (const s of [...this.sessions]) s.close();
  }

  async close(): Promise<void> {
    if (this.dropTimer !== undefined) clearInterval(this.dropTimer);
    this.dropWatches();
    this.store.close();
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    await closed;
  }

  // ---- request handling ----

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const route = parseRoute(url.pathname, this.served);
    const method = req.method ?? 'GET';
    const verb = verbOf(route, method, url.searchParams);
    const resource = route.kind === 'resource' ? route.def.plural : '';
    const group = route.kind === 'resource' ? route.def.group : '';
    const subresource = route.kind === 'resource' ? route.subresource : '';
    const receivedAt = Date.now();
    const userAgent = req.headers['user-agent'] ?? '';
    const user = userOfAuthorization(req.headers.authorization);
    // 'close' rather than 'finish': a watch the client aborts never finishes, but it must be counted.
    res.on('close', () =>
      this.log.record({
        method,
        path: url.pathname,
        verb,
        resource,
        group,
        subresource,
        namespace: route.kind === 'resource' ? (route.namespace ?? '') : '',
        name: route.kind === 'resource' ? (route.name ?? '') : '',
        code: res.statusCode,
        time: Date.now(),
        receivedAt,
        userAgent,
        user,
      }),
    );
    const latency = this.faults.current.latencyMs;
    if (latency !== undefined && latency > 0 && verb !== 'discovery') await sleep(latency);
    const injected = this.faults.draw(verb, resource, subresource);
    if (injected !== undefined) {
      await readBody(req);
      writeInjectedFailure(res, injected, `${verb} ${resource}`);
      return;
    }
    if (route.kind !== 'resource') {
      handleNonResource(req, res, route, url.searchParams, {
        served: this.served,
        address: `127.0.0.1:${this.boundPort}`,
        openapi: this.openapi,
      });
      return;
    }
    const r: ResourceRequest = {
      req,
      res,
      route,
      q: url.searchParams,
      store: this.store,
      now: Date.now,
      authorize: this.authorizer,
    };
    if (route.def.review === true) {
      if (verb !== 'create')
        throw new SimApiError(
          405,
          'MethodNotAllowed',
          `the server does not allow this method on the requested resource`,
        );
      return createReview(r);
    }
    // pods/eviction: EvictionREST is only a NamedCreater.
    if (route.subresource === 'eviction') {
      if (verb !== 'create')
        throw new SimApiError(
          405,
          'MethodNotAllowed',
          `the server does not allow this method on the requested resource`,
        );
      return evictPod(r, this.evictionRetry);
    }
    switch (verb) {
      case 'list':
        return listObjects(r);
      case 'watch':
        return watchObjects(r, this.watchHost);
      case 'get':
        return getObject(r);
      case 'create':
        return createObject(r);
      case 'update':
        return updateObject(r);
      case 'patch':
        return patchObject(r);
      case 'delete':
        return deleteObject(r);
      default:
        throw new SimApiError(405, 'MethodNotAllowed', `method ${method} not allowed`);
    }
  }

  private fail(res: ServerResponse, err: unknown): void {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    if (err instanceof SimApiError) {
      // responsewriters.ErrorNegotiated: a Status with retryAfterSeconds also sets Retry-After.
      const retry = err.details?.retryAfterSeconds;
      sendJson(res, err.code, err.toStatus(), retry !== undefined && retry > 0 ? { 'Retry-After': String(retry) } : {});
      return;
    }
    const message = err instanceof Error ? err.message : String(err);
    sendJson(res, 500, statusObject(500, 'InternalError', `Internal error occurred: ${message}`));
  }
}

const truthy = (v: string | null): boolean => v === 'true' || v === '1';

function verbOf(route: Route, method: string, q: URLSearchParams): SimVerb {
  if (route.kind !== 'resource') return 'discovery';
  switch (method) {
    case 'GET':
      if (route.name !== undefined) return 'get';
      return truthy(q.get('watch')) ? 'watch' : 'list';
    case 'POST':
      return 'create';
    case 'PUT':
      return 'update';
    case 'PATCH':
      return 'patch';
    case 'DELETE':
      return 'delete';
    default:
      return 'get';
  }
}

export async function startSimServer(opts: SimServerOptions = {}): Promise<SimServer> {
  const server = new SimApiServer(opts);
  await server.listen(opts.port ?? 0);
  return server;
}
