// What every resource handler gets: the request, the route it addressed and the server's state,
// plus the helpers that shape an answer the way handlers/response.go does.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { fromStorage } from '../conversion.js';
import { type Headers, sendEncoded } from '../http.js';
import { isObject, type JsonObject } from '../json.js';
import { negotiateOutput, type OutputMediaType } from '../negotiation.js';
import type { Route } from '../route.js';
import { SimApiError } from '../status.js';
import type { SimStore } from '../store.js';
import { buildTable, partialObjectMetadata, tableOptions } from '../tables/index.js';

export type ResourceRoute = Extract<Route, { kind: 'resource' }>;

export interface ResourceRequest {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly route: ResourceRoute;
  readonly q: URLSearchParams;
  readonly store: SimStore;
  /** Wall clock for table ages (ms since epoch). */
  readonly now: () => number;
  /** Decides SubjectAccessReviews (see SimServer.authorizer). */
  readonly authorize?: SimAuthorizer;
}

/** What a SubjectAccessReview asks about; `true` allows. */
export type SimAuthorizer = (request: {
  readonly user: string;
  readonly verb: string;
  readonly path?: string;
  readonly resource?: string;
  readonly namespace?: string;
}) => boolean;

/** The route's namespace, or 404 when a namespaced object is addressed without one. */
export function namespaceOf(r: ResourceRequest): string {
  if (r.route.def.namespaced && r.route.namespace === undefined) {
    throw new SimApiError(404, 'NotFound', 'the server could not find the requested resource');
  }
  return r.route.namespace ?? '';
}

export const outputOf = (r: ResourceRequest): OutputMediaType => negotiateOutput(r.req.headers.accept, true);

/** transformResponseObject for one object (already in the request's version). */
export function respondObject(
  r: ResourceRequest,
  code: number,
  obj: JsonObject,
  media: OutputMediaType,
  headers: Headers = {},
): void {
  const t = media.transform;
  if (t === undefined || obj.kind === 'Status') {
    sendEncoded(r.res, code, obj, media, headers);
    return;
  }
  if (t.kind === 'PartialObjectMetadataList') {
    throw new SimApiError(
      406,
      'NotAcceptable',
      'you requested PartialObjectMetadataList, but the requested object is not a list (*unstructured.Unstructured)',
    );
  }
  if (t.kind === 'PartialObjectMetadata') {
    sendEncoded(r.res, code, partialObjectMetadata(obj, t.version), media, headers);
    return;
  }
  const meta = isObject(obj.metadata) ? obj.metadata : {};
  const table = buildTable(
    r.route.def.id,
    [obj],
    { resourceVersion: typeof meta.resourceVersion === 'string' ? meta.resourceVersion : '' },
    { version: t.version, includeObject: tableOptions(r.q), noHeaders: false, now: r.now() },
  );
  sendEncoded(r.res, code, table, media, headers);
}

/** A stored object in the route's version. */
export const inRequestVersion = (r: ResourceRequest, stored: JsonObject): JsonObject =>
  fromStorage(r.route.def, r.route.version, stored);
