// The simulated kube-apiserver: plain node:http on 127.0.0.1, JSON only. Routing, content types,
// list streaming and watch wiring live here; object semantics live in the store.

import { writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { parse as parseYaml } from 'yaml';
import { decodeContinue, encodeContinue } from './continueToken.js';
import { fromStorage, isStorageVersion, toStorage } from './conversion.js';
import { apiGroup, coreVersions, groupList, resourceList, versionInfo } from './discovery.js';
import { writeInjectedFailure } from './faultResponse.js';
import { type FaultConfig, FaultInjector } from './faults.js';
import { isObject, type JsonObject, type JsonValue, parseJson } from './json.js';
import { buildKubeconfig, type KubeconfigOptions } from './kubeconfig.js';
import { PATCH_CONTENT_TYPES } from './patch.js';
import { BoundedRequestLog, type RequestLog, type SimVerb } from './requestLog.js';
import type { DraVersion, PodGroupVersion, ResourceDef, RuleVersion, ServedVersions } from './resources.js';
import { apiVersionOf } from './resources.js';
import { parseRoute, type Route } from './route.js';
import { badRequest, SimApiError, statusObject } from './status.js';
import { compileFilter, type DeleteOptions, entryObject, SimStore } from './store.js';
import { WatchSession } from './watchSession.js';

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
  /** Ends every open watch stream now (clients see a clean end of stream). */
  dropWatches(): void;
  /** Open watch streams. */
  readonly activeWatches: number;
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 8 * 1024 * 1024;
const LIST_CHUNK_BYTES = 256 * 1024;

const truthy = (v: string | null): boolean => v === 'true' || v === '1';

function sendJson(res: ServerResponse, code: number, body: JsonValue, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(code, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) reject(new SimApiError(413, 'BadRequest', 'request entity too large'));
      else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** Writes `chunks` honouring backpressure, so a 150k-pod list never sits in memory twice. */
async function writeAll(res: ServerResponse, chunks: Iterable<Buffer>): Promise<void> {
  let pending: Buffer[] = [];
  let size = 0;
  const flush = async () => {
    if (pending.length === 0) return;
    const ok = res.write(pending.length === 1 ? pending[0]! : Buffer.concat(pending, size));
    pending = [];
    size = 0;
    if (!ok && !res.destroyed) {
      await new Promise<void>((resolve) => {
        const done = () => {
          res.off('drain', done);
          res.off('close', done);
          resolve();
        };
        res.on('drain', done);
        res.on('close', done);
      });
    }
  };
  for (const c of chunks) {
    if (res.destroyed) return;
    pending.push(c);
    size += c.length;
    if (size >= LIST_CHUNK_BYTES) await flush();
  }
  await flush();
}

export class SimApiServer implements SimServer {
  readonly store: SimStore;
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

  constructor(opts: SimServerOptions = {}) {
    this.store = new SimStore({ watchHistory: opts.watchHistory, clock: opts.clock, podDeletion: opts.podDeletion });
    this.log = new BoundedRequestLog(opts.requestLogCapacity ?? 10_000);
    this.served = {
      ruleVersions: opts.ruleVersions ?? ['v1'],
      draVersions: opts.draVersions ?? ['v1'],
      podGroupVersions: opts.podGroupVersions ?? [],
    };
    this.bookmarkMs = opts.bookmarkIntervalMs ?? 1000;
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
    switch (route.kind) {
      case 'root':
        return sendJson(res, 200, { paths: ['/api', '/api/v1', '/apis', '/version'] });
      case 'version':
        return sendJson(res, 200, versionInfo());
      case 'coreVersions':
        return sendJson(res, 200, coreVersions(`127.0.0.1:${this.boundPort}`));
      case 'groupList':
        return sendJson(res, 200, groupList(this.served));
      case 'group':
        return this.sendOr404(res, apiGroup(this.served, route.group));
      case 'resourceList':
        return this.sendOr404(res, resourceList(this.served, route.group, route.version));
      case 'notFound':
        return sendJson(res, 404, statusObject(404, 'NotFound', 'the server could not find the requested resource'));
      case 'resource':
        return this.handleResource(req, res, route, verb, url.searchParams);
    }
  }

  private sendOr404(res: ServerResponse, body: JsonObject | undefined): void {
    if (body === undefined)
      sendJson(res, 404, statusObject(404, 'NotFound', 'the server could not find the requested resource'));
    else sendJson(res, 200, body);
  }

  private async handleResource(
    req: IncomingMessage,
    res: ServerResponse,
    route: Extract<Route, { kind: 'resource' }>,
    verb: SimVerb,
    q: URLSearchParams,
  ): Promise<void> {
    const { def, version, name } = route;
    const namespace = route.namespace ?? '';
    const out = (code: number, obj: JsonObject) => sendJson(res, code, fromStorage(def, version, obj));
    const needsNamespace = () => {
      if (def.namespaced && route.namespace === undefined) {
        throw new SimApiError(404, 'NotFound', 'the server could not find the requested resource');
      }
    };
    switch (verb) {
      case 'list':
        return this.list(res, route, q);
      case 'watch':
        return this.watch(res, route, q);
      case 'get': {
        needsNamespace();
        const entry = this.store.getEntry(def.id, namespace, name!);
        if (entry === undefined) throw notFoundFor(def, name!);
        if (isStorageVersion(def, version)) {
          res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': entry.json.length });
          res.end(entry.json);
        } else out(200, entryObject(entry));
        return;
      }
      case 'create': {
        if (route.subresource !== '')
          throw new SimApiError(405, 'MethodNotAllowed', 'create is not supported on subresources');
        const body = this.objectBody(await readBody(req), def, version);
        const meta = isObject(body.metadata) ? body.metadata : {};
        if (def.namespaced) {
          if (route.namespace === undefined) throw badRequest('namespace is required for namespaced resources');
          if (typeof meta.namespace === 'string' && meta.namespace !== '' && meta.namespace !== namespace) {
            throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
          }
          body.metadata = { ...meta, namespace };
        }
        return out(201, this.store.create(def.id, body));
      }
      case 'update': {
        needsNamespace();
        const body = this.objectBody(await readBody(req), def, version);
        const meta = isObject(body.metadata) ? body.metadata : {};
        if (typeof meta.name === 'string' && meta.name !== name) {
          throw badRequest(`the name of the object (${meta.name}) does not match the name on the URL (${name})`);
        }
        body.metadata = def.namespaced ? { ...meta, name: name!, namespace } : { ...meta, name: name! };
        const sub = route.subresource === 'status' ? 'status' : undefined;
        return out(200, this.store.update(def.id, body, { subresource: sub }));
      }
      case 'patch': {
        needsNamespace();
        const contentType = (req.headers['content-type'] ?? '').split(';')[0]!.trim();
        const type = PATCH_CONTENT_TYPES[contentType];
        if (type === undefined) {
          throw new SimApiError(
            415,
            'UnsupportedMediaType',
            `the body of the request was in an unknown format - accepted media types include: ${Object.keys(PATCH_CONTENT_TYPES).join(', ')}`,
          );
        }
        const text = await readBody(req);
        const body = type === 'apply' ? parseApplyBody(text) : parseJson(text);
        if (body === undefined) throw badRequest('the request body is not valid JSON');
        const existed = this.store.getEntry(def.id, namespace, name!) !== undefined;
        const result = this.store.patch(def.id, namespace, name!, type, body, {
          version,
          subresource: route.subresource === 'status' ? 'status' : undefined,
          fieldManager: q.get('fieldManager') ?? undefined,
          force: truthy(q.get('force')),
        });
        return out(existed ? 200 : 201, result);
      }
      case 'delete': {
        needsNamespace();
        if (name === undefined) throw new SimApiError(405, 'MethodNotAllowed', 'deletecollection is not supported');
        const text = await readBody(req);
        const opts = deleteOptions(text, q);
        return out(200, this.store.delete(def.id, namespace, name, opts));
      }
      default:
        throw new SimApiError(405, 'MethodNotAllowed', `method ${req.method} not allowed`);
    }
  }

  private objectBody(text: string, def: ResourceDef, version: string): JsonObject {
    const parsed = parseJson(text);
    if (!isObject(parsed)) throw badRequest('the request body must be a JSON object');
    const expected = apiVersionOf(def.group, version);
    if (parsed.apiVersion !== undefined && parsed.apiVersion !== expected) {
      throw badRequest(
        `the API version in the data (${String(parsed.apiVersion)}) does not match the expected API version (${expected})`,
      );
    }
    return toStorage(def, version, parsed);
  }

  private async list(
    res: ServerResponse,
    route: Extract<Route, { kind: 'resource' }>,
    q: URLSearchParams,
  ): Promise<void> {
    const { def, version } = route;
    const filter = compileFilter(
      def.id,
      route.namespace,
      q.get('labelSelector') ?? undefined,
      q.get('fieldSelector') ?? undefined,
    );
    const limitParam = q.get('limit');
    const limit = limitParam !== null && limitParam !== '' ? Number.parseInt(limitParam, 10) : undefined;
    const token = q.get('continue');
    const rvParam = q.get('resourceVersion') ?? '';
    let atRv: number | undefined;
    let startAfter: string | undefined;
    if (token !== null && token !== '') {
      if (rvParam !== '' && rvParam !== '0')
        throw badRequest('specifying resource version is not allowed when using continue');
      const pos = decodeContinue(token);
      atRv = pos.rv;
      startAfter = pos.start;
    } else if (rvParam !== '' && rvParam !== '0' && q.get('resourceVersionMatch') === 'Exact') {
      atRv = parseRv(rvParam);
      if (atRv < this.store.compactedResourceVersion) {
        throw new SimApiError(410, 'Expired', `The resourceVersion for the provided list is too old.`);
      }
    }
    const page = this.store.listPage(def.id, {
      ...filter,
      limit: Number.isNaN(limit) ? undefined : limit,
      atRv,
      startAfter,
    });
    const meta: JsonObject = { resourceVersion: String(page.resourceVersion) };
    if (page.continueAfter !== undefined)
      meta.continue = encodeContinue({ rv: page.resourceVersion, start: page.continueAfter });
    if (page.remaining !== undefined) meta.remainingItemCount = page.remaining;
    const head = `{"kind":"${def.kind}List","apiVersion":"${apiVersionOf(def.group, version)}","metadata":${JSON.stringify(meta)},"items":[`;
    res.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' });
    const direct = isStorageVersion(def, version);
    const comma = Buffer.from(',');
    function* chunks(): Generator<Buffer> {
      yield Buffer.from(head);
      let first = true;
      for (const e of page.items) {
        if (!first) yield comma;
        first = false;
        yield direct ? e.json : Buffer.from(JSON.stringify(fromStorage(def, version, entryObject(e))));
      }
      yield Buffer.from(']}');
    }
    await writeAll(res, chunks());
    res.end();
  }

  private watch(res: ServerResponse, route: Extract<Route, { kind: 'resource' }>, q: URLSearchParams): void {
    const { def, version } = route;
    const filter = compileFilter(
      def.id,
      route.namespace,
      q.get('labelSelector') ?? undefined,
      q.get('fieldSelector') ?? undefined,
    );
    const rvParam = q.get('resourceVersion') ?? '';
    const initialEvents = truthy(q.get('sendInitialEvents'));
    const sinceRv = initialEvents || rvParam === '' || rvParam === '0' ? undefined : parseRv(rvParam);
    const timeoutParam = q.get('timeoutSeconds');
    const timeoutMs = timeoutParam !== null && timeoutParam !== '' ? Number(timeoutParam) * 1000 : undefined;
    const bookmarks = truthy(q.get('allowWatchBookmarks'));
    const session = new WatchSession(res, def, version, (s) => this.sessions.delete(s));
    this.sessions.add(session);
    try {
      if (sinceRv !== undefined && this.watchesToExpire > 0) {
        this.watchesToExpire--;
        throw new SimApiError(410, 'Expired', `too old resource version: ${sinceRv} (${this.store.resourceVersion})`);
      }
      session.start((listener) => this.store.watch(def.id, filter, sinceRv, listener), {
        bookmarkMs: bookmarks ? this.bookmarkMs : undefined,
        timeoutMs: timeoutMs !== undefined && timeoutMs > 0 ? timeoutMs : undefined,
        currentRv: () => this.store.resourceVersion,
      });
      if (initialEvents && bookmarks)
        session.bookmark(this.store.resourceVersion, { 'k8s.io/initial-events-end': 'true' });
    } catch (err: unknown) {
      // A watch from a compacted resourceVersion is answered 200 + ERROR event, as real apiservers do.
      if (err instanceof SimApiError) session.fail(err.toStatus());
      else throw err;
    }
  }

  private fail(res: ServerResponse, err: unknown): void {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    if (err instanceof SimApiError) {
      sendJson(res, err.code, err.toStatus());
      return;
    }
    const message = err instanceof Error ? err.message : String(err);
    sendJson(res, 500, statusObject(500, 'InternalError', `Internal error occurred: ${message}`));
  }
}

function notFoundFor(def: ResourceDef, name: string): SimApiError {
  const qualified = def.group === '' ? def.plural : `${def.plural}.${def.group}`;
  return new SimApiError(404, 'NotFound', `${qualified} "${name}" not found`, {
    name,
    group: def.group,
    kind: def.plural,
  });
}

function parseRv(v: string): number {
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < 0) throw badRequest(`invalid resource version: ${v}`);
  return n;
}

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

/** Server-side apply bodies are YAML (JSON is YAML too). */
function parseApplyBody(text: string): JsonValue | undefined {
  try {
    const v: unknown = parseYaml(text);
    return isObject(v) ? v : undefined;
  } catch {
    return undefined;
  }
}

function deleteOptions(body: string, q: URLSearchParams): DeleteOptions {
  const parsed = body.trim() === '' ? {} : parseJson(body);
  if (!isObject(parsed)) throw badRequest('DeleteOptions must be a JSON object');
  const pre = isObject(parsed.preconditions) ? parsed.preconditions : {};
  const graceQ = q.get('gracePeriodSeconds');
  const grace =
    typeof parsed.gracePeriodSeconds === 'number'
      ? parsed.gracePeriodSeconds
      : graceQ !== null
        ? Number(graceQ)
        : undefined;
  return {
    preconditions: {
      uid: typeof pre.uid === 'string' ? pre.uid : undefined,
      resourceVersion: typeof pre.resourceVersion === 'string' ? pre.resourceVersion : undefined,
    },
    gracePeriodSeconds: grace !== undefined && Number.isFinite(grace) ? grace : undefined,
  };
}

export async function startSimServer(opts: SimServerOptions = {}): Promise<SimServer> {
  const server = new SimApiServer(opts);
  await server.listen(opts.port ?? 0);
  return server;
}
