// The endpoints that are not resources: /, /version, the health checks, discovery and OpenAPI.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { apiGroup, coreVersions, groupList, resourceList, versionInfo } from './discovery.js';
import { sendJson, sendText } from './http.js';
import { parseAccept } from './negotiation.js';
import type { OpenApiDocuments } from './openapi/documents.js';
import { type ServedVersions, servedGroupVersions } from './resources.js';
import type { Route } from './route.js';
import { statusObject } from './status.js';

export type NonResourceRoute = Exclude<Route, { kind: 'resource' }>;

export interface EndpointContext {
  readonly served: ServedVersions;
  readonly address: string;
  readonly openapi: OpenApiDocuments;
}

const notFound = (res: ServerResponse) =>
  sendJson(res, 404, statusObject(404, 'NotFound', 'the server could not find the requested resource'));

// healthz.handleRootHealth: "ok", or with ?verbose one line per check and "<name> check passed".
const CHECKS: Readonly<Record<string, readonly string[]>> = {
  healthz: ['ping', 'log', 'etcd', 'poststarthook/start-apiserver-admission-initializer'],
  livez: ['ping', 'log', 'etcd', 'poststarthook/start-apiserver-admission-initializer'],
  readyz: [
    'ping',
    'log',
    'etcd',
    'etcd-readiness',
    'informer-sync',
    'poststarthook/start-apiserver-admission-initializer',
    'shutdown',
  ],
};

function health(res: ServerResponse, route: Extract<Route, { kind: 'health' }>, q: URLSearchParams): void {
  const checks = CHECKS[route.endpoint]!;
  if (route.check !== undefined) {
    if (checks.includes(route.check)) sendText(res, 200, 'ok');
    else sendText(res, 404, '404 page not found\n');
    return;
  }
  if (!q.has('verbose')) {
    sendText(res, 200, 'ok');
    return;
  }
  sendText(res, 200, `${checks.map((c) => `[+]${c} ok\n`).join('')}${route.endpoint} check passed\n`);
}

function rootPaths(served: ServedVersions): string[] {
  const paths = [
    '/api',
    '/api/v1',
    '/apis',
    '/healthz',
    '/livez',
    '/openapi/v2',
    '/openapi/v3',
    '/openapi/v3/',
    '/readyz',
    '/version',
  ];
  for (const [group, versions] of servedGroupVersions(served)) {
    if (group === '') continue;
    paths.push(`/apis/${group}`);
    for (const v of versions.keys()) paths.push(`/apis/${group}/${v}`);
  }
  return paths.sort();
}

// kube-openapi handler.RegisterOpenAPIVersionedService: Accept clauses in order, each matched
// against JSON, then the two spellings of the protobuf type (answered with the dotted one).
const V2_TYPES: readonly [string, 'json' | 'protobuf'][] = [
  ['json', 'json'],
  ['com.github.proto-openapi.spec.v2@v1.0+protobuf', 'protobuf'],
  ['com.github.proto-openapi.spec.v2.v1.0+protobuf', 'protobuf'],
];
const PROTO_V2 = 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf';

function openapiV2(req: IncomingMessage, res: ServerResponse, ctx: EndpointContext): void {
  const doc = ctx.openapi.swagger();
  for (const clause of parseAccept(req.headers.accept || '*/*')) {
    for (const [subType, encoding] of V2_TYPES) {
      if (
        (clause.type !== 'application' && clause.type !== '*') ||
        (clause.subType !== subType && clause.subType !== '*')
      ) {
        continue;
      }
      const body = encoding === 'json' ? doc.body : ctx.openapi.swaggerProtobuf();
      res.writeHead(200, {
        'Content-Type': encoding === 'json' ? 'application/json' : PROTO_V2,
        Etag: JSON.stringify(doc.etag),
        Vary: 'Accept',
        'Content-Length': body.length,
      });
      res.end(body);
      return;
    }
  }
  res.writeHead(406);
  res.end();
}

/** handler3.HandleGroupVersion: a stale ?hash is redirected to the current one. */
function openapiV3(res: ServerResponse, path: string, q: URLSearchParams, ctx: EndpointContext): void {
  const doc = ctx.openapi.groupVersion(path);
  if (doc === undefined) {
    sendText(res, 404, '404 page not found\n');
    return;
  }
  const hash = q.get('hash');
  const headers: Record<string, string | number> = {
    'Content-Type': 'application/json',
    Etag: JSON.stringify(doc.etag),
    Vary: 'Accept',
  };
  if (hash !== null && hash !== '') {
    if (hash !== doc.etag) {
      res.writeHead(301, { Location: `/openapi/v3/${path}?hash=${doc.etag}` });
      res.end();
      return;
    }
    headers['Cache-Control'] = 'public, immutable';
    headers.Expires = new Date(Date.now() + 365 * 24 * 3600 * 1000).toUTCString();
  }
  res.writeHead(200, { ...headers, 'Content-Length': doc.body.length });
  res.end(doc.body);
}

export function handleNonResource(
  req: IncomingMessage,
  res: ServerResponse,
  route: NonResourceRoute,
  q: URLSearchParams,
  ctx: EndpointContext,
) {
  switch (route.kind) {
    case 'root':
      return sendJson(res, 200, { paths: rootPaths(ctx.served) });
    case 'version':
      return sendJson(res, 200, versionInfo());
    case 'health':
      return health(res, route, q);
    case 'coreVersions':
      return sendJson(res, 200, coreVersions(ctx.address));
    case 'groupList':
      return sendJson(res, 200, groupList(ctx.served));
    case 'group': {
      const doc = apiGroup(ctx.served, route.group);
      return doc === undefined ? notFound(res) : sendJson(res, 200, doc);
    }
    case 'resourceList': {
      const doc = resourceList(ctx.served, route.group, route.version);
      return doc === undefined ? notFound(res) : sendJson(res, 200, doc);
    }
    case 'openapiV2':
      return openapiV2(req, res, ctx);
    case 'openapiV3Discovery':
      return sendJson(res, 200, ctx.openapi.discovery());
    case 'openapiV3':
      return openapiV3(res, route.path, q, ctx);
    case 'notFound':
      return notFound(res);
  }
}
